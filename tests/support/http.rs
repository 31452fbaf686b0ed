//! A tiny HTTP/1.1 server on 127.0.0.1 for tests: canned answers by path, one
//! connection at a time, stopped when dropped. Enough to play an exporter or a broken
//! server; never a stand-in for Prometheus itself (tests/catalog_live.rs runs the real
//! one).

// Each test binary uses only some of the replies.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// What the server does for a path.
#[derive(Clone)]
pub enum Reply {
    /// A full answer: status, content type, body (with its Content-Length).
    Body(u16, &'static str, Vec<u8>),
    /// A 200 whose headers claim `length` bytes, then the connection closes.
    ClaimsLength(u64),
    /// A 200 with no length whose body runs `bytes` long until the connection closes.
    Stream(usize),
    /// Accepts and reads the request, then answers nothing for this long.
    Silence(Duration),
}

pub struct Server {
    pub base: String,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    /// Serves `routes` (path without query -> reply); other paths get a 404.
    pub fn start(routes: Vec<(&'static str, Reply)>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a local port");
        listener.set_nonblocking(true).unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = stop.clone();
        let thread = std::thread::spawn(move || {
            // Bounded: a test server never outlives a minute.
            let deadline = std::time::Instant::now() + Duration::from_secs(60);
            while !stopping.load(Ordering::Relaxed) && std::time::Instant::now() < deadline {
                match listener.accept() {
                    Ok((stream, _)) => answer(stream, &routes, &stopping),
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        Server {
            base,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn answer(mut stream: TcpStream, routes: &[(&'static str, Reply)], stop: &AtomicBool) {
    stream.set_nonblocking(false).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut request = Vec::new();
    let mut buffer = [0u8; 4096];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buffer) {
            Ok(0) | Err(_) => return,
            Ok(n) => request.extend_from_slice(&buffer[..n]),
        }
    }
    let text = String::from_utf8_lossy(&request);
    let target = text.split_whitespace().nth(1).unwrap_or("/");
    let path = target.split('?').next().unwrap_or("/");
    let reply = routes
        .iter()
        .find(|(p, _)| *p == path)
        .map(|(_, r)| r.clone())
        .unwrap_or(Reply::Body(
            404,
            "text/plain",
            b"404 page not found\n".to_vec(),
        ));
    let _ = match reply {
        Reply::Body(status, content_type, body) => {
            let head = format!(
                "HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            stream
                .write_all(head.as_bytes())
                .and_then(|()| stream.write_all(&body))
        }
        Reply::ClaimsLength(length) => stream.write_all(
            format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n{{"
            )
            .as_bytes(),
        ),
        Reply::Stream(bytes) => {
            let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n";
            let chunk = vec![b' '; 64 * 1024];
            let mut result = stream.write_all(head.as_bytes());
            let mut sent = 0;
            while result.is_ok() && sent < bytes {
                let n = chunk.len().min(bytes - sent);
                result = stream.write_all(&chunk[..n]);
                sent += n;
            }
            result
        }
        Reply::Silence(duration) => {
            let until = std::time::Instant::now() + duration;
            while std::time::Instant::now() < until && !stop.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(20));
            }
            Ok(())
        }
    };
}
