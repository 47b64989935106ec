//! Shell support: a completion script for each shell, one that bash loads
//! and completes with, and the man page.

use std::path::Path;

use assert_cmd::Command;

/// What `gatecast <args>` prints; it must succeed.
fn stdout_of(args: &[&str]) -> String {
    let out = Command::cargo_bin("gatecast")
        .expect("the gatecast binary builds")
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")))
        .args(args)
        .assert()
        .success()
        .get_output()
        .clone();
    String::from_utf8(out.stdout).expect("stdout is UTF-8")
}

#[test]
fn a_completion_script_prints_for_every_shell() {
    for (shell, mark) in [
        ("bash", "complete -F _gatecast"),
        ("zsh", "#compdef gatecast"),
        ("fish", "complete -c gatecast"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let script = stdout_of(&["completions", shell]);
        assert!(script.contains(mark), "{shell}: {mark}");
        for word in ["validate", "sampling", "completions"] {
            assert!(script.contains(word), "{shell} completes {word}");
        }
    }
}

#[test]
fn the_bash_completion_loads_and_completes_a_flag() {
    let Ok(version) = std::process::Command::new("bash").arg("--version").output() else {
        eprintln!("no bash here: skipped");
        return;
    };
    assert!(version.status.success());
    let bin = assert_cmd::cargo::cargo_bin("gatecast");
    // what bash does on `gatecast run --sa<TAB>`
    let script = format!(
        "source <('{}' completions bash) || exit 1\n\
         COMP_WORDS=(gatecast run --sa); COMP_CWORD=2; COMP_LINE='gatecast run --sa'; COMP_POINT=${{#COMP_LINE}}\n\
         _gatecast gatecast --sa run\n\
         echo \"${{COMPREPLY[@]}}\"",
        bin.display()
    );
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(&script)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && stderr.is_empty(), "{stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout.trim(), "--sampling", "{stdout}");
}

#[test]
fn the_man_page_is_roff_naming_every_command() {
    let page = stdout_of(&["man"]);
    assert!(page.contains(".TH gatecast 1"), "{}", &page[..200]);
    assert!(page.contains(".SH NAME"));
    for command in ["run", "validate", "compare", "solve", "init", "completions"] {
        assert!(page.contains(command), "the man page names {command}");
    }
}
