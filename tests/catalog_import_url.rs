//! `promgate catalog import URL` on bad answers: each is a clear error with exit
//! status 2, no secret in the output, and the output file untouched. A local listener
//! plays the broken servers; the happy path runs against a real Prometheus in
//! tests/catalog_live.rs.

#[path = "support/http.rs"]
mod http;

use http::{Reply, Server};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

struct Run {
    status: i32,
    stdout: String,
    stderr: String,
}

fn import(args: &[&str], dir: &Path) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_promgate"))
        .arg("catalog")
        .arg("import")
        .args(args)
        .current_dir(dir)
        .env("PROMGATE_TEST_TOKEN", "s3cr3t-token")
        .output()
        .expect("run promgate");
    Run {
        status: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn json(body: &str) -> Reply {
    Reply::Body(200, "application/json", body.as_bytes().to_vec())
}

const EMPTY_METADATA: &str = r#"{"status":"success","data":{}}"#;
const SERIES: &str = r#"{"status":"success","data":[{"__name__":"up","job":"app","instance":"a:1"},{"__name__":"app_requests_total","job":"app","instance":"a:1","code":"200"}]}"#;
const JOBS: &str = r#"{"status":"success","data":["app"]}"#;

/// Runs an import into `cat.yml` that already holds a previous catalog, and checks
/// the failure contract: exit 2, one error line naming the problem, the old file
/// intact, no temporary file left, no secret shown.
fn assert_fails(base: &str, extra: &[&str], expected: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("cat.yml");
    std::fs::write(&out, "previous catalog\n").unwrap();
    let mut args = vec![
        base,
        "-o",
        "cat.yml",
        "--bearer-token-env",
        "PROMGATE_TEST_TOKEN",
    ];
    args.extend_from_slice(extra);
    let run = import(&args, dir.path());
    assert_eq!(run.status, 2, "{}", run.stderr);
    assert!(
        run.stderr.starts_with("promgate: error: ") && run.stderr.contains(expected),
        "expected `{expected}` in: {}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("s3cr3t"),
        "secret shown: {}",
        run.stderr
    );
    assert!(run.stdout.is_empty());
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        "previous catalog\n",
        "a failed import must not touch the output"
    );
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "{leftovers:?}");
    run.stderr
}

#[test]
fn unreachable_server() {
    // A port that was just free: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let stderr = assert_fails(
        &format!("http://127.0.0.1:{port}"),
        &[],
        "connection refused",
    );
    assert!(
        stderr.contains(&format!("127.0.0.1:{port}/api/v1/metadata")),
        "{stderr}"
    );
}

#[test]
fn unauthorized() {
    let server = Server::start(vec![(
        "/api/v1/metadata",
        Reply::Body(401, "text/plain", b"Unauthorized\n".to_vec()),
    )]);
    assert_fails(&server.base, &[], "refused the request (401 Unauthorized)");
    // Credentials in the URL are never echoed either.
    let with_user = server.base.replace("http://", "http://admin:hunter2@");
    let stderr = assert_fails(&with_user, &[], "401");
    assert!(
        !stderr.contains("hunter2") && !stderr.contains("admin"),
        "{stderr}"
    );
}

#[test]
fn timeout() {
    let server = Server::start(vec![(
        "/api/v1/metadata",
        Reply::Silence(Duration::from_secs(8)),
    )]);
    let started = Instant::now();
    assert_fails(
        &server.base,
        &["--timeout", "1s"],
        "no complete answer within 1s (--timeout)",
    );
    assert!(
        started.elapsed() < Duration::from_secs(6),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn html_instead_of_json() {
    let page = b"<!DOCTYPE html>\n<html><head><title>Prometheus</title></head></html>\n".to_vec();
    let server = Server::start(vec![(
        "/graph/api/v1/metadata",
        Reply::Body(200, "text/html; charset=utf-8", page.clone()),
    )]);
    assert_fails(&format!("{}/graph", server.base), &[], "got an HTML page");
    // Served as JSON, HTML is still recognised.
    let server = Server::start(vec![(
        "/api/v1/metadata",
        Reply::Body(200, "application/json", page),
    )]);
    assert_fails(&server.base, &[], "got an HTML page");
}

#[test]
fn not_json_at_all() {
    let server = Server::start(vec![(
        "/api/v1/metadata",
        json("{\"status\": \"success\", \"data\": {"),
    )]);
    assert_fails(&server.base, &[], "not the Prometheus API's JSON");
}

#[test]
fn over_large_answers_are_refused() {
    // Announced: refused before reading.
    let server = Server::start(vec![("/api/v1/metadata", Reply::ClaimsLength(1 << 30))]);
    assert_fails(&server.base, &[], "larger than the 256 MiB cap (1 GiB)");
    // Streamed without a length: cut at the cap.
    let server = Server::start(vec![("/api/v1/metadata", Reply::Stream(300_000))]);
    assert_fails(
        &server.base,
        &["--max-response-size", "100KiB"],
        "larger than the 100 KiB cap",
    );
}

#[test]
fn a_partial_failure_writes_nothing() {
    let server = Server::start(vec![
        ("/api/v1/metadata", json(EMPTY_METADATA)),
        (
            "/api/v1/series",
            Reply::Body(
                500,
                "application/json",
                br#"{"status":"error","errorType":"internal","error":"out of memory"}"#.to_vec(),
            ),
        ),
    ]);
    let stderr = assert_fails(&server.base, &[], "HTTP 500");
    assert!(
        stderr.contains("/api/v1/series") && stderr.contains("out of memory"),
        "{stderr}"
    );
    // An API error inside a 200.
    let server = Server::start(vec![
        ("/api/v1/metadata", json(EMPTY_METADATA)),
        (
            "/api/v1/series",
            json(r#"{"status":"error","errorType":"bad_data","error":"invalid parameter"}"#),
        ),
    ]);
    assert_fails(&server.base, &[], "bad_data: invalid parameter");
    // The second of two sources fails: the first is not written alone.
    let good = Server::start(vec![
        ("/api/v1/metadata", json(EMPTY_METADATA)),
        ("/api/v1/series", json(SERIES)),
        ("/api/v1/label/job/values", json(JOBS)),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let run = import(&[&good.base, "missing.prom", "-o", "cat.yml"], dir.path());
    assert_eq!(run.status, 2, "{}", run.stderr);
    assert!(run.stderr.contains("missing.prom"), "{}", run.stderr);
    assert!(!dir.path().join("cat.yml").exists());
}

#[test]
fn a_server_without_targets_or_config_still_imports() {
    // Mimir and Thanos have no targets or config endpoints: those facts are optional.
    let server = Server::start(vec![
        (
            "/api/v1/metadata",
            json(
                r#"{"status":"success","data":{"app_requests_total":[{"type":"counter","help":"Requests.","unit":""}]}}"#,
            ),
        ),
        ("/api/v1/series", json(SERIES)),
        ("/api/v1/label/job/values", json(JOBS)),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let run = import(
        &[&server.base, "-o", "cat.yml", "--tenant", "team-a"],
        dir.path(),
    );
    assert_eq!(run.status, 0, "{}", run.stderr);
    let written = std::fs::read_to_string(dir.path().join("cat.yml")).unwrap();
    assert!(written.contains("jobs:\n  app: {}\n"), "{written}");
    assert!(
        written.contains("  app_requests_total:\n    type: counter\n    help: Requests.\n    labels: [code, instance, job]\n"),
        "{written}"
    );
    assert!(written.contains("target_labels: []"), "{written}");
}

#[test]
fn a_metrics_endpoint_reads_as_exposition() {
    let text = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/pumpflix-api.prom"
    ))
    .unwrap();
    let server = Server::start(vec![(
        "/metrics",
        Reply::Body(200, "text/plain; version=0.0.4", text),
    )]);
    let dir = tempfile::tempdir().unwrap();
    let run = import(&[&format!("{}/metrics", server.base)], dir.path());
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("  cache_hits_total:\n    type: counter\n    help: \"Total number of cache hits\"\n    labels: [cache_type]\n"),
        "{}",
        run.stdout
    );
    let html = Server::start(vec![(
        "/metrics",
        Reply::Body(200, "text/html", b"<html></html>".to_vec()),
    )]);
    assert_fails(&format!("{}/metrics", html.base), &[], "got an HTML page");
}

#[test]
fn bad_options_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    for (args, expected) in [
        (
            &["http://127.0.0.1:9", "--timeout", "soon"][..],
            "--timeout",
        ),
        (
            &["http://127.0.0.1:9", "--max-response-size", "huge"][..],
            "--max-response-size",
        ),
        (
            &[
                "http://127.0.0.1:9",
                "--header",
                "Authorization Bearer s3cr3t",
            ][..],
            "--header",
        ),
        (
            &[
                "http://127.0.0.1:9",
                "--bearer-token-env",
                "PROMGATE_NO_SUCH_VAR",
            ][..],
            "PROMGATE_NO_SUCH_VAR",
        ),
        (&["builtin:node_exporter"][..], "used by name"),
    ] {
        let run = import(args, dir.path());
        assert_eq!(run.status, 2, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains(expected), "{args:?}: {}", run.stderr);
        assert!(!run.stderr.contains("s3cr3t"), "{}", run.stderr);
    }
}

#[test]
fn an_endpoint_at_another_path_is_found_as_exposition() {
    // Spring Boot serves its metrics at /actuator/prometheus: no metadata API there.
    let server = Server::start(vec![(
        "/actuator/prometheus",
        Reply::Body(
            200,
            "text/plain; version=0.0.4",
            b"# TYPE jvm_threads_live_threads gauge\njvm_threads_live_threads{area=\"x\"} 12\n"
                .to_vec(),
        ),
    )]);
    let dir = tempfile::tempdir().unwrap();
    let run = import(
        &[&format!("{}/actuator/prometheus", server.base)],
        dir.path(),
    );
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .contains("  jvm_threads_live_threads:\n    type: gauge\n    labels: [area]\n"),
        "{}",
        run.stdout
    );
    // Neither an API nor exposition: the 404 of the metadata API is the error.
    let nothing = Server::start(vec![]);
    assert_fails(&nothing.base, &[], "not found (HTTP 404)");
}
