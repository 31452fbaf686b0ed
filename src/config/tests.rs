use super::*;
use crate::diagnostic::Severity;
use std::path::PathBuf;

fn parse(text: &str) -> Result<Config, Vec<(usize, usize, String)>> {
    let file = SourceFile::new(".promgate.yml", text);
    parse_config(&file, PathBuf::from("/repo")).map_err(|diagnostics| {
        diagnostics
            .into_iter()
            .map(|d| {
                let at = file.line_col(d.span.start);
                (at.line, at.column, d.message)
            })
            .collect()
    })
}

#[test]
fn the_starter_config_parses() {
    let config = parse(STARTER_CONFIG).expect("starter config is valid");
    assert_eq!(config.prometheus.scrape_interval_seconds, None);
    assert_eq!(config.prometheus.config, None);
    assert_eq!(config.prometheus.dialect.as_deref(), Some("prometheus"));
    assert!(config.checks.is_empty());
}

#[test]
fn empty_file_is_the_defaults() {
    let config = parse("").unwrap();
    assert!(config.checks.is_empty());
    assert!(config.catalogs.is_empty());
}

#[test]
fn reads_every_section() {
    let config = parse(
        r#"
catalogs: [catalog.yml]
catalog_coverage:
  complete: true
  exclude_namespaces: [go, process]
include: ["rules/**"]
exclude: vendor
overrides:
  - paths: ["rules/critical/**"]
    checks: {"*": error}
dashboards:
  exclude:
    - uid: abc
      panel: 4
    - paths: legacy/**
      panel: "CPU usage"
alerts:
  required_labels:
    severity: critical|warning|info
    team: ~
  required_annotations: [summary, runbook_url]
prometheus:
  scrape_interval: 30s
  extra_target_labels: [cluster]
  features: [promql-experimental-functions]
  name_validation: legacy
"#,
    )
    .unwrap();
    assert_eq!(config.catalogs, vec!["catalog.yml"]);
    assert!(config.catalog_coverage.complete);
    assert_eq!(
        config.catalog_coverage.exclude_namespaces,
        vec!["go", "process"]
    );
    assert!(config.include.is_match("rules/a.yml"));
    assert!(config.is_excluded("vendor/x/a.yml"));
    assert!(config.is_excluded("other/a.yml"));
    assert!(!config.is_excluded("rules/a.yml"));
    assert_eq!(config.overrides.len(), 1);
    assert_eq!(config.dashboard_exclusions.len(), 2);
    assert_eq!(
        config.dashboard_exclusions[0].panel,
        Some(PanelSelector::Id(4))
    );
    assert_eq!(
        config.dashboard_exclusions[1].panel,
        Some(PanelSelector::Title("CPU usage".into()))
    );
    assert_eq!(
        config.alerts.required_labels,
        vec![
            RequiredLabel {
                name: "severity".into(),
                allowed: vec!["critical".into(), "warning".into(), "info".into()]
            },
            RequiredLabel {
                name: "team".into(),
                allowed: vec![]
            }
        ]
    );
    assert_eq!(
        config.alerts.required_annotations,
        vec!["summary", "runbook_url"]
    );
    assert_eq!(config.prometheus.scrape_interval_seconds, Some(30));
    assert_eq!(config.prometheus.extra_target_labels, vec!["cluster"]);
    assert_eq!(config.prometheus.name_validation.as_deref(), Some("legacy"));
}

#[test]
fn errors_carry_positions_and_hints() {
    let errors = parse(
        "checks:\n  promgate/unused-suppression: loud\nprometheus:\n  scrape_intervall: 30s\n  dialect: vm\nextra: 1\n",
    )
    .unwrap_err();
    let positions: Vec<(usize, usize)> = errors.iter().map(|(l, c, _)| (*l, *c)).collect();
    assert!(positions.contains(&(2, 32)), "{errors:?}");
    assert!(positions.contains(&(4, 3)), "{errors:?}");
    assert!(positions.contains(&(5, 12)), "{errors:?}");
    assert!(positions.contains(&(6, 1)), "{errors:?}");
    assert!(errors
        .iter()
        .any(|(_, _, m)| m == "unknown key `scrape_intervall` in `prometheus`"));
}

#[test]
fn wrong_types_and_bad_durations_are_errors() {
    let errors = parse("catalogs: {a: 1}\nprometheus:\n  scrape_interval: 30\n").unwrap_err();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert_eq!(errors[0].0, 1);
    assert!(errors[1].2.contains("not a duration"));
}

#[test]
fn catalog_coverage_flags_must_be_booleans() {
    let errors = parse("catalog_coverage:\n  complete: yes please\n").unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!((errors[0].0, errors[0].1), (2, 13));
    assert!(errors[0].2.contains("true or false"), "{errors:?}");
}

#[test]
fn unknown_check_codes_are_errors() {
    let errors = parse("checks:\n  nosuch/check: off\n").unwrap_err();
    assert_eq!(errors[0].0, 2);
    assert!(errors[0].2.contains("no check is called `nosuch/check`"));
}

fn meta(code: &'static str, default_on: bool) -> crate::checks::CheckMeta {
    let example = crate::checks::Example {
        path: "x",
        text: "",
    };
    crate::checks::CheckMeta {
        code,
        severity: Severity::Warning,
        summary: "",
        docs: "",
        bad: example,
        good: example,
        enabled_by_default: default_on,
    }
}

#[test]
fn most_specific_setting_wins_and_overrides_apply_by_path() {
    let mut config = Config::defaults(PathBuf::from("/repo"));
    let setting = |pattern: &str, level| CheckSetting {
        pattern: CodePattern::parse(pattern).unwrap(),
        level,
    };
    config.checks = vec![
        setting("dashboard/x", Level::Off),
        setting("dashboard/*", Level::At(Severity::Error)),
    ];
    let mut strict = globset::GlobSetBuilder::new();
    strict.add(globset::Glob::new("strict/**").unwrap());
    config.overrides = vec![Override {
        paths: PathGlobs {
            patterns: vec!["strict/**".into()],
            set: strict.build().unwrap(),
        },
        checks: vec![setting("*", Level::On)],
        dialect: None,
    }];
    assert_eq!(
        config.severity_for(&meta("dashboard/x", true), "a.json"),
        None
    );
    assert_eq!(
        config.severity_for(&meta("dashboard/y", true), "a.json"),
        Some(Severity::Error)
    );
    assert_eq!(
        config.severity_for(&meta("dashboard/x", true), "strict/a.json"),
        Some(Severity::Warning)
    );
    assert_eq!(config.severity_for(&meta("opt/in", false), "a.json"), None);
    assert_eq!(
        config.severity_for(&meta("opt/in", false), "strict/a.json"),
        Some(Severity::Warning)
    );
}

#[test]
fn policy_turns_policy_checks_on() {
    let mut config = Config::defaults(PathBuf::from("/repo"));
    let required = meta("alerts/required-annotations", false);
    assert_eq!(config.severity_for(&required, "a.yml"), None);
    config.alerts.required_annotations = vec!["summary".into()];
    assert_eq!(
        config.severity_for(&required, "a.yml"),
        Some(Severity::Warning)
    );
}

#[test]
fn finds_the_nearest_config_walking_up() {
    let dir = std::env::temp_dir().join(format!("promgate-config-{}", std::process::id()));
    let nested = dir.join("a/b");
    std::fs::create_dir_all(&nested).unwrap();
    std::fs::write(dir.join(".promgate.yml"), "catalogs: [c.yml]\n").unwrap();
    assert_eq!(find_config(&nested), Some(dir.join(".promgate.yml")));
    let config = load(None, &nested).unwrap();
    assert_eq!(config.root, dir);
    assert_eq!(config.relative_path("x/../r.yml", &nested), "a/b/r.yml");
    std::fs::write(dir.join(".promgate.yml"), "catalogs: {}\n").unwrap();
    assert!(matches!(
        load(None, &nested),
        Err(ConfigError::Invalid { .. })
    ));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn overrides_set_the_dialect_per_path() {
    let config = parse(
        "prometheus:\n  dialect: prometheus\noverrides:\n  - paths: thanos/\n    dialect: thanos\n  - paths: thanos/vm/\n    dialect: vmalert\n  - paths: thanos/\n    checks: {rules/duplicate: off}\n",
    )
    .unwrap();
    use crate::rules::Dialect;
    assert_eq!(config.dialect_for("thanos/a.yml"), Some(Dialect::Thanos));
    // The last matching override that names a dialect wins; one without keeps it.
    assert_eq!(
        config.dialect_for("thanos/vm/a.yml"),
        Some(Dialect::Vmalert)
    );
    assert_eq!(config.dialect_for("rules/a.yml"), None);
    assert!(config.overrides_set_dialect());
    assert!(!parse("").unwrap().overrides_set_dialect());
    let errors = parse("overrides:\n  - paths: x/\n    dialect: cortex\n").unwrap_err();
    assert_eq!(errors, [(3, 14, "`cortex` is not a dialect".to_string())]);
}

#[test]
fn max_file_size_takes_bytes_or_units() {
    assert_eq!(
        parse("max_file_size: 32MiB\n").unwrap().max_file_bytes,
        Some(32 << 20)
    );
    assert_eq!(
        parse("max_file_size: 4096\n").unwrap().max_file_bytes,
        Some(4096)
    );
    assert_eq!(parse("").unwrap().max_file_bytes, None);
    let errors = parse("max_file_size: lots\n").unwrap_err();
    assert_eq!(errors.len(), 1);
    assert_eq!((errors[0].0, errors[0].1), (1, 16));
    assert!(errors[0].2.contains("is not a file size"), "{errors:?}");
}
