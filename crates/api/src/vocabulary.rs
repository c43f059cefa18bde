//! The contract's own coded values (beyond the domain's, `binhe_core::vocabulary`), with their
//! Chinese and English names, one line each ([`crate::core::labelled!`]). Each module
//! re-exports its own.

// Sessions

crate::core::labelled! {
    /// How the server is reached: the desktop app's embedded server, or a shared center.
    pub enum ServerMode {
        Standalone = "standalone", "本机模式", "Standalone";
        Center = "center", "中心服务器", "Center server";
    }
}

// The video wall

crate::core::labelled! {
    /// What became of a camera on the wall's socket.
    pub enum WallState {
        Playing = "playing", "播放中", "Playing";
        Ended = "ended", "已停止", "Ended";
        Error = "error", "无法播放", "Cannot play";
    }
}

// KPI answers

crate::core::labelled! {
    /// Whose tickets are counted.
    pub enum ScopeKind {
        Street = "street", "街道", "Street";
        Community = "community", "社区", "Community";
        Micro = "micro", "微网格", "Micro-grid";
    }
}

crate::core::labelled! {
    /// How a period was asked for.
    pub enum PeriodKindName {
        Month = "month", "月", "Month";
        Year = "year", "年", "Year";
        /// Whole Beijing days.
        Range = "range", "区间", "Range";
    }
}

// The basemap

crate::core::labelled! {
    /// What a basemap's tiles are: pictures, or vector data the map styles itself.
    pub enum BasemapKind {
        Raster = "raster", "栅格底图", "Raster";
        Vector = "vector", "矢量底图", "Vector";
    }
}

crate::core::labelled! {
    /// The file a basemap came in.
    pub enum BasemapContainer {
        Mbtiles = "mbtiles", "MBTiles", "MBTiles";
        Pmtiles = "pmtiles", "PMTiles", "PMTiles";
    }
}

crate::core::labelled! {
    /// The format of a basemap's tiles.
    pub enum TileFormat {
        Png = "png", "PNG 图片", "PNG";
        Jpg = "jpg", "JPEG 图片", "JPEG";
        Webp = "webp", "WebP 图片", "WebP";
        Pbf = "pbf", "矢量切片（MVT）", "Vector tiles (MVT)";
    }
}
