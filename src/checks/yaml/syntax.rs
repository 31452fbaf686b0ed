//! `yaml/syntax`: the file is not valid YAML, or is a Helm/Jinja template that must be
//! rendered first.

use crate::checks::CheckMeta;
use crate::diagnostic::{Diagnostic, Severity};
use crate::fixture;
use crate::source::SourceFile;
use crate::yaml::{find_template_marker, YamlError};

pub static META: CheckMeta = CheckMeta {
    code: "yaml/syntax",
    severity: Severity::Error,
    summary: "The file is not valid YAML, so nothing in it can be checked",
    docs: "Reports the first YAML syntax error of a file at the exact character where the YAML \
parser stops (an unclosed quote, a tab used for indentation, a `key: value: more` that needs \
quoting, nesting deeper than 1000 levels). Prometheus refuses such a file, and promgate cannot \
check anything in it until it parses.\n\n\
A file holding Helm or Jinja directives where YAML expects structure (`{{- if .Values.x }}` on \
its own line, `namespace: {{ .Values.ns }}` unquoted, `{% for %}`) is reported once, at the \
first directive, as a template to render first (`helm template`, or your Jinja tool), instead \
of as a cascade of YAML errors. Prometheus' own alert templates inside quoted or block strings \
(`'{{ $labels.instance }} is down'`) are ordinary YAML and are not affected.",
    bad: fixture!("yaml/syntax/fail.yml"),
    good: fixture!("yaml/syntax/pass.yml"),
    enabled_by_default: true,
};

/// The diagnostic for a file whose YAML does not parse.
pub fn diagnose(file: &SourceFile, error: &YamlError) -> Diagnostic {
    if let Some(marker) = find_template_marker(&file.text) {
        let directive = file.text[marker.clone()].to_string();
        return Diagnostic::new(
            META.code,
            META.severity,
            marker,
            format!("file is templated (Helm/Jinja): `{directive}` is not YAML; render it first"),
        )
        .with_help(
            "lint the rendered output instead (`helm template --output-dir out/`, or the files \
             your Jinja tool writes), or exclude the template folder",
        )
        .with_label(
            error.span.clone(),
            format!("the YAML parser stops here: {}", error.message),
        );
    }
    let diagnostic = Diagnostic::new(
        META.code,
        META.severity,
        error.span.clone(),
        format!("invalid YAML: {}", error.message),
    );
    match help_for(&error.message) {
        Some(help) => diagnostic.with_help(help),
        None => diagnostic,
    }
}

/// A fix for the common causes, recognised from the parser's message.
fn help_for(message: &str) -> Option<&'static str> {
    let message = message.to_ascii_lowercase();
    if message.contains("tab") {
        Some("YAML indentation must use spaces, not tabs")
    } else if message.contains("mapping values are not allowed") {
        Some("quote the value: an unquoted value cannot contain `: `")
    } else if message.contains("quoted scalar") {
        Some("close the quoted string with the same quote it starts with")
    } else if message.contains("nested more than") {
        Some("no rule file nests this deep; the file is probably generated wrongly")
    } else if message.contains("did not find expected") || message.contains("indentation") {
        Some("check the indentation: items of one list or mapping must start in the same column")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse_documents;

    fn diagnose_text(text: &str) -> Diagnostic {
        let file = SourceFile::new("t.yml", text);
        let error = parse_documents(&file).expect_err("invalid YAML");
        diagnose(&file, &error)
    }

    #[test]
    fn the_bad_example_is_reported_at_the_unclosed_quote() {
        let file = SourceFile::new("fail.yml", META.bad.text);
        let error = parse_documents(&file).expect_err("invalid YAML");
        let diagnostic = diagnose(&file, &error);
        assert!(diagnostic.message.starts_with("invalid YAML: "));
        assert_eq!(file.line_col(diagnostic.span.start).line, 7);
        let good = SourceFile::new("pass.yml", META.good.text);
        assert!(parse_documents(&good).is_ok());
    }

    #[test]
    fn helm_templates_get_one_diagnostic_at_the_first_directive() {
        let text = "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata:\n  labels:\n    {{- include \"labels.common\" . | nindent 4 }}\n  name: x\n";
        let diagnostic = diagnose_text(text);
        assert!(diagnostic
            .message
            .starts_with("file is templated (Helm/Jinja)"));
        assert_eq!(
            &text[diagnostic.span.clone()],
            "{{- include \"labels.common\" . | nindent 4 }}"
        );
        assert_eq!(diagnostic.labels.len(), 1);
    }

    #[test]
    fn tabs_get_a_specific_help() {
        let diagnostic = diagnose_text("a:\n\t- b\n");
        assert!(diagnostic.help.is_some(), "{diagnostic:?}");
    }
}
