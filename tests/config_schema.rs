//! `schemas/promgate-config.schema.json` accepts what `promgate init` writes and the
//! example configs, and rejects what the config reader rejects.

use promgate::config::{parse_config, STARTER_CONFIG};
use promgate::source::SourceFile;
use promgate::yaml::{self, Node, NodeKind, ScalarStyle};
use serde_json::{json, Map, Value};
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(repo().join("schemas/promgate-config.schema.json"))
        .expect("schema file");
    let schema: Value = serde_json::from_str(&text).expect("schema is JSON");
    jsonschema::validator_for(&schema).expect("schema compiles")
}

/// YAML to JSON the way YAML 1.2's core schema reads plain scalars.
fn to_json(node: &Node) -> Value {
    match &node.resolved().kind {
        NodeKind::Scalar(scalar) => {
            if scalar.style != ScalarStyle::Plain {
                return json!(scalar.value);
            }
            if scalar.is_null() {
                return Value::Null;
            }
            match scalar.value.as_str() {
                "true" => return json!(true),
                "false" => return json!(false),
                _ => {}
            }
            if let Ok(int) = scalar.value.parse::<i64>() {
                return json!(int);
            }
            json!(scalar.value)
        }
        NodeKind::Sequence(items) => Value::Array(items.iter().map(to_json).collect()),
        NodeKind::Mapping(entries) => {
            let mut map = Map::new();
            for entry in entries {
                map.insert(
                    entry.key.as_str().unwrap_or_default().to_string(),
                    to_json(&entry.value),
                );
            }
            Value::Object(map)
        }
        NodeKind::Alias(_) => Value::Null,
    }
}

fn config_json(path: &str, text: &str) -> Value {
    let file = SourceFile::new(path, text);
    let documents = yaml::parse_documents(&file).expect("config YAML parses");
    documents
        .first()
        .and_then(|d| d.root.as_ref())
        .map(to_json)
        .unwrap_or(Value::Null)
}

fn schema_errors(value: &Value) -> Vec<String> {
    validator()
        .iter_errors(value)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

fn example_configs() -> Vec<(String, String)> {
    let folder = repo().join("docs/examples");
    let mut found: Vec<(String, String)> = std::fs::read_dir(&folder)
        .expect("docs/examples exists")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with(".promgate.yml"))
        .map(|p| {
            (
                p.display().to_string(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    found.sort();
    assert!(
        !found.is_empty(),
        "no example configs in {}",
        folder.display()
    );
    found
}

#[test]
fn starter_config_and_examples_validate_and_parse() {
    let mut configs = example_configs();
    configs.push(("promgate init".into(), STARTER_CONFIG.to_string()));
    for (name, text) in configs {
        let errors = schema_errors(&config_json(&name, &text));
        assert!(errors.is_empty(), "{name} fails the schema: {errors:#?}");
        let file = SourceFile::new(name.clone(), text);
        if let Err(diagnostics) = parse_config(&file, Path::new("/repo").to_path_buf()) {
            panic!("{name} is rejected by promgate: {diagnostics:#?}");
        }
    }
}

#[test]
fn schema_rejects_what_promgate_rejects() {
    let bad = [
        "checks:\n  promgate/unused-suppression: loud\n",
        "prometheus:\n  scrape_intervall: 30s\n",
        "prometheus:\n  scrape_interval: 30\n",
        "prometheus:\n  dialect: cortex\n",
        "alerts:\n  required_annotations: {summary: 1}\n",
        "overrides:\n  - checks: {}\n",
        "overrides:\n  - paths: thanos/\n    dialect: cortex\n",
        "max_file_size: lots\n",
        "max_file_size: 0\n",
        "max_file_size: 1.5MiB\n",
        "unknown: 1\n",
    ];
    for text in bad {
        assert!(
            !schema_errors(&config_json("bad.yml", text)).is_empty(),
            "schema accepts {text:?}"
        );
        let file = SourceFile::new("bad.yml", text);
        assert!(
            parse_config(&file, Path::new("/repo").to_path_buf()).is_err(),
            "promgate accepts {text:?}"
        );
    }
}
