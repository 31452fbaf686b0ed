//! Leniency where Prometheus (Go's yaml.v3, libyaml-based) accepts what saphyr refuses.
//!
//! A multi-line quoted scalar whose continuation lines are not indented past the
//! enclosing block (a `description: "...` continued at the key's column) is invalid
//! YAML by the letter of the spec, and saphyr rejects it ("invalid indentation in
//! quoted scalar"), but libyaml never checks it and Prometheus loads such files;
//! VictoriaMetrics ships its alerts that way. Reporting them would be a false alarm.
//!
//! The parser is run on a patched copy of the text in which those continuation lines
//! get extra leading spaces (folding drops leading whitespace, so the decoded value is
//! unchanged); [`Insertions`] maps every patched offset back to the original file.

use super::scalar::closing_quote;
use super::ScalarStyle;
use std::borrow::Cow;

/// The message saphyr gives for the case this module repairs.
pub(super) const QUOTED_INDENT_ERROR: &str = "invalid indentation in quoted scalar";

/// Spaces inserted into the original text, at original byte offsets.
#[derive(Debug, Default, Clone)]
pub(super) struct Insertions {
    /// `(original offset, spaces)`, sorted by offset, one entry per offset.
    points: Vec<(usize, usize)>,
}

impl Insertions {
    pub(super) fn is_empty(&self) -> bool {
        self.points.is_empty()
    }

    /// The text the parser reads.
    pub(super) fn apply<'t>(&self, text: &'t str) -> Cow<'t, str> {
        if self.points.is_empty() {
            return Cow::Borrowed(text);
        }
        let extra: usize = self.points.iter().map(|p| p.1).sum();
        let mut patched = String::with_capacity(text.len() + extra);
        let mut copied = 0;
        for &(at, spaces) in &self.points {
            patched.push_str(&text[copied..at]);
            patched.extend(std::iter::repeat_n(' ', spaces));
            copied = at;
        }
        patched.push_str(&text[copied..]);
        Cow::Owned(patched)
    }

    /// The original offset of a patched offset; inserted spaces map to the place they
    /// were inserted at.
    pub(super) fn to_original(&self, patched: usize) -> usize {
        let mut inserted = 0;
        for &(at, spaces) in &self.points {
            let patched_at = at + inserted;
            if patched < patched_at {
                break;
            }
            if patched < patched_at + spaces {
                return at;
            }
            inserted += spaces;
        }
        patched - inserted
    }

    /// Indents the continuation lines of the quoted scalar opening at original offset
    /// `open` past its opening quote. Returns whether anything new was inserted.
    pub(super) fn indent_quoted_scalar(&mut self, text: &str, open: usize) -> bool {
        let style = match text.as_bytes().get(open) {
            Some(b'"') => ScalarStyle::DoubleQuoted,
            Some(b'\'') => ScalarStyle::SingleQuoted,
            _ => return false,
        };
        let Some(close) = closing_quote(text, open, style) else {
            return false;
        };
        let line_start = text[..open].rfind('\n').map_or(0, |i| i + 1);
        // Deeper than the opening quote is deeper than any enclosing block.
        let spaces = text[line_start..open].chars().count() + 1;
        let mut added = false;
        for (offset, _) in text[open..close].match_indices('\n') {
            let at = open + offset + 1;
            if let Err(index) = self.points.binary_search_by_key(&at, |p| p.0) {
                self.points.insert(index, (at, spaces));
                added = true;
            }
        }
        added
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patched_offsets_map_back() {
        let text = "a: \"x\n  y\"\n";
        let mut insertions = Insertions::default();
        assert!(insertions.indent_quoted_scalar(text, 3));
        assert!(!insertions.indent_quoted_scalar(text, 3));
        let patched = insertions.apply(text);
        assert_eq!(patched, "a: \"x\n      y\"\n");
        let y = patched.find('y').unwrap();
        assert_eq!(insertions.to_original(y), text.find('y').unwrap());
        assert_eq!(insertions.to_original(6), 6);
        assert_eq!(insertions.to_original(2), 2);
    }
}
