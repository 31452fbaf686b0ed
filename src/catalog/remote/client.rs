//! The HTTP side of `catalog import URL`: one agent with the user's credentials,
//! timeouts and a cap on every response, and errors that say what went wrong in words
//! a user can act on. Credentials never appear in messages: URLs are shown without
//! their user-info and header values are never echoed.

use super::{ImportOptions, RemoteError};
use std::io::{BufRead, BufReader, Read};
use std::time::Duration;
use ureq::tls::{RootCerts, TlsConfig};

/// An answer whose body is being read, capped at the configured size.
pub struct Answer {
    pub url: String,
    pub content_type: String,
    pub body: BufReader<Box<dyn Read + 'static>>,
}

pub enum Fetched {
    Answer(Answer),
    /// 404: the server has no such endpoint (optional endpoints are skipped).
    NotFound,
}

pub struct Client {
    agent: ureq::Agent,
    headers: Vec<(String, String)>,
    timeout: Duration,
    max_response_size: u64,
}

impl Client {
    pub fn new(options: &ImportOptions) -> Result<Client, RemoteError> {
        let agent = ureq::Agent::config_builder()
            // Status codes are judged here, so that a 401 gets its own message.
            .http_status_as_error(false)
            .timeout_global(Some(options.timeout))
            .timeout_connect(Some(options.timeout.min(Duration::from_secs(10))))
            .max_redirects(5)
            // Credentials follow a redirect only to the same host over https.
            .redirect_auth_headers(ureq::config::RedirectAuthHeaders::SameHost)
            .user_agent(concat!("promgate/", env!("CARGO_PKG_VERSION")))
            .tls_config(
                TlsConfig::builder()
                    .root_certs(RootCerts::PlatformVerifier)
                    .build(),
            )
            .build()
            .new_agent();
        Ok(Client {
            agent,
            headers: options.request_headers()?,
            timeout: options.timeout,
            max_response_size: options.max_response_size,
        })
    }

    /// GETs `url` with `query` pairs; a 2xx answer, `NotFound` for 404, else an error.
    pub fn get(
        &self,
        url: &str,
        query: &[(&str, String)],
        accept: &str,
    ) -> Result<Fetched, RemoteError> {
        let shown = redact(url);
        let mut request = self.agent.get(url).header("Accept", accept);
        for (name, value) in &self.headers {
            request = request.header(name.as_str(), value.as_str());
        }
        for (key, value) in query {
            request = request.query(*key, value);
        }
        let response = request
            .call()
            .map_err(|error| RemoteError::new(&shown, self.describe(error)))?;
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        let declared_length = response
            .headers()
            .get("content-length")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        if status == 404 {
            return Ok(Fetched::NotFound);
        }
        if status == 401 || status == 403 {
            return Err(RemoteError::new(
                &shown,
                format!(
                    "the server refused the request ({status} {}): give credentials with \
                     --bearer-token-env, --bearer-token-file, --basic-auth-user or --header",
                    if status == 401 {
                        "Unauthorized"
                    } else {
                        "Forbidden"
                    }
                ),
            ));
        }
        let mut body: Box<dyn Read + 'static> = Box::new(
            response
                .into_body()
                .into_with_config()
                .limit(self.max_response_size)
                .reader(),
        );
        if !(200..300).contains(&status) {
            let mut start = vec![0u8; 300];
            let read = read_some(&mut body, &mut start);
            let text = String::from_utf8_lossy(&start[..read]);
            let text: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
            let detail = if text.is_empty() {
                String::new()
            } else {
                format!(": {text}")
            };
            return Err(RemoteError::new(
                &shown,
                format!("the server answered HTTP {status}{detail}"),
            ));
        }
        if let Some(length) = declared_length.filter(|&n| n > self.max_response_size) {
            return Err(RemoteError::new(&shown, self.too_large(Some(length))));
        }
        Ok(Fetched::Answer(Answer {
            url: shown,
            content_type,
            body: BufReader::with_capacity(64 * 1024, body),
        }))
    }

    /// Explains a failed request.
    fn describe(&self, error: ureq::Error) -> String {
        match error {
            ureq::Error::Timeout(_) => format!(
                "no complete answer within {} (--timeout)",
                format_seconds(self.timeout)
            ),
            ureq::Error::HostNotFound => "the host name does not resolve".to_string(),
            ureq::Error::Io(io) => match io.kind() {
                std::io::ErrorKind::ConnectionRefused => {
                    "cannot connect: connection refused (is the server running, and is the port right?)"
                        .to_string()
                }
                std::io::ErrorKind::TimedOut => format!(
                    "no answer within {} (--timeout)",
                    format_seconds(self.timeout)
                ),
                _ => format!("cannot connect: {io}"),
            },
            ureq::Error::BodyExceedsLimit(_) => self.too_large(None),
            ureq::Error::BadUri(_) => {
                "not a valid URL (expected http:// or https://host[:port][/path])".to_string()
            }
            other => format!("the request failed: {other}"),
        }
    }

    pub fn too_large(&self, length: Option<u64>) -> String {
        let size = length
            .map(|n| format!(" ({})", format_bytes(n)))
            .unwrap_or_default();
        format!(
            "the response is larger than the {} cap{size}: raise --max-response-size, or \
             narrow the import with --match",
            format_bytes(self.max_response_size)
        )
    }

    /// Reads the whole (capped) body.
    pub fn read_body(&self, answer: &mut Answer) -> Result<Vec<u8>, RemoteError> {
        let mut bytes = Vec::new();
        answer
            .body
            .read_to_end(&mut bytes)
            .map_err(|error| RemoteError::new(&answer.url, self.describe(error.into())))?;
        Ok(bytes)
    }
}

fn read_some(reader: &mut dyn Read, buffer: &mut [u8]) -> usize {
    let mut filled = 0;
    while filled < buffer.len() {
        match reader.read(&mut buffer[filled..]) {
            Ok(0) | Err(_) => break,
            Ok(n) => filled += n,
        }
    }
    filled
}

/// Whether the body starts like an HTML page (a UI, a login page, a proxy's error).
pub fn looks_like_html(answer: &mut Answer) -> bool {
    if answer.content_type.starts_with("text/html") {
        return true;
    }
    let Ok(start) = answer.body.fill_buf() else {
        return false;
    };
    let text = String::from_utf8_lossy(&start[..start.len().min(256)]).to_ascii_lowercase();
    let text = text.trim_start();
    text.starts_with("<!doctype html") || text.starts_with("<html") || text.starts_with("<head")
}

/// The URL without `user:password@`.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}://{}", &rest[at + 1..]),
        None => url.to_string(),
    }
}

pub fn format_seconds(duration: Duration) -> String {
    let ms = duration.as_millis();
    if ms % 1000 == 0 {
        format!("{}s", ms / 1000)
    } else {
        format!("{ms}ms")
    }
}

pub fn format_bytes(bytes: u64) -> String {
    const UNITS: [(&str, u64); 3] = [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)];
    for (unit, size) in UNITS {
        if bytes >= size && bytes % size == 0 {
            return format!("{} {unit}", bytes / size);
        }
    }
    for (unit, size) in UNITS {
        if bytes >= size {
            return format!("{:.1} {unit}", bytes as f64 / size as f64);
        }
    }
    format!("{bytes} bytes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hides_credentials_in_urls() {
        assert_eq!(
            redact("https://admin:s3cret@prom.example:9090/api"),
            "https://prom.example:9090/api"
        );
        assert_eq!(redact("http://h:9090/a@b"), "http://h:9090/a@b");
    }

    #[test]
    fn sizes_read_well() {
        assert_eq!(format_bytes(256 << 20), "256 MiB");
        assert_eq!(format_bytes(1_500_000), "1.4 MiB");
        assert_eq!(format_bytes(12), "12 bytes");
        assert_eq!(format_seconds(Duration::from_millis(1500)), "1500ms");
    }
}
