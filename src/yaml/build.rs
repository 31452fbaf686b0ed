//! Turns saphyr-parser's event stream into [`Document`]s of [`Node`]s.
//!
//! The builder keeps an explicit stack of open collections instead of recursing, so a
//! deeply nested file cannot overflow the stack; it stops with an error at
//! [`MAX_DEPTH`](super::MAX_DEPTH).

use super::chars::CharToByte;
use super::repair::{Insertions, QUOTED_INDENT_ERROR};
use super::scalar::locate_scalar;
use super::{Alias, Document, Entry, Node, NodeKind, Scalar, ScalarStyle, Tag, YamlError};
use crate::source::Span;
use saphyr_parser::{Event, Parser, ScalarStyle as SaphyrStyle};
use std::collections::HashMap;
use std::sync::Arc;

/// An open collection. Its children wait in the builder's shared `items` / `entries`
/// stacks from `first` on: one vector each for the whole file, so a collection's own
/// vector is allocated once, at its exact size, when it closes (growing one vector per
/// collection by doubling and then shrinking it cost several reallocations each).
enum Frame {
    Sequence {
        start: usize,
        anchor: usize,
        first: usize,
    },
    Mapping {
        start: usize,
        anchor: usize,
        first: usize,
        key: Option<Node>,
    },
}

/// Builds the tree from events over the (possibly patched) text; every node it makes
/// carries original file offsets.
struct Builder<'a> {
    /// The text the parser reads.
    text: &'a str,
    insertions: &'a Insertions,
    chars: CharToByte<'a>,
    stack: Vec<Frame>,
    /// Items of the open sequences, innermost last.
    items: Vec<Node>,
    /// Entries of the open mappings, innermost last.
    entries: Vec<Entry>,
    anchors: HashMap<usize, Arc<Node>>,
    documents: Vec<Document>,
    document_start: usize,
    root: Option<Node>,
}

/// Most times the parser accepts a Prometheus-valid file without a repair; each
/// repair fixes one quoted scalar, and a file has few of them.
const MAX_REPAIRS: usize = 256;

pub(super) fn parse(text: &str) -> Result<Vec<Document>, YamlError> {
    let mut insertions = Insertions::default();
    for _ in 0..MAX_REPAIRS {
        let patched = insertions.apply(text);
        match parse_patched(&patched, &insertions) {
            Err(error) if error.message == QUOTED_INDENT_ERROR => {
                if !insertions.indent_quoted_scalar(text, error.span.start) {
                    return Err(error);
                }
            }
            result => return result,
        }
    }
    Err(YamlError {
        span: 0..0,
        message: format!(
            "more than {MAX_REPAIRS} quoted strings continue at too small an indentation"
        ),
    })
}

/// Parses `text` (the file's text with `insertions` applied); spans come out in the
/// original file's offsets.
fn parse_patched(text: &str, insertions: &Insertions) -> Result<Vec<Document>, YamlError> {
    let mut builder = Builder {
        text,
        insertions,
        chars: CharToByte::new(text),
        stack: Vec::new(),
        items: Vec::new(),
        entries: Vec::new(),
        anchors: HashMap::new(),
        documents: Vec::new(),
        document_start: 0,
        root: None,
    };
    let mut parser = Parser::new_from_str(text);
    while let Some(next) = parser.next_event() {
        match next {
            Ok((event, span)) => {
                let start = builder.chars.byte(span.start.index());
                let end = builder.chars.byte(span.end.index()).max(start);
                builder
                    .event(event, start..end)
                    .map_err(|error| builder.original_error(error))?;
            }
            Err(error) => {
                let at = builder.chars.byte(error.marker().index());
                let error = YamlError {
                    span: char_span(text, at),
                    message: describe_scan_error(error.info()),
                };
                return Err(builder.original_error(error));
            }
        }
    }
    Ok(builder.documents)
}

/// The span of the character at `at` (empty at the end of the text).
fn char_span(text: &str, at: usize) -> Span {
    let len = text[at..].chars().next().map_or(0, char::len_utf8);
    at..at + len
}

fn describe_scan_error(info: &str) -> String {
    if info == "recursion limit exceeded" {
        "flow collections ([...] or {...}) are nested more than 255 levels deep".to_string()
    } else {
        info.to_string()
    }
}

impl Builder<'_> {
    /// The original file offset of an offset in the parsed text.
    fn original(&self, at: usize) -> usize {
        if self.insertions.is_empty() {
            at
        } else {
            self.insertions.to_original(at)
        }
    }

    fn original_span(&self, span: Span) -> Span {
        self.original(span.start)..self.original(span.end)
    }

    fn original_error(&self, error: YamlError) -> YamlError {
        YamlError {
            span: self.original_span(error.span),
            message: error.message,
        }
    }

    fn event(&mut self, event: Event<'_>, span: Span) -> Result<(), YamlError> {
        match event {
            Event::Nothing | Event::StreamStart | Event::StreamEnd => {}
            Event::DocumentStart(_) => {
                self.document_start = self.original(span.start);
                self.root = None;
                self.anchors.clear();
            }
            Event::DocumentEnd => {
                let root = self.root.take();
                let event_end = self.original(span.end);
                let end = root
                    .as_ref()
                    .map_or(event_end, |node| node.span.end.max(event_end));
                self.documents.push(Document {
                    root,
                    span: self.document_start..end.max(self.document_start),
                });
            }
            Event::Alias(id) => {
                let name = self.text[span.clone()]
                    .trim_start_matches('*')
                    .trim_end()
                    .to_string();
                let target = self.anchors.get(&id).cloned();
                let node = Node {
                    span: self.original_span(span.start..span.start + 1 + name.len()),
                    kind: NodeKind::Alias(Alias { name, target }),
                };
                self.attach(node);
            }
            Event::Scalar(value, style, anchor, tag) => {
                let style = convert_style(style);
                let (node_span, map) = locate_scalar(self.text, style, span, &value);
                let (node_span, map) = if self.insertions.is_empty() {
                    (node_span, map)
                } else {
                    let map = map.remap_file(&|at| self.original(at));
                    (self.original_span(node_span), map)
                };
                let node = Node {
                    span: node_span,
                    kind: NodeKind::Scalar(Scalar {
                        value: exact_text(value.into_owned()),
                        style,
                        map,
                        tag: tag.map(|t| {
                            Box::new(Tag {
                                handle: t.handle.clone(),
                                suffix: t.suffix.clone(),
                            })
                        }),
                    }),
                };
                self.remember_anchor(anchor, &node);
                self.attach(node);
            }
            Event::SequenceStart(anchor, _) => {
                self.check_depth(&span)?;
                self.stack.push(Frame::Sequence {
                    start: self.collection_start(&span),
                    anchor,
                    first: self.items.len(),
                });
            }
            Event::MappingStart(anchor, _) => {
                self.check_depth(&span)?;
                self.stack.push(Frame::Mapping {
                    start: self.collection_start(&span),
                    anchor,
                    first: self.entries.len(),
                    key: None,
                });
            }
            Event::SequenceEnd | Event::MappingEnd => self.close_collection(&span),
        }
        Ok(())
    }

    fn check_depth(&self, span: &Span) -> Result<(), YamlError> {
        if self.stack.len() >= super::MAX_DEPTH {
            return Err(YamlError {
                span: char_span(self.text, span.start),
                message: format!(
                    "YAML is nested more than {} levels deep here; promgate stops reading it",
                    super::MAX_DEPTH
                ),
            });
        }
        Ok(())
    }

    /// Where a collection starts: its `[`/`{`, or its first `-`/key in block style,
    /// not the anchor or tag written before it.
    fn collection_start(&self, span: &Span) -> usize {
        let bytes = self.text.as_bytes();
        match bytes.get(span.start) {
            Some(b'&' | b'!') if span.end > span.start => {
                let end = span.end.min(bytes.len());
                if end > 0 && matches!(bytes[end - 1], b'[' | b'{') {
                    end - 1
                } else {
                    end
                }
            }
            _ => span.start,
        }
    }

    fn close_collection(&mut self, end_span: &Span) {
        let Some(frame) = self.stack.pop() else {
            return;
        };
        let bytes = self.text.as_bytes();
        // A flow collection ends at its bracket; a block one at its last child.
        let flow_end = match bytes.get(end_span.start) {
            Some(b']' | b'}') => Some(end_span.start + 1),
            _ => None,
        };
        let (start, anchor, kind, last_end) = match frame {
            Frame::Sequence {
                start,
                anchor,
                first,
            } => {
                // Trees live as long as the run: exact size (a drain's length is known).
                let items: Vec<Node> = self.items.drain(first..).collect();
                let last_end = items.last().map(|n| n.span.end);
                (start, anchor, NodeKind::Sequence(items), last_end)
            }
            Frame::Mapping {
                start,
                anchor,
                first,
                key,
            } => {
                // A key without a value cannot come out of the parser, but never lose it.
                if let Some(key) = key {
                    let at = key.span.end;
                    self.entries.push(Entry {
                        key,
                        value: empty_scalar(at),
                    });
                }
                let entries: Vec<Entry> = self.entries.drain(first..).collect();
                let last_end = entries.last().map(|e| e.value.span.end.max(e.key.span.end));
                (start, anchor, NodeKind::Mapping(entries), last_end)
            }
        };
        // Children already carry original offsets; the collection's own ones do not.
        let start = self.original(start);
        let end = flow_end
            .map(|at| self.original(at))
            .or(last_end)
            .unwrap_or(start)
            .max(start);
        let node = Node {
            span: start..end,
            kind,
        };
        self.remember_anchor(anchor, &node);
        self.attach(node);
    }

    fn remember_anchor(&mut self, anchor: usize, node: &Node) {
        if anchor != 0 {
            self.anchors.insert(anchor, Arc::new(node.clone()));
        }
    }

    fn attach(&mut self, node: Node) {
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Frame::Sequence { .. }) => self.items.push(node),
            Some(Frame::Mapping { key, .. }) => match key.take() {
                None => *key = Some(node),
                Some(k) => self.entries.push(Entry {
                    key: k,
                    value: node,
                }),
            },
        }
    }
}

fn empty_scalar(at: usize) -> Node {
    Node {
        span: at..at,
        kind: NodeKind::Scalar(Scalar {
            value: String::new(),
            style: ScalarStyle::Plain,
            map: crate::source::OffsetMap::identity(at, 0),
            tag: None,
        }),
    }
}

pub(super) fn convert_style(style: SaphyrStyle) -> ScalarStyle {
    match style {
        SaphyrStyle::Plain => ScalarStyle::Plain,
        SaphyrStyle::SingleQuoted => ScalarStyle::SingleQuoted,
        SaphyrStyle::DoubleQuoted => ScalarStyle::DoubleQuoted,
        SaphyrStyle::Literal => ScalarStyle::Literal,
        SaphyrStyle::Folded => ScalarStyle::Folded,
    }
}

/// `text` without the scanner's slack where dropping it frees memory. The scanner
/// hands over the buffer it decoded the scalar into, with room left over: a tree of
/// 590,000 recording rules held some 300 MB of it at its peak, before the rule model
/// is built. See [`super::trim_slack`].
fn exact_text(mut text: String) -> String {
    super::trim_slack(&mut text);
    text
}
