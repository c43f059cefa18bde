//! The domain's vocabulary: every value that travels as a code, with its Chinese and English
//! name (and a short form where a chip wants one), one line each — the code is also serde's
//! spelling ([`crate::labelled!`]). Each module re-exports its own: `ticket::TicketState`,
//! `people::Health` …; what they do lives there.

// Grids

crate::labelled! {
    /// The four levels of the grid; the label is the seed's term, the short form the level.
    #[derive(PartialOrd, Ord)]
    pub enum GridLevel {
        Street = "street", "街道网格", "Street grid", short "街道", "Street";
        Community = "community", "社区网格", "Community grid", short "社区", "Community";
        Micro = "micro", "微网格", "Micro-grid";
        Unit = "unit", "单元网格", "Unit grid", short "单元", "Unit";
    }
}

crate::labelled! {
    /// Where the stored grids came from.
    pub enum DatasetSource {
        /// The generated, synthetic demo dataset.
        Demo = "demo", "演示数据（合成）", "Synthetic demo data";
        /// A surveyed dataset imported by an operator.
        Import = "import", "导入的测绘数据", "Imported survey";
    }
}

crate::labelled! {
    /// What a micro-grid covers, which decides who is posted to it.
    pub enum MicroKind {
        /// Main streets and lanes: full-time grid workers.
        StreetLane = "street_lane", "主要街巷", "Main street/lane";
        /// Inside a residential compound: part-time grid workers.
        Compound = "compound", "小区", "Residential compound";
    }
}

crate::labelled! {
    /// A coordinate reference system a survey may come in; what [`crate::crs`] converts to
    /// WGS84 longitude/latitude.
    pub enum Crs {
        /// EPSG:4326, what the map and the stored grids use.
        Wgs84 = "wgs84", "WGS84 经纬度（EPSG:4326）", "WGS84 longitude/latitude (EPSG:4326)", short "WGS84", "WGS84";
        /// EPSG:4490, geographic; within a few centimetres of WGS84.
        Cgcs2000 = "cgcs2000", "CGCS2000 经纬度（EPSG:4490）", "CGCS2000 longitude/latitude (EPSG:4490)", short "CGCS2000", "CGCS2000";
        /// EPSG:4548 (CM 117°E), or EPSG:4527 with the zone prefix 39 before the easting.
        Cgcs2000Gk3 = "cgcs2000_gk3", "CGCS2000 高斯-克吕格 3 度带（中央经线 117°E，EPSG:4548/4527）", "CGCS2000 3-degree Gauss–Krüger, CM 117°E (EPSG:4548/4527)", short "CGCS2000 3度带", "CGCS2000 GK 3°";
        /// The offset coordinates of Amap (高德) and Tencent maps.
        Gcj02 = "gcj02", "GCJ-02（高德/腾讯地图坐标）", "GCJ-02 (Amap/Tencent map coordinates)", short "GCJ-02", "GCJ-02";
        /// Baidu's offset on top of GCJ-02.
        Bd09 = "bd09", "BD-09（百度地图坐标）", "BD-09 (Baidu map coordinates)", short "BD-09", "BD-09";
    }
}

crate::labelled! {
    /// What an attribute of a surveyed layer is mapped to.
    pub enum MappingField {
        Code = "code", "网格编码", "grid code", short "编码", "Code";
        Name = "name", "网格名称", "grid name", short "名称", "Name";
        NameEn = "name_en", "英文名称", "English name", short "英文名", "English name";
        Level = "level", "层级", "level";
        ParentCode = "parent_code", "上级编码", "parent's code";
        ParentName = "parent_name", "上级名称", "parent's name";
        Population = "population", "人口", "population";
        Kind = "kind", "微网格类型", "micro-grid kind", short "类型", "Kind";
        Order = "order", "序号（生成编码用）", "order (to generate codes)", short "序号", "Order";
    }
}

// People and devices

crate::labelled! {
    pub enum WorkerKind {
        /// 专职网格员: main streets and lanes.
        FullTime = "full_time", "专职网格员", "Full-time grid worker", short "专职", "Full-time";
        /// 兼职网格员: residents inside compounds.
        PartTime = "part_time", "兼职网格员", "Part-time grid worker", short "兼职", "Part-time";
    }
}

crate::labelled! {
    /// What a worker does, in the seed's terms.
    pub enum WorkerRole {
        FullTimeWorker = "full_time_worker", "专职网格员", "Full-time grid worker";
        SocialWorker = "social_worker", "社工", "Social worker";
        BuildingLeader = "building_leader", "楼长", "Building leader";
        UnitLeader = "unit_leader", "单元长", "Unit leader";
        ResidentRepresentative = "resident_representative", "居民代表", "Residents' representative";
    }
}

crate::labelled! {
    pub enum DeviceKind {
        Camera = "camera", "摄像头", "Camera";
        Checkpoint = "checkpoint", "卡口", "Checkpoint";
        DoorAccess = "door_access", "门禁", "Door access unit";
    }
}

crate::labelled! {
    /// A camera's health as the camera gateway sees it: online (pictures came, or the camera
    /// answers), offline (it does not answer), fault (it answers but its stream is broken or
    /// stopped), or unknown (not looked at yet).
    pub enum Health {
        Online = "online", "在线", "Online";
        Offline = "offline", "离线", "Offline";
        Fault = "fault", "故障", "Fault";
        Unknown = "unknown", "未知（未接入）", "Unknown (not connected)", short "未知", "Unknown";
    }
}

crate::labelled! {
    /// What a door-access unit reports.
    pub enum DoorEventKind {
        /// Opened without a card, a code or the exit button.
        Forced = "forced", "门被强行打开", "Door forced open";
        /// Left open past the unit's limit.
        HeldOpen = "held_open", "门长时间未关", "Door held open";
        /// Closed and locked again.
        Restored = "restored", "已恢复", "Restored";
    }
}

// Accounts

crate::labelled! {
    pub enum Role {
        Dispatcher = "dispatcher", "调度员", "Dispatcher";
        Commander = "commander", "社区指挥", "Community commander";
        Worker = "worker", "网格员", "Grid worker";
        Administrator = "administrator", "管理员", "Administrator";
    }
}

// Tickets

crate::labelled! {
    /// Where a request came from ("多个龙头进水").
    pub enum Channel {
        /// 12345 市民服务热线 work order.
        Hotline = "hotline", "12345热线", "12345 hotline", short "12345", "12345";
        /// 网格员巡查上报.
        Patrol = "patrol", "网格巡查", "Grid patrol", short "巡查", "Patrol";
        /// 视频监控告警.
        Camera = "camera", "视频告警", "Camera alert", short "视频", "Camera";
        /// 居民自主上报.
        Resident = "resident", "居民上报", "Resident report", short "居民", "Resident";
        /// 上级交办.
        Referral = "referral", "上级交办", "Referral from above", short "交办", "Referral";
        /// 主动发现: found before anyone called — a hotspot of 未诉先办, or a worker's or
        /// commander's own finding — and handled through the same loop.
        Proactive = "proactive", "主动发现", "Proactive finding", short "主动", "Proactive";
    }
}

crate::labelled! {
    #[derive(PartialOrd, Ord)]
    pub enum Urgency {
        Normal = "normal", "一般", "Normal";
        Urgent = "urgent", "紧急", "Urgent", short "急", "Urgent";
    }
}

crate::labelled! {
    /// Where the ticket is in the closed loop.
    #[derive(PartialOrd, Ord)]
    pub enum TicketState {
        /// 已上报（待受理）: received from a channel, reported to the center.
        Reported = "reported", "待受理", "Awaiting acceptance";
        /// 已立案（待分派）: accepted as a case, waiting for a grid.
        Registered = "registered", "待分派", "Awaiting dispatch";
        /// 已分派（待处置）: a grid and its worker have the order.
        Dispatched = "dispatched", "已分派", "Dispatched";
        /// 处置中: self-handled or commanded handling under way.
        Handling = "handling", "处置中", "Being handled";
        /// 已反馈（待核查）: the handler reported a result.
        FedBack = "fed_back", "待核查", "Awaiting check";
        /// 已核查（待结案）: result verified, satisfaction recorded.
        Verified = "verified", "待结案", "Awaiting closure";
        /// 已结案.
        Closed = "closed", "已结案", "Closed";
        /// 已注销: not a case (with the reason).
        Cancelled = "cancelled", "已注销", "Cancelled";
        /// 已合并: a duplicate attached to another open ticket.
        Merged = "merged", "已合并", "Merged";
    }
}

crate::labelled! {
    pub enum ActorRole {
        Dispatcher = "dispatcher", "调度员", "Dispatcher";
        Commander = "commander", "社区指挥", "Community commander";
        Worker = "worker", "网格员", "Grid worker";
        Administrator = "administrator", "管理员", "Administrator";
        System = "system", "系统", "System";
    }
}

crate::labelled! {
    /// 自行处置 (the finder solves it on the spot) or 指挥处置 (the center commands someone).
    pub enum HandlingMode {
        SelfHandled = "self_handled", "自行处置", "Handled on the spot";
        Commanded = "commanded", "指挥处置", "Commanded";
    }
}

crate::labelled! {
    /// Up to where an order is escalated (上交).
    pub enum EscalationLevel {
        Community = "community", "社区", "Community";
        Street = "street", "街道", "Street";
        District = "district", "区级部门", "District";
    }
}

crate::labelled! {
    /// The handler's result in the feedback step.
    pub enum Outcome {
        /// 已解决.
        Solved = "solved", "已解决", "Solved";
        /// 未解决（已解释说明）.
        Unsolved = "unsolved", "未解决（已解释说明）", "Unsolved (explained)";
    }
}

crate::labelled! {
    /// The requester's rating at the verification call-back (回访).
    pub enum Satisfaction {
        Satisfied = "satisfied", "满意", "Satisfied";
        Basic = "basic", "基本满意", "Fairly satisfied";
        Dissatisfied = "dissatisfied", "不满意", "Dissatisfied";
    }
}

// Routing

crate::labelled! {
    /// Why a ticket could not be placed in a grid; the dispatcher fixes its location or cancels
    /// it.
    pub enum UnroutedReason {
        /// The point lies outside every grid of the street.
        OutsideStreet = "outside_street", "位置不在本街道网格内", "Location is outside the street's grids";
        /// No grid name appears in the address.
        AddressNotFound = "address_not_found", "地址无法匹配到网格", "Address matches no grid";
        /// Only the street as a whole was named.
        TooVague = "too_vague", "仅指明街道，未指明社区或网格", "Only the street was named";
    }
}

// Deadlines

crate::labelled! {
    pub enum SlaClass {
        /// 紧急安全隐患.
        UrgentSafety = "urgent_safety", "紧急安全", "Urgent safety";
        /// 水电气热.
        Utilities = "utilities", "水电气热", "Utilities";
        /// 一般事项.
        Ordinary = "ordinary", "一般事项", "Ordinary";
        /// 复杂疑难.
        Complex = "complex", "复杂疑难", "Complex";
    }
}

crate::labelled! {
    /// How a ticket stands against its deadline.
    pub enum SlaStatus {
        OnTime = "on_time", "按期", "On time";
        DueSoon = "due_soon", "临期", "Due soon";
        Overdue = "overdue", "超期", "Overdue";
        /// Closed (or cancelled/merged) by the deadline.
        Met = "met", "按期办结", "Closed on time";
        /// Closed after the deadline.
        Missed = "missed", "超期办结", "Closed late";
    }
}

// The closed loop's actions

crate::labelled! {
    /// The actions of the closed loop as terminals name them (`action` of the ticket actions
    /// route); a [`Command`] is one of them with what it needs.
    pub enum ActionKind {
        Register = "register", "立案", "Register";
        Cancel = "cancel", "注销", "Cancel ticket";
        Dispatch = "dispatch", "分派", "Dispatch";
        UndoDispatch = "undo_dispatch", "撤销分派", "Undo dispatch", short "撤销", "Undo";
        SelfHandle = "self_handle", "自行处置", "Handle on the spot";
        Start = "start", "开始处置", "Start handling";
        Escalate = "escalate", "上交", "Escalate";
        Delegate = "delegate", "下交", "Delegate";
        Contact = "contact", "联系诉求人", "Contact the requester", short "联系", "Contact";
        Feedback = "feedback", "反馈", "Feed back";
        Verify = "verify", "核查通过", "Verify";
        Reject = "reject", "核查退回", "Send back";
        Close = "close", "结案", "Close";
        Reopen = "reopen", "重新办理", "Reopen";
        Relocate = "relocate", "更正位置", "Correct location";
        Merge = "merge", "合并", "Merge";
        Unmerge = "unmerge", "取消合并", "Unmerge";
        /// The intake's own: no terminal asks for it.
        FlagDuplicate = "flag_duplicate", "标记疑似重复", "Flag as possible duplicate";
        DismissFlag = "dismiss_flag", "忽略疑似重复", "Dismiss the duplicate flag", short "忽略", "Ignore";
    }
}

// The assessment

crate::labelled! {
    /// What is being assessed, and which fact names it.
    pub enum SubjectKind {
        /// By `community_code`.
        Community = "community", "社区", "Communities";
        /// By `micro_code`.
        Micro = "micro", "网格", "Grids";
        /// By `assignee_worker`.
        Worker = "worker", "网格员", "Workers";
    }
}

// Work-order files

crate::labelled! {
    /// A field a work-order column can fill; the code is the [`super::IntakeRequest`] field.
    pub enum WorkOrderField {
        ExternalId = "external_id", "工单编号", "Work-order number";
        Category = "category", "问题类别", "Category";
        Description = "description", "问题描述", "Description";
        ReceivedAt = "received_at", "受理时间", "Received at";
        Address = "address", "地址", "Address";
        Lon = "lon", "经度", "Longitude";
        Lat = "lat", "纬度", "Latitude";
        GridCode = "grid_code", "网格编码", "Grid code";
        ReporterName = "reporter_name", "反映人", "Reporter";
        ReporterPhone = "reporter_phone", "联系电话", "Phone";
        Urgency = "urgency", "紧急程度", "Urgency";
        Channel = "channel", "来源渠道", "Channel";
        SourceRef = "source_ref", "来源编号", "Source reference";
    }
}
