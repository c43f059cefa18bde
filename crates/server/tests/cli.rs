//! `binhe-server import-grids` from the command line.

use std::process::Command;

use serde_json::{Value, json};

fn import(file: &std::path::Path, database: &std::path::Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_binhe-server"))
        .args(["import-grids"])
        .arg(file)
        .arg("--db")
        .arg(database)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap()
}

#[test]
fn import_grids_cli_rejects_a_broken_file_with_a_list_and_accepts_a_good_one() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("db.sqlite");
    let mut file: Value =
        serde_json::from_str(include_str!("../../../assets/demo/grids.geojson")).unwrap();
    let features = file["features"].as_array_mut().unwrap();
    features[20]["properties"]["code"] = json!("12345");
    features[30]["geometry"]["coordinates"][0][0] = json!([500_000.0, 4_400_000.0]);
    let broken = dir.path().join("broken.geojson");
    std::fs::write(&broken, file.to_string()).unwrap();

    let output = import(&broken, &database);
    assert!(!output.status.success());
    let report = String::from_utf8_lossy(&output.stderr);
    assert!(report.contains("未导入"), "{report}");
    assert!(
        report.contains("要素 feature #20") && report.contains("MALFORMED_CODE"),
        "{report}"
    );
    assert!(
        report.contains("要素 feature #30") && report.contains("NOT_WGS84"),
        "{report}"
    );

    let good = dir.path().join("good.geojson");
    std::fs::write(&good, include_str!("../../../assets/demo/grids.geojson")).unwrap();
    let output = import(&good, &database);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("312 个微网格"));
}

#[test]
fn check_scenario_reads_the_shipped_ones_and_names_a_wrong_line() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("db.sqlite");
    let check = |file: Option<&std::path::Path>| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_binhe-server"));
        command.arg("check-scenario");
        if let Some(file) = file {
            command.arg(file);
        }
        command
            .arg("--db")
            .arg(&database)
            .env("RUST_LOG", "warn")
            .output()
            .unwrap()
    };
    let shipped = check(None);
    let said = String::from_utf8_lossy(&shipped.stdout);
    assert!(
        shipped.status.success(),
        "{}",
        String::from_utf8_lossy(&shipped.stderr)
    );
    for title in ["汛期暴雨", "冬夜", "大集日"] {
        assert!(said.contains(title), "{said}");
    }

    let wrong = dir.path().join("wrong.toml");
    std::fs::write(
        &wrong,
        "title = \"练习\"\nstart = \"08:00\"\nhours = 4\n\n[[requests]]\nat = \"09:00\"\n\
         channel = \"hotline\"\ncategory = \"garbage\"\ndescription = \"垃圾满溢\"\n\
         micro = \"没有这个院\"\nexpect = { grid = \"滨河社区\", dispatch_within = 30 }\n",
    )
    .unwrap();
    let refused = check(Some(&wrong));
    assert!(!refused.status.success());
    let report = String::from_utf8_lossy(&refused.stderr);
    assert!(
        report.contains("wrong.toml:10: micro 本街道没有名为“没有这个院”的网格"),
        "{report}"
    );
}

#[test]
fn a_training_server_names_the_scenarios_that_ship_when_one_is_not_found() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_binhe-server"))
        .args(["serve", "--center", "--insecure-http", "--training", "暴雨"])
        .arg("--db")
        .arg(dir.path().join("training.sqlite"))
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(said.contains("场景文件不可读"), "{said}");
    assert!(
        said.contains("rainstorm, winter_night, market_day"),
        "{said}"
    );
    assert!(!dir.path().join("training.sqlite").exists(), "nothing made");
}
