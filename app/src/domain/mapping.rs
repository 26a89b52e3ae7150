//! Map arithmetic shared by the server and the browser: China's GCJ-02 offset, Web Mercator
//! tiles, and grid clusters. Coordinates are stored in WGS-84; they are shifted to GCJ-02 only to
//! be drawn on a basemap drawn in GCJ-02 (AMap/Gaode, Tencent), and shifted back when a person
//! drops a pin on such a map.

use serde::{Deserialize, Serialize};

use super::LonLat;

/// The coordinate system a basemap is drawn in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Datum {
    Wgs84,
    Gcj02,
}

impl Datum {
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "wgs84" | "wgs-84" => Some(Datum::Wgs84),
            "gcj02" | "gcj-02" => Some(Datum::Gcj02),
            _ => None,
        }
    }

    /// Where a WGS-84 position is drawn on a basemap of this datum.
    pub fn from_wgs84(self, p: LonLat) -> LonLat {
        match self {
            Datum::Wgs84 => p,
            Datum::Gcj02 => wgs84_to_gcj02(p),
        }
    }

    /// The WGS-84 position of a point read off a basemap of this datum.
    pub fn to_wgs84(self, p: LonLat) -> LonLat {
        match self {
            Datum::Wgs84 => p,
            Datum::Gcj02 => gcj02_to_wgs84(p),
        }
    }
}

// The Krasovsky 1940 ellipsoid the published GCJ-02 formula is written for.
const A: f64 = 6378245.0;
const EE: f64 = 0.006_693_421_622_965_943;

/// Outside mainland China's rough bounding box the offset is not applied (as every basemap
/// provider does).
pub fn outside_china(p: LonLat) -> bool {
    !(72.004..=137.8347).contains(&p.lon) || !(0.8293..=55.8271).contains(&p.lat)
}

fn shift(p: LonLat) -> (f64, f64) {
    use std::f64::consts::PI;
    let (x, y) = (p.lon - 105.0, p.lat - 35.0);
    let common = (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    let mut d_lat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * x.abs().sqrt();
    d_lat += common;
    d_lat += (20.0 * (y * PI).sin() + 40.0 * (y / 3.0 * PI).sin()) * 2.0 / 3.0;
    d_lat += (160.0 * (y / 12.0 * PI).sin() + 320.0 * (y * PI / 30.0).sin()) * 2.0 / 3.0;
    let mut d_lon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * x.abs().sqrt();
    d_lon += common;
    d_lon += (20.0 * (x * PI).sin() + 40.0 * (x / 3.0 * PI).sin()) * 2.0 / 3.0;
    d_lon += (150.0 * (x / 12.0 * PI).sin() + 300.0 * (x / 30.0 * PI).sin()) * 2.0 / 3.0;
    let rad_lat = p.lat / 180.0 * PI;
    let magic = 1.0 - EE * rad_lat.sin().powi(2);
    let sqrt_magic = magic.sqrt();
    let d_lat = (d_lat * 180.0) / ((A * (1.0 - EE)) / (magic * sqrt_magic) * PI);
    let d_lon = (d_lon * 180.0) / (A / sqrt_magic * rad_lat.cos() * PI);
    (d_lon, d_lat)
}

pub fn wgs84_to_gcj02(p: LonLat) -> LonLat {
    if outside_china(p) {
        return p;
    }
    let (d_lon, d_lat) = shift(p);
    LonLat {
        lon: p.lon + d_lon,
        lat: p.lat + d_lat,
    }
}

/// The inverse has no closed form: start from the GCJ-02 point and correct by the forward
/// error until it is below a millimetre (three or four rounds).
pub fn gcj02_to_wgs84(g: LonLat) -> LonLat {
    if outside_china(g) {
        return g;
    }
    let mut w = g;
    for _ in 0..20 {
        let f = wgs84_to_gcj02(w);
        let (e_lon, e_lat) = (g.lon - f.lon, g.lat - f.lat);
        w = LonLat {
            lon: w.lon + e_lon,
            lat: w.lat + e_lat,
        };
        if e_lon.abs() < 1e-9 && e_lat.abs() < 1e-9 {
            break;
        }
    }
    w
}

/// The coordinate system of positions a person enters or a file brings: read off a GPS or a
/// national map (WGS-84), AMap or Tencent (GCJ-02), or Baidu (BD-09). Each is converted to the
/// WGS-84 the database keeps; unlike [`Datum`], this is not something a basemap is drawn in here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CoordSystem {
    Wgs84,
    Gcj02,
    Bd09,
}

impl CoordSystem {
    pub const ALL: [CoordSystem; 3] = [CoordSystem::Wgs84, CoordSystem::Gcj02, CoordSystem::Bd09];

    /// As files write them: `WGS84`, `GCJ-02`, `bd09`, or the Chinese names.
    pub fn parse(s: &str) -> Option<Self> {
        let s: String = s
            .trim()
            .chars()
            .filter(|c| !matches!(c, '-' | '_' | ' '))
            .collect::<String>()
            .to_ascii_lowercase();
        match s.as_str() {
            "wgs84" | "gps" | "天地图" | "国家2000" | "cgcs2000" => Some(CoordSystem::Wgs84),
            "gcj02" | "火星坐标" | "高德" | "腾讯" | "amap" => Some(CoordSystem::Gcj02),
            "bd09" | "bd09ll" | "百度" | "baidu" => Some(CoordSystem::Bd09),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CoordSystem::Wgs84 => "WGS84",
            CoordSystem::Gcj02 => "GCJ02",
            CoordSystem::Bd09 => "BD09",
        }
    }

    pub fn to_wgs84(self, p: LonLat) -> LonLat {
        match self {
            CoordSystem::Wgs84 => p,
            CoordSystem::Gcj02 => gcj02_to_wgs84(p),
            CoordSystem::Bd09 => gcj02_to_wgs84(bd09_to_gcj02(p)),
        }
    }

    pub fn from_wgs84(self, p: LonLat) -> LonLat {
        match self {
            CoordSystem::Wgs84 => p,
            CoordSystem::Gcj02 => wgs84_to_gcj02(p),
            CoordSystem::Bd09 => gcj02_to_bd09(wgs84_to_gcj02(p)),
        }
    }
}

const X_PI: f64 = std::f64::consts::PI * 3000.0 / 180.0;

/// Baidu's published shift of a GCJ-02 position.
pub fn gcj02_to_bd09(g: LonLat) -> LonLat {
    let (x, y) = (g.lon, g.lat);
    let z = (x * x + y * y).sqrt() + 0.00002 * (y * X_PI).sin();
    let theta = y.atan2(x) + 0.000003 * (x * X_PI).cos();
    LonLat {
        lon: z * theta.cos() + 0.0065,
        lat: z * theta.sin() + 0.006,
    }
}

/// The usual closed-form inverse is off by up to a few decimetres; as for GCJ-02, it is the
/// start, corrected by the forward error until that is below a millimetre.
pub fn bd09_to_gcj02(b: LonLat) -> LonLat {
    let (x, y) = (b.lon - 0.0065, b.lat - 0.006);
    let z = (x * x + y * y).sqrt() - 0.00002 * (y * X_PI).sin();
    let theta = y.atan2(x) - 0.000003 * (x * X_PI).cos();
    let mut g = LonLat {
        lon: z * theta.cos(),
        lat: z * theta.sin(),
    };
    for _ in 0..20 {
        let f = gcj02_to_bd09(g);
        let (e_lon, e_lat) = (b.lon - f.lon, b.lat - f.lat);
        g = LonLat {
            lon: g.lon + e_lon,
            lat: g.lat + e_lat,
        };
        if e_lon.abs() < 1e-9 && e_lat.abs() < 1e-9 {
            break;
        }
    }
    g
}

/// Web Mercator: 256-pixel tiles, zoom 0 is one tile for the world.
pub const TILE: f64 = 256.0;

/// The position in world pixels at `zoom` (x to the east, y to the south).
pub fn world_px(p: LonLat, zoom: f64) -> (f64, f64) {
    use std::f64::consts::PI;
    let scale = TILE * 2f64.powf(zoom);
    let lat = p.lat.clamp(-85.051_128_78, 85.051_128_78).to_radians();
    let x = (p.lon + 180.0) / 360.0 * scale;
    let y = (1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / PI) / 2.0 * scale;
    (x, y)
}

/// The inverse of [`world_px`].
pub fn from_world_px(x: f64, y: f64, zoom: f64) -> LonLat {
    use std::f64::consts::PI;
    let scale = TILE * 2f64.powf(zoom);
    let lon = x / scale * 360.0 - 180.0;
    let n = PI - 2.0 * PI * y / scale;
    let lat = (0.5 * (n.exp() - (-n).exp())).atan().to_degrees();
    LonLat { lon, lat }
}

/// Metres on the ground per screen pixel at this latitude and zoom.
pub fn metres_per_px(lat: f64, zoom: f64) -> f64 {
    40_075_016.686 * lat.to_radians().cos() / (TILE * 2f64.powf(zoom))
}

/// How far off a pin dropped with a finger may be: a fingertip covers about 8 of the map's
/// drawing pixels.
pub fn pin_accuracy_m(lat: f64, zoom: f64) -> f64 {
    (metres_per_px(lat, zoom) * 8.0).max(1.0)
}

/// A scale bar: the longest round distance (1, 2 or 5 × 10ⁿ metres) that fits in `max_px`,
/// and its length in pixels.
pub fn scale_bar(lat: f64, zoom: f64, max_px: f64) -> (f64, f64) {
    let mpp = metres_per_px(lat, zoom);
    let max_m = mpp * max_px;
    let mut best = 1.0;
    let mut step = 1.0;
    while step <= max_m {
        for k in [1.0, 2.0, 5.0] {
            if k * step <= max_m {
                best = k * step;
            }
        }
        step *= 10.0;
    }
    (best, best / mpp)
}

/// A tile address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TileId {
    pub z: u8,
    pub x: u32,
    pub y: u32,
}

impl TileId {
    /// Fills a provider's URL template (`{z}`, `{x}`, `{y}`).
    pub fn url(&self, template: &str) -> String {
        template
            .replace("{z}", &self.z.to_string())
            .replace("{x}", &self.x.to_string())
            .replace("{y}", &self.y.to_string())
    }
}

/// The tiles covering a box of positions (in the basemap's datum) at one zoom.
pub fn tiles_covering(sw: LonLat, ne: LonLat, z: u8) -> Vec<TileId> {
    let n = 1u32 << z;
    let (x0, y1) = world_px(sw, f64::from(z));
    let (x1, y0) = world_px(ne, f64::from(z));
    let t = |v: f64| ((v / TILE).floor().max(0.0) as u32).min(n - 1);
    let mut out = Vec::new();
    for x in t(x0)..=t(x1) {
        for y in t(y0)..=t(y1) {
            out.push(TileId { z, x, y });
        }
    }
    out
}

/// A square of the grid a map's points are counted in; `n` points, drawn at their mean.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Cluster {
    pub at: LonLat,
    pub n: u64,
}

/// The grid cell (in world pixels at `zoom`, `cell` pixels wide) a position falls in.
pub fn grid_cell(p: LonLat, zoom: f64, cell: f64) -> (i64, i64) {
    let (x, y) = world_px(p, zoom);
    ((x / cell).floor() as i64, (y / cell).floor() as i64)
}

/// Counts points into grid cells: every point is in exactly one cluster, so the counts add up
/// to the number of points, the same as a list of them.
pub fn cluster(points: &[LonLat], zoom: f64, cell: f64) -> Vec<Cluster> {
    let mut cells: std::collections::BTreeMap<(i64, i64), (f64, f64, u64)> = Default::default();
    for p in points {
        let e = cells.entry(grid_cell(*p, zoom, cell)).or_default();
        e.0 += p.lon;
        e.1 += p.lat;
        e.2 += 1;
    }
    cells
        .into_values()
        .map(|(lon, lat, n)| Cluster {
            at: LonLat {
                lon: lon / n as f64,
                lat: lat / n as f64,
            },
            n,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ll(lat: f64, lon: f64) -> LonLat {
        LonLat { lon, lat }
    }

    /// Metres between two nearby points (equirectangular; exact enough at these distances).
    fn metres(a: LonLat, b: LonLat) -> f64 {
        let k = 111_320.0;
        let dx = (a.lon - b.lon) * k * a.lat.to_radians().cos();
        let dy = (a.lat - b.lat) * k;
        (dx * dx + dy * dy).sqrt()
    }

    /// Published reference pairs (WGS-84 → GCJ-02) used by the eviltransform implementations.
    const REFERENCE: [(f64, f64, f64, f64); 3] = [
        (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),
        (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),
        (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),
    ];

    #[test]
    fn matches_the_published_reference_points() {
        for (wlat, wlon, glat, glon) in REFERENCE {
            let g = wgs84_to_gcj02(ll(wlat, wlon));
            assert!(metres(g, ll(glat, glon)) < 0.05, "{g:?} vs {glat},{glon}");
            let back = gcj02_to_wgs84(ll(glat, glon));
            assert!(metres(back, ll(wlat, wlon)) < 0.05);
        }
    }

    #[test]
    fn the_round_trip_stays_within_a_metre_around_hangzhou() {
        // A grid over Hangzhou's districts, 120.0–120.7 E, 29.9–30.6 N.
        let mut worst: f64 = 0.0;
        let mut shift_m: f64 = 0.0;
        for i in 0..=20 {
            for j in 0..=20 {
                let p = ll(29.9 + 0.035 * f64::from(j), 120.0 + 0.035 * f64::from(i));
                let g = wgs84_to_gcj02(p);
                shift_m = shift_m.max(metres(p, g));
                worst = worst.max(metres(gcj02_to_wgs84(g), p));
            }
        }
        assert!(worst < 1.0, "round trip off by {worst} m");
        assert!(
            shift_m > 300.0,
            "the offset is hundreds of metres here: {shift_m}"
        );
    }

    #[test]
    fn no_offset_outside_china() {
        let london = ll(51.5, -0.12);
        assert_eq!(wgs84_to_gcj02(london), london);
        assert_eq!(gcj02_to_wgs84(london), london);
        assert_eq!(Datum::parse("GCJ-02"), Some(Datum::Gcj02));
        assert_eq!(Datum::parse("bd09"), None);
    }

    #[test]
    fn baidu_positions_match_published_pairs_and_come_back_within_a_metre() {
        // Beijing railway station as Baidu and AMap publish it (GCJ-02 → BD-09, 5 decimals).
        let bd = gcj02_to_bd09(ll(39.90245, 116.42703));
        assert!(metres(bd, ll(39.90851, 116.43351)) < 1.0, "{bd:?}");
        // coordtransform's documented example: gcj02tobd09(116.404, 39.915).
        let bd = gcj02_to_bd09(ll(39.915, 116.404));
        assert!(metres(bd, ll(39.92133699351021, 116.41036949371029)) < 0.01);
        let mut worst: f64 = 0.0;
        for i in 0..=10 {
            for j in 0..=10 {
                let w = ll(29.9 + 0.07 * f64::from(j), 120.0 + 0.07 * f64::from(i));
                for cs in CoordSystem::ALL {
                    worst = worst.max(metres(cs.to_wgs84(cs.from_wgs84(w)), w));
                }
            }
        }
        assert!(worst < 0.01, "round trip off by {worst} m");
        assert_eq!(CoordSystem::parse("BD-09"), Some(CoordSystem::Bd09));
        assert_eq!(CoordSystem::parse(" gcj02 "), Some(CoordSystem::Gcj02));
        assert_eq!(CoordSystem::parse("WGS-84"), Some(CoordSystem::Wgs84));
        assert_eq!(CoordSystem::parse("utm"), None);
    }

    #[test]
    fn mercator_and_tiles() {
        let west_lake = ll(30.2431, 120.1497);
        let (x, y) = world_px(west_lake, 15.0);
        let back = from_world_px(x, y, 15.0);
        assert!(metres(back, west_lake) < 0.01);
        // Zoom 0: the whole world is one tile, and the centre is pixel (128, 128).
        let (cx, cy) = world_px(ll(0.0, 0.0), 0.0);
        assert!((cx - 128.0).abs() < 1e-9 && (cy - 128.0).abs() < 1e-9);
        let t = tiles_covering(west_lake, west_lake, 15);
        assert_eq!(t.len(), 1);
        assert_eq!((t[0].x, t[0].y), ((x / 256.0) as u32, (y / 256.0) as u32));
        assert_eq!(
            t[0].url("http://t/{z}/{x}/{y}.png"),
            format!("http://t/15/{}/{}.png", t[0].x, t[0].y)
        );
        let area = tiles_covering(ll(30.2, 120.1), ll(30.3, 120.2), 14);
        // 0.1° is 4.6 tile widths at zoom 14 and 5.3 heights at this latitude: 5–6 columns
        // by 6–7 rows, depending on where the tile edges fall.
        assert!((30..=42).contains(&area.len()), "{}", area.len());
        let (m, px) = scale_bar(30.25, 15.0, 100.0);
        assert!([100.0, 200.0].contains(&m) && px <= 100.0, "{m} {px}");
    }

    #[test]
    fn clusters_count_every_point_once() {
        let points: Vec<LonLat> = (0..1000)
            .map(|i| {
                ll(
                    30.0 + f64::from(i % 37) * 0.01,
                    120.0 + f64::from(i % 53) * 0.01,
                )
            })
            .collect();
        for zoom in [8.0, 11.0, 14.0, 18.0] {
            let c = cluster(&points, zoom, 64.0);
            assert_eq!(c.iter().map(|c| c.n).sum::<u64>(), 1000);
        }
        assert!(cluster(&points, 8.0, 64.0).len() < cluster(&points, 14.0, 64.0).len());
    }
}
