//! `check --fix`, `--unsafe-fixes` and `--diff`: drive the fixing loop and say what it
//! did.
//!
//! `--fix` writes every changed file (atomically, see `autofix::write`), then reports
//! the findings that remain, exiting as a plain check of the fixed files would.
//! `--diff` prints a unified diff of every file that would change and writes nothing;
//! it exits 1 when there is a change to make, 0 when there is none. With `--stdin`,
//! `--fix` prints the fixed text on stdout and the remaining findings on stderr.

use super::{print_findings, CheckArgs, EXIT_CLEAN, EXIT_ERROR, EXIT_PROBLEMS};
use crate::autofix::{self, diff, FixRun, Linted};
use crate::pipeline::Options;
use std::io::Write;
use std::path::Path;

pub(super) fn run(
    args: &CheckArgs,
    options: &Options,
    stdin_bytes: Option<&[u8]>,
    lint: &mut dyn FnMut(&Options) -> Result<Linted, String>,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
    stdout_is_terminal: bool,
) -> i32 {
    let run = match autofix::fix_loop(options, args.unsafe_fixes, lint) {
        Ok(run) => run,
        Err(message) => {
            let _ = writeln!(stderr, "promgate: error: {message}");
            return EXIT_ERROR;
        }
    };
    for error in &run.last.io_errors {
        let _ = writeln!(stderr, "promgate: error: {error}");
    }
    warn_about_dropped_fixes(&run, stderr);
    if args.diff {
        return print_diff(args, &run, stdout, stderr);
    }
    if let Some(bytes) = stdin_bytes {
        return fix_stdin(args, &run, bytes, stdout, stderr);
    }
    let mut failed = 0;
    let mut written = Vec::new();
    for file in &run.files {
        match autofix::write::replace_file(
            Path::new(&file.display),
            &file.original,
            &file.fixed,
            options.max_file_bytes,
        ) {
            Ok(()) => written.push(file),
            Err(message) => {
                failed += 1;
                let _ = writeln!(
                    stderr,
                    "promgate: error: {message} ({} fix{} not applied)",
                    file.fix_count(),
                    plural_es(file.fix_count())
                );
            }
        }
    }
    let extra = summary(
        args,
        &run,
        written.iter().map(|f| f.fix_count()).sum(),
        false,
    );
    let status = print_findings(args, &run.last, &extra, stdout, stderr, stdout_is_terminal);
    if failed > 0 {
        EXIT_ERROR
    } else {
        status
    }
}

/// `--diff`: the diffs on stdout, the counts on stderr.
fn print_diff(
    args: &CheckArgs,
    run: &FixRun,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> i32 {
    for file in &run.files {
        let text = diff::unified(&file.display, &file.original, &file.fixed);
        if stdout.write_all(text.as_bytes()).is_err() {
            return EXIT_ERROR;
        }
    }
    if !args.workflow.quiet {
        let _ = stderr.write_all(summary(args, run, run.applied(), true).as_bytes());
    }
    if !run.last.io_errors.is_empty() {
        EXIT_ERROR
    } else if run.files.is_empty() {
        EXIT_CLEAN
    } else {
        EXIT_PROBLEMS
    }
}

/// `--stdin --fix`: the fixed text on stdout, the remaining findings on stderr.
fn fix_stdin(
    args: &CheckArgs,
    run: &FixRun,
    original: &[u8],
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> i32 {
    // Unfixed input goes out byte for byte, whatever it holds.
    let fixed = run
        .files
        .first()
        .map_or(original, |file| file.fixed.as_bytes());
    if stdout.write_all(fixed).is_err() {
        return EXIT_ERROR;
    }
    let extra = summary(args, run, run.applied(), false);
    let mut findings = Vec::new();
    let mut notes = Vec::new();
    let status = print_findings(args, &run.last, &extra, &mut findings, &mut notes, false);
    let _ = stderr.write_all(&findings);
    let _ = stderr.write_all(&notes);
    status
}

/// Fixes that would have broken the file, and a loop that did not settle.
fn warn_about_dropped_fixes(run: &FixRun, stderr: &mut dyn Write) {
    for rejected in &run.rejected {
        let _ = writeln!(
            stderr,
            "promgate: warning: {}:{}: fix `{}` ({}) not applied: the file would no longer parse as before",
            rejected.display, rejected.line, rejected.title, rejected.code
        );
    }
    if !run.converged {
        let _ = writeln!(
            stderr,
            "promgate: warning: fixes still applied after {} rounds; stopped there (two fixes may undo each other)",
            autofix::MAX_ROUNDS
        );
    }
}

/// "promgate: applied 3 fixes (2 promql/regexp, 1 dashboard/rate-interval); 1 more
/// with --unsafe-fixes".
fn summary(args: &CheckArgs, run: &FixRun, applied: usize, preview: bool) -> String {
    let by_code: Vec<String> = run
        .applied_by_code()
        .iter()
        .map(|(code, count)| format!("{count} {code}"))
        .collect();
    let verb = if preview { "would apply" } else { "applied" };
    let mut line = format!("promgate: {verb} {applied} fix{}", plural_es(applied));
    if !by_code.is_empty() {
        line.push_str(&format!(" ({})", by_code.join(", ")));
    }
    let (_, unsafe_left) = autofix::fixable_counts(&run.last.report);
    if unsafe_left > 0 && !args.unsafe_fixes {
        line.push_str(&format!(
            "; {unsafe_left} more fix{} with --unsafe-fixes",
            plural_es(unsafe_left)
        ));
    }
    line.push('\n');
    line
}

fn plural_es(count: usize) -> &'static str {
    if count == 1 {
        ""
    } else {
        "es"
    }
}
