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
        let sign = match field(ref_tag).map(|r| r.display_value().to_string()) {
            Some(r) if r.as_bytes().first() == Some(&negative) => -1.0,
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
        .and_then(|s| NaiveDateTime::parse_from_str(s.trim(), "%Y:%m:%d %H:%M:%S").ok())
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
