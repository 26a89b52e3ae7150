//! The deputy's duty record (履职档案): a deputy reads their own for a period; staff read
//! anyone's, the whole roster as a table (who has not yet taken part) and its XLSX
//! (`EXPORT_URL`).

pub mod pages;

use leptos::prelude::*;

use crate::duty_rows::{DutyRecord, DutyTable};
use crate::error::AppError;

/// The roster's figures for a period as a spreadsheet (staff), `?from=&to=`.
pub const EXPORT_URL: &str = "/duty/export.xlsx";

#[cfg(feature = "ssr")]
pub fn period(
    from: Option<&str>,
    to: Option<&str>,
) -> Result<crate::domain::duty::Period, AppError> {
    crate::domain::duty::Period::parse(from, to, crate::ssr::today())
        .map_err(|e| AppError::invalid(e.field(), e.to_string()))
}

/// One deputy's record: a deputy's own (`deputy` empty or theirs), or, for staff, the deputy
/// named. Observations a page at a time; the figures say how many there are in all.
#[server(endpoint = "duty/record")]
pub async fn get_duty_record(
    deputy: Option<String>,
    from: Option<String>,
    to: Option<String>,
    page: Option<u32>,
) -> Result<DutyRecord, AppError> {
    use crate::domain::duty::{record_access, RecordAccess, DUTY_OBSERVATIONS_PAGE};
    crate::ssr::run(async move {
        let user = crate::auth::ssr::require(|_| true).await?;
        let asked = crate::ssr::optional_id(&deputy, "duty_deputy")?;
        let deputy = match record_access(user.role, user.deputy_id, asked) {
            RecordAccess::Read(d) => d,
            RecordAccess::NameTheDeputy => {
                return Err(AppError::invalid(
                    "duty_deputy",
                    "choose a deputy from the table",
                ))
            }
            RecordAccess::Forbidden => return Err(AppError::forbidden()),
        };
        let period = period(from.as_deref(), to.as_deref())?;
        let db = crate::ssr::db()?;
        let row = db
            .duty_of(deputy, &period)
            .await?
            .ok_or_else(|| AppError::not_found("deputy"))?;
        let page = page.unwrap_or(0).min(100_000);
        let rows = match row.user_id {
            Some(u) => {
                db.duty_observations(u, period.bounds(), page, DUTY_OBSERVATIONS_PAGE)
                    .await?
            }
            None => Vec::new(),
        };
        Ok(DutyRecord {
            from: period.from,
            to: period.to,
            observations: crate::paged::Paged {
                rows,
                total: row.figures.observations(),
                page,
                per_page: DUTY_OBSERVATIONS_PAGE,
            },
            deputy: row,
        })
    })
    .await
}

/// The staff's table of the roster for a period: a group's or all, everyone or only those who
/// have (not yet) taken part, found by part of a name; a page at a time with the total and the
/// sums.
#[server(endpoint = "duty/table")]
pub async fn get_duty_table(
    from: Option<String>,
    to: Option<String>,
    group: Option<String>,
    who: Option<String>,
    name: Option<String>,
    page: Option<u32>,
) -> Result<DutyTable, AppError> {
    use crate::domain::duty::{Participation, DUTY_PAGE};
    crate::ssr::run(async move {
        crate::auth::ssr::require(|u| u.role.is_staff()).await?;
        let period = period(from.as_deref(), to.as_deref())?;
        let query = crate::store::duty::DutyQuery {
            group: crate::ssr::optional_id(&group, "group")?,
            participation: Participation::parse(who.as_deref())
                .ok_or_else(|| AppError::invalid("duty_who", "say all, not_yet or took_part"))?,
            name: match name {
                Some(n) if n.chars().count() > 32 => {
                    return Err(AppError::invalid(
                        "duty_name",
                        "search with at most 32 characters",
                    ))
                }
                n => n,
            },
        };
        let db = crate::ssr::db()?;
        let page = page.unwrap_or(0).min(100_000);
        let (list, sums) = db.duty_table(&period, &query, page, DUTY_PAGE).await?;
        Ok(DutyTable {
            from: period.from,
            to: period.to,
            list,
            sums,
            groups: db.duty_groups().await?,
        })
    })
    .await
}
