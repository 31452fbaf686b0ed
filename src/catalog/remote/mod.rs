//! Catalogs read from the live system (`promgate catalog import URL`): a
//! Prometheus-compatible server's HTTP API (Prometheus, Thanos, Mimir,
//! VictoriaMetrics) or any `/metrics` endpoint.
//!
//! A server gives what no file does: each metric's complete label set as its series
//! really carry it (target labels included), its jobs and their scrape intervals. An
//! endpoint gives the same as a saved exposition file.

mod client;
mod server;

use super::Catalog;
use std::fmt;
use std::time::Duration;

pub use client::format_bytes;

/// How to reach the server: credentials, limits and what to read.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// `Name: value` headers, as given.
    pub headers: Vec<String>,
    /// Bearer token, already read from its env var or file.
    pub bearer_token: Option<String>,
    /// Basic auth user and password, the password already read.
    pub basic_auth: Option<(String, String)>,
    /// `X-Scope-OrgID` for multi-tenant servers (Mimir, Cortex, Thanos, VictoriaMetrics).
    pub tenant: Option<String>,
    /// Per request, connecting and reading the whole answer.
    pub timeout: Duration,
    /// Series selectors limiting which series are read (default: all).
    pub matchers: Vec<String>,
    /// How far back series count as existing.
    pub lookback: Duration,
    /// The largest answer read, in bytes.
    pub max_response_size: u64,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions {
            headers: Vec::new(),
            bearer_token: None,
            basic_auth: None,
            tenant: None,
            timeout: Duration::from_secs(30),
            matchers: Vec::new(),
            lookback: Duration::from_secs(3600),
            max_response_size: DEFAULT_MAX_RESPONSE_SIZE,
        }
    }
}

/// 256 MiB: a server with a million series answers the series API in about 200 MB.
pub const DEFAULT_MAX_RESPONSE_SIZE: u64 = 256 << 20;

impl ImportOptions {
    /// Every header a request carries, checked for shape (values are never echoed:
    /// they are often credentials).
    fn request_headers(&self) -> Result<Vec<(String, String)>, RemoteError> {
        let mut headers = Vec::new();
        for header in &self.headers {
            let Some((name, value)) = header.split_once(':') else {
                return Err(RemoteError::usage(
                    "--header: expected `Name: value` (a colon after the name)",
                ));
            };
            let name = name.trim();
            let valid_name = !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
            if !valid_name {
                return Err(RemoteError::usage(format!(
                    "--header: `{name}` is not a valid header name"
                )));
            }
            headers.push((name.to_string(), value.trim().to_string()));
        }
        if let Some(token) = &self.bearer_token {
            headers.push(("Authorization".into(), format!("Bearer {}", token.trim())));
        }
        if let Some((user, password)) = &self.basic_auth {
            let encoded = base64(format!("{user}:{password}").as_bytes());
            headers.push(("Authorization".into(), format!("Basic {encoded}")));
        }
        if let Some(tenant) = &self.tenant {
            headers.push(("X-Scope-OrgID".into(), tenant.clone()));
        }
        Ok(headers)
    }
}

/// A URL that could not be imported. `url` is shown without credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteError {
    pub url: Option<String>,
    pub message: String,
}

impl RemoteError {
    pub fn new(url: &str, message: impl Into<String>) -> Self {
        RemoteError {
            url: Some(url.to_string()),
            message: message.into(),
        }
    }

    pub fn usage(message: impl Into<String>) -> Self {
        RemoteError {
            url: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for RemoteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.url {
            Some(url) => write!(f, "{url}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for RemoteError {}

/// Whether a catalog source names a URL rather than a file.
pub fn is_url(source: &str) -> bool {
    let lower = source.to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// Whether a URL is an exporter's endpoint (exposition text) rather than a server's
/// base URL: its path ends in `/metrics` (or `/federate`, Prometheus' exposition of
/// its own series).
pub fn is_endpoint(url: &str) -> bool {
    let without_query = url.split(['?', '#']).next().unwrap_or(url);
    let path = without_query.trim_end_matches('/');
    path.ends_with("/metrics") || path.ends_with("/federate")
}

/// Reads one URL into a catalog.
pub fn import(url: &str, options: &ImportOptions) -> Result<Catalog, RemoteError> {
    let client = client::Client::new(options)?;
    if is_endpoint(url) {
        server::read_endpoint(&client, url)
    } else {
        server::read_server(&client, url, options)
    }
}

/// Standard base64 with padding, for the basic-auth header.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> shift & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tells_endpoints_from_servers() {
        assert!(is_endpoint("http://app:3000/metrics"));
        assert!(is_endpoint("http://app:3000/metrics/?x=1"));
        assert!(!is_endpoint("http://prometheus:9090"));
        assert!(!is_endpoint("https://mimir.example/prometheus"));
        assert!(is_url("HTTPS://x") && !is_url("catalog.yml"));
    }

    #[test]
    fn encodes_basic_auth() {
        assert_eq!(base64(b"user:pass"), "dXNlcjpwYXNz");
        assert_eq!(base64(b"a"), "YQ==");
        assert_eq!(base64(b"ab"), "YWI=");
    }

    #[test]
    fn headers_are_checked_without_echoing_values() {
        let options = ImportOptions {
            headers: vec!["X-Token secret-value".into()],
            ..ImportOptions::default()
        };
        let error = options.request_headers().unwrap_err().to_string();
        assert!(!error.contains("secret-value"), "{error}");
        let options = ImportOptions {
            headers: vec!["X-A: 1".into()],
            tenant: Some("team-a".into()),
            bearer_token: Some("tok\n".into()),
            ..ImportOptions::default()
        };
        let headers = options.request_headers().unwrap();
        assert_eq!(headers[0], ("X-A".into(), "1".into()));
        assert_eq!(headers[1], ("Authorization".into(), "Bearer tok".into()));
        assert_eq!(headers[2], ("X-Scope-OrgID".into(), "team-a".into()));
    }
}
