//! Good-practice cases (典型案例): a deputy's "good practice" observation that staff promote,
//! with a title and a text (its photos are the observation's), so that it can be published on the public
//! plan and site pages and "summed up and spread" at the city, district or township level, as
//! the report asks.

use serde::{Deserialize, Serialize};

use super::observation::ObservationKind;

pub const MAX_TITLE_CHARS: usize = 60;
pub const MAX_BODY_CHARS: usize = 2000;
/// Cases a page of the staff's list shows; the list says how many there are in all.
pub const CASES_PAGE: u32 = 50;

/// Where the practice is to be spread (市 / 县区 / 乡镇街道).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseLevel {
    City,
    District,
    Township,
}

impl CaseLevel {
    pub const ALL: [CaseLevel; 3] = [CaseLevel::City, CaseLevel::District, CaseLevel::Township];

    pub fn as_str(self) -> &'static str {
        match self {
            CaseLevel::City => "city",
            CaseLevel::District => "district",
            CaseLevel::Township => "township",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.as_str() == s.trim())
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            CaseLevel::City => "市级",
            CaseLevel::District => "区县级",
            CaseLevel::Township => "乡镇街道级",
        }
    }
}

impl TryFrom<String> for CaseLevel {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Self::parse(&s).ok_or(s)
    }
}

/// Why a case cannot be made or changed, each naming the form's field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaseError {
    #[error("give the case a title of 1 to {MAX_TITLE_CHARS} characters")]
    Title,
    #[error("describe the practice in 1 to {MAX_BODY_CHARS} characters")]
    Body,
    #[error("choose the level it is to be spread at: city, district or township")]
    Level,
    #[error("only a “good practice” observation can become a case")]
    NotGoodPractice,
    #[error(
        "the observation was already reviewed (made into an item, merged, dismissed or promoted)"
    )]
    AlreadyReviewed,
}

impl CaseError {
    pub fn field(&self) -> &'static str {
        match self {
            // Their own names: "body" is the public comment's field, with its own limits.
            CaseError::Title => "case_title",
            CaseError::Body => "case_body",
            CaseError::Level => "case_level",
            CaseError::NotGoodPractice => "case_not_good_practice",
            CaseError::AlreadyReviewed => "case_reviewed",
        }
    }
}

/// A case's words after the rules: trimmed, no control characters but line breaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseText {
    pub title: String,
    pub body: String,
    pub level: CaseLevel,
}

fn clean(raw: &str, keep_newlines: bool) -> String {
    raw.replace("\r\n", "\n")
        .chars()
        .filter(|c| !c.is_control() || (keep_newlines && *c == '\n'))
        .collect::<String>()
        .trim()
        .to_owned()
}

impl CaseText {
    pub fn parse(title: &str, body: &str, level: &str) -> Result<Self, CaseError> {
        let title = clean(title, false);
        let n = title.chars().count();
        if n == 0 || n > MAX_TITLE_CHARS {
            return Err(CaseError::Title);
        }
        let body = clean(body, true);
        let n = body.chars().count();
        if n == 0 || n > MAX_BODY_CHARS {
            return Err(CaseError::Body);
        }
        let level = CaseLevel::parse(level).ok_or(CaseError::Level)?;
        Ok(Self { title, body, level })
    }
}

/// Whether an observation may be promoted: a good practice still waiting for review.
pub fn may_promote(kind: ObservationKind, status: &str) -> Result<(), CaseError> {
    if kind != ObservationKind::GoodPractice {
        return Err(CaseError::NotGoodPractice);
    }
    if status != "submitted" {
        return Err(CaseError::AlreadyReviewed);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_case_needs_a_title_a_text_and_a_level() {
        let t = CaseText::parse("  加梯\u{7}帮帮团 ", " 听证\r\n公开 ", "district").unwrap();
        assert_eq!(t.title, "加梯帮帮团");
        assert_eq!(t.body, "听证\n公开");
        assert_eq!(t.level, CaseLevel::District);
        assert_eq!(CaseText::parse(" ", "x", "city"), Err(CaseError::Title));
        let long = "字".repeat(MAX_TITLE_CHARS + 1);
        assert_eq!(CaseText::parse(&long, "x", "city"), Err(CaseError::Title));
        let ok = "字".repeat(MAX_TITLE_CHARS);
        assert!(CaseText::parse(&ok, "x", "city").is_ok());
        assert_eq!(CaseText::parse("t", "\n\t", "city"), Err(CaseError::Body));
        let long = "字".repeat(MAX_BODY_CHARS + 1);
        assert_eq!(CaseText::parse("t", &long, "city"), Err(CaseError::Body));
        assert_eq!(CaseText::parse("t", "x", "province"), Err(CaseError::Level));
        assert_eq!(CaseError::Level.field(), "case_level");
    }

    #[test]
    fn only_a_good_practice_waiting_for_review_is_promoted() {
        assert!(may_promote(ObservationKind::GoodPractice, "submitted").is_ok());
        assert_eq!(
            may_promote(ObservationKind::Problem, "submitted"),
            Err(CaseError::NotGoodPractice)
        );
        assert_eq!(
            may_promote(ObservationKind::Suggestion, "submitted"),
            Err(CaseError::NotGoodPractice)
        );
        for s in ["triaged", "merged", "dismissed", "promoted"] {
            assert_eq!(
                may_promote(ObservationKind::GoodPractice, s),
                Err(CaseError::AlreadyReviewed)
            );
        }
    }
}
