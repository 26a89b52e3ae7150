//! The public channel: the page behind a site's QR code, its comments and satisfaction figures,
//! and the staff side of it (moderation, posters, figures).
//!
//! The public page ships no wasm: a passer-by on a weak network in WeChat's browser reads and
//! comments through plain server-rendered HTML and a form post (handled in the server crate).

#[cfg(feature = "ssr")]
pub mod cache;
pub mod pages;
pub mod plan;
pub mod plan_pages;
pub mod receipt;
#[cfg(feature = "ssr")]
pub mod secret;
pub mod staff;
pub mod staff_pages;

use chrono::{DateTime, NaiveDate, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::catalogue::SiteDetail;
use crate::domain::comment::{CommentStatus, Satisfaction, Support, Tally};
#[cfg(feature = "ssr")]
use crate::domain::PublicCode;
use crate::error::AppError;

pub const COMMENTS_PER_PAGE: u32 = 20;
pub const QUEUE_PAGE: u32 = 50;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct PublicComment {
    pub id: Uuid,
    pub created_at: DateTime<Utc>,
    #[cfg_attr(feature = "ssr", sqlx(try_from = "String"))]
    pub satisfaction: Satisfaction,
    #[cfg_attr(feature = "ssr", sqlx(try_from = "String"))]
    pub support: Support,
    pub body: Option<String>,
    pub photo_sha256: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PublicSite {
    pub site: SiteDetail,
    pub tally: Tally,
    pub comments: Vec<PublicComment>,
    pub page: u32,
    pub has_more: bool,
    pub today: NaiveDate,
    /// The latest reported progress of the site's sub-item: quantity done and when.
    pub progress: Option<(i32, DateTime<Utc>)>,
    /// What the site's devices counted, when it has any in service.
    pub usage: Option<PublicUsage>,
    /// The site's published good-practice cases, newest first.
    pub cases: Vec<crate::case_rows::PublicCase>,
    /// The questionnaires open today that are shown at this site.
    pub questionnaires: Vec<crate::questionnaire_rows::QuestionnaireLink>,
}

/// The public's view of a site's use: the last [`crate::usage::USAGE_DAYS`] days summed, from
/// the daily roll-up (no device, label or token is shown).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct PublicUsage {
    pub devices: i64,
    pub uses: i64,
    pub last_day: Option<NaiveDate>,
}

/// What the person had typed, and why it was refused, when the no-JS form post fails: the page
/// is rendered again with it, so nothing typed is lost. Provided as context by the server.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CommentDraft {
    pub satisfaction: Option<String>,
    pub support: Option<String>,
    pub body: String,
    pub phone: String,
    pub consent: bool,
    pub error: Option<AppError>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct CommentForStaff {
    pub id: Uuid,
    pub created_at: DateTime<Utc>,
    #[cfg_attr(feature = "ssr", sqlx(try_from = "String"))]
    pub satisfaction: Satisfaction,
    #[cfg_attr(feature = "ssr", sqlx(try_from = "String"))]
    pub support: Support,
    pub body: Option<String>,
    pub photo_sha256: Option<String>,
    pub phone_masked: Option<String>,
    #[cfg_attr(feature = "ssr", sqlx(try_from = "String"))]
    pub status: CommentStatus,
    pub hide_reason: Option<String>,
    pub moderated_by: Option<String>,
    pub moderated_at: Option<DateTime<Utc>>,
    pub site_id: Uuid,
    pub site_name_zh: String,
    pub site_name_en: String,
    pub public_code: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FigureRow {
    pub project_id: Uuid,
    pub project_number: i32,
    pub project_zh: String,
    pub project_en: String,
    pub sub_item_id: Uuid,
    pub sub_item_number: i32,
    pub sub_item_zh: String,
    pub sub_item_en: String,
    pub tally: Tally,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct PosterSite {
    pub public_code: String,
    pub name_zh: String,
    pub name_en: String,
    #[cfg_attr(feature = "ssr", sqlx(try_from = "String"))]
    pub kind: crate::domain::SiteKind,
    pub project_number: i32,
    pub project_zh: String,
    pub project_en: String,
    pub sub_item_zh: String,
    pub sub_item_en: String,
    pub lead_unit_zh: String,
    pub lead_unit_en: String,
}

/// Open to everyone: what a site's QR code leads to.
#[server(endpoint = "public/site")]
pub async fn get_public_site(code: String, page: u32) -> Result<PublicSite, AppError> {
    crate::ssr::run(async move {
        let code = PublicCode::parse(&code).map_err(|_| AppError::not_found("site"))?;
        let db = crate::ssr::public_read_db().await?;
        let id = db.site_id_by_code(code.as_str()).await?;
        let site = db.site(id).await?;
        let tally = db.site_tally(id).await?;
        let page = page.min(1000);
        let (comments, has_more) = db.published_comments(id, page).await?;
        let progress = db.latest_progress(site.sub_item_id).await?;
        let today = crate::ssr::today();
        let since =
            today - chrono::Days::new(u64::from(crate::usage::USAGE_DAYS.unsigned_abs()) - 1);
        let usage = db.public_usage(id, since).await?;
        let cases = db.public_cases_of_site(id).await?;
        let questionnaires = db.open_questionnaires_at(id, today).await?;
        Ok(PublicSite {
            questionnaires,
            cases,
            progress,
            usage,
            site,
            tally,
            comments,
            page,
            has_more,
            today,
        })
    })
    .await
}

/// The address printed in a site's QR code.
pub fn public_url(base: &str, code: &str) -> String {
    format!("{}/s/{code}", base.trim_end_matches('/'))
}
