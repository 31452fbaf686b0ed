//! `promgate catalog import|show` and loading `--catalog` files for `promgate check`.

use super::{EXIT_CLEAN, EXIT_ERROR};
use crate::catalog::{self, Catalog};
use crate::config::Config;
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
    Import(ImportArgs),
    /// Print the metric families a catalog holds (built-in series included).
    Show(ShowArgs),
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Catalog sources; the format of each is recognised from its content.
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,
    /// Where to write the catalog (default: standard output).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Catalog files to merge and show (repeatable).
    #[arg(long = "catalog", value_name = "PATH", required = true)]
    pub catalogs: Vec<PathBuf>,
}

/// Reads and merges the `--catalog` files of a run, with the built-in series and the
/// config's coverage settings and target labels. `None` when no catalog was given.
pub fn load_catalogs(
    paths: &[PathBuf],
    config: &Config,
) -> Result<Option<Catalog>, catalog::LoadError> {
    crate::pipeline::load_catalogs(paths, config)
}

pub fn run(args: &CatalogArgs, stdout: &mut dyn Write, stderr: &mut dyn Write) -> i32 {
    match &args.command {
        CatalogCommand::Import(import) => run_import(import, stdout, stderr),
        CatalogCommand::Show(show) => match load_catalogs(&show.catalogs, &Config::default()) {
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
    let merged = match catalog::load::load_all(&paths) {
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
            if let Err(error) = std::fs::write(path, &text) {
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
