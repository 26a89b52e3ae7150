//! The shapes of good-practice cases, shared by the store (which fills them), the staff's case
//! list and the public pages (which show them).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::case::CaseLevel;

/// A case as the public sees it: no deputy, no staff, nothing unpublished.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct PublicCase {
    pub id: Uuid,
    pub title: String,
    pub body: String,
    #[cfg_attr(feature = "ssr", sqlx(try_from = "String"))]
    pub level: CaseLevel,
    pub site_code: String,
    pub site_name_zh: String,
    pub site_name_en: String,
    pub project_number: i32,
    pub project_title_zh: String,
    pub project_title_en: String,
    pub unit_name_zh: String,
    pub unit_name_en: String,
    /// SHA-256 of the observation's photos, in its order (served under the site's public code).
    pub photos: Vec<String>,
    pub created_at: DateTime<Utc>,
}

/// A case as staff list it: published or not, with the deputy it came from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct CaseRow {
    #[cfg_attr(feature = "ssr", sqlx(flatten))]
    pub case: PublicCase,
    pub year: i32,
    pub published: bool,
    pub observation_id: Uuid,
    pub site_id: Uuid,
    pub deputy_name: String,
    pub promoted_by: String,
}

/// One page of the staff's list (with how many match in all) and the years that have cases.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CasePage {
    pub list: crate::paged::Paged<CaseRow>,
    pub years: Vec<i32>,
}
