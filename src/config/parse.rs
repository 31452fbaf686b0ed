//! `.promgate.yml` from the YAML tree to a [`Config`], collecting every problem with
//! its position: unknown keys (with a "did you mean"), wrong types, bad values.

use super::codes::{closest_code, CodePattern};
use super::model::*;
use crate::diagnostic::{Diagnostic, Severity};
use crate::source::SourceFile;
use crate::yaml::{self, Node};
use globset::{Glob, GlobSetBuilder};
use std::path::PathBuf;

/// The code of every configuration problem.
pub const SCHEMA_CODE: &str = "config/schema";

const TOP_KEYS: &[&str] = &[
    "checks",
    "catalogs",
    "catalog_coverage",
    "include",
    "exclude",
    "overrides",
    "dashboards",
    "alerts",
    "prometheus",
    "max_file_size",
];
const OVERRIDE_KEYS: &[&str] = &["paths", "checks", "dialect"];
const DASHBOARD_KEYS: &[&str] = &["exclude"];
const EXCLUSION_KEYS: &[&str] = &["uid", "paths", "panel", "checks"];
const COVERAGE_KEYS: &[&str] = &["complete", "exclude_namespaces"];
const ALERT_KEYS: &[&str] = &["required_labels", "required_annotations"];
const PROMETHEUS_KEYS: &[&str] = &[
    "config",
    "scrape_interval",
    "extra_target_labels",
    "features",
    "dialect",
    "name_validation",
];
const DIALECTS: &[&str] = &["prometheus", "thanos", "vmalert", "mimir"];
const NAME_VALIDATIONS: &[&str] = &["utf8", "legacy"];
const LEVELS: &str = "off, on, info, warning or error";

/// Parses a config file. `root` is the folder its globs are relative to.
pub fn parse_config(file: &SourceFile, root: PathBuf) -> Result<Config, Vec<Diagnostic>> {
    let mut reader = Reader { errors: Vec::new() };
    let mut config = Config::defaults(root);
    let documents = match yaml::parse_documents(file) {
        Ok(documents) => documents,
        Err(error) => {
            return Err(vec![Diagnostic::new(
                SCHEMA_CODE,
                Severity::Error,
                error.span,
                format!("invalid YAML: {}", error.message),
            )])
        }
    };
    if documents.len() > 1 {
        reader.error(
            documents[1].span.clone(),
            "a config file holds one YAML document",
        );
    }
    if let Some(root_node) = documents.first().and_then(|d| d.root.as_ref()) {
        if !root_node.is_null() {
            reader.read_top(root_node, &mut config);
        }
    }
    if reader.errors.is_empty() {
        Ok(config)
    } else {
        Err(reader.errors)
    }
}

struct Reader {
    errors: Vec<Diagnostic>,
}

impl Reader {
    fn error(&mut self, span: crate::source::Span, message: impl Into<String>) -> &mut Diagnostic {
        self.errors
            .push(Diagnostic::new(SCHEMA_CODE, Severity::Error, span, message));
        self.errors.last_mut().expect("just pushed")
    }

    /// The entries of a mapping node, reporting unknown and duplicate keys.
    fn mapping<'n>(
        &mut self,
        node: &'n Node,
        what: &str,
        known: &[&str],
    ) -> Vec<(&'n str, &'n Node, &'n Node)> {
        if node.is_null() {
            return Vec::new();
        }
        if node.as_mapping().is_none() {
            self.error(
                node.span.clone(),
                format!("{what} must be a mapping, found a {}", node.kind_name()),
            );
            return Vec::new();
        }
        for (_, repeated) in node.duplicate_keys() {
            self.error(repeated.key.span.clone(), "duplicate key");
        }
        let mut out = Vec::new();
        for entry in node.entries() {
            let Some(key) = entry.key.as_str() else {
                self.error(entry.key.span.clone(), "keys must be strings");
                continue;
            };
            if !known.is_empty() && !known.contains(&key) {
                let message = format!("unknown key `{key}` in {what}");
                let suggestion = known
                    .iter()
                    .map(|k| (strsim::jaro_winkler(key, k), *k))
                    .filter(|(score, _)| *score > 0.8)
                    .max_by(|a, b| a.0.total_cmp(&b.0));
                let help = match suggestion {
                    Some((_, k)) => format!("did you mean `{k}`?"),
                    None => format!("known keys: {}", known.join(", ")),
                };
                self.error(entry.key.span.clone(), message).help = Some(help);
                continue;
            }
            out.push((key, &entry.key, &entry.value));
        }
        out
    }

    fn string(&mut self, node: &Node, what: &str) -> Option<String> {
        match node.as_scalar() {
            Some(scalar) if !scalar.is_null() => Some(scalar.value.clone()),
            _ => {
                self.error(
                    node.span.clone(),
                    format!("{what} must be a string, found a {}", node.kind_name()),
                );
                None
            }
        }
    }

    /// A list of strings; a single string is accepted as a one-item list.
    fn strings(&mut self, node: &Node, what: &str) -> Vec<String> {
        let items: Vec<&Node> = if node.as_sequence().is_some() {
            node.items().collect()
        } else if node.is_null() {
            Vec::new()
        } else {
            vec![node]
        };
        items
            .into_iter()
            .filter_map(|item| self.string(item, what))
            .collect()
    }

    fn read_top(&mut self, node: &Node, config: &mut Config) {
        for (key, _, value) in self.mapping(node, "the config", TOP_KEYS) {
            match key {
                "checks" => config.checks = self.checks(value),
                "catalogs" => config.catalogs = self.strings(value, "a catalog path"),
                "catalog_coverage" => config.catalog_coverage = self.catalog_coverage(value),
                "include" => config.include = self.globs(value, "an include glob"),
                "exclude" => config.exclude = self.globs(value, "an exclude glob"),
                "overrides" => config.overrides = self.overrides(value),
                "dashboards" => config.dashboard_exclusions = self.dashboards(value),
                "alerts" => config.alerts = self.alerts(value),
                "prometheus" => config.prometheus = self.prometheus(value),
                "max_file_size" => config.max_file_bytes = self.file_size(value),
                _ => unreachable!("mapping() filters unknown keys"),
            }
        }
    }

    fn checks(&mut self, node: &Node) -> Vec<CheckSetting> {
        let mut settings = Vec::new();
        for (key, key_node, value) in self.mapping(node, "`checks`", &[]) {
            let pattern = match self.code_pattern(key, key_node) {
                Some(pattern) => pattern,
                None => continue,
            };
            let level = match value.as_str().and_then(Level::parse) {
                Some(level) => level,
                None => {
                    self.error(
                        value.span.clone(),
                        format!("`{}` is not a check level", value.as_str().unwrap_or("?")),
                    )
                    .help = Some(format!("use {LEVELS}"));
                    continue;
                }
            };
            settings.push(CheckSetting { pattern, level });
        }
        settings
    }

    /// A code or glob that must name at least one known check.
    fn code_pattern(&mut self, text: &str, node: &Node) -> Option<CodePattern> {
        let pattern = match CodePattern::parse(text) {
            Ok(pattern) => pattern,
            Err(message) => {
                self.error(node.span.clone(), message);
                return None;
            }
        };
        if pattern.known_matches().is_empty() {
            let diagnostic =
                self.error(node.span.clone(), format!("no check is called `{pattern}`"));
            diagnostic.help = Some(match closest_code(text) {
                Some(code) => {
                    format!("did you mean `{code}`? `promgate explain --list` lists every check")
                }
                None => "`promgate explain --list` lists every check".to_string(),
            });
            return None;
        }
        Some(pattern)
    }

    fn globs(&mut self, node: &Node, what: &str) -> PathGlobs {
        let mut builder = GlobSetBuilder::new();
        let mut patterns = Vec::new();
        for item in self.glob_nodes(node) {
            let Some(text) = self.string(item, what) else {
                continue;
            };
            match Glob::new(&text) {
                Ok(glob) => {
                    builder.add(glob);
                    // `alerts/` and `alerts` also mean everything below the folder.
                    let folder = text.trim_end_matches('/');
                    if !folder.contains(['*', '?', '[', '{']) {
                        if let Ok(below) = Glob::new(&format!("{folder}/**")) {
                            builder.add(below);
                        }
                    }
                    patterns.push(text);
                }
                Err(error) => {
                    self.error(item.span.clone(), format!("invalid glob: {}", error.kind()));
                }
            }
        }
        let set = builder
            .build()
            .unwrap_or_else(|_| globset::GlobSet::empty());
        PathGlobs { patterns, set }
    }

    fn glob_nodes<'n>(&mut self, node: &'n Node) -> Vec<&'n Node> {
        if node.as_sequence().is_some() {
            node.items().collect()
        } else if node.is_null() {
            Vec::new()
        } else {
            vec![node]
        }
    }

    fn overrides(&mut self, node: &Node) -> Vec<Override> {
        let Some(items) = self.sequence(node, "`overrides`") else {
            return Vec::new();
        };
        let mut overrides = Vec::new();
        for item in items {
            let mut entry = Override {
                paths: PathGlobs::default(),
                checks: Vec::new(),
                dialect: None,
            };
            let mut has_paths = false;
            for (key, _, value) in self.mapping(item, "an override", OVERRIDE_KEYS) {
                match key {
                    "paths" => {
                        has_paths = true;
                        entry.paths = self.globs(value, "a path glob");
                    }
                    "dialect" => entry.dialect = self.dialect(value),
                    _ => entry.checks = self.checks(value),
                }
            }
            if !has_paths && item.as_mapping().is_some() {
                self.error(item.span.clone(), "an override needs `paths`");
            }
            overrides.push(entry);
        }
        overrides
    }

    fn sequence<'n>(&mut self, node: &'n Node, what: &str) -> Option<Vec<&'n Node>> {
        if node.is_null() {
            return Some(Vec::new());
        }
        if node.as_sequence().is_none() {
            self.error(
                node.span.clone(),
                format!("{what} must be a list, found a {}", node.kind_name()),
            );
            return None;
        }
        Some(node.items().collect())
    }

    fn dashboards(&mut self, node: &Node) -> Vec<DashboardExclusion> {
        let mut exclusions = Vec::new();
        for (_, _, value) in self.mapping(node, "`dashboards`", DASHBOARD_KEYS) {
            let Some(items) = self.sequence(value, "`dashboards.exclude`") else {
                continue;
            };
            for item in items {
                if let Some(exclusion) = self.exclusion(item) {
                    exclusions.push(exclusion);
                }
            }
        }
        exclusions
    }

    fn exclusion(&mut self, item: &Node) -> Option<DashboardExclusion> {
        let mut exclusion = DashboardExclusion {
            uid: None,
            paths: PathGlobs::default(),
            panel: None,
            checks: Vec::new(),
        };
        for (key, _, value) in self.mapping(item, "a dashboard exclusion", EXCLUSION_KEYS) {
            match key {
                "uid" => exclusion.uid = self.string(value, "`uid`"),
                "paths" => exclusion.paths = self.globs(value, "a path glob"),
                "panel" => exclusion.panel = self.panel(value),
                _ => {
                    for item in self.glob_nodes(value) {
                        if let Some(text) = self.string(item, "a check code") {
                            if let Some(pattern) = self.code_pattern(&text, item) {
                                exclusion.checks.push(pattern);
                            }
                        }
                    }
                }
            }
        }
        if item.as_mapping().is_some() && exclusion.uid.is_none() && exclusion.paths.is_empty() {
            self.error(
                item.span.clone(),
                "a dashboard exclusion needs a `uid` or `paths`",
            );
            return None;
        }
        Some(exclusion)
    }

    fn panel(&mut self, node: &Node) -> Option<PanelSelector> {
        let scalar = node.as_scalar()?;
        if !scalar.style.is_quoted() {
            if let Ok(id) = scalar.value.parse::<i64>() {
                return Some(PanelSelector::Id(id));
            }
        }
        self.string(node, "`panel`").map(PanelSelector::Title)
    }

    fn catalog_coverage(&mut self, node: &Node) -> CatalogCoverage {
        let mut coverage = CatalogCoverage::default();
        for (key, _, value) in self.mapping(node, "`catalog_coverage`", COVERAGE_KEYS) {
            match key {
                "complete" => coverage.complete = self.boolean(value, "`complete`"),
                _ => coverage.exclude_namespaces = self.strings(value, "a namespace"),
            }
        }
        coverage
    }

    fn boolean(&mut self, node: &Node, what: &str) -> bool {
        let text = self.string(node, what);
        match text.as_deref() {
            Some("true") => true,
            Some("false") | None => false,
            Some(other) => {
                self.error(
                    node.span.clone(),
                    format!("{what} must be true or false, found `{other}`"),
                );
                false
            }
        }
    }

    fn alerts(&mut self, node: &Node) -> AlertPolicy {
        let mut policy = AlertPolicy::default();
        for (key, _, value) in self.mapping(node, "`alerts`", ALERT_KEYS) {
            match key {
                "required_labels" => policy.required_labels = self.required_labels(value),
                _ => policy.required_annotations = self.strings(value, "an annotation name"),
            }
        }
        policy
    }

    /// `required_labels` as a mapping `name: allowed` (allowed: `~`, `a|b|c` or a
    /// list) or as a plain list of names.
    fn required_labels(&mut self, node: &Node) -> Vec<RequiredLabel> {
        if node.as_sequence().is_some() {
            return self
                .strings(node, "a label name")
                .into_iter()
                .map(|name| RequiredLabel {
                    name,
                    allowed: Vec::new(),
                })
                .collect();
        }
        let mut labels = Vec::new();
        for (name, _, value) in self.mapping(node, "`required_labels`", &[]) {
            let allowed: Vec<String> = if value.as_sequence().is_some() {
                self.strings(value, "an allowed value")
            } else if value.is_null() {
                Vec::new()
            } else {
                match self.string(value, "allowed values") {
                    Some(text) => text.split('|').map(|v| v.trim().to_string()).collect(),
                    None => continue,
                }
            };
            if allowed.iter().any(String::is_empty) {
                self.error(value.span.clone(), "an allowed value is empty")
                    .help = Some("write the values as `critical|warning|info`".to_string());
                continue;
            }
            labels.push(RequiredLabel {
                name: name.to_string(),
                allowed,
            });
        }
        labels
    }

    fn prometheus(&mut self, node: &Node) -> PrometheusSettings {
        let mut settings = PrometheusSettings::default();
        for (key, _, value) in self.mapping(node, "`prometheus`", PROMETHEUS_KEYS) {
            match key {
                "scrape_interval" => {
                    let Some(text) = self.string(value, "`scrape_interval`") else {
                        continue;
                    };
                    match parse_duration_seconds(&text) {
                        Some(seconds) if seconds > 0 => {
                            settings.scrape_interval_seconds = Some(seconds)
                        }
                        _ => {
                            self.error(value.span.clone(), format!("`{text}` is not a duration"))
                                .help = Some("write it like `30s`, `1m` or `1m30s`".to_string());
                        }
                    }
                }
                "extra_target_labels" => {
                    settings.extra_target_labels = self.strings(value, "a label name")
                }
                "config" => settings.config = self.string(value, "`config`"),
                "features" => settings.features = self.features(value),
                "dialect" => settings.dialect = self.one_of(value, "dialect", DIALECTS),
                _ => {
                    settings.name_validation =
                        self.one_of(value, "name_validation", NAME_VALIDATIONS)
                }
            }
        }
        settings
    }

    /// Feature names as Prometheus' `--enable-feature` spells them.
    fn features(&mut self, node: &Node) -> Vec<String> {
        use clap::ValueEnum;
        let known: Vec<String> = crate::pipeline::Feature::value_variants()
            .iter()
            .map(|feature| feature.name().to_string())
            .collect();
        let items: Vec<&Node> = self.glob_nodes(node);
        let mut features = Vec::new();
        for item in items {
            let Some(text) = self.string(item, "a feature name") else {
                continue;
            };
            if known.contains(&text) {
                features.push(text);
            } else {
                self.error(
                    item.span.clone(),
                    format!("`{text}` is not a PromQL feature promgate knows"),
                )
                .help = Some(format!("use one of: {}", known.join(", ")));
            }
        }
        features
    }

    /// An override's `dialect`, as `prometheus.dialect` spells it.
    fn dialect(&mut self, node: &Node) -> Option<crate::rules::Dialect> {
        use clap::ValueEnum;
        let name = self.one_of(node, "dialect", DIALECTS)?;
        crate::rules::Dialect::from_str(&name, false).ok()
    }

    /// `max_file_size`: bytes, or a number with KiB, MiB or GiB.
    fn file_size(&mut self, node: &Node) -> Option<u64> {
        let text = self.string(node, "`max_file_size`")?;
        match crate::pipeline::parse_file_size(&text) {
            Ok(bytes) => Some(bytes),
            Err(message) => {
                self.error(node.span.clone(), message);
                None
            }
        }
    }

    fn one_of(&mut self, node: &Node, what: &str, allowed: &[&str]) -> Option<String> {
        let text = self.string(node, what)?;
        if allowed.contains(&text.as_str()) {
            Some(text)
        } else {
            self.error(node.span.clone(), format!("`{text}` is not a {what}"))
                .help = Some(format!("use one of: {}", allowed.join(", ")));
            None
        }
    }
}

/// Seconds in a Prometheus duration such as `30s`, `1m30s`, `2h`.
fn parse_duration_seconds(text: &str) -> Option<u64> {
    let mut total: u64 = 0;
    let mut rest = text.trim();
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit())?;
        if digits == 0 {
            return None;
        }
        let number: u64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let factor = match &rest[..unit_len] {
            "ms" => {
                // Sub-second parts do not change a whole-second interval.
                rest = &rest[unit_len..];
                continue;
            }
            "s" => 1,
            "m" => 60,
            "h" => 3600,
            "d" => 86_400,
            "w" => 604_800,
            "y" => 31_536_000,
            _ => return None,
        };
        total = total.checked_add(number.checked_mul(factor)?)?;
        rest = &rest[unit_len..];
    }
    Some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration_seconds("30s"), Some(30));
        assert_eq!(parse_duration_seconds("1m30s"), Some(90));
        assert_eq!(parse_duration_seconds("2h"), Some(7200));
        assert_eq!(parse_duration_seconds("30"), None);
        assert_eq!(parse_duration_seconds("s"), None);
        assert_eq!(parse_duration_seconds("5x"), None);
    }
}
