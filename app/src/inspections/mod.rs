//! Inspections (视察 / 督查): staff plan one (`/staff/inspections/new`) and follow it as it
//! happens (`/staff/inspections/{id}`); an invited deputy sees it in "my sites" and on their
//! phone as a route (`/inspections/{id}`), kept for use without a network, and checks in at each
//! site through the outbox (`check_in::CheckInButton`, `PUT /api/v1/inspections/…/check-ins/…`).
//! Staff write the joint report from it (`/staff/inspections/{id}/report`, printed or as Word).

#[cfg(feature = "hydrate")]
mod check_in;
pub mod pages;
pub mod report;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::AppError;
use crate::inspection_rows::{GroupRoster, InspectionDetail, InspectionList, InspectionReport};

/// What the plan form offers: every group, and the deputies of the ones chosen.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlanChoices {
    pub groups: Vec<crate::staff::GroupSummary>,
    pub chosen: Vec<GroupRoster>,
    pub today: chrono::NaiveDate,
}

#[cfg(feature = "ssr")]
fn ids(v: Option<Vec<String>>, field: &str) -> Result<Vec<Uuid>, AppError> {
    v.unwrap_or_default()
        .iter()
        .filter(|s| !s.trim().is_empty())
        .map(|s| Uuid::parse_str(s.trim()).map_err(|_| AppError::invalid(field, "not a valid id")))
        .collect()
}

/// The groups to choose from, with the deputies of those chosen (staff).
#[server(endpoint = "inspections/choices")]
pub async fn inspection_choices(group: Option<Vec<String>>) -> Result<PlanChoices, AppError> {
    crate::ssr::run(async move {
        crate::auth::ssr::require(|u| u.role.is_staff()).await?;
        let chosen = ids(group, "inspection_groups")?;
        if chosen.len() > 99 {
            return Err(AppError::invalid("inspection_groups", "too many groups"));
        }
        let db = crate::ssr::db()?;
        Ok(PlanChoices {
            groups: db.list_groups().await?,
            chosen: db.group_rosters(&chosen).await?,
            today: crate::ssr::today(),
        })
    })
    .await
}

/// Plans an inspection (staff). `sites` is the sites' codes in the order of the visit;
/// `deputies` the ones invited (the form's checkboxes), `leader` one of them.
#[server(endpoint = "inspections/plan")]
#[allow(clippy::too_many_arguments)]
pub async fn plan_inspection(
    title: String,
    starts_on: String,
    ends_on: String,
    groups: Option<Vec<String>>,
    sites: String,
    deputies: Option<Vec<String>>,
    leader: Option<String>,
) -> Result<Uuid, AppError> {
    use crate::domain::inspection::Plan;
    crate::ssr::run(async move {
        let user = crate::auth::ssr::require(|u| u.role.is_staff()).await?;
        // A refused plan comes back to its form with what was typed, and the code at fault.
        let keep = |bad: Option<String>| {
            crate::ssr::form_says("title", &title);
            crate::ssr::form_says("starts_on", &starts_on);
            crate::ssr::form_says("ends_on", &ends_on);
            crate::ssr::form_says("sites", &sites);
            if let Some(code) = bad {
                crate::ssr::form_says("site_code", code);
            }
        };
        let checked = (|| {
            let groups = ids(groups.clone(), "inspection_groups")?;
            let deputies = ids(deputies.clone(), "inspection_deputies")?;
            let leader = crate::ssr::optional_id(&leader, "inspection_leader")?;
            Ok::<_, AppError>((groups, deputies, leader))
        })();
        let (groups, deputies, leader) = match checked {
            Ok(v) => v,
            Err(e) => {
                keep(None);
                return Err(e);
            }
        };
        let refused = |e: crate::domain::inspection::PlanError| {
            use crate::domain::inspection::PlanError::*;
            let bad = match &e {
                RepeatedSite(c) | BadSiteCode(c) | UnknownSite(c) => Some(c.clone()),
                _ => None,
            };
            keep(bad);
            AppError::invalid(e.field(), e.to_string())
        };
        let plan = Plan::parse(
            &title, &starts_on, &ends_on, &groups, &sites, &deputies, leader,
        )
        .map_err(refused)?;
        let id = crate::ssr::db()?
            .plan_inspection(&plan, user.id)
            .await?
            .map_err(refused)?;
        crate::ssr::form_goes_to(&format!("/staff/inspections/{id}"));
        Ok(id)
    })
    .await
}

/// Inspections, latest first, a page at a time with the total: every one for staff, the ones
/// a deputy is invited to for them (`current`: only those not yet over). `staff_view` is the
/// staff's page asking: nobody else gets past it.
#[server(endpoint = "inspections/list")]
pub async fn list_inspections(
    page: Option<u32>,
    current: Option<bool>,
    staff_view: Option<bool>,
) -> Result<InspectionList, AppError> {
    use crate::domain::inspection::INSPECTIONS_PAGE;
    crate::ssr::run(async move {
        let user = crate::auth::ssr::require(|u| {
            crate::domain::inspection::may_open(
                u.role,
                u.deputy_id.is_some(),
                staff_view == Some(true),
            )
        })
        .await?;
        let deputy = if user.role.is_staff() {
            None
        } else {
            user.deputy_id
        };
        let today = crate::ssr::today();
        let page = page.unwrap_or(0).min(100_000);
        let list = crate::ssr::db()?
            .list_inspections(
                deputy,
                current.unwrap_or(false).then_some(today),
                page,
                INSPECTIONS_PAGE,
            )
            .await?;
        Ok(InspectionList { list, today })
    })
    .await
}

/// One inspection: staff see everyone's check-ins and findings; an invited deputy sees the
/// route with their own check-ins, who else is where, and their own findings (`staff_view`:
/// the staff's page, for staff only).
#[server(endpoint = "inspections/get")]
pub async fn get_inspection(
    id: String,
    page: Option<u32>,
    staff_view: Option<bool>,
) -> Result<InspectionDetail, AppError> {
    use crate::domain::inspection::{Phase, FINDINGS_PAGE};
    crate::ssr::run(async move {
        let user = crate::auth::ssr::require(|u| {
            crate::domain::inspection::may_open(
                u.role,
                u.deputy_id.is_some(),
                staff_view == Some(true),
            )
        })
        .await?;
        let id = crate::ssr::optional_id(&Some(id), "inspection")?
            .ok_or_else(|| AppError::not_found("inspection"))?;
        let db = crate::ssr::db()?;
        let for_staff = user.role.is_staff();
        if !for_staff {
            let invited = match user.deputy_id {
                Some(d) => db.is_invited(id, d).await?,
                None => false,
            };
            if !invited {
                return Err(AppError::forbidden());
            }
        }
        let summary = db
            .inspection_summary(id)
            .await?
            .ok_or_else(|| AppError::not_found("inspection"))?;
        let viewer = (!for_staff).then_some(user.id);
        let page = page.unwrap_or(0).min(100_000);
        let (findings, by_kind) = db
            .inspection_findings(id, viewer, page, FINDINGS_PAGE)
            .await?;
        let today = crate::ssr::today();
        Ok(InspectionDetail {
            phase: Phase::of(summary.starts_on, summary.ends_on, today),
            today,
            route: db.inspection_route(id, viewer).await?,
            deputies: db.inspection_deputies(id).await?,
            findings,
            by_kind,
            for_staff,
            summary,
        })
    })
    .await
}

/// Where the joint report is downloaded as a Word file (staff).
pub fn report_docx_url(id: Uuid) -> String {
    format!("/staff/inspections/{id}/report.docx")
}

/// The joint report of an inspection (staff): its tables read from the rows, its text as saved.
#[server(endpoint = "inspections/report")]
pub async fn get_inspection_report(id: String) -> Result<InspectionReport, AppError> {
    crate::ssr::run(async move {
        crate::auth::ssr::require(|u| u.role.is_staff()).await?;
        let id = crate::ssr::optional_id(&Some(id), "inspection")?
            .ok_or_else(|| AppError::not_found("inspection"))?;
        crate::ssr::db()?
            .inspection_report(id)
            .await?
            .ok_or_else(|| AppError::not_found("inspection"))
    })
    .await
}

/// Saves the report's summary and conclusions (staff): a plain form on the report, which comes
/// back to it, with what was typed when it is refused.
#[server(endpoint = "inspections/write_report")]
pub async fn write_inspection_report(
    id: String,
    summary: String,
    conclusions: String,
) -> Result<(), AppError> {
    use crate::domain::inspection::ReportText;
    crate::ssr::run(async move {
        let user = crate::auth::ssr::require(|u| u.role.is_staff()).await?;
        let id = crate::ssr::optional_id(&Some(id), "inspection")?
            .ok_or_else(|| AppError::not_found("inspection"))?;
        let text = ReportText::parse(&summary, &conclusions).map_err(|e| {
            // What was typed comes back in the answer's address: a short text does, a long one
            // would make an address servers refuse (the browser's Back still holds it).
            for (name, typed) in [("summary", &summary), ("conclusions", &conclusions)] {
                // 500 Chinese characters are about 4.5 KB once in the address.
                if typed.chars().count() <= 500 {
                    crate::ssr::form_says(name, typed);
                }
            }
            AppError::invalid(e.field(), e.to_string())
        })?;
        if !crate::ssr::db()?
            .save_inspection_report(id, &text, user.id)
            .await?
        {
            return Err(AppError::not_found("inspection"));
        }
        Ok(())
    })
    .await
}
