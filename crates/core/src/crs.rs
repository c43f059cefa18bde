//! Coordinate reference systems a survey comes in, and their conversion to the WGS84
//! longitude/latitude the map and the stored grids use.
//!
//! - WGS84 (EPSG:4326) and CGCS2000 (EPSG:4490) geographic coordinates are taken as they are:
//!   the two frames differ by a few centimetres, below what a grid boundary means.
//! - CGCS2000 3-degree Gauss–Krüger with Beijing's central meridian 117°E (EPSG:4548, or
//!   EPSG:4527 whose eastings carry the zone number 39 in front): inverted with proj4rs's exact
//!   transverse Mercator on the CGCS2000 (GRS80) ellipsoid. The prefix and swapped
//!   northing/easting columns are recognised by magnitude.
//! - GCJ-02 (Amap, Tencent) and BD-09 (Baidu): the published forward formulas, inverted by
//!   iteration to below 1e-9° — never guessed, only ever an operator's explicit choice.
//!
//! ```
//! use binhe_core::crs::Crs;
//! // A corner of Pinggu in projected CGCS2000 (PROJ's own figures), with the zone prefix.
//! let (lon, lat) = Crs::Cgcs2000Gk3.to_wgs84(39_510_224.806_790_726, 4_446_191.345_421_29).unwrap();
//! assert!((lon - 117.12).abs() < 1e-9 && (lat - 40.15).abs() < 1e-9);
//! assert_eq!(Crs::from_name("urn:ogc:def:crs:EPSG::4490"), Some(Crs::Cgcs2000));
//! ```

use std::f64::consts::PI;
use std::sync::OnceLock;

use proj4rs::proj::Proj;

pub use crate::vocabulary::Crs;

/// Central meridian of Beijing's 3-degree zone.
pub const CENTRAL_MERIDIAN: f64 = 117.0;
/// The zone number written in front of the easting (117 / 3).
pub const ZONE: f64 = 39.0;
const FALSE_EASTING: f64 = 500_000.0;
/// Eastings of a 3-degree zone stay within this of the false easting, even at 54°N.
const EASTING_SPREAD: f64 = 300_000.0;
/// Northings within China's territory.
const NORTHING_RANGE: (f64, f64) = (1_500_000.0, 6_100_000.0);

/// The GCJ-02 offset is applied inside this box only, as the published formulas do.
const GCJ_LON: (f64, f64) = (72.004, 137.8347);
const GCJ_LAT: (f64, f64) = (0.8293, 55.8271);

impl Crs {
    /// Converts one position to WGS84 `(longitude, latitude)` in degrees; `None` when it
    /// cannot be a position of this system (not finite, out of range, another zone).
    pub fn to_wgs84(self, x: f64, y: f64) -> Option<(f64, f64)> {
        if !(x.is_finite() && y.is_finite()) {
            return None;
        }
        let geographic =
            |lon: f64, lat: f64| (lon.abs() <= 180.0 && lat.abs() <= 90.0).then_some((lon, lat));
        match self {
            Self::Wgs84 | Self::Cgcs2000 => geographic(x, y),
            Self::Cgcs2000Gk3 => {
                let (easting, northing) = gk_easting_northing(x, y)?;
                let mut point = (easting, northing, 0.0);
                let (projected, geographic_cgcs) = gk_projs();
                proj4rs::transform::transform(projected, geographic_cgcs, &mut point).ok()?;
                let (lon, lat) = (point.0.to_degrees(), point.1.to_degrees());
                (lon.is_finite() && lat.is_finite()).then_some((lon, lat))
            }
            Self::Gcj02 => {
                let (lon, lat) = geographic(x, y)?;
                Some(invert(wgs84_to_gcj02, (lon, lat)))
            }
            Self::Bd09 => {
                let (lon, lat) = geographic(x, y)?;
                Some(invert(|p| gcj02_to_bd09(wgs84_to_gcj02(p)), (lon, lat)))
            }
        }
    }

    /// The reverse of [`Crs::to_wgs84`]: a WGS84 position in this system (Gauss–Krüger
    /// without the zone prefix, easting first).
    pub fn from_wgs84(self, lon: f64, lat: f64) -> Option<(f64, f64)> {
        if !(lon.is_finite() && lat.is_finite() && lon.abs() <= 180.0 && lat.abs() <= 90.0) {
            return None;
        }
        match self {
            Self::Wgs84 | Self::Cgcs2000 => Some((lon, lat)),
            Self::Cgcs2000Gk3 => {
                let mut point = (lon.to_radians(), lat.to_radians(), 0.0);
                let (projected, geographic_cgcs) = gk_projs();
                proj4rs::transform::transform(geographic_cgcs, projected, &mut point).ok()?;
                Some((point.0, point.1))
            }
            Self::Gcj02 => Some(wgs84_to_gcj02((lon, lat))),
            Self::Bd09 => Some(gcj02_to_bd09(wgs84_to_gcj02((lon, lat)))),
        }
    }

    /// Projected metres rather than degrees.
    pub fn is_projected(self) -> bool {
        self == Self::Cgcs2000Gk3
    }

    /// The system a shapefile's `.prj` (OGC or ESRI WKT) declares, when it is one of ours.
    pub fn from_prj(wkt: &str) -> Option<Self> {
        let text: String = wkt
            .to_ascii_uppercase()
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        if let Some(code) = authority_code(&text) {
            return Self::from_epsg(code);
        }
        let cgcs = [
            "CGCS2000",
            "CHINA_GEODETIC_COORDINATE_SYSTEM_2000",
            "CHINAGEODETICCOORDINATESYSTEM2000",
            "CHINA_2000",
        ]
        .iter()
        .any(|n| text.contains(n));
        if text.starts_with("PROJCS[") || text.starts_with("PROJCRS[") {
            let gauss = ["GAUSS", "TRANSVERSE_MERCATOR", "TRANSVERSEMERCATOR", "_GK_"]
                .iter()
                .any(|n| text.contains(n));
            let meridian = wkt_parameter(&text, "CENTRAL_MERIDIAN")
                .or_else(|| wkt_parameter(&text, "LONGITUDEOFNATURALORIGIN"));
            let easting = wkt_parameter(&text, "FALSE_EASTING")
                .or_else(|| wkt_parameter(&text, "FALSEEASTING"))
                .unwrap_or(FALSE_EASTING);
            let ours = meridian.is_some_and(|m| (m - CENTRAL_MERIDIAN).abs() < 1e-9)
                && [FALSE_EASTING, ZONE * 1e6 + FALSE_EASTING]
                    .iter()
                    .any(|e| (easting - e).abs() < 1e-3);
            return (cgcs && gauss && ours).then_some(Self::Cgcs2000Gk3);
        }
        if !(text.starts_with("GEOGCS[") || text.starts_with("GEOGCRS[")) {
            return None;
        }
        if cgcs {
            Some(Self::Cgcs2000)
        } else if text.contains("WGS_1984") || text.contains("WGS84") || text.contains("WGS1984") {
            Some(Self::Wgs84)
        } else {
            None
        }
    }

    /// The system a GeoJSON `crs` member names (`EPSG:4490`, `urn:ogc:def:crs:EPSG::4548`,
    /// `urn:ogc:def:crs:OGC:1.3:CRS84` …), when it is one of ours.
    pub fn from_name(name: &str) -> Option<Self> {
        let upper = name.trim().to_ascii_uppercase();
        if upper.ends_with("CRS84") {
            return Some(Self::Wgs84);
        }
        let code = upper
            .rsplit(|c: char| !c.is_ascii_digit())
            .next()
            .filter(|_| upper.contains("EPSG"))?;
        Self::from_epsg(code.parse().ok()?)
    }

    /// The system of an EPSG code: 4326, 4490, 4548 (CM 117°E) and 4527 (zone 39).
    pub fn from_epsg(code: u32) -> Option<Self> {
        match code {
            4326 => Some(Self::Wgs84),
            4490 => Some(Self::Cgcs2000),
            4548 | 4527 => Some(Self::Cgcs2000Gk3),
            _ => None,
        }
    }
}

/// `AUTHORITY["EPSG","4548"]` at the end of an OGC WKT (the outermost one names the CRS).
fn authority_code(text: &str) -> Option<u32> {
    let at = text.rfind("AUTHORITY[\"EPSG\",")?;
    // Only the outermost AUTHORITY closes the whole WKT: `…,AUTHORITY["EPSG","4548"]]`.
    let tail = &text[at..];
    if tail.matches(']').count() != 2 {
        return None;
    }
    tail.split('"').nth(3)?.parse().ok()
}

/// `PARAMETER["Central_Meridian",117.0]` → 117 (names compared without case and spaces).
fn wkt_parameter(text: &str, name: &str) -> Option<f64> {
    let key = format!("PARAMETER[\"{name}\",");
    let start = text.find(&key)? + key.len();
    let value = &text[start..];
    let end = value.find([']', ','])?;
    value[..end].parse().ok()
}

/// Easting (without the zone prefix) and northing from a projected pair, whichever column
/// holds which.
fn gk_easting_northing(x: f64, y: f64) -> Option<(f64, f64)> {
    let easting = |e: f64| {
        let e = if e >= 1e6 { e - ZONE * 1e6 } else { e };
        ((e - FALSE_EASTING).abs() <= EASTING_SPREAD).then_some(e)
    };
    let northing = |n: f64| {
        (NORTHING_RANGE.0..=NORTHING_RANGE.1)
            .contains(&n)
            .then_some(n)
    };
    match (easting(x), northing(y)) {
        (Some(e), Some(n)) => Some((e, n)),
        // Chinese surveying writes X for the northing: a swapped file.
        _ => Some((easting(y)?, northing(x)?)),
    }
}

fn gk_projs() -> &'static (Proj, Proj) {
    static PROJS: OnceLock<(Proj, Proj)> = OnceLock::new();
    PROJS.get_or_init(|| {
        let projected = Proj::from_proj_string(
            "+proj=tmerc +lat_0=0 +lon_0=117 +k=1 +x_0=500000 +y_0=0 +ellps=GRS80 +units=m +no_defs",
        )
        .expect("a valid PROJ string");
        let geographic = Proj::from_proj_string("+proj=longlat +ellps=GRS80 +no_defs")
            .expect("a valid PROJ string");
        (projected, geographic)
    })
}

/// Krasovsky 1940, the ellipsoid of the GCJ-02 formulas.
const GCJ_A: f64 = 6_378_245.0;
const GCJ_EE: f64 = 0.006_693_421_622_965_943;

fn gcj_offset_lat(x: f64, y: f64) -> f64 {
    let mut d = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * x.abs().sqrt();
    d += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    d += (20.0 * (y * PI).sin() + 40.0 * (y / 3.0 * PI).sin()) * 2.0 / 3.0;
    d += (160.0 * (y / 12.0 * PI).sin() + 320.0 * (y * PI / 30.0).sin()) * 2.0 / 3.0;
    d
}

fn gcj_offset_lon(x: f64, y: f64) -> f64 {
    let mut d = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * x.abs().sqrt();
    d += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    d += (20.0 * (x * PI).sin() + 40.0 * (x / 3.0 * PI).sin()) * 2.0 / 3.0;
    d += (150.0 * (x / 12.0 * PI).sin() + 300.0 * (x / 30.0 * PI).sin()) * 2.0 / 3.0;
    d
}

/// WGS84 → GCJ-02 by the published formulas; unchanged outside China's box.
pub fn wgs84_to_gcj02((lon, lat): (f64, f64)) -> (f64, f64) {
    if !(GCJ_LON.0..=GCJ_LON.1).contains(&lon) || !(GCJ_LAT.0..=GCJ_LAT.1).contains(&lat) {
        return (lon, lat);
    }
    let d_lat = gcj_offset_lat(lon - 105.0, lat - 35.0);
    let d_lon = gcj_offset_lon(lon - 105.0, lat - 35.0);
    let rad = lat.to_radians();
    let magic = 1.0 - GCJ_EE * rad.sin() * rad.sin();
    let sqrt_magic = magic.sqrt();
    let d_lat = (d_lat * 180.0) / ((GCJ_A * (1.0 - GCJ_EE)) / (magic * sqrt_magic) * PI);
    let d_lon = (d_lon * 180.0) / (GCJ_A / sqrt_magic * rad.cos() * PI);
    (lon + d_lon, lat + d_lat)
}

/// GCJ-02 → BD-09 by Baidu's published formula.
pub fn gcj02_to_bd09((lon, lat): (f64, f64)) -> (f64, f64) {
    let x_pi = PI * 3000.0 / 180.0;
    let z = lon.hypot(lat) + 0.000_02 * (lat * x_pi).sin();
    let theta = lat.atan2(lon) + 0.000_003 * (lon * x_pi).cos();
    (z * theta.cos() + 0.0065, z * theta.sin() + 0.006)
}

/// The position whose `forward` image is `target`: the offsets change slowly, so subtracting
/// the remaining error converges in a few steps.
fn invert(forward: impl Fn((f64, f64)) -> (f64, f64), target: (f64, f64)) -> (f64, f64) {
    const TOLERANCE_DEG: f64 = 1e-9;
    let mut guess = target;
    for _ in 0..50 {
        let image = forward(guess);
        let (dx, dy) = (image.0 - target.0, image.1 - target.1);
        guess = (guess.0 - dx, guess.1 - dy);
        if dx.abs() < TOLERANCE_DEG && dy.abs() < TOLERANCE_DEG {
            break;
        }
    }
    guess
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Metres between two nearby WGS84 positions.
    fn metres(a: (f64, f64), b: (f64, f64)) -> f64 {
        let lat = a.1.to_radians();
        let dx = (a.0 - b.0).to_radians() * 6_378_137.0 * lat.cos();
        let dy = (a.1 - b.1).to_radians() * 6_378_137.0;
        dx.hypot(dy)
    }

    #[test]
    fn gauss_kruger_matches_proj_for_known_points_with_and_without_the_zone_prefix() {
        // Figures from PROJ 9 (gdaltransform -s_srs EPSG:4490 -t_srs EPSG:4548 / EPSG:4527).
        let known = [
            ((117.0, 40.0), (500_000.0, 4_429_529.030_236_59)),
            ((117.12, 40.15), (510_224.806_790_726, 4_446_191.345_421_29)),
        ];
        for ((lon, lat), (e, n)) in known {
            let (x, y) = Crs::Cgcs2000Gk3.from_wgs84(lon, lat).unwrap();
            assert!((x - e).abs() < 1e-3 && (y - n).abs() < 1e-3, "{x} {y}");
            for (x, y) in [(e, n), (e + ZONE * 1e6, n), (n, e), (n, e + ZONE * 1e6)] {
                let back = Crs::Cgcs2000Gk3.to_wgs84(x, y).unwrap();
                assert!(
                    (back.0 - lon).abs() < 1e-9 && (back.1 - lat).abs() < 1e-9,
                    "{back:?}"
                );
            }
        }
    }

    #[test]
    fn gauss_kruger_refuses_another_zone_and_degrees() {
        // Zone 38 (CM 114°E) and plain degrees are not Beijing's projected system.
        assert_eq!(Crs::Cgcs2000Gk3.to_wgs84(38_510_224.8, 4_446_191.3), None);
        assert_eq!(Crs::Cgcs2000Gk3.to_wgs84(117.12, 40.15), None);
        assert_eq!(Crs::Cgcs2000Gk3.to_wgs84(f64::NAN, 4_446_191.3), None);
    }

    #[test]
    fn gcj02_and_bd09_match_published_pairs() {
        // Beijing railway station as published with the formulas: WGS-84 (116.42079, 39.90105),
        // GCJ-02 (116.42703, 39.90245), BD-09 (116.43351, 39.90851), to 1e-5°.
        let wgs = (116.420_79, 39.901_05);
        let gcj = wgs84_to_gcj02(wgs);
        assert!(
            (gcj.0 - 116.427_03).abs() < 1e-5 && (gcj.1 - 39.902_45).abs() < 1e-5,
            "{gcj:?}"
        );
        let bd = gcj02_to_bd09((116.427_03, 39.902_45));
        assert!(
            (bd.0 - 116.433_51).abs() < 1e-5 && (bd.1 - 39.908_51).abs() < 1e-5,
            "{bd:?}"
        );
        // And a published GCJ-02 → BD-09 pair given to full precision.
        let bd = gcj02_to_bd09((118.0, 32.0));
        assert!((bd.0 - 118.006_531_283_139_61).abs() < 1e-12);
        assert!((bd.1 - 32.005_818_466_641_05).abs() < 1e-12);

        let back = Crs::Gcj02.to_wgs84(116.427_03, 39.902_45).unwrap();
        assert!(metres(back, wgs) < 1.5, "{back:?}");
        let back = Crs::Bd09.to_wgs84(116.433_51, 39.908_51).unwrap();
        assert!(metres(back, wgs) < 1.5, "{back:?}");
    }

    #[test]
    fn offset_systems_invert_to_a_tenth_of_a_microdegree_around_pinggu() {
        for i in 0..20 {
            let wgs = (117.0 + f64::from(i) * 0.013, 40.05 + f64::from(i) * 0.009);
            for crs in [
                Crs::Gcj02,
                Crs::Bd09,
                Crs::Cgcs2000Gk3,
                Crs::Wgs84,
                Crs::Cgcs2000,
            ] {
                let (x, y) = crs.from_wgs84(wgs.0, wgs.1).unwrap();
                let back = crs.to_wgs84(x, y).unwrap();
                assert!(
                    (back.0 - wgs.0).abs() < 1e-7 && (back.1 - wgs.1).abs() < 1e-7,
                    "{crs:?} {wgs:?} → {back:?}"
                );
            }
            // The offsets around Pinggu are about half a kilometre.
            let (x, y) = Crs::Gcj02.from_wgs84(wgs.0, wgs.1).unwrap();
            let offset = metres((x, y), wgs);
            assert!((300.0..800.0).contains(&offset), "GCJ-02 offset {offset} m");
            let (x, y) = Crs::Bd09.from_wgs84(wgs.0, wgs.1).unwrap();
            let offset = metres((x, y), wgs);
            assert!(
                (800.0..1_600.0).contains(&offset),
                "BD-09 offset {offset} m"
            );
        }
    }

    #[test]
    fn prj_files_and_geojson_names_are_recognised() {
        let gk_cm = r#"PROJCS["CGCS2000_3_Degree_GK_CM_117E",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",117.0],PARAMETER["Scale_Factor",1.0],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]"#;
        assert_eq!(Crs::from_prj(gk_cm), Some(Crs::Cgcs2000Gk3));
        let zone = gk_cm
            .replace("CM_117E", "Zone_39")
            .replace("500000.0", "39500000.0");
        assert_eq!(Crs::from_prj(&zone), Some(Crs::Cgcs2000Gk3));
        let cm114 = gk_cm.replace("117.0", "114.0");
        assert_eq!(Crs::from_prj(&cm114), None);
        assert_eq!(
            Crs::from_prj(
                r#"GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]"#
            ),
            Some(Crs::Cgcs2000)
        );
        assert_eq!(
            Crs::from_prj(
                r#"GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]"#
            ),
            Some(Crs::Wgs84)
        );
        assert_eq!(
            Crs::from_prj(
                r#"GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433],AUTHORITY["EPSG","4326"]]"#
            ),
            Some(Crs::Wgs84)
        );
        assert_eq!(
            Crs::from_prj(
                r#"PROJCS["Beijing 1954 / 3-degree Gauss-Kruger CM 117E",GEOGCS["Beijing 1954"],PROJECTION["Transverse_Mercator"],PARAMETER["central_meridian",117],PARAMETER["false_easting",500000]]"#
            ),
            None
        );
        assert_eq!(Crs::from_prj("PROJCS[\"WGS_1984_Web_Mercator\"]"), None);
        for (name, crs) in [
            ("urn:ogc:def:crs:OGC:1.3:CRS84", Some(Crs::Wgs84)),
            ("EPSG:4326", Some(Crs::Wgs84)),
            ("urn:ogc:def:crs:EPSG::4490", Some(Crs::Cgcs2000)),
            ("EPSG:4548", Some(Crs::Cgcs2000Gk3)),
            ("urn:ogc:def:crs:EPSG::4527", Some(Crs::Cgcs2000Gk3)),
            ("EPSG:3857", None),
            ("4326", None),
        ] {
            assert_eq!(Crs::from_name(name), crs, "{name}");
        }
    }

    #[test]
    fn crs_travels_as_its_code() {
        assert_eq!(
            serde_json::to_string(&Crs::Cgcs2000Gk3).unwrap(),
            "\"cgcs2000_gk3\""
        );
        assert_eq!(serde_json::from_str::<Crs>("\"bd09\"").unwrap(), Crs::Bd09);
    }
}
