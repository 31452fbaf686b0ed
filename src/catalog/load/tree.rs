//! A small YAML/JSON value tree with positions, for the catalog file formats.
//!
//! Catalog files are data, not code: we only need values and the line/column of each
//! node for error messages, so a compact tree built from `saphyr-parser` events does.
//! JSON is read by the same parser (YAML 1.2 is a superset of JSON).

use super::LoadError;
use saphyr_parser::{Event, Parser, ScalarStyle};

/// A 1-based line and column (characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
}

#[derive(Debug, Clone)]
pub enum Value {
    /// A scalar and whether it was quoted (a quoted `null` is a string).
    Scalar(String, bool),
    Sequence(Vec<Node>),
    Mapping(Vec<(Node, Node)>),
}

#[derive(Debug, Clone)]
pub struct Node {
    pub pos: Pos,
    pub value: Value,
}

impl Node {
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar(s, _) => Some(s),
            _ => None,
        }
    }

    /// A plain `null`, `~` or empty scalar.
    pub fn is_null(&self) -> bool {
        matches!(&self.value, Value::Scalar(s, false) if s.is_empty() || s == "null" || s == "~" || s == "Null" || s == "NULL")
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Mapping(entries) => entries
                .iter()
                .find(|(k, _)| k.as_str() == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn kind_name(&self) -> &'static str {
        match &self.value {
            Value::Scalar(..) => "a scalar",
            Value::Sequence(_) => "a list",
            Value::Mapping(_) => "a mapping",
        }
    }
}

/// Most documents of a stream we accept: catalogs are one document.
const MAX_DEPTH: usize = 64;

/// Parses the first document of `text`. Aliases are refused (a catalog has no use for
/// them, and refusing them rules out alias bombs).
pub fn parse(path: &str, text: &str) -> Result<Option<Node>, LoadError> {
    parse_streaming(path, text, "", &mut |_, _| Ok(()))
}

/// Like [`parse`], but each entry of the mapping under the top-level key `stream_key`
/// goes to `on_entry` as soon as it is read, instead of into the tree (that mapping
/// is left empty). A catalog of thousands of metrics then never exists as one tree.
pub fn parse_streaming(
    path: &str,
    text: &str,
    stream_key: &str,
    on_entry: &mut dyn FnMut(Node, Node) -> Result<(), LoadError>,
) -> Result<Option<Node>, LoadError> {
    // Most catalogs are regular enough for a much cheaper reader, which gives the same
    // tree (and declines everything else).
    if let Some(read) = super::regular::parse_streaming(text, stream_key, on_entry) {
        return read;
    }
    parse_events(path, text, stream_key, on_entry)
}

/// [`parse_streaming`] by saphyr's event stream: any YAML (and JSON).
pub(super) fn parse_events(
    path: &str,
    text: &str,
    stream_key: &str,
    on_entry: &mut dyn FnMut(Node, Node) -> Result<(), LoadError>,
) -> Result<Option<Node>, LoadError> {
    let mut stack: Vec<(Pos, Value, Option<Node>)> = Vec::new();
    let mut root: Option<Node> = None;
    for item in Parser::new_from_str(text) {
        let (event, span) = item.map_err(|e| {
            LoadError::at(
                path,
                e.marker().line(),
                e.marker().col() + 1,
                format!("invalid YAML: {}", e.info()),
            )
        })?;
        let pos = Pos {
            line: span.start.line(),
            column: span.start.col() + 1,
        };
        let finished = match event {
            Event::DocumentEnd if root.is_some() => break,
            Event::Alias(_) => {
                return Err(LoadError::at(
                    path,
                    pos.line,
                    pos.column,
                    "YAML aliases are not supported in catalog files",
                ))
            }
            Event::Scalar(value, style, _, _) => Some(Node {
                pos,
                value: Value::Scalar(value.into_owned(), style != ScalarStyle::Plain),
            }),
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(LoadError::at(
                        path,
                        pos.line,
                        pos.column,
                        "nesting too deep",
                    ));
                }
                let value = if matches!(event, Event::SequenceStart(..)) {
                    Value::Sequence(Vec::new())
                } else {
                    Value::Mapping(Vec::new())
                };
                stack.push((pos, value, None));
                None
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (pos, value, _) = stack.pop().expect("balanced events");
                Some(Node { pos, value })
            }
            _ => None,
        };
        if let Some(node) = finished {
            if !stream_key.is_empty() && streams(&stack, stream_key) {
                let Some((_, _, pending)) = stack.last_mut() else {
                    unreachable!("streams() saw two open nodes");
                };
                match pending.take() {
                    None => *pending = Some(node),
                    Some(key) => on_entry(key, node)?,
                }
                continue;
            }
            match stack.last_mut() {
                None => root = Some(node),
                Some((_, Value::Sequence(items), _)) => items.push(node),
                Some((_, Value::Mapping(entries), pending)) => match pending.take() {
                    None => *pending = Some(node),
                    Some(key) => entries.push((key, node)),
                },
                Some((_, Value::Scalar(..), _)) => unreachable!("scalars are never open"),
            }
        }
    }
    Ok(root)
}

/// Whether the innermost open node is the mapping under the top-level `stream_key`.
fn streams(stack: &[(Pos, Value, Option<Node>)], stream_key: &str) -> bool {
    matches!(
        stack,
        [(_, Value::Mapping(_), Some(key)), (_, Value::Mapping(_), _)]
            if key.as_str() == Some(stream_key)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_tree_with_positions() {
        let root = parse("t.yml", "a:\n  - x\n  - 'null'\nb: {c: 1}\n")
            .unwrap()
            .unwrap();
        let a = root.get("a").unwrap();
        match &a.value {
            Value::Sequence(items) => {
                assert_eq!(items[0].as_str(), Some("x"));
                assert_eq!(items[0].pos, Pos { line: 2, column: 5 });
                assert!(!items[1].is_null());
            }
            other => panic!("not a sequence: {other:?}"),
        }
        assert_eq!(root.get("b").unwrap().get("c").unwrap().as_str(), Some("1"));
    }

    #[test]
    fn reports_syntax_errors_with_position() {
        let err = parse("t.yml", "a: [1, 2\nb: 3\n").unwrap_err();
        assert_eq!(err.path, "t.yml");
        assert!(err.line >= 1, "{err}");
    }

    #[test]
    fn refuses_aliases() {
        let err = parse("t.yml", "a: &x 1\nb: *x\n").unwrap_err();
        assert_eq!((err.line, err.column), (2, 4));
    }
}
