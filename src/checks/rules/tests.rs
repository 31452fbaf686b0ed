//! Fixture-level tests of the rule-file checks, through the model.

use crate::checks::rules::check_rule_file;
use crate::rules::{load, RuleOptions};
use crate::source::SourceFile;

fn lint(path: &str, options: RuleOptions) -> Vec<String> {
    let full = format!("{}/rules-fixtures/{path}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&full).unwrap();
    let file = SourceFile::new(path, text);
    let model = load(&file).unwrap();
    let mut out = Vec::new();
    let templates = crate::rules::template::ParsedTemplates::of(&model);
    check_rule_file(&model, &templates, &options, &mut out);
    out.sort_by_key(|d| d.span.start);
    out.iter()
        .map(|d| {
            let at = file.line_col(d.span.start);
            format!(
                "{}:{} {} {} [{}] {}",
                at.line,
                at.column,
                d.severity,
                d.code,
                &file.text[d.span.clone()],
                d.message
            )
        })
        .collect()
}

#[test]
fn failing_fixtures_report_at_the_token() {
    for path in [
        "rules/schema/fail.yml",
        "rules/duplicate/fail.yml",
        "template/syntax/fail.yml",
    ] {
        let lines = lint(path, RuleOptions::default());
        assert!(!lines.is_empty(), "{path} reports nothing");
        insta::assert_snapshot!(path.replace('/', "__"), lines.join("\n"));
    }
}

#[test]
fn passing_fixtures_are_silent() {
    for path in [
        "rules/schema/pass.yml",
        "rules/duplicate/pass.yml",
        "template/syntax/pass.yml",
        "pumpflix/alerts.yml",
    ] {
        assert_eq!(
            lint(path, RuleOptions::default()),
            Vec::<String>::new(),
            "{path}"
        );
    }
}
