//! Reading catalog sources. The format is detected from the content, so users can hand
//! in what they already have: a `/metrics` scrape, a saved metadata API answer, a
//! Kubernetes metric list, kube-state-metrics' docs, or promgate's own catalog file.

mod api;
mod catalog_file;
mod exposition;
mod markdown;
mod metric_list;
mod regular;
pub(crate) mod tree;

use super::Catalog;
use std::fmt;

/// A source that could not be read, with the position of the problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    pub path: String,
    /// 1-based; 0 when the error concerns the whole file.
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl LoadError {
    pub fn at(path: &str, line: usize, column: usize, message: impl Into<String>) -> Self {
        LoadError {
            path: path.to_string(),
            line,
            column,
            message: message.into(),
        }
    }

    pub fn whole(path: &str, message: impl Into<String>) -> Self {
        LoadError::at(path, 0, 0, message)
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.path, self.message)
        } else {
            write!(
                f,
                "{}:{}:{}: {}",
                self.path, self.line, self.column, self.message
            )
        }
    }
}

impl std::error::Error for LoadError {}

/// The formats we read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Prometheus text exposition or OpenMetrics.
    Exposition,
    /// `/api/v1/metadata` or `/api/v1/targets/metadata` JSON.
    MetadataApi,
    /// promgate's own catalog file, YAML or JSON.
    CatalogFile,
    /// A YAML list of `{name, namespace, subsystem, help, type, labels}` (Kubernetes'
    /// instrumentation lists, kube-state-metrics' stable metrics).
    MetricList,
    /// Markdown tables with `Metric name` and `Metric type` columns (kube-state-metrics).
    MarkdownTable,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Exposition => "Prometheus exposition / OpenMetrics",
            Format::MetadataApi => "Prometheus metadata API JSON",
            Format::CatalogFile => "promgate catalog",
            Format::MetricList => "metric list YAML",
            Format::MarkdownTable => "metric table in Markdown",
        }
    }
}

/// Reads a catalog source from disk, or a bundled catalog named `builtin:NAME`.
pub fn load_file(path: &str) -> Result<Catalog, LoadError> {
    if super::bundled::is_name(path) {
        return super::bundled::load(path);
    }
    let bytes = crate::discover::read_regular_file(std::path::Path::new(path))
        .map_err(|e| LoadError::whole(path, format!("cannot read: {e}")))?;
    let text = String::from_utf8(bytes)
        .map_err(|e| LoadError::whole(path, format!("not UTF-8 text: {e}")))?;
    load_str(path, &text)
}

/// Reads a catalog source from text; `path` only names it in errors.
pub fn load_str(path: &str, text: &str) -> Result<Catalog, LoadError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let format = detect(text).ok_or_else(|| {
        LoadError::whole(
            path,
            "not a metric catalog: expected Prometheus exposition text, OpenMetrics, \
             metadata API JSON, a metric list, or a promgate catalog file",
        )
    })?;
    let mut catalog = match format {
        Format::Exposition => exposition::load(path, text)?,
        Format::MarkdownTable => markdown::load(path, text)?,
        Format::CatalogFile => catalog_file::load(path, text)?,
        Format::MetadataApi | Format::MetricList => {
            let root = tree::parse(path, text)?
                .ok_or_else(|| LoadError::whole(path, "the file is empty"))?;
            match format {
                Format::MetadataApi => api::load(path, &root)?,
                _ => metric_list::load(path, &root)?,
            }
        }
    };
    catalog.finish();
    Ok(catalog)
}

/// Tells the format from the first significant lines of the text.
pub fn detect(text: &str) -> Option<Format> {
    let significant = text.lines().map(str::trim).find(|line| {
        !line.is_empty()
            && (!line.starts_with('#') || is_exposition_comment(line))
            && *line != "---"
    });
    let first = significant?;
    if first.starts_with('{') || first.starts_with('[') {
        // Our own file in JSON has `metrics`; API answers have `status` and `data`.
        return Some(
            if text.contains("\"data\"") && text.contains("\"status\"") {
                Format::MetadataApi
            } else {
                Format::CatalogFile
            },
        );
    }
    if text.lines().any(is_markdown_table_header) {
        return Some(Format::MarkdownTable);
    }
    if is_yaml_key(first) {
        return Some(Format::CatalogFile);
    }
    if is_exposition_comment(first) || looks_like_sample(first) {
        return Some(Format::Exposition);
    }
    if first.starts_with("- ") || first == "-" {
        return Some(Format::MetricList);
    }
    None
}

fn is_exposition_comment(line: &str) -> bool {
    ["# HELP ", "# TYPE ", "# UNIT ", "# EOF"]
        .iter()
        .any(|prefix| line.starts_with(prefix))
}

/// `key:` or `key: value`, the first line of a YAML mapping. (A metric name may end
/// in `:` too, but a sample never has a space right after a name's colon and a value.)
fn is_yaml_key(line: &str) -> bool {
    let key_end = line
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(line.len());
    key_end > 0
        && line[key_end..].starts_with(':')
        && line[key_end + 1..].chars().next().is_none_or(|c| c == ' ')
}

fn is_markdown_table_header(line: &str) -> bool {
    let line = line.trim();
    line.starts_with('|') && {
        let lower = line.to_ascii_lowercase();
        lower.contains("metric name") && lower.contains("metric type")
    }
}

/// `name{labels} value` or `name value`, the shape of an exposition sample line.
fn looks_like_sample(line: &str) -> bool {
    let name_end = line
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
        .unwrap_or(line.len());
    if name_end == 0 {
        return line.starts_with("{\"");
    }
    let rest = &line[name_end..];
    rest.starts_with('{')
        || (rest.starts_with([' ', '\t'])
            && rest.split_whitespace().next().is_some_and(|value| {
                value.parse::<f64>().is_ok() || matches!(value, "NaN" | "+Inf" | "-Inf")
            }))
}

/// Reads every source and merges them, in the order given, indexed for lookups.
pub fn load_all<P: AsRef<str> + Sync>(paths: &[P]) -> Result<Catalog, LoadError> {
    let mut merged = load_sources(paths)?;
    merged.finish();
    Ok(merged)
}

/// Reads every source in parallel; one result per source, in the order given.
pub fn load_each<P: AsRef<str> + Sync>(paths: &[P]) -> Vec<Result<Catalog, LoadError>> {
    use rayon::prelude::*;
    paths
        .par_iter()
        .map(|path| load_file(path.as_ref()))
        .collect()
}

/// Reads every source (in parallel) and merges them in the order given, without the
/// lookup index: the caller adds more (built-ins) and calls [`Catalog::finish`] once.
/// The first source that cannot be read is the error.
pub fn load_sources<P: AsRef<str> + Sync>(paths: &[P]) -> Result<Catalog, LoadError> {
    let loaded = load_each(paths);
    let mut merged = Catalog::new();
    for catalog in loaded {
        merged.merge(catalog?);
    }
    Ok(merged)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_each_format() {
        assert_eq!(
            detect("# HELP up x\n# TYPE up gauge\nup 1\n"),
            Some(Format::Exposition)
        );
        assert_eq!(detect("up{job=\"a\"} 1\n"), Some(Format::Exposition));
        assert_eq!(
            detect("{\"status\":\"success\",\"data\":{}}"),
            Some(Format::MetadataApi)
        );
        assert_eq!(detect("{\"metrics\":{}}"), Some(Format::CatalogFile));
        assert_eq!(
            detect("# my catalog\nversion: 1\nmetrics: {}\n"),
            Some(Format::CatalogFile)
        );
        assert_eq!(
            detect("- name: foo\n  type: Gauge\n"),
            Some(Format::MetricList)
        );
        assert_eq!(
            detect("# Pod Metrics\n\n| Metric name | Metric type |\n| --- | --- |\n"),
            Some(Format::MarkdownTable)
        );
        assert_eq!(detect("hello world\n"), None);
    }
}
