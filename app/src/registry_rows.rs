//! The registry's records as the editing pages show them (sites, the plan's sub-items, the
//! roster, the units and their groups), shared by the store that fills them and the pages.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::registry_edit::{FieldProblem, SiteHistory};
use crate::domain::{SiteGeometry, SiteKind};
use crate::paged::Paged;

/// Sites on one page of the sites list.
pub const SITES_PAGE: u32 = 50;
/// Deputies on one page of the roster.
pub const ROSTER_PAGE: u32 = 50;

/// What saving a form did: saved (the record's id), or every refused field with its reason.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SaveOutcome {
    Saved { id: Uuid },
    Refused { problems: Vec<FieldProblem> },
}

impl SaveOutcome {
    pub fn refused(problems: Vec<FieldProblem>) -> Self {
        SaveOutcome::Refused { problems }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct SiteListRow {
    pub id: Uuid,
    pub code: Option<String>,
    pub name_zh: String,
    #[cfg_attr(feature = "ssr", sqlx(try_from = "String"))]
    pub kind: SiteKind,
    pub district_zh: String,
    pub project_number: i32,
    pub sub_item_number: i32,
    pub public_code: String,
    pub active: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SiteList {
    pub year: Option<i32>,
    pub years: Vec<i32>,
    pub sites: Paged<SiteListRow>,
}

/// A sub-item a site can belong to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct SubItemOption {
    pub id: Uuid,
    pub year: i32,
    pub project_number: i32,
    pub number: i32,
    pub title_zh: String,
}

/// A site as its editing form starts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SiteForEdit {
    pub id: Uuid,
    pub sub_item_id: Uuid,
    pub code: Option<String>,
    pub name_zh: String,
    pub kind: SiteKind,
    pub district_zh: String,
    pub address_zh: String,
    pub geometry: SiteGeometry,
    pub public_code: String,
    pub active: bool,
    pub history: SiteHistory,
}

/// What the site form needs besides the site: the sub-items of every year and the districts
/// already known (offered, not imposed: a new district is made when named).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SiteEditPage {
    /// `None` for a new site.
    pub site: Option<SiteForEdit>,
    pub sub_items: Vec<SubItemOption>,
    pub districts: Vec<String>,
}

/// A sub-item as the plan's editing page shows it (amounts in yuan).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct PlanSubItem {
    pub id: Uuid,
    pub project_number: i32,
    pub project_title_zh: String,
    pub number: i32,
    pub title_zh: String,
    pub unit_zh: String,
    pub target_quantity: i32,
    pub target_unit_zh: String,
    pub deadline: NaiveDate,
    pub budget_yuan: i64,
    pub funds_government_yuan: Option<i64>,
    pub funds_residents_yuan: Option<i64>,
    pub funds_social_yuan: Option<i64>,
    pub site_count: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlanPage {
    pub year: Option<i32>,
    pub years: Vec<i32>,
    pub sub_items: Vec<PlanSubItem>,
    pub units: Vec<UnitRow>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct UnitRow {
    pub id: Uuid,
    pub name_zh: String,
    pub name_en: String,
    pub group_number: Option<i32>,
    pub sub_items: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct GroupOption {
    pub id: Uuid,
    pub number: i32,
    pub name_zh: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct RosterRow {
    pub id: Uuid,
    pub name_zh: String,
    pub delegation_zh: String,
    pub group_id: Uuid,
    pub group_number: i32,
    pub mobile_masked: Option<String>,
    pub username: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RosterPage {
    pub deputies: Paged<RosterRow>,
    pub groups: Vec<GroupOption>,
    pub units: Vec<UnitRow>,
}
