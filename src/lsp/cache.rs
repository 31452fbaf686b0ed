//! The expression checks' findings of an open document, kept from one lint to the next.
//!
//! An edit usually touches one rule: the other expressions of the file are the same text
//! in the same surroundings, only moved. Their findings are taken from the last lint and
//! moved with them; only a new or changed expression runs the checks.
//!
//! What an expression's findings depend on is the key: its text, where it comes from
//! (group and rule name), whether its names are uncertain, how its text maps onto the
//! file (relative to where it starts), and the file text around it that a fix's
//! encoding reads (from the nearest non-blank line above the expression's first line to
//! just past its last line). The catalog and the run's options are the same for every
//! entry: the workspace drops the entries when they change ([`ExprCache::begin`]).
//! Entries not used by a lint are dropped at its end, so the cache never holds more
//! than the document's expressions.

use crate::checks::context::{ExprOrigin, ParsedExpr};
use crate::diagnostic::Diagnostic;
use crate::source::{OffsetMap, SourceFile, Span};
use std::collections::HashMap;

#[derive(Default)]
pub struct ExprCache {
    /// Entries by expression text (most texts have one entry).
    entries: HashMap<String, Vec<Entry>>,
    /// The workspace generation (catalog and options) the entries were made in.
    generation: u64,
    /// The lint in progress, to tell used entries from stale ones.
    round: u64,
    /// How many expressions were answered from the cache (for tests and logs).
    hits: u64,
}

struct Entry {
    origin: ExprOrigin,
    uncertain: bool,
    /// The expression's map, with file offsets counted from the start of `around`.
    map: OffsetMap,
    /// The file text the findings may depend on.
    around: String,
    /// The findings, with spans counted from the start of `around`.
    found: Vec<Diagnostic>,
    round: u64,
}

/// Where an expression sits: the file range its findings may depend on.
fn surroundings(file: &SourceFile, parsed: &ParsedExpr) -> Option<Span> {
    let text = file.text.as_str();
    let first = parsed.map.to_file(0);
    let last = parsed.map.file_end();
    if first > last
        || last > text.len()
        || !text.is_char_boundary(first)
        || !text.is_char_boundary(last)
    {
        return None;
    }
    // The start of the nearest non-blank line above the expression's first line (a
    // block scalar's header), or of the first line itself at the top of the file.
    let mut start = text[..first].rfind('\n').map_or(0, |i| i + 1);
    while start > 0 {
        let above = text[..start - 1].rfind('\n').map_or(0, |i| i + 1);
        start = above;
        if !text[above..].lines().next().unwrap_or("").trim().is_empty() {
            break;
        }
    }
    // Past the line break ending the expression's last line (`\r\n` included).
    let end = text[last..].find('\n').map_or(text.len(), |i| last + i + 1);
    Some(start..end)
}

fn shift(diagnostic: &mut Diagnostic, by: impl Fn(usize) -> usize) {
    let move_span = |span: &mut Span| *span = by(span.start)..by(span.end);
    move_span(&mut diagnostic.span);
    for label in &mut diagnostic.labels {
        move_span(&mut label.span);
    }
    if let Some(fix) = &mut diagnostic.fix {
        for edit in &mut fix.edits {
            move_span(&mut edit.span);
        }
    }
}

fn spans_within(diagnostic: &Diagnostic, range: &Span) -> bool {
    let inside = |span: &Span| span.start >= range.start && span.end <= range.end;
    inside(&diagnostic.span)
        && diagnostic.labels.iter().all(|label| inside(&label.span))
        && diagnostic
            .fix
            .as_ref()
            .is_none_or(|fix| fix.edits.iter().all(|edit| inside(&edit.span)))
}

impl ExprCache {
    /// Starts a lint of the document in workspace generation `generation`.
    pub fn begin(&mut self, generation: u64) {
        if generation != self.generation {
            self.entries.clear();
            self.generation = generation;
        }
        self.round += 1;
    }

    /// Ends a lint: entries it did not use are dropped.
    pub fn end(&mut self) {
        let round = self.round;
        self.entries.retain(|_, entries| {
            entries.retain(|entry| entry.round == round);
            !entries.is_empty()
        });
    }

    /// How many expressions the cache holds.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.entries.values().map(Vec::len).sum()
    }

    /// How many expressions were answered from the cache so far.
    #[cfg(test)]
    pub fn hits(&self) -> u64 {
        self.hits
    }

    /// Appends to `out` the findings of the expression checks on `parsed`, from the
    /// last lint when its entry matches, else by running `check` (the checks).
    pub fn check(
        &mut self,
        file: &SourceFile,
        parsed: &ParsedExpr,
        out: &mut Vec<Diagnostic>,
        check: impl FnOnce(&mut Vec<Diagnostic>),
    ) {
        let Some(around) = surroundings(file, parsed) else {
            return check(out);
        };
        let base = around.start;
        let map = parsed.map.remap_file(&|offset| offset.saturating_sub(base));
        let text = &file.text[around.clone()];
        let round = self.round;
        if let Some(entry) = self.entries.get_mut(&parsed.source).and_then(|entries| {
            entries.iter_mut().find(|entry| {
                entry.around == text
                    && entry.map == map
                    && entry.origin == parsed.origin
                    && entry.uncertain == parsed.uncertain
            })
        }) {
            entry.round = round;
            self.hits += 1;
            out.extend(entry.found.iter().map(|diagnostic| {
                let mut diagnostic = diagnostic.clone();
                shift(&mut diagnostic, |offset| offset + base);
                diagnostic
            }));
            return;
        }
        let first = out.len();
        check(out);
        // Findings pointing outside the surroundings depend on more than the key says:
        // such an expression is checked every time.
        if !out[first..]
            .iter()
            .all(|diagnostic| spans_within(diagnostic, &around))
        {
            return;
        }
        let found = out[first..]
            .iter()
            .map(|diagnostic| {
                let mut diagnostic = diagnostic.clone();
                shift(&mut diagnostic, |offset| offset - base);
                diagnostic
            })
            .collect();
        self.entries
            .entry(parsed.source.clone())
            .or_default()
            .push(Entry {
                origin: parsed.origin.clone(),
                uncertain: parsed.uncertain,
                map,
                around: text.to_string(),
                found,
                round,
            });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::context::check_expr;
    use crate::pipeline::Options;

    fn parsed_at(text: &str, expr: &str, name: &str) -> ParsedExpr {
        let start = text.find(expr).expect("expression in text");
        ParsedExpr::new(
            expr.to_string(),
            OffsetMap::identity(start, expr.len()),
            ExprOrigin::AlertingRule {
                group: "g".into(),
                name: name.into(),
            },
        )
    }

    fn run(
        cache: &mut ExprCache,
        file: &SourceFile,
        parsed: &ParsedExpr,
    ) -> (Vec<Diagnostic>, bool) {
        let options = Options::default();
        let mut out = Vec::new();
        let mut ran = false;
        cache.check(file, parsed, &mut out, |out| {
            ran = true;
            check_expr(file, parsed, &options, None, &|_| true, out)
        });
        (out, ran)
    }

    #[test]
    fn a_moved_expression_keeps_its_findings_moved_with_it() {
        let expr = "rate(x[5m] offset -1m) > 1";
        let text = format!("groups:\n  - alert: A\n    expr: {expr}\n");
        let mut cache = ExprCache::default();
        cache.begin(0);
        let file = SourceFile::new("r.yml", text.clone());
        let (first, ran) = run(&mut cache, &file, &parsed_at(&text, expr, "A"));
        assert!(ran);
        cache.end();
        assert_eq!(cache.len(), 1);

        let moved = format!("# a comment\ngroups:\n  - alert: A\n    expr: {expr}\n");
        let file = SourceFile::new("r.yml", moved.clone());
        cache.begin(0);
        let parsed = parsed_at(&moved, expr, "A");
        let (again, ran) = run(&mut cache, &file, &parsed);
        assert!(!ran, "the entry is used");
        let fresh = {
            let mut out = Vec::new();
            check_expr(
                &file,
                &parsed,
                &Options::default(),
                None,
                &|_| true,
                &mut out,
            );
            out
        };
        assert_eq!(again, fresh);
        assert_eq!(first.len(), again.len());
        for (before, after) in first.iter().zip(&again) {
            assert_eq!(before.span.start + 12, after.span.start);
        }
        cache.end();
        assert_eq!(cache.len(), 1);
    }

    #[test]
    fn a_changed_neighbourhood_or_generation_runs_the_checks_and_stale_entries_go() {
        let expr = "up == 0";
        let text = format!("  - alert: A\n    expr: {expr}\n");
        let mut cache = ExprCache::default();
        cache.begin(0);
        let file = SourceFile::new("r.yml", text.clone());
        assert!(run(&mut cache, &file, &parsed_at(&text, expr, "A")).1);
        cache.end();
        // Another rule name: another key.
        let renamed = format!("  - alert: B\n    expr: {expr}\n");
        let file = SourceFile::new("r.yml", renamed.clone());
        cache.begin(0);
        assert!(run(&mut cache, &file, &parsed_at(&renamed, expr, "B")).1);
        cache.end();
        assert_eq!(cache.len(), 1, "the entry of `A` was not used and is gone");
        // A new catalog or options: nothing is reused.
        cache.begin(1);
        assert!(run(&mut cache, &file, &parsed_at(&renamed, expr, "B")).1);
        cache.end();
        assert_eq!(cache.len(), 1);
    }
}
