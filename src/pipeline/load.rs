//! Reading one file and turning it into its model.

use super::Options;
use crate::checks::context::{ExprOrigin, ParsedExpr};
use crate::checks::input::{invalid, unrecognized};
use crate::checks::yaml::syntax;
use crate::config::suppress::Suppressions;
use crate::dashboards::DashboardFile;
use crate::diagnostic::Diagnostic;
use crate::discover::{describe_io_error, Candidate, DiscoverError, FileKind};
use crate::markdown::BlockLanguage;
use crate::rules::model::is_rule_document;
use crate::rules::{Group, Rule, RuleFile, RuleKind};
use crate::source::SourceFile;
use crate::yaml::parse_documents;
use std::io::Read;
use std::sync::Arc;

/// What a file was read into.
#[derive(Debug)]
pub enum Model {
    /// A Prometheus rule file (plain or `PrometheusRule` documents).
    Rules(RuleFile),
    /// Grafana dashboards (a `.json` file, or the JSON values of a ConfigMap), each with
    /// its PromQL queries found, expanded and parsed once.
    Dashboards(DashboardFile),
    /// A Prometheus configuration file (prometheus.yml).
    /// Boxed: the facts and their lookups are large beside the other models.
    PromConfig(Box<crate::promconfig::PromConfig>),
    /// A promtool unit-test file (`promtool test rules`), with its `rule_files` resolved.
    RuleTest(Box<crate::eval::ruletest::lint::CheckedTestFile>),
}

/// A file that will be reported on: its text, its model (when it could be built), and
/// the diagnostics loading produced (YAML errors, unreadable content).
#[derive(Debug)]
pub struct Loaded {
    pub file: Arc<SourceFile>,
    pub model: Option<Model>,
    /// Every PromQL expression of the model, parsed once.
    pub exprs: Vec<ParsedExpr>,
    pub diagnostics: Vec<Diagnostic>,
    /// `# promgate: ignore[...]` comments of a YAML file, found while its tree exists.
    pub suppressions: Option<Suppressions>,
}

impl Loaded {
    fn problem(file: SourceFile, diagnostic: Diagnostic) -> Loaded {
        Loaded::problem_in(Arc::new(file), diagnostic)
    }

    fn problem_in(file: Arc<SourceFile>, diagnostic: Diagnostic) -> Loaded {
        Loaded {
            file,
            model: None,
            suppressions: None,
            exprs: Vec::new(),
            diagnostics: vec![diagnostic],
        }
    }

    fn with_model(file: SourceFile, model: Model, diagnostics: Vec<Diagnostic>) -> Loaded {
        let exprs = match &model {
            Model::Rules(rule_file) => rule_exprs(rule_file),
            // A dashboard query's text depends on variables: the dashboard checks run the
            // expression checks on it themselves, dropping findings about text a
            // variable decides (`checks::dashboard::expr`).
            // A unit-test file's expressions are checked by `ruletest/expr`, which reports
            // what stops promtool (syntax), not the rule-quality checks.
            Model::Dashboards(_) | Model::PromConfig(_) | Model::RuleTest(_) => Vec::new(),
        };
        Loaded {
            file: Arc::new(file),
            model: Some(model),
            exprs,
            diagnostics,
            suppressions: None,
        }
    }

    fn with_suppressions(mut self, suppressions: Option<Suppressions>) -> Loaded {
        self.suppressions = suppressions;
        self
    }
}

/// The file's suppression comments, when it has any (most files have none, and the
/// text search is cheaper than walking the tree).
fn suppressions(file: &SourceFile, documents: &[crate::yaml::Document]) -> Option<Suppressions> {
    if !file.text.contains("promgate:") {
        return None;
    }
    let found = Suppressions::scan(file, documents);
    (!found.is_empty()).then_some(found)
}

/// The rules that have a non-empty `expr`, in file order: the rule behind each entry of
/// `Loaded::exprs` of a rule file, index for index.
pub(super) fn rules_with_expr(
    rule_file: &RuleFile,
) -> impl Iterator<Item = (&Group, &Rule, &crate::yaml::Scalar)> {
    rule_file.rules().filter_map(|(group, rule)| {
        let scalar = rule.expr.as_ref()?.value.as_scalar()?;
        (!scalar.value.trim().is_empty()).then_some((group, rule, scalar))
    })
}

/// The `expr` of every rule, decoded, with its scalar's map. Empty ones are left to
/// `rules/schema`. Rules with the same text share one parse ([`ParsedExpr::sharing`]),
/// and a group's expressions share its name.
fn rule_exprs(rule_file: &RuleFile) -> Vec<ParsedExpr> {
    // Sized exactly: a file may hold hundreds of thousands of expressions, and growing
    // by doubling would hold the old and the new buffer at once.
    let mut exprs = Vec::with_capacity(rules_with_expr(rule_file).count());
    let mut seen = rustc_hash::FxHashMap::default();
    let mut group_name: Option<(&Group, Arc<str>)> = None;
    for (group, rule, scalar) in rules_with_expr(rule_file) {
        let group = match &group_name {
            Some((last, name)) if std::ptr::eq(*last, group) => Arc::clone(name),
            _ => {
                let name: Arc<str> = Arc::from(group.name());
                group_name = Some((group, Arc::clone(&name)));
                name
            }
        };
        let name: Box<str> = rule.name().unwrap_or("").into();
        let origin = match rule.kind() {
            Some(RuleKind::Recording) => ExprOrigin::RecordingRule { group, name },
            _ => ExprOrigin::AlertingRule { group, name },
        };
        exprs.push(ParsedExpr::sharing(
            &scalar.value,
            scalar.map.clone(),
            origin,
            &mut seen,
        ));
    }
    exprs
}

/// Loads a candidate into the units its checks run on: one for a rule file or a
/// dashboard file, one per lintable fenced block for a Markdown file. Empty: a file met
/// while walking that is not ours (skipped quietly). `Err`: the file could not be read
/// at all (exit status 2).
pub fn load(candidate: &Candidate, options: &Options) -> Result<Vec<Loaded>, DiscoverError> {
    // `--fix` lints its fixed texts again before writing them.
    if let Some(text) = options
        .overlay
        .as_ref()
        .and_then(|overlay| overlay.get(&candidate.display))
    {
        let file = SourceFile::new(candidate.display.clone(), text.clone());
        return Ok(load_file(file, candidate.kind, candidate.explicit, options));
    }
    let preloaded = options.preloaded.as_deref();
    if let Some(units) = preloaded.and_then(|preloaded| preloaded.take_file(candidate)) {
        return units;
    }
    let io_error = |error: std::io::Error| DiscoverError {
        path: candidate.display.clone(),
        message: describe_io_error(&error),
    };
    // Look before opening: opening a FIFO blocks, and a device never ends.
    let meta = std::fs::metadata(&candidate.path).map_err(io_error)?;
    if let Some(message) = crate::discover::special_file(&meta) {
        return Err(DiscoverError {
            path: candidate.display.clone(),
            message,
        });
    }
    let handle = std::fs::File::open(&candidate.path).map_err(io_error)?;
    let size = handle.metadata().map_err(io_error)?.len();
    let empty_file = || SourceFile::new(candidate.display.clone(), String::new());
    if size > options.max_file_bytes {
        let diagnostic = invalid::too_large(size, options.max_file_bytes);
        return Ok(vec![Loaded::problem(empty_file(), diagnostic)]);
    }
    let mut bytes = Vec::with_capacity(size as usize);
    // `take` bounds memory even if the file grows between the size check and the read.
    handle
        .take(options.max_file_bytes + 1)
        .read_to_end(&mut bytes)
        .map_err(io_error)?;
    if bytes.len() as u64 > options.max_file_bytes {
        let diagnostic = invalid::too_large(bytes.len() as u64, options.max_file_bytes);
        return Ok(vec![Loaded::problem(empty_file(), diagnostic)]);
    }
    let text = match decode_text(bytes) {
        Ok(text) => text,
        Err(problem) => {
            let (prefix, diagnostic) = *problem;
            let file = SourceFile::new(candidate.display.clone(), prefix);
            return Ok(vec![Loaded::problem(file, diagnostic)]);
        }
    };
    if candidate.kind == FileKind::Yaml {
        if let Some(unit) = preloaded.and_then(|p| scanned_config(p, &candidate.display, &text)) {
            return Ok(vec![unit]);
        }
    }
    let file = SourceFile::new(candidate.display.clone(), text);
    Ok(load_file(file, candidate.kind, candidate.explicit, options))
}

/// The unit of a configuration the scan before the run read from the same text, built
/// from that reading: what [`load_yaml`] would build, without parsing and validating
/// the file again.
fn scanned_config(
    preloaded: &super::preload::Preloaded,
    display: &str,
    text: &str,
) -> Option<Loaded> {
    let folder = std::path::Path::new(display)
        .parent()
        .map(std::path::Path::to_path_buf)
        .unwrap_or_default();
    let scanned = preloaded.take_config(display, text, &folder)?;
    // A named configuration is read whatever its shape; the loader reads it as a
    // configuration only when it is shaped like one.
    if !scanned
        .documents
        .first()
        .is_some_and(crate::promconfig::is_config_document)
    {
        return None;
    }
    let file = SourceFile::new(display, scanned.text);
    let found = suppressions(&file, &scanned.documents);
    Some(config_unit(file, &scanned.documents, scanned.config, found))
}

/// A configuration's unit: reports quote the file with its secrets overwritten.
fn config_unit(
    file: SourceFile,
    documents: &[crate::yaml::Document],
    config: crate::promconfig::PromConfig,
    found: Option<Suppressions>,
) -> Loaded {
    let redacted = crate::promconfig::redact(&file.text, documents);
    let file = SourceFile::new(file.path, redacted);
    let model = Model::PromConfig(Box::new(config));
    Loaded::with_model(file, model, Vec::new()).with_suppressions(found)
}

/// The units of a decoded file.
fn load_file(file: SourceFile, kind: FileKind, explicit: bool, options: &Options) -> Vec<Loaded> {
    match kind {
        FileKind::Yaml => load_yaml(file, explicit, Some(options))
            .into_iter()
            .collect(),
        FileKind::Json => load_json(file, explicit).into_iter().collect(),
        FileKind::Markdown => load_markdown(file, explicit),
    }
}

/// Loads a text that is not on disk, as an explicitly named file.
pub fn load_text(display: &str, text: String, kind: FileKind, options: &Options) -> Vec<Loaded> {
    load_bytes(display, text.into_bytes(), kind, options)
}

/// Loads bytes that are not on disk (`--stdin`), as an explicitly named file. Bytes that
/// are not UTF-8 text get the same `input/invalid` finding as a file on disk (exit 1).
pub fn load_bytes(display: &str, bytes: Vec<u8>, kind: FileKind, options: &Options) -> Vec<Loaded> {
    if bytes.len() as u64 > options.max_file_bytes {
        let diagnostic = invalid::too_large(bytes.len() as u64, options.max_file_bytes);
        return vec![Loaded::problem(
            SourceFile::new(display, String::new()),
            diagnostic,
        )];
    }
    let text = match decode_text(bytes) {
        Ok(text) => text,
        Err(problem) => {
            let (prefix, diagnostic) = *problem;
            return vec![Loaded::problem(
                SourceFile::new(display, prefix),
                diagnostic,
            )];
        }
    };
    load_file(SourceFile::new(display, text), kind, true, options)
}

/// Loads a text that is not on disk. `explicit: false` treats it like a file met while
/// walking a folder (an editor's open buffer): YAML or JSON that is neither a rule
/// file nor a dashboard gives no unit, not a diagnostic.
pub fn load_text_as(
    display: &str,
    text: String,
    kind: FileKind,
    options: &Options,
    explicit: bool,
) -> Vec<Loaded> {
    if text.len() as u64 > options.max_file_bytes {
        let diagnostic = invalid::too_large(text.len() as u64, options.max_file_bytes);
        return vec![Loaded::problem(
            SourceFile::new(display, String::new()),
            diagnostic,
        )];
    }
    let text = match decode_text(text.into_bytes()) {
        Ok(text) => text,
        Err(problem) => {
            let (prefix, diagnostic) = *problem;
            return vec![Loaded::problem(
                SourceFile::new(display, prefix),
                diagnostic,
            )];
        }
    };
    load_file(SourceFile::new(display, text), kind, explicit, options)
}

/// The file's text, or the valid text before the first NUL or non-UTF-8 byte with the
/// diagnostic pointing there.
fn decode_text(bytes: Vec<u8>) -> Result<String, Box<(String, Diagnostic)>> {
    if let Some(nul) = memchr::memchr(0, &bytes) {
        let prefix = String::from_utf8_lossy(&bytes[..nul]).into_owned();
        // Report at the NUL's place in the (lossily decoded) prefix.
        let at = prefix.len();
        return Err(Box::new((prefix, invalid::binary(at))));
    }
    String::from_utf8(bytes).map_err(|error| {
        let valid = error.utf8_error().valid_up_to();
        let bytes = error.into_bytes();
        let byte = bytes[valid];
        let prefix = String::from_utf8(bytes[..valid].to_vec()).unwrap_or_default();
        Box::new((prefix, invalid::not_utf8(valid, byte)))
    })
}

/// `on_disk`: the file is where its relative paths start (not a block of a guide), read
/// with these options.
fn load_yaml(file: SourceFile, explicit: bool, on_disk: Option<&Options>) -> Option<Loaded> {
    let documents = match parse_documents(&file) {
        Ok(documents) => documents,
        Err(error) => {
            // A broken YAML file met while walking is reported only if it looks like
            // a rule file; other YAML is not ours to judge.
            if !explicit && !looks_like_rule_file(&file.text) {
                return None;
            }
            // It may be a Prometheus configuration: keep its secrets out of the report.
            let file = SourceFile::new(
                file.path.clone(),
                crate::promconfig::redact_lines(&file.text),
            );
            let diagnostic = syntax::diagnose(&file, &error);
            return Some(Loaded::problem(file, diagnostic));
        }
    };
    let found = suppressions(&file, &documents);
    if documents
        .first()
        .is_some_and(crate::promconfig::is_config_document)
    {
        let config = match on_disk {
            Some(options) => {
                let files = super::prometheus_scan::RunFiles::on_disk(options);
                super::prometheus_scan::read_config(&documents, &config_folder(&file), &files)
            }
            None => crate::promconfig::read(&documents),
        };
        return Some(config_unit(file, &documents, config, found));
    }
    if documents
        .first()
        .is_some_and(|document| crate::eval::ruletest::lint::is_test_document(document, explicit))
    {
        let folder = on_disk.map(|_| config_folder(&file));
        let checked = crate::eval::ruletest::lint::read(&documents, folder.as_deref());
        let model = Model::RuleTest(Box::new(checked));
        return Some(Loaded::with_model(file, model, Vec::new()).with_suppressions(found));
    }
    if documents.iter().any(is_rule_document) {
        let model = Model::Rules(RuleFile::from_documents(documents));
        return Some(Loaded::with_model(file, model, Vec::new()).with_suppressions(found));
    }
    if let Some(loaded) = crate::dashboards::configmap::load_documents(&documents) {
        if loaded.recognised || explicit {
            let model = Model::Dashboards(DashboardFile::new(loaded));
            return Some(Loaded::with_model(file, model, Vec::new()).with_suppressions(found));
        }
    }
    if !explicit {
        return None;
    }
    let diagnostic = match documents.iter().find_map(|d| d.root.as_ref()) {
        Some(root) if !root.is_null() => {
            unrecognized::not_a_rule_file(root.span.start..root.span.start)
        }
        _ => unrecognized::empty(),
    };
    Some(Loaded::problem(file, diagnostic))
}

/// The folder a config file's (or a unit-test file's) relative `rule_files` are
/// resolved against.
fn config_folder(file: &SourceFile) -> std::path::PathBuf {
    std::path::Path::new(&file.path)
        .parent()
        .map(std::path::Path::to_path_buf)
        .unwrap_or_default()
}

/// JSON files are Grafana dashboards. JSON met while walking that does not look like a
/// dashboard (`package.json`, ...) is skipped.
fn load_json(file: SourceFile, explicit: bool) -> Option<Loaded> {
    let loaded = crate::dashboards::load_file(&file);
    if !loaded.recognised && !explicit {
        return None;
    }
    if file.text.trim().is_empty() {
        return Some(Loaded::problem(file, unrecognized::empty()));
    }
    // Load problems (invalid JSON, not a dashboard) are reported by `dashboard/schema`.
    let model = Model::Dashboards(DashboardFile::new(loaded));
    Some(Loaded::with_model(file, model, Vec::new()))
}

/// A Markdown file: each fenced block that holds a rule file, a dashboard or a PromQL
/// expression is a unit of its own, read like a file met while walking (other blocks,
/// a `docker-compose` file or a shell session, are skipped quietly). Every unit reports
/// on the Markdown file itself: the block is parsed in place (`markdown::Fence::isolate`),
/// so its spans are the Markdown file's.
fn load_markdown(file: SourceFile, explicit: bool) -> Vec<Loaded> {
    load_markdown_within(file, explicit, MARKDOWN_BYTES_BUDGET)
}

fn load_markdown_within(file: SourceFile, explicit: bool, budget: usize) -> Vec<Loaded> {
    let file = Arc::new(file);
    let mut units = Vec::new();
    // Reading a block in place costs the file's length up to the block: a budget keeps
    // a file of thousands of blocks from taking quadratic time.
    let mut budget = budget;
    let mut shown: Option<String> = None;
    let lintable = crate::markdown::fenced_blocks(&file.text)
        .into_iter()
        .filter(|fence| fence.language != BlockLanguage::Other);
    for (linted, fence) in lintable.enumerate() {
        // A YAML or JSON block is read in place (the text before it too); a PromQL
        // block on its own.
        let cost = match fence.language {
            BlockLanguage::Promql => fence.content.len(),
            _ => fence.content.end,
        };
        let Some(left) = budget.checked_sub(cost) else {
            let diagnostic = invalid::too_many_blocks(fence.content.start, linted);
            units.push(Loaded::problem_in(Arc::clone(&file), diagnostic));
            break;
        };
        budget = left;
        let isolated = || SourceFile::new(file.path.clone(), fence.isolate(&file.text));
        let unit = match fence.language {
            // A configuration in a guide names paths of another machine.
            BlockLanguage::Yaml => load_yaml(isolated(), false, None),
            BlockLanguage::Json => load_json(isolated(), false),
            BlockLanguage::Promql => promql_block(&fence, &file.text),
            BlockLanguage::Other => None,
        };
        if let Some(unit) = unit {
            if fence.language == BlockLanguage::Yaml {
                keep_redactions(&mut shown, &file.text, &unit.file.text, &fence.content);
            }
            units.push(unit);
        }
    }
    // Same offsets, the real text: snippets show the guide around the block, with any
    // configuration's secrets blanked as in a prometheus.yml on its own.
    let file = match shown {
        Some(text) => Arc::new(SourceFile::new(file.path.clone(), text)),
        None => file,
    };
    for unit in &mut units {
        unit.file = Arc::clone(&file);
    }
    if units.is_empty() && explicit {
        units.push(Loaded::problem_in(file, unrecognized::no_lintable_block()));
    }
    units
}

/// A YAML block's loader blanks a Prometheus configuration's secrets in its copy of the
/// guide (same byte length): carry those blanks into the text reports show. A copy that
/// does not line up is not trusted: the whole block is blanked instead.
fn keep_redactions(
    shown: &mut Option<String>,
    original: &str,
    loaded: &str,
    block: &std::ops::Range<usize>,
) {
    let Some(loaded_block) = loaded.get(block.clone()) else {
        let blank: String = original[block.clone()]
            .chars()
            .map(|c| match c {
                '\n' => "\n".to_string(),
                other => " ".repeat(other.len_utf8()),
            })
            .collect();
        shown
            .get_or_insert_with(|| original.to_string())
            .replace_range(block.clone(), &blank);
        return;
    };
    if loaded_block != &original[block.clone()] {
        shown
            .get_or_insert_with(|| original.to_string())
            .replace_range(block.clone(), loaded_block);
    }
}

/// How many bytes of isolated block text one Markdown file may cost (the sum, over its
/// lintable blocks, of the file's length up to each YAML or JSON block's end): dozens of
/// large guides' worth, far beyond any real document.
const MARKDOWN_BYTES_BUDGET: usize = 64 << 20;

/// A ```` ```promql ```` block: one expression, checked as a rule's would be. A query
/// written for Grafana (`$job`, `$__rate_interval`) is valid only once Grafana fills in
/// its variables, so its syntax errors are not reported and its names may be
/// placeholders.
fn promql_block(fence: &crate::markdown::Fence, text: &str) -> Option<Loaded> {
    let (start, source) = fence.text(text);
    if source.trim().is_empty() {
        return None;
    }
    let map = crate::source::OffsetMap::identity(start, source.len());
    let templated = source.contains('$') || source.contains("[[");
    let mut parsed = ParsedExpr::new(source, map, ExprOrigin::Standalone);
    parsed.uncertain = templated;
    Some(Loaded {
        file: Arc::new(SourceFile::new(String::new(), String::new())),
        model: None,
        exprs: vec![parsed],
        diagnostics: Vec::new(),
        suppressions: None,
    })
}

/// A text search for a rule file's landmarks, for files whose YAML does not parse.
fn looks_like_rule_file(text: &str) -> bool {
    text.lines().any(|line| {
        line.starts_with("groups:")
            || line.trim_start().starts_with("kind: PrometheusRule")
            || line.trim_start().starts_with("- alert:")
            || line.trim_start().starts_with("- record:")
            || line.starts_with("scrape_configs:")
            || line.starts_with("rule_files:")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_bytes_are_reported_where_they_are() {
        let (prefix, diagnostic) = *decode_text(b"groups:\n  - x\0y".to_vec()).unwrap_err();
        assert_eq!(prefix, "groups:\n  - x");
        assert_eq!(diagnostic.span, 13..13);
        assert_eq!(diagnostic.code, "input/invalid");
        // Past the first vector-sized blocks of the search, the first NUL still wins.
        let mut long = "a: b\n".repeat(40).into_bytes();
        long.extend(b"c\0d\0");
        let (prefix, diagnostic) = *decode_text(long).unwrap_err();
        assert_eq!(prefix.len(), 201);
        assert_eq!(diagnostic.span, 201..201);
    }

    #[test]
    fn invalid_utf8_is_reported_at_the_first_bad_byte() {
        let (prefix, diagnostic) = *decode_text(b"a: caf\xe9\n".to_vec()).unwrap_err();
        assert_eq!(prefix, "a: caf");
        assert_eq!(diagnostic.span, 6..6);
        assert!(diagnostic.message.contains("0xE9"));
    }

    #[test]
    fn a_markdown_file_with_too_many_blocks_is_linted_up_to_the_budget() {
        let block = "```yaml\ngroups: []\n```\n";
        let count = 2_000;
        let text = block.repeat(count);
        // Each block costs the text up to its end: the sum is over a 1 MiB budget.
        let units = load_markdown_within(SourceFile::new("big.md", text), false, 1 << 20);
        let last = units.last().expect("units");
        assert_eq!(last.diagnostics[0].code, "input/invalid");
        assert!(units.len() > 100 && units.len() < count, "{}", units.len());
    }

    #[test]
    fn rule_file_landmarks_are_found_in_broken_yaml() {
        assert!(looks_like_rule_file("groups:\n\t- name: x"));
        assert!(looks_like_rule_file("{{ if }}\nkind: PrometheusRule\n"));
        assert!(!looks_like_rule_file("apiVersion: v1\nkind: ConfigMap\n"));
    }
}
