//! Server functions of progress: reading a sub-item's reports (any signed-in role), querying a
//! report (staff), the margin (staff) and the dashboard's schedule table (staff). Filing a
//! report carries photos, so it is an endpoint of its own (`server/src/progress.rs`).

use leptos::prelude::*;
use uuid::Uuid;

use super::{Risks, SubItemProgress};
use crate::error::AppError;

#[cfg(feature = "ssr")]
fn field(e: crate::domain::record::FieldError) -> AppError {
    AppError::invalid(&e.field, e.message)
}

#[server(endpoint = "progress/sub-item")]
pub async fn get_progress(sub_item: Uuid, page: Option<u32>) -> Result<SubItemProgress, AppError> {
    crate::ssr::run(async move {
        let user = crate::auth::ssr::require(|_| true).await?;
        crate::ssr::db()?
            .sub_item_progress(
                sub_item,
                &user,
                crate::ssr::today(),
                page.unwrap_or(0).min(10_000),
                super::REPORTS_PAGE,
            )
            .await?
            .ok_or_else(|| AppError::not_found("sub-item"))
    })
    .await
}

/// Staff say what is wrong with a report's figures; the unit's officers are told.
#[server(endpoint = "progress/query")]
pub async fn query_progress(report: Uuid, reason: String) -> Result<(), AppError> {
    crate::ssr::run(async move {
        let user = crate::auth::ssr::require(|u| u.role.is_staff()).await?;
        let reason = crate::domain::progress::parse_query_reason(&reason).map_err(field)?;
        crate::ssr::db()?
            .query_progress(report, &reason, user.id)
            .await?
            .ok_or_else(|| AppError::not_found("report"))?;
        Ok(())
    })
    .await
}

/// How far behind the time elapsed a sub-item may be before it counts as behind.
#[server(endpoint = "progress/margin")]
pub async fn set_margin(margin: String) -> Result<(), AppError> {
    crate::ssr::run(async move {
        crate::auth::ssr::require(|u| u.role.is_staff()).await?;
        let margin = crate::domain::progress::parse_margin(&margin).map_err(field)?;
        crate::ssr::db()?.set_progress_margin(margin).await
    })
    .await
}

#[server(endpoint = "progress/risks")]
pub async fn get_risks() -> Result<Risks, AppError> {
    crate::ssr::run(async move {
        crate::auth::ssr::require(|u| u.role.is_staff()).await?;
        crate::ssr::db()?.progress_risks(crate::ssr::today()).await
    })
    .await
}

/// Sets a site's state (planned, under construction, in service, closed): an officer of its
/// sub-item's lead unit as the work goes on, or staff correcting it. `true` when it changed.
#[server(endpoint = "progress/site-state")]
pub async fn set_site_state(site: Uuid, state: String) -> Result<bool, AppError> {
    crate::ssr::run(async move {
        let user = crate::auth::ssr::require(|_| true).await?;
        let db = crate::ssr::db()?;
        let (_, unit) = db
            .site_state_scope(site)
            .await?
            .ok_or_else(|| AppError::not_found("site"))?;
        if !crate::domain::progress::may_set_site_state(user.role, user.unit_id, unit) {
            return Err(AppError::forbidden());
        }
        let state = crate::domain::progress::SiteState::parse(&state).map_err(field)?;
        let changed = db.set_site_state(site, state, user.id).await?;
        if changed {
            // The site's page and the public plan say where the site is.
            crate::ssr::public_pages_changed().await?;
        }
        Ok(changed)
    })
    .await
}
