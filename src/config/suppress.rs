//! Inline suppressions in YAML comments.
//!
//! ```yaml
//! # promgate: ignore-file[catalog/*]            anywhere on its own line: the whole file
//! # promgate: ignore[alerts/for] flaky exporter  above a rule item: the whole rule
//! - alert: HighErrors
//!   expr: |                # promgate: ignore[promql/rate]   the `expr` entry, all its lines
//!     rate(x[1m])
//! ```
//!
//! A directive on its own line applies to the next line that holds YAML; a directive
//! at the end of a line applies to that line. When that line starts a rule item
//! (`- alert:`/`- record:`), the directive covers the whole rule; when it starts a
//! `key:` entry whose value spans several lines (`expr: |`), it covers the entry.
//!
//! Only real YAML comments count: a `#` inside a quoted string or a block scalar is
//! content (in `expr: |` it is a PromQL comment), told apart with the YAML tree's
//! scalar spans.

use super::codes::{closest_code, CodePattern};
use crate::diagnostic::{Diagnostic, Severity};
use crate::source::{SourceFile, Span};
use crate::yaml::{Document, Node, NodeKind};
use regex::Regex;
use std::collections::HashMap;
use std::sync::OnceLock;

/// The code of the diagnostic for a suppression that suppressed nothing.
pub const UNUSED_CODE: &str = "promgate/unused-suppression";

#[derive(Debug, Clone, PartialEq, Eq)]
enum Scope {
    File,
    /// 1-based first and last line covered.
    Lines(usize, usize),
}

#[derive(Debug, Clone)]
struct Target {
    pattern: Option<CodePattern>,
    /// The code as written, and where, for the unused report.
    text: String,
    span: Span,
    used: bool,
}

#[derive(Debug, Clone)]
struct Directive {
    scope: Scope,
    targets: Vec<Target>,
}

/// The suppression directives of one file.
#[derive(Debug, Clone, Default)]
pub struct Suppressions {
    directives: Vec<Directive>,
    /// Comments that look like directives but cannot be read.
    malformed: Vec<(Span, String)>,
}

fn directive_regex() -> &'static Regex {
    static REGEX: OnceLock<Regex> = OnceLock::new();
    REGEX.get_or_init(|| {
        Regex::new(r"^#\s*promgate:\s*(?P<kind>[a-z-]*)\s*(?:\[(?P<codes>[^\]]*)\])?")
            .expect("valid regex")
    })
}

impl Suppressions {
    /// Finds the directives in a YAML file. `documents` is the parsed tree, used to
    /// tell comments from string content and to find rule and entry extents; without
    /// it (the file did not parse) directives still apply line by line.
    pub fn scan(file: &SourceFile, documents: &[Document]) -> Suppressions {
        let layout = Layout::new(file, documents);
        let mut suppressions = Suppressions::default();
        for line in 1..=file.line_count() {
            let Some((hash, own_line)) = layout.comment_on_line(file, line) else {
                continue;
            };
            let comment_end = file.line_start(line) + file.line_text(line).len();
            let comment = &file.text[hash..comment_end];
            let Some(captures) = directive_regex().captures(comment) else {
                continue;
            };
            let kind = captures.name("kind").map_or("", |m| m.as_str());
            let scope = match kind {
                "ignore-file" => Scope::File,
                "ignore" => {
                    let target = if own_line {
                        layout.next_content_line(file, line)
                    } else {
                        Some(line)
                    };
                    match target {
                        Some(target) => Scope::Lines(target, layout.extent(target)),
                        None => Scope::Lines(line, line),
                    }
                }
                other => {
                    suppressions.malformed.push((
                        hash..comment_end,
                        format!("unknown directive `promgate: {other}`: use `ignore[CODE]` or `ignore-file[CODE]`"),
                    ));
                    continue;
                }
            };
            let Some(codes) = captures.name("codes") else {
                suppressions.malformed.push((
                    hash..comment_end,
                    format!("`promgate: {kind}` names no check: write `# promgate: {kind}[CODE] reason`"),
                ));
                continue;
            };
            let targets = split_codes(codes.as_str(), hash + codes.start());
            if targets.is_empty() {
                suppressions.malformed.push((
                    hash..comment_end,
                    format!("`promgate: {kind}[]` names no check"),
                ));
                continue;
            }
            suppressions.directives.push(Directive { scope, targets });
        }
        suppressions
    }

    pub fn is_empty(&self) -> bool {
        self.directives.is_empty() && self.malformed.is_empty()
    }

    /// Whether a diagnostic is suppressed; marks the directive that did it as used.
    pub fn suppresses(&mut self, file: &SourceFile, diagnostic: &Diagnostic) -> bool {
        if diagnostic.code == UNUSED_CODE {
            return false;
        }
        let line = file.line_col(diagnostic.span.start).line;
        for directive in &mut self.directives {
            let in_scope = match directive.scope {
                Scope::File => true,
                Scope::Lines(first, last) => (first..=last).contains(&line),
            };
            if !in_scope {
                continue;
            }
            if let Some(target) = directive.targets.iter_mut().find(|t| {
                t.pattern
                    .as_ref()
                    .is_some_and(|pattern| pattern.matches(diagnostic.code))
            }) {
                target.used = true;
                return true;
            }
        }
        false
    }

    /// Removes suppressed diagnostics.
    pub fn filter(&mut self, file: &SourceFile, diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
        diagnostics
            .into_iter()
            .filter(|diagnostic| !self.suppresses(file, diagnostic))
            .collect()
    }

    /// `promgate/unused-suppression` for every code that suppressed nothing. `ran`
    /// tells whether a check ran on this file: a suppression for a check that is off
    /// is not reported, since it may matter again when the check is turned back on.
    pub fn unused(&self, severity: Severity, ran: impl Fn(&str) -> bool) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for (span, message) in &self.malformed {
            out.push(Diagnostic::new(
                UNUSED_CODE,
                severity,
                span.clone(),
                message.clone(),
            ));
        }
        for directive in &self.directives {
            for target in directive.targets.iter().filter(|t| !t.used) {
                match &target.pattern {
                    None => out.push(unknown_code(target, severity)),
                    Some(pattern) => {
                        let known = pattern.known_matches();
                        if known.is_empty() {
                            out.push(unknown_code(target, severity));
                        } else if known.iter().any(|code| ran(code)) {
                            let what = match directive.scope {
                                Scope::File => "in this file",
                                Scope::Lines(first, last) if first == last => "on its line",
                                Scope::Lines(..) => "in the lines it covers",
                            };
                            out.push(
                                Diagnostic::new(
                                    UNUSED_CODE,
                                    severity,
                                    target.span.clone(),
                                    format!(
                                        "suppression of `{}` is unused: nothing {what} reports it",
                                        target.text
                                    ),
                                )
                                .with_help("remove it, so it cannot hide a future finding"),
                            );
                        }
                    }
                }
            }
        }
        out
    }
}

fn unknown_code(target: &Target, severity: Severity) -> Diagnostic {
    let mut diagnostic = Diagnostic::new(
        UNUSED_CODE,
        severity,
        target.span.clone(),
        format!("suppression names `{}`, which is no check", target.text),
    );
    diagnostic.help = Some(match closest_code(&target.text) {
        Some(code) => format!("did you mean `{code}`?"),
        None => "`promgate explain --list` lists every check".to_string(),
    });
    diagnostic
}

/// Splits `a/b, c/*` into targets with their file spans (`offset` is where the list
/// starts in the file).
fn split_codes(list: &str, offset: usize) -> Vec<Target> {
    let mut targets = Vec::new();
    let mut start = 0;
    for part in list.split(',') {
        let trimmed = part.trim();
        if !trimmed.is_empty() {
            let lead = part.len() - part.trim_start().len();
            let at = offset + start + lead;
            targets.push(Target {
                pattern: CodePattern::parse(trimmed).ok(),
                text: trimmed.to_string(),
                span: at..at + trimmed.len(),
                used: false,
            });
        }
        start += part.len() + 1;
    }
    targets
}

/// What the YAML tree tells about the file's lines.
struct Layout {
    /// Byte ranges where `#` is content: quoted and block scalars.
    content: Vec<Span>,
    /// Block scalars' content indentation, to tell a less-indented comment after the
    /// block from the block's own lines.
    block_indents: Vec<(Span, usize)>,
    /// Line -> last line of the widest rule item or multi-line entry starting there.
    extents: HashMap<usize, usize>,
}

impl Layout {
    fn new(file: &SourceFile, documents: &[Document]) -> Layout {
        let mut layout = Layout {
            content: Vec::new(),
            block_indents: Vec::new(),
            extents: HashMap::new(),
        };
        for root in documents.iter().filter_map(|d| d.root.as_ref()) {
            layout.walk(file, root, false);
        }
        layout
    }

    fn last_line(file: &SourceFile, span: &Span) -> usize {
        let end = span.end.max(span.start + 1) - 1;
        // A span that ends with the line break belongs to the line before it.
        file.line_col(end).line
    }

    fn walk(&mut self, file: &SourceFile, node: &Node, in_sequence: bool) {
        match &node.kind {
            NodeKind::Scalar(scalar) => {
                if scalar.style.is_quoted() {
                    self.content.push(node.span.clone());
                } else if scalar.style.is_block() {
                    let indent = block_indent(file, &node.span);
                    self.block_indents.push((node.span.clone(), indent));
                }
            }
            NodeKind::Sequence(items) => {
                for item in items {
                    self.walk(file, item, true);
                }
            }
            NodeKind::Mapping(entries) => {
                let is_rule = entries
                    .iter()
                    .any(|e| matches!(e.key.as_str(), Some("alert") | Some("record")));
                if in_sequence && is_rule {
                    let first = file.line_col(node.span.start).line;
                    let last = Self::last_line(file, &node.span);
                    self.extend(first, last);
                }
                for entry in entries {
                    let first = file.line_col(entry.key.span.start).line;
                    let last = Self::last_line(file, &entry.value.span).max(first);
                    self.extend(first, last);
                    self.walk(file, &entry.key, false);
                    self.walk(file, &entry.value, false);
                }
            }
            // An alias repeats its anchor's node, which was walked where it stands.
            NodeKind::Alias(_) => {}
        }
    }

    fn extend(&mut self, first: usize, last: usize) {
        let entry = self.extents.entry(first).or_insert(first);
        *entry = (*entry).max(last);
    }

    fn extent(&self, line: usize) -> usize {
        self.extents.get(&line).copied().unwrap_or(line)
    }

    fn is_content(&self, file: &SourceFile, offset: usize) -> bool {
        if self.content.iter().any(|span| span.contains(&offset)) {
            return true;
        }
        let column = file.line_col(offset).column - 1;
        self.block_indents
            .iter()
            .any(|(span, indent)| span.contains(&offset) && column >= *indent)
    }

    /// The first real comment on a line: its `#` offset and whether it stands alone.
    fn comment_on_line(&self, file: &SourceFile, line: usize) -> Option<(usize, bool)> {
        let start = file.line_start(line);
        let text = file.line_text(line);
        for (index, _) in text.match_indices('#') {
            let preceded_by_space = index == 0 || text[..index].ends_with([' ', '\t']);
            if !preceded_by_space || self.is_content(file, start + index) {
                continue;
            }
            let own_line = text[..index].trim().is_empty();
            return Some((start + index, own_line));
        }
        None
    }

    /// The next line after `line` holding YAML (not blank, not only a comment).
    fn next_content_line(&self, file: &SourceFile, line: usize) -> Option<usize> {
        (line + 1..=file.line_count()).find(|&next| {
            let text = file.line_text(next).trim();
            if text.is_empty() {
                return false;
            }
            match self.comment_on_line(file, next) {
                Some((_, own_line)) => !own_line,
                None => true,
            }
        })
    }
}

/// Indentation (in characters) of a block scalar's content: that of its first
/// non-blank line.
fn block_indent(file: &SourceFile, span: &Span) -> usize {
    let first = file.line_col(span.start).line;
    let last = Layout::last_line(file, span);
    (first..=last)
        .map(|line| file.line_text(line))
        .find(|text| !text.trim().is_empty() && !is_block_header(text))
        .map(|text| text.len() - text.trim_start().len())
        .unwrap_or(0)
}

/// A line that holds a block scalar's indicator (`expr: |`), if the span starts there.
fn is_block_header(text: &str) -> bool {
    let trimmed = text.trim_end();
    let indicator = trimmed
        .rsplit(|c: char| c.is_whitespace())
        .next()
        .unwrap_or("");
    indicator.starts_with('|') || indicator.starts_with('>')
}

#[cfg(test)]
mod tests;
