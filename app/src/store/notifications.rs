//! SQL for in-app notifications (written by `items::transition_item`, read here).

use uuid::Uuid;

use super::Db;
use crate::error::AppError;
use crate::items::notifications::Notification;

impl Db {
    pub async fn unread_notifications(&self, user: Uuid) -> Result<i64, AppError> {
        Ok(sqlx::query_scalar(
            "select count(*) from notifications where user_id = $1 and read_at is null",
        )
        .bind(user)
        .fetch_one(&self.pool)
        .await?)
    }

    /// One page of notifications, newest first, with what happened and to which item; and how
    /// many there are.
    pub async fn notifications(
        &self,
        user: Uuid,
        page: u32,
        per_page: u32,
    ) -> Result<(Vec<Notification>, i64), AppError> {
        let total: i64 =
            sqlx::query_scalar("select count(*) from notifications where user_id = $1")
                .bind(user)
                .fetch_one(&self.pool)
                .await?;
        let rows = sqlx::query_as(
            "select n.id, n.item_id, pr.sub_item_id, n.read_at is not null as read,
                    coalesce(e.action, oe.action,
                             case when pq.id is not null then 'query_progress' end) as action,
                    e.to_status, coalesce(e.at, oe.at, pq.at) as at,
                    us.display_name as actor_name, i.year, i.number,
                    coalesce(i.description, oe.reason, pq.reason) as description,
                    coalesce(t.name_zh, si.title_zh) as site_name_zh,
                    coalesce(t.name_en, si.title_en) as site_name_en
               from notifications n
               left join list_item_events e on e.id = n.event_id
               left join list_items i on i.id = n.item_id
               left join observation_events oe on oe.id = n.observation_event_id
               left join observations o on o.id = oe.observation_id
               left join progress_queries pq on pq.id = n.progress_query_id
               left join progress_reports pr on pr.id = pq.report_id
               left join sub_items si on si.id = pr.sub_item_id
               join users us on us.id = coalesce(e.actor, oe.actor, pq.actor)
               left join sites t on t.id = coalesce(i.site_id, o.site_id)
              where n.user_id = $1
              order by n.id desc
              limit $2 offset $3",
        )
        .bind(user)
        .bind(i64::from(per_page))
        .bind(i64::from(page) * i64::from(per_page))
        .fetch_all(&self.pool)
        .await?;
        Ok((rows, total))
    }

    /// Marks one notification (or, with `None`, all of them) read; someone else's id changes
    /// nothing.
    pub async fn mark_notifications_read(
        &self,
        user: Uuid,
        id: Option<i64>,
    ) -> Result<u64, AppError> {
        Ok(sqlx::query(
            "update notifications set read_at = now()
              where user_id = $1 and read_at is null and ($2::bigint is null or id = $2)",
        )
        .bind(user)
        .bind(id)
        .execute(&self.pool)
        .await?
        .rows_affected())
    }
}
