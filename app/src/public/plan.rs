//! The shapes of the public plan (`plan_pages.rs`): a year's sub-items as the city publishes
//! them, each with its latest reported progress and the public's rates, and a sub-item's sites.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::comment::Tally;
use crate::domain::SiteKind;
use crate::paged::Paged;

/// Sites on one page of a sub-item's list.
pub const PLAN_SITES_PAGE: u32 = 100;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct PublicSubItem {
    pub id: uuid::Uuid,
    pub project_number: i32,
    pub project_zh: String,
    pub project_en: String,
    pub project_summary_zh: String,
    pub project_summary_en: String,
    pub number: i32,
    pub title_zh: String,
    pub title_en: String,
    pub unit_zh: String,
    pub unit_en: String,
    pub target: i32,
    pub target_unit_zh: String,
    pub target_unit_en: String,
    pub deadline: NaiveDate,
    pub budget_yuan: i64,
    pub funds_government_yuan: Option<i64>,
    pub funds_residents_yuan: Option<i64>,
    pub funds_social_yuan: Option<i64>,
    pub site_count: i64,
    /// The latest report: quantity done, paid in all, and when.
    pub done: Option<i32>,
    pub paid_yuan: Option<i64>,
    pub reported_at: Option<DateTime<Utc>>,
    #[cfg_attr(feature = "ssr", sqlx(skip))]
    pub tally: Tally,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PublicPlan {
    pub year: Option<i32>,
    /// Every year with a plan, newest first.
    pub years: Vec<i32>,
    pub sub_items: Vec<PublicSubItem>,
    /// The year's published good-practice cases, in the plan's order.
    pub cases: Vec<crate::case_rows::PublicCase>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct PlanSite {
    pub public_code: String,
    pub name_zh: String,
    pub name_en: String,
    #[cfg_attr(feature = "ssr", sqlx(try_from = "String"))]
    pub kind: SiteKind,
    pub district_zh: String,
    pub district_en: String,
    pub active: bool,
    #[cfg_attr(feature = "ssr", sqlx(try_from = "String"))]
    pub state: crate::domain::progress::SiteState,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlanSites {
    pub year: i32,
    pub sub_item: PublicSubItem,
    pub sites: Paged<PlanSite>,
}

/// `3-2` → project 3, sub-item 2, as the plan numbers them.
pub fn parse_sub_ref(s: &str) -> Option<(i32, i32)> {
    let (p, n) = s.split_once('-')?;
    let ok = |x: &str| {
        (!x.is_empty()
            && x.len() <= 2
            && x.bytes().all(|b| b.is_ascii_digit())
            && !x.starts_with('0'))
        .then(|| x.parse::<i32>().ok())
        .flatten()
    };
    Some((ok(p)?, ok(n)?))
}

#[cfg(test)]
mod tests {
    use super::parse_sub_ref;

    #[test]
    fn a_sub_item_is_named_as_the_plan_numbers_it() {
        assert_eq!(parse_sub_ref("3-2"), Some((3, 2)));
        assert_eq!(parse_sub_ref("12-10"), Some((12, 10)));
        for bad in [
            "3", "3-", "-2", "03-2", "3-02", "3-2-1", "a-b", "100-1", "3–2",
        ] {
            assert_eq!(parse_sub_ref(bad), None, "{bad}");
        }
    }
}
