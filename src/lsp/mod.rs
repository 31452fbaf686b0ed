//! `promgate lsp`: a Language Server over stdio.
//!
//! It drives the pipeline `promgate check` uses on documents held in memory: the
//! workspace's `.promgate.yml` and catalogs, every rule file of the workspace (so
//! recording rules resolve), and the editor's open documents on top. A change re-lints,
//! after a short debounce, the document and the open documents that read a recording
//! rule the change touched. Hover, completion, go to definition, references and code
//! actions read the same models.
//!
//! One thread reads and frames messages ([`transport`]); the server loop handles them
//! in order and writes the answers.

mod actions;
mod cache;
mod completion;
mod convert;
mod cursor;
mod hover;
mod navigation;
mod transport;
mod workspace;

pub use convert::DOCS_BASE_URL;

use crate::pipeline::Options;
use lsp_server::{ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::Notification as _;
use lsp_types::request::Request as _;
use lsp_types::{
    CodeActionKind, CodeActionOptions, CodeActionProviderCapability, CompletionOptions,
    HoverProviderCapability, InitializeResult, OneOf, ServerCapabilities, ServerInfo,
    TextDocumentContentChangeEvent, TextDocumentSyncCapability, TextDocumentSyncKind, Url,
};
use serde_json::Value;
use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};
use transport::Incoming;
use workspace::Workspace;

/// Within a burst of changes (each less than this after the one before, sent while
/// the server was linting or while a change was waiting), how long the server waits for
/// the next one before linting: a fast typist or a paste sends many, and linting each
/// would be wasted work. Any other change is linted at once.
pub const DEFAULT_DEBOUNCE: Duration = Duration::from_millis(20);

/// What the command line gives the server.
pub struct Settings {
    /// The options of a run in the workspace at the given root: its `.promgate.yml`
    /// (found from the root upwards) with the command line's flags over it.
    #[allow(clippy::type_complexity)]
    pub options_for: Box<dyn Fn(&Path) -> Result<Options, String>>,
    /// `--catalog` files, added to the config's `catalogs:` and the client's
    /// `initializationOptions.catalogs`.
    pub catalogs: Vec<PathBuf>,
    pub debounce: Duration,
}

/// Serves the protocol on stdin and stdout until the client exits; returns the exit
/// status (0 after `shutdown` then `exit`, 1 when the client goes away without
/// `shutdown`, as the protocol says).
pub fn run(settings: Settings) -> i32 {
    serve(settings, std::io::stdin(), std::io::stdout())
}

/// [`run`] over any pair of streams.
pub fn serve(settings: Settings, input: impl Read + Send + 'static, output: impl Write) -> i32 {
    let (to_server, from_client) = mpsc::channel();
    // Detached: it ends at the end of input; at `exit` the process ends with it.
    std::thread::spawn(move || transport::read_loop(input, to_server));
    let mut server = Server {
        settings,
        out: output,
        workspace: None,
        shutdown: false,
        pending: BTreeSet::new(),
        deadline: None,
        last_change: None,
        received: Instant::now(),
        linted: None,
        docs_base: DOCS_BASE_URL.to_string(),
        published: Default::default(),
    };
    loop {
        let (received, incoming) = match server.deadline {
            Some(deadline) => {
                let wait = deadline.saturating_duration_since(Instant::now());
                match from_client.recv_timeout(wait) {
                    Ok(received) => received,
                    Err(RecvTimeoutError::Timeout) => {
                        server.flush();
                        continue;
                    }
                    Err(RecvTimeoutError::Disconnected) => (Instant::now(), Incoming::Closed),
                }
            }
            None => from_client
                .recv()
                .unwrap_or_else(|_| (Instant::now(), Incoming::Closed)),
        };
        server.received = received;
        match incoming {
            Incoming::Closed => {
                if !server.shutdown {
                    eprintln!("promgate lsp: the client closed the connection without `shutdown`");
                    return 1;
                }
                return 0;
            }
            Incoming::Invalid(response) => server.send_value(&response),
            Incoming::Message(Message::Request(request)) => server.request(request),
            Incoming::Message(Message::Notification(notification)) => {
                if notification.method == lsp_types::notification::Exit::METHOD {
                    return if server.shutdown { 0 } else { 1 };
                }
                server.notification(notification);
            }
            // We send no requests, so no response is awaited.
            Incoming::Message(Message::Response(_)) => {}
        }
    }
}

/// A diagnostic as published, with the byte span it came from (for code actions).
pub(crate) struct Published {
    pub lsp: lsp_types::Diagnostic,
    pub code: &'static str,
    pub span: crate::source::Span,
    /// The check's fix, as file edits, with the file they apply to.
    pub fix: Option<(crate::fix::Fix, std::sync::Arc<crate::source::SourceFile>)>,
}

struct Server<W: Write> {
    settings: Settings,
    out: W,
    workspace: Option<Workspace>,
    shutdown: bool,
    /// Documents changed since their last lint.
    pending: BTreeSet<PathBuf>,
    /// When to lint `pending`.
    deadline: Option<Instant>,
    /// When the last change came, to tell a burst of changes from a single one.
    last_change: Option<Instant>,
    /// When the message being handled was read from the client.
    received: Instant,
    /// When the last lint ended.
    linted: Option<Instant>,
    docs_base: String,
    /// The diagnostics last published per document.
    published: std::collections::BTreeMap<PathBuf, Vec<Published>>,
}

/// A request's failure, sent back as an error response.
struct Failure(ErrorCode, String);

impl<W: Write> Server<W> {
    fn send_value(&mut self, value: &Value) {
        // A client that stopped reading is noticed at the end of its input.
        let _ = transport::write_value(&mut self.out, value);
    }

    fn send(&mut self, message: Message) {
        if let Ok(mut value) = serde_json::to_value(message) {
            // `lsp-server` adds the version only in its own writer, which we do not use;
            // JSON-RPC 2.0 requires it on every message.
            if let Some(object) = value.as_object_mut() {
                object.insert("jsonrpc".into(), "2.0".into());
            }
            self.send_value(&value);
        }
    }

    fn notify(&mut self, method: &str, params: impl serde::Serialize) {
        self.send(Message::Notification(Notification::new(
            method.to_string(),
            params,
        )));
    }

    fn log(&mut self, kind: lsp_types::MessageType, message: String) {
        self.notify(
            lsp_types::notification::LogMessage::METHOD,
            lsp_types::LogMessageParams { typ: kind, message },
        );
    }

    fn request(&mut self, request: Request) {
        let id = request.id.clone();
        if self.shutdown {
            return self.fail(
                id,
                Failure(
                    ErrorCode::InvalidRequest,
                    "the server is shutting down".into(),
                ),
            );
        }
        let initializing = request.method == lsp_types::request::Initialize::METHOD;
        if self.workspace.is_none() && !initializing {
            return self.fail(
                id,
                Failure(ErrorCode::ServerNotInitialized, "initialize first".into()),
            );
        }
        // A bug in a check must not take the editor's server down: the request fails.
        let result =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.answer(request)));
        match result {
            Ok(Ok(value)) => self.send(Message::Response(Response::new_ok(id, value))),
            Ok(Err(failure)) => self.fail(id, failure),
            Err(_) => self.fail(
                id,
                Failure(
                    ErrorCode::InternalError,
                    "promgate failed on this request".into(),
                ),
            ),
        }
    }

    fn fail(&mut self, id: RequestId, Failure(code, message): Failure) {
        self.send(Message::Response(Response::new_err(
            id,
            code as i32,
            message,
        )));
    }

    fn answer(&mut self, request: Request) -> Result<Value, Failure> {
        use lsp_types::request::*;
        let method = request.method.as_str();
        match method {
            Initialize::METHOD => {
                if self.workspace.is_some() {
                    return Err(Failure(
                        ErrorCode::InvalidRequest,
                        "already initialized".into(),
                    ));
                }
                let params: lsp_types::InitializeParams = params(request.params)?;
                self.initialize(params)
            }
            Shutdown::METHOD => {
                self.shutdown = true;
                Ok(Value::Null)
            }
            HoverRequest::METHOD => {
                let params: lsp_types::HoverParams = params(request.params)?;
                let at = params.text_document_position_params;
                let (workspace, path) = self.document(&at.text_document.uri)?;
                to_value(hover::hover(workspace, &path, at.position))
            }
            Completion::METHOD => {
                let params: lsp_types::CompletionParams = params(request.params)?;
                let at = params.text_document_position;
                let (workspace, path) = self.document(&at.text_document.uri)?;
                to_value(completion::complete(workspace, &path, at.position))
            }
            GotoDefinition::METHOD => {
                let params: lsp_types::GotoDefinitionParams = params(request.params)?;
                let at = params.text_document_position_params;
                let (workspace, path) = self.document(&at.text_document.uri)?;
                to_value(navigation::definition(workspace, &path, at.position))
            }
            References::METHOD => {
                let params: lsp_types::ReferenceParams = params(request.params)?;
                let at = params.text_document_position;
                let declaration = params.context.include_declaration;
                let (workspace, path) = self.document(&at.text_document.uri)?;
                to_value(navigation::references(
                    workspace,
                    &path,
                    at.position,
                    declaration,
                ))
            }
            CodeActionRequest::METHOD => {
                let params: lsp_types::CodeActionParams = params(request.params)?;
                // Answer from up-to-date diagnostics.
                self.flush();
                let uri = params.text_document.uri.clone();
                let path = self.document(&uri)?.1;
                let workspace = self.workspace.as_mut().expect("initialized");
                let published = self.published.get(&path).map(Vec::as_slice).unwrap_or(&[]);
                to_value(actions::code_actions(workspace, &path, &params, published))
            }
            _ => Err(Failure(
                ErrorCode::MethodNotFound,
                format!("promgate lsp does not handle `{method}`"),
            )),
        }
    }

    /// The workspace and the path of a document the client names.
    fn document(&mut self, uri: &Url) -> Result<(&mut Workspace, PathBuf), Failure> {
        let path = path_of(uri)?;
        let workspace = self.workspace.as_mut().expect("initialized");
        if !workspace.files.contains_key(&path) {
            return Err(Failure(
                ErrorCode::InvalidParams,
                format!("{uri} is not an open document"),
            ));
        }
        Ok((workspace, path))
    }

    fn initialize(&mut self, params: lsp_types::InitializeParams) -> Result<Value, Failure> {
        #[allow(deprecated)] // `root_uri`/`root_path`: older clients send only these.
        let root = params
            .workspace_folders
            .as_ref()
            .and_then(|folders| folders.first())
            .and_then(|folder| folder.uri.to_file_path().ok())
            .or_else(|| {
                params
                    .root_uri
                    .as_ref()
                    .and_then(|uri| uri.to_file_path().ok())
            })
            .or_else(|| params.root_path.as_ref().map(PathBuf::from))
            .or_else(|| std::env::current_dir().ok())
            .unwrap_or_else(|| PathBuf::from("."));
        let init = params.initialization_options.unwrap_or(Value::Null);
        if let Some(base) = init.get("docsBaseUrl").and_then(Value::as_str) {
            self.docs_base = base.to_string();
        }
        if let Some(ms) = init.get("debounceMs").and_then(Value::as_u64) {
            self.settings.debounce = Duration::from_millis(ms.min(5_000));
        }
        let mut problems = Vec::new();
        let options = match (self.settings.options_for)(&root) {
            Ok(options) => options,
            Err(message) => {
                problems.push(format!("promgate: {message}; using the defaults"));
                Options {
                    config: std::sync::Arc::new(crate::config::Config::defaults(root.clone())),
                    ..Options::default()
                }
            }
        };
        let config = options.config.clone();
        let mut catalogs: Vec<PathBuf> = config
            .catalogs
            .iter()
            .map(|p| {
                // `builtin:NAME` names a bundled catalog, not a file beside the config.
                if crate::catalog::bundled::is_name(p) {
                    PathBuf::from(p)
                } else {
                    config.root.join(p)
                }
            })
            .collect();
        catalogs.extend(self.settings.catalogs.iter().cloned());
        if let Some(extra) = init.get("catalogs").and_then(Value::as_array) {
            catalogs.extend(extra.iter().filter_map(Value::as_str).map(|p| root.join(p)));
        }
        let (workspace, more) = Workspace::new(root, options, catalogs);
        problems.extend(more);
        self.workspace = Some(workspace);
        for problem in problems {
            self.notify(
                lsp_types::notification::ShowMessage::METHOD,
                lsp_types::ShowMessageParams {
                    typ: lsp_types::MessageType::ERROR,
                    message: problem,
                },
            );
        }
        to_value(InitializeResult {
            capabilities: capabilities(),
            server_info: Some(ServerInfo {
                name: "promgate".into(),
                version: Some(env!("CARGO_PKG_VERSION").into()),
            }),
        })
    }

    fn notification(&mut self, notification: Notification) {
        if self.workspace.is_none() {
            return;
        }
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            self.handle_notification(notification)
        }));
        if result.is_err() {
            self.log(
                lsp_types::MessageType::ERROR,
                "promgate failed on a notification".into(),
            );
        }
    }

    fn handle_notification(&mut self, notification: Notification) {
        use lsp_types::notification::*;
        match notification.method.as_str() {
            DidOpenTextDocument::METHOD => {
                let Ok(params) =
                    params::<lsp_types::DidOpenTextDocumentParams>(notification.params)
                else {
                    return;
                };
                let document = params.text_document;
                let Ok(path) = path_of(&document.uri) else {
                    return;
                };
                let workspace = self.workspace.as_mut().expect("initialized");
                workspace.open(path.clone(), document.uri, document.text, document.version);
                self.schedule(path);
            }
            DidChangeTextDocument::METHOD => {
                let Ok(params) =
                    params::<lsp_types::DidChangeTextDocumentParams>(notification.params)
                else {
                    return;
                };
                let Ok(path) = path_of(&params.text_document.uri) else {
                    return;
                };
                let workspace = self.workspace.as_mut().expect("initialized");
                let Some(state) = workspace.files.get(&path).filter(|state| state.open) else {
                    return;
                };
                let (text, clamped) = apply_changes(&state.text, params.content_changes);
                workspace.set_text(&path, text, params.text_document.version);
                if clamped {
                    self.log(
                        lsp_types::MessageType::WARNING,
                        format!(
                            "a change to {} reached past the document's end; it was applied at the end",
                            params.text_document.uri
                        ),
                    );
                }
                self.schedule(path);
            }
            DidCloseTextDocument::METHOD => {
                let Ok(params) =
                    params::<lsp_types::DidCloseTextDocumentParams>(notification.params)
                else {
                    return;
                };
                let Ok(path) = path_of(&params.text_document.uri) else {
                    return;
                };
                let workspace = self.workspace.as_mut().expect("initialized");
                let was_config = workspace.is_prometheus_config(&path);
                let changed = workspace.close(&path);
                self.pending.remove(&path);
                self.published.remove(&path);
                self.publish_empty(params.text_document.uri);
                // The configuration on disk holds again.
                if was_config && self.reload_prometheus(&BTreeSet::from([path])) {
                    return self.publish_all_open();
                }
                let readers =
                    workspace_readers(self.workspace.as_ref(), &changed, &BTreeSet::new());
                for reader in readers {
                    self.publish(&reader);
                }
            }
            _ => {}
        }
    }

    /// Lints `path` at once, or, within a burst of changes, once no change has come for
    /// the debounce time. A change is part of a burst when it came less than the
    /// debounce time after the one before and either that one is still waiting or this
    /// one was sent while the server was linting: a client that waits for each
    /// change's diagnostics before the next change (or a typist slower than the lint)
    /// is never kept waiting, and changes read together are linted together.
    fn schedule(&mut self, path: PathBuf) {
        let now = self.received;
        let recent = self
            .last_change
            .is_some_and(|last| now.saturating_duration_since(last) < self.settings.debounce);
        let during_lint = self.linted.is_some_and(|linted| now < linted);
        let burst = recent && (!self.pending.is_empty() || during_lint);
        self.last_change = Some(now);
        self.pending.insert(path);
        self.deadline = Some(if burst {
            now + self.settings.debounce
        } else {
            // A change already waiting keeps its deadline; a new one is due now.
            self.deadline.unwrap_or(now)
        });
    }

    /// Lints the changed documents, and the open documents reading a recording rule
    /// they changed, and publishes their diagnostics.
    fn flush(&mut self) {
        self.lint_pending();
        self.linted = Some(Instant::now());
    }

    fn lint_pending(&mut self) {
        self.deadline = None;
        let pending = std::mem::take(&mut self.pending);
        let Some(workspace) = self.workspace.as_mut() else {
            return;
        };
        let mut changed = BTreeSet::new();
        for path in &pending {
            changed.extend(workspace.refresh(path));
        }
        if self.reload_prometheus(&pending) {
            // Its facts (jobs, intervals, target and external labels) reach every file.
            return self.publish_all_open();
        }
        let readers = workspace_readers(self.workspace.as_ref(), &changed, &pending);
        for path in pending.iter().chain(&readers) {
            self.publish(path);
        }
    }

    /// Reads the Prometheus configurations again when one of `paths` is one; returns
    /// whether what they say changed.
    fn reload_prometheus(&mut self, paths: &BTreeSet<PathBuf>) -> bool {
        let Some(workspace) = self.workspace.as_mut() else {
            return false;
        };
        if !paths
            .iter()
            .any(|path| workspace.is_prometheus_config(path))
        {
            return false;
        }
        match workspace.reload_prometheus() {
            Ok(changed) => changed,
            Err(message) => {
                self.log(lsp_types::MessageType::WARNING, message);
                false
            }
        }
    }

    fn publish_all_open(&mut self) {
        let open: Vec<PathBuf> = self
            .workspace
            .iter()
            .flat_map(|workspace| &workspace.files)
            .filter(|(_, state)| state.open)
            .map(|(path, _)| path.clone())
            .collect();
        for path in open {
            self.publish(&path);
        }
    }

    fn publish(&mut self, path: &Path) {
        let workspace = self.workspace.as_mut().expect("initialized");
        let Some(state) = workspace.files.get(path).filter(|state| state.open) else {
            return;
        };
        let uri = state.uri.clone();
        let version = state.version;
        let found = workspace.lint(path);
        let published: Vec<Published> = found
            .iter()
            .map(|reported| Published {
                lsp: convert::diagnostic(reported, &uri, &self.docs_base),
                code: reported.diagnostic.code,
                span: reported.diagnostic.span.clone(),
                fix: reported
                    .diagnostic
                    .fix
                    .clone()
                    .map(|fix| (fix, reported.file.clone())),
            })
            .collect();
        let diagnostics = published.iter().map(|p| p.lsp.clone()).collect();
        self.published.insert(path.to_path_buf(), published);
        self.notify(
            lsp_types::notification::PublishDiagnostics::METHOD,
            lsp_types::PublishDiagnosticsParams {
                uri,
                diagnostics,
                version,
            },
        );
    }

    fn publish_empty(&mut self, uri: Url) {
        self.notify(
            lsp_types::notification::PublishDiagnostics::METHOD,
            lsp_types::PublishDiagnosticsParams {
                uri,
                diagnostics: Vec::new(),
                version: None,
            },
        );
    }
}

fn workspace_readers(
    workspace: Option<&Workspace>,
    changed: &BTreeSet<String>,
    except: &BTreeSet<PathBuf>,
) -> Vec<PathBuf> {
    workspace.map_or_else(Vec::new, |workspace| {
        workspace.open_readers(changed, except)
    })
}

fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Kind(
            TextDocumentSyncKind::INCREMENTAL,
        )),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(
                ["{", "(", ",", "\"", "=", ".", "$", " "]
                    .iter()
                    .map(|c| c.to_string())
                    .collect(),
            ),
            ..CompletionOptions::default()
        }),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
            ..CodeActionOptions::default()
        })),
        ..ServerCapabilities::default()
    }
}

fn params<T: serde::de::DeserializeOwned>(value: Value) -> Result<T, Failure> {
    serde_json::from_value(value)
        .map_err(|error| Failure(ErrorCode::InvalidParams, format!("invalid params: {error}")))
}

fn to_value(value: impl serde::Serialize) -> Result<Value, Failure> {
    serde_json::to_value(value)
        .map_err(|error| Failure(ErrorCode::InternalError, error.to_string()))
}

fn path_of(uri: &Url) -> Result<PathBuf, Failure> {
    uri.to_file_path()
        .map(|path| crate::config::absolute(&path, Path::new("/")))
        .map_err(|_| Failure(ErrorCode::InvalidParams, format!("{uri} is not a file")))
}

/// A document's text after the client's changes, in order: a change without a range
/// replaces the text; a range is in UTF-16 units, and one reaching past the end is
/// applied at the end (the second value says so).
fn apply_changes(text: &str, changes: Vec<TextDocumentContentChangeEvent>) -> (String, bool) {
    let mut text = text.to_string();
    let mut clamped = false;
    for change in changes {
        let Some(range) = change.range else {
            text = change.text;
            continue;
        };
        let file = crate::source::SourceFile::new("", std::mem::take(&mut text));
        let (start, start_clamped) =
            file.offset_of_utf16(range.start.line as usize, range.start.character as usize);
        let (end, end_clamped) =
            file.offset_of_utf16(range.end.line as usize, range.end.character as usize);
        clamped |= start_clamped || end_clamped;
        let (start, end) = (start.min(end), end.max(start));
        let mut edited = file.text;
        edited.replace_range(start..end, &change.text);
        text = edited;
    }
    (text, clamped)
}

#[cfg(test)]
mod tests {
    use super::*;
    use lsp_types::{Position, Range};

    fn change(
        range: Option<((u32, u32), (u32, u32))>,
        text: &str,
    ) -> TextDocumentContentChangeEvent {
        TextDocumentContentChangeEvent {
            range: range.map(|(s, e)| Range::new(Position::new(s.0, s.1), Position::new(e.0, e.1))),
            range_length: None,
            text: text.into(),
        }
    }

    #[test]
    fn changes_apply_in_utf16_units_and_clamp_at_the_end() {
        let (text, clamped) =
            apply_changes("a: é𝄞x\nb: 1\n", vec![change(Some(((0, 6), (0, 7))), "y")]);
        assert_eq!(text, "a: é𝄞y\nb: 1\n");
        assert!(!clamped);
        let (text, clamped) = apply_changes("ab\n", vec![change(Some(((5, 0), (9, 9))), "!")]);
        assert_eq!(text, "ab\n!");
        assert!(clamped);
        let (text, _) = apply_changes(
            "old",
            vec![change(None, "new"), change(Some(((0, 3), (0, 3))), "er")],
        );
        assert_eq!(text, "newer");
    }
}
