//! Projects → sub-items → sites, and the deputy's "my sites": pages and server functions.

pub mod api;
pub mod pages;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::{SiteGeometry, SiteKind};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct YearFigures {
    pub year: i32,
    pub projects: i64,
    pub sub_items: i64,
    pub sites: i64,
    pub units: i64,
    pub groups: i64,
    pub deputies: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct ProjectSummary {
    pub id: Uuid,
    pub year: i32,
    pub number: i32,
    pub title_zh: String,
    pub title_en: String,
    pub summary_zh: String,
    pub summary_en: String,
    pub sub_item_count: i64,
    pub site_count: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct SubItemSummary {
    pub id: Uuid,
    pub project_id: Uuid,
    pub number: i32,
    pub title_zh: String,
    pub title_en: String,
    pub lead_unit_id: Uuid,
    pub lead_unit_zh: String,
    pub lead_unit_en: String,
    pub target_quantity: i32,
    pub target_unit_zh: String,
    pub target_unit_en: String,
    pub deadline: NaiveDate,
    pub budget_yuan: i64,
    pub site_count: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProjectDetail {
    pub project: ProjectSummary,
    pub sub_items: Vec<SubItemSummary>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct SiteSummary {
    pub id: Uuid,
    pub name_zh: String,
    pub name_en: String,
    #[cfg_attr(feature = "ssr", sqlx(try_from = "String"))]
    pub kind: SiteKind,
    pub public_code: String,
    pub district_zh: String,
    pub district_en: String,
    pub sub_item_id: Uuid,
    pub sub_item_title_zh: String,
    pub sub_item_title_en: String,
    pub lead_unit_id: Uuid,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SubItemDetail {
    pub project: ProjectSummary,
    pub sub_item: SubItemSummary,
    pub sites: Vec<SiteSummary>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct SiteDetail {
    pub id: Uuid,
    pub name_zh: String,
    pub name_en: String,
    pub address_zh: String,
    #[cfg_attr(feature = "ssr", sqlx(try_from = "String"))]
    pub kind: SiteKind,
    pub public_code: String,
    pub district_zh: String,
    pub district_en: String,
    #[cfg_attr(feature = "ssr", sqlx(json))]
    pub geometry: SiteGeometry,
    pub project_id: Uuid,
    pub project_year: i32,
    pub project_number: i32,
    pub project_title_zh: String,
    pub project_title_en: String,
    pub sub_item_id: Uuid,
    pub sub_item_number: i32,
    pub sub_item_title_zh: String,
    pub sub_item_title_en: String,
    pub target_quantity: i32,
    pub target_unit_zh: String,
    pub target_unit_en: String,
    pub deadline: NaiveDate,
    pub budget_yuan: i64,
    pub lead_unit_zh: String,
    pub lead_unit_en: String,
    pub group_number: Option<i32>,
    pub group_name_zh: Option<String>,
    pub group_name_en: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct UnitRef {
    pub id: Uuid,
    pub name_zh: String,
    pub name_en: String,
}

/// A deputy's working set: the units their group supervises and those units' sites.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MySites {
    pub group_number: i32,
    pub group_name_zh: String,
    pub group_name_en: String,
    pub units: Vec<UnitRef>,
    pub sites: Vec<SiteSummary>,
}

/// What a unit officer sees first: the sub-items their unit leads.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MyUnit {
    pub unit: UnitRef,
    pub sub_items: Vec<SubItemSummary>,
}

/// Case-insensitive match on either name or the site code, for the "my sites" filter.
pub fn site_matches(site: &SiteSummary, query: &str) -> bool {
    let q = query.trim().to_lowercase();
    q.is_empty()
        || site.name_zh.to_lowercase().contains(&q)
        || site.name_en.to_lowercase().contains(&q)
        || site.public_code.to_lowercase() == q
        || site.district_zh.contains(&q)
}

/// Budgets are published in 万元 (10,000 yuan).
pub fn format_wan_yuan(yuan: i64) -> String {
    let wan = yuan as f64 / 10_000.0;
    if wan.fract().abs() < 1e-9 {
        format!("{wan:.0}")
    } else {
        format!("{wan:.2}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(name: &str, code: &str) -> SiteSummary {
        SiteSummary {
            id: Uuid::nil(),
            name_zh: name.into(),
            name_en: "Qianjiang Greenway".into(),
            kind: SiteKind::Greenway,
            public_code: code.into(),
            district_zh: "上城区".into(),
            district_en: "Shangcheng".into(),
            sub_item_id: Uuid::nil(),
            sub_item_title_zh: String::new(),
            sub_item_title_en: String::new(),
            lead_unit_id: Uuid::nil(),
        }
    }

    #[test]
    fn filter_matches_names_code_and_district() {
        let s = site("钱江绿道", "K7M2PQR");
        assert!(site_matches(&s, ""));
        assert!(site_matches(&s, "绿道"));
        assert!(site_matches(&s, "qianjiang"));
        assert!(site_matches(&s, "k7m2pqr"));
        assert!(site_matches(&s, "上城"));
        assert!(!site_matches(&s, "K7M2"));
        assert!(!site_matches(&s, "电梯"));
    }

    #[test]
    fn budgets_print_in_wan_yuan() {
        assert_eq!(format_wan_yuan(12_000_000), "1200");
        assert_eq!(format_wan_yuan(12_345_600), "1234.56");
        assert_eq!(format_wan_yuan(0), "0");
    }
}
