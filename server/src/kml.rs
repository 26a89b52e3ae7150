//! Sites as KML (Google Earth, Ovital/奥维, the surveyors' GIS): each Placemark becomes the
//! GeoJSON feature the sites import already reads, so one set of rules checks both. A
//! Placemark's `ExtendedData` (`<Data name="点位编号"><value>…</value></Data>`, or a
//! `SchemaData`'s `SimpleData`, or plain child elements) carries the sheet's columns; its
//! `<name>` stands for the site's name when no column gives one. KML positions are
//! longitude,latitude[,altitude] like GeoJSON's; the coordinate system is WGS-84 unless a
//! `坐标系`/`crs` value says otherwise (Chinese map apps export GCJ-02 KML).

use kml::types::{Coord, Element, Geometry, Placemark};
use kml::Kml;
use serde_json::{json, Map, Value};

/// More placemarks than any year's sites; beyond it the file is refused before it is checked.
pub const MAX_PLACEMARKS: usize = app::domain::registry::MAX_ROWS;

/// The KML document as a GeoJSON FeatureCollection, or why it cannot be read.
pub fn to_geojson(text: &str) -> Result<Value, String> {
    well_formed(text)?;
    let doc: Kml = text
        .parse()
        .map_err(|e: kml::Error| format!("not KML ({e})"))?;
    let mut features = Vec::new();
    collect(&doc, &mut features)?;
    if features.is_empty() {
        return Err("the KML has no placemark".into());
    }
    Ok(json!({ "type": "FeatureCollection", "features": features }))
}

fn collect(k: &Kml, out: &mut Vec<Value>) -> Result<(), String> {
    match k {
        Kml::KmlDocument(d) => d.elements.iter().try_for_each(|e| collect(e, out)),
        Kml::Document { elements, .. } => elements.iter().try_for_each(|e| collect(e, out)),
        Kml::Folder(f) => f.elements.iter().try_for_each(|e| collect(e, out)),
        Kml::Placemark(p) => {
            if out.len() >= MAX_PLACEMARKS {
                return Err(format!("more than {MAX_PLACEMARKS} placemarks"));
            }
            out.push(feature(p));
            Ok(())
        }
        _ => Ok(()),
    }
}

/// The kml crate's reader loops forever on a document that ends inside an element (found by
/// fuzzing: 44 bytes, `<kml><Document><Folder><Placemark>/P<kmlacl>`, held a thread at full CPU).
/// So the text is read through once with the same XML reader first: every element must be closed
/// and every end tag must match its start.
fn well_formed(text: &str) -> Result<(), String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(text);
    let mut depth: usize = 0;
    loop {
        match reader.read_event() {
            Ok(Event::Start(_)) => depth += 1,
            Ok(Event::End(_)) => depth = depth.saturating_sub(1),
            Ok(Event::Eof) if depth == 0 => return Ok(()),
            Ok(Event::Eof) => {
                return Err("the file ends inside an element: it was cut short".into());
            }
            Ok(_) => {}
            Err(e) => return Err(format!("not well-formed XML ({e})")),
        }
    }
}

fn pair(c: &Coord) -> Value {
    json!([c.x, c.y])
}

/// The shapes sites have; anything else goes through as a geometry the import refuses with
/// its reason, so the row is reported rather than dropped.
fn geometry(g: Option<&Geometry>) -> Value {
    match g {
        Some(Geometry::Point(p)) => json!({ "type": "Point", "coordinates": pair(&p.coord) }),
        Some(Geometry::LineString(l)) => json!({
            "type": "LineString",
            "coordinates": l.coords.iter().map(pair).collect::<Vec<_>>(),
        }),
        Some(Geometry::LinearRing(r)) => json!({
            "type": "Polygon",
            "coordinates": [r.coords.iter().map(pair).collect::<Vec<_>>()],
        }),
        Some(Geometry::Polygon(p)) => {
            let mut rings = vec![p.outer.coords.iter().map(pair).collect::<Vec<_>>()];
            rings.extend(p.inner.iter().map(|r| r.coords.iter().map(pair).collect()));
            json!({ "type": "Polygon", "coordinates": rings })
        }
        // One site is one shape: a MultiGeometry of exactly one is that shape.
        Some(Geometry::MultiGeometry(m)) if m.geometries.len() == 1 => {
            geometry(m.geometries.first())
        }
        Some(Geometry::MultiGeometry(_)) => json!({ "type": "MultiGeometry" }),
        Some(Geometry::Element(e)) => json!({ "type": e.name }),
        // Shapes a later KML version adds: refused by the import with the reason.
        Some(_) => json!({ "type": "unknown" }),
        None => Value::Null,
    }
}

fn text(e: &Element) -> Option<String> {
    e.content
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn extended(e: &Element, props: &mut Map<String, Value>) {
    for c in &e.children {
        match c.name.as_str() {
            // <Data name="点位编号"><value>DT-001</value></Data>
            "Data" => {
                if let Some(name) = c.attrs.get("name") {
                    let v = c
                        .children
                        .iter()
                        .find(|v| v.name == "value")
                        .and_then(text)
                        .unwrap_or_default();
                    props.insert(name.clone(), Value::String(v));
                }
            }
            "SchemaData" => extended(c, props),
            // <SimpleData name="点位编号">DT-001</SimpleData>
            "SimpleData" => {
                if let Some(name) = c.attrs.get("name") {
                    props.insert(name.clone(), Value::String(text(c).unwrap_or_default()));
                }
            }
            // <点位编号>DT-001</点位编号>, as some exporters write them.
            other => {
                props.insert(other.to_owned(), Value::String(text(c).unwrap_or_default()));
            }
        }
    }
}

fn feature(p: &Placemark) -> Value {
    let mut props = Map::new();
    for c in &p.children {
        if c.name == "ExtendedData" {
            extended(c, &mut props);
        }
    }
    let has_name = ["点位名称", "site_name", "名称"].iter().any(|k| {
        props
            .get(*k)
            .is_some_and(|v| v.as_str().is_some_and(|s| !s.is_empty()))
    });
    if let (false, Some(name)) = (has_name, p.name.as_deref().map(str::trim)) {
        props.insert("点位名称".into(), Value::String(name.to_owned()));
    }
    json!({ "type": "Feature", "properties": props, "geometry": geometry(p.geometry.as_ref()) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::domain::registry::{parse_geojson, Rows};
    use app::domain::SiteGeometry;

    /// Fuzzing's find: kml looped forever on a document cut short inside its elements.
    #[test]
    fn a_document_cut_short_is_refused_at_once() {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(to_geojson("<kml><Document><Folder><Placemark>/P<kmlacl>"));
        });
        let outcome = rx
            .recv_timeout(std::time::Duration::from_secs(5))
            .expect("answered within 5 s");
        assert!(outcome.is_err_and(|e| e.contains("cut short")));
        assert!(to_geojson("<kml><Placemark></Folder></kml>").is_err());
    }

    const DOC: &str = r##"<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2">
<Document><name>2026 点位</name>
  <Folder><name>绿道</name>
    <Placemark>
      <name>运河绿道拱墅段</name>
      <ExtendedData>
        <Data name="点位编号"><value>LD-001</value></Data>
        <Data name="子项目编号"><value>3-2</value></Data>
        <Data name="类型"><value>绿道</value></Data>
        <Data name="区县"><value>拱墅区</value></Data>
      </ExtendedData>
      <LineString><coordinates>120.16,30.30,0 120.165,30.305,0 120.172,30.308,0</coordinates></LineString>
    </Placemark>
  </Folder>
  <Placemark>
    <name>朝晖新村</name>
    <ExtendedData><SchemaData schemaUrl="#s">
      <SimpleData name="点位编号">GZ-001</SimpleData>
      <SimpleData name="子项目编号">3-3</SimpleData>
      <SimpleData name="类型">老旧小区改造</SimpleData>
      <SimpleData name="区县">拱墅区</SimpleData>
      <SimpleData name="坐标系">GCJ02</SimpleData>
    </SchemaData></ExtendedData>
    <Polygon><outerBoundaryIs><LinearRing><coordinates>
      120.150,30.270 120.152,30.270 120.152,30.272 120.150,30.272 120.150,30.270
    </coordinates></LinearRing></outerBoundaryIs></Polygon>
  </Placemark>
</Document></kml>"##;

    #[test]
    fn placemarks_in_folders_become_sites_with_their_data() {
        let fc = to_geojson(DOC).unwrap();
        let Rows::Sites(sites) = parse_geojson(&fc.to_string()).unwrap() else {
            panic!("not sites")
        };
        assert_eq!(sites.len(), 2);
        assert_eq!(sites[0].code, "LD-001");
        assert_eq!(sites[0].name, "运河绿道拱墅段");
        assert!(matches!(&sites[0].geometry, SiteGeometry::LineString(p) if p.len() == 3));
        assert_eq!(sites[1].code, "GZ-001");
        // GCJ-02 as the file says: stored west-south of what was written.
        let SiteGeometry::Polygon(rings) = &sites[1].geometry else {
            panic!("not a polygon")
        };
        assert!(rings[0][0][0] < 120.150);
    }

    #[test]
    fn a_placemark_missing_its_columns_is_reported_not_dropped() {
        let doc = r#"<kml><Document><Placemark><name>无编号</name>
            <Point><coordinates>120.1,30.2</coordinates></Point></Placemark></Document></kml>"#;
        let fc = to_geojson(doc).unwrap();
        let errors = parse_geojson(&fc.to_string()).unwrap_err();
        assert!(errors.iter().all(|e| e.row == 1), "{errors:?}");
        assert!(!errors.is_empty());
    }

    #[test]
    fn what_is_not_kml_is_said_so() {
        assert!(to_geojson("<kml><Document></Document></kml>")
            .unwrap_err()
            .contains("no placemark"));
        assert!(to_geojson("not xml at all <").is_err());
    }
}
