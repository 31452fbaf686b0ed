//! A check's documentation page, generated from its registry entry. `promgate explain
//! CODE --markdown` prints it and `docs/checks/<category>/<name>.md` holds it; a test
//! fails when the files drift from the registry (`PROMGATE_UPDATE_DOCS=1` rewrites them).

use super::CheckMeta;

/// Where a check's page lives, relative to the repository root.
pub fn page_path(meta: &CheckMeta) -> String {
    format!("docs/checks/{}.md", meta.code)
}

fn fence_language(path: &str) -> &'static str {
    if path.ends_with(".json") {
        "json"
    } else {
        "yaml"
    }
}

/// The Markdown page of a check.
pub fn markdown(meta: &CheckMeta) -> String {
    let mut page = String::new();
    page.push_str(&format!("# `{}`\n\n", meta.code));
    page.push_str(&format!(
        "- Default severity: **{}**\n- Enabled by default: **{}**\n\n",
        meta.severity,
        if meta.enabled_by_default {
            "yes"
        } else {
            "no (turn it on in `.promgate.yml`)"
        }
    ));
    page.push_str(&sentence(meta.summary));
    page.push_str("\n\n");
    page.push_str(meta.docs.trim_end());
    page.push_str("\n\n## Example\n\n");
    for (title, example) in [("Reported", &meta.bad), ("Fixed", &meta.good)] {
        let language = fence_language(example.path);
        page.push_str(&format!(
            "{title} (`{}`):\n\n```{language}\n{}\n```\n\n",
            example.path,
            example.text.trim_end()
        ));
    }
    if let Some(fix) = super::fix_docs::fix_doc(meta.code) {
        page.push_str("## Fix\n\n");
        page.push_str(fix);
        page.push_str(
            "\n\n`promgate check --fix` applies safe fixes; add `--unsafe-fixes` for unsafe \
ones, or `--diff` to see the changes first.\n\n",
        );
    }
    page.push_str("## Configuring and suppressing\n\n");
    page.push_str(&format!(
        "In `.promgate.yml`:\n\n```yaml\nchecks:\n  {}: {}   # off, on, info, warning or error\n```\n\n",
        meta.code,
        if meta.enabled_by_default { "off" } else { "on" }
    ));
    if meta.bad.path.ends_with(".json") {
        page.push_str(
            "Dashboards have no comments: exclude a dashboard, panel or check under \
`dashboards.exclude` in `.promgate.yml`.\n",
        );
    } else if meta.code != crate::config::suppress::UNUSED_CODE {
        page.push_str(&format!(
            "In a rule file, on the line before the finding or above the rule:\n\n```yaml\n# promgate: ignore[{}] reason\n```\n",
            meta.code
        ));
    }
    page
}

/// A short text for the terminal: code, severity, summary and docs.
pub fn plain(meta: &CheckMeta) -> String {
    format!(
        "{} ({}, {})\n\n{}\n\n{}\n",
        meta.code,
        meta.severity,
        if meta.enabled_by_default {
            "on by default"
        } else {
            "off by default"
        },
        sentence(meta.summary),
        meta.docs.trim_end()
    )
}

/// The summary as a sentence, with one final full stop.
fn sentence(summary: &str) -> String {
    let summary = summary.trim_end();
    if summary.ends_with(['.', '!', '?']) {
        summary.to_string()
    } else {
        format!("{summary}.")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_page_has_its_examples_and_suppression() {
        for meta in super::super::all() {
            let page = markdown(meta);
            assert!(page.starts_with(&format!("# `{}`", meta.code)));
            assert!(page.contains(meta.bad.text.trim_end()));
            assert!(page.contains(meta.good.text.trim_end()));
            assert!(page_path(meta).ends_with(".md"));
        }
    }
}
