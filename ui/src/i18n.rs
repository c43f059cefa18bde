//! Every user-visible string of the UI, in Chinese (default) and English.
//!
//! Strings that come from the server (grid names, error messages, roles) arrive in both
//! languages already; this module holds only what the UI itself says.
//!
//! # Adding a message
//!
//! A fixed text is one entry of the `messages!` table, `Name => "中文", "English";`, which
//! declares the variant `Msg::Name` and its texts for [`Msg::text`]; a `///` line above an entry
//! becomes the variant's doc. A text with values in it is one entry of the `formatted!` table,
//! `name(arg: Type) => "中文 {arg}", "English {arg}";`, which declares
//! `pub fn name(lang: Lang, arg: Type) -> String`. Only a text whose wording changes with the
//! values (a plural, a part left out) is a hand-written function, below the tables.
//!
//! The tests at the bottom refuse an empty text, Chinese in the English column or none in the
//! Chinese one, a stray space at either end, and two messages with the same words in both
//! languages. If a new message is meant to read exactly like another (a button and the dialog it
//! opens), add the pair to `SHARED_TEXTS` there.

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

/// Declares [`Msg`] and [`Msg::text`] from one table of `Name => "中文", "English";` entries.
macro_rules! messages {
    ($($(#[$doc:meta])* $name:ident => $zh:literal, $en:literal;)*) => {
        /// A fixed UI text. `Msg::text` gives it in one language.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum Msg {
            $($(#[$doc])* $name,)*
        }

        impl Msg {
            /// Every message, in table order.
            #[cfg(test)]
            const ALL: &[Msg] = &[$(Msg::$name),*];

            /// The text in `lang`.
            pub fn text(self, lang: Lang) -> &'static str {
                let (zh, en) = match self {
                    $(Msg::$name => ($zh, $en),)*
                };
                lang.pick(zh, en)
            }
        }
    };
}

messages! {
    AppTitle => "智慧滨河 · 网格指挥中心", "Smart Binhe · Grid Command Center";
    /// Names the language the button switches to, so each text is in the other language.
    LangToggle => "English", "中文";
    LangToggleTitle => "切换到英文界面", "Switch to Chinese";
    SyntheticBadge => "演示数据（合成）", "Demo data (synthetic)";
    SyntheticBadgeTitle =>
        "本系统当前展示的是合成的演示数据，不代表真实人口与人员信息",
        "The figures shown are synthetic demo data, not real residents or staff";
    StatCommunities => "社区", "Communities";
    StatMicroGrids => "微网格", "Micro-grids";
    StatPopulation => "人口", "Population";
    StatFullTime => "专职网格员", "Full-time workers";
    StatPartTime => "兼职网格员", "Part-time workers";
    StatCameras => "摄像头", "Cameras";
    StatCheckpoints => "卡口", "Checkpoints";
    SearchPlaceholder => "搜索网格名称或编码", "Search grid name or code";
    SearchLabel => "网格搜索", "Grid search";
    SearchNoResults => "没有匹配的网格", "No matching grid";
    SearchSearching => "正在搜索…", "Searching…";
    TreeTitle => "网格目录", "Grid directory";
    TreeLoading => "正在加载网格目录…", "Loading grid directory…";
    Expand => "展开", "Expand";
    Collapse => "收起", "Collapse";
    CardCode => "网格编码", "Grid code";
    CardName => "名称", "Name";
    CardLevel => "层级", "Level";
    CardParent => "上级网格", "Parent grid";
    CardArea => "面积", "Area";
    CardPopulation => "人口", "Population";
    CardKind => "类型", "Type";
    CardWorkers => "责任网格员", "Responsible workers";
    CardNoWorkers => "暂无责任网格员", "No responsible worker";
    CardChildren => "下级网格数", "Child grids";
    Close => "关闭", "Close";
    CardLoading => "正在加载网格信息…", "Loading grid…";
    CardSynthetic => "合成数据", "Synthetic";
    /// Runs straight into the level's name, hence the trailing space.
    PickLevelPrefix => "点击选择：", "Click selects: ";
    PickLevelHint =>
        "放大地图可逐级选择社区、微网格和单元",
        "Zoom in to select communities, then micro-grids, then units";
    LegendCommunity => "社区边界", "Community boundary";
    LegendStreetLane => "街巷微网格", "Street/lane micro-grid";
    LegendCompound => "小区微网格", "Compound micro-grid";
    LegendRiver => "河流水系", "River";
    MapLoading => "正在加载地图…", "Loading map…";
    ErrorLoadSummary => "加载街道概况失败", "Could not load the street summary";
    ErrorLoadTree => "加载网格目录失败", "Could not load the grid directory";
    ErrorLoadMap => "加载地图数据失败", "Could not load the map data";
    ErrorLoadGrid => "加载网格信息失败", "Could not load the grid";
    ErrorSearch => "网格搜索失败", "Grid search failed";
    ErrorDismiss => "知道了", "Dismiss";
    /// 派单单: the ticket's slip for whoever handles it, printed from the card.
    SlipOpen => "打印派单单", "Print dispatch slip";
    SlipTitle => "派 单 单", "Dispatch slip";
    SlipIssuer => "滨河街道网格化服务管理中心", "Binhe Street Grid Service Center";
    SlipPrintA4 => "打印（A4）", "Print (A4)";
    SlipPrintReceipt => "打印小票（80 mm）", "Print receipt (80 mm)";
    SlipSentBy => "派单人", "Sent by";
    SlipReceivedBy => "签收人", "Received by";
    SlipReceivedAt => "签收时间", "Received at";
    SlipPrintedBy => "打印人", "Printed by";
    AlertsOpen => "提醒设置", "Alerts";
    AlertsTitle => "提醒设置（本终端）", "Alerts on this terminal";
    AlertsNote =>
        "有新的紧急工单、工单超期、视频或门禁告警时，本终端发出提示音并弹出系统通知。设置只保存在本终端。",
        "This terminal plays a sound and shows a system notification for a new urgent ticket, an overdue ticket and a camera or door alarm. The settings are kept on this terminal only.";
    AlertsSound => "提示音", "Sound";
    AlertsSystem => "系统通知", "System notifications";
    AlertsKinds => "提醒事项", "Alert on";
    AlertsKindUrgent => "新的紧急工单", "New urgent ticket";
    AlertsKindOverdue => "工单超期", "Ticket overdue";
    AlertsKindDevice => "视频或门禁告警", "Camera or door alarm";
    AlertsTry => "试一下", "Try it";
    AlertsTryTitle => "提醒测试", "Alert test";
    AlertsTryBody => "提醒设置正常", "Alerts work on this terminal";
    AlertsPermissionAsk => "允许系统通知", "Allow notifications";
    AlertsPermissionDenied =>
        "浏览器已拒绝本站的通知，请在浏览器的网站设置中允许",
        "The browser refuses this site's notifications; allow them in its site settings";
    AlertsPermissionMissing => "此浏览器不支持系统通知", "This browser has no system notifications";
    AlertsOffTraining => "培训演练服务器上不提醒", "No alerts on a training server";
    AlertsOffReplay => "回放期间暂停提醒", "Alerts pause while the replay is open";
    /// The tooltip over an error: its stable code, for whoever reports it.
    ErrorCode => "错误代码", "Error code";
    ErrorNetwork => "无法连接到服务器", "Cannot reach the server";
    /// What an action kept in the outbox answers (also the error's text where one is shown).
    OfflineQueuedAction => "已离线保存，待中心恢复后同步", "Saved offline; sent when the center answers";
    /// The message strip after an action kept in the outbox.
    ToastQueued => "已保存在本机，待同步", "Saved on this terminal, waiting to sync";
    /// The banner while the center does not answer.
    OfflineState => "离线", "Offline";
    /// The banner while kept actions are being sent.
    OfflineSyncing => "正在同步", "Syncing";
    OfflineStorageFailed => "本机存储不可用，离线操作仅保存在本页", "Local storage unavailable; offline actions are kept in this page only";
    /// The conflicts panel.
    ConflictTitle => "冲突 · 需要您决定", "Conflicts · your decision";
    ConflictNote =>
        "以下离线操作未被中心接受（工单已被他人更改或已办结），未自动丢弃",
        "The center did not accept these offline actions (the ticket was changed or closed meanwhile); none was dropped";
    ConflictReport => "上报新工单", "New report";
    ConflictDrop => "拖放分派", "Drop on a grid";
    ConflictBasedOn => "基于版本", "based on version";
    ConflictNow => "工单现为", "Ticket now";
    ConflictVersion => "版本", "version";
    ConflictRetry => "按当前版本重试", "Retry on the current version";
    ConflictDiscard => "放弃", "Discard";
    PendingTag => "待同步", "Pending sync";
    PendingTitle => "已在本机操作，待中心确认", "Done on this terminal, not yet confirmed by the center";
    ErrorBadResponse => "服务器返回了无法识别的数据", "The server sent data the UI cannot read";
    ErrorMapUnavailable =>
        "地图组件无法启动（需要 WebGL）",
        "The map cannot start (WebGL is required)";
    PeopleUnit => "人", "people";
    StatUnits => "单元网格", "Units";
    Bytes => "字节", "bytes";
    ImportButton => "导入网格", "Import grids";
    ImportButtonTitle =>
        "用测绘的网格文件替换现有网格",
        "Replace the grids with a surveyed grid file";
    ImportTitle => "导入测绘网格", "Import surveyed grids";
    ImportRuleFormat =>
        "GeoJSON 要素集合（FeatureCollection），坐标为 WGS84 经纬度（EPSG:4326），UTF-8 编码，不超过 64 MiB。",
        "A GeoJSON FeatureCollection in WGS84 longitude/latitude (EPSG:4326), UTF-8 encoded, at most 64 MiB.";
    ImportRuleProperties =>
        "每个网格一个 Polygon 或 MultiPolygon 要素。属性 code（15 位网格编码，单元网格 17 位）和 name 必填；level（street / community / micro / unit）须与编码一致；population、name_en、kind 可选。",
        "One Polygon or MultiPolygon feature per grid. Properties code (15-digit grid code, 17 for units) and name are required; level (street / community / micro / unit) must match the code; population, name_en and kind are optional.";
    ImportRuleHierarchy =>
        "上下级由编码确定：下级网格须位于上级之内、互不重叠并铺满上级。",
        "Codes define the hierarchy: child grids must lie inside their parent, must not overlap, and must cover it.";
    ImportRuleAllOrNothing =>
        "全部校验通过才会导入，并整体替换现有网格；只要发现问题，现有数据不作任何改动。",
        "All or nothing: the file replaces all grids only if every check passes; if any problem is found, nothing is changed.";
    ImportChooseFile => "选择文件…", "Choose file…";
    ImportNoFile => "尚未选择文件", "No file chosen";
    ImportStart => "导入", "Import";
    ImportBusy => "正在校验并导入…", "Validating and importing…";
    ImportDone => "导入成功，现有网格已全部替换", "Imported: all grids were replaced";
    ImportReloading =>
        "地图、网格目录和顶部统计随即按新数据刷新。",
        "The map, the grid directory and the header figures now reload with the new grids.";
    ImportFailed => "导入失败", "Import failed";
    ImportUnchanged =>
        "现有网格、网格员和设备数据均保持原样。请按下表修正文件后重新导入。",
        "The existing grids, workers and devices are unchanged. Fix the file as listed below and import it again.";
    ImportColFeature => "要素序号", "Feature #";
    ImportColGridCode => "网格编码", "Grid code";
    ImportColProblem => "问题代码", "Problem code";
    ImportColMessage => "说明", "Description";
    ImportWholeFile => "整个文件", "Whole file";
    ImportFeatureNote =>
        "要素序号从 0 起，即该要素在文件 features 数组中的位置。",
        "Feature # counts from 0: the feature's position in the file's features array.";
    ImportRuleSurvey =>
        "测绘成果也可直接导入：Shapefile（.zip，或同时选中 .shp、.shx、.dbf、.prj、.cpg）或任意属性名的 GeoJSON，全部层级一个文件或每层一个文件；选中后先在地图上预览，核对层级、坐标系和字段映射，再导入。",
        "Surveys can be imported as delivered: shapefiles (a .zip, or .shp, .shx, .dbf, .prj and .cpg chosen together) or GeoJSON with any property names, one file for every level or one per level. They are previewed on the map first, to check the levels, the coordinate system and the field mapping, then imported.";
    SurveyIntro =>
        "测绘成果预览：核对每个图层的层级、坐标系和字段映射，修改后立即重新预览。没有任何问题时才能导入。",
        "Survey preview: check each layer's level, coordinate system and field mapping; every change previews again. Importing is possible once no problem is left.";
    SurveyMapLegend =>
        "地图上：洋红色轮廓为预览的网格，红色为有问题的网格。",
        "On the map: the previewed grids are outlined in magenta, grids with a problem in red.";
    SurveyPreviewing => "正在预览…", "Previewing…";
    SurveyReading => "正在读取文件…", "Reading the files…";
    SurveyLayersTitle => "图层与字段映射", "Layers and field mapping";
    SurveyLayerLevel => "本层层级", "Layer level";
    SurveyLevelByCode => "按编码或层级属性判断", "From the code or level attribute";
    SurveyCrs => "坐标系", "Coordinate system";
    SurveyCrsChoose => "请选择坐标系", "Choose a coordinate system";
    SurveyCrsDeclared => "由 .prj 或 crs 声明", "Declared by the .prj or crs";
    SurveyCrsAssumed => "未声明，GeoJSON 默认 WGS84", "Not declared: GeoJSON defaults to WGS84";
    SurveyCrsUnknown => "文件未说明坐标系", "The file does not state it";
    SurveyCrsShared =>
        "未声明坐标系的图层共用这一选择",
        "Layers that do not declare their system share this choice";
    SurveyFieldUnused => "—（不使用）", "— (not used)";
    SurveyStreets => "街道", "Street";
    SurveyGeneratedCount => "生成编码", "Codes generated";
    SurveyGeneratedTitle => "生成的网格编码", "Generated grid codes";
    SurveyGeneratedNote =>
        "测绘数据中没有编码的网格，按上级编码和序号（自西向东、自北向南）生成。",
        "Grids without a code in the survey get one from their parent's code and their order (west to east, north to south).";
    SurveyReady => "未发现问题，可以导入", "No problem found: ready to import";
    SurveyColLayer => "图层", "Layer";
    SurveyFeatureNote =>
        "要素序号从 0 起，即要素在其图层（Shapefile 的记录或 GeoJSON 的 features）中的位置。",
        "Feature # counts from 0: the feature's position in its layer (the shapefile's records or the GeoJSON's features).";
    FileNotUtf8 =>
        "文件不是 UTF-8 编码，未上传。请在 GIS 软件中以 UTF-8 编码重新导出 GeoJSON",
        "The file is not UTF-8 encoded and was not uploaded. Export the GeoJSON again as UTF-8 from your GIS software";
    FileUnreadable =>
        "无法读取所选文件（可能已被移动或修改），请重新选择",
        "Cannot read the chosen file (it may have been moved or changed); choose it again";
    SideTickets => "工单", "Tickets";
    QueueTitle => "工单队列", "Ticket queue";
    QueueNew => "待受理/待分派", "New";
    QueueInProgress => "处置中", "In progress";
    QueueDeadline => "超期/临期", "Overdue / due soon";
    QueueUnrouted => "未定位", "Unrouted";
    QueueFlagged => "疑似重复", "Possible duplicates";
    QueueEmpty => "此栏暂无工单", "No tickets here";
    QueueLoading => "正在加载工单…", "Loading tickets…";
    QueueHint =>
        "拖动工单到地图上的网格即可分派；↑↓ 选择，Enter 打开，D 选择网格分派",
        "Drag a ticket onto a grid on the map to dispatch it; ↑↓ select, Enter opens, D picks a grid";
    QueueHintReadOnly => "↑↓ 选择，Enter 打开工单", "↑↓ select, Enter opens the ticket";
    LiveStream => "实时", "Live";
    LivePolling => "轮询", "Polling";
    LiveConnecting => "连接中", "Connecting";
    LiveTitle =>
        "工单变化的接收方式：实时推送，或服务器不支持推送时每 3 秒查询一次",
        "How changes arrive: pushed live, or asked for every 3 s when the server cannot push";
    IntakeOpen => "新建工单", "New ticket";
    IntakeTitle => "新建工单", "New ticket";
    IntakeChannel => "来源渠道", "Channel";
    IntakeCategory => "问题类别", "Category";
    IntakeDescription => "问题描述", "Description";
    IntakeReporter => "反映人", "Reporter";
    IntakePhone => "联系电话", "Phone";
    IntakeExternalId => "工单编号", "Work order no.";
    IntakeUrgency => "紧急程度", "Urgency";
    IntakeSubmit => "受理", "Take in";
    FlagShort => "疑重", "Dup?";
    FieldLocation => "位置", "Location";
    FieldAddressPlaceholder =>
        "地址或网格编码，或在地图上点选",
        "Address or grid code, or pick on the map";
    FieldReason => "原因", "Reason";
    FieldNote => "说明", "Note";
    FieldNoteOptional => "说明（可选）", "Note (optional)";
    FieldInto => "合并到工单号", "Merge into ticket no.";
    PickOnMap => "在地图上点选", "Pick on map";
    PickHint => "请在地图上点击问题位置", "Click the location on the map";
    Confirm => "确定", "Confirm";
    Cancel => "取消", "Cancel";
    Yes => "是", "Yes";
    ToneOverdue => "超期", "Overdue";
    ToneDueSoon => "临期", "Due soon";
    ToneNew => "待分派", "New";
    ToneActive => "处置中", "In progress";
    ToneReview => "待核查/结案", "To check / close";
    ToneDone => "已办结", "Done";
    LegendTickets => "工单", "Tickets";
    LegendCluster => "聚合（红圈含超期）", "Cluster (red ring: overdue inside)";
    LegendDevices => "设备", "Devices";
    DeviceDoorAccess => "门禁", "Door access";
    DeviceGrid => "网格", "Grid";
    CameraVideoLive => "实时画面（关闭卡片即停止）", "Live picture (stops when the card closes)";
    TicketCameras => "附近摄像头", "Nearby cameras";
    StatCamerasOnline => "摄像头在线", "Cameras online";
    ErrorLoadHealth => "加载摄像头状态失败", "Could not load the camera health";
    LivePlaying => "播放中", "Playing";
    LiveFailed => "无法播放", "Cannot play";
    LiveBusy => "视频路数已满", "Gateway full";
    LiveLimit => "已达同时观看上限", "Live stream limit reached";
    LiveInterrupted => "画面中断", "Picture interrupted";
    LiveNoPicture => "未收到画面，请稍后重试", "No picture arrived; try again later";
    WallTitle => "视频墙", "Video wall";
    WallAdd => "加入视频墙", "Add to the video wall";
    WallAddAll => "全部上墙", "All on the wall";
    WallClose => "关闭视频墙（停止全部画面）", "Close the wall (stops every picture)";
    WallTileClose => "关闭此画面", "Close this picture";
    WallFold => "收起（画面继续播放）", "Fold (pictures keep playing)";
    WallUnfold => "展开", "Unfold";
    /// Runs straight into the cameras' names, hence the trailing space.
    WallDropped =>
        "视频墙最多 9 路画面，已替换最早的：",
        "The wall holds 9 pictures; replaced the oldest: ";
    WallLayoutTooSmall =>
        "画面多于 4 路，先关闭部分画面才能改为 2×2",
        "More than 4 pictures: close some to go back to 2×2";
    AlertCamera => "告警摄像头", "Alert camera";
    AlertSnapshot => "告警抓拍", "Alert snapshot";
    SnapshotFailed => "抓拍图片无法加载", "The snapshot could not be loaded";
    SnapshotEnlarge => "点击放大，再次点击关闭", "Click to enlarge, click again to close";
    WatchLive => "查看实时画面", "Watch live";
    ShowOnMap => "定位", "Show on map";
    DoorEvents => "门禁事件", "Door events";
    DoorEventsLive => "每 3 秒更新，最新在上", "Updated every 3 s, newest first";
    DoorNoEvents => "暂无门禁告警事件", "No door events yet";
    ErrorLoadDoorEvents => "加载门禁事件失败", "Could not load the door events";
    /// Runs straight into the grid's name, hence the trailing space.
    DropInto => "松开即分派至 ", "Release to dispatch to ";
    DropNoGrid => "此处不在任何网格内", "Not inside any grid here";
    TicketLoading => "正在加载工单…", "Loading ticket…";
    TicketReceived => "受理时间", "Received";
    TicketLocation => "位置", "Location";
    TicketRouting => "所属网格", "Grid";
    TicketOwner => "首接责任", "First receiver";
    TicketAssignment => "当前承办", "Assigned to";
    TicketContactDue => "响应时限", "Contact due";
    TicketDue => "办结时限", "Due";
    TicketReporter => "反映人", "Reporter";
    TicketSourceRef => "来源编号", "Source ref.";
    SourceWorker => "网格员", "worker";
    SourceCamera => "摄像头", "camera";
    SourceNumber => "编号", "no.";
    TicketMode => "处置方式", "Handling";
    TicketEscalated => "上交至", "Escalated to";
    TicketDelegated => "已下交", "Delegated";
    TicketOutcome => "办理结果", "Outcome";
    TicketSatisfaction => "满意度", "Satisfaction";
    TicketClosedAt => "结案时间", "Closed";
    TicketCancelReason => "注销原因", "Cancel reason";
    TicketMergedInto => "已合并至", "Merged into";
    TicketReopened => "重新办理次数", "Reopened";
    TicketDuplicates => "已合并的重复工单", "Merged duplicates";
    TicketResponsible => "责任网格员", "Responsible workers";
    TicketNearest => "附近网格员", "Nearest workers";
    TicketTimeline => "办理过程", "Timeline";
    FirstContactAt => "已联系", "contacted";
    FlagText => "疑似与此工单重复：", "Possibly the same as";
    ChooserTitle => "选择分派网格", "Choose a grid";
    ChooserTitleDelegate => "选择下交网格", "Choose a grid to hand down to";
    QueueSortLabel => "排序", "Sort";
    QueueSortAction => "先办紧急", "Needs action first";
    QueueSortNewest => "最新在前", "Newest first";
    QueueSortTitle =>
        "先办紧急：超期的、临期的和紧急的在前，其余按办结时限先后；最新在前：按受理时间",
        "Needs action first: overdue, due soon and urgent first, then by deadline; newest first: by time received";
    ChooserHint =>
        "输入网格名称或编码，↑↓ 选择，Enter 分派，Esc 关闭",
        "Type a grid name or code, ↑↓ to choose, Enter dispatches, Esc closes";
    ToastUndone => "已撤销分派", "Dispatch undone";
    ToastCreated => "已受理工单", "Ticket taken in";
    ToastExisting => "该工单此前已受理", "Already taken in as ticket";
    ToastMergedInto => "已自动合并至", "merged into";
    ToastFlagged => "疑似重复于", "possible duplicate of";
    ErrorLoadTickets => "加载工单失败", "Could not load the tickets";
    ErrorLoadTicket => "加载工单详情失败", "Could not load the ticket";
    ErrorDispatch => "分派未成功", "Dispatch refused";
    ErrorDrop => "拖放分派未成功", "Drop refused";
    ErrorUndo => "撤销未成功", "Undo refused";
    ErrorDemoFeed => "演示工单流操作失败", "Demo feed change failed";
    DemoFeed => "演示工单流", "Demo feed";
    DemoRunning => "运行中", "Running";
    DemoPaused => "已暂停", "Paused";
    DemoPauseTitle => "暂停生成演示工单", "Pause the demo requests";
    DemoResumeTitle => "继续生成演示工单", "Resume the demo requests";
    DemoRate => "生成速度", "Rate";
    TicketImportOpen => "导入12345工单", "Import 12345";
    TicketImportTitle => "导入12345工单", "Import 12345 work orders";
    TicketImportRuleFormat =>
        "12345 系统导出的 CSV（UTF-8 或 GBK）或 XLSX 文件，第一行为列名。",
        "A CSV (UTF-8 or GBK) or XLSX export of the 12345 system, column names in the first row.";
    TicketImportRuleColumns =>
        "每行一张工单：工单编号、问题类别、问题描述必有，另可有受理时间、地址（或经纬度、网格编码）、反映人、联系电话、紧急程度；列名按热线导出的常见写法识别，识别不出的可手动对应。",
        "One work order per row: order no., category and description, and optionally received time, address (or longitude/latitude, grid code), reporter, phone, urgency; the hotline's usual column names are recognised, others can be mapped by hand.";
    TicketImportRuleAgain =>
        "有问题的行单独列出，其余照常受理；同一文件重复导入不会产生新工单。",
        "Rows with problems are listed, the others are taken in; importing the same file again creates nothing new.";
    TicketImportBusy => "正在上传…", "Uploading…";
    TicketImportRunning => "正在导入", "Importing";
    TicketImportDone => "导入完成", "Import finished";
    TicketImportCreated => "新建", "Created";
    TicketImportMerged => "自动合并", "Merged";
    TicketImportFlagged => "疑似重复", "Flagged";
    TicketImportExisting => "此前已导入", "Already in";
    TicketImportRejected => "未受理", "Refused";
    TicketImportRowsRefused =>
        "以下行未受理，请修正后重新导入：",
        "These rows were refused; fix them and import again:";
    TicketImportColRow => "行号", "Row";
    TicketImportColColumn => "列", "Column";
    TicketImportPreviewing => "正在读取文件的列…", "Reading the file's columns…";
    TicketImportReadAs => "各列将这样读取：", "The columns will be read as:";
    TicketImportUnread => "不读取：", "Not read:";
    TicketImportRemembered => "已按上次的列对应关系读取", "Read with the column mapping used last time";
    TicketImportAdjust => "调整列对应", "Adjust columns";
    TicketImportAdjustHide => "收起列对应", "Hide the column mapping";
    TicketImportMissing =>
        "以下必填项在文件中没有找到对应的列，请在下表中为它们选择列，然后导入：",
        "No column of the file was found for these required fields; choose one for each below, then import:";
    TicketImportSample => "文件的前几行", "First rows of the file";
    TicketImportMappingTitle => "列对应关系", "Column mapping";
    TicketImportMappingHint =>
        "为每个字段选择文件中的列；更改后重新读取预览。导入后，同样列名的文件下次自动按此读取。",
        "Choose the file's column for each field; the preview is read again on each change. Files with the same columns are read this way next time.";
    TicketImportNoColumn => "（未对应）", "(none)";
    TicketImportRequired => "必填", "Required";
    TicketImportNotRead => "不读取", "Not read";
    TicketImportCrs => "经纬度坐标系", "Coordinates in";
    TicketImportNoticesTitle =>
        "以下工单的类别不在分类目录中，已按“其他”受理（可在“分类别名”中为这些名称添加别名）：",
        "These orders' categories are not in the catalogue and were taken in as Other (add the names as aliases under Category aliases):";
    UnclassifiedTag => "待分类", "Unclassified";
    UnclassifiedTitle =>
        "类别不在分类目录中，已按“其他”受理，请调度员确定类别",
        "Its category is not in the catalogue: taken in as Other for a dispatcher to classify";
    AliasesOpen => "分类别名", "Category aliases";
    AliasesTitle => "分类别名", "Category aliases";
    AliasesHint =>
        "导入12345工单时，问题类别写作这些名称的按该分类受理。多个别名用逗号或顿号分隔；未能识别的按“其他”受理。",
        "When importing 12345 orders, a category written as one of these names is read as that category. Separate aliases with commas; names not recognised are taken in as Other.";
    AliasesColCategory => "分类", "Category";
    AliasesColCode => "编码", "Code";
    AliasesColAliases => "别名", "Aliases";
    AliasesSave => "保存别名", "Save aliases";
    AliasesSaving => "正在保存…", "Saving…";
    AliasesSaved => "别名已保存，下次导入即按新别名识别", "Aliases saved: the next import reads them";
    AliasesLoading => "正在加载分类目录…", "Loading the catalogue…";
    ErrorLoadCatalogue => "无法加载分类目录", "Could not load the catalogue";
    LoginHeading => "账号登录", "Sign in";
    LoginAccount => "账号", "Account";
    LoginPassword => "密码", "Password";
    LoginTerminal => "终端名称（选填）", "Terminal name (optional)";
    LoginTerminalHint =>
        "记入操作日志，例如：金海社区指挥终端；本机会记住它",
        "Recorded in the audit log, e.g. Jinhai community desk; this computer remembers it";
    LoginSubmit => "登录", "Sign in";
    LoginBusy => "正在登录…", "Signing in…";
    LoginFailed => "账号或密码错误", "Wrong account or password";
    LoginDisabled => "该账号已停用，请联系管理员", "This account is disabled: ask an administrator";
    LoginInvalid => "请输入账号和密码", "Enter your account and password";
    LoginUnreachable => "无法连接服务器", "Cannot reach the server";
    LoginSwitchHeading => "切换账号", "Switch account";
    LoginLocalNote =>
        "以其他账号登录后，本窗口按该账号的角色和范围显示；退出登录即回到本机调度员。",
        "After signing in as another account the window shows that account's role and area; signing out returns to the local dispatcher.";
    SessionExpired => "会话已过期，请重新登录", "Your session has expired: please sign in again";
    LaunchKeyLost =>
        "本窗口的本机启动密钥已失效（桌面程序已重新启动）：请从智慧滨河桌面程序重新打开本窗口；有账号的也可在下方登录。",
        "This window's launch key is no longer valid (the desktop app has started again): open the window again from the Smart Binhe desktop app, or sign in below with an account.";
    Retry => "重试", "Retry";
    AccountMenu => "账号与设置", "Account and settings";
    Logout => "退出登录", "Sign out";
    SwitchAccount => "切换账号", "Switch account";
    Standalone => "本机模式", "Standalone";
    ErrorLogout => "退出登录失败", "Could not sign out";
    ErrorAction => "操作未执行", "Action refused";
    AccountsOpen => "账号管理", "Accounts";
    AccountsTitle => "账号管理", "Accounts";
    AccountsLoading => "正在加载账号…", "Loading the accounts…";
    ErrorLoadAccounts => "加载账号失败", "Could not load the accounts";
    ColLogin => "账号", "Login";
    ColName => "姓名", "Name";
    ColRole => "角色", "Role";
    ColCommunity => "社区", "Community";
    ColWorkerId => "网格员编号", "Worker ID";
    ColStatus => "状态", "Status";
    ColActions => "操作", "Actions";
    AccountActive => "正常", "Active";
    AccountDisabled => "已停用", "Disabled";
    AccountDisable => "停用", "Disable";
    AccountEnable => "启用", "Enable";
    AccountChangePassword => "改密码", "Change password";
    AccountNewPassword => "新密码", "New password";
    AccountPasswordChanged => "密码已修改", "Password changed";
    AccountSave => "保存", "Save";
    AccountNewTitle => "新建账号", "New account";
    AccountCreate => "创建账号", "Create account";
    AccountCreated => "已创建账号", "Account created";
    AccountLoginRule => "3–32 位小写字母、数字或 - _ .", "3–32 of a–z, 0–9, - _ .";
    AccountPasswordRule => "密码（至少 8 位）", "Password (8 characters or more)";
    AccountChooseCommunity => "选择社区", "Choose a community";
    AccountYou => "当前登录", "You";
    AuditOpen => "操作日志", "Audit log";
    BasemapOpen => "底图管理", "Basemap";
    BasemapTitle => "街道底图", "Street basemap";
    BasemapRuleFormat =>
        "支持 MBTiles 或 PMTiles 文件（栅格 PNG/JPEG/WebP 或矢量 MVT 切片），最大 16 GiB",
        "MBTiles or PMTiles files (raster PNG/JPEG/WebP or vector MVT tiles), up to 16 GiB";
    BasemapRuleKeep =>
        "服务器校验文件后才替换当前底图；校验不通过时原底图保持不变",
        "The file replaces the current basemap only once the server has checked it; a file that fails leaves the current one";
    BasemapRuleOffline =>
        "切片由本服务器提供，不访问任何外部地图服务",
        "Tiles come from this server; no outside map service is used";
    BasemapNone => "当前显示系统生成的底图", "The generated basemap is shown";
    BasemapUploading => "正在上传并校验底图…", "Uploading and checking the basemap…";
    BasemapDone => "底图已更新，地图已改用新底图", "Basemap replaced: the map shows it now";
    BasemapRemove => "移除底图", "Remove basemap";
    BasemapRemoveConfirm => "确认移除（改用生成的底图）", "Confirm: back to the generated basemap";
    BasemapRemoved => "底图已移除，地图改用生成的底图", "Basemap removed: the generated one is shown";
    BasemapZooms => "缩放级别", "Zoom levels";
    BasemapSize => "文件大小", "File size";
    BasemapAdded => "添加于", "Added";
    BasemapLayers => "矢量图层", "Vector layers";
    ErrorBasemap => "加载街道底图失败", "Could not load the street basemap";
    AuditTitle => "操作日志", "Audit log";
    AuditAccount => "账号", "Account";
    AuditAction => "操作", "Action";
    AuditAnyAction => "全部操作", "Any action";
    AuditSince => "起始日期", "From";
    AuditUntil => "截止日期", "To";
    AuditSearch => "查询", "Search";
    AuditClear => "清除条件", "Clear";
    AuditColTime => "时间（北京时间）", "Time (Beijing)";
    AuditColTerminal => "终端", "Terminal";
    AuditColAddress => "地址", "Address";
    AuditColTarget => "对象", "Target";
    AuditColStatus => "结果", "Status";
    AuditColDetail => "详情", "Detail";
    AuditEmpty => "没有符合条件的记录", "No matching entries";
    AuditLoading => "正在查询…", "Searching…";
    ErrorLoadAudit => "加载操作日志失败", "Could not load the audit log";
    AuditLogin => "登录", "Sign-in";
    AuditLoginFailed => "登录失败", "Failed sign-in";
    AuditLoginThrottled => "登录受限", "Sign-in throttled";
    AuditDemoFeed => "演示工单设置", "Demo feed setting";
    AuditTicket => "工单", "Ticket";
    AuditLogout => "退出登录", "Sign-out";
    AuditTicketCreate => "新建工单", "New ticket";
    AuditTicketDispatch => "分派工单", "Dispatch";
    AuditTicketDrop => "拖放分派", "Drag-dispatch";
    AuditTicketsImport => "导入12345工单", "12345 import";
    AuditGridsImport => "导入网格", "Grid import";
    AuditCatalogueReplace => "修改分类目录", "Catalogue change";
    AuditSlaChange => "修改时限", "SLA change";
    AuditAccountCreate => "新建账号", "New account";
    AuditAccountUpdate => "修改账号", "Account change";
    AuditDesktopCenter => "修改连接设置", "Connection change";
    ConnectionOpen => "连接设置", "Connection";
    ConnectionTitle => "连接设置", "Connection";
    ConnectionCurrent => "当前连接", "Connected to";
    ConnectionLocal =>
        "本机模式（本机内置服务器与数据）",
        "Standalone (this computer's built-in server and data)";
    ConnectionUrl => "指挥中心服务器地址", "Center server address";
    ConnectionConnect => "连接指挥中心", "Connect to the center";
    ConnectionUseLocal => "改用本机模式", "Use standalone mode";
    ConnectionBadUrl =>
        "请输入以 http:// 或 https:// 开头的完整地址，例如 http://center:8080/",
        "Enter a full address starting with http:// or https://, e.g. http://center:8080/";
    ConnectionSaved =>
        "已保存：窗口将转到所选服务器",
        "Saved: the window moves to the chosen server";
    ConnectionNote =>
        "连接指挥中心后，本窗口显示该服务器的登录页面，使用中心的账号与数据；本机模式使用本机内置服务器。下次启动沿用此设置。",
        "Connected to a center, this window shows that server's login page and uses the center's accounts and data; standalone mode uses the built-in server. The next start keeps this choice.";
    KpiOpen => "数据看板", "Dashboard";
    KpiOpenTitle =>
        "打开数据看板：受理、响应、解决、满意与考核排名",
        "Open the dashboard: intake, response, resolution, satisfaction and ranking";
    KpiTabDashboard => "看板", "Dashboard";
    KpiTabReport => "月报", "Monthly report";
    KpiTabProactive => "未诉先办", "Act before the call";
    HotspotLoading => "正在读取热点分析…", "Loading the hotspot analysis…";
    HotspotRuns => "分析记录", "Analyses";
    HotspotRunNow => "立即分析", "Analyse now";
    HotspotRunNowTitle =>
        "按当前数据立即做一次时空热点分析（约需数秒）",
        "Run a space-time hotspot analysis of the current data now (a few seconds)";
    HotspotRunning => "正在分析…", "Analysing…";
    HotspotListTitle => "时空热点", "Space-time hotspots";
    HotspotNoRun =>
        "尚无热点分析：中心每日凌晨自动分析一次，也可立即分析。",
        "No hotspot analysis yet: the center runs one every night, or run one now.";
    HotspotNoneSignificant =>
        "本次分析未发现显著的时空聚集。",
        "This analysis found no significant space-time cluster.";
    HotspotRising => "仍在上升", "Still rising";
    HotspotSteady => "趋于平稳", "Levelling off";
    HotspotMonthlyTitle => "每月一题", "Problems of the month";
    HotspotTopProblems => "主要问题（较上月）", "Top problems (vs last month)";
    HotspotRisingTitle => "诉求环比上升的微网格", "Micro-grids with rising requests";
    HotspotRisingNone =>
        "本月没有诉求显著上升的微网格。",
        "No micro-grid's requests rose significantly this month.";
    HotspotMethod =>
        "方法：时空重排扫描统计（Kulldorff 2005），蒙特卡洛检验，显著性水平 0.05；环比上升为泊松检验并经 Benjamini–Hochberg 校正。",
        "Method: space-time permutation scan statistic (Kulldorff 2005) with a Monte Carlo test at the 0.05 level; rising micro-grids by a Poisson test with a Benjamini–Hochberg correction.";
    HotspotShowOnMap => "地图定位", "Show on map";
    HotspotTicket => "转为主动工单", "Make a proactive ticket";
    HotspotProject => "立项治理", "Start a project";
    HotspotProjectTitle =>
        "以此热点的区域和类别新建治理项目",
        "Start a governance project for this hotspot's area and category";
    KpiTabProjects => "治理项目", "Projects";
    KpiTabDiary => "民情日记", "Diaries";
    DiaryNew => "记民情日记", "Write a diary entry";
    DiaryLoading => "正在读取民情日记…", "Loading the diaries…";
    DiaryNone => "尚无民情日记。网格员在手机端记录走访，或在此代为记录。", "No diary entries yet: grid workers write them on their phones, or write one here for them.";
    DiaryOnlySelected => "只看地图所选微网格", "Only the micro-grid selected on the map";
    DiaryFollowUp => "后续跟进", "Follow-up";
    DiaryTicket => "已转工单", "Ticket";
    DiaryToTicket => "转为工单", "Turn into a ticket";
    DiaryChooseCategory => "选择问题类别", "Choose a category";
    DiaryNoCategory => "（暂不分类）", "(no category yet)";
    DiaryWorker => "记录网格员", "Worker keeping the diary";
    DiaryWorkerHint => "网格员编号，如 JZ012", "The worker's number, e.g. JZ012";
    DiaryMicro => "微网格", "Micro-grid";
    DiaryUnit => "单元", "Unit";
    DiaryKindLabel => "走访方式", "Kind of round";
    DiaryHouseholds => "走访户数", "Households met";
    DiaryConcerns => "群众反映", "What people raised";
    DiarySave => "保存日记", "Save the entry";
    DiaryBadHouseholds => "走访户数应为不小于 0 的整数", "Households must be a whole number, not negative";
    WardTitle => "包户", "Who answers for each unit";
    WardPickMicro => "在地图上选择一个微网格，查看和调整其单元的包户网格员", "Select a micro-grid on the map to see and change who answers for its units";
    WardSave => "保存包户", "Save the wards";
    WardNobody => "（未包户）", "(nobody)";
    WardHouseholds => "户数", "Households";
    WardSaved => "已保存", "Saved";
    KpiTabCircles => "三圈议事", "Circles";
    CirclesLoading => "正在读取三圈与议事…", "Loading the circles and meetings…";
    CirclesPaneMeetings => "居民议事厅", "Residents' meetings";
    CirclesPaneMembers => "圈子成员", "Circle members";
    CirclesAll => "全部", "All";
    CirclesNewMember => "新增成员", "Add a member";
    CirclesNewMeeting => "记录议事", "Record a meeting";
    CirclesMasked =>
        "个人信息已隐去（仅社区指挥长和本网格网格员可见）",
        "Personal details are hidden (only the community's commander and the micro-grid's workers see them)";
    CirclesNoMembers => "该范围尚无圈子成员。", "No circle members here yet.";
    CirclesNoMeetings => "尚无议事记录。", "No meeting recorded yet.";
    CirclesPickMeeting => "选择一次议事查看详情、分摊与缴费", "Pick a meeting to see its decision, shares and payments";
    CirclesColName => "姓名/名称", "Name";
    CirclesColCircle => "圈子", "Circle";
    CirclesColContact => "联系人", "Contact";
    CirclesColPhone => "电话", "Phone";
    CirclesColArea => "面积（㎡）", "Area (m²)";
    CirclesParty => "党员", "Party member";
    CirclesRemove => "移出", "Remove";
    CirclesRemoveConfirm => "确定移出圈子？", "Take them out of the circle?";
    CirclesMicroOptional => "微网格（可选）", "Micro-grid (optional)";
    CirclesWholeCommunity => "（整个社区）", "(the whole community)";
    MemberCircle => "所属圈子", "Circle of the member";
    MemberNameResident => "居民姓名", "Resident's name";
    MemberNameShop => "商户名称", "Shop name";
    MemberNameUnit => "单位名称", "Organisation";
    MemberAddressResident => "楼栋单元门牌", "Building, entrance and door";
    MemberAddressShop => "商铺地址", "Shop address";
    MemberAddressUnit => "单位地址", "Address of the organisation";
    MemberContact => "联系人姓名", "Contact person";
    MemberPhone => "联系电话", "Telephone";
    MemberArea => "面积（平方米，可选）", "Floor area (m², optional)";
    MemberSave => "保存成员", "Save the member";
    MemberBadArea => "面积应为大于 0 的数字", "The floor area must be a number above 0";
    MeetingTopic => "议题", "Topic";
    MeetingPlace => "地点", "Place";
    MeetingHeldAt => "议事时间（北京时间）", "Held at (Beijing time)";
    MeetingTime => "议事时间", "Held";
    MeetingTicketNumber => "关联工单编号", "Ticket number";
    MeetingTicket => "关联工单", "Ticket";
    MeetingProject => "关联治理项目", "Governance project";
    MeetingNoProject => "（无）", "(none)";
    MeetingParticipants => "参会圈内成员", "Circle members present";
    MeetingNoMembers => "该社区尚无圈子成员，可先新增成员", "The community has no circle member yet: add some first";
    MeetingChooseCommunity => "先选择社区，再勾选其圈内成员", "Choose the community first, then tick its members";
    MeetingAttendees => "参会人数", "Attendees";
    MeetingMinutes => "会议纪要", "Minutes";
    MeetingDecision => "决定事项", "Decision";
    MeetingVotes => "表决（未表决可不填）", "Vote (leave empty if none was taken)";
    MeetingVote => "表决", "Vote";
    VoteFor => "赞成", "For";
    VoteAgainst => "反对", "Against";
    VoteAbstain => "弃权", "Abstain";
    MeetingRecordedBy => "记录人", "Recorded by";
    MeetingSave => "保存议事", "Save the meeting";
    MeetingBadNumber => "参会人数和票数应为不小于 0 的整数", "Attendees and votes must be whole numbers, not negative";
    MeetingBadTicket => "工单编号应为数字", "The ticket number must be a number";
    MeetingSolved => "已解决", "Solved through the circle";
    MeetingMarkSolved => "标记为已解决", "Mark as solved";
    MeetingUnmarkSolved => "取消已解决", "Not solved after all";
    ShareSection => "费用分摊", "Cost sharing";
    ShareOn => "本次议事分摊费用", "This meeting shares a cost";
    ShareItem => "费用项目", "What it pays for";
    ShareTotal => "总费用（元）", "Total (yuan)";
    ShareTotalHint => "如 24000、¥2,400.50 或 2.4万", "e.g. 24000 or ¥2,400.50";
    ShareRuleLabel => "分摊方式", "Sharing rule";
    ShareSharers => "分摊人（勾选）", "Sharers (tick them)";
    ShareBadTotal => "无法识别的金额", "Not an amount of money";
    ShareBadAgreed => "约定金额无法识别", "The agreed amount is not an amount of money";
    ShareColMember => "分摊人", "Sharer";
    ShareColBasis => "分摊依据", "Basis";
    ShareColAmount => "分摊金额（元）", "Share (yuan)";
    ShareColPaid => "缴纳情况", "Paid or not";
    SharePaid => "已缴", "Paid";
    ShareUnpaid => "未缴", "Not paid";
    SharePrint => "打印分摊公示", "Print the cost-sharing notice";
    NoticeTitle => "费用分摊公示", "Cost-sharing notice";
    NoticeSeal => "社区居委会（盖章）", "Community residents' committee (seal)";
    NoticeDate => "公示日期", "Date of notice";
    NoticeTotal => "合计", "Total";
    KpiCircles => "三圈解决", "Solved through the circles";
    KpiCircleCases => "解决案例", "Cases";
    ProjectNew => "新建项目", "New project";
    ProjectEditTitle => "修改项目", "Change the project";
    ProjectLoading => "正在读取治理项目…", "Loading the projects…";
    ProjectNone => "尚无治理项目。可从未诉先办的热点立项，或新建项目。", "No project yet: start one from a hotspot, or a new one.";
    ProjectEdit => "修改", "Edit";
    ProjectTitle => "项目名称", "Title";
    ProjectGoal => "治理目标", "Goal";
    ProjectState => "项目状态", "State";
    ProjectArea => "治理区域", "Area";
    ProjectAreaHint => "社区或微网格的编码或名称，空格分隔", "Codes or names of communities or micro-grids, separated by spaces";
    ProjectCategory => "问题类别", "Category";
    ProjectAllCategories => "全部类别", "All categories";
    ProjectResponsible => "责任人", "Responsible";
    ProjectBudget => "预算", "Budget";
    ProjectBudgetYuan => "预算（元）", "Budget (yuan)";
    ProjectDates => "起止日期", "Dates";
    ProjectStarted => "开始日期", "Started";
    ProjectFinished => "完成日期", "Finished";
    ProjectMilestones => "进度节点", "Milestones";
    ProjectMilestoneTitle => "节点名称", "Milestone";
    ProjectMilestoneDue => "计划日期", "Due";
    ProjectMilestoneDone => "完成日期", "Done";
    ProjectMilestoneAdd => "＋ 添加节点", "+ Add a milestone";
    ProjectTickets => "关联工单", "Linked tickets";
    ProjectTicketIds => "关联工单编号（空格分隔）", "Linked ticket numbers (separated by spaces)";
    ProjectSave => "保存项目", "Save the project";
    ProjectBadDate => "日期格式应为 年-月-日", "Write dates as year-month-day";
    ProjectBadAmount => "金额应为不小于 0 的数字（元）", "The amount must be a number of yuan, not negative";
    ProjectBadTicket => "工单编号应为数字", "Ticket numbers are digits";
    HotspotTicketTitle =>
        "以此热点新建一张主动发现工单（可修改后登记），按闭环派单处置",
        "Start a proactive ticket from this hotspot (edit, then register); it goes through the same loop";
    HotspotLayer => "未诉先办热点", "Hotspots";
    HotspotLayerTitle =>
        "在地图上显示最近一次时空热点分析的热点范围",
        "Show the hotspots of the latest space-time analysis on the map";
    KpiLoading => "正在统计…", "Counting…";
    KpiPeriodMonth => "月", "Month";
    KpiPeriodYear => "年", "Year";
    KpiPeriodRange => "区间", "Range";
    KpiPeriodLabel => "统计区间", "Period";
    KpiScopeLabel => "范围", "Scope";
    KpiScopeStreet => "全街道", "Whole street";
    KpiAsOf => "截至", "As of";
    KpiAsOfHint =>
        "按该日 0 时（北京时间）的情况统计，如月报截至日；留空则统计到现在",
        "Count as things stood at 00:00 Beijing time of this day, as a report's cut-off; empty counts up to now";
    KpiReceived => "受理量", "Received";
    KpiMonthlyReceived => "月均受理量", "Received per month";
    KpiPer10k => "万人诉求量", "Requests per 10,000 residents";
    KpiResponse => "响应率", "Response rate";
    KpiResolution => "解决率", "Resolution rate";
    KpiSatisfaction => "满意率", "Satisfaction rate";
    KpiDelegated => "下交", "Delegated";
    KpiDelegatedResolution => "下交解决率", "Delegated resolution rate";
    KpiClosure => "结案率", "Closure rate";
    KpiOnTimeClosure => "按期结案率", "On-time closure rate";
    KpiOverdue => "超期未结", "Overdue";
    KpiProactive => "主动发现占比", "Found proactively";
    TicketWard => "包户网格员", "Answers for this door";
    WardNone => "该单元尚未包户", "Nobody answers for this unit yet";
    KpiProactiveCount => "主动发现件数", "Tickets found";
    KpiAvoided => "减少诉求", "Requests avoided";
    KpiProjectsFinished => "完成治理项目", "Projects finished";
    KpiOpenNow => "未办结", "Open";
    KpiExcluded => "不计入（注销、合并）", "Left out (cancelled, merged)";
    KpiResidents => "常住人口", "Residents";
    KpiBasicallySatisfied => "基本满意", "Basically satisfied";
    KpiMissResponse => "未按时响应", "Not contacted in time";
    KpiMissResolution => "未解决", "Not solved";
    KpiMissSatisfaction => "未满意", "Not satisfied";
    KpiMissDelegated => "下交未解决", "Delegated, not solved";
    KpiMissClosure => "未结案", "Not closed";
    KpiMissOnTime => "未按期结案", "Not closed on time";
    KpiTrendTitle => "月度趋势", "Monthly trend";
    KpiCategoryTitle => "诉求类别", "Top categories";
    KpiRankingTitle => "考核排名", "Ranking";
    KpiAssessmentTitle => "考核（综合得分）", "Assessment (score)";
    KpiWeights => "权重", "Weights";
    KpiWeightsHint =>
        "响应率、解决率、满意率的权重，合计须为 100",
        "Weights of response, resolution and satisfaction; they must add up to 100";
    KpiWeightsReset => "恢复 30/35/35", "Reset to 30/35/35";
    KpiRank => "名次", "Rank";
    KpiSubject => "对象", "Subject";
    KpiScore => "综合得分", "Score";
    KpiScoreDefinition =>
        "综合得分 = 响应率 × 权重 + 解决率 × 权重 + 满意率 × 权重（合计 100）；无数据的指标不计入，其权重按比例分给其余指标；得分相同者名次并列",
        "Score = response × weight + resolution × weight + satisfaction × weight (weights add up to 100); a rate with no value leaves the score and its weight is shared among the others; equal scores share a rank";
    KpiSortByScore => "按得分排序", "Sort by score";
    KpiNoData => "本期无数据", "No data for this period";
    KpiDrillTitle => "工单明细", "Tickets";
    KpiDrillEmpty => "没有工单", "No tickets";
    KpiDrillHint =>
        "点击一行打开工单卡片并在地图上定位",
        "Click a row to open its card and find it on the map";
    KpiLegendFuture => "未到月份", "Months to come";
    KpiHeat => "诉求热力", "Request heat";
    KpiHeatTitle =>
        "按所选时段的受理量为各微网格着色",
        "Colour the micro-grids by requests received in the period chosen";
    HeatPeriodTitle => "诉求热力的统计时段", "The heat map's period";
    HeatPeriodWeek => "周", "Week";
    HeatWeekBefore => "上一周", "Previous week";
    HeatWeekAfter => "下一周", "Next week";
    HeatRangeOrder => "开始日期晚于结束日期", "The first day is after the last";
    HeatRangeFuture => "开始日期晚于今天", "The first day is after today";
    KpiReportPrint => "打印", "Print";
    KpiReportXlsx => "导出 XLSX", "Export XLSX";
    KpiReportYearToDate => "本年累计", "Year to date";
    KpiReportFigure => "指标", "Figure";
    KpiReportShare => "占比", "Share";
    KpiReportCount => "件数", "Count";
    KpiReportFigures => "主要指标", "Key figures";
    KpiDelegatedCount => "下交件数", "Delegated tickets";
    PickerYear => "年份", "Year";
    PickerMonth => "月份", "Month";
    PickerDatePlaceholder => "年-月-日", "YYYY-MM-DD";
    PickerDateFormat => "按“年-月-日”填写，如 2026-12-01", "Type the day as YYYY-MM-DD, e.g. 2026-12-01";
    PickerDateTimePlaceholder => "年-月-日 时:分", "YYYY-MM-DD HH:MM";
    PickerDateTimeFormat =>
        "按“年-月-日 时:分”填写（24 小时制，北京时间），如 2026-12-01 09:05",
        "Type the moment as YYYY-MM-DD HH:MM (24-hour, Beijing time), e.g. 2026-12-01 09:05";
    ErrorLoadKpi => "无法加载统计数据", "Could not load the figures";
    // The grid worker's phone (`/m/`).
    TicketPhotos => "现场照片", "Photos";
    PhoneTitle => "网格员", "Grid worker";
    PhoneBack => "返回我的工单", "Back to my tickets";
    PhoneLogout => "退出", "Sign out";
    PhoneMyTickets => "我的工单", "My tickets";
    PhoneRefresh => "刷新", "Refresh";
    PhoneNoTickets => "暂无待办工单", "No open tickets";
    PhonePatrol => "巡查上报", "Report on patrol";
    PhoneDiary => "写民情日记", "Write my diary";
    PhoneDiaryEmpty => "还没有记过民情日记", "No diary entries yet";
    PhoneDiaryWholeGrid => "（整个微网格）", "(the whole micro-grid)";
    PhoneReporter => "诉求人", "Requester";
    PhoneStart => "接单", "Take it";
    PhoneCall => "拨打电话", "Call";
    PhoneNavigate => "用手机地图导航", "Navigate in the phone's map";
    PhoneLocate => "重新定位", "Locate me";
    PhoneLocating => "正在定位…", "Locating…";
    PhonePositionAt => "当前位置", "Position";
    PhoneNoPosition => "无法获取手机位置，请开启定位后重试", "The phone's position is unknown; turn location on and try again";
    PhoneNoGeolocation => "此浏览器不支持定位", "This browser cannot tell its position";
    PhoneFeedback => "办结反馈", "Report the result";
    PhoneSolved => "已解决", "Solved";
    PhoneNoteHint => "处置情况（必填）", "What was done (required)";
    PhoneTakePhoto => "拍照 / 选择照片", "Take or choose photos";
    PhonePhotoChecking => "检查中", "Checking";
    PhonePhotoWaiting => "待上传", "Waiting";
    PhonePhotoSending => "上传中", "Sending";
    PhonePhotoSent => "已上传", "Sent";
    PhoneSubmitFeedback => "提交反馈", "Send the result";
    PhoneChooseCategory => "请选择类别", "Choose a category";
    PhoneSubmitPatrol => "上报", "Report";
    PhonePatrolDone => "已上报工单", "Reported as ticket";
    PhoneOpenTicket => "查看工单", "Open the ticket";
    ExportButton => "导出", "Export";
    ExportTitle =>
        "按当前列表的筛选条件导出工单（记入操作日志）",
        "Export the tickets of this list, with its filters (recorded in the audit log)";
    ExportCsvNote => "UTF-8，可用 Excel 直接打开", "UTF-8, opens in Excel";
    ExportGbkNote => "GBK 编码，供旧版系统使用", "GBK, for older systems";
    ExportXlsxNote => "中文表头，北京时间", "Chinese headers, Beijing time";
    ExportGeoJsonNote => "仅有位置的工单", "Located tickets only";
    ExportFullPhones => "含完整电话", "Full phone numbers";
    ExportFullPhonesTitle =>
        "导出未脱敏的联系电话，仅限调度员",
        "Export phone numbers unmasked (dispatchers only)";
    ExportMasked => "联系电话已脱敏", "Phone numbers are masked";
    ExportAudited =>
        "将导出完整电话，此次导出记入操作日志",
        "Full phone numbers: this export is recorded in the audit log";
    ExportStarting => "正在准备导出…", "Preparing the export…";
    ExportFailed => "导出失败", "Export failed";
    ExportSaveFailed => "无法保存文件", "Could not save the file";
    ExportBrokeOff =>
        "下载中断，文件未保存，请重试",
        "The download broke off and nothing was saved: try again";
    ExportScopeOpen => "全部未办结工单", "All open tickets";
    TimelineExport => "导出时间线", "Export timeline";
    TimelineExportTitle =>
        "导出该工单的全部事件记录",
        "Export this ticket's event log";
    GridsExport => "导出网格", "Export grids";
    GridsExportTitle =>
        "导出全部社区与微网格边界，供上报区级平台",
        "Export every community and micro-grid boundary for the district";
    GridsExportGeoJsonNote => "社区与微网格，WGS84", "Communities and micro-grids, WGS84";
    GridsExportShapefileNote =>
        "每级一个图层，含 .prj 与 .cpg",
        "One layer per level, with .prj and .cpg";
    Open311Open => "Open311 接入方", "Open311 clients";
    Open311Intro =>
        "外部应用（如随手拍、开放数据平台）凭 API 密钥向本街道提交诉求；吊销后其密钥立即失效。",
        "Outside apps (resident reporting apps, open-data portals) post requests with an API key; a revoked key stops working at once.";
    Open311ColName => "接入方名称", "Client name";
    Open311ColCreatedBy => "创建人", "Created by";
    Open311ColCreated => "创建时间", "Created";
    Open311ColLastUsed => "最近使用", "Last used";
    Open311Active => "有效", "Valid";
    Open311Revoked => "已吊销", "Revoked";
    Open311Revoke => "吊销", "Revoke";
    Open311RevokeConfirm =>
        "吊销后该密钥立即失效且不能恢复，确定吊销？",
        "The key stops working at once and cannot be restored. Revoke it?";
    Open311RevokeYes => "确定吊销", "Yes, revoke";
    Open311NewTitle => "新建接入方", "New client";
    Open311NameRule => "1–64 个字符", "1–64 characters";
    Open311Create => "生成密钥", "Create key";
    Open311KeyTitle => "新接入方的 API 密钥", "The new client's API key";
    Open311KeyWarning =>
        "密钥只显示这一次，服务器只保存其摘要，关闭后无法再查看。请立即复制并交给接入方妥善保管。",
        "The key is shown this once: the server keeps only its digest. Copy it now and hand it to the client to keep safe.";
    Open311Copy => "复制", "Copy";
    Open311Copied => "已复制", "Copied";
    Open311CopyFailed => "无法复制，请手动选中密钥复制", "Could not copy: select the key and copy it by hand";
    Open311Loading => "正在加载接入方…", "Loading clients…";
    Open311Empty => "尚无接入方", "No clients yet";
    Open311NeverUsed => "从未使用", "Never";
    ErrorLoadOpen311 => "无法加载接入方", "Could not load the clients";
    /// The banner's tag on a training server: what plays is a drill, not the street's day.
    TrainingTag => "演练", "Training";
    /// The trainer's button in the banner, and the title of the panel it opens.
    TrainingOpen => "演练控制台", "Training console";
    TrainingOpenTitle =>
        "控制演练的时钟和事件，演练结束后查看复盘",
        "Run the training clock and incidents; read the debrief afterwards";
    TrainingTabConsole => "控制台", "Console";
    TrainingTabDebrief => "复盘", "Debrief";
    TrainingShift => "班次", "Shift";
    TrainingSpeed => "倍速", "Speed";
    TrainingSpeedHint =>
        "每秒推进的故事秒数（1–1000），回车生效",
        "Story seconds per second (1–1000); Enter applies";
    TrainingEndConfirm =>
        "结束后演练不能再继续，确定结束？",
        "An ended run cannot go on. End it?";
    TrainingEnded => "演练已结束，可以查看复盘", "The run has ended: the debrief is ready";
    TrainingProgress => "进度", "Progress";
    TrainingIncidents => "事件", "Incidents";
    TrainingNoIncidents => "场景中没有事件", "The scenario has no incidents";
    TrainingInjectNow => "立即触发", "Bring forward";
    TrainingInjectNowTitle =>
        "现在就让该事件的来电开始，不再等到计划时间",
        "Start this incident's calls now instead of at its planned time";
    TrainingInjectedTag => "已注入", "Injected";
    TrainingBegunTag => "已开始", "Under way";
    TrainingComingTag => "待触发", "To come";
    TrainingBroughtForward => "已提前触发", "Brought forward";
    TrainingNewIncident => "注入新事件", "Inject a new incident";
    TrainingIncidentName => "事件名称", "Incident name";
    TrainingMicroHint =>
        "搜索并选择微网格，可选多个",
        "Search and pick micro-grids, one or more";
    TrainingChooseCategory => "选择类别", "Choose a category";
    TrainingCalls => "来电数", "Calls";
    TrainingMinutes => "持续分钟", "Minutes";
    TrainingInject => "注入", "Inject";
    TrainingNotStarted =>
        "演练开始后才能触发或注入事件",
        "Incidents can be brought forward or injected once the run has started";
    TrainingBadNumber => "应为正整数", "Must be a whole number above 0";
    TrainingOffDuty => "不在岗网格员", "Workers off duty";
    TrainingAllOnDuty => "全员在岗", "Everyone is on duty";
    TrainingRemoveGrid => "移除", "Remove";
    DebriefTitle => "演练复盘", "Training debrief";
    DebriefLoading => "正在生成复盘…", "Preparing the debrief…";
    DebriefPrint => "打印报告", "Print the report";
    DebriefSeed => "随机种子", "Seed";
    DebriefState => "演练状态", "Run state";
    DebriefRun => "实际时间", "Wall time";
    DebriefPlayed => "已演练（故事时间）", "Played (story time)";
    DebriefCalls => "来电总数", "Calls sent";
    DebriefTrainees => "学员成绩", "Trainees";
    DebriefNoTrainees =>
        "没有学员账号（调度员或社区指挥）",
        "No trainee accounts (dispatchers or community commanders)";
    DebriefScore => "得分", "Score";
    DebriefDispatched => "已分派", "Dispatched";
    DebriefRightGrid => "网格正确", "Right grid";
    DebriefRightEscalation => "上交正确", "Right escalation";
    DebriefInTime => "按时分派", "In time";
    DebriefConflicts => "操作冲突", "Conflicts";
    DebriefMedianRegister => "登记用时中位数（分:秒）", "Median time to register (m:ss)";
    DebriefMedianDispatch => "分派用时中位数（分:秒）", "Median time to dispatch (m:ss)";
    DebriefColTime => "故事时间", "Story time";
    DebriefColRequest => "脚本诉求", "Scripted request";
    DebriefColExpected => "应派网格", "Expected grid";
    DebriefColAssigned => "实际去向", "Ended at";
    DebriefColEscalation => "上交（应 / 实）", "Escalation (expected / done)";
    DebriefColRegistered => "登记用时（分:秒）", "Registered after (m:ss)";
    DebriefColDispatched => "分派用时（分:秒）", "Dispatched after (m:ss)";
    DebriefColPoints => "得分（满分 100）", "Points (of 100)";
    DebriefNotDispatched => "未分派", "Not dispatched";
    DebriefNotArrived => "未来电（演练已结束）", "Never came (the run ended)";
    DebriefNoRequests => "没有该学员负责的脚本诉求", "No scripted request was this trainee's";
    DebriefTimeline => "时间线", "Timeline";
    DebriefEmptyTimeline => "尚无记录", "Nothing yet";
    ReplayOpen => "回放", "Replay";
    ReplayOpenTitle => "从事件日志回放任意时段：当时的地图与待办队列", "Replay any stretch from the event log: the map and the queue as they were";
    ReplayFrom => "回放起点", "Replay from";
    ReplayUntil => "回放终点", "Replay until";
    ReplayLoad => "加载", "Load";
    ReplayLoading => "加载中…", "Loading…";
    ReplayPlay => "播放", "Play";
    ReplayPause => "暂停回放", "Pause replay";
    ReplaySpeed => "回放速度", "Replay speed";
    ReplayExit => "退出回放", "Exit replay";
    ReplayQueue => "此刻待办工单", "Open tickets at this moment";
    ReplayTicker => "事件流", "Events as they happened";
    ReplayReceived => "来件", "Received";
    ReplayEmptyQueue => "此刻没有待办工单", "No ticket open at this moment";
    ReplayHint => "选择时段后点击加载", "Choose a stretch, then Load";
    ReplayTruncated => "事件超过 10 万条：只回放到所给的最后一条", "More than 100,000 events: replayed up to the last one given";
}

/// Declares one `pub fn name(lang: Lang, args…) -> String` per entry of
/// `name(arg: Type) => "中文 {arg}", "English {arg}";`.
macro_rules! formatted {
    ($($(#[$doc:meta])* $name:ident($($arg:ident: $ty:ty),*) => $zh:literal, $en:literal;)*) => {
        $(
            $(#[$doc])*
            pub fn $name(lang: Lang, $($arg: $ty),*) -> String {
                match lang {
                    Lang::Zh => format!($zh),
                    Lang::En => format!($en),
                }
            }
        )*
    };
}

formatted! {
    /// Why a file over the import limit was refused, e.g. sizes "80.0 MiB" and "64 MiB".
    file_too_large(size: &str, limit: &str) =>
        "文件大小 {size}，超过导入上限 {limit}，未上传。可减少坐标小数位数或简化边界后再试",
        "The file is {size}, over the {limit} import limit, and was not uploaded. Reduce the coordinate precision or simplify the boundaries and try again";
    /// Why a survey too large for one upload was refused: the files' total and the limit.
    survey_too_large(size: &str, limit: &str) =>
        "所选文件共 {size}，编码上传后将超过导入上限 {limit}，未上传。请压缩为 .zip 或分层简化后再试",
        "The chosen files total {size} and would exceed the {limit} import limit once encoded for upload; nothing was uploaded. Zip them or simplify the layers and try again";
    /// Beside a greyed 确定: what is still to fill in (`请填写原因`).
    action_missing(field: &str) => "请填写{field}", "Fill in: {field}";
    /// A new urgent ticket's notification title.
    alert_urgent(id: i64) => "新的紧急工单 #{id}", "Urgent ticket #{id}";
    /// A ticket just past its deadline.
    alert_overdue(id: i64) => "工单超期 #{id}", "Overdue: ticket #{id}";
    /// A ticket a camera raised.
    alert_camera(id: i64) => "视频告警 #{id}", "Camera alert #{id}";
    /// A door forced or held open, by its unit's name.
    alert_door(unit: &str) => "门禁告警：{unit}", "Door alarm: {unit}";
    /// Many alerts of a kind at once: `5 件：工单超期`.
    alert_many(n: usize, kind: &str) => "{n} 件：{kind}", "{n} × {kind}";
    /// A layer's size: `要素 12 个` / `12 features`.
    survey_features(n: u64) => "要素 {n} 个", "features: {n}";
    /// Actions kept in the terminal's outbox: `待同步 3 项` / `3 queued`.
    offline_waiting(n: usize) => "待同步 {n} 项", "{n} queued";
    /// When the center last answered, on the 离线 banner.
    offline_since(at: &str) => "最后更新 {at}（北京时间）", "last update {at} (Beijing time)";
    /// Seconds left to undo: `27 秒` / `27 s`.
    seconds_left(secs: i64) => "{secs} 秒", "{secs} s";
    /// A worker's open orders: `在办 2 件` / `2 open`.
    open_load(n: u32) => "在办 {n} 件", "{n} open";
    /// A rate: `每分钟 6 条` / `6 per minute`.
    per_minute(rate: f64) => "每分钟 {rate} 条", "{rate} per minute";
    /// The queue holds only the newest tickets: `显示最新 5000 条，共 6120 条未办结工单`.
    shown_of_total(shown: u64, total: u64) =>
        "显示最新 {shown} 条，共 {total} 条未办结工单",
        "Showing the newest {shown} of {total} open tickets";
    /// `登录失败次数过多，请 8 秒后再试` / `Too many failed attempts: try again in 8 s`.
    /// Rows of an import that were not orders (a 合计 row, blank rows).
    import_skipped(n: usize) => "跳过 {n} 行非工单行", "Skipped {n} rows that are not orders";
    /// Orders of an import taken in as 其他.
    import_unclassified(n: usize) =>
        "{n} 条按“其他”受理，待调度员确定类别",
        "{n} taken in as Other, for a dispatcher to classify";
    login_throttled(secs: u64) =>
        "登录失败次数过多，请 {secs} 秒后再试",
        "Too many failed attempts: try again in {secs} s";
    /// The export's bar: `已导出 1000 / 4000 条` / `Exported 1000 / 4000`.
    export_rows(written: u64, total: u64) => "已导出 {written} / {total} 条", "Exported {written} / {total}";
    /// The bar of a server that does not count rows: `已接收 2.0 KiB（…）`.
    export_bytes(size: &str) => "已接收 {size}", "Received {size}";
    export_saved(name: &str) => "已保存 {name}", "Saved {name}";
    /// What a list's export holds: `导出范围：全部未办结工单，共 12 条`.
    export_scope(what: &str, n: u64) => "导出范围：{what}，共 {n} 条", "Exports: {what}, {n} tickets";
    /// Significant hotspots of an analysis in the picker.
    hotspot_count(n: u32) => "显著热点 {n} 个", "significant hotspots: {n}";
    /// What an analysis was: trigger, when it ran, its day, requests read, replications.
    hotspot_run_info(trigger: &str, ran: &str, day: &str, cases: u32, reps: u32) =>
        "{trigger}（{ran}）· 分析日 {day} · 诉求 {cases} 件 · 蒙特卡洛 {reps} 次",
        "{trigger} ({ran}) · analysis day {day} · {cases} requests · {reps} Monte Carlo replications";
    /// A hotspot's window.
    hotspot_window(first: &str, last: &str, days: u32) =>
        "{first} 至 {last}（{days} 天）", "{first} to {last} ({days} days)";
    /// A hotspot's counts, relative risk and p-value.
    hotspot_counts(observed: u32, expected: &str, rr: &str, p: &str) =>
        "实际 {observed} 件 / 预期 {expected} 件 · {rr} 倍 · p = {p}",
        "{observed} observed / {expected} expected · ×{rr} · p = {p}";
    /// One of the month's top problems: name, count, change on last month (`+3`).
    problem_count(name: &str, count: u32, change: &str) =>
        "{name} {count} 件（{change}）", "{name} {count} ({change})";
    /// The rising list's month and how many groups were tested.
    rising_tested(label: &str, tested: u32) =>
        "{label} · 检验微网格与类别组合 {tested} 个", "{label} · micro-grid and category groups tested: {tested}";
    /// The projects tab's head: how many, done, requests avoided.
    projects_summary(count: u32, done: u32, avoided: &str) =>
        "治理项目 {count} 个 · 已完成 {done} 个 · 累计减少诉求 {avoided} 件",
        "{count} projects · {done} done · {avoided} requests avoided";
    /// A finished project's effect.
    project_effect(first: &str, last: &str, counts: &str, expected: &str, avoided: &str, p: &str) =>
        "治理成效（{first} 至 {last}）：本区域诉求 {counts} 件，按全街道趋势应为 {expected} 件，减少 {avoided} 件（p = {p}）",
        "Effect ({first} to {last}): {counts} requests here, {expected} expected by the street's trend, {avoided} avoided (p = {p})";
    /// The diary tab's head: entries, households met, tickets made of them.
    diary_summary(entries: &str, households: &str, tickets: &str) =>
        "民情日记 {entries} 条 · 走访 {households} 户 · 转为工单 {tickets} 件",
        "{entries} diary entries · {households} households met · {tickets} turned into tickets";
    /// 包户 coverage of the scope.
    wards_summary(assigned: u32, units: u32, households: &str) =>
        "包户单元 {assigned}/{units} · 覆盖 {households} 户",
        "{assigned} of {units} units with a worker · {households} households";
    /// The circles tab's head: members, meetings, problems solved through a circle.
    circles_summary(members: usize, meetings: u32, solved: u32) =>
        "圈子成员 {members} 个 · 议事 {meetings} 次 · 三圈解决 {solved} 件",
        "{members} circle members · {meetings} meetings · {solved} solved through the circles";
    /// How many shares are paid: `已缴 2/5`.
    shares_paid(paid: u32, count: usize) => "已缴 {paid}/{count}", "paid {paid}/{count}";
    /// The shares paid and the money: `已缴 2/5 · ¥10,000.00 / ¥24,000.00`.
    shares_paid_money(paid: u32, count: usize, paid_yuan: &str, total_yuan: &str) =>
        "已缴 {paid}/{count} · ¥{paid_yuan} / ¥{total_yuan}",
        "paid {paid}/{count} · ¥{paid_yuan} / ¥{total_yuan}";
    /// A meeting's vote.
    vote_line(in_favour: u32, against: u32, abstain: u32) =>
        "赞成 {in_favour} · 反对 {against} · 弃权 {abstain}",
        "{in_favour} for · {against} against · {abstain} abstaining";
    /// People at a meeting: `11 人`.
    people(n: u32) => "{n} 人", "{n} people";
    /// A share reckoned by floor area: `180 ㎡`.
    basis_area(area: &str) => "面积 {area} ㎡", "{area} m²";
    /// A share agreed: `约定 ¥30,000.00`.
    basis_agreed(amount: &str) => "约定 ¥{amount}", "agreed ¥{amount}";
    /// The cost a meeting shares: `底商排水管道更换：¥24,000.00，按面积分摊`.
    sharing_line(item: &str, total: &str, rule: &str) =>
        "{item}：¥{total}，{rule}", "{item}: ¥{total}, {rule}";
    /// The notice's first line.
    notice_lead(date: &str, community: &str, topic: &str) =>
        "{date}，{community}居民议事厅就“{topic}”召开议事会，经表决形成如下决定：",
        "On {date} the residents' meeting of {community} on \"{topic}\" decided:";
    /// The notice's closing line.
    notice_close(item: &str, total: &str, rule: &str) =>
        "现将“{item}”费用 ¥{total}（{rule}）分摊情况公示如下，请各分摊人按约定缴纳。如有异议，请于公示之日起 7 日内向社区居委会反映。",
        "The shares of \"{item}\", ¥{total} ({rule}), are set out below; each sharer pays as agreed. Objections go to the residents' committee within 7 days of this notice.";
    /// A month's figure counted to date, not averaged (under 7 days): `本月至今（2 天）`.
    kpi_month_to_date(days: u32) => "本月至今（{days} 天）", "Month to date ({days} days)";
    /// The same for a year just begun.
    kpi_year_to_date(days: u32) => "本年至今（{days} 天）", "Year to date ({days} days)";
    /// The same for a short range of days.
    kpi_range_to_date(days: u32) => "区间内（{days} 天）", "In the range ({days} days)";
    /// A case behind the dashboard's 三圈解决.
    kpi_circle_case(topic: &str, ticket: &str) => "{topic}（工单 #{ticket}）", "{topic} (ticket #{ticket})";
    /// A count of households: `24 户`.
    households(count: u32) => "{count} 户", "{count} households";
    /// A project behind the dashboard's 减少诉求, on hover.
    kpi_project_avoided(title: &str, finished: &str, avoided: &str) =>
        "{title}（{finished} 完成）：减少 {avoided} 件", "{title} (finished {finished}): {avoided} avoided";
    /// A project finished too recently to measure, on hover.
    kpi_project_not_measured(title: &str, finished: &str) =>
        "{title}（{finished} 完成）：尚无完成后的整日，成效待测", "{title} (finished {finished}): no whole day after it yet to measure";
    /// A category inside an all-categories hotspot: `污水返水 20 件`.
    leading_count(name: &str, count: u32) => "{name} {count} 件", "{name} {count}";
    /// A hotspot of many micro-grids: the first named, and how many.
    hotspot_more_grids(names: &str, count: u32) =>
        "{names}等 {count} 个微网格", "{names} and more: {count} micro-grids";
    /// Where a hotspot is: its micro-grids and its communities.
    hotspot_place(micro: &str, communities: &str) => "{micro}（{communities}）", "{micro} ({communities})";
    /// What an all-categories hotspot mostly holds: `主要问题：污水返水 20 件、…`.
    hotspot_leading(items: &str) => "主要问题：{items}", "Mostly: {items}";
    /// A training run's progress: moments of its timeline played, and calls sent so far.
    training_progress(played: u32, total: u32, sent: u32) =>
        "已播放 {played}/{total} 个时刻 · 已来电 {sent} 件",
        "{played} of {total} moments played · {sent} calls sent";
    /// An incident's plan: from when, how long, how many calls.
    training_incident_plan(at: &str, minutes: u32, calls: u32) =>
        "{at} 起 {minutes} 分钟 · {calls} 个来电", "from {at} for {minutes} min · {calls} calls";
    /// Story time played: `2 小时 05 分`.
    training_played(hours: u32, minutes: &str) => "{hours} 小时 {minutes} 分", "{hours} h {minutes} min";
    /// How soon a scripted request was to be dispatched.
    debrief_within(minutes: u32) => "限 {minutes} 分钟", "within {minutes} min";
    /// A replay's counts: tickets open now, steps applied of all.
    replay_count(open: usize, applied: usize, total: usize) =>
        "待办 {open} 件 · 已播放 {applied}/{total} 条事件", "{open} open · {applied} of {total} events played";
}

// Texts whose wording, not only a value in it, changes with the values.

/// Number of search results, e.g. "3 个结果" / "3 results".
pub fn result_count(lang: Lang, n: usize) -> String {
    match lang {
        Lang::Zh => format!("{n} 个结果"),
        Lang::En if n == 1 => "1 result".to_owned(),
        Lang::En => format!("{n} results"),
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

/// What the message strip says after 下交.
pub fn delegated_to(lang: Lang, grid: &str, worker: Option<&str>) -> String {
    match (lang, worker) {
        (Lang::Zh, Some(w)) => format!("已下交至 {grid} · 网格员 {w}"),
        (Lang::Zh, None) => format!("已下交至 {grid}"),
        (Lang::En, Some(w)) => format!("Handed down to {grid} · worker {w}"),
        (Lang::En, None) => format!("Handed down to {grid}"),
    }
}

/// `3 条新工单` over the queue while the pointer holds it still.
pub fn new_arrivals(lang: Lang, n: usize) -> String {
    match lang {
        Lang::Zh => format!("{n} 条新工单 · 点击显示"),
        Lang::En if n == 1 => "1 new ticket · show".to_owned(),
        Lang::En => format!("{n} new tickets · show"),
    }
}

/// `共 1234 条，显示最新 200 条` / `Newest 200 of 1234 entries`.
pub fn audit_count(lang: Lang, shown: usize, total: u64) -> String {
    match lang {
        Lang::Zh if shown as u64 >= total => format!("共 {total} 条"),
        Lang::Zh => format!("共 {total} 条，显示最新 {shown} 条"),
        Lang::En if shown as u64 >= total => format!("{total} entries"),
        Lang::En => format!("Newest {shown} of {total} entries"),
    }
}

/// Why the shares cannot be reckoned (the preview of the meeting form).
pub fn share_error(lang: Lang, e: &binhe_core::circles::ShareError) -> String {
    use binhe_core::circles::{ShareError, format_yuan};
    match (lang, e) {
        (Lang::Zh, _) => e.message_zh(),
        (Lang::En, ShareError::NoSharers) => "Tick at least one sharer".to_owned(),
        (Lang::En, ShareError::TotalNotPositive) => "The total must be above 0".to_owned(),
        (Lang::En, ShareError::MissingArea { index }) => {
            format!("Sharer {} has no floor area", index + 1)
        }
        (Lang::En, ShareError::MissingAmount { index }) => {
            format!("Sharer {} has no agreed amount", index + 1)
        }
        (Lang::En, ShareError::AgreedNotTotal { agreed, total }) => format!(
            "The agreed amounts add up to ¥{}, not the total ¥{}",
            format_yuan(*agreed),
            format_yuan(*total)
        ),
    }
}

/// Why a survey cannot be imported yet: `发现 3 个问题，修正后才能导入`.
pub fn survey_problems(lang: Lang, n: usize) -> String {
    match lang {
        Lang::Zh => format!("发现 {n} 个问题，修正映射、坐标系或文件后才能导入"),
        Lang::En if n == 1 => {
            "1 problem found: fix the mapping, the coordinate system or the files to import"
                .to_owned()
        }
        Lang::En => format!(
            "{n} problems found: fix the mapping, the coordinate system or the files to import"
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

    #[test]
    fn formatted_texts_put_each_value_in_its_place() {
        assert_eq!(
            shown_of_total(Lang::Zh, 5000, 6120),
            "显示最新 5000 条，共 6120 条未办结工单"
        );
        assert_eq!(
            shown_of_total(Lang::En, 5000, 6120),
            "Showing the newest 5000 of 6120 open tickets"
        );
        assert_eq!(
            file_too_large(Lang::En, "80.0 MiB", "64 MiB"),
            "The file is 80.0 MiB, over the 64 MiB import limit, and was not uploaded. \
             Reduce the coordinate precision or simplify the boundaries and try again"
        );
        assert_eq!(seconds_left(Lang::En, 27), "27 s");
    }

    /// Messages that read the same in both languages on purpose: one text in several places,
    /// such as a button and the dialog it opens, or a card field and a table column.
    const SHARED_TEXTS: &[&[Msg]] = &[
        &[Msg::StatPopulation, Msg::CardPopulation],
        &[Msg::CardCode, Msg::ImportColGridCode],
        &[Msg::CardWorkers, Msg::TicketResponsible],
        &[Msg::SideTickets, Msg::LegendTickets],
        &[Msg::QueueInProgress, Msg::ToneActive],
        &[Msg::IntakeOpen, Msg::IntakeTitle, Msg::AuditTicketCreate],
        &[Msg::IntakeReporter, Msg::TicketReporter],
        &[Msg::IntakeCategory, Msg::ProjectCategory],
        &[Msg::FieldLocation, Msg::TicketLocation],
        &[Msg::LoginAccount, Msg::AuditAccount],
        &[Msg::LoginSwitchHeading, Msg::SwitchAccount],
        &[Msg::AccountsOpen, Msg::AccountsTitle],
        &[Msg::AccountNewTitle, Msg::AuditAccountCreate],
        &[Msg::AuditOpen, Msg::AuditTitle],
        &[Msg::ConnectionOpen, Msg::ConnectionTitle],
        &[Msg::AliasesOpen, Msg::AliasesTitle],
    ];

    const LANGS: [Lang; 2] = [Lang::Zh, Lang::En];

    fn has_chinese(text: &str) -> bool {
        text.chars().any(|c| {
            matches!(c, '\u{3000}'..='\u{303f}' | '\u{4e00}'..='\u{9fff}' | '\u{ff00}'..='\u{ffef}')
        })
    }

    #[test]
    fn every_message_has_chinese_and_english_text() {
        for &msg in Msg::ALL {
            for lang in LANGS {
                assert!(
                    !msg.text(lang).trim().is_empty(),
                    "{msg:?} has no {lang:?} text"
                );
            }
        }
    }

    #[test]
    fn chinese_text_is_in_the_chinese_column_and_english_in_the_english_one() {
        for &msg in Msg::ALL {
            // The toggle names the other language.
            if msg == Msg::LangToggle {
                continue;
            }
            let (zh, en) = (msg.text(Lang::Zh), msg.text(Lang::En));
            assert!(
                !has_chinese(en),
                "{msg:?}: Chinese in its English text {en:?}"
            );
            assert!(
                has_chinese(zh),
                "{msg:?}: no Chinese in its Chinese text {zh:?}"
            );
        }
    }

    #[test]
    fn no_text_starts_or_ends_with_a_stray_space() {
        // These run straight into a name.
        let prefixes = [Msg::PickLevelPrefix, Msg::WallDropped, Msg::DropInto];
        for &msg in Msg::ALL {
            for lang in LANGS {
                let text = msg.text(lang);
                let trimmed = if prefixes.contains(&msg) {
                    text.trim_start()
                } else {
                    text.trim()
                };
                assert_eq!(text, trimmed, "{msg:?} ({lang:?}) has a stray space");
            }
        }
    }

    #[test]
    fn no_two_messages_read_the_same_in_both_languages_unless_listed_as_shared() {
        let texts = |msg: Msg| (msg.text(Lang::Zh), msg.text(Lang::En));
        for (i, &a) in Msg::ALL.iter().enumerate() {
            for &b in &Msg::ALL[i + 1..] {
                let same = texts(a) == texts(b);
                let listed = SHARED_TEXTS
                    .iter()
                    .any(|group| group.contains(&a) && group.contains(&b));
                assert!(
                    listed || !same,
                    "{a:?} and {b:?} both read {:?}: give one its own words, or list them in \
                     SHARED_TEXTS if they are one text in two places",
                    texts(a)
                );
                assert!(
                    same || !listed,
                    "{a:?} and {b:?} are listed in SHARED_TEXTS but read {:?} and {:?}",
                    texts(a),
                    texts(b)
                );
            }
        }
    }
}
