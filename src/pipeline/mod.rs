//! One run: discover -> load every file in parallel -> whole-set context -> checks per
//! file in parallel -> a sorted [`RunReport`].
//!
//! Loading reads and parses each file once into its model. Checks never do I/O; the
//! report is sorted so the output is the same whatever the thread count.

mod load;
mod options;

pub use load::{load, load_text, Loaded, Model};
pub use options::{Feature, Options, DEFAULT_MAX_FILE_BYTES};

use crate::catalog::Catalog;
use crate::checks::context::{check_expr, ExprOrigin};
use crate::checks::CheckMeta;
use crate::config::{stage, DashboardSite};
use crate::diagnostic::Diagnostic;
use crate::discover::{discover, Candidate, DiscoverError, FileKind};
use crate::report::{ReportedDiagnostic, RunReport};
use rayon::prelude::*;
use std::path::PathBuf;

/// What the whole set of files tells each file's checks: the metric catalog, extended
/// with the recording rules of every linted file. Built after every file is loaded.
#[derive(Debug, Default)]
pub struct SetContext {
    /// The metric catalog the expression checks consult, when one is configured.
    pub catalog: Option<Catalog>,
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
/// recording rules of the linted files extend. Files found by walking folders are
/// skipped when the config excludes them; files named explicitly are always linted.
pub fn run_with_catalog(paths: &[PathBuf], options: &Options, catalog: Option<Catalog>) -> Outcome {
    let (mut candidates, mut io_errors) = discover(paths);
    let config = &options.config;
    if options.skip_unrecognized {
        for candidate in &mut candidates {
            candidate.explicit = false;
        }
    }
    candidates.retain(|candidate| {
        candidate.explicit || !config.is_excluded(&config.relative(&candidate.display))
    });
    let checked: Vec<Result<Option<Checked>, DiscoverError>> = match catalog {
        // Without a catalog no check needs the other files: each file is loaded,
        // checked and dropped on its own thread, so memory stays bounded by the files
        // in flight, not the size of the whole set.
        None => {
            let set = SetContext::default();
            candidates
                .par_iter()
                .map(|candidate| {
                    let loaded = load(candidate, options)?;
                    Ok(loaded.map(|loaded| check_loaded(&loaded, &set, options)))
                })
                .collect()
        }
        Some(catalog) => {
            let loaded: Vec<Result<Option<Loaded>, DiscoverError>> = candidates
                .par_iter()
                .map(|candidate| load(candidate, options))
                .collect();
            let files: Vec<&Loaded> = loaded
                .iter()
                .filter_map(|result| result.as_ref().ok().and_then(Option::as_ref))
                .collect();
            let mut catalog = catalog;
            crate::catalog::recorded::add_recording_rules(&mut catalog, &recording_rules(&files));
            let set = SetContext {
                catalog: Some(catalog),
            };
            loaded
                .par_iter()
                .map(|result| match result {
                    Ok(loaded) => Ok(loaded.as_ref().map(|l| check_loaded(l, &set, options))),
                    Err(error) => Err(error.clone()),
                })
                .collect()
        }
    };
    let mut files = 0;
    let mut diagnostics = Vec::new();
    for result in checked {
        match result {
            Ok(Some(checked)) => {
                files += 1;
                diagnostics.extend(checked);
            }
            Ok(None) => {}
            Err(error) => io_errors.push(error),
        }
    }
    io_errors.sort_by(|a, b| a.path.cmp(&b.path));
    Outcome {
        report: RunReport::new(files, diagnostics),
        io_errors,
    }
}

/// Lints one text that is not on disk (`--stdin`), read as if it were the file
/// `display` (its extension decides how; config overrides apply to that path).
pub fn run_text(
    display: &str,
    text: String,
    options: &Options,
    catalog: Option<Catalog>,
) -> Outcome {
    let kind = FileKind::from_extension(std::path::Path::new(display)).unwrap_or(FileKind::Yaml);
    let loaded = load_text(display, text, kind, options);
    let mut set = SetContext::default();
    if let Some(mut catalog) = catalog {
        let files: Vec<&Loaded> = loaded.iter().collect();
        crate::catalog::recorded::add_recording_rules(&mut catalog, &recording_rules(&files));
        set.catalog = Some(catalog);
    }
    let files = usize::from(loaded.is_some());
    let diagnostics = loaded
        .map(|loaded| check_loaded(&loaded, &set, options))
        .unwrap_or_default();
    Outcome {
        report: RunReport::new(files, diagnostics),
        io_errors: Vec::new(),
    }
}

/// A linted file's diagnostics, resolved to lines and columns.
type Checked = Vec<ReportedDiagnostic>;

/// Runs a file's checks, then applies the config: levels, inline suppressions (and the
/// report of unused ones), dashboard exclusions.
fn check_loaded(loaded: &Loaded, set: &SetContext, options: &Options) -> Checked {
    let mut out = loaded.diagnostics.clone();
    run_checks(loaded, set, options, &mut out);
    let config = &options.config;
    let relative = config.relative(&loaded.file.path);
    let suppressions = loaded.suppressions.clone();
    let mut out = stage::finish_file(config, &relative, &loaded.file, suppressions, out);
    if let Some(Model::Dashboards(dashboards)) = &loaded.model {
        if !config.dashboard_exclusions.is_empty() {
            out.retain(|diagnostic| {
                let site = dashboard_site(&dashboards.dashboards, diagnostic.span.start);
                !config.dashboard_excluded(&relative, &site, diagnostic.code)
            });
        }
    }
    out.into_iter()
        .map(|diagnostic| ReportedDiagnostic::new(loaded.file.clone(), diagnostic))
        .collect()
}

/// The dashboard and innermost panel a file offset falls in, for config exclusions.
fn dashboard_site(
    dashboards: &[(
        crate::dashboards::Dashboard,
        Vec<crate::dashboards::queries::Query>,
    )],
    offset: usize,
) -> DashboardSite<'_> {
    let Some(dashboard) = dashboards
        .iter()
        .map(|(dashboard, _)| dashboard)
        .find(|dashboard| dashboard.span.contains(&offset))
        .or_else(|| dashboards.first().map(|(dashboard, _)| dashboard))
    else {
        return DashboardSite::default();
    };
    let panel = dashboard
        .panels
        .iter()
        .filter(|panel| panel.span.contains(&offset))
        .min_by_key(|panel| panel.span.len());
    DashboardSite {
        uid: dashboard.uid.as_ref().map(|uid| uid.value.as_str()),
        panel_id: panel
            .and_then(|panel| panel.id.as_ref())
            .filter(|id| id.value.fract() == 0.0)
            .map(|id| id.value as i64),
        panel_title: panel
            .and_then(|panel| panel.title.as_ref())
            .map(|title| title.value.as_str()),
    }
}

/// The recording rules of every linted file, with their parsed expressions and
/// static labels, in file order.
fn recording_rules<'a>(files: &[&'a Loaded]) -> Vec<crate::catalog::recorded::RecordingRule<'a>> {
    let mut rules = Vec::new();
    for &loaded in files {
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
/// expression checks on each of its PromQL expressions. Opt-in checks run when the
/// config turns them on for this file.
pub fn run_checks(loaded: &Loaded, set: &SetContext, options: &Options, out: &mut Vec<Diagnostic>) {
    let relative = options.config.relative(&loaded.file.path);
    let enabled = |meta: &CheckMeta| options.config.severity_for(meta, &relative).is_some();
    match &loaded.model {
        Some(Model::Rules(rule_file)) => {
            crate::checks::rules::check_rule_file(rule_file, &options.rule_options(), out);
            if enabled(&crate::checks::template::label::META) {
                crate::checks::template::label::run(rule_file, out);
            }
            // Policy checks, when the config turns them on for this file.
            let policy = &options.config.alerts;
            if enabled(&crate::checks::alerts::required_labels::META) {
                crate::checks::alerts::required_labels::run(rule_file, policy, out);
            }
            if enabled(&crate::checks::alerts::required_annotations::META) {
                crate::checks::alerts::required_annotations::run(rule_file, policy, out);
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
