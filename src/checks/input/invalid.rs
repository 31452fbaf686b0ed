//! `input/invalid`: a file promgate cannot read as text: binary content, invalid UTF-8,
//! or larger than the size limit.

use crate::checks::CheckMeta;
use crate::diagnostic::{Diagnostic, Severity};
use crate::fixture;

pub static META: CheckMeta = CheckMeta {
    code: "input/invalid",
    severity: Severity::Error,
    summary: "The file is binary, not UTF-8, or too large to lint",
    docs: "Rule files and dashboards are UTF-8 text. A file holding a NUL byte (binary content, \
or a file saved as UTF-16), a byte sequence that is not UTF-8 (often a Latin-1 editor), or more \
than 16 MiB of data cannot be a rule file or dashboard promgate should read; Prometheus would \
refuse the first two as well. The diagnostic points at the first offending byte (or the start \
of an oversized file, which is not read at all, so memory stays bounded).\n\n\
Fix: save the file as UTF-8, remove the stray bytes, or keep generated data out of the rule \
folders.",
    bad: fixture!("input/invalid/fail.yml"),
    good: fixture!("input/invalid/pass.yml"),
    enabled_by_default: true,
};

/// A NUL byte at `offset` (the file's text stops before it).
pub fn binary(offset: usize) -> Diagnostic {
    Diagnostic::new(
        META.code,
        META.severity,
        offset..offset,
        "binary file: NUL byte here; rule files and dashboards are UTF-8 text",
    )
    .with_help("save the file as UTF-8 text (UTF-16 files hold NUL bytes), or remove it from the rule folders")
}

/// The first byte that is not UTF-8 at `offset`.
pub fn not_utf8(offset: usize, byte: u8) -> Diagnostic {
    Diagnostic::new(
        META.code,
        META.severity,
        offset..offset,
        format!("invalid UTF-8: byte 0x{byte:02X} here is not part of a UTF-8 character"),
    )
    .with_help("re-save the file as UTF-8 (it was probably written as Latin-1 or Windows-1252)")
}

/// A Markdown file whose fenced blocks after `at` were not linted: reading each block
/// in place costs the file's size up to the block, and the file has too many blocks.
pub fn too_many_blocks(at: usize, linted: usize) -> Diagnostic {
    Diagnostic::new(
        META.code,
        META.severity,
        at..at,
        format!(
            "too many fenced blocks to lint in one Markdown file: the first {linted} were linted, \
             this one and the rest were not"
        ),
    )
    .with_help("split the file, or keep generated documents out of the linted folders")
}

/// A file of `size` bytes over the `limit`.
pub fn too_large(size: u64, limit: u64) -> Diagnostic {
    Diagnostic::new(
        META.code,
        META.severity,
        0..0,
        format!(
            "file is {} and promgate reads at most {}; it was not linted",
            human_size(size),
            human_size(limit)
        ),
    )
    .with_help(
        "rule files and dashboards are far smaller; keep generated data out of the linted folders, \
         or raise the limit (`--max-file-size`, `max_file_size` in .promgate.yml)",
    )
}

fn human_size(bytes: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    if bytes >= MIB {
        format!("{:.1} MiB", bytes as f64 / MIB as f64)
    } else {
        format!("{bytes} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bad_example_holds_a_nul_byte_and_the_good_one_none() {
        assert!(META.bad.text.contains('\0'));
        assert!(!META.good.text.contains('\0'));
    }

    #[test]
    fn sizes_read_naturally() {
        assert_eq!(human_size(100 * 1024 * 1024), "100.0 MiB");
        assert_eq!(human_size(12), "12 bytes");
        assert!(too_large(100 * 1024 * 1024, 16 * 1024 * 1024)
            .message
            .contains("100.0 MiB"));
    }
}
