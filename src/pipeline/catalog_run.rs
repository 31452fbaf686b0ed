//! A run with a metric catalog.
//!
//! The catalog checks need the catalog, and the catalog needs every linted recording
//! rule (their outputs are series too), which are known only once every file is loaded.
//! Holding every file until then would keep thousands of syntax trees in memory, so a
//! run goes like this:
//!
//! 1. The catalog is read while the files load (both take time; neither needs the other).
//! 2. Each file gets its own checks. Once the catalog is read, each rule expression also
//!    gets the catalog checks right away, against the catalog as read, and its syntax
//!    tree is dropped. What it was checked against is noted: the metric names it reads.
//!    The rule files checked before the catalog was read get these early checks as soon
//!    as it is ([`catch_up`]).
//! 3. The recording rules of every file join the catalog, when some file still needs
//!    them: one checked again in step 4, or one that waits as a whole.
//! 4. An expression checked early is checked again only if the recording rules could
//!    change its findings: it reads a series a recording rule writes, or it names an
//!    unknown metric (whose suggestions may now include recorded series). The rest of
//!    the files that wait (dashboards, Markdown rule blocks) get the catalog checks now.
//!
//! A YAML rule file whose every expression was checked early without an unknown metric
//! is finished in step 2 already ([`Finished`]), and so is a file with nothing for the
//! catalog checks (a prometheus.yml, a unit-test file): only the recording rules' trees
//! (the catalog needs them) and the names its expressions read are kept, not the file
//! nor its text. In the rare case a recording rule writes one of those names, the file
//! is loaded again and checked like a file that loaded before the catalog was read.
//!
//! Holding every file's text and model until the end doubled a run's memory, and the
//! fresh pages cost more time than the checks (a 1,000-job prometheus.yml: peak 16 ->
//! 42 MB, four times the page faults).
//!
//! The findings are exactly those of checking everything against the final catalog.

use super::{
    candidates, enabled_checks, finish, run_checks, CheckScope, Checked, Leftovers, Loaded, Model,
    Options, Outcome, SetContext,
};
use crate::catalog::recorded::{add_recording_rules, RecordingRule};
use crate::catalog::Catalog;
use crate::checks::catalog::silent::silent_visiting;
use crate::checks::context::{check_expr_with, EnabledExprChecks, ExprOrigin, ParsedExpr};
use crate::diagnostic::Diagnostic;
use crate::discover::{Candidate, DiscoverError, FileKind};
use crate::promql::ast::{MatchOp, VectorSelector};
use crate::report::RunReport;
use crate::rules::template::TemplateCache;
use rayon::prelude::*;
use rustc_hash::FxHashSet as HashSet;
use std::path::PathBuf;
use std::sync::OnceLock;

/// Lints `paths` against the catalog `load_catalog` returns (read while the files
/// load). A catalog that cannot be read fails the whole run.
pub fn run_loading_catalog<E: Send>(
    paths: &[PathBuf],
    options: &Options,
    load_catalog: impl FnOnce() -> Result<Catalog, E> + Send,
) -> Result<Outcome, E> {
    let read: OnceLock<Catalog> = OnceLock::new();
    // Alert templates repeat across files: each distinct text is parsed once per run.
    let templates = TemplateCache::default();
    let (loaded, (pending, files, mut io_errors)) = rayon::join(
        || load_catalog().map(|catalog| drop(read.set(catalog))),
        || first_phase(paths, options, &read, &templates),
    );
    loaded?;
    let mut catalog = read.into_inner().expect("the catalog was read");
    let mut pending: Vec<Unit> = pending
        .into_par_iter()
        .map(|unit| catch_up(unit, &catalog, options))
        .collect();
    let recorded = recorded_names(&pending);
    pending
        .par_iter_mut()
        .for_each(|unit| unit.note_staleness(&recorded));
    // The recorded series' labels matter only to the files checked now: when every file
    // was finished against the catalog as read and none reads a recorded series, the
    // inference over every recording rule (serial work at the end of the run) is skipped.
    if pending.par_iter().any(Unit::needs_final_catalog) {
        add_recorded_series(&mut catalog, &pending);
    }
    let (checked, spent): (Vec<Checked>, Vec<Spent>) = pending
        .into_par_iter()
        .map(|unit| complete(unit, &catalog, &recorded, &templates, options))
        .unzip();
    io_errors.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(Outcome {
        report: RunReport::new(files, checked.into_iter().flatten().collect()),
        io_errors,
        // Thousands of families and expressions take a while to free: the caller
        // decides when (a pool thread, while the report is sorted and printed) or
        // whether (a process about to exit).
        leftovers: Leftovers::new((catalog, recorded, spent)),
    })
}

/// A unit after the first phase.
enum Unit {
    /// Waits for the recorded series to get (the rest of) its catalog checks.
    Pending(Pending),
    /// A rule file checked before the catalog was read: it gets the early catalog checks
    /// once the catalog is read ([`catch_up`]), and is settled then, as it was found.
    Waiting(Pending, Candidate),
    /// Finished against the catalog as read.
    Finished(Finished),
}

impl Unit {
    /// Decides, once the recorded series are known, whether a finished file reads one.
    fn note_staleness(&mut self, recorded: &HashSet<String>) {
        if let Unit::Finished(finished) = self {
            finished.stale = reads_recorded(&finished.names, recorded);
        }
    }

    /// Whether completing the unit reads the catalog with the recorded series in it
    /// (after [`Unit::note_staleness`]).
    fn needs_final_catalog(&self) -> bool {
        match self {
            Unit::Pending(_) | Unit::Waiting(..) => true,
            Unit::Finished(finished) => finished.stale,
        }
    }

    /// The unit's expressions and, by index among them, its recording rules' labels.
    fn recording(&self) -> (&[ParsedExpr], &[(usize, Vec<String>)]) {
        match self {
            Unit::Pending(file) | Unit::Waiting(file, _) => {
                (&file.loaded.exprs, &file.recorded_labels)
            }
            Unit::Finished(file) => (&file.recording.exprs, &file.recording.labels),
        }
    }
}

/// A file finished in the first phase: every rule expression got the catalog checks
/// against the catalog as read, and none named an unknown metric, so its findings are
/// final unless a recording rule writes a series one of them reads.
struct Finished {
    checked: Checked,
    /// The metric names its expressions read, each once.
    names: Vec<String>,
    /// Its recording rules (the catalog learns their outputs from their trees).
    recording: Recording,
    /// How the file was found: a stale file is loaded again the same way.
    candidate: Candidate,
    /// A recording rule writes a series it reads: its findings may change, so it is
    /// loaded and checked again ([`Unit::note_staleness`]).
    stale: bool,
}

/// The recording rules of a finished file: their expressions, and the static label
/// names of each one's output, by index in `exprs`.
struct Recording {
    exprs: Vec<ParsedExpr>,
    labels: Vec<(usize, Vec<String>)>,
}

/// What a unit leaves once checked (a file, or a finished file's recording rules),
/// held only to be freed off the critical path.
type Spent = Box<dyn Send>;

/// Whether a recording rule writes one of `names`, or a family they belong to: a
/// series belongs to a family named like it or like its stem (`foo` for `foo_count`),
/// and a recording rule writing either changes what the catalog says of it.
fn reads_recorded(names: &[String], recorded: &HashSet<String>) -> bool {
    names
        .iter()
        .any(|name| crate::catalog::any_family_of_series(name, |family| recorded.contains(family)))
}

/// A file after the first phase.
struct Pending {
    /// The file; a rule file's model is gone (the catalog checks need only the parsed
    /// expressions).
    loaded: Loaded,
    diagnostics: Vec<Diagnostic>,
    /// The static label names of each recording rule's output, by index in
    /// `loaded.exprs` (read from the model before it was dropped).
    recorded_labels: Vec<(usize, Vec<String>)>,
    /// By index in `loaded.exprs`: the catalog checks made in the first phase.
    early: Vec<Option<EarlyCheck>>,
    /// A rule file's unit: its expressions get the early catalog checks.
    rule_file: bool,
}

/// The catalog checks of one expression against the catalog as read.
struct EarlyCheck {
    /// The metric names the expression reads.
    names: Vec<String>,
    findings: Vec<Diagnostic>,
}

impl EarlyCheck {
    /// Whether the recording rules' series could change the findings.
    fn stale(&self, recorded: &HashSet<String>) -> bool {
        reads_recorded(&self.names, recorded) || self.names_unknown_metric()
    }

    /// An unknown metric's finding may change whatever the recording rules write (its
    /// suggestions may come to include a recorded series).
    fn names_unknown_metric(&self) -> bool {
        self.findings
            .iter()
            .any(|finding| finding.code == crate::checks::catalog::unknown_metric::META.code)
    }
}

/// Every file loaded and put through its own checks, in parallel; rule expressions
/// also through the catalog checks when the catalog is read by then. Returns the
/// checked units (a Markdown file gives one per block), the number of files linted
/// and the paths that could not be read.
fn first_phase(
    paths: &[PathBuf],
    options: &Options,
    catalog: &OnceLock<Catalog>,
    templates: &TemplateCache,
) -> (Vec<Unit>, usize, Vec<DiscoverError>) {
    let (mut candidates, mut io_errors) = candidates(paths, options);
    // A configuration the scan read holds its whole YAML tree until it is loaded:
    // configurations go first. (The report is sorted: the order changes no output.)
    if let Some(preloaded) = options.preloaded.as_deref() {
        candidates.sort_by_key(|candidate| !preloaded.has_config(&candidate.display));
    }
    let results: Vec<Result<Vec<Unit>, DiscoverError>> = candidates
        .par_iter()
        .map(|candidate| {
            let units = super::load(candidate, options)?;
            Ok(units
                .into_iter()
                .map(|loaded| {
                    first_phase_unit(loaded, catalog.get(), candidate, templates, options)
                })
                .collect())
        })
        .collect();
    let mut pending = Vec::with_capacity(results.len());
    let mut files = 0;
    for result in results {
        match result {
            Ok(units) => {
                files += usize::from(!units.is_empty());
                pending.extend(units);
            }
            Err(error) => io_errors.push(error),
        }
    }
    (pending, files, io_errors)
}

/// One unit through the first phase: its own checks, and the early catalog checks when
/// the catalog is read by then.
fn first_phase_unit(
    loaded: Loaded,
    catalog: Option<&Catalog>,
    candidate: &Candidate,
    templates: &TemplateCache,
    options: &Options,
) -> Unit {
    let pending = check_own(loaded, catalog, templates, options);
    if catalog.is_none() && pending.awaits_early_checks() {
        Unit::Waiting(pending, candidate.clone())
    } else {
        settle(pending, candidate, options)
    }
}

impl Pending {
    /// A rule file's unit (its model dropped, its expressions kept) checked before the
    /// catalog was read.
    fn awaits_early_checks(&self) -> bool {
        self.rule_file && self.early.is_empty() && !self.loaded.exprs.is_empty()
    }
}

/// Gives a rule file checked before the catalog was read the early catalog checks now,
/// and settles it as the first phase would have. Those files reach a few dozen while a
/// large catalog is read; left pending, each held its whole expressions to the end and
/// made the run infer every recording rule's output (serial work) for them.
fn catch_up(unit: Unit, catalog: &Catalog, options: &Options) -> Unit {
    match unit {
        Unit::Waiting(mut pending, candidate) => {
            pending.early = check_early(&mut pending.loaded, catalog, options);
            settle(pending, &candidate, options)
        }
        unit => unit,
    }
}

/// A file's own checks, and the early catalog checks of its rule expressions.
fn check_own(
    mut loaded: Loaded,
    catalog: Option<&Catalog>,
    templates: &TemplateCache,
    options: &Options,
) -> Pending {
    let mut diagnostics = std::mem::take(&mut loaded.diagnostics);
    let set = SetContext {
        catalog: None,
        templates: Some(templates),
    };
    run_checks(
        &loaded,
        &set,
        options,
        CheckScope::WithoutCatalog,
        &mut diagnostics,
    );
    let recorded_labels = recorded_labels(&loaded);
    let mut early: Vec<Option<EarlyCheck>> = Vec::new();
    let rule_file = matches!(loaded.model, Some(Model::Rules(_)));
    // Of the models, the catalog checks read only dashboards (a rule file's through its
    // expressions): the others are dropped now.
    if !matches!(loaded.model, Some(Model::Dashboards(_))) {
        loaded.model = None;
        if let (true, Some(catalog)) = (rule_file, catalog) {
            early = check_early(&mut loaded, catalog, options);
        }
    }
    Pending {
        loaded,
        diagnostics,
        recorded_labels,
        early,
        rule_file,
    }
}

/// Finishes a file the catalog checks have nothing more to say about: a YAML rule file
/// whose every expression was checked early without naming an unknown metric, or a file
/// with neither expressions nor dashboards (holding thousands of files until the
/// recorded series are known was most of a catalog run's memory). Any other file waits
/// as it is.
fn settle(pending: Pending, candidate: &Candidate, options: &Options) -> Unit {
    if !finishable(&pending, candidate) {
        return Unit::Pending(pending);
    }
    let Pending {
        loaded,
        mut diagnostics,
        recorded_labels,
        early,
        ..
    } = pending;
    let mut names = Vec::new();
    // In expression order, as the second phase would add them.
    for early in early.into_iter().flatten() {
        names.extend(early.names);
        diagnostics.extend(early.findings);
    }
    // Only the set matters (is one of them recorded?): rules of a file read the same
    // metrics again and again.
    names.sort_unstable();
    names.dedup();
    let checked = finish(&loaded, diagnostics, options);
    let (exprs, labels) = recording_exprs(loaded.exprs, recorded_labels);
    Unit::Finished(Finished {
        checked,
        names,
        recording: Recording { exprs, labels },
        candidate: candidate.clone(),
        stale: false,
    })
}

/// Whether the second phase would add nothing to `pending` but what it already knows.
fn finishable(pending: &Pending, candidate: &Candidate) -> bool {
    if pending.loaded.exprs.is_empty() {
        return pending.loaded.model.is_none();
    }
    // A stale file is loaded again whole: only a YAML file is one unit.
    candidate.kind == FileKind::Yaml
        && !pending.early.is_empty()
        && pending
            .early
            .iter()
            .all(|early| early.as_ref().is_some_and(|e| !e.names_unknown_metric()))
}

/// The recording rules' expressions among `exprs`, with their labels indexed anew.
fn recording_exprs(
    exprs: Vec<ParsedExpr>,
    recorded_labels: Vec<(usize, Vec<String>)>,
) -> (Vec<ParsedExpr>, Vec<(usize, Vec<String>)>) {
    let mut kept = Vec::with_capacity(recorded_labels.len());
    let mut labels = Vec::with_capacity(recorded_labels.len());
    // Both are in expression order: one pass pairs them.
    let mut wanted = recorded_labels.into_iter().peekable();
    for (index, parsed) in exprs.into_iter().enumerate() {
        if let Some((_, rule_labels)) = wanted.next_if(|(at, _)| *at == index) {
            labels.push((kept.len(), rule_labels));
            kept.push(parsed);
        }
    }
    (kept, labels)
}

/// The catalog checks of every rule expression that reads only named metrics (a
/// `__name__` regex may match recorded series: those wait), dropping the syntax trees
/// no later step needs.
fn check_early(
    loaded: &mut Loaded,
    catalog: &Catalog,
    options: &Options,
) -> Vec<Option<EarlyCheck>> {
    let relative = options.config.relative(&loaded.file.path);
    // Decided once per file, not per expression: thousands of expressions share it.
    let enabled =
        EnabledExprChecks::new(&enabled_checks(options, &relative, CheckScope::CatalogOnly));
    let file = &loaded.file;
    loaded
        .exprs
        .iter_mut()
        .map(|parsed| {
            let expr = parsed.result.expr.as_ref()?;
            let mut names = MetricNames::default();
            let silent = silent_visiting(expr, catalog, &mut |selector| names.add(selector));
            let names = names.finish()?;
            let mut findings = Vec::new();
            // Most expressions read nothing a small catalog knows (a Prometheus
            // configuration's): the checks would find nothing, so they are not run.
            if !silent {
                check_expr_with(
                    file,
                    parsed,
                    options,
                    Some(catalog),
                    &enabled,
                    &mut findings,
                );
            }
            // A recording rule's tree is read again when the catalog learns its output.
            if !matches!(parsed.origin, ExprOrigin::RecordingRule { .. }) {
                parsed.drop_tree();
            }
            Some(EarlyCheck { names, findings })
        })
        .collect()
}

/// The metric names an expression's selectors read, gathered selector by selector:
/// `None` when a selector picks metrics by a `__name__` pattern.
#[derive(Default)]
struct MetricNames {
    names: Vec<String>,
    by_pattern: bool,
}

impl MetricNames {
    fn add(&mut self, selector: &VectorSelector) {
        if selector
            .matchers
            .iter()
            .any(|m| m.name == "__name__" && m.op != MatchOp::Equal)
        {
            self.by_pattern = true;
        }
        // An expression reads the same metric several times (`a / a offset 1d`): each
        // name is copied once.
        if let Some((name, _)) = selector.metric_name() {
            if !self.names.iter().any(|known| known == name) {
                self.names.push(name.to_string());
            }
        }
    }

    fn finish(self) -> Option<Vec<String>> {
        (!self.by_pattern).then_some(self.names)
    }
}

/// Adds every recording rule's output series to the catalog.
fn add_recorded_series(catalog: &mut Catalog, units: &[Unit]) {
    let rules = recording_rules(units.iter().map(Unit::recording));
    add_recording_rules(catalog, &rules);
}

/// The names of the series the recording rules write (those whose expression parsed:
/// the others add nothing to the catalog).
fn recorded_names(units: &[Unit]) -> HashSet<String> {
    // In parallel: it sits between the two phases, and reading every unit's recording
    // rules (thousands, spread over the heap) took a millisecond on one thread.
    units
        .par_iter()
        .flat_map_iter(|unit| {
            let (exprs, labels) = unit.recording();
            labels.iter().filter_map(move |(index, _)| {
                let parsed = &exprs[*index];
                match (&parsed.origin, &parsed.result.expr) {
                    (ExprOrigin::RecordingRule { name, .. }, Some(_)) => Some(name.to_string()),
                    _ => None,
                }
            })
        })
        .collect()
}

/// A unit's findings against the final catalog: a finished file's own, unless a
/// recording rule writes a series it reads (then it is loaded again and checked like a
/// file that loaded before the catalog was read). What the unit leaves comes back to
/// be freed off the critical path.
fn complete(
    unit: Unit,
    catalog: &Catalog,
    recorded: &HashSet<String>,
    templates: &TemplateCache,
    options: &Options,
) -> (Checked, Spent) {
    match unit {
        Unit::Pending(pending) | Unit::Waiting(pending, _) => {
            second_phase(pending, catalog, recorded, options)
        }
        Unit::Finished(finished) if finished.stale => {
            match load_again(&finished.candidate, options) {
                Some(loaded) => {
                    let pending = check_own(loaded, None, templates, options);
                    second_phase(pending, catalog, recorded, options)
                }
                // The file gave a rule file once; it was changed or removed during the
                // run since: its findings stay those of the text that was read.
                None => (finished.checked, Box::new(finished.recording)),
            }
        }
        Unit::Finished(finished) => (finished.checked, Box::new(finished.recording)),
    }
}

/// The one unit of a YAML file finished in the first phase, loaded again as it was
/// found (the `--fix` overlay first, then the disk).
fn load_again(candidate: &Candidate, options: &Options) -> Option<Loaded> {
    let mut units = super::load(candidate, options).ok()?;
    if units.len() != 1 {
        return None;
    }
    units.pop()
}

/// The catalog checks not made early (or made against a catalog the recording rules
/// changed since), then the config's levels and suppressions over all of the file's
/// diagnostics. The file comes back to be freed off the critical path.
fn second_phase(
    pending: Pending,
    catalog: &Catalog,
    recorded: &HashSet<String>,
    options: &Options,
) -> (Checked, Spent) {
    let Pending {
        loaded,
        mut diagnostics,
        early,
        ..
    } = pending;
    let set = SetContext {
        catalog: Some(catalog),
        templates: None,
    };
    if early.is_empty() {
        run_checks(
            &loaded,
            &set,
            options,
            CheckScope::CatalogOnly,
            &mut diagnostics,
        );
        return (finish(&loaded, diagnostics, options), Box::new(loaded));
    }
    let relative = options.config.relative(&loaded.file.path);
    let enabled =
        EnabledExprChecks::new(&enabled_checks(options, &relative, CheckScope::CatalogOnly));
    for (parsed, early) in loaded.exprs.iter().zip(early) {
        match early {
            Some(early) if !early.stale(recorded) => diagnostics.extend(early.findings),
            Some(_) if parsed.result.expr.is_none() => {
                let reparsed = ParsedExpr::new(
                    parsed.source.clone(),
                    parsed.map.clone(),
                    parsed.origin.clone(),
                );
                check_expr_with(
                    &loaded.file,
                    &reparsed,
                    options,
                    Some(catalog),
                    &enabled,
                    &mut diagnostics,
                );
            }
            _ => check_expr_with(
                &loaded.file,
                parsed,
                options,
                Some(catalog),
                &enabled,
                &mut diagnostics,
            ),
        }
    }
    (finish(&loaded, diagnostics, options), Box::new(loaded))
}

/// The static label names each recording rule of a rule file sets on its output, by
/// the index of the rule's expression in `loaded.exprs`.
pub(super) fn recorded_labels(loaded: &Loaded) -> Vec<(usize, Vec<String>)> {
    let Some(Model::Rules(rule_file)) = &loaded.model else {
        return Vec::new();
    };
    // `loaded.exprs` holds one entry per rule with an expression, in file order, so each
    // expression meets its own rule in one pass: rules that share a `record:` name keep
    // their own labels, and there is no search per rule.
    super::load::rules_with_expr(rule_file)
        .zip(&loaded.exprs)
        .enumerate()
        .filter(|(_, ((_, rule, _), parsed))| {
            rule.record.is_some() && matches!(parsed.origin, ExprOrigin::RecordingRule { .. })
        })
        .map(|(index, ((_, rule, _), _))| {
            (
                index,
                rule.labels.iter().map(|pair| pair.key.clone()).collect(),
            )
        })
        .collect()
}

/// The recording rules of every linted file whose expression parsed, with their static
/// labels, in file order: each file gives its expressions and, by index among them,
/// its recording rules' labels.
pub(super) fn recording_rules<'a>(
    files: impl IntoIterator<Item = (&'a [ParsedExpr], &'a [(usize, Vec<String>)])>,
) -> Vec<RecordingRule<'a>> {
    let mut rules = Vec::new();
    for (exprs, recorded) in files {
        for (index, labels) in recorded {
            let parsed = &exprs[*index];
            let (ExprOrigin::RecordingRule { name, .. }, Some(expr)) =
                (&parsed.origin, &parsed.result.expr)
            else {
                continue;
            };
            rules.push(RecordingRule {
                record: name,
                expr,
                labels: labels.iter().map(String::as_str).collect(),
            });
        }
    }
    rules
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discover::FileKind;

    const CATALOG: &str = "complete: true\ntarget_labels: []\nmetrics:\n  http_requests_total:\n    type: counter\n    labels: [route, code]\n";
    const RECORDING: &str = "groups:\n  - name: r\n    rules:\n      - record: route_requests_rate5m\n        expr: sum by (route) (rate(http_requests_total[5m]))\n";
    /// Reads the recorded series (unknown until the recording rule joins the catalog),
    /// with a label its output cannot carry, and an unknown metric.
    const ALERTS: &str = "groups:\n  - name: a\n    rules:\n      - alert: Slow\n        expr: route_requests_rate5m{code=\"500\"} > 1\n      - alert: Typo\n        expr: rate(http_request_total[5m]) > 1\n      - alert: Fine\n        expr: sum by (route) (rate(http_requests_total{code=\"500\"}[5m])) > 1\n";

    fn findings(checked: &Checked) -> Vec<String> {
        let mut out: Vec<String> = checked
            .iter()
            .map(|d| {
                format!(
                    "{} {}:{} {}",
                    d.diagnostic.code, d.start.line, d.start.column, d.diagnostic.message
                )
            })
            .collect();
        out.sort();
        out
    }

    /// A catalog that does not list every metric: reading a metric it lacks is no
    /// finding, so an expression reading a series only a recording rule writes is
    /// finished in the first phase.
    const OPEN_CATALOG: &str = "target_labels: []\nmetrics:\n  http_requests_total:\n    type: counter\n    labels: [route, code]\n";
    /// Reads the recorded series, with a label its output cannot carry.
    const READS_RECORDED: &str = "groups:\n  - name: a\n    rules:\n      - alert: Slow\n        expr: route_requests_rate5m{code=\"500\"} > 1\n";
    /// A Prometheus configuration with a problem of its own (a scrape timeout above the
    /// interval), reported whenever the configuration is finished.
    const CONFIG: &str = "scrape_configs:\n  - job_name: a\n    scrape_interval: 5s\n    scrape_timeout: 10s\n    static_configs: [{targets: ['a:1']}]\n";
    /// Reads only a series of the catalog.
    const READS_CATALOG: &str = "groups:\n  - name: a\n    rules:\n      - alert: Fine\n        expr: sum by (route) (rate(http_requests_total{code=\"500\"}[5m])) > 1\n      - alert: Bad\n        expr: sum by (route) (rate(http_requests_total{zone=\"a\"}[5m])) > 1\n";

    /// The files through the first phase, the catalog read before (`early`) or after
    /// (`!early`) they load. The files are written to `folder` first: a finished file
    /// that turns out stale is loaded again from the disk.
    fn first_phase_of(
        folder: &std::path::Path,
        catalog: &Catalog,
        files: &[(&str, &str)],
        early: bool,
        templates: &TemplateCache,
    ) -> Vec<Unit> {
        let options = Options::default();
        let units: Vec<Unit> = files
            .iter()
            .map(|(name, text)| {
                let path = folder.join(name);
                std::fs::write(&path, text).unwrap();
                let loaded =
                    super::super::load_text(name, text.to_string(), FileKind::Yaml, &options)
                        .pop()
                        .unwrap();
                let candidate = Candidate {
                    display: name.to_string(),
                    path,
                    kind: FileKind::Yaml,
                    explicit: true,
                };
                first_phase_unit(
                    loaded,
                    early.then_some(catalog),
                    &candidate,
                    templates,
                    &options,
                )
            })
            .collect();
        if early {
            assert!(units.iter().all(|unit| match unit {
                Unit::Pending(file) => !file.early.is_empty(),
                Unit::Waiting(..) => false,
                Unit::Finished(_) => true,
            }));
        }
        units
    }

    fn catalog_of(text: &str) -> Catalog {
        crate::catalog::load_str("c.yml", text)
            .unwrap()
            .with_builtins()
    }

    /// How a run treats the files checked before the catalog was read.
    #[derive(Clone, Copy)]
    enum Late {
        /// Early catalog checks once the catalog is read ([`catch_up`]), as a run does.
        CaughtUp,
        /// Every catalog check at the end (what the early checks must equal).
        AtTheEnd,
    }

    /// The files through both phases (see [`first_phase_of`]). Returns the findings and
    /// how many files were finished before the recorded series were known.
    fn run_phases(catalog_text: &str, files: &[(&str, &str)], early: bool) -> (Vec<String>, usize) {
        run_phases_with(catalog_text, files, early, Late::CaughtUp)
    }

    fn run_phases_with(
        catalog_text: &str,
        files: &[(&str, &str)],
        early: bool,
        late: Late,
    ) -> (Vec<String>, usize) {
        let options = Options::default();
        let templates = TemplateCache::default();
        let folder = tempfile::tempdir().unwrap();
        let read = catalog_of(catalog_text);
        let mut units = first_phase_of(folder.path(), &read, files, early, &templates);
        if let Late::CaughtUp = late {
            units = units
                .into_iter()
                .map(|unit| catch_up(unit, &read, &options))
                .collect();
        }
        let finished = units
            .iter()
            .filter(|unit| matches!(unit, Unit::Finished(_)))
            .count();
        let mut catalog = catalog_of(catalog_text);
        let recorded = recorded_names(&units);
        units
            .iter_mut()
            .for_each(|unit| unit.note_staleness(&recorded));
        add_recorded_series(&mut catalog, &units);
        let findings = units
            .into_iter()
            .flat_map(|unit| findings(&complete(unit, &catalog, &recorded, &templates, &options).0))
            .collect();
        (findings, finished)
    }

    /// The recorded series are inferred only when a file still needs the catalog: here
    /// every file was finished early, and only the one reading a recorded series does.
    #[test]
    fn only_a_file_reading_a_recorded_series_needs_the_final_catalog() {
        let folder = tempfile::tempdir().unwrap();
        let templates = TemplateCache::default();
        let catalog = catalog_of(OPEN_CATALOG);
        let files = [
            ("rec.yml", RECORDING),
            ("fine.yml", READS_CATALOG),
            ("slow.yml", READS_RECORDED),
        ];
        let mut units = first_phase_of(folder.path(), &catalog, &files, true, &templates);
        let recorded = recorded_names(&units);
        units
            .iter_mut()
            .for_each(|unit| unit.note_staleness(&recorded));
        assert_eq!(
            recorded,
            HashSet::from_iter(["route_requests_rate5m".to_string()])
        );
        let needs: Vec<bool> = units.iter().map(Unit::needs_final_catalog).collect();
        assert_eq!(needs, [false, false, true]);
    }

    fn two_phase(early: bool, late: Late) -> Vec<String> {
        run_phases_with(
            CATALOG,
            &[("rec.yml", RECORDING), ("alerts.yml", ALERTS)],
            early,
            late,
        )
        .0
    }

    /// A file finished before the recorded series were known is checked again when it
    /// reads one (here the finding appears only then); the others keep their findings.
    /// A configuration has nothing for the catalog checks: it is finished at once.
    #[test]
    fn a_finished_file_reading_a_recorded_series_is_checked_again() {
        let files = [
            ("rec.yml", RECORDING),
            ("slow.yml", READS_RECORDED),
            ("fine.yml", READS_CATALOG),
            ("prometheus.yml", CONFIG),
        ];
        let (late, only_the_config) = run_phases_with(OPEN_CATALOG, &files, false, Late::AtTheEnd);
        assert_eq!(only_the_config, 1);
        let (caught_up, finished_late) = run_phases(OPEN_CATALOG, &files, false);
        assert_eq!(finished_late, 4);
        assert_eq!(caught_up, late);
        let (early, finished) = run_phases(OPEN_CATALOG, &files, true);
        assert_eq!(finished, 4);
        assert_eq!(early, late);
        assert_found(&late, "catalog/unknown-label 5:");
        assert_found(&late, "catalog/unknown-label 7:");
        assert_found(&late, "prometheus/config 4:");
    }

    /// Asserts that one of `findings` (as `code line:...`) starts with `prefix`.
    fn assert_found(findings: &[String], prefix: &str) {
        assert!(
            findings.iter().any(|f| f.starts_with(prefix)),
            "no {prefix:?} in {findings:?}"
        );
    }

    /// Only the recording rules' expressions stay, each with its own labels.
    #[test]
    fn a_finished_file_keeps_its_recording_rules_only() {
        let parsed = |text: &str, origin: ExprOrigin| {
            ParsedExpr::new(
                text.to_string(),
                crate::source::OffsetMap::identity(0, text.len()),
                origin,
            )
        };
        let alert = || ExprOrigin::AlertingRule {
            group: "g".into(),
            name: "a".into(),
        };
        let record = |name: &str| ExprOrigin::RecordingRule {
            group: "g".into(),
            name: name.into(),
        };
        let exprs = vec![
            parsed("up", alert()),
            parsed("sum(up)", record("r1")),
            parsed("up == 0", alert()),
            parsed("count(up)", record("r2")),
        ];
        let labels = vec![(1, vec!["a".to_string()]), (3, vec!["b".to_string()])];
        let (kept, labels) = recording_exprs(exprs, labels);
        let sources: Vec<&str> = kept.iter().map(|p| p.source.as_str()).collect();
        assert_eq!(sources, ["sum(up)", "count(up)"]);
        assert_eq!(
            labels,
            vec![(0, vec!["a".to_string()]), (1, vec!["b".to_string()])]
        );
    }

    #[test]
    fn early_checks_give_the_findings_of_checking_at_the_end() {
        let late = two_phase(false, Late::AtTheEnd);
        assert_eq!(two_phase(true, Late::AtTheEnd), late);
        // Files checked before the catalog was read, caught up once it is.
        assert_eq!(two_phase(false, Late::CaughtUp), late);
        // The recorded series is known (no unknown-metric), its labels are inferred
        // (`code` is gone after `sum by (route)`), and the typo is still found.
        assert_found(&late, "catalog/unknown-label 5:");
        assert_found(&late, "catalog/unknown-metric 7:");
        assert!(
            !late
                .iter()
                .any(|f| f.contains("route_requests_rate5m` is not")),
            "{late:?}"
        );
        assert_eq!(late.len(), 2, "{late:?}");
    }

    /// Regression (issue 16): the labels were found by searching every rule for the
    /// first with the same group and `record:` name (quadratic, and rules sharing a
    /// name got the first one's labels). Each rule now keeps its own, in one pass.
    #[test]
    fn rules_sharing_a_record_name_keep_their_own_labels() {
        let text = "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up == 0\n      - record: job:x\n        expr: sum by (job) (up)\n        labels:\n          tier: a\n      - record: job:x\n        expr: ''\n      - record: job:x\n        expr: sum by (job) (up)\n        labels:\n          zone: b\n          tier: b\n";
        let loaded = super::super::load_text(
            "r.yml",
            text.to_string(),
            FileKind::Yaml,
            &Options::default(),
        )
        .pop()
        .expect("one rule file");
        let labels = recorded_labels(&loaded);
        assert_eq!(
            labels,
            vec![
                (1, vec!["tier".to_string()]),
                (2, vec!["zone".to_string(), "tier".to_string()])
            ]
        );
    }
}
