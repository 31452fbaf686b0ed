//! Replays every saved fuzz input (`fuzz/regressions/<target>/*`: crashes that
//! `scripts/fuzz.sh` saved, and the hand-made inputs of issue 16) through the same
//! entry point the fuzz target runs, and keeps the fuzz crate in step with the targets.

use promgate::fuzzing::{run, TARGETS};
use std::path::Path;

fn fuzz_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/fuzz"))
}

#[test]
fn every_target_has_its_cargo_fuzz_file_and_bin() {
    let manifest = std::fs::read_to_string(fuzz_dir().join("Cargo.toml")).unwrap();
    for target in TARGETS {
        let file = fuzz_dir().join(format!("fuzz_targets/{}.rs", target.name));
        let source = std::fs::read_to_string(&file)
            .unwrap_or_else(|_| panic!("{} is missing", file.display()));
        assert!(
            source.contains(&format!("run(\"{}\", data)", target.name)),
            "{} must call promgate::fuzzing::run(\"{}\", data)",
            file.display(),
            target.name
        );
        assert!(
            manifest.contains(&format!("name = \"{}\"", target.name)),
            "fuzz/Cargo.toml has no [[bin]] for {}",
            target.name
        );
    }
    for entry in std::fs::read_dir(fuzz_dir().join("fuzz_targets")).unwrap() {
        let name = entry
            .unwrap()
            .file_name()
            .to_string_lossy()
            .replace(".rs", "");
        assert!(
            TARGETS.iter().any(|t| t.name == name),
            "fuzz_targets/{name}.rs is not in promgate::fuzzing::TARGETS"
        );
    }
}

#[test]
fn saved_inputs_replay_without_a_crash() {
    let mut replayed = 0;
    for dir in std::fs::read_dir(fuzz_dir().join("regressions")).unwrap() {
        let dir = dir.unwrap().path();
        if !dir.is_dir() {
            continue;
        }
        let target = dir.file_name().unwrap().to_string_lossy().to_string();
        assert!(
            TARGETS.iter().any(|t| t.name == target),
            "fuzz/regressions/{target} names no fuzz target"
        );
        let mut inputs: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .collect();
        inputs.sort();
        for input in inputs {
            let data = std::fs::read(&input).unwrap();
            eprintln!("replaying {}", input.display());
            run(&target, &data);
            replayed += 1;
        }
    }
    // The issue-16 inputs are committed; an empty replay means the folder went missing.
    assert!(replayed >= 10, "only {replayed} saved inputs replayed");
}

/// Each target on a few fixed inputs, so a target that cannot run at all fails here
/// rather than only in the fuzz job.
#[test]
fn every_target_runs_on_fixed_inputs() {
    let ascending: Vec<u8> = (0..=255u8).collect();
    for target in TARGETS {
        for data in [&b""[..], b"\xff\xfe\x00{{", &ascending] {
            run(target.name, data);
        }
    }
}
