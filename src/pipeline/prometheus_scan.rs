//! Before a run: find the Prometheus configurations it involves (named with
//! `--prometheus-config` or in `.promgate.yml`, or met among the files to lint), so that
//! their facts reach every check and the rule files they name join the run.

use super::Options;
use crate::discover::{describe_io_error, discover, DiscoverError, FileKind};
use crate::promconfig::{self, Facts};
use crate::source::SourceFile;
use std::path::{Path, PathBuf};

/// What the configurations of a run say.
#[derive(Debug, Default)]
pub struct ConfigScan {
    /// The merged facts of every configuration found; `None` when there is none.
    pub facts: Option<Facts>,
    /// The rule files the configurations name (to lint in the same run).
    pub rule_files: Vec<PathBuf>,
    /// The files that were read as configurations.
    pub configs: Vec<PathBuf>,
}

/// Lines that start a prometheus.yml (and no rule file or dashboard): a cheap test
/// before parsing a walked file as YAML.
fn may_be_config(text: &str) -> bool {
    text.lines().any(|line| {
        line.starts_with("scrape_configs:")
            || line.starts_with("rule_files:")
            || line.starts_with("scrape_config_files:")
    })
}

/// Reads the configurations named in `explicit` (an unreadable one is an error) and
/// those among the YAML files under `paths`.
pub fn scan(
    paths: &[PathBuf],
    explicit: &[PathBuf],
    options: &Options,
) -> Result<ConfigScan, DiscoverError> {
    scan_with(paths, explicit, options, &|_| None)
}

/// [`scan`] with some files read from memory instead of disk: `text_of` gives the text
/// of a file when it has one (the language server's open documents).
pub fn scan_with(
    paths: &[PathBuf],
    explicit: &[PathBuf],
    options: &Options,
    text_of: &dyn Fn(&Path) -> Option<String>,
) -> Result<ConfigScan, DiscoverError> {
    let read = |path: &Path| match text_of(path) {
        Some(text) => Ok(text),
        None => read(path, options),
    };
    let mut found = ConfigScan::default();
    for path in explicit {
        let text = read(path)?;
        add(&mut found, path, text, true)?;
    }
    let (candidates, _) = discover(paths);
    for candidate in candidates {
        if candidate.kind != FileKind::Yaml || explicit.contains(&candidate.path) {
            continue;
        }
        // Unreadable files are reported by the run itself.
        let Ok(text) = read(&candidate.path) else {
            continue;
        };
        if may_be_config(&text) {
            add(&mut found, &candidate.path, text, false)?;
        }
    }
    found.rule_files.sort();
    found.rule_files.dedup();
    Ok(found)
}

/// Adds a text that no walk meets (an editor's buffer not saved yet) when it is a
/// configuration, as if the walk had found it at `path`.
pub fn add_unsaved(found: &mut ConfigScan, path: &Path, text: String) {
    if may_be_config(&text) {
        // Only a named configuration's errors are errors; this one is not named.
        let _ = add(found, path, text, false);
    }
}

fn read(path: &Path, options: &Options) -> Result<String, DiscoverError> {
    let error = |message: String| DiscoverError {
        path: crate::discover::display_path(path),
        message,
    };
    let size = std::fs::metadata(path)
        .map_err(|e| error(describe_io_error(&e)))?
        .len();
    if size > options.max_file_bytes {
        return Err(error(format!(
            "larger than {} bytes",
            options.max_file_bytes
        )));
    }
    let bytes = std::fs::read(path).map_err(|e| error(describe_io_error(&e)))?;
    String::from_utf8(bytes).map_err(|_| error("not UTF-8 text".to_string()))
}

/// Adds one file's facts and rule files when it is a configuration. A file named as a
/// configuration that is not YAML at all is an error; its other problems are reported
/// by `prometheus/config` when the run lints it.
fn add(
    found: &mut ConfigScan,
    path: &Path,
    text: String,
    named: bool,
) -> Result<(), DiscoverError> {
    let file = SourceFile::new(crate::discover::display_path(path), text);
    let documents = match crate::yaml::parse_documents(&file) {
        Ok(documents) => documents,
        Err(_) if !named => return Ok(()),
        Err(error) => {
            let at = file.line_col(error.span.start);
            return Err(DiscoverError {
                path: format!("{}:{}:{}", file.path, at.line, at.column),
                message: format!("not a valid Prometheus configuration: {}", error.message),
            });
        }
    };
    if !named
        && !documents
            .first()
            .is_some_and(promconfig::is_config_document)
    {
        return Ok(());
    }
    found.configs.push(path.to_path_buf());
    let mut config = promconfig::read(&documents);
    let folder = path.parent().map(Path::to_path_buf).unwrap_or_default();
    promconfig::resolve_rule_files(&mut config, &folder);
    for entry in &config.rule_files {
        found.rule_files.extend(entry.matched.iter().cloned());
    }
    match &mut found.facts {
        Some(facts) => facts.merge(config.facts),
        None => found.facts = Some(config.facts),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walked_configs_give_facts_and_their_rule_files() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("rules")).unwrap();
        std::fs::write(
            root.join("prometheus.yml"),
            "rule_files: ['rules/*.yml']\nscrape_configs:\n  - job_name: a\n    static_configs: [{targets: ['a:1']}]\n",
        )
        .unwrap();
        std::fs::write(root.join("rules/a.yml"), "groups: []\n").unwrap();
        std::fs::write(root.join("other.yml"), "groups: []\n").unwrap();
        let scan = scan(&[root.to_path_buf()], &[], &Options::default()).unwrap();
        let facts = scan.facts.expect("a config was found");
        assert_eq!(facts.job_names(), Some(&["a".to_string()][..]));
        assert_eq!(scan.rule_files, [root.join("rules/a.yml")]);
        assert_eq!(scan.configs, [root.join("prometheus.yml")]);
    }

    #[test]
    fn texts_in_memory_replace_the_files_on_disk() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let config = root.join("prometheus.yml");
        std::fs::write(&config, "scrape_configs:\n  - job_name: disk\n").unwrap();
        let edited = "scrape_configs:\n  - job_name: editor\n  - job_name: more\n".to_string();
        let text_of = |path: &Path| (path == config).then(|| edited.clone());
        let scan = scan_with(&[root.to_path_buf()], &[], &Options::default(), &text_of).unwrap();
        let facts = scan.facts.expect("a config was found");
        assert_eq!(
            facts.job_names(),
            Some(&["editor".to_string(), "more".to_string()][..])
        );
    }

    #[test]
    fn an_unsaved_config_adds_its_facts_and_other_text_is_ignored() {
        let mut found = ConfigScan::default();
        let path = Path::new("/nowhere/prometheus.yml");
        add_unsaved(&mut found, path, "groups: []\n".to_string());
        add_unsaved(&mut found, path, "scrape_configs: [\n".to_string());
        assert!(found.facts.is_none() && found.configs.is_empty());
        add_unsaved(
            &mut found,
            path,
            "scrape_configs:\n  - job_name: unsaved\n".to_string(),
        );
        let facts = found.facts.expect("the text is a configuration");
        assert_eq!(facts.job_names(), Some(&["unsaved".to_string()][..]));
        assert_eq!(found.configs, [path]);
    }

    #[test]
    fn a_named_config_that_is_missing_is_an_error() {
        let error = scan(
            &[],
            &[PathBuf::from("no/such/prometheus.yml")],
            &Options::default(),
        )
        .unwrap_err();
        assert_eq!(error.message, "no such file or folder");
    }
}
