//! Before a run: find the Prometheus configurations it involves (named with
//! `--prometheus-config` or in `.promgate.yml`, or met among the files to lint), so that
//! their facts reach every check and the rule files they name join the run.

use super::preload::ScannedConfig;
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
    /// The rule files the configurations and the promtool unit-test files name (to lint
    /// in the same run).
    pub rule_files: Vec<PathBuf>,
    /// The files `scrape_config_files` names (to lint in the same run: they are
    /// configurations of their own shape, and their problems are reported there).
    pub scrape_config_files: Vec<PathBuf>,
    /// The files that were read as configurations.
    pub configs: Vec<PathBuf>,
    /// Each configuration as read, by the path the run shows it under: the run lints
    /// these files too, and takes this reading instead of parsing them again
    /// ([`super::preload::Preloaded`]).
    pub read: Vec<(String, ScannedConfig)>,
}

/// The files a configuration names, as a run reads them: texts in memory (the language
/// server's open documents) first, then the disk, no file larger than the run allows.
pub struct RunFiles<'a> {
    max_file_bytes: u64,
    text_of: &'a dyn Fn(&Path) -> Option<String>,
}

impl<'a> RunFiles<'a> {
    pub fn on_disk(options: &Options) -> RunFiles<'static> {
        RunFiles {
            max_file_bytes: options.max_file_bytes,
            text_of: &|_| None,
        }
    }

    pub fn with_texts(options: &Options, text_of: &'a dyn Fn(&Path) -> Option<String>) -> Self {
        RunFiles {
            max_file_bytes: options.max_file_bytes,
            text_of,
        }
    }
}

impl promconfig::Files for RunFiles<'_> {
    fn matching(&self, base: &Path, pattern: &str) -> Vec<PathBuf> {
        promconfig::expand(base, pattern)
    }

    fn text(&self, path: &Path) -> Result<String, String> {
        match (self.text_of)(path) {
            Some(text) => Ok(text),
            None => read_limited(path, self.max_file_bytes).map_err(|e| e.message),
        }
    }
}

/// Reads a configuration in `folder` with the files it names: `rule_files`,
/// `scrape_config_files` and the target files of `file_sd_configs`, each resolved
/// relative to the folder of the file that names it, as Prometheus resolves them.
pub fn read_config(
    documents: &[crate::yaml::Document],
    folder: &Path,
    files: &dyn promconfig::Files,
) -> promconfig::PromConfig {
    let included = promconfig::Included {
        base: folder,
        files,
    };
    let mut config = promconfig::read_with(documents, Some(included));
    promconfig::resolve_rule_files(&mut config, folder);
    config
}

/// Lines that start a prometheus.yml (and no rule file or dashboard): a cheap test
/// before parsing a walked file as YAML.
fn may_be_config(text: &str) -> bool {
    // A line starts the text or follows a `\n` (`str::lines` also ends lines there).
    // Searching for the line starts with memmem instead of splitting the text into
    // lines: this runs on every YAML file of the run, and line by line it cost 5
    // instructions a byte (2% of a run on 10,000 rules).
    const STARTS: [&str; 3] = ["scrape_configs:", "rule_files:", "scrape_config_files:"];
    if STARTS.iter().any(|start| text.starts_with(start)) {
        return true;
    }
    let bytes = text.as_bytes();
    ["\nscrape_config", "\nrule_files:"].iter().any(|needle| {
        memchr::memmem::find_iter(bytes, needle).any(|at| {
            let line = &text[at + 1..];
            STARTS.iter().any(|start| line.starts_with(start))
        })
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
        None => read_limited(path, options.max_file_bytes),
    };
    let files = RunFiles::with_texts(options, text_of);
    let mut found = ConfigScan::default();
    let mut reading = Reading::default();
    for path in explicit {
        let text = read(path)?;
        add(&mut reading, path, text, true, &files)?;
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
            add(&mut reading, &candidate.path, text, false, &files)?;
        }
    }
    finish(&mut found, reading);
    Ok(found)
}

/// What [`add`] read: the configurations, and the rule files unit-test files name.
#[derive(Default)]
struct Reading {
    configs: Vec<(PathBuf, ScannedConfig)>,
    test_rule_files: Vec<PathBuf>,
}

/// Folds what was read into `found`: every configuration's facts, rule files and
/// included files.
fn finish(found: &mut ConfigScan, reading: Reading) {
    found.rule_files.extend(reading.test_rule_files);
    // A file another configuration includes (`scrape_config_files`) gives its jobs
    // through that configuration, with its global settings, not as one of its own.
    let included: Vec<PathBuf> = reading
        .configs
        .iter()
        .flat_map(|(_, scanned)| scanned.config.scrape_config_files.iter())
        .flat_map(|entry| entry.matched.iter().cloned())
        .collect();
    for (path, scanned) in reading.configs {
        let config = &scanned.config;
        found.configs.push(path.clone());
        for entry in &config.rule_files {
            found.rule_files.extend(entry.matched.iter().cloned());
        }
        found.scrape_config_files.extend(included_paths(config));
        if !included.iter().any(|p| same_file(p, &path)) {
            // A copy: the reading, facts included, goes to the loader whole.
            match &mut found.facts {
                Some(facts) => facts.merge(config.facts.clone()),
                None => found.facts = Some(config.facts.clone()),
            }
        }
        found
            .read
            .push((crate::discover::display_path(&path), scanned));
    }
    found.rule_files.sort();
    found.rule_files.dedup();
    found.scrape_config_files.sort();
    found.scrape_config_files.dedup();
}

/// Adds a text that no walk meets (an editor's buffer not saved yet) when it is a
/// configuration, as if the walk had found it at `path`.
pub fn add_unsaved(found: &mut ConfigScan, path: &Path, text: String) {
    if may_be_config(&text) {
        let mut reading = Reading::default();
        // Only a named configuration's errors are errors; this one is not named.
        let files = RunFiles::on_disk(&Options::default());
        if add(&mut reading, path, text, false, &files).is_ok() {
            finish(found, reading);
        }
    }
}

fn included_paths(config: &promconfig::PromConfig) -> Vec<PathBuf> {
    config
        .scrape_config_files
        .iter()
        .flat_map(|entry| entry.matched.iter().cloned())
        .collect()
}

/// Whether two paths name one file (`./a.yml` and `a.yml`; a folder walked and a
/// pattern resolved may spell it differently).
fn same_file(a: &Path, b: &Path) -> bool {
    if a == b {
        return true;
    }
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

fn read_limited(path: &Path, max_file_bytes: u64) -> Result<String, DiscoverError> {
    let error = |message: String| DiscoverError {
        path: crate::discover::display_path(path),
        message,
    };
    let size = std::fs::metadata(path)
        .map_err(|e| error(describe_io_error(&e)))?
        .len();
    if size > max_file_bytes {
        return Err(error(format!("larger than {max_file_bytes} bytes")));
    }
    let bytes = std::fs::read(path).map_err(|e| error(describe_io_error(&e)))?;
    String::from_utf8(bytes).map_err(|_| error("not UTF-8 text".to_string()))
}

/// Adds one file's facts and rule files when it is a configuration. A file named as a
/// configuration that is not YAML at all is an error; its other problems are reported
/// by `prometheus/config` when the run lints it.
fn add(
    found: &mut Reading,
    path: &Path,
    text: String,
    named: bool,
    files: &dyn promconfig::Files,
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
        if documents
            .first()
            .is_some_and(|document| crate::eval::ruletest::lint::is_test_document(document, false))
        {
            add_test_file_rules(found, path, &documents);
        }
        return Ok(());
    }
    let folder = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let config = read_config(&documents, &folder, files);
    let scanned = ScannedConfig {
        folder,
        text: file.text,
        documents,
        config,
    };
    found.configs.push((path.to_path_buf(), scanned));
    Ok(())
}

/// The rule files a promtool unit-test file names join the run, as a configuration's do.
fn add_test_file_rules(found: &mut Reading, path: &Path, documents: &[crate::yaml::Document]) {
    let folder = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let checked = crate::eval::ruletest::lint::read(documents, Some(&folder));
    if let Some(rules) = checked.rules {
        found
            .test_rule_files
            .extend(rules.files().iter().map(|file| clean(Path::new(file))));
    }
}

/// `a/b/../c` as `a/c` (Go's `filepath.Join` cleans the paths promtool loads), so that a
/// rule file named as `../rules.yml` is linted once with the walk that also finds it.
/// Leading `..` stay; the file system is not consulted.
fn clean(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut parts: Vec<Component> = Vec::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir if matches!(parts.last(), Some(Component::Normal(_))) => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    parts.iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The memmem search finds exactly the texts that have a line starting a config.
    #[test]
    fn may_be_config_finds_line_starts_as_lines_do() {
        fn by_lines(text: &str) -> bool {
            text.lines().any(|line| {
                line.starts_with("scrape_configs:")
                    || line.starts_with("rule_files:")
                    || line.starts_with("scrape_config_files:")
            })
        }
        let pieces = [
            "scrape_configs:",
            "rule_files:",
            "scrape_config_files:",
            "scrape_config",
            "rule_files",
            " rule_files:",
            "\n",
            "\r\n",
            "\r",
            "groups:",
            "x",
            "",
        ];
        for a in pieces {
            for b in pieces {
                for c in pieces {
                    let text = format!("{a}{b}{c}");
                    assert_eq!(may_be_config(&text), by_lines(&text), "{text:?}");
                }
            }
        }
    }

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
    fn unit_test_files_bring_their_rule_files_cleaned() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("tests")).unwrap();
        std::fs::write(root.join("rules.yml"), "groups: []\n").unwrap();
        std::fs::write(
            root.join("tests/a.test.yml"),
            "rule_files: [../rules.yml]\ntests: []\n",
        )
        .unwrap();
        let scan = scan(&[root.join("tests")], &[], &Options::default()).unwrap();
        assert_eq!(scan.rule_files, [root.join("rules.yml")]);
        assert!(scan.configs.is_empty());
        assert!(scan.facts.is_none());
        assert_eq!(
            clean(Path::new("../a/./b/../c.yml")),
            PathBuf::from("../a/c.yml")
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
