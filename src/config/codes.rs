//! Check-code patterns as written in the config and in suppression comments:
//! an exact code (`catalog/unknown-metric`), a glob (`dashboard/*`, `catalog/*-metric`)
//! or `*` for every check.

use crate::checks;

/// A code or a glob over codes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodePattern {
    text: String,
}

impl CodePattern {
    /// Accepts a code or glob made of `[a-z0-9/_-]` and `*`; anything else is a typo
    /// worth reporting rather than a pattern that silently matches nothing.
    pub fn parse(text: &str) -> Result<CodePattern, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err("empty check code".to_string());
        }
        let valid = text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "/_-*".contains(c));
        if !valid {
            return Err(format!(
                "`{text}` is not a check code: codes look like `category/name` and may use `*` as a wildcard"
            ));
        }
        Ok(CodePattern {
            text: text.to_string(),
        })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn is_glob(&self) -> bool {
        self.text.contains('*')
    }

    /// Whether `code` matches. `*` matches any run of characters, slashes included.
    pub fn matches(&self, code: &str) -> bool {
        wildcard_match(self.text.as_bytes(), code.as_bytes())
    }

    /// How specific the pattern is: an exact code beats any glob, a longer glob beats a
    /// shorter one. Used to resolve `dashboard/*: warning` against `dashboard/x: off`.
    pub fn specificity(&self) -> usize {
        if self.is_glob() {
            self.text.chars().filter(|c| *c != '*').count()
        } else {
            usize::MAX
        }
    }

    /// Registered codes the pattern matches.
    pub fn known_matches(&self) -> Vec<&'static str> {
        checks::all()
            .into_iter()
            .map(|meta| meta.code)
            .filter(|code| self.matches(code))
            .collect()
    }
}

impl std::fmt::Display for CodePattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// Glob match with `*` only, iterative with backtracking to the last star (linear
/// in practice, never exponential).
fn wildcard_match(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && pattern[p] == b'*' {
            star = Some((p, t));
            p += 1;
        } else if p < pattern.len() && pattern[p] == text[t] {
            p += 1;
            t += 1;
        } else if let Some((star_p, star_t)) = star {
            p = star_p + 1;
            t = star_t + 1;
            star = Some((star_p, star_t + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

/// The registered code closest to `text`, for "did you mean" hints.
pub fn closest_code(text: &str) -> Option<&'static str> {
    checks::all()
        .into_iter()
        .map(|meta| (strsim::jaro_winkler(text, meta.code), meta.code))
        // Codes share category prefixes, so only a close match is a likely typo.
        .filter(|(score, _)| *score > 0.9)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, code)| code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_across_the_slash() {
        let pattern = CodePattern::parse("dashboard/*").unwrap();
        assert!(pattern.matches("dashboard/datasource"));
        assert!(!pattern.matches("catalog/unknown-metric"));
        assert!(CodePattern::parse("*").unwrap().matches("a/b"));
        assert!(CodePattern::parse("catalog/*-metric")
            .unwrap()
            .matches("catalog/unknown-metric"));
        assert!(!CodePattern::parse("catalog/unknown")
            .unwrap()
            .matches("catalog/unknown-metric"));
    }

    #[test]
    fn exact_codes_are_more_specific_than_globs() {
        let exact = CodePattern::parse("dashboard/x").unwrap();
        let glob = CodePattern::parse("dashboard/*").unwrap();
        let all = CodePattern::parse("*").unwrap();
        assert!(exact.specificity() > glob.specificity());
        assert!(glob.specificity() > all.specificity());
    }

    #[test]
    fn rejects_what_cannot_be_a_code() {
        assert!(CodePattern::parse("Catalog/Unknown").is_err());
        assert!(CodePattern::parse("").is_err());
        assert!(CodePattern::parse("a b").is_err());
    }
}
