//! JUnit XML, which most CI systems show as a test report: one test suite per file,
//! one failed test case per finding. A clean run is one passing test case, so the CI
//! shows that promgate ran rather than an empty report.

use super::xml::{attribute, clean_text};
use super::{ReportedDiagnostic, RunReport};
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::Writer;

/// Renders the report as a JUnit document, newline-terminated.
pub fn render(report: &RunReport) -> String {
    let mut writer = Writer::new_with_indent(Vec::new(), b' ', 2);
    write(&mut writer, report).expect("writing XML to memory cannot fail");
    let mut text = String::from_utf8(writer.into_inner()).expect("XML built from UTF-8");
    text.push('\n');
    text
}

fn write(writer: &mut Writer<Vec<u8>>, report: &RunReport) -> std::io::Result<()> {
    writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    let failures = report.diagnostics.len();
    let tests = failures.max(1).to_string();
    let mut root = BytesStart::new("testsuites");
    root.push_attribute(attribute("name", "promgate"));
    root.push_attribute(attribute("tests", &tests));
    root.push_attribute(attribute("failures", &failures.to_string()));
    root.push_attribute(attribute("errors", "0"));
    writer.write_event(Event::Start(root))?;
    if report.diagnostics.is_empty() {
        write_clean_suite(writer, report.summary.files)?;
    }
    for group in report.diagnostics.chunk_by(|a, b| a.path() == b.path()) {
        let count = group.len().to_string();
        let mut suite = BytesStart::new("testsuite");
        suite.push_attribute(attribute("name", group[0].path()));
        suite.push_attribute(attribute("tests", &count));
        suite.push_attribute(attribute("failures", &count));
        suite.push_attribute(attribute("errors", "0"));
        writer.write_event(Event::Start(suite))?;
        for reported in group {
            write_case(writer, reported)?;
        }
        writer.write_event(Event::End(BytesEnd::new("testsuite")))?;
    }
    writer.write_event(Event::End(BytesEnd::new("testsuites")))?;
    Ok(())
}

fn write_clean_suite(writer: &mut Writer<Vec<u8>>, files: usize) -> std::io::Result<()> {
    let mut suite = BytesStart::new("testsuite");
    suite.push_attribute(attribute("name", "promgate"));
    suite.push_attribute(attribute("tests", "1"));
    suite.push_attribute(attribute("failures", "0"));
    suite.push_attribute(attribute("errors", "0"));
    writer.write_event(Event::Start(suite))?;
    let mut case = BytesStart::new("testcase");
    case.push_attribute(attribute("name", &format!("{files} files linted")));
    case.push_attribute(attribute("classname", "promgate"));
    writer.write_event(Event::Empty(case))?;
    writer.write_event(Event::End(BytesEnd::new("testsuite")))?;
    Ok(())
}

fn write_case(writer: &mut Writer<Vec<u8>>, reported: &ReportedDiagnostic) -> std::io::Result<()> {
    let diagnostic = &reported.diagnostic;
    let (line, column) = (reported.start.line, reported.start.column);
    let mut case = BytesStart::new("testcase");
    case.push_attribute(attribute(
        "name",
        &format!("{} at {line}:{column}", diagnostic.code),
    ));
    case.push_attribute(attribute("classname", reported.path()));
    case.push_attribute(attribute("file", reported.path()));
    case.push_attribute(attribute("line", &line.to_string()));
    writer.write_event(Event::Start(case))?;
    let mut failure = BytesStart::new("failure");
    failure.push_attribute(attribute("message", &diagnostic.message));
    failure.push_attribute(attribute("type", diagnostic.severity.as_str()));
    writer.write_event(Event::Start(failure))?;
    let mut body = format!(
        "{}:{line}:{column}: {}[{}] {}",
        reported.path(),
        diagnostic.severity,
        diagnostic.code,
        diagnostic.message
    );
    if let Some(help) = &diagnostic.help {
        body.push_str("\nhelp: ");
        body.push_str(help);
    }
    writer.write_event(Event::Text(BytesText::new(&clean_text(&body))))?;
    writer.write_event(Event::End(BytesEnd::new("failure")))?;
    writer.write_event(Event::End(BytesEnd::new("testcase")))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::test_support::sample_report;

    #[test]
    fn one_suite_per_file_one_case_per_finding() {
        let text = render(&sample_report());
        assert!(text.contains("<testsuites name=\"promgate\" tests=\"4\" failures=\"4\""));
        assert_eq!(text.matches("<testsuite ").count(), 2);
        assert_eq!(text.matches("<testcase ").count(), 4);
    }

    #[test]
    fn clean_run_is_one_passing_case() {
        let text = render(&RunReport::new(3, Vec::new()));
        assert!(text.contains("failures=\"0\""));
        assert!(text.contains("name=\"3 files linted\""));
    }

    #[test]
    fn snapshot() {
        insta::assert_snapshot!(render(&sample_report()));
    }
}
