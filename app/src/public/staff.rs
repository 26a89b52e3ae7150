//! Server functions for staff's side of the public channel. Every one checks the role first.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{CommentForStaff, FigureRow, PosterSite};
use crate::catalogue::UnitRef;
use crate::domain::comment::CommentStatus;
#[cfg(feature = "ssr")]
use crate::domain::comment::{HideCategory, Moderation};
use crate::error::AppError;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModerationQueue {
    pub status: CommentStatus,
    pub comments: Vec<CommentForStaff>,
    pub pending: i64,
    /// Where the next page starts, when there is one.
    pub next: Option<(DateTime<Utc>, Uuid)>,
}

#[server(endpoint = "staff/comments")]
pub async fn list_comments(
    status: Option<String>,
    after_at: Option<DateTime<Utc>>,
    after_id: Option<Uuid>,
) -> Result<ModerationQueue, AppError> {
    crate::ssr::run(async move {
        crate::auth::ssr::require(|u| u.role.is_staff()).await?;
        let status = match status.as_deref() {
            None | Some("") => CommentStatus::Pending,
            Some(s) => CommentStatus::parse(s)
                .ok_or_else(|| AppError::invalid("status", "unknown comment status"))?,
        };
        let db = crate::ssr::db()?;
        let comments = db
            .comments_for_staff(status, after_at.zip(after_id))
            .await?;
        let next = (comments.len() as u32 == super::QUEUE_PAGE)
            .then(|| comments.last().map(|c| (c.created_at, c.id)))
            .flatten();
        Ok(ModerationQueue {
            status,
            pending: db.count_comments(CommentStatus::Pending).await?,
            comments,
            next,
        })
    })
    .await
}

/// `action` is publish, hide (with a reason for staff and a `category` the writer is told:
/// spam, abuse, private, off_topic or other) or mark_problem.
#[server(endpoint = "staff/moderate")]
pub async fn moderate(
    id: Uuid,
    action: String,
    reason: Option<String>,
    category: Option<String>,
) -> Result<CommentStatus, AppError> {
    crate::ssr::run(async move {
        let user = crate::auth::ssr::require(|u| u.role.is_staff()).await?;
        let action = match action.as_str() {
            "publish" => Moderation::Publish,
            "hide" => Moderation::Hide {
                reason: reason.unwrap_or_default(),
                category: match category.as_deref().map(str::trim) {
                    None | Some("") => HideCategory::Other,
                    Some(c) => HideCategory::parse(c).ok_or_else(|| {
                        AppError::invalid(
                            "category",
                            "the category is one of spam, abuse, private, off_topic, other",
                        )
                    })?,
                },
            },
            "mark_problem" => Moderation::MarkProblem,
            _ => return Err(AppError::invalid("action", "unknown moderation action")),
        };
        let to = crate::ssr::db()?
            .moderate_comment(id, &action, user.id)
            .await?;
        crate::ssr::public_pages_changed().await?;
        tracing::info!(comment = %id, action = action.name(), by = %user.username, "moderated");
        Ok(to)
    })
    .await
}

/// The whole number, for a staff member who calls the person back. Each reveal is logged.
#[server(endpoint = "staff/reveal-phone")]
pub async fn reveal_phone(id: Uuid) -> Result<String, AppError> {
    crate::ssr::run(async move {
        let user = crate::auth::ssr::require(|u| u.role.is_staff()).await?;
        let cipher = crate::ssr::db()?
            .phone_cipher_for_callback(id, user.id)
            .await?;
        crate::ssr::public_settings()?
            .secret
            .decrypt(&cipher, id.as_bytes())
            .ok_or_else(|| {
                tracing::error!(comment = %id, "phone number does not decrypt: was JIANDU_SECRET changed?");
                AppError::internal()
            })
    })
    .await
}

/// How long the page that answers a reveal shows the number to the person who asked.
#[cfg(feature = "ssr")]
const REVEAL_MINUTES: i32 = 10;

/// The whole number of a comment the caller revealed in the last few minutes (logged then), for
/// the page that answers the reveal; `None` otherwise. Reveals nothing that was not asked for.
#[server(endpoint = "staff/revealed-phone")]
pub async fn revealed_phone(id: Uuid) -> Result<Option<String>, AppError> {
    crate::ssr::run(async move {
        let user = crate::auth::ssr::require(|u| u.role.is_staff()).await?;
        let Some(cipher) = crate::ssr::db()?
            .phone_cipher_revealed_to(id, user.id, REVEAL_MINUTES)
            .await?
        else {
            return Ok(None);
        };
        Ok(crate::ssr::public_settings()?
            .secret
            .decrypt(&cipher, id.as_bytes()))
    })
    .await
}

#[server(endpoint = "staff/satisfaction")]
pub async fn satisfaction_figures() -> Result<Vec<FigureRow>, AppError> {
    crate::ssr::run(async move {
        crate::auth::ssr::require(|u| u.role.is_staff()).await?;
        let db = crate::ssr::db()?;
        let Some(year) = db.current_year().await? else {
            return Ok(vec![]);
        };
        db.satisfaction_figures(year).await
    })
    .await
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PosterData {
    pub base_url: String,
    /// One page of posters ([`POSTERS_PAGE`]).
    pub sites: Vec<PosterSite>,
    /// How many sites the choice has in all, and which page this is (from 0).
    pub total: i64,
    pub page: u32,
    pub unit: Option<Uuid>,
    pub district: Option<Uuid>,
    pub units: Vec<UnitRef>,
    pub districts: Vec<UnitRef>,
}

/// Posters on one page: a district can have thousands of sites, printed a page at a time.
pub const POSTERS_PAGE: u32 = 100;

/// Sites to print posters for: one by code, or every site of a unit or a district, a page at a
/// time with the total.
#[server(endpoint = "staff/posters")]
pub async fn poster_sheet(
    code: Option<String>,
    unit: Option<Uuid>,
    district: Option<Uuid>,
    page: Option<u32>,
) -> Result<PosterData, AppError> {
    crate::ssr::run(async move {
        crate::auth::ssr::require(|u| u.role.is_staff()).await?;
        let db = crate::ssr::db()?;
        let code = match code.as_deref().filter(|c| !c.is_empty()) {
            Some(c) => Some(
                crate::domain::PublicCode::parse(c)
                    .map_err(|e| AppError::invalid("code", e.to_string()))?,
            ),
            None => None,
        };
        let page = page.unwrap_or(0);
        let (sites, total) = if code.is_none() && unit.is_none() && district.is_none() {
            (vec![], 0)
        } else {
            db.poster_sites(
                code.as_ref().map(|c| c.as_str()),
                unit,
                district,
                page,
                POSTERS_PAGE,
            )
            .await?
        };
        if code.is_some() && sites.is_empty() {
            return Err(AppError::not_found("site"));
        }
        Ok(PosterData {
            base_url: crate::ssr::public_settings()?.base_url,
            sites,
            total,
            page,
            unit,
            district,
            units: db.list_units().await?,
            districts: db.list_districts().await?,
        })
    })
    .await
}
