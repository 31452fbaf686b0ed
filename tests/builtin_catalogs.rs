//! The bundled catalogs (`catalogs/builtin/`, embedded in the binary) are exactly what
//! `scripts/build-builtin-catalogs.sh` makes from the real exporter output in
//! `../shared/corpus/catalogs/`, so they cannot drift from their sources by hand.

use std::path::Path;
use std::process::Command;

#[test]
#[ignore = "ci: needs ../shared; run by .ci/run"]
fn bundled_catalogs_match_their_generator() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    assert!(
        root.join("../shared/corpus/catalogs/SOURCES.md").is_file(),
        "the shared corpus is missing beside the repository: this test needs it"
    );
    let out = tempfile::tempdir().unwrap();
    let status = Command::new(root.join("scripts/build-builtin-catalogs.sh"))
        .arg(out.path())
        .env("PROMGATE", env!("CARGO_BIN_EXE_promgate"))
        .status()
        .expect("run scripts/build-builtin-catalogs.sh");
    assert!(status.success(), "the generator failed");
    let committed_dir = root.join("catalogs/builtin");
    let mut compared = 0;
    for entry in std::fs::read_dir(&committed_dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "yml") {
            continue;
        }
        let name = path.file_name().unwrap();
        let generated = std::fs::read_to_string(out.path().join(name))
            .unwrap_or_else(|_| panic!("{name:?} is committed but no longer generated"));
        let committed = std::fs::read_to_string(&path).unwrap();
        assert!(
            generated == committed,
            "catalogs/builtin/{} differs from what scripts/build-builtin-catalogs.sh makes: run it and commit",
            name.to_string_lossy()
        );
        compared += 1;
    }
    let generated = std::fs::read_dir(out.path()).unwrap().count();
    assert_eq!(compared, generated, "a generated catalog is not committed");
    assert_eq!(compared, promgate::catalog::bundled::CATALOGS.len());
}
