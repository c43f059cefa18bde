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
