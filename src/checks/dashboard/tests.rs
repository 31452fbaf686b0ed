//! Every dashboard check reports its failing fixture and stays silent on its passing one.

use super::*;
use crate::dashboards::{self, queries};
use crate::source::SourceFile;

/// Runs one check on a fixture text and renders its findings as `line:col severity message`.
pub(crate) fn findings(meta: &CheckMeta, path: &str, text: &str) -> Vec<String> {
    let file = SourceFile::new(path, text);
    let loaded = dashboards::load_file(&file);
    let mut out = Vec::new();
    if meta.code == schema::META.code {
        report_load_problems(&loaded.problems, &mut out);
    }
    for dashboard in &loaded.dashboards {
        let queries = queries::find(dashboard);
        let input = DashboardInput {
            dashboard,
            queries: &queries,
        };
        run(&input, &|m| m.code == meta.code, &mut out);
    }
    out.iter()
        .map(|d| {
            let at = file.line_col(d.span.start);
            format!("{}:{} {} {}", at.line, at.column, d.severity, d.message)
        })
        .collect()
}

#[test]
fn every_check_reports_its_fail_fixture_and_passes_its_pass_fixture() {
    for meta in CHECKS {
        let bad = findings(meta, meta.bad.path, meta.bad.text);
        assert!(
            !bad.is_empty(),
            "{} reports nothing on {}",
            meta.code,
            meta.bad.path
        );
        let good = findings(meta, meta.good.path, meta.good.text);
        assert!(
            good.is_empty(),
            "{} reports on {}: {good:?}",
            meta.code,
            meta.good.path
        );
    }
}

#[test]
fn fail_fixture_findings() {
    let mut rendered = String::new();
    for meta in CHECKS {
        rendered.push_str(&format!("== {}\n", meta.bad.path));
        for line in findings(meta, meta.bad.path, meta.bad.text) {
            rendered.push_str(&line);
            rendered.push('\n');
        }
    }
    insta::assert_snapshot!(rendered);
}
