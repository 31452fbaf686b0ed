//! `--diff`: what `--fix` would change, as a unified diff.

use similar::TextDiff;

/// A unified diff of one file (`--- PATH`, `+++ PATH`, three lines of context), as
/// ruff prints it.
pub fn unified(display: &str, original: &str, fixed: &str) -> String {
    let diff = TextDiff::from_lines(original, fixed);
    let mut out = diff
        .unified_diff()
        .context_radius(3)
        .header(display, display)
        .to_string();
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_only_the_changed_lines_with_context() {
        let original = "a\nb\nc\nd\ne\nf\ng\nh\n";
        let fixed = "a\nb\nc\nd\nE\nf\ng\nh\n";
        let diff = unified("r.yml", original, fixed);
        assert_eq!(
            diff,
            "--- r.yml\n+++ r.yml\n@@ -2,7 +2,7 @@\n b\n c\n d\n-e\n+E\n f\n g\n h\n"
        );
        assert_eq!(unified("r.yml", original, original), "");
    }
}
