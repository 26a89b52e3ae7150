//! The shapes of the duty record, shared by the store (which fills them), the record's pages
//! and the roster's export.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::paged::Paged;

/// A deputy's figures for a period. Every count is of rows the deputy made in it: observations
/// by the day they were captured, ratings by the day they were given; the items are those made
/// from the period's observations, whenever they were made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct DutyFigures {
    pub sites: i64,
    pub problems: i64,
    pub suggestions: i64,
    pub good_practice: i64,
    /// Of the observations above, the ones staff dismissed.
    pub dismissed: i64,
    pub items: i64,
    /// Of those items, the ones verified and closed.
    pub items_closed: i64,
    pub ratings: i64,
    /// Inspections they checked in at or made an observation on in the period.
    pub inspections: i64,
}

impl DutyFigures {
    pub fn observations(&self) -> i64 {
        self.problems + self.suggestions + self.good_practice
    }

    /// Took part: observed, rated or went on an inspection in the period.
    pub fn took_part(&self) -> bool {
        self.observations() > 0 || self.ratings > 0 || self.inspections > 0
    }
}

/// One deputy of the roster with their figures. A deputy without an account is listed too
/// (with nothing done): the table is the roster, so no one is missing from "not yet".
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct DutyRow {
    pub deputy_id: Uuid,
    pub name_zh: String,
    pub delegation_zh: String,
    pub group_number: i32,
    pub group_name_zh: String,
    pub group_name_en: String,
    /// The deputy's account, if they have one (and whether it is still open).
    pub user_id: Option<Uuid>,
    pub active: Option<bool>,
    #[cfg_attr(feature = "ssr", sqlx(flatten))]
    pub figures: DutyFigures,
}

/// A supervision group, for the table's filter.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct DutyGroup {
    pub id: Uuid,
    pub number: i32,
    pub name_zh: String,
    pub name_en: String,
}

/// The staff's table: one page of the roster (with how many match), the figures summed over
/// every deputy that matches, and the groups to filter by.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DutyTable {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub list: Paged<DutyRow>,
    pub sums: DutyFigures,
    pub groups: Vec<DutyGroup>,
}

/// One observation in a deputy's record, with the item it went into and where that stands.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct DutyObservation {
    pub id: Uuid,
    pub captured_at: DateTime<Utc>,
    #[cfg_attr(feature = "ssr", sqlx(try_from = "String"))]
    pub kind: crate::domain::ObservationKind,
    pub status: String,
    pub note: String,
    pub site_id: Uuid,
    pub site_name_zh: String,
    pub site_name_en: String,
    #[cfg_attr(feature = "ssr", sqlx(try_from = "String"))]
    pub verdict: crate::domain::Verdict,
    pub item_id: Option<Uuid>,
    pub item_year: Option<i32>,
    pub item_number: Option<i32>,
    pub item_status: Option<String>,
}

/// One deputy's record for a period: their figures and their observations, a page at a time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DutyRecord {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub deputy: DutyRow,
    pub observations: Paged<DutyObservation>,
}
