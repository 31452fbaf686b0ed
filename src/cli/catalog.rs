//! `promgate catalog import|show` and loading `--catalog` files for `promgate check`.

use super::{EXIT_CLEAN, EXIT_ERROR};
use crate::catalog::remote::{self, ImportOptions};
use crate::catalog::{self, Catalog};
use crate::config::Config;
use crate::promconfig::Facts;
use clap::{Args, Subcommand};
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct CatalogArgs {
    #[command(subcommand)]
    pub command: CatalogCommand,
}

#[derive(Debug, Subcommand)]
pub enum CatalogCommand {
    /// Read catalog sources (exposition text, OpenMetrics, metadata API JSON, metric
    /// lists, kube-state-metrics docs, promgate catalogs), merge them and write one
    /// sorted promgate catalog file.
    Import(Box<ImportArgs>),
    /// Print the metric families a catalog holds (built-in series included).
    Show(ShowArgs),
    /// List the catalogs bundled with promgate (`--catalog builtin:NAME`).
    ListBuiltin,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Catalog sources: files (the format of each is recognised from its content), a
    /// Prometheus-compatible server's base URL (Prometheus, Thanos, Mimir,
    /// VictoriaMetrics), or an exporter's `/metrics` URL.
    #[arg(value_name = "FILE|URL", required = true)]
    pub files: Vec<PathBuf>,
    /// Where to write the catalog (default: standard output). Written only when every
    /// source was read.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub http: HttpArgs,
}

/// How `catalog import` reaches URLs.
#[derive(Debug, Args)]
#[command(next_help_heading = "URL sources")]
pub struct HttpArgs {
    /// A request header `Name: value` (repeatable).
    #[arg(long = "header", value_name = "NAME:VALUE")]
    pub headers: Vec<String>,
    /// Send `Authorization: Bearer` with the token in this environment variable.
    #[arg(long, value_name = "VAR", conflicts_with = "bearer_token_file")]
    pub bearer_token_env: Option<String>,
    /// Send `Authorization: Bearer` with the token in this file.
    #[arg(long, value_name = "FILE")]
    pub bearer_token_file: Option<PathBuf>,
    /// Basic auth user; the password comes from --basic-auth-password-env or -file.
    #[arg(long, value_name = "USER", conflicts_with_all = ["bearer_token_env", "bearer_token_file"])]
    pub basic_auth_user: Option<String>,
    /// The basic auth password, from this environment variable.
    #[arg(
        long,
        value_name = "VAR",
        requires = "basic_auth_user",
        conflicts_with = "basic_auth_password_file"
    )]
    pub basic_auth_password_env: Option<String>,
    /// The basic auth password, from this file.
    #[arg(long, value_name = "FILE", requires = "basic_auth_user")]
    pub basic_auth_password_file: Option<PathBuf>,
    /// Tenant for multi-tenant servers (Mimir, Cortex, Thanos): sent as `X-Scope-OrgID`.
    #[arg(long, value_name = "ID")]
    pub tenant: Option<String>,
    /// Time allowed for each request, answer included (a Prometheus duration).
    #[arg(long, value_name = "DURATION", default_value = "30s")]
    pub timeout: String,
    /// Read only the series this selector matches (repeatable; default: all series).
    #[arg(long = "match", value_name = "SELECTOR")]
    pub matchers: Vec<String>,
    /// Series that existed during this last stretch of time count (a Prometheus duration).
    #[arg(long, value_name = "DURATION", default_value = "1h")]
    pub lookback: String,
    /// Refuse answers larger than this (`256MiB`, `1GB`, `500000` bytes).
    #[arg(long, value_name = "SIZE", default_value = "256MiB")]
    pub max_response_size: String,
}

impl HttpArgs {
    /// The options, with secrets read from their variables or files.
    fn options(&self) -> Result<ImportOptions, String> {
        let secret_from_env = |var: &str, flag: &str| {
            std::env::var(var)
                .map_err(|_| format!("{flag}: the environment variable `{var}` is not set"))
        };
        let secret_from_file = |path: &PathBuf, flag: &str| {
            std::fs::read_to_string(path)
                .map(|text| text.trim_end_matches(['\n', '\r']).to_string())
                .map_err(|e| format!("{flag}: cannot read {}: {e}", path.display()))
        };
        let bearer_token = match (&self.bearer_token_env, &self.bearer_token_file) {
            (Some(var), _) => Some(secret_from_env(var, "--bearer-token-env")?),
            (None, Some(path)) => Some(secret_from_file(path, "--bearer-token-file")?),
            (None, None) => None,
        };
        let basic_auth = match &self.basic_auth_user {
            None => None,
            Some(user) => {
                let password = match (
                    &self.basic_auth_password_env,
                    &self.basic_auth_password_file,
                ) {
                    (Some(var), _) => secret_from_env(var, "--basic-auth-password-env")?,
                    (None, Some(path)) => secret_from_file(path, "--basic-auth-password-file")?,
                    (None, None) => String::new(),
                };
                Some((user.clone(), password))
            }
        };
        let duration = |text: &str, flag: &str| {
            crate::rules::duration::parse_duration(text)
                .map(std::time::Duration::from_millis)
                .map_err(|e| format!("{flag}: {e}"))
        };
        let timeout = duration(&self.timeout, "--timeout")?;
        if timeout.is_zero() {
            return Err("--timeout: must be longer than 0".into());
        }
        Ok(ImportOptions {
            headers: self.headers.clone(),
            bearer_token,
            basic_auth,
            tenant: self.tenant.clone(),
            timeout,
            matchers: self.matchers.clone(),
            lookback: duration(&self.lookback, "--lookback")?,
            max_response_size: parse_size(&self.max_response_size)?,
        })
    }
}

/// `256MiB`, `1GB`, `64k`, `1000`: a size in bytes.
fn parse_size(text: &str) -> Result<u64, String> {
    let trimmed = text.trim();
    let digits_end = trimmed
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(trimmed.len());
    let invalid =
        || format!("--max-response-size: `{text}` is not a size (e.g. 256MiB, 1GB, 500000)");
    let number: u64 = trimmed[..digits_end].parse().map_err(|_| invalid())?;
    let factor: u64 = match trimmed[digits_end..].trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1_000,
        "kib" => 1 << 10,
        "m" | "mb" => 1_000_000,
        "mib" => 1 << 20,
        "g" | "gb" => 1_000_000_000,
        "gib" => 1 << 30,
        _ => return Err(invalid()),
    };
    match number.checked_mul(factor) {
        Some(0) | None => Err(invalid()),
        Some(bytes) => Ok(bytes),
    }
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Catalog files (or `builtin:NAME`) to merge and show (repeatable).
    #[arg(long = "catalog", value_name = "PATH", required = true)]
    pub catalogs: Vec<PathBuf>,
}

/// Reads and merges the `--catalog` files of a run, with the built-in series and the
/// config's coverage settings and target labels. `None` when no catalog was given and
/// no Prometheus configuration says which labels the scrape adds.
pub fn load_catalogs(
    paths: &[PathBuf],
    config: &Config,
    prometheus: Option<&Facts>,
) -> Result<Option<Catalog>, catalog::LoadError> {
    let closed_target_labels = prometheus.and_then(Facts::closed_target_labels);
    if paths.is_empty() && closed_target_labels.is_none() {
        return Ok(None);
    }
    let paths: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    // Without catalog files, the configuration still knows the series every scrape
    // makes (`up`, `scrape_*`) and the labels they carry.
    let mut catalog = if paths.is_empty() {
        Catalog::new()
    } else {
        catalog::load::load_sources(&paths)?
    };
    if let Some(labels) = closed_target_labels {
        // The configuration says exactly which labels the scrape adds: with an exposition
        // catalog (every label a series has before the scrape), the sets are complete.
        catalog.target_labels.extend(labels);
        catalog.target_labels_declared = true;
    }
    let coverage = &config.catalog_coverage;
    catalog.complete |= coverage.complete;
    catalog
        .exclude_namespaces
        .extend(coverage.exclude_namespaces.iter().cloned());
    catalog
        .target_labels
        .extend(config.prometheus.extra_target_labels.iter().cloned());
    Ok(Some(catalog.with_builtins()))
}

pub fn run(args: &CatalogArgs, stdout: &mut dyn Write, stderr: &mut dyn Write) -> i32 {
    match &args.command {
        CatalogCommand::Import(import) => run_import(import, stdout, stderr),
        CatalogCommand::ListBuiltin => {
            for bundled in catalog::bundled::CATALOGS {
                let families = catalog::load_file(&format!("builtin:{}", bundled.name))
                    .map(|c| c.len())
                    .unwrap_or(0);
                let _ = writeln!(
                    stdout,
                    "builtin:{:<20} {families:>5} families  {}",
                    bundled.name, bundled.description
                );
            }
            EXIT_CLEAN
        }
        CatalogCommand::Show(show) => match load_catalogs(&show.catalogs, &Config::default(), None)
        {
            Ok(Some(catalog)) => {
                let _ = stdout.write_all(catalog::show::render(&catalog).as_bytes());
                EXIT_CLEAN
            }
            Ok(None) => EXIT_CLEAN,
            Err(error) => {
                let _ = writeln!(stderr, "promgate: error: {error}");
                EXIT_ERROR
            }
        },
    }
}

fn run_import(args: &ImportArgs, stdout: &mut dyn Write, stderr: &mut dyn Write) -> i32 {
    let paths: Vec<String> = args.files.iter().map(|p| p.display().to_string()).collect();
    let merged = match import_sources(&paths, &args.http) {
        Ok(merged) => merged,
        Err(error) => {
            let _ = writeln!(stderr, "promgate: error: {error}");
            return EXIT_ERROR;
        }
    };
    let text = catalog::write::to_yaml(&merged);
    match &args.output {
        None => {
            let _ = stdout.write_all(text.as_bytes());
        }
        Some(path) => {
            if let Err(error) = write_whole(path, &text) {
                let _ = writeln!(
                    stderr,
                    "promgate: error: cannot write {}: {error}",
                    path.display()
                );
                return EXIT_ERROR;
            }
            let _ = writeln!(
                stderr,
                "promgate: wrote {} metric families from {} source(s) to {}",
                merged.len(),
                paths.len(),
                path.display()
            );
        }
    }
    EXIT_CLEAN
}

/// Reads every source in the order given (files in parallel, URLs one by one) and
/// merges them. The first source that cannot be read is the error.
fn import_sources(sources: &[String], http: &HttpArgs) -> Result<Catalog, String> {
    let files: Vec<&String> = sources.iter().filter(|s| !remote::is_url(s)).collect();
    if let Some(bundled) = files.iter().find(|s| catalog::bundled::is_name(s)) {
        return Err(format!(
            "{bundled}: bundled catalogs are used by name (`--catalog {bundled}` or \
             `catalogs:` in .promgate.yml), not imported"
        ));
    }
    let mut loaded_files = catalog::load::load_each(&files).into_iter();
    let options = if sources.iter().any(|s| remote::is_url(s)) {
        Some(http.options()?)
    } else {
        None
    };
    let mut merged = Catalog::new();
    for source in sources {
        let catalog = if remote::is_url(source) {
            let options = options.as_ref().expect("read when a URL is given");
            remote::import(source, options).map_err(|e| e.to_string())?
        } else {
            loaded_files
                .next()
                .expect("one result per file")
                .map_err(|e| e.to_string())?
        };
        merged.merge(catalog);
    }
    merged.finish();
    Ok(merged)
}

/// Writes `text` to `path` whole or not at all: into a temporary file beside it, then
/// renamed over it, so a failed or interrupted write never leaves half a catalog.
fn write_whole(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "catalog".into());
    let temporary = path.with_file_name(format!(".{name}.promgate-{}.tmp", std::process::id()));
    let written = std::fs::File::create(&temporary).and_then(|mut file| {
        file.write_all(text.as_bytes())?;
        file.sync_all()
    });
    let renamed = written.and_then(|()| std::fs::rename(&temporary, path));
    if renamed.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    renamed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_units() {
        assert_eq!(parse_size("256MiB"), Ok(256 << 20));
        assert_eq!(parse_size("1GB"), Ok(1_000_000_000));
        assert_eq!(parse_size("500000"), Ok(500_000));
        assert!(parse_size("0").is_err());
        assert!(parse_size("lots").is_err());
        assert!(parse_size("99999999999999GiB").is_err());
    }
}
