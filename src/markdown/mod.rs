//! Fenced code blocks of a Markdown file.
//!
//! Runbooks and guides keep alerts, dashboards and queries in fenced blocks
//! (```` ```yaml ````, ```` ```json ````, ```` ```promql ````). promgate lints each block as
//! the file it holds. A block is read *in place*: [`Fence::isolate`] gives a text as
//! long as the whole Markdown file in which every byte outside the block's content is
//! blanked (line breaks kept). The YAML, JSON and PromQL front ends parse that text, so
//! every span they produce, and every [`OffsetMap`](crate::source::OffsetMap) they
//! build, is already a span of the Markdown file: there is no second position mapping,
//! and a block inside a list item or a block quote keeps its exact columns.
//!
//! Fences follow CommonMark: a line of at least three backticks or tildes, indented by
//! spaces or block-quote markers, opens a block; the first word of its info string is
//! the block's language; a line of at least as many of the same character closes it (an
//! unclosed block runs to the end of the file). The container prefix of the opening
//! line (list indentation, `>` markers) is blanked on each content line too.

use crate::source::Span;

/// What a fenced block holds, from its info string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockLanguage {
    /// `yaml` / `yml`: a rule file, a `PrometheusRule`, a Prometheus configuration...
    Yaml,
    /// `json`: a Grafana dashboard.
    Json,
    /// `promql`: one PromQL expression.
    Promql,
    /// Anything else (shell, TypeScript, no info string): not ours.
    Other,
}

impl BlockLanguage {
    fn from_info(info: &str) -> BlockLanguage {
        // `yaml title="alerts.yml"`, `{.yaml}`: the first word, braces and dots aside.
        let word = info
            .split(|c: char| c.is_whitespace() || c == ',')
            .next()
            .unwrap_or("")
            .trim_matches(|c| c == '{' || c == '}' || c == '.');
        match word.to_ascii_lowercase().as_str() {
            "yaml" | "yml" => BlockLanguage::Yaml,
            "json" => BlockLanguage::Json,
            "promql" => BlockLanguage::Promql,
            _ => BlockLanguage::Other,
        }
    }
}

/// One fenced code block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fence {
    pub language: BlockLanguage,
    /// From the first content line's start to the end of the last content line
    /// (before the closing fence).
    pub content: Span,
    /// Bytes inside `content` that are Markdown, not block text: the container prefix
    /// (list indentation, `>` markers) of each content line.
    prefixes: Vec<Span>,
}

impl Fence {
    /// The Markdown file's text up to the end of this block, with everything but the
    /// block's content blanked: the same offsets and line breaks, so offsets in it are
    /// offsets in the file.
    pub fn isolate(&self, text: &str) -> String {
        let mut isolated = text.as_bytes()[..self.content.end].to_vec();
        blank(&mut isolated[..self.content.start]);
        for prefix in &self.prefixes {
            blank(&mut isolated[prefix.clone()]);
        }
        // Whole characters were blanked (prefixes are ASCII, the rest ends at a line
        // break), so the text is still UTF-8.
        String::from_utf8(isolated).expect("only whole characters were replaced")
    }

    /// The block's own text with container prefixes blanked, and the file offset it
    /// starts at (a PromQL block needs nothing before it).
    pub fn text(&self, text: &str) -> (usize, String) {
        let mut own = text.as_bytes()[self.content.clone()].to_vec();
        for prefix in &self.prefixes {
            blank(&mut own[prefix.start - self.content.start..prefix.end - self.content.start]);
        }
        let own = String::from_utf8(own).expect("only ASCII prefixes were replaced");
        (self.content.start, own)
    }
}

/// Spaces for every byte but line breaks.
fn blank(bytes: &mut [u8]) {
    for byte in bytes {
        if *byte != b'\n' && *byte != b'\r' {
            *byte = b' ';
        }
    }
}

/// The fenced code blocks of a Markdown text, in order.
pub fn fenced_blocks(text: &str) -> Vec<Fence> {
    let mut fences = Vec::new();
    let mut open: Option<Opening> = None;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let body = line.trim_end_matches(['\n', '\r']);
        match &mut open {
            None => open = Opening::parse(body, offset),
            Some(opening) => {
                let prefix_len = container_prefix_len(body, opening.prefix_len);
                if is_closing(&body[prefix_len..], opening) {
                    if let Some(opening) = open.take() {
                        fences.push(opening.finish(start));
                    }
                } else if prefix_len > 0 {
                    opening.prefixes.push(start..start + prefix_len);
                }
            }
        }
    }
    if let Some(opening) = open {
        fences.push(opening.finish(text.len()));
    }
    fences
}

/// An opened block, waiting for its closing fence.
struct Opening {
    fence_char: u8,
    fence_len: usize,
    /// Bytes of the opening line before the fence: its container prefix.
    prefix_len: usize,
    language: BlockLanguage,
    content_start: usize,
    prefixes: Vec<Span>,
}

impl Opening {
    fn parse(line: &str, next_line: usize) -> Option<Opening> {
        let prefix_len = container_prefix_len(line, usize::MAX);
        let rest = &line[prefix_len..];
        let fence_char = *rest.as_bytes().first()?;
        if fence_char != b'`' && fence_char != b'~' {
            return None;
        }
        let fence_len = rest.bytes().take_while(|&b| b == fence_char).count();
        let info = &rest[fence_len..];
        // A backtick fence's info string has no backticks (else it is inline code).
        if fence_len < 3 || (fence_char == b'`' && info.contains('`')) {
            return None;
        }
        Some(Opening {
            fence_char,
            fence_len,
            prefix_len,
            language: BlockLanguage::from_info(info.trim()),
            content_start: next_line,
            prefixes: Vec::new(),
        })
    }

    fn finish(self, end: usize) -> Fence {
        Fence {
            language: self.language,
            content: self.content_start..end.max(self.content_start),
            prefixes: self.prefixes,
        }
    }
}

/// Length of a line's container prefix: spaces, tabs and block-quote markers, at most
/// `limit` bytes (a content line keeps indentation beyond its fence's).
fn container_prefix_len(line: &str, limit: usize) -> usize {
    line.bytes()
        .take(limit)
        .take_while(|b| matches!(b, b' ' | b'\t' | b'>'))
        .count()
}

fn is_closing(rest: &str, opening: &Opening) -> bool {
    let rest = rest.trim_start_matches([' ', '\t']);
    let run = rest
        .bytes()
        .take_while(|&b| b == opening.fence_char)
        .count();
    run >= opening.fence_len && rest[run..].trim().is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_blocks_with_their_language_and_content() {
        let text = "# Guide\n\n```yaml\ngroups: []\n```\n\ntext\n\n~~~~ PromQL\nup == 0\n~~~~\n```\nplain\n```\n";
        let fences = fenced_blocks(text);
        assert_eq!(fences.len(), 3);
        assert_eq!(fences[0].language, BlockLanguage::Yaml);
        assert_eq!(&text[fences[0].content.clone()], "groups: []\n");
        assert_eq!(fences[1].language, BlockLanguage::Promql);
        assert_eq!(&text[fences[1].content.clone()], "up == 0\n");
        assert_eq!(fences[2].language, BlockLanguage::Other);
    }

    #[test]
    fn isolated_text_keeps_offsets_and_blanks_the_rest() {
        let text = "Intro é\n```json\n{\"a\": 1}\n```\nafter\n";
        let fence = &fenced_blocks(text)[0];
        let isolated = fence.isolate(text);
        assert_eq!(isolated.len(), fence.content.end);
        let at = text.find("{\"a\"").unwrap();
        assert_eq!(&isolated[at..at + 8], "{\"a\": 1}");
        assert_eq!(isolated.trim(), "{\"a\": 1}");
        assert_eq!(isolated.matches('\n').count(), 3);
        assert_eq!(fence.text(text), (at, "{\"a\": 1}\n".to_string()));
    }

    #[test]
    fn list_and_quote_prefixes_are_blanked_but_deeper_indentation_kept() {
        let text =
            "1. Rules\n   ```yaml\n   groups:\n     - name: a\n   ```\n> ```promql\n> up\n> ```\n";
        let fences = fenced_blocks(text);
        assert_eq!(fences.len(), 2);
        let isolated = fences[0].isolate(text);
        let groups = text.find("groups").unwrap();
        assert_eq!(&isolated[groups - 3..groups + 7], "   groups:");
        assert!(isolated.contains("\n     - name: a\n"));
        let quoted = fences[1].isolate(text);
        assert_eq!(quoted.trim(), "up");
        assert_eq!(quoted.find("up"), text.find("> up").map(|at| at + 2));
        let (start, own) = fences[1].text(text);
        assert_eq!(own, "  up\n");
        assert_eq!(start + 2, text.find("> up").unwrap() + 2);
    }

    #[test]
    fn a_closing_fence_needs_as_many_fence_characters() {
        let text = "````yaml\na: ```\n```\nb: 1\n````\n";
        let fences = fenced_blocks(text);
        assert_eq!(fences.len(), 1);
        assert_eq!(&text[fences[0].content.clone()], "a: ```\n```\nb: 1\n");
    }

    #[test]
    fn an_unclosed_block_runs_to_the_end_and_inline_code_is_no_fence() {
        let text = "use ```x``` here\n``` yml\nx: 1";
        let fences = fenced_blocks(text);
        assert_eq!(fences.len(), 1);
        assert_eq!(fences[0].language, BlockLanguage::Yaml);
        assert_eq!(&text[fences[0].content.clone()], "x: 1");
    }
}
