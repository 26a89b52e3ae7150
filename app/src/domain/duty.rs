//! The deputy's duty record (履职档案): what a deputy did in a period — sites visited,
//! observations by kind, the items made from them and what became of them, the answers they
//! rated. The period is a span of calendar days in China (UTC+8), as the office counts a year.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// Deputies a page of the staff's table shows; the table says how many there are in all.
pub const DUTY_PAGE: u32 = 50;
/// Observations a page of one deputy's record lists.
pub const DUTY_OBSERVATIONS_PAGE: u32 = 50;
/// The longest period one record covers: a term of office (five years) and its leap days.
pub const MAX_PERIOD_DAYS: i64 = 5 * 366;

/// A span of days, both ends included, in China's calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// Why a period was refused, naming the form's field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    #[error("give the first day as YYYY-MM-DD")]
    From,
    #[error("give the last day as YYYY-MM-DD")]
    To,
    #[error("the first day comes after the last")]
    Reversed,
    #[error("a record covers at most {MAX_PERIOD_DAYS} days (a term of office)")]
    TooLong,
}

impl PeriodError {
    pub fn field(&self) -> &'static str {
        match self {
            PeriodError::From | PeriodError::Reversed => "duty_from",
            PeriodError::To => "duty_to",
            PeriodError::TooLong => "duty_period",
        }
    }
}

fn day(v: Option<&str>) -> Option<Result<NaiveDate, ()>> {
    let v = v.map(str::trim).filter(|s| !s.is_empty())?;
    Some(NaiveDate::parse_from_str(v, "%Y-%m-%d").map_err(|_| ()))
}

impl Period {
    /// The form's two days; a missing first day is the first of `today`'s year, a missing last
    /// day is the last of the first day's year (so `from` alone reads as "that year").
    pub fn parse(
        from: Option<&str>,
        to: Option<&str>,
        today: NaiveDate,
    ) -> Result<Self, PeriodError> {
        let from = match day(from) {
            None => NaiveDate::from_ymd_opt(today.year(), 1, 1).ok_or(PeriodError::From)?,
            Some(d) => d.map_err(|_| PeriodError::From)?,
        };
        let to = match day(to) {
            None => NaiveDate::from_ymd_opt(from.year(), 12, 31).ok_or(PeriodError::To)?,
            Some(d) => d.map_err(|_| PeriodError::To)?,
        };
        if from > to {
            return Err(PeriodError::Reversed);
        }
        if (to - from).num_days() >= MAX_PERIOD_DAYS {
            return Err(PeriodError::TooLong);
        }
        Ok(Period { from, to })
    }

    /// The period's moments: from the first day's midnight in China to the midnight after the
    /// last day (excluded).
    pub fn bounds(&self) -> (DateTime<Utc>, DateTime<Utc>) {
        let midnight =
            |d: NaiveDate| d.and_time(chrono::NaiveTime::MIN).and_utc() - Duration::hours(8);
        (midnight(self.from), midnight(self.to + Duration::days(1)))
    }

    /// The query string of a link to the same period.
    pub fn query(&self) -> String {
        format!("from={}&to={}", self.from, self.to)
    }
}

/// Which deputies the staff's table lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Participation {
    #[default]
    All,
    /// No observation and no rating in the period (with an account or not): the ones to call.
    NotYet,
    TookPart,
}

impl Participation {
    pub const ALL: [Participation; 3] = [
        Participation::All,
        Participation::NotYet,
        Participation::TookPart,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Participation::All => "all",
            Participation::NotYet => "not_yet",
            Participation::TookPart => "took_part",
        }
    }

    /// Anything else is refused rather than read as "all": a filter that silently widens would
    /// hide that the link is wrong.
    pub fn parse(s: Option<&str>) -> Option<Self> {
        match s.map(str::trim).filter(|s| !s.is_empty()) {
            None => Some(Participation::All),
            Some(s) => Self::ALL.into_iter().find(|p| p.as_str() == s),
        }
    }
}

/// Whose record a caller may read: staff anyone's (they must say whose), a deputy only their
/// own, nobody else any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordAccess {
    Read(uuid::Uuid),
    /// Staff asked without naming a deputy.
    NameTheDeputy,
    Forbidden,
}

pub fn record_access(
    role: super::Role,
    own_deputy: Option<uuid::Uuid>,
    asked: Option<uuid::Uuid>,
) -> RecordAccess {
    use super::Role;
    match role {
        Role::Staff | Role::Admin => asked.map_or(RecordAccess::NameTheDeputy, RecordAccess::Read),
        Role::Deputy => match (own_deputy, asked) {
            (Some(own), None) => RecordAccess::Read(own),
            (Some(own), Some(a)) if a == own => RecordAccess::Read(own),
            _ => RecordAccess::Forbidden,
        },
        Role::UnitOfficer => RecordAccess::Forbidden,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn no_days_is_this_year_and_one_day_is_its_year() {
        let today = d("2026-12-05");
        assert_eq!(
            Period::parse(None, Some(" "), today),
            Ok(Period {
                from: d("2026-01-01"),
                to: d("2026-12-31")
            })
        );
        assert_eq!(
            Period::parse(Some("2025-03-01"), None, today),
            Ok(Period {
                from: d("2025-03-01"),
                to: d("2025-12-31")
            })
        );
        assert_eq!(
            Period::parse(Some("2025-03-01"), Some("2025-03-01"), today).map(|p| p.query()),
            Ok("from=2025-03-01&to=2025-03-01".to_owned())
        );
    }

    #[test]
    fn bad_days_name_their_field() {
        let today = d("2026-12-05");
        let err = |f, t| Period::parse(f, t, today).unwrap_err();
        assert_eq!(err(Some("2026-13-01"), None).field(), "duty_from");
        assert_eq!(err(None, Some("yesterday")).field(), "duty_to");
        assert_eq!(
            err(Some("2026-05-02"), Some("2026-05-01")),
            PeriodError::Reversed
        );
        assert_eq!(
            err(Some("2020-01-01"), Some("2026-01-01")),
            PeriodError::TooLong
        );
        assert!(Period::parse(Some("2021-01-01"), Some("2025-12-31"), today).is_ok());
    }

    #[test]
    fn a_period_runs_from_midnight_in_china() {
        let p = Period::parse(Some("2026-06-01"), Some("2026-06-30"), d("2026-12-05")).unwrap();
        let (start, end) = p.bounds();
        assert_eq!(start.to_rfc3339(), "2026-05-31T16:00:00+00:00");
        assert_eq!(end.to_rfc3339(), "2026-06-30T16:00:00+00:00");
    }

    #[test]
    fn participation_is_one_of_three_or_refused() {
        assert_eq!(Participation::parse(None), Some(Participation::All));
        assert_eq!(
            Participation::parse(Some("not_yet")),
            Some(Participation::NotYet)
        );
        assert_eq!(Participation::parse(Some("everyone")), None);
    }

    #[test]
    fn a_deputy_reads_only_their_own_record() {
        use crate::domain::Role;
        let (me, other) = (uuid::Uuid::from_u128(1), uuid::Uuid::from_u128(2));
        assert_eq!(
            record_access(Role::Deputy, Some(me), None),
            RecordAccess::Read(me)
        );
        assert_eq!(
            record_access(Role::Deputy, Some(me), Some(me)),
            RecordAccess::Read(me)
        );
        assert_eq!(
            record_access(Role::Deputy, Some(me), Some(other)),
            RecordAccess::Forbidden
        );
        assert_eq!(
            record_access(Role::Deputy, None, None),
            RecordAccess::Forbidden
        );
        assert_eq!(
            record_access(Role::Staff, None, Some(other)),
            RecordAccess::Read(other)
        );
        assert_eq!(
            record_access(Role::Admin, None, None),
            RecordAccess::NameTheDeputy
        );
        assert_eq!(
            record_access(Role::UnitOfficer, None, Some(me)),
            RecordAccess::Forbidden
        );
    }
}
