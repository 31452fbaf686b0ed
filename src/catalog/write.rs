//! Writes a catalog as promgate's own YAML file: sorted, one metric per block, so a
//! committed catalog diffs well. Built-in series and recording-rule outputs are not
//! written (promgate knows them without being told).

use super::{Catalog, MetricFamily, MetricType, Origin, ScrapeFacts, DEFAULT_TARGET_LABELS};
use std::fmt::Write;

pub fn to_yaml(catalog: &Catalog) -> String {
    let mut out = String::from("# promgate metric catalog; format: docs/catalog.md\nversion: 1\n");
    let _ = writeln!(out, "complete: {}", catalog.complete);
    let extra_targets: Vec<&str> = catalog
        .target_labels
        .iter()
        .map(String::as_str)
        .filter(|label| !DEFAULT_TARGET_LABELS.contains(label))
        .collect();
    if catalog.target_labels_declared || !extra_targets.is_empty() {
        let _ = writeln!(out, "target_labels: {}", flow_list(extra_targets));
    }
    if !catalog.exclude_namespaces.is_empty() {
        let _ = writeln!(
            out,
            "exclude_namespaces: {}",
            flow_list(catalog.exclude_namespaces.iter().map(String::as_str))
        );
    }
    write_scrape(&mut out, &catalog.scrape);
    let families: Vec<&MetricFamily> = catalog
        .families()
        .filter(|family| family.origin == Origin::Imported)
        .collect();
    if families.is_empty() {
        out.push_str("metrics: {}\n");
        return out;
    }
    out.push_str("metrics:\n");
    for family in families {
        write_family(&mut out, family);
    }
    out
}

fn write_scrape(out: &mut String, scrape: &ScrapeFacts) {
    if let Some(interval) = &scrape.scrape_interval {
        let _ = writeln!(out, "scrape_interval: {}", scalar(interval));
    }
    if let Some(interval) = &scrape.evaluation_interval {
        let _ = writeln!(out, "evaluation_interval: {}", scalar(interval));
    }
    let Some(jobs) = &scrape.jobs else { return };
    if jobs.is_empty() {
        out.push_str("jobs: {}\n");
        return;
    }
    out.push_str("jobs:\n");
    for (name, job) in jobs {
        match &job.scrape_interval {
            Some(interval) => {
                let _ = writeln!(
                    out,
                    "  {}: {{scrape_interval: {}}}",
                    key(name, "  "),
                    scalar(interval)
                );
            }
            None => {
                let _ = writeln!(out, "  {}: {{}}", key(name, "  "));
            }
        }
    }
}

fn write_family(out: &mut String, family: &MetricFamily) {
    let _ = writeln!(out, "  {}:", key(&family.name, "  "));
    let _ = writeln!(out, "    type: {}", family.kind);
    if let Some(help) = &family.help {
        let _ = writeln!(out, "    help: {}", scalar(help));
    }
    if let Some(unit) = &family.unit {
        let _ = writeln!(out, "    unit: {}", scalar(unit));
    }
    if family.labels_complete || !family.labels.is_empty() {
        let _ = writeln!(
            out,
            "    labels: {}",
            flow_list(family.labels.keys().map(String::as_str))
        );
        if !family.labels_complete {
            out.push_str("    labels_complete: false\n");
        }
    }
    let valued: Vec<_> = family
        .labels
        .iter()
        .filter_map(|(label, values)| values.as_ref().map(|v| (label, v)))
        .collect();
    if !valued.is_empty() {
        out.push_str("    label_values:\n");
        for (label, values) in valued {
            let _ = writeln!(
                out,
                "      {}: {}",
                key(label, "      "),
                flow_list(values.iter().map(String::as_str))
            );
        }
    }
    if !family.label_prefixes.is_empty() {
        let _ = writeln!(
            out,
            "    label_prefixes: {}",
            flow_list(family.label_prefixes.iter().map(String::as_str))
        );
    }
    if family.kind == MetricType::Histogram {
        match family.native_histogram {
            Some(false) => {}
            Some(true) => out.push_str("    native_histogram: true\n"),
            None => out.push_str("    native_histogram: unknown\n"),
        }
    }
}

fn flow_list<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
    let items: Vec<String> = items.into_iter().map(scalar).collect();
    format!("[{}]", items.join(", "))
}

/// A plain scalar when that reads back as the same string, else a double-quoted one
/// (JSON escapes are valid YAML escapes).
fn scalar(text: &str) -> String {
    let plain_safe = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '/' | '-'))
        && text.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && !matches!(
            text.to_ascii_lowercase().as_str(),
            "true" | "false" | "null" | "yes" | "no" | "on" | "off" | "y" | "n" | "unknown"
        );
    if plain_safe {
        text.to_string()
    } else {
        double_quoted(text)
    }
}

/// A mapping key at `indent`, to be followed by `:`. YAML reads an implicit key of at
/// most 1024 characters, so a longer one is written as an explicit `? key` entry, with
/// its `:` on the next line.
fn key(text: &str, indent: &str) -> String {
    const IMPLICIT_KEY_LIMIT: usize = 1024;
    let written = scalar(text);
    if written.chars().count() <= IMPLICIT_KEY_LIMIT {
        written
    } else {
        format!("? {written}\n{indent}")
    }
}

/// JSON's escaping, plus `\u` escapes for what JSON leaves raw but YAML does not read
/// back as itself: DEL and the C1 controls are not printable in YAML, NEL and the line
/// and paragraph separators are line breaks (folded inside a quoted scalar), and a BOM
/// or a noncharacter may not appear in a stream.
fn double_quoted(text: &str) -> String {
    let json = serde_json::to_string(text).expect("strings serialize");
    if !json.chars().any(needs_yaml_escape) {
        return json;
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if needs_yaml_escape(c) {
            out.push_str(&format!("\\u{:04X}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

fn needs_yaml_escape(c: char) -> bool {
    matches!(
        c,
        '\u{7F}'..='\u{9F}' | '\u{2028}' | '\u{2029}' | '\u{FEFF}' | '\u{FFFE}' | '\u{FFFF}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_only_what_needs_it() {
        assert_eq!(scalar("http_requests_total"), "http_requests_total");
        assert_eq!(scalar("true"), "\"true\"");
        assert_eq!(scalar("a: b"), "\"a: b\"");
        assert_eq!(scalar("0.5"), "\"0.5\"");
        assert_eq!(scalar("ns:rec:rate5m"), "\"ns:rec:rate5m\"");
    }

    #[test]
    fn escapes_what_yaml_would_not_read_back() {
        let name = "a\u{85}b\u{7F}c\u{2028}d\u{FEFF}e: f";
        assert_eq!(scalar(name), "\"a\\u0085b\\u007Fc\\u2028d\\uFEFFe: f\"");
        let catalog_text = format!("metrics:\n  {}:\n    type: gauge\n", scalar(name));
        let catalog = crate::catalog::load_str("c.yml", &catalog_text).expect("reads back");
        assert!(catalog.family(name).is_some(), "{catalog_text}");
    }

    #[test]
    fn writes_keys_longer_than_yaml_reads_implicitly_as_explicit_keys() {
        let name = format!("a\\{}", "b".repeat(1100));
        let mut catalog = Catalog::new();
        let mut family = MetricFamily::new(name.clone(), MetricType::Gauge);
        family
            .labels
            .insert(name.clone(), Some(["v".to_string()].into_iter().collect()));
        catalog.insert(family);
        catalog.finish();
        let written = to_yaml(&catalog);
        let again = crate::catalog::load_str("c.yml", &written).expect("reads back");
        assert!(again.family(&name).is_some(), "{written}");
    }

    #[test]
    fn writes_sorted_families_without_builtins() {
        let mut catalog = Catalog::new();
        let mut b = MetricFamily::new("b_total", MetricType::Counter);
        b.labels_complete = true;
        catalog.insert(b);
        catalog.insert(MetricFamily::new("a", MetricType::Gauge));
        let catalog = catalog.with_builtins();
        let text = to_yaml(&catalog);
        assert_eq!(
            text,
            "# promgate metric catalog; format: docs/catalog.md\nversion: 1\ncomplete: false\nmetrics:\n  a:\n    type: gauge\n  b_total:\n    type: counter\n    labels: []\n"
        );
    }
}
