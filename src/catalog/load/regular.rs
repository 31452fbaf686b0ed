//! A reader for the regular shape of most catalog files, beside the full YAML parser.
//!
//! A catalog of thousands of metrics is thousands of lines like
//! `  name: {type: counter, help: Requests., labels: [method, code]}` (or the block form
//! `promgate catalog` writes). saphyr's scanner spends about 3,000 instructions on each
//! scalar of them, most of a catalog run's loading time. This reader takes a strict
//! subset of YAML: block mappings indented by spaces, single-line flow mappings and
//! sequences, plain scalars of a few safe characters and double-quoted scalars without
//! escapes, full-line comments. On that subset it builds exactly the tree the full parser
//! builds (values, quoting and positions); on anything else it declines and the full
//! parser reads the text, so every error keeps its position and message. It reads the
//! text once: entries reach the caller as they are read, and when the reader declines
//! further on, the caller forgets them ([`Entries::forget`]) before the full parser
//! reads the text again. An entry the caller refuses ends the handing over, not the
//! reading: the error is returned only once the rest of the text is known to be in the
//! subset, since the full parser would otherwise be the one to read it (and might stop
//! at a syntax error first). Scalars borrow the text (no escapes are taken), so a name
//! costs nothing until the caller keeps it.

use super::tree::{Entries, Node, Pos, Value};
use super::LoadError;
use std::borrow::Cow;

/// Nesting the reader takes (a catalog needs four); deeper text goes to the full parser.
const MAX_DEPTH: usize = 8;
/// YAML reads an implicit key of at most 1,024 characters; keys near that go to the full
/// parser.
const MAX_KEY: usize = 1000;

/// Why reading stopped: the text is outside the subset, and the full parser must read
/// it.
struct Decline;

type Read<T> = Result<T, Decline>;

/// The first document of `text` as [`super::tree::parse_streaming`] reads it, or `None`
/// when the text is outside this reader's subset (some entries may have reached
/// `on_entry` by then).
pub(super) fn parse_streaming<'t>(
    text: &'t str,
    stream_key: &str,
    on_entry: &mut dyn Entries<'t>,
) -> Option<Result<Option<Node<'t>>, LoadError>> {
    let lines = lines(text)?;
    let mut reader = Reader {
        lines: &lines,
        next: 0,
        stream_key,
        on_entry,
        refused: None,
    };
    let root = reader.root().ok()?;
    Some(match reader.refused {
        Some(error) => Err(error),
        None => Ok(Some(root)),
    })
}

/// A line with content (not blank, not a comment).
struct Line<'t> {
    /// 1-based.
    number: usize,
    indent: usize,
    /// The text after the indentation.
    content: &'t str,
}

/// The significant lines of `text`, or `None` when its characters or comments fall
/// outside the subset.
fn lines(text: &str) -> Option<Vec<Line<'_>>> {
    // ASCII without control characters (but line feeds): columns are byte offsets, and
    // tabs, carriage returns and byte-order marks never need thinking about.
    // Folded without an early exit, which the compiler turns into wide comparisons: the
    // whole catalog is checked before a line is read.
    let outside = text.bytes().fold(false, |outside, b| {
        outside | ((b < b' ' && b != b'\n') | (b > b'~'))
    });
    if outside {
        return None;
    }
    let mut out: Vec<Line<'_>> = Vec::new();
    for (index, line) in text.split('\n').enumerate() {
        let content = line.trim_start_matches(' ');
        let indent = line.len() - content.len();
        if content.is_empty() {
            continue;
        }
        if content.starts_with('#') {
            // A comment deeper than a line holding a value could read as that value's
            // continuation: only comments not deeper than the line before, or under a
            // line that opens a block, are taken.
            if let Some(previous) = out.last() {
                if indent > previous.indent && !previous.content.ends_with(':') {
                    return None;
                }
            }
            continue;
        }
        out.push(Line {
            number: index + 1,
            indent,
            content,
        });
    }
    Some(out)
}

struct Reader<'l, 't, 'e> {
    lines: &'l [Line<'t>],
    next: usize,
    stream_key: &'l str,
    on_entry: &'e mut dyn Entries<'t>,
    /// The error of the first entry `on_entry` refused; no entry is handed over after it.
    refused: Option<LoadError>,
}

impl<'t> Reader<'_, 't, '_> {
    /// The document: one block mapping at column 1 taking every line.
    fn root(&mut self) -> Read<Node<'t>> {
        match self.lines.first() {
            Some(first) if first.indent == 0 => {}
            _ => return Err(Decline),
        }
        let root = self.block_mapping(0, 1, false)?;
        if self.next < self.lines.len() {
            return Err(Decline);
        }
        Ok(root)
    }

    /// Hands one entry of the streamed mapping over, unless one was refused before.
    fn hand_over(&mut self, key: Node<'t>, value: Node<'t>) {
        if self.refused.is_none() {
            if let Err(error) = self.on_entry.entry(key, value) {
                self.refused = Some(error);
            }
        }
    }

    /// The block mapping whose first key starts the next line, at `indent`; when
    /// `streamed`, its entries go to `on_entry` as they are read and it stays empty.
    fn block_mapping(&mut self, indent: usize, depth: usize, streamed: bool) -> Read<Node<'t>> {
        let first = &self.lines[self.next];
        let pos = Pos {
            line: first.number,
            column: indent + 1,
        };
        let mut entries = Vec::new();
        while let Some(line) = self.lines.get(self.next) {
            if line.indent < indent {
                break;
            }
            // Deeper than the mapping's keys: a plain scalar's continuation, or worse.
            if line.indent > indent {
                return Err(Decline);
            }
            self.next += 1;
            let mut cursor = Cursor {
                text: line.content,
                at: 0,
                line: line.number,
                column0: indent,
                in_flow: false,
            };
            let (key, key_text) = cursor.key()?;
            if !cursor.eat(':') {
                return Err(Decline);
            }
            // The mapping under the top-level stream key goes to `on_entry` entry by entry.
            let streams = depth == 1 && key_text == self.stream_key;
            let value = if cursor.done() {
                self.block_value(indent, depth + 1, streams)?
            } else {
                if !cursor.eat(' ') {
                    return Err(Decline);
                }
                cursor.skip_spaces();
                let value = cursor.flow_value(depth + 1)?;
                cursor.skip_spaces();
                if !cursor.done() {
                    return Err(Decline);
                }
                self.streamed_entries(value, streams)
            };
            if streamed {
                self.hand_over(key, value);
            } else {
                entries.push((key, value));
            }
        }
        Ok(Node {
            pos,
            value: Value::Mapping(entries),
        })
    }

    /// The value of a key that ends its line: a block mapping on the lines below, deeper
    /// than the key.
    fn block_value(&mut self, key_indent: usize, depth: usize, streamed: bool) -> Read<Node<'t>> {
        let Some(line) = self.lines.get(self.next) else {
            return Err(Decline);
        };
        if line.indent <= key_indent || line.content.starts_with('-') || depth > MAX_DEPTH {
            return Err(Decline);
        }
        self.block_mapping(line.indent, depth, streamed)
    }

    /// A flow value as the caller keeps it: a streamed flow mapping's entries are handed
    /// over and the mapping stays empty.
    fn streamed_entries(&mut self, node: Node<'t>, streamed: bool) -> Node<'t> {
        match node.value {
            Value::Mapping(entries) if streamed => {
                for (key, value) in entries {
                    self.hand_over(key, value);
                }
                Node {
                    pos: node.pos,
                    value: Value::Mapping(Vec::new()),
                }
            }
            value => Node {
                pos: node.pos,
                value,
            },
        }
    }
}

/// A position in one line's content.
struct Cursor<'t> {
    text: &'t str,
    at: usize,
    line: usize,
    /// The content's first column, 0-based.
    column0: usize,
    /// Inside a flow mapping or sequence.
    in_flow: bool,
}

impl<'t> Cursor<'t> {
    fn pos(&self) -> Pos {
        Pos {
            line: self.line,
            column: self.column0 + self.at + 1,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    fn done(&self) -> bool {
        self.at == self.text.len()
    }

    fn eat(&mut self, byte: char) -> bool {
        let hit = self.peek() == Some(byte as u8);
        self.at += usize::from(hit);
        hit
    }

    fn skip_spaces(&mut self) {
        while self.peek() == Some(b' ') {
            self.at += 1;
        }
    }

    /// A mapping key: a plain or double-quoted scalar short enough to be implicit, and
    /// its text.
    fn key(&mut self) -> Read<(Node<'t>, &'t str)> {
        let start = self.at;
        let (pos, text, quoted) = self.scalar_text()?;
        if self.at - start > MAX_KEY {
            return Err(Decline);
        }
        Ok((scalar_node(pos, text, quoted), text))
    }

    fn scalar(&mut self) -> Read<Node<'t>> {
        let (pos, text, quoted) = self.scalar_text()?;
        Ok(scalar_node(pos, text, quoted))
    }

    /// A scalar's position, value and whether it was quoted.
    fn scalar_text(&mut self) -> Read<(Pos, &'t str, bool)> {
        match self.peek() {
            Some(b'"') => self.double_quoted(),
            Some(byte) if plain_start(byte) => self.plain(),
            _ => Err(Decline),
        }
    }

    /// A plain scalar: safe characters, single spaces between them.
    fn plain(&mut self) -> Read<(Pos, &'t str, bool)> {
        let pos = self.pos();
        let start = self.at;
        let bytes = self.text.as_bytes();
        let mut end = self.at;
        while end < bytes.len() {
            if plain_char(bytes[end]) {
                end += 1;
            } else if bytes[end] == b' ' && bytes.get(end + 1).is_some_and(|&b| plain_char(b)) {
                // saphyr reads a word starting with `-` inside a flow plain scalar as a
                // new token in places (`[a - -, b]` is an error to it): left to saphyr,
                // as the YAML reader leaves it.
                if self.in_flow && bytes[end + 1] == b'-' {
                    return Err(Decline);
                }
                end += 2;
            } else {
                break;
            }
        }
        self.at = end;
        Ok((pos, &self.text[start..end], false))
    }

    /// A double-quoted scalar on one line without escapes.
    fn double_quoted(&mut self) -> Read<(Pos, &'t str, bool)> {
        let pos = self.pos();
        let text = self.text;
        let rest = &text[self.at + 1..];
        let Some(length) = rest.find('"') else {
            return Err(Decline);
        };
        let value = &rest[..length];
        if value.contains('\\') {
            return Err(Decline);
        }
        self.at += length + 2;
        Ok((pos, value, true))
    }

    /// A value inside a line: a scalar, or a flow mapping or sequence closed on the line.
    fn flow_value(&mut self, depth: usize) -> Read<Node<'t>> {
        if depth > MAX_DEPTH {
            return Err(Decline);
        }
        match self.peek() {
            Some(b'{') => self.flow_collection(b'}', depth),
            Some(b'[') => self.flow_collection(b']', depth),
            _ => self.scalar(),
        }
    }

    /// `{key: value, ...}` or `[value, ...]`, without a trailing comma.
    fn flow_collection(&mut self, close: u8, depth: usize) -> Read<Node<'t>> {
        let pos = self.pos();
        // A decline abandons the whole reading: only a collection read to its end
        // restores the context it was in.
        let outer = std::mem::replace(&mut self.in_flow, true);
        self.at += 1;
        self.skip_spaces();
        let mut entries = Vec::new();
        let mut items = Vec::new();
        if !self.eat(close as char) {
            loop {
                if close == b'}' {
                    let (key, _) = self.key()?;
                    if !self.eat(':') || !self.eat(' ') {
                        return Err(Decline);
                    }
                    self.skip_spaces();
                    let value = self.flow_value(depth + 1)?;
                    entries.push((key, value));
                } else {
                    items.push(self.flow_value(depth + 1)?);
                }
                self.skip_spaces();
                if self.eat(close as char) {
                    break;
                }
                if !self.eat(',') || !self.eat(' ') {
                    return Err(Decline);
                }
                self.skip_spaces();
                if matches!(self.peek(), Some(b',' | b']' | b'}') | None) {
                    return Err(Decline);
                }
            }
        }
        self.in_flow = outer;
        let value = if close == b'}' {
            Value::Mapping(entries)
        } else {
            Value::Sequence(items)
        };
        Ok(Node { pos, value })
    }
}

/// A scalar as a node, borrowing the text.
fn scalar_node(pos: Pos, text: &str, quoted: bool) -> Node<'_> {
    Node {
        pos,
        value: Value::Scalar(Cow::Borrowed(text), quoted),
    }
}

/// A character that may start a plain scalar here. Indicators are out, and so are `-`
/// and `.` (`---` and `...` mark documents, `- ` a sequence entry).
fn plain_start(byte: u8) -> bool {
    PLAIN[usize::from(byte)] & START != 0
}

/// A character a plain scalar may hold anywhere in block and flow context alike.
fn plain_char(byte: u8) -> bool {
    PLAIN[usize::from(byte)] & INSIDE != 0
}

/// [`PLAIN`]'s flags: a byte that may start a plain scalar, a byte it may hold.
const START: u8 = 1;
const INSIDE: u8 = 2;

/// The plain-scalar flags of every byte, looked up once per byte: a catalog is hundreds
/// of kilobytes of names.
static PLAIN: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut byte = 0;
    while byte < 256 {
        let b = byte as u8;
        if b.is_ascii_alphanumeric() || b == b'_' || b == b'/' {
            table[byte] |= START;
        }
        if b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'/' | b'-' | b'+') {
            table[byte] |= INSIDE;
        }
        byte += 1;
    }
    table
};

#[cfg(test)]
mod tests;
