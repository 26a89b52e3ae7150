//! Editing the registry between imports, for Congress staff and administrators: sites (fields,
//! geometry typed, pasted or clicked on the map in a chosen coordinate system, deactivated or
//! removed), the plan's sub-items, the roster and the groups that follow each unit. Importing a
//! whole file stays the administrator's (`admin/registry.rs`); these forms change one record
//! and are checked by the same rules (`domain::registry_edit`).
// A form's fields are a server function's arguments.
#![allow(clippy::too_many_arguments)]

pub mod plan;
pub mod roster;
pub mod sites;

use leptos::prelude::*;
use uuid::Uuid;

/// What became of the last post of a registry form (server function `path`, form `key`), as
/// the page answering it says it: the refused fields, the error, or "saved" (with `ok_id`).
pub fn save_note(path: &str, key: Option<&str>, ok_id: &'static str) -> Option<AnyView> {
    use crate::i18n::*;
    use crate::ui::form::{result_of, said, FormResult};
    use crate::ui::IntoAnySync;
    let i18n = use_i18n();
    let zh = crate::ui::use_zh();
    let refused = said(path, key, "refused")
        .and_then(|json| serde_json::from_str::<Vec<FieldProblem>>(&json).ok());
    if let Some(problems) = refused {
        return Some(view! { <plan::Problems problems zh /> }.into_any_sync());
    }
    match result_of(path, key)? {
        FormResult::Failed(e) => Some(view! { <crate::ui::ErrorNotice error=e /> }.into_any_sync()),
        FormResult::Done => Some(
            view! { <p class="notice ok" id=ok_id role="status">{t!(i18n, edit.saved)}</p> }
                .into_any_sync(),
        ),
    }
}

use crate::error::AppError;
use crate::registry_rows::{PlanPage, RosterPage, SaveOutcome, SiteEditPage, SiteList};

use crate::domain::registry_edit::FieldProblem;
#[cfg(feature = "ssr")]
use crate::{
    domain::registry::{Field, Problem, RegistryFile, RegistryOutcome, Rows},
    domain::registry_edit::one_row,
    registry_rows::{ROSTER_PAGE, SITES_PAGE},
    store::users::UserRecord,
};

#[cfg(feature = "ssr")]
async fn editor() -> Result<UserRecord, AppError> {
    crate::auth::ssr::require(|u| u.role.can_edit_registry()).await
}

#[cfg(feature = "ssr")]
fn blank_to_none(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

#[cfg(feature = "ssr")]
fn optional_uuid(field: &str, raw: Option<String>) -> Result<Option<Uuid>, AppError> {
    blank_to_none(raw)
        .map(|s| {
            Uuid::parse_str(&s)
                .map_err(|_| AppError::invalid(field, format!("{field} is not a valid id")))
        })
        .transpose()
}

/// A plain form post (no JavaScript) goes on to `path` once saved (a new site to its page).
#[cfg(feature = "ssr")]
fn back_to(path: &str) {
    crate::ssr::form_goes_to(path);
}

/// A save's server function: `ssr::run`, and for a plain form's post the refused fields in the
/// answer (`form_refused`), for the page to say them beside the form.
#[cfg(feature = "ssr")]
async fn saving(
    body: impl std::future::Future<Output = Result<SaveOutcome, AppError>>,
) -> Result<SaveOutcome, AppError> {
    crate::ssr::run(async move {
        let outcome = body.await;
        if let Ok(SaveOutcome::Refused { problems }) = &outcome {
            if let Ok(json) = serde_json::to_string(problems) {
                crate::ssr::form_says("refused", json);
            }
        }
        outcome
    })
    .await
}

#[cfg(feature = "ssr")]
fn as_problems(errors: Vec<crate::domain::registry::RowError>) -> Vec<FieldProblem> {
    errors
        .into_iter()
        .map(|e| FieldProblem {
            field: e.problem.field().unwrap_or(Field::Name),
            problem: e.problem,
        })
        .collect()
}

#[server(endpoint = "registry/sites")]
pub async fn list_sites(
    year: Option<i32>,
    q: Option<String>,
    page: Option<u32>,
) -> Result<SiteList, AppError> {
    crate::ssr::run(async move {
        editor().await?;
        let db = crate::ssr::db()?;
        let years = db.plan_years().await?;
        let year = year.or_else(|| years.first().copied());
        let q = blank_to_none(q);
        let page = page.unwrap_or(0);
        let (rows, total) = db.site_list(year, q.as_deref(), page, SITES_PAGE).await?;
        Ok(SiteList {
            year,
            years,
            sites: crate::paged::Paged {
                rows,
                total,
                page,
                per_page: SITES_PAGE,
            },
        })
    })
    .await
}

/// A site's form as it starts (none for a new site), with the sub-items and districts it may
/// name.
#[server(endpoint = "registry/site")]
pub async fn load_site(id: Option<Uuid>) -> Result<SiteEditPage, AppError> {
    crate::ssr::run(async move {
        editor().await?;
        let db = crate::ssr::db()?;
        let site = match id {
            Some(id) => Some(db.site_for_edit(id).await?),
            None => None,
        };
        Ok(SiteEditPage {
            site,
            sub_items: db.sub_item_options().await?,
            districts: db.district_names().await?,
        })
    })
    .await
}

#[server(endpoint = "registry/save-site")]
pub async fn save_site(
    site_id: Option<String>,
    sub_item_id: String,
    code: String,
    name: String,
    kind: String,
    district: String,
    address: Option<String>,
    crs: String,
    coordinates: String,
) -> Result<SaveOutcome, AppError> {
    use crate::domain::registry_edit::{parse_site_form, SiteForm};
    saving(async move {
        let by = editor().await?;
        let id = optional_uuid("site_id", site_id)?;
        let Some(sub_item) = optional_uuid("sub_item_id", Some(sub_item_id))? else {
            return Ok(SaveOutcome::refused(vec![FieldProblem {
                field: Field::SubItemNo,
                problem: Problem::Missing {
                    field: Field::SubItemNo,
                },
            }]));
        };
        let form = SiteForm {
            code,
            name,
            kind,
            district,
            address: address.unwrap_or_default(),
            crs,
            coordinates,
        };
        let edit = match parse_site_form(&form) {
            Ok(e) => e,
            Err(problems) => return Ok(SaveOutcome::refused(problems)),
        };
        let outcome = crate::ssr::db()?
            .save_site(id, sub_item, &edit, by.id)
            .await?;
        if let SaveOutcome::Saved { id } = &outcome {
            tracing::info!(by = %by.username, site = %id, "site saved");
            // Strangers' copies of the public page would show the old name or place.
            crate::ssr::public_pages_changed().await?;
            back_to(&format!("/admin/registry/sites/{id}"));
        }
        Ok(outcome)
    })
    .await
}

#[server(endpoint = "registry/site-active")]
pub async fn set_site_active(site_id: Uuid, active: bool) -> Result<bool, AppError> {
    crate::ssr::run(async move {
        let by = editor().await?;
        let changed = crate::ssr::db()?
            .set_site_active(site_id, active, by.id)
            .await?;
        tracing::info!(by = %by.username, site = %site_id, active, changed, "site activity set");
        // The public page of a site is cached for strangers: it must say at once that the
        // site takes no more comments (or takes them again).
        if changed {
            crate::ssr::public_pages_changed().await?;
        }
        back_to(&format!("/admin/registry/sites/{site_id}"));
        Ok(changed)
    })
    .await
}

/// Deletes a site entered by mistake; one with any history is refused with what it holds.
#[server(endpoint = "registry/delete-site")]
pub async fn delete_site(site_id: Uuid) -> Result<SaveOutcome, AppError> {
    saving(async move {
        let by = editor().await?;
        match crate::ssr::db()?.delete_site(site_id, by.id).await? {
            Ok(()) => {
                tracing::info!(by = %by.username, site = %site_id, "site deleted");
                crate::ssr::public_pages_changed().await?;
                back_to("/admin/registry/sites");
                Ok(SaveOutcome::Saved { id: site_id })
            }
            Err(problem) => Ok(SaveOutcome::refused(vec![FieldProblem {
                field: Field::SiteCode,
                problem,
            }])),
        }
    })
    .await
}

#[server(endpoint = "registry/plan")]
pub async fn load_plan(year: Option<i32>) -> Result<PlanPage, AppError> {
    crate::ssr::run(async move {
        editor().await?;
        let db = crate::ssr::db()?;
        let years = db.plan_years().await?;
        let year = year.or_else(|| years.first().copied());
        let sub_items = match year {
            Some(y) => db.plan_sub_items(y).await?,
            None => Vec::new(),
        };
        Ok(PlanPage {
            year,
            years,
            sub_items,
            units: db.unit_rows().await?,
        })
    })
    .await
}

/// Adds or changes one sub-item of a year's plan, checked and stored as that row of the plan
/// file would be (units named for the first time are made; one written a second way is
/// refused).
#[server(endpoint = "registry/save-sub-item")]
pub async fn save_sub_item(
    year: i32,
    project_no: String,
    project_name: String,
    sub_item_no: String,
    sub_item_name: String,
    lead_unit: String,
    target_quantity: String,
    target_unit: String,
    deadline: String,
    budget: String,
    funds_government: Option<String>,
    funds_residents: Option<String>,
    funds_social: Option<String>,
) -> Result<SaveOutcome, AppError> {
    use crate::accounts::AdminAction;
    saving(async move {
        let by = editor().await?;
        if !crate::domain::registry::YEARS.contains(&year) {
            return Err(AppError::invalid("year", "the year must be 2000 to 2100"));
        }
        let (g, r, s) = (
            funds_government.unwrap_or_default(),
            funds_residents.unwrap_or_default(),
            funds_social.unwrap_or_default(),
        );
        let rows = match one_row(
            RegistryFile::Plan,
            &[
                (Field::ProjectNo, &project_no),
                (Field::ProjectName, &project_name),
                (Field::SubItemNo, &sub_item_no),
                (Field::SubItemName, &sub_item_name),
                (Field::LeadUnit, &lead_unit),
                (Field::TargetQuantity, &target_quantity),
                (Field::TargetUnit, &target_unit),
                (Field::Deadline, &deadline),
                (Field::Budget, &budget),
                (Field::FundsGovernment, &g),
                (Field::FundsResidents, &r),
                (Field::FundsSocial, &s),
            ],
        ) {
            Ok(rows) => rows,
            Err(problems) => return Ok(SaveOutcome::refused(problems)),
        };
        let Rows::Plan(plan) = &rows else {
            return Err(AppError::internal());
        };
        let key = plan
            .first()
            .map(|p| p.sub_item)
            .ok_or_else(AppError::internal)?;
        let db = crate::ssr::db()?;
        match db.import_registry(&rows, year, false, None).await? {
            RegistryOutcome::Refused { errors } => Ok(SaveOutcome::refused(as_problems(errors))),
            RegistryOutcome::Done(report) => {
                let id = db
                    .sub_item_id(year, key.project, key.number)
                    .await?
                    .ok_or_else(AppError::internal)?;
                db.log_admin(
                    Some(by.id),
                    AdminAction::Edit,
                    &format!("{year} {key} {sub_item_name}"),
                    Some(serde_json::json!({
                        "record": "sub_item", "id": id, "rows": report.rows,
                        "new_units": report.new_units,
                    })),
                )
                .await?;
                back_to(&format!("/admin/registry/plan?year={year}"));
                Ok(SaveOutcome::Saved { id })
            }
        }
    })
    .await
}

/// Renames a lead unit (the English name defaults to the Chinese one).
#[server(endpoint = "registry/rename-unit")]
pub async fn rename_unit(
    unit_id: Uuid,
    name_zh: String,
    name_en: Option<String>,
) -> Result<SaveOutcome, AppError> {
    saving(async move {
        let by = editor().await?;
        let (zh, en) = match crate::domain::registry_edit::check_unit_names(
            &name_zh,
            name_en.as_deref().unwrap_or_default(),
        ) {
            Ok(ok) => ok,
            Err(p) => return Ok(SaveOutcome::refused(vec![p])),
        };
        let outcome = crate::ssr::db()?
            .rename_unit(unit_id, &zh, &en, by.id)
            .await?;
        back_to("/admin/registry/roster");
        Ok(outcome)
    })
    .await
}

/// Makes a supervision group (a number not yet used) or renames one.
#[server(endpoint = "registry/save-group")]
pub async fn save_group(number: String, name: String) -> Result<SaveOutcome, AppError> {
    saving(async move {
        let by = editor().await?;
        let (number, name) = match crate::domain::registry_edit::check_group(&number, &name) {
            Ok(ok) => ok,
            Err(p) => return Ok(SaveOutcome::refused(vec![p])),
        };
        let outcome = crate::ssr::db()?.save_group(number, &name, by.id).await?;
        back_to("/admin/registry/roster");
        Ok(outcome)
    })
    .await
}

/// Moves a unit to the group that follows it (a unit is followed by exactly one), as a row of
/// the groups file would.
#[server(endpoint = "registry/unit-group")]
pub async fn set_unit_group(unit: String, group: i32) -> Result<SaveOutcome, AppError> {
    use crate::accounts::AdminAction;
    saving(async move {
        let by = editor().await?;
        let db = crate::ssr::db()?;
        if !db.group_options().await?.iter().any(|g| g.number == group) {
            return Ok(SaveOutcome::refused(vec![FieldProblem {
                field: Field::Group,
                problem: Problem::UnknownGroup {
                    value: group.to_string(),
                },
            }]));
        }
        let number = group.to_string();
        let rows = match one_row(
            RegistryFile::Groups,
            &[(Field::Group, &number), (Field::LeadUnit, &unit)],
        ) {
            Ok(rows) => rows,
            Err(problems) => return Ok(SaveOutcome::refused(problems)),
        };
        let year = chrono::Datelike::year(&crate::ssr::today());
        match db.import_registry(&rows, year, false, None).await? {
            RegistryOutcome::Refused { errors } => Ok(SaveOutcome::refused(as_problems(errors))),
            RegistryOutcome::Done(report) => {
                db.log_admin(
                    Some(by.id),
                    AdminAction::Edit,
                    &format!("{} → {group}", unit.trim()),
                    Some(serde_json::json!({
                        "record": "group_unit", "rows": report.rows,
                        "new_units": report.new_units,
                    })),
                )
                .await?;
                let id = db
                    .unit_id_by_name(unit.trim())
                    .await?
                    .ok_or_else(AppError::internal)?;
                back_to("/admin/registry/roster");
                Ok(SaveOutcome::Saved { id })
            }
        }
    })
    .await
}

#[server(endpoint = "registry/roster")]
pub async fn load_roster(
    q: Option<String>,
    group: Option<i32>,
    page: Option<u32>,
) -> Result<RosterPage, AppError> {
    crate::ssr::run(async move {
        editor().await?;
        let db = crate::ssr::db()?;
        let page = page.unwrap_or(0);
        let q = blank_to_none(q);
        let (rows, total) = db.roster(q.as_deref(), group, page, ROSTER_PAGE).await?;
        Ok(RosterPage {
            deputies: crate::paged::Paged {
                rows,
                total,
                page,
                per_page: ROSTER_PAGE,
            },
            groups: db.group_options().await?,
            units: db.unit_rows().await?,
        })
    })
    .await
}

/// Adds a deputy to the roster (`deputy_id` empty) or edits one. The fields are checked as a
/// roster row; an empty mobile keeps the number on file unless `clear_mobile` is ticked.
#[server(endpoint = "registry/save-deputy")]
pub async fn save_deputy(
    deputy_id: Option<String>,
    name: String,
    delegation: String,
    group: i32,
    mobile: Option<String>,
    clear_mobile: Option<String>,
) -> Result<SaveOutcome, AppError> {
    use crate::accounts::AdminAction;
    use crate::store::registry_edit::MobileChange;
    saving(async move {
        let by = editor().await?;
        let id = optional_uuid("deputy_id", deputy_id)?;
        let state = use_context::<crate::ssr::AppState>().ok_or_else(AppError::internal)?;
        let db = &state.db;
        if !db.group_options().await?.iter().any(|g| g.number == group) {
            return Ok(SaveOutcome::refused(vec![FieldProblem {
                field: Field::Group,
                problem: Problem::UnknownGroup {
                    value: group.to_string(),
                },
            }]));
        }
        let (number, mobile) = (group.to_string(), mobile.unwrap_or_default());
        let rows = match one_row(
            RegistryFile::Deputies,
            &[
                (Field::Name, &name),
                (Field::Delegation, &delegation),
                (Field::Group, &number),
                (Field::Mobile, &mobile),
            ],
        ) {
            Ok(rows) => rows,
            Err(problems) => return Ok(SaveOutcome::refused(problems)),
        };
        let Rows::Deputies(d) = &rows else {
            return Err(AppError::internal());
        };
        let row = d.first().ok_or_else(AppError::internal)?;
        let outcome = match id {
            Some(id) => {
                let change = match (&row.mobile, clear_mobile.is_some()) {
                    (_, true) => MobileChange::Clear,
                    (Some(m), false) => MobileChange::Set(m.clone()),
                    (None, false) => MobileChange::Keep,
                };
                db.update_deputy(
                    id,
                    &row.name,
                    &row.delegation,
                    group,
                    change,
                    Some(&state.public.secret),
                    by.id,
                )
                .await?
            }
            None => {
                if db
                    .deputy_by_key(&row.name, &row.delegation)
                    .await?
                    .is_some()
                {
                    return Ok(SaveOutcome::refused(vec![FieldProblem {
                        field: Field::Name,
                        problem: Problem::SameDeputy {
                            name: row.name.clone(),
                            delegation: row.delegation.clone(),
                        },
                    }]));
                }
                let year = chrono::Datelike::year(&crate::ssr::today());
                match db
                    .import_registry(&rows, year, false, Some(&state.public.secret))
                    .await?
                {
                    RegistryOutcome::Refused { errors } => {
                        SaveOutcome::refused(as_problems(errors))
                    }
                    RegistryOutcome::Done(_) => {
                        let id = db
                            .deputy_by_key(&row.name, &row.delegation)
                            .await?
                            .ok_or_else(AppError::internal)?;
                        db.log_admin(
                            Some(by.id),
                            AdminAction::Edit,
                            &format!("{} · {}", row.name, row.delegation),
                            Some(serde_json::json!({ "record": "deputy", "id": id, "new": true })),
                        )
                        .await?;
                        SaveOutcome::Saved { id }
                    }
                }
            }
        };
        if matches!(outcome, SaveOutcome::Saved { .. }) {
            back_to("/admin/registry/roster");
        }
        Ok(outcome)
    })
    .await
}
