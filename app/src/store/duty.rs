//! The duty record: every figure counted from the raw tables for the period asked, so it cannot
//! drift from them. The roster is the starting point, so a deputy without an account or without
//! a single observation is a row of zeros, not a missing row.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::Db;
use crate::domain::duty::{Participation, Period};
use crate::duty_rows::{DutyFigures, DutyGroup, DutyObservation, DutyRow};
use crate::error::AppError;
use crate::paged::Paged;

/// The roster with each deputy's figures. `$1`, `$2`: the period's moments; `$3`: one deputy,
/// or null for all. Observations count by the day they were captured, ratings by the day they
/// were given.
const ROSTER: &str = "
with obs as (
    select o.deputy_user_id as user_id,
           count(distinct o.site_id) as sites,
           count(*) filter (where o.kind = 'problem') as problems,
           count(*) filter (where o.kind = 'suggestion') as suggestions,
           count(*) filter (where o.kind = 'good_practice') as good_practice,
           count(*) filter (where o.status = 'dismissed') as dismissed,
           count(distinct l.item_id) as items,
           count(distinct l.item_id) filter (where i.status = 'closed') as items_closed
      from observations o
      left join list_item_observations l on l.observation_id = o.id
      left join list_items i on i.id = l.item_id
     where o.captured_at >= $1 and o.captured_at < $2
       and ($3::uuid is null
            or o.deputy_user_id in (select id from users where deputy_id = $3))
     group by o.deputy_user_id
), rates as (
    select e.actor as user_id, count(*) as ratings
      from list_item_events e
     where e.action = 'rate' and e.at >= $1 and e.at < $2
       and ($3::uuid is null or e.actor in (select id from users where deputy_id = $3))
     group by e.actor
), roster as (
    select d.id as deputy_id, d.name_zh, d.delegation_zh, d.group_id,
           g.number as group_number, g.name_zh as group_name_zh, g.name_en as group_name_en,
           u.id as user_id, u.is_active as active,
           coalesce(obs.sites, 0) as sites,
           coalesce(obs.problems, 0) as problems,
           coalesce(obs.suggestions, 0) as suggestions,
           coalesce(obs.good_practice, 0) as good_practice,
           coalesce(obs.dismissed, 0) as dismissed,
           coalesce(obs.items, 0) as items,
           coalesce(obs.items_closed, 0) as items_closed,
           coalesce(rates.ratings, 0) as ratings
      from deputies d
      join supervision_groups g on g.id = d.group_id
      left join users u on u.deputy_id = d.id
      left join obs on obs.user_id = u.id
      left join rates on rates.user_id = u.id
     where ($3::uuid is null or d.id = $3)
)";

/// The table's filter over `roster`: `$4` a group, `$5` who took part, `$6` part of a name or
/// delegation.
const FILTER: &str = "
    where ($4::uuid is null or group_id = $4)
      and ($5::text = 'all'
           or ($5 = 'not_yet') = (problems + suggestions + good_practice + ratings = 0))
      and ($6::text is null or strpos(name_zh, $6) > 0 or strpos(delegation_zh, $6) > 0)";

const ROW_COLUMNS: &str = "deputy_id, name_zh, delegation_zh, group_number, group_name_zh,
    group_name_en, user_id, active, sites, problems, suggestions, good_practice, dismissed,
    items, items_closed, ratings";

/// What the staff's table is asked for.
#[derive(Debug, Clone, Default)]
pub struct DutyQuery {
    pub group: Option<Uuid>,
    pub participation: Participation,
    pub name: Option<String>,
}

impl Db {
    /// One page of the roster with the figures, in group and name order, with how many deputies
    /// match and the figures summed over all of them.
    pub async fn duty_table(
        &self,
        period: &Period,
        q: &DutyQuery,
        page: u32,
        per_page: u32,
    ) -> Result<(Paged<DutyRow>, DutyFigures), AppError> {
        let (start, end) = period.bounds();
        let name = q.name.as_deref().map(str::trim).filter(|s| !s.is_empty());
        let rows_sql = format!(
            "{ROSTER} select {ROW_COLUMNS} from roster {FILTER}
              order by group_number, name_zh, deputy_id limit $7 offset $8"
        );
        let rows = sqlx::query_as(&rows_sql)
            .bind(start)
            .bind(end)
            .bind(None::<Uuid>)
            .bind(q.group)
            .bind(q.participation.as_str())
            .bind(name)
            .bind(i64::from(per_page))
            .bind(i64::from(page) * i64::from(per_page))
            .fetch_all(&self.pool)
            .await?;
        let sums_sql = format!(
            "{ROSTER} select count(*) as total,
                    coalesce(sum(sites), 0)::bigint as sites,
                    coalesce(sum(problems), 0)::bigint as problems,
                    coalesce(sum(suggestions), 0)::bigint as suggestions,
                    coalesce(sum(good_practice), 0)::bigint as good_practice,
                    coalesce(sum(dismissed), 0)::bigint as dismissed,
                    coalesce(sum(items), 0)::bigint as items,
                    coalesce(sum(items_closed), 0)::bigint as items_closed,
                    coalesce(sum(ratings), 0)::bigint as ratings
               from roster {FILTER}"
        );
        let sums: Sums = sqlx::query_as(&sums_sql)
            .bind(start)
            .bind(end)
            .bind(None::<Uuid>)
            .bind(q.group)
            .bind(q.participation.as_str())
            .bind(name)
            .fetch_one(&self.pool)
            .await?;
        Ok((
            Paged {
                rows,
                total: sums.total,
                page,
                per_page,
            },
            sums.figures,
        ))
    }

    /// Every deputy of the roster with the figures, for the export: the file holds them all.
    pub async fn duty_roster(&self, period: &Period) -> Result<Vec<DutyRow>, AppError> {
        let (list, _) = self
            .duty_table(period, &DutyQuery::default(), 0, i32::MAX as u32)
            .await?;
        Ok(list.rows)
    }

    /// One deputy's figures, `None` when there is no such deputy.
    pub async fn duty_of(
        &self,
        deputy: Uuid,
        period: &Period,
    ) -> Result<Option<DutyRow>, AppError> {
        let (start, end) = period.bounds();
        let sql = format!("{ROSTER} select {ROW_COLUMNS} from roster");
        Ok(sqlx::query_as(&sql)
            .bind(start)
            .bind(end)
            .bind(deputy)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// A page of one account's observations in the period, newest first, each with its item.
    pub async fn duty_observations(
        &self,
        user: Uuid,
        (start, end): (DateTime<Utc>, DateTime<Utc>),
        page: u32,
        per_page: u32,
    ) -> Result<Vec<DutyObservation>, AppError> {
        Ok(sqlx::query_as(
            "select o.id, o.captured_at, o.kind, o.status, o.note, o.site_id,
                    s.name_zh as site_name_zh, s.name_en as site_name_en, o.verdict,
                    i.id as item_id, i.year as item_year, i.number as item_number,
                    i.status as item_status
               from observations o
               join sites s on s.id = o.site_id
               left join list_item_observations l on l.observation_id = o.id
               left join list_items i on i.id = l.item_id
              where o.deputy_user_id = $1 and o.captured_at >= $2 and o.captured_at < $3
              order by o.captured_at desc, o.id desc
              limit $4 offset $5",
        )
        .bind(user)
        .bind(start)
        .bind(end)
        .bind(i64::from(per_page))
        .bind(i64::from(page) * i64::from(per_page))
        .fetch_all(&self.pool)
        .await?)
    }

    /// The supervision groups, for the table's filter.
    pub async fn duty_groups(&self) -> Result<Vec<DutyGroup>, AppError> {
        Ok(sqlx::query_as(
            "select id, number, name_zh, name_en from supervision_groups order by number",
        )
        .fetch_all(&self.pool)
        .await?)
    }
}

#[derive(sqlx::FromRow)]
struct Sums {
    total: i64,
    #[sqlx(flatten)]
    figures: DutyFigures,
}
