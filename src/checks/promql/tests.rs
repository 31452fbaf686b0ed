//! Fixture-level tests of the PromQL checks on rule files, through the rules model.

use super::rule_file::{run, PromqlOptions};
use crate::checks::CheckMeta;
use crate::rules::load;
use crate::source::SourceFile;

fn lint(path: &str) -> Vec<String> {
    let full = format!("{}/rules-fixtures/{path}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&full).unwrap();
    let file = SourceFile::new(path, text);
    let model = load(&file).unwrap();
    let mut out = Vec::new();
    run(&model, &PromqlOptions::default(), &mut out);
    out.sort_by_key(|d| (d.span.start, d.code));
    out.iter()
        .map(|d| {
            let at = file.line_col(d.span.start);
            let mut line = format!(
                "{}:{} {} {} [{}] {}",
                at.line,
                at.column,
                d.severity,
                d.code,
                &file.text[d.span.clone()],
                d.message
            );
            if let Some(help) = &d.help {
                line.push_str(&format!("\n    help: {help}"));
            }
            for label in &d.labels {
                let at = file.line_col(label.span.start);
                line.push_str(&format!(
                    "\n    {}:{} [{}] {}",
                    at.line,
                    at.column,
                    &file.text[label.span.clone()],
                    label.message
                ));
            }
            line
        })
        .collect()
}

const CHECKS: &[&CheckMeta] = &[
    &super::syntax::META,
    &super::feature::META,
    &super::regexp::META,
    &super::histogram_le::META,
    &crate::checks::alerts::comparison::META,
    &crate::checks::template::label::META,
];

#[test]
fn failing_fixtures_report_their_check_at_the_token() {
    for meta in CHECKS {
        let path = meta.bad.path.trim_start_matches("rules-fixtures/");
        let lines = lint(path);
        assert!(
            lines.iter().any(|l| l.contains(meta.code)),
            "{path} does not report {}: {lines:?}",
            meta.code
        );
        insta::assert_snapshot!(path.replace('/', "__"), lines.join("\n"));
    }
}

#[test]
fn passing_fixtures_are_clean() {
    for meta in CHECKS {
        let path = meta.good.path.trim_start_matches("rules-fixtures/");
        let lines = lint(path);
        assert!(lines.is_empty(), "{path}: {lines:?}");
    }
}
