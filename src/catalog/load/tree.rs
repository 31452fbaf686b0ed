//! A small YAML/JSON value tree with positions, for the catalog file formats.
//!
//! Catalog files are data, not code: we only need values and the line/column of each
//! node for error messages, so a compact tree built from `saphyr-parser` events does.
//! JSON is read by the same parser (YAML 1.2 is a superset of JSON).

use super::LoadError;
use saphyr_parser::{Event, Parser, ScalarStyle};
use std::borrow::Cow;

/// A 1-based line and column (characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
}

/// A value read from a text `'t`. Scalars borrow the text where it holds them as they
/// are (most of a catalog's names and labels): a loader copies only what it keeps.
#[derive(Debug, Clone)]
pub enum Value<'t> {
    /// A scalar and whether it was quoted (a quoted `null` is a string).
    Scalar(Cow<'t, str>, bool),
    Sequence(Vec<Node<'t>>),
    Mapping(Vec<(Node<'t>, Node<'t>)>),
}

#[derive(Debug, Clone)]
pub struct Node<'t> {
    pub pos: Pos,
    pub value: Value<'t>,
}

/// Where [`parse_streaming`] hands the entries of the streamed mapping.
pub trait Entries<'t> {
    /// One entry, in the order of the text.
    fn entry(&mut self, key: Node<'t>, value: Node<'t>) -> Result<(), LoadError>;
    /// Forgets every entry handed over so far: the reader that read them declined the
    /// rest of the text, and the full parser reads it all again from the start.
    fn forget(&mut self);
}

/// Entries nobody keeps ([`parse`]).
struct Ignored;

impl<'t> Entries<'t> for Ignored {
    fn entry(&mut self, _: Node<'t>, _: Node<'t>) -> Result<(), LoadError> {
        Ok(())
    }

    fn forget(&mut self) {}
}

impl<'t> Node<'t> {
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

    pub fn get(&self, key: &str) -> Option<&Node<'t>> {
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
pub fn parse<'t>(path: &str, text: &'t str) -> Result<Option<Node<'t>>, LoadError> {
    parse_streaming(path, text, "", &mut Ignored)
}

/// Like [`parse`], but each entry of the mapping under the top-level key `stream_key`
/// goes to `on_entry` as soon as it is read, instead of into the tree (that mapping
/// is left empty). A catalog of thousands of metrics then never exists as one tree.
/// The first error `on_entry` returns ends the read.
pub fn parse_streaming<'t>(
    path: &str,
    text: &'t str,
    stream_key: &str,
    on_entry: &mut dyn Entries<'t>,
) -> Result<Option<Node<'t>>, LoadError> {
    // Most catalogs are regular enough for a much cheaper reader, which gives the same
    // tree (and declines everything else, after which `on_entry` forgets what it got).
    if let Some(read) = super::regular::parse_streaming(text, stream_key, on_entry) {
        return read;
    }
    on_entry.forget();
    parse_events(path, text, stream_key, on_entry)
}

/// [`parse_streaming`] by saphyr's event stream: any YAML (and JSON).
pub(super) fn parse_events<'t>(
    path: &str,
    text: &'t str,
    stream_key: &str,
    on_entry: &mut dyn Entries<'t>,
) -> Result<Option<Node<'t>>, LoadError> {
    let mut stack: Vec<(Pos, Value<'t>, Option<Node<'t>>)> = Vec::new();
    let mut root: Option<Node<'t>> = None;
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
                value: Value::Scalar(value, style != ScalarStyle::Plain),
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
                    Some(key) => on_entry.entry(key, node)?,
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

/// The entries a read hands over, written out, for comparing two readings. An entry
/// whose key is `stop` is refused, as the catalog loader refuses a bad entry.
#[derive(Default)]
pub(crate) struct Written {
    pub entries: Vec<String>,
    /// How many times the reader asked to forget the entries.
    pub forgotten: usize,
}

impl<'t> Entries<'t> for Written {
    fn entry(&mut self, key: Node<'t>, value: Node<'t>) -> Result<(), LoadError> {
        if key.as_str() == Some("stop") {
            return Err(LoadError::at("t.yml", key.pos.line, key.pos.column, "stop"));
        }
        self.entries.push(format!("{key:?} => {value:?}"));
        Ok(())
    }

    fn forget(&mut self) {
        self.entries.clear();
        self.forgotten += 1;
    }
}

/// What the catalog loader's reading ([`parse_streaming`]: the regular reader, and
/// saphyr when it declines) and saphyr's alone make of `text`, with `metrics` streamed,
/// each written out: the root or the error, then the entries handed over and kept. The
/// fuzzer and the unit tests hold the two equal.
pub(crate) fn both_readings(text: &str) -> (String, String) {
    let written_out = |result: Result<Option<Node<'_>>, LoadError>, written: Written| {
        format!("{result:?}\n{}", written.entries.join("\n"))
    };
    let mut loaded = Written::default();
    let result = parse_streaming("t.yml", text, "metrics", &mut loaded);
    let loaded = written_out(result, loaded);
    let mut alone = Written::default();
    let result = parse_events("t.yml", text, "metrics", &mut alone);
    (loaded, written_out(result, alone))
}

/// Whether the innermost open node is the mapping under the top-level `stream_key`.
fn streams(stack: &[(Pos, Value<'_>, Option<Node<'_>>)], stream_key: &str) -> bool {
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
