//! One run: discover -> load every file in parallel -> whole-set context -> checks per
//! file in parallel -> a sorted [`RunReport`].
//!
//! Loading reads and parses each file once into its model. Checks never do I/O; the
//! report is sorted so the output is the same whatever the thread count.

mod load;
mod options;

pub use load::{load, Loaded, Model};
pub use options::{Feature, Options, DEFAULT_MAX_FILE_BYTES};

use crate::catalog::Catalog;
use crate::checks::context::{check_expr, ExprOrigin};
use crate::checks::CheckMeta;
use crate::diagnostic::Diagnostic;
use crate::discover::{discover, Candidate, DiscoverError};
use crate::report::{ReportedDiagnostic, RunReport};
use rayon::prelude::*;
use std::path::PathBuf;

/// What the whole set of files tells each file's checks (recording rules defined
/// anywhere, the metric catalog). Built after every file is loaded.
#[derive(Debug, Default)]
pub struct SetContext {
    /// Names of the recording rules defined in any linted file, sorted.
    pub recorded_series: Vec<String>,
    /// The metric catalog the expression checks consult, when one is configured.
    pub catalog: Option<Catalog>,
}

impl SetContext {
    pub fn build(files: &[Loaded]) -> SetContext {
        let mut recorded_series: Vec<String> = files
            .iter()
            .filter_map(|loaded| match &loaded.model {
                Some(Model::Rules(rule_file)) => Some(rule_file),
                _ => None,
            })
            .flat_map(|rule_file| rule_file.rules())
            .filter_map(|(_, rule)| match rule.kind() {
                Some(crate::rules::RuleKind::Recording) => rule.name().map(str::to_string),
                _ => None,
            })
            .collect();
        recorded_series.sort();
        recorded_series.dedup();
        SetContext {
            recorded_series,
            catalog: None,
        }
    }
}

/// The result of a run: the report, and the paths that could not be read (which make
/// the run exit with status 2 even though the other files were linted).
#[derive(Debug)]
pub struct Outcome {
    pub report: RunReport,
    pub io_errors: Vec<DiscoverError>,
}

/// Lints `paths` (files and folders).
pub fn run(paths: &[PathBuf], options: &Options) -> Outcome {
    run_with_catalog(paths, options, None)
}

/// Lints `paths` against a metric catalog (with its built-in series), which the
/// recording rules of the linted files extend.
pub fn run_with_catalog(paths: &[PathBuf], options: &Options, catalog: Option<Catalog>) -> Outcome {
    let (candidates, mut io_errors) = discover(paths);
    let results: Vec<Result<Option<Loaded>, DiscoverError>> = candidates
        .par_iter()
        .map(|candidate| load(candidate, options))
        .collect();
    let mut files = Vec::with_capacity(results.len());
    for result in results {
        match result {
            Ok(Some(loaded)) => files.push(loaded),
            Ok(None) => {}
            Err(error) => io_errors.push(error),
        }
    }
    io_errors.sort_by(|a, b| a.path.cmp(&b.path));
    let mut set = SetContext::build(&files);
    set.catalog = catalog.map(|mut catalog| {
        crate::catalog::recorded::add_recording_rules(&mut catalog, &recording_rules(&files));
        catalog
    });
    let diagnostics: Vec<ReportedDiagnostic> = files
        .par_iter()
        .flat_map_iter(|loaded| {
            let mut out = loaded.diagnostics.clone();
            run_checks(loaded, &set, options, &mut out);
            out.into_iter()
                .map(|diagnostic| ReportedDiagnostic::new(loaded.file.clone(), diagnostic))
                .collect::<Vec<_>>()
        })
        .collect();
    Outcome {
        report: RunReport::new(files.len(), diagnostics),
        io_errors,
    }
}

/// The recording rules of every linted file, with their parsed expressions and
/// static labels, in file order.
fn recording_rules(files: &[Loaded]) -> Vec<crate::catalog::recorded::RecordingRule<'_>> {
    let mut rules = Vec::new();
    for loaded in files {
        let Some(Model::Rules(rule_file)) = &loaded.model else {
            continue;
        };
        for parsed in &loaded.exprs {
            let ExprOrigin::RecordingRule { group, name } = &parsed.origin else {
                continue;
            };
            let Some(expr) = &parsed.result.expr else {
                continue;
            };
            let labels = rule_file
                .rules()
                .find(|(g, rule)| {
                    g.name() == group && rule.name() == Some(name.as_str()) && rule.record.is_some()
                })
                .map(|(_, rule)| rule.labels.iter().map(|pair| pair.key.as_str()).collect())
                .unwrap_or_default();
            rules.push(crate::catalog::recorded::RecordingRule {
                record: name,
                expr,
                labels,
            });
        }
    }
    rules
}

/// Runs every check that applies to a loaded file: the checks of its model, then the
/// expression checks on each of its PromQL expressions.
pub fn run_checks(loaded: &Loaded, set: &SetContext, options: &Options, out: &mut Vec<Diagnostic>) {
    let enabled = |meta: &CheckMeta| meta.enabled_by_default;
    match &loaded.model {
        Some(Model::Rules(rule_file)) => {
            crate::checks::rules::check_rule_file(rule_file, &options.rule_options(), out);
            if enabled(&crate::checks::template::label::META) {
                crate::checks::template::label::run(rule_file, out);
            }
        }
        Some(Model::Dashboards(dashboards)) => {
            crate::checks::dashboard::check_file(
                &loaded.file,
                dashboards,
                options,
                set.catalog.as_ref(),
                &enabled,
                out,
            );
        }
        None => {}
    }
    for parsed in &loaded.exprs {
        check_expr(
            &loaded.file,
            parsed,
            options,
            set.catalog.as_ref(),
            &enabled,
            out,
        );
    }
}

/// The candidates a run would lint, for `--list-files`-style callers and tests.
pub fn files_to_lint(paths: &[PathBuf]) -> (Vec<Candidate>, Vec<DiscoverError>) {
    discover(paths)
}
