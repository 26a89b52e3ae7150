//! Editing the registry one record at a time, between imports: a site's fields and its geometry
//! (typed, pasted or clicked on the map, in the coordinate system the person chose), a sub-item
//! of the plan, a deputy of the roster, the group that follows a unit — and what may be removed.
//!
//! A form that is a row of one of the year's files (a sub-item, a deputy new to the roster, a
//! unit's group) is checked as that row, by the same rules as the file ([`one_row`]), so the two
//! ways in cannot disagree. A site is edited by its id rather than its file code (demo sites and
//! sites made on the page may have none), so its form is checked here, with the file's rules for
//! each field.

use serde::{Deserialize, Serialize};

use super::mapping::{outside_china, CoordSystem};
use super::registry::{parse_kind, parse_sheet, Field, Problem, RegistryFile, RowError, Rows};
use super::site_kind::{Shape, SiteKind};
use super::{GeometryError, LonLat, SiteGeometry};

/// More corners than any greenway or estate boundary needs; a paste beyond it is refused before
/// its numbers are read.
pub const MAX_VERTICES: usize = 5_000;
/// Decimal places written back: 1e-7 degrees is about a centimetre.
const DECIMALS: usize = 7;

/// A site's form as it arrives (every field a string, as a browser sends it).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteForm {
    /// The code the year's file gives the site; may stay empty for a site made on the page.
    pub code: String,
    pub name: String,
    pub kind: String,
    pub district: String,
    pub address: String,
    /// The coordinate system the coordinates are written in (WGS84 when empty).
    pub crs: String,
    pub coordinates: String,
}

/// A checked site form: geometry in WGS-84, whatever it was typed in.
#[derive(Debug, Clone, PartialEq)]
pub struct SiteEdit {
    pub code: Option<String>,
    pub name: String,
    pub kind: SiteKind,
    pub district: String,
    pub address: String,
    pub geometry: SiteGeometry,
}

/// One refused field of a form, said as the file import says it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldProblem {
    pub field: Field,
    pub problem: Problem,
}

impl FieldProblem {
    fn new(field: Field, problem: Problem) -> Self {
        Self { field, problem }
    }
}

fn text(
    raw: &str,
    field: Field,
    required: bool,
    max: usize,
    out: &mut Vec<FieldProblem>,
) -> Option<String> {
    let t = raw.trim();
    if t.is_empty() && required {
        out.push(FieldProblem::new(field, Problem::Missing { field }));
        return None;
    }
    if t.chars().count() > max {
        out.push(FieldProblem::new(field, Problem::TooLong { field }));
        return None;
    }
    Some(t.to_owned())
}

/// Checks a site's form: the same limits as the sites file (name 128, district 32, address 256,
/// code 64 characters), a kind as the app names it, and coordinates drawn as the kind's shape.
pub fn parse_site_form(form: &SiteForm) -> Result<SiteEdit, Vec<FieldProblem>> {
    let mut out = Vec::new();
    let code = text(&form.code, Field::SiteCode, false, 64, &mut out);
    let name = text(&form.name, Field::SiteName, true, 128, &mut out);
    let district = text(&form.district, Field::District, true, 32, &mut out);
    let address = text(&form.address, Field::Address, false, 256, &mut out);
    let kind = match parse_kind(&form.kind) {
        Some(k) => Some(k),
        None => {
            let problem = if form.kind.trim().is_empty() {
                Problem::Missing { field: Field::Kind }
            } else {
                Problem::BadKind {
                    value: form.kind.trim().to_owned(),
                }
            };
            out.push(FieldProblem::new(Field::Kind, problem));
            None
        }
    };
    let crs = match form.crs.trim() {
        "" => Some(CoordSystem::Wgs84),
        v => {
            let crs = CoordSystem::parse(v);
            if crs.is_none() {
                out.push(FieldProblem::new(
                    Field::Crs,
                    Problem::BadCrs {
                        value: v.to_owned(),
                    },
                ));
            }
            crs
        }
    };
    let geometry = match (kind, crs) {
        (Some(kind), Some(crs)) => {
            match parse_coordinates(&form.coordinates, kind.expected_shape(), crs) {
                Ok(g) => Some(g),
                Err(problem) => {
                    out.push(FieldProblem::new(Field::Coordinates, problem));
                    None
                }
            }
        }
        _ => None,
    };
    match (code, name, kind, district, address, geometry) {
        (Some(code), Some(name), Some(kind), Some(district), Some(address), Some(geometry))
            if out.is_empty() =>
        {
            Ok(SiteEdit {
                code: (!code.is_empty()).then_some(code),
                name,
                kind,
                district,
                address,
                geometry,
            })
        }
        _ => Err(out),
    }
}

/// Reads positions as people paste them — `lon,lat` a line, `lon lat; lon lat`, full-width
/// commas, a GeoJSON geometry or Feature — written in `crs`, and makes the kind's shape of them
/// in WGS-84. A polygon may be given open or closed.
pub fn parse_coordinates(
    text: &str,
    shape: Shape,
    crs: CoordSystem,
) -> Result<SiteGeometry, Problem> {
    let text = text.trim();
    if text.is_empty() {
        return Err(Problem::Missing {
            field: Field::Coordinates,
        });
    }
    let numbers: Vec<f64> = if text.starts_with('{') {
        geojson_numbers(text)?
    } else {
        let tokens: Vec<&str> = text
            .split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '，' | '；' | '、'))
            .filter(|t| !t.is_empty())
            .collect();
        if tokens.len() > MAX_VERTICES * 2 {
            return Err(Problem::BadShape {
                shape: ShapeProblem::TooManyVertices,
            });
        }
        tokens
            .iter()
            .map(|t| {
                t.parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite())
                    .ok_or_else(|| Problem::BadCoordinates {
                        value: (*t).to_owned(),
                    })
            })
            .collect::<Result<_, _>>()?
    };
    if !numbers.len().is_multiple_of(2) {
        return Err(Problem::BadShape {
            shape: ShapeProblem::OddNumbers {
                count: numbers.len(),
            },
        });
    }
    if numbers.len() > MAX_VERTICES * 2 {
        return Err(Problem::BadShape {
            shape: ShapeProblem::TooManyVertices,
        });
    }
    let mut points = Vec::with_capacity(numbers.len() / 2);
    for pair in numbers.chunks_exact(2) {
        let (lon, lat) = (pair[0], pair[1]);
        let p = LonLat::parse(lon, lat)
            .ok()
            .filter(|p| !outside_china(*p))
            .ok_or_else(|| Problem::NotInChina {
                lon: lon.to_string(),
                lat: lat.to_string(),
            })?;
        points.push(crs.to_wgs84(p));
    }
    let shaped = match shape {
        Shape::Point => match points.as_slice() {
            [p] => Ok(SiteGeometry::point(*p)),
            _ => {
                return Err(Problem::BadShape {
                    shape: ShapeProblem::OnePoint {
                        found: points.len(),
                    },
                })
            }
        },
        Shape::Line => SiteGeometry::line(&points),
        Shape::Polygon => SiteGeometry::polygon(&points),
    };
    shaped.map_err(|e| Problem::BadShape {
        shape: ShapeProblem::from(&e),
    })
}

/// The numbers of a pasted GeoJSON geometry (or a Feature's), in order, whatever its nesting.
fn geojson_numbers(text: &str) -> Result<Vec<f64>, Problem> {
    let unreadable = |reason: String| Problem::Unreadable { reason };
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| unreadable(format!("not JSON ({e})")))?;
    let geometry = match value.get("type").and_then(|t| t.as_str()) {
        Some("Feature") => value.get("geometry").cloned().unwrap_or_default(),
        _ => value,
    };
    let coords = geometry
        .get("coordinates")
        .ok_or_else(|| unreadable("no \"coordinates\"".into()))?;
    let mut out = Vec::new();
    // Nesting is at most three deep for the shapes sites have (a polygon's rings); a deeper or
    // wider value is refused rather than walked.
    fn walk(v: &serde_json::Value, depth: u8, out: &mut Vec<f64>) -> Result<(), Problem> {
        match v {
            serde_json::Value::Number(n) => {
                out.push(n.as_f64().unwrap_or(f64::NAN));
                Ok(())
            }
            serde_json::Value::Array(items) if depth < 4 => {
                for i in items {
                    walk(i, depth + 1, out)?;
                    if out.len() > MAX_VERTICES * 2 {
                        return Err(Problem::BadShape {
                            shape: ShapeProblem::TooManyVertices,
                        });
                    }
                }
                Ok(())
            }
            other => Err(Problem::BadCoordinates {
                value: other.to_string().chars().take(40).collect(),
            }),
        }
    }
    walk(coords, 0, &mut out)?;
    // A polygon's ring comes closed; the shape check closes an open one again.
    Ok(out)
}

/// Positions written back for the form, one `lon,lat` a line in `crs` (a polygon's ring without
/// its closing repeat), so that what the page shows is what saving it again would store.
pub fn format_coordinates(g: &SiteGeometry, crs: CoordSystem) -> String {
    let mut pts = g.points();
    if matches!(g, SiteGeometry::Polygon(_)) && pts.len() > 1 && pts.first() == pts.last() {
        pts.pop();
    }
    pts.into_iter()
        .map(|[lon, lat]| {
            let p = crs.from_wgs84(LonLat { lon, lat });
            format!("{:.*},{:.*}", DECIMALS, p.lon, DECIMALS, p.lat)
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// One more corner clicked on the map, appended to what the form holds, in the form's system.
pub fn append_vertex(coordinates: &str, wgs84: LonLat, crs: CoordSystem, shape: Shape) -> String {
    let p = crs.from_wgs84(wgs84);
    let pair = format!("{:.*},{:.*}", DECIMALS, p.lon, DECIMALS, p.lat);
    let kept = coordinates.trim_end();
    // A point has one position: a click moves it.
    if shape == Shape::Point || kept.is_empty() {
        pair
    } else {
        format!("{kept}\n{pair}")
    }
}

/// Why a shape cannot be made of the positions given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "shape", rename_all = "snake_case")]
pub enum ShapeProblem {
    /// A point site takes exactly one position.
    OnePoint {
        found: usize,
    },
    LineTooShort,
    BadRing,
    EmptyArea,
    /// A longitude without its latitude.
    OddNumbers {
        count: usize,
    },
    TooManyVertices,
    /// The kind is drawn otherwise (a file's GeoJSON gave a line for a lift).
    WrongShape,
}

impl From<&GeometryError> for ShapeProblem {
    fn from(e: &GeometryError) -> Self {
        match e {
            GeometryError::LineTooShort => ShapeProblem::LineTooShort,
            GeometryError::BadRing => ShapeProblem::BadRing,
            GeometryError::EmptyArea => ShapeProblem::EmptyArea,
            GeometryError::WrongShape { .. } => ShapeProblem::WrongShape,
            // Positions were checked one by one before the shape was made.
            GeometryError::NotFinite | GeometryError::OutOfRange { .. } => ShapeProblem::BadRing,
        }
    }
}

impl ShapeProblem {
    pub fn message_en(self) -> String {
        match self {
            ShapeProblem::OnePoint { found } => {
                format!("a site of this kind is one point; {found} positions were given")
            }
            ShapeProblem::LineTooShort => "a line needs at least two different points".into(),
            ShapeProblem::BadRing => "an area needs at least three different corners".into(),
            ShapeProblem::EmptyArea => "the corners do not enclose an area".into(),
            ShapeProblem::OddNumbers { count } => {
                format!(
                    "{count} numbers were given: each position needs a longitude and a latitude"
                )
            }
            ShapeProblem::TooManyVertices => {
                format!("more than {MAX_VERTICES} positions")
            }
            ShapeProblem::WrongShape => "a site of this kind is drawn as another shape".into(),
        }
    }

    pub fn message_zh(self) -> String {
        match self {
            ShapeProblem::OnePoint { found } => {
                format!("该类型点位只有一个位置，却给出了 {found} 个")
            }
            ShapeProblem::LineTooShort => "线至少需要两个不同的点".into(),
            ShapeProblem::BadRing => "面至少需要三个不同的角点".into(),
            ShapeProblem::EmptyArea => "这些角点围不出面积".into(),
            ShapeProblem::OddNumbers { count } => {
                format!("给出了 {count} 个数：每个位置需要经度和纬度各一个")
            }
            ShapeProblem::TooManyVertices => format!("位置超过 {MAX_VERTICES} 个"),
            ShapeProblem::WrongShape => "该类型点位应画成其他形状".into(),
        }
    }
}

/// A supervision group as its form gives it: a number from 1 to 99 and a name of at most 32
/// characters.
pub fn check_group(number: &str, name: &str) -> Result<(i32, String), FieldProblem> {
    let field = Field::Group;
    let n = number
        .trim()
        .parse::<i32>()
        .ok()
        .filter(|n| (1..=99).contains(n))
        .ok_or_else(|| {
            FieldProblem::new(
                field,
                Problem::BadNumber {
                    field,
                    value: number.trim().chars().take(20).collect(),
                },
            )
        })?;
    let mut out = Vec::new();
    let name = text(name, field, true, 32, &mut out).ok_or_else(|| out.remove(0))?;
    Ok((n, name))
}

/// A unit's names as its form gives them: the Chinese one required (64 characters), the
/// English one (128) the Chinese one when left empty, as the files make them.
pub fn check_unit_names(zh: &str, en: &str) -> Result<(String, String), FieldProblem> {
    let mut out = Vec::new();
    let zh = text(zh, Field::LeadUnit, true, 64, &mut out).ok_or_else(|| out.remove(0))?;
    let en = text(en, Field::LeadUnit, false, 128, &mut out).ok_or_else(|| out.remove(0))?;
    let en = if en.is_empty() { zh.clone() } else { en };
    Ok((zh, en))
}

/// What a site already has attached to it: what removing it would lose.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteHistory {
    pub observations: i64,
    pub comments: i64,
    pub items: i64,
}

impl SiteHistory {
    /// A site entered by mistake can go; one with any record of supervision cannot (the record
    /// would point at nothing), and is deactivated instead.
    pub fn removable(self) -> Result<(), Problem> {
        if self.observations == 0 && self.comments == 0 && self.items == 0 {
            Ok(())
        } else {
            Err(Problem::HasHistory {
                observations: self.observations,
                comments: self.comments,
                items: self.items,
            })
        }
    }
}

/// A form that is one row of a year's file, checked as the file would be: the header in
/// Chinese and the row's cells, in the file's column order.
pub fn one_row(file: RegistryFile, cells: &[(Field, &str)]) -> Result<Rows, Vec<FieldProblem>> {
    let header = cells
        .iter()
        .map(|(f, _)| f.header_zh().to_owned())
        .collect();
    let row = cells.iter().map(|(_, v)| (*v).to_owned()).collect();
    parse_sheet(file, vec![header, row]).map_err(|errors| {
        errors
            .into_iter()
            .map(|RowError { problem, .. }| FieldProblem {
                field: problem.field().unwrap_or(Field::Name),
                problem,
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::mapping::wgs84_to_gcj02;

    fn metres(a: LonLat, b: LonLat) -> f64 {
        let dy = (a.lat - b.lat) * 111_320.0;
        let dx = (a.lon - b.lon) * 111_320.0 * a.lat.to_radians().cos();
        (dx * dx + dy * dy).sqrt()
    }

    fn form(kind: &str, coordinates: &str, crs: &str) -> SiteForm {
        SiteForm {
            code: String::new(),
            name: "拱墅区某小区加装电梯".into(),
            kind: kind.into(),
            district: "拱墅区".into(),
            address: "".into(),
            crs: crs.into(),
            coordinates: coordinates.into(),
        }
    }

    #[test]
    fn a_point_in_gcj02_is_stored_in_wgs84() {
        let w = LonLat {
            lon: 120.1551,
            lat: 30.2741,
        };
        let g = wgs84_to_gcj02(w);
        let edit = parse_site_form(&form(
            "加装电梯",
            &format!("{:.8}，{:.8}", g.lon, g.lat),
            "GCJ-02",
        ))
        .unwrap();
        let SiteGeometry::Point([lon, lat]) = edit.geometry else {
            panic!("not a point: {:?}", edit.geometry)
        };
        assert!(metres(LonLat { lon, lat }, w) < 0.05);
        assert_eq!(edit.kind, SiteKind::LiftRetrofit);
        assert_eq!(edit.code, None);
    }

    #[test]
    fn lines_and_polygons_are_read_however_they_are_pasted() {
        let line = parse_coordinates(
            "120.10 30.20; 120.11 30.21\n120.12,30.22",
            Shape::Line,
            CoordSystem::Wgs84,
        )
        .unwrap();
        assert_eq!(line.points().len(), 3);
        let open = parse_coordinates(
            "120.10,30.20\n120.11,30.20\n120.11,30.21",
            Shape::Polygon,
            CoordSystem::Wgs84,
        )
        .unwrap();
        let SiteGeometry::Polygon(rings) = &open else {
            panic!()
        };
        assert_eq!(rings[0].len(), 4, "stored closed");
        let pasted = parse_coordinates(
            r#"{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[120.10,30.20],[120.11,30.20],[120.11,30.21],[120.10,30.20]]]}}"#,
            Shape::Polygon,
            CoordSystem::Wgs84,
        )
        .unwrap();
        assert_eq!(pasted, open);
    }

    #[test]
    fn what_the_form_shows_saves_back_to_the_same_place_in_every_system() {
        let g = SiteGeometry::polygon(&[
            LonLat {
                lon: 120.10,
                lat: 30.20,
            },
            LonLat {
                lon: 120.11,
                lat: 30.20,
            },
            LonLat {
                lon: 120.11,
                lat: 30.21,
            },
        ])
        .unwrap();
        for crs in CoordSystem::ALL {
            let text = format_coordinates(&g, crs);
            assert_eq!(
                text.lines().count(),
                3,
                "{crs:?}: the ring without its repeat"
            );
            let back = parse_coordinates(&text, Shape::Polygon, crs).unwrap();
            for (a, b) in back.points().iter().zip(g.points()) {
                let d = metres(
                    LonLat {
                        lon: a[0],
                        lat: a[1],
                    },
                    LonLat {
                        lon: b[0],
                        lat: b[1],
                    },
                );
                assert!(d < 0.05, "{crs:?}: {d} m");
            }
        }
    }

    #[test]
    fn bad_coordinates_are_refused_with_the_reason() {
        let p = |t: &str, s| parse_coordinates(t, s, CoordSystem::Wgs84).unwrap_err();
        assert_eq!(
            p("", Shape::Point),
            Problem::Missing {
                field: Field::Coordinates
            }
        );
        assert!(matches!(
            p("120.1,abc", Shape::Point),
            Problem::BadCoordinates { .. }
        ));
        assert!(matches!(
            p("NaN,30", Shape::Point),
            Problem::BadCoordinates { .. }
        ));
        assert!(matches!(
            p("120.1,30.2,120.2", Shape::Line),
            Problem::BadShape {
                shape: ShapeProblem::OddNumbers { count: 3 }
            }
        ));
        // Swapped: latitude first.
        assert!(matches!(
            p("30.27,120.15", Shape::Point),
            Problem::NotInChina { .. }
        ));
        assert!(matches!(
            p("120.1,30.2\n120.2,30.3", Shape::Point),
            Problem::BadShape {
                shape: ShapeProblem::OnePoint { found: 2 }
            }
        ));
        assert!(matches!(
            p("120.1,30.2\n120.1,30.2", Shape::Line),
            Problem::BadShape {
                shape: ShapeProblem::LineTooShort
            }
        ));
        assert!(matches!(
            p("120.1,30.2\n120.2,30.2\n120.3,30.2", Shape::Polygon),
            Problem::BadShape {
                shape: ShapeProblem::EmptyArea
            }
        ));
        let many = "120.1,30.2 ".repeat(MAX_VERTICES + 1);
        assert!(matches!(
            p(&many, Shape::Line),
            Problem::BadShape {
                shape: ShapeProblem::TooManyVertices
            }
        ));
        let deep = format!("{{\"coordinates\":{}120{}}}", "[".repeat(9), "]".repeat(9));
        assert!(matches!(
            p(&deep, Shape::Point),
            Problem::BadCoordinates { .. }
        ));
        assert!(matches!(
            p("{not json", Shape::Point),
            Problem::Unreadable { .. }
        ));
    }

    #[test]
    fn every_refused_field_is_named_at_once() {
        let errs = parse_site_form(&SiteForm {
            code: "x".repeat(65),
            name: " ".into(),
            kind: "spaceport".into(),
            district: "".into(),
            address: "".into(),
            crs: "".into(),
            coordinates: "120.1,30.2".into(),
        })
        .unwrap_err();
        let fields: Vec<Field> = errs.iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            vec![
                Field::SiteCode,
                Field::SiteName,
                Field::District,
                Field::Kind
            ]
        );
        let errs = parse_site_form(&form("绿道", "120.1,30.2", "mercator")).unwrap_err();
        assert_eq!(errs[0].field, Field::Crs);
    }

    #[test]
    fn a_click_adds_a_corner_in_the_forms_system_or_moves_a_point() {
        let w = LonLat {
            lon: 120.2,
            lat: 30.3,
        };
        let line = append_vertex("120.1,30.2", w, CoordSystem::Bd09, Shape::Line);
        let back = parse_coordinates(&line, Shape::Line, CoordSystem::Bd09).unwrap();
        let last = back.points()[1];
        assert!(
            metres(
                LonLat {
                    lon: last[0],
                    lat: last[1]
                },
                w
            ) < 0.05
        );
        assert_eq!(
            append_vertex("120.1,30.2", w, CoordSystem::Wgs84, Shape::Point),
            "120.2000000,30.3000000"
        );
    }

    #[test]
    fn a_site_with_any_history_is_not_removable() {
        assert!(SiteHistory::default().removable().is_ok());
        for h in [
            SiteHistory {
                observations: 1,
                ..Default::default()
            },
            SiteHistory {
                comments: 2,
                ..Default::default()
            },
            SiteHistory {
                items: 1,
                ..Default::default()
            },
        ] {
            let Err(p) = h.removable() else {
                panic!("{h:?} removable")
            };
            assert!(p.message_zh().contains("停用"), "{}", p.message_zh());
            assert!(p.message_en().contains("deactivate"), "{}", p.message_en());
        }
    }

    #[test]
    fn groups_and_units_are_checked_as_their_forms_give_them() {
        assert_eq!(
            check_group(" 11 ", " 城市更新组 "),
            Ok((11, "城市更新组".into()))
        );
        assert_eq!(check_group("100", "x").unwrap_err().field, Field::Group);
        assert!(matches!(
            check_group("3", " ").unwrap_err().problem,
            Problem::Missing { .. }
        ));
        assert!(matches!(
            check_group("3", &"组".repeat(33)).unwrap_err().problem,
            Problem::TooLong { .. }
        ));
        assert_eq!(
            check_unit_names("市城市更新局", ""),
            Ok(("市城市更新局".into(), "市城市更新局".into()))
        );
        assert!(check_unit_names("", "x").is_err());
        assert!(check_unit_names(&"局".repeat(65), "").is_err());
    }

    #[test]
    fn a_one_row_form_is_checked_as_the_file_checks_it() {
        let rows = one_row(
            RegistryFile::Groups,
            &[(Field::Group, "3"), (Field::LeadUnit, "市民政局")],
        )
        .unwrap();
        assert!(matches!(rows, Rows::Groups(ref g) if g.len() == 1));
        let errs = one_row(
            RegistryFile::Deputies,
            &[
                (Field::Name, "张三"),
                (Field::Delegation, "西湖区"),
                (Field::Group, "3"),
                (Field::Mobile, "12345"),
            ],
        )
        .unwrap_err();
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].field, Field::Mobile);
    }
}
