//! The receipt a member of the public gets for a comment: a code to follow what became of it,
//! the path it shows, and when the person may say whether the problem was fixed. No I/O here;
//! the server derives the code's bytes with its secret.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::comment::{CommentStatus, HideCategory, Satisfaction, Support};
use super::list_item::ItemStatus;
use super::public_code::ALPHABET;

/// Characters in a receipt code. 30^16 ≈ 4.3 × 10^23 (78 bits): at the lookup rate limit (one
/// every 2 s per client), a million clients guessing for a year would find one of a million
/// receipts with a chance of about one in 27,000.
pub const RECEIPT_LEN: usize = 16;

/// A receipt's code: 16 characters from the site codes' alphabet (no 0/O, 1/I/L, U), so a code
/// read from a screenshot or typed from paper still works. Shown in groups of four.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ReceiptCode(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a receipt code is 16 characters from 2-9 and A-Z without I, L, O and U")]
pub struct BadReceiptCode;

impl ReceiptCode {
    /// The code for 16 secret bytes (the server's keyed hash of the comment form's token, so
    /// sending the same form again gives the same receipt). Base 30 of a 128-bit number: every
    /// character is as good as uniform.
    pub fn from_bytes(bytes: [u8; 16]) -> Self {
        let mut n = u128::from_be_bytes(bytes);
        let base = ALPHABET.len() as u128;
        let mut s = String::with_capacity(RECEIPT_LEN);
        for _ in 0..RECEIPT_LEN {
            s.push(ALPHABET[(n % base) as usize] as char);
            n /= base;
        }
        Self(s)
    }

    /// Accepts what people type or copy: any case, spaces and dashes between the groups.
    pub fn parse(raw: &str) -> Result<Self, BadReceiptCode> {
        if raw.len() > 64 {
            return Err(BadReceiptCode);
        }
        let s: String = raw
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '\u{3000}'))
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if s.len() == RECEIPT_LEN && s.bytes().all(|b| ALPHABET.contains(&b)) {
            Ok(Self(s))
        } else {
            Err(BadReceiptCode)
        }
    }

    /// Without separators: the form in links.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// In groups of four, as printed for people: `ABCD-EFGH-JKMN-PQRS`.
    pub fn grouped(&self) -> String {
        let b = self.0.as_bytes();
        b.chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join("-")
    }
}

/// What a receipt shows: the person's own comment and what became of it, nothing of anyone
/// else (no other comment, no deputy, no staff member's name or words).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Receipt {
    pub code: ReceiptCode,
    pub received_at: DateTime<Utc>,
    pub site_code: String,
    pub site_zh: String,
    pub site_en: String,
    pub satisfaction: Satisfaction,
    pub support: Support,
    pub body: Option<String>,
    pub status: CommentStatus,
    pub hide_category: Option<HideCategory>,
    pub item: Option<ReceiptItem>,
    /// The person's own verdict on the answer, once given.
    pub rating: Option<Satisfaction>,
    pub rated_at: Option<DateTime<Utc>>,
}

/// The item a comment went into, as far as its writer follows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReceiptItem {
    pub year: i32,
    pub number: i32,
    pub status: ItemStatus,
    pub taken_at: DateTime<Utc>,
    pub unit_zh: Option<String>,
    pub unit_en: Option<String>,
    pub deadline: Option<NaiveDate>,
    pub forwarded_at: Option<DateTime<Utc>>,
    pub answered_at: Option<DateTime<Utc>>,
    /// The unit's answer and its photos (hashes), once answered.
    pub answer: Option<String>,
    pub answer_photos: Vec<String>,
    pub closed_at: Option<DateTime<Utc>>,
}

impl Receipt {
    pub fn path(&self) -> Vec<(Step, StepState)> {
        path(self.status, self.item.as_ref().map(|i| i.status))
    }

    pub fn review(&self) -> ReviewOutcome {
        ReviewOutcome::of(self.status, self.hide_category)
    }

    pub fn may_rate(&self) -> Result<(), RateError> {
        may_rate(self.item.as_ref().map(|i| i.status), self.rating)
    }
}

/// The steps of a comment's path, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    Received,
    /// Looked at by staff: published, kept for the list, or not published (with its category).
    Reviewed,
    TakenIntoItem,
    Forwarded,
    Answered,
    Closed,
}

impl Step {
    pub const ALL: [Step; 6] = [
        Step::Received,
        Step::Reviewed,
        Step::TakenIntoItem,
        Step::Forwarded,
        Step::Answered,
        Step::Closed,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Received => "received",
            Step::Reviewed => "reviewed",
            Step::TakenIntoItem => "taken_into_item",
            Step::Forwarded => "forwarded",
            Step::Answered => "answered",
            Step::Closed => "closed",
        }
    }
}

/// Where a step stands for this comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepState {
    Done,
    /// What the comment is waiting for now.
    Current,
    Ahead,
    /// Will not happen: the comment was not published, or was published without going into
    /// the list (most comments are opinions, not problems).
    Skipped,
}

impl StepState {
    pub fn as_str(self) -> &'static str {
        match self {
            StepState::Done => "done",
            StepState::Current => "current",
            StepState::Ahead => "ahead",
            StepState::Skipped => "skipped",
        }
    }
}

/// How the review of a comment ended, as the person is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewOutcome {
    Waiting,
    Published,
    /// Kept for the problem list rather than shown on the site page.
    ForTheList,
    NotPublished(HideCategory),
}

impl ReviewOutcome {
    pub fn of(status: CommentStatus, category: Option<HideCategory>) -> Self {
        match status {
            CommentStatus::Pending => ReviewOutcome::Waiting,
            CommentStatus::Published => ReviewOutcome::Published,
            CommentStatus::Problem => ReviewOutcome::ForTheList,
            CommentStatus::Hidden => {
                ReviewOutcome::NotPublished(category.unwrap_or(HideCategory::Other))
            }
        }
    }
}

/// The path of a comment: every step with its state. `item` is the status of the item the
/// comment went into, if it did.
pub fn path(status: CommentStatus, item: Option<ItemStatus>) -> Vec<(Step, StepState)> {
    use StepState::*;
    let reached = match (status, item) {
        (_, Some(ItemStatus::Closed)) => 5,
        (_, Some(ItemStatus::Answered)) => 4,
        (_, Some(ItemStatus::Forwarded | ItemStatus::Acknowledged)) => 3,
        (_, Some(ItemStatus::Draft)) => 2,
        (CommentStatus::Problem, None) => 1,
        (CommentStatus::Published | CommentStatus::Hidden, None) => 1,
        (CommentStatus::Pending, None) => 0,
    };
    // A comment that left moderation any way but into the list goes no further.
    let ends_at_review = item.is_none() && status != CommentStatus::Problem && reached >= 1;
    Step::ALL
        .into_iter()
        .enumerate()
        .map(|(i, step)| {
            let state = if i <= reached {
                Done
            } else if ends_at_review {
                Skipped
            } else if i == reached + 1 {
                Current
            } else {
                Ahead
            };
            (step, state)
        })
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RateError {
    #[error("the unit has not answered yet: you can say whether it is fixed once it has")]
    NotAnswered,
    #[error("you have already said whether it is fixed")]
    AlreadyRated,
    #[error("choose 满意, 基本满意 or 不满意")]
    NoChoice,
}

/// The person behind a comment says once whether the answer fixed it, after the unit answered
/// (an answered item, or one staff closed after checking it).
pub fn may_rate(item: Option<ItemStatus>, rated: Option<Satisfaction>) -> Result<(), RateError> {
    if rated.is_some() {
        return Err(RateError::AlreadyRated);
    }
    match item {
        Some(ItemStatus::Answered | ItemStatus::Closed) => Ok(()),
        _ => Err(RateError::NotAnswered),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use StepState::*;

    #[test]
    fn codes_round_trip_through_what_people_type() {
        for seed in 0u8..=255 {
            let mut bytes = [0u8; 16];
            for (i, b) in bytes.iter_mut().enumerate() {
                *b = seed.wrapping_mul(31).wrapping_add(i as u8 * 17) ^ 0xa5;
            }
            let c = ReceiptCode::from_bytes(bytes);
            assert_eq!(c.as_str().len(), RECEIPT_LEN);
            assert_eq!(ReceiptCode::parse(c.as_str()), Ok(c.clone()));
            assert_eq!(ReceiptCode::parse(&c.grouped()), Ok(c.clone()));
            assert_eq!(
                ReceiptCode::parse(&c.grouped().to_lowercase().replace('-', " ")),
                Ok(c.clone())
            );
        }
    }

    #[test]
    fn different_bytes_give_different_codes() {
        let a = ReceiptCode::from_bytes([1; 16]);
        let mut other = [1; 16];
        other[15] = 2;
        assert_ne!(a, ReceiptCode::from_bytes(other));
    }

    #[test]
    fn refuses_what_is_not_a_code() {
        for bad in [
            "",
            "ABCD-EFGH-JKMN-PQR",
            "ABCD-EFGH-JKMN-PQRST",
            "ABCD-EFGH-JKMN-PQR0",
            "ABCD-EFGH-JKMN-PQRI",
            "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
            "ABCD/EFGH/JKMN/PQRS",
            &"A".repeat(100),
        ] {
            assert!(ReceiptCode::parse(bad).is_err(), "{bad}");
        }
    }

    fn states(status: CommentStatus, item: Option<ItemStatus>) -> Vec<StepState> {
        path(status, item).into_iter().map(|(_, s)| s).collect()
    }

    #[test]
    fn a_new_comment_waits_for_review() {
        assert_eq!(
            states(CommentStatus::Pending, None),
            [Done, Current, Ahead, Ahead, Ahead, Ahead]
        );
    }

    #[test]
    fn a_published_or_hidden_comment_goes_no_further() {
        for s in [CommentStatus::Published, CommentStatus::Hidden] {
            assert_eq!(
                states(s, None),
                [Done, Done, Skipped, Skipped, Skipped, Skipped]
            );
        }
    }

    #[test]
    fn a_problem_walks_the_closed_loop() {
        let p = CommentStatus::Problem;
        assert_eq!(states(p, None), [Done, Done, Current, Ahead, Ahead, Ahead]);
        assert_eq!(
            states(p, Some(ItemStatus::Draft)),
            [Done, Done, Done, Current, Ahead, Ahead]
        );
        for s in [ItemStatus::Forwarded, ItemStatus::Acknowledged] {
            assert_eq!(states(p, Some(s)), [Done, Done, Done, Done, Current, Ahead]);
        }
        assert_eq!(
            states(p, Some(ItemStatus::Answered)),
            [Done, Done, Done, Done, Done, Current]
        );
        assert_eq!(states(p, Some(ItemStatus::Closed)), [Done; 6]);
    }

    #[test]
    fn hidden_comments_say_why_in_a_category() {
        assert_eq!(
            ReviewOutcome::of(CommentStatus::Hidden, Some(HideCategory::Private)),
            ReviewOutcome::NotPublished(HideCategory::Private)
        );
        // Hidden before categories existed.
        assert_eq!(
            ReviewOutcome::of(CommentStatus::Hidden, None),
            ReviewOutcome::NotPublished(HideCategory::Other)
        );
        assert_eq!(
            ReviewOutcome::of(CommentStatus::Problem, None),
            ReviewOutcome::ForTheList
        );
    }

    #[test]
    fn rating_waits_for_an_answer_and_happens_once() {
        for s in [
            None,
            Some(ItemStatus::Draft),
            Some(ItemStatus::Forwarded),
            Some(ItemStatus::Acknowledged),
        ] {
            assert_eq!(may_rate(s, None), Err(RateError::NotAnswered));
        }
        assert_eq!(may_rate(Some(ItemStatus::Answered), None), Ok(()));
        assert_eq!(may_rate(Some(ItemStatus::Closed), None), Ok(()));
        assert_eq!(
            may_rate(Some(ItemStatus::Closed), Some(Satisfaction::Basic)),
            Err(RateError::AlreadyRated)
        );
    }
}
