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
    /// A phone may hold a list kept before sites had states.
    #[cfg_attr(feature = "ssr", sqlx(try_from = "String"))]
    #[serde(default)]
    pub state: crate::domain::progress::SiteState,
    /// So that the phone can tell the distance to each site without a network.
    #[cfg_attr(feature = "ssr", sqlx(json))]
    pub geometry: SiteGeometry,
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
    /// False once staff have deactivated the site: it takes no more public comments.
    pub active: bool,
    #[cfg_attr(feature = "ssr", sqlx(try_from = "String"))]
    pub state: crate::domain::progress::SiteState,
    pub lead_unit_id: Uuid,
    /// True when the reader is a deputy whose group follows this site's unit: only they may
    /// record observations here (the server checks it again on every observation).
    #[cfg_attr(feature = "ssr", sqlx(default))]
    #[serde(default)]
    pub yours_to_supervise: bool,
    /// True when the reader may set the site's state (`domain::progress::may_set_site_state`).
    #[cfg_attr(feature = "ssr", sqlx(default))]
    #[serde(default)]
    pub may_set_state: bool,
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
    pub today: NaiveDate,
}

impl MyUnit {
    /// The pages an officer needs at a site with no signal: this page, the outbox, and each
    /// sub-item still running or past its deadline by less than a year (overdue work is still
    /// reported on); older years' stay online only.
    pub fn kept_offline(&self) -> Vec<String> {
        let since = self.today - chrono::Days::new(365);
        let mut urls = vec!["/my/unit".to_owned(), "/outbox".to_owned()];
        urls.extend(
            self.sub_items
                .iter()
                .filter(|s| s.deadline >= since)
                .map(|s| format!("/sub-items/{}", s.id)),
        );
        urls
    }
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

/// Distances as a person reads them: metres up to a kilometre, then kilometres.
pub fn format_distance(m: f64) -> String {
    if m < 1000.0 {
        format!("{:.0} m", m)
    } else {
        format!("{:.1} km", m / 1000.0)
    }
}

/// The sites nearest to a position, nearest first, with their distances in metres.
pub fn nearest(sites: &[SiteSummary], lat: f64, lon: f64, n: usize) -> Vec<(&SiteSummary, f64)> {
    let mut with_d: Vec<_> = sites
        .iter()
        .map(|s| {
            (
                s,
                crate::domain::verdict::distance_to_site_m(&s.geometry, lat, lon),
            )
        })
        .collect();
    with_d.sort_by(|a, b| a.1.total_cmp(&b.1));
    with_d.truncate(n);
    with_d
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

    #[test]
    fn an_officer_keeps_the_sub_items_still_worked_on() {
        let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let sub = |n: u128, deadline: &str| SubItemSummary {
            id: Uuid::from_u128(n),
            project_id: Uuid::nil(),
            number: n as i32,
            title_zh: String::new(),
            title_en: String::new(),
            lead_unit_id: Uuid::nil(),
            lead_unit_zh: String::new(),
            lead_unit_en: String::new(),
            target_quantity: 1,
            target_unit_zh: String::new(),
            target_unit_en: String::new(),
            deadline: day(deadline),
            budget_yuan: 0,
            site_count: 0,
        };
        let unit = MyUnit {
            unit: UnitRef {
                id: Uuid::nil(),
                name_zh: String::new(),
                name_en: String::new(),
            },
            sub_items: vec![
                sub(1, "2026-12-31"),
                sub(2, "2025-12-06"),
                sub(3, "2025-12-05"),
            ],
            today: day("2026-12-06"),
        };
        assert_eq!(
            unit.kept_offline(),
            [
                "/my/unit".to_owned(),
                "/outbox".to_owned(),
                format!("/sub-items/{}", Uuid::from_u128(1)),
                format!("/sub-items/{}", Uuid::from_u128(2)),
            ]
        );
    }

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
            state: Default::default(),
            geometry: SiteGeometry::Point([120.16, 30.27]),
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
    fn nearest_sites_come_first_and_distances_read_well() {
        let mut a = site("近", "AAAAAAA");
        a.geometry = SiteGeometry::Point([120.16, 30.27]);
        let mut b = site("远", "BBBBBBB");
        b.geometry = SiteGeometry::Point([120.26, 30.27]);
        let list = [b, a];
        let got = nearest(&list, 30.2705, 120.16, 5);
        assert_eq!(got[0].0.name_zh, "近");
        assert!(got[0].1 < 100.0 && got[1].1 > 9000.0);
        assert_eq!(nearest(&list, 30.27, 120.16, 1).len(), 1);
        assert_eq!(format_distance(56.4), "56 m");
        assert_eq!(format_distance(1234.0), "1.2 km");
    }

    #[test]
    fn budgets_print_in_wan_yuan() {
        assert_eq!(format_wan_yuan(12_000_000), "1200");
        assert_eq!(format_wan_yuan(12_345_600), "1234.56");
        assert_eq!(format_wan_yuan(0), "0");
    }
}
