//! Importing 12345 work-order files through the API: a job with progress, a per-row error
//! report, and nothing new on a second import of the same file.

mod common;

use common::Harness;
use reqwest::StatusCode;
use rust_xlsxwriter::Workbook;
use serde_json::{Value, json};

const SAMPLE: &[u8] = include_bytes!("../fixtures/12345_sample.csv");

async fn upload(h: &Harness, bytes: Vec<u8>, name: &str) -> Value {
    h.import_orders("/api/tickets/import", bytes, name).await
}

#[tokio::test]
async fn sample_file_imports_with_row_errors_and_a_second_import_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let h = Harness::start(&dir.path().join("db.sqlite")).await;
    let first = upload(&h, SAMPLE.to_vec(), "12345工单.csv").await;
    assert_eq!(first["file_name"], "12345工单.csv");
    assert_eq!(first["total"], 20);
    assert_eq!(first["done"], 20);
    // Row 17's category is in no catalogue: taken in as 其他 with a notice, not refused.
    assert_eq!(first["created"], 19);
    assert_eq!(first["rejected"], 1);
    assert_eq!(first["unclassified"], 1);
    assert_eq!(first["skipped"], 0);
    assert!(first["failed"].is_null());
    let codes = |list: &Value| -> Vec<(u64, String)> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["row"].as_u64().unwrap(),
                    e["code"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    assert_eq!(
        codes(&first["errors"]),
        [(15, "INVALID_COORDINATE".to_owned())]
    );
    assert_eq!(
        codes(&first["notices"]),
        [(17, "UNCLASSIFIED_CATEGORY".to_owned())]
    );
    assert!(
        first["notices"][0]["message_zh"]
            .as_str()
            .unwrap()
            .starts_with("第 17 行")
    );
    assert_eq!(first["errors"][0]["column"], "经度");
    let stored = h.json("/api/tickets?scope=all").await["total"].clone();
    assert_eq!(stored, 19);
    let ticket = h.ticket_of_order("2026112700116").await;
    assert_eq!(ticket["category"], "other");
    assert_eq!(ticket["category_zh"], "其他");
    assert!(
        ticket["description"]
            .as_str()
            .unwrap()
            .ends_with("（原分类：广告牌松动）"),
        "{ticket}"
    );

    let again = upload(&h, SAMPLE.to_vec(), "12345工单.csv").await;
    assert_eq!(again["created"], 0);
    assert_eq!(again["existing"], 19);
    assert_eq!(again["unclassified"], 0, "nothing new was classified");
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
