//! A unit officer's answer as it travels from the phone's outbox (the body of
//! `PUT /api/v1/items/{item}/answers/{id}`): parsed the same way on the phone, before it is
//! queued, and on the server, before the step is taken. The id is made on the phone, so a resend
//! after a lost acknowledgement is recognised and answered, never applied twice.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use chrono::{DateTime, Utc};

use super::list_item::{MAX_EVIDENCE_PHOTOS, MAX_TEXT_CHARS};
use super::photo_evidence::{parse_photo_facts, PhotoFacts, PhotoFactsInput};
use super::record::{hex, parse_photo_hashes, FieldError, PhotoHash};

/// The wire form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AnswerInput {
    /// The rectification plan or result.
    pub text: String,
    /// SHA-256 (hex) of each evidence photo, uploaded first with `PUT /api/v1/photos/{sha256}`.
    #[serde(default)]
    pub photos: Vec<String>,
    /// What each photo says of when and where it was taken, one per photo in the same order;
    /// empty from phones that predate it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub photo_facts: Vec<PhotoFactsInput>,
}

/// An answer that passed every rule. Only [`DeviceAnswer::parse`] makes one.
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceAnswer {
    pub id: Uuid,
    pub item_id: Uuid,
    pub text: String,
    pub photos: Vec<PhotoHash>,
    pub photo_facts: Vec<PhotoFacts>,
    /// What was added to the phone's times (see [`super::record::clock_correction`]); the
    /// fingerprint is of the times as the phone sent them.
    pub clock_correction: chrono::Duration,
}

fn field(field: &str, message: impl Into<String>) -> FieldError {
    FieldError {
        field: field.to_owned(),
        message: message.into(),
    }
}

impl DeviceAnswer {
    /// Checks everything at once, so the officer fixes every mistake in one go.
    pub fn parse(
        id: Uuid,
        item_id: Uuid,
        input: &AnswerInput,
        now: DateTime<Utc>,
    ) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        if id.get_version_num() != 7 {
            errors.push(field("id", "the id must be a UUIDv7 made on the device"));
        }
        let text = input.text.trim().to_owned();
        let n = text.chars().count();
        if n == 0 {
            errors.push(field("text", "write the rectification plan or result"));
        } else if n > MAX_TEXT_CHARS {
            errors.push(field(
                "text",
                format!("the answer is longer than {MAX_TEXT_CHARS} characters"),
            ));
        }
        if text
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t')
        {
            errors.push(field("text", "the answer contains control characters"));
        }
        let photos = parse_photo_hashes(&input.photos, MAX_EVIDENCE_PHOTOS, &mut errors);
        let photo_facts = parse_photo_facts(&input.photo_facts, &photos, now, &mut errors);
        if errors.is_empty() {
            Ok(Self {
                id,
                item_id,
                text,
                photos,
                photo_facts,
                clock_correction: chrono::Duration::zero(),
            })
        } else {
            Err(errors)
        }
    }

    /// [`DeviceAnswer::parse`] for an answer sent by a phone whose clock is `correction` behind
    /// the server's (see [`super::observation::Observation::parse_sent`]).
    pub fn parse_sent(
        id: Uuid,
        item_id: Uuid,
        input: &AnswerInput,
        now: DateTime<Utc>,
        correction: chrono::Duration,
    ) -> Result<Self, Vec<FieldError>> {
        let mut a = Self::parse(id, item_id, input, now - correction)?;
        a.photo_facts = a
            .photo_facts
            .iter()
            .map(|f| f.shifted(correction))
            .collect();
        a.clock_correction = correction;
        Ok(a)
    }

    /// Everything the officer said, for telling a resend (same fingerprint: 200) from another
    /// answer under a used id (409).
    pub fn fingerprint(&self) -> String {
        let mut canonical = serde_json::json!({
            "item": self.item_id,
            "text": self.text,
            "photos": self.photos.iter().map(PhotoHash::as_str).collect::<Vec<_>>(),
        });
        // Only when present, so that answers from phones without them keep their fingerprint.
        if !self.photo_facts.is_empty() {
            canonical["photo_facts"] = self
                .photo_facts
                .iter()
                .map(|f| f.shifted(-self.clock_correction).canonical())
                .collect();
        }
        hex(&Sha256::digest(canonical.to_string().as_bytes()))
    }

    pub fn photo_hashes(&self) -> Vec<String> {
        self.photos.iter().map(|h| h.as_str().to_owned()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v7() -> Uuid {
        Uuid::now_v7()
    }

    fn now() -> DateTime<Utc> {
        Utc::now()
    }

    fn sha(c: char) -> String {
        c.to_string().repeat(64)
    }

    #[test]
    fn a_good_answer_parses_trimmed() {
        let input = AnswerInput {
            text: "  已整改，扶手重新固定  ".into(),
            photos: vec![sha('a')],
            photo_facts: vec![],
        };
        let a = DeviceAnswer::parse(v7(), Uuid::nil(), &input, now()).unwrap();
        assert_eq!(a.text, "已整改，扶手重新固定");
        assert_eq!(a.photo_hashes(), vec![sha('a')]);
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let input = AnswerInput {
            text: "  ".into(),
            photos: vec![sha('a'), sha('a'), "nope".into()],
            photo_facts: vec![],
        };
        let errs = DeviceAnswer::parse(Uuid::new_v4(), Uuid::nil(), &input, now()).unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["id", "text", "photos", "photos"]);
    }

    #[test]
    fn limits_on_text_and_photos() {
        let long = AnswerInput {
            text: "长".repeat(MAX_TEXT_CHARS + 1),
            photos: vec![],
            photo_facts: vec![],
        };
        assert!(DeviceAnswer::parse(v7(), Uuid::nil(), &long, now()).is_err());
        let exact = AnswerInput {
            text: "长".repeat(MAX_TEXT_CHARS),
            photos: vec![],
            photo_facts: vec![],
        };
        assert!(DeviceAnswer::parse(v7(), Uuid::nil(), &exact, now()).is_ok());
        let many = AnswerInput {
            text: "ok".into(),
            photos: "0123456"
                .chars()
                .take(MAX_EVIDENCE_PHOTOS + 1)
                .map(sha)
                .collect(),
            photo_facts: vec![],
        };
        assert!(DeviceAnswer::parse(v7(), Uuid::nil(), &many, now()).is_err());
        let control = AnswerInput {
            text: "ok\u{7}".into(),
            photos: vec![],
            photo_facts: vec![],
        };
        assert!(DeviceAnswer::parse(v7(), Uuid::nil(), &control, now()).is_err());
    }

    #[test]
    fn fingerprint_ignores_spacing_but_not_content_or_item() {
        let id = v7();
        let item = Uuid::now_v7();
        let parse = |text: &str, photos: Vec<String>, item: Uuid| {
            DeviceAnswer::parse(
                id,
                item,
                &AnswerInput {
                    text: text.into(),
                    photos,
                    photo_facts: vec![],
                },
                now(),
            )
            .unwrap()
            .fingerprint()
        };
        let base = parse("已整改", vec![sha('a')], item);
        assert_eq!(base, parse(" 已整改\n", vec![sha('a')], item));
        assert_ne!(base, parse("已整改。", vec![sha('a')], item));
        assert_ne!(base, parse("已整改", vec![sha('b')], item));
        assert_ne!(base, parse("已整改", vec![sha('a')], Uuid::nil()));
    }

    #[test]
    fn photo_facts_follow_the_photos_and_change_the_fingerprint() {
        use crate::domain::photo_evidence::PhotoOrigin;
        let id = v7();
        let mut input = AnswerInput {
            text: "已整改".into(),
            photos: vec![PhotoHash::of(b"a").as_str().into()],
            photo_facts: vec![],
        };
        let plain = DeviceAnswer::parse(id, Uuid::nil(), &input, now()).unwrap();
        input.photo_facts = vec![PhotoFactsInput {
            sha256: input.photos[0].clone(),
            origin: PhotoOrigin::Camera,
            chosen_at: now(),
            taken_at: None,
            lat: None,
            lon: None,
        }];
        let with = DeviceAnswer::parse(id, Uuid::nil(), &input, now()).unwrap();
        assert_eq!(with.photo_facts.len(), 1);
        assert_ne!(plain.fingerprint(), with.fingerprint());
        input.photo_facts[0].sha256 = PhotoHash::of(b"b").as_str().into();
        let errs = DeviceAnswer::parse(id, Uuid::nil(), &input, now()).unwrap_err();
        assert_eq!(errs[0].field, "photo_facts");
    }
}
