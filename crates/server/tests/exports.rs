//! Ticket lists as files: CSV (UTF-8 with a BOM, or GBK) and GeoJSON, written page by page, with
//! the list's filters, phone numbers masked unless a dispatcher asks, and every export audited.

mod common;

use std::fmt::Write as _;

use common::Harness;
use reqwest::StatusCode;
use serde_json::Value;

/// `count` 12345 orders a minute apart with full phone numbers; every tenth without a place.
fn orders(count: usize) -> Vec<u8> {
    let mut csv = String::from("工单编号,问题类别,问题描述,经度,纬度,地址,联系电话,受理时间\n");
    for i in 0..count {
        let (lon, lat) = if i % 10 == 9 {
            (String::new(), String::new())
        } else {
            (
                format!("{:.5}", 117.105 + (i % 20) as f64 * 0.001),
                "40.14".to_owned(),
            )
        };
        writeln!(
            csv,
            "EXP-{i:05},噪音扰民,\"=HYPERLINK(\"\"x\"\"),夜里有人唱歌 {i}\",{lon},{lat},滨河街道{i}号,1380000{i:04},2021-11-{:02} {:02}:{:02}",
            1 + i / 1440,
            (i / 60) % 24,
            i % 60,
        )
        .unwrap();
    }
    csv.into_bytes()
}

#[tokio::test]
async fn a_long_list_comes_out_whole_in_pages_with_masked_phones_and_an_audit_line() {
    let dir = tempfile::tempdir().unwrap();
    let h = Harness::start(&dir.path().join("db.sqlite")).await;
    let count = 2_345;
    let done = h
        .import_orders("/api/tickets/import", orders(count), "orders.csv")
        .await;
    assert_eq!(done["created"], count, "{done}");

    let response = h.get("/api/tickets/export.csv?scope=all").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["x-export-total"],
        count.to_string().as_str()
    );
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment; filename=\"tickets-")
    );
    let bytes = response.bytes().await.unwrap();
    assert!(
        bytes.starts_with(b"\xEF\xBB\xBF"),
        "a BOM so that Excel reads UTF-8"
    );
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    assert_eq!(&headers[0], "工单号");
    assert_eq!(&headers[14], "联系电话");
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(
        rows.len(),
        count,
        "every ticket once, across pages of 1,000"
    );
    let mut ids: Vec<&str> = rows.iter().map(|r| &r[1]).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), count, "no ticket twice");
    // Newest first, as the list shows them; Beijing time.
    assert_eq!(&rows[0][1], format!("EXP-{:05}", count - 1).as_str());
    assert_eq!(&rows[count - 1][15], "2021-11-01 00:00:00");
    assert!(rows.iter().all(|r| r[14].starts_with("138****")), "masked");
    assert!(
        rows[0][4].starts_with("'=HYPERLINK"),
        "a formula is not run by Excel"
    );

    // GBK on request, the same text.
    let gbk = h
        .get("/api/tickets/export.csv?scope=all&encoding=gbk")
        .await
        .bytes()
        .await
        .unwrap();
    let (decoded, _, bad) = encoding_rs::GBK.decode(&gbk);
    assert!(!bad);
    assert_eq!(decoded.lines().count(), text.lines().count());
    assert_eq!(decoded.lines().next(), text.lines().next());

    // A dispatcher may ask for the numbers as they are.
    let full = h
        .get("/api/tickets/export.csv?scope=all&phones=full")
        .await
        .text()
        .await
        .unwrap();
    assert!(full.contains(",13800000000,"), "full numbers");

    // The located ones as GeoJSON.
    let layer: Value = h.json("/api/tickets/export.geojson?scope=all").await;
    let features = layer["features"].as_array().unwrap();
    assert_eq!(features.len(), count - count / 10);
    assert_eq!(features[0]["geometry"]["type"], "Point");
    assert!(
        features[0]["properties"]["reporter_phone"]
            .as_str()
            .unwrap()
            .starts_with("138****")
    );

    // A wrong value is named; every export is in the audit log.
    let bad = h.get("/api/tickets/export.csv?encoding=big5").await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    let audit = h.json("/api/audit?action=tickets.export").await;
    let lines = audit["entries"].as_array().unwrap();
    assert_eq!(lines.len(), 4, "{audit}");
    assert!(
        lines
            .iter()
            .any(|l| l["detail"].as_str().unwrap().contains("完整电话")),
        "{audit}"
    );
}
