//! Reading 12345 work-order exports: the CSV and XLSX shapes that reach the import, and the
//! ways a file or a row can be wrong.

use std::fmt::Write as _;
use std::time::Instant;

use binhe_core::demo;
use binhe_core::ticket::intake::{parse_time, validate};
use binhe_core::ticket::{Catalogue, IntakeRequest};
use binhe_server::desk::work_orders::{
    FileFormat, MAX_ROWS, WorkOrderFileError, WorkOrderRow, detect_format, read_work_orders,
};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, Worksheet, XlsxError};

const SAMPLE: &[u8] = include_bytes!("../fixtures/12345_sample.csv");
const BROKEN: &[u8] = include_bytes!("../fixtures/12345_broken.csv");

fn read(bytes: &[u8], file_name: &str) -> Vec<WorkOrderRow> {
    read_work_orders(bytes, file_name).expect("the file is readable")
}

fn refusal(bytes: &[u8], file_name: &str) -> WorkOrderFileError {
    read_work_orders(bytes, file_name).expect_err("the file is refused")
}

fn request(row: &WorkOrderRow) -> &IntakeRequest {
    row.request
        .as_ref()
        .unwrap_or_else(|problems| panic!("row {} has problems: {problems:?}", row.row))
}

/// `(field, code)` of each problem of a row that has some.
fn problems(row: &WorkOrderRow) -> Vec<(&str, &str)> {
    row.request
        .as_ref()
        .expect_err("the row has problems")
        .iter()
        .map(|p| (p.field.as_str(), p.code.as_str()))
        .collect()
}

fn row_numbers(rows: &[WorkOrderRow]) -> Vec<usize> {
    rows.iter().map(|r| r.row).collect()
}

fn xlsx(fill: impl FnOnce(&mut Worksheet) -> Result<(), XlsxError>) -> Vec<u8> {
    let mut workbook = Workbook::new();
    fill(workbook.add_worksheet()).expect("cells are written");
    workbook.save_to_buffer().expect("the workbook is saved")
}

const HEADER: [&str; 9] = [
    "工单编号",
    "受理时间",
    "问题类别",
    "问题描述",
    "事发地址",
    "经度",
    "纬度",
    "联系电话",
    "紧急程度",
];

fn write_header(sheet: &mut Worksheet, row: u32) -> Result<(), XlsxError> {
    for (column, title) in HEADER.iter().enumerate() {
        sheet.write_string(row, column as u16, *title)?;
    }
    Ok(())
}

#[test]
fn sample_csv_with_bom_and_chinese_headers_reads_every_row() {
    let rows = read(SAMPLE, "12345_sample.csv");

    assert_eq!(row_numbers(&rows), (2..=21).collect::<Vec<_>>());
    let first = request(&rows[0]);
    assert_eq!(
        *first,
        IntakeRequest {
            // No 来源 column: a 12345 export is all hotline.
            channel: Some("hotline".to_owned()),
            external_id: Some("2026112700101".to_owned()),
            category: Some("违章停车".to_owned()),
            description: Some(
                "一辆贴满卡通贴纸的白色面包车连续三天停在楼门口，早上推婴儿车出不去".to_owned()
            ),
            lon: Some(117.1032),
            lat: Some(40.1421),
            address: Some("北京市平谷区滨河街道滨河小区3号楼东侧".to_owned()),
            grid_code: None,
            reporter_name: Some("张先生".to_owned()),
            reporter_phone: Some("13800000101".to_owned()),
            urgency: Some("一般".to_owned()),
            received_at: Some("2026-11-27 07:42:10".to_owned()),
            source_ref: None,
            snapshot: None,
        }
    );
    let bad_lon = rows.iter().find(|r| r.row == 15).expect("row 15");
    assert_eq!(problems(bad_lon), [("lon", "INVALID_COORDINATE")]);
    let problem = &bad_lon.request.as_ref().unwrap_err()[0];
    assert_eq!(problem.message_zh, "第 15 行“经度”列：“117.1x2”不是数字");
    assert_eq!(
        problem.message_en,
        "row 15: lon \"117.1x2\" is not a number"
    );
    assert_eq!(rows.iter().filter(|r| r.request.is_err()).count(), 1);
}

#[test]
fn sample_rows_pass_intake_validation_except_the_planted_mistakes() {
    let catalogue = Catalogue::defaults();
    let hierarchy = demo::generate(demo::DEFAULT_SEED).hierarchy;
    let now = parse_time("2026-12-01 00:00:00").expect("a time");

    let mut refused = Vec::new();
    for row in read(SAMPLE, "12345_sample.csv") {
        let outcome = row
            .request
            .and_then(|r| validate(&r, &catalogue, &hierarchy, now));
        if let Err(problems) = outcome {
            refused.extend(problems.into_iter().map(|p| (row.row, p.code)));
        }
    }

    assert_eq!(
        refused,
        [
            (15, "INVALID_COORDINATE".to_owned()),
            (17, "UNKNOWN_CATEGORY".to_owned())
        ]
    );
}

#[test]
fn gbk_csv_with_chinese_headers_reads_every_row() {
    let text = "工单编号,问题类别,问题描述,地址,紧急程度\r\n\
                2026112800301,噪音扰民,广场舞音响开到最大声,滨河街道金海小区,一般\r\n\
                2026112800302,垃圾堆放,楼道里堆着一辆旧自行车,滨河街道承平园小区,紧急\r\n";
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(text);
    assert!(!unmappable && std::str::from_utf8(&gbk).is_err());

    let rows = read(&gbk, "工单导出.csv");

    assert_eq!(rows, read(text.as_bytes(), "工单导出.csv"));
    assert_eq!(row_numbers(&rows), [2, 3]);
    let second = request(&rows[1]);
    assert_eq!(
        second.description.as_deref(),
        Some("楼道里堆着一辆旧自行车")
    );
    assert_eq!(second.urgency.as_deref(), Some("紧急"));
}

#[test]
fn utf8_bom_does_not_hide_the_first_header() {
    let rows = read(
        "\u{feff}工单编号,问题类别,问题描述\n2026112800401,路灯,路灯一闪一闪\n".as_bytes(),
        "bom.csv",
    );

    assert_eq!(
        request(&rows[0]).external_id.as_deref(),
        Some("2026112800401")
    );
}

#[test]
fn quoted_multi_line_description_keeps_row_numbering() {
    let text = "工单编号,问题类别,问题描述\n\
                A1,楼顶漏雨,\"第一行\n第二行\n第三行\"\n\
                A2,路灯,一盏灯不亮\n\
                \n\
                A3,井盖破损,\"井盖, 松动\"\n";

    for (text, break_) in [
        (text.to_owned(), "\n"),
        (text.replace('\n', "\r\n"), "\r\n"),
    ] {
        let rows = read(text.as_bytes(), "multi.csv");

        // Each record is numbered by the line it starts on; the blank line 6 is skipped.
        assert_eq!(row_numbers(&rows), [2, 5, 7], "lines broken by {break_:?}");
        assert_eq!(
            request(&rows[0]).description,
            Some(["第一行", "第二行", "第三行"].join(break_))
        );
        assert_eq!(request(&rows[2]).description.as_deref(), Some("井盖, 松动"));
    }
}

#[test]
fn extra_cells_and_bad_coordinates_are_reported_per_row_while_good_rows_come_through() {
    let rows = read(BROKEN, "12345_broken.csv");

    assert_eq!(row_numbers(&rows), [2, 3, 4, 6, 7, 9, 11]);
    let by_row = |n: usize| rows.iter().find(|r| r.row == n).expect("row present");
    assert_eq!(request(by_row(2)).lon, Some(117.1041));
    assert_eq!(problems(by_row(3)), [("row", "MALFORMED_ROW")]);
    let malformed = &by_row(3).request.as_ref().unwrap_err()[0];
    assert!(
        malformed
            .message_zh
            .starts_with("第 3 行有 7 个单元格，表头只有 6 列")
    );
    assert_eq!(problems(by_row(4)), [("lon", "INVALID_COORDINATE")]);
    assert_eq!(
        problems(by_row(6)),
        [("lon", "INVALID_COORDINATE"), ("lat", "INVALID_COORDINATE")]
    );
    let nan = &by_row(6).request.as_ref().unwrap_err()[1];
    assert_eq!(nan.message_zh, "第 6 行“纬度”列：“NaN”不是数字");
    assert!(
        request(by_row(7))
            .description
            .as_deref()
            .unwrap()
            .contains('\n')
    );
    assert_eq!(request(by_row(9)).lat, Some(40.1315));
    // A short row is read as far as it goes; the missing description is intake's to report.
    let short = request(by_row(11));
    assert_eq!(short.category.as_deref(), Some("噪音扰民"));
    assert_eq!(short.description, None);
}

#[test]
fn xlsx_keeps_numbers_dates_and_long_work_order_ids() {
    let bytes = xlsx(|sheet| {
        let datetime = Format::new().set_num_format("yyyy-mm-dd hh:mm:ss");
        write_header(sheet, 0)?;
        sheet.write_number(1, 0, 2_026_112_800_001.0)?;
        sheet.write_datetime_with_format(
            1,
            1,
            &ExcelDateTime::from_ymd(2026, 11, 28)?.and_hms(9, 30, 0)?,
            &datetime,
        )?;
        sheet.write_string(1, 2, "消防通道堵塞")?;
        sheet.write_string(1, 3, "消防通道里停着一辆三轮车")?;
        sheet.write_string(1, 4, "滨河街道建西小区")?;
        sheet.write_number(1, 5, 117.1184)?;
        sheet.write_number(1, 6, 40.1362)?;
        sheet.write_number(1, 7, 13_800_000_501.0)?;
        sheet.write_string(1, 8, "紧急")?;
        // A time column that lost its date format: the bare serial of 2026-11-28 14:05:30.
        sheet.write_string(2, 0, "BJ-2026-000502")?;
        sheet.write_number(2, 1, 46_354.587_152_777_78)?;
        sheet.write_string(2, 2, "路灯")?;
        sheet.write_string(2, 3, "路灯杆歪了")?;
        sheet.write_string(2, 5, "117.1335")?;
        sheet.write_string(2, 6, "40.1327")?;
        // Row 4 left empty: skipped.
        sheet.write_string(4, 0, "BJ-2026-000503")?;
        sheet.write_string(4, 2, "井盖破损")?;
        sheet.write_string(4, 3, "井盖缺了一角")?;
        sheet.write_string(4, 5, "东经117度")?;
        sheet.write_number(4, 6, 40.13)?;
        Ok(())
    });

    let rows = read(&bytes, "12345工单.xlsx");

    assert_eq!(row_numbers(&rows), [2, 3, 5]);
    let first = request(&rows[0]);
    assert_eq!(first.external_id.as_deref(), Some("2026112800001"));
    assert_eq!(first.received_at.as_deref(), Some("2026-11-28 09:30:00"));
    assert_eq!(
        parse_time(first.received_at.as_deref().unwrap()),
        parse_time("2026-11-28T01:30:00Z")
    );
    assert_eq!((first.lon, first.lat), (Some(117.1184), Some(40.1362)));
    assert_eq!(first.reporter_phone.as_deref(), Some("13800000501"));
    assert_eq!(first.channel.as_deref(), Some("hotline"));
    let second = request(&rows[1]);
    assert_eq!(second.received_at.as_deref(), Some("2026-11-28 14:05:30"));
    assert_eq!((second.lon, second.lat), (Some(117.1335), Some(40.1327)));
    assert_eq!(second.address, None);
    assert_eq!(problems(&rows[2]), [("lon", "INVALID_COORDINATE")]);
    assert_eq!(
        rows[2].request.as_ref().unwrap_err()[0].message_zh,
        "第 5 行“经度”列：“东经117度”不是数字"
    );
}

#[test]
fn title_rows_above_the_header_are_not_work_orders() {
    let bytes = xlsx(|sheet| {
        sheet.write_string(0, 0, "平谷区12345市民服务热线工单明细（滨河街道）")?;
        sheet.write_string(1, 0, "导出时间：2026-11-28")?;
        write_header(sheet, 3)?;
        sheet.write_string(4, 0, "2026112800601")?;
        sheet.write_string(4, 2, "群租房")?;
        sheet.write_string(4, 3, "一套房住了十几个人")?;
        // A 合计 footer in no column that is read.
        sheet.write_string(6, 10, "合计：1 条")?;
        Ok(())
    });

    let rows = read(&bytes, "明细.xlsx");

    assert_eq!(row_numbers(&rows), [5]);
    assert_eq!(request(&rows[0]).category.as_deref(), Some("群租房"));
}

#[test]
fn a_hidden_first_sheet_is_passed_over_for_the_first_visible_one() {
    let mut workbook = Workbook::new();
    workbook
        .add_worksheet()
        .set_name("说明")
        .and_then(|s| s.write_string(0, 0, "本表由系统导出"))
        .expect("cells are written")
        .set_hidden(true);
    // Excel cannot open on a hidden sheet, so the second one is the active one.
    let orders = workbook.add_worksheet().set_active(true);
    write_header(orders, 0).expect("cells are written");
    orders
        .write_string(1, 0, "2026112800701")
        .expect("cells are written");
    let bytes = workbook.save_to_buffer().expect("the workbook is saved");

    let rows = read(&bytes, "两个表.xlsx");

    assert_eq!(
        request(&rows[0]).external_id.as_deref(),
        Some("2026112800701")
    );
}

#[test]
fn xlsx_errors_name_the_sheet() {
    let bytes = xlsx(|sheet| {
        sheet.set_name("工单")?;
        sheet.write_string(0, 0, "工单编号")?;
        sheet.write_string(0, 1, "问题描述")?;
        Ok(())
    });

    let error = refusal(&bytes, "导出.xlsx");

    assert_eq!(error.code(), "MISSING_COLUMNS");
    assert!(error.message_zh().starts_with(
        "文件“导出.xlsx”的工作表“工单”第 1 行的表头缺少必需的列：问题类别（category；"
    ));
}

#[test]
fn english_headers_match_in_any_case_and_a_channel_column_is_kept() {
    let text = "External ID,CATEGORY,description,Channel,lon,LAT,Reporter-Phone,unused\n\
                P-1,garbage,bags by the gate,patrol,117.11,40.14,010-69900000,x\n\
                P-2,garbage,more bags,,,,,\n";

    let rows = read(text.as_bytes(), "api-style.csv");

    let first = request(&rows[0]);
    assert_eq!(first.external_id.as_deref(), Some("P-1"));
    assert_eq!(first.channel.as_deref(), Some("patrol"));
    assert_eq!(first.reporter_phone.as_deref(), Some("010-69900000"));
    assert_eq!((first.lon, first.lat), (Some(117.11), Some(40.14)));
    // The file has a channel column, so a blank cell stays blank for intake to report.
    assert_eq!(request(&rows[1]).channel, None);
}

#[test]
fn missing_required_columns_are_named_in_chinese_and_english() {
    let error = refusal("工单编号,地址\n1,滨河小区\n".as_bytes(), "导出.csv");

    assert_eq!(error.code(), "MISSING_COLUMNS");
    let zh = error.message_zh();
    assert!(
        zh.starts_with("文件“导出.csv”第 1 行的表头缺少必需的列"),
        "{zh}"
    );
    assert!(zh.contains("问题类别（category") && zh.contains("问题描述（description"));
    assert!(!zh.contains("工单编号（external_id"));
    assert_eq!(
        error.to_string(),
        "导出.csv: the header in row 1 lacks the columns category, description"
    );
}

#[test]
fn rows_without_any_known_header_are_refused() {
    let text = "1,2,3\n".repeat(12);

    let error = refusal(text.as_bytes(), "numbers.csv");

    assert_eq!(error.code(), "NO_HEADER");
    assert!(error.message_zh().contains("文件“numbers.csv”从第 1 行起"));
}

#[test]
fn a_file_that_is_neither_csv_nor_xlsx_is_an_unknown_format() {
    let legacy_xls = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest of an old workbook";

    for (bytes, name) in [
        (&legacy_xls[..], "工单.xls"),
        (b"%PDF-1.7", "工单.pdf"),
        (b"a,b", "no-extension"),
    ] {
        let error = refusal(bytes, name);
        assert_eq!(error.code(), "UNKNOWN_FORMAT");
        assert!(error.message_zh().contains(name));
    }
}

#[test]
fn format_is_told_by_content_before_extension() {
    let workbook = xlsx(|sheet| write_header(sheet, 0));

    assert_eq!(
        detect_format(&workbook, "renamed.csv"),
        Some(FileFormat::Xlsx)
    );
    assert_eq!(detect_format(b"a,b", "ORDERS.CSV"), Some(FileFormat::Csv));
    assert_eq!(detect_format(b"a,b", "orders.xlsx"), Some(FileFormat::Xlsx));
    assert_eq!(detect_format(b"a,b", "orders.json"), None);
    assert_eq!(refusal(b"a,b", "orders.xlsx").code(), "UNREADABLE_XLSX");
}

#[test]
fn empty_files_are_refused() {
    assert_eq!(refusal(b"", "a.csv").code(), "EMPTY_FILE");
    assert_eq!(refusal(b"", "a.bin").code(), "EMPTY_FILE");
    assert_eq!(
        refusal(b"\xEF\xBB\xBF\r\n\r\n", "a.csv").code(),
        "EMPTY_FILE"
    );
    assert_eq!(refusal(b" , ,\n,,\n", "a.csv").code(), "EMPTY_FILE");
    let error = refusal(&xlsx(|_| Ok(())), "空表.xlsx");
    assert_eq!(error.code(), "EMPTY_FILE");
    assert_eq!(
        error.message_zh(),
        "文件“空表.xlsx”的工作表“Sheet1”中没有任何内容"
    );
}

#[test]
fn a_file_with_only_a_header_has_no_work_orders() {
    assert!(read("工单编号,问题类别,问题描述\n".as_bytes(), "a.csv").is_empty());
}

#[test]
fn text_in_neither_utf8_nor_gbk_is_unreadable() {
    let error = refusal(b"a,b\n\xFF\xFF\xFF\n", "a.csv");

    assert_eq!(error.code(), "UNREADABLE_CSV");
    assert!(error.message_zh().contains("UTF-8 或 GBK"));
}

#[test]
fn more_than_max_rows_refuses_the_whole_file() {
    let file = |rows: usize| {
        let mut text = String::from("工单编号,问题类别,问题描述\n");
        text.push_str(&"1,路灯,不亮\n".repeat(rows));
        text
    };

    assert_eq!(read(file(MAX_ROWS).as_bytes(), "max.csv").len(), MAX_ROWS);
    let error = refusal(file(MAX_ROWS + 1).as_bytes(), "max.csv");
    assert_eq!(error.code(), "TOO_MANY_ROWS");
    assert!(error.message_zh().contains("100000"));
}

/// A speed figure, not a check: `cargo test --release -- --ignored --nocapture`.
#[test]
#[ignore = "a benchmark; run in release"]
fn read_speed_of_100k_rows() {
    let rows = 100_000;
    let mut csv = HEADER.join(",");
    for i in 0..rows {
        write!(
            csv,
            "\n{},2026-11-27 08:{:02}:00,垃圾堆放,\"楼下垃圾桶满了, 第{i}次\",滨河街道滨河小区{}号楼,117.1{:03},40.1{:03},138{:08},一般",
            2_026_112_700_000_u64 + i as u64,
            i % 60,
            i % 30,
            i % 1000,
            i % 1000,
            i
        )
        .expect("a String takes any text");
    }
    let workbook = xlsx(|sheet| {
        write_header(sheet, 0)?;
        let datetime = Format::new().set_num_format("yyyy-mm-dd hh:mm:ss");
        let when = ExcelDateTime::from_ymd(2026, 11, 27)?.and_hms(8, 30, 0)?;
        for i in 1..=rows as u32 {
            sheet.write_number(i, 0, 2_026_112_700_000.0 + f64::from(i))?;
            sheet.write_datetime_with_format(i, 1, &when, &datetime)?;
            sheet.write_string(i, 2, "垃圾堆放")?;
            sheet.write_string(i, 3, format!("楼下垃圾桶满了，第{i}次"))?;
            sheet.write_string(i, 4, "滨河街道滨河小区")?;
            sheet.write_number(i, 5, 117.1 + f64::from(i % 1000) / 1e5)?;
            sheet.write_number(i, 6, 40.1 + f64::from(i % 1000) / 1e5)?;
            sheet.write_string(i, 7, "13800000000")?;
            sheet.write_string(i, 8, "一般")?;
        }
        Ok(())
    });

    for (bytes, name) in [(csv.as_bytes(), "speed.csv"), (&workbook[..], "speed.xlsx")] {
        let start = Instant::now();
        let read = read(bytes, name);
        let seconds = start.elapsed().as_secs_f64();
        assert_eq!(read.len(), rows);
        assert!(read.iter().all(|r| r.request.is_ok()));
        println!(
            "{name}: {rows} rows, {:.1} MB, {seconds:.3} s, {:.0} rows/s",
            bytes.len() as f64 / 1e6,
            rows as f64 / seconds
        );
    }
}
