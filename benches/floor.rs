//! The pipeline beside its parse-only floor, measured in the same process on the same
//! files: how far the whole run (discover, load the models, analyse, check, sort) sits
//! above the least any linter must do (read each file, run the YAML event parser over
//! it, parse every `expr:` value as PromQL), and what rendering the findings costs.
//!
//! Two floors: the one issue 12 defines, over saphyr's events, and the same work over
//! the tree promgate's own YAML reading builds (`yaml::parse_documents`: the regular
//! reader, saphyr for what it declines), which is faster than saphyr's events alone.
//! The first ratio says how the pipeline compares with parsing by the usual parser; the
//! second, how much the pipeline adds on top of its own parsing.
//!
//! `PROMGATE_BENCH_CORPUS=DIR cargo bench --bench floor` (scripts/bench-perf.sh passes
//! the generated 10,000-rule corpus). `PROMGATE_BENCH_RUNS` sets the runs per figure
//! (default 15). Prints the median of each figure and the ratios; the figures are wall
//! times on one machine, so only the ratios travel.

use promgate::pipeline::{self, Options};
use promgate::report::{human, json, DisplayOptions};
use rayon::prelude::*;
use saphyr_parser::{Event, Parser};
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The binary's allocator, so the figures are the binary's (see src/main.rs).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let corpus = std::env::var_os("PROMGATE_BENCH_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            panic!(
                "set PROMGATE_BENCH_CORPUS to a folder of rule files \
             (scripts/bench-perf.sh generates one with ../shared/tools/gen_corpus.py)"
            )
        });
    assert!(corpus.is_dir(), "{} is not a folder", corpus.display());
    let runs: usize = std::env::var("PROMGATE_BENCH_RUNS")
        .ok()
        .map(|runs| runs.parse().expect("PROMGATE_BENCH_RUNS is a number"))
        .unwrap_or(15);
    let files = rule_files(&corpus);
    assert!(!files.is_empty(), "no .yml files in {}", corpus.display());

    let expressions = floor(&files);
    let report = pipeline::run(std::slice::from_ref(&corpus), &Options::default()).report;
    let display = DisplayOptions::default();
    let shown = display.shown(&report).count();
    println!(
        "corpus: {} ({} files, {} expressions, {} findings, {} shown by default), {} threads, median of {runs} runs",
        corpus.display(),
        files.len(),
        expressions,
        report.diagnostics.len(),
        shown,
        rayon::current_num_threads(),
    );

    let floor_time = median(runs, || {
        black_box(floor(&files));
    });
    assert_eq!(own_reader_floor(&files), expressions);
    let own_floor_time = median(runs, || {
        black_box(own_reader_floor(&files));
    });
    let pipeline_time = median(runs, || {
        black_box(pipeline::run(
            std::slice::from_ref(&corpus),
            &Options::default(),
        ));
    });
    let human_time = median(runs, || {
        black_box(human::render(&report, &display));
    });
    // The same rendering on one thread: the per-finding cost without the parallel split.
    let one_thread = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("a one-thread pool");
    let human_one_thread = median(runs, || {
        one_thread.install(|| black_box(human::render(&report, &display)));
    });
    let json_time = median(runs, || {
        black_box(json::render(&report));
    });
    let whole_human = median(runs, || {
        let report = pipeline::run(std::slice::from_ref(&corpus), &Options::default()).report;
        black_box(human::render(&report, &display));
    });

    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "floor (read + YAML events + PromQL parse)  {:9.1} ms",
        ms(floor_time)
    );
    println!(
        "floor over promgate's YAML reading         {:9.1} ms",
        ms(own_floor_time)
    );
    println!(
        "pipeline (pipeline::run, no rendering)     {:9.1} ms",
        ms(pipeline_time)
    );
    println!(
        "human rendering of the report              {:9.1} ms",
        ms(human_time)
    );
    println!(
        "human rendering on one thread              {:9.1} ms ({:.2} us per shown finding)",
        ms(human_one_thread),
        ms(human_one_thread) * 1000.0 / shown.max(1) as f64
    );
    println!(
        "human findings left to miette (fallback)   {:9}",
        human::fast_path_misses(&report, &display)
    );
    println!(
        "json rendering of the report               {:9.1} ms",
        ms(json_time)
    );
    println!(
        "pipeline + human rendering                 {:9.1} ms",
        ms(whole_human)
    );
    println!(
        "ratio pipeline / floor                     {:9.2}x",
        ms(pipeline_time) / ms(floor_time)
    );
    println!(
        "ratio (pipeline + human) / floor           {:9.2}x",
        ms(whole_human) / ms(floor_time)
    );
    println!(
        "ratio pipeline / floor over own reading    {:9.2}x",
        ms(pipeline_time) / ms(own_floor_time)
    );
}

/// The corpus' YAML files, sorted so every run reads them in the same order.
fn rule_files(corpus: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", corpus.display()))
        .map(|entry| entry.expect("a readable folder entry").path())
        .filter(|path| {
            matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("yml" | "yaml")
            )
        })
        .collect();
    files.sort();
    files
}

/// The parse-only floor, in parallel over files as the pipeline is: read the file, run
/// the YAML event parser to its end, and parse every scalar that is the value of an
/// `expr` key as PromQL. Returns the expressions parsed (so nothing is optimised away
/// and the caller can say how many there were).
fn floor(files: &[PathBuf]) -> usize {
    over_files(files, |_, text| parse_expressions(&text))
}

/// The floor with promgate's own YAML reading in place of saphyr's events: read each
/// file, build its tree with `yaml::parse_documents`, parse every `expr:` value.
fn own_reader_floor(files: &[PathBuf]) -> usize {
    over_files(files, |path, text| {
        let file = promgate::source::SourceFile::new(path.display().to_string(), text);
        let documents =
            promgate::yaml::parse_documents(&file).expect("the benchmark corpus is valid YAML");
        documents
            .iter()
            .filter_map(|document| document.root.as_ref())
            .map(parse_tree_expressions)
            .sum::<usize>()
    })
}

/// Reads every file and sums what `parse` counts in it, in parallel over files as the
/// pipeline runs.
fn over_files(files: &[PathBuf], parse: impl Fn(&Path, String) -> usize + Sync) -> usize {
    files
        .par_iter()
        .map(|path| {
            let text = std::fs::read_to_string(path)
                .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
            parse(path, text)
        })
        .sum()
}

/// Parses the value of every `expr` key in `node` as PromQL; returns how many.
fn parse_tree_expressions(node: &promgate::yaml::Node) -> usize {
    use promgate::yaml::NodeKind;
    match &node.kind {
        NodeKind::Mapping(entries) => entries
            .iter()
            .map(|entry| match (entry.key.as_str(), entry.value.as_str()) {
                (Some("expr"), Some(expr)) => {
                    black_box(promgate::promql::parse(expr));
                    1
                }
                _ => parse_tree_expressions(&entry.value),
            })
            .sum(),
        NodeKind::Sequence(items) => items.iter().map(parse_tree_expressions).sum(),
        _ => 0,
    }
}

/// Runs the event parser over `text`, parsing each `expr:` value; in a mapping, keys and
/// values alternate, so a scalar right after the scalar key `expr` is its value.
fn parse_expressions(text: &str) -> usize {
    let mut parser = Parser::new_from_str(text);
    let mut after_expr_key = false;
    let mut parsed = 0;
    while let Some(next) = parser.next_event() {
        let (event, _span) = next.expect("the benchmark corpus is valid YAML");
        after_expr_key = match event {
            Event::Scalar(value, ..) if after_expr_key => {
                black_box(promgate::promql::parse(&value));
                parsed += 1;
                false
            }
            Event::Scalar(value, ..) => value == "expr",
            _ => false,
        };
    }
    parsed
}

/// The median wall time of `runs` calls of `work`, after one warm-up call.
fn median(runs: usize, mut work: impl FnMut()) -> Duration {
    work();
    let mut times: Vec<Duration> = (0..runs.max(1))
        .map(|_| {
            let start = Instant::now();
            work();
            start.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}
