//! `promgate lsp` driven over stdio with JSON-RPC, as an editor drives it.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

/// How long a test waits for an answer before failing (not a speed assertion).
const PATIENCE: Duration = Duration::from_secs(30);

struct Client {
    child: Child,
    stdin: Option<ChildStdin>,
    from_server: Receiver<Value>,
    next_id: i64,
    /// Messages read while waiting for something else.
    seen: Vec<Value>,
}

impl Client {
    fn start(root: &Path, args: &[&str]) -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_promgate"))
            .arg("lsp")
            .args(args)
            .current_dir(root)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("promgate lsp starts");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Some(message) = read_frame(&mut reader) {
                if tx.send(message).is_err() {
                    return;
                }
            }
        });
        Client {
            stdin: child.stdin.take(),
            child,
            from_server: rx,
            next_id: 1,
            seen: Vec::new(),
        }
    }

    fn initialize(root: &Path, options: Value) -> Client {
        let mut client = Client::start(root, &["--debounce-ms", "10"]);
        let uri = uri(root);
        let result = client.request(
            "initialize",
            json!({"processId": null, "rootUri": uri, "capabilities": {}, "initializationOptions": options}),
        );
        assert_eq!(
            result["result"]["serverInfo"]["name"], "promgate",
            "{result}"
        );
        assert_eq!(result["jsonrpc"], "2.0", "{result}");
        client.notify("initialized", json!({}));
        client
    }

    fn send_raw(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().unwrap();
        stdin.write_all(bytes).unwrap();
        stdin.flush().unwrap();
    }

    fn send(&mut self, message: Value) {
        let body = serde_json::to_vec(&message).unwrap();
        let mut framed = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
        framed.extend(body);
        self.send_raw(&framed);
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Sends a request and waits for its response (the whole message).
    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        self.wait_for(|m| m["id"] == id && m.get("method").is_none())
    }

    /// The first message (seen before or arriving within the patience) matching.
    fn wait_for(&mut self, mut matches: impl FnMut(&Value) -> bool) -> Value {
        if let Some(index) = self.seen.iter().position(&mut matches) {
            return self.seen.remove(index);
        }
        let deadline = Instant::now() + PATIENCE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let message = self
                .from_server
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("no matching message; seen: {:#?}", self.seen));
            if matches(&message) {
                return message;
            }
            self.seen.push(message);
        }
    }

    /// The next diagnostics published for `uri` (older ones are dropped).
    fn diagnostics(&mut self, uri: &str) -> Vec<Value> {
        self.seen.retain(|m| {
            !(m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri)
        });
        let message = self.wait_for(|m| {
            m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri
        });
        message["params"]["diagnostics"].as_array().unwrap().clone()
    }

    fn open(&mut self, path: &Path, text: &str) -> String {
        let uri = uri(path);
        let language = if path.extension().is_some_and(|e| e == "json") {
            "json"
        } else {
            "yaml"
        };
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": language, "version": 1, "text": text}}),
        );
        uri
    }

    fn change(&mut self, uri: &str, version: i32, changes: Value) {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": changes}),
        );
    }

    fn at(&mut self, method: &str, uri: &str, (line, character): (usize, usize)) -> Value {
        let mut params = json!({"textDocument": {"uri": uri},
                                "position": {"line": line, "character": character}});
        if method == "textDocument/references" {
            params["context"] = json!({"includeDeclaration": true});
        }
        let response = self.request(method, params);
        assert!(response.get("error").is_none(), "{response}");
        response["result"].clone()
    }

    /// `shutdown`, `exit`, and the exit status.
    fn finish(mut self) -> i32 {
        let response = self.request("shutdown", Value::Null);
        assert_eq!(response["result"], Value::Null, "{response}");
        self.notify("exit", Value::Null);
        self.wait_exit()
    }

    fn wait_exit(&mut self) -> i32 {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code().expect("exited, not killed");
            }
            assert!(Instant::now() < deadline, "the server did not exit");
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn read_frame(reader: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(value) = line.strip_prefix("Content-Length: ") {
            length = value.parse::<usize>().ok();
        }
    }
    let mut body = vec![0; length?];
    reader.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

fn uri(path: &Path) -> String {
    format!("file://{}", path.display())
}

/// The byte offset of an LSP position (UTF-16 units) in `text`, to check ranges.
fn utf16_column(line: &str, byte: usize) -> usize {
    line[..byte].encode_utf16().count()
}

/// Line (0-based) and UTF-16 column of the first `needle` after `after` in `text`.
fn position_of(text: &str, after: &str, needle: &str) -> (usize, usize) {
    let start = text.find(after).expect("anchor in text");
    let offset = start + text[start..].find(needle).expect("needle after anchor");
    let line = text[..offset].matches('\n').count();
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    (line, utf16_column(&text[line_start..], offset - line_start))
}

const CATALOG: &str = "\
version: 1
complete: true
target_labels: [job, instance]
metrics:
  http_requests_total:
    type: counter
    help: Total number of HTTP requests
    labels: [route, code]
    label_values:
      code: [\"200\", \"404\", \"500\"]
  process_resident_memory_bytes:
    type: gauge
    help: Resident memory size in bytes
    unit: bytes
    labels: []
";

const RECORDING: &str = "\
groups:
  - name: recording
    rules:
      - record: route:http_requests:rate5m
        expr: sum by (route) (rate(http_requests_total[5m]))
";

/// Non-ASCII text (`é` is one UTF-16 unit and two bytes, `𝄞` two units and four bytes)
/// sits before the misspelt label on the same line.
const ALERTS: &str = "\
groups:
  - name: alerts
    rules:
      - alert: ServerErrors
        expr: sum by (route) (rate(http_requests_total{route=\"/é𝄞\", cdoe=\"500\"}[5m])) > 1
        annotations:
          summary: \"errors on {{ $labels.route }}\"
      - alert: RouteErrors
        expr: route:http_requests:rate5m{code=\"500\"} > 1
";

fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(".promgate.yml"),
        "catalogs: [catalog.yml]\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("catalog.yml"), CATALOG).unwrap();
    std::fs::write(dir.path().join("recording.yml"), RECORDING).unwrap();
    std::fs::write(dir.path().join("alerts.yml"), ALERTS).unwrap();
    dir
}

fn codes(diagnostics: &[Value]) -> Vec<String> {
    let mut codes: Vec<String> = diagnostics
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect();
    codes.sort();
    codes
}

fn find<'a>(diagnostics: &'a [Value], code: &str, line: usize) -> &'a Value {
    diagnostics
        .iter()
        .find(|d| d["code"] == code && d["range"]["start"]["line"] == line)
        .unwrap_or_else(|| panic!("no {code} on line {line}: {diagnostics:#?}"))
}

#[test]
fn diagnostics_carry_utf16_ranges_codes_and_docs_links() {
    let dir = workspace();
    let root = dir.path().canonicalize().unwrap();
    let mut client = Client::initialize(&root, Value::Null);
    let alerts = client.open(&root.join("alerts.yml"), ALERTS);
    let diagnostics = client.diagnostics(&alerts);
    // The misspelt label, and `code` which `sum by (route)` removed from the recorded
    // series (the recording rule is in another file of the workspace, not open).
    let misspelt = find(&diagnostics, "catalog/unknown-label", 4);
    let (line, start) = position_of(ALERTS, "ServerErrors", "cdoe");
    assert_eq!(line, 4);
    assert_eq!(
        misspelt["range"]["start"],
        json!({"line": 4, "character": start})
    );
    assert_eq!(
        misspelt["range"]["end"],
        json!({"line": 4, "character": start + 4})
    );
    // Bytes and UTF-16 units differ here: the range is in UTF-16 units.
    let line_text = ALERTS.lines().nth(4).unwrap();
    assert_ne!(line_text.find("cdoe").unwrap(), start);
    assert_eq!(misspelt["severity"], 1);
    assert_eq!(misspelt["source"], "promgate");
    assert!(
        misspelt["codeDescription"]["href"]
            .as_str()
            .unwrap()
            .ends_with("docs/checks/catalog/unknown-label.md"),
        "{misspelt}"
    );
    let removed = find(&diagnostics, "catalog/unknown-label", 8);
    assert!(
        removed["message"].as_str().unwrap().contains("code"),
        "{removed}"
    );
    assert_eq!(client.finish(), 0);
}

#[test]
fn a_change_relints_the_file_and_the_open_files_reading_its_recording_rules() {
    let dir = workspace();
    let root = dir.path().canonicalize().unwrap();
    let mut client = Client::initialize(&root, Value::Null);
    let alerts = client.open(&root.join("alerts.yml"), ALERTS);
    assert_eq!(client.diagnostics(&alerts).len(), 2);
    let recording = client.open(&root.join("recording.yml"), RECORDING);
    assert!(client.diagnostics(&recording).is_empty());

    // Incremental: keep `code` in the recorded series; the alert file is re-linted.
    let (line, character) = position_of(RECORDING, "sum by (route", ")");
    client.change(
        &recording,
        2,
        json!([{"range": {"start": {"line": line, "character": character},
                           "end": {"line": line, "character": character}}, "text": ", code"}]),
    );
    assert!(client.diagnostics(&recording).is_empty());
    let after = client.diagnostics(&alerts);
    assert_eq!(codes(&after), ["catalog/unknown-label"], "{after:#?}");
    assert_eq!(after[0]["range"]["start"]["line"], 4);

    // Full sync: the whole text replaced; the fix of the typo clears the file.
    let fixed = ALERTS.replace("cdoe", "code");
    client.change(&alerts, 2, json!([{"text": fixed}]));
    assert!(client.diagnostics(&alerts).is_empty());
    assert_eq!(client.finish(), 0);
}

#[test]
fn hover_shows_catalog_entries_recording_rules_functions_and_label_sources() {
    let dir = workspace();
    let root = dir.path().canonicalize().unwrap();
    let mut client = Client::initialize(&root, Value::Null);
    let alerts = client.open(&root.join("alerts.yml"), ALERTS);
    client.diagnostics(&alerts);

    let metric = client.at(
        "textDocument/hover",
        &alerts,
        position_of(ALERTS, "ServerErrors", "http_requests"),
    );
    let text = metric["contents"]["value"].as_str().unwrap();
    assert!(text.contains("**http_requests_total** · counter"), "{text}");
    assert!(text.contains("Total number of HTTP requests"), "{text}");
    assert!(text.contains("`code` (200, 404, 500)"), "{text}");
    assert!(text.contains("target labels: `instance`, `job`"), "{text}");
    let (line, start) = position_of(ALERTS, "ServerErrors", "http_requests");
    assert_eq!(
        metric["range"]["start"],
        json!({"line": line, "character": start})
    );

    let recorded = client.at(
        "textDocument/hover",
        &alerts,
        position_of(ALERTS, "RouteErrors", "route:"),
    );
    let text = recorded["contents"]["value"].as_str().unwrap();
    assert!(
        text.contains("recorded by a rule in `recording.yml:4` (group `recording`)"),
        "{text}"
    );
    assert!(text.contains("labels: `route`"), "{text}");

    let function = client.at(
        "textDocument/hover",
        &alerts,
        position_of(ALERTS, "ServerErrors", "rate("),
    );
    let text = function["contents"]["value"].as_str().unwrap();
    assert!(
        text.contains("rate(range vector) -> instant vector"),
        "{text}"
    );
    assert!(text.contains("per-second average rate"), "{text}");

    let label = client.at(
        "textDocument/hover",
        &alerts,
        position_of(ALERTS, "ServerErrors", "route)"),
    );
    let text = label["contents"]["value"].as_str().unwrap();
    assert!(
        text.contains("**label `route`** on the aggregated expression"),
        "{text}"
    );
    assert!(
        text.contains("every series there has it (decided by `route=\"/é𝄞\"`)"),
        "{text}"
    );
    assert!(
        text.contains("`http_requests_total`: a label of the metric"),
        "{text}"
    );
    assert_eq!(client.finish(), 0);
}

fn labels_of(items: &Value) -> Vec<String> {
    items
        .as_array()
        .unwrap_or_else(|| panic!("a completion list: {items}"))
        .iter()
        .map(|item| item["label"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn completion_offers_metrics_labels_values_functions_and_template_variables() {
    let dir = workspace();
    let root = dir.path().canonicalize().unwrap();
    let mut client = Client::initialize(&root, Value::Null);
    let text = "\
groups:
  - name: typing
    rules:
      - alert: A
        expr: sum by (route) (rate(http_requests_total{code=\"5\"}[5m])) > 0
        annotations:
          summary: \"{{ $labels. }} {{ }}\"
      - alert: B
        expr: rate(http_requests_total{ }[5m]) + ra
";
    let typing = client.open(&root.join("typing.yml"), text);
    client.diagnostics(&typing);

    let (line, by) = position_of(text, "sum by (", "route)");
    let labels = labels_of(&client.at("textDocument/completion", &typing, (line, by + 2)));
    assert_eq!(labels, ["code", "instance", "job", "route"]);

    let (line, inside) = position_of(text, "alert: B", "{ }");
    let labels = labels_of(&client.at("textDocument/completion", &typing, (line, inside + 1)));
    assert_eq!(labels, ["code", "instance", "job", "route"]);

    let (line, value) = position_of(text, "code=", "5\"");
    let values = labels_of(&client.at("textDocument/completion", &typing, (line, value + 1)));
    assert_eq!(values, ["200", "404", "500"]);

    let (line, end) = position_of(text, "alert: B", "ra\n");
    let items = client.at("textDocument/completion", &typing, (line, end + 2));
    let names = labels_of(&items);
    for expected in [
        "http_requests_total",
        "route:http_requests:rate5m",
        "rate",
        "sum",
        "process_resident_memory_bytes",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} missing from {names:?}"
        );
    }
    let rate = items
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["label"] == "rate")
        .unwrap();
    assert_eq!(rate["detail"], "rate(range vector) -> instant vector");

    // The alert's query keeps only `route`.
    let (line, dot) = position_of(text, "summary", "$labels. ");
    let labels = labels_of(&client.at("textDocument/completion", &typing, (line, dot + 8)));
    assert_eq!(labels, ["route"]);
    let (line, empty) = position_of(text, "summary", "{{ }}");
    let variables = labels_of(&client.at("textDocument/completion", &typing, (line, empty + 3)));
    assert_eq!(
        variables,
        ["$value", "$labels", "$externalLabels", "$labels.route"]
    );
    assert_eq!(client.finish(), 0);
}

#[test]
fn definition_and_references_follow_recording_rules() {
    let dir = workspace();
    let root = dir.path().canonicalize().unwrap();
    let mut client = Client::initialize(&root, Value::Null);
    let alerts = client.open(&root.join("alerts.yml"), ALERTS);
    client.diagnostics(&alerts);
    let recording = uri(&root.join("recording.yml"));

    let definition = client.at(
        "textDocument/definition",
        &alerts,
        position_of(ALERTS, "RouteErrors", "route:"),
    );
    let (line, start) = position_of(RECORDING, "record: ", "route:");
    assert_eq!(
        definition,
        json!([{"uri": recording, "range": {"start": {"line": line, "character": start},
                                           "end": {"line": line, "character": start + 26}}}])
    );
    let references = client.at(
        "textDocument/references",
        &alerts,
        position_of(ALERTS, "RouteErrors", "route:"),
    );
    let places: Vec<(String, u64)> = references
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["uri"].as_str().unwrap().to_string(),
                l["range"]["start"]["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(places, [(recording, 3), (alerts.clone(), 8)]);
    assert_eq!(client.finish(), 0);
}

#[test]
fn suppress_actions_insert_a_comment_that_silences_the_finding() {
    let dir = workspace();
    let root = dir.path().canonicalize().unwrap();
    let mut client = Client::initialize(&root, Value::Null);
    let alerts = client.open(&root.join("alerts.yml"), ALERTS);
    let diagnostics = client.diagnostics(&alerts);
    let misspelt = find(&diagnostics, "catalog/unknown-label", 4).clone();
    let actions = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": alerts}, "range": misspelt["range"],
               "context": {"diagnostics": [misspelt]}}),
    )["result"]
        .clone();
    let titles: Vec<&str> = actions
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        [
            "Rename `cdoe` to `code` (may change what the rule does)",
            "Suppress catalog/unknown-label for this rule",
            "Suppress catalog/unknown-label in this file"
        ]
    );
    // The check's own fix (from the fix model) comes first, as a quick fix that
    // replaces exactly the misspelt label.
    assert_eq!(actions[0]["kind"], "quickfix");
    let fix = &actions[0]["edit"]["changes"][&alerts][0];
    assert_eq!(fix["newText"], "code");
    assert_eq!(fix["range"], misspelt["range"]);
    let edit = &actions[1]["edit"]["changes"][&alerts][0];
    assert_eq!(edit["range"]["start"], json!({"line": 3, "character": 0}));
    assert_eq!(
        edit["newText"],
        "      # promgate: ignore[catalog/unknown-label]\n"
    );
    // Applying it (as the editor would) silences that rule's finding only.
    client.change(
        &alerts,
        2,
        json!([{"range": edit["range"], "text": edit["newText"]}]),
    );
    let after = client.diagnostics(&alerts);
    assert_eq!(codes(&after), ["catalog/unknown-label"], "{after:#?}");
    assert_eq!(after[0]["range"]["start"]["line"], 9);
    assert_eq!(client.finish(), 0);
}

/// `promgate check --format json` on the same file, as (code, 0-based line, column).
fn check_positions(path: &Path) -> Vec<(String, u64, u64)> {
    let output = Command::new(env!("CARGO_BIN_EXE_promgate"))
        .args(["check", "--no-config", "--format", "json"])
        .arg(path)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let mut out: Vec<(String, u64, u64)> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap() - 1,
                d["column"].as_u64().unwrap() - 1,
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn dashboards_configmaps_and_prometheus_rules_get_the_checks_findings() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let files: Vec<(PathBuf, String)> = [
        "rules-fixtures/dashboard/rate-interval/fail.json",
        "rules-fixtures/dashboard-shapes/configmap.yaml",
    ]
    .iter()
    .map(|name| {
        let text = std::fs::read_to_string(repo.join(name)).unwrap();
        let path = root.join(Path::new(name).file_name().unwrap());
        std::fs::write(&path, &text).unwrap();
        (path, text)
    })
    .chain(std::iter::once({
        let text = "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata:\n  name: r\nspec:\n  groups:\n    - name: g\n      rules:\n        - alert: X\n          expr: rate(x[5m]\n".to_string();
        let path = root.join("prometheusrule.yaml");
        std::fs::write(&path, &text).unwrap();
        (path, text)
    }))
    .collect();
    let mut client = Client::initialize(&root, Value::Null);
    for (path, text) in &files {
        let uri = client.open(path, text);
        let diagnostics = client.diagnostics(&uri);
        let mut got: Vec<(String, u64, u64)> = diagnostics
            .iter()
            .map(|d| {
                (
                    d["code"].as_str().unwrap().to_string(),
                    d["range"]["start"]["line"].as_u64().unwrap(),
                    d["range"]["start"]["character"].as_u64().unwrap(),
                )
            })
            .collect();
        got.sort();
        let expected = check_positions(path);
        assert!(!expected.is_empty(), "{} has findings", path.display());
        assert_eq!(got, expected, "{}", path.display());
    }
    assert_eq!(client.finish(), 0);
}

#[test]
fn bad_input_gets_error_responses_and_the_server_goes_on() {
    let dir = workspace();
    let root = dir.path().canonicalize().unwrap();
    let mut client = Client::initialize(&root, Value::Null);

    client.send_raw(b"Content-Length: 9\r\n\r\n{not json");
    let error = client.wait_for(|m| m.get("error").is_some());
    assert_eq!(error["error"]["code"], -32700);
    assert_eq!(error["id"], Value::Null);

    let broken: &[u8] = b"{\"jsonrpc\":\"2.0\",\"id\":99,\"method\":\"x\",\"p\":\"\xff\xfe\"}";
    let mut framed = format!("Content-Length: {}\r\n\r\n", broken.len()).into_bytes();
    framed.extend_from_slice(broken);
    client.send_raw(&framed);
    let error = client.wait_for(|m| m.get("error").is_some());
    assert_eq!(error["error"]["code"], -32700);
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .contains("not UTF-8"),
        "{error}"
    );

    client.send(json!({"jsonrpc": "2.0", "id": 5, "method": 3}));
    let error = client.wait_for(|m| m.get("error").is_some());
    assert_eq!(error["error"]["code"], -32600);
    assert_eq!(error["id"], 5);

    let unknown = client.request("workspace/frobnicate", json!({}));
    assert_eq!(unknown["error"]["code"], -32601, "{unknown}");

    let invalid = client.request("textDocument/hover", json!({"textDocument": 3}));
    assert_eq!(invalid["error"]["code"], -32602, "{invalid}");

    // A change past the document's end is applied at the end (and logged).
    let alerts = client.open(&root.join("alerts.yml"), ALERTS);
    client.diagnostics(&alerts);
    client.change(
        &alerts,
        2,
        json!([{"range": {"start": {"line": 500, "character": 0}, "end": {"line": 900, "character": 4}},
                "text": "      - alert: Extra\n        expr: up == 0\n"}]),
    );
    let log = client.wait_for(|m| m["method"] == "window/logMessage");
    assert!(
        log["params"]["message"]
            .as_str()
            .unwrap()
            .contains("past the document's end"),
        "{log}"
    );
    let after = client.diagnostics(&alerts);
    assert_eq!(after.len(), 2, "{after:#?}");
    let hover = client.at("textDocument/hover", &alerts, (10, 15));
    assert!(
        hover["contents"]["value"]
            .as_str()
            .unwrap()
            .contains("**up**"),
        "{hover}"
    );

    // A 10 MB document (a rule file with a long commented-out history) is linted
    // without the server stalling.
    let mut big = String::from("groups:\n  - name: big\n    rules:\n");
    for n in 0..50 {
        big.push_str(&format!("      - record: job:http_requests:rate5m_{n}\n        expr: sum by (job) (rate(http_requests_total[5m]))\n"));
    }
    let old = "      # - record: job:http_requests:rate1m\n      #   expr: sum by (job) (rate(http_requests_total[1m]))\n";
    while big.len() < 10 * 1024 * 1024 {
        big.push_str(old);
    }
    let large = client.open(&root.join("large.yml"), &big);
    let diagnostics = client.diagnostics(&large);
    assert!(
        diagnostics.is_empty(),
        "{:?}",
        &diagnostics[..diagnostics.len().min(3)]
    );
    let hover = client.at("textDocument/hover", &large, (4, 40));
    assert!(
        hover["contents"]["value"]
            .as_str()
            .unwrap()
            .contains("**http_requests_total**"),
        "{hover}"
    );
    assert_eq!(client.finish(), 0);
}

#[test]
fn requests_before_initialize_and_after_shutdown_are_refused() {
    let dir = workspace();
    let mut client = Client::start(dir.path(), &[]);
    let early = client.request("textDocument/hover", json!({}));
    assert_eq!(early["error"]["code"], -32002, "{early}");
    let mut client = Client::initialize(dir.path(), Value::Null);
    let response = client.request("shutdown", Value::Null);
    assert_eq!(response["result"], Value::Null);
    let late = client.request("textDocument/hover", json!({}));
    assert_eq!(late["error"]["code"], -32600, "{late}");
    client.notify("exit", Value::Null);
    assert_eq!(client.wait_exit(), 0);
}

#[test]
fn a_client_that_disappears_ends_the_server() {
    let dir = workspace();
    // `exit` without `shutdown`: status 1, as the protocol says.
    let mut client = Client::initialize(dir.path(), Value::Null);
    client.notify("exit", Value::Null);
    assert_eq!(client.wait_exit(), 1);
    // The end of input without `shutdown`: the same.
    let mut client = Client::initialize(dir.path(), Value::Null);
    drop(client.stdin.take());
    assert_eq!(client.wait_exit(), 1);
    // The end of input after `shutdown`: a clean exit.
    let mut client = Client::initialize(dir.path(), Value::Null);
    client.request("shutdown", Value::Null);
    drop(client.stdin.take());
    assert_eq!(client.wait_exit(), 0);
}

const PROMETHEUS_YML: &str = "\
global:
  scrape_interval: 30s
  external_labels:
    cluster: eu1
scrape_configs:
  - job_name: api
    static_configs:
      - targets: ['api:8080']
        labels:
          team: payments
  - job_name: node
    scrape_interval: 15s
    static_configs: [{targets: ['node:9100']}]
";

const JOB_ALERTS: &str = "\
groups:
  - name: jobs
    rules:
      - alert: ApiDown
        expr: up{job=\"apii\"} == 0
        annotations:
          summary: \"{{ $externalLabels.region }}\"
          description: \"{{ $externalLabels.cl }}\"
      - alert: Busy
        expr: rate(http_requests_total{job=\"api\"}[30s]) > 1
";

/// A workspace with a prometheus.yml (found by its shape, as `check` finds it) and no
/// catalog: the configuration's jobs, intervals and labels reach every feature.
#[test]
fn a_prometheus_yml_in_the_workspace_reaches_diagnostics_completion_and_hover() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    std::fs::create_dir_all(root.join("deploy")).unwrap();
    std::fs::write(root.join("deploy/prometheus.yml"), PROMETHEUS_YML).unwrap();
    let mut client = Client::initialize(&root, Value::Null);
    let alerts = client.open(&root.join("alerts.yml"), JOB_ALERTS);
    let diagnostics = client.diagnostics(&alerts);
    let (line, column) = position_of(JOB_ALERTS, "ApiDown", "\"apii\"");
    let unknown = find(&diagnostics, "prometheus/unknown-job", line);
    assert_eq!(unknown["range"]["start"]["character"], column);
    let external = find(&diagnostics, "prometheus/external-labels", 6);
    assert!(
        external["message"].as_str().unwrap().contains("region"),
        "{external}"
    );
    // `api` is scraped every 30s: a 30s window holds at most one sample.
    let (line, _) = position_of(JOB_ALERTS, "Busy", "[30s]");
    find(&diagnostics, "prometheus/range-window", line);

    // Label names from the scrape, job names as values of `job`, external labels in
    // templates.
    let (line, brace) = position_of(JOB_ALERTS, "ApiDown", "{job");
    let labels = labels_of(&client.at("textDocument/completion", &alerts, (line, brace + 1)));
    assert_eq!(labels, ["instance", "job", "team"]);
    let (line, value) = position_of(JOB_ALERTS, "ApiDown", "apii");
    let values = client.at("textDocument/completion", &alerts, (line, value));
    assert_eq!(labels_of(&values), ["api", "node"]);
    assert_eq!(
        values[1]["detail"], "job in prometheus.yml, scraped every 15s",
        "{values}"
    );
    let (line, dot) = position_of(JOB_ALERTS, "description", "$externalLabels.cl");
    let external = labels_of(&client.at("textDocument/completion", &alerts, (line, dot + 18)));
    assert_eq!(external, ["cluster"]);

    let (line, label) = position_of(JOB_ALERTS, "Busy", "job=");
    let hover = client.at("textDocument/hover", &alerts, (line, label + 1));
    let text = hover["contents"]["value"].as_str().unwrap();
    assert!(
        text.contains("the scrape of `api`, `node` adds it")
            && text.contains("its values are `api`, `node`"),
        "{text}"
    );

    // An edit to the configuration in the editor (not saved) re-lints the open
    // documents: the job renamed `apii` is known, `api` is not any more.
    let config = client.open(&root.join("deploy/prometheus.yml"), PROMETHEUS_YML);
    client.diagnostics(&config);
    let (line, character) = position_of(PROMETHEUS_YML, "job_name: ", "api");
    client.change(
        &config,
        2,
        json!([{"range": {"start": {"line": line, "character": character + 3},
                           "end": {"line": line, "character": character + 3}}, "text": "i"}]),
    );
    let after = client.diagnostics(&alerts);
    let unknown: Vec<u64> = after
        .iter()
        .filter(|d| d["code"] == "prometheus/unknown-job")
        .map(|d| d["range"]["start"]["line"].as_u64().unwrap())
        .collect();
    assert_eq!(unknown, [9], "{after:#?}");
    assert_eq!(client.finish(), 0);
}

/// `.promgate.yml`'s `prometheus.config:` names a configuration outside the workspace;
/// the rule files it names join the workspace (their recording rules resolve).
#[test]
fn the_configuration_named_in_promgate_yml_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().canonicalize().unwrap();
    let root = base.join("workspace");
    let elsewhere = base.join("prometheus");
    std::fs::create_dir_all(&root).unwrap();
    std::fs::create_dir_all(&elsewhere).unwrap();
    std::fs::write(
        elsewhere.join("main.yaml"),
        format!("rule_files: [recording.yml]\n{PROMETHEUS_YML}"),
    )
    .unwrap();
    std::fs::write(
        elsewhere.join("recording.yml"),
        "groups:\n  - name: r\n    rules:\n      - record: job:up:sum\n        expr: sum by (job) (up)\n",
    )
    .unwrap();
    std::fs::write(
        root.join(".promgate.yml"),
        "prometheus:\n  config: ../prometheus/main.yaml\n",
    )
    .unwrap();
    let mut client = Client::initialize(&root, Value::Null);
    let text = "groups:\n  - name: a\n    rules:\n      - alert: Gone\n        expr: up{job=\"db\"} == 0 or job:up:sum == 0\n";
    let alerts = client.open(&root.join("alerts.yml"), text);
    let diagnostics = client.diagnostics(&alerts);
    assert_eq!(
        codes(&diagnostics),
        ["prometheus/unknown-job"],
        "{diagnostics:#?}"
    );
    let (line, at) = position_of(text, "or ", "job:up:sum");
    let definition = client.at("textDocument/definition", &alerts, (line, at + 2));
    assert_eq!(
        definition[0]["uri"],
        uri(&elsewhere.join("recording.yml")),
        "{definition}"
    );
    assert_eq!(client.finish(), 0);
}

/// A promtool unit-test file opened in the editor gets the `ruletest/*` findings, its
/// `rule_files` resolved beside it on disk.
#[test]
fn a_unit_test_file_gets_the_ruletest_findings() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    std::fs::write(
        root.join("rules.yml"),
        "groups:\n  - name: g\n    rules:\n      - alert: InstanceDown\n        expr: up == 0\n",
    )
    .unwrap();
    let text = "rule_files: [rules.yml]\ntests:\n  - input_series:\n      - series: 'up{job=\"a\"}'\n        values: '1 0+1'\n    alert_rule_test:\n      - eval_time: 1m\n        alertname: InstanceDwn\n        exp_alerts: []\n";
    let mut client = Client::initialize(&root, Value::Null);
    let test_file = client.open(&root.join("alerts.test.yml"), text);
    let diagnostics = client.diagnostics(&test_file);
    assert_eq!(
        codes(&diagnostics),
        ["ruletest/alertname", "ruletest/series"],
        "{diagnostics:#?}"
    );
    let series = find(&diagnostics, "ruletest/series", 4);
    assert_eq!(series["range"]["start"]["character"], 19, "{series}");
    let alertname = find(&diagnostics, "ruletest/alertname", 7);
    assert_eq!(alertname["range"]["start"]["character"], 19, "{alertname}");
}

/// A prometheus.yml that exists only in the editor (a new buffer, never saved) is the
/// workspace's configuration while it is open: its facts reach the open documents, an
/// edit to it re-lints them, and closing it forgets it.
#[test]
fn an_unsaved_prometheus_yml_open_in_the_editor_is_the_workspace_configuration() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let mut client = Client::initialize(&root, Value::Null);
    let alerts = client.open(&root.join("alerts.yml"), JOB_ALERTS);
    let prometheus_codes = |diagnostics: &[Value]| -> Vec<(String, u64)> {
        diagnostics
            .iter()
            .filter(|d| d["code"].as_str().unwrap().starts_with("prometheus/"))
            .map(|d| {
                let line = d["range"]["start"]["line"].as_u64().unwrap();
                (d["code"].as_str().unwrap().to_string(), line)
            })
            .collect()
    };
    let before = client.diagnostics(&alerts);
    assert_eq!(prometheus_codes(&before), [], "{before:#?}");

    let path = root.join("prometheus.yml");
    assert!(!path.exists());
    let config = client.open(&path, PROMETHEUS_YML);
    let with_config = client.diagnostics(&alerts);
    let (apii, _) = position_of(JOB_ALERTS, "ApiDown", "\"apii\"");
    let (window, _) = position_of(JOB_ALERTS, "Busy", "[30s]");
    let found = prometheus_codes(&with_config);
    for expected in [
        ("prometheus/external-labels".to_string(), 6),
        ("prometheus/range-window".to_string(), window as u64),
        ("prometheus/unknown-job".to_string(), apii as u64),
    ] {
        assert!(found.contains(&expected), "{expected:?}: {with_config:#?}");
    }

    // Renaming the job `api` to `apii` in the buffer: `apii` is known, `api` is not.
    let (line, character) = position_of(PROMETHEUS_YML, "job_name: ", "api");
    client.change(
        &config,
        2,
        json!([{"range": {"start": {"line": line, "character": character + 3},
                           "end": {"line": line, "character": character + 3}}, "text": "i"}]),
    );
    let edited = client.diagnostics(&alerts);
    let unknown: Vec<(String, u64)> = prometheus_codes(&edited)
        .into_iter()
        .filter(|(code, _)| code == "prometheus/unknown-job")
        .collect();
    assert_eq!(
        unknown,
        [("prometheus/unknown-job".to_string(), window as u64)],
        "{edited:#?}"
    );

    // Closed without saving: there is no configuration again.
    client.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": config}}),
    );
    let after = client.diagnostics(&alerts);
    assert_eq!(prometheus_codes(&after), [], "{after:#?}");
    assert!(!path.exists());
    assert_eq!(client.finish(), 0);
}
