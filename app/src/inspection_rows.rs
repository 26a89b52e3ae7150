//! The shapes of inspections, shared by the store (which fills them), the staff's and the
//! deputies' pages.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::inspection::Phase;
use crate::domain::SiteGeometry;
use crate::paged::Paged;

/// An inspection in a list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct InspectionSummary {
    pub id: Uuid,
    pub title: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub leader_name: String,
    /// The groups' numbers, in order.
    pub groups: Vec<i32>,
    pub sites: i64,
    pub deputies: i64,
    /// Sites where at least one deputy checked in.
    pub sites_visited: i64,
    /// Observations made on it.
    pub findings: i64,
}

/// A page of inspections, with the day the phases are judged on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InspectionList {
    pub list: Paged<InspectionSummary>,
    pub today: NaiveDate,
}

/// A site on the route, in the order it is visited.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct RouteSite {
    pub position: i16,
    pub site_id: Uuid,
    pub name_zh: String,
    pub name_en: String,
    pub address_zh: String,
    pub public_code: String,
    #[cfg_attr(feature = "ssr", sqlx(json))]
    pub geometry: SiteGeometry,
    /// Check-ins here by anyone; on site or near by anyone (the site counts as visited).
    pub check_ins: i64,
    pub visited: bool,
    pub findings: i64,
    /// The reader's own latest check-in here (a deputy's view; staff see the people's).
    pub my_verdict: Option<String>,
    pub my_checked_at: Option<DateTime<Utc>>,
}

/// A deputy invited, with where they last checked in.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct InvitedDeputy {
    pub deputy_id: Uuid,
    pub name_zh: String,
    pub group_number: i32,
    pub is_leader: bool,
    pub has_account: bool,
    pub check_ins: i64,
    pub findings: i64,
    pub last_site_zh: Option<String>,
    pub last_site_en: Option<String>,
    pub last_verdict: Option<String>,
    pub last_at: Option<DateTime<Utc>>,
}

/// An observation made on the inspection.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Finding {
    pub id: Uuid,
    pub deputy_name: String,
    pub site_name_zh: String,
    pub site_name_en: String,
    pub kind: String,
    pub note: String,
    pub verdict: String,
    pub status: String,
    pub captured_at: DateTime<Utc>,
    pub photos: i64,
}

/// One inspection as its page shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InspectionDetail {
    pub summary: InspectionSummary,
    pub phase: Phase,
    pub today: NaiveDate,
    pub route: Vec<RouteSite>,
    pub deputies: Vec<InvitedDeputy>,
    pub findings: Paged<Finding>,
    /// The findings by kind (problems, suggestions, good practice) over the whole inspection,
    /// or, for a deputy, over their own.
    pub by_kind: [i64; 3],
    /// Staff see everyone's findings; a deputy their own.
    pub for_staff: bool,
}

/// A supervision group with its deputies: what the plan form offers to invite.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GroupRoster {
    pub id: Uuid,
    pub number: i32,
    pub name_zh: String,
    pub name_en: String,
    pub deputies: Vec<RosterDeputy>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct RosterDeputy {
    pub id: Uuid,
    pub name_zh: String,
    pub delegation_zh: String,
    pub has_account: bool,
}

/// A finding as the joint report lists it: under the unit responsible for its site, with its
/// photos (their SHA-256, in the order taken).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct ReportFinding {
    pub id: Uuid,
    pub unit_id: Uuid,
    pub unit_zh: String,
    pub unit_en: String,
    pub deputy_name: String,
    pub site_name_zh: String,
    pub site_name_en: String,
    pub public_code: String,
    pub kind: String,
    pub note: String,
    pub verdict: String,
    pub captured_at: DateTime<Utc>,
    pub photos: Vec<String>,
}

/// The findings of one responsible unit, problems first, with their counts by kind.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UnitFindings {
    pub unit_id: Uuid,
    pub unit_zh: String,
    pub unit_en: String,
    /// Problems, suggestions, good practice.
    pub by_kind: [i64; 3],
    pub findings: Vec<ReportFinding>,
}

/// The joint report of an inspection (联合视察报告): every table is read from the rows when it
/// is asked for; only the summary and conclusions are written by staff.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InspectionReport {
    pub summary: InspectionSummary,
    pub route: Vec<RouteSite>,
    pub deputies: Vec<InvitedDeputy>,
    /// Units in the order of their name, each with all its findings (a report is whole: no page).
    pub units: Vec<UnitFindings>,
    pub by_kind: [i64; 3],
    /// Findings staff dismissed in review, left out of the report.
    pub dismissed: i64,
    pub text: crate::domain::inspection::ReportText,
    /// Who saved the text last, and when; `None` before anyone has.
    pub written_by: Option<String>,
    pub written_at: Option<DateTime<Utc>>,
}

impl InspectionReport {
    /// Deputies present: those who checked in at least once.
    pub fn present(&self) -> usize {
        self.deputies
            .iter()
            .filter(|d| crate::domain::inspection::present(d.check_ins))
            .count()
    }

    pub fn visited(&self) -> usize {
        self.route.iter().filter(|r| r.visited).count()
    }

    pub fn photos(&self) -> usize {
        self.units
            .iter()
            .flat_map(|u| &u.findings)
            .map(|f| f.photos.len())
            .sum()
    }
}

/// Gathers findings already ordered by unit into one entry per unit, counting each kind.
pub fn by_unit(findings: Vec<ReportFinding>) -> Vec<UnitFindings> {
    let mut out: Vec<UnitFindings> = Vec::new();
    for f in findings {
        let k = match f.kind.as_str() {
            "problem" => 0,
            "suggestion" => 1,
            _ => 2,
        };
        match out.last_mut() {
            Some(u) if u.unit_id == f.unit_id => {
                u.by_kind[k] += 1;
                u.findings.push(f);
            }
            _ => {
                let mut by_kind = [0; 3];
                by_kind[k] = 1;
                out.push(UnitFindings {
                    unit_id: f.unit_id,
                    unit_zh: f.unit_zh.clone(),
                    unit_en: f.unit_en.clone(),
                    by_kind,
                    findings: vec![f],
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(unit: u128, kind: &str) -> ReportFinding {
        ReportFinding {
            id: Uuid::now_v7(),
            unit_id: Uuid::from_u128(unit),
            unit_zh: format!("单位{unit}"),
            unit_en: format!("Unit {unit}"),
            deputy_name: "代表".into(),
            site_name_zh: "点位".into(),
            site_name_en: "Site".into(),
            public_code: "A2B3C4D".into(),
            kind: kind.into(),
            note: String::new(),
            verdict: "on_site".into(),
            captured_at: Utc::now(),
            photos: vec![],
        }
    }

    #[test]
    fn findings_gather_under_their_unit_with_counts_by_kind() {
        let units = by_unit(vec![
            finding(1, "problem"),
            finding(1, "problem"),
            finding(1, "good_practice"),
            finding(2, "suggestion"),
        ]);
        assert_eq!(units.len(), 2);
        assert_eq!(units[0].by_kind, [2, 0, 1]);
        assert_eq!(units[0].findings.len(), 3);
        assert_eq!(units[1].by_kind, [0, 1, 0]);
        assert_eq!(units[1].unit_zh, "单位2");
        assert!(by_unit(vec![]).is_empty());
    }
}
