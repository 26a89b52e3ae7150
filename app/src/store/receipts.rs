//! SQL for receipts: a comment found by the keyed hash of its receipt code, what became of it,
//! the writer's one verdict on the answer, and the answer's photos it may show.

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::Db;
use crate::domain::comment::{CommentStatus, HideCategory, Satisfaction, Support, Tally};
use crate::domain::list_item::ItemStatus;
use crate::domain::receipt::{RateError, Receipt, ReceiptCode, ReceiptItem};
use crate::error::{AppError, ErrorCode};

#[derive(sqlx::FromRow)]
struct Row {
    created_at: DateTime<Utc>,
    site_code: String,
    site_zh: String,
    site_en: String,
    #[sqlx(try_from = "String")]
    satisfaction: Satisfaction,
    #[sqlx(try_from = "String")]
    support: Support,
    body: Option<String>,
    #[sqlx(try_from = "String")]
    status: CommentStatus,
    hide_category: Option<String>,
    receipt_rating: Option<String>,
    receipt_rated_at: Option<DateTime<Utc>>,
    item_id: Option<Uuid>,
    year: Option<i32>,
    number: Option<i32>,
    item_status: Option<String>,
    taken_at: Option<DateTime<Utc>>,
    unit_zh: Option<String>,
    unit_en: Option<String>,
    deadline: Option<NaiveDate>,
    answered_at: Option<DateTime<Utc>>,
    answer: Option<String>,
    closed_at: Option<DateTime<Utc>>,
    forwarded_at: Option<DateTime<Utc>>,
}

/// The comment behind a receipt and its item's progress. `$1` is the receipt hash.
const RECEIPT: &str = "
    select c.created_at, t.public_code as site_code, t.name_zh as site_zh, t.name_en as site_en,
           c.satisfaction, c.support, c.body, c.status, c.hide_category, c.receipt_rating,
           c.receipt_rated_at, i.id as item_id, i.year, i.number, i.status as item_status,
           i.created_at as taken_at, u.name_zh as unit_zh, u.name_en as unit_en, i.deadline,
           i.answered_at, i.answer, i.closed_at,
           (select min(e.at) from list_item_events e
             where e.item_id = i.id and e.action = 'forward') as forwarded_at
      from public_comments c
      join sites t on t.id = c.site_id
      left join list_item_comments lc on lc.comment_id = c.id
      left join list_items i on i.id = lc.item_id
      left join lead_units u on u.id = i.unit_id
     where c.receipt_hash = $1";

/// The photos of the item's current answer: a reopened item's earlier evidence is not the
/// answer any more.
const ANSWER_PHOTOS: &str = "
    select p.sha256 from list_item_photos p
     where p.event_id = (select max(e.id) from list_item_events e
                          where e.item_id = $1 and e.action = 'answer')
     order by p.position";

impl Db {
    /// The receipt whose code hashes to `hash`, or none: an unknown code and a code of a
    /// comment without a receipt look the same.
    pub async fn receipt_by_hash(
        &self,
        hash: &[u8],
        code: &ReceiptCode,
    ) -> Result<Option<Receipt>, AppError> {
        let Some(r): Option<Row> = sqlx::query_as(RECEIPT)
            .bind(hash)
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        let item_status = r.item_status.as_deref().and_then(ItemStatus::parse);
        let answered = matches!(item_status, Some(ItemStatus::Answered | ItemStatus::Closed));
        let answer_photos = match (r.item_id, answered) {
            (Some(id), true) => {
                sqlx::query_scalar(ANSWER_PHOTOS)
                    .bind(id)
                    .fetch_all(&self.pool)
                    .await?
            }
            _ => vec![],
        };
        let item = match (item_status, r.year, r.number, r.taken_at) {
            (Some(status), Some(year), Some(number), Some(taken_at)) => Some(ReceiptItem {
                year,
                number,
                status,
                taken_at,
                unit_zh: r.unit_zh,
                unit_en: r.unit_en,
                deadline: r.deadline,
                forwarded_at: r.forwarded_at,
                answered_at: r.answered_at.filter(|_| answered),
                answer: r.answer.filter(|_| answered),
                answer_photos,
                closed_at: r.closed_at,
            }),
            _ => None,
        };
        Ok(Some(Receipt {
            code: code.clone(),
            received_at: r.created_at,
            site_code: r.site_code,
            site_zh: r.site_zh,
            site_en: r.site_en,
            satisfaction: r.satisfaction,
            support: r.support,
            body: r.body,
            status: r.status,
            hide_category: r.hide_category.as_deref().and_then(HideCategory::parse),
            item,
            rating: r.receipt_rating.as_deref().and_then(Satisfaction::parse),
            rated_at: r.receipt_rated_at,
        }))
    }

    /// The writer's verdict on the answer: once, and only after the unit answered. The comment
    /// is locked so two taps cannot both count.
    pub async fn rate_receipt(&self, hash: &[u8], rating: Satisfaction) -> Result<(), AppError> {
        let mut tx = self.pool.begin().await?;
        let row: Option<(Uuid, Option<String>, Option<String>)> = sqlx::query_as(
            "select c.id, c.receipt_rating, i.status
               from public_comments c
               left join list_item_comments lc on lc.comment_id = c.id
               left join list_items i on i.id = lc.item_id
              where c.receipt_hash = $1
              for update of c",
        )
        .bind(hash)
        .fetch_optional(&mut *tx)
        .await?;
        let (id, rated, item) = row.ok_or_else(|| AppError::not_found("receipt"))?;
        crate::domain::receipt::may_rate(
            item.as_deref().and_then(ItemStatus::parse),
            rated.as_deref().and_then(Satisfaction::parse),
        )
        .map_err(|e| {
            let field = match e {
                RateError::NoChoice => return AppError::invalid("rating", e.to_string()),
                RateError::AlreadyRated => "receipt_rated",
                RateError::NotAnswered => "receipt_not_answered",
            };
            AppError {
                error: ErrorCode::Conflict,
                ..AppError::invalid(field, e.to_string())
            }
        })?;
        sqlx::query(
            "update public_comments set receipt_rating = $2, receipt_rated_at = now()
              where id = $1",
        )
        .bind(id)
        .bind(rating.as_str())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// True when the photo is evidence of the current answer to the item this receipt's
    /// comment went into: the only photos a receipt shows.
    pub async fn receipt_photo_visible(&self, hash: &[u8], sha256: &str) -> Result<bool, AppError> {
        Ok(sqlx::query_scalar(
            "select exists (
                 select 1 from public_comments c
                   join list_item_comments lc on lc.comment_id = c.id
                   join list_items i on i.id = lc.item_id
                   join list_item_photos p on p.item_id = i.id
                  where c.receipt_hash = $1 and p.sha256 = $2
                    and i.status in ('answered', 'closed')
                    and p.event_id = (select max(e.id) from list_item_events e
                                       where e.item_id = i.id and e.action = 'answer'))",
        )
        .bind(hash)
        .bind(sha256)
        .fetch_one(&self.pool)
        .await?)
    }

    /// Gives a comment stored before receipts existed the receipt its form's token now
    /// derives, when that form is sent again.
    pub async fn give_receipt(&self, form_token: Uuid, hash: &[u8]) -> Result<(), AppError> {
        sqlx::query(
            "update public_comments set receipt_hash = $2
              where form_token = $1 and receipt_hash is null",
        )
        .bind(form_token)
        .bind(hash)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The public's verdicts on the units' answers (one per receipt), as satisfied / basic /
    /// dissatisfied counts. The deputies' are the sum of the dashboard's per-unit ratings
    /// (`dashboard_rates`): every rating counts for exactly one unit.
    pub async fn receipt_verdicts(&self) -> Result<Tally, AppError> {
        let (satisfied, basic, dissatisfied): (i64, i64, i64) = sqlx::query_as(
            "select count(*) filter (where receipt_rating = 'satisfied'),
                    count(*) filter (where receipt_rating = 'basic'),
                    count(*) filter (where receipt_rating = 'dissatisfied')
               from public_comments where receipt_rating is not null",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(Tally {
            satisfied,
            basic,
            dissatisfied,
            ..Tally::default()
        })
    }
}
