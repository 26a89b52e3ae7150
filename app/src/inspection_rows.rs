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
