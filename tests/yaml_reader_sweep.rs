//! Corpus sweep of the regular YAML reader: every YAML file of `../shared/corpus/` (rule
//! files, Prometheus configs, promtool unit tests, catalogs) and the synthetic 10k-rule
//! corpus, each as it is and with its indentation, quoting and comments edited: whatever
//! the reader takes must read exactly as the tree built from saphyr's events.
//!
//! Run by `.ci/run` with the other tests that need `../shared` (`#[ignore]`d here).

use std::path::{Path, PathBuf};

fn corpus() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    assert!(
        dir.join("rules").is_dir() && dir.join("prometheus-config").is_dir(),
        "the corpus must exist at {} (clone beside shared/)",
        dir.display()
    );
    dir
}

fn yaml_files(folder: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(folder).expect("a corpus folder reads") {
        let path = entry.expect("a folder entry").path();
        if path.is_dir() {
            yaml_files(&path, out);
        } else if path
            .extension()
            .is_some_and(|ext| ext == "yml" || ext == "yaml")
        {
            out.push(path);
        }
    }
}

/// Whether the reader agrees with saphyr on `text`: `None` when it declined.
fn agrees(text: &str) -> Option<bool> {
    let both = promgate::yaml::both_readings(text)?;
    Some(both.saphyr.is_ok_and(|saphyr| saphyr == both.regular))
}

/// Small edits YAML reads differently: indentation, quoting, comments, block scalars.
fn edits(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let replace = |from: &str, to: &str| text.replacen(from, to, 1);
    for (from, to) in [
        (": |\n", ": |-\n"),
        (": |\n", ": >\n"),
        (": |-\n", ": |\n"),
        (": >\n", ": |\n"),
        ("  - ", "- "),
        ("- ", "-  "),
        (": ", ":  "),
        (": ", ": # comment\n  "),
        ("\n", "\n# comment\n"),
        ("\n", "\n\n"),
        ("\n  ", "\n   "),
        ("'", "\""),
        ("\"", "'"),
        ("[", "[ "),
        (", ", ","),
        ("\n", "\n---\n"),
        ("\n  - ", "\n---\n- "),
    ] {
        let edited = replace(from, to);
        if edited != text {
            out.push(edited);
        }
    }
    out
}

#[test]
#[ignore = "needs ../shared/corpus; run by .ci/run"]
fn the_regular_reader_reads_the_corpus_as_saphyr() {
    let root = corpus();
    let mut paths = Vec::new();
    for folder in [
        "rules",
        "prometheus-config",
        "promtool-unittest",
        "catalogs",
    ] {
        yaml_files(&root.join(folder), &mut paths);
    }
    paths.sort();
    let (mut files, mut taken, mut edited_taken, mut differ) = (0, 0, 0, Vec::new());
    for path in &paths {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        files += 1;
        match agrees(&text) {
            Some(true) => taken += 1,
            Some(false) => differ.push(path.display().to_string()),
            None => {}
        }
        for edited in edits(&text) {
            match agrees(&edited) {
                Some(true) => edited_taken += 1,
                Some(false) => differ.push(format!("{} (edited)", path.display())),
                None => {}
            }
        }
    }
    println!(
        "regular YAML reader: {taken} of {files} corpus files taken, {edited_taken} edited \
         texts taken; all read as saphyr reads them"
    );
    assert!(
        differ.is_empty(),
        "the reader and saphyr differ on:\n{}",
        differ.join("\n")
    );
    assert!(files > 800, "only {files} YAML files in the corpus");
    // The reader is there for the common shapes: most real files must be taken.
    assert!(taken * 2 > files, "only {taken} of {files} files taken");
}

#[test]
#[ignore = "needs ../shared/tools/gen_corpus.py and python3; run by .ci/run"]
fn the_regular_reader_takes_the_synthetic_corpus() {
    let tools = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/tools/gen_corpus.py");
    assert!(tools.is_file(), "{} is missing", tools.display());
    let out = tempfile::tempdir().expect("a temporary folder");
    let status = std::process::Command::new("python3")
        .arg(&tools)
        .arg(out.path())
        .status()
        .expect("python3 runs");
    assert!(status.success(), "gen_corpus.py failed");
    // The generator writes 10,000 rules in 500 files: every one must be taken.
    let mut paths = Vec::new();
    yaml_files(out.path(), &mut paths);
    assert!(!paths.is_empty(), "the generator wrote no YAML");
    for path in &paths {
        let text = std::fs::read_to_string(path).expect("a generated file reads");
        assert_eq!(agrees(&text), Some(true), "{}", path.display());
    }
}
