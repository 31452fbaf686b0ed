//! The command line: clap definitions and the commands (`check`, `explain`, and the
//! workflow ones in [`workflow`]: `init`, `completions`, `man`).
//! `main.rs` only calls [`main`]; everything here writes to the streams it is given, so
//! tests can drive it in-process.

mod catalog;
mod test;

use crate::autofix;
use crate::checks::{self, CheckMeta};
use crate::diagnostic::Severity;
use crate::pipeline::{self, Feature, Options};
use crate::report::{self, color::ColorChoice, DisplayOptions, RunReport};
use crate::rules::{Dialect, NameValidation};
use clap::{Args, Parser, Subcommand, ValueEnum};

mod fixing;
mod workflow;
use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

/// Exit status: no diagnostic at or above `--fail-on`.
pub const EXIT_CLEAN: i32 = 0;
/// Exit status: diagnostics at or above `--fail-on`.
pub const EXIT_PROBLEMS: i32 = 1;
/// Exit status: a usage error, or a path that could not be read.
pub const EXIT_ERROR: i32 = 2;

#[derive(Debug, Parser)]
#[command(
    name = "promgate",
    version,
    about = "A fast linter for Prometheus rule files and Grafana dashboards",
    propagate_version = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Flags every command understands.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// The rule evaluator the files are written for; its extra fields are accepted.
    /// Given here, it holds for every file; otherwise the config's `overrides:` may set
    /// it per path [default: `prometheus.dialect` in the config, else prometheus].
    #[arg(long, global = true, value_enum)]
    pub dialect: Option<Dialect>,
    /// Which metric and label names are valid: any UTF-8 (Prometheus 3) or the legacy
    /// character set (Prometheus 2) [default: `prometheus.name_validation` in the
    /// config, else utf8].
    #[arg(long, global = true, value_enum)]
    pub name_validation: Option<NameValidation>,
    /// Accept experimental PromQL syntax, as Prometheus' flag of the same name does
    /// (repeatable, or comma-separated).
    #[arg(
        long,
        global = true,
        value_enum,
        value_delimiter = ',',
        value_name = "FEATURE"
    )]
    pub enable_feature: Vec<Feature>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Lint rule files and dashboards (files and folders; default: the current folder).
    Check(CheckArgs),
    /// Print a check's documentation, with a bad and a fixed example.
    Explain(ExplainArgs),
    /// Run rule unit tests (promtool's `test rules` format), optionally with coverage.
    Test(test::TestArgs),
    /// Build and inspect metric catalogs (`import`, `show`).
    Catalog(catalog::CatalogArgs),
    /// Write a commented starter `.promgate.yml`.
    Init(workflow::InitArgs),
    /// Print shell completions (bash, zsh, fish, powershell, elvish).
    Completions(workflow::CompletionsArgs),
    /// Print the man page (roff).
    Man,
    /// Serve the Language Server Protocol on stdin/stdout, for editors (see
    /// docs/editors.md).
    Lsp(LspArgs),
}

#[derive(Debug, Args)]
pub struct LspArgs {
    /// A metric catalog (repeatable), added to the config's `catalogs:` and the
    /// client's `initializationOptions.catalogs`.
    #[arg(long = "catalog", value_name = "PATH")]
    pub catalogs: Vec<PathBuf>,
    /// Use this config file instead of the nearest `.promgate.yml` above the
    /// workspace root.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Within a burst of changes, milliseconds to wait for the next one before linting
    /// (a change after a pause is linted at once).
    #[arg(long, value_name = "MS", default_value_t = crate::lsp::DEFAULT_DEBOUNCE.as_millis() as u64)]
    pub debounce_ms: u64,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Files and folders to lint. Folders are walked recursively, skipping hidden
    /// folders, `target/`, `node_modules/` and what `.gitignore` excludes.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Exit with status 1 when a diagnostic has at least this severity. `info` also
    /// shows the infos (what fails a run is never hidden).
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
    /// Show info-level findings in the `human` and `concise` output. They are hidden by
    /// default and counted in the summary; the machine formats always include them.
    #[arg(long)]
    pub show_info: bool,
    /// Files larger than this are reported (`input/invalid`) instead of linted: bytes,
    /// or a number with KiB, MiB or GiB [default: `max_file_size` in the config, else
    /// 16MiB].
    #[arg(long, value_name = "SIZE", value_parser = parse_file_size)]
    pub max_file_size: Option<u64>,
    /// When to colour the human output (`NO_COLOR` is honoured in `auto`).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// A metric catalog to check metrics, labels and types against (repeatable; any
    /// format `promgate catalog import` reads), added to the config's `catalogs:`.
    /// Without one the catalog checks are skipped.
    #[arg(long = "catalog", value_name = "PATH")]
    pub catalogs: Vec<PathBuf>,
    /// Apply the safe fixes of the findings, then report what remains.
    #[arg(long, conflicts_with_all = ["write_baseline"])]
    pub fix: bool,
    /// With `--fix` or `--diff`, apply the unsafe fixes too (they may change what a
    /// query returns: review them).
    #[arg(long)]
    pub unsafe_fixes: bool,
    /// Print what `--fix` would change as a unified diff, and write nothing. Exits 1 when
    /// there is something to change.
    #[arg(long, conflicts_with_all = ["write_baseline"])]
    pub diff: bool,
    /// The Prometheus configuration (prometheus.yml) that loads these rules: it is
    /// checked, the rule files it names are linted, and its jobs, scrape intervals and
    /// target labels reach the checks (adds to `prometheus.config` of `.promgate.yml`).
    #[arg(long = "prometheus-config", value_name = "FILE")]
    pub prometheus_config: Vec<PathBuf>,
    #[command(flatten)]
    pub workflow: workflow::WorkflowArgs,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A check's code, such as `promql/syntax`.
    #[arg(required_unless_present = "list")]
    pub code: Option<String>,
    /// Print the documentation page as Markdown (as in `docs/checks/`).
    #[arg(long)]
    pub markdown: bool,
    /// List every check with its default severity and summary.
    #[arg(long, conflicts_with = "code")]
    pub list: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Source snippets with a caret under each problem (default).
    Human,
    /// One line per finding: `path:line:column: severity code message`.
    Concise,
    /// The stable JSON contract (version 1).
    Json,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
    /// GitHub Actions workflow commands (annotations).
    Github,
    /// Checkstyle XML.
    Checkstyle,
    /// GitLab Code Quality JSON.
    Gitlab,
    /// JUnit XML.
    Junit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Info,
}

impl FailOn {
    pub fn severity(self) -> Severity {
        match self {
            FailOn::Error => Severity::Error,
            FailOn::Warning => Severity::Warning,
            FailOn::Info => Severity::Info,
        }
    }
}

/// Which of the output streams are terminals (colour is only for terminals, unless
/// forced).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Terminals {
    pub stdout: bool,
    pub stderr: bool,
}

/// Runs promgate with the process' arguments and streams; returns the exit status.
pub fn main() -> i32 {
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    let terminals = Terminals {
        stdout: stdout.is_terminal(),
        stderr: stderr.is_terminal(),
    };
    run(
        std::env::args_os(),
        &mut stdout.lock(),
        &mut stderr.lock(),
        terminals,
    )
}

/// Runs promgate with `args` (the first is the program name).
pub fn run(
    args: impl IntoIterator<Item = OsString>,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
    terminals: Terminals,
) -> i32 {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(error) => {
            let to_stderr = error.use_stderr();
            let terminal = if to_stderr {
                terminals.stderr
            } else {
                terminals.stdout
            };
            let _ = write_clap_message(&error, to_stderr, terminal, stdout, stderr);
            return error.exit_code();
        }
    };
    let status = match &cli.command {
        Command::Check(args) => {
            let config = match workflow::load_config(&args.workflow, stderr) {
                Ok(config) => config,
                Err(status) => return status,
            };
            let options =
                match workflow::options(&cli.global, &args.workflow, args.max_file_size, config) {
                    Ok(options) => options,
                    Err(message) => {
                        let _ = writeln!(stderr, "promgate: error: {message}");
                        return EXIT_ERROR;
                    }
                };
            check(args, &options, stdout, stderr, terminals.stdout)
        }
        Command::Explain(args) => workflow::explain(args, stdout, stderr),
        Command::Init(args) => workflow::init(args, stdout, stderr),
        Command::Completions(args) => workflow::completions(args, stdout),
        Command::Man => workflow::man(stdout),
        Command::Catalog(args) => catalog::run(args, stdout, stderr),
        Command::Test(args) => test::run(args, &cli.global.enable_feature, stdout, stderr),
        Command::Lsp(args) => return lsp(&cli.global, args),
    };
    let _ = stdout.flush();
    status
}

/// `promgate lsp`: the config is read at the workspace root the editor names.
fn lsp(global: &GlobalArgs, args: &LspArgs) -> i32 {
    let explicit = args.config.clone();
    let flags = GlobalArgs {
        dialect: global.dialect,
        name_validation: global.name_validation,
        enable_feature: global.enable_feature.clone(),
    };
    let options_for = move |root: &std::path::Path| -> Result<Options, String> {
        let config = crate::config::load(explicit.as_deref(), root).map_err(|e| e.to_string())?;
        workflow::options_from(&flags, false, None, config)
    };
    crate::lsp::run(crate::lsp::Settings {
        options_for: Box::new(options_for),
        catalogs: args.catalogs.clone(),
        debounce: std::time::Duration::from_millis(args.debounce_ms),
    })
}

fn check(
    args: &CheckArgs,
    options: &Options,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
    stdout_is_terminal: bool,
) -> i32 {
    // `--prometheus-config FILE` alone checks that configuration and its rule files.
    let mut paths = if args.paths.is_empty() && args.prometheus_config.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let mut named_configs: Vec<PathBuf> = options
        .config
        .prometheus
        .config
        .iter()
        .map(|path| {
            // Shown relative to where promgate runs, like the files it finds.
            let full = options.config.root.join(path);
            match full.strip_prefix(&options.config.cwd) {
                Ok(relative) => relative.to_path_buf(),
                Err(_) => full,
            }
        })
        .collect();
    named_configs.extend(args.prometheus_config.iter().cloned());
    let mut options = options.clone();
    if !args.workflow.stdin || !named_configs.is_empty() {
        let scan_paths: &[PathBuf] = if args.workflow.stdin { &[] } else { &paths };
        // The files under the paths load while the configurations are read.
        match pipeline::preload::scan_loading_ahead(scan_paths, &named_configs, &options) {
            Ok((scan, preloaded)) => {
                options.preloaded = Some(std::sync::Arc::new(preloaded));
                if let Some(facts) = scan.facts {
                    options.prometheus = Some(std::sync::Arc::new(facts));
                }
                if !args.workflow.stdin {
                    paths.extend(named_configs.iter().cloned());
                    paths.extend(scan.rule_files);
                    paths.extend(scan.scrape_config_files);
                }
            }
            Err(error) => {
                let _ = writeln!(stderr, "promgate: error: {error}");
                return EXIT_ERROR;
            }
        }
    }
    let options = &options;
    let mut catalog_paths: Vec<PathBuf> = options
        .config
        .catalogs
        .iter()
        .map(|path| {
            // `builtin:NAME` names a bundled catalog, not a file beside the config.
            if crate::catalog::bundled::is_name(path) {
                PathBuf::from(path)
            } else {
                options.config.root.join(path)
            }
        })
        .collect();
    catalog_paths.extend(args.catalogs.iter().cloned());
    let facts = options.prometheus.as_deref();
    let with_catalog =
        !catalog_paths.is_empty() || facts.and_then(|f| f.closed_target_labels()).is_some();
    if !with_catalog && !args.workflow.quiet {
        let _ = writeln!(
            stderr,
            "promgate: info: no metric catalog given (--catalog): the catalog/* checks were skipped"
        );
    }
    let stdin_input = if args.workflow.stdin {
        match workflow::read_stdin(&args.workflow, options.max_file_bytes) {
            Ok(read) => Some(read),
            Err(message) => {
                let _ = writeln!(stderr, "promgate: error: {message}");
                return EXIT_ERROR;
            }
        }
    } else {
        None
    };
    let mut lint =
        |options: &Options| lint(args, &paths, &catalog_paths, stdin_input.as_ref(), options);
    if args.fix || args.diff {
        let stdin_bytes = stdin_input.as_ref().map(|(_, bytes)| bytes.as_slice());
        return fixing::run(
            args,
            options,
            stdin_bytes,
            &mut lint,
            stdout,
            stderr,
            stdout_is_terminal,
        );
    }
    let linted = match lint(options) {
        Ok(linted) => linted,
        Err(message) => {
            let _ = writeln!(stderr, "promgate: error: {message}");
            return EXIT_ERROR;
        }
    };
    for error in &linted.io_errors {
        let _ = writeln!(stderr, "promgate: error: {error}");
    }
    if let Some(path) = &args.workflow.write_baseline {
        return workflow::write_baseline(path, &linted.report, &linted.io_errors, stderr);
    }
    let extra = fixable_line(&linted.report);
    let status = print_findings(args, &linted, &extra, stdout, stderr, stdout_is_terminal);
    // The process exits next: freeing every finding one by one (78,782 of them on
    // 100,000 rules) would only delay it.
    std::mem::forget(linted);
    status
}

/// "promgate: 3 fixable with --fix (1 more with --unsafe-fixes)", when any is.
fn fixable_line(report: &RunReport) -> String {
    match autofix::fixable_counts(report) {
        (0, 0) => String::new(),
        (0, unsafe_fixes) => {
            format!("promgate: {unsafe_fixes} fixable with --fix --unsafe-fixes\n")
        }
        (safe, 0) => format!("promgate: {safe} fixable with --fix\n"),
        (safe, unsafe_fixes) => format!(
            "promgate: {safe} fixable with --fix ({unsafe_fixes} more with --unsafe-fixes)\n"
        ),
    }
}

/// Writes the findings in the chosen format (with `extra`, a line about fixes, after the
/// summary of a format for people, or on stderr for machine formats) and returns the exit
/// status.
fn print_findings(
    args: &CheckArgs,
    linted: &autofix::Linted,
    extra: &str,
    out: &mut dyn Write,
    stderr: &mut dyn Write,
    out_is_terminal: bool,
) -> i32 {
    let report = &linted.report;
    let display = DisplayOptions {
        color: report::color::use_color_from_env(args.color, out_is_terminal),
        // What fails the run is never hidden.
        show_info: args.show_info || args.fail_on == FailOn::Info,
        summary: !args.workflow.quiet,
    };
    let for_people = args.format.is_for_people();
    let written = write_rendered(report, args.format, &display, out).and_then(|()| {
        if for_people && !args.workflow.quiet {
            out.write_all(extra.as_bytes())?;
        }
        if args.workflow.statistics && for_people {
            out.write_all(report::statistics::render(report).as_bytes())?;
        }
        Ok(())
    });
    if written.is_err() {
        // A closed pipe (`promgate check | head`) is not worth a panic.
        return EXIT_ERROR;
    }
    if !for_people && !args.workflow.quiet {
        let _ = stderr.write_all(extra.as_bytes());
    }
    if args.workflow.statistics && !for_people {
        // Machine formats stay parseable: the table goes to stderr.
        let _ = stderr.write_all(report::statistics::render(report).as_bytes());
    }
    let hidden = linted.hidden;
    if hidden > 0 && !args.workflow.quiet {
        let _ = writeln!(
            stderr,
            "promgate: {hidden} finding{} hidden by the baseline",
            if hidden == 1 { "" } else { "s" }
        );
    }
    if !linted.io_errors.is_empty() {
        return EXIT_ERROR;
    }
    if args.workflow.exit_zero {
        return EXIT_CLEAN;
    }
    exit_status(report, args.fail_on.severity())
}

/// One lint of the whole set: the files (or the `--stdin` bytes, or their fixed text held
/// in the options' overlay), then the changed-files and baseline filters.
fn lint(
    args: &CheckArgs,
    paths: &[PathBuf],
    catalog_paths: &[PathBuf],
    stdin_input: Option<&(String, Vec<u8>)>,
    options: &Options,
) -> Result<autofix::Linted, String> {
    let facts = options.prometheus.as_deref();
    // A closed set of target labels from prometheus.yml is itself catalog knowledge.
    let with_catalog =
        !catalog_paths.is_empty() || facts.and_then(|f| f.closed_target_labels()).is_some();
    let load_catalog = || catalog::load_catalogs(catalog_paths, &options.config, facts);
    let outcome = if let Some((display, bytes)) = stdin_input {
        let catalog = load_catalog().map_err(|error| error.to_string())?;
        let bytes = match options.overlay.as_ref().and_then(|o| o.get(display)) {
            Some(fixed) => fixed.clone().into_bytes(),
            None => bytes.clone(),
        };
        pipeline::run_bytes(display, bytes, options, catalog)
    } else if !with_catalog {
        pipeline::run(paths, options)
    } else {
        // The catalog is read while the files load (see `run_loading_catalog`).
        pipeline::run_loading_catalog(paths, options, || {
            load_catalog()
                .map(|catalog| catalog.expect("catalog paths or target labels were given"))
        })
        .map_err(|error| error.to_string())?
    };
    if args.fix || args.diff {
        // The fixing loop lints again: what this lint leaves is freed meanwhile.
        drop(outcome.leftovers);
    } else {
        // This lint is the last thing the process does before it exits.
        outcome.leftovers.leave_to_exit();
    }
    let (report, hidden) = workflow::finish(outcome.report, &args.workflow, &options.config)?;
    Ok(autofix::Linted {
        report,
        io_errors: outcome.io_errors,
        hidden,
    })
}

/// Writes clap's message for a parse error, `--help` or `--version`: coloured only
/// for a terminal, and never when `NO_COLOR` is set (the `--color` flag is not parsed
/// yet, so `auto` applies).
fn write_clap_message(
    error: &clap::Error,
    to_stderr: bool,
    terminal: bool,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> std::io::Result<()> {
    let rendered = error.render();
    let text = if report::color::use_color_from_env(ColorChoice::Auto, terminal) {
        rendered.ansi().to_string()
    } else {
        rendered.to_string()
    };
    let stream: &mut dyn Write = if to_stderr { stderr } else { stdout };
    write!(stream, "{text}")
}

impl Format {
    /// The formats meant for people: they hide infos unless asked, end with a summary,
    /// and take `--statistics` on stdout.
    pub fn is_for_people(self) -> bool {
        matches!(self, Format::Human | Format::Concise)
    }
}

/// Writes the report in `format`. The two largest outputs (human, JSON) are written as
/// they are rendered, so the whole text never sits in memory beside the findings.
fn write_rendered(
    report: &RunReport,
    format: Format,
    display: &DisplayOptions,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let rendered = match format {
        Format::Human => return report::human::write(report, display, out),
        Format::Json => return report::json::write(report, out),
        Format::Concise => report::concise::render(report, display),
        Format::Sarif => report::sarif::render(report),
        Format::Github => report::github::render(report),
        Format::Checkstyle => report::checkstyle::render(report),
        Format::Gitlab => report::gitlab::render(report),
        Format::Junit => report::junit::render(report),
    };
    out.write_all(rendered.as_bytes())
}

/// 1 when a diagnostic reaches `fail_on`, else 0.
pub fn exit_status(report: &RunReport, fail_on: Severity) -> i32 {
    let failing = report
        .diagnostics
        .iter()
        .any(|reported| reported.diagnostic.severity >= fail_on);
    if failing {
        EXIT_PROBLEMS
    } else {
        EXIT_CLEAN
    }
}

pub(crate) fn explain_code(code: &str, stdout: &mut dyn Write, stderr: &mut dyn Write) -> i32 {
    match checks::find(code) {
        Some(meta) => {
            let _ = stdout.write_all(explanation(meta).as_bytes());
            EXIT_CLEAN
        }
        None => {
            let mut message = format!("promgate: error: unknown check `{code}`");
            let close = close_codes(code);
            if !close.is_empty() {
                let quoted: Vec<String> = close.iter().map(|code| format!("`{code}`")).collect();
                message.push_str(&format!("; did you mean {}?", or_list(&quoted)));
            }
            let _ = writeln!(stderr, "{message}");
            let _ = writeln!(stderr, "`promgate explain --list` lists every check");
            EXIT_ERROR
        }
    }
}

/// A check's documentation as `promgate explain` prints it.
pub fn explanation(meta: &CheckMeta) -> String {
    let mut out = format!(
        "{} ({})\n\n{}\n\n{}\n",
        meta.code, meta.severity, meta.summary, meta.docs
    );
    if !meta.enabled_by_default {
        out.push_str("\nOff by default: enable it in the configuration.\n");
    }
    for (title, example) in [("Bad", &meta.bad), ("Fixed", &meta.good)] {
        out.push_str(&format!("\n{title} ({}):\n\n", example.path));
        for line in printable(example.text).lines() {
            out.push_str("    ");
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// Example text with control characters (a binary example's NUL bytes) made visible.
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() && c != '\n' && c != '\t' {
                '\u{FFFD}'
            } else {
                c
            }
        })
        .collect()
}

/// How many codes a "did you mean" names at most.
const MAX_SUGGESTIONS: usize = 5;

/// The registered codes close to `text`, closest first: a typo of a whole code
/// (`promql/sytnax`), or a check's name without its category (`histogram` names both
/// `catalog/histogram` and `promql/histogram-le`).
fn close_codes(text: &str) -> Vec<&'static str> {
    let text = text.trim().to_ascii_lowercase();
    let mut scored: Vec<(f64, &'static str)> = checks::all()
        .iter()
        .map(|meta| (code_similarity(&text, meta.code), meta.code))
        .filter(|(score, _)| *score >= 0.85)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
    scored
        .into_iter()
        .take(MAX_SUGGESTIONS)
        .map(|(_, code)| code)
        .collect()
}

/// How close `text` is to `code`, from 0 to 1. With a category, both parts must be
/// close (codes share categories, so the whole string would make every code of the
/// category look close); without one, the name is compared, and a word of the code
/// (`histogram`, `dashboard`) matches every code holding it.
fn code_similarity(text: &str, code: &str) -> f64 {
    let (category, name) = code.split_once('/').unwrap_or(("", code));
    match text.split_once('/') {
        Some((text_category, text_name)) => {
            strsim::jaro_winkler(text_category, category).min(strsim::jaro_winkler(text_name, name))
        }
        None if text.len() >= 4 && code.contains(text) => {
            0.9_f64.max(strsim::jaro_winkler(text, name))
        }
        None => strsim::jaro_winkler(text, name),
    }
}

/// "`a`", "`a` or `b`", "`a`, `b` or `c`".
fn or_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

/// Reads a size for `--max-file-size` (see [`pipeline::parse_file_size`]).
fn parse_file_size(text: &str) -> Result<u64, String> {
    pipeline::parse_file_size(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_codes_suggest_typos_and_bare_names() {
        assert_eq!(
            close_codes("histogram"),
            ["catalog/histogram", "promql/histogram-le"]
        );
        assert_eq!(close_codes("promql/sytnax"), ["promql/syntax"]);
        assert_eq!(close_codes("datasorce"), ["dashboard/datasource"]);
        assert!(close_codes("zzzz").is_empty());
        assert!(close_codes("dashboard").len() <= MAX_SUGGESTIONS);
    }

    #[test]
    fn or_lists_read_as_english() {
        let items = |n: usize| -> Vec<String> { (0..n).map(|i| i.to_string()).collect() };
        assert_eq!(or_list(&items(1)), "0");
        assert_eq!(or_list(&items(2)), "0 or 1");
        assert_eq!(or_list(&items(3)), "0, 1 or 2");
    }
}
