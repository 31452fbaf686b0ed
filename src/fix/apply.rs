//! Applying fixes to a text.
//!
//! Fixes are taken by their earliest edit, ties broken by the order they were given
//! (the order of the diagnostics, which is check order within a place), so the result
//! is the same on every run. A fix whose edits overlap an edit already taken is left
//! for the next round: after the file is re-checked, its diagnostic comes back with a
//! fix computed on the new text.

use super::{overlaps, Edit, Fix};

/// The outcome of applying fixes to one text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub text: String,
    /// Indices (into the given fixes) of the fixes applied, ascending.
    pub applied: Vec<usize>,
    /// Indices of fixes left out because they overlap one applied: try again next round.
    pub deferred: Vec<usize>,
    /// Indices of fixes whose edits do not fit the text (out of range, inside a
    /// character): never applicable.
    pub invalid: Vec<usize>,
}

/// Applies every fix that does not overlap an earlier-taken one.
pub fn apply_fixes(text: &str, fixes: &[&Fix]) -> Applied {
    let mut order: Vec<usize> = (0..fixes.len()).collect();
    order.sort_by_key(|&index| (fixes[index].span().start, index));
    let mut taken: Vec<&Edit> = Vec::new();
    let mut applied = Vec::new();
    let mut deferred = Vec::new();
    let mut invalid = Vec::new();
    for index in order {
        let fix = fixes[index];
        if !fix.edits.iter().all(|edit| fits(text, edit)) {
            invalid.push(index);
        } else if fix
            .edits
            .iter()
            .any(|edit| taken.iter().any(|other| overlaps(edit, other)))
        {
            deferred.push(index);
        } else {
            taken.extend(fix.edits.iter());
            applied.push(index);
        }
    }
    taken.sort_by_key(|edit| (edit.span.start, edit.span.end));
    applied.sort_unstable();
    deferred.sort_unstable();
    invalid.sort_unstable();
    Applied {
        text: splice(text, &taken),
        applied,
        deferred,
        invalid,
    }
}

/// Whether an edit's range lies inside the text on character boundaries.
fn fits(text: &str, edit: &Edit) -> bool {
    edit.span.start <= edit.span.end
        && edit.span.end <= text.len()
        && text.is_char_boundary(edit.span.start)
        && text.is_char_boundary(edit.span.end)
}

/// The text with non-overlapping edits (sorted by start) applied.
fn splice(text: &str, edits: &[&Edit]) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut at = 0;
    for edit in edits {
        out.push_str(&text[at..edit.span.start]);
        out.push_str(&edit.replacement);
        at = edit.span.end;
    }
    out.push_str(&text[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::Applicability;

    fn fix(edits: &[(std::ops::Range<usize>, &str)]) -> Fix {
        Fix::new(
            "t",
            Applicability::Safe,
            edits
                .iter()
                .map(|(s, r)| Edit::new(s.clone(), *r))
                .collect(),
        )
        .unwrap()
    }

    #[test]
    fn applies_disjoint_fixes_in_one_pass() {
        let a = fix(&[(0..1, "A")]);
        let b = fix(&[(4..5, "E"), (2..2, "+")]);
        let result = apply_fixes("abcdef", &[&a, &b]);
        assert_eq!(result.text, "Ab+cdEf");
        assert_eq!(result.applied, [0, 1]);
        assert!(result.deferred.is_empty());
    }

    #[test]
    fn overlaps_resolve_by_earliest_start_then_given_order() {
        let late = fix(&[(2..5, "X")]);
        let early = fix(&[(1..3, "Y")]);
        let same_start_second = fix(&[(1..2, "Z")]);
        let result = apply_fixes("abcdef", &[&late, &early, &same_start_second]);
        assert_eq!(result.text, "aYdef");
        assert_eq!(result.applied, [1]);
        assert_eq!(result.deferred, [0, 2]);
        // The same fixes in another order give the same text for the same start.
        let again = apply_fixes("abcdef", &[&early, &late, &same_start_second]);
        assert_eq!(again.text, "aYdef");
    }

    #[test]
    fn edits_outside_the_text_or_inside_a_character_are_invalid() {
        let outside = fix(&[(3..9, "x")]);
        let inside_char = fix(&[(1..2, "x")]);
        let result = apply_fixes("éab", &[&outside, &inside_char]);
        assert_eq!(result.text, "éab");
        assert_eq!(result.invalid, [0, 1]);
    }
}
