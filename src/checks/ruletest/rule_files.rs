//! `ruletest/rule-files`: a `rule_files` entry of a unit-test file matches no file.

use crate::checks::{CheckMeta, Emitter};
use crate::diagnostic::{Diagnostic, Severity};
use crate::eval::ruletest::lint::ResolvedRules;
use crate::fixture;

pub static META: CheckMeta = CheckMeta {
    code: "ruletest/rule-files",
    severity: Severity::Warning,
    summary: "A `rule_files` entry of a unit-test file matches no file",
    docs: "promtool resolves each `rule_files` entry of a unit-test file relative to the test \
file's folder and globs it. An entry that matches nothing is only a warning to promtool \
(`WARNING: no file match pattern`): the tests run without those rules, so every \
`alert_rule_test` with `exp_alerts: []` passes without testing anything, and the others \
fail with no rule to blame.\n\n\
promgate resolves the entries the way `promgate test` does (a glob only in the file name) \
and lints the rule files it finds in the same run; an entry that finds none, or that \
cannot be resolved, is reported.\n\n\
Fix: correct the path, relative to the unit-test file's folder.",
    bad: fixture!("ruletest/rule-files/fail.yml"),
    good: fixture!("ruletest/rule-files/pass.yml"),
    enabled_by_default: true,
};

pub fn run(rules: &ResolvedRules, out: &mut Vec<Diagnostic>) {
    let mut emitter = Emitter::new(&META, out);
    for entry in &rules.entries {
        let message = match &entry.matched {
            Ok(found) if found.is_empty() => format!(
                "`{}` matches no file (relative to this test file's folder): the tests run without its rules",
                entry.pattern
            ),
            Ok(_) => continue,
            Err(why) => format!("{why}: the tests cannot load its rules"),
        };
        emitter.report(entry.span.clone(), message).help =
            Some("correct the path; relative paths start at the folder of this test file".into());
    }
}
