//! The README shows three of the example's charts, committed under
//! output/example/charts/. `cargo run --release` regenerates them; this test
//! fails when the committed ones no longer match what gatecast draws.

use std::fs;
use std::path::Path;

use assert_cmd::Command;

const SHOWN: [&str; 3] = [
    "payback-distribution",
    "cumulative-net-cash",
    "leading-vs-lagging",
];

#[test]
fn the_charts_in_the_readme_are_current() {
    let tmp = tempfile::tempdir().unwrap();
    // exactly what `cargo run --release` does: the built-in example, its
    // own seed and iterations; only PNG charts, to save time
    Command::cargo_bin("gatecast")
        .unwrap()
        .current_dir(tmp.path())
        .args(["run", "--quiet", "--no-iterations-csv", "--formats", "png"])
        .assert()
        .success();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = fs::read_to_string(repo.join("README.md")).unwrap();
    for name in SHOWN {
        let file = format!("output/example/charts/{name}.png");
        assert!(readme.contains(&file), "the README shows {file}");
        let committed = fs::read(repo.join(&file)).unwrap_or_else(|_| {
            panic!("{file} is committed; run `cargo run --release` and commit it")
        });
        let fresh = fs::read(tmp.path().join(&file)).unwrap();
        assert!(
            committed == fresh,
            "{file} is stale: run `cargo run --release` and commit output/example/charts/"
        );
    }
}
