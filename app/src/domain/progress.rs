//! A sub-item's progress as its unit reports it (the report's 产出指标): quantity done against the
//! target, funds paid by source against the budget, and how it stands against its deadline.
//! Pure: the officer's form is parsed here and the schedule risk is computed here, for the
//! dashboard, the sub-item's page and the public plan alike.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::record::{field_error, hex, parse_photo_hashes, FieldError, PhotoHash};
use super::registry::wan_to_yuan;

/// A report's note, in characters.
pub const MAX_NOTE_CHARS: usize = 2000;
/// Evidence photos with one report, as with an answer.
pub const MAX_PROGRESS_PHOTOS: usize = 6;
/// A query's reason, in characters.
pub const MAX_QUERY_CHARS: usize = 500;
/// The margin staff allow before a sub-item counts as behind, when they have set none.
pub const DEFAULT_BEHIND_MARGIN_PCT: i32 = 10;
/// A done quantity this many times the target is a typing slip, not over-achievement.
const MAX_TIMES_TARGET: i64 = 10;

/// Money paid so far, by source, in yuan (the plan's sources: government, the residents' share,
/// social capital).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Paid {
    pub government: i64,
    pub residents: i64,
    pub social: i64,
}

impl Paid {
    pub fn total(&self) -> i64 {
        self.government + self.residents + self.social
    }
}

/// One report as the officer's form sends it, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgressInput {
    pub quantity_done: i32,
    pub paid: Paid,
    pub note: String,
}

/// The form's fields as text, as a plain HTML form posts them.
#[derive(Debug, Clone, Default)]
pub struct ProgressForm<'a> {
    pub quantity_done: &'a str,
    pub paid_government: &'a str,
    pub paid_residents: &'a str,
    pub paid_social: &'a str,
    pub note: &'a str,
}

impl ProgressForm<'_> {
    /// Every field's rule; the first refused field is reported. Amounts are in 万元 as the plan
    /// publishes them (an empty amount is nothing paid from that source); the quantity is a
    /// whole number in the target's own unit, and at most ten times the target.
    pub fn parse(&self, target: i32) -> Result<ProgressInput, FieldError> {
        let q = self.quantity_done.trim().replace([',', '，'], "");
        let quantity_done: i64 = q.parse().map_err(|_| {
            field_error(
                "quantity_done",
                "write the quantity done so far as a whole number",
            )
        })?;
        let amount = |field: &'static str, s: &str| -> Result<i64, FieldError> {
            if s.trim().is_empty() {
                return Ok(0);
            }
            wan_to_yuan(s).ok_or_else(|| {
                field_error(
                    field,
                    "write the amount in 万元 with at most two decimals, e.g. 120.5",
                )
            })
        };
        let paid = Paid {
            government: amount("paid_government", self.paid_government)?,
            residents: amount("paid_residents", self.paid_residents)?,
            social: amount("paid_social", self.paid_social)?,
        };
        check(quantity_done, paid, self.note, target)
    }
}

/// The rules a report's figures keep however they arrive (the plain form's text, the outbox's
/// JSON): the first refused field is reported.
fn check(
    quantity_done: i64,
    paid: Paid,
    note: &str,
    target: i32,
) -> Result<ProgressInput, FieldError> {
    if quantity_done < 0 {
        return Err(field_error(
            "quantity_done",
            "the quantity done cannot be negative",
        ));
    }
    if quantity_done > i64::from(target.max(1)) * MAX_TIMES_TARGET {
        return Err(field_error(
            "quantity_done",
            "the quantity done is more than ten times the target: check the figure",
        ));
    }
    for (field, v) in [
        ("paid_government", paid.government),
        ("paid_residents", paid.residents),
        ("paid_social", paid.social),
    ] {
        if !(0..=MAX_PAID_YUAN).contains(&v) {
            return Err(field_error(
                field,
                "the amount is negative or beyond any plan's budget",
            ));
        }
    }
    let note = note.trim();
    if note.chars().count() > MAX_NOTE_CHARS {
        return Err(field_error(
            "progress_note",
            "the note is longer than 2000 characters",
        ));
    }
    if note
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
    {
        return Err(field_error(
            "progress_note",
            "the note contains control characters",
        ));
    }
    Ok(ProgressInput {
        quantity_done: quantity_done as i32,
        paid,
        note: note.to_owned(),
    })
}

/// The largest amount a form can say (nine digits of 万元), in yuan.
const MAX_PAID_YUAN: i64 = 999_999_999 * 10_000 + 9_999;

/// A report as it travels from the phone's outbox (the body of
/// `PUT /api/v1/sub-items/{sub_item}/progress/{id}`): the form's figures already read on the
/// phone (amounts in yuan), checked again on the server against the sub-item's target. The id
/// is made on the phone, so a resend after a lost acknowledgement is recognised, never filed
/// twice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ProgressWire {
    /// The quantity done so far, in the target's unit.
    pub quantity_done: i64,
    #[serde(default)]
    pub paid_government_yuan: i64,
    #[serde(default)]
    pub paid_residents_yuan: i64,
    #[serde(default)]
    pub paid_social_yuan: i64,
    #[serde(default)]
    pub note: String,
    /// SHA-256 (hex) of each evidence photo, uploaded first with `PUT /api/v1/photos/{sha256}`.
    #[serde(default)]
    pub photos: Vec<String>,
}

impl ProgressInput {
    /// The checked figures as the outbox keeps and sends them, with the photos' hashes.
    pub fn to_wire(&self, photos: Vec<String>) -> ProgressWire {
        ProgressWire {
            quantity_done: i64::from(self.quantity_done),
            paid_government_yuan: self.paid.government,
            paid_residents_yuan: self.paid.residents,
            paid_social_yuan: self.paid.social,
            note: self.note.clone(),
            photos,
        }
    }
}

/// A report from the outbox that passed every rule. Only [`DeviceProgress::parse`] makes one.
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceProgress {
    pub id: Uuid,
    pub sub_item_id: Uuid,
    pub input: ProgressInput,
    pub photos: Vec<PhotoHash>,
}

impl DeviceProgress {
    /// The id's and the photos' rules all at once, then the figures' first refusal.
    pub fn parse(
        id: Uuid,
        sub_item_id: Uuid,
        wire: &ProgressWire,
        target: i32,
    ) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        if id.get_version_num() != 7 {
            errors.push(field_error(
                "id",
                "the id must be a UUIDv7 made on the device",
            ));
        }
        let photos = parse_photo_hashes(&wire.photos, MAX_PROGRESS_PHOTOS, &mut errors);
        let paid = Paid {
            government: wire.paid_government_yuan,
            residents: wire.paid_residents_yuan,
            social: wire.paid_social_yuan,
        };
        match check(wire.quantity_done, paid, &wire.note, target) {
            Ok(input) if errors.is_empty() => Ok(Self {
                id,
                sub_item_id,
                input,
                photos,
            }),
            Ok(_) => Err(errors),
            Err(e) => {
                errors.push(e);
                Err(errors)
            }
        }
    }

    /// Everything the officer reported, for telling a resend (same fingerprint: 200) from
    /// another report under a used id (409).
    pub fn fingerprint(&self) -> String {
        let canonical = serde_json::json!({
            "sub_item": self.sub_item_id,
            "quantity_done": self.input.quantity_done,
            "paid": [self.input.paid.government, self.input.paid.residents, self.input.paid.social],
            "note": self.input.note,
            "photos": self.photos.iter().map(PhotoHash::as_str).collect::<Vec<_>>(),
        });
        hex(&Sha256::digest(canonical.to_string().as_bytes()))
    }

    pub fn photo_hashes(&self) -> Vec<String> {
        self.photos.iter().map(|h| h.as_str().to_owned()).collect()
    }
}

/// A query's reason: staff say what is wrong with a figure.
pub fn parse_query_reason(s: &str) -> Result<String, FieldError> {
    let s = s.trim();
    if s.is_empty() {
        return Err(field_error(
            "query_reason",
            "say what is wrong with the figure",
        ));
    }
    if s.chars().count() > MAX_QUERY_CHARS {
        return Err(field_error(
            "query_reason",
            "the reason is longer than 500 characters",
        ));
    }
    Ok(s.to_owned())
}

/// The margin staff allow, in whole percentage points of the year, as typed.
pub fn parse_margin(typed: &str) -> Result<i32, FieldError> {
    match typed
        .trim()
        .trim_end_matches(['%', '％'])
        .trim()
        .parse::<i32>()
    {
        Ok(pct) if (0..=50).contains(&pct) => Ok(pct),
        _ => Err(field_error(
            "margin",
            "the margin is a whole number of percentage points from 0 to 50",
        )),
    }
}

/// Where a site is in its life: planned, being built, in service, or closed. The unit reports
/// it as the work goes on; a site in service counts as finished in the sub-item's figures. Any
/// state may follow any other (a site reopened after a closure, a slip corrected), and every
/// change is kept with who made it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SiteState {
    #[default]
    Planned,
    UnderConstruction,
    InService,
    Closed,
}

impl SiteState {
    pub const ALL: [SiteState; 4] = [
        SiteState::Planned,
        SiteState::UnderConstruction,
        SiteState::InService,
        SiteState::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SiteState::Planned => "planned",
            SiteState::UnderConstruction => "under_construction",
            SiteState::InService => "in_service",
            SiteState::Closed => "closed",
        }
    }

    /// The state as a form or the database sends it; anything else is refused with the field.
    pub fn parse(s: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|st| st.as_str() == s.trim())
            .ok_or_else(|| {
                field_error(
                    "site_state",
                    "choose planned, under construction, in service or closed",
                )
            })
    }

    /// Whether the site's work is done: it serves, or it has served and closed.
    pub fn finished(self) -> bool {
        matches!(self, SiteState::InService | SiteState::Closed)
    }
}

/// Who sets a site's state: the officers of its sub-item's lead unit, as the work goes on, and
/// staff, correcting it. Deputies and the public only read it.
/// Who files a sub-item's progress: the officers of its lead unit, and nobody else (staff query
/// a figure, they do not report one). The page's form, the multipart post and the outbox's
/// endpoint all ask this.
pub fn may_report(role: super::Role, own_unit: Option<uuid::Uuid>, lead_unit: uuid::Uuid) -> bool {
    role == super::Role::UnitOfficer && own_unit == Some(lead_unit)
}

pub fn may_set_site_state(
    role: super::Role,
    own_unit: Option<uuid::Uuid>,
    site_unit: uuid::Uuid,
) -> bool {
    role.is_staff() || (role == super::Role::UnitOfficer && own_unit == Some(site_unit))
}

impl TryFrom<String> for SiteState {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s).map_err(|_| format!("unknown site state {s:?}"))
    }
}

/// How a sub-item stands against its schedule, worst first (the dashboard sorts by it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Risk {
    /// The deadline has passed and the target is not reached.
    Overdue,
    /// The share done is below the share of the time elapsed, by more than the margin.
    Behind,
    OnTrack,
    /// The target is reached.
    Done,
}

impl Risk {
    pub const ALL: [Risk; 4] = [Risk::Overdue, Risk::Behind, Risk::OnTrack, Risk::Done];

    pub fn as_str(self) -> &'static str {
        match self {
            Risk::Overdue => "overdue",
            Risk::Behind => "behind",
            Risk::OnTrack => "on_track",
            Risk::Done => "done",
        }
    }

    pub fn parse(s: &str) -> Option<Risk> {
        Risk::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// The figures a sub-item's schedule is judged from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    /// The plan's year: its work is counted from the 1st of January.
    pub year: i32,
    pub deadline: NaiveDate,
    pub target: i32,
    /// The latest report's quantity; nothing reported counts as nothing done.
    pub done: Option<i32>,
}

impl Schedule {
    /// The first day of the plan's year, where the time elapsed is counted from.
    pub fn start(&self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, 1, 1).unwrap_or(self.deadline)
    }

    /// The share of the time from the start of the year to the deadline that has passed, in
    /// per mille, 0 to 1000. A deadline on or before the 1st of January is all elapsed.
    pub fn elapsed_permille(&self, today: NaiveDate) -> i64 {
        let span = (self.deadline - self.start()).num_days();
        if span <= 0 {
            return 1000;
        }
        let gone = (today - self.start()).num_days().clamp(0, span);
        gone * 1000 / span
    }

    /// The share of the target done, in per mille, capped at 1000.
    pub fn done_permille(&self) -> i64 {
        share_permille(self.done.unwrap_or(0), self.target)
    }

    /// Done when the target is reached; overdue after the deadline; behind when the share done
    /// trails the share of time elapsed by more than `margin_pct` points; on track otherwise.
    /// The deadline day itself still counts as in time.
    pub fn risk(&self, today: NaiveDate, margin_pct: i32) -> Risk {
        if self.done.unwrap_or(0) >= self.target {
            Risk::Done
        } else if today > self.deadline {
            Risk::Overdue
        } else if self.done_permille() + i64::from(margin_pct) * 10 < self.elapsed_permille(today) {
            Risk::Behind
        } else {
            Risk::OnTrack
        }
    }
}

/// The share of a target done, in per mille: a negative quantity counts as none, a target
/// below one as one, and more than the target as all of it. Every page that shows a share (the
/// schedule's risk, the public plan) reads it from here, so they cannot disagree.
pub fn share_permille(done: i32, target: i32) -> i64 {
    (i64::from(done.max(0)) * 1000 / i64::from(target.max(1))).min(1000)
}

/// A point in the chart's box, (x, y) from its top left.
pub type ChartPoint = (f64, f64);

/// A point of a burn-up chart: the day of a report and the quantity it gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BurnPoint {
    pub day: NaiveDate,
    pub done: i32,
}

/// The burn-up chart's geometry in a `width` × `height` box: the reported line (a step at each
/// report, held until `today` or the deadline, whichever is first) and the plan's straight line
/// from nothing at the start of the year to the target at the deadline. The vertical scale
/// reaches the larger of the target and the largest report.
pub fn burn_up(
    s: &Schedule,
    points: &[BurnPoint],
    today: NaiveDate,
    width: f64,
    height: f64,
) -> (Vec<ChartPoint>, [ChartPoint; 2]) {
    let start = s.start();
    // The deadline ends the chart, or today when it has passed (a year past it at most).
    let end = if s.deadline > start {
        s.deadline
            .max(today.min(s.deadline + chrono::Duration::days(365)))
    } else {
        start + chrono::Duration::days(1)
    };
    let span = (end - start).num_days().max(1) as f64;
    let top = points
        .iter()
        .map(|p| p.done)
        .chain(std::iter::once(s.target))
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let x = |d: NaiveDate| ((d - start).num_days().clamp(0, span as i64) as f64 / span) * width;
    let y = |q: i32| height - (f64::from(q.max(0)) / top) * height;
    let mut line = vec![(0.0, height)];
    let mut last = 0;
    let mut sorted: Vec<BurnPoint> = points.to_vec();
    sorted.sort_by_key(|p| p.day);
    for p in sorted {
        let px = x(p.day);
        line.push((px, y(last)));
        line.push((px, y(p.done)));
        last = p.done;
    }
    line.push((x(today.min(end)), y(last)));
    let plan = [(0.0, height), (x(s.deadline), y(s.target))];
    (line, plan)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn form<'a>(q: &'a str, g: &'a str) -> ProgressForm<'a> {
        ProgressForm {
            quantity_done: q,
            paid_government: g,
            ..Default::default()
        }
    }

    fn wire(q: i64) -> ProgressWire {
        ProgressWire {
            quantity_done: q,
            paid_government_yuan: 1_205_000,
            paid_residents_yuan: 0,
            paid_social_yuan: 0,
            note: " 已完工三成 ".into(),
            photos: vec!["a".repeat(64)],
        }
    }

    #[test]
    fn a_report_from_the_outbox_keeps_the_forms_rules() {
        let (id, sub) = (Uuid::now_v7(), Uuid::now_v7());
        let p = DeviceProgress::parse(id, sub, &wire(120), 400).unwrap();
        assert_eq!(p.input.quantity_done, 120);
        assert_eq!(p.input.paid.government, 1_205_000);
        assert_eq!(p.input.note, "已完工三成");
        // The phone reads the form as the server does, and what it queues parses back the same.
        let typed = ProgressForm {
            quantity_done: "120",
            paid_government: "120.5",
            note: " 已完工三成 ",
            ..Default::default()
        }
        .parse(400)
        .unwrap();
        let again = DeviceProgress::parse(id, sub, &typed.to_wire(p.photo_hashes()), 400).unwrap();
        assert_eq!(again, p);
        assert_eq!(again.fingerprint(), p.fingerprint());

        let fields = |w: &ProgressWire, id: Uuid| -> Vec<String> {
            DeviceProgress::parse(id, sub, w, 400)
                .unwrap_err()
                .into_iter()
                .map(|e| e.field)
                .collect()
        };
        assert_eq!(fields(&wire(4001), id), ["quantity_done"]);
        assert_eq!(fields(&wire(-1), id), ["quantity_done"]);
        assert_eq!(fields(&wire(1), Uuid::new_v4()), ["id"]);
        let mut w = wire(1);
        w.paid_social_yuan = -5;
        assert_eq!(fields(&w, id), ["paid_social"]);
        w.paid_social_yuan = MAX_PAID_YUAN + 1;
        assert_eq!(fields(&w, id), ["paid_social"]);
        let mut w = wire(1);
        w.photos = vec!["not a hash".into()];
        w.note = "x".repeat(MAX_NOTE_CHARS + 1);
        assert_eq!(
            fields(&w, Uuid::new_v4()),
            ["id", "photos", "progress_note"]
        );
        let mut w = wire(1);
        w.note = "bell\u{7}".into();
        assert_eq!(fields(&w, id), ["progress_note"]);
        w.note = "第一行\r\n第二行".into();
        assert!(DeviceProgress::parse(id, sub, &w, 400).is_ok());
        w.photos = (0..=MAX_PROGRESS_PHOTOS)
            .map(|i| format!("{i:064x}"))
            .collect();
        assert_eq!(fields(&w, id), ["photos"]);
    }

    #[test]
    fn only_the_lead_units_officers_report() {
        use crate::domain::Role;
        let (unit, other) = (Uuid::now_v7(), Uuid::now_v7());
        assert!(may_report(Role::UnitOfficer, Some(unit), unit));
        assert!(!may_report(Role::UnitOfficer, Some(other), unit));
        assert!(!may_report(Role::UnitOfficer, None, unit));
        for r in [Role::Staff, Role::Admin, Role::Deputy] {
            assert!(!may_report(r, Some(unit), unit), "{r:?}");
        }
    }

    #[test]
    fn a_fingerprint_tells_a_resend_from_another_report() {
        let (id, sub) = (Uuid::now_v7(), Uuid::now_v7());
        let p = DeviceProgress::parse(id, sub, &wire(120), 400).unwrap();
        let same = DeviceProgress::parse(id, sub, &wire(120), 400).unwrap();
        assert_eq!(p.fingerprint(), same.fingerprint());
        for other in [
            DeviceProgress::parse(id, sub, &wire(121), 400).unwrap(),
            DeviceProgress::parse(id, Uuid::now_v7(), &wire(120), 400).unwrap(),
            DeviceProgress::parse(
                id,
                sub,
                &ProgressWire {
                    paid_residents_yuan: 100,
                    ..wire(120)
                },
                400,
            )
            .unwrap(),
            DeviceProgress::parse(
                id,
                sub,
                &ProgressWire {
                    note: "另一句".into(),
                    ..wire(120)
                },
                400,
            )
            .unwrap(),
            DeviceProgress::parse(
                id,
                sub,
                &ProgressWire {
                    photos: vec![],
                    ..wire(120)
                },
                400,
            )
            .unwrap(),
        ] {
            assert_ne!(p.fingerprint(), other.fingerprint());
        }
    }

    #[test]
    fn a_report_parses_amounts_in_wan_and_a_whole_quantity() {
        let p = ProgressForm {
            quantity_done: " 312 ",
            paid_government: "120.5",
            paid_residents: "",
            paid_social: "3",
            note: "  四月完工 ",
        }
        .parse(400)
        .unwrap();
        assert_eq!(p.quantity_done, 312);
        assert_eq!(
            p.paid,
            Paid {
                government: 1_205_000,
                residents: 0,
                social: 30_000
            }
        );
        assert_eq!(p.paid.total(), 1_235_000);
        assert_eq!(p.note, "四月完工");
        assert_eq!(form("1,200", "").parse(400).unwrap().quantity_done, 1200);
    }

    #[test]
    fn a_report_refuses_what_cannot_be_a_figure() {
        for (q, g, field) in [
            ("", "", "quantity_done"),
            ("3.5", "", "quantity_done"),
            ("-1", "", "quantity_done"),
            ("4001", "", "quantity_done"),
            ("abc", "", "quantity_done"),
            ("10", "1.234", "paid_government"),
            ("10", "-3", "paid_government"),
            ("10", "1e5", "paid_government"),
        ] {
            assert_eq!(form(q, g).parse(400).unwrap_err().field, field, "{q} {g}");
        }
        assert_eq!(form("4000", "").parse(400).unwrap().quantity_done, 4000);
        let long = "字".repeat(MAX_NOTE_CHARS + 1);
        let f = ProgressForm {
            quantity_done: "1",
            note: &long,
            ..Default::default()
        };
        assert_eq!(f.parse(400).unwrap_err().field, "progress_note");
        let just = "字".repeat(MAX_NOTE_CHARS);
        let f = ProgressForm {
            quantity_done: "1",
            note: &just,
            ..Default::default()
        };
        assert!(f.parse(400).is_ok());
    }

    #[test]
    fn query_reasons_and_margins_have_bounds() {
        assert!(parse_query_reason("  ").is_err());
        assert_eq!(
            parse_query_reason(" 数字与现场不符 ").unwrap(),
            "数字与现场不符"
        );
        assert!(parse_query_reason(&"x".repeat(MAX_QUERY_CHARS + 1)).is_err());
        assert!(parse_margin("-1").is_err());
        assert!(parse_margin("51").is_err());
        assert!(parse_margin("5.5").is_err());
        assert!(parse_margin("").is_err());
        assert_eq!(parse_margin("0").unwrap(), 0);
        assert_eq!(parse_margin(" 15％").unwrap(), 15);
        assert_eq!(parse_margin("50").unwrap(), 50);
    }

    fn sched(done: Option<i32>) -> Schedule {
        // 2026 is not a leap year: the 1st of January to the 31st of December is 364 days.
        Schedule {
            year: 2026,
            deadline: d("2026-12-31"),
            target: 400,
            done,
        }
    }

    #[test]
    fn elapsed_time_is_counted_from_the_first_of_january_to_the_deadline() {
        let s = sched(None);
        assert_eq!(s.elapsed_permille(d("2025-12-01")), 0);
        assert_eq!(s.elapsed_permille(d("2026-01-01")), 0);
        assert_eq!(s.elapsed_permille(d("2026-07-02")), 500);
        assert_eq!(s.elapsed_permille(d("2026-12-31")), 1000);
        assert_eq!(s.elapsed_permille(d("2027-03-01")), 1000);
        let odd = Schedule {
            deadline: d("2026-01-01"),
            ..s
        };
        assert_eq!(odd.elapsed_permille(d("2026-01-01")), 1000);
    }

    #[test]
    fn site_states_round_trip_and_refuse_the_rest() {
        for st in SiteState::ALL {
            assert_eq!(SiteState::parse(st.as_str()), Ok(st));
        }
        assert_eq!(SiteState::parse(" in_service "), Ok(SiteState::InService));
        for bad in ["", "open", "IN_SERVICE", "in service"] {
            assert_eq!(SiteState::parse(bad).unwrap_err().field, "site_state");
        }
        assert!(!SiteState::Planned.finished() && !SiteState::UnderConstruction.finished());
        assert!(SiteState::InService.finished() && SiteState::Closed.finished());
        assert_eq!(SiteState::default(), SiteState::Planned);
    }

    #[test]
    fn the_lead_units_officers_and_staff_set_a_sites_state() {
        use crate::domain::Role;
        let (unit, other) = (uuid::Uuid::from_u128(1), uuid::Uuid::from_u128(2));
        assert!(may_set_site_state(Role::UnitOfficer, Some(unit), unit));
        assert!(!may_set_site_state(Role::UnitOfficer, Some(other), unit));
        assert!(!may_set_site_state(Role::UnitOfficer, None, unit));
        assert!(may_set_site_state(Role::Staff, None, unit));
        assert!(may_set_site_state(Role::Admin, None, unit));
        assert!(!may_set_site_state(Role::Deputy, Some(unit), unit));
    }

    #[test]
    fn share_is_bounded_both_ways() {
        assert_eq!(share_permille(312, 400), 780);
        assert_eq!(share_permille(-5, 400), 0);
        assert_eq!(share_permille(401, 400), 1000);
        assert_eq!(share_permille(3, 0), 1000);
        assert_eq!(share_permille(0, 0), 0);
        assert_eq!(share_permille(i32::MAX, 1), 1000);
    }

    #[test]
    fn risk_on_its_boundaries() {
        // Half the year gone (500 ‰); with a 10-point margin 400 ‰ done (160 of 400) is the
        // least that is on track.
        let mid = d("2026-07-02");
        assert_eq!(sched(Some(160)).risk(mid, 10), Risk::OnTrack);
        assert_eq!(sched(Some(159)).risk(mid, 10), Risk::Behind);
        assert_eq!(sched(None).risk(mid, 10), Risk::Behind);
        assert_eq!(sched(Some(199)).risk(mid, 0), Risk::Behind);
        assert_eq!(sched(Some(200)).risk(mid, 0), Risk::OnTrack);
        // Early in the year nothing done is still within the margin.
        assert_eq!(sched(None).risk(d("2026-01-20"), 10), Risk::OnTrack);
        // The deadline day is still in time; the day after is overdue unless done.
        assert_eq!(sched(Some(399)).risk(d("2026-12-31"), 10), Risk::OnTrack);
        assert_eq!(sched(Some(360)).risk(d("2026-12-31"), 10), Risk::OnTrack);
        assert_eq!(sched(Some(359)).risk(d("2026-12-31"), 10), Risk::Behind);
        assert_eq!(sched(Some(399)).risk(d("2027-01-01"), 10), Risk::Overdue);
        assert_eq!(sched(Some(400)).risk(d("2027-01-01"), 10), Risk::Done);
        assert_eq!(sched(Some(500)).risk(mid, 10), Risk::Done);
        assert!(Risk::Overdue < Risk::Behind && Risk::Behind < Risk::OnTrack);
    }

    #[test]
    fn burn_up_steps_at_each_report_and_stops_today() {
        let s = sched(Some(300));
        let points = [
            BurnPoint {
                day: d("2026-07-02"),
                done: 300,
            },
            BurnPoint {
                day: d("2026-04-02"),
                done: 100,
            },
        ];
        let (line, plan) = burn_up(&s, &points, d("2026-10-01"), 364.0, 100.0);
        assert_eq!(line.first(), Some(&(0.0, 100.0)));
        // Sorted by day: up to 100 on the 2nd of April (day 91), to 300 on the 2nd of July.
        assert_eq!(line[1], (91.0, 100.0));
        assert_eq!(line[2], (91.0, 75.0));
        assert_eq!(line[3], (182.0, 75.0));
        assert_eq!(line[4], (182.0, 25.0));
        assert_eq!(line.last(), Some(&(273.0, 25.0)));
        assert_eq!(plan, [(0.0, 100.0), (364.0, 0.0)]);
        // A report above the target raises the scale rather than leave the box.
        let over = [BurnPoint {
            day: d("2026-05-01"),
            done: 800,
        }];
        let (line, plan) = burn_up(&s, &over, d("2026-06-01"), 364.0, 100.0);
        assert!(line.iter().all(|&(_, y)| (0.0..=100.0).contains(&y)));
        assert_eq!(plan[1].1, 50.0);
    }
}
