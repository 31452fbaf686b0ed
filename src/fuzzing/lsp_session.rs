//! The `lsp` fuzz target: a generated editor session (a sequence of JSON-RPC messages)
//! played into the language server in memory. The server must end (no hang), answer
//! every request it read, never hit a bug (`InternalError`, or a failed notification),
//! and write only well-formed frames.

use super::generate::{self, Choices};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::io::BufRead;

/// A workspace root that does not exist: the session's documents live only in memory.
const ROOT: &str = "/promgate-fuzz-lsp";

/// Documents the session opens: YAML and JSON (ours), Markdown, and a file we skip.
const DOCUMENTS: &[&str] = &[
    "rules.yml",
    "record.yaml",
    "dash.json",
    "guide.md",
    "notes.txt",
];

/// The most messages one session sends.
const MAX_MESSAGES: usize = 40;

/// One session: what was sent, and which requests must be answered.
struct Session {
    input: Vec<u8>,
    /// Ids of the requests the server reads whole (before any frame that may swallow
    /// the ones after it).
    answered: BTreeSet<i64>,
    /// A frame was sent whose length may not match its body: what follows may be read
    /// as part of it.
    desynced: bool,
    /// `exit` was sent: the server stops reading there.
    exited: bool,
    next_id: i64,
    /// The line counts of the documents as last sent whole (for positions near
    /// their real ends).
    lines: Vec<usize>,
    /// The server reads the bundled node_exporter catalog.
    with_catalog: bool,
}

impl Session {
    fn frame(&mut self, body: &[u8]) {
        if self.exited {
            return;
        }
        self.input
            .extend(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
        self.input.extend(body);
    }

    fn notify(&mut self, method: &str, params: Value) {
        let body = json!({"jsonrpc": "2.0", "method": method, "params": params});
        self.frame(body.to_string().as_bytes());
        if method == "exit" {
            self.exited = true;
        }
    }

    fn request(&mut self, method: &str, params: Value) {
        let id = self.next_id;
        self.next_id += 1;
        if !self.desynced && !self.exited {
            self.answered.insert(id);
        }
        let body = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        self.frame(body.to_string().as_bytes());
    }

    /// A frame that is not a message: bad headers, a body that is not JSON or not
    /// UTF-8, JSON that is no JSON-RPC message, a length that does not match.
    fn malformed(&mut self, c: &mut Choices) {
        if self.exited {
            return;
        }
        match c.below(6) {
            0 => {
                self.input.extend(b"Content-Length: lots\r\n\r\n{}");
                self.desynced = true;
            }
            1 => self.frame(b"{\"jsonrpc\": \"2.0\", \"id\": "),
            2 => self.frame(b"\xff\xfe{\"jsonrpc\":\"2.0\"}"),
            3 => self.frame(b"[1, 2, {\"method\": 3}]"),
            4 => {
                // A length that reaches into the next frames.
                let body = c.text(64);
                let claimed = body.len() + c.below(200);
                self.input
                    .extend(format!("Content-Length: {claimed}\r\n\r\n").as_bytes());
                self.input.extend(body.as_bytes());
                self.desynced = true;
            }
            _ => {
                let raw = c.text(128);
                self.input.extend(raw.as_bytes());
                self.desynced = true;
            }
        }
    }
}

/// The address of document `which`, now and then one that is no file of the root.
fn uri(c: &mut Choices, which: usize) -> String {
    if c.below(16) == 0 {
        return c
            .pick(&[
                "untitled:Untitled-1",
                "file:///",
                "not a uri",
                "file:///../x.yml",
            ])
            .into();
    }
    format!("file://{ROOT}/{}", DOCUMENTS[which])
}

/// A document's text: a generated rule file or dashboard, or raw input text.
fn document(c: &mut Choices) -> String {
    match c.below(4) {
        0 | 1 => generate::rule_file(c),
        2 => generate::dashboard(c),
        _ => c.text(4096),
    }
}

/// A position: mostly inside the document, sometimes far beyond its end.
fn position(c: &mut Choices, lines: usize) -> Value {
    let (line, character) = match c.below(8) {
        0 => (c.count(1 << 20), c.count(1 << 20)),
        1 => (u32::MAX as usize, u32::MAX as usize),
        _ => (c.below(lines.max(1) + 2), c.below(120)),
    };
    json!({"line": line, "character": character})
}

fn range(c: &mut Choices, lines: usize) -> Value {
    json!({"start": position(c, lines), "end": position(c, lines)})
}

fn session(c: &mut Choices) -> Session {
    let mut s = Session {
        input: Vec::new(),
        answered: BTreeSet::new(),
        desynced: false,
        exited: false,
        next_id: 1,
        lines: vec![0; DOCUMENTS.len()],
        with_catalog: c.flip(),
    };
    // Mostly a proper start, so the rest reaches the workspace.
    if c.below(8) != 0 {
        s.request(
            "initialize",
            json!({"processId": null, "rootUri": format!("file://{ROOT}"), "capabilities": {},
                   "initializationOptions": {"debounceMs": c.below(3)}}),
        );
        s.notify("initialized", json!({}));
    }
    let messages = 1 + c.below(MAX_MESSAGES);
    for _ in 0..messages {
        if c.exhausted() {
            break;
        }
        let which = c.below(DOCUMENTS.len());
        let lines = s.lines[which];
        match c.below(14) {
            0 | 1 => {
                let text = document(c);
                s.lines[which] = text.lines().count();
                let version = c.below(1000);
                s.notify(
                    "textDocument/didOpen",
                    json!({"textDocument": {"uri": uri(c, which), "languageId": "yaml", "version": version, "text": text}}),
                );
            }
            2..=4 => {
                let changes: Vec<Value> = (0..1 + c.below(4))
                    .map(|_| {
                        if c.below(6) == 0 {
                            json!({"text": document(c)})
                        } else {
                            json!({"range": range(c, lines), "text": c.text(48)})
                        }
                    })
                    .collect();
                s.notify(
                    "textDocument/didChange",
                    json!({"textDocument": {"uri": uri(c, which), "version": c.below(1000)}, "contentChanges": changes}),
                );
            }
            5 => s.notify(
                "textDocument/didClose",
                json!({"textDocument": {"uri": uri(c, which)}}),
            ),
            6..=9 => {
                let method = c.pick(&[
                    "textDocument/hover",
                    "textDocument/completion",
                    "textDocument/definition",
                    "textDocument/references",
                ]);
                let mut params =
                    json!({"textDocument": {"uri": uri(c, which)}, "position": position(c, lines)});
                if method == "textDocument/references" {
                    params["context"] = json!({"includeDeclaration": c.flip()});
                }
                s.request(method, params);
            }
            10 => s.request(
                "textDocument/codeAction",
                json!({"textDocument": {"uri": uri(c, which)}, "range": range(c, lines),
                       "context": {"diagnostics": []}}),
            ),
            11 => {
                let method = c.pick(&[
                    "workspace/symbol",
                    "$/cancelRequest",
                    "initialize",
                    "shutdown",
                ]);
                if method.starts_with('$') {
                    s.notify(method, json!({"id": c.below(10)}));
                } else {
                    s.request(method, json!({"query": c.text(8)}));
                }
            }
            12 => s.malformed(c),
            _ => {
                if c.below(4) == 0 {
                    s.notify("exit", Value::Null);
                }
            }
        }
    }
    if c.flip() {
        s.request("shutdown", Value::Null);
        s.notify("exit", Value::Null);
    }
    s
}

/// Plays a generated session into the server and checks what it wrote.
pub fn lsp_session(data: &[u8]) {
    let session = session(&mut Choices::new(data));
    let settings = crate::lsp::Settings {
        options_for: Box::new(|root| {
            Ok(crate::pipeline::Options {
                config: std::sync::Arc::new(crate::config::Config::defaults(root.to_path_buf())),
                ..crate::pipeline::Options::default()
            })
        }),
        catalogs: if session.with_catalog {
            vec!["builtin:node_exporter".into()]
        } else {
            Vec::new()
        },
        debounce: std::time::Duration::ZERO,
    };
    let mut output = Vec::new();
    let status = crate::lsp::serve(settings, std::io::Cursor::new(session.input), &mut output);
    assert!(status == 0 || status == 1, "exit status {status}");
    let answered = read_output(&output);
    for id in &session.answered {
        assert!(answered.contains(id), "request {id} got no response");
    }
}

/// The ids of the responses in the server's output; panics on a malformed frame, a
/// response to a request that hit a bug, or a notification that did.
fn read_output(output: &[u8]) -> BTreeSet<i64> {
    let mut reader = std::io::BufReader::new(output);
    let mut ids = BTreeSet::new();
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).expect("in memory") == 0 {
            return ids;
        }
        let length: usize = header
            .strip_prefix("Content-Length: ")
            .and_then(|value| value.trim_end().parse().ok())
            .unwrap_or_else(|| panic!("not a frame header: {header:?}"));
        let mut blank = String::new();
        reader.read_line(&mut blank).expect("in memory");
        assert_eq!(blank, "\r\n", "the header ends with a blank line");
        let mut body = vec![0; length];
        std::io::Read::read_exact(&mut reader, &mut body).expect("the whole body");
        let message: Value = serde_json::from_slice(&body).expect("a JSON body");
        assert_eq!(message["jsonrpc"], "2.0", "{message}");
        if let Some(error) = message.get("error") {
            assert_ne!(
                error["code"],
                lsp_server::ErrorCode::InternalError as i32,
                "a request hit a bug: {message}"
            );
        }
        assert!(
            !(message["method"] == "window/logMessage"
                && message["params"]["message"]
                    .as_str()
                    .is_some_and(|m| m.starts_with("promgate failed"))),
            "a notification hit a bug: {message}"
        );
        if let Some(id) = message["id"].as_i64() {
            ids.insert(id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pseudo-random inputs (xorshift), the same on every run.
    fn inputs(count: usize, len: usize) -> Vec<Vec<u8>> {
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        (0..count)
            .map(|_| {
                (0..len)
                    .map(|_| {
                        state ^= state << 13;
                        state ^= state >> 7;
                        state ^= state << 17;
                        state as u8
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn generated_sessions_end_and_answer_every_request() {
        let mut requests = 0;
        for data in inputs(12, 400) {
            requests += session(&mut Choices::new(&data)).answered.len();
            lsp_session(&data);
        }
        // The generator reaches the server's requests, not only its error paths.
        assert!(requests >= 24, "only {requests} requests generated");
    }
}
