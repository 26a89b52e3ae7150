//! Site geometry in WGS-84. Phones report WGS-84 and so does the national basemap; conversion to
//! GCJ-02 happens only where such a basemap draws, never in storage.

use geo::{
    ChamberlainDuquetteArea, Coord, Haversine, InteriorPoint, Length, LineString, Point, Polygon,
};
use serde::{Deserialize, Serialize};

use super::site_kind::Shape;

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LonLat {
    pub lon: f64,
    pub lat: f64,
}

impl LonLat {
    pub fn parse(lon: f64, lat: f64) -> Result<Self, GeometryError> {
        if !lon.is_finite() || !lat.is_finite() {
            return Err(GeometryError::NotFinite);
        }
        if !(-180.0..=180.0).contains(&lon) || !(-90.0..=90.0).contains(&lat) {
            return Err(GeometryError::OutOfRange { lon, lat });
        }
        Ok(Self { lon, lat })
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize, Deserialize)]
pub enum GeometryError {
    #[error("coordinates must be finite numbers")]
    NotFinite,
    #[error("coordinates out of range: lon {lon}, lat {lat}")]
    OutOfRange { lon: f64, lat: f64 },
    #[error("a line needs at least two distinct points")]
    LineTooShort,
    #[error("a polygon ring needs at least three distinct corners and must be closed")]
    BadRing,
    #[error("a polygon must enclose an area")]
    EmptyArea,
    #[error("a {kind} site is drawn as a {expected}, not a {found}")]
    WrongShape {
        kind: String,
        expected: String,
        found: String,
    },
}

/// The shape of a site, as GeoJSON geometry (`{"type": "Point", "coordinates": [lon, lat]}`),
/// restricted to the three shapes sites have. Only parsed values exist: use [`SiteGeometry::point`],
/// [`SiteGeometry::line`] or [`SiteGeometry::polygon`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "coordinates")]
pub enum SiteGeometry {
    Point([f64; 2]),
    LineString(Vec<[f64; 2]>),
    /// One outer ring, closed (first point repeated last). Sites have no holes.
    Polygon(Vec<Vec<[f64; 2]>>),
}

fn pair(p: LonLat) -> [f64; 2] {
    [p.lon, p.lat]
}

fn check_all(points: &[[f64; 2]]) -> Result<Vec<LonLat>, GeometryError> {
    points
        .iter()
        .map(|[lon, lat]| LonLat::parse(*lon, *lat))
        .collect()
}

impl SiteGeometry {
    pub fn point(p: LonLat) -> Self {
        SiteGeometry::Point(pair(p))
    }

    pub fn line(points: &[LonLat]) -> Result<Self, GeometryError> {
        let mut distinct = points.to_vec();
        distinct.dedup();
        if distinct.len() < 2 {
            return Err(GeometryError::LineTooShort);
        }
        Ok(SiteGeometry::LineString(
            points.iter().copied().map(pair).collect(),
        ))
    }

    /// Takes the ring open or closed; stores it closed.
    pub fn polygon(ring: &[LonLat]) -> Result<Self, GeometryError> {
        let mut ring = ring.to_vec();
        if ring.first() != ring.last() {
            if let Some(first) = ring.first().copied() {
                ring.push(first);
            }
        }
        let mut corners = ring[..ring.len().saturating_sub(1)].to_vec();
        corners.dedup();
        if corners.len() < 3 {
            return Err(GeometryError::BadRing);
        }
        let g = SiteGeometry::Polygon(vec![ring.into_iter().map(pair).collect()]);
        if g.area_m2() <= 0.0 {
            return Err(GeometryError::EmptyArea);
        }
        Ok(g)
    }

    /// Re-checks a value that came from outside (JSON from a client or a database column).
    pub fn validate(self) -> Result<Self, GeometryError> {
        match &self {
            SiteGeometry::Point([lon, lat]) => LonLat::parse(*lon, *lat).map(Self::point),
            SiteGeometry::LineString(pts) => Self::line(&check_all(pts)?),
            SiteGeometry::Polygon(rings) => match rings.as_slice() {
                [outer] => Self::polygon(&check_all(outer)?),
                _ => Err(GeometryError::BadRing),
            },
        }
    }

    pub fn shape(&self) -> Shape {
        match self {
            SiteGeometry::Point(_) => Shape::Point,
            SiteGeometry::LineString(_) => Shape::Line,
            SiteGeometry::Polygon(_) => Shape::Polygon,
        }
    }

    /// A point that lies on the site: the point itself, the middle vertex of a line, a point
    /// inside a polygon. It is what a nearest-site index is built on and where a pin is drawn.
    /// Every vertex, `[lon, lat]` (a map frames a site by them).
    pub fn points(&self) -> Vec<[f64; 2]> {
        match self {
            SiteGeometry::Point(p) => vec![*p],
            SiteGeometry::LineString(ps) => ps.clone(),
            SiteGeometry::Polygon(rings) => rings.iter().flatten().copied().collect(),
        }
    }

    pub fn anchor(&self) -> LonLat {
        let p: Option<Point<f64>> = match self {
            SiteGeometry::Point([lon, lat]) => Some(Point::new(*lon, *lat)),
            SiteGeometry::LineString(pts) => {
                pts.get(pts.len() / 2).map(|[x, y]| Point::new(*x, *y))
            }
            SiteGeometry::Polygon(_) => self.geo_polygon().and_then(|p| p.interior_point()),
        };
        let p = p.unwrap_or_else(|| Point::new(0.0, 0.0));
        LonLat {
            lon: p.x(),
            lat: p.y(),
        }
    }

    /// Length in metres along the earth's surface (0 for points and polygons).
    pub fn length_m(&self) -> f64 {
        match self {
            SiteGeometry::LineString(pts) => {
                let ls: LineString<f64> = pts.iter().map(|[x, y]| Coord { x: *x, y: *y }).collect();
                Haversine.length(&ls)
            }
            _ => 0.0,
        }
    }

    /// Area in square metres on a spherical earth (0 for points and lines).
    pub fn area_m2(&self) -> f64 {
        self.geo_polygon()
            .map(|p| p.chamberlain_duquette_unsigned_area())
            .unwrap_or(0.0)
    }

    fn geo_polygon(&self) -> Option<Polygon<f64>> {
        match self {
            SiteGeometry::Polygon(rings) => rings.first().map(|outer| {
                let ls: LineString<f64> =
                    outer.iter().map(|[x, y]| Coord { x: *x, y: *y }).collect();
                Polygon::new(ls, vec![])
            }),
            _ => None,
        }
    }
}

/// Refuses a geometry whose shape does not fit its kind (a greenway drawn as a dot).
pub fn check_shape_for_kind(
    kind: super::SiteKind,
    geometry: &SiteGeometry,
) -> Result<(), GeometryError> {
    let expected = kind.expected_shape();
    if geometry.shape() == expected {
        Ok(())
    } else {
        Err(GeometryError::WrongShape {
            kind: kind.as_str().to_owned(),
            expected: expected.as_str().to_owned(),
            found: geometry.shape().as_str().to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::SiteKind;

    fn ll(lon: f64, lat: f64) -> LonLat {
        LonLat::parse(lon, lat).unwrap()
    }

    #[test]
    fn refuses_nan_and_out_of_range() {
        assert_eq!(LonLat::parse(f64::NAN, 30.0), Err(GeometryError::NotFinite));
        assert_eq!(
            LonLat::parse(120.0, f64::INFINITY),
            Err(GeometryError::NotFinite)
        );
        assert!(matches!(
            LonLat::parse(181.0, 30.0),
            Err(GeometryError::OutOfRange { .. })
        ));
        assert!(matches!(
            LonLat::parse(120.0, -91.0),
            Err(GeometryError::OutOfRange { .. })
        ));
    }

    #[test]
    fn a_greenway_line_has_a_length_in_kilometres() {
        // About 0.01° of longitude at 30.27°N is 960 m; four steps ≈ 3.84 km.
        let pts: Vec<_> = (0..5)
            .map(|i| ll(120.10 + 0.01 * i as f64, 30.27))
            .collect();
        let g = SiteGeometry::line(&pts).unwrap();
        let km = g.length_m() / 1000.0;
        assert!((3.7..3.95).contains(&km), "length {km} km");
        let a = g.anchor();
        assert!(
            (a.lon - 120.12).abs() < 1e-9 && (a.lat - 30.27).abs() < 1e-9,
            "{a:?}"
        );
    }

    #[test]
    fn a_line_needs_two_distinct_points() {
        assert_eq!(
            SiteGeometry::line(&[ll(120.1, 30.2), ll(120.1, 30.2)]),
            Err(GeometryError::LineTooShort)
        );
    }

    #[test]
    fn polygons_are_closed_and_have_area() {
        let ring = [
            ll(120.0, 30.0),
            ll(120.001, 30.0),
            ll(120.001, 30.001),
            ll(120.0, 30.001),
        ];
        let g = SiteGeometry::polygon(&ring).unwrap();
        match &g {
            SiteGeometry::Polygon(r) => assert_eq!(r[0].first(), r[0].last()),
            _ => unreachable!(),
        }
        // ~96 m × 111 m.
        let a = g.area_m2();
        assert!((9_000.0..12_500.0).contains(&a), "area {a}");
        let inside = g.anchor();
        assert!(
            inside.lon > 120.0 && inside.lon < 120.001 && inside.lat > 30.0 && inside.lat < 30.001
        );
        assert_eq!(
            SiteGeometry::polygon(&[ll(120.0, 30.0), ll(120.1, 30.0), ll(120.2, 30.0)]),
            Err(GeometryError::EmptyArea)
        );
        assert_eq!(
            SiteGeometry::polygon(&[ll(120.0, 30.0), ll(120.1, 30.0)]),
            Err(GeometryError::BadRing)
        );
    }

    #[test]
    fn geojson_round_trip_and_validation() {
        let json = r#"{"type":"Point","coordinates":[120.16,30.27]}"#;
        let g: SiteGeometry = serde_json::from_str(json).unwrap();
        assert_eq!(serde_json::to_string(&g).unwrap(), json);
        let bad: SiteGeometry =
            serde_json::from_str(r#"{"type":"Point","coordinates":[520.0,30.0]}"#).unwrap();
        assert!(bad.validate().is_err());
        let line: SiteGeometry = serde_json::from_str(
            r#"{"type":"LineString","coordinates":[[120.1,30.2],[120.2,30.2]]}"#,
        )
        .unwrap();
        assert!(line.validate().is_ok());
    }

    #[test]
    fn shape_must_fit_the_kind() {
        let dot = SiteGeometry::point(ll(120.1, 30.2));
        assert!(check_shape_for_kind(SiteKind::ElderlyDining, &dot).is_ok());
        assert!(matches!(
            check_shape_for_kind(SiteKind::Greenway, &dot),
            Err(GeometryError::WrongShape { .. })
        ));
    }
}
