//! Reads a 12345 hotline work-order export — CSV (UTF-8 or GBK) or XLSX, as the hotline system
//! or Excel saves it — into one intake request per data row.
//!
//! Only the file itself is checked here: its format, header, cell shapes and coordinates. What
//! the values mean (category, channel, urgency, time) is left to
//! [`binhe_core::ticket::intake::validate`], so that a row and an API request are judged alike.

use std::borrow::Cow;
use std::io::Cursor;

use binhe_api::error::code;
use binhe_core::text::fold_width;
use binhe_core::ticket::columns::header_key;
use binhe_core::ticket::{Channel, ColumnMapping, IntakeProblem, IntakeRequest, WorkOrderField};
use calamine::{
    DataRef, ExcelDateTime, ExcelDateTimeType, Reader, SheetType, SheetVisible, Xlsx, XlsxError,
};

use super::unpack::{Budget, UnpackError, xml_text_runs};

/// More data rows than this and the whole file is refused, so one upload cannot stall intake.
pub const MAX_ROWS: usize = 100_000;
/// Exports often put a title line or two above the header; this many non-empty rows are tried.
const HEADER_SEARCH_ROWS: usize = 10;
/// Excel's last date, 9999-12-31, as a serial; larger numbers are not times.
const MAX_EXCEL_SERIAL: f64 = 2_958_466.0;
/// Serials a time column written as plain text may hold (1954–2119): a CSV saved from a sheet
/// whose time column lost its format has `44525.2673611` where a date was.
const TEXT_SERIALS: std::ops::Range<f64> = 20_000.0..80_000.0;
/// The longest text without markup a workbook part may hold: a cell holds at most 32 767
/// characters, at most 10 bytes each as XML writes them (`&#x10FFFF;`).
const MAX_XML_TEXT_RUN: usize = 32_767 * 10;
/// Data rows shown by a preview.
pub const PREVIEW_ROWS: usize = 5;
/// Words of a totals row under the orders (合计, 总计, 小计).
const TOTAL_WORDS: [&str; 3] = ["合计", "总计", "小计"];
const SECONDS_PER_DAY: f64 = 86_400.0;
/// Excel's column count (A to XFD). A cell beyond it comes from a damaged or hostile file and
/// is ignored rather than allowed to size a row buffer.
const EXCEL_COLUMNS: u32 = 16_384;

/// One data row of the file.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkOrderRow {
    /// 1-based, as the user finds it: the XLSX row number, or the CSV line the record starts on.
    pub row: usize,
    pub request: Result<IntakeRequest, Vec<IntakeProblem>>,
    /// What the row's category columns say, the most specific first (三级分类 before
    /// 一级分类); `request.category` is the first of them. The import classifies them.
    pub categories: Vec<String>,
}

/// A whole file read.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkOrders {
    pub rows: Vec<WorkOrderRow>,
    /// Rows under the header that are not orders: a totals row (合计, 总计), or one blank in
    /// every column read. (Empty lines of a CSV and empty rows of a sheet are not rows at all.)
    pub skipped: usize,
    /// Which column each field was read from, as the file heads it.
    pub columns: Vec<(WorkOrderField, String)>,
}

impl WorkOrders {
    /// The file's header of the column a field was read from.
    pub fn header_of(&self, field: &str) -> Option<&str> {
        self.columns
            .iter()
            .find(|(f, _)| f.as_str() == field)
            .map(|(_, h)| h.as_str())
    }
}

/// The first rows of a file and how its columns would be read: what an operator sees before
/// mapping columns by hand.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkOrderPreview {
    pub sheet: Option<String>,
    /// The row taken as the header (1-based), or the first non-empty row when none was found.
    pub header_row: usize,
    pub headers: Vec<String>,
    /// For each header, the field it would fill.
    pub fields: Vec<Option<WorkOrderField>>,
    pub rows: Vec<Vec<String>>,
    /// Required fields no column fills.
    pub missing: Vec<WorkOrderField>,
    /// False when no row looked like a header.
    pub header_found: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    Csv,
    Xlsx,
}

/// Why a whole file is refused. Problems of single rows are in [`WorkOrderRow::request`].
#[derive(Debug, thiserror::Error)]
pub enum WorkOrderFileError {
    #[error("{file}: not a CSV or XLSX file (save a legacy .xls as .xlsx)")]
    UnknownFormat { file: String },
    #[error("{file}: the file holds no rows")]
    EmptyFile { file: String, sheet: Option<String> },
    #[error(
        "{file}: no header row (with columns such as external_id, category, description) in the \
         first {HEADER_SEARCH_ROWS} non-empty rows, from row {first_row}"
    )]
    NoHeader {
        file: String,
        sheet: Option<String>,
        first_row: usize,
    },
    #[error("{file}: the header in row {header_row} lacks the columns {}", .missing.join(", "))]
    MissingColumns {
        file: String,
        sheet: Option<String>,
        header_row: usize,
        /// Field names of [`IntakeRequest`].
        missing: Vec<&'static str>,
    },
    #[error("{file}: cannot read the workbook: {source}")]
    UnreadableXlsx { file: String, source: XlsxError },
    #[error("{file}: cannot read the CSV: {source}")]
    UnreadableCsv { file: String, source: csv::Error },
    #[error("{file}: the text is neither UTF-8 nor GBK/GB18030")]
    CsvEncoding { file: String },
    #[error("{file}: more than {MAX_ROWS} work orders; split the file")]
    TooManyRows { file: String },
    /// The workbook inflates to more than the server reads (a "zip bomb"), or an entry of it
    /// cannot be inflated.
    #[error("{file}: {source}")]
    Unpacked { file: String, source: UnpackError },
}

impl WorkOrderFileError {
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unpacked { source, .. } if source.too_large() => code::FILE_TOO_LARGE_UNPACKED,
            Self::UnknownFormat { .. } => "UNKNOWN_FORMAT",
            Self::EmptyFile { .. } => "EMPTY_FILE",
            Self::NoHeader { .. } => "NO_HEADER",
            Self::MissingColumns { .. } => "MISSING_COLUMNS",
            Self::UnreadableXlsx { .. } | Self::Unpacked { .. } => "UNREADABLE_XLSX",
            Self::UnreadableCsv { .. } | Self::CsvEncoding { .. } => "UNREADABLE_CSV",
            Self::TooManyRows { .. } => "TOO_MANY_ROWS",
        }
    }

    #[must_use]
    pub fn message_zh(&self) -> String {
        match self {
            Self::UnknownFormat { file } => format!(
                "无法识别文件“{file}”的格式：请上传 CSV 或 Excel（.xlsx）文件，旧版 .xls 请先另存为 .xlsx"
            ),
            Self::EmptyFile { file, sheet } => {
                format!("{}中没有任何内容", place(file, sheet.as_deref()))
            }
            Self::NoHeader {
                file,
                sheet,
                first_row,
            } => format!(
                "{}从第 {first_row} 行起的前 {HEADER_SEARCH_ROWS} 个非空行中找不到表头：\
                 表头应含“工单编号”“问题类别”“问题描述”等列名",
                place(file, sheet.as_deref())
            ),
            Self::MissingColumns {
                file,
                sheet,
                header_row,
                missing,
            } => {
                let columns: Vec<String> = missing
                    .iter()
                    .filter_map(|name| WorkOrderField::from_code(name))
                    .map(|f| {
                        format!(
                            "{}（{}；列名可为 {} 等，或在导入时指定哪一列是它）",
                            f.label_zh(),
                            f.as_str(),
                            f.headers()[..f.headers().len().min(6)].join("、")
                        )
                    })
                    .collect();
                format!(
                    "{}第 {header_row} 行的表头缺少必需的列：{}",
                    place(file, sheet.as_deref()),
                    columns.join("；")
                )
            }
            Self::UnreadableXlsx {
                file,
                source: XlsxError::Password,
            } => format!("Excel 文件“{file}”设有打开密码，请取消密码后再导入"),
            Self::UnreadableXlsx { file, source } => {
                format!("无法读取 Excel 文件“{file}”：文件已损坏或不是 .xlsx 格式（{source}）")
            }
            Self::UnreadableCsv { file, source } => {
                format!("无法读取 CSV 文件“{file}”：{source}")
            }
            Self::CsvEncoding { file } => {
                format!("CSV 文件“{file}”的文字编码无法识别：请另存为 UTF-8 或 GBK 编码的 CSV")
            }
            Self::TooManyRows { file } => {
                format!("文件“{file}”的工单超过 {MAX_ROWS} 行，请拆分成多个文件分批导入")
            }
            Self::Unpacked { file, source } => source.message_zh(file),
        }
    }
}

/// "文件“x.xlsx”的工作表“Sheet1”", so messages say where to look.
fn place(file: &str, sheet: Option<&str>) -> String {
    match sheet {
        Some(sheet) => format!("文件“{file}”的工作表“{sheet}”"),
        None => format!("文件“{file}”"),
    }
}

/// Tells the format by the file's first bytes (an XLSX is a ZIP), then by its extension.
#[must_use]
pub fn detect_format(bytes: &[u8], file_name: &str) -> Option<FileFormat> {
    if bytes.starts_with(b"PK\x03\x04") {
        return Some(FileFormat::Xlsx);
    }
    let (_, extension) = file_name.rsplit_once('.')?;
    if extension.eq_ignore_ascii_case("csv") {
        Some(FileFormat::Csv)
    } else if extension.eq_ignore_ascii_case("xlsx") {
        Some(FileFormat::Xlsx)
    } else {
        None
    }
}

/// Reads every data row of a work-order file, the columns recognised from its header.
pub fn read_work_orders(
    bytes: &[u8],
    file_name: &str,
) -> Result<Vec<WorkOrderRow>, WorkOrderFileError> {
    read_work_orders_with(bytes, file_name, &ColumnMapping::new()).map(|orders| orders.rows)
}

/// Reads every data row of a work-order file. `mapping` names the header of a field where an
/// operator chose it; other fields are recognised from the header. A row's own problems (a
/// broken coordinate, a row with more cells than the header) stay with that row; only a file
/// that cannot be read as a whole is an error.
pub fn read_work_orders_with(
    bytes: &[u8],
    file_name: &str,
    mapping: &ColumnMapping,
) -> Result<WorkOrders, WorkOrderFileError> {
    let format = format_of(bytes, file_name)?;
    let mut table = Table::new(file_name, format == FileFormat::Csv, mapping);
    read_rows(bytes, file_name, format, &mut table)?;
    table.finish()
}

/// The first rows of a file and how its columns would be read with `mapping`.
pub fn preview_work_orders(
    bytes: &[u8],
    file_name: &str,
    mapping: &ColumnMapping,
) -> Result<WorkOrderPreview, WorkOrderFileError> {
    let format = format_of(bytes, file_name)?;
    let mut preview = Preview {
        mapping,
        rows: Vec::new(),
        sheet: None,
        is_1904: false,
    };
    read_rows(bytes, file_name, format, &mut preview)?;
    preview.finish(file_name)
}

fn format_of(bytes: &[u8], file_name: &str) -> Result<FileFormat, WorkOrderFileError> {
    if bytes.is_empty() {
        return Err(WorkOrderFileError::EmptyFile {
            file: file_name.to_owned(),
            sheet: None,
        });
    }
    detect_format(bytes, file_name).ok_or_else(|| WorkOrderFileError::UnknownFormat {
        file: file_name.to_owned(),
    })
}

/// Where the rows of a file go, in file order; `Stop` ends the reading early.
trait Rows {
    fn start(&mut self, sheet: Option<&str>, is_1904: bool);
    fn push(&mut self, row: usize, cells: &[Cell]) -> Result<Flow, WorkOrderFileError>;
}

#[derive(PartialEq)]
enum Flow {
    Go,
    Stop,
}

fn read_rows(
    bytes: &[u8],
    file: &str,
    format: FileFormat,
    rows: &mut impl Rows,
) -> Result<(), WorkOrderFileError> {
    match format {
        FileFormat::Csv => read_csv(bytes, file, rows),
        FileFormat::Xlsx => read_xlsx(bytes, file, rows),
    }
}

fn read_csv(bytes: &[u8], file: &str, rows: &mut impl Rows) -> Result<(), WorkOrderFileError> {
    let text = decode(bytes).ok_or_else(|| WorkOrderFileError::CsvEncoding {
        file: file.to_owned(),
    })?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        // Rows of any length are read so that a too-long one is reported on its own row.
        .flexible(true)
        .from_reader(text.as_bytes());
    rows.start(None, false);
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(source) => {
                return Err(WorkOrderFileError::UnreadableCsv {
                    file: file.to_owned(),
                    source,
                });
            }
        }
        let line = record
            .position()
            .map_or(0, |position| first_line(&text, position));
        let cells: Vec<Cell> = record
            .iter()
            .map(|c| Cell::Text(Cow::Borrowed(c)))
            .collect();
        if rows.push(line, &cells)? == Flow::Stop {
            break;
        }
    }
    Ok(())
}

/// The 1-based line a CSV record starts on, also when a quoted cell spans several lines.
/// csv's position is where the previous record stopped reading: before the line breaks (of a
/// CRLF ending, or blank lines) that it skips ahead of this record.
fn first_line(text: &str, position: &csv::Position) -> usize {
    let skipped = text.as_bytes()[position.byte() as usize..]
        .iter()
        .take_while(|&&b| b == b'\r' || b == b'\n')
        .filter(|&&b| b == b'\n')
        .count();
    position.line() as usize + skipped
}

/// UTF-8 (a BOM is dropped) or else GB18030, the superset of GBK that Chinese Excel saves.
fn decode(bytes: &[u8]) -> Option<Cow<'_, str>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Some(Cow::Borrowed(text));
    }
    let (text, had_errors) = encoding_rs::GB18030.decode_without_bom_handling(bytes);
    (!had_errors).then_some(text)
}

fn read_xlsx(bytes: &[u8], file: &str, rows: &mut impl Rows) -> Result<(), WorkOrderFileError> {
    let unreadable = |source| WorkOrderFileError::UnreadableXlsx {
        file: file.to_owned(),
        source,
    };
    // Every entry is inflated (into nothing) within the limits before the workbook is read:
    // the reader below would hold a shared-strings entry of any size in memory.
    let mut archive =
        zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| unreadable(XlsxError::Zip(e)))?;
    Budget::default()
        .check_zip(&mut archive, xml_text_runs(MAX_XML_TEXT_RUN))
        .map_err(|source| WorkOrderFileError::Unpacked {
            file: file.to_owned(),
            source,
        })?;
    drop(archive);
    let mut workbook = Xlsx::new(Cursor::new(bytes)).map_err(unreadable)?;
    let is_1904 = workbook.has_1904_epoch();
    // The first sheet the user sees: hidden ones come only when nothing else is there.
    let sheet = workbook
        .sheets_metadata()
        .iter()
        .filter(|s| s.typ == SheetType::WorkSheet)
        .min_by_key(|s| s.visible != SheetVisible::Visible)
        .map(|s| s.name.clone())
        .ok_or_else(|| WorkOrderFileError::EmptyFile {
            file: file.to_owned(),
            sheet: None,
        })?;
    // Cells are streamed rather than loaded as a range, so a sheet with a stray far-away cell
    // costs nothing and an oversized one is refused before it is all in memory.
    let mut cells = workbook
        .worksheet_cells_reader(&sheet)
        .map_err(unreadable)?;
    rows.start(Some(&sheet), is_1904);
    let mut row: Vec<DataRef> = Vec::new();
    let mut row_index = 0;
    while let Some(cell) = cells.next_cell().map_err(unreadable)? {
        let (r, c) = cell.get_position();
        if r != row_index {
            if push_xlsx(rows, row_index, &row)? == Flow::Stop {
                return Ok(());
            }
            row.clear();
            row_index = r;
        }
        if c >= EXCEL_COLUMNS {
            continue;
        }
        let c = c as usize;
        if row.len() <= c {
            row.resize(c + 1, DataRef::Empty);
        }
        row[c] = cell.get_value().clone();
    }
    push_xlsx(rows, row_index, &row)?;
    Ok(())
}

/// `row_index` is calamine's 0-based row.
fn push_xlsx(
    rows: &mut impl Rows,
    row_index: u32,
    values: &[DataRef],
) -> Result<Flow, WorkOrderFileError> {
    let cells: Vec<Cell> = values.iter().map(Cell::from_xlsx).collect();
    rows.push(row_index as usize + 1, &cells)
}

/// A cell as either file kind delivers it.
enum Cell<'a> {
    Text(Cow<'a, str>),
    Number(f64),
    /// An XLSX cell formatted as a date or time: its serial day number.
    Date(f64),
    Empty,
}

impl<'a> Cell<'a> {
    fn from_xlsx(value: &'a DataRef<'a>) -> Self {
        match value {
            DataRef::Int(i) => Self::Number(*i as f64),
            DataRef::Float(f) => Self::Number(*f),
            DataRef::DateTime(d) => Self::Date(d.as_f64()),
            DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => {
                Self::Text(Cow::Borrowed(s))
            }
            DataRef::SharedString(s) => Self::Text(Cow::Borrowed(s)),
            DataRef::Bool(b) => Self::Text(Cow::Borrowed(if *b { "TRUE" } else { "FALSE" })),
            // Shown as Excel shows it (#N/A …), so the row's check names what the user sees.
            DataRef::Error(e) => Self::Text(Cow::Owned(e.to_string())),
            DataRef::Empty => Self::Empty,
        }
    }

    fn is_blank(&self) -> bool {
        match self {
            Self::Text(t) => t.trim().is_empty(),
            Self::Number(_) | Self::Date(_) => false,
            Self::Empty => true,
        }
    }

    /// Text as the user reads it in the cell; `None` when blank.
    fn text(&self, is_1904: bool) -> Option<String> {
        match self {
            Self::Text(t) => Some(t.trim()).filter(|t| !t.is_empty()).map(str::to_owned),
            // `f64`'s Display never uses an exponent and drops ".0", so a numeric work-order id
            // such as 2026112800001 reads back as written.
            Self::Number(n) => Some(n.to_string()),
            Self::Date(serial) => Some(wall_clock(*serial, is_1904)),
            Self::Empty => None,
        }
    }

    /// Like [`Cell::text`], but a plain number is an Excel date serial, as a time column
    /// loses its date format when it is copied or exported.
    fn time(&self, is_1904: bool) -> Option<String> {
        match self {
            Self::Number(n) if (0.0..MAX_EXCEL_SERIAL).contains(n) => Some(wall_clock(*n, is_1904)),
            Self::Text(t) => {
                let t = fold_width(t.trim()).into_owned();
                match t.parse::<f64>() {
                    Ok(n) if TEXT_SERIALS.contains(&n) => Some(wall_clock(n, is_1904)),
                    _ => Some(t).filter(|t| !t.is_empty()),
                }
            }
            _ => self.text(is_1904),
        }
    }

    /// A coordinate, or the text that is not one.
    fn coordinate(&self) -> Result<Option<f64>, Cow<'_, str>> {
        match self {
            Self::Number(n) | Self::Date(n) if n.is_finite() => Ok(Some(*n)),
            Self::Number(n) | Self::Date(n) => Err(Cow::Owned(n.to_string())),
            Self::Text(t) => {
                let t = t.trim();
                if t.is_empty() {
                    return Ok(None);
                }
                // `parse` accepts "NaN" and "inf"; neither is a place.
                match fold_width(t).parse::<f64>() {
                    Ok(n) if n.is_finite() => Ok(Some(n)),
                    _ => Err(Cow::Borrowed(t)),
                }
            }
            Self::Empty => Ok(None),
        }
    }
}

/// An Excel serial as `YYYY-MM-DD HH:MM:SS`. Excel stores the wall clock without a zone, and
/// 12345 exports write Beijing time, which is what `intake::parse_time` expects.
fn wall_clock(serial: f64, is_1904: bool) -> String {
    // Rounded to the second as Excel displays it, not cut: 09:29:59.9996 is 09:30:00.
    let serial = (serial * SECONDS_PER_DAY).round() / SECONDS_PER_DAY;
    let (year, month, day, hour, minute, second, _) =
        ExcelDateTime::new(serial, ExcelDateTimeType::DateTime, is_1904).to_ymd_hms_milli();
    format!("{year:04}-{month:02}-{day:02} {hour:02}:{minute:02}:{second:02}")
}

/// Which column holds which field, learnt from the header row.
struct Layout {
    /// One column per field, left to right.
    columns: Vec<(usize, WorkOrderField)>,
    /// Every column holding a category, the most specific first.
    categories: Vec<usize>,
    /// The headers of the columns read, as the file writes them.
    headers: Vec<(WorkOrderField, String)>,
    /// The header's cell count, for CSV: more non-empty cells in a row mean a comma inside an
    /// unquoted cell shifted every cell after it.
    width: Option<usize>,
    has_channel: bool,
}

impl Layout {
    /// Reads a header row: a column an operator mapped is that field; the others are
    /// recognised, the preferred header of a field winning (then the left one, as a reader of
    /// the sheet would take it).
    fn of(cells: &[Cell], mapping: &ColumnMapping) -> Self {
        let mapped: Vec<(String, WorkOrderField)> = mapping
            .iter()
            .filter_map(|(field, header)| {
                WorkOrderField::from_code(field).map(|f| (header_key(header), f))
            })
            .filter(|(header, _)| !header.is_empty())
            .collect();
        // (column, field, rank): rank 0 for a mapped column.
        let mut found: Vec<(usize, WorkOrderField, usize, String)> = Vec::new();
        for (column, cell) in cells.iter().enumerate() {
            let Cell::Text(text) = cell else { continue };
            let key = header_key(text);
            let chosen = mapped
                .iter()
                .find(|(header, _)| *header == key)
                .map(|&(_, field)| (field, 0))
                .or_else(|| {
                    WorkOrderField::recognise(text)
                        // A field the operator mapped elsewhere is not guessed again.
                        .filter(|(field, _)| !mapped.iter().any(|(_, f)| f == field))
                        .map(|(field, rank)| (field, rank + 1))
                });
            if let Some((field, rank)) = chosen {
                found.push((column, field, rank, text.trim().to_owned()));
            }
        }
        found.sort_by_key(|&(column, field, rank, _)| (field.as_str(), rank, column));
        let mut columns: Vec<(usize, WorkOrderField)> = Vec::new();
        let mut categories = Vec::new();
        let mut headers = Vec::new();
        for (column, field, _, header) in found {
            let taken = headers.iter().any(|&(f, _)| f == field);
            if field.takes_several() {
                categories.push(column);
            }
            if !taken {
                columns.push((column, field));
                headers.push((field, header));
            }
        }
        // Read left to right, so a row's problems come in the order of its cells.
        columns.sort_by_key(|&(column, _)| column);
        Self {
            has_channel: columns.iter().any(|&(_, f)| f == WorkOrderField::Channel),
            columns,
            categories,
            headers,
            width: None,
        }
    }

    fn missing(&self) -> Vec<WorkOrderField> {
        WorkOrderField::REQUIRED
            .into_iter()
            .filter(|f| !self.columns.iter().any(|&(_, c)| c == *f))
            .collect()
    }

    /// The header's width when the row has more non-empty cells than that.
    fn too_wide(&self, cells: &[Cell]) -> Option<usize> {
        self.width.filter(|&width| {
            cells
                .get(width..)
                .is_some_and(|extra| extra.iter().any(|c| !c.is_blank()))
        })
    }

    /// True for a row that is not a work order: blank in every column read (as under a "合计"
    /// footer in an unread 序号 column), or a totals row.
    fn not_an_order(&self, cells: &[Cell]) -> bool {
        let blank = self
            .columns
            .iter()
            .map(|&(column, _)| column)
            .chain(self.categories.iter().copied())
            .all(|column| cells.get(column).is_none_or(Cell::is_blank))
            && self.too_wide(cells).is_none();
        let totals = cells.iter().find(|c| !c.is_blank()).is_some_and(|c| {
            matches!(c, Cell::Text(t) if {
                let t: String = t.chars().filter(|ch| !ch.is_whitespace()).collect();
                TOTAL_WORDS.iter().any(|w| t.starts_with(w))
            })
        });
        blank || totals
    }

    fn request(&self, row: usize, cells: &[Cell], is_1904: bool) -> WorkOrderRow {
        if let Some(width) = self.too_wide(cells) {
            return WorkOrderRow {
                row,
                request: Err(vec![IntakeProblem::new(
                    "row",
                    "MALFORMED_ROW",
                    format!(
                        "第 {row} 行有 {} 个单元格，表头只有 {width} 列：内容中的英文逗号须用双引号括起",
                        cells.len()
                    ),
                    format!(
                        "row {row} has {} cells but the header has {width}; a comma inside a \
                         cell must be quoted",
                        cells.len()
                    ),
                )]),
                categories: Vec::new(),
            };
        }
        let mut request = IntakeRequest {
            // A file without a channel column is a plain 12345 export.
            channel: (!self.has_channel).then(|| Channel::Hotline.as_str().to_owned()),
            ..IntakeRequest::default()
        };
        let mut problems = Vec::new();
        // Codes, numbers and times are read as a person reads them: `１３８` is 138.
        let folded = |cell: &Cell| cell.text(is_1904).map(|t| fold_width(&t).into_owned());
        for &(column, field) in &self.columns {
            let cell = cells.get(column).unwrap_or(&Cell::Empty);
            match field {
                WorkOrderField::Lon | WorkOrderField::Lat => {
                    let value = cell.coordinate().unwrap_or_else(|raw| {
                        let header = self.header(field);
                        problems.push(IntakeProblem::new(
                            field.as_str(),
                            "INVALID_COORDINATE",
                            format!("第 {row} 行“{header}”列：“{raw}”不是数字"),
                            format!("row {row}: {} {raw:?} is not a number", field.as_str()),
                        ));
                        None
                    });
                    if field == WorkOrderField::Lon {
                        request.lon = value;
                    } else {
                        request.lat = value;
                    }
                }
                WorkOrderField::Category => {}
                WorkOrderField::ReceivedAt => request.received_at = cell.time(is_1904),
                WorkOrderField::Channel => request.channel = cell.text(is_1904),
                WorkOrderField::ExternalId => request.external_id = folded(cell),
                WorkOrderField::Description => request.description = cell.text(is_1904),
                WorkOrderField::Address => request.address = cell.text(is_1904),
                WorkOrderField::GridCode => request.grid_code = folded(cell),
                WorkOrderField::ReporterName => request.reporter_name = cell.text(is_1904),
                WorkOrderField::ReporterPhone => request.reporter_phone = folded(cell),
                WorkOrderField::Urgency => request.urgency = cell.text(is_1904),
                WorkOrderField::SourceRef => request.source_ref = folded(cell),
            }
        }
        let categories: Vec<String> = self
            .categories
            .iter()
            .filter_map(|&column| cells.get(column).and_then(|c| c.text(is_1904)))
            .collect();
        request.category = categories.first().cloned();
        WorkOrderRow {
            row,
            request: if problems.is_empty() {
                Ok(request)
            } else {
                Err(problems)
            },
            categories,
        }
    }

    /// The file's header of a field's column, for messages.
    fn header(&self, field: WorkOrderField) -> &str {
        self.headers
            .iter()
            .find(|(f, _)| *f == field)
            .map_or(field.label_zh(), |(_, h)| h.as_str())
    }
}

/// Rows in file order, turned into work orders once the header is found.
struct Table<'f> {
    file: &'f str,
    sheet: Option<String>,
    /// CSV rows are checked against the header's width; XLSX cells cannot shift.
    check_width: bool,
    is_1904: bool,
    mapping: &'f ColumnMapping,
    layout: Option<Layout>,
    /// Non-empty rows seen while looking for the header, and the first of them.
    before_header: usize,
    first_row: usize,
    rows: Vec<WorkOrderRow>,
    skipped: usize,
}

impl<'f> Table<'f> {
    fn new(file: &'f str, check_width: bool, mapping: &'f ColumnMapping) -> Self {
        Self {
            file,
            sheet: None,
            check_width,
            is_1904: false,
            mapping,
            layout: None,
            before_header: 0,
            first_row: 0,
            rows: Vec::new(),
            skipped: 0,
        }
    }

    fn try_header(&mut self, row: usize, cells: &[Cell]) -> Result<(), WorkOrderFileError> {
        if self.before_header == 0 {
            self.first_row = row;
        }
        let mut layout = Layout::of(cells, self.mapping);
        if layout.columns.is_empty() {
            self.before_header += 1;
            if self.before_header == HEADER_SEARCH_ROWS {
                return Err(self.no_header());
            }
            return Ok(());
        }
        let missing = layout.missing();
        if !missing.is_empty() {
            return Err(WorkOrderFileError::MissingColumns {
                file: self.file.to_owned(),
                sheet: self.sheet.clone(),
                header_row: row,
                missing: missing.iter().map(|f| f.as_str()).collect(),
            });
        }
        layout.width = self.check_width.then_some(cells.len());
        self.layout = Some(layout);
        Ok(())
    }

    fn no_header(&self) -> WorkOrderFileError {
        WorkOrderFileError::NoHeader {
            file: self.file.to_owned(),
            sheet: self.sheet.clone(),
            first_row: self.first_row,
        }
    }

    fn finish(self) -> Result<WorkOrders, WorkOrderFileError> {
        match self.layout {
            Some(layout) => Ok(WorkOrders {
                rows: self.rows,
                skipped: self.skipped,
                columns: layout.headers,
            }),
            None if self.before_header == 0 => Err(WorkOrderFileError::EmptyFile {
                file: self.file.to_owned(),
                sheet: self.sheet,
            }),
            None => Err(self.no_header()),
        }
    }
}

impl Rows for Table<'_> {
    fn start(&mut self, sheet: Option<&str>, is_1904: bool) {
        self.sheet = sheet.map(str::to_owned);
        self.is_1904 = is_1904;
    }

    fn push(&mut self, row: usize, cells: &[Cell]) -> Result<Flow, WorkOrderFileError> {
        if cells.iter().all(Cell::is_blank) {
            // Under the header a row of empty cells (`,,,,`) is a row that is not an order.
            self.skipped += usize::from(self.layout.is_some());
            return Ok(Flow::Go);
        }
        let Some(layout) = &self.layout else {
            self.try_header(row, cells)?;
            return Ok(Flow::Go);
        };
        if layout.not_an_order(cells) {
            self.skipped += 1;
            return Ok(Flow::Go);
        }
        if self.rows.len() == MAX_ROWS {
            return Err(WorkOrderFileError::TooManyRows {
                file: self.file.to_owned(),
            });
        }
        let order = layout.request(row, cells, self.is_1904);
        self.rows.push(order);
        Ok(Flow::Go)
    }
}

/// The first non-empty rows of a file, as text.
struct Preview<'m> {
    mapping: &'m ColumnMapping,
    rows: Vec<(usize, Vec<String>, bool)>,
    sheet: Option<String>,
    is_1904: bool,
}

impl Rows for Preview<'_> {
    fn start(&mut self, sheet: Option<&str>, is_1904: bool) {
        self.sheet = sheet.map(str::to_owned);
        self.is_1904 = is_1904;
    }

    fn push(&mut self, row: usize, cells: &[Cell]) -> Result<Flow, WorkOrderFileError> {
        if cells.iter().all(Cell::is_blank) {
            return Ok(Flow::Go);
        }
        let texts = cells
            .iter()
            .map(|c| c.text(self.is_1904).unwrap_or_default())
            .collect();
        let looks_like_header = !Layout::of(cells, self.mapping).columns.is_empty();
        self.rows.push((row, texts, looks_like_header));
        let header_at = self.rows.iter().position(|(_, _, h)| *h);
        Ok(match header_at {
            Some(at) if self.rows.len() > at + PREVIEW_ROWS => Flow::Stop,
            None if self.rows.len() >= HEADER_SEARCH_ROWS + PREVIEW_ROWS => Flow::Stop,
            _ => Flow::Go,
        })
    }
}

impl Preview<'_> {
    fn finish(self, file: &str) -> Result<WorkOrderPreview, WorkOrderFileError> {
        let header_at = self
            .rows
            .iter()
            .take(HEADER_SEARCH_ROWS)
            .position(|(_, _, h)| *h);
        let at = header_at.unwrap_or(0);
        let Some((header_row, headers, _)) = self.rows.get(at).cloned() else {
            return Err(WorkOrderFileError::EmptyFile {
                file: file.to_owned(),
                sheet: self.sheet,
            });
        };
        let cells: Vec<Cell> = headers
            .iter()
            .map(|h| Cell::Text(Cow::Borrowed(h.as_str())))
            .collect();
        let layout = Layout::of(&cells, self.mapping);
        let fields = (0..headers.len())
            .map(|column| {
                layout
                    .columns
                    .iter()
                    .find(|&&(c, _)| c == column)
                    .map(|&(_, f)| f)
                    .or_else(|| {
                        layout
                            .categories
                            .contains(&column)
                            .then_some(WorkOrderField::Category)
                    })
            })
            .collect();
        Ok(WorkOrderPreview {
            sheet: self.sheet,
            header_row,
            fields,
            missing: layout.missing(),
            header_found: header_at.is_some(),
            rows: self
                .rows
                .into_iter()
                .skip(at + 1)
                .take(PREVIEW_ROWS)
                .map(|(_, texts, _)| texts)
                .collect(),
            headers,
        })
    }
}
