//! Ticket lists as files: CSV (UTF-8 with a BOM, or GBK) and GeoJSON, written page by page, with
//! the list's filters, phone numbers masked unless a dispatcher asks, and every export audited.

mod common;

use std::fmt::Write as _;

use binhe_api::tickets::ExportProgress;
use common::Harness;
use common::center::{Cast, Terminal, make_accounts, point_in};
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

/// A server on a scratch database holding `count` imported orders.
async fn with_orders(count: usize) -> (tempfile::TempDir, Harness) {
    let dir = tempfile::tempdir().unwrap();
    let h = Harness::start(&dir.path().join("db.sqlite")).await;
    let done = h
        .import_orders("/api/tickets/import", orders(count), "orders.csv")
        .await;
    assert_eq!(done["created"], count, "{done}");
    (dir, h)
}

/// The file at `path` (an export of `count` tickets named `name-…`), its headers checked.
async fn exported(h: &Harness, path: &str, name: &str, count: usize) -> Vec<u8> {
    let response = h.get(path).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    let headers = response.headers().clone();
    assert_eq!(
        headers["x-export-total"],
        count.to_string().as_str(),
        "{path}"
    );
    let disposition = headers["content-disposition"].to_str().unwrap();
    let ext = path.split('?').next().unwrap().rsplit('.').next().unwrap();
    assert!(
        disposition.starts_with(&format!("attachment; filename=\"{name}-"))
            && disposition.contains(&format!(".{ext}\";")),
        "{disposition}"
    );
    let content_type = headers["content-type"].to_str().unwrap();
    let expected = match ext {
        "csv" => "text/csv",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        _ => "application/geo+json",
    };
    assert!(content_type.starts_with(expected), "{content_type}");
    response.bytes().await.unwrap().to_vec()
}

#[tokio::test]
async fn a_long_list_comes_out_whole_in_pages_with_masked_phones_and_an_audit_line() {
    let count = 2_345;
    let (_dir, h) = with_orders(count).await;

    let bytes = exported(&h, "/api/tickets/export.csv?scope=all", "tickets", count).await;
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
    assert_eq!(lines.len(), 5, "the refused one too: {audit}");
    assert_eq!(lines[0]["status"], 400, "{audit}");
    assert!(
        lines
            .iter()
            .any(|l| l["detail"].as_str().unwrap().contains("完整电话")),
        "{audit}"
    );
}

/// A center server with the cast's accounts, and `count` orders imported by the dispatcher.
struct Center {
    _dir: tempfile::TempDir,
    _server: Harness,
    cast: Cast,
    disp: Terminal,
    cmdr: Terminal,
}

/// Imports a work-order file as `terminal` and waits for the job: `created` tickets made.
async fn import_as(terminal: &Terminal, file: Vec<u8>, created: usize) {
    let started = terminal
        .client
        .post(format!("{}/api/tickets/import", terminal.base))
        .bearer_auth(terminal.token.as_deref().unwrap())
        .header("x-file-name", "orders.csv")
        .body(file)
        .send()
        .await
        .unwrap();
    assert_eq!(started.status(), StatusCode::ACCEPTED);
    let job = started.json::<Value>().await.unwrap()["job"]
        .as_u64()
        .unwrap();
    loop {
        let progress = terminal.json(&format!("/api/imports/{job}")).await;
        if progress["finished"] == true {
            assert_eq!(progress["created"], created, "{progress}");
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

async fn center_with_orders(count: usize) -> Center {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("center.sqlite");
    let database = binhe_server::Database::Sqlite(path.clone());
    let cast = make_accounts(&database).await;
    let center = Harness::center(database).await;
    let base = center.base();
    let disp = Terminal::login(&base, "disp").await;
    let cmdr = Terminal::login(&base, "cmdr").await;
    import_as(&disp, orders(count), count).await;
    Center {
        _dir: dir,
        _server: center,
        cast,
        disp,
        cmdr,
    }
}

#[tokio::test]
async fn an_export_followed_by_its_token_counts_to_the_end_for_its_account_only() {
    let count = 2_345;
    let c = center_with_orders(count).await;
    let (disp, cmdr) = (&c.disp, &c.cmdr);

    let token = "disp-export-0001";
    let (status, unknown) = disp.get(&format!("/api/exports/{token}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{unknown}");
    assert_eq!(unknown["error"]["code"], "EXPORT_UNKNOWN");
    assert!(
        unknown["error"]["message_zh"]
            .as_str()
            .unwrap()
            .contains(token)
    );

    let progress_of = |answer: Value| serde_json::from_value::<ExportProgress>(answer).unwrap();
    for ext in ["csv", "xlsx", "geojson"] {
        let mut response = disp
            .client
            .get(format!(
                "{}/api/tickets/export.{ext}?scope=all&progress={token}",
                disp.base
            ))
            .bearer_auth(disp.token.as_deref().unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{ext}");
        // Under way: the entry is there from the answer's start, counting towards the total.
        let first = response.chunk().await.unwrap().unwrap();
        assert!(!first.is_empty());
        let under_way = progress_of(disp.json(&format!("/api/exports/{token}")).await);
        assert_eq!(under_way.total, count as u64, "{ext}");
        assert!(under_way.written <= under_way.total, "{ext}: {under_way:?}");
        while response.chunk().await.unwrap().is_some() {}
        let progress = progress_of(disp.json(&format!("/api/exports/{token}")).await);
        assert_eq!(
            progress,
            ExportProgress {
                written: count as u64,
                total: count as u64,
                done: true
            },
            "{ext}"
        );
    }
    // Another account's token is unknown to the commander, even under the same name.
    let (status, theirs) = cmdr.get(&format!("/api/exports/{token}")).await;
    assert_eq!(
        (status, theirs["error"]["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("EXPORT_UNKNOWN"))
    );
    // A token out of the rules is refused before anything is written, naming the field.
    for bad in ["short", "has%20space-in-it", &"x".repeat(65)] {
        let (status, refused) = disp
            .get(&format!("/api/tickets/export.csv?scope=all&progress={bad}"))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {refused}");
        assert_eq!(refused["error"]["field"], "progress");
        let (status, refused) = disp.get(&format!("/api/exports/{bad}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {refused}");
        assert_eq!(refused["error"]["field"], "token");
    }
}

/// The sheet of an XLSX answer, as calamine reads it.
fn sheet_of(bytes: Vec<u8>) -> calamine::Range<calamine::Data> {
    use calamine::Reader as _;
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let name = book.sheet_names()[0].clone();
    book.worksheet_range(&name).unwrap()
}

#[tokio::test]
async fn an_xlsx_export_has_chinese_headers_beijing_date_cells_numbers_and_masked_phones() {
    use calamine::{Data, DataType as _};
    let count = 1_234;
    let (_dir, h) = with_orders(count).await;

    let sheet =
        sheet_of(exported(&h, "/api/tickets/export.xlsx?scope=all", "tickets", count).await);
    assert_eq!(sheet.height(), count + 1, "the header and every ticket");
    let header: Vec<String> = sheet
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(ToString::to_string)
        .collect();
    // The CSV's columns, in the same order.
    let csv = h
        .get("/api/tickets/export.csv?scope=all")
        .await
        .bytes()
        .await
        .unwrap();
    let csv_text = std::str::from_utf8(&csv[3..]).unwrap();
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let csv_header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(header, csv_header);
    let csv_rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let rows: Vec<&[Data]> = sheet.rows().skip(1).collect();
    for (row, csv_row) in rows.iter().zip(&csv_rows) {
        // Same ticket, same order.
        assert_eq!(
            row[column("工单号")].as_f64().unwrap().to_string(),
            &csv_row[0]
        );
        assert_eq!(row[column("外部编号")].to_string(), &csv_row[1]);
        assert!(
            row[column("联系电话")].to_string().starts_with("138****"),
            "masked"
        );
        // Times: date cells showing the CSV's Beijing wall-clock.
        let Data::DateTime(received) = &row[column("受理时间")] else {
            panic!("a date cell: {:?}", row[column("受理时间")]);
        };
        assert_eq!(wall_of(received.as_f64()), csv_row[15].to_owned());
    }
    let Data::DateTime(oldest) = &rows[count - 1][column("受理时间")] else {
        panic!("a date cell");
    };
    assert_eq!(
        wall_of(oldest.as_f64()),
        "2021-11-01 00:00:00",
        "the oldest, 00:00 in Beijing"
    );
    // Coordinates are numbers; the unlocated ones are empty cells.
    let located = rows
        .iter()
        .filter(|r| matches!(r[column("经度")], Data::Float(_)))
        .count();
    assert_eq!(located, count - count / 10);
    assert!(rows.iter().all(
        |r| matches!(r[column("纬度")], Data::Float(v) if (v - 40.14).abs() < 1e-9)
            || r[column("纬度")] == Data::Empty
    ));
    // A formula-like description is text, not a formula.
    assert!(
        rows[0][column("问题描述")]
            .to_string()
            .starts_with("=HYPERLINK")
    );

    // Full numbers on a dispatcher's request, as in the CSV.
    let full = sheet_of(
        h.get("/api/tickets/export.xlsx?scope=all&phones=full")
            .await
            .bytes()
            .await
            .unwrap()
            .to_vec(),
    );
    assert!(
        full.rows()
            .skip(1)
            .all(|r| r[column("联系电话")].to_string().starts_with("1380000"))
    );
    let audit = h.json("/api/audit?action=tickets.export").await;
    let details: Vec<&str> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["detail"].as_str().unwrap())
        .collect();
    assert_eq!(
        details.iter().filter(|d| d.starts_with("XLSX")).count(),
        2,
        "{audit}"
    );
}

/// Excel's serial day number as `YYYY-MM-DD HH:MM:SS`.
fn wall_of(serial: f64) -> String {
    let epoch = chrono::NaiveDate::from_ymd_opt(1899, 12, 30)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap();
    #[allow(clippy::cast_possible_truncation)]
    let millis = (serial * 86_400_000.0).round() as i64;
    (epoch + chrono::Duration::milliseconds(millis))
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// A terminal's file at `path`, as bytes, with its `x-export-total`.
async fn download(terminal: &Terminal, path: &str) -> (StatusCode, u64, Vec<u8>) {
    let mut request = terminal.client.get(format!("{}{path}", terminal.base));
    if let Some(token) = &terminal.token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let total = response
        .headers()
        .get("x-export-total")
        .map_or(0, |v| v.to_str().unwrap().parse().unwrap());
    (status, total, response.bytes().await.unwrap().to_vec())
}

/// The ticket numbers of a drill-down, every page of it, and how many of them are located.
async fn drilled(terminal: &Terminal, question: &str) -> (Vec<i64>, usize) {
    let mut ids = Vec::new();
    let mut located = 0;
    loop {
        let page = terminal
            .json(&format!(
                "/api/kpi/tickets?{question}&limit=1000&offset={}",
                ids.len()
            ))
            .await;
        let tickets = page["tickets"].as_array().unwrap();
        ids.extend(tickets.iter().map(|t| t["id"].as_i64().unwrap()));
        located += tickets.iter().filter(|t| t["lon"].is_number()).count();
        if tickets.len() < 1000 {
            assert_eq!(page["total"], ids.len(), "{question}");
            return (ids, located);
        }
    }
}

/// The first column of a CSV export (after its BOM), as ticket numbers.
fn csv_ids(bytes: &[u8]) -> Vec<i64> {
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap()).unwrap();
    csv::Reader::from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap()[0].parse().unwrap())
        .collect()
}

#[tokio::test]
async fn a_kpi_figure_exports_every_ticket_behind_it_in_the_drill_downs_scope() {
    let count = 2_345;
    let c = center_with_orders(count).await;
    let (disp, cmdr, cast) = (&c.disp, &c.cmdr, &c.cast);
    // A few in the commander's community too.
    let (lon, lat, _) = point_in(disp, &cast.community, 0).await;
    let mut theirs = String::from("工单编号,问题类别,问题描述,经度,纬度,联系电话,受理时间\n");
    for i in 0..7 {
        writeln!(
            theirs,
            "CMDR-{i},噪音扰民,楼上装修 {i},{lon},{lat},1390000{i:04},2021-11-0{} 09:00",
            i + 2
        )
        .unwrap();
    }
    import_as(disp, theirs.into_bytes(), 7).await;
    // `limit` and `offset` do not cut the file: the whole figure is exported.
    let question = "month=2021-11&as_of=2021-12-31&metric=received";
    let (all, located) = drilled(disp, question).await;
    assert!(all.len() > 1000, "more than a page: {}", all.len());
    let (status, total, csv) = download(
        disp,
        &format!("/api/kpi/tickets/export.csv?{question}&limit=5&offset=7&progress=kpi-export-01"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(total, all.len() as u64);
    assert_eq!(csv_ids(&csv), all, "the drill-down's tickets in its order");
    let progress = disp.json("/api/exports/kpi-export-01").await;
    assert_eq!(
        (progress["written"].as_u64(), progress["done"].as_bool()),
        (Some(all.len() as u64), Some(true))
    );
    let (status, _, xlsx) =
        download(disp, &format!("/api/kpi/tickets/export.xlsx?{question}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(sheet_of(xlsx).height(), all.len() + 1);
    let (status, _, geojson) =
        download(disp, &format!("/api/kpi/tickets/export.geojson?{question}")).await;
    assert_eq!(status, StatusCode::OK);
    let layer: Value = serde_json::from_slice(&geojson).unwrap();
    assert_eq!(layer["features"].as_array().unwrap().len(), located);

    // The commander's figure is their community's, and so is the file.
    let (theirs, _) = drilled(cmdr, question).await;
    let (status, total, csv) =
        download(cmdr, &format!("/api/kpi/tickets/export.csv?{question}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!((total, csv_ids(&csv)), (theirs.len() as u64, theirs));
    assert!(
        total > 0 && total < all.len() as u64,
        "their part of the street: {total}"
    );
    let other = format!("{question}&community={}", cast.other_community);
    let (list_status, list_refusal) = cmdr.get(&format!("/api/kpi/tickets?{other}")).await;
    let (status, _, refusal) =
        download(cmdr, &format!("/api/kpi/tickets/export.csv?{other}")).await;
    let refusal: Value = serde_json::from_slice(&refusal).unwrap();
    assert_eq!(
        (status, &refusal["error"]["code"]),
        (list_status, &list_refusal["error"]["code"]),
        "refused as the drill-down is: {refusal}"
    );
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = download(
        cmdr,
        &format!("/api/kpi/tickets/export.csv?{question}&phones=full"),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "full numbers: dispatchers only"
    );
    let (status, _, bad) = download(disp, "/api/kpi/tickets/export.csv?metric=speed").await;
    let bad: Value = serde_json::from_slice(&bad).unwrap();
    assert_eq!(
        (status, bad["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("INVALID_METRIC"))
    );

    let audit = disp.json("/api/audit?action=kpi.export").await;
    let lines = audit["entries"].as_array().unwrap();
    assert_eq!(lines.len(), 7, "the refused ones too: {audit}");
    assert_eq!(
        lines.iter().filter(|l| l["status"] == 403).count(),
        2,
        "{audit}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l["detail"].as_str().unwrap().contains("指标 received")),
        "{audit}"
    );
}

#[tokio::test]
async fn a_tickets_timeline_comes_out_as_the_card_shows_it_to_who_may_see_the_card() {
    let c = center_with_orders(0).await;
    let (disp, cmdr, cast) = (&c.disp, &c.cmdr, &c.cast);
    // A ticket outside the commander's community, registered and dispatched.
    let (lon, lat, micro) = point_in(disp, &cast.other_community, 1).await;
    let (status, created) = disp
        .post(
            "/api/tickets",
            serde_json::json!({
                "channel": "hotline", "external_id": "TL-1", "category": "garbage",
                "description": "楼道堆物，=SUM(A1)", "lon": lon, "lat": lat,
                "reporter_name": "王先生", "reporter_phone": "13812345678",
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let mut ticket = created["ticket"].clone();
    let id = ticket["id"].as_i64().unwrap();
    for (action, extra) in [
        ("register", serde_json::json!({ "note": "属实" })),
        ("dispatch", serde_json::json!({ "grid": micro })),
    ] {
        let mut body = serde_json::json!({ "action": action, "version": ticket["version"] });
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        let (status, answer) = disp.post(&format!("/api/tickets/{id}/actions"), body).await;
        assert_eq!(status, StatusCode::OK, "{action}: {answer}");
        ticket = answer["ticket"].clone();
    }
    let card = disp.json(&format!("/api/tickets/{id}")).await;
    let events = card["events"].as_array().unwrap();
    assert!(events.len() >= 3, "{card}");
    let micro_name = disp.json(&format!("/api/grids/{micro}")).await["name"]
        .as_str()
        .unwrap()
        .to_owned();

    let (status, _, csv) = download(disp, &format!("/api/tickets/{id}/timeline.csv")).await;
    assert_eq!(status, StatusCode::OK);
    let text = std::str::from_utf8(csv.strip_prefix(b"\xEF\xBB\xBF").unwrap()).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        ["序号", "时间", "动作", "操作人", "角色", "网格", "说明"]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), events.len(), "one row per step");
    for (n, (row, event)) in rows.iter().zip(events).enumerate() {
        assert_eq!(&row[0], (n + 1).to_string().as_str());
        let at = chrono::DateTime::parse_from_rfc3339(event["at"].as_str().unwrap()).unwrap();
        let beijing = chrono::FixedOffset::east_opt(8 * 3600).unwrap();
        assert_eq!(
            &row[1],
            at.with_timezone(&beijing)
                .format("%Y-%m-%d %H:%M:%S")
                .to_string()
                .as_str()
        );
        assert_eq!(&row[3], event["actor"]["name"].as_str().unwrap());
        assert_eq!(&row[4], event["actor"]["role_zh"].as_str().unwrap());
        let summary = event["summary_zh"].as_str().unwrap();
        assert!(
            row[6] == *summary || row[6] == format!("'{summary}"),
            "{} vs {summary}",
            &row[6]
        );
    }
    assert_eq!(&rows[0][2], "接收上报");
    let dispatched = rows.iter().position(|r| &r[2] == "分派").unwrap();
    assert_eq!(&rows[dispatched][5], micro_name.as_str(), "where it went");
    assert!(rows[dispatched][6].contains(&micro_name));

    let (status, _, xlsx) = download(disp, &format!("/api/tickets/{id}/timeline.xlsx")).await;
    assert_eq!(status, StatusCode::OK);
    let sheet = sheet_of(xlsx);
    assert_eq!(sheet.height(), events.len() + 1);
    for (row, csv_row) in sheet.rows().skip(1).zip(&rows) {
        let calamine::Data::DateTime(at) = &row[1] else {
            panic!("a date cell: {:?}", row[1]);
        };
        assert_eq!(wall_of(at.as_f64()), &csv_row[1]);
        for column in [2, 3, 4, 5] {
            assert_eq!(row[column].to_string(), &csv_row[column]);
        }
    }

    // The commander of another community may not see the card, nor the file.
    let (card_status, _) = cmdr.get(&format!("/api/tickets/{id}")).await;
    let (status, _, refused) = download(cmdr, &format!("/api/tickets/{id}/timeline.csv")).await;
    assert_eq!(
        (status, card_status),
        (StatusCode::FORBIDDEN, StatusCode::FORBIDDEN)
    );
    let refused: Value = serde_json::from_slice(&refused).unwrap();
    assert!(refused["error"]["code"].is_string(), "{refused}");
    let (status, _, _) = download(disp, "/api/tickets/999999/timeline.xlsx").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Refused before the handler ran (no ticket number, no session): still on the record.
    let (status, _, _) = download(disp, "/api/tickets/abc/timeline.csv").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let anonymous = Terminal::anonymous(&disp.base);
    let (status, _, _) = download(&anonymous, &format!("/api/tickets/{id}/timeline.csv")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let audit = disp.json("/api/audit?action=ticket.timeline_export").await;
    let lines = audit["entries"].as_array().unwrap();
    assert_eq!(lines.len(), 6, "the refused ones too: {audit}");
    assert!(
        lines
            .iter()
            .all(|l| [id.to_string().as_str(), "999999", "abc"]
                .contains(&l["target"].as_str().unwrap())),
        "{audit}"
    );
    assert_eq!(lines[0]["status"], 401, "{audit}");
}

/// The grid codes and names of the street's tree at `level` (`community` or `micro`).
fn tree_grids(tree: &Value, level: &str) -> std::collections::BTreeMap<String, String> {
    let mut found = std::collections::BTreeMap::new();
    let mut stack = vec![tree];
    while let Some(node) = stack.pop() {
        if node["level"] == level {
            found.insert(
                node["code"].as_str().unwrap().to_owned(),
                node["name"].as_str().unwrap().to_owned(),
            );
        }
        stack.extend(node["children"].as_array().into_iter().flatten());
    }
    found
}

#[tokio::test]
async fn the_grids_export_as_geojson_and_as_shapefiles_the_survey_importer_and_gdal_read_back() {
    use binhe_core::survey::SurveyMapping;
    let c = center_with_orders(0).await;
    let (disp, cmdr, cast) = (&c.disp, &c.cmdr, &c.cast);
    let tree = disp.json("/api/grids/tree").await;
    let communities = tree_grids(&tree, "community");
    let micros = tree_grids(&tree, "micro");
    assert!(communities.len() > 1 && micros.len() > communities.len());

    // GeoJSON: both levels without `level`, with their parents and shapes as the map has them.
    let (status, _, bytes) = download(disp, "/api/grids/export.geojson").await;
    assert_eq!(status, StatusCode::OK);
    let layer: Value = serde_json::from_slice(&bytes).unwrap();
    let features = layer["features"].as_array().unwrap();
    assert_eq!(features.len(), communities.len() + micros.len());
    let map_layer = disp.json("/api/grids.geojson").await;
    for feature in features {
        let p = &feature["properties"];
        let code = p["code"].as_str().unwrap();
        let level = p["level"].as_str().unwrap();
        let names = if level == "community" {
            &communities
        } else {
            &micros
        };
        assert_eq!(
            p["name"].as_str(),
            names.get(code).map(String::as_str),
            "{p}"
        );
        let parent = p["parent_code"].as_str().unwrap();
        assert!(code.starts_with(&parent[..parent.trim_end_matches('0').len().min(parent.len())]));
        assert!(p["parent_name"].is_string(), "{p}");
        let on_map = map_layer["features"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["properties"]["code"] == code)
            .unwrap();
        assert_eq!(feature["geometry"], on_map["geometry"], "{code}");
    }
    let (_, _, bytes) = download(disp, "/api/grids/export.geojson?level=community").await;
    let only: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(
        only["features"].as_array().unwrap().len(),
        communities.len()
    );
    let (status, _, refused) = download(disp, "/api/grids/export.geojson?level=street").await;
    let refused: Value = serde_json::from_slice(&refused).unwrap();
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(refused["error"]["field"], "level");

    // Shapefiles: one per level, read back by the survey importer as they would be imported.
    let (status, _, zip) = download(disp, "/api/grids/export.shp.zip").await;
    assert_eq!(status, StatusCode::OK);
    let mut read = binhe_server::grids::ReadSurvey::default();
    binhe_server::grids::read_files(vec![("grids.zip".to_owned(), zip.clone())], &mut read);
    assert!(read.problems.is_empty(), "{:?}", read.problems);
    let mut layer_names: Vec<&str> = read.layers.iter().map(|l| l.name.as_str()).collect();
    layer_names.sort_unstable();
    assert_eq!(
        layer_names,
        ["grids.zip/community.shp", "grids.zip/micro.shp"]
    );
    for layer in &read.layers {
        assert_eq!(
            layer.crs,
            binhe_core::survey::LayerCrs::Declared(binhe_core::Crs::Wgs84),
            "the .prj says WGS84"
        );
        assert!(
            layer.attributes.iter().all(|a| a.len() <= 10),
            "{:?}",
            layer.attributes
        );
    }
    let assembly = read.assemble(&SurveyMapping::default());
    // Every grid reads back; what the importer misses is only the street outline, which the
    // export (communities and micro-grids) does not carry.
    let street = tree["code"].as_str().unwrap();
    for problem in &assembly.problems {
        assert!(
            problem.code == "STREET_COUNT"
                || (problem.code == "MISSING_PARENT" && problem.message_en.contains(street)),
            "{problem:?}"
        );
    }
    let mut read_back = std::collections::BTreeMap::new();
    for grid in &assembly.grids {
        assert!(grid.shape.is_some(), "{grid:?}");
        assert!(!grid.generated, "the codes were in the file: {grid:?}");
        read_back.insert(
            grid.code.as_ref().unwrap().to_string(),
            grid.name.clone().unwrap(),
        );
    }
    let mut expected = communities.clone();
    expected.extend(micros.clone());
    assert_eq!(
        read_back, expected,
        "codes and Chinese names, through UTF-8"
    );

    // GDAL reads the same, if it is on the machine.
    let gdal = std::process::Command::new("ogrinfo")
        .arg("--version")
        .output();
    if gdal.is_ok_and(|o| o.status.success()) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("grids.zip");
        std::fs::write(&path, &zip).unwrap();
        for (layer, count) in [("community", communities.len()), ("micro", micros.len())] {
            let out = std::process::Command::new("ogrinfo")
                .args(["-ro", "-so"])
                .arg(format!("/vsizip/{}", path.display()))
                .arg(layer)
                .output()
                .unwrap();
            let text = String::from_utf8_lossy(&out.stdout);
            let complaints = String::from_utf8_lossy(&out.stderr);
            assert!(out.status.success(), "{text}{complaints}");
            assert!(complaints.trim().is_empty(), "GDAL complains: {complaints}");
            assert!(text.contains(&format!("Feature Count: {count}")), "{text}");
            assert!(text.contains("Geometry: Polygon"), "{text}");
            assert!(text.contains("WGS") && text.contains("84"), "{text}");
            assert!(text.contains("PARENTNAME: String"), "{text}");
        }
        let first = communities.values().next().unwrap();
        let out = std::process::Command::new("ogrinfo")
            .args(["-ro", "-q", "-geom=NO"])
            .arg(format!("/vsizip/{}", path.display()))
            .arg("community")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains(&format!("NAME (String) = {first}")), "{text}");
    } else {
        println!("note: ogrinfo (gdal-bin) is not on this machine; the GDAL check is skipped");
    }

    // A commander gets their community's share; the exports are on the record.
    let (status, _, bytes) = download(cmdr, "/api/grids/export.geojson").await;
    assert_eq!(status, StatusCode::OK);
    let theirs: Value = serde_json::from_slice(&bytes).unwrap();
    let features = theirs["features"].as_array().unwrap();
    assert!(!features.is_empty());
    assert!(features.iter().all(|f| {
        let code = f["properties"]["code"].as_str().unwrap();
        code == cast.community || f["properties"]["parent_code"] == cast.community.as_str()
    }));
    let audit = disp.json("/api/audit?action=grids.export").await;
    assert_eq!(audit["entries"].as_array().unwrap().len(), 5, "{audit}");
}
