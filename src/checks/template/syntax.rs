//! `template/syntax`: alert labels and annotations that Prometheus cannot parse as Go
//! templates.

use crate::checks::{CheckMeta, Emitter};
use crate::diagnostic::{Diagnostic, Severity};
use crate::fixture;
use crate::rules::template::{
    ParsedTemplates, TemplateError, GO_BUILTINS, PROMETHEUS_FUNCTIONS, PROMETHEUS_VARIABLES,
};
use crate::rules::{RuleFile, RuleKind};

pub static META: CheckMeta = CheckMeta {
    code: "template/syntax",
    severity: Severity::Error,
    summary: "An alert label or annotation is not a valid Go template",
    docs: "Prometheus expands the labels and annotations of alerting rules as Go \
`text/template`s, with `$labels`, `$externalLabels`, `$externalURL` and `$value` defined and \
its own functions (`humanize`, `humanizeDuration`, `humanizePercentage`, `printf`, `query`, \
`first`, `label`, `value`, `reReplaceAll`, `title`, `toUpper`, `safeHtml`, ...). A template \
that does not parse makes `promtool check rules` fail and the rule file is refused.\n\n\
Reported: unclosed actions (`{{ $value`), unknown functions (`humanise`), undefined variables \
(`$label` instead of `$labels`), unbalanced `if`/`range`/`with`/`end`, bad strings and numbers, \
in Go's own words and at the exact place in the file.",
    bad: fixture!("template/syntax/fail.yml"),
    good: fixture!("template/syntax/pass.yml"),
    enabled_by_default: true,
};

/// Reports the templates of `file` that did not parse (`templates` holds its parses).
pub fn run(file: &RuleFile, templates: &ParsedTemplates<'_>, out: &mut Vec<Diagnostic>) {
    let mut emitter = Emitter::new(&META, out);
    for (group, rule) in file.rules() {
        // Prometheus expands templates only for alerts.
        if rule.kind() != Some(RuleKind::Alerting) {
            continue;
        }
        let rule_name = rule.name().unwrap_or_default();
        for (what, pairs) in [("label", &rule.labels), ("annotation", &rule.annotations)] {
            for pair in pairs {
                let Some(scalar) = pair.scalar() else {
                    continue;
                };
                let Some(Err(error)) = templates.get(&scalar.value) else {
                    continue;
                };
                let span = scalar.span_of(error.span.clone());
                let diagnostic =
                    emitter.report(span, format!("{what} \"{}\": {}", pair.key, error.message));
                diagnostic.help = Some(help_for(error));
                diagnostic.context.push(("group", group.name().to_string()));
                diagnostic.context.push(("rule", rule_name.to_string()));
            }
        }
    }
}

fn help_for(error: &TemplateError) -> String {
    let message = &error.message;
    if let Some(name) = quoted_after(message, "undefined variable ") {
        if let Some(close) = closest(name, PROMETHEUS_VARIABLES.iter().copied()) {
            return format!("did you mean `{close}`?");
        }
        return "alert templates can use `$labels`, `$externalLabels`, `$externalURL`, `$value`, and variables declared with `:=` before their use".into();
    }
    if let Some(name) = quoted_after(message, "function ") {
        let all = PROMETHEUS_FUNCTIONS.iter().chain(GO_BUILTINS).copied();
        if let Some(close) = closest(name, all) {
            return format!("did you mean `{close}`?");
        }
        return "Prometheus templates have Go's built-ins (printf, index, eq, ...) and Prometheus' functions (humanize, humanizeDuration, humanizePercentage, query, first, value, label, reReplaceAll, title, toUpper, ...)".into();
    }
    if message == "unclosed action" {
        return "close the action with `}}`".into();
    }
    if message == "unexpected EOF" {
        return "close every `{{ if }}`, `{{ range }}`, `{{ with }}` and `{{ define }}` with `{{ end }}`".into();
    }
    if message.starts_with("unexpected {{end}}") || message.starts_with("unexpected {{else}}") {
        return "this has no matching `{{ if }}`, `{{ range }}` or `{{ with }}`".into();
    }
    "see https://pkg.go.dev/text/template for the template syntax; write `{{ \"{{\" }}` for a literal `{{`".into()
}

/// The Go-quoted name after `prefix` in a message such as `undefined variable "$x"`.
fn quoted_after<'m>(message: &'m str, prefix: &str) -> Option<&'m str> {
    let rest = message.strip_prefix(prefix)?.strip_prefix('"')?;
    Some(&rest[..rest.find('"')?])
}

fn closest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .map(|c| {
            (
                c,
                strsim::jaro_winkler(&name.to_lowercase(), &c.to_lowercase()),
            )
        })
        .filter(|(_, score)| *score >= 0.85)
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(c, _)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helps_name_the_near_miss() {
        let e = |m: &str| TemplateError {
            span: 0..0,
            message: m.into(),
        };
        assert_eq!(
            help_for(&e("undefined variable \"$label\"")),
            "did you mean `$labels`?"
        );
        assert_eq!(
            help_for(&e("function \"humanise\" not defined")),
            "did you mean `humanize`?"
        );
        assert_eq!(
            help_for(&e("function \"toupper\" not defined")),
            "did you mean `toUpper`?"
        );
    }
}
