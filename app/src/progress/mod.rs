//! Progress against targets: what a unit reports per sub-item (quantity done, funds paid by
//! source, a note and photos), staff's queries of a figure, and where each sub-item stands
//! against its schedule. The rules are `domain::progress`; the SQL is `store::progress`; the
//! officer's report is a multipart form to `POST /sub-items/{id}/progress`
//! (`server/src/progress.rs`) without JavaScript, and with it goes through the phone's outbox
//! to `PUT /api/v1/sub-items/{id}/progress/{report}` (`device_report`, `server/src/api.rs`).

pub mod api;
#[cfg(feature = "hydrate")]
pub mod device_report;
pub mod pages;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::progress::{Paid, Risk, Schedule};
use crate::i18n::*;

/// A query staff made of a report's figures.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct ProgressQuery {
    pub id: i64,
    pub report_id: Uuid,
    pub reason: String,
    pub actor_name: String,
    pub at: DateTime<Utc>,
}

/// One report, as filed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProgressReport {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub author_name: String,
    pub quantity_done: i32,
    pub paid: Paid,
    pub note: String,
    pub photos: Vec<String>,
    pub queries: Vec<ProgressQuery>,
    /// The sub-item's sites finished (in service or closed), of how many, when it was filed;
    /// `None` for a report filed before sites had states.
    pub sites_finished: Option<i32>,
    pub sites_total: Option<i32>,
}

/// What the sub-item's page shows of its progress.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SubItemProgress {
    pub sub_item_id: Uuid,
    pub today: NaiveDate,
    pub year: i32,
    pub deadline: NaiveDate,
    pub target: i32,
    pub target_unit_zh: String,
    pub target_unit_en: String,
    pub budget_yuan: i64,
    /// Every report's day and quantity, oldest first, for the burn-up chart.
    pub points: Vec<crate::domain::progress::BurnPoint>,
    /// The latest report's figures.
    pub latest: Option<ProgressReport>,
    /// One page of reports, newest first, with the total.
    pub reports: crate::paged::Paged<ProgressReport>,
    pub margin_pct: i32,
    /// The sub-item's sites finished (in service or closed) now, of how many.
    pub sites_finished: i64,
    pub sites_total: i64,
    /// The viewer is an officer of the sub-item's lead unit.
    pub may_report: bool,
    /// The viewer is staff.
    pub may_query: bool,
}

impl SubItemProgress {
    pub fn schedule(&self) -> Schedule {
        Schedule {
            year: self.year,
            deadline: self.deadline,
            target: self.target,
            done: self.latest.as_ref().map(|r| r.quantity_done),
        }
    }

    pub fn risk(&self) -> Risk {
        self.schedule().risk(self.today, self.margin_pct)
    }
}

/// A sub-item on the dashboard's schedule table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct RiskRow {
    pub sub_item_id: Uuid,
    pub year: i32,
    pub project_number: i32,
    pub number: i32,
    pub title_zh: String,
    pub title_en: String,
    pub unit_id: Uuid,
    pub unit_zh: String,
    pub unit_en: String,
    pub group_number: Option<i32>,
    pub group_zh: Option<String>,
    pub group_en: Option<String>,
    pub target: i32,
    pub target_unit_zh: String,
    pub target_unit_en: String,
    pub deadline: NaiveDate,
    pub done: Option<i32>,
    pub reported_at: Option<DateTime<Utc>>,
    /// Queries of the latest report that no later report has answered.
    pub open_queries: i64,
}

impl RiskRow {
    pub fn schedule(&self) -> Schedule {
        Schedule {
            year: self.year,
            deadline: self.deadline,
            target: self.target,
            done: self.done,
        }
    }
}

/// A sub-item's line in the progress export: the published plan's columns (responsible unit,
/// quantified target, deadline, funds) beside the latest report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct ProgressExportRow {
    pub year: i32,
    pub project_number: i32,
    pub project_zh: String,
    pub number: i32,
    pub title_zh: String,
    pub unit_zh: String,
    pub group_zh: Option<String>,
    pub target: i32,
    pub target_unit_zh: String,
    pub deadline: NaiveDate,
    pub budget_yuan: i64,
    pub done: Option<i32>,
    pub paid_government_yuan: Option<i64>,
    pub paid_residents_yuan: Option<i64>,
    pub paid_social_yuan: Option<i64>,
    pub reported_at: Option<DateTime<Utc>>,
    pub reports: i64,
    pub open_queries: i64,
    pub sites_finished: i64,
    pub sites_total: i64,
}

impl ProgressExportRow {
    pub fn schedule(&self) -> Schedule {
        Schedule {
            year: self.year,
            deadline: self.deadline,
            target: self.target,
            done: self.done,
        }
    }
}

/// The dashboard's schedule table: the year's sub-items, worst first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Risks {
    pub today: NaiveDate,
    pub year: Option<i32>,
    pub margin_pct: i32,
    pub rows: Vec<(Risk, RiskRow)>,
}

/// Reports on one page of a sub-item.
pub const REPORTS_PAGE: u32 = 20;

/// The schedule state's words: the pages' and the export's (`server/src/export.rs`) alike.
pub fn risk_label(locale: impl Into<Locale>, r: Risk) -> &'static str {
    let locale: Locale = locale.into();
    match r {
        Risk::Overdue => td_string!(locale, progress.risk_overdue),
        Risk::Behind => td_string!(locale, progress.risk_behind),
        Risk::OnTrack => td_string!(locale, progress.risk_on_track),
        Risk::Done => td_string!(locale, progress.risk_done),
    }
}

/// Where a report sent from a sub-item's page stands.
#[derive(Clone, Debug, PartialEq)]
pub enum ReportProgress {
    Idle,
    Preparing,
    Sending,
    /// Kept on this phone; the sync engine sends it when there is a network.
    Queued,
    Failed(String),
}
