//! The output the documentation shows is output promgate prints: every `$ promgate check`
//! or `$ promgate explain` line of a ```console block in README.md and docs/ is run from
//! the repository root (no colour), and the lines after it must appear in what it prints,
//! in order. A line `...` stands for lines left out; the chunks between must each appear
//! whole, one after the other. Paths in such examples must exist: an example nobody can
//! run teaches nothing.

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// README.md and every Markdown file under docs/ (the generated check pages included).
fn documents() -> Vec<PathBuf> {
    fn walk(folder: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(folder).expect("docs/ exists").flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "md") {
                out.push(path);
            }
        }
    }
    let mut found = vec![repo().join("README.md")];
    walk(&repo().join("docs"), &mut found);
    found.sort();
    found
}

/// An example: the command after `$ `, and the output lines shown under it.
struct Example {
    place: String,
    command: String,
    shown: Vec<String>,
}

fn examples(path: &Path) -> Vec<Example> {
    let text = std::fs::read_to_string(path).unwrap();
    let name = path.strip_prefix(repo()).unwrap().display().to_string();
    let mut found: Vec<Example> = Vec::new();
    let mut in_console = false;
    for (index, line) in text.lines().enumerate() {
        if !in_console {
            in_console = line.trim_end() == "```console";
            continue;
        }
        if line.starts_with("```") {
            in_console = false;
        } else if let Some(command) = line.strip_prefix("$ ") {
            found.push(Example {
                place: format!("{name}:{}", index + 1),
                command: command.to_string(),
                shown: Vec::new(),
            });
        } else if let Some(example) = found.last_mut() {
            example.shown.push(line.to_string());
        }
    }
    // Only the commands whose output does not depend on files the reader would bring.
    found.retain(|example| {
        example.command.starts_with("promgate check ")
            || example.command.starts_with("promgate explain ")
    });
    found
}

fn run(command: &str) -> String {
    let args: Vec<&str> = command.split_whitespace().skip(1).collect();
    let output = Command::new(env!("CARGO_BIN_EXE_promgate"))
        .args(&args)
        .current_dir(repo())
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE")
        .output()
        .expect("the binary runs");
    assert!(
        output.status.code().is_some_and(|code| code < 2),
        "`{command}` failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

/// Whether `chunks` appear in `actual`, each as consecutive lines, in order.
fn shows_in_order(actual: &[&str], chunks: &[Vec<&str>]) -> Result<(), String> {
    let mut from = 0;
    for chunk in chunks.iter().filter(|chunk| !chunk.is_empty()) {
        let found = (from..=actual.len().saturating_sub(chunk.len()))
            .find(|&start| actual[start..start + chunk.len()] == chunk[..]);
        match found {
            Some(start) => from = start + chunk.len(),
            None => return Err(chunk.join("\n")),
        }
    }
    Ok(())
}

#[test]
fn console_examples_show_real_output() {
    let mut checked = 0;
    let mut wrong = Vec::new();
    for document in documents() {
        for example in examples(&document) {
            let output = run(&example.command);
            let actual: Vec<&str> = output.lines().map(str::trim_end).collect();
            let chunks: Vec<Vec<&str>> = example
                .shown
                .split(|line| line.trim() == "...")
                .map(|chunk| chunk.iter().map(|line| line.trim_end()).collect())
                .collect();
            if let Err(missing) = shows_in_order(&actual, &chunks) {
                wrong.push(format!(
                    "{} `{}`: not in its output:\n{missing}\n--- it prints:\n{output}",
                    example.place, example.command
                ));
            }
            checked += 1;
        }
    }
    assert!(checked >= 4, "only {checked} console examples found");
    assert!(wrong.is_empty(), "{}", wrong.join("\n\n"));
}

#[test]
fn excerpts_match_whole_runs_of_lines_in_order() {
    let actual = ["a", "b", "c", "d"];
    assert!(shows_in_order(&actual, &[vec!["b", "c"], vec!["d"]]).is_ok());
    assert!(shows_in_order(&actual, &[vec!["a", "c"]]).is_err());
    assert!(shows_in_order(&actual, &[vec!["c"], vec!["b"]]).is_err());
    assert!(shows_in_order(&actual, &[vec![], vec!["d"]]).is_ok());
}
