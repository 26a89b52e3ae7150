//! Devices at a site that count its use (the report's 效益指标, "运用物联网技术，实时采集项目使用
//! 情况与服务数据"): smart greenway seats, chargers and lift controllers. Each reports readings —
//! uses, energy, faults since its last reading — under a message id of its own, over MQTT or HTTP,
//! with a token that names the device. Pure: the wire form is checked here, a token is hashed here,
//! and whether a site has gone quiet is decided here.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::record::{field_error, FieldError};

/// Readings one HTTP request or MQTT message may carry.
pub const MAX_BATCH: usize = 500;
/// A reading's message id, in bytes: enough for a UUID or a counter with the device's name.
pub const MAX_MESSAGE_ID: usize = 64;
/// Readings dated further ahead than this are a wrong clock, not the future.
pub const MAX_CLOCK_AHEAD_MINUTES: i64 = 10;
/// Readings older than this are refused: a device that kept them that long has a broken clock,
/// and the year's figures are closed.
pub const MAX_AGE_DAYS: i64 = 400;
/// A device reads at most this many uses, watt-hours or faults at once.
pub const MAX_USES: i64 = 1_000_000;
pub const MAX_ENERGY_WH: i64 = 10_000_000_000;
/// A site is quiet when none of its devices has read for this many days, unless staff set
/// another number.
pub const DEFAULT_QUIET_DAYS: i32 = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceKind {
    /// A smart greenway seat: uses are people sitting down.
    Seat,
    /// An electric-vehicle or e-bike charger: uses are charging sessions, energy what they drew.
    Charger,
    /// A lift controller: uses are trips.
    LiftController,
}

impl DeviceKind {
    pub const ALL: [DeviceKind; 3] = [
        DeviceKind::Seat,
        DeviceKind::Charger,
        DeviceKind::LiftController,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DeviceKind::Seat => "seat",
            DeviceKind::Charger => "charger",
            DeviceKind::LiftController => "lift_controller",
        }
    }

    pub fn parse(s: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s.trim())
            .ok_or_else(|| {
                field_error(
                    "device_kind",
                    "choose a seat, a charger or a lift controller",
                )
            })
    }
}

impl TryFrom<String> for DeviceKind {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s).map_err(|_| format!("unknown device kind {s:?}"))
    }
}

/// One reading as a device sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ReadingWire {
    /// The device's own id for this reading; the same id again is the same reading.
    pub message_id: String,
    /// When the counts were taken (RFC 3339).
    pub at: DateTime<Utc>,
    /// Uses since the device's previous reading.
    #[serde(default)]
    pub uses: i64,
    /// Energy drawn since the previous reading, in watt-hours.
    #[serde(default)]
    pub energy_wh: i64,
    /// Faults since the previous reading.
    #[serde(default)]
    pub faults: i64,
}

/// A reading, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reading {
    pub message_id: String,
    pub at: DateTime<Utc>,
    pub uses: i32,
    pub energy_wh: i64,
    pub faults: i32,
}

impl ReadingWire {
    /// Every rule of a reading, the first refused field reported.
    pub fn check(&self, now: DateTime<Utc>) -> Result<Reading, FieldError> {
        let id = self.message_id.trim();
        if id.is_empty()
            || id.len() > MAX_MESSAGE_ID
            || !id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
        {
            return Err(field_error(
                "message_id",
                "the message id is 1–64 letters, digits, '-', '_', '.' or ':'",
            ));
        }
        if self.at > now + chrono::Duration::minutes(MAX_CLOCK_AHEAD_MINUTES) {
            return Err(field_error(
                "at",
                "the reading is dated in the future: check the device's clock",
            ));
        }
        if self.at < now - chrono::Duration::days(MAX_AGE_DAYS) {
            return Err(field_error("at", "the reading is more than 400 days old"));
        }
        let count = |v: i64, field: &str, max: i64| {
            if (0..=max).contains(&v) {
                Ok(v)
            } else {
                Err(field_error(
                    field,
                    format!("{field} is a whole number from 0 to {max}"),
                ))
            }
        };
        Ok(Reading {
            message_id: id.to_owned(),
            at: self.at,
            uses: count(self.uses, "uses", MAX_USES)? as i32,
            energy_wh: count(self.energy_wh, "energy_wh", MAX_ENERGY_WH)?,
            faults: count(self.faults, "faults", MAX_USES)? as i32,
        })
    }
}

/// A batch as a device sends it (an HTTP body, an MQTT message): 1 to [`MAX_BATCH`] readings,
/// checked whole — one bad reading refuses the batch, with its index, so the device fixes it and
/// sends the batch again rather than leaving half of it kept.
pub fn check_batch(
    readings: &[ReadingWire],
    now: DateTime<Utc>,
) -> Result<Vec<Reading>, (Option<usize>, FieldError)> {
    if readings.is_empty() || readings.len() > MAX_BATCH {
        return Err((
            None,
            field_error(
                "readings",
                format!("send 1 to {MAX_BATCH} readings at once"),
            ),
        ));
    }
    readings
        .iter()
        .enumerate()
        .map(|(i, r)| r.check(now).map_err(|e| (Some(i), e)))
        .collect()
}

/// A device reads at its own site only: its token names the device, the address (the URL, the
/// MQTT topic) the site.
pub fn reads_at(device_site_code: &str, addressed_site_code: &str) -> bool {
    device_site_code == addressed_site_code
}

/// What an MQTT message carries: the device's token (a broker's own accounts say nothing of
/// which device sent a message) and its readings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MqttMessage {
    pub token: String,
    pub readings: Vec<ReadingWire>,
}

/// The topic a site's devices publish to, and the filter the server subscribes with.
pub const TOPIC_PREFIX: &str = "jiandu/sites/";
pub const TOPIC_FILTER: &str = "jiandu/sites/+/readings";

pub fn topic_of(site_code: &str) -> String {
    format!("{TOPIC_PREFIX}{site_code}/readings")
}

/// The site's public code in a readings topic, or `None` for any other topic.
pub fn site_of_topic(topic: &str) -> Option<&str> {
    let code = topic
        .strip_prefix(TOPIC_PREFIX)?
        .strip_suffix("/readings")?;
    (!code.is_empty() && !code.contains('/')).then_some(code)
}

/// A device's token, as handed out once: `jdv1_` and 32 random bytes in hex.
pub fn new_token(random: [u8; 32]) -> String {
    let mut s = String::from("jdv1_");
    for b in random {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// What is kept of a token: its SHA-256. A token is 256 random bits, so no key is needed to keep
/// it from being guessed back.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.trim().as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Whether a token has the shape of one (checked before any lookup).
pub fn token_well_formed(token: &str) -> bool {
    token
        .strip_prefix("jdv1_")
        .is_some_and(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// A site with devices is quiet when none has read on any of the last `days` days up to today
/// (China time); a site with no reading at all since its first device is quiet once that long
/// has passed since the device was registered.
pub fn is_quiet(
    last_reading_day: Option<NaiveDate>,
    since: NaiveDate,
    today: NaiveDate,
    days: i32,
) -> bool {
    let from = last_reading_day.unwrap_or(since).max(since);
    (today - from).num_days() >= i64::from(days)
}

/// Who registers and retires a site's devices: the same people who say where the site is (the
/// lead unit's officers, staff).
pub fn may_manage(role: super::Role, own_unit: Option<uuid::Uuid>, site_unit: uuid::Uuid) -> bool {
    super::progress::may_set_site_state(role, own_unit, site_unit)
}

/// A device's label: what is written on it, so staff can find it at the site.
pub fn parse_label(typed: &str) -> Result<String, FieldError> {
    let label = typed.trim();
    if label.chars().count() > 100 {
        return Err(field_error(
            "device_label",
            "the label is at most 100 characters",
        ));
    }
    Ok(label.to_owned())
}

/// The quiet-days setting as staff type it.
pub fn parse_quiet_days(typed: &str) -> Result<i32, FieldError> {
    match typed.trim().parse::<i32>() {
        Ok(d) if (1..=90).contains(&d) => Ok(d),
        _ => Err(field_error(
            "quiet_days",
            "the number of days is a whole number from 1 to 90",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        "2026-06-01T08:00:00Z".parse().unwrap()
    }

    fn wire(id: &str) -> ReadingWire {
        ReadingWire {
            message_id: id.into(),
            at: now(),
            uses: 3,
            energy_wh: 1200,
            faults: 0,
        }
    }

    #[test]
    fn readings_are_checked_field_by_field() {
        let r = wire("seat-7:000123").check(now()).unwrap();
        assert_eq!((r.uses, r.energy_wh, r.faults), (3, 1200, 0));
        for bad in ["", "a b", "x/y", &"z".repeat(65)] {
            assert_eq!(
                wire(bad).check(now()).unwrap_err().field,
                "message_id",
                "{bad:?}"
            );
        }
        let mut w = wire("m1");
        w.at = now() + chrono::Duration::minutes(11);
        assert_eq!(w.check(now()).unwrap_err().field, "at");
        w.at = now() + chrono::Duration::minutes(10);
        assert!(
            w.check(now()).is_ok(),
            "ten minutes of clock drift is taken"
        );
        w.at = now() - chrono::Duration::days(401);
        assert_eq!(w.check(now()).unwrap_err().field, "at");
        let mut w = wire("m2");
        w.uses = -1;
        assert_eq!(w.check(now()).unwrap_err().field, "uses");
        w.uses = MAX_USES;
        w.energy_wh = MAX_ENERGY_WH + 1;
        assert_eq!(w.check(now()).unwrap_err().field, "energy_wh");
    }

    #[test]
    fn a_batch_is_taken_whole_or_not_at_all() {
        assert_eq!(
            check_batch(&[wire("a"), wire("b")], now()).unwrap().len(),
            2
        );
        assert_eq!(check_batch(&[], now()).unwrap_err().0, None);
        let many = vec![wire("a"); MAX_BATCH + 1];
        assert_eq!(check_batch(&many, now()).unwrap_err().1.field, "readings");
        let (i, e) = check_batch(&[wire("a"), wire("b c")], now()).unwrap_err();
        assert_eq!((i, e.field.as_str()), (Some(1), "message_id"));
        assert!(reads_at("K7M2PQR", "K7M2PQR") && !reads_at("K7M2PQR", "K7M2PQS"));
    }

    #[test]
    fn topics_name_one_site() {
        assert_eq!(topic_of("K7M2PQR"), "jiandu/sites/K7M2PQR/readings");
        assert_eq!(
            site_of_topic("jiandu/sites/K7M2PQR/readings"),
            Some("K7M2PQR")
        );
        for other in [
            "jiandu/sites//readings",
            "jiandu/sites/a/b/readings",
            "jiandu/sites/K7M2PQR",
            "x/sites/K7M2PQR/readings",
        ] {
            assert_eq!(site_of_topic(other), None, "{other}");
        }
    }

    #[test]
    fn tokens_are_kept_as_hashes() {
        let t = new_token([7; 32]);
        assert!(token_well_formed(&t));
        assert_eq!(t.len(), 5 + 64);
        assert_eq!(token_hash(&t), token_hash(&format!(" {t}\n")));
        assert_ne!(token_hash(&t), token_hash(&new_token([8; 32])));
        assert!(!token_well_formed("jdv1_xyz"));
        assert!(!token_well_formed(&t.replace("jdv1_", "jdv2_")));
    }

    #[test]
    fn a_site_is_quiet_after_its_days_without_a_reading() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let today = d("2026-06-10");
        assert!(!is_quiet(Some(d("2026-06-08")), d("2026-01-01"), today, 3));
        assert!(is_quiet(Some(d("2026-06-07")), d("2026-01-01"), today, 3));
        // Registered two days ago and silent since: not yet.
        assert!(!is_quiet(None, d("2026-06-08"), today, 3));
        assert!(is_quiet(None, d("2026-06-07"), today, 3));
        assert_eq!(parse_quiet_days(" 7 "), Ok(7));
        assert_eq!(parse_quiet_days("0").unwrap_err().field, "quiet_days");
    }
}
