//! Rebuilds a scalar's decoded text from its raw file text, recording where every
//! decoded byte comes from.
//!
//! saphyr-parser hands over the decoded value but not the correspondence. Each style is
//! re-scanned here the way saphyr's scanner decodes it (line folding, escapes, block
//! indentation, chomping); the result is compared with the parser's value, and if the
//! two ever differ the whole value maps to the scalar's start instead of to a wrong
//! place.

use super::ScalarStyle;
use crate::source::{OffsetMap, OffsetMapBuilder, Span};

/// The node span and offset map of a scalar event. `span` is the parser's span in file
/// bytes, `value` the decoded value.
pub(super) fn locate_scalar(
    text: &str,
    style: ScalarStyle,
    span: Span,
    value: &str,
) -> (Span, OffsetMap) {
    let mut span = skip_properties(text, span.start)..span.end;
    if style.is_block() && matches!(text.as_bytes().get(span.start), Some(b'|' | b'>')) {
        // With an anchor or a tag the parser's span starts at them, not at the content.
        span.start = first_content_after_header(text, span.start).unwrap_or(span.start);
    }
    if value.is_empty() {
        let at = span.start;
        let node_span = match style {
            ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => {
                closing_quote(text, span.start, style).map_or(at..at, |close| at..close + 1)
            }
            _ => at..at,
        };
        let map = OffsetMap::identity(node_span.start, 0);
        return (node_span, map);
    }
    verbatim_flow(text, style, &span, value).unwrap_or_else(|| rebuild(text, style, span, value))
}

/// Decodes the scalar at `span` again, recording where each decoded byte comes from,
/// and checks the result against the parser's `value`.
fn rebuild(text: &str, style: ScalarStyle, span: Span, value: &str) -> (Span, OffsetMap) {
    let rebuilt = match style {
        ScalarStyle::Plain => rebuild_plain(text, &span),
        ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => rebuild_quoted(text, &span, style),
        ScalarStyle::Literal | ScalarStyle::Folded => {
            rebuild_block(text, &span, style == ScalarStyle::Folded, value)
        }
    };
    match rebuilt {
        Some((node_span, decoded, map)) if decoded == value => (node_span, map),
        _ => {
            #[cfg(test)]
            FALLBACKS.with(|count| count.set(count.get() + 1));
            let end = trimmed_end(text, &span);
            // Never an inverted span, whatever the parser's end says.
            let node_span = span.start.min(end)..end;
            let map = OffsetMap::collapsed(node_span.clone(), value.len());
            (node_span, map)
        }
    }
}

/// The fast path for the common case: a plain or quoted scalar on one line whose raw
/// text is its value (no escape, no folding). The parser already decoded it, so
/// decoding it again would only confirm an identity map. `None` when the value needs
/// the full rebuild; the result is the one the rebuild gives.
fn verbatim_flow(
    text: &str,
    style: ScalarStyle,
    span: &Span,
    value: &str,
) -> Option<(Span, OffsetMap)> {
    if has_line_break(value.as_bytes()) {
        return None;
    }
    match style {
        ScalarStyle::Plain => {
            let end = span.end.min(text.len());
            // Trailing blanks of a plain scalar are not part of its value.
            let verbatim =
                text.get(span.start..end) == Some(value) && !value.ends_with([' ', '\t']);
            verbatim.then(|| {
                (
                    span.start..end,
                    OffsetMap::identity(span.start, value.len()),
                )
            })
        }
        ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => {
            // `''` and backslash escapes decode to something else.
            let escape = if style == ScalarStyle::SingleQuoted {
                b'\''
            } else {
                b'\\'
            };
            if memchr::memchr(escape, value.as_bytes()).is_some() {
                return None;
            }
            let close = verbatim_close(text, span.start, style, value)
                .or_else(|| closing_quote(text, span.start, style))?;
            let verbatim = text.get(span.start + 1..close) == Some(value);
            verbatim.then(|| {
                (
                    span.start..close + 1,
                    OffsetMap::identity(span.start + 1, value.len()),
                )
            })
        }
        ScalarStyle::Literal | ScalarStyle::Folded => None,
    }
}

/// Whether `bytes` holds a line break (`\n` or `\r`). Runs on every scalar value, and
/// most are a few words: a byte-by-byte scan of every value was 2% of a run on 10,000
/// rules, and `memchr2`'s setup about 90 instructions a value (20 M); eight bytes at a
/// time, then `memchr2` for long values, costs a few per word.
pub(super) fn has_line_break(bytes: &[u8]) -> bool {
    const LONG: usize = 64;
    if bytes.len() >= LONG {
        return memchr::memchr2(b'\n', b'\r', bytes).is_some();
    }
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    // Exactly when some byte of `word` is zero (the classic test: a borrow can only
    // set a high bit above a zero byte).
    let has_zero_byte = |word: u64| word.wrapping_sub(ONES) & !word & HIGHS != 0;
    let has_break = |word: u64| {
        has_zero_byte(word ^ (ONES * u64::from(b'\n')))
            || has_zero_byte(word ^ (ONES * u64::from(b'\r')))
    };
    let mut words = bytes.chunks_exact(8);
    for word in &mut words {
        let word: [u8; 8] = word.try_into().expect("chunks of eight");
        if has_break(u64::from_le_bytes(word)) {
            return true;
        }
    }
    words
        .remainder()
        .iter()
        .any(|&byte| byte == b'\n' || byte == b'\r')
}

/// Where the quoted scalar opening at `open` closes when its raw text is `value`
/// itself: then no byte of it is a quote or an escape, and the quote closing it is the
/// byte right after it. Checking that is what [`closing_quote`] would find, without
/// scanning the text byte by byte (annotations are long, and most are quoted). `None`
/// when that is not so; [`closing_quote`] then decides.
fn verbatim_close(text: &str, open: usize, style: ScalarStyle, value: &str) -> Option<usize> {
    let quote = if style == ScalarStyle::SingleQuoted {
        b'\''
    } else {
        b'"'
    };
    let bytes = text.as_bytes();
    let close = open + 1 + value.len();
    let verbatim = bytes.get(open) == Some(&quote)
        && memchr::memchr2(quote, b'\\', value.as_bytes()).is_none()
        && bytes.get(open + 1..close) == Some(value.as_bytes())
        && bytes.get(close) == Some(&quote)
        // `''` inside a single-quoted scalar is an escaped quote, not its end.
        && !(quote == b'\'' && bytes.get(close + 1) == Some(&b'\''));
    verbatim.then_some(close)
}

/// The offset of the scalar itself after any anchor (`&name`) and tag (`!tag`) written
/// before it, where the parser's span starts.
fn skip_properties(text: &str, start: usize) -> usize {
    let bytes = text.as_bytes();
    let mut pos = start;
    while matches!(bytes.get(pos), Some(b'&' | b'!')) {
        while pos < bytes.len() && !matches!(bytes[pos], b' ' | b'\t' | b'\r' | b'\n') {
            pos += 1;
        }
        loop {
            match bytes.get(pos) {
                Some(b' ' | b'\t' | b'\r' | b'\n') => pos += 1,
                Some(b'#') => {
                    while pos < bytes.len() && !matches!(bytes[pos], b'\r' | b'\n') {
                        pos += 1;
                    }
                }
                _ => break,
            }
        }
    }
    if pos >= bytes.len() {
        start
    } else {
        pos
    }
}

/// The first non-space character after the block scalar header at `header`, skipping
/// blank lines.
fn first_content_after_header(text: &str, header: usize) -> Option<usize> {
    // A lone `\r` ends a line in YAML as `\n` and `\r\n` do: looking for `\n` alone
    // ran past the scalar's end and gave it a span that ends before it starts.
    let bytes = text.as_bytes();
    let break_at = memchr::memchr2(b'\n', b'\r', &bytes[header..])? + header;
    let line_end = break_at + break_len(bytes, break_at);
    let offset = text[line_end..].find(|c: char| !matches!(c, ' ' | '\r' | '\n'))?;
    Some(line_end + offset)
}

/// The rebuilt node span, decoded text and map, if the raw text could be re-scanned.
type Rebuilt = Option<(Span, String, OffsetMap)>;

/// Decoded text under construction, with its map.
#[derive(Clone, Default)]
struct Out {
    text: String,
    map: OffsetMapBuilder,
}

impl Out {
    fn verbatim(&mut self, file: usize, s: &str) {
        if !s.is_empty() {
            self.map.mark(self.text.len(), file);
            self.text.push_str(s);
        }
    }

    fn replaced(&mut self, file: usize, file_len: usize, c: char) {
        self.map.mark_replaced(self.text.len(), file, file_len);
        self.text.push(c);
    }

    fn finish(self, node_span: Span, file_end: usize) -> Rebuilt {
        let len = self.text.len();
        Some((node_span, self.text, self.map.finish(len, file_end)))
    }
}

/// The span end without trailing blanks and line breaks.
fn trimmed_end(text: &str, span: &Span) -> usize {
    let end = span.end.min(text.len());
    let start = span.start.min(end);
    start + text[start..end].trim_end().len()
}

/// Length of the line break at `at` (2 for CRLF), or 0 if there is none.
fn break_len(bytes: &[u8], at: usize) -> usize {
    match bytes.get(at) {
        Some(b'\r') if bytes.get(at + 1) == Some(&b'\n') => 2,
        Some(b'\r' | b'\n') => 1,
        _ => 0,
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Flow {
    Plain,
    Single,
    Double,
}

fn rebuild_plain(text: &str, span: &Span) -> Rebuilt {
    let end = span.end.min(text.len());
    let mut out = Out::default();
    decode_flow(text, span.start, end, Flow::Plain, &mut out)?;
    out.finish(span.start..end, end)
}

fn rebuild_quoted(text: &str, span: &Span, style: ScalarStyle) -> Rebuilt {
    let close = closing_quote(text, span.start, style)?;
    let flow = if style == ScalarStyle::SingleQuoted {
        Flow::Single
    } else {
        Flow::Double
    };
    let mut out = Out::default();
    decode_flow(text, span.start + 1, close, flow, &mut out)?;
    out.finish(span.start..close + 1, close)
}

/// Offset of the quote closing the quoted scalar opening at `open`.
pub(super) fn closing_quote(text: &str, open: usize, style: ScalarStyle) -> Option<usize> {
    let bytes = text.as_bytes();
    let quote = if style == ScalarStyle::SingleQuoted {
        b'\''
    } else {
        b'"'
    };
    if bytes.get(open) != Some(&quote) {
        return None;
    }
    let mut i = open + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\'' if quote == b'\'' && bytes.get(i + 1) == Some(&b'\'') => i += 2,
            b'\\' if quote == b'"' => i += 2,
            b if b == quote => return Some(i),
            _ => i += 1,
        }
    }
    None
}

/// Decodes the flow-style text `text[from..to]` (a plain scalar, or a quoted scalar
/// without its quotes) into `out`: line folding, `''` and backslash escapes.
fn decode_flow(text: &str, from: usize, to: usize, flow: Flow, out: &mut Out) -> Option<()> {
    let bytes = text.as_bytes();
    let mut folding = Folding::default();
    let mut i = from;
    while i < to {
        match bytes[i] {
            b' ' | b'\t' => {
                folding.blank(i);
                i += 1;
            }
            b'\r' | b'\n' => {
                let len = break_len(bytes, i);
                folding.line_break(i, len);
                i += len;
            }
            b'\\' if flow == Flow::Double => {
                folding.flush(text, i, out);
                let len = break_len(bytes, i + 1);
                if len > 0 {
                    // An escaped line break joins the lines without a space.
                    folding.escaped_break = true;
                    i += 1 + len;
                } else {
                    let (decoded, escape_len) = decode_escape(&text[i..])?;
                    out.replaced(i, escape_len, decoded);
                    i += escape_len;
                }
            }
            b'\'' if flow == Flow::Single && bytes.get(i + 1) == Some(&b'\'') => {
                folding.flush(text, i, out);
                out.replaced(i, 2, '\'');
                i += 2;
            }
            _ => {
                folding.flush(text, i, out);
                let c = text[i..].chars().next()?;
                out.verbatim(i, &text[i..i + c.len_utf8()]);
                i += c.len_utf8();
            }
        }
    }
    if flow != Flow::Plain {
        folding.flush(text, to, out);
    }
    Some(())
}

/// The whitespace between two pieces of content in a flow scalar, and how it folds.
#[derive(Default)]
struct Folding {
    /// Start of the blanks after content on the current line.
    blanks: Option<usize>,
    /// Line breaks seen since the last content: `(offset, length)`.
    breaks: Vec<(usize, usize)>,
    /// The run started with an escaped line break (double-quoted `\` at line end).
    escaped_break: bool,
}

impl Folding {
    fn blank(&mut self, at: usize) {
        if self.breaks.is_empty() && !self.escaped_break && self.blanks.is_none() {
            self.blanks = Some(at);
        }
    }

    fn line_break(&mut self, at: usize, len: usize) {
        // Blanks before a line break are trimmed.
        self.blanks = None;
        self.breaks.push((at, len));
    }

    /// Writes the folded whitespace that precedes content at `at`.
    fn flush(&mut self, text: &str, at: usize, out: &mut Out) {
        if self.escaped_break {
            for &(offset, len) in &self.breaks {
                out.replaced(offset, len, '\n');
            }
        } else if let [(offset, len)] = self.breaks[..] {
            out.replaced(offset, len, ' ');
        } else if self.breaks.len() > 1 {
            for &(offset, len) in &self.breaks[1..] {
                out.replaced(offset, len, '\n');
            }
        } else if let Some(start) = self.blanks {
            out.verbatim(start, &text[start..at]);
        }
        *self = Folding::default();
    }
}

/// Decodes the backslash escape at the start of `s`: the character and the escape's
/// length in bytes.
pub fn decode_escape(s: &str) -> Option<(char, usize)> {
    let mut chars = s.chars();
    chars.next()?; // the backslash
    let kind = chars.next()?;
    let simple = match kind {
        '0' => Some('\0'),
        'a' => Some('\x07'),
        'b' => Some('\x08'),
        't' | '\t' => Some('\t'),
        'n' => Some('\n'),
        'v' => Some('\x0b'),
        'f' => Some('\x0c'),
        'r' => Some('\r'),
        'e' => Some('\x1b'),
        ' ' => Some(' '),
        '"' => Some('"'),
        '/' => Some('/'),
        '\\' => Some('\\'),
        'N' => Some('\u{85}'),
        '_' => Some('\u{a0}'),
        'L' => Some('\u{2028}'),
        'P' => Some('\u{2029}'),
        _ => None,
    };
    if let Some(c) = simple {
        return Some((c, 1 + kind.len_utf8()));
    }
    let digits = match kind {
        'x' => 2,
        'u' => 4,
        'U' => 8,
        _ => return None,
    };
    let hex = s.get(2..2 + digits)?;
    let code = u32::from_str_radix(hex, 16).ok()?;
    Some((char::from_u32(code)?, 2 + digits))
}

/// Re-scans a `|` or `>` block scalar. `span.start` is the first content character
/// (the parser starts it at the indentation boundary of the first content line), so
/// its column is the block's indentation.
fn rebuild_block(text: &str, span: &Span, folded: bool, value: &str) -> Rebuilt {
    let bytes = text.as_bytes();
    let start = span.start.min(text.len());
    let line_start = memchr::memrchr2(b'\n', b'\r', &bytes[..start]).map_or(0, |i| i + 1);
    let indent = start - line_start;
    if !bytes[line_start..start].iter().all(|&b| b == b' ') {
        return None;
    }
    let mut trailing_breaks = leading_blank_lines(bytes, line_start);
    let mut leading_break: Option<(usize, usize)> = None;
    let mut leading_blank = false;
    let mut out = Out::default();
    let mut last_content_end = start;
    let mut pos = start;
    let mut col = indent;

    while col == indent && pos < bytes.len() && break_len(bytes, pos) == 0 {
        if indent == 0 && is_document_marker(bytes, pos) {
            break;
        }
        let trailing_blank = matches!(bytes[pos], b' ' | b'\t');
        match leading_break {
            Some((offset, len)) if folded && !leading_blank && !trailing_blank => {
                if trailing_breaks.is_empty() {
                    out.replaced(offset, len, ' ');
                } else {
                    push_breaks(&mut out, &trailing_breaks);
                }
            }
            _ => {
                push_breaks(&mut out, leading_break.as_slice());
                push_breaks(&mut out, &trailing_breaks);
            }
        }
        leading_break = None;
        trailing_breaks.clear();
        leading_blank = trailing_blank;

        let line_end = memchr::memchr2(b'\n', b'\r', &bytes[pos..]).map_or(text.len(), |i| pos + i);
        out.verbatim(pos, &text[pos..line_end]);
        col += text[pos..line_end].chars().count();
        pos = line_end;
        last_content_end = line_end;
        let len = break_len(bytes, pos);
        if len == 0 {
            break;
        }
        leading_break = Some((pos, len));
        pos += len;
        col = 0;
        // Indentation and empty lines up to the next content line.
        loop {
            while col < indent && bytes.get(pos) == Some(&b' ') {
                pos += 1;
                col += 1;
            }
            let len = break_len(bytes, pos);
            if len == 0 {
                break;
            }
            trailing_breaks.push((pos, len));
            pos += len;
            col = 0;
        }
    }

    let node_span = start..last_content_end;
    // Chomping: the header's indicator decides which trailing breaks are kept; trying
    // the three gives the same answer without re-reading the header.
    let at_end = pos >= bytes.len() && col >= indent.max(1);
    // Each chomping adds only line feeds to the content: the value says which one it
    // is, so only that one is built (no copies of the text and map to compare).
    let added = value
        .strip_prefix(out.text.as_str())
        .filter(|rest| rest.bytes().all(|b| b == b'\n'))
        .map(str::len)?;
    let clip_breaks = leading_break.iter().count() + usize::from(at_end);
    if added == 0 {
        return out.finish(node_span, last_content_end);
    }
    if added == clip_breaks || added == clip_breaks + trailing_breaks.len() {
        push_breaks(&mut out, leading_break.as_slice());
        if at_end {
            out.replaced(pos, 0, '\n');
        }
        if added > clip_breaks {
            push_breaks(&mut out, &trailing_breaks);
        }
        return out.finish(node_span, last_content_end);
    }
    None
}

fn push_breaks(out: &mut Out, breaks: &[(usize, usize)]) {
    for &(offset, len) in breaks {
        out.replaced(offset, len, '\n');
    }
}

/// The line breaks of the blank lines just above the line starting at `line_start`,
/// up to the block scalar's header line.
fn leading_blank_lines(bytes: &[u8], line_start: usize) -> Vec<(usize, usize)> {
    let mut breaks = Vec::new();
    let mut end = line_start;
    while end > 0 {
        // `end` is the start of a line; the previous line ends with a break before it.
        let break_start = if end >= 2 && bytes[end - 2] == b'\r' && bytes[end - 1] == b'\n' {
            end - 2
        } else {
            end - 1
        };
        let prev_start = bytes[..break_start]
            .iter()
            .rposition(|&b| b == b'\n' || b == b'\r')
            .map_or(0, |i| i + 1);
        if !bytes[prev_start..break_start].iter().all(|&b| b == b' ') {
            break;
        }
        breaks.push((break_start, end - break_start));
        end = prev_start;
    }
    breaks.reverse();
    breaks
}

fn is_document_marker(bytes: &[u8], at: usize) -> bool {
    let marker = bytes.get(at..at + 3);
    (marker == Some(b"---") || marker == Some(b"..."))
        && bytes
            .get(at + 3)
            .is_none_or(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
}

#[cfg(test)]
thread_local! {
    /// Scalars whose map fell back to the scalar start on this thread (tests only).
    pub(super) static FALLBACKS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

#[cfg(test)]
mod tests {
    use super::*;
    use saphyr_parser::{Event, Parser};

    /// Every scalar of `text` with its style, the parser's span (in bytes) and value.
    fn scalars(text: &str) -> Vec<(ScalarStyle, Span, String)> {
        let chars = crate::yaml::chars::CharToByte::new(text);
        let mut out = Vec::new();
        for event in Parser::new_from_str(text) {
            let (event, span) = event.expect("valid YAML");
            if let Event::Scalar(value, style, _, _) = event {
                let span = chars.byte(span.start.index())..chars.byte(span.end.index());
                out.push((
                    super::super::build::convert_style(style),
                    span,
                    value.into_owned(),
                ));
            }
        }
        out
    }

    #[test]
    fn the_fast_path_gives_what_the_rebuild_gives() {
        let text = "plain: a b  c\ntrailing: x y   \nsingle: 'a \\b '\ndouble: \"x 'y' \"\n\
                    escaped: \"a\\tb\"\nquote: 'it''s'\nfolded: a\n  b\nkey with space: v\n\
                    unicode: \"é ü\"\n'q k': \"\"\nempty_plain:\nlist: [a, 'b', \"c d\"]\n\
                    flow: {k: v, 'x': \"y\"}\nanchored: &a v\ntagged: !!str 12\n";
        let mut fast = 0;
        for (style, span, value) in scalars(text) {
            if value.is_empty() {
                continue;
            }
            let Some(located) = verbatim_flow(text, style, &span, &value) else {
                continue;
            };
            fast += 1;
            assert_eq!(located, rebuild(text, style, span, &value), "{value:?}");
        }
        assert!(fast >= 15, "only {fast} scalars took the fast path");
    }

    /// Where the raw text of a quoted scalar is its value, the quick close is the one
    /// the byte-by-byte scan finds; elsewhere it gives way to the scan.
    #[test]
    fn the_quick_closing_quote_is_the_scanned_one() {
        let text = r#"a: "x y"
b: 'p q'
c: 'it''s'
d: "t\"u"
e: 'v'''
f: ""
g: "a'b"
h: 'a"b'
i: "back\\slash"
"#;
        let mut quick = 0;
        for (style, span, value) in scalars(text) {
            if !style.is_quoted() {
                continue;
            }
            let scanned = closing_quote(text, span.start, style);
            match verbatim_close(text, span.start, style, &value) {
                Some(close) => {
                    quick += 1;
                    assert_eq!(Some(close), scanned, "{value:?}");
                }
                None => assert!(
                    value.contains(['\'', '"', '\\']),
                    "{value:?} should have closed quickly"
                ),
            }
        }
        assert_eq!(
            quick, 5,
            "x y, p q, a'b, a\"b and the empty one close quickly"
        );
    }

    #[test]
    fn values_that_need_decoding_take_the_full_rebuild() {
        for text in [
            "k: \"a\\tb\"\n",
            "k: 'it''s'\n",
            "k: a\n  b\n",
            "k: \"a\n  b\"\n",
        ] {
            for (style, span, value) in scalars(text) {
                if value != "k" {
                    assert_eq!(verbatim_flow(text, style, &span, &value), None, "{text:?}");
                }
            }
        }
    }
}
