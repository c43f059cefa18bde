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
    SideTickets,
    QueueTitle,
    QueueNew,
    QueueInProgress,
    QueueDeadline,
    QueueUnrouted,
    QueueFlagged,
    QueueEmpty,
    QueueLoading,
    QueueHint,
    LiveStream,
    LivePolling,
    LiveConnecting,
    LiveTitle,
    IntakeOpen,
    IntakeTitle,
    IntakeChannel,
    IntakeCategory,
    IntakeDescription,
    IntakeReporter,
    IntakePhone,
    IntakeExternalId,
    IntakeUrgency,
    IntakeSubmit,
    UrgencyNormal,
    UrgencyUrgent,
    UrgentShort,
    FlagShort,
    FieldLocation,
    FieldAddressPlaceholder,
    FieldReason,
    FieldNote,
    FieldNoteOptional,
    FieldInto,
    PickOnMap,
    PickHint,
    Confirm,
    Cancel,
    Yes,
    ActRegister,
    ActCancel,
    ActDispatch,
    ActUndo,
    ActSelfHandle,
    ActStart,
    ActEscalate,
    ActDelegate,
    ActContact,
    ActFeedback,
    ActVerify,
    ActReject,
    ActClose,
    ActReopen,
    ActRelocate,
    ActMerge,
    ActUnmerge,
    ActDismissFlag,
    OutcomeSolved,
    OutcomeUnsolved,
    SatisfactionSatisfied,
    SatisfactionBasic,
    SatisfactionDissatisfied,
    EscalateCommunity,
    EscalateStreet,
    EscalateDistrict,
    ModeSelfHandled,
    ModeCommanded,
    RoleDispatcher,
    RoleCommander,
    RoleWorker,
    RoleAdministrator,
    RoleSystem,
    ChannelHotline,
    ChannelPatrol,
    ChannelCamera,
    ChannelResident,
    ChannelReferral,
    ToneOverdue,
    ToneDueSoon,
    ToneNew,
    ToneActive,
    ToneReview,
    ToneDone,
    LegendTickets,
    LegendCluster,
    DropInto,
    DropNoGrid,
    TicketLoading,
    TicketReceived,
    TicketLocation,
    TicketRouting,
    TicketOwner,
    TicketAssignment,
    TicketContactDue,
    TicketDue,
    TicketReporter,
    TicketSourceRef,
    TicketMode,
    TicketEscalated,
    TicketDelegated,
    TicketOutcome,
    TicketSatisfaction,
    TicketClosedAt,
    TicketCancelReason,
    TicketMergedInto,
    TicketReopened,
    TicketDuplicates,
    TicketResponsible,
    TicketNearest,
    TicketTimeline,
    FirstContactAt,
    FlagText,
    ChooserTitle,
    ChooserHint,
    ToastUndone,
    ToastCreated,
    ToastExisting,
    ToastMergedInto,
    ToastFlagged,
    ErrorLoadTickets,
    ErrorLoadTicket,
    ErrorDispatch,
    ErrorDrop,
    ErrorUndo,
    ErrorDemoFeed,
    DemoFeed,
    DemoRunning,
    DemoPaused,
    DemoPauseTitle,
    DemoResumeTitle,
    DemoRate,
    TicketImportOpen,
    TicketImportTitle,
    TicketImportRuleFormat,
    TicketImportRuleColumns,
    TicketImportRuleAgain,
    TicketImportBusy,
    TicketImportRunning,
    TicketImportDone,
    TicketImportCreated,
    TicketImportMerged,
    TicketImportFlagged,
    TicketImportExisting,
    TicketImportRejected,
    TicketImportRowsRefused,
    TicketImportColRow,
    TicketImportColField,
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
            Msg::CardWorkers | Msg::TicketResponsible => ("责任网格员", "Responsible workers"),
            Msg::CardNoWorkers => ("暂无责任网格员", "No responsible worker"),
            Msg::CardChildren => ("下级网格数", "Child grids"),
            Msg::Close => ("关闭", "Close"),
            Msg::CardLoading => ("正在加载网格信息…", "Loading grid…"),
            Msg::CardSynthetic => ("合成数据", "Synthetic"),
            Msg::LevelStreet | Msg::EscalateStreet => ("街道", "Street"),
            Msg::LevelCommunity | Msg::EscalateCommunity => ("社区", "Community"),
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
            Msg::SideTickets | Msg::LegendTickets => ("工单", "Tickets"),
            Msg::QueueTitle => ("工单队列", "Ticket queue"),
            Msg::QueueNew => ("待受理/待分派", "New"),
            Msg::QueueInProgress | Msg::ToneActive => ("处置中", "In progress"),
            Msg::QueueDeadline => ("超期/临期", "Overdue / due soon"),
            Msg::QueueUnrouted => ("未定位", "Unrouted"),
            Msg::QueueFlagged => ("疑似重复", "Possible duplicates"),
            Msg::QueueEmpty => ("此栏暂无工单", "No tickets here"),
            Msg::QueueLoading => ("正在加载工单…", "Loading tickets…"),
            Msg::QueueHint => (
                "拖动工单到地图上的网格即可分派；↑↓ 选择，Enter 打开，D 选择网格分派",
                "Drag a ticket onto a grid on the map to dispatch it; ↑↓ select, Enter opens, D picks a grid",
            ),
            Msg::LiveStream => ("实时", "Live"),
            Msg::LivePolling => ("轮询", "Polling"),
            Msg::LiveConnecting => ("连接中", "Connecting"),
            Msg::LiveTitle => (
                "工单变化的接收方式：实时推送，或服务器不支持推送时每 3 秒查询一次",
                "How changes arrive: pushed live, or asked for every 3 s when the server cannot push",
            ),
            Msg::IntakeOpen | Msg::IntakeTitle => ("新建工单", "New ticket"),
            Msg::IntakeChannel => ("来源渠道", "Channel"),
            Msg::IntakeCategory => ("问题类别", "Category"),
            Msg::IntakeDescription => ("问题描述", "Description"),
            Msg::IntakeReporter | Msg::TicketReporter => ("反映人", "Reporter"),
            Msg::IntakePhone => ("联系电话", "Phone"),
            Msg::IntakeExternalId => ("工单编号", "Work order no."),
            Msg::IntakeUrgency => ("紧急程度", "Urgency"),
            Msg::IntakeSubmit => ("受理", "Take in"),
            Msg::UrgencyNormal => ("一般", "Normal"),
            Msg::UrgencyUrgent => ("紧急", "Urgent"),
            Msg::UrgentShort => ("急", "Urgent"),
            Msg::FlagShort => ("疑重", "Dup?"),
            Msg::FieldLocation | Msg::TicketLocation => ("位置", "Location"),
            Msg::FieldAddressPlaceholder => (
                "地址或网格编码，或在地图上点选",
                "Address or grid code, or pick on the map",
            ),
            Msg::FieldReason => ("原因", "Reason"),
            Msg::FieldNote => ("说明", "Note"),
            Msg::FieldNoteOptional => ("说明（可选）", "Note (optional)"),
            Msg::FieldInto => ("合并到工单号", "Merge into ticket no."),
            Msg::PickOnMap => ("在地图上点选", "Pick on map"),
            Msg::PickHint => ("请在地图上点击问题位置", "Click the location on the map"),
            Msg::Confirm => ("确定", "Confirm"),
            Msg::Cancel => ("取消", "Cancel"),
            Msg::Yes => ("是", "Yes"),
            Msg::ActRegister => ("立案", "Register"),
            Msg::ActCancel => ("注销", "Cancel ticket"),
            Msg::ActDispatch => ("分派", "Dispatch"),
            Msg::ActUndo => ("撤销", "Undo"),
            Msg::ActSelfHandle => ("自行处置", "Handle on the spot"),
            Msg::ActStart => ("开始处置", "Start handling"),
            Msg::ActEscalate => ("上交", "Escalate"),
            Msg::ActDelegate => ("下交", "Delegate"),
            Msg::ActContact => ("联系", "Contact"),
            Msg::ActFeedback => ("反馈", "Feed back"),
            Msg::ActVerify => ("核查通过", "Verify"),
            Msg::ActReject => ("核查退回", "Send back"),
            Msg::ActClose => ("结案", "Close"),
            Msg::ActReopen => ("重新办理", "Reopen"),
            Msg::ActRelocate => ("更正位置", "Correct location"),
            Msg::ActMerge => ("合并", "Merge"),
            Msg::ActUnmerge => ("取消合并", "Unmerge"),
            Msg::ActDismissFlag => ("忽略", "Ignore"),
            Msg::OutcomeSolved => ("已解决", "Solved"),
            Msg::OutcomeUnsolved => ("未解决（已解释说明）", "Unsolved (explained)"),
            Msg::SatisfactionSatisfied => ("满意", "Satisfied"),
            Msg::SatisfactionBasic => ("基本满意", "Fairly satisfied"),
            Msg::SatisfactionDissatisfied => ("不满意", "Dissatisfied"),
            Msg::EscalateDistrict => ("区级部门", "District"),
            Msg::ModeSelfHandled => ("自行处置", "Handled on the spot"),
            Msg::ModeCommanded => ("指挥处置", "Commanded"),
            Msg::RoleDispatcher => ("调度员", "Dispatcher"),
            Msg::RoleCommander => ("社区指挥", "Community commander"),
            Msg::RoleWorker => ("网格员", "Grid worker"),
            Msg::RoleAdministrator => ("管理员", "Administrator"),
            Msg::RoleSystem => ("系统", "System"),
            Msg::ChannelHotline => ("12345", "12345"),
            Msg::ChannelPatrol => ("巡查", "Patrol"),
            Msg::ChannelCamera => ("视频", "Camera"),
            Msg::ChannelResident => ("居民", "Resident"),
            Msg::ChannelReferral => ("交办", "Referral"),
            Msg::ToneOverdue => ("超期", "Overdue"),
            Msg::ToneDueSoon => ("临期", "Due soon"),
            Msg::ToneNew => ("待分派", "New"),
            Msg::ToneReview => ("待核查/结案", "To check / close"),
            Msg::ToneDone => ("已办结", "Done"),
            Msg::LegendCluster => ("聚合（红圈含超期）", "Cluster (red ring: overdue inside)"),
            Msg::DropInto => ("松开即分派至 ", "Release to dispatch to "),
            Msg::DropNoGrid => ("此处不在任何网格内", "Not inside any grid here"),
            Msg::TicketLoading => ("正在加载工单…", "Loading ticket…"),
            Msg::TicketReceived => ("受理时间", "Received"),
            Msg::TicketRouting => ("所属网格", "Grid"),
            Msg::TicketOwner => ("首接责任", "First receiver"),
            Msg::TicketAssignment => ("当前承办", "Assigned to"),
            Msg::TicketContactDue => ("响应时限", "Contact due"),
            Msg::TicketDue => ("办结时限", "Due"),
            Msg::TicketSourceRef => ("来源编号", "Source ref."),
            Msg::TicketMode => ("处置方式", "Handling"),
            Msg::TicketEscalated => ("上交至", "Escalated to"),
            Msg::TicketDelegated => ("已下交", "Delegated"),
            Msg::TicketOutcome => ("办理结果", "Outcome"),
            Msg::TicketSatisfaction => ("满意度", "Satisfaction"),
            Msg::TicketClosedAt => ("结案时间", "Closed"),
            Msg::TicketCancelReason => ("注销原因", "Cancel reason"),
            Msg::TicketMergedInto => ("已合并至", "Merged into"),
            Msg::TicketReopened => ("重新办理次数", "Reopened"),
            Msg::TicketDuplicates => ("已合并的重复工单", "Merged duplicates"),
            Msg::TicketNearest => ("附近网格员", "Nearest workers"),
            Msg::TicketTimeline => ("办理过程", "Timeline"),
            Msg::FirstContactAt => ("已联系", "contacted"),
            Msg::FlagText => ("疑似与此工单重复：", "Possibly the same as"),
            Msg::ChooserTitle => ("选择分派网格", "Choose a grid"),
            Msg::ChooserHint => (
                "输入网格名称或编码，↑↓ 选择，Enter 分派，Esc 关闭",
                "Type a grid name or code, ↑↓ to choose, Enter dispatches, Esc closes",
            ),
            Msg::ToastUndone => ("已撤销分派", "Dispatch undone"),
            Msg::ToastCreated => ("已受理工单", "Ticket taken in"),
            Msg::ToastExisting => ("该工单此前已受理", "Already taken in as ticket"),
            Msg::ToastMergedInto => ("已自动合并至", "merged into"),
            Msg::ToastFlagged => ("疑似重复于", "possible duplicate of"),
            Msg::ErrorLoadTickets => ("加载工单失败", "Could not load the tickets"),
            Msg::ErrorLoadTicket => ("加载工单详情失败", "Could not load the ticket"),
            Msg::ErrorDispatch => ("分派未成功", "Dispatch refused"),
            Msg::ErrorDrop => ("拖放分派未成功", "Drop refused"),
            Msg::ErrorUndo => ("撤销未成功", "Undo refused"),
            Msg::ErrorDemoFeed => ("演示工单流操作失败", "Demo feed change failed"),
            Msg::DemoFeed => ("演示工单流", "Demo feed"),
            Msg::DemoRunning => ("运行中", "Running"),
            Msg::DemoPaused => ("已暂停", "Paused"),
            Msg::DemoPauseTitle => ("暂停生成演示工单", "Pause the demo requests"),
            Msg::DemoResumeTitle => ("继续生成演示工单", "Resume the demo requests"),
            Msg::DemoRate => ("生成速度", "Rate"),
            Msg::TicketImportOpen => ("导入12345工单", "Import 12345"),
            Msg::TicketImportTitle => ("导入12345工单", "Import 12345 work orders"),
            Msg::TicketImportRuleFormat => (
                "12345 系统导出的 CSV（UTF-8 或 GBK）或 XLSX 文件，第一行为列名。",
                "A CSV (UTF-8 or GBK) or XLSX export of the 12345 system, column names in the first row.",
            ),
            Msg::TicketImportRuleColumns => (
                "每行一张工单：工单编号、受理时间、问题类别、问题描述、地址（或经纬度、网格编码）、反映人、联系电话、紧急程度。",
                "One work order per row: order no., received time, category, description, address (or longitude/latitude, grid code), reporter, phone, urgency.",
            ),
            Msg::TicketImportRuleAgain => (
                "有问题的行单独列出，其余照常受理；同一文件重复导入不会产生新工单。",
                "Rows with problems are listed, the others are taken in; importing the same file again creates nothing new.",
            ),
            Msg::TicketImportBusy => ("正在上传…", "Uploading…"),
            Msg::TicketImportRunning => ("正在导入", "Importing"),
            Msg::TicketImportDone => ("导入完成", "Import finished"),
            Msg::TicketImportCreated => ("新建", "Created"),
            Msg::TicketImportMerged => ("自动合并", "Merged"),
            Msg::TicketImportFlagged => ("疑似重复", "Flagged"),
            Msg::TicketImportExisting => ("此前已导入", "Already in"),
            Msg::TicketImportRejected => ("未受理", "Refused"),
            Msg::TicketImportRowsRefused => (
                "以下行未受理，请修正后重新导入：",
                "These rows were refused; fix them and import again:",
            ),
            Msg::TicketImportColRow => ("行号", "Row"),
            Msg::TicketImportColField => ("字段", "Field"),
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

/// `已分派至 滨河一巷 · 网格员 张三` / `Dispatched to Binhe Lane 1 · worker 张三`.
pub fn dispatched_to(lang: Lang, grid: &str, worker: Option<&str>) -> String {
    match (lang, worker) {
        (Lang::Zh, Some(w)) => format!("已分派至 {grid} · 网格员 {w}"),
        (Lang::Zh, None) => format!("已分派至 {grid}"),
        (Lang::En, Some(w)) => format!("Dispatched to {grid} · worker {w}"),
        (Lang::En, None) => format!("Dispatched to {grid}"),
    }
}

/// Seconds left to undo: `27 秒` / `27 s`.
pub fn seconds_left(lang: Lang, secs: i64) -> String {
    lang.pick(&format!("{secs} 秒"), &format!("{secs} s"))
        .to_owned()
}

/// A worker's open orders: `在办 2 件` / `2 open`.
pub fn open_load(lang: Lang, n: u32) -> String {
    lang.pick(&format!("在办 {n} 件"), &format!("{n} open"))
        .to_owned()
}

/// A rate: `每分钟 6 条` / `6 per minute`.
pub fn per_minute(lang: Lang, rate: f64) -> String {
    lang.pick(&format!("每分钟 {rate} 条"), &format!("{rate} per minute"))
        .to_owned()
}

/// The queue holds only the newest tickets: `显示最新 5000 条，共 6120 条`.
pub fn shown_of_total(lang: Lang, shown: u64, total: u64) -> String {
    match lang {
        Lang::Zh => format!("显示最新 {shown} 条，共 {total} 条未办结工单"),
        Lang::En => format!("Showing the newest {shown} of {total} open tickets"),
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
    fn dispatch_result_names_grid_and_worker() {
        assert_eq!(
            dispatched_to(Lang::Zh, "滨河一巷", Some("张三")),
            "已分派至 滨河一巷 · 网格员 张三"
        );
        assert_eq!(
            dispatched_to(Lang::En, "Lane 1", None),
            "Dispatched to Lane 1"
        );
    }

    #[test]
    fn english_result_count_is_singular_for_one() {
        assert_eq!(result_count(Lang::En, 1), "1 result");
        assert_eq!(result_count(Lang::Zh, 12), "12 个结果");
    }
}
