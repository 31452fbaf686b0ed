//! `promgate test`: promtool's rule unit tests (`promtool test rules`) on our engine.

use super::{EXIT_CLEAN, EXIT_ERROR, EXIT_PROBLEMS};
use crate::eval::ruletest::{self, coverage::FileCoverage, report};
use crate::pipeline::Feature;
use clap::{Args, ValueEnum};
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct TestArgs {
    /// Unit-test files (promtool's `test rules` format).
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,
    /// Only run test groups whose name matches this regex (repeatable: any matches).
    #[arg(long = "run", value_name = "REGEX")]
    pub run: Vec<String>,
    /// Also write the results as JUnit XML to this file.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TestFormat::Human)]
    pub format: TestFormat,
    /// Report which rules the tests cover (firing, silent, untested; recording rules
    /// evaluated with data or never; series no test provides).
    #[arg(long)]
    pub coverage: bool,
    /// With --coverage: exit 1 when fewer than PCT percent of the rules are covered.
    #[arg(long, value_name = "PCT", requires = "coverage")]
    pub fail_under: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TestFormat {
    Human,
    Json,
}

pub fn run(
    args: &TestArgs,
    features: &[Feature],
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> i32 {
    let run = if args.run.is_empty() {
        None
    } else {
        match regex::Regex::new(&args.run.join("|")) {
            Ok(r) => Some(r),
            Err(e) => {
                let _ = writeln!(stderr, "promgate: error: --run: {e}");
                return EXIT_ERROR;
            }
        }
    };
    if let Some(p) = args.fail_under {
        if !(0.0..=100.0).contains(&p) {
            let _ = writeln!(
                stderr,
                "promgate: error: --fail-under must be between 0 and 100"
            );
            return EXIT_ERROR;
        }
    }
    let options = ruletest::Options {
        run,
        enabled_features: features.iter().map(|f| f.name().to_string()).collect(),
        ..ruletest::Options::default()
    };
    // Test files are independent: run them in parallel, report in the given order.
    use rayon::prelude::*;
    let reports: Vec<ruletest::FileReport> = args
        .files
        .par_iter()
        .map(|f| ruletest::run_file(f, &options))
        .collect();
    let mut coverage = FileCoverage::default();
    for r in &reports {
        coverage.merge(&r.coverage);
    }
    let coverage_ref = args.coverage.then_some(&coverage);
    match args.format {
        TestFormat::Human => {
            let mut text = report::human(&reports);
            if let Some(c) = coverage_ref {
                text.push_str(&report::coverage_table(c));
            }
            let _ = write!(stdout, "{text}");
        }
        TestFormat::Json => {
            let json = report::json(&reports, coverage_ref);
            let _ = writeln!(
                stdout,
                "{}",
                serde_json::to_string_pretty(&json).unwrap_or_default()
            );
        }
    }
    if let Some(path) = &args.junit {
        // Written whole or not at all: a temporary file renamed into place.
        let tmp = path.with_extension("xml.tmp");
        let written =
            std::fs::write(&tmp, report::junit(&reports)).and_then(|_| std::fs::rename(&tmp, path));
        if let Err(e) = written {
            let _ = std::fs::remove_file(&tmp);
            let _ = writeln!(
                stderr,
                "promgate: error: cannot write {}: {e}",
                path.display()
            );
            return EXIT_ERROR;
        }
    }
    let failed = reports.iter().any(|r| !r.passed());
    let below = args.fail_under.is_some_and(|p| coverage.percent() < p);
    if below {
        let _ = writeln!(
            stderr,
            "promgate: coverage {:.1}% is below --fail-under {}",
            coverage.percent(),
            args.fail_under.unwrap_or(0.0)
        );
    }
    if failed || below {
        EXIT_PROBLEMS
    } else {
        EXIT_CLEAN
    }
}
