//! The workflow side of the command line: the config file, suppressions' and the
//! baseline's flags, `--changed-since`, `--stdin`, and the `init`, `completions` and
//! `man` commands.

use super::{Cli, ExplainArgs, GlobalArgs, EXIT_CLEAN, EXIT_ERROR};
use crate::checks::{self, docs};
use crate::config::{self, baseline, stage, Config, ConfigError};
use crate::discover::DiscoverError;
use crate::pipeline::{Feature, Options};
use crate::report::{self, ReportedDiagnostic, RunReport};
use crate::rules::{Dialect, NameValidation};
use clap::{Args, CommandFactory, ValueEnum};
use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// `check` flags for configuration, adoption and CI.
#[derive(Debug, Args)]
pub struct WorkflowArgs {
    /// Use this config file instead of the nearest `.promgate.yml` above the current
    /// folder.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Ignore every `.promgate.yml`: built-in defaults only.
    #[arg(long, conflicts_with = "config")]
    pub no_config: bool,
    /// Print only the findings: no summary line, no notes.
    #[arg(short, long)]
    pub quiet: bool,
    /// After the findings, print how many each check produced (to stderr for machine
    /// formats).
    #[arg(long)]
    pub statistics: bool,
    /// Hide the findings recorded in this baseline file (see `--write-baseline`).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Record the current findings in this file and exit 0, so later runs with
    /// `--baseline FILE` report only new ones.
    #[arg(long, value_name = "FILE", conflicts_with = "baseline")]
    pub write_baseline: Option<PathBuf>,
    /// Report only on files changed since this git revision (committed, staged,
    /// unstaged or new); every file is still loaded so recording rules resolve.
    #[arg(long, value_name = "REV")]
    pub changed_since: Option<String>,
    /// Read one file's text from standard input (for editors).
    #[arg(long, conflicts_with = "paths")]
    pub stdin: bool,
    /// The path the text from `--stdin` stands for: decides YAML or JSON, the name in
    /// the output and which config overrides apply.
    #[arg(long, value_name = "PATH", requires = "stdin")]
    pub stdin_filename: Option<String>,
    /// Exit 0 even when findings reach `--fail-on` (2 still means an error).
    #[arg(long)]
    pub exit_zero: bool,
    /// Treat files named on the command line like files found in folders: skip
    /// quietly those that are neither rule files nor dashboards, and apply the
    /// config's `exclude:` to them. For pre-commit and other tools that pass every
    /// changed YAML and JSON file.
    #[arg(long)]
    pub skip_unrecognized: bool,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Where to write the config.
    #[arg(default_value = ".promgate.yml")]
    pub path: PathBuf,
    /// Overwrite an existing file.
    #[arg(long)]
    pub force: bool,
    /// Print the starter config instead of writing it.
    #[arg(long)]
    pub stdout: bool,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Loads `.promgate.yml` as the flags say. A broken config is printed with positions
/// and ends the run with status 2.
pub fn load_config(args: &WorkflowArgs, stderr: &mut dyn Write) -> Result<Config, i32> {
    let cwd = match std::env::current_dir() {
        Ok(cwd) => cwd,
        Err(error) => {
            let _ = writeln!(
                stderr,
                "promgate: error: cannot read the current folder: {error}"
            );
            return Err(EXIT_ERROR);
        }
    };
    if args.no_config {
        return Ok(Config::defaults(cwd));
    }
    match config::load(args.config.as_deref(), &cwd) {
        Ok(config) => Ok(config),
        Err(ConfigError::Io { path, error }) => {
            let _ = writeln!(
                stderr,
                "promgate: error: cannot read config {}: {}",
                path.display(),
                crate::discover::describe_io_error(&error)
            );
            Err(EXIT_ERROR)
        }
        Err(ConfigError::Invalid { file, diagnostics }) => {
            let count = diagnostics.len();
            let reported = diagnostics
                .into_iter()
                .map(|diagnostic| ReportedDiagnostic::new(file.clone(), diagnostic))
                .collect();
            let report = RunReport::new(1, reported);
            let display = report::DisplayOptions {
                show_info: true,
                ..report::DisplayOptions::default()
            };
            let _ = stderr.write_all(report::human::render_findings(&report, &display).as_bytes());
            let _ = writeln!(
                stderr,
                "promgate: error: {} has {count} problem{}; fix {} or run with --no-config",
                file.path,
                if count == 1 { "" } else { "s" },
                if count == 1 { "it" } else { "them" }
            );
            Err(EXIT_ERROR)
        }
    }
}

/// The run's options: command-line flags first, then the config.
pub fn options(
    global: &GlobalArgs,
    args: &WorkflowArgs,
    max_file_bytes: Option<u64>,
    config: Config,
) -> Result<Options, String> {
    options_from(global, args.skip_unrecognized, max_file_bytes, config)
}

/// [`options`] for commands without the workflow flags (`promgate lsp`).
pub fn options_from(
    global: &GlobalArgs,
    skip_unrecognized: bool,
    max_file_bytes: Option<u64>,
    config: Config,
) -> Result<Options, String> {
    let settings = &config.prometheus;
    let dialect = match (global.dialect, &settings.dialect) {
        (Some(dialect), _) => dialect,
        (None, Some(name)) => {
            Dialect::from_str(name, false).map_err(|_| format!("unknown dialect `{name}`"))?
        }
        (None, None) => Dialect::default(),
    };
    let name_validation = match (global.name_validation, &settings.name_validation) {
        (Some(mode), _) => mode,
        (None, Some(name)) => NameValidation::from_str(name, false)
            .map_err(|_| format!("unknown name validation `{name}`"))?,
        (None, None) => NameValidation::default(),
    };
    let mut features: BTreeSet<Feature> = global.enable_feature.iter().copied().collect();
    for name in &settings.features {
        let feature =
            Feature::from_str(name, false).map_err(|_| format!("unknown feature `{name}`"))?;
        features.insert(feature);
    }
    let max_file_bytes = max_file_bytes
        .or(config.max_file_bytes)
        .unwrap_or(crate::pipeline::DEFAULT_MAX_FILE_BYTES);
    Ok(Options {
        dialect,
        dialect_from_flag: global.dialect.is_some(),
        name_validation,
        features,
        prometheus: crate::promconfig::Facts::from_settings(&config.prometheus).map(Arc::new),
        max_file_bytes,
        config: Arc::new(config),
        skip_unrecognized,
        overlay: None,
        preloaded: None,
    })
}

/// The name and bytes of `--stdin`, read up to one byte past `max_bytes` (an endless
/// input such as `/dev/zero` stops there and is reported as too large). Bytes that are
/// not UTF-8 are a finding about the content, as for a file (exit 1), not an I/O error.
pub fn read_stdin(args: &WorkflowArgs, max_bytes: u64) -> Result<(String, Vec<u8>), String> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .take(max_bytes + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read standard input: {e}"))?;
    let display = args
        .stdin_filename
        .clone()
        .unwrap_or_else(|| stdin_name(&bytes).to_string());
    Ok((display, bytes))
}

/// The name text from `--stdin` goes by without `--stdin-filename`: its extension
/// tells the loader how to read it. A JSON document starts with `{` or `[` (a YAML
/// file almost never does: rule files and manifests are mappings written in block
/// style), so a dashboard piped in is read as a dashboard.
pub fn stdin_name(bytes: &[u8]) -> &'static str {
    let start = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
    match start.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') | Some(b'[') => "<stdin>.json",
        _ => "<stdin>.yml",
    }
}

/// Narrows the report to changed files and hides the baseline; returns how many
/// findings the baseline hid.
pub fn finish(
    report: RunReport,
    args: &WorkflowArgs,
    config: &Config,
) -> Result<(RunReport, usize), String> {
    let mut filters = stage::ReportFilters::default();
    if let Some(rev) = &args.changed_since {
        filters.changed = Some(config::changed::changed_files(rev, &config.cwd)?);
    }
    if let Some(path) = &args.baseline {
        let text = crate::discover::read_regular_text(path)
            .map_err(|e| format!("cannot read baseline {}: {e}", path.display()))?;
        let loaded =
            baseline::Baseline::parse(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        filters.baseline = Some(loaded);
    }
    Ok(stage::finish_run(report, &filters, &config.cwd))
}

/// `--write-baseline FILE`.
pub fn write_baseline(
    path: &Path,
    report: &RunReport,
    io_errors: &[DiscoverError],
    stderr: &mut dyn Write,
) -> i32 {
    if let Err(error) = std::fs::write(path, baseline::render(report)) {
        let _ = writeln!(
            stderr,
            "promgate: error: cannot write {}: {error}",
            path.display()
        );
        return EXIT_ERROR;
    }
    let count = report.diagnostics.len();
    let _ = writeln!(
        stderr,
        "promgate: wrote {count} finding{} to {}",
        if count == 1 { "" } else { "s" },
        path.display()
    );
    if io_errors.is_empty() {
        EXIT_CLEAN
    } else {
        EXIT_ERROR
    }
}

/// `promgate explain`.
pub fn explain(args: &ExplainArgs, stdout: &mut dyn Write, stderr: &mut dyn Write) -> i32 {
    if args.list {
        let all = checks::all();
        let width = all.iter().map(|meta| meta.code.len()).max().unwrap_or(0);
        for meta in all {
            let _ = writeln!(
                stdout,
                "{:<width$}  {:<7}  {}{}",
                meta.code,
                meta.severity.as_str(),
                meta.summary,
                if meta.enabled_by_default {
                    ""
                } else {
                    " (off by default)"
                }
            );
        }
        return EXIT_CLEAN;
    }
    let code = args.code.as_deref().unwrap_or_default();
    match (args.markdown, checks::find(code)) {
        (true, Some(meta)) => {
            let _ = stdout.write_all(docs::markdown(meta).as_bytes());
            EXIT_CLEAN
        }
        _ => super::explain_code(code, stdout, stderr),
    }
}

/// `promgate init`.
pub fn init(args: &InitArgs, stdout: &mut dyn Write, stderr: &mut dyn Write) -> i32 {
    if args.stdout {
        let _ = stdout.write_all(config::STARTER_CONFIG.as_bytes());
        return EXIT_CLEAN;
    }
    if args.path.exists() && !args.force {
        let _ = writeln!(
            stderr,
            "promgate: error: {} already exists (use --force to overwrite it)",
            args.path.display()
        );
        return EXIT_ERROR;
    }
    // A Prometheus configuration beside the new file is named in it.
    let folder = args
        .path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let found = config::PROMETHEUS_CONFIG_CANDIDATES
        .iter()
        .find(|candidate| folder.join(candidate).is_file())
        .copied();
    if let Some(found) = found {
        let _ = writeln!(stdout, "found the Prometheus configuration {found}");
    }
    match std::fs::write(&args.path, config::starter_config(found)) {
        Ok(()) => {
            let _ = writeln!(stdout, "wrote {}", args.path.display());
            EXIT_CLEAN
        }
        Err(error) => {
            let _ = writeln!(
                stderr,
                "promgate: error: cannot write {}: {error}",
                args.path.display()
            );
            EXIT_ERROR
        }
    }
}

/// `promgate completions SHELL`.
pub fn completions(args: &CompletionsArgs, stdout: &mut dyn Write) -> i32 {
    let mut command = Cli::command();
    clap_complete::generate(args.shell, &mut command, "promgate", stdout);
    EXIT_CLEAN
}

/// `promgate man`.
pub fn man(stdout: &mut dyn Write) -> i32 {
    let page = clap_mangen::Man::new(Cli::command());
    match page.render(stdout) {
        Ok(()) => EXIT_CLEAN,
        Err(_) => EXIT_ERROR,
    }
}
