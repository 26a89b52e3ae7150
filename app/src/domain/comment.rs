//! What a member of the public leaves at a site, and how staff moderate it. Parsed the same way
//! wherever it arrives; no I/O here.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub const MAX_COMMENT_CHARS: usize = 500;
/// Shortest comment worth reading when no rating is given alone ("好" is a rating, not a comment).
pub const MIN_COMMENT_CHARS: usize = 2;
pub const MAX_REASON_CHARS: usize = 200;

/// The report's three answers: 满意 / 基本满意 / 不满意.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Satisfaction {
    Satisfied,
    Basic,
    Dissatisfied,
}

impl Satisfaction {
    pub const ALL: [Satisfaction; 3] = [
        Satisfaction::Satisfied,
        Satisfaction::Basic,
        Satisfaction::Dissatisfied,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Satisfaction::Satisfied => "satisfied",
            Satisfaction::Basic => "basic",
            Satisfaction::Dissatisfied => "dissatisfied",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl TryFrom<String> for Satisfaction {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Self::parse(&s).ok_or(s)
    }
}

/// "Do you support this project?"
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Support {
    Yes,
    No,
    NotSure,
}

impl Support {
    pub const ALL: [Support; 3] = [Support::Yes, Support::No, Support::NotSure];
    pub fn as_str(self) -> &'static str {
        match self {
            Support::Yes => "yes",
            Support::No => "no",
            Support::NotSure => "not_sure",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl TryFrom<String> for Support {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Self::parse(&s).ok_or(s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CommentError {
    #[error("choose how satisfied you are")]
    MissingSatisfaction,
    #[error("choose whether you support the project")]
    MissingSupport,
    #[error("a comment is at most {MAX_COMMENT_CHARS} characters")]
    TooLong,
    #[error("write a few words, or leave the comment empty")]
    TooShort,
    #[error("a mainland mobile number has 11 digits and starts with 1")]
    BadPhone,
    #[error("please agree to how we use a phone number, or leave it empty")]
    NoConsent,
}

impl CommentError {
    /// The form field a person has to fix.
    pub fn field(self) -> &'static str {
        match self {
            CommentError::MissingSatisfaction => "satisfaction",
            CommentError::MissingSupport => "support",
            CommentError::TooLong | CommentError::TooShort => "body",
            CommentError::BadPhone => "phone",
            CommentError::NoConsent => "consent",
        }
    }
}

/// A comment's text: trimmed, control characters other than line breaks removed, at most
/// [`MAX_COMMENT_CHARS`] characters (counted as characters, not bytes: Chinese is 3 bytes each).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommentText(String);

impl CommentText {
    /// Empty text is allowed (a rating alone is a valid answer) and gives `None`.
    pub fn parse(raw: &str) -> Result<Option<Self>, CommentError> {
        let cleaned: String = raw
            .replace("\r\n", "\n")
            .chars()
            .filter(|c| *c == '\n' || !c.is_control())
            .collect();
        let t = cleaned.trim();
        let n = t.chars().count();
        if n == 0 {
            return Ok(None);
        }
        if n > MAX_COMMENT_CHARS {
            return Err(CommentError::TooLong);
        }
        if n < MIN_COMMENT_CHARS {
            return Err(CommentError::TooShort);
        }
        Ok(Some(Self(t.to_owned())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The same words with different spacing, punctuation or letter case count as a repeat:
    /// that is how copy-pasted spam differs from itself.
    pub fn fingerprint(&self) -> String {
        let norm: String = self
            .0
            .chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect();
        let digest = Sha256::digest(norm.as_bytes());
        digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
    }
}

/// A mainland China mobile number, kept as its 11 digits. `+86`, spaces and dashes are accepted
/// in the input because that is how people type and paste numbers.
#[derive(Clone, PartialEq, Eq)]
pub struct PhoneNumber(String);

impl std::fmt::Debug for PhoneNumber {
    // Never print a whole number into logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PhoneNumber({})", self.masked())
    }
}

impl PhoneNumber {
    pub fn parse(raw: &str) -> Result<Option<Self>, CommentError> {
        let compact: String = raw
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect();
        if compact.is_empty() {
            return Ok(None);
        }
        let digits = compact
            .strip_prefix("+86")
            .or_else(|| compact.strip_prefix("0086"))
            .unwrap_or(&compact);
        let b = digits.as_bytes();
        let ok = b.len() == 11
            && b.iter().all(u8::is_ascii_digit)
            && b[0] == b'1'
            && (b'3'..=b'9').contains(&b[1]);
        if ok {
            Ok(Some(Self(digits.to_owned())))
        } else {
            Err(CommentError::BadPhone)
        }
    }

    pub fn digits(&self) -> &str {
        &self.0
    }

    /// 138****5678: enough for staff to tell two callers apart, not enough to call.
    pub fn masked(&self) -> String {
        mask_digits(&self.0)
    }
}

pub fn mask_digits(d: &str) -> String {
    if d.len() == 11 && d.is_ascii() {
        format!("{}****{}", &d[..3], &d[7..])
    } else {
        "****".into()
    }
}

/// A comment as submitted through the public form, before it is stored.
#[derive(Debug, Clone, PartialEq)]
pub struct CommentInput {
    pub satisfaction: Satisfaction,
    pub support: Support,
    pub body: Option<CommentText>,
    pub phone: Option<PhoneNumber>,
}

impl CommentInput {
    /// The raw form fields as they arrive (`None` for a field not sent).
    pub fn parse(
        satisfaction: Option<&str>,
        support: Option<&str>,
        body: Option<&str>,
        phone: Option<&str>,
        consent: bool,
    ) -> Result<Self, CommentError> {
        let satisfaction = satisfaction
            .and_then(Satisfaction::parse)
            .ok_or(CommentError::MissingSatisfaction)?;
        let support = support
            .and_then(Support::parse)
            .ok_or(CommentError::MissingSupport)?;
        let body = CommentText::parse(body.unwrap_or(""))?;
        let phone = PhoneNumber::parse(phone.unwrap_or(""))?;
        if phone.is_some() && !consent {
            return Err(CommentError::NoConsent);
        }
        Ok(Self {
            satisfaction,
            support,
            body,
            phone,
        })
    }
}

/// Where a comment stands. Every comment starts pending; comments are never deleted (the
/// phone number and client hash they carried are cleared after their retention: `jiandu purge`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CommentStatus {
    Pending,
    Published,
    Hidden,
    /// Handed to the review queue as a problem: it left moderation for the closed loop.
    Problem,
}

impl CommentStatus {
    pub const ALL: [CommentStatus; 4] = [
        CommentStatus::Pending,
        CommentStatus::Published,
        CommentStatus::Hidden,
        CommentStatus::Problem,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            CommentStatus::Pending => "pending",
            CommentStatus::Published => "published",
            CommentStatus::Hidden => "hidden",
            CommentStatus::Problem => "problem",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
    /// Hidden comments do not count: they are spam or abuse, not opinion.
    pub fn counts_in_figures(self) -> bool {
        self != CommentStatus::Hidden
    }
}

impl TryFrom<String> for CommentStatus {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Self::parse(&s).ok_or(s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Moderation {
    Publish,
    /// `reason` is for staff; `category` is what the person behind the comment is told.
    Hide {
        reason: String,
        #[serde(default)]
        category: HideCategory,
    },
    MarkProblem,
}

/// Why a comment was not published, in words the person who wrote it may read on their
/// receipt (the staff's own reason may name people or say more than the writer should see).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HideCategory {
    /// Advertising, flooding, nonsense.
    Spam,
    /// Insults, threats, attacks on people.
    Abuse,
    /// Names, numbers or addresses of people.
    Private,
    /// Not about this project.
    OffTopic,
    #[default]
    Other,
}

impl HideCategory {
    pub const ALL: [HideCategory; 5] = [
        HideCategory::Spam,
        HideCategory::Abuse,
        HideCategory::Private,
        HideCategory::OffTopic,
        HideCategory::Other,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            HideCategory::Spam => "spam",
            HideCategory::Abuse => "abuse",
            HideCategory::Private => "private",
            HideCategory::OffTopic => "off_topic",
            HideCategory::Other => "other",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl TryFrom<String> for HideCategory {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Self::parse(&s).ok_or(s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ModerationError {
    #[error("a comment in state {from:?} cannot be {action}")]
    NotAllowed {
        from: CommentStatus,
        action: &'static str,
    },
    #[error("say why the comment is hidden (at most {MAX_REASON_CHARS} characters)")]
    NeedsReason,
}

impl Moderation {
    pub fn name(&self) -> &'static str {
        match self {
            Moderation::Publish => "publish",
            Moderation::Hide { .. } => "hide",
            Moderation::MarkProblem => "mark_problem",
        }
    }

    /// The moderation state machine. A published comment can still be hidden (abuse found
    /// later) and a hidden one restored (hidden by mistake); a comment handed over as a problem
    /// is the closed loop's from then on.
    pub fn apply(&self, from: CommentStatus) -> Result<CommentStatus, ModerationError> {
        use CommentStatus::*;
        let to = match (self, from) {
            (Moderation::Publish, Pending | Hidden) => Published,
            (Moderation::Hide { reason, .. }, Pending | Published) => {
                let n = reason.trim().chars().count();
                if n == 0 || n > MAX_REASON_CHARS {
                    return Err(ModerationError::NeedsReason);
                }
                Hidden
            }
            (Moderation::MarkProblem, Pending | Published) => Problem,
            _ => {
                return Err(ModerationError::NotAllowed {
                    from,
                    action: self.name(),
                })
            }
        };
        Ok(to)
    }
}

/// Counts of answers, from which the report's rates are computed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    pub satisfied: i64,
    pub basic: i64,
    pub dissatisfied: i64,
    pub support_yes: i64,
    pub support_no: i64,
    pub support_not_sure: i64,
}

impl Tally {
    pub fn add(&mut self, s: Satisfaction, p: Support) {
        match s {
            Satisfaction::Satisfied => self.satisfied += 1,
            Satisfaction::Basic => self.basic += 1,
            Satisfaction::Dissatisfied => self.dissatisfied += 1,
        }
        match p {
            Support::Yes => self.support_yes += 1,
            Support::No => self.support_no += 1,
            Support::NotSure => self.support_not_sure += 1,
        }
    }

    pub fn responses(&self) -> i64 {
        self.satisfied + self.basic + self.dissatisfied
    }

    /// 满意率: (satisfied + basically satisfied) / all answers, as the report computes it.
    pub fn satisfaction_rate(&self) -> Option<f64> {
        let n = self.responses();
        (n > 0).then(|| (self.satisfied + self.basic) as f64 / n as f64)
    }

    /// 支持率: "yes" over all who answered the question, "not sure" included.
    pub fn support_rate(&self) -> Option<f64> {
        let n = self.support_yes + self.support_no + self.support_not_sure;
        (n > 0).then(|| self.support_yes as f64 / n as f64)
    }

    pub fn merge(&mut self, o: &Tally) {
        self.satisfied += o.satisfied;
        self.basic += o.basic;
        self.dissatisfied += o.dissatisfied;
        self.support_yes += o.support_yes;
        self.support_no += o.support_no;
        self.support_not_sure += o.support_not_sure;
    }
}

/// A rate as people read it in the report: "95%", one decimal below 100 only when it matters.
pub fn percent(rate: Option<f64>) -> String {
    match rate {
        None => "—".into(),
        Some(r) => {
            let p = r * 100.0;
            if (p - p.round()).abs() < 0.05 {
                format!("{:.0}%", p)
            } else {
                format!("{:.1}%", p)
            }
        }
    }
}

/// How a sub-item stands against its deadline, for the public page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Schedule {
    /// More than 30 days left.
    OnTrack,
    /// Due within 30 days.
    DueSoon { days: i64 },
    /// The deadline has passed (completion itself is recorded by the closed loop).
    PastDeadline,
}

impl Schedule {
    pub fn of(deadline: chrono::NaiveDate, today: chrono::NaiveDate) -> Self {
        let days = (deadline - today).num_days();
        if days < 0 {
            Schedule::PastDeadline
        } else if days <= 30 {
            Schedule::DueSoon { days }
        } else {
            Schedule::OnTrack
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comment_text_counts_characters_not_bytes() {
        let zh = "好".repeat(MAX_COMMENT_CHARS);
        assert!(CommentText::parse(&zh).unwrap().is_some());
        assert_eq!(
            CommentText::parse(&format!("{zh}好")),
            Err(CommentError::TooLong)
        );
        assert_eq!(CommentText::parse("   \n "), Ok(None));
        assert_eq!(CommentText::parse("好"), Err(CommentError::TooShort));
        let t = CommentText::parse(" 台阶\u{0}太高\r\n ").unwrap().unwrap();
        assert_eq!(t.as_str(), "台阶太高");
    }

    #[test]
    fn repeats_differing_only_in_spacing_and_punctuation_share_a_fingerprint() {
        let a = CommentText::parse("电梯 噪音太大！！").unwrap().unwrap();
        let b = CommentText::parse("电梯噪音太大。").unwrap().unwrap();
        let c = CommentText::parse("电梯噪音不大").unwrap().unwrap();
        assert_eq!(a.fingerprint(), b.fingerprint());
        assert_ne!(a.fingerprint(), c.fingerprint());
        let e1 = CommentText::parse("Great JOB").unwrap().unwrap();
        let e2 = CommentText::parse("great job!").unwrap().unwrap();
        assert_eq!(e1.fingerprint(), e2.fingerprint());
    }

    #[test]
    fn phone_numbers_parse_from_how_people_type_them_and_mask() {
        for raw in [
            "13812345678",
            "+86 138 1234 5678",
            "138-1234-5678",
            "008613812345678",
        ] {
            let p = PhoneNumber::parse(raw).unwrap().unwrap();
            assert_eq!(p.digits(), "13812345678", "{raw}");
            assert_eq!(p.masked(), "138****5678");
            assert!(!format!("{p:?}").contains("1234"));
        }
        assert_eq!(PhoneNumber::parse(""), Ok(None));
        for bad in [
            "1381234567",
            "23812345678",
            "12812345678",
            "1381234567a",
            "0571-8888888",
        ] {
            assert_eq!(
                PhoneNumber::parse(bad),
                Err(CommentError::BadPhone),
                "{bad}"
            );
        }
    }

    #[test]
    fn input_needs_both_answers_and_consent_for_a_phone() {
        let ok = CommentInput::parse(Some("basic"), Some("yes"), Some(""), None, false).unwrap();
        assert_eq!(ok.satisfaction, Satisfaction::Basic);
        assert!(ok.body.is_none());
        assert_eq!(
            CommentInput::parse(None, Some("yes"), None, None, false),
            Err(CommentError::MissingSatisfaction)
        );
        assert_eq!(
            CommentInput::parse(Some("satisfied"), Some("maybe"), None, None, false),
            Err(CommentError::MissingSupport)
        );
        let no_consent = CommentInput::parse(
            Some("satisfied"),
            Some("yes"),
            None,
            Some("13812345678"),
            false,
        );
        assert_eq!(no_consent, Err(CommentError::NoConsent));
        assert_eq!(CommentError::NoConsent.field(), "consent");
    }

    #[test]
    fn moderation_follows_the_state_machine() {
        use CommentStatus::*;
        let hide = Moderation::Hide {
            reason: "广告".into(),
            category: HideCategory::Spam,
        };
        assert_eq!(Moderation::Publish.apply(Pending), Ok(Published));
        assert_eq!(hide.apply(Pending), Ok(Hidden));
        assert_eq!(hide.apply(Published), Ok(Hidden));
        assert_eq!(Moderation::Publish.apply(Hidden), Ok(Published));
        assert_eq!(Moderation::MarkProblem.apply(Pending), Ok(Problem));
        assert!(Moderation::Publish.apply(Published).is_err());
        assert!(hide.apply(Hidden).is_err());
        for m in [Moderation::Publish, hide.clone(), Moderation::MarkProblem] {
            assert!(m.apply(Problem).is_err(), "{m:?} from Problem");
        }
        let blank = Moderation::Hide {
            reason: "  ".into(),
            category: HideCategory::Other,
        };
        assert_eq!(blank.apply(Pending), Err(ModerationError::NeedsReason));
    }

    #[test]
    fn every_state_and_action_pair_is_decided() {
        // The whole table, each pair pinned: a machine that refused everything, or allowed
        // everything, fails here.
        use CommentStatus::*;
        let actions = [
            Moderation::Publish,
            Moderation::Hide {
                reason: "r".into(),
                category: HideCategory::Other,
            },
            Moderation::MarkProblem,
        ];
        // Columns: publish, hide, mark as a problem.
        let table = [
            (Pending, [Some(Published), Some(Hidden), Some(Problem)]),
            (Published, [None, Some(Hidden), Some(Problem)]),
            (Hidden, [Some(Published), None, None]),
            (Problem, [None, None, None]),
        ];
        assert_eq!(table.map(|(from, _)| from), CommentStatus::ALL);
        for (from, row) in table {
            for (a, want) in actions.iter().zip(row) {
                let got = a.apply(from);
                match want {
                    Some(to) => assert_eq!(got, Ok(to), "{a:?} from {from:?}"),
                    None => assert_eq!(
                        got,
                        Err(ModerationError::NotAllowed {
                            from,
                            action: a.name()
                        }),
                        "{a:?} from {from:?}"
                    ),
                }
            }
        }
    }

    #[test]
    fn rates_follow_the_report() {
        let mut t = Tally::default();
        assert_eq!(t.satisfaction_rate(), None);
        for _ in 0..17 {
            t.add(Satisfaction::Satisfied, Support::Yes);
        }
        t.add(Satisfaction::Basic, Support::NotSure);
        t.add(Satisfaction::Basic, Support::Yes);
        t.add(Satisfaction::Dissatisfied, Support::No);
        assert_eq!(t.responses(), 20);
        assert_eq!(t.satisfaction_rate(), Some(0.95));
        assert_eq!(percent(t.satisfaction_rate()), "95%");
        assert_eq!(percent(t.support_rate()), "90%");
        assert_eq!(percent(Some(2.0 / 3.0)), "66.7%");
        assert_eq!(percent(None), "—");
        let mut sum = Tally::default();
        sum.merge(&t);
        sum.merge(&t);
        assert_eq!(sum.responses(), 40);
        assert_eq!(sum.satisfaction_rate(), t.satisfaction_rate());
    }

    #[test]
    fn schedule_from_deadline() {
        let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(
            Schedule::of(d("2026-12-31"), d("2026-06-01")),
            Schedule::OnTrack
        );
        assert_eq!(
            Schedule::of(d("2026-12-31"), d("2026-12-21")),
            Schedule::DueSoon { days: 10 }
        );
        assert_eq!(
            Schedule::of(d("2026-12-31"), d("2027-01-01")),
            Schedule::PastDeadline
        );
    }
}
