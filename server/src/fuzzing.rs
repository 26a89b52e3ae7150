//! What the fuzzers in `fuzz/` call: each entry point takes arbitrary bytes through one of the
//! parsers anyone can reach (a photo, the outbox's three records, the findings sheet, a registry
//! file, the public's comment form) exactly as the handler does, and asserts what must hold of
//! whatever it accepts. A panic or a failed assertion is a finding.
//!
//! The same functions replay the kept corpus (`fuzz/corpus/<target>/`) in the unit tier on
//! stable Rust, so a crash once found stays fixed without nightly or libFuzzer.

use std::sync::LazyLock;

use app::domain::{
    answer::{AnswerInput, DeviceAnswer},
    comment::{CommentInput, MAX_COMMENT_CHARS},
    geometry::SiteGeometry,
    observation::MAX_NOTE_CHARS,
    progress::{DeviceProgress, ProgressWire},
    registry::RegistryFile,
    verdict::judge,
    Observation, ObservationInput,
};
use chrono::{DateTime, TimeZone, Utc};
use uuid::Uuid;

use crate::media::{self, DecodeLimits};

/// A target: the name of its corpus folder and `fuzz/fuzz_targets` file, and its body.
pub type Target = (&'static str, fn(&[u8]));

/// Every target.
pub const TARGETS: [Target; 8] = [
    ("photo", photo),
    ("observation", observation),
    ("answer", answer),
    ("progress", progress),
    ("findings_sheet", findings_sheet),
    ("registry_file", registry_file),
    ("kml", kml),
    ("public_form", public_form),
];

/// A fixed clock and ids: a finding must replay the same way tomorrow.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 8, 0, 0)
        .single()
        .unwrap_or_default()
}

const RECORD_ID: Uuid = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0001);
const PARENT_ID: Uuid = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0002);

/// A point, a greenway and an estate: the three shapes a site has.
static SITES: LazyLock<[SiteGeometry; 3]> = LazyLock::new(|| {
    [
        SiteGeometry::Point([120.15, 30.28]),
        SiteGeometry::LineString(vec![[120.15, 30.28], [120.16, 30.29], [120.17, 30.29]]),
        SiteGeometry::Polygon(vec![vec![
            [120.15, 30.28],
            [120.16, 30.28],
            [120.16, 30.29],
            [120.15, 30.29],
            [120.15, 30.28],
        ]]),
    ]
});

/// A photo as the public sends it (the strictest limits) and as an account's upload is checked.
pub fn photo(data: &[u8]) {
    if let Ok(checked) = media::check(data) {
        assert!(checked.width > 0 && checked.height > 0);
        assert!(u64::from(checked.width) * u64::from(checked.height) <= media::MAX_PIXELS);
    }
    if let Ok(done) = media::ingest(data, DecodeLimits::PUBLIC) {
        assert!(u64::from(done.width) * u64::from(done.height) <= DecodeLimits::PUBLIC.max_pixels);
        for copy in [&done.display_jpeg, &done.thumb_jpeg] {
            assert!(copy.starts_with(&[0xFF, 0xD8]), "a copy is not a JPEG");
            // The copies are made from pixels: nothing of the original's metadata may survive.
            assert!(
                media::read_exif(copy) == media::ExifFacts::default(),
                "a copy carries EXIF"
            );
        }
    }
}

fn judged_everywhere(position: Option<&app::domain::record::PositionInput>) {
    for site in SITES.iter() {
        let (_, distance) = judge(site, position);
        if let Some(d) = distance {
            assert!(d.is_finite() && d >= 0.0, "distance {d}");
        }
    }
}

/// The body of `PUT /api/v1/observations/{id}` after its JSON is read.
pub fn observation(data: &[u8]) {
    let Ok(input) = serde_json::from_slice::<ObservationInput>(data) else {
        return;
    };
    let Ok(obs) = Observation::parse(RECORD_ID, &input, now()) else {
        return;
    };
    assert!(obs.note.chars().count() <= MAX_NOTE_CHARS);
    if let Some(p) = &obs.position {
        assert!(p.lat.is_finite() && p.lon.is_finite() && p.accuracy_m.is_finite());
        assert!((-90.0..=90.0).contains(&p.lat) && (-180.0..=180.0).contains(&p.lon));
    }
    judged_everywhere(obs.position.as_ref());
    for facts in &obs.photo_facts {
        for site in SITES.iter() {
            facts.judge(site, 2026);
        }
    }
    // What was accepted is accepted again the same way: a resend must be recognised as one.
    let again = Observation::parse(RECORD_ID, &input, now()).map_err(|_| ());
    assert!(again.is_ok_and(|o| o.fingerprint() == obs.fingerprint()));
}

/// The body of `PUT /api/v1/items/{item}/answers/{id}` after its JSON is read.
pub fn answer(data: &[u8]) {
    let Ok(input) = serde_json::from_slice::<AnswerInput>(data) else {
        return;
    };
    let Ok(a) = DeviceAnswer::parse(RECORD_ID, PARENT_ID, &input, now()) else {
        return;
    };
    for h in a.photo_hashes() {
        assert!(h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()));
    }
    let again = DeviceAnswer::parse(RECORD_ID, PARENT_ID, &input, now()).map_err(|_| ());
    assert!(again.is_ok_and(|b| b.fingerprint() == a.fingerprint()));
}

/// The body of `PUT /api/v1/sub-items/{sub_item}/progress/{id}` after its JSON is read, against
/// a few targets (none, one, a large one).
pub fn progress(data: &[u8]) {
    let Ok(wire) = serde_json::from_slice::<ProgressWire>(data) else {
        return;
    };
    for target in [0, 1, 1_000_000] {
        if let Ok(r) = DeviceProgress::parse(RECORD_ID, PARENT_ID, &wire, target) {
            assert_eq!(r.id, RECORD_ID);
        }
    }
}

/// The file name a fuzzer's first byte picks: the handlers choose the reader by it.
fn file_name(selector: u8) -> &'static str {
    [
        "findings.xlsx",
        "findings.csv",
        "findings.txt",
        "x.geojson",
        "x.kml",
        "x",
    ][usize::from(selector) % 6]
}

/// `POST /items/import`: a findings sheet (CSV or XLSX) to the parsed findings.
pub fn findings_sheet(data: &[u8]) {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let Ok(rows) = crate::import::cells(file_name(selector), bytes) else {
        return;
    };
    let count = rows.len();
    if let Ok(findings) = app::domain::import::parse_sheet(rows) {
        assert!(findings.len() <= count);
    }
}

/// `POST /registry/import`: each kind of registry file, from the same reader the handler uses.
pub fn registry_file(data: &[u8]) {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let kind = RegistryFile::ALL[usize::from(selector >> 4) % RegistryFile::ALL.len()];
    let _ = crate::registry::read(kind, file_name(selector & 0x0F), bytes);
}

/// A site's KML (Google Earth, 91 卫图) as text, to the GeoJSON the registry reads.
pub fn kml(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(fc) = crate::kml::to_geojson(text) {
        let _ = app::domain::registry::parse_geojson(&fc.to_string());
    }
}

static RUNTIME: LazyLock<Option<tokio::runtime::Runtime>> = LazyLock::new(|| {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .ok()
});

/// The public's comment form (`POST /s/{code}/comment`): the multipart body as a browser sends
/// it, read by the handler's own reader, then the comment's rules.
pub fn public_form(data: &[u8]) {
    let Some(rt) = RUNTIME.as_ref() else {
        return;
    };
    rt.block_on(async {
        let Some(fields) = crate::public::read_form_bytes("jdfuzz", data.to_vec()).await else {
            return;
        };
        if let Ok(input) = CommentInput::parse(
            fields.satisfaction.as_deref(),
            fields.support.as_deref(),
            fields.body.as_deref(),
            fields.phone.as_deref(),
            fields.consent,
        ) {
            if let Some(body) = &input.body {
                assert!(body.as_str().chars().count() <= MAX_COMMENT_CHARS);
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn corpus(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../fuzz/corpus")
            .join(target);
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        files
            .into_iter()
            .map(|p| {
                let bytes = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
                (p, bytes)
            })
            .collect()
    }

    /// Every input the fuzzers kept (and every crash they ever found, kept beside them) runs
    /// through its target again: a regression is a failure here, on stable, in every run.
    #[test]
    fn the_kept_fuzz_corpus_replays_without_a_finding() {
        for (target, run) in TARGETS {
            let files = corpus(target);
            assert!(
                files.len() >= 3,
                "fuzz/corpus/{target} holds {} inputs: seed it",
                files.len()
            );
            for (path, bytes) in files {
                let outcome = std::panic::catch_unwind(|| run(&bytes));
                assert!(outcome.is_ok(), "{target}: {} fails", path.display());
            }
        }
    }

    /// The entry points are not vacuous: each accepts a well-formed input all the way through.
    #[test]
    fn each_target_reaches_its_accepting_path() {
        let obs = r#"{"site_id":"01900000-0000-7000-8000-0000000000aa","kind":"problem","note":"路面破损","tags":[],"captured_at":"2026-05-31T08:00:00Z","position":{"lat":30.28,"lon":120.15,"accuracy_m":8,"source":"gps"},"photos":[]}"#.as_bytes();
        let input: ObservationInput = serde_json::from_slice(obs).expect("observation JSON");
        assert!(Observation::parse(RECORD_ID, &input, now()).is_ok());
        observation(obs);

        let form = b"--jdfuzz\r\nContent-Disposition: form-data; name=\"satisfaction\"\r\n\r\nsatisfied\r\n--jdfuzz\r\nContent-Disposition: form-data; name=\"body\"\r\n\r\n\xe5\xbe\x88\xe5\xa5\xbd\xe7\x9a\x84\r\n--jdfuzz--\r\n";
        let rt = RUNTIME.as_ref().expect("runtime");
        let fields = rt
            .block_on(crate::public::read_form_bytes("jdfuzz", form.to_vec()))
            .expect("form read");
        assert_eq!(fields.body.as_deref(), Some("很好的"));
        public_form(form);

        let csv = "\u{1}site_code,kind,title\n".as_bytes();
        findings_sheet(csv);
    }

    /// A tiny EXIF block with only an orientation: the seeds reach the turning code.
    fn with_orientation(jpeg: &[u8], orientation: u16) -> Vec<u8> {
        let mut tiff = b"Exif\0\0II*\0\x08\0\0\0\x01\0".to_vec();
        tiff.extend_from_slice(&[0x12, 0x01, 3, 0, 1, 0, 0, 0]);
        tiff.extend_from_slice(&orientation.to_le_bytes());
        tiff.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
        let len = u16::try_from(tiff.len() + 2).expect("short segment");
        let mut out = jpeg[..2].to_vec();
        out.extend_from_slice(&[0xFF, 0xE1]);
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(&tiff);
        out.extend_from_slice(&jpeg[2..]);
        out
    }

    fn encoded(format: image::ImageFormat, w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbImage::from_fn(w, h, |x, y| {
            image::Rgb([(x * 16) as u8, (y * 16) as u8, ((x + y) * 8) as u8])
        });
        let mut out = std::io::Cursor::new(Vec::new());
        image::DynamicImage::ImageRgb8(img)
            .write_to(&mut out, format)
            .expect("encode");
        out.into_inner()
    }

    fn xlsx(rows: &[&[&str]]) -> Vec<u8> {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                sheet.write_string(r as u32, c as u16, *cell).expect("cell");
            }
        }
        book.save_to_buffer().expect("xlsx")
    }

    fn selected(selector: u8, bytes: &[u8]) -> Vec<u8> {
        let mut out = vec![selector];
        out.extend_from_slice(bytes);
        out
    }

    fn form(parts: &[(&str, &str)]) -> Vec<u8> {
        let mut out = String::new();
        for (name, value) in parts {
            out.push_str(&format!(
                "--jdfuzz\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            ));
        }
        out.push_str("--jdfuzz--\r\n");
        out.into_bytes()
    }

    /// Writes the seeds every target starts from (`fuzz/corpus/<target>/seed-*`). Run once when
    /// a target is added: `cargo test -p server --lib -- --ignored write_fuzz_seeds`.
    #[test]
    #[ignore]
    fn write_fuzz_seeds() {
        use image::ImageFormat;
        let hash = "a".repeat(64);
        let jpeg = encoded(ImageFormat::Jpeg, 16, 12);
        let seeds: Vec<(&str, Vec<Vec<u8>>)> = vec![
            (
                "photo",
                vec![
                    jpeg.clone(),
                    with_orientation(&jpeg, 6),
                    encoded(ImageFormat::Png, 8, 8),
                    encoded(ImageFormat::WebP, 8, 6),
                ],
            ),
            (
                "observation",
                vec![
                    r#"{"site_id":"01900000-0000-7000-8000-0000000000aa","kind":"problem","note":"","captured_at":"2026-05-31T08:00:00Z","position":null}"#.as_bytes().to_vec(),
                    format!(r#"{{"site_id":"01900000-0000-7000-8000-0000000000aa","kind":"suggestion","note":"路灯不亮\n晚上很黑","tags":["照明","安全"],"captured_at":"2026-05-31T08:00:00+08:00","position":{{"lat":30.2801,"lon":120.1502,"accuracy_m":12.5,"source":"gps"}},"photos":["{hash}"],"photo_facts":[{{"sha256":"{hash}","origin":"camera","chosen_at":"2026-05-31T07:59:00Z","taken_at":"2026-05-31T07:58:00Z","lat":30.28,"lon":120.15}}]}}"#).into_bytes(),
                    r#"{"site_id":"01900000-0000-7000-8000-0000000000aa","kind":"good_practice","note":"electric bikes charge safely","tags":[],"captured_at":"2026-05-30T23:00:00Z","position":{"lat":30.2,"lon":120.1,"accuracy_m":4000,"source":"network"}}"#.as_bytes().to_vec(),
                ],
            ),
            (
                "answer",
                vec![
                    r#"{"text":"已整改完毕"}"#.as_bytes().to_vec(),
                    format!(r#"{{"text":"The lights were repaired on 3 June.","photos":["{hash}"],"photo_facts":[{{"sha256":"{hash}","origin":"gallery","chosen_at":"2026-06-03T10:00:00Z"}}]}}"#).into_bytes(),
                    r#"{"text":"","photos":[]}"#.as_bytes().to_vec(),
                ],
            ),
            (
                "progress",
                vec![
                    r#"{"quantity_done":3}"#.as_bytes().to_vec(),
                    format!(r#"{{"quantity_done":12,"paid_government_yuan":1200000,"paid_residents_yuan":30000,"paid_social_yuan":0,"note":"第二批已开工","photos":["{hash}"]}}"#).into_bytes(),
                    r#"{"quantity_done":-1,"paid_government_yuan":9223372036854775807}"#.as_bytes().to_vec(),
                ],
            ),
            (
                "findings_sheet",
                vec![
                    selected(1, "站点编号,类别,描述,责任单位\nA2B3C4D,问题,路面破损,市建委\n".as_bytes()),
                    selected(1, "\u{feff}site_code,kind,description,unit\nA2B3C4D,suggestion,\"more, lights\",\n\n".as_bytes()),
                    selected(
                        0,
                        &xlsx(&[
                            &["站点编号", "类别", "描述", "责任单位"],
                            &["A2B3C4D", "建议", "增加座椅", "市民政局"],
                        ]),
                    ),
                ],
            ),
            (
                "registry_file",
                vec![
                    selected(0x01, "项目编号,项目名称,子项目编号,子项目名称,牵头单位,目标数量,计量单位,完成时限,预算(万元)\n1,养老服务,1-1,助餐点,市民政局,30,个,2026-12-31,500\n".as_bytes()),
                    selected(0x13, r#"{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[120.15,30.28]},"properties":{"site_code":"A2B3C4D","site_name":"x","sub_item_no":"1-1","kind":"canteen","district":"西湖区"}}]}"#.as_bytes()),
                    selected(0x14, r#"<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"><Placemark><name>A</name><ExtendedData><Data name="site_code"><value>A2B3C4D</value></Data></ExtendedData><Point><coordinates>120.15,30.28</coordinates></Point></Placemark></kml>"#.as_bytes()),
                    selected(
                        0x20,
                        &xlsx(&[&["姓名", "代表团", "监督小组"], &["张三", "西湖区", "第一组"]]),
                    ),
                    selected(0x31, "group,lead_unit\n第一组,市民政局\n".as_bytes()),
                    selected(0x41, "name,lead_unit,mobile\n李四,市民政局,13800000000\n".as_bytes()),
                ],
            ),
            (
                "kml",
                vec![
                    r#"<kml><Document><Folder><Placemark><name>P</name><Point><coordinates>120.1,30.2,5</coordinates></Point></Placemark></Folder></Document></kml>"#.as_bytes().to_vec(),
                    r#"<kml><Placemark><ExtendedData><SchemaData><SimpleData name="坐标系">gcj02</SimpleData></SchemaData></ExtendedData><LineString><coordinates>120.1,30.2 120.2,30.3</coordinates></LineString></Placemark></kml>"#.as_bytes().to_vec(),
                    r#"<kml><Placemark><Polygon><outerBoundaryIs><LinearRing><coordinates>120.1,30.2 120.2,30.2 120.2,30.3 120.1,30.2</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark></kml>"#.as_bytes().to_vec(),
                ],
            ),
            (
                "public_form",
                vec![
                    form(&[("satisfaction", "satisfied"), ("body", "很好，谢谢"), ("form_token", "01900000-0000-7000-8000-000000000003")]),
                    form(&[("satisfaction", "dissatisfied"), ("support", "no"), ("body", "电梯坏了"), ("phone", "138 0000 0000"), ("consent", "on"), ("website", "")]),
                    b"--jdfuzz\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"a.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n\xff\xd8\xff\xd9\r\n--jdfuzz\r\nContent-Disposition: form-data; name=\"satisfaction\"\r\n\r\nbasic\r\n--jdfuzz--\r\n".to_vec(),
                ],
            ),
        ];
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus");
        for (target, inputs) in seeds {
            let dir = root.join(target);
            std::fs::create_dir_all(&dir).expect("corpus folder");
            for (i, bytes) in inputs.iter().enumerate() {
                std::fs::write(dir.join(format!("seed-{i}")), bytes).expect("seed");
            }
        }
    }
}
