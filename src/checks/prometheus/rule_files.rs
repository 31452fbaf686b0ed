//! `prometheus/rule-files`: a `rule_files` entry of a configuration matches no file.

use crate::checks::{CheckMeta, Emitter};
use crate::diagnostic::{Diagnostic, Severity};
use crate::fixture;
use crate::promconfig::PromConfig;

pub static META: CheckMeta = CheckMeta {
    code: "prometheus/rule-files",
    severity: Severity::Warning,
    summary: "A `rule_files` entry of the Prometheus configuration matches no file",
    docs: "Prometheus resolves each `rule_files` entry relative to the configuration file and \
loads what matches. A glob that matches nothing is not an error to Prometheus: the server \
starts, and the alerts the entry was meant to load silently do not exist. This usually \
means a path relative to the wrong folder, or a renamed folder.\n\n\
promgate resolves each entry as Prometheus does (a glob only in the last path element) and \
lints the files it finds in the same run; an entry that finds none is reported.\n\n\
Fix: correct the path, relative to the configuration file's folder.",
    bad: fixture!("prometheus/rule-files/fail.yml"),
    good: fixture!("prometheus/rule-files/pass.yml"),
    enabled_by_default: true,
};

pub fn run(config: &PromConfig, out: &mut Vec<Diagnostic>) {
    if !config.rule_files_resolved {
        return;
    }
    let mut emitter = Emitter::new(&META, out);
    for entry in &config.rule_files {
        if entry.matched.is_empty() {
            emitter
                .report(
                    entry.span.clone(),
                    format!(
                        "`{}` matches no file (relative to this configuration file's folder): Prometheus loads no rules from it",
                        entry.pattern
                    ),
                )
                .help = Some("correct the path; relative paths start at the folder of this file".into());
        }
    }
}
