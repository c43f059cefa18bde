//! Every user-visible string of the UI, in Chinese (default) and English.
//!
//! Strings that come from the server (grid names, error messages, roles) arrive in both
//! languages already; this module holds only what the UI itself says.

use serde::{Deserialize, Serialize};

/// The display language. Chinese is the default; the header button toggles it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    /// The other language, for the toggle button.
    pub fn toggled(self) -> Self {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }

    /// BCP 47 tag for `<html lang>`.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// Picks the text of this language out of a Chinese/English pair.
    pub fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }
}

/// A fixed UI text. `Msg::text` gives it in one language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Msg {
    AppTitle,
    LangToggle,
    LangToggleTitle,
    SyntheticBadge,
    SyntheticBadgeTitle,
    StatCommunities,
    StatMicroGrids,
    StatPopulation,
    StatFullTime,
    StatPartTime,
    StatCameras,
    StatCheckpoints,
    SearchPlaceholder,
    SearchLabel,
    SearchNoResults,
    SearchSearching,
    TreeTitle,
    TreeLoading,
    Expand,
    Collapse,
    CardCode,
    CardName,
    CardLevel,
    CardParent,
    CardArea,
    CardPopulation,
    CardKind,
    CardWorkers,
    CardNoWorkers,
    CardChildren,
    Close,
    CardLoading,
    CardSynthetic,
    LevelStreet,
    LevelCommunity,
    LevelMicro,
    LevelUnit,
    KindStreetLane,
    KindCompound,
    WorkerFullTime,
    WorkerPartTime,
    PickLevelPrefix,
    PickLevelHint,
    LegendCommunity,
    LegendStreetLane,
    LegendCompound,
    LegendRiver,
    MapLoading,
    ErrorLoadSummary,
    ErrorLoadTree,
    ErrorLoadMap,
    ErrorLoadGrid,
    ErrorSearch,
    ErrorDismiss,
    ErrorNetwork,
    ErrorBadResponse,
    ErrorMapUnavailable,
    PeopleUnit,
    StatUnits,
    Bytes,
    ImportButton,
    ImportButtonTitle,
    ImportTitle,
    ImportRuleFormat,
    ImportRuleProperties,
    ImportRuleHierarchy,
    ImportRuleAllOrNothing,
    ImportChooseFile,
    ImportNoFile,
    ImportStart,
    ImportBusy,
    ImportDone,
    ImportReloading,
    ImportFailed,
    ImportUnchanged,
    ImportColFeature,
    ImportColGridCode,
    ImportColProblem,
    ImportColMessage,
    ImportWholeFile,
    ImportFeatureNote,
    FileNotUtf8,
    FileUnreadable,
}

impl Msg {
    /// The text in `lang`.
    pub fn text(self, lang: Lang) -> &'static str {
        let (zh, en) = match self {
            Msg::AppTitle => (
                "智慧滨河 · 网格指挥中心",
                "Smart Binhe · Grid Command Center",
            ),
            Msg::LangToggle => ("English", "中文"),
            Msg::LangToggleTitle => ("切换到英文界面", "Switch to Chinese"),
            Msg::SyntheticBadge => ("演示数据（合成）", "Demo data (synthetic)"),
            Msg::SyntheticBadgeTitle => (
                "本系统当前展示的是合成的演示数据，不代表真实人口与人员信息",
                "The figures shown are synthetic demo data, not real residents or staff",
            ),
            Msg::StatCommunities => ("社区", "Communities"),
            Msg::StatMicroGrids => ("微网格", "Micro-grids"),
            Msg::StatFullTime => ("专职网格员", "Full-time workers"),
            Msg::StatPartTime => ("兼职网格员", "Part-time workers"),
            Msg::StatCameras => ("摄像头", "Cameras"),
            Msg::StatCheckpoints => ("卡口", "Checkpoints"),
            Msg::SearchPlaceholder => ("搜索网格名称或编码", "Search grid name or code"),
            Msg::SearchLabel => ("网格搜索", "Grid search"),
            Msg::SearchNoResults => ("没有匹配的网格", "No matching grid"),
            Msg::SearchSearching => ("正在搜索…", "Searching…"),
            Msg::TreeTitle => ("网格目录", "Grid directory"),
            Msg::TreeLoading => ("正在加载网格目录…", "Loading grid directory…"),
            Msg::Expand => ("展开", "Expand"),
            Msg::Collapse => ("收起", "Collapse"),
            Msg::CardCode | Msg::ImportColGridCode => ("网格编码", "Grid code"),
            Msg::CardName => ("名称", "Name"),
            Msg::CardLevel => ("层级", "Level"),
            Msg::CardParent => ("上级网格", "Parent grid"),
            Msg::CardArea => ("面积", "Area"),
            Msg::StatPopulation | Msg::CardPopulation => ("人口", "Population"),
            Msg::CardKind => ("类型", "Type"),
            Msg::CardWorkers => ("责任网格员", "Responsible workers"),
            Msg::CardNoWorkers => ("暂无责任网格员", "No responsible worker"),
            Msg::CardChildren => ("下级网格数", "Child grids"),
            Msg::Close => ("关闭", "Close"),
            Msg::CardLoading => ("正在加载网格信息…", "Loading grid…"),
            Msg::CardSynthetic => ("合成数据", "Synthetic"),
            Msg::LevelStreet => ("街道", "Street"),
            Msg::LevelCommunity => ("社区", "Community"),
            Msg::LevelMicro => ("微网格", "Micro-grid"),
            Msg::LevelUnit => ("单元", "Unit"),
            Msg::KindStreetLane => ("主要街巷", "Main street/lane"),
            Msg::KindCompound => ("小区", "Residential compound"),
            Msg::WorkerFullTime => ("专职", "Full-time"),
            Msg::WorkerPartTime => ("兼职", "Part-time"),
            Msg::PickLevelPrefix => ("点击选择：", "Click selects: "),
            Msg::PickLevelHint => (
                "放大地图可逐级选择社区、微网格和单元",
                "Zoom in to select communities, then micro-grids, then units",
            ),
            Msg::LegendCommunity => ("社区边界", "Community boundary"),
            Msg::LegendStreetLane => ("街巷微网格", "Street/lane micro-grid"),
            Msg::LegendCompound => ("小区微网格", "Compound micro-grid"),
            Msg::LegendRiver => ("河流水系", "River"),
            Msg::MapLoading => ("正在加载地图…", "Loading map…"),
            Msg::ErrorLoadSummary => ("加载街道概况失败", "Could not load the street summary"),
            Msg::ErrorLoadTree => ("加载网格目录失败", "Could not load the grid directory"),
            Msg::ErrorLoadMap => ("加载地图数据失败", "Could not load the map data"),
            Msg::ErrorLoadGrid => ("加载网格信息失败", "Could not load the grid"),
            Msg::ErrorSearch => ("网格搜索失败", "Grid search failed"),
            Msg::ErrorDismiss => ("知道了", "Dismiss"),
            Msg::ErrorNetwork => ("无法连接到服务器", "Cannot reach the server"),
            Msg::ErrorBadResponse => (
                "服务器返回了无法识别的数据",
                "The server sent data the UI cannot read",
            ),
            Msg::ErrorMapUnavailable => (
                "地图组件无法启动（需要 WebGL）",
                "The map cannot start (WebGL is required)",
            ),
            Msg::PeopleUnit => ("人", "people"),
            Msg::StatUnits => ("单元网格", "Units"),
            Msg::Bytes => ("字节", "bytes"),
            Msg::ImportButton => ("导入网格", "Import grids"),
            Msg::ImportButtonTitle => (
                "用测绘的网格文件替换现有网格",
                "Replace the grids with a surveyed grid file",
            ),
            Msg::ImportTitle => ("导入测绘网格", "Import surveyed grids"),
            Msg::ImportRuleFormat => (
                "GeoJSON 要素集合（FeatureCollection），坐标为 WGS84 经纬度（EPSG:4326），UTF-8 编码，不超过 64 MiB。",
                "A GeoJSON FeatureCollection in WGS84 longitude/latitude (EPSG:4326), UTF-8 encoded, at most 64 MiB.",
            ),
            Msg::ImportRuleProperties => (
                "每个网格一个 Polygon 或 MultiPolygon 要素。属性 code（15 位网格编码，单元网格 17 位）和 name 必填；level（street / community / micro / unit）须与编码一致；population、name_en、kind 可选。",
                "One Polygon or MultiPolygon feature per grid. Properties code (15-digit grid code, 17 for units) and name are required; level (street / community / micro / unit) must match the code; population, name_en and kind are optional.",
            ),
            Msg::ImportRuleHierarchy => (
                "上下级由编码确定：下级网格须位于上级之内、互不重叠并铺满上级。",
                "Codes define the hierarchy: child grids must lie inside their parent, must not overlap, and must cover it.",
            ),
            Msg::ImportRuleAllOrNothing => (
                "全部校验通过才会导入，并整体替换现有网格；只要发现问题，现有数据不作任何改动。",
                "All or nothing: the file replaces all grids only if every check passes; if any problem is found, nothing is changed.",
            ),
            Msg::ImportChooseFile => ("选择文件…", "Choose file…"),
            Msg::ImportNoFile => ("尚未选择文件", "No file chosen"),
            Msg::ImportStart => ("导入", "Import"),
            Msg::ImportBusy => ("正在校验并导入…", "Validating and importing…"),
            Msg::ImportDone => (
                "导入成功，现有网格已全部替换",
                "Imported: all grids were replaced",
            ),
            Msg::ImportReloading => (
                "地图、网格目录和顶部统计随即按新数据刷新。",
                "The map, the grid directory and the header figures now reload with the new grids.",
            ),
            Msg::ImportFailed => ("导入失败", "Import failed"),
            Msg::ImportUnchanged => (
                "现有网格、网格员和设备数据均保持原样。请按下表修正文件后重新导入。",
                "The existing grids, workers and devices are unchanged. Fix the file as listed below and import it again.",
            ),
            Msg::ImportColFeature => ("要素序号", "Feature #"),
            Msg::ImportColProblem => ("问题代码", "Problem code"),
            Msg::ImportColMessage => ("说明", "Description"),
            Msg::ImportWholeFile => ("整个文件", "Whole file"),
            Msg::ImportFeatureNote => (
                "要素序号从 0 起，即该要素在文件 features 数组中的位置。",
                "Feature # counts from 0: the feature's position in the file's features array.",
            ),
            Msg::FileNotUtf8 => (
                "文件不是 UTF-8 编码，未上传。请在 GIS 软件中以 UTF-8 编码重新导出 GeoJSON",
                "The file is not UTF-8 encoded and was not uploaded. Export the GeoJSON again as UTF-8 from your GIS software",
            ),
            Msg::FileUnreadable => (
                "无法读取所选文件（可能已被移动或修改），请重新选择",
                "Cannot read the chosen file (it may have been moved or changed); choose it again",
            ),
        };
        lang.pick(zh, en)
    }
}

/// Number of search results, e.g. "3 个结果" / "3 results".
pub fn result_count(lang: Lang, n: usize) -> String {
    match lang {
        Lang::Zh => format!("{n} 个结果"),
        Lang::En if n == 1 => "1 result".to_owned(),
        Lang::En => format!("{n} results"),
    }
}

/// Why a file over the import limit was refused, e.g. sizes "80.0 MiB" and "64 MiB".
pub fn file_too_large(lang: Lang, size: &str, limit: &str) -> String {
    match lang {
        Lang::Zh => format!(
            "文件大小 {size}，超过导入上限 {limit}，未上传。可减少坐标小数位数或简化边界后再试"
        ),
        Lang::En => format!(
            "The file is {size}, over the {limit} import limit, and was not uploaded. Reduce the coordinate precision or simplify the boundaries and try again"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toggling_twice_returns_to_chinese() {
        assert_eq!(Lang::Zh.toggled().toggled(), Lang::Zh);
        assert_eq!(Lang::default(), Lang::Zh);
    }

    #[test]
    fn title_is_bilingual() {
        assert_eq!(Msg::AppTitle.text(Lang::Zh), "智慧滨河 · 网格指挥中心");
        assert!(Msg::AppTitle.text(Lang::En).starts_with("Smart Binhe"));
    }

    #[test]
    fn english_result_count_is_singular_for_one() {
        assert_eq!(result_count(Lang::En, 1), "1 result");
        assert_eq!(result_count(Lang::Zh, 12), "12 个结果");
    }
}
