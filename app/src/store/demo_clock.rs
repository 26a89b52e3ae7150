//! SQL for the demo's year of activity (`server::demo_year`). The year is made through the same
//! store calls as real use, all in one minute; these statements then move each row's clock back
//! to the day the story gives it, so the dashboard's weeks, the deadlines and the notification
//! times read as a year in progress. Nothing here runs outside the demo loader.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::Db;
use crate::error::AppError;

impl Db {
    /// Whether the demo's audit file was imported: the last step of the demo year, so its
    /// presence says the whole year is here.
    pub async fn demo_year_loaded(&self, audit_file: &str) -> Result<bool, AppError> {
        Ok(
            sqlx::query_scalar("select exists (select 1 from item_imports where file_name = $1)")
                .bind(audit_file)
                .fetch_one(&self.pool)
                .await?,
        )
    }

    /// Observations already stored under any of these ids (a demo year begun and broken off).
    pub async fn observations_present(&self, ids: &[Uuid]) -> Result<i64, AppError> {
        Ok(
            sqlx::query_scalar("select count(*) from observations where id = any($1)")
                .bind(ids)
                .fetch_one(&self.pool)
                .await?,
        )
    }

    /// An observation arrived at `received` and was last changed at `changed`.
    pub async fn set_observation_clock(
        &self,
        id: Uuid,
        received: DateTime<Utc>,
        changed: DateTime<Utc>,
    ) -> Result<(), AppError> {
        let mut tx = self.pool.begin().await?;
        allow_log_rewrite(&mut tx).await?;
        sqlx::query("update observations set received_at = $2, updated_at = $3 where id = $1")
            .bind(id)
            .bind(received)
            .bind(changed)
            .execute(&mut *tx)
            .await?;
        sqlx::query("update observation_events set at = $2 where observation_id = $1")
            .bind(id)
            .bind(changed)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The weekly observation counter from the observations themselves: its trigger counted
    /// each at the minute it was stored, before its clock was moved.
    pub async fn recount_observation_weeks(&self) -> Result<(), AppError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("delete from observation_weeks")
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "insert into observation_weeks (week, n)
             select date_trunc('week', received_at at time zone 'Asia/Shanghai')::date, count(*)
               from observations group by 1",
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// An item's steps took place at `times`, one per event in the order they were logged; the
    /// item's own times follow from its events (made at the first, answered at its last answer,
    /// closed at its last verification).
    pub async fn set_item_clock(
        &self,
        item: Uuid,
        times: &[DateTime<Utc>],
    ) -> Result<(), AppError> {
        let mut tx = self.pool.begin().await?;
        allow_log_rewrite(&mut tx).await?;
        sqlx::query(
            "with e as (select id, row_number() over (order by id) as n
                          from list_item_events where item_id = $1)
             update list_item_events l set at = ($2::timestamptz[])[e.n]
               from e where l.id = e.id and e.n <= cardinality($2::timestamptz[])",
        )
        .bind(item)
        .bind(times)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "update list_items i
                set created_at = e.first, updated_at = e.last,
                    answered_at = case when i.answered_at is not null then e.answered end,
                    closed_at = case when i.closed_at is not null then e.verified end
               from (select min(at) as first, max(at) as last,
                            max(at) filter (where action = 'answer') as answered,
                            max(at) filter (where action = 'verify') as verified
                       from list_item_events where item_id = $1) e
              where i.id = $1",
        )
        .bind(item)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A public comment was posted at `posted` and moderated (its one event) at `moderated`.
    pub async fn set_comment_clock(
        &self,
        id: Uuid,
        posted: DateTime<Utc>,
        moderated: Option<DateTime<Utc>>,
    ) -> Result<(), AppError> {
        let mut tx = self.pool.begin().await?;
        allow_log_rewrite(&mut tx).await?;
        sqlx::query(
            "update public_comments
                set created_at = $2, moderated_at = case when moderated_at is not null then $3 end
              where id = $1",
        )
        .bind(id)
        .bind(posted)
        .bind(moderated)
        .execute(&mut *tx)
        .await?;
        sqlx::query("update public_comment_events set at = $2 where comment_id = $1")
            .bind(id)
            .bind(moderated.unwrap_or(posted))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// An import of findings took place at `at`.
    pub async fn set_import_clock(&self, import: Uuid, at: DateTime<Utc>) -> Result<(), AppError> {
        sqlx::query("update item_imports set at = $2 where id = $1")
            .bind(import)
            .bind(at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The items an import made, in the file's row order.
    pub async fn imported_items(&self, import: Uuid) -> Result<Vec<Uuid>, AppError> {
        Ok(
            sqlx::query_scalar(
                "select id from list_items where import_id = $1 order by import_row",
            )
            .bind(import)
            .fetch_all(&self.pool)
            .await?,
        )
    }
}

/// The logs are append-only (a trigger refuses any change); the demo loader alone moves its
/// generated steps back to their days, and says so for this transaction only.
async fn allow_log_rewrite(tx: &mut sqlx::Transaction<'_, sqlx::Postgres>) -> Result<(), AppError> {
    sqlx::query("select set_config('jiandu.rewrite_log', 'demo clock', true)")
        .execute(&mut **tx)
        .await?;
    Ok(())
}
