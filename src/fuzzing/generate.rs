//! Structure-aware input: fuzzer bytes read as a sequence of choices that expand into
//! large, nested documents (the cliffs of issue 16 were past the 4-16 KB a byte-level
//! fuzzer reaches: 1,200 nested `{{if}}`, 1,025 chained operators, column 65,536).
//!
//! Running out of bytes reads zeros, so every byte string is a valid program and a
//! short input still builds a whole document.

/// The fuzzer's bytes as choices.
pub struct Choices<'a> {
    data: &'a [u8],
    position: usize,
    /// Bytes of output the generators may still write: big enough for every cliff,
    /// small enough that one run stays well under a second.
    budget: usize,
}

/// The output budget of one generated document.
pub const BUDGET_BYTES: usize = 3 << 20;

impl<'a> Choices<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Choices {
            data,
            position: 0,
            budget: BUDGET_BYTES,
        }
    }

    /// How many of `wanted` copies of `unit_bytes` fit the budget; spends them.
    pub fn afford(&mut self, wanted: usize, unit_bytes: usize) -> usize {
        let fits = wanted.min(self.budget / unit_bytes.max(1));
        self.budget -= fits * unit_bytes.max(1);
        fits
    }

    pub fn byte(&mut self) -> u8 {
        let byte = self.data.get(self.position).copied().unwrap_or(0);
        self.position += 1;
        byte
    }

    pub fn exhausted(&self) -> bool {
        self.position >= self.data.len()
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        let value = u16::from_le_bytes([self.byte(), self.byte()]) as usize;
        value % n
    }

    pub fn flip(&mut self) -> bool {
        self.byte() & 1 == 1
    }

    /// A count up to `max`, spread over orders of magnitude so that both a handful and
    /// tens of thousands come up often.
    pub fn count(&mut self, max: usize) -> usize {
        let magnitude = self.below(6) as u32; // up to 1, 10, ..., 100,000
        let ceiling = 10usize.pow(magnitude).min(max);
        let raw = u16::from_le_bytes([self.byte(), self.byte()]) as usize;
        raw * ceiling / u16::MAX as usize
    }

    pub fn pick<'s>(&mut self, options: &[&'s str]) -> &'s str {
        options[self.below(options.len())]
    }

    /// Raw text from the input, up to `max` bytes (lossily decoded): keeps byte-level
    /// mutation alive inside the structure.
    pub fn text(&mut self, max: usize) -> String {
        let len = self.below(max + 1);
        let start = self.position.min(self.data.len());
        let end = (start + len).min(self.data.len());
        self.position += len;
        String::from_utf8_lossy(&self.data[start..end]).into_owned()
    }
}

const METRICS: &[&str] = &[
    "up",
    "http_requests_total",
    "http_request_duration_seconds_bucket",
    "http_request_duration_seconds",
    "node_cpu_seconds_total",
    "process_resident_memory_bytes",
    "job:up:sum",
    "a",
    "r0",
    "r1",
];
const LABELS: &[&str] = &[
    "job", "instance", "le", "code", "route", "mode", "__name__", "pod",
];
const BINARY: &[&str] = &[
    "+", "-", "*", "/", "%", "^", "==", "!=", ">", "<", ">=", "<=", "and", "or", "unless", "atan2",
    "> bool",
];
const FUNCTIONS: &[&str] = &[
    "rate",
    "irate",
    "increase",
    "abs",
    "histogram_quantile",
    "label_replace",
    "sum_over_time",
    "absent",
    "clamp_min",
    "deriv",
    "delta",
    "time",
    "vector",
    "scalar",
    "sort",
    "round",
];
const AGGREGATIONS: &[&str] = &[
    "sum", "avg", "count", "max", "min", "topk", "quantile", "group",
];

/// A regex as a matcher holds it: repetitions (also stacked, as Go rejects), classes,
/// groups, escapes and counts around Go's limit of 1000.
pub fn regex(c: &mut Choices, depth: usize) -> String {
    let mut out = String::new();
    for _ in 0..c.count(40) {
        match c.below(10) {
            0 if depth < 30 => out.push_str(&format!("({})", regex(c, depth + 1))),
            1 => out.push_str(c.pick(&["*", "+", "?", "*?", "**", "++", "{2}{3}", "???"])),
            2 => out.push_str(&format!(
                "{{{}}}",
                c.pick(&["2", "0,", "1,5", "1000", "1001", ",3"])
            )),
            3 => out.push_str(c.pick(&["[a-z]", "[^]x]", "[[:alpha:]]", "\\d", "\\Q*+\\E", "."])),
            4 => out.push('|'),
            5 => {
                let wanted = c.count(1_000_000);
                out.push_str(&"x".repeat(c.afford(wanted, 1)));
            }
            _ => out.push_str(c.pick(&["a", "b", "foo", ".*", "5..", "é", "\\\\", "\""])),
        }
    }
    out
}

fn selector(c: &mut Choices) -> String {
    let mut out = String::new();
    if c.below(8) != 0 {
        out.push_str(c.pick(METRICS));
    }
    if out.is_empty() || c.flip() {
        out.push('{');
        let wanted = c.count(100_000);
        let matchers = c.afford(wanted, 12);
        for i in 0..matchers.max(usize::from(out == "{")) {
            if i > 0 {
                out.push(',');
            }
            let op = c.pick(&["=", "!=", "=~", "!~"]);
            let value = if op.contains('~') {
                regex(c, 0)
            } else {
                c.pick(&["a", "", "x.y", "500"]).to_string()
            };
            let value = value.replace('\\', "\\\\").replace('"', "\\\"");
            out.push_str(&format!("{}{op}\"{value}\"", c.pick(LABELS)));
        }
        out.push('}');
    }
    match c.below(6) {
        0 => out.push_str(&format!(
            "[{}]",
            c.pick(&["5m", "1h", "$__rate_interval", "0s", "5m+1m"])
        )),
        1 => out.push_str(" offset 5m"),
        2 => out.push_str(" @ start()"),
        _ => {}
    }
    out
}

/// A PromQL expression with long chains and deep nesting (to 12,000 levels, beyond
/// the parser's limit of 10,000).
pub fn promql(c: &mut Choices, depth: usize) -> String {
    if depth > 8 || c.exhausted() {
        return selector(c);
    }
    match c.below(12) {
        0 => {
            let wanted = c.count(20_000);
            let op = c.pick(BINARY);
            let term = promql(c, depth + 1);
            let terms = c.afford(wanted, term.len() + op.len() + 2);
            let mut out = term.clone();
            for _ in 0..terms {
                out.push(' ');
                out.push_str(op);
                out.push(' ');
                out.push_str(&term);
            }
            out
        }
        1 => {
            let wanted = c.count(12_000);
            let levels = c.afford(wanted, 5);
            let (open, close) = match c.below(4) {
                0 => ("(", ")"),
                1 => ("abs(", ")"),
                2 => ("sum(", ")"),
                _ => ("-", ""),
            };
            format!(
                "{}{}{}",
                open.repeat(levels),
                promql(c, depth + 1),
                close.repeat(levels)
            )
        }
        2 => format!(
            "{} {}({}) {}",
            c.pick(AGGREGATIONS),
            c.pick(&["by", "without"]),
            c.pick(LABELS),
            format_args!("({})", promql(c, depth + 1))
        ),
        3 => format!("{}({})", c.pick(FUNCTIONS), promql(c, depth + 1)),
        4 => format!(
            "{} {} {}({}) {}",
            promql(c, depth + 1),
            c.pick(BINARY),
            c.pick(&["on", "ignoring"]),
            c.pick(LABELS),
            promql(c, depth + 1)
        ),
        5 => format!(
            "({})[{}:{}]",
            promql(c, depth + 1),
            c.pick(&["5m", "1h"]),
            c.pick(&["", "1m"])
        ),
        6 => format!(
            "histogram_quantile(0.9, sum by (le) (rate({}[5m])))",
            c.pick(METRICS)
        ),
        7 => c.text(64),
        8 => c
            .pick(&["1", "-1e3", "0x1f", "Inf", "NaN", "\"s\"", "5m"])
            .to_string(),
        _ => selector(c),
    }
}

/// A Go template as Prometheus reads alert labels and annotations: nested controls and
/// parentheses to 12,000 levels (Go's paren limit is 10,000).
pub fn template(c: &mut Choices, depth: usize) -> String {
    let mut out = String::new();
    for _ in 0..c.count(20) {
        match c.below(9) {
            0 if depth < 4 => {
                let wanted = c.count(12_000);
                let levels = c.afford(wanted, 24);
                let keyword = c.pick(&["if .", "with $labels", "range $labels", "if eq 1 1"]);
                let inner = template(c, depth + 1);
                out.push_str(&format!("{{{{{keyword}}}}}").repeat(levels));
                out.push_str(&inner);
                if c.flip() {
                    out.push_str("{{else}}x");
                }
                out.push_str(&"{{end}}".repeat(levels));
            }
            1 => {
                let wanted = c.count(12_000);
                let levels = c.afford(wanted, 2);
                out.push_str(&format!(
                    "{{{{{}.{}}}}}",
                    "(".repeat(levels),
                    ")".repeat(levels)
                ));
            }
            2 => out.push_str("{{else if .}}"),
            3 => out.push_str(&format!("{{{{ $labels.{} }}}}", c.pick(LABELS))),
            4 => out.push_str("{{ $value | humanize }}"),
            5 => out.push_str(&format!("{{{{ index $labels \"{}\" }}}}", c.pick(LABELS))),
            6 => out.push_str(&c.text(32)),
            7 => out.push_str(c.pick(&[
                "{{",
                "}}",
                "{{/* c */}}",
                "{{- .Value -}}",
                "{{ define \"x\" }}a{{ end }}",
            ])),
            _ => out.push_str("text "),
        }
    }
    out
}

/// A YAML scalar holding `text`, in one of the styles positions must survive.
fn yaml_scalar(c: &mut Choices, text: &str, indent: &str) -> String {
    match c.below(4) {
        0 => format!("'{}'", text.replace('\'', "''").replace('\n', " ")),
        1 => format!(
            "\"{}\"",
            text.replace('\\', "\\\\")
                .replace('"', "\\\"")
                .replace('\n', "\\n")
        ),
        2 => {
            let body: Vec<String> = text.lines().map(|l| format!("{indent}  {l}")).collect();
            format!("{}\n{}", c.pick(&["|", ">", "|-", ">+"]), body.join("\n"))
        }
        _ => text.replace('\n', " "),
    }
}

/// A rule file: many groups and rules (to 100,000), recording-rule chains and
/// cycles, long and deep expressions, deep templates, CRLF, BOM, minified flow style.
pub fn rule_file(c: &mut Choices) -> String {
    let mut out = String::new();
    if c.below(8) == 0 {
        out.push('\u{feff}');
    }
    let kubernetes = c.below(6) == 0;
    if kubernetes {
        out.push_str("apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata:\n  name: x\nspec:\n");
    }
    let pad = if kubernetes { "  " } else { "" };
    out.push_str(&format!("{pad}groups:\n"));
    let groups = c.count(50).max(1);
    for group in 0..groups {
        out.push_str(&format!("{pad}  - name: g{group}\n{pad}    rules:\n"));
        let wanted = c.count(100_000 / groups);
        let rules = c.afford(wanted, 60);
        let shape = c.below(4);
        for rule in 0..rules {
            let expr = match shape {
                // A chain: each rule reads the one before (10,000 deep and more).
                0 => format!("r{} + 1", rule.saturating_sub(1)),
                // A cycle between the first and the last.
                1 => format!("r{}", (rule + 1) % rules.max(1)),
                2 => "sum by (job) (rate(http_requests_total[5m]))".to_string(),
                _ if rule == 0 || c.below(64) == 0 => promql(c, 0),
                _ => "up == 0".to_string(),
            };
            let indent = format!("{pad}        ");
            if c.below(3) == 0 || shape < 3 {
                out.push_str(&format!("{pad}      - record: r{rule}\n"));
            } else {
                out.push_str(&format!("{pad}      - alert: A{rule}\n"));
            }
            out.push_str(&format!(
                "{indent}expr: {}\n",
                yaml_scalar(c, &expr, &indent)
            ));
            if c.below(16) == 0 {
                let text = template(c, 0);
                out.push_str(&format!(
                    "{indent}annotations:\n{indent}  summary: {}\n",
                    yaml_scalar(c, &text, &format!("{indent}  "))
                ));
                out.push_str(&format!(
                    "{indent}labels:\n{indent}  severity: {}\n",
                    c.pick(&["page", "\"x\"", "{{ $labels.job }}"])
                ));
            }
            if c.below(16) == 0 {
                out.push_str(&format!(
                    "{indent}for: {}\n",
                    c.pick(&["5m", "1h30m", "x", "-1s"])
                ));
            }
        }
    }
    if c.below(8) == 0 {
        out.push_str(&c.text(256));
    }
    if c.below(6) == 0 {
        out = out.replace('\n', "\r\n");
    }
    out
}

/// A dashboard: up to 100,000 panels with targets, rows, variables, pretty or minified
/// onto one line (every finding far past column 65,535).
pub fn dashboard(c: &mut Choices) -> String {
    let mut panels = Vec::new();
    let wanted = c.count(100_000);
    for id in 0..c.afford(wanted, 300) {
        let expr = if id == 0 || c.below(32) == 0 {
            promql(c, 0)
        } else {
            "rate(http_requests_total{job=\"$job\"}[5m])".to_string()
        };
        let kind = c.pick(&["graph", "timeseries", "row", "stat", "table", "singlestat"]);
        let datasource = c.pick(&["\"Prometheus\"", "{\"uid\":\"${ds}\"}", "null"]);
        panels.push(serde_json::json!({
            "id": if c.below(16) == 0 { 1 } else { id },
            "type": kind,
            "title": format!("p{id}"),
            "datasource": serde_json::from_str::<serde_json::Value>(datasource).unwrap_or_default(),
            "targets": [{"refId": "A", "expr": expr, "legendFormat": "{{job}} {{route}}"}],
            "fieldConfig": {"defaults": {"unit": c.pick(&["s", "bytes", "percent", ""])}},
        }));
    }
    let mut nested = serde_json::json!({});
    for _ in 0..c.count(200) {
        nested = serde_json::json!({ "x": [nested] });
    }
    let dashboard = serde_json::json!({
        "title": "fuzz",
        "uid": "fuzz",
        "schemaVersion": 39,
        "editable": c.flip(),
        "panels": panels,
        "templating": {"list": [
            {"name": "job", "type": "query", "multi": c.flip(), "query": "label_values(up, job)"},
            {"name": "ds", "type": "datasource", "query": "prometheus"},
        ]},
        "extra": nested,
    });
    let mut text = if c.flip() {
        serde_json::to_string(&dashboard).unwrap_or_default()
    } else {
        serde_json::to_string_pretty(&dashboard).unwrap_or_default()
    };
    if c.below(8) == 0 {
        let cut = c.below(text.len().max(1));
        text.truncate(text.floor_char_boundary_compat(cut));
        text.push_str(&c.text(64));
    }
    text
}

/// `str::floor_char_boundary` is unstable; the same for a byte offset.
trait FloorCharBoundary {
    fn floor_char_boundary_compat(&self, offset: usize) -> usize;
}

impl FloorCharBoundary for String {
    fn floor_char_boundary_compat(&self, mut offset: usize) -> usize {
        offset = offset.min(self.len());
        while !self.is_char_boundary(offset) {
            offset -= 1;
        }
        offset
    }
}

/// A metric catalog in one of the formats promgate reads, with many metrics.
pub fn catalog(c: &mut Choices) -> String {
    let wanted = c.count(50_000);
    let metrics = c.afford(wanted, 60);
    match c.below(3) {
        0 => {
            let mut out = String::new();
            for i in 0..metrics {
                let kind = c.pick(&[
                    "counter",
                    "gauge",
                    "histogram",
                    "summary",
                    "untyped",
                    "bogus",
                ]);
                out.push_str(&format!(
                    "# HELP m{i} help\n# TYPE m{i} {kind}\nm{i}{{job=\"a\",le=\"1\"}} 1\n"
                ));
            }
            out.push_str(&c.text(128));
            out
        }
        1 => {
            let mut out = String::from("complete: true\nmetrics:\n");
            for i in 0..metrics {
                out.push_str(&format!(
                    "  m{i}:\n    type: {}\n    labels: [{}]\n",
                    c.pick(&["counter", "gauge", "histogram", "summary", "x"]),
                    c.pick(LABELS)
                ));
            }
            out.push_str(&c.text(128));
            out
        }
        _ => {
            let mut out = String::from("{\"status\":\"success\",\"data\":{");
            for i in 0..metrics {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&format!(
                    "\"m{i}\":[{{\"type\":\"{}\",\"help\":\"h\",\"unit\":\"\"}}]",
                    c.pick(&["counter", "gauge", "histogram"])
                ));
            }
            out.push_str("}}");
            out.push_str(&c.text(32));
            out
        }
    }
}

const REGEXES: &[&str] = &[
    "(.*)",
    "__meta_kubernetes_pod_label_(.+)",
    "([^:]+):.*",
    "(a*)*$",
    "((a{100}){100}){100}",
    "(",
    "[[:alpha:]]+",
    "\\\\d+",
];

const SD_BLOCKS: &[&str] = &[
    "kubernetes_sd_configs: [{role: pod, namespaces: {names: [a]}}]",
    "kubernetes_sd_configs: [{role: nope, selectors: [{role: pod, field: x}]}]",
    "consul_sd_configs: [{server: 'c:8500', services: [api], servcies: [x]}]",
    "file_sd_configs: [{files: ['targets/*.json']}]",
    "ec2_sd_configs: [{region: eu-west-1, filters: [{name: a}]}]",
    "dns_sd_configs: [{names: [a.example], type: SRV}]",
    "http_sd_configs: [{url: 'http://sd/x'}]",
    "aws_sd_configs: [{role: ec2, region: eu-west-1}]",
    "azure_sd_configs: [{subscription_id: s, authentication_method: OAuth}]",
];

/// One relabel rule, sometimes broken (unknown action, bad regex, missing fields).
fn relabel_rule(c: &mut Choices, out: &mut String, indent: &str) {
    // Now and then an action Prometheus does not know, so the refusal is fuzzed too.
    let action = if c.below(13) == 0 {
        "bogus"
    } else {
        c.pick(crate::promconfig::relabel::ACTIONS)
    };
    out.push_str(&format!("{indent}- action: {action}\n"));
    if c.flip() {
        let source = c.pick(&["__address__", "__meta_kubernetes_namespace", "job", "x"]);
        out.push_str(&format!("{indent}  source_labels: [{source}]\n"));
    }
    if c.flip() {
        let target = c.pick(&["instance", "job", "namespace", "${1}", "__tmp", "team"]);
        out.push_str(&format!("{indent}  target_label: '{target}'\n"));
    }
    if c.flip() {
        out.push_str(&format!("{indent}  regex: '{}'\n", c.pick(REGEXES)));
    }
    if c.below(4) == 0 {
        out.push_str(&format!("{indent}  modulus: {}\n", c.below(8)));
    }
    if c.below(8) == 0 {
        // Raw bytes keep byte-level mutation alive inside the structure.
        let raw = c.text(16).replace(['\'', '\n', '\r'], " ");
        out.push_str(&format!("{indent}  replacement: '{raw}'\n"));
    }
}

/// A prometheus.yml: up to 10,000 jobs with static and service-discovery targets,
/// relabel and metric relabel rules, auth blocks with secrets, and the sections
/// around them (some invalid: unknown fields, timeouts above intervals, duplicates).
pub fn prometheus_config(c: &mut Choices) -> String {
    let mut out = String::from("global:\n");
    out.push_str(&format!(
        "  scrape_interval: {}\n",
        c.pick(&["15s", "1m", "30s", "-1h", "1m30s", "0s"])
    ));
    if c.flip() {
        out.push_str("  scrape_timeout: 20s\n");
    }
    if c.flip() {
        out.push_str("  external_labels: {cluster: fuzz, region: eu}\n");
    }
    out.push_str("rule_files: ['rules/*.yml']\nscrape_configs:\n");
    let wanted = c.count(10_000);
    let jobs = c.afford(wanted, 400);
    for job in 0..jobs {
        let name = if c.below(32) == 0 {
            "dup".to_string()
        } else {
            format!("job{job}")
        };
        out.push_str(&format!("  - job_name: {name}\n"));
        if c.below(4) == 0 {
            out.push_str(&format!(
                "    scrape_interval: {}\n",
                c.pick(&["5s", "15s", "2m"])
            ));
        }
        if c.below(3) == 0 {
            out.push_str(&format!("    {}\n", c.pick(SD_BLOCKS)));
        } else {
            out.push_str(&format!(
                "    static_configs: [{{targets: ['h{job}:9100'], labels: {{team: t{}}}}}]\n",
                c.below(5)
            ));
        }
        if c.below(6) == 0 {
            out.push_str("    honor_labels: true\n");
        }
        if c.below(8) == 0 {
            out.push_str("    basic_auth: {username: u, password: fuzz-secret-pw}\n");
            if c.flip() {
                out.push_str("    bearer_token: fuzz-secret-token\n");
            }
        }
        let rules = c.below(4);
        if rules > 0 {
            out.push_str("    relabel_configs:\n");
            for _ in 0..rules {
                relabel_rule(c, &mut out, "      ");
            }
        }
        if c.below(4) == 0 {
            out.push_str("    metric_relabel_configs:\n");
            relabel_rule(c, &mut out, "      ");
        }
    }
    if c.below(4) == 0 {
        out.push_str("remote_write:\n  - url: http://w/write\n    queue_config: {max_shards: 0}\n");
    }
    if c.below(4) == 0 {
        out.push_str("remote_read:\n  - url: http://r/read\n");
    }
    if c.below(4) == 0 {
        out.push_str("storage:\n  tsdb:\n    retention: {time: 15d, size: 10GB}\n");
    }
    out
}
