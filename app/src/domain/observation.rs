//! A deputy's observation as it travels from the phone: parsed once, the same way on the phone
//! (before it is queued) and on the server (before it is stored).

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::record::field_error;
// Where they were first defined, and where the rest of the code still takes them from.
pub use super::record::{
    hex, parse_photo_hashes, FieldError, PhotoHash, PositionInput, PositionSource,
};

/// Where an observation is in review: waiting, made into an item, merged into one, dismissed,
/// or promoted to a good-practice case.
pub const STATUSES: [&str; 5] = ["submitted", "triaged", "merged", "dismissed", "promoted"];

pub const MAX_PHOTOS: usize = 9;
pub const MAX_NOTE_CHARS: usize = 2000;
pub const MAX_TAGS: usize = 8;
pub const MAX_TAG_CHARS: usize = 20;
/// GPS fixes worse than this say nothing about where the deputy stood.
pub use super::record::MAX_ACCURACY_M;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObservationKind {
    Problem,
    Suggestion,
    GoodPractice,
}

impl ObservationKind {
    pub const ALL: [ObservationKind; 3] = [
        ObservationKind::Problem,
        ObservationKind::Suggestion,
        ObservationKind::GoodPractice,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            ObservationKind::Problem => "problem",
            ObservationKind::Suggestion => "suggestion",
            ObservationKind::GoodPractice => "good_practice",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl TryFrom<String> for ObservationKind {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Self::parse(&s).ok_or(s)
    }
}

/// Splits what a deputy typed in the tags box: commas (either width), the Chinese enumeration
/// comma and spaces all separate tags; empty pieces are dropped.
pub fn split_tags(typed: &str) -> Vec<String> {
    typed
        .split([',', '，', '、', ' ', '\u{3000}'])
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The wire form of an observation (the body of `PUT /api/v1/observations/{id}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ObservationInput {
    pub site_id: Uuid,
    #[cfg_attr(feature = "ssr", schema(value_type = String, example = "problem"))]
    pub kind: ObservationKind,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub tags: Vec<String>,
    pub captured_at: DateTime<Utc>,
    pub position: Option<PositionInput>,
    /// SHA-256 (hex) of each photo, uploaded first with `PUT /api/v1/photos/{sha256}`.
    #[serde(default)]
    pub photos: Vec<String>,
    /// What each photo says of when and where it was taken, one per photo in the same order;
    /// empty from phones that predate it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub photo_facts: Vec<super::photo_evidence::PhotoFactsInput>,
}

/// An observation that passed every rule. Only [`Observation::parse`] makes one.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    pub id: Uuid,
    pub site_id: Uuid,
    pub kind: ObservationKind,
    pub note: String,
    pub tags: Vec<String>,
    pub captured_at: DateTime<Utc>,
    pub position: Option<PositionInput>,
    pub photos: Vec<PhotoHash>,
    pub photo_facts: Vec<super::photo_evidence::PhotoFacts>,
    /// What was added to the phone's times (see [`super::record::clock_correction`]); the
    /// fingerprint is of the times as the phone sent them.
    pub clock_correction: Duration,
}

impl Observation {
    /// [`Observation::parse`] for a record sent by a phone whose clock is `correction` behind the
    /// server's: the rules are applied in the phone's time (a capture is not "in the future"
    /// because the phone's clock runs ahead) and the times kept are the server's.
    pub fn parse_sent(
        id: Uuid,
        input: &ObservationInput,
        now: DateTime<Utc>,
        correction: Duration,
    ) -> Result<Self, Vec<FieldError>> {
        let mut o = Self::parse(id, input, now - correction)?;
        o.captured_at += correction;
        o.photo_facts = o
            .photo_facts
            .iter()
            .map(|f| f.shifted(correction))
            .collect();
        o.clock_correction = correction;
        Ok(o)
    }

    /// Checks everything at once, so a person fixes all their mistakes in one go.
    pub fn parse(
        id: Uuid,
        input: &ObservationInput,
        now: DateTime<Utc>,
    ) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        if id.get_version_num() != 7 {
            errors.push(field_error(
                "id",
                "the id must be a UUIDv7 made on the device",
            ));
        }
        let note = input.note.trim().to_owned();
        if note.chars().count() > MAX_NOTE_CHARS {
            errors.push(field_error(
                "note",
                format!("the note is longer than {MAX_NOTE_CHARS} characters"),
            ));
        }
        if note
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t')
        {
            errors.push(field_error("note", "the note contains control characters"));
        }
        let mut tags: Vec<String> = Vec::new();
        for t in &input.tags {
            let t = t.trim();
            if t.is_empty() || t.chars().count() > MAX_TAG_CHARS || t.chars().any(char::is_control)
            {
                errors.push(field_error(
                    "tags",
                    format!("each tag is 1 to {MAX_TAG_CHARS} characters"),
                ));
            } else if !tags.iter().any(|x| x == t) {
                tags.push(t.to_owned());
            }
        }
        if tags.len() > MAX_TAGS {
            errors.push(field_error("tags", format!("at most {MAX_TAGS} tags")));
        }
        if input.captured_at > now + Duration::minutes(10) {
            errors.push(field_error(
                "captured_at",
                "the capture time is in the future",
            ));
        }
        if input.captured_at.timestamp() < 946_684_800 {
            errors.push(field_error(
                "captured_at",
                "the capture time is before 2000",
            ));
        }
        if let Some(p) = &input.position {
            super::record::check_position(p, &mut errors);
        }
        let photos = parse_photo_hashes(&input.photos, MAX_PHOTOS, &mut errors);
        let photo_facts =
            super::photo_evidence::parse_photo_facts(&input.photo_facts, &photos, now, &mut errors);
        if note.is_empty() && input.photos.is_empty() {
            errors.push(field_error("note", "write a note or add a photo"));
        }
        if errors.is_empty() {
            Ok(Self {
                id,
                site_id: input.site_id,
                kind: input.kind,
                note,
                tags,
                captured_at: input.captured_at,
                position: input.position,
                photos,
                photo_facts,
                clock_correction: Duration::zero(),
            })
        } else {
            Err(errors)
        }
    }

    /// A fingerprint of everything the deputy said. A resend with the same id and the same
    /// fingerprint is the same observation (answered 200); a different one is a conflict (409).
    pub fn fingerprint(&self) -> String {
        let mut canonical = serde_json::json!({
            "site": self.site_id,
            "kind": self.kind.as_str(),
            "note": self.note,
            "tags": self.tags,
            "captured_at": (self.captured_at - self.clock_correction).timestamp_millis(),
            "position": self.position.map(|p| (
                format!("{:.7}", p.lat), format!("{:.7}", p.lon), format!("{:.1}", p.accuracy_m),
                p.source.as_str())),
            "photos": self.photos.iter().map(PhotoHash::as_str).collect::<Vec<_>>(),
        });
        // Only when present, so that records from phones without them keep their fingerprint.
        if !self.photo_facts.is_empty() {
            canonical["photo_facts"] = self
                .photo_facts
                .iter()
                .map(|f| f.shifted(-self.clock_correction).canonical())
                .collect();
        }
        hex(&Sha256::digest(canonical.to_string().as_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> ObservationInput {
        ObservationInput {
            site_id: Uuid::nil(),
            kind: ObservationKind::Problem,
            note: "  电梯井道施工围挡缺失  ".into(),
            tags: vec!["安全".into(), "安全".into(), "围挡".into()],
            captured_at: "2025-10-01T02:03:04Z".parse().unwrap(),
            position: Some(PositionInput {
                lat: 30.27,
                lon: 120.16,
                accuracy_m: 12.0,
                source: PositionSource::Gps,
            }),
            photos: vec![PhotoHash::of(b"a").as_str().to_owned()],
            photo_facts: vec![],
        }
    }

    fn now() -> DateTime<Utc> {
        "2025-10-01T03:00:00Z".parse().unwrap()
    }

    #[test]
    fn a_phone_a_day_ahead_is_heard_in_its_own_time_and_kept_in_ours() {
        let hash = PhotoHash::of(b"a").as_str().to_owned();
        let day = Duration::days(1);
        let mut ahead = input();
        ahead.captured_at = now() + day - Duration::minutes(3);
        ahead.photo_facts = vec![super::super::photo_evidence::PhotoFactsInput {
            sha256: hash,
            origin: super::super::photo_evidence::PhotoOrigin::Camera,
            chosen_at: now() + day - Duration::minutes(2),
            taken_at: Some(now() + day - Duration::minutes(3)),
            lat: None,
            lon: None,
        }];
        // Without the correction the capture is "in the future".
        let id = Uuid::now_v7();
        assert!(Observation::parse(id, &ahead, now()).is_err());
        let o = Observation::parse_sent(id, &ahead, now(), -day).unwrap();
        assert_eq!(o.captured_at, now() - Duration::minutes(3));
        assert_eq!(o.photo_facts[0].chosen_at, now() - Duration::minutes(2));
        assert_eq!(
            o.photo_facts[0].taken_at,
            Some(now() - Duration::minutes(3))
        );
        // A resend a little later estimates the clock a little differently: the same record.
        let again =
            Observation::parse_sent(id, &ahead, now(), -day - Duration::seconds(7)).unwrap();
        assert_eq!(o.fingerprint(), again.fingerprint());
        assert_ne!(o.captured_at, again.captured_at);
        // And the fingerprint is of what the phone said, as from a phone with the right time.
        let as_sent = Observation::parse(id, &ahead, now() + day).unwrap();
        assert_eq!(o.fingerprint(), as_sent.fingerprint());
    }

    #[test]
    fn tags_split_on_any_comma_and_space() {
        assert_eq!(
            split_tags("安全，围挡、 夜间照明,lift　x"),
            vec!["安全", "围挡", "夜间照明", "lift", "x"]
        );
        assert!(split_tags(" ,， ").is_empty());
    }

    #[test]
    fn a_good_observation_parses_and_normalises() {
        let o = Observation::parse(Uuid::now_v7(), &input(), now()).unwrap();
        assert_eq!(o.note, "电梯井道施工围挡缺失");
        assert_eq!(o.tags, vec!["安全", "围挡"]);
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let mut i = input();
        i.note = "x".repeat(1_000_000);
        i.captured_at = "2031-01-01T00:00:00Z".parse().unwrap();
        i.position = Some(PositionInput {
            lat: f64::NAN,
            lon: 120.0,
            accuracy_m: 5.0,
            source: PositionSource::Gps,
        });
        i.photos = vec!["nothex".into()];
        let errs = Observation::parse(Uuid::new_v4(), &i, now()).unwrap_err();
        let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
        for f in ["id", "note", "captured_at", "position", "photos"] {
            assert!(fields.contains(&f), "{f} missing from {fields:?}");
        }
    }

    #[test]
    fn out_of_range_positions_and_accuracies_are_refused() {
        for (lat, lon, acc) in [
            (91.0, 120.0, 5.0),
            (30.0, 181.0, 5.0),
            (30.0, 120.0, 0.0),
            (30.0, 120.0, 1e9),
        ] {
            let mut i = input();
            i.position = Some(PositionInput {
                lat,
                lon,
                accuracy_m: acc,
                source: PositionSource::Gps,
            });
            assert!(
                Observation::parse(Uuid::now_v7(), &i, now()).is_err(),
                "{lat} {lon} {acc}"
            );
        }
    }

    #[test]
    fn photos_are_unique_and_at_most_nine() {
        let mut i = input();
        i.photos = (0..10)
            .map(|n| PhotoHash::of(&[n]).as_str().to_owned())
            .collect();
        assert!(Observation::parse(Uuid::now_v7(), &i, now()).is_err());
        i.photos = vec![
            PhotoHash::of(b"a").as_str().into(),
            PhotoHash::of(b"a").as_str().into(),
        ];
        assert!(Observation::parse(Uuid::now_v7(), &i, now()).is_err());
    }

    #[test]
    fn an_empty_observation_is_refused() {
        let mut i = input();
        i.note = "   ".into();
        i.photos.clear();
        assert!(Observation::parse(Uuid::now_v7(), &i, now()).is_err());
    }

    #[test]
    fn fingerprint_ignores_formatting_but_not_content() {
        let id = Uuid::now_v7();
        let a = Observation::parse(id, &input(), now()).unwrap();
        let mut i = input();
        i.note = "电梯井道施工围挡缺失".into();
        i.tags = vec!["安全".into(), "围挡".into()];
        let b = Observation::parse(id, &i, now()).unwrap();
        assert_eq!(a.fingerprint(), b.fingerprint());
        i.kind = ObservationKind::Suggestion;
        let c = Observation::parse(id, &i, now()).unwrap();
        assert_ne!(a.fingerprint(), c.fingerprint());
    }

    #[test]
    fn photo_facts_are_checked_and_part_of_the_fingerprint() {
        use crate::domain::photo_evidence::{PhotoFactsInput, PhotoOrigin};
        let id = Uuid::now_v7();
        let plain = Observation::parse(id, &input(), now()).unwrap();
        // Without facts the fingerprint is what it was before they existed (pinned from the
        // code before photo facts, so that stored records still replay as the same).
        assert_eq!(
            plain.fingerprint(),
            "2dbb1b73bce9c76d44c641a0dc27d0e65b74fe3f4e97de86efe1626f12ef2c2a"
        );
        let mut i = input();
        let fact = PhotoFactsInput {
            sha256: i.photos[0].clone(),
            origin: PhotoOrigin::Gallery,
            chosen_at: "2025-10-01T02:50:00Z".parse().unwrap(),
            taken_at: Some("2024-10-01T02:50:00Z".parse().unwrap()),
            lat: Some(30.3),
            lon: Some(120.2),
        };
        i.photo_facts = vec![fact.clone()];
        let with = Observation::parse(id, &i, now()).unwrap();
        assert_eq!(with.photo_facts.len(), 1);
        assert_ne!(plain.fingerprint(), with.fingerprint());
        i.photo_facts[0].origin = PhotoOrigin::Camera;
        assert_ne!(
            with.fingerprint(),
            Observation::parse(id, &i, now()).unwrap().fingerprint()
        );
        i.photo_facts[0].sha256 = PhotoHash::of(b"b").as_str().into();
        let errs = Observation::parse(id, &i, now()).unwrap_err();
        assert_eq!(errs[0].field, "photo_facts");
    }

    #[test]
    fn photo_hashes_are_lowercase_sha256() {
        assert_eq!(
            PhotoHash::of(b"abc").as_str(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(PhotoHash::parse(&"A".repeat(64)).is_none());
        assert!(PhotoHash::parse(&"a".repeat(63)).is_none());
    }
}
