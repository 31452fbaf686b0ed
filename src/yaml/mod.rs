//! A YAML tree that keeps exact positions.
//!
//! Read by `regular.rs` when the text is in the part of YAML nearly every rule file and
//! prometheus.yml is written in, and otherwise built from `saphyr-parser` events
//! (`build.rs`); both give the same tree. Every [`Node`] has a byte span in the file; every
//! mapping entry keeps its key node; every [`Scalar`] keeps its decoded value, its style
//! and an [`OffsetMap`] from decoded bytes to file bytes, so a token found inside an
//! `expr: |` block, a folded string or a double-quoted string with escapes lands on its
//! exact line and column.
//!
//! The tree is bounded: nesting deeper than [`MAX_DEPTH`] is an error (reported at the
//! place it happens, without recursion), and aliases are kept as aliases: an alias node
//! shares its anchor's node instead of copying it, so an alias bomb stays as small as
//! the file. Code that follows aliases recursively uses an [`AliasBudget`].

mod build;
mod chars;
mod regular;
mod repair;
mod scalar;
pub use scalar::decode_escape;
mod templated;

pub use templated::find_template_marker;

use crate::source::{OffsetMap, SourceFile, Span};
use std::sync::Arc;

/// Gives back a decoded text's spare capacity when that frees memory: when at least half
/// of the buffer is spare. mimalloc (the binary's allocator) leaves a block where it is
/// when the new size is at least half the old one, so a smaller shrink cost a call
/// (about 140 instructions; 178,000 of them on 10,000 rules) and freed nothing.
pub(crate) fn trim_slack(text: &mut String) {
    if text.len() <= text.capacity() / 2 {
        text.shrink_to_fit();
    }
}

/// Whether `text` holds no slack [`trim_slack`] would give back.
#[cfg(test)]
pub(crate) fn has_no_freeable_slack(text: &str, capacity: usize) -> bool {
    capacity == text.len() || text.len() > capacity / 2
}

/// Deepest nesting of sequences and mappings accepted.
pub const MAX_DEPTH: usize = 1000;

/// How a scalar was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScalarStyle {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    /// `|` block.
    Literal,
    /// `>` block.
    Folded,
}

impl ScalarStyle {
    pub fn is_quoted(self) -> bool {
        matches!(self, ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted)
    }

    pub fn is_block(self) -> bool {
        matches!(self, ScalarStyle::Literal | ScalarStyle::Folded)
    }
}

/// An explicit tag such as `!!str` (handle `!!`, suffix `str`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    pub handle: String,
    pub suffix: String,
}

/// A scalar's decoded text, how it was written, and where each decoded byte sits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scalar {
    pub value: String,
    pub style: ScalarStyle,
    /// Decoded byte -> file byte.
    pub map: OffsetMap,
    /// Boxed: rare, and a tree holds many scalars.
    pub tag: Option<Box<Tag>>,
}

impl Scalar {
    /// File span of a byte range of the decoded value.
    pub fn span_of(&self, decoded: std::ops::Range<usize>) -> Span {
        self.map.span_to_file(decoded)
    }

    /// Whether YAML reads this scalar as null (`~`, `null`, empty; plain style only).
    pub fn is_null(&self) -> bool {
        self.style == ScalarStyle::Plain
            && self.tag.is_none()
            && matches!(self.value.as_str(), "" | "~" | "null" | "Null" | "NULL")
    }
}

/// One `key: value` pair of a mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub key: Node,
    pub value: Node,
}

/// An alias (`*name`). It shares the node its anchor names; `target` is `None` only
/// when the anchor was still open where the alias appeared (a recursive alias).
#[derive(Clone, PartialEq, Eq)]
pub struct Alias {
    pub name: String,
    pub target: Option<Arc<Node>>,
}

impl std::fmt::Debug for Alias {
    // Printing the target would expand alias bombs; the name is enough.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Alias(*{})", self.name)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeKind {
    Scalar(Scalar),
    Sequence(Vec<Node>),
    Mapping(Vec<Entry>),
    Alias(Alias),
}

/// A YAML node and its span in the file (the value itself, without anchors or tags;
/// a quoted scalar includes its quotes; a block scalar covers its content lines).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub span: Span,
    pub kind: NodeKind,
}

impl Node {
    /// The node itself, or for an alias the node its anchor names.
    pub fn resolved(&self) -> &Node {
        match &self.kind {
            NodeKind::Alias(Alias {
                target: Some(target),
                ..
            }) => target,
            _ => self,
        }
    }

    pub fn as_scalar(&self) -> Option<&Scalar> {
        match &self.resolved().kind {
            NodeKind::Scalar(scalar) => Some(scalar),
            _ => None,
        }
    }

    /// The decoded value of a scalar node.
    pub fn as_str(&self) -> Option<&str> {
        self.as_scalar().map(|s| s.value.as_str())
    }

    pub fn as_mapping(&self) -> Option<&[Entry]> {
        match &self.resolved().kind {
            NodeKind::Mapping(entries) => Some(entries),
            _ => None,
        }
    }

    pub fn as_sequence(&self) -> Option<&[Node]> {
        match &self.resolved().kind {
            NodeKind::Sequence(items) => Some(items),
            _ => None,
        }
    }

    /// The entries of a mapping (empty for any other node).
    pub fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.as_mapping().unwrap_or(&[]).iter()
    }

    /// The items of a sequence (empty for any other node).
    pub fn items(&self) -> impl Iterator<Item = &Node> {
        self.as_sequence().unwrap_or(&[]).iter()
    }

    /// The first entry whose key is the scalar `key`.
    pub fn get_entry(&self, key: &str) -> Option<&Entry> {
        self.entries().find(|entry| entry.key.as_str() == Some(key))
    }

    /// The value of the first entry whose key is the scalar `key`.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.get_entry(key).map(|entry| &entry.value)
    }

    pub fn is_null(&self) -> bool {
        self.as_scalar().is_some_and(Scalar::is_null)
    }

    pub fn is_alias(&self) -> bool {
        matches!(self.kind, NodeKind::Alias(_))
    }

    /// A word for messages: "mapping", "sequence", "string", "null", "alias".
    pub fn kind_name(&self) -> &'static str {
        match &self.resolved().kind {
            NodeKind::Mapping(_) => "mapping",
            NodeKind::Sequence(_) => "sequence",
            NodeKind::Scalar(s) if s.is_null() => "null",
            NodeKind::Scalar(_) => "string",
            NodeKind::Alias(_) => "alias",
        }
    }

    /// Pairs `(first, repeated)` of entries of a mapping whose scalar keys are equal.
    pub fn duplicate_keys(&self) -> Vec<(&Entry, &Entry)> {
        let entries = self.as_mapping().unwrap_or(&[]);
        if entries.len() <= SMALL_MAPPING {
            duplicate_keys_small(entries)
        } else {
            duplicate_keys_hashed(entries)
        }
    }
}

/// [`Node::duplicate_keys`] with a hash map of the keys seen.
fn duplicate_keys_hashed(entries: &[Entry]) -> Vec<(&Entry, &Entry)> {
    let mut seen: std::collections::HashMap<&str, &Entry> = Default::default();
    let mut duplicates = Vec::new();
    for entry in entries {
        if let Some(key) = entry.key.as_str() {
            match seen.get(key) {
                Some(first) => duplicates.push((*first, entry)),
                None => {
                    seen.insert(key, entry);
                }
            }
        }
    }
    duplicates
}

/// Mappings up to this many entries are searched for repeated keys by comparing each
/// key with the ones before it: a rule or a group has a handful of keys, and hashing
/// each into a fresh map cost 2,300 instructions per mapping (2% of a run on 10,000
/// rules). Larger ones use a hash map, so a hostile mapping stays linear.
const SMALL_MAPPING: usize = 16;

/// [`Node::duplicate_keys`] by comparison: each repeated key is paired with its first
/// entry, in entry order, as the hash map finds them.
fn duplicate_keys_small(entries: &[Entry]) -> Vec<(&Entry, &Entry)> {
    let mut duplicates = Vec::new();
    for (index, entry) in entries.iter().enumerate() {
        let Some(key) = entry.key.as_str() else {
            continue;
        };
        if let Some(first) = entries[..index]
            .iter()
            .find(|earlier| earlier.key.as_str() == Some(key))
        {
            duplicates.push((first, entry));
        }
    }
    duplicates
}

/// One document of a YAML stream. `root` is `None` for an empty document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    pub root: Option<Node>,
    /// From the document's first byte (its `---` if any) to its last.
    pub span: Span,
}

/// A YAML error at a place in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    pub span: Span,
    pub message: String,
}

impl std::fmt::Display for YamlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for YamlError {}

/// Parses every document of a file. An empty file (or one holding only comments) has
/// no documents.
pub fn parse_documents(file: &SourceFile) -> Result<Vec<Document>, YamlError> {
    // Most files are in the part of YAML the regular reader takes, and it reads them
    // several times faster than saphyr; it builds the same tree, or declines.
    match regular::parse(file) {
        Some(documents) => Ok(documents),
        None => build::parse(&file.text),
    }
}

/// The documents of a text as the regular reader and as saphyr read them.
pub struct BothReadings {
    pub regular: Vec<Document>,
    pub saphyr: Result<Vec<Document>, YamlError>,
}

/// What the regular reader and saphyr each make of `text`: `None` when the reader
/// declines it. The fuzzer and the corpus sweep hold the two equal.
#[doc(hidden)]
pub fn both_readings(text: &str) -> Option<BothReadings> {
    regular::parse(&SourceFile::new("both.yml", text)).map(|regular| BothReadings {
        regular,
        saphyr: build::parse(text),
    })
}

/// Counts how many aliases a walk may still follow, so code that expands aliases
/// (merge keys, recursive visits) cannot be made to do exponential work.
#[derive(Debug, Clone)]
pub struct AliasBudget {
    remaining: usize,
}

impl AliasBudget {
    pub const DEFAULT: usize = 10_000;

    pub fn new(remaining: usize) -> Self {
        AliasBudget { remaining }
    }

    /// `node` itself, or its alias target while the budget lasts; `None` once spent.
    pub fn follow<'a>(&mut self, node: &'a Node) -> Option<&'a Node> {
        if !node.is_alias() {
            return Some(node);
        }
        if self.remaining == 0 {
            return None;
        }
        self.remaining -= 1;
        Some(node.resolved())
    }
}

impl Default for AliasBudget {
    fn default() -> Self {
        AliasBudget::new(AliasBudget::DEFAULT)
    }
}

#[cfg(test)]
mod tests;
