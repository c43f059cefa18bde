//! The columns of a work-order file (a 12345 hotline export, an Excel sheet): which field of an
//! [`super::IntakeRequest`] a column holds, recognised from the many headers other systems
//! give it, or mapped by an operator.

use std::collections::BTreeMap;

use crate::text::key;

pub use crate::vocabulary::WorkOrderField;

/// Which header an operator chose for a field: field code → header as the file writes it;
/// and under [`CRS_KEY`] the coordinate system of the longitude/latitude columns, when not WGS84.
pub type ColumnMapping = BTreeMap<String, String>;

/// The entry of a [`ColumnMapping`] that names the coordinate system (a [`crate::crs::Crs`]
/// code) rather than a column.
pub const CRS_KEY: &str = "crs";

/// The coordinate system a mapping names; WGS84 when it names none.
pub fn mapping_crs(mapping: &ColumnMapping) -> crate::crs::Crs {
    mapping
        .get(CRS_KEY)
        .and_then(|code| crate::crs::Crs::from_code(code))
        .unwrap_or(crate::crs::Crs::Wgs84)
}

impl WorkOrderField {
    /// Without these a file is not a work-order list.
    pub const REQUIRED: [Self; 3] = [Self::ExternalId, Self::Category, Self::Description];

    /// Several columns may hold a category (一级分类, 二级分类 …): each is read, the most
    /// specific first. Every other field reads one column.
    pub fn takes_several(self) -> bool {
        self == Self::Category
    }

    /// The headers that mean this field in the exports of the Beijing 12345 hotline and of
    /// other systems, preferred first (a file with both 来电时间 and 派单时间 is read by the
    /// first). The first is the label.
    pub fn headers(self) -> &'static [&'static str] {
        match self {
            Self::ExternalId => &[
                "工单编号",
                "工单号",
                "编号",
                "受理编号",
                "工单流水号",
                "流水号",
                "诉求编号",
                "案件编号",
                "事件编号",
                "件号",
                "工单ID",
                "受理号",
                "单号",
            ],
            Self::Category => &[
                "三级分类",
                "三级类别",
                "问题类别",
                "诉求类别",
                "诉求类型",
                "问题类型",
                "事项分类",
                "诉求分类",
                "问题分类",
                "事项类型",
                "反映类别",
                "案件类别",
                "事件类型",
                "类别",
                "分类",
                "二级分类",
                "二级类别",
                "一级分类",
                "一级类别",
            ],
            Self::Description => &[
                "问题描述",
                "诉求内容",
                "来电内容",
                "反映内容",
                "诉求描述",
                "事件描述",
                "问题内容",
                "工单内容",
                "具体诉求",
                "详细内容",
                "诉求详情",
                "内容",
                "描述",
            ],
            Self::ReceivedAt => &[
                "受理时间",
                "来电时间",
                "登记时间",
                "诉求时间",
                "反映时间",
                "创建时间",
                "工单创建时间",
                "接单时间",
                "下单时间",
                "立案时间",
                "发生时间",
                "派单时间",
                "派发时间",
                "转办时间",
                "交办时间",
            ],
            Self::Address => &[
                "地址",
                "事发地址",
                "诉求地址",
                "问题地址",
                "详细地址",
                "发生地址",
                "事发地点",
                "问题发生地",
                "诉求发生地",
                "地点",
            ],
            Self::Lon => &["经度", "事发经度", "X坐标", "坐标X", "lng", "longitude"],
            Self::Lat => &["纬度", "事发纬度", "Y坐标", "坐标Y", "latitude"],
            Self::GridCode => &["网格编码", "网格编号", "网格代码", "所属网格", "网格"],
            Self::ReporterName => &[
                "反映人",
                "诉求人",
                "联系人",
                "来电人",
                "诉求人姓名",
                "来电人姓名",
                "反映人姓名",
                "市民姓名",
                "姓名",
            ],
            Self::ReporterPhone => &[
                "联系电话",
                "来电号码",
                "电话",
                "联系方式",
                "诉求人电话",
                "来电人电话",
                "反映人电话",
                "联系人电话",
                "手机号码",
                "手机号",
                "主叫号码",
            ],
            Self::Urgency => &["紧急程度", "缓急程度", "紧急度", "缓急", "是否紧急"],
            Self::Channel => &[
                "来源渠道",
                "诉求来源",
                "工单来源",
                "来电渠道",
                "来源",
                "渠道",
            ],
            Self::SourceRef => &["来源编号", "原工单号", "原始编号"],
        }
    }

    /// The field a header names and how preferred it is (lower first): one of
    /// [`WorkOrderField::headers`] or the English field name (`External ID`, `external_id`),
    /// ignoring width, spaces, a `*` marking it required and a unit in brackets (`受理时间（北京时间）`).
    pub fn recognise(header: &str) -> Option<(Self, usize)> {
        let english = crate::text::fold_width(header)
            .trim()
            .trim_matches('*')
            .trim()
            .to_ascii_lowercase()
            .replace([' ', '-'], "_");
        let header = header_key(header);
        if header.is_empty() {
            return None;
        }
        Self::ALL.into_iter().find_map(|field| {
            if english == field.as_str() {
                return Some((field, 0));
            }
            field
                .headers()
                .iter()
                .position(|h| key(h) == header)
                .map(|rank| (field, rank))
        })
    }
}

/// A header reduced for comparison: see [`WorkOrderField::recognise`].
pub fn header_key(header: &str) -> String {
    let mut text = key(header).trim_matches('*').to_owned();
    for (open, close) in [('(', ')'), ('（', '）'), ('[', ']'), ('【', '】')] {
        if text.ends_with(close)
            && let Some(at) = text.rfind(open)
            && at > 0
        {
            text.truncate(at);
        }
    }
    text.trim_matches('*').to_owned()
}

/// The same headers give the same key, whatever their width, spacing or order, so a mapping
/// made for one month's export is found again for the next.
pub fn headers_signature<S: AsRef<str>>(headers: &[S]) -> String {
    let mut keys: Vec<String> = headers
        .iter()
        .map(|h| header_key(h.as_ref()))
        .filter(|h| !h.is_empty())
        .collect();
    keys.sort();
    keys.dedup();
    keys.join("\u{1f}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_common_headers_of_12345_exports_are_recognised() {
        let field = |h: &str| WorkOrderField::recognise(h).map(|(f, _)| f);
        assert_eq!(field("诉求类型"), Some(WorkOrderField::Category));
        assert_eq!(field("工单编号"), Some(WorkOrderField::ExternalId));
        assert_eq!(field("*受理编号"), Some(WorkOrderField::ExternalId));
        assert_eq!(
            field("来电时间（北京时间）"),
            Some(WorkOrderField::ReceivedAt)
        );
        assert_eq!(field("来电 号码"), Some(WorkOrderField::ReporterPhone));
        assert_eq!(field("External ID"), Some(WorkOrderField::ExternalId));
        assert_eq!(field("ｌｏｎｇｉｔｕｄｅ"), Some(WorkOrderField::Lon));
        assert_eq!(field("序号"), None);
        let rank = |h: &str| WorkOrderField::recognise(h).map(|(_, r)| r);
        assert!(rank("来电时间") < rank("派单时间"));
        assert!(rank("三级分类") < rank("一级分类"));
    }

    #[test]
    fn every_header_belongs_to_one_field() {
        for field in WorkOrderField::ALL {
            for header in field.headers() {
                assert_eq!(
                    WorkOrderField::recognise(header).map(|(f, _)| f),
                    Some(field),
                    "{header}"
                );
            }
        }
    }

    #[test]
    fn a_signature_ignores_order_width_and_spacing() {
        assert_eq!(
            headers_signature(&["工单号", "诉求 类型", "内容"]),
            headers_signature(&["内容", "工单号", "诉求类型", ""])
        );
        assert_ne!(
            headers_signature(&["工单号", "内容"]),
            headers_signature(&["工单号", "诉求内容"])
        );
    }
}
