//! Importing 12345 work-order files through the API: a job with progress, a per-row error
//! report, and nothing new on a second import of the same file.

mod common;

use std::time::Duration;

use common::Harness;
use reqwest::{Method, StatusCode};
use rust_xlsxwriter::Workbook;
use serde_json::{Value, json};

const SAMPLE: &[u8] = include_bytes!("../fixtures/12345_sample.csv");

async fn upload(h: &Harness, bytes: Vec<u8>, name: &str) -> Value {
    let response = h
        .request(Method::POST, "/api/tickets/import")
        .header(
            "x-file-name",
            percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC)
                .to_string(),
        )
        .body(bytes)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let job = response.json::<Value>().await.unwrap()["job"]
        .as_u64()
        .unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let progress = h.json(&format!("/api/imports/{job}")).await;
        assert!(progress["done"].as_u64() <= progress["total"].as_u64());
        if progress["finished"] == true {
            return progress;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "import did not finish"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn sample_file_imports_with_row_errors_and_a_second_import_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let h = Harness::start(&dir.path().join("db.sqlite")).await;
    let first = upload(&h, SAMPLE.to_vec(), "12345工单.csv").await;
    assert_eq!(first["file_name"], "12345工单.csv");
    assert_eq!(first["total"], 20);
    assert_eq!(first["done"], 20);
    assert_eq!(first["created"], 18);
    assert_eq!(first["rejected"], 2);
    assert!(first["failed"].is_null());
    let codes: Vec<(u64, &str)> = first["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["row"].as_u64().unwrap(), e["code"].as_str().unwrap()))
        .collect();
    assert_eq!(
        codes,
        [(15, "INVALID_COORDINATE"), (17, "UNKNOWN_CATEGORY")]
    );
    assert!(
        first["errors"][1]["message_zh"]
            .as_str()
            .unwrap()
            .starts_with("第 17 行")
    );
    let stored = h.json("/api/tickets?scope=all").await["total"].clone();
    assert_eq!(stored, 18);

    let again = upload(&h, SAMPLE.to_vec(), "12345工单.csv").await;
    assert_eq!(again["created"], 0);
    assert_eq!(again["existing"], 18);
    assert_eq!(h.json("/api/tickets?scope=all").await["total"], stored);
}

#[tokio::test]
async fn xlsx_orders_are_taken_in_like_csv_ones() {
    let dir = tempfile::tempdir().unwrap();
    let h = Harness::start(&dir.path().join("db.sqlite")).await;
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    for (column, title) in [
        "工单编号",
        "问题类别",
        "问题描述",
        "经度",
        "纬度",
        "受理时间",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string(0, column as u16, *title).unwrap();
    }
    sheet.write_number(1, 0, 2_026_112_800_001.0).unwrap();
    sheet.write_string(1, 1, "路灯").unwrap();
    sheet.write_string(1, 2, "路灯不亮").unwrap();
    sheet.write_number(1, 3, 117.1184).unwrap();
    sheet.write_number(1, 4, 40.1362).unwrap();
    sheet.write_string(1, 5, "2026-11-28 08:00").unwrap();
    let bytes = workbook.save_to_buffer().unwrap();
    let progress = upload(&h, bytes, "orders.xlsx").await;
    assert_eq!(progress["created"], 1, "{progress}");
    let ticket = &h.json("/api/tickets?scope=all").await["tickets"][0];
    assert_eq!(ticket["external_id"], "2026112800001");
    assert_eq!(ticket["channel"], "hotline");
    assert_eq!(ticket["received_at"], "2026-11-28T00:00:00Z");
}

#[tokio::test]
async fn unreadable_files_fail_the_job_with_a_reason_and_store_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let h = Harness::start(&dir.path().join("db.sqlite")).await;
    let progress = upload(&h, b"%PDF-1.7 not a sheet".to_vec(), "report.pdf").await;
    assert_eq!(progress["failed"]["code"], "UNKNOWN_FORMAT");
    assert!(
        !progress["failed"]["message_zh"]
            .as_str()
            .unwrap()
            .is_empty()
    );
    let progress = upload(&h, b"a,b,c\n1,2,3\n".to_vec(), "orders.csv").await;
    assert_eq!(progress["failed"]["code"], "NO_HEADER");
    let progress = upload(
        &h,
        "工单编号,经度\n1,117.1\n".as_bytes().to_vec(),
        "orders.csv",
    )
    .await;
    assert_eq!(progress["failed"]["code"], "MISSING_COLUMNS");
    assert!(
        progress["failed"]["message_zh"]
            .as_str()
            .unwrap()
            .contains("问题描述")
    );
    assert_eq!(h.json("/api/tickets?scope=all").await["total"], 0);
    let missing = h.get("/api/imports/999").await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    // This server runs without the demo feed.
    assert_eq!(h.json("/api/demo/feed").await["available"], false);
    let (status, answer) = h.post("/api/demo/feed", &json!({ "running": false })).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(answer["error"]["code"], "DEMO_FEED_OFF");
}
