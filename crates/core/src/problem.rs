//! Everything that can be wrong with a grid dataset, worded for the operator who fixes it.

use serde::{Deserialize, Serialize};

use crate::code::CodeError;

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
        }
    }
}

fn expected_zh(expected: &str) -> &'static str {
    match expected {
        "string" => "文本",
        "non-negative integer" => "非负整数",
        "boolean" => "布尔值",
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
        }
    }
}
