//! Every dashboard check reports its failing fixture and stays silent on its passing one.

use super::*;
use crate::dashboards;
use crate::source::SourceFile;

/// Runs one check on a fixture text and renders its findings as `line:col severity message`.
pub(crate) fn findings(meta: &CheckMeta, path: &str, text: &str) -> Vec<String> {
    let file = SourceFile::new(path, text);
    let loaded = dashboards::DashboardFile::new(dashboards::load_file(&file));
    let mut out = Vec::new();
    check_file(
        &file,
        &loaded,
        &Default::default(),
        None,
        &|m| m.code == meta.code,
        &mut out,
    );
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

/// Every shape the corpus lacks, linted with every default dashboard check and
/// `promql/syntax`: the findings land at exact positions inside JSON strings, inside a
/// YAML block scalar, in v2 elements placed by nested layouts, in collapsed rows.
#[test]
fn synthetic_shapes() {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules-fixtures/dashboard-shapes");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    let mut rendered = String::new();
    for name in names {
        let text = std::fs::read_to_string(dir.join(&name)).unwrap();
        let file = SourceFile::new(name.clone(), text);
        let loaded = if name.ends_with(".yaml") {
            let documents = crate::yaml::parse_documents(&file).unwrap();
            dashboards::configmap::load_documents(&documents).expect("a ConfigMap")
        } else {
            dashboards::load_file(&file)
        };
        let shapes: Vec<String> = loaded
            .dashboards
            .iter()
            .map(|d| {
                let targets: usize = d.panels.iter().map(|p| p.targets.len()).sum();
                format!(
                    "{} ({} panels, {targets} targets)",
                    d.shape.as_ref().unwrap().describe(),
                    d.panels.len()
                )
            })
            .collect();
        rendered.push_str(&format!("== {name}: {}\n", shapes.join(", ")));
        let loaded = dashboards::DashboardFile::new(loaded);
        let mut out = Vec::new();
        check_file(
            &file,
            &loaded,
            &Default::default(),
            None,
            &|m| m.enabled_by_default,
            &mut out,
        );
        out.sort_by_key(|d| d.span.start);
        for d in out {
            let at = file.line_col(d.span.start);
            let token = &file.text[d.span.clone()];
            rendered.push_str(&format!(
                "{}:{} {} {} [{}]\n",
                at.line, at.column, d.code, d.message, token
            ));
        }
    }
    insta::assert_snapshot!(rendered);
}
