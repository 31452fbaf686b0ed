//! `promgate check --fix` end to end: every fixture's `fixed.*` is exactly what fixing a
//! copy of its `fail.*` gives, a second `--fix` changes nothing anywhere, and the file
//! handling keeps CRLF, the BOM, permissions, and refuses what it must.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn promgate(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_promgate"))
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .expect("run promgate")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("UTF-8 output")
}

/// Every fixture folder (`rules-fixtures/<category>/<check>/`), sorted.
fn fixture_folders() -> Vec<PathBuf> {
    let mut folders = Vec::new();
    for category in fs::read_dir(root().join("rules-fixtures")).unwrap() {
        let category = category.unwrap().path();
        if !category.is_dir() {
            continue;
        }
        for check in fs::read_dir(&category).unwrap() {
            let check = check.unwrap().path();
            if check.join("fail.yml").exists() || check.join("fail.json").exists() {
                folders.push(check);
            }
        }
    }
    folders.sort();
    folders
}

fn named(folder: &Path, stem: &str) -> Option<PathBuf> {
    ["yml", "json"]
        .iter()
        .map(|ext| folder.join(format!("{stem}.{ext}")))
        .find(|path| path.exists())
}

/// Copies a fixture file (and its catalog) into a fresh folder; returns the folder, the
/// copy's name and the `--catalog` arguments.
fn copy_fixture(file: &Path) -> (tempfile::TempDir, String, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    let name = format!("fixture.{}", file.extension().unwrap().to_string_lossy());
    fs::copy(file, dir.path().join(&name)).unwrap();
    let mut catalog = Vec::new();
    let catalog_file = file.parent().unwrap().join("catalog.yml");
    if catalog_file.exists() {
        fs::copy(&catalog_file, dir.path().join("catalog.yml")).unwrap();
        catalog = vec!["--catalog".to_string(), "catalog.yml".to_string()];
    }
    (dir, name, catalog)
}

fn fix(dir: &Path, name: &str, catalog: &[String], extra: &[&str]) -> Output {
    let mut args: Vec<&str> = vec!["check", "--fix", "--unsafe-fixes", "--color", "never"];
    args.extend(extra);
    args.extend(catalog.iter().map(String::as_str));
    args.push(name);
    promgate(dir, &args)
}

#[test]
fn fixing_fail_gives_fixed_and_fixed_has_nothing_left_to_fix() {
    let mut fixable = Vec::new();
    for folder in fixture_folders() {
        let fail = named(&folder, "fail").unwrap();
        let (dir, name, catalog) = copy_fixture(&fail);
        let output = fix(dir.path(), &name, &catalog, &[]);
        assert_ne!(
            output.status.code(),
            Some(2),
            "{}: {}",
            fail.display(),
            text(&output.stderr)
        );
        let fixed_text = fs::read_to_string(dir.path().join(&name)).unwrap();
        let original = fs::read_to_string(&fail).unwrap();
        let expected = named(&folder, "fixed");
        match &expected {
            Some(expected) => {
                assert_eq!(
                    fixed_text,
                    fs::read_to_string(expected).unwrap(),
                    "{} after --fix --unsafe-fixes",
                    fail.display()
                );
                let check = folder.strip_prefix(root().join("rules-fixtures")).unwrap();
                fixable.push(check.display().to_string());
                // The findings that remain after fixing, as users see them.
                let snapshot = format!("fixed__{}", check.display()).replace('/', "__");
                insta::assert_snapshot!(snapshot, text(&output.stdout));
            }
            None => assert_eq!(
                fixed_text,
                original,
                "{} changed under --fix: it needs a fixed.* fixture",
                fail.display()
            ),
        }
        // Nothing fixable remains in the fixed text.
        let (dir, name, catalog) = copy_fixture(&expected.unwrap_or(fail.clone()));
        let mut args = vec!["check", "--format", "json"];
        args.extend(catalog.iter().map(String::as_str));
        args.push(&name);
        let json: serde_json::Value =
            serde_json::from_slice(&promgate(dir.path(), &args).stdout).unwrap();
        for diagnostic in json["diagnostics"].as_array().unwrap() {
            assert!(
                diagnostic.get("fix").is_none(),
                "{}: fixable finding left: {diagnostic}",
                folder.display()
            );
        }
    }
    // Every check documented as fixable shows its fix in a fixture.
    for (check, _) in promgate::checks::fix_docs::FIX_DOCS {
        assert!(
            fixable.contains(&check.to_string()),
            "{check} has no fixed.* fixture"
        );
    }
}

#[test]
fn a_second_fix_changes_nothing_in_any_fixture() {
    for folder in fixture_folders()
        .into_iter()
        .chain([root().join("rules-fixtures/pumpflix")])
    {
        for entry in fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            let lintable = (name.ends_with(".yml") || name.ends_with(".json"))
                && name != "catalog.yml"
                && !name.starts_with(".promgate");
            if !lintable {
                continue;
            }
            let (dir, copy, catalog) = copy_fixture(&path);
            let first = fix(dir.path(), &copy, &catalog, &[]);
            assert_ne!(
                first.status.code(),
                Some(2),
                "{}: {}",
                path.display(),
                text(&first.stderr)
            );
            let after_first = fs::read(dir.path().join(&copy)).unwrap();
            let second = fix(dir.path(), &copy, &catalog, &["--diff"]);
            assert_eq!(
                text(&second.stdout),
                "",
                "{}: a second --fix would still change it",
                path.display()
            );
            assert_eq!(second.status.code(), Some(0), "{}", path.display());
            assert_eq!(fs::read(dir.path().join(&copy)).unwrap(), after_first);
        }
    }
}

const RULES: &str = "groups:\n  - name: g\n    rules:\n      # keep me\n      - record: r:x\n        expr: up{job=~\"api\"} # and me\n";

#[test]
fn crlf_bom_and_comments_survive() {
    let dir = tempfile::tempdir().unwrap();
    let original = format!("\u{feff}{}", RULES.replace('\n', "\r\n"));
    fs::write(dir.path().join("r.yml"), &original).unwrap();
    let output = promgate(dir.path(), &["check", "--fix", "r.yml"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let fixed = fs::read_to_string(dir.path().join("r.yml")).unwrap();
    assert_eq!(fixed, original.replace("=~", "="));
    assert!(text(&output.stdout).contains("applied 1 fix (1 promql/regexp)"));
}

#[cfg(unix)]
#[test]
fn permissions_are_kept_and_read_only_files_refused() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.yml");
    fs::write(&path, RULES).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
    let output = promgate(dir.path(), &["check", "--fix", "r.yml"]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );

    fs::write(&path, RULES).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o444)).unwrap();
    let output = promgate(dir.path(), &["check", "--fix", "r.yml"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("read-only"),
        "{}",
        text(&output.stderr)
    );
    assert_eq!(fs::read_to_string(&path).unwrap(), RULES);
}

#[test]
fn diff_writes_nothing_and_exits_one() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("r.yml"), RULES).unwrap();
    let output = promgate(dir.path(), &["check", "--diff", "r.yml"]);
    assert_eq!(output.status.code(), Some(1));
    insta::assert_snapshot!("diff_output", text(&output.stdout));
    assert_eq!(fs::read_to_string(dir.path().join("r.yml")).unwrap(), RULES);
}

#[test]
fn stdin_fix_prints_the_fixed_text() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_promgate"))
        .args(["check", "--fix", "--stdin", "--stdin-filename", "r.yml"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(RULES.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(text(&output.stdout), RULES.replace("=~", "="));
}

#[test]
fn unsafe_fixes_wait_for_the_flag_and_are_counted() {
    let dashboard = r#"{
  "title": "D",
  "templating": {"list": [{"name": "ds", "type": "datasource", "query": "prometheus"}]},
  "panels": [{"id": 1, "title": "P", "type": "timeseries",
    "datasource": {"type": "prometheus", "uid": "P1809F7CD0C75ACF3"},
    "targets": [{"refId": "A", "datasource": {"type": "prometheus", "uid": "${ds}"}, "expr": "sum(rate(x_total[5m]))"}]}]
}
"#;
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("d.json"), dashboard).unwrap();
    let safe_only = promgate(dir.path(), &["check", "--fix", "d.json"]);
    assert!(
        text(&safe_only.stdout).contains("applied 0 fixes; 2 more fixes with --unsafe-fixes"),
        "{}",
        text(&safe_only.stdout)
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("d.json")).unwrap(),
        dashboard
    );
    let all = promgate(dir.path(), &["check", "--fix", "--unsafe-fixes", "d.json"]);
    assert!(
        text(&all.stdout).contains("applied 2 fixes"),
        "{}",
        text(&all.stdout)
    );
    let fixed = fs::read_to_string(dir.path().join("d.json")).unwrap();
    assert!(
        fixed.contains(r#""uid": "${ds}"},"#) && !fixed.contains("P1809F7CD0C75ACF3"),
        "{fixed}"
    );
    assert!(fixed.contains("[$__rate_interval]"), "{fixed}");
}

#[test]
fn json_output_carries_the_fix_with_positions() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("r.yml"), RULES).unwrap();
    let output = promgate(dir.path(), &["check", "--format", "json", "r.yml"]);
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let fix = &json["diagnostics"][0]["fix"];
    assert_eq!(fix["applicability"], "safe");
    assert_eq!(fix["title"], "Replace `=~` with `=`");
    let edit = &fix["edits"][0];
    assert_eq!(
        (edit["line"].as_u64(), edit["column"].as_u64()),
        (Some(6), Some(18))
    );
    assert_eq!(edit["replacement"], "job=\"api\"");
}
