//! What a photo's EXIF says about where and when it was taken, read from the original bytes
//! (on the phone before it is downscaled, and on the server from the upload).

use std::io::Cursor;

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};

#[derive(Debug, Default, Clone, PartialEq)]
pub struct ExifFacts {
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub taken_at: Option<DateTime<Utc>>,
    pub orientation: Option<u8>,
}

/// Reads GPS position, capture time and orientation; absent or broken EXIF gives empty facts.
pub fn read_exif(bytes: &[u8]) -> ExifFacts {
    let Ok(exif) = exif::Reader::new().read_from_container(&mut Cursor::new(bytes)) else {
        return ExifFacts::default();
    };
    let field = |tag| exif.get_field(tag, exif::In::PRIMARY);
    let orientation = field(exif::Tag::Orientation)
        .and_then(|f| f.value.get_uint(0))
        .and_then(|v| u8::try_from(v).ok());
    let coord = |tag, ref_tag, negative: u8| -> Option<f64> {
        let f = field(tag)?;
        let exif::Value::Rational(parts) = &f.value else {
            return None;
        };
        let [d, m, s] = parts.get(..3)? else {
            return None;
        };
        let v = d.to_f64() + m.to_f64() / 60.0 + s.to_f64() / 3600.0;
        // The reference is ASCII ("N"/"S", "E"/"W"); read as bytes, not through the crate's
        // display formatting, which would take every tag's formatter into the phone's wasm.
        let sign = match field(ref_tag).map(|r| &r.value) {
            Some(exif::Value::Ascii(v)) if v.first().and_then(|s| s.first()) == Some(&negative) => {
                -1.0
            }
            _ => 1.0,
        };
        v.is_finite().then_some(sign * v)
    };
    let lat = coord(exif::Tag::GPSLatitude, exif::Tag::GPSLatitudeRef, b'S')
        .filter(|v| (-90.0..=90.0).contains(v));
    let lon = coord(exif::Tag::GPSLongitude, exif::Tag::GPSLongitudeRef, b'W')
        .filter(|v| (-180.0..=180.0).contains(v));
    let taken_at = field(exif::Tag::DateTimeOriginal)
        .or_else(|| field(exif::Tag::DateTime))
        .and_then(|f| match &f.value {
            exif::Value::Ascii(v) => v.first().and_then(|s| std::str::from_utf8(s).ok()),
            _ => None,
        })
        .and_then(|s| exif_time(s.trim()))
        // EXIF times carry no zone; phones here are on China Standard Time (UTC+8).
        .and_then(|t| {
            chrono::FixedOffset::east_opt(8 * 3600)?
                .from_local_datetime(&t)
                .single()
        })
        .map(|t| t.with_timezone(&Utc));
    ExifFacts {
        lat,
        lon,
        taken_at,
        orientation,
    }
}

/// EXIF's `YYYY:MM:DD HH:MM:SS`, read by position (a format parser is a lot of code to carry on
/// a phone for one fixed layout).
fn exif_time(s: &str) -> Option<NaiveDateTime> {
    let b = s.as_bytes();
    if b.len() != 19
        || b[4] != b':'
        || b[7] != b':'
        || b[10] != b' '
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let n = |r: std::ops::Range<usize>| s.get(r)?.parse::<u32>().ok();
    let date = chrono::NaiveDate::from_ymd_opt(i32::try_from(n(0..4)?).ok()?, n(5..7)?, n(8..10)?)?;
    date.and_hms_opt(n(11..13)?, n(14..16)?, n(17..19)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use exif::{experimental::Writer, Field, In, Rational, Tag, Value};

    /// A TIFF holding these fields, as a camera's EXIF would.
    fn tiff(fields: &[Field]) -> Vec<u8> {
        let mut w = Writer::new();
        for f in fields {
            w.push_field(f);
        }
        let mut out = std::io::Cursor::new(Vec::new());
        w.write(&mut out, false).expect("tiff");
        out.into_inner()
    }

    fn field(tag: Tag, value: Value) -> Field {
        Field {
            tag,
            ifd_num: In::PRIMARY,
            value,
        }
    }

    fn dms(d: u32, m: u32, s: u32) -> Value {
        Value::Rational(vec![
            Rational::from((d, 1)),
            Rational::from((m, 1)),
            Rational::from((s, 1)),
        ])
    }

    #[test]
    fn a_cameras_time_and_position_are_read_and_south_and_west_are_negative() {
        let bytes = tiff(&[
            field(Tag::GPSLatitudeRef, Value::Ascii(vec![b"S".to_vec()])),
            field(Tag::GPSLatitude, dms(33, 52, 12)),
            field(Tag::GPSLongitudeRef, Value::Ascii(vec![b"W".to_vec()])),
            field(Tag::GPSLongitude, dms(70, 30, 0)),
            field(
                Tag::DateTimeOriginal,
                Value::Ascii(vec![b"2025:10:01 10:03:04".to_vec()]),
            ),
            field(Tag::Orientation, Value::Short(vec![6])),
        ]);
        let f = read_exif(&bytes);
        assert!((f.lat.unwrap() + 33.87).abs() < 1e-9, "{f:?}");
        assert!((f.lon.unwrap() + 70.5).abs() < 1e-9, "{f:?}");
        assert_eq!(f.orientation, Some(6));
        // China Standard Time: 10:03 there is 02:03 UTC.
        assert_eq!(
            f.taken_at.map(|t| t.to_rfc3339()),
            Some("2025-10-01T02:03:04+00:00".into())
        );
    }

    /// The TIFF in a JPEG's APP1 segment, where a phone's camera puts it.
    fn jpeg(tiff: &[u8]) -> Vec<u8> {
        let len = u16::try_from(2 + 6 + tiff.len()).expect("a small segment");
        let mut out = vec![0xFF, 0xD8, 0xFF, 0xE1];
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(b"Exif\0\0");
        out.extend_from_slice(tiff);
        out.extend_from_slice(&[0xFF, 0xD9]);
        out
    }

    #[test]
    fn a_jpegs_exif_is_read_from_its_app1_segment() {
        let bytes = jpeg(&tiff(&[
            field(Tag::GPSLatitudeRef, Value::Ascii(vec![b"N".to_vec()])),
            field(Tag::GPSLatitude, dms(30, 15, 0)),
            field(Tag::GPSLongitudeRef, Value::Ascii(vec![b"E".to_vec()])),
            field(Tag::GPSLongitude, dms(120, 9, 0)),
            field(
                Tag::DateTimeOriginal,
                Value::Ascii(vec![b"2026:04:01 08:30:00".to_vec()]),
            ),
        ]));
        let f = read_exif(&bytes);
        assert!((f.lat.unwrap() - 30.25).abs() < 1e-9, "{f:?}");
        assert!((f.lon.unwrap() - 120.15).abs() < 1e-9, "{f:?}");
        assert_eq!(
            f.taken_at.map(|t| t.to_rfc3339()),
            Some("2026-04-01T00:30:00+00:00".into())
        );
        assert_eq!(f.orientation, None);
    }

    #[test]
    fn exif_times_are_read_by_position_and_nothing_else_passes() {
        let t = exif_time("2025:10:01 10:03:04").unwrap();
        assert_eq!(t.to_string(), "2025-10-01 10:03:04");
        for bad in [
            "",
            "2025-10-01 10:03:04",
            "2025:13:01 10:03:04",
            "2025:02:30 10:03:04",
            "2025:10:01 24:00:00",
            "2025:10:01 10:03",
            "2025:10:01T10:03:04",
            "２０２５:10:01 10:03",
        ] {
            assert_eq!(exif_time(bad), None, "{bad}");
        }
        assert_eq!(read_exif(b"not a photo"), ExifFacts::default());
    }
}
