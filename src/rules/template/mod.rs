//! Go `text/template` parsing as Prometheus does it for alert labels and annotations.
//!
//! Prometheus prepends `{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}
//! {{$externalURL := .ExternalURL}}{{$value := .Value}}` and parses with its function
//! map; [`parse_prometheus`] gives the same verdict with the error's exact span, and the
//! tree, so checks can ask which labels a template reads.

pub mod ast;
mod lexer;
mod parser;

pub use ast::{Command, Control, Definition, Node, Operand, Pipeline, Segment, Template};
pub use parser::{MAX_CONTROL_DEPTH, MAX_PAREN_DEPTH};

use crate::rules::{RuleFile, RuleKind};
// Fx: the keys are texts of this run, and SipHash over every alert label and
// annotation looked up was 1.5% of a run on 10,000 rules.
use rustc_hash::FxHashMap as HashMap;
use std::ops::Range;
use std::sync::{Arc, Mutex, OnceLock};

/// A template that does not parse: Go's message, and the bytes it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    pub span: Range<usize>,
    pub message: String,
}

/// Functions of Go's `text/template` itself.
pub const GO_BUILTINS: &[&str] = &[
    "and", "call", "html", "index", "slice", "js", "len", "not", "or", "print", "printf",
    "println", "urlquery", "eq", "ge", "gt", "le", "lt", "ne",
];

/// Prometheus' template function map (`template.NewTemplateExpander`).
pub const PROMETHEUS_FUNCTIONS: &[&str] = &[
    "query",
    "first",
    "label",
    "value",
    "strvalue",
    "args",
    "reReplaceAll",
    "safeHtml",
    "match",
    "title",
    "toUpper",
    "toLower",
    "graphLink",
    "tableLink",
    "sortByLabel",
    "stripPort",
    "stripDomain",
    "humanize",
    "humanize1024",
    "humanizeDuration",
    "humanizePercentage",
    "humanizeTimestamp",
    "toTime",
    "toDuration",
    "now",
    "pathPrefix",
    "externalURL",
    "parseDuration",
    "urlQueryEscape",
];

/// Variables Prometheus defines before every alert template.
pub const PROMETHEUS_VARIABLES: &[&str] = &["$labels", "$externalLabels", "$externalURL", "$value"];

pub fn is_prometheus_function(name: &str) -> bool {
    PROMETHEUS_FUNCTIONS.contains(&name) || GO_BUILTINS.contains(&name)
}

/// Parses an alert label or annotation value the way Prometheus does.
pub fn parse_prometheus(text: &str) -> Result<Template, TemplateError> {
    parser::parse_with(text, &is_prometheus_function, PROMETHEUS_VARIABLES)
}

/// Parses with a custom function set and top-level variables.
pub fn parse_with<'a>(
    text: &'a str,
    functions: &dyn Fn(&str) -> bool,
    variables: &[&'a str],
) -> Result<Template, TemplateError> {
    parser::parse_with(text, functions, variables)
}

/// The alert templates of a rule file (labels and annotations of alerting rules that
/// hold an action), each parsed once: `template/syntax`, `template/label` and the
/// external-label check all read this instead of parsing again. Keyed by text: a file
/// repeats the same annotation across many rules, and a text parses the same way
/// wherever it stands.
#[derive(Debug, Default)]
pub struct ParsedTemplates<'a> {
    by_text: HashMap<&'a str, Arc<Parsed>>,
}

/// A template's parse, or why it does not parse.
pub type ParseResult = Result<Template, TemplateError>;

/// A template's parse and, once asked, the alert labels it reads: each alerting rule
/// that uses the template asks `template/label` for them, and the answer depends on the
/// text alone.
#[derive(Debug)]
pub struct Parsed {
    result: ParseResult,
    label_references: OnceLock<Vec<LabelReference>>,
    /// The `$externalLabels` references, for `prometheus/external-labels`: every
    /// alert of a repository may read `$externalLabels.cluster` in one description.
    external_label_references: OnceLock<Vec<LabelReference>>,
}

impl Parsed {
    fn new(text: &str) -> Parsed {
        Parsed {
            result: parse_prometheus(text),
            label_references: OnceLock::new(),
            external_label_references: OnceLock::new(),
        }
    }

    /// The parse, or the error.
    pub fn result(&self) -> &ParseResult {
        &self.result
    }

    /// [`Template::label_references`] of the template, computed on first use; `None`
    /// when it does not parse.
    pub fn label_references(&self) -> Option<&[LabelReference]> {
        let template = self.result.as_ref().ok()?;
        Some(
            self.label_references
                .get_or_init(|| template.label_references()),
        )
    }

    /// [`Template::external_label_references`] of the template, computed on first use;
    /// `None` when it does not parse.
    pub fn external_label_references(&self) -> Option<&[LabelReference]> {
        let template = self.result.as_ref().ok()?;
        Some(
            self.external_label_references
                .get_or_init(|| template.external_label_references()),
        )
    }
}

impl<'a> ParsedTemplates<'a> {
    /// Parses every alert template of `file`.
    pub fn of(file: &'a RuleFile) -> Self {
        Self::of_with(file, None)
    }

    /// [`ParsedTemplates::of`], taking each parse from `cache` when another file of
    /// the run already parsed the same text (and adding the ones it parses).
    pub fn of_with(file: &'a RuleFile, cache: Option<&TemplateCache>) -> Self {
        let mut by_text = HashMap::default();
        for (_, rule) in file.rules() {
            // Prometheus expands templates only for alerts.
            if rule.kind() != Some(RuleKind::Alerting) {
                continue;
            }
            for pair in rule.labels.iter().chain(&rule.annotations) {
                if let Some(text) = pair.scalar().and_then(template_text) {
                    by_text.entry(text).or_insert_with(|| match cache {
                        Some(cache) => cache.parse(text),
                        None => Arc::new(Parsed::new(text)),
                    });
                }
            }
        }
        ParsedTemplates { by_text }
    }

    /// The parse of an alert label or annotation value; `None` for a value without an
    /// action (plain text: nothing in it to parse or to read) or of another rule file.
    pub fn get(&self, text: &str) -> Option<&ParseResult> {
        self.parsed(text).map(Parsed::result)
    }

    /// [`ParsedTemplates::get`] with the labels the template reads, shared by every
    /// rule (and, through a [`TemplateCache`], every file) that uses the same text.
    pub fn parsed(&self, text: &str) -> Option<&Parsed> {
        self.by_text.get(text).map(|parsed| &**parsed)
    }
}

/// The alert templates parsed so far in a run, shared by the files checked in
/// parallel: rule files of one repository repeat the same summaries and descriptions
/// (`{{ $labels.instance }} is down`), and a parse depends on the text alone (its
/// spans are offsets in the text), so each distinct text is parsed once per run.
/// Parsing was ~15,000 instructions per template, 8% of a run on 10,000 rules.
#[derive(Debug, Default)]
pub struct TemplateCache {
    parsed: Mutex<HashMap<Box<str>, Arc<Parsed>>>,
}

impl TemplateCache {
    /// The parse of `text`, from the cache or parsed now. The lock is not held while
    /// parsing: two threads may parse the same text at once, and both get the first
    /// one stored (the parses are equal).
    pub fn parse(&self, text: &str) -> Arc<Parsed> {
        if let Some(parsed) = self.lock().get(text) {
            return Arc::clone(parsed);
        }
        let parsed = Arc::new(Parsed::new(text));
        Arc::clone(self.lock().entry(text.into()).or_insert(parsed))
    }

    /// How many distinct texts are cached.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether nothing is cached yet.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Box<str>, Arc<Parsed>>> {
        // A panic while holding the lock leaves the map consistent (inserts are whole).
        self.parsed
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The text of a scalar that is a template worth parsing: not null, with an action.
fn template_text(scalar: &crate::yaml::Scalar) -> Option<&str> {
    (!scalar.is_null() && scalar.value.contains("{{")).then_some(scalar.value.as_str())
}

/// A label of the alert that a template reads: `$labels.X`, `.Labels.X`,
/// `index $labels "X"` or `index .Labels "X"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelReference {
    pub name: String,
    /// The label name's bytes in the template text (inside the quotes for `index`).
    pub span: Range<usize>,
}

impl Template {
    /// Every alert label the template reads, in source order. `.Labels.X` counts only
    /// where the dot is still the alert (not inside `range` or `with`), and nothing in
    /// `define`/`block` bodies counts because `$labels` is not visible there.
    pub fn label_references(&self) -> Vec<LabelReference> {
        let mut refs = Vec::new();
        collect_nodes(&self.root, true, &mut refs);
        refs.sort_by_key(|r| r.span.start);
        refs
    }

    /// Every external label the template reads: `$externalLabels.X` or
    /// `.ExternalLabels.X` (where the dot is still the alert), in source order.
    pub fn external_label_references(&self) -> Vec<LabelReference> {
        let mut refs = Vec::new();
        walk_operands(&self.root, &mut |operand, dot_is_alert| match operand {
            Operand::Variable(segments)
                if segments.len() >= 2 && segments[0].name == "$externalLabels" =>
            {
                refs.push(LabelReference {
                    name: segments[1].name.clone(),
                    span: segments[1].span.clone(),
                });
            }
            Operand::Field(segments)
                if dot_is_alert && segments.len() >= 2 && segments[0].name == "ExternalLabels" =>
            {
                refs.push(LabelReference {
                    name: segments[1].name.clone(),
                    span: segments[1].span.clone(),
                });
            }
            _ => {}
        });
        refs.sort_by_key(|r| r.span.start);
        refs
    }

    /// Whether the template reads `$value` or `.Value`.
    pub fn uses_value(&self) -> bool {
        let mut found = false;
        walk_operands(&self.root, &mut |operand, dot_is_alert| match operand {
            Operand::Variable(segments) if segments[0].name == "$value" => found = true,
            Operand::Field(segments) if dot_is_alert && segments[0].name == "Value" => found = true,
            _ => {}
        });
        found
    }
}

fn collect_nodes(nodes: &[Node], dot_is_alert: bool, refs: &mut Vec<LabelReference>) {
    walk_nodes(nodes, dot_is_alert, &mut |operand, dot_is_alert| {
        collect_operand(operand, dot_is_alert, refs)
    });
}

fn is_labels(operand: &Operand, dot_is_alert: bool) -> bool {
    match operand {
        Operand::Variable(segments) => segments.len() == 1 && segments[0].name == "$labels",
        Operand::Field(segments) => {
            dot_is_alert && segments.len() == 1 && segments[0].name == "Labels"
        }
        _ => false,
    }
}

fn collect_operand(operand: &Operand, dot_is_alert: bool, refs: &mut Vec<LabelReference>) {
    match operand {
        Operand::Variable(segments) if segments.len() >= 2 && segments[0].name == "$labels" => {
            refs.push(LabelReference {
                name: segments[1].name.clone(),
                span: segments[1].span.clone(),
            });
        }
        Operand::Field(segments)
            if dot_is_alert && segments.len() >= 2 && segments[0].name == "Labels" =>
        {
            refs.push(LabelReference {
                name: segments[1].name.clone(),
                span: segments[1].span.clone(),
            });
        }
        _ => {}
    }
}

/// Visits every operand with whether `.` is still the alert data at that point.
fn walk_operands(nodes: &[Node], visit: &mut dyn FnMut(&Operand, bool)) {
    walk_nodes(nodes, true, visit);
}

fn walk_nodes(nodes: &[Node], dot_is_alert: bool, visit: &mut dyn FnMut(&Operand, bool)) {
    // Controls nest up to `MAX_CONTROL_DEPTH`: walk them on a growing stack.
    parser::grow_stack(|| walk_nodes_inner(nodes, dot_is_alert, visit))
}

fn walk_nodes_inner(nodes: &[Node], dot_is_alert: bool, visit: &mut dyn FnMut(&Operand, bool)) {
    for node in nodes {
        match node {
            Node::Action(pipe) => walk_pipeline(pipe, dot_is_alert, visit),
            Node::If(control) => {
                walk_pipeline(&control.pipe, dot_is_alert, visit);
                walk_nodes(&control.list, dot_is_alert, visit);
                walk_nodes(&control.else_list, dot_is_alert, visit);
            }
            Node::Range(control) | Node::With(control) => {
                walk_pipeline(&control.pipe, dot_is_alert, visit);
                walk_nodes(&control.list, false, visit);
                walk_nodes(&control.else_list, dot_is_alert, visit);
            }
            Node::Template {
                pipe: Some(pipe), ..
            } => walk_pipeline(pipe, dot_is_alert, visit),
            _ => {}
        }
    }
}

fn walk_pipeline(pipe: &Pipeline, dot_is_alert: bool, visit: &mut dyn FnMut(&Operand, bool)) {
    for command in &pipe.commands {
        walk_command(command, dot_is_alert, visit);
    }
}

fn walk_command(command: &Command, dot_is_alert: bool, visit: &mut dyn FnMut(&Operand, bool)) {
    // `index $labels "x"` reads label x.
    if let [Operand::Identifier(function), target, Operand::String { value, span }, ..] =
        command.args.as_slice()
    {
        if function.name == "index" && is_labels(target, dot_is_alert) {
            visit(
                &Operand::Variable(vec![
                    Segment {
                        name: "$labels".to_string(),
                        span: target.span(),
                    },
                    Segment {
                        name: value.clone(),
                        span: span.start + 1..span.end.saturating_sub(1).max(span.start + 1),
                    },
                ]),
                true,
            );
        }
    }
    for operand in &command.args {
        walk_operand(operand, dot_is_alert, visit);
    }
}

fn walk_operand(operand: &Operand, dot_is_alert: bool, visit: &mut dyn FnMut(&Operand, bool)) {
    visit(operand, dot_is_alert);
    match operand {
        Operand::Pipeline(pipe) => parser::grow_stack(|| walk_pipeline(pipe, dot_is_alert, visit)),
        Operand::Chain { node, .. } => {
            parser::grow_stack(|| walk_operand(node, dot_is_alert, visit))
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(text: &str) -> String {
        parse_prometheus(text).expect_err(text).message
    }

    fn error_at(text: &str) -> (String, &str) {
        let e = parse_prometheus(text).expect_err(text);
        (e.message, &text[e.span])
    }

    #[test]
    fn accepts_what_prometheus_accepts() {
        for text in [
            "plain text",
            "{{ $labels.instance }} is down",
            "{{ $value | humanizePercentage }}",
            "{{ printf \"%.2f\" $value }}",
            "{{- if gt $value 0.5 -}}high{{- else if lt $value 0.1 }}low{{ else }}mid{{ end }}",
            "{{ range $i, $e := query \"up\" }}{{ $e.Labels.job }}{{ end }}",
            "{{ with query \"up\" }}{{ . | first | value }}{{ end }}",
            "{{/* a comment */}}x",
            "{{ $x := 1 }}{{ $x = 2 }}{{ $x }}",
            "{{ (query \"up\" | first).Labels.job }}",
            "{{ `raw {{ string` }}",
            "{{ 'c' }} {{ 0x1F }} {{ 1e3 }} {{ -1.5 }}",
            "{{ .Labels.job }} {{ .Value }} {{ .ExternalURL }}",
            "{{ range query \"up\" }}{{ if . }}{{ break }}{{ end }}{{ continue }}{{ end }}",
            "{{ define \"x\" }}y{{ end }}{{ template \"x\" . }}",
            "{{ block \"b\" . }}z{{ end }}",
            "{{ index $labels \"instance\" }}",
            "{{\n  $labels.instance\n}}",
            "{{ reReplaceAll \"(.*):.*\" \"$1\" $labels.instance }}",
            "{{ $externalLabels.cluster }} {{ $externalURL }}",
            "{{ with $x := 1 }}{{ $x }}{{ else with $y := 2 }}{{ $y }}{{ end }}",
        ] {
            assert!(
                parse_prometheus(text).is_ok(),
                "{text}: {:?}",
                parse_prometheus(text)
            );
        }
    }

    #[test]
    fn reports_in_go_words_at_the_token() {
        assert_eq!(
            error_at("{{ $label.instance }}"),
            ("undefined variable \"$label\"".to_string(), "$label")
        );
        assert_eq!(
            error_at("x {{ humanise $value }}"),
            ("function \"humanise\" not defined".to_string(), "humanise")
        );
        assert_eq!(
            error_at("a {{ $value "),
            ("unclosed action".to_string(), "{{")
        );
        assert_eq!(error("{{ if $value }}x"), "unexpected EOF");
        assert_eq!(error_at("{{ if $value }}x").1, "if");
        assert_eq!(error("{{ end }}"), "unexpected {{end}}");
        assert_eq!(error("{{ else }}"), "unexpected {{else}}");
        assert_eq!(error("{{ }}"), "missing value for command");
        assert_eq!(error("{{ if }}x{{ end }}"), "missing value for if");
        assert_eq!(
            error("{{ $value | 3 }}"),
            "non executable command in pipeline stage 2"
        );
        assert_eq!(error("{{ break }}"), "{{break}} outside {{range}}");
        assert_eq!(
            error("{{ \"a\"\"b\" }}"),
            "unexpected \"\\\"b\\\"\" in operand"
        );
        assert_eq!(
            error("{{ \"a\".x }}"),
            "unexpected . after term \"\\\"a\\\"\""
        );
        assert_eq!(error("{{ 3 := 4 }}"), "unexpected \":=\" in operand");
        assert_eq!(
            error("{{ if 1 }}a{{ else }}b{{ else }}c{{ end }}"),
            "expected end; found {{else}}"
        );
        assert_eq!(
            error("{{ $x, $y := 1 }}"),
            "too many declarations in command"
        );
        // Variables from an inner scope end with it.
        assert_eq!(
            error("{{ if 1 }}{{ $x := 1 }}{{ end }}{{ $x }}"),
            "undefined variable \"$x\""
        );
        // define bodies see only `$`, as in Go.
        assert_eq!(
            error("{{ define \"d\" }}{{ $labels.x }}{{ end }}"),
            "undefined variable \"$labels\""
        );
    }

    #[test]
    fn label_references_with_spans() {
        let text = "{{ $labels.instance }} {{ .Labels.job }} {{ index $labels \"pod\" }} \
                    {{ with query \"up\" }}{{ .Labels.ignored }}{{ end }}";
        let template = parse_prometheus(text).unwrap();
        let refs: Vec<(String, String)> = template
            .label_references()
            .into_iter()
            .map(|r| (text[r.span].to_string(), r.name))
            .collect();
        let refs: Vec<(&str, &str)> = refs.iter().map(|(s, n)| (s.as_str(), n.as_str())).collect();
        assert_eq!(
            refs,
            vec![("instance", "instance"), ("job", "job"), ("pod", "pod")]
        );
    }

    /// Every prefix of real templates (cut anywhere, also inside multi-byte characters'
    /// neighbours) parses or fails cleanly, with an error span inside the text.
    #[test]
    fn never_panics_on_truncated_templates() {
        let samples = [
            "{{- if gt $value 0.5 -}}high {{ $labels.instance }}{{- else if lt $value 0.1 }}low{{ else }}é{{ end }}",
            "{{ range $i, $e := query \"up{job='a'}\" }}{{ $e.Labels.job | printf \"%s\" }}{{ end }}",
            "{{/* c */}}{{ define \"x\" }}{{ `raw` }}{{ end }}{{ template \"x\" . }}{{ block \"b\" . }}z{{ end }}",
            "{{ with $x := (index $labels \"a\") }}{{ $x }}{{ else with 'c' }}{{ 0x1F }}{{ end }}{{ -1.5e3 }}",
        ];
        for sample in samples {
            for (end, _) in sample.char_indices().chain([(sample.len(), ' ')]) {
                let text = &sample[..end];
                if let Err(e) = parse_prometheus(text) {
                    assert!(
                        e.span.start <= e.span.end && e.span.end <= text.len(),
                        "{text}: {e:?}"
                    );
                    assert!(!e.message.is_empty());
                }
            }
        }
    }

    #[test]
    fn uses_value() {
        assert!(parse_prometheus("{{ $value }}").unwrap().uses_value());
        assert!(parse_prometheus("{{ .Value | humanize }}")
            .unwrap()
            .uses_value());
        assert!(!parse_prometheus("{{ $labels.x }}").unwrap().uses_value());
    }

    /// Runs `f` on a thread with a rayon worker's 2 MiB stack, where the overflow was.
    fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
        std::thread::Builder::new()
            .stack_size(2 * 1024 * 1024)
            .spawn(f)
            .unwrap()
            .join()
            .expect("parsing on a 2 MiB stack must not overflow")
    }

    /// Regression (issue 16): 1,200 nested `{{if .}}` aborted a folder run.
    #[test]
    fn deep_controls_parse_on_a_small_stack() {
        on_small_stack(|| {
            let depth = 5_000;
            let text = format!(
                "{}x $labels.job{}",
                "{{if .}}".repeat(depth),
                "{{end}}".repeat(depth)
            )
            .replace("$labels.job", "{{ $labels.job }}");
            let template = parse_prometheus(&text).expect("Go accepts this");
            assert_eq!(template.label_references().len(), 1);
            let chain = format!("{{{{if .}}}}a{}{{{{end}}}}", "{{else if .}}b".repeat(depth));
            parse_prometheus(&chain).expect("Go accepts long else-if chains");
        });
    }

    #[test]
    fn controls_deeper_than_the_limit_are_a_finding() {
        on_small_stack(|| {
            let depth = MAX_CONTROL_DEPTH + 1;
            let text = format!("{}x{}", "{{with .}}".repeat(depth), "{{end}}".repeat(depth));
            let e = parse_prometheus(&text).unwrap_err();
            assert!(e.message.contains("nest deeper than 10000"), "{e:?}");
            assert_eq!(&text[e.span.clone()], "with");
        });
    }

    /// Go's `maxStackDepth`: 10,000 nested parentheses parse, the 10,001st is refused.
    #[test]
    fn parentheses_nest_to_gos_limit() {
        on_small_stack(|| {
            let ok = format!(
                "{{{{{}.{}}}}}",
                "(".repeat(MAX_PAREN_DEPTH),
                ")".repeat(MAX_PAREN_DEPTH)
            );
            parse_prometheus(&ok).expect("Go accepts 10,000 levels");
            let deep = MAX_PAREN_DEPTH + 1;
            let too_deep = format!("{{{{{}.{}}}}}", "(".repeat(deep), ")".repeat(deep));
            let e = parse_prometheus(&too_deep).unwrap_err();
            assert_eq!(e.message, "max expression depth exceeded");
            assert_eq!(e.span.start, 2 + MAX_PAREN_DEPTH);
            // 7,000 levels aborted a run before the fix.
            let text = format!("{{{{{}.{}}}}}", "(".repeat(7_000), ")".repeat(7_000));
            assert!(parse_prometheus(&text).is_ok());
        });
    }
}

#[cfg(test)]
mod cache_tests {
    use super::*;

    #[test]
    fn cached_parse_equals_a_fresh_parse_and_is_shared() {
        let cache = TemplateCache::default();
        for text in [
            "{{ $labels.job }} on {{ .Labels.instance }}",
            "{{ if }}",
            "{{ range . }}{{ .Labels.x }}{{ end }}",
        ] {
            let first = cache.parse(text);
            assert_eq!(first.result(), &parse_prometheus(text));
            let again = cache.parse(text);
            assert!(Arc::ptr_eq(&first, &again), "{text} parsed twice");
            assert_eq!(
                first.label_references().map(<[_]>::to_vec),
                parse_prometheus(text).ok().map(|t| t.label_references())
            );
        }
        assert_eq!(cache.len(), 3);
    }
}
