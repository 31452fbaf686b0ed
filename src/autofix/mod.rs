//! `promgate check --fix`: apply the diagnostics' fixes, round after round, then write.
//!
//! A round lints every file (with the texts fixed so far held in memory, through
//! [`Options::overlay`]), applies each file's applicable fixes at once (overlaps are left
//! for the next round), and keeps a file's new text only if it still parses as well as
//! before: no new YAML, JSON, schema or PromQL syntax problem, the same number of rules,
//! expressions and dashboard queries. A fix that breaks that is dropped and reported.
//! Rounds stop when nothing more applies, or after [`MAX_ROUNDS`]. Nothing is written
//! until the last round is done; then [`write`] replaces each file atomically.

pub mod diff;
pub mod write;

use crate::diagnostic::Diagnostic;
use crate::discover::{DiscoverError, FileKind};
use crate::fix::{apply_fixes, Applicability, Fix};
use crate::pipeline::{self, Model, Options};
use crate::report::RunReport;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

/// The most rounds of fixing a run makes: enough for fixes that uncover others (a
/// regex that becomes literal, then its anchors), bounded in case two fixes undo
/// each other.
pub const MAX_ROUNDS: usize = 10;

/// Codes whose findings mean the text no longer parses as it did.
const PARSE_CODES: &[&str] = &[
    "input/invalid",
    "input/unrecognized",
    "yaml/syntax",
    "rules/schema",
    "promql/syntax",
    "template/syntax",
    "dashboard/schema",
];

/// What one lint of the whole set gives the fixing loop.
#[derive(Debug)]
pub struct Linted {
    pub report: RunReport,
    pub io_errors: Vec<DiscoverError>,
    /// Findings the baseline hid.
    pub hidden: usize,
}

/// One file whose text the fixes changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixedFile {
    /// The path as shown in output (and as written).
    pub display: String,
    /// The text first read.
    pub original: String,
    pub fixed: String,
    /// Fixes applied, by check code.
    pub applied: BTreeMap<&'static str, usize>,
}

impl FixedFile {
    pub fn fix_count(&self) -> usize {
        self.applied.values().sum()
    }
}

/// A fix that was not applied because the text would no longer parse as before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    pub display: String,
    pub line: usize,
    pub code: &'static str,
    pub title: String,
}

/// The result of the fixing loop.
#[derive(Debug)]
pub struct FixRun {
    /// The last lint: findings that remain in the fixed texts.
    pub last: Linted,
    /// Files whose text changed, sorted by path.
    pub files: Vec<FixedFile>,
    pub rejected: Vec<Rejected>,
    /// False when [`MAX_ROUNDS`] were used and fixes still applied.
    pub converged: bool,
}

impl FixRun {
    pub fn applied(&self) -> usize {
        self.files.iter().map(FixedFile::fix_count).sum()
    }

    /// Fixes applied, by check code, over every file.
    pub fn applied_by_code(&self) -> BTreeMap<&'static str, usize> {
        let mut counts = BTreeMap::new();
        for file in &self.files {
            for (code, count) in &file.applied {
                *counts.entry(*code).or_insert(0) += count;
            }
        }
        counts
    }
}

/// Whether a fix is applied in this run.
pub fn applicable(fix: &Fix, unsafe_fixes: bool) -> bool {
    fix.applicability == Applicability::Safe || unsafe_fixes
}

/// How many remaining findings have a fix of each applicability: `(safe, unsafe)`.
pub fn fixable_counts(report: &RunReport) -> (usize, usize) {
    let mut counts = (0, 0);
    for reported in &report.diagnostics {
        match reported
            .diagnostic
            .fix
            .as_ref()
            .map(|fix| fix.applicability)
        {
            Some(Applicability::Safe) => counts.0 += 1,
            Some(Applicability::Unsafe) => counts.1 += 1,
            None => {}
        }
    }
    counts
}

/// Runs `lint` and applies fixes until nothing more applies. `lint` lints the whole
/// set with the options it is given (whose overlay holds the texts fixed so far).
pub fn fix_loop(
    options: &Options,
    unsafe_fixes: bool,
    lint: &mut dyn FnMut(&Options) -> Result<Linted, String>,
) -> Result<FixRun, String> {
    let mut overlay: BTreeMap<String, String> = BTreeMap::new();
    let mut files: BTreeMap<String, FixedFile> = BTreeMap::new();
    let mut rejected = Vec::new();
    let mut converged = false;
    let mut last = None;
    for _ in 0..MAX_ROUNDS {
        let round_options = with_overlay(options, &overlay);
        let linted = lint(&round_options)?;
        let mut any_applied = false;
        for (display, diagnostics) in fixable_by_file(&linted.report, unsafe_fixes) {
            let text = diagnostics[0].0.as_str();
            let fixes: Vec<&Fix> = diagnostics
                .iter()
                .filter_map(|(_, d)| d.fix.as_ref())
                .collect();
            let (new_text, applied, dropped) = apply_verified(&display, text, &fixes, options);
            for index in dropped {
                let (file_text, diagnostic) = &diagnostics[index];
                rejected.push(Rejected {
                    display: display.clone(),
                    line: crate::source::SourceFile::new("", file_text.as_str())
                        .line_col(diagnostic.span.start)
                        .line,
                    code: diagnostic.code,
                    title: diagnostic
                        .fix
                        .as_ref()
                        .map_or(String::new(), |f| f.title.clone()),
                });
            }
            if applied.is_empty() {
                continue;
            }
            any_applied = true;
            let entry = files.entry(display.clone()).or_insert_with(|| FixedFile {
                display: display.clone(),
                original: text.to_string(),
                fixed: String::new(),
                applied: BTreeMap::new(),
            });
            for index in applied {
                *entry.applied.entry(diagnostics[index].1.code).or_insert(0) += 1;
            }
            entry.fixed = new_text.clone();
            overlay.insert(display, new_text);
        }
        last = Some(linted);
        if !any_applied {
            converged = true;
            break;
        }
    }
    let last = match (converged, last) {
        (true, Some(last)) => last,
        _ => lint(&with_overlay(options, &overlay))?,
    };
    // A rejected fix comes back every round: report it once.
    rejected.sort_by(|a: &Rejected, b| {
        (&a.display, a.line, a.code, &a.title).cmp(&(&b.display, b.line, b.code, &b.title))
    });
    rejected.dedup();
    Ok(FixRun {
        last,
        files: files
            .into_values()
            .filter(|file| file.fixed != file.original)
            .collect(),
        rejected,
        converged,
    })
}

fn with_overlay(options: &Options, overlay: &BTreeMap<String, String>) -> Options {
    let mut options = options.clone();
    if !overlay.is_empty() {
        options.overlay = Some(Arc::new(overlay.clone()));
    }
    options
}

/// Each file's text and its diagnostics with an applicable fix, in report order.
fn fixable_by_file(
    report: &RunReport,
    unsafe_fixes: bool,
) -> BTreeMap<String, Vec<(Arc<String>, Diagnostic)>> {
    let mut by_file: BTreeMap<String, Vec<(Arc<String>, Diagnostic)>> = BTreeMap::new();
    let mut texts: BTreeMap<String, Arc<String>> = BTreeMap::new();
    for reported in &report.diagnostics {
        let Some(fix) = &reported.diagnostic.fix else {
            continue;
        };
        if !applicable(fix, unsafe_fixes) {
            continue;
        }
        let text = texts
            .entry(reported.path().to_string())
            .or_insert_with(|| Arc::new(reported.file.text.clone()))
            .clone();
        by_file
            .entry(reported.path().to_string())
            .or_default()
            .push((text, (*reported.diagnostic).clone()));
    }
    by_file
}

/// Applies the fixes to `text`, keeping only a set that leaves the file parsing as it
/// did: all of them when that works, else each in turn on top of those kept. Returns
/// the new text, the indices applied, and the indices dropped because they broke it.
fn apply_verified(
    display: &str,
    text: &str,
    fixes: &[&Fix],
    options: &Options,
) -> (String, Vec<usize>, Vec<usize>) {
    let baseline = Shape::of(display, text, options);
    let all = apply_fixes(text, fixes);
    if all.applied.is_empty() || Shape::of(display, &all.text, options).keeps(&baseline) {
        return (all.text, all.applied, Vec::new());
    }
    let mut kept: Vec<usize> = Vec::new();
    let mut dropped = Vec::new();
    let mut current = text.to_string();
    for &candidate in &all.applied {
        let mut trial: Vec<&Fix> = kept.iter().map(|&i| fixes[i]).collect();
        trial.push(fixes[candidate]);
        let result = apply_fixes(text, &trial);
        if result.applied.len() == trial.len()
            && Shape::of(display, &result.text, options).keeps(&baseline)
        {
            kept.push(candidate);
            current = result.text;
        } else {
            dropped.push(candidate);
        }
    }
    (current, kept, dropped)
}

/// What must not change when a file is fixed: how many parse-level problems of each
/// code it has, and how much there is in it.
#[derive(Debug, PartialEq, Eq)]
struct Shape {
    problems: BTreeMap<&'static str, usize>,
    /// The kind of each unit the file loads into (one, or one per Markdown block).
    model: Vec<&'static str>,
    expressions: usize,
}

impl Shape {
    fn of(display: &str, text: &str, options: &Options) -> Shape {
        let mut options = options.clone();
        options.overlay = None;
        let kind = FileKind::from_extension(Path::new(display)).unwrap_or(FileKind::Yaml);
        let units = pipeline::load_text(display, text.to_string(), kind, &options);
        let mut model = Vec::new();
        let mut expressions = 0;
        for unit in &units {
            match &unit.model {
                Some(Model::Rules(rules)) => {
                    model.push("rules");
                    expressions += rules.rules().count();
                }
                Some(Model::Dashboards(file)) => {
                    model.push("dashboards");
                    expressions += file
                        .dashboards
                        .iter()
                        .map(|(_, queries)| queries.len())
                        .sum::<usize>();
                }
                // No check offers a fix inside prometheus.yml; its shape is its kind.
                Some(Model::PromConfig(_)) => model.push("prometheus-config"),
                Some(Model::RuleTest(_)) => model.push("rule-unit-test"),
                None => model.push("none"),
            }
        }
        let outcome = pipeline::run_text(display, text.to_string(), &options, None);
        let mut problems = BTreeMap::new();
        for reported in &outcome.report.diagnostics {
            let code = reported.diagnostic.code;
            if PARSE_CODES.contains(&code) {
                *problems.entry(code).or_insert(0) += 1;
            }
        }
        Shape {
            problems,
            model,
            expressions,
        }
    }

    /// Same model and size, and no code with more problems than before.
    fn keeps(&self, before: &Shape) -> bool {
        self.model == before.model
            && self.expressions == before.expressions
            && self
                .problems
                .iter()
                .all(|(code, count)| before.problems.get(code).copied().unwrap_or(0) >= *count)
    }
}

#[cfg(test)]
mod tests;
