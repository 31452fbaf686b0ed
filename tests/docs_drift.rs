//! `docs/checks/<category>/<name>.md` must match the registry. Regenerate with
//! `PROMGATE_UPDATE_DOCS=1 cargo test --test docs_drift`.

use promgate::checks::{self, docs};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn existing_pages(folder: &Path, out: &mut BTreeSet<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            existing_pages(&path, out);
        } else if path.extension().is_some_and(|e| e == "md") {
            out.insert(path);
        }
    }
}

#[test]
fn check_pages_match_the_registry() {
    let update = std::env::var_os("PROMGATE_UPDATE_DOCS").is_some();
    let mut expected = BTreeSet::new();
    let mut drifted = Vec::new();
    for meta in checks::all() {
        let path = repo().join(docs::page_path(meta));
        let page = docs::markdown(meta);
        expected.insert(path.clone());
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        if current != page {
            if update {
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(&path, page).unwrap();
            } else {
                drifted.push(docs::page_path(meta));
            }
        }
    }
    let mut stale = Vec::new();
    let mut found = BTreeSet::new();
    existing_pages(&repo().join("docs/checks"), &mut found);
    for path in found.difference(&expected) {
        if update {
            std::fs::remove_file(path).unwrap();
        } else {
            stale.push(path.display().to_string());
        }
    }
    assert!(
        drifted.is_empty() && stale.is_empty(),
        "check docs are out of date (run `PROMGATE_UPDATE_DOCS=1 cargo test --test docs_drift`):\n  changed or missing: {drifted:?}\n  for no check: {stale:?}"
    );
}
