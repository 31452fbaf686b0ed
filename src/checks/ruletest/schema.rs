//! `ruletest/schema`: the unit-test file is one promtool refuses to read.

use crate::checks::{CheckMeta, Emitter};
use crate::diagnostic::{Diagnostic, Severity};
use crate::eval::ruletest::lint::CheckedTestFile;
use crate::fixture;

pub static META: CheckMeta = CheckMeta {
    code: "ruletest/schema",
    severity: Severity::Error,
    summary: "The unit-test file is not one promtool can read",
    docs: "`promtool test rules` reads a unit-test file strictly (Go's `yaml.UnmarshalStrict`): \
an unknown field (`input_serie`, `exp_alert`), a value of the wrong type (a mapping where a \
list belongs, text where a number belongs), a malformed duration (`eval_time: 5 minutes`) \
or timestamp (`start_timestamp`), or a repeated key makes it refuse the whole file: no test \
runs and the command fails. A group named twice in `group_eval_order`, and an \
`alert_rule_test` entry without an `alertname`, fail the file or the test group the same \
way.\n\n\
promgate reads unit-test files with the same loader `promgate test` uses and points at the \
offending key or value. It reports the first such problem (promtool may list several at \
once: fix it and check again); the rule files the test file names are linted all the same.\n\n\
Fix: correct the field the message names (see the unit-test file format in the Prometheus \
docs, \"Unit testing for rules\").",
    bad: fixture!("ruletest/schema/fail.yml"),
    good: fixture!("ruletest/schema/pass.yml"),
    enabled_by_default: true,
};

pub fn run(test_file: &CheckedTestFile, out: &mut Vec<Diagnostic>) {
    let mut emitter = Emitter::new(&META, out);
    let file = match &test_file.file {
        Ok(file) => file,
        Err(error) => {
            emitter.report(error.span.clone(), error.message.clone());
            return;
        }
    };
    let mut seen = std::collections::BTreeSet::new();
    for (name, span) in &file.group_eval_order {
        if !seen.insert(name.as_str()) {
            emitter.report(
                span.clone(),
                format!("group name repeated in evaluation order: {name}"),
            );
        }
    }
    for group in &file.tests {
        for test in &group.alert_tests {
            if test.alertname.is_empty() {
                emitter
                    .report(
                        test.alertname_span.clone(),
                        format!(
                            "an item under alert_rule_test misses required attribute alertname at eval_time {}",
                            test.eval_time_text
                        ),
                    )
                    .help = Some("name the alerting rule this test is about: `alertname: ...`".into());
            }
        }
    }
}
