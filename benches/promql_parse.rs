//! Parse speed of our PromQL front end beside the `promql-parser` crate, on the 1,861
//! eval queries of Prometheus' engine tests (`../shared/corpus/promql-eval-queries.txt`).
//! Ours builds spans and type-checks; both validate regexes.
//!
//! `cargo bench --bench promql_parse`; queries per second = queries / time per iteration.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;

fn queries() -> Vec<String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/corpus/promql-eval-queries.txt");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(String::from)
        .collect()
}

fn bench(c: &mut Criterion) {
    let all = queries();
    // The queries both parsers accept, for a like-for-like comparison.
    let common: Vec<&String> = all
        .iter()
        .filter(|q| promql_parser::parser::parse(q).is_ok())
        .collect();
    let mut group = c.benchmark_group("promql-parse");
    group.throughput(Throughput::Elements(common.len() as u64));
    group.bench_function(format!("promgate/{}-common-queries", common.len()), |b| {
        b.iter(|| {
            for q in &common {
                black_box(promgate::promql::parse(black_box(q)));
            }
        })
    });
    group.bench_function(
        format!("promql-parser/{}-common-queries", common.len()),
        |b| {
            b.iter(|| {
                for q in &common {
                    let _ = black_box(promql_parser::parser::parse(black_box(q)));
                }
            })
        },
    );
    group.throughput(Throughput::Elements(all.len() as u64));
    group.bench_function(format!("promgate/all-{}-queries", all.len()), |b| {
        b.iter(|| {
            for q in &all {
                black_box(promgate::promql::parse(black_box(q)));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
