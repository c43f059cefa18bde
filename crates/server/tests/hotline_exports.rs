//! 12345 exports as the hotline and Excel hand them over: other headers, `2021年11月25日 6:25`
//! dates, full-width digits, the hotline's own category names, 合计 rows, Excel serial dates,
//! and a header nothing recognises, mapped by the operator once and remembered.

mod common;

use std::fmt::Write as _;

use binhe_core::crs::Crs;
use common::Harness;
use reqwest::StatusCode;
use rust_xlsxwriter::Workbook;
use serde_json::Value;

/// Full-width forms of ASCII digits, as some hotline systems write phone numbers.
fn wide(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '0'..='9' => char::from_u32(c as u32 - 0x30 + 0xFF10).unwrap(),
            _ => c,
        })
        .collect()
}

/// The hotline's category names that are not the catalogue's, and one no catalogue has.
const HOTLINE_CATEGORIES: [&str; 8] = [
    "路灯不亮",
    "城乡建设-市政设施-井盖缺失",
    "违法停车",
    "噪声扰民",
    "垃圾清运",
    "下水道堵塞",
    "飞线充电",
    "供暖不热",
];

async fn send(h: &Harness, path: &str, bytes: Vec<u8>, name: &str) -> reqwest::Response {
    h.upload(path, bytes, name).await
}

async fn import(h: &Harness, path: &str, bytes: Vec<u8>, name: &str) -> Value {
    h.import_orders(path, bytes, name).await
}

fn columns_query(columns: &str) -> String {
    format!(
        "?columns={}",
        percent_encoding::utf8_percent_encode(columns, percent_encoding::NON_ALPHANUMERIC)
    )
}

/// 600 orders as a Beijing 12345 export writes them, a blank row and a 合计 row, with 6 rows
/// a person would refuse too (a place written in words, a date that is no date).
fn hotline_csv() -> (String, usize) {
    let mut csv = String::from(
        "\u{feff}序号,工单号,来电时间,诉求类型,来电内容,事发地址,经度,纬度,来电人,来电号码,缓急程度\r\n",
    );
    let mut bad = 0;
    for i in 0..600_usize {
        let day = 1 + i % 28;
        let hour = i % 24;
        let time = match i % 4 {
            0 => format!("2021年11月{day}日 {hour}:25"),
            1 => format!("2021/11/{day} {hour}:05"),
            2 => format!("2021-11-{day:02} {hour:02}:45:10"),
            _ => wide(&format!("2021-11-{day:02} {hour:02}:15")),
        };
        let phone = if i % 3 == 0 {
            wide(&format!("138{i:08}"))
        } else {
            format!("139****{:04}", i % 10_000)
        };
        let (lon, time) = match i {
            100 | 300 | 500 => {
                bad += 1;
                ("东经117度".to_owned(), time)
            }
            200 | 400 | 599 => {
                bad += 1;
                ("117.115".to_owned(), "昨天下午".to_owned())
            }
            _ => (format!("{:.6}", 117.100 + (i % 30) as f64 * 0.001), time),
        };
        let category = HOTLINE_CATEGORIES[i % HOTLINE_CATEGORIES.len()];
        writeln!(
            csv,
            "{},BJ12345-2111{i:05},{time},{category},市民反映第{i}号问题，请尽快处理,平谷区滨河街道{}号,{lon},40.13{:04},{}先生,{phone},{}\r",
            i + 1,
            i % 90 + 1,
            i % 100,
            ["张", "李", "王"][i % 3],
            if i % 10 == 0 { "紧急" } else { "一般" },
        )
        .unwrap();
        if i == 299 {
            csv.push_str(",,,,,,,,,,\r\n");
        }
    }
    csv.push_str("合计,600,,,,,,,,,\r\n");
    (csv, bad)
}

#[tokio::test]
async fn a_hotline_export_with_its_own_headers_dates_digits_and_categories_comes_in() {
    let dir = tempfile::tempdir().unwrap();
    let h = Harness::start(&dir.path().join("db.sqlite")).await;
    let (csv, bad) = hotline_csv();
    let progress = import(&h, "/api/tickets/import", csv.into_bytes(), "12345导出.csv").await;
    assert!(progress["failed"].is_null(), "{progress}");
    let (total, created, rejected, skipped, unclassified) = (
        progress["total"].as_u64().unwrap(),
        progress["created"].as_u64().unwrap(),
        progress["rejected"].as_u64().unwrap(),
        progress["skipped"].as_u64().unwrap(),
        progress["unclassified"].as_u64().unwrap(),
    );
    eprintln!(
        "12345 export of 600 orders with quirks: {total} rows read, {created} taken in \
         ({unclassified} as 其他), {skipped} skipped, {rejected} refused"
    );
    assert_eq!(total, 600);
    assert_eq!(skipped, 2, "the blank row and the 合计 row");
    assert_eq!(rejected, bad as u64);
    assert_eq!(created, 600 - bad as u64);
    // 供暖不热 is one category in eight: taken in as 其他, each with a notice.
    let heating = (0..600).filter(|i| i % 8 == 7).count() as u64;
    let heating_refused = [100, 300, 500, 200, 400, 599]
        .iter()
        .filter(|&&i| i % 8 == 7)
        .count() as u64;
    assert_eq!(unclassified, heating - heating_refused);
    // Every refusal names the column as the file heads it, and the value.
    for error in progress["errors"].as_array().unwrap() {
        let message = error["message_zh"].as_str().unwrap();
        let column = error["column"].as_str().unwrap();
        assert!(["经度", "来电时间"].contains(&column), "{error}");
        assert!(message.contains(&format!("“{column}”列")), "{message}");
        assert!(
            message.contains("东经117度") || message.contains("昨天下午"),
            "{message}"
        );
    }
    // Full-width digits are stored as digits; 2021年11月1日 0:25 is Beijing time.
    let first = h.ticket_of_order("BJ12345-211100000").await;
    assert_eq!(first["reporter_phone"], "13800000000");
    assert_eq!(first["received_at"], "2021-10-31T16:25:00Z");
    assert_eq!(first["category"], "street_light");
    assert_eq!(first["urgency"], "urgent");
}

fn workbook(headers: &[&str], rows: usize, serial_base: f64) -> Vec<u8> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet
        .write_string(0, 0, "平谷区12345工单明细（2021年11月）")
        .unwrap();
    for (c, header) in headers.iter().enumerate() {
        sheet.write_string(2, c as u16, *header).unwrap();
    }
    for i in 0..rows {
        let r = 3 + i as u32;
        sheet
            .write_string(r, 0, format!("WX-{serial_base}-{i:04}"))
            .unwrap();
        // A time column that lost its date format: plain serial numbers.
        sheet
            .write_number(r, 1, serial_base + i as f64 / 48.0)
            .unwrap();
        sheet.write_string(r, 2, "城乡建设").unwrap();
        sheet.write_string(r, 3, "市容环境").unwrap();
        sheet
            .write_string(r, 4, ["路灯不亮", "暴露垃圾", "占道摆摊"][i % 3])
            .unwrap();
        sheet
            .write_string(r, 5, format!("第{i}号：请处理"))
            .unwrap();
        sheet.write_number(r, 6, 117.11 + i as f64 * 1e-4).unwrap();
        sheet.write_number(r, 7, 40.14).unwrap();
    }
    book.save_to_buffer().unwrap()
}

/// Headers nothing recognises (情况说明 for the description, 编号 under another name): the
/// preview shows the header and rows and what is missing, the operator maps, and the next
/// month's file with the same headers needs no mapping.
#[tokio::test]
async fn columns_mapped_once_are_remembered_for_the_same_headers() {
    let dir = tempfile::tempdir().unwrap();
    let h = Harness::start(&dir.path().join("db.sqlite")).await;
    let headers = [
        "办件标识",
        "派发时间",
        "一级分类",
        "二级分类",
        "三级分类",
        "情况说明",
        "X",
        "Y",
    ];
    // 2021-11-01 00:00 is serial 44501.
    let november = workbook(&headers, 40, 44_501.0);
    let response = send(
        &h,
        "/api/tickets/import/preview",
        november.clone(),
        "11月.xlsx",
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let preview: Value = response.json().await.unwrap();
    assert_eq!(preview["header_row"], 3);
    assert_eq!(preview["headers"][5], "情况说明");
    assert_eq!(preview["rows"].as_array().unwrap().len(), 5);
    assert_eq!(preview["rows"][0][5], "第0号：请处理");
    let missing: Vec<&str> = preview["missing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    assert_eq!(missing, ["external_id", "description"]);
    assert_eq!(preview["fields"][4], "category");
    assert_eq!(preview["fields"][1], "received_at");
    assert_eq!(preview["remembered"], false);

    // Without a mapping the import is refused naming what is missing.
    let refused = import(&h, "/api/tickets/import", november.clone(), "11月.xlsx").await;
    assert_eq!(refused["failed"]["code"], "MISSING_COLUMNS", "{refused}");
    // A mapping naming no field is refused before anything is read.
    let bad = send(
        &h,
        &format!(
            "/api/tickets/import{}",
            columns_query(r#"{"title":"情况说明"}"#)
        ),
        november.clone(),
        "11月.xlsx",
    )
    .await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    let body: Value = bad.json().await.unwrap();
    assert_eq!(body["error"]["field"], "columns");

    let columns = r#"{"external_id":"办件标识","description":"情况说明","lon":"X","lat":"Y"}"#;
    let done = import(
        &h,
        &format!("/api/tickets/import{}", columns_query(columns)),
        november,
        "11月.xlsx",
    )
    .await;
    assert!(done["failed"].is_null(), "{done}");
    assert_eq!(
        (done["created"].as_u64(), done["rejected"].as_u64()),
        (Some(40), Some(0))
    );
    assert_eq!(done["unclassified"], 0, "三级分类 decides: {done}");

    // December: same headers in another order of width and spacing, no mapping sent.
    let december = workbook(&headers, 10, 44_531.0);
    let preview: Value = send(
        &h,
        "/api/tickets/import/preview",
        december.clone(),
        "12月.xlsx",
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(preview["remembered"], true, "{preview}");
    assert_eq!(preview["missing"].as_array().unwrap().len(), 0);
    let done = import(&h, "/api/tickets/import", december, "12月.xlsx").await;
    assert_eq!(done["created"], 10, "{done}");
    let first = h.ticket_of_order("WX-44531-0000").await;
    assert_eq!(first["received_at"], "2021-11-30T16:00:00Z");
    assert_eq!(first["category"], "street_light");
}

/// A hotline system that exports GCJ-02 (高德) positions: read as WGS84 they land about half a
/// kilometre off; with `?crs=gcj02` they are where the caller was, and the choice is kept for
/// the next file with the same headers.
#[tokio::test]
async fn gcj02_positions_are_converted_when_the_operator_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let h = Harness::start(&dir.path().join("db.sqlite")).await;
    let truth: Vec<(f64, f64)> = (0..20)
        .map(|i| {
            (
                117.100 + f64::from(i) * 0.0015,
                40.131 + f64::from(i % 5) * 0.004,
            )
        })
        .collect();
    let file = |month: u32| {
        let mut csv = String::from("工单编号,问题类别,问题描述,经度,纬度,受理时间\n");
        for (i, &(lon, lat)) in truth.iter().enumerate() {
            let (x, y) = Crs::Gcj02.from_wgs84(lon, lat).unwrap();
            writeln!(
                csv,
                "GCJ-{month}-{i},路灯不亮,路灯不亮了,{x:.7},{y:.7},2021-{month:02}-05 10:00"
            )
            .unwrap();
        }
        csv.into_bytes()
    };
    let done = h
        .import_orders("/api/tickets/import?crs=gcj02", file(10), "高德坐标.csv")
        .await;
    assert_eq!(done["created"], 20, "{done}");
    let mut worst: f64 = 0.0;
    for (i, &(lon, lat)) in truth.iter().enumerate() {
        let t = h.ticket_of_order(&format!("GCJ-10-{i}")).await;
        let dx = (t["lon"].as_f64().unwrap() - lon) * 85_000.0;
        let dy = (t["lat"].as_f64().unwrap() - lat) * 111_000.0;
        worst = worst.max(dx.hypot(dy));
    }
    eprintln!("GCJ-02 export converted: largest error {worst:.3} m against the WGS84 truth");
    assert!(worst < 0.1, "{worst} m");

    // November, same headers, nothing said: the choice was remembered.
    let done = h
        .import_orders("/api/tickets/import", file(11), "高德坐标.csv")
        .await;
    assert_eq!(done["created"], 20, "{done}");
    let t = h.ticket_of_order("GCJ-11-0").await;
    let dx = (t["lon"].as_f64().unwrap() - truth[0].0) * 85_000.0;
    let dy = (t["lat"].as_f64().unwrap() - truth[0].1) * 111_000.0;
    assert!(dx.hypot(dy) < 0.1, "remembered: {t}");
    // An unknown system is refused naming the parameter.
    let bad = h
        .upload("/api/tickets/import?crs=utm50", file(12), "x.csv")
        .await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
}
