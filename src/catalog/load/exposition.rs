//! Prometheus text exposition format and OpenMetrics text.
//!
//! `# HELP`, `# TYPE` and `# UNIT` give a family's metadata; sample lines give the
//! label names its series carry. Samples are folded into the family declared before
//! them when their name is one of its series (`_bucket`, `_sum`, `_total`, ...); a
//! sample no `# TYPE` covers becomes an untyped family of its own.

use super::LoadError;
use crate::catalog::{Catalog, MetricFamily, MetricType, SeriesKind};
use std::collections::HashMap;

pub fn load(path: &str, text: &str) -> Result<Catalog, LoadError> {
    let mut reader = Reader {
        path,
        families: Vec::new(),
        by_name: HashMap::new(),
        sampled: Vec::new(),
        current: None,
    };
    for (index, line) in text.lines().enumerate() {
        let line_no = index + 1;
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        if trimmed.is_empty() {
            continue;
        }
        if let Some(comment) = trimmed.strip_prefix('#') {
            if comment.trim() == "EOF" {
                break;
            }
            reader.comment(line_no, indent, comment)?;
        } else {
            reader.sample(line_no, line, indent)?;
        }
    }
    Ok(reader.finish())
}

struct Reader<'a> {
    path: &'a str,
    families: Vec<MetricFamily>,
    by_name: HashMap<String, usize>,
    /// Whether each family had at least one sample (then its label list is complete).
    sampled: Vec<bool>,
    /// The family the last `# TYPE`/`# HELP` line named.
    current: Option<usize>,
}

impl Reader<'_> {
    fn error(
        &self,
        line: usize,
        byte_col: usize,
        text: &str,
        message: impl Into<String>,
    ) -> LoadError {
        let column = text[..byte_col.min(text.len())].chars().count() + 1;
        LoadError::at(self.path, line, column, message)
    }

    fn family_index(&mut self, name: &str) -> usize {
        if let Some(&index) = self.by_name.get(name) {
            return index;
        }
        self.families
            .push(MetricFamily::new(name, MetricType::Unknown));
        self.sampled.push(false);
        self.by_name
            .insert(name.to_string(), self.families.len() - 1);
        self.families.len() - 1
    }

    /// `# HELP name text`, `# TYPE name type`, `# UNIT name unit`; other comments are
    /// free text.
    fn comment(&mut self, line_no: usize, indent: usize, comment: &str) -> Result<(), LoadError> {
        let body = comment.trim_start();
        let Some((keyword, rest)) = body.split_once(' ') else {
            return Ok(());
        };
        if !matches!(keyword, "HELP" | "TYPE" | "UNIT") {
            return Ok(());
        }
        let line_text = format!("{}#{comment}", " ".repeat(indent));
        let name_at = line_text.len() - rest.len();
        let (name, after) = read_name(rest).ok_or_else(|| {
            self.error(
                line_no,
                name_at,
                &line_text,
                format!("expected a metric name after `# {keyword}`"),
            )
        })?;
        let value = after.strip_prefix(' ').unwrap_or(after);
        let index = self.family_index(&name);
        self.current = Some(index);
        match keyword {
            "HELP" => self.families[index].help = Some(unescape_help(value)),
            "UNIT" => {
                let unit = value.trim();
                if !unit.is_empty() {
                    self.families[index].unit = Some(unit.to_string());
                }
            }
            _ => {
                // Only the first word counts: some exporters (geth) append junk.
                let type_word = value.split_whitespace().next().unwrap_or("");
                let kind = MetricType::parse(type_word).ok_or_else(|| {
                    let at = line_text.len() - after.len() + 1;
                    self.error(
                        line_no,
                        at,
                        &line_text,
                        format!(
                            "unknown metric type `{}` (expected counter, gauge, histogram, \
                             gaugehistogram, summary, info, stateset, unknown or untyped)",
                            type_word
                        ),
                    )
                })?;
                self.families[index].kind = kind;
            }
        }
        Ok(())
    }

    fn sample(&mut self, line_no: usize, line: &str, indent: usize) -> Result<(), LoadError> {
        let text = &line[indent..];
        let (mut name, rest) = match read_name(text) {
            Some((name, rest)) => (Some(name), rest),
            None if text.starts_with('{') => (None, text),
            None => return Err(self.error(line_no, indent, line, "expected a metric name or `{`")),
        };
        let mut labels = Vec::new();
        // Blanks between the name and `{` are allowed, as Prometheus' parser does.
        let rest = match rest.trim_start_matches([' ', '\t']) {
            braced if braced.starts_with('{') => braced,
            _ => rest,
        };
        let rest = if let Some(inside) = rest.strip_prefix('{') {
            let offset = line.len() - inside.len();
            let (after, quoted_name) = parse_labels(inside, &mut labels)
                .map_err(|(at, message)| self.error(line_no, offset + at, line, message))?;
            if name.is_none() {
                name = quoted_name;
            }
            after
        } else {
            rest
        };
        let Some(name) = name else {
            return Err(self.error(line_no, indent, line, "the sample names no metric"));
        };
        if rest.split_whitespace().next().is_none() {
            let at = line.len() - rest.len();
            return Err(self.error(
                line_no,
                at,
                line,
                format!("expected a value after `{name}`"),
            ));
        }
        let (index, kind) = self.owner(&name);
        let family = &mut self.families[index];
        for label in labels {
            let implicit = (label == "le" && kind == SeriesKind::Bucket)
                || (label == "quantile"
                    && family.kind == MetricType::Summary
                    && kind == SeriesKind::Bare);
            if !implicit && !family.labels.contains_key(&label) {
                family.labels.insert(label, None);
            }
        }
        self.sampled[index] = true;
        Ok(())
    }

    /// The family a sample belongs to: the current one when the name is one of its
    /// series, else a family of that exact name, else one it is a series of.
    fn owner(&mut self, series: &str) -> (usize, SeriesKind) {
        let series_of = |family: &MetricFamily| {
            family
                .series()
                .into_iter()
                .find(|(name, _)| name == series)
                .map(|(_, kind)| kind)
        };
        if let Some(index) = self.current {
            if let Some(kind) = series_of(&self.families[index]) {
                return (index, kind);
            }
        }
        if let Some(&index) = self.by_name.get(series) {
            return (index, SeriesKind::Bare);
        }
        for suffix in [
            "_bucket", "_sum", "_count", "_total", "_created", "_gsum", "_gcount", "_info",
        ] {
            if let Some(&index) = series
                .strip_suffix(suffix)
                .and_then(|stem| self.by_name.get(stem))
            {
                if let Some(kind) = series_of(&self.families[index]) {
                    return (index, kind);
                }
            }
        }
        (self.family_index(series), SeriesKind::Bare)
    }

    fn finish(self) -> Catalog {
        let mut catalog = Catalog::new();
        for (mut family, sampled) in self.families.into_iter().zip(self.sampled) {
            family.labels_complete = sampled;
            if family.kind == MetricType::Histogram {
                // The text formats cannot carry native histograms.
                family.native_histogram = Some(false);
            }
            catalog.insert(family);
        }
        catalog
    }
}

/// A metric name at the start of `text` (legacy charset, or a quoted UTF-8 name), and
/// the text after it.
fn read_name(text: &str) -> Option<(String, &str)> {
    if text.starts_with('"') {
        let (value, len) = read_quoted(text)?;
        return Some((value, &text[len..]));
    }
    let end = text
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
        .unwrap_or(text.len());
    if end == 0 || text.as_bytes()[0].is_ascii_digit() {
        return None;
    }
    Some((text[..end].to_string(), &text[end..]))
}

/// A double-quoted string with `\\`, `\"` and `\n` escapes; returns the value and the
/// bytes consumed, quotes included.
fn read_quoted(text: &str) -> Option<(String, usize)> {
    let mut value = String::new();
    let mut chars = text.char_indices().skip(1);
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((value, i + 1)),
            '\\' => match chars.next()?.1 {
                'n' => value.push('\n'),
                other => value.push(other),
            },
            _ => value.push(c),
        }
    }
    None
}

/// Parses `name="value",...}` (the text after `{`) into label names. Returns the text
/// after `}` and, for the UTF-8 form `{"metric.name", ...}`, the quoted metric name.
/// Errors carry a byte offset into `text`.
fn parse_labels<'t>(
    text: &'t str,
    labels: &mut Vec<String>,
) -> Result<(&'t str, Option<String>), (usize, String)> {
    let mut rest = text;
    let mut metric_name = None;
    loop {
        rest = rest.trim_start_matches([' ', '\t']);
        let at = text.len() - rest.len();
        if let Some(after) = rest.strip_prefix('}') {
            return Ok((after, metric_name));
        }
        let (label, after) = if rest.starts_with('"') {
            let (value, len) =
                read_quoted(rest).ok_or((at, "unterminated quoted name".to_string()))?;
            (value, &rest[len..])
        } else {
            read_label_name(rest).ok_or((at, "expected a label name or `}`".to_string()))?
        };
        let after = after.trim_start_matches([' ', '\t']);
        if let Some(value_text) = after.strip_prefix('=') {
            let value_text = value_text.trim_start_matches([' ', '\t']);
            let value_at = text.len() - value_text.len();
            if !value_text.starts_with('"') {
                return Err((
                    value_at,
                    format!("expected a quoted value for label `{label}`"),
                ));
            }
            let (_, len) = read_quoted(value_text)
                .ok_or((value_at, "unterminated label value".to_string()))?;
            labels.push(label);
            rest = &value_text[len..];
        } else if metric_name.is_none() && labels.is_empty() {
            // `{"metric.name", ...}`: a quoted name with no value is the metric's.
            metric_name = Some(label);
            rest = after;
        } else {
            return Err((
                text.len() - after.len(),
                format!("expected `=` after label `{label}`"),
            ));
        }
        rest = rest.trim_start_matches([' ', '\t']);
        if let Some(after_comma) = rest.strip_prefix(',') {
            rest = after_comma;
        } else if !rest.starts_with('}') {
            return Err((text.len() - rest.len(), "expected `,` or `}`".to_string()));
        }
    }
}

fn read_label_name(text: &str) -> Option<(String, &str)> {
    let end = text
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    if end == 0 || text.as_bytes()[0].is_ascii_digit() {
        return None;
    }
    Some((text[..end].to_string(), &text[end..]))
}

/// HELP text escapes `\\` and `\n`.
fn unescape_help(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some(other) => out.push(other),
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out.trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::SeriesKind;

    const TEXT: &str = r#"# HELP http_request_duration_seconds Duration of HTTP requests.
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{le="0.1",method="GET",route="/"} 1
http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/"} 2
http_request_duration_seconds_sum{method="GET",route="/"} 0.3
http_request_duration_seconds_count{method="GET",route="/"} 2
# HELP rpc_seconds RPC latency \\ with "quotes".
# TYPE rpc_seconds summary
rpc_seconds{quantile="0.5",service="a, b}"} 1
rpc_seconds_sum{service="x"} 1
# TYPE idle gauge
orphan_metric{a="1"} 3 1395066363000
"#;

    #[test]
    fn folds_series_into_families() {
        let mut catalog = load("m.prom", TEXT).unwrap();
        catalog.finish();
        let h = catalog.family("http_request_duration_seconds").unwrap();
        assert_eq!(h.kind, MetricType::Histogram);
        assert!(h.labels_complete);
        assert_eq!(h.labels.keys().collect::<Vec<_>>(), ["method", "route"]);
        let s = catalog.family("rpc_seconds").unwrap();
        assert_eq!(s.help.as_deref(), Some("RPC latency \\ with \"quotes\"."));
        assert_eq!(s.labels.keys().collect::<Vec<_>>(), ["service"]);
        assert!(!catalog.family("idle").unwrap().labels_complete);
        assert_eq!(
            catalog.family("orphan_metric").unwrap().kind,
            MetricType::Unknown
        );
        assert_eq!(
            catalog
                .series("http_request_duration_seconds_bucket")
                .unwrap()
                .kind,
            SeriesKind::Bucket
        );
    }

    #[test]
    fn reads_openmetrics_counters_units_and_utf8_names() {
        let text = "# TYPE req counter\n# UNIT req requests\nreq_total{code=\"200\"} 1 # {trace_id=\"x\"} 1\nreq_created 5\n{\"my.metric\",\"lab.el\"=\"v\"} 1\n# EOF\n";
        let mut catalog = load("om.txt", text).unwrap();
        catalog.finish();
        let req = catalog.family("req").unwrap();
        assert_eq!(req.kind, MetricType::Counter);
        assert_eq!(req.unit.as_deref(), Some("requests"));
        assert_eq!(req.labels.keys().collect::<Vec<_>>(), ["code"]);
        assert!(catalog.family("req_created").is_none());
        let utf8 = catalog.family("my.metric").unwrap();
        assert!(utf8.labels.contains_key("lab.el"));
    }

    #[test]
    fn errors_name_line_and_column() {
        let err = load("m.prom", "# TYPE a gauge\na{x=1} 2\n").unwrap_err();
        assert_eq!((err.line, err.column), (2, 5));
        assert!(err.message.contains("quoted value"), "{err}");
        let err = load("m.prom", "# TYPE a sometimes\n").unwrap_err();
        assert_eq!((err.line, err.column), (1, 10));
        let err = load("m.prom", "a{x=\"1\"}\n").unwrap_err();
        assert_eq!(err.line, 1);
        assert!(err.message.contains("expected a value"), "{err}");
    }
}
