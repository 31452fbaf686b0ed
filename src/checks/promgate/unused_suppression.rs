//! `promgate/unused-suppression`: a `# promgate: ignore[...]` comment that suppresses
//! nothing. Suppressions are matched while the pipeline applies them (see
//! [`crate::config::suppress`]); this check reports the ones left over.

use crate::checks::{CheckMeta, Emitter};
use crate::config::suppress::Suppressions;
use crate::diagnostic::Severity;
use crate::fixture;

pub static META: CheckMeta = CheckMeta {
    code: "promgate/unused-suppression",
    severity: Severity::Info,
    summary: "A `# promgate: ignore[...]` comment suppresses nothing",
    docs: "A suppression comment that no longer matches a finding is dead weight, and \
worse, it will silently hide a *new* problem of that kind on the same lines later. \
This check reports suppressions whose check ran on the file but reported nothing in \
the lines the comment covers, comments that name a check that does not exist, and \
`# promgate:` comments that cannot be read.\n\n\
Suppressions for checks that are turned off in the config are not reported, since \
they matter again when the check is turned back on.\n\n\
Fix: remove the comment, or correct the check code it names.",
    bad: fixture!("promgate/unused-suppression/fail.yml"),
    good: fixture!("promgate/unused-suppression/pass.yml"),
    enabled_by_default: true,
};

/// Reports the suppressions of a file that suppressed nothing. Call after every other
/// diagnostic of the file went through [`Suppressions::filter`]. `ran` tells whether a
/// check ran on this file.
pub fn run(suppressions: &Suppressions, ran: impl Fn(&str) -> bool, out: &mut Emitter) {
    let severity = out.meta().severity;
    for diagnostic in suppressions.unused(severity, ran) {
        let reported = out.report(diagnostic.span, diagnostic.message);
        reported.help = diagnostic.help;
    }
}
