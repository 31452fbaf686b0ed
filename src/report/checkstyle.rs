//! Checkstyle XML, read by Jenkins (warnings-ng), reviewdog and many CI dashboards.
//! One `<file>` per path with findings, one `<error>` per finding; `source` holds the
//! check code.

use super::xml::attribute;
use super::{ReportedDiagnostic, RunReport};
use crate::diagnostic::Severity;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, Event};
use quick_xml::Writer;

/// Renders the report as a checkstyle document, newline-terminated.
pub fn render(report: &RunReport) -> String {
    let mut writer = Writer::new_with_indent(Vec::new(), b' ', 2);
    write(&mut writer, report).expect("writing XML to memory cannot fail");
    let mut text = String::from_utf8(writer.into_inner()).expect("XML built from UTF-8");
    text.push('\n');
    text
}

fn write(writer: &mut Writer<Vec<u8>>, report: &RunReport) -> std::io::Result<()> {
    writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    let mut root = BytesStart::new("checkstyle");
    root.push_attribute(attribute("version", "4.3"));
    writer.write_event(Event::Start(root))?;
    for group in report.diagnostics.chunk_by(|a, b| a.path() == b.path()) {
        let mut file = BytesStart::new("file");
        file.push_attribute(attribute("name", group[0].path()));
        writer.write_event(Event::Start(file))?;
        for reported in group {
            writer.write_event(Event::Empty(error(reported)))?;
        }
        writer.write_event(Event::End(BytesEnd::new("file")))?;
    }
    writer.write_event(Event::End(BytesEnd::new("checkstyle")))?;
    Ok(())
}

fn error(reported: &ReportedDiagnostic) -> BytesStart<'static> {
    let diagnostic = &reported.diagnostic;
    let mut message = diagnostic.message.clone();
    if let Some(help) = &diagnostic.help {
        message.push_str(" (help: ");
        message.push_str(help);
        message.push(')');
    }
    let mut element = BytesStart::new("error");
    element.push_attribute(attribute("line", &reported.start.line.to_string()));
    element.push_attribute(attribute("column", &reported.start.column.to_string()));
    element.push_attribute(attribute("severity", severity(diagnostic.severity)));
    element.push_attribute(attribute("message", &message));
    element.push_attribute(attribute("source", diagnostic.code));
    element
}

fn severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "info",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::test_support::sample_report;

    #[test]
    fn groups_findings_by_file_and_escapes_messages() {
        let text = render(&sample_report());
        assert_eq!(text.matches("<file ").count(), 2);
        assert_eq!(text.matches("<error ").count(), 4);
        assert!(text.contains("&quot;page&quot; &lt;not&gt;"));
        assert!(text.contains("source=\"catalog/unknown-metric\""));
    }

    #[test]
    fn snapshot() {
        insta::assert_snapshot!(render(&sample_report()));
    }
}
