//! The `smart-binhe` executable itself, as an operator starts it: a center address that is not
//! one is refused before any window or server exists, in both languages, naming where it came
//! from (the argument or `BINHE_CENTER_URL`), and nothing is saved. (Building this test also has
//! `cargo test` build the executable the Tauri e2e tests drive, with the test run's features.)

use std::process::Command;

fn smart_binhe(
    args: &[&str],
    environment: Option<&str>,
) -> (Option<i32>, String, tempfile::TempDir) {
    let home = tempfile::tempdir().unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_smart-binhe"));
    command
        .args(args)
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join(".config"))
        .env_remove("BINHE_CENTER_URL")
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY");
    if let Some(url) = environment {
        command.env("BINHE_CENTER_URL", url);
    }
    let output = command.output().unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
        home,
    )
}

#[test]
fn a_center_address_that_is_not_one_is_refused_in_both_languages() {
    for (args, environment, named) in [
        (&["--center", "center:8080"][..], None, "--center"),
        (&["--center=ftp://center/"][..], None, "--center"),
        (&[][..], Some("not a url"), "BINHE_CENTER_URL"),
    ] {
        let (code, stderr, home) = smart_binhe(args, environment);
        assert_eq!(code, Some(2), "{args:?} {environment:?}: {stderr}");
        assert!(
            stderr.contains(&format!("{named} 不是有效的中心服务器地址"))
                && stderr.contains(&format!("{named} is not a valid center URL")),
            "{args:?} {environment:?}: {stderr}"
        );
        assert!(
            !home
                .path()
                .join(".config/smart-binhe/desktop.json")
                .exists(),
            "nothing saved"
        );
    }
}
