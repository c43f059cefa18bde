//! Everything that can be wrong with a grid dataset, worded for the operator who fixes it.

use serde::{Deserialize, Serialize};

use crate::code::CodeError;
use crate::crs::Crs;
use crate::vocabulary::{GridLevel, MappingField};

/// One problem with one grid (or with the dataset as a whole).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GridProblem {
    #[error("not valid JSON: {detail}")]
    InvalidJson { detail: String },
    #[error("not a GeoJSON FeatureCollection: {detail}")]
    NotFeatureCollection { detail: String },
    #[error("coordinate reference system {crs:?} is not WGS84 (EPSG:4326)")]
    NotWgs84Crs { crs: String },
    #[error("feature has no properties object")]
    MissingProperties,
    #[error("property {property:?} is missing or not a {expected}")]
    MissingProperty {
        property: &'static str,
        expected: &'static str,
    },
    #[error("malformed grid code: {0}")]
    MalformedCode(CodeError),
    #[error("level {declared:?} does not match the code, which says {implied:?}")]
    LevelMismatch { declared: String, implied: String },
    #[error("unknown level {level:?} (street, community, micro or unit)")]
    UnknownLevel { level: String },
    #[error("geometry is {found}, only Polygon or MultiPolygon is accepted")]
    NotPolygon { found: String },
    #[error("geometry is malformed: {detail}")]
    MalformedGeometry { detail: String },
    #[error("coordinate ({lon}, {lat}) is not WGS84 longitude/latitude in degrees")]
    NotWgs84 { lon: f64, lat: f64 },
    #[error("coordinate ({lon}, {lat}) lies outside China")]
    OutsideChina { lon: f64, lat: f64 },
    #[error("polygon is invalid: {detail}")]
    InvalidPolygon { detail: String },
    #[error("grid code {code} appears more than once")]
    DuplicateCode { code: String },
    #[error("parent grid {parent} is not in the dataset")]
    MissingParent { parent: String },
    #[error("the dataset must have exactly one street grid, it has {count}")]
    StreetCount { count: usize },
    #[error("{outside_m2:.1} m² lies outside parent grid {parent}")]
    OutsideParent { parent: String, outside_m2: f64 },
    #[error("overlaps sibling grid {other} by {overlap_m2:.1} m²")]
    OverlapsSibling { other: String, overlap_m2: f64 },
    #[error("child grids leave {gap_m2:.1} m² of the parent uncovered")]
    ChildrenLeaveGap { gap_m2: f64 },
    #[error("the dataset holds no grids")]
    Empty,
    // A survey as delivered: its files, coordinate system and field mapping.
    #[error("file {file} cannot be read: {detail}")]
    UnreadableFile { file: String, detail: String },
    /// An archive inflates to more than the server reads: one entry over `limit_mib` (`whole`
    /// false), or the whole upload (`whole`, reached in `entry`).
    #[error("{entry} of the upload inflates past {limit_mib} MiB{}", if *.whole { " (the whole upload)" } else { "" })]
    TooLargeUnpacked {
        entry: String,
        limit_mib: u64,
        whole: bool,
    },
    #[error("shapefile {layer} has no {part} file")]
    ShapefileIncomplete { layer: String, part: String },
    #[error("code page {cpg:?} of the .cpg file is not known (UTF-8, GBK, GB18030 …)")]
    UnknownEncoding { cpg: String },
    #[error("no layer found: upload shapefiles (.shp with .shx, .dbf, .prj) or GeoJSON files")]
    NoLayers,
    #[error("the coordinate system is not stated (no .prj or crs): choose one")]
    CrsUnknown,
    #[error("the declared coordinate system {declared:?} is not supported: choose one")]
    CrsUnsupported { declared: String },
    #[error("position ({x}, {y}) is not a position in {}", crs.label_en())]
    NotInCrs { x: f64, y: f64, crs: Crs },
    #[error("the mapping names attribute {attribute:?} as the {}, but the layer has no such attribute", field.label_en())]
    UnknownAttribute {
        attribute: String,
        field: MappingField,
    },
    #[error("no attribute is chosen as the {}", field.label_en())]
    UnmappedField { field: MappingField },
    #[error("attribute {attribute:?} ({}) has value {value:?}, which is not {expected}", field.label_en())]
    BadValue {
        attribute: String,
        field: MappingField,
        value: String,
        expected: &'static str,
    },
    #[error(
        "the level is unknown: the layer has no level, and the feature no code or level attribute"
    )]
    LevelUnknown,
    #[error("no {} matches {value:?} of attribute {attribute:?}", parent_level.label_en())]
    ParentNotFound {
        attribute: String,
        value: String,
        parent_level: GridLevel,
    },
    #[error("{count} {} are named {value:?}: the parent is ambiguous", parent_level.label_en())]
    ParentAmbiguous {
        value: String,
        count: usize,
        parent_level: GridLevel,
    },
    #[error("no {} contains this grid, so its code cannot be generated", parent_level.label_en())]
    NoParentByPosition { parent_level: GridLevel },
    #[error("the code says the parent is {implied}, the parent attribute says {written}")]
    ParentMismatch { implied: String, written: String },
    #[error("the street grid has no code: enter the street's 15-digit code to generate the others")]
    StreetCodeNeeded,
    #[error("parent {parent} has more children than its code part can number ({max})")]
    SequenceFull { parent: String, max: u16 },
}

impl GridProblem {
    /// Stable English code for programs and logs.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidJson { .. } => "INVALID_JSON",
            Self::NotFeatureCollection { .. } => "NOT_FEATURE_COLLECTION",
            Self::NotWgs84Crs { .. } => "CRS_NOT_WGS84",
            Self::MissingProperties => "MISSING_PROPERTIES",
            Self::MissingProperty { .. } => "MISSING_PROPERTY",
            Self::MalformedCode(_) => "MALFORMED_CODE",
            Self::LevelMismatch { .. } => "LEVEL_MISMATCH",
            Self::UnknownLevel { .. } => "UNKNOWN_LEVEL",
            Self::NotPolygon { .. } => "NOT_POLYGON",
            Self::MalformedGeometry { .. } => "MALFORMED_GEOMETRY",
            Self::NotWgs84 { .. } => "NOT_WGS84",
            Self::OutsideChina { .. } => "OUTSIDE_CHINA",
            Self::InvalidPolygon { .. } => "INVALID_POLYGON",
            Self::DuplicateCode { .. } => "DUPLICATE_CODE",
            Self::MissingParent { .. } => "MISSING_PARENT",
            Self::StreetCount { .. } => "STREET_COUNT",
            Self::OutsideParent { .. } => "OUTSIDE_PARENT",
            Self::OverlapsSibling { .. } => "OVERLAPS_SIBLING",
            Self::ChildrenLeaveGap { .. } => "CHILDREN_LEAVE_GAP",
            Self::Empty => "EMPTY_DATASET",
            Self::UnreadableFile { .. } => "FILE_UNREADABLE",
            Self::TooLargeUnpacked { .. } => "FILE_TOO_LARGE_UNPACKED",
            Self::ShapefileIncomplete { .. } => "SHAPEFILE_INCOMPLETE",
            Self::UnknownEncoding { .. } => "UNKNOWN_ENCODING",
            Self::NoLayers => "NO_LAYERS",
            Self::CrsUnknown => "CRS_UNKNOWN",
            Self::CrsUnsupported { .. } => "CRS_UNSUPPORTED",
            Self::NotInCrs { .. } => "NOT_IN_CRS",
            Self::UnknownAttribute { .. } => "UNKNOWN_ATTRIBUTE",
            Self::UnmappedField { .. } => "UNMAPPED_FIELD",
            Self::BadValue { .. } => "BAD_ATTRIBUTE_VALUE",
            Self::LevelUnknown => "LEVEL_UNKNOWN",
            Self::ParentNotFound { .. } | Self::NoParentByPosition { .. } => "PARENT_NOT_FOUND",
            Self::ParentAmbiguous { .. } => "PARENT_AMBIGUOUS",
            Self::ParentMismatch { .. } => "PARENT_MISMATCH",
            Self::StreetCodeNeeded => "STREET_CODE_NEEDED",
            Self::SequenceFull { .. } => "SEQUENCE_FULL",
        }
    }

    /// The message an operator reads, in Chinese.
    pub fn message_zh(&self) -> String {
        match self {
            Self::InvalidJson { detail } => format!("文件不是有效的 JSON：{detail}"),
            Self::NotFeatureCollection { detail } => {
                format!("文件不是 GeoJSON 要素集合（FeatureCollection）：{detail}")
            }
            Self::NotWgs84Crs { crs } => format!("坐标参考系 {crs} 不是 WGS84（EPSG:4326）"),
            Self::MissingProperties => "要素缺少属性（properties）".to_owned(),
            Self::MissingProperty { property, expected } => {
                format!("缺少属性“{property}”或其类型不是{}", expected_zh(expected))
            }
            Self::MalformedCode(error) => format!("网格编码格式错误：{}", code_error_zh(error)),
            Self::LevelMismatch { declared, implied } => {
                format!("层级“{declared}”与编码不符，编码表示“{implied}”")
            }
            Self::UnknownLevel { level } => {
                format!("未知层级“{level}”（应为 street、community、micro 或 unit）")
            }
            Self::NotPolygon { found } => {
                format!("几何类型为 {found}，只接受 Polygon 或 MultiPolygon")
            }
            Self::MalformedGeometry { detail } => format!("几何数据格式错误：{detail}"),
            Self::NotWgs84 { lon, lat } => {
                format!("坐标 ({lon}, {lat}) 不是 WGS84 经纬度（度）")
            }
            Self::OutsideChina { lon, lat } => format!("坐标 ({lon}, {lat}) 位于中国境外"),
            Self::InvalidPolygon { detail } => {
                format!("多边形无效（自相交或环不闭合等）：{detail}")
            }
            Self::DuplicateCode { code } => format!("网格编码 {code} 重复"),
            Self::MissingParent { parent } => format!("上级网格 {parent} 不在数据中"),
            Self::StreetCount { count } => {
                format!("数据必须恰好包含一个街道网格，实际为 {count} 个")
            }
            Self::OutsideParent { parent, outside_m2 } => {
                format!("有 {outside_m2:.1} 平方米超出上级网格 {parent}")
            }
            Self::OverlapsSibling { other, overlap_m2 } => {
                format!("与同级网格 {other} 重叠 {overlap_m2:.1} 平方米")
            }
            Self::ChildrenLeaveGap { gap_m2 } => {
                format!("下级网格未覆盖本网格，留有 {gap_m2:.1} 平方米空隙")
            }
            Self::Empty => "数据中没有任何网格".to_owned(),
            Self::UnreadableFile { file, detail } => format!("文件 {file} 无法读取：{detail}"),
            Self::TooLargeUnpacked {
                entry,
                limit_mib,
                whole: false,
            } => format!("压缩包中的“{entry}”解压后超过 {limit_mib} MiB，未导入"),
            Self::TooLargeUnpacked {
                entry,
                limit_mib,
                whole: true,
            } => format!("上传内容解压后总计超过 {limit_mib} MiB（解压到“{entry}”时超出），未导入"),
            Self::ShapefileIncomplete { layer, part } => {
                format!("Shapefile 图层 {layer} 缺少 {part} 文件")
            }
            Self::UnknownEncoding { cpg } => {
                format!(".cpg 文件中的编码“{cpg}”无法识别（应为 UTF-8、GBK、GB18030 等）")
            }
            Self::NoLayers => {
                "未找到任何图层：请上传 Shapefile（.shp 及 .shx、.dbf、.prj）或 GeoJSON 文件"
                    .to_owned()
            }
            Self::CrsUnknown => "文件未说明坐标系（没有 .prj 或 crs），请选择坐标系".to_owned(),
            Self::CrsUnsupported { declared } => {
                format!("文件声明的坐标系“{declared}”不受支持，请选择坐标系")
            }
            Self::NotInCrs { x, y, crs } => {
                format!("坐标 ({x}, {y}) 不是{}中的坐标", crs.label_zh())
            }
            Self::UnknownAttribute { attribute, field } => format!(
                "映射指定属性“{attribute}”为{}，但图层中没有这个属性",
                field.label_zh()
            ),
            Self::UnmappedField { field } => format!("尚未指定哪个属性是{}", field.label_zh()),
            Self::BadValue {
                attribute,
                field,
                value,
                expected,
            } => format!(
                "属性“{attribute}”（{}）的值“{value}”不是{}",
                field.label_zh(),
                expected_zh(expected)
            ),
            Self::LevelUnknown => {
                "无法确定层级：图层未指定层级，要素也没有编码或层级属性".to_owned()
            }
            Self::ParentNotFound {
                attribute,
                value,
                parent_level,
            } => format!(
                "找不到上级{}：属性“{attribute}”的值“{value}”没有对应的网格",
                parent_level.label_zh()
            ),
            Self::ParentAmbiguous {
                value,
                count,
                parent_level,
            } => format!(
                "有 {count} 个{}名为“{value}”，无法确定上级",
                parent_level.label_zh()
            ),
            Self::NoParentByPosition { parent_level } => format!(
                "没有任何{}包含本网格，无法生成编码",
                parent_level.label_zh()
            ),
            Self::ParentMismatch { implied, written } => {
                format!("编码表示上级为 {implied}，上级属性却为 {written}")
            }
            Self::StreetCodeNeeded => {
                "街道网格没有编码：请填写街道的 15 位编码，以生成下级编码".to_owned()
            }
            Self::SequenceFull { parent, max } => {
                format!("上级网格 {parent} 的下级超过编码可容纳的 {max} 个")
            }
        }
    }
}

fn expected_zh(expected: &str) -> &'static str {
    match expected {
        "string" => "文本",
        "non-negative integer" => "非负整数",
        "boolean" => "布尔值",
        "grid code" => "网格编码（15 位数字）",
        "grid level" => "层级（街道、社区、微网格、单元）",
        "micro-grid kind" => "微网格类型（主要街巷、小区）",
        "positive integer" => "正整数",
        _ => "正确类型",
    }
}

fn code_error_zh(error: &CodeError) -> String {
    match error {
        CodeError::WrongLength { code, length } => {
            format!("“{code}”有 {length} 位，应为 15 位（单元网格 17 位）")
        }
        CodeError::NotDigits { code } => format!("“{code}”只能包含数字"),
        CodeError::ZeroStreet { code } => format!("“{code}”的街道段全为 0"),
        CodeError::SequenceWithoutCommunity { code } => {
            format!("“{code}”有网格序号却没有社区段")
        }
        CodeError::IncompleteUnit { code } => {
            format!("单元网格编码“{code}”的社区、网格或单元段为 0")
        }
    }
}

/// A problem located in an input file: which feature, which code, what is wrong.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureProblem {
    /// Zero-based index of the feature in the file; `None` for a problem of the whole file.
    pub feature_index: Option<usize>,
    /// The feature's grid code as written, when it has one.
    pub grid_code: Option<String>,
    /// Stable English code, e.g. `OVERLAPS_SIBLING`.
    pub code: String,
    pub message_zh: String,
    pub message_en: String,
    /// The layer (file) of a survey with several, when the problem is in one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<String>,
}

impl FeatureProblem {
    pub fn new(
        feature_index: Option<usize>,
        grid_code: Option<String>,
        problem: &GridProblem,
    ) -> Self {
        Self {
            feature_index,
            grid_code,
            code: problem.code().to_owned(),
            message_zh: problem.message_zh(),
            message_en: problem.to_string(),
            layer: None,
        }
    }

    /// The same problem, placed in a layer of a survey.
    #[must_use]
    pub fn in_layer(mut self, layer: &str) -> Self {
        self.layer = Some(layer.to_owned());
        self
    }
}
