//! What every record from a phone shares (an observation, an officer's answer, a photo's
//! facts): a refused field and its reason, a photo's hash, a position and where it came from.
//! Below the records, so that each may use it without reaching into another.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Where a capture position came from. Only GPS says where the phone was; a pin is the deputy's
/// word; the site's own location proves nothing and is recorded as such.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PositionSource {
    Gps,
    ManualPin,
    SiteLocation,
}

impl PositionSource {
    pub const ALL: [PositionSource; 3] = [
        PositionSource::Gps,
        PositionSource::ManualPin,
        PositionSource::SiteLocation,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            PositionSource::Gps => "gps",
            PositionSource::ManualPin => "manual_pin",
            PositionSource::SiteLocation => "site_location",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl TryFrom<String> for PositionSource {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Self::parse(&s).ok_or(s)
    }
}

/// A field that was refused, and why, in words a person can act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

pub(super) fn field_error(field: &str, message: impl Into<String>) -> FieldError {
    FieldError {
        field: field.to_owned(),
        message: message.into(),
    }
}

/// The SHA-256 of a photo's bytes, lower-case hex: the photo's name everywhere.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PhotoHash(String);

impl PhotoHash {
    pub fn parse(raw: &str) -> Option<Self> {
        (raw.len() == 64
            && raw
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
        .then(|| Self(raw.to_owned()))
    }
    pub fn of(bytes: &[u8]) -> Self {
        Self(hex(&Sha256::digest(bytes)))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The photo hashes a record lists: each 64 hex digits, none twice, at most `max`. Refusals go
/// into `errors` (field "photos"); the hashes that parsed come back in order.
pub fn parse_photo_hashes(
    raw: &[String],
    max: usize,
    errors: &mut Vec<FieldError>,
) -> Vec<PhotoHash> {
    let mut photos: Vec<PhotoHash> = Vec::new();
    for r in raw {
        match PhotoHash::parse(r) {
            Some(h) if photos.contains(&h) => {
                errors.push(field_error("photos", "the same photo is listed twice"))
            }
            Some(h) => photos.push(h),
            None => errors.push(field_error("photos", "a photo hash is not 64 hex digits")),
        }
    }
    if photos.len() > max {
        errors.push(field_error("photos", format!("at most {max} photos")));
    }
    photos
}

/// The header each record from the outbox carries: the phone's clock when it sent it,
/// milliseconds since 1970.
pub const SENT_AT_HEADER: &str = "x-jiandu-sent-at";

/// Clocks this far apart are the network's delay and ordinary drift: nothing is corrected.
pub const CLOCK_SLACK_SECS: i64 = 120;

/// How far the server's clock is ahead of the phone's (negative: behind), from the phone's clock
/// when it sent a record (the [`SENT_AT_HEADER`]). A phone set a day ahead would otherwise have
/// every capture refused as "in the future", and one a day behind would file its photos a day
/// early. Zero within [`CLOCK_SLACK_SECS`], without the header, or for a reading that is no date.
pub fn clock_correction(
    phone_sent_ms: Option<&str>,
    now: chrono::DateTime<chrono::Utc>,
) -> chrono::Duration {
    let zero = chrono::Duration::zero();
    let Some(sent) = phone_sent_ms
        .and_then(|s| s.trim().parse::<i64>().ok())
        .and_then(chrono::DateTime::from_timestamp_millis)
    else {
        return zero;
    };
    let skew = now - sent;
    // Further than ten years is no clock a person set, but a broken reading.
    if skew.num_seconds().abs() <= CLOCK_SLACK_SECS || skew.num_days().abs() > 3650 {
        zero
    } else {
        skew
    }
}

/// The accuracy a phone may report; beyond it the reading is no fix.
pub const MAX_ACCURACY_M: f64 = 50_000.0;

/// A position as a phone sends it: numbers, in range, with a plausible accuracy. Shared by every
/// record that carries one (observations, inspection check-ins).
pub fn check_position(p: &PositionInput, errors: &mut Vec<FieldError>) {
    if !(p.lat.is_finite() && p.lon.is_finite() && p.accuracy_m.is_finite()) {
        errors.push(field_error("position", "coordinates must be numbers"));
        return;
    }
    if !(-90.0..=90.0).contains(&p.lat) || !(-180.0..=180.0).contains(&p.lon) {
        errors.push(field_error("position", "coordinates are out of range"));
    }
    if !(p.accuracy_m > 0.0 && p.accuracy_m <= MAX_ACCURACY_M) {
        errors.push(field_error(
            "position.accuracy_m",
            format!("accuracy must be between 0 and {MAX_ACCURACY_M} m"),
        ));
    }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PositionInput {
    pub lat: f64,
    pub lon: f64,
    pub accuracy_m: f64,
    #[cfg_attr(feature = "ssr", schema(value_type = String, example = "gps"))]
    pub source: PositionSource,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_phone_clock_far_off_is_corrected_and_a_near_one_is_not() {
        let now: chrono::DateTime<chrono::Utc> = "2026-12-06T10:00:00Z".parse().unwrap();
        let ms = |t: chrono::DateTime<chrono::Utc>| t.timestamp_millis().to_string();
        let day = chrono::Duration::days(1);
        assert_eq!(clock_correction(Some(&ms(now + day)), now), -day);
        assert_eq!(clock_correction(Some(&ms(now - day)), now), day);
        let near = now + chrono::Duration::seconds(CLOCK_SLACK_SECS);
        assert_eq!(
            clock_correction(Some(&ms(near)), now),
            chrono::Duration::zero()
        );
        for bad in [None, Some(""), Some("soon"), Some("99999999999999999999")] {
            assert_eq!(
                clock_correction(bad, now),
                chrono::Duration::zero(),
                "{bad:?}"
            );
        }
        let absurd = now + chrono::Duration::days(4000);
        assert_eq!(
            clock_correction(Some(&ms(absurd)), now),
            chrono::Duration::zero()
        );
    }
}
