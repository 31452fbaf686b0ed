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
//! 3. The recording rules of every file join the catalog.
//! 4. An expression checked early is checked again only if the recording rules could
//!    change its findings: it reads a series a recording rule writes, or it names an
//!    unknown metric (whose suggestions may now include recorded series). The rest,
//!    and every file that loaded before the catalog was read, get the catalog checks now.
//!
//! The findings are exactly those of checking everything against the final catalog.

use super::{
    candidates, enabled_checks, finish, run_checks, CheckScope, Checked, Loaded, Model, Options,
    Outcome, SetContext,
};
use crate::catalog::recorded::{add_recording_rules, RecordingRule};
use crate::catalog::Catalog;
use crate::checks::context::{check_expr, ExprOrigin, ParsedExpr};
use crate::diagnostic::Diagnostic;
use crate::discover::DiscoverError;
use crate::promql::ast::{Expr, MatchOp};
use crate::report::RunReport;
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
    let (loaded, (pending, files, mut io_errors)) = rayon::join(
        || load_catalog().map(|catalog| drop(read.set(catalog))),
        || first_phase(paths, options, &read),
    );
    loaded?;
    let mut catalog = read.into_inner().expect("the catalog was read");
    let recorded = add_recorded_series(&mut catalog, &pending);
    let (checked, spent): (Vec<Checked>, Vec<Loaded>) = pending
        .into_par_iter()
        .map(|pending| second_phase(pending, &catalog, &recorded, options))
        .unzip();
    // Thousands of families and expressions take a while to free: a pool thread does
    // it while the report is sorted and printed.
    rayon::spawn(move || drop((catalog, recorded, spent)));
    io_errors.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(Outcome {
        report: RunReport::new(files, checked.into_iter().flatten().collect()),
        io_errors,
    })
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
        // A series belongs to a family named like it or like its stem (`foo` for
        // `foo_count`): a recording rule writing either changes what the catalog says.
        self.names.iter().any(|name| {
            crate::catalog::any_family_of_series(name, |family| recorded.contains(family))
        }) || self
            .findings
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
) -> (Vec<Pending>, usize, Vec<DiscoverError>) {
    let (candidates, mut io_errors) = candidates(paths, options);
    let results: Vec<Result<Vec<Pending>, DiscoverError>> = candidates
        .par_iter()
        .map(|candidate| {
            let units = super::load(candidate, options)?;
            Ok(units
                .into_iter()
                .map(|loaded| check_own(loaded, catalog.get(), options))
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

/// A file's own checks, and the early catalog checks of its rule expressions.
fn check_own(mut loaded: Loaded, catalog: Option<&Catalog>, options: &Options) -> Pending {
    let mut diagnostics = std::mem::take(&mut loaded.diagnostics);
    let set = SetContext::default();
    run_checks(
        &loaded,
        &set,
        options,
        CheckScope::WithoutCatalog,
        &mut diagnostics,
    );
    let recorded_labels = recorded_labels(&loaded);
    let mut early: Vec<Option<EarlyCheck>> = Vec::new();
    if matches!(loaded.model, Some(Model::Rules(_))) {
        loaded.model = None;
        if let Some(catalog) = catalog {
            early = check_early(&mut loaded, catalog, options);
        }
    }
    Pending {
        loaded,
        diagnostics,
        recorded_labels,
        early,
    }
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
    let enabled = enabled_checks(options, &relative, CheckScope::CatalogOnly);
    let file = &loaded.file;
    loaded
        .exprs
        .iter_mut()
        .map(|parsed| {
            let names = metric_names(parsed.result.expr.as_ref()?)?;
            let mut findings = Vec::new();
            check_expr(
                file,
                parsed,
                options,
                Some(catalog),
                &enabled,
                &mut findings,
            );
            // A recording rule's tree is read again when the catalog learns its output.
            if !matches!(parsed.origin, ExprOrigin::RecordingRule { .. }) {
                parsed.drop_tree();
            }
            Some(EarlyCheck { names, findings })
        })
        .collect()
}

/// The metric names an expression's selectors read, or `None` when a selector picks
/// metrics by a `__name__` pattern.
fn metric_names(expr: &Expr) -> Option<Vec<String>> {
    let mut names = Vec::new();
    let mut by_pattern = false;
    crate::catalog::flow::selectors(expr, &mut |selector, _| {
        if selector
            .matchers
            .iter()
            .any(|m| m.name == "__name__" && m.op != MatchOp::Equal)
        {
            by_pattern = true;
        }
        if let Some((name, _)) = selector.metric_name() {
            names.push(name.to_string());
        }
    });
    (!by_pattern).then_some(names)
}

/// Adds every recording rule's output series to the catalog; returns their names.
fn add_recorded_series(catalog: &mut Catalog, pending: &[Pending]) -> HashSet<String> {
    let rules = recording_rules(
        pending
            .iter()
            .map(|file| (&file.loaded, file.recorded_labels.as_slice())),
    );
    let names = rules.iter().map(|rule| rule.record.to_string()).collect();
    add_recording_rules(catalog, &rules);
    names
}

/// The catalog checks not made early (or made against a catalog the recording rules
/// changed since), then the config's levels and suppressions over all of the file's
/// diagnostics. The file comes back to be freed off the critical path.
fn second_phase(
    pending: Pending,
    catalog: &Catalog,
    recorded: &HashSet<String>,
    options: &Options,
) -> (Checked, Loaded) {
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
        return (finish(&loaded, diagnostics, options), loaded);
    }
    let relative = options.config.relative(&loaded.file.path);
    let enabled = enabled_checks(options, &relative, CheckScope::CatalogOnly);
    for (parsed, early) in loaded.exprs.iter().zip(early) {
        match early {
            Some(early) if !early.stale(recorded) => diagnostics.extend(early.findings),
            Some(_) if parsed.result.expr.is_none() => {
                let reparsed = ParsedExpr::new(
                    parsed.source.clone(),
                    parsed.map.clone(),
                    parsed.origin.clone(),
                );
                check_expr(
                    &loaded.file,
                    &reparsed,
                    options,
                    Some(catalog),
                    &enabled,
                    &mut diagnostics,
                );
            }
            _ => check_expr(
                &loaded.file,
                parsed,
                options,
                Some(catalog),
                &enabled,
                &mut diagnostics,
            ),
        }
    }
    (finish(&loaded, diagnostics, options), loaded)
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
/// labels, in file order.
pub(super) fn recording_rules<'a>(
    files: impl IntoIterator<Item = (&'a Loaded, &'a [(usize, Vec<String>)])>,
) -> Vec<RecordingRule<'a>> {
    let mut rules = Vec::new();
    for (loaded, recorded) in files {
        for (index, labels) in recorded {
            let parsed = &loaded.exprs[*index];
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

    /// Both files through both phases, the catalog read before (`early`) or after
    /// (`!early`) they load.
    fn two_phase(early: bool) -> Vec<String> {
        let options = Options::default();
        let catalog = || {
            crate::catalog::load_str("c.yml", CATALOG)
                .unwrap()
                .with_builtins()
        };
        let read = catalog();
        let pending: Vec<Pending> = [("rec.yml", RECORDING), ("alerts.yml", ALERTS)]
            .into_iter()
            .map(|(name, text)| {
                let loaded =
                    super::super::load_text(name, text.to_string(), FileKind::Yaml, &options)
                        .pop()
                        .unwrap();
                check_own(loaded, early.then_some(&read), &options)
            })
            .collect();
        if early {
            assert!(pending.iter().all(|file| !file.early.is_empty()));
        }
        let mut catalog = catalog();
        let recorded = add_recorded_series(&mut catalog, &pending);
        pending
            .into_iter()
            .flat_map(|file| findings(&second_phase(file, &catalog, &recorded, &options).0))
            .collect()
    }

    #[test]
    fn early_checks_give_the_findings_of_checking_at_the_end() {
        let late = two_phase(false);
        assert_eq!(two_phase(true), late);
        // The recorded series is known (no unknown-metric), its labels are inferred
        // (`code` is gone after `sum by (route)`), and the typo is still found.
        assert!(
            late.iter()
                .any(|f| f.starts_with("catalog/unknown-label 5:")),
            "{late:?}"
        );
        assert!(
            late.iter()
                .any(|f| f.starts_with("catalog/unknown-metric 7:")),
            "{late:?}"
        );
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
