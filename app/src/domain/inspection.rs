//! Inspections (视察 / 督查): staff plan a visit — one or more supervision groups, a window of
//! days, the sites in the order they are visited, the deputies invited and the one who leads —;
//! at each site an invited deputy checks in with where they stand, judged by the on-site rules
//! of [`super::verdict`]. Days are China's calendar (UTC+8), as the office plans them.

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::public_code::PublicCode;
use super::record::{field_error, hex, FieldError, PositionInput, PositionSource};

pub const MAX_TITLE_CHARS: usize = 80;
/// A supervision week with its weekend and a margin; longer work is several inspections.
pub const MAX_WINDOW_DAYS: i64 = 31;
/// A day's route for a group is a handful of sites; a week's for several groups a few dozen.
pub const MAX_SITES: usize = 60;
/// The report's supervision week sent 168 deputies out in ten groups.
pub const MAX_DEPUTIES: usize = 300;
/// Inspections a page of a list shows; the list says how many there are in all.
pub const INSPECTIONS_PAGE: u32 = 30;
/// The findings a page of an inspection lists.
pub const FINDINGS_PAGE: u32 = 50;

fn china() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| FixedOffset::east_opt(0).expect("UTC"))
}

/// The day in China's calendar of an instant.
pub fn china_day(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&china()).date_naive()
}

/// Why a plan was refused, each naming the form's field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("give the inspection a title of 1 to {MAX_TITLE_CHARS} characters")]
    Title,
    #[error("give the first day as YYYY-MM-DD")]
    StartsOn,
    #[error("give the last day as YYYY-MM-DD, not before the first")]
    EndsOn,
    #[error("an inspection lasts at most {MAX_WINDOW_DAYS} days: plan a longer one as several")]
    TooLong,
    #[error("choose at least one supervision group")]
    Groups,
    #[error("one of the groups chosen does not exist any more: choose again")]
    UnknownGroup,
    #[error("list the sites to visit by their codes, in order, 1 to {MAX_SITES}")]
    Sites,
    #[error("this site code appears twice: {0}")]
    RepeatedSite(String),
    #[error("this is not a site code (7 letters and digits, as on the QR poster): {0}")]
    BadSiteCode(String),
    #[error("no site in service has this code: {0}")]
    UnknownSite(String),
    #[error("invite 1 to {MAX_DEPUTIES} deputies")]
    Deputies,
    #[error("invite only deputies of the groups chosen")]
    NotInGroups,
    #[error("the leader must be one of the deputies invited")]
    Leader,
}

impl PlanError {
    pub fn field(&self) -> &'static str {
        match self {
            PlanError::Title => "inspection_title",
            PlanError::StartsOn => "starts_on",
            PlanError::EndsOn | PlanError::TooLong => "ends_on",
            PlanError::Groups | PlanError::UnknownGroup => "inspection_groups",
            PlanError::Sites
            | PlanError::RepeatedSite(_)
            | PlanError::BadSiteCode(_)
            | PlanError::UnknownSite(_) => "inspection_sites",
            PlanError::Deputies | PlanError::NotInGroups => "inspection_deputies",
            PlanError::Leader => "inspection_leader",
        }
    }
}

/// A plan that passed every rule the form alone can judge; the store checks that the groups,
/// sites and deputies exist and that the deputies belong to the groups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub title: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub groups: Vec<Uuid>,
    /// In the order they are visited.
    pub sites: Vec<PublicCode>,
    pub deputies: Vec<Uuid>,
    pub leader: Uuid,
}

/// The site codes typed or pasted into the plan, in order: one per line, or separated by
/// spaces, commas (also full-width) or 、.
pub fn split_site_codes(typed: &str) -> Vec<String> {
    typed
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | '，' | '、' | ';' | '；'))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

impl Plan {
    /// Checks the form's fields in the order a person reads them and stops at the first fault
    /// (each names its field, which the form marks).
    pub fn parse(
        title: &str,
        starts_on: &str,
        ends_on: &str,
        groups: &[Uuid],
        sites: &str,
        deputies: &[Uuid],
        leader: Option<Uuid>,
    ) -> Result<Self, PlanError> {
        let title = title.trim();
        let n = title.chars().count();
        if n == 0 || n > MAX_TITLE_CHARS || title.chars().any(char::is_control) {
            return Err(PlanError::Title);
        }
        let starts = NaiveDate::parse_from_str(starts_on.trim(), "%Y-%m-%d")
            .map_err(|_| PlanError::StartsOn)?;
        let ends =
            NaiveDate::parse_from_str(ends_on.trim(), "%Y-%m-%d").map_err(|_| PlanError::EndsOn)?;
        if ends < starts {
            return Err(PlanError::EndsOn);
        }
        if (ends - starts).num_days() + 1 > MAX_WINDOW_DAYS {
            return Err(PlanError::TooLong);
        }
        let mut group_ids = Vec::new();
        for g in groups {
            if !group_ids.contains(g) {
                group_ids.push(*g);
            }
        }
        if group_ids.is_empty() {
            return Err(PlanError::Groups);
        }
        let mut codes: Vec<PublicCode> = Vec::new();
        for raw in split_site_codes(sites) {
            let code = PublicCode::parse(&raw).map_err(|_| PlanError::BadSiteCode(raw.clone()))?;
            if codes.contains(&code) {
                return Err(PlanError::RepeatedSite(code.as_str().to_owned()));
            }
            codes.push(code);
        }
        if codes.is_empty() || codes.len() > MAX_SITES {
            return Err(PlanError::Sites);
        }
        let mut people = Vec::new();
        for d in deputies {
            if !people.contains(d) {
                people.push(*d);
            }
        }
        if people.is_empty() || people.len() > MAX_DEPUTIES {
            return Err(PlanError::Deputies);
        }
        let leader = leader
            .filter(|l| people.contains(l))
            .ok_or(PlanError::Leader)?;
        Ok(Plan {
            title: title.to_owned(),
            starts_on: starts,
            ends_on: ends,
            groups: group_ids,
            sites: codes,
            deputies: people,
            leader,
        })
    }
}

/// Where an inspection stands on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Upcoming,
    UnderWay,
    Over,
}

impl Phase {
    pub fn of(starts_on: NaiveDate, ends_on: NaiveDate, today: NaiveDate) -> Self {
        if today < starts_on {
            Phase::Upcoming
        } else if today > ends_on {
            Phase::Over
        } else {
            Phase::UnderWay
        }
    }
}

/// Who gets past the door of the inspections' lists and pages: staff always; a deputy (their
/// own, the store narrows to those they are invited to) except through the staff's pages
/// (`staff_view`); nobody else.
pub fn may_open(role: super::Role, is_deputy: bool, staff_view: bool) -> bool {
    role.is_staff() || (is_deputy && !staff_view)
}

/// True when a record made at `at` falls on one of the inspection's days. A record captured
/// with no signal is judged by when it was made, not when it arrived.
pub fn within_window(starts_on: NaiveDate, ends_on: NaiveDate, at: DateTime<Utc>) -> bool {
    let day = china_day(at);
    starts_on <= day && day <= ends_on
}

/// The wire form of a check-in (the body of
/// `PUT /api/v1/inspections/{inspection}/check-ins/{id}`), queued in the phone's outbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CheckInInput {
    pub site_id: Uuid,
    pub checked_at: DateTime<Utc>,
    pub position: PositionInput,
}

/// A check-in that passed every rule. Only [`CheckIn::parse_sent`] makes one.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckIn {
    pub id: Uuid,
    pub site_id: Uuid,
    /// In the server's time (the phone's corrected).
    pub checked_at: DateTime<Utc>,
    pub position: PositionInput,
    /// Of the check-in as the phone sent it: a resend with the same id and fingerprint is the
    /// same check-in, anything else under that id a conflict.
    pub fingerprint: String,
}

impl CheckIn {
    /// The rules are applied in the phone's time (`now - correction`), the time kept is the
    /// server's, as for observations.
    pub fn parse_sent(
        id: Uuid,
        input: &CheckInInput,
        now: DateTime<Utc>,
        correction: Duration,
    ) -> Result<Self, Vec<FieldError>> {
        let phone_now = now - correction;
        let mut errors = Vec::new();
        if id.get_version_num() != 7 {
            errors.push(field_error(
                "id",
                "the id must be a UUIDv7 made on the device",
            ));
        }
        if input.checked_at > phone_now + Duration::minutes(10) {
            errors.push(field_error(
                "checked_at",
                "the check-in time is in the future",
            ));
        }
        if input.checked_at.timestamp() < 946_684_800 {
            errors.push(field_error(
                "checked_at",
                "the check-in time is before 2000",
            ));
        }
        let p = &input.position;
        super::record::check_position(p, &mut errors);
        // A check-in says where the deputy stood: the site's own position proves nothing.
        if p.source == PositionSource::SiteLocation {
            errors.push(field_error(
                "position",
                "a check-in needs the phone's position (GPS or a pin placed by hand)",
            ));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let canonical = serde_json::json!({
            "site": input.site_id,
            "checked_at": input.checked_at.timestamp_millis(),
            "position": (format!("{:.7}", p.lat), format!("{:.7}", p.lon),
                         format!("{:.1}", p.accuracy_m), p.source.as_str()),
        });
        Ok(CheckIn {
            id,
            site_id: input.site_id,
            checked_at: input.checked_at + correction,
            position: *p,
            fingerprint: hex(&Sha256::digest(canonical.to_string().as_bytes())),
        })
    }
}

/// What the server answers a check-in with (201 new, 200 a resend).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema, sqlx::FromRow))]
pub struct CheckInReceipt {
    pub id: Uuid,
    /// `on_site`, `near`, `off_site` or `unknown`, by the rules of observations.
    pub verdict: String,
    pub distance_m: Option<f64>,
    pub received_at: DateTime<Utc>,
}

/// A deputy invited counts as present when they checked in at least once (wherever they
/// stood: an off-site check-in still says they took part that day).
pub fn present(check_ins: i64) -> bool {
    check_ins > 0
}

/// The paragraphs of a text staff wrote, as the page and the Word file set it: each non-empty
/// line one paragraph, blank lines dropped.
pub fn paragraphs(text: &str) -> impl Iterator<Item = &str> {
    text.lines().map(str::trim).filter(|l| !l.is_empty())
}

/// The longest summary or conclusions a report takes (a few printed pages each).
pub const MAX_REPORT_CHARS: usize = 20_000;

/// Why a report's text was refused, naming the form's field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReportTextError {
    #[error("this text is longer than {MAX_REPORT_CHARS} characters: shorten it")]
    TooLong(&'static str),
    #[error("this text holds a control character (pasted from another program?): remove it")]
    Control(&'static str),
}

impl ReportTextError {
    pub fn field(&self) -> &'static str {
        match self {
            ReportTextError::TooLong(f) | ReportTextError::Control(f) => f,
        }
    }
}

/// What staff write into the joint report: the summary and the conclusions, each trimmed, with
/// Windows line ends made plain; either may be empty (a report is written over several days).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportText {
    pub summary: String,
    pub conclusions: String,
}

impl ReportText {
    pub fn parse(summary: &str, conclusions: &str) -> Result<Self, ReportTextError> {
        fn one(typed: &str, field: &'static str) -> Result<String, ReportTextError> {
            let text = typed.replace("\r\n", "\n").replace('\r', "\n");
            let text = text.trim();
            if text.chars().count() > MAX_REPORT_CHARS {
                return Err(ReportTextError::TooLong(field));
            }
            if text
                .chars()
                .any(|c| c.is_control() && c != '\n' && c != '\t')
            {
                return Err(ReportTextError::Control(field));
            }
            Ok(text.to_owned())
        }
        Ok(ReportText {
            summary: one(summary, "report_summary")?,
            conclusions: one(conclusions, "report_conclusions")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::verdict::{judge, Verdict};
    use crate::domain::{LonLat, SiteGeometry};

    fn ids(n: u128) -> Vec<Uuid> {
        (1..=n).map(Uuid::from_u128).collect()
    }

    fn plan(sites: &str, deputies: &[Uuid], leader: Option<Uuid>) -> Result<Plan, PlanError> {
        Plan::parse(
            " 第三组民生实事视察 ",
            "2026-12-07",
            "2026-12-11",
            &ids(1),
            sites,
            deputies,
            leader,
        )
    }

    #[test]
    fn a_plan_keeps_the_order_of_its_sites_and_checks_each_field() {
        let d = ids(3);
        let p = plan("A2B3C4D\n  e5f6g7h，K8M9N2P", &d, Some(d[1])).unwrap();
        assert_eq!(p.title, "第三组民生实事视察");
        let codes: Vec<_> = p.sites.iter().map(|c| c.as_str().to_owned()).collect();
        assert_eq!(codes, ["A2B3C4D", "E5F6G7H", "K8M9N2P"]);
        assert_eq!(
            plan("A2B3C4D a2b3c4d", &d, Some(d[0])).unwrap_err(),
            PlanError::RepeatedSite("A2B3C4D".into())
        );
        assert_eq!(
            plan("A2B3C4D nope", &d, Some(d[0])).unwrap_err(),
            PlanError::BadSiteCode("nope".into())
        );
        assert_eq!(plan("  ", &d, Some(d[0])).unwrap_err(), PlanError::Sites);
        let alphabet = crate::domain::public_code::ALPHABET;
        let many: Vec<String> = (0..=MAX_SITES)
            .map(|i| {
                let a = alphabet[i / alphabet.len()] as char;
                let b = alphabet[i % alphabet.len()] as char;
                format!("A2B3C{a}{b}")
            })
            .collect();
        assert_eq!(
            plan(&many.join(" "), &d, Some(d[0])).unwrap_err(),
            PlanError::Sites
        );
        assert!(plan(&many[..MAX_SITES].join(" "), &d, Some(d[0])).is_ok());
        assert_eq!(plan("A2B3C4D", &[], None).unwrap_err(), PlanError::Deputies);
        assert_eq!(
            plan("A2B3C4D", &d, Some(Uuid::from_u128(99))).unwrap_err(),
            PlanError::Leader
        );
        assert_eq!(plan("A2B3C4D", &d, None).unwrap_err(), PlanError::Leader);
        let e = |t: &str, s: &str, en: &str, g: &[Uuid]| {
            Plan::parse(t, s, en, g, "A2B3C4D", &d, Some(d[0])).unwrap_err()
        };
        assert_eq!(e("", "2026-12-07", "2026-12-08", &ids(1)), PlanError::Title);
        assert_eq!(
            e(&"字".repeat(81), "2026-12-07", "2026-12-08", &ids(1)),
            PlanError::Title
        );
        assert_eq!(e("t", "12/07", "2026-12-08", &ids(1)), PlanError::StartsOn);
        assert_eq!(
            e("t", "2026-12-07", "2026-12-06", &ids(1)),
            PlanError::EndsOn
        );
        assert_eq!(
            e("t", "2026-12-01", "2027-01-01", &ids(1)),
            PlanError::TooLong
        );
        assert_eq!(e("t", "2026-12-07", "2026-12-08", &[]), PlanError::Groups);
        assert_eq!(PlanError::TooLong.field(), "ends_on");
        // 31 days, both ends counted, is the longest.
        assert!(Plan::parse(
            "t",
            "2026-12-01",
            "2026-12-31",
            &ids(2),
            "A2B3C4D",
            &d,
            Some(d[2])
        )
        .is_ok());
    }

    #[test]
    fn staff_pages_are_for_staff_and_the_others_for_deputies_too() {
        use crate::domain::Role;
        assert!(may_open(Role::Staff, false, true));
        assert!(may_open(Role::Admin, false, false));
        assert!(may_open(Role::Deputy, true, false));
        assert!(!may_open(Role::Deputy, true, true));
        assert!(!may_open(Role::UnitOfficer, false, false));
    }

    #[test]
    fn the_window_is_china_days_and_the_phase_follows_them() {
        let s = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        let e = NaiveDate::from_ymd_opt(2026, 12, 8).unwrap();
        // 23:30 UTC on the 6th is 07:30 on the 7th in China.
        assert!(within_window(s, e, "2026-12-06T23:30:00Z".parse().unwrap()));
        assert!(!within_window(
            s,
            e,
            "2026-12-06T15:59:59Z".parse().unwrap()
        ));
        assert!(within_window(s, e, "2026-12-08T15:59:59Z".parse().unwrap()));
        assert!(!within_window(
            s,
            e,
            "2026-12-08T16:00:00Z".parse().unwrap()
        ));
        assert_eq!(Phase::of(s, e, s - Duration::days(1)), Phase::Upcoming);
        assert_eq!(Phase::of(s, e, e), Phase::UnderWay);
        assert_eq!(Phase::of(s, e, e + Duration::days(1)), Phase::Over);
    }

    fn input(lat: f64, source: PositionSource) -> CheckInInput {
        CheckInInput {
            site_id: Uuid::nil(),
            checked_at: "2026-12-07T02:00:00Z".parse().unwrap(),
            position: PositionInput {
                lat,
                lon: 120.11,
                accuracy_m: 8.0,
                source,
            },
        }
    }

    #[test]
    fn a_check_in_needs_the_phones_position_and_keeps_the_servers_time() {
        let id = Uuid::now_v7();
        let now: DateTime<Utc> = "2026-12-07T02:05:00Z".parse().unwrap();
        let c = CheckIn::parse_sent(
            id,
            &input(30.27, PositionSource::Gps),
            now,
            Duration::zero(),
        )
        .unwrap();
        assert_eq!(c.checked_at, input(30.27, PositionSource::Gps).checked_at);
        // A phone a day behind: its times are moved a day on, and its fingerprint is the same.
        let late = CheckIn::parse_sent(
            id,
            &input(30.27, PositionSource::Gps),
            now + Duration::days(1),
            Duration::days(1),
        )
        .unwrap();
        assert_eq!(late.checked_at, c.checked_at + Duration::days(1));
        assert_eq!(late.fingerprint, c.fingerprint);
        let moved = CheckIn::parse_sent(
            id,
            &input(30.28, PositionSource::Gps),
            now,
            Duration::zero(),
        )
        .unwrap();
        assert_ne!(moved.fingerprint, c.fingerprint);
        let refused = |i: CheckInInput, id: Uuid| {
            CheckIn::parse_sent(id, &i, now, Duration::zero())
                .unwrap_err()
                .into_iter()
                .map(|e| e.field)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            refused(input(30.27, PositionSource::SiteLocation), id),
            ["position"]
        );
        assert_eq!(
            refused(input(f64::NAN, PositionSource::Gps), id),
            ["position"]
        );
        assert_eq!(refused(input(91.0, PositionSource::Gps), id), ["position"]);
        assert_eq!(
            refused(input(30.27, PositionSource::Gps), Uuid::new_v4()),
            ["id"]
        );
        let mut future = input(30.27, PositionSource::Gps);
        future.checked_at = now + Duration::hours(1);
        assert_eq!(refused(future, id), ["checked_at"]);
    }

    #[test]
    fn a_check_in_is_judged_like_an_observation() {
        let at = |lat: f64| input(lat, PositionSource::Gps).position;
        let point = SiteGeometry::point(LonLat::parse(120.11, 30.27).unwrap());
        assert_eq!(judge(&point, Some(&at(30.2701))).0, Verdict::OnSite);
        assert_eq!(judge(&point, Some(&at(30.30))).0, Verdict::OffSite);
    }

    #[test]
    fn report_text_is_trimmed_bounded_and_free_of_control_characters() {
        let t = ReportText::parse("  本次视察共走访 3 个点位。\r\n第二段 ", "").unwrap();
        assert_eq!(t.summary, "本次视察共走访 3 个点位。\n第二段");
        assert_eq!(t.conclusions, "");
        let long = "字".repeat(MAX_REPORT_CHARS + 1);
        assert_eq!(
            ReportText::parse("", &long),
            Err(ReportTextError::TooLong("report_conclusions"))
        );
        assert!(ReportText::parse(&"字".repeat(MAX_REPORT_CHARS), "").is_ok());
        let e = ReportText::parse("a\u{0}b", "").unwrap_err();
        assert_eq!(e.field(), "report_summary");
        assert_eq!(ReportText::parse("a\tb", "").unwrap().summary, "a\tb");
    }

    #[test]
    fn a_report_text_is_set_a_paragraph_per_line_and_presence_is_a_check_in() {
        let p: Vec<&str> = paragraphs("第一段\n\n  第二段  \n").collect();
        assert_eq!(p, ["第一段", "第二段"]);
        assert_eq!(paragraphs(" \n").count(), 0);
        assert!(present(1));
        assert!(!present(0));
    }
}
