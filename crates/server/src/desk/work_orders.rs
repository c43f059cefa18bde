//! Reads a 12345 hotline work-order export — CSV (UTF-8 or GBK) or XLSX, as the hotline system
//! or Excel saves it — into one intake request per data row.
//!
//! Only the file itself is checked here: its format, header, cell shapes and coordinates. What
//! the values mean (category, channel, urgency, time) is left to
//! [`binhe_core::ticket::intake::validate`], so that a row and an API request are judged alike.

use std::borrow::Cow;
use std::io::Cursor;

use binhe_core::ticket::{Channel, IntakeProblem, IntakeRequest};
use calamine::{
    DataRef, ExcelDateTime, ExcelDateTimeType, Reader, SheetType, SheetVisible, Xlsx, XlsxError,
};

/// More data rows than this and the whole file is refused, so one upload cannot stall intake.
pub const MAX_ROWS: usize = 100_000;
/// Exports often put a title line or two above the header; this many non-empty rows are tried.
const HEADER_SEARCH_ROWS: usize = 10;
/// Excel's last date, 9999-12-31, as a serial; larger numbers are not times.
const MAX_EXCEL_SERIAL: f64 = 2_958_466.0;
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
}

impl WorkOrderFileError {
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::UnknownFormat { .. } => "UNKNOWN_FORMAT",
            Self::EmptyFile { .. } => "EMPTY_FILE",
            Self::NoHeader { .. } => "NO_HEADER",
            Self::MissingColumns { .. } => "MISSING_COLUMNS",
            Self::UnreadableXlsx { .. } => "UNREADABLE_XLSX",
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
                    .filter_map(|name| Field::ALL.into_iter().find(|f| f.name() == *name))
                    .map(|f| {
                        format!(
                            "{}（{}；列名可为 {}）",
                            f.label(),
                            f.name(),
                            f.headers_zh().join("、")
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

/// Reads every data row of a work-order file. A row's own problems (a broken coordinate, a
/// row with more cells than the header) stay with that row; only a file that cannot be read
/// as a whole is an error.
pub fn read_work_orders(
    bytes: &[u8],
    file_name: &str,
) -> Result<Vec<WorkOrderRow>, WorkOrderFileError> {
    if bytes.is_empty() {
        return Err(WorkOrderFileError::EmptyFile {
            file: file_name.to_owned(),
            sheet: None,
        });
    }
    match detect_format(bytes, file_name) {
        Some(FileFormat::Csv) => read_csv(bytes, file_name),
        Some(FileFormat::Xlsx) => read_xlsx(bytes, file_name),
        None => Err(WorkOrderFileError::UnknownFormat {
            file: file_name.to_owned(),
        }),
    }
}

fn read_csv(bytes: &[u8], file: &str) -> Result<Vec<WorkOrderRow>, WorkOrderFileError> {
    let text = decode(bytes).ok_or_else(|| WorkOrderFileError::CsvEncoding {
        file: file.to_owned(),
    })?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        // Rows of any length are read so that a too-long one is reported on its own row.
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut table = Table::new(file, None, true, false);
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
        table.push(line, &cells)?;
    }
    table.finish()
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

fn read_xlsx(bytes: &[u8], file: &str) -> Result<Vec<WorkOrderRow>, WorkOrderFileError> {
    let unreadable = |source| WorkOrderFileError::UnreadableXlsx {
        file: file.to_owned(),
        source,
    };
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
    let mut table = Table::new(file, Some(&sheet), false, is_1904);
    let mut row: Vec<DataRef> = Vec::new();
    let mut row_index = 0;
    while let Some(cell) = cells.next_cell().map_err(unreadable)? {
        let (r, c) = cell.get_position();
        if r != row_index {
            table.push_xlsx(row_index, &row)?;
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
    table.push_xlsx(row_index, &row)?;
    table.finish()
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
                match t.parse::<f64>() {
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

/// A field of [`IntakeRequest`] and the column headers that mean it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Channel,
    ExternalId,
    Category,
    Description,
    Lon,
    Lat,
    Address,
    GridCode,
    ReporterName,
    ReporterPhone,
    Urgency,
    ReceivedAt,
    SourceRef,
}

impl Field {
    const ALL: [Self; 13] = [
        Self::Channel,
        Self::ExternalId,
        Self::Category,
        Self::Description,
        Self::Lon,
        Self::Lat,
        Self::Address,
        Self::GridCode,
        Self::ReporterName,
        Self::ReporterPhone,
        Self::Urgency,
        Self::ReceivedAt,
        Self::SourceRef,
    ];
    const REQUIRED: [Self; 3] = [Self::ExternalId, Self::Category, Self::Description];

    fn name(self) -> &'static str {
        match self {
            Self::Channel => "channel",
            Self::ExternalId => "external_id",
            Self::Category => "category",
            Self::Description => "description",
            Self::Lon => "lon",
            Self::Lat => "lat",
            Self::Address => "address",
            Self::GridCode => "grid_code",
            Self::ReporterName => "reporter_name",
            Self::ReporterPhone => "reporter_phone",
            Self::Urgency => "urgency",
            Self::ReceivedAt => "received_at",
            Self::SourceRef => "source_ref",
        }
    }

    /// Headers of 12345 exports; the first is the field's label in messages.
    fn headers_zh(self) -> &'static [&'static str] {
        match self {
            Self::Channel => &["来源渠道", "来源", "渠道"],
            Self::ExternalId => &["工单编号", "工单号", "编号"],
            Self::Category => &["问题类别", "诉求类别", "类别", "问题分类"],
            Self::Description => &["问题描述", "诉求内容", "内容", "描述"],
            Self::Lon => &["经度"],
            Self::Lat => &["纬度"],
            Self::Address => &["地址", "事发地址", "诉求地址"],
            Self::GridCode => &["网格编码", "网格"],
            Self::ReporterName => &["反映人", "诉求人", "联系人"],
            Self::ReporterPhone => &["联系电话", "电话"],
            Self::Urgency => &["紧急程度", "缓急程度"],
            Self::ReceivedAt => &["受理时间", "来电时间", "派单时间"],
            Self::SourceRef => &["来源编号"],
        }
    }

    fn label(self) -> &'static str {
        self.headers_zh()[0]
    }

    /// The field a header names: a Chinese header exactly, or the English field name in any
    /// case, with a space or hyphen for the underscore ("External ID").
    fn from_header(header: &str) -> Option<Self> {
        let header = header.trim();
        Self::ALL.into_iter().find(|f| {
            f.headers_zh().contains(&header)
                || (f.name().len() == header.len()
                    && f.name().bytes().zip(header.bytes()).all(|(n, h)| {
                        n == h.to_ascii_lowercase() || (n == b'_' && matches!(h, b' ' | b'-'))
                    }))
        })
    }
}

/// Which column holds which field, learnt from the header row.
struct Layout {
    columns: Vec<(usize, Field)>,
    /// The header's cell count, for CSV: more non-empty cells in a row mean a comma inside an
    /// unquoted cell shifted every cell after it.
    width: Option<usize>,
    has_channel: bool,
}

impl Layout {
    /// The header's width when the row has more non-empty cells than that.
    fn too_wide(&self, cells: &[Cell]) -> Option<usize> {
        self.width.filter(|&width| {
            cells
                .get(width..)
                .is_some_and(|extra| extra.iter().any(|c| !c.is_blank()))
        })
    }

    /// True when every column read is blank, as under a "合计" footer in an unread 序号 column:
    /// such a row is not a work order.
    fn reads_nothing(&self, cells: &[Cell]) -> bool {
        self.columns
            .iter()
            .all(|&(column, _)| cells.get(column).is_none_or(Cell::is_blank))
            && self.too_wide(cells).is_none()
    }

    fn request(
        &self,
        row: usize,
        cells: &[Cell],
        is_1904: bool,
    ) -> Result<IntakeRequest, Vec<IntakeProblem>> {
        if let Some(width) = self.too_wide(cells) {
            return Err(vec![IntakeProblem::new(
                "row",
                "MALFORMED_ROW",
                format!(
                    "第 {row} 行有 {} 个单元格，表头只有 {width} 列：内容中的英文逗号须用双引号括起",
                    cells.len()
                ),
                format!(
                    "row {row} has {} cells but the header has {width}; a comma inside a cell \
                     must be quoted",
                    cells.len()
                ),
            )]);
        }
        let mut request = IntakeRequest {
            // A file without a channel column is a plain 12345 export.
            channel: (!self.has_channel).then(|| Channel::Hotline.as_str().to_owned()),
            ..IntakeRequest::default()
        };
        let mut problems = Vec::new();
        for &(column, field) in &self.columns {
            let cell = cells.get(column).unwrap_or(&Cell::Empty);
            match field {
                Field::Lon | Field::Lat => {
                    let value = cell.coordinate().unwrap_or_else(|raw| {
                        problems.push(IntakeProblem::new(
                            field.name(),
                            "INVALID_COORDINATE",
                            format!("第 {row} 行：{}“{raw}”不是数字", field.label()),
                            format!("row {row}: {} {raw:?} is not a number", field.name()),
                        ));
                        None
                    });
                    if field == Field::Lon {
                        request.lon = value;
                    } else {
                        request.lat = value;
                    }
                }
                Field::ReceivedAt => request.received_at = cell.time(is_1904),
                Field::Channel => request.channel = cell.text(is_1904),
                Field::ExternalId => request.external_id = cell.text(is_1904),
                Field::Category => request.category = cell.text(is_1904),
                Field::Description => request.description = cell.text(is_1904),
                Field::Address => request.address = cell.text(is_1904),
                Field::GridCode => request.grid_code = cell.text(is_1904),
                Field::ReporterName => request.reporter_name = cell.text(is_1904),
                Field::ReporterPhone => request.reporter_phone = cell.text(is_1904),
                Field::Urgency => request.urgency = cell.text(is_1904),
                Field::SourceRef => request.source_ref = cell.text(is_1904),
            }
        }
        if problems.is_empty() {
            Ok(request)
        } else {
            Err(problems)
        }
    }
}

/// Rows in file order, turned into work orders once the header is found.
struct Table<'f> {
    file: &'f str,
    sheet: Option<&'f str>,
    /// CSV rows are checked against the header's width; XLSX cells cannot shift.
    check_width: bool,
    is_1904: bool,
    layout: Option<Layout>,
    /// Non-empty rows seen while looking for the header, and the first of them.
    before_header: usize,
    first_row: usize,
    rows: Vec<WorkOrderRow>,
}

impl<'f> Table<'f> {
    fn new(file: &'f str, sheet: Option<&'f str>, check_width: bool, is_1904: bool) -> Self {
        Self {
            file,
            sheet,
            check_width,
            is_1904,
            layout: None,
            before_header: 0,
            first_row: 0,
            rows: Vec::new(),
        }
    }

    /// `row_index` is calamine's 0-based row.
    fn push_xlsx(&mut self, row_index: u32, values: &[DataRef]) -> Result<(), WorkOrderFileError> {
        let cells: Vec<Cell> = values.iter().map(Cell::from_xlsx).collect();
        self.push(row_index as usize + 1, &cells)
    }

    fn push(&mut self, row: usize, cells: &[Cell]) -> Result<(), WorkOrderFileError> {
        if cells.iter().all(Cell::is_blank) {
            return Ok(());
        }
        let Some(layout) = &self.layout else {
            return self.try_header(row, cells);
        };
        if layout.reads_nothing(cells) {
            return Ok(());
        }
        if self.rows.len() == MAX_ROWS {
            return Err(WorkOrderFileError::TooManyRows {
                file: self.file.to_owned(),
            });
        }
        let request = layout.request(row, cells, self.is_1904);
        self.rows.push(WorkOrderRow { row, request });
        Ok(())
    }

    fn try_header(&mut self, row: usize, cells: &[Cell]) -> Result<(), WorkOrderFileError> {
        if self.before_header == 0 {
            self.first_row = row;
        }
        let mut columns: Vec<(usize, Field)> = Vec::new();
        for (column, cell) in cells.iter().enumerate() {
            if let Cell::Text(text) = cell
                && let Some(field) = Field::from_header(text)
                // The first of two columns for one field wins, as a reader of the sheet would
                // take the left one.
                && !columns.iter().any(|&(_, f)| f == field)
            {
                columns.push((column, field));
            }
        }
        if columns.is_empty() {
            self.before_header += 1;
            if self.before_header == HEADER_SEARCH_ROWS {
                return Err(self.no_header());
            }
            return Ok(());
        }
        let missing: Vec<&'static str> = Field::REQUIRED
            .into_iter()
            .filter(|f| !columns.iter().any(|&(_, c)| c == *f))
            .map(Field::name)
            .collect();
        if !missing.is_empty() {
            return Err(WorkOrderFileError::MissingColumns {
                file: self.file.to_owned(),
                sheet: self.sheet.map(str::to_owned),
                header_row: row,
                missing,
            });
        }
        self.layout = Some(Layout {
            has_channel: columns.iter().any(|&(_, f)| f == Field::Channel),
            columns,
            width: self.check_width.then_some(cells.len()),
        });
        Ok(())
    }

    fn no_header(&self) -> WorkOrderFileError {
        WorkOrderFileError::NoHeader {
            file: self.file.to_owned(),
            sheet: self.sheet.map(str::to_owned),
            first_row: self.first_row,
        }
    }

    fn finish(self) -> Result<Vec<WorkOrderRow>, WorkOrderFileError> {
        match self.layout {
            Some(_) => Ok(self.rows),
            None if self.before_header == 0 => Err(WorkOrderFileError::EmptyFile {
                file: self.file.to_owned(),
                sheet: self.sheet.map(str::to_owned),
            }),
            None => Err(self.no_header()),
        }
    }
}
