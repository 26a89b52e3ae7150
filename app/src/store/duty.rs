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

/// The roster with each deputy's figures. `$1`, `$2`: the period's moments. `{OBS_SCOPE}`,
/// `{RATE_SCOPE}`, `{CHECK_SCOPE}` and `{ROSTER_SCOPE}` narrow it to one deputy (`$3`, see [`one_deputy`]) or
/// are empty: written into the text rather than `$3 is null or …`, which a prepared statement's
/// generic plan cannot fold away (the roster of 5,000 took 15 s that way instead of 0.5 s).
/// Observations count by the day they were captured, ratings by the day they were given.
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
     where o.captured_at >= $1 and o.captured_at < $2 {OBS_SCOPE}
     group by o.deputy_user_id
), rates as (
    select e.actor as user_id, count(*) as ratings
      from list_item_events e
     where e.action = 'rate' and e.at >= $1 and e.at < $2 {RATE_SCOPE}
     group by e.actor
), insp as (
    -- Inspections attended: a check-in, or an observation made on it, in the period.
    select x.user_id, count(distinct x.inspection_id) as inspections
      from (select c.deputy_user_id as user_id, c.inspection_id
              from inspection_check_ins c
             where c.checked_at >= $1 and c.checked_at < $2 {CHECK_SCOPE}
            union
            select o.deputy_user_id, o.inspection_id
              from observations o
             where o.inspection_id is not null
               and o.captured_at >= $1 and o.captured_at < $2 {OBS_SCOPE}) x
     group by x.user_id
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
           coalesce(rates.ratings, 0) as ratings,
           coalesce(insp.inspections, 0) as inspections
      from deputies d
      join supervision_groups g on g.id = d.group_id
      left join users u on u.deputy_id = d.id
      left join obs on obs.user_id = u.id
      left join rates on rates.user_id = u.id
      left join insp on insp.user_id = u.id
     {ROSTER_SCOPE}
)";

/// [`ROSTER`] for every deputy.
fn whole_roster() -> String {
    ROSTER
        .replace("{OBS_SCOPE}", "")
        .replace("{RATE_SCOPE}", "")
        .replace("{CHECK_SCOPE}", "")
        .replace("{ROSTER_SCOPE}", "")
}

/// [`ROSTER`] for the deputy `$3`.
fn one_deputy() -> String {
    ROSTER
        .replace(
            "{OBS_SCOPE}",
            "and o.deputy_user_id in (select id from users where deputy_id = $3)",
        )
        .replace(
            "{RATE_SCOPE}",
            "and e.actor in (select id from users where deputy_id = $3)",
        )
        .replace(
            "{CHECK_SCOPE}",
            "and c.deputy_user_id in (select id from users where deputy_id = $3)",
        )
        .replace("{ROSTER_SCOPE}", "where d.id = $3")
}

/// The table's filter over `roster`: `$3` a group, `$4` who took part, `$5` part of a name or
/// delegation. Over the roster's rows (thousands), not the observations.
const FILTER: &str = "
    where ($3::uuid is null or group_id = $3)
      and ($4::text = 'all'
           or ($4 = 'not_yet') = (problems + suggestions + good_practice + ratings + inspections = 0))
      and ($5::text is null or strpos(name_zh, $5) > 0 or strpos(delegation_zh, $5) > 0)";

const ROW_COLUMNS: &str = "deputy_id, name_zh, delegation_zh, group_number, group_name_zh,
    group_name_en, user_id, active, sites, problems, suggestions, good_practice, dismissed,
    items, items_closed, ratings, inspections";

/// The count and the sums over every row the filter keeps, as window columns of the page's
/// rows: one pass over the observations gives the page and its totals.
const SUMS: &str = "count(*) over () as total,
    (sum(sites) over ())::bigint as sum_sites, (sum(problems) over ())::bigint as sum_problems,
    (sum(suggestions) over ())::bigint as sum_suggestions,
    (sum(good_practice) over ())::bigint as sum_good_practice,
    (sum(dismissed) over ())::bigint as sum_dismissed, (sum(items) over ())::bigint as sum_items,
    (sum(items_closed) over ())::bigint as sum_items_closed,
    (sum(ratings) over ())::bigint as sum_ratings,
    (sum(inspections) over ())::bigint as sum_inspections";

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
        let roster = whole_roster();
        let sql = format!(
            "{roster} select {ROW_COLUMNS}, {SUMS} from roster {FILTER}
              order by group_number, name_zh, deputy_id limit $6 offset $7"
        );
        let found: Vec<TableRow> = sqlx::query_as(&sql)
            .bind(start)
            .bind(end)
            .bind(q.group)
            .bind(q.participation.as_str())
            .bind(name)
            .bind(i64::from(per_page))
            .bind(i64::from(page) * i64::from(per_page))
            .fetch_all(&self.pool)
            .await?;
        let (total, sums) = match found.first() {
            Some(first) => (first.totals.total, first.totals.sums()),
            // The first page empty: nobody matches.
            None if page == 0 => (0, DutyFigures::default()),
            // A page past the end has no row to carry the totals: count them alone.
            None => {
                let sql = format!(
                    "{roster} select count(*) as total,
                        coalesce(sum(sites), 0)::bigint as sum_sites,
                        coalesce(sum(problems), 0)::bigint as sum_problems,
                        coalesce(sum(suggestions), 0)::bigint as sum_suggestions,
                        coalesce(sum(good_practice), 0)::bigint as sum_good_practice,
                        coalesce(sum(dismissed), 0)::bigint as sum_dismissed,
                        coalesce(sum(items), 0)::bigint as sum_items,
                        coalesce(sum(items_closed), 0)::bigint as sum_items_closed,
                        coalesce(sum(ratings), 0)::bigint as sum_ratings,
                        coalesce(sum(inspections), 0)::bigint as sum_inspections
                       from roster {FILTER}"
                );
                let t: Totals = sqlx::query_as(&sql)
                    .bind(start)
                    .bind(end)
                    .bind(q.group)
                    .bind(q.participation.as_str())
                    .bind(name)
                    .fetch_one(&self.pool)
                    .await?;
                (t.total, t.sums())
            }
        };
        Ok((
            Paged {
                rows: found.into_iter().map(|r| r.row).collect(),
                total,
                page,
                per_page,
            },
            sums,
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
        let sql = format!("{} select {ROW_COLUMNS} from roster", one_deputy());
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

/// How many rows the filter keeps and their figures summed.
#[derive(sqlx::FromRow)]
struct Totals {
    total: i64,
    sum_sites: i64,
    sum_problems: i64,
    sum_suggestions: i64,
    sum_good_practice: i64,
    sum_dismissed: i64,
    sum_items: i64,
    sum_items_closed: i64,
    sum_ratings: i64,
    sum_inspections: i64,
}

impl Totals {
    fn sums(&self) -> DutyFigures {
        DutyFigures {
            sites: self.sum_sites,
            problems: self.sum_problems,
            suggestions: self.sum_suggestions,
            good_practice: self.sum_good_practice,
            dismissed: self.sum_dismissed,
            items: self.sum_items,
            items_closed: self.sum_items_closed,
            ratings: self.sum_ratings,
            inspections: self.sum_inspections,
        }
    }
}

/// A row of the page with the totals beside it (the same on every row).
#[derive(sqlx::FromRow)]
struct TableRow {
    #[sqlx(flatten)]
    row: DutyRow,
    #[sqlx(flatten)]
    totals: Totals,
}
