//! Good-practice cases (典型案例): staff promote a deputy's "good practice" observation from the
//! review queue, publish or withdraw it, list and export them; the public sees the published
//! ones on the site and plan pages (`pages::CaseCards`).

pub mod pages;

use leptos::prelude::*;
use uuid::Uuid;

use crate::case_rows::CasePage;
use crate::error::AppError;

/// The export of a year's cases (staff), `?year=`.
pub const EXPORT_URL: &str = "/cases/export.xlsx";

/// Promotes an observation waiting for review. `publish` is the form's checkbox: present (any
/// value) publishes at once.
#[server(endpoint = "cases/promote")]
pub async fn promote_observation(
    observation: Uuid,
    title: String,
    body: String,
    level: String,
    publish: Option<String>,
) -> Result<Uuid, AppError> {
    crate::ssr::run(async move {
        let user = crate::auth::ssr::require(|u| u.role.is_staff()).await?;
        let text = crate::domain::case::CaseText::parse(&title, &body, &level)
            .map_err(|e| AppError::invalid(e.field(), e.to_string()))?;
        let published = publish.is_some();
        let id = crate::ssr::db()?
            .promote_observation(observation, &text, published, user.id)
            .await?;
        if published {
            crate::ssr::public_pages_changed().await?;
        }
        crate::ssr::form_says("promoted", id);
        Ok(id)
    })
    .await
}

/// Publishes (`published` = `true`) or withdraws (`false`) a case.
#[server(endpoint = "cases/publish")]
pub async fn publish_case(case: Uuid, published: String) -> Result<(), AppError> {
    crate::ssr::run(async move {
        let user = crate::auth::ssr::require(|u| u.role.is_staff()).await?;
        let published = match published.as_str() {
            "true" => true,
            "false" => false,
            _ => {
                return Err(AppError::invalid(
                    "published",
                    "say true to publish or false to withdraw",
                ))
            }
        };
        crate::ssr::db()?
            .set_case_published(case, published, user.id)
            .await?;
        // The public pages kept in memory showed the case, or must now show it.
        crate::ssr::public_pages_changed().await?;
        Ok(())
    })
    .await
}

/// The staff's list: a year's (all years when none) or one project's, newest first, a page at a
/// time with the total.
#[server(endpoint = "cases/list")]
pub async fn list_cases(
    year: Option<i32>,
    project: Option<i32>,
    page: Option<u32>,
) -> Result<CasePage, AppError> {
    crate::ssr::run(async move {
        crate::auth::ssr::require(|u| u.role.is_staff()).await?;
        let db = crate::ssr::db()?;
        let page = page.unwrap_or(0).min(100_000);
        let list = db
            .list_cases(year, project, page, crate::domain::case::CASES_PAGE)
            .await?;
        let years = db.case_years().await?;
        Ok(CasePage { list, years })
    })
    .await
}
