//! The workflow stage's cost on the real-world corpus: rendering every output format
//! (human with and without colour, beside JSON as the cheap reference), and finding
//! suppression comments in a large rule file.
//!
//! `cargo bench --bench workflow`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use promgate::config::suppress::Suppressions;
use promgate::pipeline::{self, Options};
use promgate::report::{
    checkstyle, concise, github, gitlab, human, json, junit, sarif, DisplayOptions, RunReport,
};
use promgate::source::SourceFile;
use std::hint::black_box;
use std::path::Path;

fn corpus() -> std::path::PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    assert!(path.is_dir(), "{} is missing", path.display());
    path
}

fn corpus_report() -> RunReport {
    let corpus = corpus();
    pipeline::run(
        &[corpus.join("rules"), corpus.join("dashboards")],
        &Options::default(),
    )
    .report
}

/// A rule file of `rules` alerts, every tenth with a suppression comment.
fn big_rule_file(rules: usize) -> SourceFile {
    let mut text = String::from("groups:\n  - name: generated\n    rules:\n");
    for index in 0..rules {
        if index % 10 == 0 {
            text.push_str("      # promgate: ignore[alerts/required-labels] generated\n");
        }
        text.push_str(&format!(
            "      - alert: Alert{index}\n        expr: |\n          # a PromQL comment\n          sum(rate(http_requests_total{{job=\"j{index}\"}}[5m])) > 1\n        labels:\n          note: \"# not a comment\"\n"
        ));
    }
    SourceFile::new("big.yml", text)
}

fn bench(c: &mut Criterion) {
    let report = corpus_report();
    let mut group = c.benchmark_group("render");
    group.throughput(Throughput::Elements(report.diagnostics.len() as u64));
    group.bench_function("json", |b| b.iter(|| black_box(json::render(&report))));
    // Every finding shown: the renderer's cost per finding, infos included.
    let plain = DisplayOptions {
        show_info: true,
        ..DisplayOptions::default()
    };
    let coloured = DisplayOptions {
        color: true,
        ..plain
    };
    group.bench_function("human", |b| {
        b.iter(|| black_box(human::render(&report, &plain)))
    });
    group.bench_function("human-colour", |b| {
        b.iter(|| black_box(human::render(&report, &coloured)))
    });
    group.bench_function("concise", |b| {
        b.iter(|| black_box(concise::render(&report, &plain)))
    });
    group.bench_function("sarif", |b| b.iter(|| black_box(sarif::render(&report))));
    group.bench_function("github", |b| b.iter(|| black_box(github::render(&report))));
    group.bench_function("checkstyle", |b| {
        b.iter(|| black_box(checkstyle::render(&report)))
    });
    group.bench_function("gitlab", |b| b.iter(|| black_box(gitlab::render(&report))));
    group.bench_function("junit", |b| b.iter(|| black_box(junit::render(&report))));
    group.finish();

    let file = big_rule_file(5_000);
    let documents = promgate::yaml::parse_documents(&file).expect("generated YAML parses");
    let mut group = c.benchmark_group("suppressions");
    group.throughput(Throughput::Bytes(file.text.len() as u64));
    group.bench_function("scan-5000-rules", |b| {
        b.iter(|| black_box(Suppressions::scan(&file, &documents)))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
