//! Applying the config to a file's diagnostics: severities per check and path, checks
//! turned off, opt-in checks left off, and dashboard exclusions.

use super::model::{Config, DashboardExclusion, Level, PanelSelector};
use crate::checks;
use crate::diagnostic::Diagnostic;

/// Where a dashboard finding sits, as far as exclusions care.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DashboardSite<'a> {
    pub uid: Option<&'a str>,
    pub panel_id: Option<i64>,
    pub panel_title: Option<&'a str>,
}

impl DashboardExclusion {
    /// Whether this exclusion silences `code` at `site` in the file at `relative_path`.
    /// Every part the exclusion names must match; parts it leaves out match anything.
    pub fn matches(&self, relative_path: &str, site: &DashboardSite, code: &str) -> bool {
        let uid_matches = self.uid.as_deref().is_none_or(|uid| site.uid == Some(uid));
        let path_matches = self.paths.is_empty() || self.paths.is_match(relative_path);
        let panel_matches = match &self.panel {
            None => true,
            Some(PanelSelector::Id(id)) => site.panel_id == Some(*id),
            Some(PanelSelector::Title(title)) => site.panel_title == Some(title.as_str()),
        };
        let code_matches = self.checks.is_empty() || self.checks.iter().any(|p| p.matches(code));
        uid_matches && path_matches && panel_matches && code_matches
    }
}

impl Config {
    /// Whether a dashboard exclusion silences `code` at `site`.
    pub fn dashboard_excluded(
        &self,
        relative_path: &str,
        site: &DashboardSite,
        code: &str,
    ) -> bool {
        self.dashboard_exclusions
            .iter()
            .any(|exclusion| exclusion.matches(relative_path, site, code))
    }

    /// Drops the diagnostics of checks that are off for this file (or opt-in and not
    /// turned on) and sets the configured severity of the others. A check that reports
    /// at several severities keeps its own choice unless the config names a severity.
    pub fn apply_levels(
        &self,
        relative_path: &str,
        diagnostics: Vec<Diagnostic>,
    ) -> Vec<Diagnostic> {
        diagnostics
            .into_iter()
            .filter_map(|mut diagnostic| {
                match self.level_for(diagnostic.code, relative_path) {
                    Some(Level::Off) => return None,
                    Some(Level::At(severity)) => diagnostic.severity = severity,
                    Some(Level::On) => {}
                    None => {
                        let meta = checks::find(diagnostic.code);
                        let runs = meta
                            .is_none_or(|meta| self.severity_for(meta, relative_path).is_some());
                        if !runs {
                            return None;
                        }
                    }
                }
                Some(diagnostic)
            })
            .collect()
    }

    /// Whether a check runs on a file at all (for opt-in checks, and for the
    /// unused-suppression report).
    pub fn runs(&self, code: &str, relative_path: &str) -> bool {
        match checks::find(code) {
            Some(meta) => self.severity_for(meta, relative_path).is_some(),
            None => !matches!(self.level_for(code, relative_path), Some(Level::Off)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{parse_config, CodePattern, PathGlobs};
    use crate::diagnostic::Severity;
    use crate::source::SourceFile;

    fn config(text: &str) -> Config {
        parse_config(&SourceFile::new(".promgate.yml", text), "/repo".into()).unwrap()
    }

    #[test]
    fn levels_drop_override_and_keep() {
        let config = config(
            "checks:\n  rules/duplicate: off\n  template/syntax: info\noverrides:\n  - paths: strict/\n    checks: {rules/duplicate: error}\n",
        );
        let diagnostics = || {
            vec![
                Diagnostic::new("rules/duplicate", Severity::Warning, 0..1, "d"),
                Diagnostic::new("template/syntax", Severity::Error, 0..1, "t"),
                Diagnostic::new("rules/schema", Severity::Warning, 0..1, "s"),
                Diagnostic::new("alerts/required-labels", Severity::Warning, 0..1, "opt-in"),
            ]
        };
        let applied = config.apply_levels("a.yml", diagnostics());
        let summary: Vec<(&str, Severity)> = applied.iter().map(|d| (d.code, d.severity)).collect();
        assert_eq!(
            summary,
            vec![
                ("template/syntax", Severity::Info),
                ("rules/schema", Severity::Warning)
            ]
        );
        let strict = config.apply_levels("strict/a.yml", diagnostics());
        assert_eq!(strict[0].code, "rules/duplicate");
        assert_eq!(strict[0].severity, Severity::Error);
        assert!(!config.runs("alerts/required-labels", "a.yml"));
        assert!(config.runs("rules/schema", "a.yml"));
    }

    #[test]
    fn dashboard_exclusions_match_every_named_part() {
        let exclusion = DashboardExclusion {
            uid: Some("abc".into()),
            paths: PathGlobs::default(),
            panel: Some(PanelSelector::Id(4)),
            checks: vec![CodePattern::parse("rules/*").unwrap()],
        };
        let site = DashboardSite {
            uid: Some("abc"),
            panel_id: Some(4),
            panel_title: Some("CPU"),
        };
        assert!(exclusion.matches("d.json", &site, "rules/x"));
        assert!(!exclusion.matches("d.json", &site, "catalog/x"));
        let other_panel = DashboardSite {
            panel_id: Some(5),
            ..site
        };
        assert!(!exclusion.matches("d.json", &other_panel, "rules/x"));
        let config = config("dashboards:\n  exclude:\n    - paths: legacy/\n      panel: CPU\n");
        assert!(config.dashboard_excluded("legacy/d.json", &site, "anything/x"));
        assert!(!config.dashboard_excluded("new/d.json", &site, "anything/x"));
    }
}
