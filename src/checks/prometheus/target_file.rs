//! `prometheus/target-file`: a target file of `file_sd_configs` that Prometheus cannot
//! read, so it takes no targets from it.

use crate::checks::{CheckMeta, Emitter};
use crate::diagnostic::{Diagnostic, Severity};
use crate::fixture;
use crate::promconfig::PromConfig;

pub static META: CheckMeta = CheckMeta {
    code: "prometheus/target-file",
    severity: Severity::Error,
    summary: "A target file of `file_sd_configs` is one Prometheus cannot read: it scrapes no target from it",
    docs: "File service discovery reads target groups from the files each `file_sd_configs` \
entry names (relative to the configuration file; a `*` may stand in the last path element): \
`.json` files as JSON, `.yml` and `.yaml` files as YAML, each a list of groups with \
`targets` and `labels`. A file that does not parse, a group that is `null`, a field other \
than `targets` and `labels`, an invalid label name or a label value that is not a string is \
not an error at start-up: Prometheus logs it, counts it in \
`prometheus_sd_file_read_errors_total` and scrapes none of the file's targets (or keeps the \
ones it read before the file broke). A target that is a URL rather than `host:port` is \
dropped when no relabel rule rewrites `__address__`.\n\n\
promgate reads the target files as Prometheus does, when it checks the configuration, and \
reports each problem at the `files:` entry that names the file, with the file's own line \
and column. Their labels become target labels of the job (see \
docs/prometheus-config.md), so label checks stay exact; a file with a problem leaves the \
job's labels unknown.\n\n\
Fix: correct the target file at the line the message gives.",
    bad: fixture!("prometheus/target-file/fail.yml"),
    good: fixture!("prometheus/target-file/pass.yml"),
    enabled_by_default: true,
};

pub fn run(config: &PromConfig, out: &mut Vec<Diagnostic>) {
    let mut emitter = Emitter::new(&META, out);
    for problem in &config.target_file_problems {
        let place = match problem.at {
            Some((line, column)) => format!("{}:{line}:{column}", problem.path),
            None => problem.path.clone(),
        };
        let consequence = if problem.whole_file {
            "Prometheus scrapes no target of this file"
        } else {
            "Prometheus drops this target"
        };
        emitter
            .report(
                problem.span.clone(),
                format!("{place}: {}: {consequence}", problem.message),
            )
            .help = Some(format!("correct the target file at {place}"));
    }
}
