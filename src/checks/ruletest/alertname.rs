//! `ruletest/alertname`: an `alert_rule_test` names an alert no rule under test defines.

use crate::checks::{CheckMeta, Emitter};
use crate::diagnostic::{Diagnostic, Severity};
use crate::eval::ruletest::file::TestFile;
use crate::eval::ruletest::lint::ResolvedRules;
use crate::fixture;

pub static META: CheckMeta = CheckMeta {
    code: "ruletest/alertname",
    severity: Severity::Warning,
    summary: "An alert rule test names an alert that no rule in its rule files defines",
    docs: "An `alert_rule_test` compares the firing alerts of the rule named by `alertname` \
with `exp_alerts`. promtool does not check that such a rule exists: an alert name with a \
typo, or of a rule that was renamed or lives in a file the test does not load, never fires, \
so a test expecting no alert (`exp_alerts: []`) passes without testing anything, and one \
expecting alerts fails with an empty `got:`.\n\n\
promgate reads the alerting rules of the files `rule_files` resolves to and reports each \
`alertname` none of them defines. When a `rule_files` entry matches nothing or a rule file \
cannot be read, the check stays silent (`ruletest/rule-files` reports the entry).\n\n\
Fix: use the `alert:` name of the rule, or add its file to `rule_files`.",
    bad: fixture!("ruletest/alertname/fail.yml"),
    good: fixture!("ruletest/alertname/pass.yml"),
    enabled_by_default: true,
};

pub fn run(file: &TestFile, rules: &ResolvedRules, out: &mut Vec<Diagnostic>) {
    let Some(known) = &rules.alertnames else {
        return;
    };
    let mut emitter = Emitter::new(&META, out);
    for group in &file.tests {
        for test in &group.alert_tests {
            // An empty name is `ruletest/schema`'s.
            if test.alertname.is_empty() || known.contains(&test.alertname) {
                continue;
            }
            let consequence = if test.exp_alerts.is_empty() {
                "this test expects no alert, so it passes without testing anything"
            } else {
                "the alerts this test expects never fire"
            };
            let diagnostic = emitter.report(
                test.alertname_span.clone(),
                format!(
                    "no alerting rule in the rule files under test is named {:?}: {consequence}",
                    test.alertname
                ),
            );
            let nearest =
                crate::catalog::closest(&test.alertname, known.iter().map(String::as_str), 1);
            diagnostic.help = Some(match nearest.first() {
                Some(name) => format!("did you mean `{name}`?"),
                None => "use the `alert:` name of a rule in the files `rule_files` names".into(),
            });
        }
    }
}
