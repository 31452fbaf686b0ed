//! Checks on alerting rules: their expressions, and team policy on labels and
//! annotations.

pub mod comparison;
pub mod required_annotations;
pub mod required_labels;

use super::context::ExprRun;
use super::CheckMeta;

pub const CHECKS: &[&CheckMeta] = &[
    &comparison::META,
    &required_labels::META,
    &required_annotations::META,
];

pub const EXPR_RUNNERS: &[(&CheckMeta, ExprRun)] = &[(&comparison::META, comparison::run)];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{AlertPolicy, RequiredLabel};
    use crate::diagnostic::Diagnostic;
    use crate::source::SourceFile;

    fn policy() -> AlertPolicy {
        AlertPolicy {
            required_labels: vec![
                RequiredLabel {
                    name: "severity".into(),
                    allowed: vec!["critical".into(), "warning".into(), "info".into()],
                },
                RequiredLabel {
                    name: "team".into(),
                    allowed: vec![],
                },
            ],
            required_annotations: vec!["summary".into(), "runbook_url".into()],
        }
    }

    fn run(meta: &CheckMeta, text: &str) -> Vec<(String, usize, usize, String)> {
        let file = SourceFile::new("x.yml", text);
        let rules = crate::rules::load(&file).expect("fixture parses");
        let mut out: Vec<Diagnostic> = Vec::new();
        if meta.code == required_labels::META.code {
            required_labels::run(&rules, &policy(), &mut out);
        } else {
            required_annotations::run(&rules, &policy(), &mut out);
        }
        out.iter()
            .map(|d| {
                let at = file.line_col(d.span.start);
                (
                    file.text[d.span.clone()].to_string(),
                    at.line,
                    at.column,
                    d.message.clone(),
                )
            })
            .collect()
    }

    #[test]
    fn required_labels_fixtures() {
        let found = run(&required_labels::META, required_labels::META.bad.text);
        assert_eq!(
            found,
            vec![
                (
                    "page".into(),
                    9,
                    21,
                    "label `severity` of alert `ApiDown` is `page`, which the policy does not allow".into()
                ),
                ("ApiDown".into(), 5, 16, "alert `ApiDown` has no `team` label".into()),
                ("ApiSlow".into(), 10, 16, "alert `ApiSlow` has no `severity` label".into()),
                (
                    "\"\"".into(),
                    14,
                    17,
                    "label `team` of alert `ApiSlow` is empty, which Prometheus drops".into()
                ),
            ]
        );
        assert!(run(&required_labels::META, required_labels::META.good.text).is_empty());
    }

    #[test]
    fn required_annotations_fixtures() {
        let found = run(
            &required_annotations::META,
            required_annotations::META.bad.text,
        );
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(
            found[0].3,
            "annotation `summary` of alert `ApiDown` is empty"
        );
        assert_eq!((found[0].1, found[0].2), (9, 20));
        assert_eq!(
            found[1].3,
            "alert `ApiDown` has no `runbook_url` annotation"
        );
        assert!(run(
            &required_annotations::META,
            required_annotations::META.good.text
        )
        .is_empty());
    }

    #[test]
    fn templated_values_are_not_judged() {
        let text = "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up == 0\n    labels:\n      severity: '{{ $labels.severity }}'\n      team: x\n";
        assert!(run(&required_labels::META, text).is_empty());
    }
}
