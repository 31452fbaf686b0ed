//! What each fuzz target does with its input, and the invariants it asserts: a panic
//! anywhere (ours or an assertion here) is what the fuzzer reports.

use super::generate::{self, Choices};
use crate::catalog::Catalog;
use crate::config::baseline::Baseline;
use crate::pipeline::{self, Options};
use crate::report::{self, RunReport};
use std::sync::OnceLock;

/// A small catalog, so the catalog checks and the recording-rule pass run too.
fn catalog() -> Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG
        .get_or_init(|| {
            let text = "complete: true\nmetrics:\n  http_requests_total:\n    type: counter\n    labels: [route, code, job]\n  http_request_duration_seconds:\n    type: histogram\n    labels: [route]\n  node_cpu_seconds_total:\n    type: counter\n    labels: [cpu, mode]\n  process_resident_memory_bytes:\n    type: gauge\n";
            crate::catalog::load_str("fuzz-catalog.yml", text)
                .expect("the fuzz catalog loads")
                .with_builtins()
        })
        .clone()
}

/// Lints `bytes` as the file `display` through the whole pipeline and every renderer.
pub fn lint(display: &str, bytes: Vec<u8>, with_catalog: bool) {
    let outcome = pipeline::run_bytes(
        display,
        bytes,
        &Options::default(),
        with_catalog.then(catalog),
    );
    assert!(outcome.io_errors.is_empty(), "{:?}", outcome.io_errors);
    render_everything(&outcome.report);
    fixes_keep_the_file_parsing(display, &outcome.report);
}

/// Applying every fix the findings propose must leave a file that still parses (as
/// YAML, or as JSON), when it parsed before; no fix may point outside the text.
fn fixes_keep_the_file_parsing(display: &str, report: &RunReport) {
    let fixes: Vec<&crate::fix::Fix> = report
        .diagnostics
        .iter()
        .filter_map(|reported| reported.diagnostic.fix.as_ref())
        .collect();
    let Some(first) = report.diagnostics.first() else {
        return;
    };
    if fixes.is_empty() {
        return;
    }
    let text = &first.file.text;
    let applied = crate::fix::apply_fixes(text, &fixes);
    assert!(
        applied.invalid.is_empty(),
        "fixes outside the text: {fixes:?}"
    );
    let parses = |text: &str| {
        if display.ends_with(".json") {
            serde_json::from_str::<serde_json::Value>(text).is_ok()
        } else {
            crate::yaml::parse_documents(&crate::source::SourceFile::new(display, text)).is_ok()
        }
    };
    if parses(text) {
        assert!(
            parses(&applied.text),
            "the fixed file no longer parses:\n{}",
            applied.text
        );
    }
}

/// Every renderer on `report`; the machine-readable ones must read back.
pub fn render_everything(report: &RunReport) {
    for reported in &report.diagnostics {
        let span = &reported.diagnostic.span;
        let text = &reported.file.text;
        assert!(
            span.start <= span.end && span.end <= text.len(),
            "{}: span {span:?} outside a {}-byte file",
            reported.diagnostic.code,
            text.len()
        );
        for label in &reported.diagnostic.labels {
            assert!(label.span.start <= label.span.end && label.span.end <= text.len());
        }
        assert!(reported.start.line >= 1 && reported.start.column >= 1);
        assert!(reported.start <= reported.end, "{reported:?}");
    }
    let parses = |format: &str, out: String| {
        serde_json::from_str::<serde_json::Value>(&out)
            .unwrap_or_else(|e| panic!("{format} output is not JSON: {e}"));
    };
    for (color, show_info) in [(false, false), (true, true)] {
        let display = report::DisplayOptions {
            color,
            show_info,
            summary: true,
        };
        report::human::render(report, &display);
        report::concise::render(report, &display);
    }
    parses("json", report::json::render(report));
    parses("sarif", sarif_of_the_findings(report));
    parses("gitlab", report::gitlab::render(report));
    report::github::render(report);
    report::checkstyle::render(report);
    report::junit::render(report);
    report::statistics::render(report);
    let baseline = crate::config::baseline::render(report);
    let read = Baseline::parse(&baseline).expect("a written baseline reads back");
    let (kept, hidden) = read.filter(report.clone());
    assert!(
        kept.diagnostics.is_empty(),
        "the baseline hides every finding it lists"
    );
    assert_eq!(hidden, report.diagnostics.len());
}

/// The SARIF log with only the checks the findings name in `tool.driver.rules`.
///
/// The full log describes every registered check with its documentation: the same
/// ~90 descriptors whatever the input, and 95% of an execution's instructions when
/// rendered and read back each time (4 M instructions for a 12-line rule file, 0.2 M
/// without). It is rendered and read back once per process; each execution renders the
/// descriptors of its own findings' checks, which is what depends on the input.
fn sarif_of_the_findings(report: &RunReport) -> String {
    static FULL_LOG_READS_BACK: OnceLock<()> = OnceLock::new();
    FULL_LOG_READS_BACK.get_or_init(|| {
        serde_json::from_str::<serde_json::Value>(&report::sarif::render(report))
            .expect("the full SARIF log is JSON");
    });
    let used: Vec<&'static crate::checks::CheckMeta> = crate::checks::all()
        .into_iter()
        .filter(|meta| {
            report
                .diagnostics
                .iter()
                .any(|reported| reported.diagnostic.code == meta.code)
        })
        .collect();
    let log = report::sarif::to_value_with_rules(report, &used);
    serde_json::to_string_pretty(&log).expect("JSON values serialize")
}

/// Parses, type-checks and analyses one expression, then lints it as a rule's `expr`.
pub fn promql(text: &str) {
    let result = crate::promql::parse(text);
    for error in &result.errors {
        assert!(error.span.start <= error.span.end && error.span.end <= text.len());
        assert!(!error.message.is_empty());
    }
    assert_eq!(result.expr.is_some(), result.errors.is_empty());
    if let Some(expr) = &result.expr {
        crate::promql::analysis::analyze(expr);
        let mut nodes = 0usize;
        expr.walk(&mut |_| nodes += 1);
        assert!(nodes >= 1);
    }
    let indented: String = text.lines().map(|l| format!("          {l}\n")).collect();
    let rule = format!(
        "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: |-\n{indented}        annotations:\n          summary: x\n"
    );
    lint("fuzz.yml", rule.into_bytes(), true);
}

pub fn template(text: &str) {
    match crate::rules::template::parse_prometheus(text) {
        Ok(template) => {
            for reference in template.label_references() {
                assert!(reference.span.end <= text.len());
            }
            template.uses_value();
        }
        Err(error) => {
            assert!(error.span.start <= error.span.end && error.span.end <= text.len());
            assert!(!error.message.is_empty());
        }
    }
}

/// Loads a catalog; one that loads must survive being written and read again.
pub fn catalog_text(text: &str) {
    let Ok(loaded) = crate::catalog::load_str("fuzz-catalog", text) else {
        return;
    };
    let written = crate::catalog::write::to_yaml(&loaded);
    let again = crate::catalog::load_str("written.yml", &written)
        .unwrap_or_else(|e| panic!("a written catalog reads back: {e:?}\n{written}"));
    assert_eq!(again.len(), loaded.len(), "{written}");
}

pub fn config(text: &str) {
    let file = crate::source::SourceFile::new(".promgate.yml", text);
    if let Err(diagnostics) = crate::config::parse_config(&file, "/".into()) {
        assert!(!diagnostics.is_empty());
        for diagnostic in diagnostics {
            assert!(diagnostic.span.end <= text.len());
        }
    }
}

/// The catalog loader reads a text as saphyr alone reads it: the regular catalog
/// reader's tree, streamed entries and errors, or saphyr's after the reader declined
/// (having handed some entries over already).
pub fn catalog_reader(text: &str) {
    let (loaded, saphyr) = crate::catalog::load::tree::both_readings(text);
    assert!(
        loaded == saphyr,
        "the catalog readings differ on:\n{text}\n--- loader:\n{loaded}\n--- saphyr:\n{saphyr}"
    );
}

/// The regular YAML reader never reads a text otherwise than saphyr, and never takes
/// one saphyr refuses.
pub fn yaml_reader(text: &str) {
    if let Some(both) = crate::yaml::both_readings(text) {
        match both.saphyr {
            Ok(saphyr) => assert!(saphyr == both.regular, "the readers differ on:\n{text}"),
            Err(error) => panic!("the regular reader took what saphyr refuses ({error}):\n{text}"),
        }
    }
}

pub fn baseline(text: &str) {
    let _ = Baseline::parse(text);
}

pub fn lossy(data: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(data)
}

pub fn promql_structured(data: &[u8]) {
    let text = generate::promql(&mut Choices::new(data), 0);
    promql(&text);
}

pub fn rules_structured(data: &[u8]) {
    let mut choices = Choices::new(data);
    let with_catalog = choices.flip();
    let text = generate::rule_file(&mut choices);
    lint("fuzz.yml", text.into_bytes(), with_catalog);
}

pub fn dashboard_structured(data: &[u8]) {
    let text = generate::dashboard(&mut Choices::new(data));
    lint("fuzz.json", text.into_bytes(), false);
}

pub fn template_structured(data: &[u8]) {
    template(&generate::template(&mut Choices::new(data), 0));
}

pub fn catalog_structured(data: &[u8]) {
    catalog_text(&generate::catalog(&mut Choices::new(data)));
}

/// A Prometheus engine-test script (`promqltest`, also `promgate test`'s series
/// notation), parsed and run against the engine.
pub fn promqltest(text: &str) {
    if let Ok(commands) = crate::eval::promqltest::parse(text) {
        crate::eval::promqltest::run(&commands, &crate::eval::engine::Engine::default());
    }
}

/// A `promgate test` unit-test file, parsed.
pub fn ruletest_file(text: &str) {
    let file = crate::source::SourceFile::new("fuzz_test.yml", text);
    let _ = crate::eval::ruletest::file::parse(&file);
}

/// Generated PromQL evaluated by the engine, instant and range, over a few series.
pub fn eval_structured(data: &[u8]) {
    use crate::eval::{engine::Engine, storage::Storage, value::Labels};
    let text = generate::promql(&mut Choices::new(data), 0);
    let Some(expr) = crate::promql::parse(&text).expr else {
        return;
    };
    let mut store = Storage::new();
    for (name, job) in [("up", "a"), ("http_requests_total", "b"), ("a", "c")] {
        let points: Vec<(i64, f64)> = (0..20).map(|i| (i * 15_000, i as f64)).collect();
        store.append(
            Labels::from_pairs([("__name__", name), ("job", job)]),
            points,
        );
    }
    let engine = Engine::default();
    let _ = engine.instant(&store, &expr, 300_000);
    let _ = engine.range(&store, &expr, 0, 300_000, 60_000);
}

/// A generated prometheus.yml validated and its facts derived (every problem inside
/// the text, no secret quoted, no `__` label left on a job), the file linted through
/// the pipeline, then a generated rule file checked against those facts.
pub fn promconfig_structured(data: &[u8]) {
    let mut choices = Choices::new(data);
    let text = generate::prometheus_config(&mut choices);
    let file = crate::source::SourceFile::new("prometheus.yml", text.as_str());
    let documents = crate::yaml::parse_documents(&file).expect("generated YAML parses");
    let config = crate::promconfig::read(&documents);
    for problem in &config.problems {
        assert!(
            problem.span.start <= problem.span.end && problem.span.end <= text.len(),
            "{problem:?}"
        );
        assert!(
            !problem.message.contains("fuzz-secret"),
            "a secret quoted: {}",
            problem.message
        );
    }
    let facts = config.facts;
    for job in &facts.jobs {
        assert!(job.target_labels.contains("instance"), "{job:?}");
        assert!(
            !job.target_labels.iter().any(|l| l.starts_with("__")),
            "{job:?}"
        );
    }
    if let Some(names) = facts.job_names() {
        assert!(names.windows(2).all(|w| w[0] < w[1]), "sorted, unique");
    }
    lint("prometheus.yml", text.clone().into_bytes(), false);
    let rules = generate::rule_file(&mut choices);
    let with_catalog = choices.flip();
    let options = Options {
        prometheus: Some(std::sync::Arc::new(facts)),
        ..Options::default()
    };
    let outcome = pipeline::run_bytes(
        "rules.yml",
        rules.into_bytes(),
        &options,
        with_catalog.then(catalog),
    );
    assert!(outcome.io_errors.is_empty(), "{:?}", outcome.io_errors);
    render_everything(&outcome.report);
}
