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
//! text twice: once to be sure the whole text is in the subset (no entry reaches the
//! caller before that, as with the full parser, which would stop at its syntax error),
//! then to hand the entries over.

use super::tree::{Node, Pos, Value};
use super::LoadError;

/// Nesting the reader takes (a catalog needs four); deeper text goes to the full parser.
const MAX_DEPTH: usize = 8;
/// YAML reads an implicit key of at most 1,024 characters; keys near that go to the full
/// parser.
const MAX_KEY: usize = 1000;

/// Why reading stopped.
enum Stop {
    /// The text is outside the subset: the full parser must read it.
    Decline,
    /// The caller's entry handler refused an entry.
    Error(LoadError),
}

type Read<T> = Result<T, Stop>;

/// The first document of `text` as [`super::tree::parse_streaming`] reads it, or `None`
/// when the text is outside this reader's subset.
pub(super) fn parse_streaming(
    text: &str,
    stream_key: &str,
    on_entry: &mut dyn FnMut(Node, Node) -> Result<(), LoadError>,
) -> Option<Result<Option<Node>, LoadError>> {
    let lines = lines(text)?;
    // Both passes see the same lines, so the second cannot decline. The first builds
    // no values (nothing keeps them).
    match Reader::new(&lines, stream_key, false).root(&mut |_, _| Ok(())) {
        Ok(_) => {}
        Err(Stop::Decline) => return None,
        Err(Stop::Error(error)) => return Some(Err(error)),
    }
    match Reader::new(&lines, stream_key, true).root(on_entry) {
        Ok(root) => Some(Ok(Some(root))),
        Err(Stop::Error(error)) => Some(Err(error)),
        Err(Stop::Decline) => unreachable!("the first pass read the same lines"),
    }
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
    if !text
        .bytes()
        .all(|b| b == b'\n' || (b' '..=b'~').contains(&b))
    {
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

struct Reader<'l, 't> {
    lines: &'l [Line<'t>],
    next: usize,
    stream_key: &'l str,
    /// Whether to build the values (the checking pass only reads).
    build: bool,
}

impl<'l, 't> Reader<'l, 't> {
    fn new(lines: &'l [Line<'t>], stream_key: &'l str, build: bool) -> Self {
        Reader {
            lines,
            next: 0,
            stream_key,
            build,
        }
    }

    /// The document: one block mapping at column 1 taking every line.
    fn root(mut self, on_entry: &mut dyn FnMut(Node, Node) -> Result<(), LoadError>) -> Read<Node> {
        match self.lines.first() {
            Some(first) if first.indent == 0 => {}
            _ => return Err(Stop::Decline),
        }
        let root = self.block_mapping(0, 1, false, on_entry)?;
        if self.next < self.lines.len() {
            return Err(Stop::Decline);
        }
        Ok(root)
    }

    /// The block mapping whose first key starts the next line, at `indent`; when
    /// `streamed`, its entries go to `on_entry` as they are read and it stays empty.
    fn block_mapping(
        &mut self,
        indent: usize,
        depth: usize,
        streamed: bool,
        on_entry: &mut dyn FnMut(Node, Node) -> Result<(), LoadError>,
    ) -> Read<Node> {
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
                return Err(Stop::Decline);
            }
            self.next += 1;
            let mut cursor = Cursor {
                text: line.content,
                at: 0,
                line: line.number,
                column0: indent,
                build: self.build,
            };
            let (key, key_text) = cursor.key()?;
            if !cursor.eat(':') {
                return Err(Stop::Decline);
            }
            // The mapping under the top-level stream key goes to `on_entry` entry by entry.
            let streams = depth == 1 && key_text == self.stream_key;
            let value = if cursor.done() {
                self.block_value(indent, depth + 1, streams, on_entry)?
            } else {
                if !cursor.eat(' ') {
                    return Err(Stop::Decline);
                }
                cursor.skip_spaces();
                let value = cursor.flow_value(depth + 1, streams, on_entry)?;
                cursor.skip_spaces();
                if !cursor.done() {
                    return Err(Stop::Decline);
                }
                value
            };
            if streamed {
                on_entry(key, value).map_err(Stop::Error)?;
            } else if self.build {
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
    fn block_value(
        &mut self,
        key_indent: usize,
        depth: usize,
        streamed: bool,
        on_entry: &mut dyn FnMut(Node, Node) -> Result<(), LoadError>,
    ) -> Read<Node> {
        let Some(line) = self.lines.get(self.next) else {
            return Err(Stop::Decline);
        };
        if line.indent <= key_indent || line.content.starts_with('-') || depth > MAX_DEPTH {
            return Err(Stop::Decline);
        }
        self.block_mapping(line.indent, depth, streamed, on_entry)
    }
}

/// A flow collection as the caller keeps it: a streamed mapping's entries go to
/// `on_entry` and the mapping stays empty.
fn stream_entries(
    node: Node,
    streamed: bool,
    on_entry: &mut dyn FnMut(Node, Node) -> Result<(), LoadError>,
) -> Read<Node> {
    match node.value {
        Value::Mapping(entries) if streamed => {
            for (key, value) in entries {
                on_entry(key, value).map_err(Stop::Error)?;
            }
            Ok(Node {
                pos: node.pos,
                value: Value::Mapping(Vec::new()),
            })
        }
        value => Ok(Node {
            pos: node.pos,
            value,
        }),
    }
}

/// A position in one line's content.
struct Cursor<'t> {
    text: &'t str,
    at: usize,
    line: usize,
    /// The content's first column, 0-based.
    column0: usize,
    /// Whether to build the values.
    build: bool,
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
    fn key(&mut self) -> Read<(Node, &'t str)> {
        let start = self.at;
        let (pos, text, quoted) = self.scalar_text()?;
        if self.at - start > MAX_KEY {
            return Err(Stop::Decline);
        }
        Ok((self.scalar_node(pos, text, quoted), text))
    }

    fn scalar(&mut self) -> Read<Node> {
        let (pos, text, quoted) = self.scalar_text()?;
        Ok(self.scalar_node(pos, text, quoted))
    }

    fn scalar_node(&self, pos: Pos, text: &str, quoted: bool) -> Node {
        let text = if self.build {
            text.to_string()
        } else {
            String::new()
        };
        Node {
            pos,
            value: Value::Scalar(text, quoted),
        }
    }

    /// A scalar's position, value and whether it was quoted.
    fn scalar_text(&mut self) -> Read<(Pos, &'t str, bool)> {
        match self.peek() {
            Some(b'"') => self.double_quoted(),
            Some(byte) if plain_start(byte) => Ok(self.plain()),
            _ => Err(Stop::Decline),
        }
    }

    /// A plain scalar: safe characters, single spaces between them.
    fn plain(&mut self) -> (Pos, &'t str, bool) {
        let pos = self.pos();
        let start = self.at;
        let bytes = self.text.as_bytes();
        let mut end = self.at;
        while end < bytes.len() {
            if plain_char(bytes[end]) {
                end += 1;
            } else if bytes[end] == b' ' && bytes.get(end + 1).is_some_and(|&b| plain_char(b)) {
                end += 2;
            } else {
                break;
            }
        }
        self.at = end;
        (pos, &self.text[start..end], false)
    }

    /// A double-quoted scalar on one line without escapes.
    fn double_quoted(&mut self) -> Read<(Pos, &'t str, bool)> {
        let pos = self.pos();
        let text = self.text;
        let rest = &text[self.at + 1..];
        let Some(length) = rest.find('"') else {
            return Err(Stop::Decline);
        };
        let value = &rest[..length];
        if value.contains('\\') {
            return Err(Stop::Decline);
        }
        self.at += length + 2;
        Ok((pos, value, true))
    }

    /// A value inside a line: a scalar, or a flow mapping or sequence closed on the line.
    fn flow_value(
        &mut self,
        depth: usize,
        streamed: bool,
        on_entry: &mut dyn FnMut(Node, Node) -> Result<(), LoadError>,
    ) -> Read<Node> {
        if depth > MAX_DEPTH {
            return Err(Stop::Decline);
        }
        let node = match self.peek() {
            Some(b'{') => self.flow_collection(b'}', depth)?,
            Some(b'[') => self.flow_collection(b']', depth)?,
            _ => return self.scalar(),
        };
        stream_entries(node, streamed, on_entry)
    }

    /// `{key: value, ...}` or `[value, ...]`, without a trailing comma.
    fn flow_collection(&mut self, close: u8, depth: usize) -> Read<Node> {
        let pos = self.pos();
        self.at += 1;
        self.skip_spaces();
        let mut entries = Vec::new();
        let mut items = Vec::new();
        if !self.eat(close as char) {
            loop {
                if close == b'}' {
                    let (key, _) = self.key()?;
                    if !self.eat(':') || !self.eat(' ') {
                        return Err(Stop::Decline);
                    }
                    self.skip_spaces();
                    let value = self.flow_value(depth + 1, false, &mut |_, _| Ok(()))?;
                    if self.build {
                        entries.push((key, value));
                    }
                } else {
                    let item = self.flow_value(depth + 1, false, &mut |_, _| Ok(()))?;
                    if self.build {
                        items.push(item);
                    }
                }
                self.skip_spaces();
                if self.eat(close as char) {
                    break;
                }
                if !self.eat(',') || !self.eat(' ') {
                    return Err(Stop::Decline);
                }
                self.skip_spaces();
                if matches!(self.peek(), Some(b',' | b']' | b'}') | None) {
                    return Err(Stop::Decline);
                }
            }
        }
        let value = if close == b'}' {
            Value::Mapping(entries)
        } else {
            Value::Sequence(items)
        };
        Ok(Node { pos, value })
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
/// of kilobytes of names, read twice.
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
