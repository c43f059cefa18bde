//! The KPI routes on a street whose figures are known in advance: the reference years 2020 and
//! 2021 (crates/server/src/reference_year.rs) are played through intake and the closed loop,
//! and the monthly report, the dashboard, the ranking, the heat map and the drill-down must
//! read the seed's 2021 results out of them — and refuse bad questions with a code.

mod common;

use std::io::Cursor;

use binhe_server::Database;
use binhe_server::auth::Mode;
use binhe_server::reference_year::{ReferenceYear, play};
use calamine::{Data, Reader, Xlsx};
use common::Harness;
use common::center::{Terminal, make_accounts};
use reqwest::StatusCode;
use serde_json::Value;

const AS_OF: &str = "as_of=2021-11-30";

/// A server on a database holding the two reference years, and a dispatcher's terminal.
async fn reference_street(dir: &tempfile::TempDir) -> (Harness, Terminal, common::center::Cast) {
    let database = Database::Sqlite(dir.path().join("reference.sqlite"));
    let cast = make_accounts(&database).await;
    let state = binhe_server::open_state(&database, Mode::Center)
        .await
        .unwrap();
    let (desk, view) = (state.desk(), state.view());
    for year in [ReferenceYear::binhe_2020(), ReferenceYear::binhe_2021()] {
        let created = play(&desk, &view, &year).await.unwrap();
        assert_eq!(created, year.received);
    }
    drop(state);
    let center = Harness::center(database).await;
    let disp = Terminal::login(&center.base(), "disp").await;
    (center, disp, cast)
}

fn rate(value: &Value) -> (u64, u64) {
    (
        value["numerator"].as_u64().unwrap(),
        value["denominator"].as_u64().unwrap(),
    )
}

async fn bytes(terminal: &Terminal, path: &str) -> (StatusCode, Vec<u8>, String) {
    let response = terminal
        .client
        .get(format!("{}{path}", terminal.base))
        .bearer_auth(terminal.token.as_deref().unwrap())
        .send()
        .await
        .unwrap();
    let status = response.status();
    let kind = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, response.bytes().await.unwrap().to_vec(), kind)
}

fn cell(sheet: &calamine::Range<Data>, row: u32, column: u32) -> Data {
    sheet
        .get_value((row, column))
        .cloned()
        .unwrap_or(Data::Empty)
}

fn row_of(sheet: &calamine::Range<Data>, label: &str) -> u32 {
    (0..sheet.height() as u32)
        .find(|&r| cell(sheet, r, 0) == Data::String(label.to_owned()))
        .unwrap_or_else(|| panic!("no row {label}"))
}

#[tokio::test]
async fn the_seed_2021_figures_come_out_of_the_reference_year() {
    let dir = tempfile::tempdir().unwrap();
    let (_center, disp, _) = reference_street(&dir).await;

    // The report, as the seed wrote its results.
    let report = disp
        .json(&format!("/api/kpi/report?month=2021-11&{AS_OF}"))
        .await;
    let summary = report["summary_zh"].as_str().unwrap();
    assert!(
        summary.starts_with(
            "2021年1—11月共受理诉求2214件，月均202件，响应率、解决率、满意率分别为99.7%、99%、99.2%，\
             万人诉求量40件/万人，同比月均受理量下降18%"
        ),
        "{summary}"
    );
    assert!(
        summary.ends_with("通过“下交”办理18件，解决16件，解决率88.9%。"),
        "{summary}"
    );
    let year = &report["year_to_date"];
    assert_eq!(year["received"], 2214);
    assert_eq!(rate(&year["response"]), (2207, 2214));
    assert_eq!(rate(&year["resolution"]), (2192, 2214));
    assert_eq!(rate(&year["satisfaction"]), (2196, 2214));
    assert_eq!(rate(&year["delegated_resolution"]), (16, 18));
    assert_eq!(report["last_year_to_date"]["received"], 2700);
    assert_eq!(report["ranking"].as_array().unwrap().len(), 15);
    assert_eq!(report["title"], "滨河街道2021年11月接诉即办工作月报");

    // The same report as a workbook.
    let (status, xlsx, kind) = bytes(
        &disp,
        &format!("/api/kpi/report.xlsx?month=2021-11&{AS_OF}"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(kind.contains("spreadsheetml"), "{kind}");
    let mut book = Xlsx::new(Cursor::new(xlsx)).unwrap();
    let sheet = book.worksheet_range("月报").unwrap();
    assert_eq!(
        cell(&sheet, 0, 0),
        Data::String("滨河街道2021年11月接诉即办工作月报".into())
    );
    assert_eq!(cell(&sheet, 5, 0), Data::String(summary.to_owned()));
    let received = row_of(&sheet, "受理量（件）");
    assert_eq!(cell(&sheet, received, 2), Data::Float(2214.0));
    assert_eq!(cell(&sheet, received, 3), Data::Float(2700.0));
    let response = row_of(&sheet, "响应率");
    assert_eq!(cell(&sheet, response, 4), Data::String("2207/2214".into()));
    let Data::Float(value) = cell(&sheet, response, 2) else {
        panic!("response rate is a number")
    };
    assert!((value - 2207.0 / 2214.0).abs() < 1e-9);
    let delegated = row_of(&sheet, "下交件数");
    assert_eq!(cell(&sheet, delegated, 2), Data::Float(18.0));
    let Data::Float(monthly) = cell(&sheet, row_of(&sheet, "月均受理量（件）"), 2) else {
        panic!("monthly figure is a number")
    };
    assert!((monthly - 201.88).abs() < 0.01, "{monthly}");
    // Each row is explained by its own figure's definition, none by another's.
    let defined = |key: &str| {
        Data::String(
            binhe_core::kpi::definitions::definition(key)
                .unwrap()
                .definition_zh
                .to_string(),
        )
    };
    for (label, key) in [
        ("受理量（件）", "received"),
        ("满意率", "satisfaction"),
        ("基本满意（件）", "basically_satisfied"),
        ("下交件数", "delegated"),
        ("下交解决率", "delegated_resolution"),
        ("在办（件）", "open"),
    ] {
        assert_eq!(
            cell(&sheet, row_of(&sheet, label), 5),
            defined(key),
            "{label}"
        );
    }
    let explained: Vec<Data> = (8..8 + 13).map(|r| cell(&sheet, r, 5)).collect();
    for (i, definition) in explained.iter().enumerate() {
        assert_eq!(
            explained.iter().filter(|d| *d == definition).count(),
            1,
            "row {} shares its definition: {definition:?}",
            8 + i
        );
    }
    // 下交 reads like every other rate: solved / counted.
    let delegated_rate = row_of(&sheet, "下交解决率");
    assert_eq!(
        cell(&sheet, delegated_rate, 4),
        Data::String("16/18".into())
    );
    let categories = book.worksheet_range("分类").unwrap();
    let counted: f64 = (1..categories.height() as u32)
        .map(|r| match cell(&categories, r, 4) {
            Data::Float(n) => n,
            other => panic!("category count {other:?}"),
        })
        .sum();
    assert!((counted - 2214.0).abs() < 1e-9, "{counted}");
    let ranking = book.worksheet_range("考核排名").unwrap();
    assert_eq!(ranking.height(), 16, "a header and 15 communities");
    assert_eq!(cell(&ranking, 1, 0), Data::Float(1.0));

    // The dashboard of the year agrees, month by month.
    let dashboard = disp
        .json(&format!("/api/kpi/dashboard?year=2021&{AS_OF}"))
        .await;
    assert_eq!(dashboard["kpis"]["received"], 2214);
    let trend = dashboard["trend"].as_array().unwrap();
    assert_eq!(trend.len(), 12);
    let by_month: u64 = trend.iter().map(|m| m["received"].as_u64().unwrap()).sum();
    assert_eq!(by_month, 2214);
    assert_eq!(trend[11]["future"], true, "December lies after the cut-off");
    assert!(
        trend
            .iter()
            .take(10)
            .all(|m| m["received"].as_u64().unwrap() > 150)
    );
    // Two days into a month the figures are counted to date, not scaled up to a month.
    let early = disp
        .json("/api/kpi/dashboard?month=2021-11&as_of=2021-11-03")
        .await;
    let k = &early["kpis"];
    let received = k["received"].as_u64().unwrap();
    assert!(received > 0, "requests came in on 1–2 November");
    assert_eq!(k["days"].as_f64(), Some(2.0));
    assert_eq!(
        k["monthly_received"],
        Value::Null,
        "2 days are not averaged"
    );
    assert_eq!(k["per_10k_residents"], Value::Null);
    let residents = early["scope"]["residents"].as_f64().unwrap();
    let to_date = k["received_per_10k"].as_f64().unwrap();
    assert!((to_date - received as f64 * 10_000.0 / residents).abs() < 1e-9);
    let earlier = early["year_over_year"]["earlier"]["received"]
        .as_f64()
        .unwrap();
    let change = &early["year_over_year"]["monthly_received"];
    assert_eq!(change["current"].as_f64(), Some(received as f64));
    assert_eq!(change["earlier"].as_f64(), Some(earlier));
    // A week is: the per-month figure is back.
    let week = disp
        .json("/api/kpi/dashboard?month=2021-11&as_of=2021-11-08")
        .await;
    assert!(week["kpis"]["monthly_received"].as_f64().is_some());
    assert!(week["kpis"]["per_10k_residents"].as_f64().is_some());

    let definitions = dashboard["definitions"].as_array().unwrap();
    assert!(
        definitions
            .iter()
            .any(|d| d["key"] == "response" && d["label_zh"] == "响应率")
    );

    // Each number opens into as many tickets.
    for (metric, expected) in [
        ("not_responded", 7),
        ("unsolved", 22),
        ("unsatisfied", 18),
        ("delegated", 18),
        ("delegated_unsolved", 2),
        ("received", 2214),
    ] {
        let drill = disp
            .json(&format!(
                "/api/kpi/tickets?year=2021&{AS_OF}&metric={metric}&limit=1000"
            ))
            .await;
        assert_eq!(drill["total"], expected, "{metric}");
        assert_eq!(
            drill["tickets"].as_array().unwrap().len() as u64,
            expected.min(1000),
            "{metric}"
        );
    }
    let top = &dashboard["kpis"]["categories"][0];
    let category = top["category"].as_str().unwrap();
    let drill = disp
        .json(&format!(
            "/api/kpi/tickets?year=2021&{AS_OF}&metric=category&category={category}"
        ))
        .await;
    assert_eq!(drill["total"], top["share"]["numerator"]);
    assert!(
        drill["tickets"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["category"]["code"] == category || t["category"] == category),
        "{}",
        drill["tickets"][0]["category"]
    );

    // The heat map holds every ticket once, the ranking every community.
    let heat = disp.json(&format!("/api/kpi/heat?year=2021&{AS_OF}")).await;
    let cells = heat["cells"].as_array().unwrap();
    let total: u64 = cells.iter().map(|c| c["received"].as_u64().unwrap()).sum();
    assert_eq!((total, heat["total"].as_u64().unwrap()), (2214, 2214));
    assert!(
        cells.len() > 200,
        "tickets fall in most micro-grids: {}",
        cells.len()
    );
    let ranked = disp
        .json(&format!(
            "/api/kpi/assessment?year=2021&{AS_OF}&weights=0,0,100"
        ))
        .await;
    let rows = ranked["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 15);
    let received: u64 = rows.iter().map(|r| r["received"].as_u64().unwrap()).sum();
    assert_eq!(received, 2214);
    let scores: Vec<f64> = rows.iter().map(|r| r["score"].as_f64().unwrap()).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    // With all weight on satisfaction the score is the satisfaction rate.
    let first = &rows[0];
    let (n, d) = rate(&first["satisfaction"]);
    assert!(
        (first["score"].as_f64().unwrap() - (n as f64 / d as f64 * 10_000.0).round() / 100.0).abs()
            < 1e-9
    );
}

#[tokio::test]
async fn kpi_questions_are_scoped_and_bad_ones_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let database = Database::Sqlite(dir.path().join("kpi.sqlite"));
    let cast = make_accounts(&database).await;
    let center = Harness::center(database).await;
    let disp = Terminal::login(&center.base(), "disp").await;
    let cmdr = Terminal::login(&center.base(), "cmdr").await;

    // An empty month shows dashes, not zeros or NaN.
    let empty = disp.json("/api/kpi/dashboard?month=2024-02").await;
    assert_eq!(empty["kpis"]["received"], 0);
    assert_eq!(empty["kpis"]["response"]["value"], Value::Null);
    assert_eq!(empty["scope"]["kind"], "street");
    assert!(empty["scope"]["residents"].as_u64().unwrap() > 40_000);
    assert_eq!(
        empty["year_over_year"]["monthly_received"]["relative"],
        Value::Null
    );

    // A commander reads their own community, whatever they ask.
    let own = cmdr.json("/api/kpi/dashboard").await;
    assert_eq!(own["scope"]["kind"], "community");
    assert_eq!(own["scope"]["code"], cast.community.as_str());
    let (status, refused) = cmdr
        .get(&format!("/api/kpi/heat?community={}", cast.other_community))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(refused["error"]["code"], "OUT_OF_SCOPE");
    let ranking = cmdr.json("/api/kpi/assessment?kind=micro").await;
    let prefix = &cast.community[..12];
    assert!(
        ranking["rows"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["subject"].as_str().unwrap().starts_with(prefix))
    );

    for (query, code) in [
        ("/api/kpi/dashboard?month=2021-13", "INVALID_MONTH"),
        ("/api/kpi/dashboard?month=November", "INVALID_PERIOD"),
        (
            "/api/kpi/dashboard?month=2021-11&year=2021",
            "INVALID_PERIOD",
        ),
        ("/api/kpi/dashboard?from=2021-03-01", "INVALID_PERIOD"),
        (
            "/api/kpi/dashboard?from=2021-03-01&to=2021-02-01",
            "INVALID_RANGE",
        ),
        (
            "/api/kpi/dashboard?from=2010-01-01&to=2021-02-01",
            "RANGE_TOO_LONG",
        ),
        ("/api/kpi/dashboard?year=2099", "FUTURE_PERIOD"),
        ("/api/kpi/dashboard?year=1999", "INVALID_YEAR"),
        ("/api/kpi/dashboard?as_of=2099-01-01", "INVALID_AS_OF"),
        (
            "/api/kpi/dashboard?month=2021-11&as_of=2021-10-01",
            "FUTURE_PERIOD",
        ),
        ("/api/kpi/assessment?weights=50,50,50", "WEIGHTS_NOT_100"),
        ("/api/kpi/assessment?weights=-10,60,50", "INVALID_WEIGHT"),
        ("/api/kpi/assessment?weights=thirty", "INVALID_WEIGHTS"),
        ("/api/kpi/assessment?kind=street", "BAD_REQUEST"),
        ("/api/kpi/tickets?metric=speed", "INVALID_METRIC"),
        ("/api/kpi/tickets?metric=category", "CATEGORY_REQUIRED"),
        ("/api/kpi/tickets", "INVALID_METRIC"),
        ("/api/kpi/tickets?metric=received&limit=-1", "BAD_REQUEST"),
        ("/api/kpi/report?year=2021", "INVALID_PERIOD"),
    ] {
        let (status, answer) = disp.get(query).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {answer}");
        assert_eq!(answer["error"]["code"], code, "{query}: {answer}");
        let message = answer["error"]["message_zh"].as_str().unwrap();
        assert!(
            !message.is_empty() && !message.is_ascii(),
            "{query}: {message}"
        );
    }
    let (status, answer) = disp
        .get("/api/kpi/dashboard?community=110117999999000")
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{answer}");
    assert_eq!(answer["error"]["code"], "GRID_NOT_FOUND");
    let (status, answer) = disp
        .get("/api/kpi/tickets?metric=received&worker=NOBODY")
        .await;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("WORKER_NOT_FOUND"))
    );
}
