//! `prometheus/config`: the configuration file is one Prometheus 3.x refuses to load.

use crate::checks::{CheckMeta, Emitter};
use crate::diagnostic::{Diagnostic, Severity};
use crate::fixture;
use crate::promconfig::PromConfig;

pub static META: CheckMeta = CheckMeta {
    code: "prometheus/config",
    severity: Severity::Error,
    summary: "The Prometheus configuration file is invalid: Prometheus would refuse to load it",
    docs: "Prometheus reads prometheus.yml strictly: an unknown or repeated field, a malformed \
duration or size, a `scrape_timeout` above the `scrape_interval`, two scrape configs with one \
`job_name`, a relabel rule with fields its action forbids (or without the ones it needs), a \
relabel regex that is not valid RE2, two authentication methods on one client, a service \
discovery block without its required settings: each makes the server refuse the whole file \
at start-up or reload, and `promtool check config` fail.\n\n\
promgate validates the whole file as Prometheus 3.x does (global, rule_files, scrape_configs \
with every service-discovery block, relabel and metric relabel rules, alerting, remote \
write/read, storage, tracing) and points at the offending key or value, with Prometheus' own \
wording. Values of secret fields (`password`, `bearer_token`, `credentials`, \
`client_secret`...) are never quoted.\n\n\
Fix: correct the field the message names.",
    bad: fixture!("prometheus/config/fail.yml"),
    good: fixture!("prometheus/config/pass.yml"),
    enabled_by_default: true,
};

pub fn run(config: &PromConfig, out: &mut Vec<Diagnostic>) {
    let mut emitter = Emitter::new(&META, out);
    for problem in &config.problems {
        emitter.report(problem.span.clone(), problem.message.clone());
    }
}
