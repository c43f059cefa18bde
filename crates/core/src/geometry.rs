//! Planar measures on WGS84 coordinates at street scale.
//!
//! A street spans a few kilometres, so an equirectangular projection about its own centre is
//! accurate to well under a metre there; overlap and gap checks use it. Reported areas use the
//! geodesic area instead, which is exact on the ellipsoid.

use geo::orient::{Direction, Orient};
use geo::{Area, BooleanOps, BoundingRect, Coord, GeodesicArea, MapCoords, MultiPolygon, Rect};

/// Equirectangular projection to metres about an origin.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LocalProjection {
    origin: Coord<f64>,
    metres_per_degree_lon: f64,
    metres_per_degree_lat: f64,
}

impl LocalProjection {
    pub fn new(origin: Coord<f64>) -> Self {
        // Lengths of one degree on the WGS84 ellipsoid at the origin's latitude.
        let phi = origin.y.to_radians();
        Self {
            origin,
            metres_per_degree_lon: 111_412.84 * phi.cos() - 93.5 * (3.0 * phi).cos()
                + 0.118 * (5.0 * phi).cos(),
            metres_per_degree_lat: 111_132.92 - 559.82 * (2.0 * phi).cos()
                + 1.175 * (4.0 * phi).cos(),
        }
    }

    /// Projection centred on a bounding rectangle.
    pub fn centred_on(rect: Rect<f64>) -> Self {
        Self::new(rect.center())
    }

    pub fn to_metres(&self, c: Coord<f64>) -> Coord<f64> {
        Coord {
            x: (c.x - self.origin.x) * self.metres_per_degree_lon,
            y: (c.y - self.origin.y) * self.metres_per_degree_lat,
        }
    }

    pub fn to_lon_lat(&self, c: Coord<f64>) -> Coord<f64> {
        Coord {
            x: self.origin.x + c.x / self.metres_per_degree_lon,
            y: self.origin.y + c.y / self.metres_per_degree_lat,
        }
    }

    pub fn project(&self, shape: &MultiPolygon<f64>) -> MultiPolygon<f64> {
        shape.map_coords(|c| self.to_metres(c))
    }
}

/// Area on the WGS84 ellipsoid in square metres, whichever way the rings wind (the geodesic
/// measure of a clockwise ring is otherwise the rest of the globe).
pub fn geodesic_area_m2(shape: &MultiPolygon<f64>) -> f64 {
    shape.orient(Direction::Default).geodesic_area_unsigned()
}

/// Area of `a` ∩ `b` in square metres, both already projected.
pub fn overlap_m2(a: &MultiPolygon<f64>, b: &MultiPolygon<f64>) -> f64 {
    a.intersection(b).unsigned_area()
}

/// Area of `a` outside `b` in square metres, both already projected.
pub fn outside_m2(a: &MultiPolygon<f64>, b: &MultiPolygon<f64>) -> f64 {
    a.difference(b).unsigned_area()
}

pub fn bounding_rect(shape: &MultiPolygon<f64>) -> Option<Rect<f64>> {
    shape.bounding_rect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{coord, polygon};

    #[test]
    fn projection_round_trips_and_measures_a_100m_square() {
        let proj = LocalProjection::new(coord! { x: 117.12, y: 40.14 });
        let a = proj.to_lon_lat(coord! { x: 0.0, y: 0.0 });
        let b = proj.to_lon_lat(coord! { x: 100.0, y: 100.0 });
        let square = MultiPolygon::new(vec![polygon![
            (x: a.x, y: a.y), (x: b.x, y: a.y), (x: b.x, y: b.y), (x: a.x, y: b.y), (x: a.x, y: a.y)
        ]]);
        let planar = proj.project(&square).unsigned_area();
        assert!((planar - 10_000.0).abs() < 1e-6, "planar {planar}");
        let geodesic = geodesic_area_m2(&square);
        assert!((geodesic - 10_000.0).abs() < 1.0, "geodesic {geodesic}");
        let clockwise = square.orient(Direction::Reversed);
        assert!((geodesic_area_m2(&clockwise) - geodesic).abs() < 1e-6);
    }
}
