//! One run: discover -> load every file in parallel -> whole-set context -> checks per
//! file in parallel -> a sorted [`RunReport`].
//!
//! Loading reads and parses each file once into its model. Checks never do I/O; the
//! report is sorted so the output is the same whatever the thread count.

mod catalog_run;
mod load;
mod options;
pub mod preload;
pub mod prometheus_scan;

pub use catalog_run::run_loading_catalog;
pub use load::{load, load_bytes, load_text, load_text_as, Loaded, Model};
pub use options::{parse_file_size, Feature, Options, DEFAULT_MAX_FILE_BYTES};

use crate::catalog::Catalog;
use crate::checks::context::{check_expr_with, EnabledExprChecks};
use crate::checks::CheckMeta;
use crate::config::{stage, DashboardSite};
use crate::diagnostic::Diagnostic;
use crate::discover::{discover, Candidate, DiscoverError, FileKind};
use crate::report::{ReportedDiagnostic, RunReport};
use rayon::prelude::*;
use std::path::PathBuf;

/// What the whole set of files tells each file's checks: the metric catalog (which,
/// once every file is loaded, includes the outputs of their recording rules), and the
/// alert templates already parsed.
#[derive(Debug, Default, Clone, Copy)]
pub struct SetContext<'a> {
    /// The metric catalog the expression checks consult, when one is configured.
    pub catalog: Option<&'a Catalog>,
    /// Alert templates parsed by other files of the run (`None`: parse each file's own).
    pub templates: Option<&'a crate::rules::template::TemplateCache>,
}

/// Which of a file's checks a call runs. A run with a catalog checks each file twice:
/// first everything the file alone decides, then, once every file's recording rules
/// are in the catalog, the catalog checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckScope {
    All,
    WithoutCatalog,
    CatalogOnly,
}

impl CheckScope {
    fn includes(self, meta: &CheckMeta) -> bool {
        let catalog_check = meta.code.starts_with("catalog/");
        match self {
            CheckScope::All => true,
            CheckScope::WithoutCatalog => !catalog_check,
            CheckScope::CatalogOnly => catalog_check,
        }
    }
}

/// The result of a run: the report, and the paths that could not be read (which make
/// the run exit with status 2 even though the other files were linted).
#[derive(Debug)]
pub struct Outcome {
    pub report: RunReport,
    pub io_errors: Vec<DiscoverError>,
    /// What the run built and no longer needs (a catalog run's catalog and syntax
    /// trees), still to be freed.
    pub leftovers: Leftovers,
}

/// Memory a run leaves behind. Dropped, it is freed on a pool thread, off the critical
/// path; a process about to exit hands it to the OS instead ([`Leftovers::leave_to_exit`]):
/// freeing thousands of families and trees one by one was about 4 ms of CPU time in a
/// catalog run of 10,000 rules, for memory the exit returns at once.
#[derive(Default)]
pub struct Leftovers(Option<Box<dyn Send>>);

impl Leftovers {
    pub fn new(spent: impl Send + 'static) -> Self {
        Leftovers(Some(Box::new(spent)))
    }

    /// Never frees the memory: for a process that exits once the run is reported.
    pub fn leave_to_exit(mut self) {
        std::mem::forget(self.0.take());
    }
}

impl Drop for Leftovers {
    fn drop(&mut self) {
        if let Some(spent) = self.0.take() {
            rayon::spawn(move || drop(spent));
        }
    }
}

impl std::fmt::Debug for Leftovers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "Leftovers(..)"
        } else {
            "Leftovers(none)"
        })
    }
}

/// Lints `paths` without a catalog. No check needs the other files: each file is
/// loaded, checked and dropped on its own thread, so memory stays bounded by the
/// files in flight, not the size of the whole set.
pub fn run(paths: &[PathBuf], options: &Options) -> Outcome {
    let (candidates, mut io_errors) = candidates(paths, options);
    let templates = crate::rules::template::TemplateCache::default();
    let set = SetContext {
        catalog: None,
        templates: Some(&templates),
    };
    let checked: Vec<Result<Option<Checked>, DiscoverError>> = candidates
        .par_iter()
        .map(|candidate| {
            let units = load(candidate, options)?;
            Ok((!units.is_empty()).then(|| {
                units
                    .iter()
                    .flat_map(|loaded| check_loaded(loaded, &set, options))
                    .collect()
            }))
        })
        .collect();
    let mut files = 0;
    // Sized once: growing by doubling would hold the old and the new buffer at once.
    let total = checked
        .iter()
        .map(|result| {
            result
                .as_ref()
                .map_or(0, |c| c.as_ref().map_or(0, Vec::len))
        })
        .sum();
    let mut diagnostics = Vec::with_capacity(total);
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
        leftovers: Leftovers::default(),
    }
}

/// The files a run lints: discovered, minus those the config excludes (unless named
/// explicitly), with the errors of paths that could not be walked.
pub fn candidates(paths: &[PathBuf], options: &Options) -> (Vec<Candidate>, Vec<DiscoverError>) {
    let (mut candidates, io_errors) = discover(paths);
    let config = &options.config;
    if options.skip_unrecognized {
        for candidate in &mut candidates {
            candidate.explicit = false;
        }
    }
    candidates.retain(|candidate| {
        candidate.explicit || !config.is_excluded(&config.relative(&candidate.display))
    });
    (candidates, io_errors)
}

/// Lints one text that is not on disk (`--stdin`), read as if it were the file
/// `display` (its extension decides how; config overrides apply to that path).
pub fn run_text(
    display: &str,
    text: String,
    options: &Options,
    catalog: Option<Catalog>,
) -> Outcome {
    run_bytes(display, text.into_bytes(), options, catalog)
}

/// [`run_text`] for bytes that may not be text (`--stdin`).
pub fn run_bytes(
    display: &str,
    bytes: Vec<u8>,
    options: &Options,
    catalog: Option<Catalog>,
) -> Outcome {
    let kind = FileKind::from_extension(std::path::Path::new(display)).unwrap_or(FileKind::Yaml);
    let units = load_bytes(display, bytes, kind, options);
    let catalog = catalog.map(|mut catalog| {
        let labels: Vec<_> = units.iter().map(catalog_run::recorded_labels).collect();
        let rules = catalog_run::recording_rules(
            units
                .iter()
                .zip(&labels)
                .map(|(unit, labels)| (unit.exprs.as_slice(), labels.as_slice())),
        );
        crate::catalog::recorded::add_recording_rules(&mut catalog, &rules);
        catalog
    });
    let set = SetContext {
        catalog: catalog.as_ref(),
        templates: None,
    };
    let diagnostics = units
        .iter()
        .flat_map(|loaded| check_loaded(loaded, &set, options))
        .collect();
    Outcome {
        report: RunReport::new(usize::from(!units.is_empty()), diagnostics),
        io_errors: Vec::new(),
        leftovers: Leftovers::default(),
    }
}

/// A linted file's diagnostics, resolved to lines and columns.
type Checked = Vec<ReportedDiagnostic>;

/// Lints one loaded file against a catalog that already holds the recording rules of
/// the whole set (the language server's entry point: it keeps files in memory and
/// re-lints one at a time).
pub fn check_file(loaded: &Loaded, catalog: Option<&Catalog>, options: &Options) -> Checked {
    check_loaded(
        loaded,
        &SetContext {
            catalog,
            templates: None,
        },
        options,
    )
}

/// Runs the expression checks of one expression (its file, the expression, which checks
/// are on) into `out`: [`check_expr`](crate::checks::context::check_expr), or a cache of its results.
pub type ExprChecker<'a> = dyn FnMut(
        &crate::source::SourceFile,
        &crate::checks::context::ParsedExpr,
        &dyn Fn(&CheckMeta) -> bool,
        &mut Vec<Diagnostic>,
    ) + 'a;

/// [`check_file`] with the expression checks of each of the file's expressions run by
/// `exprs` (the language server answers them from a cache when the expression and its
/// surroundings did not change).
pub fn check_file_with(
    loaded: &Loaded,
    catalog: Option<&Catalog>,
    options: &Options,
    exprs: &mut ExprChecker<'_>,
) -> Checked {
    let mut diagnostics = loaded.diagnostics.clone();
    let set = SetContext {
        catalog,
        templates: None,
    };
    run_checks_with(
        loaded,
        &set,
        options,
        CheckScope::All,
        &mut diagnostics,
        exprs,
    );
    finish(loaded, diagnostics, options)
}

/// The recording rules of a loaded rule file whose expression parsed, with their
/// static labels, for [`crate::catalog::recorded::add_recording_rules`].
pub fn recording_rules_of(loaded: &Loaded) -> Vec<crate::catalog::recorded::RecordingRule<'_>> {
    let Some(Model::Rules(rule_file)) = &loaded.model else {
        return Vec::new();
    };
    // One pass over the model: the static labels of each (group, record) pair.
    let mut labels: std::collections::HashMap<(&str, &str), Vec<&str>> = Default::default();
    for (group, rule) in rule_file.rules() {
        if let (Some(name), Some(_)) = (rule.name(), &rule.record) {
            labels
                .entry((group.name(), name))
                .or_insert_with(|| rule.labels.iter().map(|pair| pair.key.as_str()).collect());
        }
    }
    loaded
        .exprs
        .iter()
        .filter_map(|parsed| {
            let (crate::checks::context::ExprOrigin::RecordingRule { group, name }, Some(expr)) =
                (&parsed.origin, &parsed.result.expr)
            else {
                return None;
            };
            Some(crate::catalog::recorded::RecordingRule {
                record: name,
                expr,
                labels: labels
                    .get(&(&**group, &**name))
                    .cloned()
                    .unwrap_or_default(),
            })
        })
        .collect()
}

/// Reads and merges a run's catalog files, with the built-in series and the config's
/// coverage settings and target labels. `None` when no catalog was given.
pub fn load_catalogs(
    paths: &[PathBuf],
    config: &crate::config::Config,
    prometheus: Option<&crate::promconfig::Facts>,
) -> Result<Option<Catalog>, crate::catalog::LoadError> {
    let closed_target_labels = prometheus.and_then(crate::promconfig::Facts::closed_target_labels);
    if paths.is_empty() && closed_target_labels.is_none() {
        return Ok(None);
    }
    let paths: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    // Without catalog files, the configuration still knows the series every scrape
    // makes (`up`, `scrape_*`) and the labels they carry.
    let mut catalog = if paths.is_empty() {
        Catalog::new()
    } else {
        crate::catalog::load::load_sources(&paths)?
    };
    if let Some(labels) = closed_target_labels {
        // The configuration says exactly which labels the scrape adds: with an exposition
        // catalog (every label a series has before the scrape), the sets are complete.
        catalog.target_labels.extend(labels);
        catalog.target_labels_declared = true;
    }
    let coverage = &config.catalog_coverage;
    catalog.complete |= coverage.complete;
    catalog
        .exclude_namespaces
        .extend(coverage.exclude_namespaces.iter().cloned());
    catalog
        .target_labels
        .extend(config.prometheus.extra_target_labels.iter().cloned());
    Ok(Some(catalog.with_builtins()))
}

/// Runs all of a file's checks, then applies the config.
fn check_loaded(loaded: &Loaded, set: &SetContext, options: &Options) -> Checked {
    let mut diagnostics = loaded.diagnostics.clone();
    run_checks(loaded, set, options, CheckScope::All, &mut diagnostics);
    finish(loaded, diagnostics, options)
}

/// Applies the config to a file's diagnostics: levels, inline suppressions (and the
/// report of unused ones), dashboard exclusions.
fn finish(loaded: &Loaded, diagnostics: Vec<Diagnostic>, options: &Options) -> Checked {
    let config = &options.config;
    let relative = config.relative(&loaded.file.path);
    let suppressions = loaded.suppressions.clone();
    let mut out = stage::finish_file(config, &relative, &loaded.file, suppressions, diagnostics);
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

/// Runs the checks of `scope` that apply to a loaded file: the checks of its model,
/// then the expression checks on each of its PromQL expressions. Opt-in checks run
/// when the config turns them on for this file.
pub fn run_checks(
    loaded: &Loaded,
    set: &SetContext,
    options: &Options,
    scope: CheckScope,
    out: &mut Vec<Diagnostic>,
) {
    // `run_checks_with` hands every expression of the file the same `enabled`: decide
    // which checks it turns on at the first one.
    let mut checks = None;
    let mut exprs = |file: &crate::source::SourceFile,
                     parsed: &crate::checks::context::ParsedExpr,
                     enabled: &dyn Fn(&CheckMeta) -> bool,
                     out: &mut Vec<Diagnostic>| {
        let checks = checks.get_or_insert_with(|| EnabledExprChecks::new(enabled));
        check_expr_with(file, parsed, options, set.catalog, checks, out)
    };
    run_checks_with(loaded, set, options, scope, out, &mut exprs);
}

fn run_checks_with(
    loaded: &Loaded,
    set: &SetContext,
    options: &Options,
    scope: CheckScope,
    out: &mut Vec<Diagnostic>,
    exprs: &mut ExprChecker<'_>,
) {
    let relative = options.config.relative(&loaded.file.path);
    let enabled = enabled_checks(options, &relative, scope);
    match &loaded.model {
        Some(Model::Rules(rule_file)) if scope != CheckScope::CatalogOnly => {
            let templates =
                crate::rules::template::ParsedTemplates::of_with(rule_file, set.templates);
            crate::checks::rules::check_rule_file(
                rule_file,
                &templates,
                &options.rule_options(&loaded.file.path),
                out,
            );
            if enabled(&crate::checks::template::label::META) {
                // `loaded.exprs` holds the expression of each rule that has one, in order.
                let rules: Vec<_> = load::rules_with_expr(rule_file)
                    .zip(&loaded.exprs)
                    .map(|((group, rule, _), parsed)| (group, rule, parsed))
                    .collect();
                crate::checks::template::label::run(&rules, &templates, out);
            }
            if let Some(facts) = options.prometheus.as_deref() {
                if enabled(&crate::checks::prometheus::external_labels::META) {
                    crate::checks::prometheus::external_labels::run(
                        rule_file, &templates, facts, out,
                    );
                }
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
        Some(Model::PromConfig(config)) if scope != CheckScope::CatalogOnly => {
            crate::checks::prometheus::check_config_file(config, &enabled, out);
        }
        Some(Model::RuleTest(test_file)) if scope != CheckScope::CatalogOnly => {
            crate::checks::ruletest::check_test_file(test_file, &enabled, out);
        }
        Some(Model::Dashboards(dashboards)) => {
            crate::checks::dashboard::check_file(
                &loaded.file,
                dashboards,
                options,
                set.catalog,
                &enabled,
                out,
            );
        }
        _ => {}
    }
    for parsed in &loaded.exprs {
        exprs(&loaded.file, parsed, &enabled, out);
    }
}

/// Whether a check of `scope` runs on the file at `relative` (its config level is not
/// `off`; opt-in checks are turned on).
fn enabled_checks<'a>(
    options: &'a Options,
    relative: &'a str,
    scope: CheckScope,
) -> impl Fn(&CheckMeta) -> bool + 'a {
    move |meta| scope.includes(meta) && options.config.severity_for(meta, relative).is_some()
}

/// The candidates a run would lint, for `--list-files`-style callers and tests.
pub fn files_to_lint(paths: &[PathBuf]) -> (Vec<Candidate>, Vec<DiscoverError>) {
    discover(paths)
}

#[cfg(test)]
mod tests {
    use super::Leftovers;
    use std::sync::Arc;

    #[test]
    fn dropped_leftovers_are_freed_left_ones_are_not() {
        let held = Arc::new(());
        drop(Leftovers::new(held.clone()));
        // Freed on a pool thread: wait for it (a hang here fails the test by timeout).
        while Arc::strong_count(&held) > 1 {
            std::thread::yield_now();
        }
        Leftovers::new(held.clone()).leave_to_exit();
        // Left to the process exit: the clone is never dropped, on any thread.
        std::thread::sleep(std::time::Duration::from_millis(50));
        assert_eq!(Arc::strong_count(&held), 2);
        drop(Leftovers::default());
    }
}
