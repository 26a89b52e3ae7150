//! Catalogue reads. Any signed-in role may read the structure of the year's projects (it is
//! published by the government anyway); the public reads sites through their QR pages instead.

use leptos::prelude::*;
use uuid::Uuid;

use super::{
    MySites, MyUnit, ProjectDetail, ProjectSummary, SiteDetail, SubItemDetail, YearFigures,
};
use crate::error::AppError;

#[cfg(feature = "ssr")]
async fn signed_in() -> Result<crate::store::users::UserRecord, AppError> {
    crate::auth::ssr::require(|_| true).await
}

#[server(endpoint = "catalogue/year")]
pub async fn get_year_figures() -> Result<Option<YearFigures>, AppError> {
    crate::ssr::run(async {
        signed_in().await?;
        let db = crate::ssr::db()?;
        match db.current_year().await? {
            Some(year) => Ok(Some(db.year_figures(year).await?)),
            None => Ok(None),
        }
    })
    .await
}

/// The projects of `year`, or of the newest year when none is named: last year's plan stays
/// readable beside the new one.
#[server(endpoint = "catalogue/projects")]
pub async fn list_projects(year: Option<i32>) -> Result<Vec<ProjectSummary>, AppError> {
    crate::ssr::run(async move {
        signed_in().await?;
        let db = crate::ssr::db()?;
        match year {
            Some(y) => db.list_projects(y).await,
            None => match db.current_year().await? {
                Some(y) => db.list_projects(y).await,
                None => Ok(vec![]),
            },
        }
    })
    .await
}

/// Every year that has a plan, newest first.
#[server(endpoint = "catalogue/years")]
pub async fn list_years() -> Result<Vec<i32>, AppError> {
    crate::ssr::run(async {
        signed_in().await?;
        crate::ssr::db()?.plan_years().await
    })
    .await
}

#[server(endpoint = "catalogue/project")]
pub async fn get_project(id: Uuid) -> Result<ProjectDetail, AppError> {
    crate::ssr::run(async move {
        signed_in().await?;
        crate::ssr::db()?.project(id).await
    })
    .await
}

#[server(endpoint = "catalogue/sub-item")]
pub async fn get_sub_item(id: Uuid) -> Result<SubItemDetail, AppError> {
    crate::ssr::run(async move {
        signed_in().await?;
        crate::ssr::db()?.sub_item(id).await
    })
    .await
}

#[server(endpoint = "catalogue/site")]
pub async fn get_site(id: Uuid) -> Result<SiteDetail, AppError> {
    crate::ssr::run(async move {
        let user = signed_in().await?;
        let db = crate::ssr::db()?;
        let mut site = db.site(id).await?;
        if let Some(deputy) = user.deputy_id {
            site.yours_to_supervise = db.deputy_follows_site(deputy, id).await?;
        }
        site.may_set_state =
            crate::domain::progress::may_set_site_state(user.role, user.unit_id, site.lead_unit_id);
        Ok(site)
    })
    .await
}

/// A deputy's sites: those of the units their supervision group follows.
#[server(endpoint = "catalogue/my-sites")]
pub async fn get_my_sites() -> Result<MySites, AppError> {
    use crate::domain::Role;
    crate::ssr::run(async {
        let user = crate::auth::ssr::require(|u| u.role == Role::Deputy).await?;
        let deputy = user.deputy_id.ok_or_else(AppError::forbidden)?;
        crate::ssr::db()?.my_sites(deputy).await
    })
    .await
}

/// A unit officer's sub-items: those their unit leads.
#[server(endpoint = "catalogue/my-unit")]
pub async fn get_my_unit() -> Result<MyUnit, AppError> {
    use crate::domain::Role;
    crate::ssr::run(async {
        let user = crate::auth::ssr::require(|u| u.role == Role::UnitOfficer).await?;
        let unit = user.unit_id.ok_or_else(AppError::forbidden)?;
        crate::ssr::db()?.my_unit(unit, crate::ssr::today()).await
    })
    .await
}
