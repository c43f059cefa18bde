//! What the UI needs to know about every grid feature of `/api/grids.geojson`, read once:
//! code → feature id (for feature-state), the parent chain (to reveal a grid in the tree),
//! and one label point per polygon.

use std::collections::HashMap;

use binhe_api::grids::GridLayer;
use binhe_core::GridLevel;
use binhe_core::geojson::Geometry;
use serde_json::{Value, json};

use crate::api::Bbox;

/// One grid of the GeoJSON, without its geometry.
#[derive(Clone, Debug, PartialEq)]
pub struct GridEntry {
    pub id: u32,
    pub code: String,
    pub name: String,
    pub level: GridLevel,
    pub parent: Option<String>,
    pub community: Option<String>,
    pub bbox: Bbox,
}

/// All grids by code.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GridIndex {
    by_code: HashMap<String, GridEntry>,
    /// Community codes in code order; their position picks the community's fill colour.
    pub community_codes: Vec<String>,
    /// A point per community and micro-grid for its label (see [`label_point`]).
    pub labels: Value,
}

/// The polygons of a grid's geometry (each a list of rings, outer ring first).
fn polygons(geometry: &Geometry) -> Vec<&[Vec<[f64; 2]>]> {
    match geometry {
        Geometry::Polygon { coordinates } => vec![coordinates.as_slice()],
        Geometry::MultiPolygon { coordinates } => coordinates.iter().map(Vec::as_slice).collect(),
        Geometry::Point { .. } => Vec::new(),
    }
}

impl GridIndex {
    /// Reads the grid GeoJSON text as served by `/api/grids.geojson`.
    pub fn from_geojson(text: &str) -> Result<Self, serde_json::Error> {
        let fc: GridLayer = serde_json::from_str(text)?;
        let mut by_code = HashMap::with_capacity(fc.features.len());
        let mut community_codes = Vec::new();
        let mut labels = Vec::new();
        for f in fc.features {
            let polygons = polygons(&f.geometry);
            let bbox = bbox_of(&polygons);
            let id =
                f.id.and_then(|id| u32::try_from(id).ok())
                    .unwrap_or_default();
            let p = f.properties;
            let code = p.code.to_string();
            if p.level == GridLevel::Community {
                community_codes.push(code.clone());
            }
            if matches!(p.level, GridLevel::Community | GridLevel::Micro) {
                // The label goes in the largest part of a multi-polygon.
                let biggest = polygons
                    .iter()
                    .max_by(|a, b| ring_area(&a[0]).total_cmp(&ring_area(&b[0])));
                if let Some(point) = biggest.and_then(|rings| label_point(rings)) {
                    labels.push(json!({
                        "type": "Feature",
                        "id": id,
                        "geometry": {"type": "Point", "coordinates": point},
                        "properties": {
                            "code": code, "name": p.name, "name_en": p.name_en,
                            "level": p.level.as_str(), "kind": p.kind,
                        },
                    }));
                }
            }
            by_code.insert(
                code.clone(),
                GridEntry {
                    id,
                    code,
                    name: p.name.clone(),
                    level: p.level,
                    parent: p.parent.map(|c| c.to_string()),
                    community: p.community.map(|c| c.to_string()),
                    bbox,
                },
            );
        }
        community_codes.sort();
        Ok(GridIndex {
            by_code,
            community_codes,
            labels: json!({"type": "FeatureCollection", "features": labels}),
        })
    }

    pub fn get(&self, code: &str) -> Option<&GridEntry> {
        self.by_code.get(code)
    }

    /// The grids whose parent is `code`, in code order.
    pub fn children(&self, code: &str) -> Vec<&GridEntry> {
        let mut children: Vec<&GridEntry> = self
            .by_code
            .values()
            .filter(|g| g.parent.as_deref() == Some(code))
            .collect();
        children.sort_by(|a, b| a.code.cmp(&b.code));
        children
    }

    /// Codes from the street down to `code`'s parent (not `code` itself), top first.
    /// The (zh, en) name of a labelled grid (a community or micro-grid), English falling back to
    /// Chinese.
    pub fn name(&self, code: &str) -> Option<[String; 2]> {
        let props = self.labels["features"]
            .as_array()?
            .iter()
            .map(|f| &f["properties"])
            .find(|p| p["code"] == code)?;
        let zh = props["name"].as_str()?.to_owned();
        let en = props["name_en"]
            .as_str()
            .filter(|n| !n.is_empty())
            .unwrap_or(&zh)
            .to_owned();
        Some([zh, en])
    }

    pub fn ancestors(&self, code: &str) -> Vec<String> {
        let mut chain = Vec::new();
        let mut next = self.get(code).and_then(|e| e.parent.clone());
        while let Some(parent) = next {
            // Guards against a cycle in bad data.
            if chain.contains(&parent) {
                break;
            }
            next = self.get(&parent).and_then(|e| e.parent.clone());
            chain.push(parent);
        }
        chain.reverse();
        chain
    }

    /// The street grid's bbox.
    pub fn street_bbox(&self) -> Option<Bbox> {
        self.by_code
            .values()
            .find(|e| e.level == GridLevel::Street)
            .map(|e| e.bbox)
    }

    /// Where the map opens: the community a commander is limited to, else the street, else
    /// (grids without their street) everything there is.
    pub fn home_bbox(&self, community: Option<&str>) -> Option<Bbox> {
        community
            .and_then(|code| self.get(code))
            .map(|e| e.bbox)
            .or_else(|| self.street_bbox())
            .or_else(|| {
                self.by_code.values().map(|e| e.bbox).reduce(|a, b| {
                    [
                        a[0].min(b[0]),
                        a[1].min(b[1]),
                        a[2].max(b[2]),
                        a[3].max(b[3]),
                    ]
                })
            })
    }
}

fn bbox_of(polygons: &[&[Vec<[f64; 2]>]]) -> Bbox {
    let mut b = [
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    ];
    for ring in polygons.iter().filter_map(|rings| rings.first()) {
        for &[x, y] in ring {
            b = [b[0].min(x), b[1].min(y), b[2].max(x), b[3].max(y)];
        }
    }
    b
}

/// Shoelace area (absolute, in squared degrees; only compared with each other).
fn ring_area(ring: &[[f64; 2]]) -> f64 {
    ring.windows(2)
        .map(|w| w[0][0] * w[1][1] - w[1][0] * w[0][1])
        .sum::<f64>()
        .abs()
        / 2.0
}

/// A point well inside a polygon (outer ring first, then holes), for its label.
///
/// MapLibre would place polygon labels per tile, which repeats or cuts long names at tile
/// edges; one point per grid avoids that. Scans a few horizontal lines and takes the middle
/// of the widest inside run, so concave and holed polygons still get an inside point.
pub fn label_point(rings: &[Vec<[f64; 2]>]) -> Option<[f64; 2]> {
    let outer = rings.first()?;
    let (min_y, max_y) = outer
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| {
            (lo.min(p[1]), hi.max(p[1]))
        });
    if max_y.partial_cmp(&min_y) != Some(std::cmp::Ordering::Greater) {
        return None;
    }
    let mut best: Option<([f64; 2], f64)> = None;
    for t in [0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8] {
        let y = min_y + (max_y - min_y) * t;
        let mut xs: Vec<f64> = rings
            .iter()
            .flat_map(|ring| ring.windows(2))
            .filter_map(|w| {
                let ([x0, y0], [x1, y1]) = (w[0], w[1]);
                // Half-open test so a vertex exactly on the line counts once.
                ((y0 <= y) != (y1 <= y)).then(|| x0 + (y - y0) / (y1 - y0) * (x1 - x0))
            })
            .collect();
        xs.sort_by(f64::total_cmp);
        for pair in xs.chunks_exact(2) {
            let width = pair[1] - pair[0];
            // Prefer lines near the middle: a run must be clearly wider to win from farther out.
            let score = width * (1.0 - (t - 0.5f64).abs());
            if best.is_none_or(|(_, s)| score > s) {
                best = Some(([f64::midpoint(pair[0], pair[1]), y], score));
            }
        }
    }
    best.map(|(p, _)| p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(x: f64, y: f64, s: f64) -> Vec<[f64; 2]> {
        vec![[x, y], [x + s, y], [x + s, y + s], [x, y + s], [x, y]]
    }

    #[test]
    fn label_of_a_square_is_its_centre() {
        assert_eq!(label_point(&[square(0.0, 0.0, 2.0)]), Some([1.0, 1.0]));
    }

    #[test]
    fn label_of_a_u_shape_lies_inside_an_arm() {
        // A "U": the centre of its bbox is in the notch, outside the polygon.
        let u = vec![
            [0.0, 0.0],
            [3.0, 0.0],
            [3.0, 3.0],
            [2.0, 3.0],
            [2.0, 1.0],
            [1.0, 1.0],
            [1.0, 3.0],
            [0.0, 3.0],
            [0.0, 0.0],
        ];
        let [x, y] = label_point(&[u]).unwrap();
        let in_notch = (1.0..=2.0).contains(&x) && y > 1.0;
        assert!(!in_notch, "label at {x},{y} is in the notch");
    }

    #[test]
    fn label_avoids_a_hole() {
        let hole = vec![[1.0, 1.0], [1.0, 3.0], [3.0, 3.0], [3.0, 1.0], [1.0, 1.0]];
        let [x, y] = label_point(&[square(0.0, 0.0, 4.0), hole]).unwrap();
        assert!(!((1.0..=3.0).contains(&x) && (1.0..=3.0).contains(&y)));
    }

    const S: &str = "110117001000000";
    const C: &str = "110117001001000";
    const M: &str = "110117001001001";

    /// A grid feature as `/api/grids.geojson` sends it.
    fn grid(
        id: u64,
        code: &str,
        name: [&str; 2],
        level: &str,
        parent: Option<&str>,
        ring: &[[f64; 2]],
    ) -> Value {
        let community = (level != "street").then_some(C);
        json!({"type": "Feature", "id": id, "geometry": {"type": "Polygon", "coordinates": [ring]},
               "properties": {"code": code, "name": name[0], "name_en": name[1], "level": level, "parent": parent,
                              "community": community, "population": 9, "area_m2": 1.0, "synthetic": true,
                              "kind": (level == "micro").then_some("compound")}})
    }

    #[test]
    fn a_commanders_map_opens_on_the_community_even_without_the_street() {
        let geojson = json!({"type": "FeatureCollection", "features": [
            grid(2, C, ["社区", ""], "community", Some(S), &square(1.0, 1.0, 2.0)),
            grid(3, M, ["微网格", ""], "micro", Some(C), &square(2.5, 0.5, 1.0)),
        ]});
        let index = GridIndex::from_geojson(&geojson.to_string()).unwrap();
        assert_eq!(index.street_bbox(), None);
        assert_eq!(index.home_bbox(Some(C)), Some([1.0, 1.0, 3.0, 3.0]));
        assert_eq!(index.home_bbox(None), Some([1.0, 0.5, 3.5, 3.0]));
    }

    #[test]
    fn index_knows_ids_parents_and_labels() {
        let geojson = json!({"type": "FeatureCollection", "features": [
            grid(1, S, ["街道", "Street"], "street", None, &square(0.0, 0.0, 4.0)),
            grid(2, C, ["社区", "Community"], "community", Some(S), &square(0.0, 0.0, 2.0)),
            grid(3, M, ["微网格", "Micro"], "micro", Some(C), &square(0.0, 0.0, 1.0)),
        ]});
        let index = GridIndex::from_geojson(&geojson.to_string()).unwrap();
        assert_eq!(index.get(M).unwrap().id, 3);
        assert_eq!(index.ancestors(M), vec![S.to_owned(), C.to_owned()]);
        assert_eq!(index.street_bbox(), Some([0.0, 0.0, 4.0, 4.0]));
        assert_eq!(index.home_bbox(None), Some([0.0, 0.0, 4.0, 4.0]));
        assert_eq!(index.home_bbox(Some(C)), Some([0.0, 0.0, 2.0, 2.0]));
        assert_eq!(index.home_bbox(Some("X")), Some([0.0, 0.0, 4.0, 4.0]));
        assert_eq!(index.community_codes, vec![C.to_owned()]);
        assert_eq!(index.labels["features"].as_array().unwrap().len(), 2);
        assert_eq!(
            index.name(M),
            Some(["微网格".to_owned(), "Micro".to_owned()])
        );
        assert_eq!(index.name(S), None, "the street carries no label");
    }
}
