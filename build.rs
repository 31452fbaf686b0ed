//! Build settings for the `promgate` binary.
//!
//! On Linux the binary is linked as a position-dependent executable (`-no-pie`). A
//! position-independent executable must have every absolute address in its data (vtables,
//! string tables, the check registry, clap's definitions) patched by the dynamic loader at
//! each start: about 21,000 relocations for this binary, a visible share of a run on one
//! small file, which is what a pre-commit hook does. Non-PIE, the linker resolves them once
//! and the loader applies about 160. The library, tests and benches are unaffected
//! (`rustc-link-arg-bins` reaches only binary targets). Address-space layout randomisation
//! of the executable's own image is lost; the heap, stack and libraries stay randomised.
fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    let target_os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if target_os == "linux" {
        println!("cargo::rustc-link-arg-bins=-no-pie");
    }
}
