//! On-site proof: how far the capture position was from the site, and what that says.

use geo::{
    Closest, Contains, Coord, Distance, Haversine, HaversineClosestPoint, LineString, Point,
    Polygon,
};
use serde::{Deserialize, Serialize};

use super::geometry::SiteGeometry;
use super::record::{PositionInput, PositionSource};

/// Within this of the site (plus the fix's own uncertainty, capped) the deputy was there.
pub const ON_SITE_M: f64 = 50.0;
/// Within this they were close by (across the road, at the far gate of an estate).
pub const NEAR_M: f64 = 300.0;
/// A fix less precise than this proves nothing either way.
pub const USEFUL_ACCURACY_M: f64 = 500.0;
/// GPS uncertainty is granted up to this much; beyond it a poor fix cannot make "on site".
pub const ACCURACY_SLACK_CAP_M: f64 = 100.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    OnSite,
    Near,
    OffSite,
    Unknown,
}

impl Verdict {
    pub const ALL: [Verdict; 4] = [
        Verdict::OnSite,
        Verdict::Near,
        Verdict::OffSite,
        Verdict::Unknown,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::OnSite => "on_site",
            Verdict::Near => "near",
            Verdict::OffSite => "off_site",
            Verdict::Unknown => "unknown",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [
            Verdict::OnSite,
            Verdict::Near,
            Verdict::OffSite,
            Verdict::Unknown,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
    }
}

impl TryFrom<String> for Verdict {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Self::parse(&s).ok_or(s)
    }
}

fn ring(points: &[[f64; 2]]) -> LineString<f64> {
    points.iter().map(|[x, y]| Coord { x: *x, y: *y }).collect()
}

fn closest_distance(ls: &LineString<f64>, p: Point<f64>) -> f64 {
    match ls.haversine_closest_point(&p) {
        Closest::Intersection(_) => 0.0,
        Closest::SinglePoint(q) => Haversine.distance(p, q),
        // Degenerate lines: fall back to the nearest vertex.
        Closest::Indeterminate => ls
            .points()
            .map(|q| Haversine.distance(p, q))
            .fold(f64::INFINITY, f64::min),
    }
}

/// Metres from a point to the nearest part of the site: 0 inside an estate's polygon, the
/// distance to the nearest stretch of a greenway, or to the point of a dining hall.
pub fn distance_to_site_m(site: &SiteGeometry, lat: f64, lon: f64) -> f64 {
    let p = Point::new(lon, lat);
    match site {
        SiteGeometry::Point([x, y]) => Haversine.distance(p, Point::new(*x, *y)),
        SiteGeometry::LineString(pts) => closest_distance(&ring(pts), p),
        SiteGeometry::Polygon(rings) => {
            let outer = rings
                .first()
                .map(|r| ring(r))
                .unwrap_or_else(|| LineString(vec![]));
            if Polygon::new(outer.clone(), vec![]).contains(&p) {
                0.0
            } else {
                closest_distance(&outer, p)
            }
        }
    }
}

/// The verdict for a capture position against a site. Returns the distance too (None when
/// there is no position).
pub fn judge(site: &SiteGeometry, position: Option<&PositionInput>) -> (Verdict, Option<f64>) {
    let Some(p) = position else {
        return (Verdict::Unknown, None);
    };
    let d = distance_to_site_m(site, p.lat, p.lon);
    if p.source == PositionSource::SiteLocation || p.accuracy_m > USEFUL_ACCURACY_M {
        return (Verdict::Unknown, Some(d));
    }
    let slack = p.accuracy_m.min(ACCURACY_SLACK_CAP_M);
    let v = if d <= ON_SITE_M + slack {
        Verdict::OnSite
    } else if d <= NEAR_M + slack {
        Verdict::Near
    } else {
        Verdict::OffSite
    };
    (v, Some(d))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::LonLat;

    fn pos(lat: f64, lon: f64, acc: f64) -> PositionInput {
        PositionInput {
            lat,
            lon,
            accuracy_m: acc,
            source: PositionSource::Gps,
        }
    }

    fn greenway() -> SiteGeometry {
        // A straight 1.9 km stretch along 30.27°N.
        SiteGeometry::line(&[
            LonLat::parse(120.10, 30.27).unwrap(),
            LonLat::parse(120.12, 30.27).unwrap(),
        ])
        .unwrap()
    }

    #[test]
    fn distance_to_a_greenway_is_to_its_nearest_stretch() {
        // 0.001° of latitude ≈ 111 m north of the middle of the line.
        let d = distance_to_site_m(&greenway(), 30.271, 120.11);
        assert!((105.0..117.0).contains(&d), "{d}");
        // Beyond the east end: distance to the end point, not to the infinite line.
        let d = distance_to_site_m(&greenway(), 30.27, 120.13);
        assert!((900.0..1000.0).contains(&d), "{d}");
    }

    #[test]
    fn inside_an_estate_is_zero_and_outside_is_to_its_fence() {
        let ring = [
            (120.0, 30.0),
            (120.002, 30.0),
            (120.002, 30.002),
            (120.0, 30.002),
        ]
        .map(|(x, y)| LonLat::parse(x, y).unwrap());
        let estate = SiteGeometry::polygon(&ring).unwrap();
        assert_eq!(distance_to_site_m(&estate, 30.001, 120.001), 0.0);
        let d = distance_to_site_m(&estate, 30.001, 120.003);
        assert!((90.0..100.0).contains(&d), "{d}");
    }

    #[test]
    fn verdicts_account_for_accuracy() {
        let g = greenway();
        assert_eq!(
            judge(&g, Some(&pos(30.2702, 120.11, 10.0))).0,
            Verdict::OnSite
        );
        // 111 m away with a 70 m fix: could have been on the path.
        assert_eq!(
            judge(&g, Some(&pos(30.271, 120.11, 70.0))).0,
            Verdict::OnSite
        );
        assert_eq!(judge(&g, Some(&pos(30.271, 120.11, 10.0))).0, Verdict::Near);
        assert_eq!(
            judge(&g, Some(&pos(30.29, 120.11, 10.0))).0,
            Verdict::OffSite
        );
        // A fix of 450 m cannot make 1 km "near" (slack is capped).
        assert_eq!(
            judge(&g, Some(&pos(30.28, 120.11, 450.0))).0,
            Verdict::OffSite
        );
        assert_eq!(
            judge(&g, Some(&pos(30.27, 120.11, 900.0))).0,
            Verdict::Unknown
        );
        assert_eq!(judge(&g, None), (Verdict::Unknown, None));
        let mut at_site = pos(30.27, 120.11, 5.0);
        at_site.source = PositionSource::SiteLocation;
        assert_eq!(judge(&g, Some(&at_site)).0, Verdict::Unknown);
    }
}
