//! The review queue and the problem and suggestion list (the closed loop): DTOs and server
//! functions. Every function checks the caller's role first; the domain decides each step.

// A server function's arguments are its form fields; the review queue has a dozen filters.
#![allow(clippy::too_many_arguments)]

pub mod dashboard;
#[cfg(feature = "hydrate")]
pub mod device_answer;
pub mod imports;
pub mod notifications;
pub mod pages;

use chrono::{DateTime, NaiveDate, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[cfg(feature = "ssr")]
use crate::domain::list_item::{Action, AnswerRating};
use crate::domain::list_item::{Channel, ItemKind, ItemStatus};
use crate::error::AppError;

pub const REVIEW_PAGE: u32 = 30;
/// Public comments marked as problems shown above the queue, newest first; the page says when
/// there are more (they come up as these are dealt with).
pub const REVIEW_COMMENTS: u32 = 50;
/// Items on one page of `/items`; the page says how many there are in all.
pub const ITEMS_PAGE: u32 = 50;

/// One page of the list, with how many items the list has in all.
pub type ItemPage = crate::paged::Paged<ItemRow>;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ReviewFilter {
    pub status: String,
    pub project: Option<Uuid>,
    pub sub_item: Option<Uuid>,
    pub unit: Option<Uuid>,
    pub group: Option<Uuid>,
    pub district: Option<Uuid>,
    pub kind: Option<String>,
    pub verdict: Option<String>,
    /// Received on or after this day (China time).
    pub since: Option<NaiveDate>,
    /// Received on or before this day (China time).
    pub until: Option<NaiveDate>,
    /// Only observations with a photo taken near or away from the site (by its EXIF).
    pub photo_not_on_site: bool,
    /// Only observations with a photo taken more than this many days before it was chosen.
    pub photo_older_days: Option<i32>,
    pub before: Option<(DateTime<Utc>, Uuid)>,
}

/// What one photo of an observation says as evidence, as the server judged it. Staff only:
/// never published.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PhotoCheck {
    pub sha256: String,
    /// None for records from phones that did not say.
    pub origin: Option<crate::domain::photo_evidence::PhotoOrigin>,
    pub taken_at: Option<DateTime<Utc>>,
    pub place: crate::domain::Verdict,
    pub distance_m: Option<f64>,
    pub time: crate::domain::photo_evidence::PhotoTime,
    pub age_days: Option<i64>,
}

impl PhotoCheck {
    pub fn judgement(&self) -> crate::domain::photo_evidence::PhotoJudgement {
        crate::domain::photo_evidence::PhotoJudgement {
            place: self.place,
            distance_m: self.distance_m,
            time: self.time,
            age_days: self.age_days,
        }
    }
}

/// A public comment staff marked as a problem, waiting to become (part of) a list item.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct ReviewComment {
    pub id: Uuid,
    pub satisfaction: String,
    pub support: String,
    pub body: Option<String>,
    pub photo_sha256: Option<String>,
    pub created_at: DateTime<Utc>,
    pub site_id: Uuid,
    pub site_name_zh: String,
    pub site_name_en: String,
    pub public_code: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct ReviewRow {
    pub id: Uuid,
    pub kind: String,
    pub note: String,
    pub verdict: String,
    pub distance_m: Option<f64>,
    pub status: String,
    pub captured_at: DateTime<Utc>,
    pub received_at: DateTime<Utc>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub site_id: Uuid,
    pub site_name_zh: String,
    pub site_name_en: String,
    pub deputy_name: String,
    pub unit_id: Uuid,
    #[cfg_attr(feature = "ssr", sqlx(json))]
    pub photos: Vec<PhotoCheck>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct ItemRow {
    pub id: Uuid,
    pub year: i32,
    pub number: i32,
    #[cfg_attr(feature = "ssr", sqlx(try_from = "String"))]
    pub kind: ItemKind,
    #[cfg_attr(feature = "ssr", sqlx(try_from = "String"))]
    pub channel: Channel,
    #[cfg_attr(feature = "ssr", sqlx(try_from = "String"))]
    pub status: ItemStatus,
    pub description: String,
    pub deadline: Option<NaiveDate>,
    pub answer: Option<String>,
    pub answer_rating: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub site_id: Uuid,
    pub site_name_zh: String,
    pub site_name_en: String,
    pub public_code: String,
    pub unit_id: Option<Uuid>,
    pub unit_name_zh: Option<String>,
    pub unit_name_en: Option<String>,
    /// Derived by the domain on the server (today in China), never stored.
    #[cfg_attr(feature = "ssr", sqlx(default))]
    pub overdue: bool,
}

#[cfg(feature = "ssr")]
fn with_overdue(mut rows: Vec<ItemRow>) -> Vec<ItemRow> {
    let today = crate::ssr::today();
    for r in &mut rows {
        r.overdue = crate::domain::list_item::is_overdue(r.status, r.deadline, today);
    }
    rows
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct ItemEvent {
    pub action: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub deadline: Option<NaiveDate>,
    pub comment: Option<String>,
    pub at: DateTime<Utc>,
    pub actor_name: String,
    pub actor_role: String,
    pub unit_name_zh: Option<String>,
    pub unit_name_en: Option<String>,
    /// Evidence sent with an answer, each photo with what it says (unknown from the plain
    /// form).
    #[cfg_attr(feature = "ssr", sqlx(json))]
    pub photos: Vec<PhotoCheck>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ItemDetail {
    pub item: ItemRow,
    pub observations: Vec<ReviewRow>,
    pub comments: Vec<ReviewComment>,
    pub events: Vec<ItemEvent>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ItemView {
    pub detail: ItemDetail,
    pub today: NaiveDate,
    pub overdue: bool,
    /// What the viewer may do now, by action name (the server decides; the page only shows).
    pub can: Vec<String>,
    pub units: Vec<crate::catalogue::UnitRef>,
    pub default_unit: Option<Uuid>,
}

/// One line of the formal list, as exported.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct ExportRow {
    pub year: i32,
    pub number: i32,
    pub project: String,
    pub sub_item: String,
    pub site: String,
    #[cfg_attr(feature = "ssr", sqlx(try_from = "String"))]
    pub kind: ItemKind,
    pub description: String,
    /// The reporting deputies' names, joined with 、.
    pub deputies: Option<String>,
    pub unit: Option<String>,
    pub deadline: Option<NaiveDate>,
    #[cfg_attr(feature = "ssr", sqlx(try_from = "String"))]
    pub status: ItemStatus,
    pub answer: Option<String>,
    /// Each photo's place and time verdicts (`observation_photos`), over the item's records.
    pub photo_places: Vec<String>,
    pub photo_times: Vec<String>,
}

/// Which items an export holds: one unit's, group's or project's, and those made within a
/// period (China time days, both ends included). Empty means all.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ExportFilter {
    pub unit: Option<Uuid>,
    pub group: Option<Uuid>,
    pub project: Option<Uuid>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// The list's year (items are numbered per year).
    pub year: Option<i32>,
}

/// An item with its site's geometry, for GeoJSON.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct GeoItem {
    pub id: Uuid,
    pub year: i32,
    pub number: i32,
    #[cfg_attr(feature = "ssr", sqlx(try_from = "String"))]
    pub kind: ItemKind,
    #[cfg_attr(feature = "ssr", sqlx(try_from = "String"))]
    pub status: ItemStatus,
    #[cfg_attr(feature = "ssr", sqlx(try_from = "String"))]
    pub channel: Channel,
    pub description: String,
    pub deadline: Option<NaiveDate>,
    pub unit: Option<String>,
    pub site: String,
    pub public_code: String,
    pub geometry: serde_json::Value,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReviewPage {
    pub rows: Vec<ReviewRow>,
    pub next: Option<(DateTime<Utc>, Uuid)>,
    /// Public comments marked as problems and not yet in an item (first page only), and how
    /// many there are in all.
    pub comments: Vec<ReviewComment>,
    pub comments_total: i64,
}

#[cfg(feature = "ssr")]
fn parse_opt_date(s: &Option<String>, field: &str) -> Result<Option<NaiveDate>, AppError> {
    match s.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(v) => NaiveDate::parse_from_str(v, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| AppError::invalid(field, "give a day as YYYY-MM-DD")),
    }
}

#[cfg(feature = "ssr")]
fn parse_ids(s: &str, field: &str) -> Result<Vec<Uuid>, AppError> {
    s.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(Uuid::parse_str)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| AppError::invalid(field, "not a list of ids"))
}

/// The review queue's filter as typed in its form (and in the staff map's request): every field
/// optional, the status "submitted" when absent.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct QueueFilter {
    pub status: Option<String>,
    pub project: Option<String>,
    pub sub_item: Option<String>,
    pub unit: Option<String>,
    pub group: Option<String>,
    pub district: Option<String>,
    pub kind: Option<String>,
    pub verdict: Option<String>,
    pub since: Option<String>,
    pub until: Option<String>,
    /// `not_on_site`, or empty for any.
    pub photo_place: Option<String>,
    /// Whole days, or empty for any.
    pub photo_older_days: Option<String>,
}

#[cfg(feature = "ssr")]
impl QueueFilter {
    /// One parser for the list and the map, so that both count the same rows.
    pub fn parse(self) -> Result<ReviewFilter, AppError> {
        let status = self
            .status
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "submitted".into());
        if !crate::domain::observation::STATUSES.contains(&status.as_str()) {
            return Err(AppError::invalid("status", "unknown observation status"));
        }
        let kind = self.kind.filter(|k| !k.is_empty());
        if kind
            .as_deref()
            .is_some_and(|k| crate::domain::ObservationKind::parse(k).is_none())
        {
            return Err(AppError::invalid("kind", "unknown observation kind"));
        }
        let verdict = self.verdict.filter(|k| !k.is_empty());
        if verdict
            .as_deref()
            .is_some_and(|v| !["on_site", "near", "off_site", "unknown"].contains(&v))
        {
            return Err(AppError::invalid("verdict", "unknown on-site verdict"));
        }
        let photo_not_on_site = match self.photo_place.as_deref().unwrap_or("") {
            "" => false,
            "not_on_site" => true,
            _ => return Err(AppError::invalid("photo_place", "unknown photo filter")),
        };
        let photo_older_days = match self.photo_older_days.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(d) => Some(
                d.parse::<i32>()
                    .ok()
                    .filter(|d| (0..=36_500).contains(d))
                    .ok_or_else(|| {
                        AppError::invalid("photo_older_days", "give a whole number of days")
                    })?,
            ),
        };
        Ok(ReviewFilter {
            photo_not_on_site,
            photo_older_days,
            project: crate::ssr::optional_id(&self.project, "project")?,
            sub_item: crate::ssr::optional_id(&self.sub_item, "sub_item")?,
            unit: crate::ssr::optional_id(&self.unit, "unit")?,
            group: crate::ssr::optional_id(&self.group, "group")?,
            district: crate::ssr::optional_id(&self.district, "district")?,
            kind,
            verdict,
            since: parse_opt_date(&self.since, "since")?,
            until: parse_opt_date(&self.until, "until")?,
            before: None,
            status,
        })
    }
}

/// The queue, newest first. Every filter is optional; `before_at` + `before_id` continue after
/// the last row of the previous page.
#[server(endpoint = "review/queue")]
pub async fn review_queue(
    status: Option<String>,
    project: Option<String>,
    sub_item: Option<String>,
    unit: Option<String>,
    group: Option<String>,
    district: Option<String>,
    kind: Option<String>,
    verdict: Option<String>,
    since: Option<String>,
    until: Option<String>,
    photo_place: Option<String>,
    photo_older_days: Option<String>,
    before_at: Option<DateTime<Utc>>,
    before_id: Option<Uuid>,
) -> Result<ReviewPage, AppError> {
    crate::ssr::run(async move {
        crate::auth::ssr::require(|u| u.role.is_staff()).await?;
        let mut filter = QueueFilter {
            status,
            project,
            sub_item,
            unit,
            group,
            district,
            kind,
            verdict,
            since,
            until,
            photo_place,
            photo_older_days,
        }
        .parse()?;
        filter.before = before_at.zip(before_id);
        let db = crate::ssr::db()?;
        let rows = db.review_queue(&filter).await?;
        let next = (rows.len() as u32 == REVIEW_PAGE)
            .then(|| rows.last().map(|r| (r.received_at, r.id)))
            .flatten();
        let (comments, comments_total) = if filter.before.is_none() && filter.status == "submitted"
        {
            db.review_comments(&filter).await?
        } else {
            (vec![], 0)
        };
        Ok(ReviewPage {
            rows,
            next,
            comments,
            comments_total,
        })
    })
    .await
}

/// What the review queue can be filtered by, with names in both languages.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FilterOptions {
    pub projects: Vec<crate::catalogue::UnitRef>,
    pub sub_items: Vec<crate::catalogue::UnitRef>,
    pub units: Vec<crate::catalogue::UnitRef>,
    pub groups: Vec<crate::catalogue::UnitRef>,
    pub districts: Vec<crate::catalogue::UnitRef>,
}

#[server(endpoint = "review/options")]
pub async fn review_options() -> Result<FilterOptions, AppError> {
    crate::ssr::run(async move {
        crate::auth::ssr::require(|u| u.role.is_staff()).await?;
        crate::ssr::db()?.review_options().await
    })
    .await
}

/// `observations` and `comments`: ids of one site, separated by commas (either may be empty,
/// not both). An item made only from public comments comes from the public survey channel.
#[server(endpoint = "review/create-item")]
pub async fn create_item(
    observations: Option<String>,
    comments: Option<String>,
    kind: String,
    description: String,
) -> Result<Uuid, AppError> {
    crate::ssr::run(async move {
        let user = crate::auth::ssr::require(|u| u.role.is_staff()).await?;
        let obs = parse_ids(observations.as_deref().unwrap_or_default(), "observations")?;
        let comments = parse_ids(comments.as_deref().unwrap_or_default(), "comments")?;
        if obs.is_empty() && comments.is_empty() {
            return Err(AppError::invalid(
                "observations",
                "choose at least one observation or comment",
            ));
        }
        let kind = ItemKind::parse(&kind)
            .ok_or_else(|| AppError::invalid("kind", "choose problem or suggestion"))?;
        let description = description.trim();
        let n = description.chars().count();
        if n == 0 || n > crate::domain::list_item::MAX_TEXT_CHARS {
            return Err(AppError::invalid(
                "description",
                "describe the item in 1 to 2000 characters",
            ));
        }
        let year = chrono::Datelike::year(&crate::ssr::today());
        let id = crate::ssr::db()?
            .create_item(&obs, &comments, kind, description, user.id, year)
            .await?;
        crate::ssr::form_says("created", id);
        Ok(id)
    })
    .await
}

/// Merges a duplicate into an existing item: an observation or a public comment.
#[server(endpoint = "review/attach")]
pub async fn attach_observation(
    item: Uuid,
    observation: Option<Uuid>,
    comment: Option<Uuid>,
) -> Result<(), AppError> {
    crate::ssr::run(async move {
        let user = crate::auth::ssr::require(|u| u.role.is_staff()).await?;
        let db = crate::ssr::db()?;
        match (observation, comment) {
            (Some(o), None) => db.attach_observation(item, o, user.id).await,
            (None, Some(c)) => db.attach_comment(item, c, user.id).await,
            _ => Err(AppError::invalid(
                "observation",
                "choose one observation or one comment to attach",
            )),
        }
    })
    .await
}

#[server(endpoint = "review/dismiss")]
pub async fn dismiss_observation(observation: Uuid, reason: String) -> Result<(), AppError> {
    crate::ssr::run(async move {
        let user = crate::auth::ssr::require(|u| u.role.is_staff()).await?;
        let reason = reason.trim();
        let n = reason.chars().count();
        if n == 0 || n > crate::domain::list_item::MAX_REASON_CHARS {
            return Err(AppError::invalid(
                "reason",
                "say why it is dismissed (at most 500 characters)",
            ));
        }
        crate::ssr::db()?
            .dismiss_observation(observation, reason, user.id)
            .await
    })
    .await
}

/// Open items at the same site or within 200 m: offered before a new item is made.
#[server(endpoint = "review/nearby")]
pub async fn nearby_items(site: Uuid) -> Result<Vec<ItemRow>, AppError> {
    crate::ssr::run(async move {
        crate::auth::ssr::require(|u| u.role.is_staff()).await?;
        Ok(with_overdue(
            crate::ssr::db()?.nearby_open_items(site).await?,
        ))
    })
    .await
}

/// One step of the closed loop. `action`: forward (unit, deadline; the unit defaults to the
/// site's lead unit), acknowledge, answer (text; `photos`: SHA-256 of evidence photos the
/// officer uploaded, comma-separated), verify, reopen (text), reassign (unit), rate (rating).
#[server(endpoint = "items/act")]
pub async fn act_on_item(
    id: Uuid,
    action: String,
    unit: Option<String>,
    deadline: Option<String>,
    text: Option<String>,
    rating: Option<String>,
    photos: Option<String>,
) -> Result<ItemStatus, AppError> {
    crate::ssr::run(async move {
        let user = crate::auth::ssr::require(|_| true).await?;
        let db = crate::ssr::db()?;
        if !db.may_read_item(id, &user).await? {
            return Err(AppError::forbidden());
        }
        let unit = crate::ssr::optional_id(&unit, "unit")?;
        let text = text.unwrap_or_default();
        let action = match action.as_str() {
            "forward" => Action::Forward {
                unit: match unit {
                    Some(u) => u,
                    None => db.default_unit(id).await?,
                },
                deadline: deadline
                    .as_deref()
                    .and_then(|d| NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").ok())
                    .ok_or_else(|| {
                        AppError::invalid("deadline", "give a deadline as YYYY-MM-DD")
                    })?,
            },
            "acknowledge" => Action::Acknowledge,
            "answer" => Action::Answer { text },
            "verify" => Action::Verify,
            "reopen" => Action::Reopen { reason: text },
            "reassign" => Action::Reassign {
                unit: unit.ok_or_else(|| AppError::invalid("unit", "choose the new unit"))?,
            },
            "rate" => Action::Rate {
                rating: rating
                    .as_deref()
                    .and_then(AnswerRating::parse)
                    .ok_or_else(|| AppError::invalid("rating", "choose a rating"))?,
            },
            _ => return Err(AppError::invalid("action", "unknown action")),
        };
        let photos = photos
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                crate::domain::PhotoHash::parse(s)
                    .map(|h| h.as_str().to_owned())
                    .ok_or_else(|| AppError::invalid("photos", "not a list of photo SHA-256s"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let to = db
            .transition_item(id, &user, &action, &photos, crate::ssr::today())
            .await?;
        tracing::info!(item = %id, action = action.name(), by = %user.username, "item step");
        Ok(to)
    })
    .await
}

#[server(endpoint = "items/get")]
pub async fn get_item(id: Uuid) -> Result<ItemView, AppError> {
    crate::ssr::run(async move {
        let user = crate::auth::ssr::require(|_| true).await?;
        let db = crate::ssr::db()?;
        if !db.may_read_item(id, &user).await? {
            // Not found rather than forbidden: whether an item exists is itself not public.
            return Err(AppError::not_found("item"));
        }
        let detail = db.item_detail(id).await?;
        let today = crate::ssr::today();
        let i = &detail.item;
        let overdue = crate::domain::list_item::is_overdue(i.status, i.deadline, today);
        let can = allowed_actions(&db, &user, &detail, today).await?;
        let staff = user.role.is_staff();
        Ok(ItemView {
            units: if staff {
                db.list_units().await?
            } else {
                vec![]
            },
            default_unit: if staff {
                Some(db.default_unit(id).await?)
            } else {
                None
            },
            detail,
            today,
            overdue,
            can,
        })
    })
    .await
}

/// Asks the domain which steps this user could take now (with plausible arguments), so the page
/// shows exactly the buttons the server would accept.
#[cfg(feature = "ssr")]
async fn allowed_actions(
    db: &crate::store::Db,
    user: &crate::store::users::UserRecord,
    d: &ItemDetail,
    today: NaiveDate,
) -> Result<Vec<String>, AppError> {
    use crate::domain::list_item::{apply, Actor, ItemFacts};
    use crate::domain::Role;
    let actor = match user.role {
        Role::Staff | Role::Admin => Actor::Staff,
        Role::UnitOfficer => match user.unit_id {
            Some(u) => Actor::Officer(u),
            None => return Ok(vec![]),
        },
        Role::Deputy => Actor::Deputy {
            reporter: db.may_read_item(d.item.id, user).await?,
        },
    };
    let rated = match user.role {
        Role::Deputy => db.rated_current_answer(d.item.id, user.id).await?,
        _ => d.item.answer_rating.is_some(),
    };
    let facts = ItemFacts {
        status: d.item.status,
        unit: d.item.unit_id,
        rated,
    };
    let other_unit = Uuid::from_u128(u128::MAX);
    let probes = [
        Action::Forward {
            unit: other_unit,
            deadline: today,
        },
        Action::Acknowledge,
        Action::Answer { text: "x".into() },
        Action::Verify,
        Action::Reopen { reason: "x".into() },
        Action::Reassign { unit: other_unit },
        Action::Rate {
            rating: AnswerRating::Satisfied,
        },
    ];
    Ok(probes
        .iter()
        .filter(|a| apply(facts, actor, a, today).is_ok())
        .map(|a| a.name().to_owned())
        .collect())
}

/// Staff: the whole list (optionally one status). Officer: their unit's. Deputy: their own.
/// One page of [`ITEMS_PAGE`] at a time, with the total.
/// The years the list has items of, newest first (last year's items stay readable).
#[server(endpoint = "items/years")]
pub async fn item_years() -> Result<Vec<i32>, AppError> {
    crate::ssr::run(async move {
        crate::auth::ssr::require(|_| true).await?;
        crate::ssr::db()?.item_years().await
    })
    .await
}

#[server(endpoint = "items/list")]
pub async fn list_items(
    status: Option<String>,
    page: Option<u32>,
    year: Option<i32>,
) -> Result<ItemPage, AppError> {
    crate::ssr::run(async move {
        use crate::domain::Role;
        let user = crate::auth::ssr::require(|_| true).await?;
        let status = match status.as_deref().filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => Some(
                ItemStatus::parse(s)
                    .ok_or_else(|| AppError::invalid("status", "unknown status"))?,
            ),
        };
        let page = page.unwrap_or(0);
        let db = crate::ssr::db()?;
        let (unit, deputy) = match user.role {
            Role::Staff | Role::Admin => (None, None),
            Role::UnitOfficer => (Some(user.unit_id.ok_or_else(AppError::forbidden)?), None),
            Role::Deputy => (None, Some(user.id)),
        };
        let (rows, total) = db
            .list_items(status, unit, deputy, year, page, ITEMS_PAGE)
            .await?;
        Ok(ItemPage {
            rows: with_overdue(rows),
            total,
            page,
            per_page: ITEMS_PAGE,
        })
    })
    .await
}
