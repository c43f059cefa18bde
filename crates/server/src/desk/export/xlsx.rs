//! An XLSX workbook of one sheet written as it is sent: the zip is written forward only (sizes
//! in data descriptors), the cells are inline strings (no shared-string table to hold), so the
//! memory it needs is the compressor's and one page of rows, however long the sheet.
//! Times are real date cells (Beijing wall-clock, `yyyy-mm-dd hh:mm:ss`), so that the district's
//! staff can sort and filter them in Excel and still read the same text the CSV shows.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::{self, Write};
use std::sync::{Arc, Mutex};

use binhe_core::ticket::intake::beijing;
use chrono::{DateTime, NaiveDate, Utc};
use zip::ZipWriter;
use zip::write::{SimpleFileOptions, StreamWriter};

pub const CONTENT_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Style indexes of `styles.xml`.
const STYLE_TIME: u8 = 1;
const STYLE_HEADER: u8 = 2;

/// One cell of a row.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell<'a> {
    Empty,
    Text(Cow<'a, str>),
    Number(f64),
    /// Shown as Beijing wall-clock time.
    Time(DateTime<Utc>),
}

/// Where the zip's bytes gather until they are sent.
#[derive(Clone, Default)]
struct Out(Arc<Mutex<Vec<u8>>>);

impl Out {
    fn take(&self) -> Vec<u8> {
        std::mem::take(&mut *self.0.lock().expect("the buffer's lock is never poisoned"))
    }
}

impl Write for Out {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0
            .lock()
            .expect("the buffer's lock is never poisoned")
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A one-sheet workbook being written.
pub struct XlsxStream {
    zip: ZipWriter<StreamWriter<Out>>,
    out: Out,
    /// Rows written, the header's included.
    rows: u32,
    xml: String,
}

impl XlsxStream {
    /// Starts the workbook: its fixed parts, then the sheet `name` with its header row (bold,
    /// frozen) and column `widths` (characters).
    pub fn start(name: &str, headers: &[&str], widths: &[f64]) -> io::Result<Self> {
        let out = Out::default();
        let mut zip = ZipWriter::new_stream(out.clone());
        let options = options();
        let parts = [
            ("[Content_Types].xml", CONTENT_TYPES.to_owned()),
            ("_rels/.rels", ROOT_RELS.to_owned()),
            ("xl/workbook.xml", workbook(name)),
            ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS.to_owned()),
            ("xl/styles.xml", STYLES.to_owned()),
        ];
        for (path, text) in parts {
            zip.start_file(path, options).map_err(io::Error::other)?;
            zip.write_all(text.as_bytes())?;
        }
        zip.start_file("xl/worksheets/sheet1.xml", options)
            .map_err(io::Error::other)?;
        let mut xml = String::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
             <worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">\
             <sheetViews><sheetView workbookViewId=\"0\"><pane ySplit=\"1\" topLeftCell=\"A2\" \
             activePane=\"bottomLeft\" state=\"frozen\"/></sheetView></sheetViews>\
             <sheetFormatPr defaultRowHeight=\"15\"/>",
        );
        if !widths.is_empty() {
            xml.push_str("<cols>");
            for (i, width) in widths.iter().enumerate() {
                let _ = write!(
                    xml,
                    "<col min=\"{n}\" max=\"{n}\" width=\"{width}\" customWidth=\"1\"/>",
                    n = i + 1
                );
            }
            xml.push_str("</cols>");
        }
        xml.push_str("<sheetData>");
        let mut sheet = Self {
            zip,
            out,
            rows: 0,
            xml,
        };
        let header: Vec<Cell> = headers.iter().map(|h| Cell::Text((*h).into())).collect();
        sheet.write_row(&header, Some(STYLE_HEADER))?;
        Ok(sheet)
    }

    /// Appends a row.
    pub fn row(&mut self, cells: &[Cell]) -> io::Result<()> {
        self.write_row(cells, None)
    }

    fn write_row(&mut self, cells: &[Cell], style: Option<u8>) -> io::Result<()> {
        self.rows += 1;
        let r = self.rows;
        let xml = &mut self.xml;
        let _ = write!(xml, "<row r=\"{r}\">");
        for (i, cell) in cells.iter().enumerate() {
            let at = format!("{}{r}", column(i));
            let s = style.map(|s| format!(" s=\"{s}\"")).unwrap_or_default();
            match cell {
                Cell::Text(text) => {
                    let _ = write!(
                        xml,
                        "<c r=\"{at}\"{s} t=\"inlineStr\"><is><t xml:space=\"preserve\">"
                    );
                    escape_into(xml, text);
                    xml.push_str("</t></is></c>");
                }
                Cell::Number(n) if n.is_finite() => {
                    let _ = write!(xml, "<c r=\"{at}\"{s}><v>{n}</v></c>");
                }
                Cell::Empty | Cell::Number(_) => {}
                Cell::Time(at_time) => {
                    let _ = write!(
                        xml,
                        "<c r=\"{at}\" s=\"{STYLE_TIME}\"><v>{}</v></c>",
                        serial(*at_time)
                    );
                }
            }
        }
        xml.push_str("</row>");
        if self.xml.len() >= 64 * 1024 {
            self.flush_xml()?;
        }
        Ok(())
    }

    fn flush_xml(&mut self) -> io::Result<()> {
        self.zip.write_all(self.xml.as_bytes())?;
        self.xml.clear();
        Ok(())
    }

    /// The bytes written so far, to send.
    pub fn take(&mut self) -> Vec<u8> {
        self.out.take()
    }

    /// Rows written, the header's included.
    pub fn rows(&self) -> u32 {
        self.rows
    }

    /// Ends the sheet and the workbook: the last bytes to send.
    pub fn finish(mut self) -> io::Result<Vec<u8>> {
        self.xml.push_str("</sheetData></worksheet>");
        self.flush_xml()?;
        self.zip.finish().map_err(io::Error::other)?;
        Ok(self.out.take())
    }
}

/// A whole one-sheet workbook in memory (small files: a ticket's timeline).
pub fn workbook_bytes(
    name: &str,
    headers: &[&str],
    widths: &[f64],
    rows: &[Vec<Cell>],
) -> io::Result<Vec<u8>> {
    let mut sheet = XlsxStream::start(name, headers, widths)?;
    let mut bytes = Vec::new();
    for row in rows {
        sheet.row(row)?;
        bytes.extend(sheet.take());
    }
    bytes.extend(sheet.finish()?);
    Ok(bytes)
}

/// Deflate at level 1: a sheet's XML shrinks about sevenfold at a fraction of the default's
/// time. Parts are dated now, on the Beijing clock (zip times have no zone).
pub fn options() -> SimpleFileOptions {
    use chrono::{Datelike, Timelike};
    let now = Utc::now().with_timezone(&beijing());
    let stamp = zip::DateTime::from_date_and_time(
        u16::try_from(now.year()).unwrap_or(1980),
        u8::try_from(now.month()).unwrap_or(1),
        u8::try_from(now.day()).unwrap_or(1),
        u8::try_from(now.hour()).unwrap_or(0),
        u8::try_from(now.minute()).unwrap_or(0),
        u8::try_from(now.second()).unwrap_or(0),
    )
    .unwrap_or_default();
    SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(1))
        .last_modified_time(stamp)
}

/// `0` → `A`, `25` → `Z`, `26` → `AA`.
fn column(mut i: usize) -> String {
    let mut name = Vec::new();
    loop {
        name.push(b'A' + u8::try_from(i % 26).expect("below 26"));
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    name.reverse();
    String::from_utf8(name).expect("ASCII")
}

/// Excel's serial day number of `at` on the Beijing wall clock (1900 date system).
#[allow(clippy::cast_precision_loss)] // milliseconds since 1899 stay far below 2^53
fn serial(at: DateTime<Utc>) -> f64 {
    let epoch = NaiveDate::from_ymd_opt(1899, 12, 30)
        .expect("a date")
        .and_hms_opt(0, 0, 0)
        .expect("a time");
    let wall = at.with_timezone(&beijing()).naive_local();
    (wall - epoch).num_milliseconds() as f64 / 86_400_000.0
}

/// `text` escaped for XML, without the characters XML 1.0 cannot hold.
fn escape_into(xml: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => xml.push_str("&amp;"),
            '<' => xml.push_str("&lt;"),
            '>' => xml.push_str("&gt;"),
            '"' => xml.push_str("&quot;"),
            '\t' | '\n' | '\r' => xml.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => xml.push(c),
        }
    }
}

fn workbook(sheet: &str) -> String {
    let mut name = String::new();
    escape_into(&mut name, sheet);
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
         <workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" \
         xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">\
         <sheets><sheet name=\"{name}\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>"
    )
}

const CONTENT_TYPES: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>\
<Default Extension=\"xml\" ContentType=\"application/xml\"/>\
<Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>\
<Override PartName=\"/xl/worksheets/sheet1.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>\
<Override PartName=\"/xl/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml\"/>\
</Types>";

const ROOT_RELS: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"xl/workbook.xml\"/>\
</Relationships>";

const WORKBOOK_RELS: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet1.xml\"/>\
<Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles\" Target=\"styles.xml\"/>\
</Relationships>";

const STYLES: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
<styleSheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">\
<numFmts count=\"1\"><numFmt numFmtId=\"164\" formatCode=\"yyyy-mm-dd hh:mm:ss\"/></numFmts>\
<fonts count=\"2\"><font><sz val=\"11\"/><name val=\"等线\"/></font>\
<font><b/><sz val=\"11\"/><name val=\"等线\"/></font></fonts>\
<fills count=\"2\"><fill><patternFill patternType=\"none\"/></fill>\
<fill><patternFill patternType=\"gray125\"/></fill></fills>\
<borders count=\"1\"><border><left/><right/><top/><bottom/><diagonal/></border></borders>\
<cellStyleXfs count=\"1\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\"/></cellStyleXfs>\
<cellXfs count=\"3\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\"/>\
<xf numFmtId=\"164\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyNumberFormat=\"1\"/>\
<xf numFmtId=\"0\" fontId=\"1\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyFont=\"1\"/></cellXfs>\
<cellStyles count=\"1\"><cellStyle name=\"Normal\" xfId=\"0\" builtinId=\"0\"/></cellStyles>\
</styleSheet>";

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{Data, Reader, Xlsx};

    #[test]
    fn columns_are_named_as_excel_names_them() {
        assert_eq!(column(0), "A");
        assert_eq!(column(17), "R");
        assert_eq!(column(26), "AA");
        assert_eq!(column(27 * 26), "AAA");
    }

    #[test]
    fn a_streamed_sheet_reads_back_with_its_texts_numbers_and_times() {
        let at = DateTime::parse_from_rfc3339("2021-11-01T00:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let rows = vec![
            vec![
                Cell::Text("楼道 <堆物> & \"x\"\u{1}".into()),
                Cell::Number(117.105),
                Cell::Time(at),
            ],
            vec![Cell::Empty, Cell::Number(-1.5), Cell::Text("=1+1".into())],
        ];
        let bytes = workbook_bytes("工单", &["说明", "经度", "时间"], &[], &rows).unwrap();
        let mut book = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(book.sheet_names(), vec!["工单".to_owned()]);
        let range = book.worksheet_range("工单").unwrap();
        assert_eq!(range.get_size(), (3, 3));
        assert_eq!(range.get((0, 0)), Some(&Data::String("说明".into())));
        assert_eq!(
            range.get((1, 0)),
            Some(&Data::String("楼道 <堆物> & \"x\"".into()))
        );
        assert_eq!(range.get((1, 1)), Some(&Data::Float(117.105)));
        let Some(Data::DateTime(time)) = range.get((1, 2)) else {
            panic!("a date cell: {:?}", range.get((1, 2)));
        };
        assert!(time.is_datetime());
        // 2021-11-01 is day 44501 of Excel's calendar; 00:30 UTC is 08:30 in Beijing.
        assert!(
            (time.as_f64() - (44_501.0 + 8.5 / 24.0)).abs() < 1e-9,
            "{time:?}"
        );
        assert_eq!(range.get((2, 0)), Some(&Data::Empty));
        assert_eq!(range.get((2, 2)), Some(&Data::String("=1+1".into())));
    }
}
