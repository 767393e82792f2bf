//! The command-line face: exit codes, errors that name the file, help with examples.

use std::process::Command;

fn debuglens(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_debuglens"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn check_of_a_missing_path_exits_2_naming_the_path_and_reason() {
    let (code, out, err) = debuglens(&["check", "/no/such/dir"]);
    assert_eq!(code, 2);
    assert_eq!(out, "");
    assert_eq!(
        err.trim(),
        "debuglens: /no/such/dir: No such file or directory (os error 2)"
    );
}

#[test]
fn an_unknown_format_is_a_usage_error_with_exit_2() {
    let (code, _, err) = debuglens(&["check", ".", "--format", "xml"]);
    assert_eq!(code, 2);
    assert!(err.contains("invalid value 'xml' for '--format"), "{err}");
}

#[test]
fn each_command_help_shows_an_example() {
    for cmd in ["check", "explain", "lsp"] {
        let (code, out, _) = debuglens(&[cmd, "--help"]);
        assert_eq!(code, 0);
        assert!(
            out.contains("Example"),
            "{cmd} --help has no example:\n{out}"
        );
    }
}

#[test]
fn check_of_a_folder_with_nothing_to_report_exits_0_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.py"), "print('ok')\n").unwrap();
    std::fs::write(dir.path().join("b.bin"), b"\0\x01\x02").unwrap();
    let (code, out, _) = debuglens(&["check", dir.path().to_str().unwrap()]);
    assert_eq!(code, 0);
    assert_eq!(out, "debuglens: no findings in 1 file(s)\n");
}

#[test]
fn invalid_utf8_and_empty_files_are_checked_without_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("latin1.txt"), b"caf\xe9\n").unwrap();
    std::fs::write(dir.path().join("empty.md"), b"").unwrap();
    let (code, out, err) = debuglens(&["check", dir.path().to_str().unwrap(), "--format", "json"]);
    assert_eq!((code, err.as_str()), (0, ""));
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&out).unwrap(),
        serde_json::json!({"findings": []})
    );
}

#[test]
fn the_readme_documents_every_setting() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    for (key, _, default, _) in debuglens::config::reference() {
        let row = format!("| `{key}` |");
        let line = readme.lines().find(|l| l.starts_with(&row));
        let line = line.unwrap_or_else(|| panic!("README has no row for `{key}`"));
        assert!(
            line.contains(&format!("`{default}`")),
            "README row for `{key}` lacks default {default}: {line}"
        );
    }
}
