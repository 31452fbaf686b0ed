//! From an edit on decoded text to an edit of the file.
//!
//! A check sees a rule's `expr` or a dashboard query as *decoded* text, with the
//! [`OffsetMap`] that carries each decoded byte to its file byte. To change that text the
//! file must change in the scalar's own style: a `'` doubled in a single-quoted scalar,
//! a `"` escaped in a double-quoted one or a JSON string, a line break followed by the
//! block's indentation in a `|` block. [`decoded_edit`] finds the file bytes behind a
//! decoded range, proves they decode to exactly that range (an edit never starts inside
//! an escape or straddles a folded line break), writes the replacement in the style, and
//! refuses (returns `None`) whenever the style cannot carry it without changing
//! something else: a plain scalar that would need quotes, a line break in a folded or
//! flow scalar, an edit that would change a block's indentation or chomping.

use super::Edit;
use crate::source::OffsetMap;
use std::ops::Range;

/// How decoded text is written in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// A plain YAML scalar: the text itself. `flow` when it sits inside a `[...]` or
    /// `{...}` collection, where `,[]{}` end it.
    Plain { flow: bool },
    /// `'...'`: a quote is doubled.
    SingleQuoted,
    /// `"..."` in YAML, or a JSON string: backslash escapes (JSON's escapes are a subset
    /// of YAML's, so one encoder serves both).
    DoubleQuoted,
    /// A `|` block whose content lines are indented by `indent` spaces.
    Literal { indent: usize },
    /// A `>` block whose content lines are indented by `indent` spaces.
    Folded { indent: usize },
}

impl Encoding {
    /// Reads the style from the file bytes around the decoded text's first byte: the
    /// quote before it, or the block header on the line above. `None` when the text is
    /// empty, or sits in a style no edit can go through safely (a JSON string inside a
    /// quoted YAML string, whose escapes are doubled).
    pub fn detect(file: &str, map: &OffsetMap, decoded: &str) -> Option<Encoding> {
        if decoded.is_empty() || decoded.starts_with(['\n', '\r']) {
            return None;
        }
        let bytes = file.as_bytes();
        let first = map.to_file(0);
        if first == 0 || first > bytes.len() {
            return plain_at(file, first);
        }
        match bytes[first - 1] {
            b'"' if first >= 2 && bytes[first - 2] == b'\\' => None,
            b'"' => Some(Encoding::DoubleQuoted),
            b'\'' => Some(Encoding::SingleQuoted),
            _ => block_at(file, first).or_else(|| plain_at(file, first)),
        }
    }

    fn is_flow_scalar(self) -> bool {
        matches!(
            self,
            Encoding::Plain { .. } | Encoding::SingleQuoted | Encoding::DoubleQuoted
        )
    }
}

/// The start of the line holding byte `at`.
fn line_start(file: &str, at: usize) -> usize {
    file[..at].rfind(['\n', '\r']).map_or(0, |i| i + 1)
}

/// The end of the line holding byte `at` (before its line break).
fn line_end(file: &str, at: usize) -> usize {
    file[at..].find(['\n', '\r']).map_or(file.len(), |i| at + i)
}

/// A `|` or `>` block whose first content byte is `first`: only spaces before it on
/// its line, and the nearest non-blank line above ends with a block header.
fn block_at(file: &str, first: usize) -> Option<Encoding> {
    let start = line_start(file, first);
    if !file[start..first].bytes().all(|b| b == b' ') || start == 0 {
        return None;
    }
    let mut end = start;
    let header_line = loop {
        let above_end = file[..end].trim_end_matches(['\n', '\r']).len();
        let above_start = line_start(file, above_end);
        let line = &file[above_start..above_end];
        if !line.trim().is_empty() {
            break line;
        }
        if above_start == 0 {
            return None;
        }
        end = above_start;
    };
    let without_comment = match header_line.find(" #") {
        Some(i) => &header_line[..i],
        None => header_line,
    };
    let header = without_comment.split_whitespace().last()?;
    let indicators = header.get(1..)?;
    if !indicators
        .bytes()
        .all(|b| matches!(b, b'-' | b'+' | b'1'..=b'9'))
    {
        return None;
    }
    let indent = first - start;
    match header.as_bytes()[0] {
        b'|' => Some(Encoding::Literal { indent }),
        b'>' => Some(Encoding::Folded { indent }),
        _ => None,
    }
}

/// A plain scalar starting at `first`; in a flow collection when the line before it
/// opens more brackets than it closes.
fn plain_at(file: &str, first: usize) -> Option<Encoding> {
    let first = first.min(file.len());
    let before = &file[line_start(file, first)..first];
    let opened = before.bytes().filter(|b| matches!(b, b'[' | b'{')).count();
    let closed = before.bytes().filter(|b| matches!(b, b']' | b'}')).count();
    Some(Encoding::Plain {
        flow: opened > closed,
    })
}

/// The file edit that replaces `decoded[range]` with `replacement`, written in the
/// style the decoded text has in `file`; `None` when the edit cannot be written exactly.
pub fn decoded_edit(
    file: &str,
    map: &OffsetMap,
    decoded: &str,
    range: Range<usize>,
    replacement: &str,
) -> Option<Edit> {
    if range.start > range.end
        || range.end > decoded.len()
        || !decoded.is_char_boundary(range.start)
        || !decoded.is_char_boundary(range.end)
    {
        return None;
    }
    if decoded[range.clone()] == *replacement {
        return None;
    }
    if range.is_empty() {
        return insertion(file, map, decoded, range.start, replacement);
    }
    let encoding = Encoding::detect(file, map, decoded)?;
    let span = file_span(file, map, decoded, range.clone(), encoding)?;
    let new_value = format!(
        "{}{}{}",
        &decoded[..range.start],
        replacement,
        &decoded[range.end..]
    );
    let encoded = encode(replacement, encoding)?;
    if decode_fragment(&encoded, encoding).as_deref() != Some(replacement) {
        return None;
    }
    let fits = match encoding {
        // Inside `[...]` or `{...}` a plain scalar ends at so many characters (`,`, ` -`
        // before one...) that no edit is worth the risk.
        Encoding::Plain { flow: true } => false,
        Encoding::Plain { flow: false } => {
            plain_value_is_safe(&new_value, false) && flow_edges_are_safe(file, &span, replacement)
        }
        Encoding::SingleQuoted | Encoding::DoubleQuoted => {
            flow_edges_are_safe(file, &span, replacement)
        }
        Encoding::Literal { indent } => {
            literal_edit_is_safe(decoded, &range, replacement)
                && !(replacement.contains('\n') && crlf_line(file, span.start))
                && literal_lines_decode_exactly(
                    file,
                    &span,
                    &encoded,
                    indent,
                    &new_value,
                    &range,
                    replacement,
                )
        }
        Encoding::Folded { .. } => true,
    } && block_lines_are_safe(file, &span, &encoded, encoding);
    fits.then(|| Edit::new(span, encoded))
}

/// An insertion becomes the replacement of a neighbouring character, so that its place
/// in the file is certain (between two decoded bytes there may be a folded line break).
fn insertion(file: &str, map: &OffsetMap, decoded: &str, at: usize, text: &str) -> Option<Edit> {
    if let Some(before) = decoded[..at].chars().next_back() {
        let range = at - before.len_utf8()..at;
        return decoded_edit(file, map, decoded, range, &format!("{before}{text}"));
    }
    let after = decoded[at..].chars().next()?;
    let range = at..at + after.len_utf8();
    decoded_edit(file, map, decoded, range, &format!("{text}{after}"))
}

/// The file bytes behind `decoded[range]`, proven to decode to exactly that text.
fn file_span(
    file: &str,
    map: &OffsetMap,
    decoded: &str,
    range: Range<usize>,
    encoding: Encoding,
) -> Option<Range<usize>> {
    let start = map.to_file(range.start);
    let next = if range.end < decoded.len() {
        map.to_file(range.end)
    } else {
        map.file_end()
    };
    // The next decoded byte's start is the end, except where that byte is a folded line
    // break (then the span's own last byte tells).
    let candidates = [next, map.span_to_file(range.clone()).end];
    candidates.into_iter().find_map(|end| {
        let fragment = file.get(start..end)?;
        (decode_fragment(fragment, encoding).as_deref() == Some(&decoded[range.clone()]))
            .then_some(start..end)
    })
}

/// Decodes a piece of a scalar's file text. `None` when the piece holds a line break a
/// flow or folded style would fold (such a piece is never edited), or a bad escape.
fn decode_fragment(fragment: &str, encoding: Encoding) -> Option<String> {
    let has_break = fragment.contains(['\n', '\r']);
    match encoding {
        Encoding::Plain { .. } | Encoding::Folded { .. } => {
            (!has_break).then(|| fragment.to_string())
        }
        Encoding::SingleQuoted => {
            if has_break {
                return None;
            }
            Some(fragment.replace("''", "'"))
        }
        Encoding::DoubleQuoted => {
            if has_break {
                return None;
            }
            unescape(fragment)
        }
        Encoding::Literal { indent } => {
            let mut out = String::with_capacity(fragment.len());
            for (index, line) in fragment.split('\n').enumerate() {
                let line = if index == 0 {
                    line
                } else {
                    out.push('\n');
                    strip_indent(line, indent)?
                };
                if line.contains('\r') {
                    return None;
                }
                out.push_str(line);
            }
            Some(out)
        }
    }
}

/// A content line of a block without the block's indentation; an all-space shorter line
/// is an empty line.
fn strip_indent(line: &str, indent: usize) -> Option<&str> {
    let spaces = line.bytes().take_while(|&b| b == b' ').count();
    if spaces >= indent {
        Some(&line[indent..])
    } else if spaces == line.len() {
        Some("")
    } else {
        None
    }
}

/// Decodes backslash escapes (YAML double-quoted, which includes JSON's), with the YAML
/// reader's own escape table.
fn unescape(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('\\') {
        out.push_str(&rest[..at]);
        let escape = &rest[at..];
        let (decoded, len) =
            crate::yaml::decode_escape(escape).or_else(|| json_surrogate_pair(escape))?;
        out.push(decoded);
        rest = &escape[len..];
    }
    out.push_str(rest);
    Some(out)
}

/// JSON writes a character outside the Basic Multilingual Plane as two `\u` escapes
/// (`\ud83d\ude00`), which YAML's escapes do not know.
fn json_surrogate_pair(escape: &str) -> Option<(char, usize)> {
    let hex = |range: std::ops::Range<usize>| u32::from_str_radix(escape.get(range)?, 16).ok();
    if !escape.starts_with("\\u") || escape.get(6..8) != Some("\\u") {
        return None;
    }
    let (high, low) = (hex(2..6)?, hex(8..12)?);
    if !(0xd800..0xdc00).contains(&high) || !(0xdc00..0xe000).contains(&low) {
        return None;
    }
    let code = 0x10000 + ((high - 0xd800) << 10) + (low - 0xdc00);
    Some((char::from_u32(code)?, 12))
}

/// The replacement written in the style; `None` when the style cannot hold it.
fn encode(replacement: &str, encoding: Encoding) -> Option<String> {
    match encoding {
        Encoding::Plain { .. } | Encoding::Folded { .. } => {
            (!replacement.contains(['\n', '\r'])).then(|| replacement.to_string())
        }
        Encoding::SingleQuoted => {
            (!replacement.contains(['\n', '\r'])).then(|| replacement.replace('\'', "''"))
        }
        Encoding::DoubleQuoted => Some(escape(replacement)),
        Encoding::Literal { indent } => {
            if replacement.contains('\r') {
                return None;
            }
            let newline = format!("\n{}", " ".repeat(indent));
            Some(replacement.replace('\n', &newline))
        }
    }
}

/// Backslash-escapes for a JSON string, which a YAML double-quoted scalar reads the same.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out
}

/// Whether a plain scalar still reads as the same string with `value`: no character
/// that would start a comment, a mapping or a flow item, nothing that needs quotes at
/// its edges, and not a word YAML reads as null, a boolean or a number.
fn plain_value_is_safe(value: &str, flow: bool) -> bool {
    let Some(first) = value.chars().next() else {
        return false;
    };
    let edges_ok = !first.is_whitespace()
        && !value.ends_with(char::is_whitespace)
        && !value.ends_with(':')
        && !"-?:,[]{}#&*!|>'\"%@`".contains(first);
    let needs_quotes = value.contains(['\n', '\r', '\t'])
        || value.contains(": ")
        || value.contains(" #")
        || (flow && value.contains([',', '[', ']', '{', '}']));
    let stays_string = !matches!(
        value,
        "~" | "null" | "Null" | "NULL" | "true" | "True" | "TRUE" | "false" | "False" | "FALSE"
    ) && value.parse::<f64>().is_err();
    edges_ok && !needs_quotes && stays_string
}

/// In a quoted scalar that spans lines, blanks at the start or end of a line are
/// folding, not content: a replacement must not put a blank there.
fn flow_edges_are_safe(file: &str, span: &Range<usize>, replacement: &str) -> bool {
    // Only the blanks next to the span are read, never the whole line: a minified
    // dashboard is one line, and this runs once per fix.
    let bytes = file.as_bytes();
    let blank = |b: &&u8| matches!(b, b' ' | b'\t');
    let is_break = |b: &u8| matches!(b, b'\n' | b'\r');
    let at_line_start = bytes[..span.start]
        .iter()
        .rev()
        .find(|b| !blank(b))
        .is_none_or(is_break);
    let at_line_end = bytes[span.end..]
        .iter()
        .find(|b| !blank(b))
        .is_none_or(is_break);
    let starts_blank = replacement.starts_with([' ', '\t']);
    let ends_blank = replacement.ends_with([' ', '\t']);
    // An empty replacement may leave blanks at a line's edge.
    let before_blank = file[..span.start].ends_with([' ', '\t']);
    let after_blank = file[span.end..].starts_with([' ', '\t']);
    let exposes_blank =
        replacement.is_empty() && ((at_line_start && after_blank) || (at_line_end && before_blank));
    !((at_line_start && starts_blank) || (at_line_end && ends_blank) || exposes_blank)
}

/// Reads the edited lines of a `|` block back as YAML would (each line without the
/// block's indentation) and compares them with the same lines of the expected value, so
/// an edit that takes a line break or indentation with it cannot shift a line.
fn literal_lines_decode_exactly(
    file: &str,
    span: &Range<usize>,
    encoded: &str,
    indent: usize,
    new_value: &str,
    range: &Range<usize>,
    replacement: &str,
) -> bool {
    let region_start = line_start(file, span.start);
    let region_end = line_end(file, span.end);
    let new_region = format!(
        "{}{}{}",
        &file[region_start..span.start],
        encoded,
        &file[span.end..region_end]
    );
    let mut decoded_lines = Vec::new();
    for line in new_region.split('\n') {
        match strip_indent(line.trim_end_matches('\r'), indent) {
            Some(line) => decoded_lines.push(line),
            None => return false,
        }
    }
    let value_start = new_value[..range.start].rfind('\n').map_or(0, |i| i + 1);
    let edited_end = range.start + replacement.len();
    let value_end = new_value[edited_end..]
        .find('\n')
        .map_or(new_value.len(), |i| edited_end + i);
    decoded_lines.join("\n") == new_value[value_start..value_end]
}

/// Whether the line holding `at` ends with CRLF: a new line break written as `\n` there
/// would mix line endings, so none is written.
fn crlf_line(file: &str, at: usize) -> bool {
    file[line_end(file, at)..].starts_with("\r\n")
}

/// A `|` block keeps its chomping only while the line breaks at its end stay as they
/// are, and its detected indentation only while its first line starts with content.
fn literal_edit_is_safe(decoded: &str, range: &Range<usize>, replacement: &str) -> bool {
    let content_end = decoded.trim_end_matches('\n').len();
    let keeps_trailing_breaks = range.end <= content_end;
    let at_end_adds_break = range.end == content_end && replacement.ends_with('\n');
    let starts_blank = range.start == 0 && replacement.starts_with([' ', '\t', '\n']);
    let empties = range.start == 0 && range.end == content_end && replacement.trim().is_empty();
    keeps_trailing_breaks && !at_end_adds_break && !starts_blank && !empties
}

/// In a block scalar, the edited line must keep its indentation and some content: a
/// line that becomes blank or more indented folds differently (`>`), and a first line
/// that changes indentation changes the block's (`|`).
fn block_lines_are_safe(
    file: &str,
    span: &Range<usize>,
    encoded: &str,
    encoding: Encoding,
) -> bool {
    if encoding.is_flow_scalar() {
        return true;
    }
    let start = line_start(file, span.start);
    let end = line_end(file, span.end);
    let old_line = &file[start..end];
    let new_text = format!(
        "{}{}{}",
        &file[start..span.start],
        encoded,
        &file[span.end..end]
    );
    let new_first_line = new_text.split('\n').next().unwrap_or("");
    let leading = |line: &str| {
        line.bytes()
            .take_while(|&b| b == b' ' || b == b'\t')
            .count()
    };
    let old_blank = old_line.trim().is_empty();
    let new_blank = new_first_line.trim().is_empty();
    leading(old_line) == leading(new_first_line) && old_blank == new_blank
}

#[cfg(test)]
mod tests;
