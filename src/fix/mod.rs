//! Fixes: what a diagnostic proposes to change in its file.
//!
//! A [`Fix`] is one or more [`Edit`]s (a byte range of the file and the text that
//! replaces it), a short title for menus and summaries, and an [`Applicability`]:
//! `Safe` fixes keep the meaning of the file (`promgate check --fix` applies them),
//! `Unsafe` ones may change it (they need `--unsafe-fixes`), as ruff's applicability
//! does.
//!
//! Checks find problems in *decoded* text (a rule's `expr` after YAML unquoting and
//! folding, a dashboard query after JSON unescaping). [`encode`] turns an edit on that
//! decoded text into an edit of the file, written in the scalar's own style, or refuses
//! when the style cannot carry the new text exactly. [`apply`] applies a set of fixes to
//! a text, resolving overlaps deterministically.

pub mod apply;
pub mod encode;

pub use apply::{apply_fixes, Applied};
pub use encode::{decoded_edit, Encoding};

use crate::source::Span;

/// Whether a fix may be applied without asking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Applicability {
    /// The result means what the author meant; `--fix` applies it.
    Safe,
    /// Probably right but may change what the file does (a guessed name, a rewritten
    /// query); applied only with `--unsafe-fixes`.
    Unsafe,
}

impl Applicability {
    pub fn as_str(self) -> &'static str {
        match self {
            Applicability::Safe => "safe",
            Applicability::Unsafe => "unsafe",
        }
    }
}

/// Replace the file bytes `span` with `replacement` (an insertion when `span` is empty).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Edit {
    pub span: Span,
    pub replacement: String,
}

impl Edit {
    pub fn new(span: Span, replacement: impl Into<String>) -> Edit {
        Edit {
            span,
            replacement: replacement.into(),
        }
    }
}

/// A change that resolves one diagnostic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    /// What the fix does, short: "Replace `=~` with `=`".
    pub title: String,
    pub applicability: Applicability,
    /// Non-overlapping edits, sorted by start; applied together or not at all.
    pub edits: Vec<Edit>,
}

impl Fix {
    /// A fix from its edits; `None` when there is no edit or two of them overlap (an
    /// edit that could not be encoded is left out by the caller, which then has no fix).
    pub fn new(
        title: impl Into<String>,
        applicability: Applicability,
        mut edits: Vec<Edit>,
    ) -> Option<Fix> {
        edits.sort_by_key(|edit| (edit.span.start, edit.span.end));
        let overlapping = edits.windows(2).any(|pair| overlaps(&pair[0], &pair[1]));
        if edits.is_empty() || overlapping {
            return None;
        }
        Some(Fix {
            title: title.into(),
            applicability,
            edits,
        })
    }

    pub fn safe(title: impl Into<String>, edits: Vec<Edit>) -> Option<Fix> {
        Fix::new(title, Applicability::Safe, edits)
    }

    pub fn unsafe_(title: impl Into<String>, edits: Vec<Edit>) -> Option<Fix> {
        Fix::new(title, Applicability::Unsafe, edits)
    }

    /// The smallest file span covering every edit.
    pub fn span(&self) -> Span {
        let start = self.edits.iter().map(|e| e.span.start).min().unwrap_or(0);
        let end = self.edits.iter().map(|e| e.span.end).max().unwrap_or(start);
        start..end
    }
}

/// A fix on decoded text (an expression's source, a JSON string's value): edits as byte
/// ranges of that text. [`DecodedFix::to_file`] writes it into the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodedFix {
    pub title: String,
    pub applicability: Applicability,
    pub edits: Vec<(Span, String)>,
}

impl DecodedFix {
    pub fn new(title: impl Into<String>, applicability: Applicability) -> DecodedFix {
        DecodedFix {
            title: title.into(),
            applicability,
            edits: Vec::new(),
        }
    }

    pub fn edit(mut self, range: Span, replacement: impl Into<String>) -> DecodedFix {
        self.edits.push((range, replacement.into()));
        self
    }

    /// The file fix, or `None` when one of the edits cannot be written in the text's
    /// style (then the diagnostic has no fix rather than a partial one).
    pub fn to_file(
        &self,
        file: &str,
        map: &crate::source::OffsetMap,
        decoded: &str,
    ) -> Option<Fix> {
        let edits = self
            .edits
            .iter()
            .map(|(range, replacement)| {
                encode::decoded_edit(file, map, decoded, range.clone(), replacement)
            })
            .collect::<Option<Vec<Edit>>>()?;
        Fix::new(self.title.clone(), self.applicability, edits)
    }
}

/// Two edits overlap when they share a byte, or when both insert at the same place
/// (their order would be arbitrary), or one inserts strictly inside the other.
pub(crate) fn overlaps(a: &Edit, b: &Edit) -> bool {
    if a.span.is_empty() && b.span.is_empty() {
        return a.span.start == b.span.start;
    }
    if a.span.is_empty() {
        return b.span.start < a.span.start && a.span.start < b.span.end;
    }
    if b.span.is_empty() {
        return a.span.start < b.span.start && b.span.start < a.span.end;
    }
    a.span.start < b.span.end && b.span.start < a.span.end
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixes_sort_their_edits_and_refuse_overlaps() {
        let fix = Fix::safe("two", vec![Edit::new(10..12, "b"), Edit::new(2..4, "a")]).unwrap();
        assert_eq!(fix.edits[0].span, 2..4);
        assert_eq!(fix.span(), 2..12);
        assert!(Fix::safe("x", vec![Edit::new(2..6, "a"), Edit::new(5..8, "b")]).is_none());
        assert!(Fix::safe("x", vec![]).is_none());
        // Adjacent edits do not overlap; two insertions at one place do.
        assert!(Fix::safe("x", vec![Edit::new(2..4, "a"), Edit::new(4..8, "b")]).is_some());
        assert!(Fix::safe("x", vec![Edit::new(4..4, "a"), Edit::new(4..4, "b")]).is_none());
        assert!(Fix::safe("x", vec![Edit::new(4..4, "a"), Edit::new(2..6, "b")]).is_none());
    }
}
