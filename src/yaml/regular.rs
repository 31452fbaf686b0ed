//! A reader for the block YAML that rule files and Prometheus configs are written in,
//! beside saphyr-parser.
//!
//! saphyr's scanner takes a character at a time through several layers of buffering:
//! on 10,000 rules it was half of all the instructions of a run, and 127 M of the 157 M
//! that reading a 1,000-job prometheus.yml cost. Nearly every file is written in a
//! small part of YAML: block mappings and sequences indented by spaces, one-line plain
//! and quoted scalars, `|` / `>` blocks, one-line flow collections, comments. This
//! reader takes exactly that part and builds the very tree [`super::build`] builds from
//! saphyr's events (values, styles, spans, offset maps: the tests hold the two equal);
//! on anything else (anchors, tags, multi-line flow scalars, tabs, several documents,
//! anything it is not sure of) it declines and saphyr reads the text, so every error
//! keeps its message and position. It never accepts what saphyr would refuse.

use super::scalar::locate_scalar;
use super::{decode_escape, Document, Entry, Node, NodeKind, Scalar, ScalarStyle};
use crate::source::{OffsetMap, SourceFile, Span};

/// Nesting the reader takes; deeper text goes to saphyr (which bounds it itself).
const MAX_NESTING: usize = 64;
/// YAML reads an implicit key of at most 1,024 characters; longer ones go to saphyr.
const MAX_KEY: usize = 1000;

/// The documents of `file` as [`super::build::parse`] builds them, or `None` when the
/// text is outside this reader's part of YAML.
pub(super) fn parse(file: &SourceFile) -> Option<Vec<Document>> {
    let text = file.text.as_str();
    if !characters_in_subset(text) {
        return None;
    }
    let lines = Lines::new(text, file.line_starts())?;
    let mut reader = Reader {
        text,
        bytes: text.as_bytes(),
        lines,
        next: 0,
        open_entries: Vec::new(),
        open_items: Vec::new(),
    };
    reader.documents()
}

/// Whether every character is one this reader handles as saphyr does: printable, no
/// tab, no carriage return, none of the characters YAML 1.1 reads as line breaks, no
/// byte-order mark.
fn characters_in_subset(text: &str) -> bool {
    let bytes = text.as_bytes();
    let ascii_ok = |b: u8| b == b'\n' || (b' '..=b'~').contains(&b);
    // Whole chunks without an early exit: the compiler checks many bytes at a time.
    let all_ascii_ok = bytes
        .chunks(64)
        .all(|chunk| chunk.iter().fold(true, |ok, &b| ok & ascii_ok(b)));
    if all_ascii_ok {
        return true;
    }
    text.chars().all(|c| {
        if c.is_ascii() {
            ascii_ok(c as u8)
        } else {
            !matches!(
                c,
                '\u{80}'
                    ..='\u{9f}' | '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}'
            )
        }
    })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    // The order is [`Lines`]' packing.
    /// Nothing but spaces.
    Blank,
    /// Spaces, then `#`.
    Comment,
    Content,
    /// `---`: the start of a document.
    Start,
}

/// One line of the text, without its line feed.
#[derive(Clone, Copy)]
struct Line {
    start: usize,
    end: usize,
    indent: usize,
    kind: Kind,
}

/// The text's lines: where each starts (the file's own line index) and, packed in one
/// `u32` each, its indentation and kind. A 21 MB file has 1.2 million lines: a 32-byte
/// [`Line`] each was 38 MB held while the tree is built.
struct Lines<'t> {
    starts: &'t [usize],
    text_len: usize,
    packed: Vec<u32>,
}

/// [`Lines::packed`]: the kind in the top two bits, the indentation below.
const KIND_SHIFT: u32 = 30;

impl<'t> Lines<'t> {
    /// Every line of `text` (the text has no carriage return), or `None` when one marks
    /// a document or a directive (those go to saphyr) or is absurdly indented.
    fn new(text: &str, starts: &'t [usize]) -> Option<Self> {
        let bytes = text.as_bytes();
        let mut packed = Vec::with_capacity(starts.len());
        for (index, &start) in starts.iter().enumerate() {
            if start >= bytes.len() {
                break;
            }
            let end = starts.get(index + 1).map_or(bytes.len(), |&next| next - 1);
            let indent = bytes[start..end].iter().take_while(|&&b| b == b' ').count();
            let kind = match bytes.get(start + indent) {
                _ if start + indent == end => Kind::Blank,
                Some(b'#') => Kind::Comment,
                _ if indent == 0 => document_mark(&bytes[start..end])?,
                _ => Kind::Content,
            };
            let indent = u32::try_from(indent)
                .ok()
                .filter(|&i| i < 1 << KIND_SHIFT)?;
            packed.push(indent | (kind as u32) << KIND_SHIFT);
        }
        Some(Lines {
            starts,
            text_len: bytes.len(),
            packed,
        })
    }

    fn get(&self, index: usize) -> Option<Line> {
        let packed = *self.packed.get(index)?;
        let start = self.starts[index];
        let end = self
            .starts
            .get(index + 1)
            .map_or(self.text_len, |&next| next - 1);
        let kind = match packed >> KIND_SHIFT {
            0 => Kind::Blank,
            1 => Kind::Comment,
            2 => Kind::Content,
            _ => Kind::Start,
        };
        Some(Line {
            start,
            end,
            indent: (packed & ((1 << KIND_SHIFT) - 1)) as usize,
            kind,
        })
    }

    /// Line `index`, which exists.
    fn at(&self, index: usize) -> Line {
        self.get(index).expect("a line index the reader found")
    }
}

/// What a content line at column 0 is: [`Kind::Start`] for a `---` alone on its line
/// (or before a comment), [`Kind::Content`] for anything but a document mark, `None`
/// for the marks left to saphyr (`...`, `%` directives, `---` before a value).
fn document_mark(line: &[u8]) -> Option<Kind> {
    if line.starts_with(b"%") || line.starts_with(b"...") {
        return None;
    }
    let Some(rest) = line.strip_prefix(b"---") else {
        return Some(Kind::Content);
    };
    let rest = rest.trim_ascii_start();
    let alone = rest.is_empty() || (rest.starts_with(b"#") && line[3] == b' ');
    alone.then_some(Kind::Start)
}

struct Reader<'t> {
    text: &'t str,
    bytes: &'t [u8],
    lines: Lines<'t>,
    /// The first line not read yet.
    next: usize,
    /// Entries of the open block mappings and items of the open block sequences,
    /// innermost last: each collection's own vector is then allocated once, at its exact
    /// size, when it closes (a tree lives until its model is built).
    open_entries: Vec<Entry>,
    open_items: Vec<Node>,
}

/// Where a plain scalar's scan stopped.
#[derive(PartialEq, Eq)]
enum PlainEnd {
    /// End of line, or a comment.
    Line,
    /// A `:` followed by a space or the end of the line (or, in flow, a flow indicator).
    Colon,
    /// A flow indicator (`,` `[` `]` `{` `}`), in flow context.
    Flow,
}

impl<'t> Reader<'t> {
    /// Every document of the text: each starts at its `---` or, for the first one, at
    /// its first token; each but the last ends after the next `---`, as saphyr's
    /// events say. A document with nothing in it (a `---` followed by another, or by
    /// the end) holds an empty scalar where the next document mark or the end is.
    fn documents(&mut self) -> Option<Vec<Document>> {
        let mut documents = Vec::new();
        // The `---` that opened the document being read, if it had one.
        let mut opened_at = None;
        loop {
            let at = self.next_line_of_interest();
            let next_start = at.filter(|&index| self.lines.at(index).kind == Kind::Start);
            let root = match at {
                Some(index) if next_start.is_none() => {
                    if self.lines.at(index).indent != 0 {
                        return None;
                    }
                    let root = self.block_node(index, 0, 0)?;
                    // The root takes every line up to the next document mark.
                    let after = self.next_line_of_interest();
                    if after.is_some_and(|index| self.lines.at(index).kind != Kind::Start) {
                        return None;
                    }
                    Some(root)
                }
                _ => opened_at.map(|_| empty_scalar(self.mark_or_end(next_start))),
            };
            let next_start = self.next_line_of_interest();
            if let Some(root) = root {
                let start = opened_at.unwrap_or(root.span.start);
                let end =
                    next_start.map_or(self.text.len(), |index| self.lines.at(index).start + 3);
                documents.push(Document {
                    span: start..end.max(root.span.end),
                    root: Some(root),
                });
            }
            let Some(index) = next_start else {
                return Some(documents);
            };
            opened_at = Some(self.lines.at(index).start);
            self.next = index + 1;
        }
    }

    /// Where a document mark starts, or the end of the text.
    fn mark_or_end(&self, mark: Option<usize>) -> usize {
        mark.map_or(self.text.len(), |index| self.lines.at(index).start)
    }

    /// The next content line or document mark, skipping blank and comment lines.
    fn next_line_of_interest(&mut self) -> Option<usize> {
        while let Some(line) = self.lines.get(self.next) {
            if matches!(line.kind, Kind::Content | Kind::Start) {
                return Some(self.next);
            }
            self.next += 1;
        }
        None
    }

    /// The index of the next content line, skipping blank and comment lines (a comment
    /// line ends any scalar above it, in YAML as here); `None` at the end of the text
    /// or of the document (a `---`).
    fn next_content(&mut self) -> Option<usize> {
        self.next_line_of_interest()
            .filter(|&index| self.lines.at(index).kind == Kind::Content)
    }

    /// Marks line `index` as read.
    fn take_line(&mut self, index: usize) {
        self.next = index + 1;
    }

    /// The block mapping or sequence whose first token is at column `column` of line
    /// `index`.
    fn block_node(&mut self, index: usize, column: usize, depth: usize) -> Option<Node> {
        if depth > MAX_NESTING {
            return None;
        }
        let at = self.lines.at(index).start + column;
        if self.is_entry_dash(at, self.lines.at(index).end) {
            self.block_sequence(index, column, false, depth)
        } else {
            self.block_mapping(index, column, depth, None)
        }
    }

    /// Whether a `-` at `at` starts a sequence entry (a space or the line's end follows).
    fn is_entry_dash(&self, at: usize, line_end: usize) -> bool {
        self.bytes.get(at) == Some(&b'-') && (at + 1 == line_end || self.bytes[at + 1] == b' ')
    }

    /// The block mapping whose first key is at `column` of line `first`. `first_key`: that
    /// key and the offset of its `:`, when the caller has read it already.
    fn block_mapping(
        &mut self,
        first: usize,
        column: usize,
        depth: usize,
        mut first_key: Option<(Node, usize)>,
    ) -> Option<Node> {
        let first_entry = self.open_entries.len();
        let mut index = first;
        let mut at = self.lines.at(index).start + column;
        loop {
            let line = self.lines.at(index);
            self.take_line(index);
            let (key, colon) = match first_key.take() {
                Some(read) => read,
                None => self.key(at, line.end)?,
            };
            let value = self.entry_value(index, column, colon, depth)?;
            self.open_entries.push(Entry { key, value });
            match self.next_content() {
                Some(next) if self.lines.at(next).indent == column => {
                    index = next;
                    at = self.lines.at(next).start + column;
                }
                Some(next) if self.lines.at(next).indent > column => return None,
                _ => break,
            }
        }
        let entries: Vec<Entry> = self.open_entries.drain(first_entry..).collect();
        let start = entries[0].key.span.start;
        let last = entries.last().expect("one entry at least");
        let end = last.value.span.end.max(last.key.span.end);
        Some(Node {
            span: start..end,
            kind: NodeKind::Mapping(entries),
        })
    }

    /// A mapping key at `at` and the offset of its `:` (followed by a space or the end
    /// of the line).
    fn key(&self, at: usize, line_end: usize) -> Option<(Node, usize)> {
        let (key, after) = match self.bytes[at] {
            b'"' | b'\'' => {
                let (node, after) = self.quoted(at, line_end)?;
                (node, self.skip_spaces(after, line_end))
            }
            _ => {
                let (start, end, stop, stop_at) = self.plain_scan(at, line_end, false)?;
                if stop != PlainEnd::Colon {
                    return None;
                }
                (plain_node(self.text, start, end), stop_at)
            }
        };
        let colon_follows = self.bytes.get(after) == Some(&b':')
            && (after + 1 == line_end || self.bytes[after + 1] == b' ');
        if !colon_follows || after - at > MAX_KEY {
            return None;
        }
        Some((key, after))
    }

    /// The value of the entry whose key's `:` is at `colon` on line `index`, in a block
    /// mapping at `column`.
    fn entry_value(
        &mut self,
        index: usize,
        column: usize,
        colon: usize,
        depth: usize,
    ) -> Option<Node> {
        let line_end = self.lines.at(index).end;
        let at = self.skip_spaces(colon + 1, line_end);
        if at < line_end && !self.is_comment(at) {
            return self.inline_value(index, at, column);
        }
        // Nothing after the `:`: the value is the block below (a sequence may stand at
        // the key's own column), or empty.
        if let Some(next) = self.next_content() {
            let line = self.lines.at(next);
            if line.indent == column && self.is_entry_dash(line.start + column, line.end) {
                return self.block_sequence(next, column, true, depth + 1);
            }
        }
        self.value_below(column, depth, colon, at < line_end)
    }

    /// The value of a `key:` or `-` that ends its line (`commented`: with a comment
    /// after it): the block collection on the lines below, deeper than `column`, or an
    /// empty scalar at `empty_at`.
    fn value_below(
        &mut self,
        column: usize,
        depth: usize,
        empty_at: usize,
        commented: bool,
    ) -> Option<Node> {
        match self.next_content() {
            Some(next) if self.lines.at(next).indent > column => {
                self.block_node(next, self.lines.at(next).indent, depth + 1)
            }
            // saphyr places an empty value followed by a comment elsewhere.
            _ if commented => None,
            _ => Some(empty_scalar(empty_at)),
        }
    }

    /// A block sequence whose first `-` is at `column` of line `first`. An indentless one
    /// (the value of a mapping entry, at the key's column) starts after its first `-`, as
    /// saphyr's event says.
    fn block_sequence(
        &mut self,
        first: usize,
        column: usize,
        indentless: bool,
        depth: usize,
    ) -> Option<Node> {
        if depth > MAX_NESTING {
            return None;
        }
        let first_item = self.open_items.len();
        let mut index = first;
        loop {
            self.take_line(index);
            let item = self.sequence_item(index, column, depth)?;
            self.open_items.push(item);
            match self.next_content() {
                Some(next)
                    if self.lines.at(next).indent == column
                        && self.is_entry_dash(
                            self.lines.at(next).start + column,
                            self.lines.at(next).end,
                        ) =>
                {
                    index = next;
                }
                Some(next) if self.lines.at(next).indent > column => return None,
                Some(next) if !indentless && self.lines.at(next).indent == column => return None,
                _ => break,
            }
        }
        let items: Vec<Node> = self.open_items.drain(first_item..).collect();
        let first_dash = self.lines.at(first).start + column;
        let start = if indentless {
            // saphyr starts an indentless sequence at the token after its first `-`: the
            // first item's own start, or the end of the `-` line (after any comment) when
            // the item is below.
            let line_end = self.lines.at(first).end;
            let at = self.skip_spaces(first_dash + 1, line_end);
            if self.is_comment(at) {
                line_end
            } else {
                at
            }
        } else {
            first_dash
        };
        let end = items.last().expect("one item at least").span.end;
        Some(Node {
            span: start..end.max(start),
            kind: NodeKind::Sequence(items),
        })
    }

    /// The item after the `-` at `column` of line `index`.
    fn sequence_item(&mut self, index: usize, column: usize, depth: usize) -> Option<Node> {
        let line_end = self.lines.at(index).end;
        let dash = self.lines.at(index).start + column;
        let at = self.skip_spaces(dash + 1, line_end);
        if at == line_end || self.is_comment(at) {
            return self.value_below(column, depth, at, at < line_end);
        }
        if self.is_entry_dash(at, line_end) {
            // `- - x`: a compact nested sequence.
            return None;
        }
        if let Some(key) = self.key(at, line_end) {
            // `- key: value`: a mapping whose keys stand at this column.
            let key_column = at - self.lines.at(index).start;
            return self.block_mapping(index, key_column, depth + 1, Some(key));
        }
        self.inline_value(index, at, column)
    }

    /// A value that starts at `at` on line `index` (after a key's `:` or a `-`): a
    /// scalar, a one-line flow collection or a block scalar's header. `parent` is the
    /// column of the collection holding it.
    fn inline_value(&mut self, index: usize, at: usize, parent: usize) -> Option<Node> {
        let line_end = self.lines.at(index).end;
        let (node, after) = match self.bytes[at] {
            b'|' | b'>' => return self.block_scalar(index, at, parent),
            // Flow collections count their own nesting: both bounds are far below saphyr's.
            b'[' | b'{' => self.flow_collection(at, line_end, 1)?,
            b'"' | b'\'' => match self.quoted(at, line_end) {
                Some(found) => found,
                None => return self.multi_line_quoted(index, at, parent),
            },
            _ => {
                let (start, end, stop, stop_at) = self.plain_scan(at, line_end, false)?;
                if stop != PlainEnd::Line {
                    return None;
                }
                if stop_at == line_end {
                    if let Some(node) = self.multi_line_plain(index, start, end, parent)? {
                        return Some(node);
                    }
                }
                (plain_node(self.text, start, end), stop_at)
            }
        };
        let after = self.skip_spaces(after, line_end);
        if after == line_end
            || (after > 0 && self.bytes[after - 1] == b' ' && self.is_comment(after))
        {
            Some(node)
        } else {
            None
        }
    }

    /// A plain scalar that starts at `start..end` (the whole rest of line `index`) and
    /// continues on the lines below, deeper than its collection at column `parent`, as
    /// YAML marshallers wrap long values: `Some(None)` when no line continues it.
    /// Continuation lines are folded: one line break reads as a space, `n` empty lines as
    /// `n` line feeds. A continuation holding `: ` or ` #`, or a line of spaces among
    /// them, is declined.
    fn multi_line_plain(
        &mut self,
        index: usize,
        start: usize,
        end: usize,
        parent: usize,
    ) -> Option<Option<Node>> {
        let continues = |line: Line| line.kind == Kind::Content && line.indent > parent;
        if !self.lines.get(index + 1).is_some_and(continues) {
            return Some(None);
        }
        let mut value = self.text[start..end].to_string();
        let mut value_end = end;
        let mut next = index + 1;
        let mut empty = 0;
        while let Some(line) = self.lines.get(next) {
            if line.start == line.end {
                empty += 1;
            } else if continues(line) {
                let content = self.text[line.start + line.indent..line.end].trim_end_matches(' ');
                if content.contains(": ") || content.ends_with(':') || content.contains(" #") {
                    return None;
                }
                if empty == 0 {
                    value.push(' ');
                } else {
                    value.extend(std::iter::repeat_n('\n', empty));
                }
                value.push_str(content);
                value_end = line.start + line.indent + content.len();
                empty = 0;
                self.next = next + 1;
            } else {
                break;
            }
            next += 1;
        }
        super::trim_slack(&mut value);
        let (span, map) = locate_scalar(self.text, ScalarStyle::Plain, start..value_end, &value);
        Some(Some(scalar_node(span, value, ScalarStyle::Plain, map)))
    }

    /// A quoted scalar opening at `at` on line `index` and closing on a line below (each
    /// deeper than its collection at column `parent`), and nothing but a comment after
    /// it. Its lines are folded as in a plain scalar: trailing and leading spaces go, a
    /// line break reads as a space, `n` empty lines as `n` line feeds. Declined: an
    /// escaped line break, a line of spaces, a continuation at the collection's column
    /// or less (saphyr refuses it; `super::repair` reads it), an unknown escape.
    fn multi_line_quoted(&mut self, index: usize, at: usize, parent: usize) -> Option<Node> {
        let bytes = self.bytes;
        let quote = bytes[at];
        let style = quoted_style(quote);
        let mut value = String::new();
        let mut line = index;
        let mut from = at + 1;
        let mut empty_lines: Option<usize> = None;
        loop {
            let line_end = self.lines.at(line).end;
            let (close, escaped) = quoted_segment(bytes, from, line_end, quote)?;
            if close.is_some() && line == index {
                // Closed on its own line: `quoted` declined it for a reason of its own.
                return None;
            }
            let raw = &self.text[from..close.unwrap_or(line_end)];
            let raw = if close.is_some() {
                raw
            } else {
                raw.trim_end_matches(' ')
            };
            match empty_lines {
                None => {}
                Some(0) => value.push(' '),
                Some(n) => value.extend(std::iter::repeat_n('\n', n)),
            }
            if escaped {
                value.push_str(&decode_quoted(raw, quote)?);
            } else {
                value.push_str(raw);
            }
            if let Some(close) = close {
                let after = self.skip_spaces(close + 1, line_end);
                let commented = bytes[after - 1] == b' ' && self.is_comment(after);
                if after != line_end && !commented {
                    return None;
                }
                self.next = line + 1;
                super::trim_slack(&mut value);
                let (span, map) = locate_scalar(self.text, style, at..close + 1, &value);
                return Some(scalar_node(span, value, style, map));
            }
            // The next line holding some of the scalar.
            let mut empty = 0;
            loop {
                line += 1;
                let next = self.lines.get(line)?;
                if next.start == next.end {
                    empty += 1;
                } else if next.kind == Kind::Blank || next.indent <= parent {
                    return None;
                } else {
                    from = next.start + next.indent;
                    break;
                }
            }
            empty_lines = Some(empty);
        }
    }

    fn skip_spaces(&self, mut at: usize, end: usize) -> usize {
        while at < end && self.bytes[at] == b' ' {
            at += 1;
        }
        at
    }

    fn is_comment(&self, at: usize) -> bool {
        self.bytes.get(at) == Some(&b'#')
    }

    /// A plain scalar from `at`: its start, its end without trailing spaces, why the scan
    /// stopped and where. `None` when it cannot start a plain scalar.
    fn plain_scan(
        &self,
        at: usize,
        line_end: usize,
        flow: bool,
    ) -> Option<(usize, usize, PlainEnd, usize)> {
        let bytes = self.bytes;
        let first = bytes[at];
        let next_is_safe = at + 1 < line_end && {
            let next = bytes[at + 1];
            next != b' ' && !(flow && is_flow_indicator(next))
        };
        if is_indicator(first) && !(matches!(first, b'-' | b'?' | b':') && next_is_safe) {
            return None;
        }
        if !flow {
            return Some(self.block_plain_scan(at, line_end));
        }
        let mut end = at;
        let mut i = at;
        while i < line_end {
            let byte = bytes[i];
            match byte {
                b' ' => {
                    if bytes.get(i + 1) == Some(&b'#') {
                        return Some((at, end, PlainEnd::Line, i));
                    }
                    i += 1;
                    continue;
                }
                b',' | b'[' | b']' | b'{' | b'}' if flow => {
                    return Some((at, end, PlainEnd::Flow, i));
                }
                // saphyr reads an indicator after a space inside a flow plain scalar
                // as the start of a new token in places (` -` before `,` is refused):
                // such words are left to it.
                _ if flow && i > at && bytes[i - 1] == b' ' && is_indicator(byte) => {
                    return None;
                }
                b':' if i > at => {
                    let ends = i + 1 == line_end
                        || bytes[i + 1] == b' '
                        || (flow && is_flow_indicator(bytes[i + 1]));
                    if ends {
                        return Some((at, end, PlainEnd::Colon, i));
                    }
                }
                _ => {}
            }
            i += 1;
            end = i;
        }
        Some((at, end, PlainEnd::Line, line_end))
    }

    /// [`Self::plain_scan`] in block context, where only `: ` and ` #` end a plain
    /// scalar: found with a byte search rather than a byte at a time (plain scalars are
    /// most of a rule file's bytes). The byte at `at` cannot end it.
    fn block_plain_scan(&self, at: usize, line_end: usize) -> (usize, usize, PlainEnd, usize) {
        let bytes = self.bytes;
        let trimmed = |end: usize| {
            let mut end = end;
            while end > at && bytes[end - 1] == b' ' {
                end -= 1;
            }
            end
        };
        let mut from = at + 1;
        while let Some(found) = memchr::memchr2(b':', b'#', &bytes[from..line_end]) {
            let i = from + found;
            if bytes[i] == b':' {
                if i + 1 == line_end || bytes[i + 1] == b' ' {
                    return (at, trimmed(i), PlainEnd::Colon, i);
                }
            } else if bytes[i - 1] == b' ' {
                // A comment: the scan stops at the space before it.
                return (at, trimmed(i - 1), PlainEnd::Line, i - 1);
            }
            from = i + 1;
        }
        (at, trimmed(line_end), PlainEnd::Line, line_end)
    }

    /// A one-line quoted scalar opening at `at` and the offset after its closing quote.
    fn quoted(&self, at: usize, line_end: usize) -> Option<(Node, usize)> {
        let bytes = self.bytes;
        let quote = bytes[at];
        let style = quoted_style(quote);
        // Not closed on this line: `multi_line_quoted` reads it, or saphyr.
        let (close, escaped) = quoted_segment(bytes, at + 1, line_end, quote)?;
        let close = close?;
        let raw = &self.text[at + 1..close];
        let value = if escaped {
            decode_quoted(raw, quote)?
        } else {
            raw.to_string()
        };
        let (span, map) = if escaped || value.is_empty() {
            locate_scalar(self.text, style, at..close + 1, &value)
        } else {
            (at..close + 1, OffsetMap::identity(at + 1, value.len()))
        };
        let node = scalar_node(span, value, style, map);
        Some((node, close + 1))
    }

    /// A flow sequence or mapping opening at `at` and closing on the same line, and the
    /// offset after its closing bracket.
    fn flow_collection(
        &mut self,
        at: usize,
        line_end: usize,
        depth: usize,
    ) -> Option<(Node, usize)> {
        if depth > MAX_NESTING {
            return None;
        }
        let bytes = self.bytes;
        let mapping = bytes[at] == b'{';
        let close = if mapping { b'}' } else { b']' };
        let first_item = self.open_items.len();
        let first_entry = self.open_entries.len();
        let mut i = self.skip_spaces(at + 1, line_end);
        if bytes.get(i) == Some(&close) {
            i += 1;
        } else {
            loop {
                if i >= line_end {
                    return None;
                }
                let (node, after) = self.flow_value(i, line_end, depth)?;
                let after = self.skip_spaces(after, line_end);
                let colon = bytes.get(after) == Some(&b':');
                if mapping {
                    let scalar_key = matches!(node.kind, NodeKind::Scalar(_));
                    if !scalar_key || !colon || bytes.get(after + 1) != Some(&b' ') {
                        return None;
                    }
                    let value_at = self.skip_spaces(after + 1, line_end);
                    if value_at >= line_end {
                        return None;
                    }
                    let (value, after) = self.flow_value(value_at, line_end, depth)?;
                    self.open_entries.push(Entry { key: node, value });
                    i = self.skip_spaces(after, line_end);
                } else {
                    if colon {
                        // `[key: value]`: a one-pair mapping in a sequence.
                        return None;
                    }
                    self.open_items.push(node);
                    i = after;
                }
                match bytes.get(i) {
                    Some(&b) if b == close => {
                        i += 1;
                        break;
                    }
                    Some(b',') => {
                        i = self.skip_spaces(i + 1, line_end);
                        if matches!(bytes.get(i), Some(b',' | b']' | b'}') | None) || i >= line_end
                        {
                            return None;
                        }
                    }
                    _ => return None,
                }
            }
        }
        let kind = if mapping {
            NodeKind::Mapping(self.open_entries.drain(first_entry..).collect())
        } else {
            NodeKind::Sequence(self.open_items.drain(first_item..).collect())
        };
        Some((Node { span: at..i, kind }, i))
    }

    /// One value inside a flow collection.
    fn flow_value(&mut self, at: usize, line_end: usize, depth: usize) -> Option<(Node, usize)> {
        match self.bytes[at] {
            b'[' | b'{' => self.flow_collection(at, line_end, depth + 1),
            b'"' | b'\'' => self.quoted(at, line_end),
            _ => {
                let (start, end, stop, stop_at) = self.plain_scan(at, line_end, true)?;
                let stopped_well = match stop {
                    PlainEnd::Line => false,
                    PlainEnd::Colon => true,
                    PlainEnd::Flow => matches!(self.bytes[stop_at], b',' | b']' | b'}'),
                };
                if !stopped_well || end == start {
                    return None;
                }
                Some((plain_node(self.text, start, end), end))
            }
        }
    }

    /// A `|` or `>` block scalar whose header is at `header` on line `index`, in a
    /// collection at column `parent`. Taken: the clip and strip chompings, indentation
    /// detected from the first line.
    fn block_scalar(&mut self, index: usize, header: usize, parent: usize) -> Option<Node> {
        let bytes = self.bytes;
        let folded = bytes[header] == b'>';
        let line_end = self.lines.at(index).end;
        let strip = match bytes.get(header + 1) {
            Some(b'-') => true,
            Some(b' ') | None => false,
            _ if header + 1 == line_end => false,
            _ => return None,
        };
        let after_header = header + 1 + usize::from(strip);
        if self.skip_spaces(after_header, line_end) != line_end {
            return None;
        }
        // The content: lines indented at least as much as the first non-empty one, and
        // the empty lines among them. A line of spaces only is declined (its spaces may
        // or may not be content).
        let mut content_lines: Vec<Line> = Vec::new();
        let mut indent = None;
        let mut next = index + 1;
        while let Some(line) = self.lines.get(next) {
            if line.start == line.end {
                if content_lines.is_empty() {
                    // Empty lines before the first content line: declined.
                    return None;
                }
                next += 1;
                continue;
            }
            if line.kind == Kind::Blank {
                return None;
            }
            let block_indent = *indent.get_or_insert(line.indent);
            if line.indent < block_indent {
                break;
            }
            content_lines.push(line);
            next += 1;
        }
        let indent = indent?;
        if indent <= parent || content_lines.is_empty() {
            return None;
        }
        // Content that starts with `|` or `>` reads like a header to the span finder
        // (`locate_scalar`), and with `!` or `&` like a tag or an anchor; its answer then
        // hangs on saphyr's exact span: declined.
        if matches!(
            bytes[content_lines[0].start + indent],
            b'|' | b'>' | b'!' | b'&'
        ) {
            return None;
        }
        let last = content_lines.last().expect("one line at least");
        // A last line without a line feed: saphyr's clipping at the end of the text.
        if last.end == bytes.len() {
            return None;
        }
        let value = block_value(self.text, &content_lines, indent, folded, strip);
        self.next = next;
        let start = content_lines[0].start + indent;
        let style = if folded {
            ScalarStyle::Folded
        } else {
            ScalarStyle::Literal
        };
        let (span, map) = locate_scalar(self.text, style, start..last.end, &value);
        Some(scalar_node(span, value, style, map))
    }
}

/// The value of a block scalar made of `lines` (non-empty ones at `indent` or deeper;
/// empty ones between them).
fn block_value(text: &str, lines: &[Line], indent: usize, folded: bool, strip: bool) -> String {
    let mut value = String::with_capacity(lines.iter().map(|l| l.end - l.start).sum::<usize>());
    // The previous content line's end, and whether it was more indented than the block.
    let mut previous: Option<(usize, bool)> = None;
    for line in lines {
        let spaced = line.indent > indent;
        if let Some((previous_end, previous_spaced)) = previous {
            // Empty lines between two content lines.
            let empty = text[previous_end + 1..line.start]
                .bytes()
                .filter(|&b| b == b'\n')
                .count();
            // A folded block folds a line break between two lines that are not more
            // indented; every other break is kept.
            let folds = folded && !spaced && !previous_spaced;
            if folds && empty == 0 {
                value.push(' ');
            } else {
                let breaks = if folds { empty } else { empty + 1 };
                value.extend(std::iter::repeat_n('\n', breaks));
            }
        }
        value.push_str(&text[line.start + indent..line.end]);
        previous = Some((line.end, spaced));
    }
    if !strip {
        value.push('\n');
    }
    super::trim_slack(&mut value);
    value
}

/// Scans a quoted scalar's text on one line from `from`: where its closing quote is (if
/// on this line) and whether it holds an escape. `None` for a backslash at the end of
/// the line (an escaped line break).
fn quoted_segment(
    bytes: &[u8],
    from: usize,
    line_end: usize,
    quote: u8,
) -> Option<(Option<usize>, bool)> {
    let mut escaped = false;
    let mut i = from;
    while i < line_end {
        match bytes[i] {
            b'\\' if quote == b'"' => {
                if i + 1 >= line_end {
                    return None;
                }
                escaped = true;
                i += 2;
            }
            b'\'' if quote == b'\'' && bytes.get(i + 1) == Some(&b'\'') && i + 1 < line_end => {
                escaped = true;
                i += 2;
            }
            b if b == quote => return Some((Some(i), escaped)),
            _ => i += 1,
        }
    }
    Some((None, escaped))
}

/// The style of a scalar opened by `quote`.
fn quoted_style(quote: u8) -> ScalarStyle {
    if quote == b'"' {
        ScalarStyle::DoubleQuoted
    } else {
        ScalarStyle::SingleQuoted
    }
}

/// A scalar node without a tag (the reader declines tags).
fn scalar_node(span: Span, value: String, style: ScalarStyle, map: OffsetMap) -> Node {
    Node {
        span,
        kind: NodeKind::Scalar(Scalar {
            value,
            style,
            map,
            tag: None,
        }),
    }
}

/// A plain scalar copied verbatim from `text[start..end]`.
fn plain_node(text: &str, start: usize, end: usize) -> Node {
    let map = OffsetMap::identity(start, end - start);
    scalar_node(
        start..end,
        text[start..end].to_string(),
        ScalarStyle::Plain,
        map,
    )
}

/// The empty value saphyr reports at `at` for a key or an item with nothing after it.
fn empty_scalar(at: usize) -> Node {
    scalar_node(
        at..at,
        String::new(),
        ScalarStyle::Plain,
        OffsetMap::identity(at, 0),
    )
}

/// The value of a one-line quoted scalar's raw text (without its quotes): `''` in
/// single quotes, backslash escapes in double quotes. `None` for an escape YAML does
/// not know.
fn decode_quoted(raw: &str, quote: u8) -> Option<String> {
    let mut value = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(i) = rest.find(if quote == b'"' { '\\' } else { '\'' }) {
        value.push_str(&rest[..i]);
        if quote == b'"' {
            let (decoded, len) = decode_escape(&rest[i..])?;
            value.push(decoded);
            rest = &rest[i + len..];
        } else {
            value.push('\'');
            rest = &rest[i + 2..];
        }
    }
    value.push_str(rest);
    super::trim_slack(&mut value);
    Some(value)
}

/// A character that cannot start a plain scalar (some can when a safe character
/// follows).
fn is_indicator(byte: u8) -> bool {
    matches!(
        byte,
        b'-' | b'?'
            | b':'
            | b','
            | b'['
            | b']'
            | b'{'
            | b'}'
            | b'#'
            | b'&'
            | b'*'
            | b'!'
            | b'|'
            | b'>'
            | b'\''
            | b'"'
            | b'%'
            | b'@'
            | b'`'
    )
}

fn is_flow_indicator(byte: u8) -> bool {
    matches!(byte, b',' | b'[' | b']' | b'{' | b'}')
}

#[cfg(test)]
mod tests;
