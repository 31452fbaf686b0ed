//! JSON-RPC over stdio with `Content-Length` framing.
//!
//! `lsp-server` gives the message types; its reader ends the connection at the first
//! malformed message, so this reader is our own: a message that is not JSON (or not
//! UTF-8) gets a `ParseError` response, one that is JSON but not a request or a
//! notification an `InvalidRequest` response, and reading goes on with the next frame.

use lsp_server::{ErrorCode, Message};
use serde_json::{json, Value};
use std::io::{BufRead, Read, Write};
use std::sync::mpsc::Sender;
use std::time::Instant;

/// Messages larger than this are read past and refused: a 16 MiB document (the
/// largest file promgate lints) in JSON with escapes fits well below it.
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024 * 1024;

/// A header line longer than this is not a header.
const MAX_HEADER_LINE: u64 = 8 * 1024;

/// What the reader thread hands the server loop.
#[derive(Debug)]
pub enum Incoming {
    Message(Message),
    /// The frame could not be read as a message: send this error response back.
    Invalid(Value),
    /// The client closed its end (or stdin failed).
    Closed,
}

/// What the reader hands over, with when it was read (the server tells a change sent
/// while it was linting, part of a burst, from one sent after it published).
pub type Received = (Instant, Incoming);

/// Reads frames from `input` until it ends, sending each to `to_server`.
pub fn read_loop(input: impl Read, to_server: Sender<Received>) {
    let mut reader = std::io::BufReader::with_capacity(64 * 1024, input);
    loop {
        let incoming = match read_frame(&mut reader) {
            Ok(Some(Frame::Body(body))) => parse_message(&body),
            Ok(Some(Frame::Bad(reason))) => {
                Incoming::Invalid(error_response(Value::Null, ErrorCode::ParseError, &reason))
            }
            Ok(None) | Err(_) => Incoming::Closed,
        };
        let closed = matches!(incoming, Incoming::Closed);
        if to_server.send((Instant::now(), incoming)).is_err() || closed {
            return;
        }
    }
}

enum Frame {
    Body(Vec<u8>),
    /// A frame whose headers were unusable (its body, if any, was read past).
    Bad(String),
}

/// One frame; `None` at the end of input.
fn read_frame(reader: &mut impl BufRead) -> std::io::Result<Option<Frame>> {
    let mut length: Option<Result<usize, String>> = None;
    let mut saw_header = false;
    loop {
        let mut line = Vec::new();
        let read = reader
            .by_ref()
            .take(MAX_HEADER_LINE)
            .read_until(b'\n', &mut line)?;
        if read == 0 {
            return Ok(None);
        }
        let line = String::from_utf8_lossy(&line);
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            if !saw_header {
                // Blank lines between frames are harmless.
                continue;
            }
            break;
        }
        saw_header = true;
        if let Some((name, value)) = line.split_once(':') {
            if name.trim().eq_ignore_ascii_case("content-length") {
                length = Some(
                    value
                        .trim()
                        .parse::<usize>()
                        .map_err(|_| format!("invalid Content-Length `{}`", value.trim())),
                );
            }
        }
    }
    let length = match length {
        None => return Ok(Some(Frame::Bad("a message without Content-Length".into()))),
        Some(Err(reason)) => return Ok(Some(Frame::Bad(reason))),
        Some(Ok(length)) => length,
    };
    if length > MAX_MESSAGE_BYTES {
        let skipped = std::io::copy(
            &mut reader.by_ref().take(length as u64),
            &mut std::io::sink(),
        )?;
        if skipped < length as u64 {
            return Ok(None);
        }
        return Ok(Some(Frame::Bad(format!(
            "a message of {length} bytes (the limit is {MAX_MESSAGE_BYTES})"
        ))));
    }
    let mut body = vec![0; length];
    match reader.read_exact(&mut body) {
        Ok(()) => Ok(Some(Frame::Body(body))),
        Err(error) if error.kind() == std::io::ErrorKind::UnexpectedEof => Ok(None),
        Err(error) => Err(error),
    }
}

/// A frame's body as a message, or the error response it deserves.
fn parse_message(body: &[u8]) -> Incoming {
    let value: Value = match serde_json::from_slice(body) {
        Ok(value) => value,
        Err(error) => {
            let reason = match std::str::from_utf8(body) {
                Err(utf8) => format!(
                    "the message is not UTF-8 (byte {} is invalid)",
                    utf8.valid_up_to()
                ),
                Ok(_) => format!("the message is not JSON: {error}"),
            };
            return Incoming::Invalid(error_response(Value::Null, ErrorCode::ParseError, &reason));
        }
    };
    let id = value.get("id").cloned().unwrap_or(Value::Null);
    if let Some(problem) = shape_problem(&value) {
        return Incoming::Invalid(error_response(id, ErrorCode::InvalidRequest, problem));
    }
    match serde_json::from_value::<Message>(value) {
        // A response from the client to a request we never sent is dropped by the loop.
        Ok(message) => Incoming::Message(message),
        Err(error) => Incoming::Invalid(error_response(
            id,
            ErrorCode::InvalidRequest,
            &format!("not a JSON-RPC request or notification: {error}"),
        )),
    }
}

/// What makes a JSON value no JSON-RPC message (`lsp_server::Message` would read
/// `{"id": 1, "method": 3}` as a response with neither result nor error).
fn shape_problem(value: &Value) -> Option<&'static str> {
    let Some(object) = value.as_object() else {
        return Some("a JSON-RPC message is an object");
    };
    match object.get("method") {
        Some(Value::String(_)) => None,
        Some(_) => Some("`method` must be a string"),
        None if object.contains_key("id")
            && (object.contains_key("result") || object.contains_key("error")) =>
        {
            None
        }
        None => Some(
            "a message needs a `method` (or, for a response, an `id` and a `result` or `error`)",
        ),
    }
}

/// A JSON-RPC error response (the id may be `null`, which `lsp_server::Response` cannot
/// express).
pub fn error_response(id: Value, code: ErrorCode, message: &str) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code as i32, "message": message}})
}

/// Writes one framed message.
pub fn write_value(out: &mut impl Write, value: &Value) -> std::io::Result<()> {
    let body = serde_json::to_vec(value)?;
    write!(out, "Content-Length: {}\r\n\r\n", body.len())?;
    out.write_all(&body)?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(input: &[u8]) -> Vec<Incoming> {
        let (tx, rx) = std::sync::mpsc::channel();
        read_loop(input, tx);
        rx.into_iter().map(|(_, incoming)| incoming).collect()
    }

    fn framed(body: &[u8]) -> Vec<u8> {
        let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
        out.extend_from_slice(body);
        out
    }

    #[test]
    fn bad_frames_get_errors_and_reading_goes_on() {
        let mut input = framed(b"{not json");
        input.extend(framed(
            b"{\"jsonrpc\":\"2.0\",\"method\":\"x\",\"params\":\"\xff\"}",
        ));
        input.extend(framed(b"{\"jsonrpc\":\"2.0\",\"method\":3}"));
        input.extend(b"X-Nothing: 1\r\n\r\n");
        input.extend(framed(b"{\"jsonrpc\":\"2.0\",\"method\":\"exit\"}"));
        let got = frames(&input);
        let codes: Vec<i64> = got
            .iter()
            .filter_map(|incoming| match incoming {
                Incoming::Invalid(value) => value["error"]["code"].as_i64(),
                _ => None,
            })
            .collect();
        assert_eq!(codes, [-32700, -32700, -32600, -32700]);
        let Incoming::Invalid(utf8) = &got[1] else {
            panic!("{got:?}")
        };
        assert!(utf8["error"]["message"]
            .as_str()
            .unwrap()
            .contains("not UTF-8"));
        assert!(
            matches!(&got[4], Incoming::Message(Message::Notification(n)) if n.method == "exit")
        );
        assert!(matches!(got[5], Incoming::Closed));
    }

    #[test]
    fn a_frame_cut_short_closes() {
        let got = frames(b"Content-Length: 100\r\n\r\n{\"jsonrpc\"");
        assert!(matches!(got[..], [Incoming::Closed]), "{got:?}");
    }
}
