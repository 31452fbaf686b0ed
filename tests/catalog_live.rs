//! `promgate catalog import URL` against a real Prometheus server (Debian's
//! `prometheus` package, installed by .ci/run): it scrapes itself and a small exporter
//! this test serves with the PumpFlix app's metrics; the import must give each
//! metric's complete label set (target labels included), the jobs and their scrape
//! intervals, and a check run with the catalog must report a label typo.

#[path = "support/http.rs"]
mod http;

use http::{Reply, Server};
use promgate::catalog::{load_file, MetricType};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const PROMETHEUS: &str = "/usr/bin/prometheus";

/// The server process, stopped by its PID when the test ends, passed or failed.
struct Running {
    child: Child,
    log: PathBuf,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Running {
    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start_prometheus(dir: &Path, port: u16, exporter: &str) -> Running {
    assert!(
        Path::new(PROMETHEUS).is_file(),
        "{PROMETHEUS} is missing: install Debian's `prometheus` package (.ci/run does)"
    );
    let exporter_address = exporter.trim_start_matches("http://");
    let config = format!(
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n\
         scrape_configs:\n\
         - job_name: prometheus\n  static_configs:\n  - targets: ['127.0.0.1:{port}']\n\
         - job_name: pumpflix-api\n  scrape_interval: 2s\n  static_configs:\n  - targets: ['{exporter_address}']\n"
    );
    std::fs::write(dir.join("prometheus.yml"), config).unwrap();
    let log = dir.join("prometheus.log");
    let log_file = std::fs::File::create(&log).unwrap();
    let child = Command::new(PROMETHEUS)
        .arg(format!(
            "--config.file={}",
            dir.join("prometheus.yml").display()
        ))
        .arg(format!(
            "--storage.tsdb.path={}",
            dir.join("data").display()
        ))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .stdin(Stdio::null())
        .stdout(log_file.try_clone().unwrap())
        .stderr(log_file)
        .spawn()
        .expect("start prometheus");
    Running { child, log }
}

/// Polls the server until both jobs have been scraped and the app's series are
/// queryable (bounded: 60 seconds).
fn wait_for_scrapes(base: &str, server: &mut Running) {
    let agent = ureq::Agent::new_with_defaults();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(Some(status)) = server.child.try_wait() {
            panic!("prometheus exited ({status}):\n{}", server.log());
        }
        let ready = agent
            .get(format!("{base}/api/v1/query"))
            .query("query", "count(up == 1) == 2 and on() count(http_requests_total) > 0 and on() count(prometheus_build_info) > 0")
            .call()
            .ok()
            .and_then(|mut r| r.body_mut().read_to_string().ok())
            .is_some_and(|body| body.contains("\"result\":[{"));
        if ready {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "prometheus did not scrape both targets within 60s:\n{}",
            server.log()
        );
        std::thread::sleep(Duration::from_millis(250));
    }
}

#[test]
#[ignore = "ci: needs prometheus (Debian package); run by .ci/run"]
fn imports_a_real_prometheus_server() {
    let exposition = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/pumpflix-api.prom"
    ))
    .unwrap();
    let exporter = Server::start(vec![(
        "/metrics",
        Reply::Body(200, "text/plain; version=0.0.4; charset=utf-8", exposition),
    )]);
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut server = start_prometheus(dir.path(), port, &exporter.base);
    let base = format!("http://127.0.0.1:{port}");
    wait_for_scrapes(&base, &mut server);

    let import = Command::new(env!("CARGO_BIN_EXE_promgate"))
        .args(["catalog", "import", &base, "-o", "cat.yml"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&import.stderr);
    assert_eq!(import.status.code(), Some(0), "{stderr}");
    let path = dir.path().join("cat.yml");
    let catalog = load_file(path.to_str().unwrap()).unwrap_or_else(|e| panic!("{e}"));

    // Types from the metadata API, complete label sets from the series, target labels
    // included.
    let requests = catalog
        .family("http_requests_total")
        .expect("the app's counter");
    assert_eq!(requests.kind, MetricType::Counter);
    assert!(requests.labels_complete);
    let labels: Vec<&str> = requests.labels.keys().map(String::as_str).collect();
    assert_eq!(
        labels,
        ["instance", "job", "method", "route", "status_code"]
    );
    let latency = catalog.family("http_request_duration_seconds").unwrap();
    assert_eq!(latency.kind, MetricType::Histogram);
    assert_eq!(
        latency.native_histogram,
        Some(false),
        "classic buckets seen"
    );
    assert!(!latency.labels.contains_key("le"), "le stays implicit");
    assert_eq!(
        catalog.family("job_queue_size").unwrap().help.as_deref(),
        Some("Current size of job queues")
    );
    // Prometheus' own metrics, from scraping itself.
    let head = catalog.family("prometheus_tsdb_head_series").unwrap();
    assert_eq!(head.kind, MetricType::Gauge);
    assert!(catalog.family("go_goroutines").is_some());
    assert!(catalog.len() > 100, "{} families", catalog.len());
    // Every family with series has a complete label set.
    let written = std::fs::read_to_string(&path).unwrap();
    assert!(catalog
        .families()
        .filter(|f| f.name.starts_with("http_") || f.name.starts_with("cache_"))
        .all(|f| f.labels_complete));
    // The scrape: the jobs, their intervals, and that it adds only job and instance.
    let jobs = catalog.scrape.jobs.as_ref().expect("jobs");
    assert_eq!(
        jobs.keys().map(String::as_str).collect::<Vec<_>>(),
        ["prometheus", "pumpflix-api"]
    );
    assert_eq!(catalog.scrape.interval_of("pumpflix-api"), Some("2s"));
    assert_eq!(catalog.scrape.interval_of("prometheus"), Some("1s"));
    assert_eq!(catalog.scrape.evaluation_interval.as_deref(), Some("1s"));
    assert!(catalog.target_labels_declared);
    assert!(written.contains("target_labels: []\n"), "{written}");

    // A check run with the catalog: the label typo is reported exactly.
    std::fs::write(
        dir.path().join("alerts.yml"),
        "groups:\n  - name: pumpflix\n    rules:\n      - alert: ServerErrors\n        expr: sum by (route) (rate(http_requests_total{status=\"500\"}[5m])) > 0.1\n      - alert: ApiDown\n        expr: up{job=\"pumpflix-apii\"} == 0\n",
    )
    .unwrap();
    let check = Command::new(env!("CARGO_BIN_EXE_promgate"))
        .args([
            "check",
            "alerts.yml",
            "--catalog",
            "cat.yml",
            "--format",
            "json",
        ])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&check.stdout).unwrap();
    assert_eq!(check.status.code(), Some(1), "{report}");
    let found: Vec<(String, u64, u64)> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
                d["column"].as_u64().unwrap(),
            )
        })
        .collect();
    assert!(
        found.contains(&("catalog/unknown-label".into(), 5, 56)),
        "{report}"
    );
    assert!(
        found.contains(&("catalog/unknown-label-value".into(), 7, 22)),
        "{report}"
    );
    drop(server);
}
