//! "Zip bombs": an upload of a few hundred KB that inflates to hundreds of MB. A 12345 workbook
//! whose shared strings are one 400 MB run of a character, and a survey zip with a shapefile
//! part as large, are refused by what they inflate to (naming the entry) and nothing is stored.
//! The bombs are made here: one compressed 1 MiB block, repeated.

mod common;

use common::Harness;
use flate2::{Compress, Compression, Crc, FlushCompress};
use reqwest::StatusCode;
use serde_json::{Value, json};

const MIB: usize = 1024 * 1024;

/// Raw deflate of `data` ending on a byte boundary with the compressor reset (a full flush),
/// so that such pieces can follow one another; `last` ends the stream.
fn deflate_piece(data: &[u8], last: bool) -> Vec<u8> {
    let mut compress = Compress::new(Compression::best(), false);
    let mut out = Vec::with_capacity(data.len() + 1024);
    let flush = if last {
        FlushCompress::Finish
    } else {
        FlushCompress::Full
    };
    let status = compress.compress_vec(data, &mut out, flush).unwrap();
    assert_eq!(usize::try_from(compress.total_in()).unwrap(), data.len());
    if last {
        assert_eq!(status, flate2::Status::StreamEnd);
    }
    out
}

/// One zip entry: its name, the deflated bytes (or stored when `method` is 0), size and CRC.
struct ZipEntry {
    name: String,
    method: u16,
    data: Vec<u8>,
    size: u32,
    crc: u32,
}

impl ZipEntry {
    fn stored(name: &str, text: &str) -> Self {
        let mut crc = Crc::new();
        crc.update(text.as_bytes());
        Self {
            name: name.to_owned(),
            method: 0,
            data: text.as_bytes().to_vec(),
            size: u32::try_from(text.len()).unwrap(),
            crc: crc.sum(),
        }
    }

    /// `head`, then `block` `repeat` times, then `tail`: deflated once per part, the block's
    /// deflated bytes repeated.
    fn bomb(name: &str, head: &str, block: &[u8], repeat: usize, tail: &str) -> Self {
        let packed_block = deflate_piece(block, false);
        let mut block_crc = Crc::new();
        block_crc.update(block);
        let mut crc = Crc::new();
        crc.update(head.as_bytes());
        let mut data = deflate_piece(head.as_bytes(), false);
        for _ in 0..repeat {
            data.extend_from_slice(&packed_block);
            crc.combine(&block_crc);
        }
        let mut tail_crc = Crc::new();
        tail_crc.update(tail.as_bytes());
        crc.combine(&tail_crc);
        data.extend_from_slice(&deflate_piece(tail.as_bytes(), true));
        Self {
            name: name.to_owned(),
            method: 8,
            data,
            size: u32::try_from(head.len() + repeat * block.len() + tail.len()).unwrap(),
            crc: crc.sum(),
        }
    }
}

/// A zip archive of the entries, written by hand (local headers, central directory, end).
fn zip(entries: &[ZipEntry]) -> Vec<u8> {
    fn u16le(out: &mut Vec<u8>, v: u16) {
        out.extend_from_slice(&v.to_le_bytes());
    }
    fn u32le(out: &mut Vec<u8>, v: u32) {
        out.extend_from_slice(&v.to_le_bytes());
    }
    let mut out = Vec::new();
    let mut central = Vec::new();
    for entry in entries {
        let offset = u32::try_from(out.len()).unwrap();
        let name = entry.name.as_bytes();
        let packed = u32::try_from(entry.data.len()).unwrap();
        let name_len = u16::try_from(name.len()).unwrap();
        // Local file header.
        u32le(&mut out, 0x0403_4b50);
        for v in [20, 0x0800, entry.method, 0, 0x21] {
            u16le(&mut out, v); // version, flags (UTF-8 names), method, time, date
        }
        for v in [entry.crc, packed, entry.size] {
            u32le(&mut out, v);
        }
        u16le(&mut out, name_len);
        u16le(&mut out, 0);
        out.extend_from_slice(name);
        out.extend_from_slice(&entry.data);
        // Its central directory record.
        u32le(&mut central, 0x0201_4b50);
        for v in [20, 20, 0x0800, entry.method, 0, 0x21] {
            u16le(&mut central, v);
        }
        for v in [entry.crc, packed, entry.size] {
            u32le(&mut central, v);
        }
        for v in [name_len, 0, 0, 0, 0] {
            u16le(&mut central, v);
        }
        u32le(&mut central, 0);
        u32le(&mut central, offset);
        central.extend_from_slice(name);
    }
    let start = u32::try_from(out.len()).unwrap();
    let count = u16::try_from(entries.len()).unwrap();
    let central_len = u32::try_from(central.len()).unwrap();
    out.extend_from_slice(&central);
    u32le(&mut out, 0x0605_4b50);
    for v in [0, 0, count, count] {
        u16le(&mut out, v);
    }
    u32le(&mut out, central_len);
    u32le(&mut out, start);
    u16le(&mut out, 0);
    out
}

/// A workbook of one sheet whose header row names the 12345 columns and whose one order's
/// description is shared string 0: `shared` is that shared-strings entry.
fn workbook(shared: ZipEntry) -> Vec<u8> {
    let cell =
        |r: &str, text: &str| format!(r#"<c r="{r}" t="inlineStr"><is><t>{text}</t></is></c>"#);
    let sheet = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">{}{}{}{}</row><row r="2">{}{}<c r="C2" t="s"><v>0</v></c>{}</row></sheetData></worksheet>"#,
        cell("A1", "工单编号"),
        cell("B1", "问题类别"),
        cell("C1", "问题描述"),
        cell("D1", "受理时间"),
        cell("A2", "BOMB-1"),
        cell("B2", "环境卫生"),
        cell("D2", "2026-11-20 09:00:00"),
    );
    zip(&[
        ZipEntry::stored(
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>"#,
        ),
        ZipEntry::stored(
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
        ),
        ZipEntry::stored(
            "xl/workbook.xml",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="工单" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
        ),
        ZipEntry::stored(
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#,
        ),
        ZipEntry::stored("xl/worksheets/sheet1.xml", &sheet),
        shared,
    ])
}

const SST_HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#;

/// The shared-strings entry: one string of `mib` MiB of 'a'.
fn one_long_string(mib: usize) -> ZipEntry {
    let head = format!("{SST_HEAD}<si><t>");
    ZipEntry::bomb(
        "xl/sharedStrings.xml",
        &head,
        &vec![b'a'; MIB],
        mib,
        "</t></si></sst>",
    )
}

/// The shared-strings entry: `mib` MiB of strings of 16 Ki 'a' each, no longer than a cell.
fn many_strings(mib: usize) -> ZipEntry {
    let one = format!("<si><t>{}</t></si>", "a".repeat(16 * 1024));
    let block = one.repeat(MIB / one.len());
    ZipEntry::bomb(
        "xl/sharedStrings.xml",
        SST_HEAD,
        block.as_bytes(),
        mib * MIB / block.len(),
        "</sst>",
    )
}

/// Previews a workbook that must be refused as too large unpacked; its Chinese message.
async fn refused(h: &Harness, workbook: Vec<u8>) -> String {
    let response = h
        .upload("/api/tickets/import/preview", workbook, "12345工单.xlsx")
        .await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let answer: Value = response.json().await.unwrap();
    let error = &answer["error"];
    assert_eq!(error["code"], "FILE_TOO_LARGE_UNPACKED", "{answer}");
    let en = error["message_en"].as_str().unwrap();
    assert!(en.contains("xl/sharedStrings.xml"), "{en}");
    let zh = error["message_zh"].as_str().unwrap();
    assert!(
        zh.contains("xl/sharedStrings.xml") && zh.contains("12345工单.xlsx"),
        "{zh}"
    );
    zh.to_owned()
}

#[test]
fn the_bomb_is_a_valid_workbook_that_declares_its_true_size() {
    // A small one through a real zip reader: the archive and the stream are well formed.
    let bytes = workbook(one_long_string(2));
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut shared = archive.by_name("xl/sharedStrings.xml").unwrap();
    let mut text = String::new();
    std::io::Read::read_to_string(&mut shared, &mut text).unwrap();
    let run = text
        .split("<t>")
        .nth(1)
        .unwrap()
        .split("</t>")
        .next()
        .unwrap();
    assert!(run.len() == 2 * MIB && run.bytes().all(|b| b == b'a'));
    assert!(text.ends_with("</t></si></sst>"));
}

#[tokio::test]
async fn a_workbook_that_inflates_to_400_mb_is_refused_naming_the_entry_and_nothing_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let h = Harness::start(&dir.path().join("db.sqlite")).await;
    let bomb = workbook(many_strings(400));
    assert!(bomb.len() < 1024 * 1024, "the bomb is {} bytes", bomb.len());
    let zh = refused(&h, bomb.clone()).await;
    assert!(zh.contains("128 MiB"), "{zh}");

    let progress = h
        .import_orders("/api/tickets/import", bomb, "12345工单.xlsx")
        .await;
    assert_eq!(
        progress["failed"]["code"], "FILE_TOO_LARGE_UNPACKED",
        "{progress}"
    );
    assert_eq!(progress["created"], 0, "{progress}");
    assert_eq!(h.json("/api/tickets?scope=all").await["total"], 0);

    // The same workbook with a description of a sensible size is read.
    let fine = workbook(ZipEntry::stored(
        "xl/sharedStrings.xml",
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>路灯不亮</t></si></sst>"#,
    ));
    let response = h
        .upload("/api/tickets/import/preview", fine, "12345工单.xlsx")
        .await;
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["headers"][2], "问题描述", "{answer}");
    assert_eq!(answer["rows"][0][2], "路灯不亮", "{answer}");
}

#[tokio::test]
async fn a_workbook_under_the_size_limits_with_one_string_longer_than_a_cell_may_be_is_refused() {
    // 100 MiB in one shared string: within the size limits, but no cell holds more than
    // 32 767 characters, and reading it would hold it whole several times over.
    let dir = tempfile::tempdir().unwrap();
    let h = Harness::start(&dir.path().join("db.sqlite")).await;
    let zh = refused(&h, workbook(one_long_string(100))).await;
    assert!(zh.contains("32767"), "{zh}");
}

#[tokio::test]
async fn a_survey_zip_with_an_entry_past_the_limit_is_refused_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let h = Harness::start(&dir.path().join("db.sqlite")).await;
    let before = h.json("/api/grids/tree").await;
    let bomb = zip(&[ZipEntry::bomb(
        "测绘/网格.dbf",
        "",
        &vec![b' '; MIB],
        200,
        "",
    )]);
    let upload = json!({ "files": [{
        "name": "测绘成果.zip",
        "base64": base64_of(&bomb),
    }]});
    // The preview lists the problem (and offers no import); the import refuses.
    let (status, preview) = h.post("/api/grids/import/preview", &upload).await;
    assert_eq!(status, StatusCode::OK, "{preview}");
    assert_eq!(preview["importable"], false, "{preview}");
    let (status, refused) = h.post("/api/grids/import", &upload).await;
    assert!(status.is_client_error(), "{status} {refused}");
    for (route, answer) in [("preview", preview), ("import", refused)] {
        let text = answer.to_string();
        assert!(
            text.contains("FILE_TOO_LARGE_UNPACKED") && text.contains("测绘/网格.dbf"),
            "{route}: {text}"
        );
    }
    assert_eq!(h.json("/api/grids/tree").await, before, "the grids stay");
}

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
