//! SQL for the review queue and the problem and suggestion list.

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::Db;
use crate::domain::list_item::{
    apply, Action, Actor, ItemFacts, ItemKind, ItemStatus, TransitionError, NEARBY_M,
};
use crate::domain::Role;
use crate::error::{AppError, ErrorCode};
use crate::items::{
    ExportRow, ItemDetail, ItemEvent, ItemRow, ReviewFilter, ReviewRow, REVIEW_PAGE,
};
use crate::store::users::UserRecord;

fn transition_error(e: TransitionError) -> AppError {
    match e {
        TransitionError::NotAllowed { .. } => AppError::new(ErrorCode::Forbidden, e.to_string()),
        TransitionError::WrongState { .. } => AppError::new(ErrorCode::Conflict, e.to_string()),
        TransitionError::Invalid(m) => AppError::invalid("action", m),
    }
}

/// Whether deputy `$2` sent one of the observations item `$1` was made from.
const IS_REPORTER: &str = "select exists (select 1 from list_item_observations lo
                                   join observations o on o.id = lo.observation_id
                                  where lo.item_id = $1 and o.deputy_user_id = $2)";

const ITEM_COLUMNS: &str = "
    i.id, i.year, i.number, i.kind, i.channel, i.status, i.description, i.deadline, i.answer,
    i.answer_rating, i.created_at, i.updated_at, i.site_id, t.name_zh as site_name_zh,
    t.name_en as site_name_en, t.public_code, i.unit_id, u.name_zh as unit_name_zh,
    u.name_en as unit_name_en";

const ITEM_FROM: &str = "
    from list_items i
    join sites t on t.id = i.site_id
    left join lead_units u on u.id = i.unit_id";

impl Db {
    /// Observations for staff to triage, newest first, one page after `before` (keyset).
    pub async fn review_queue(&self, f: &ReviewFilter) -> Result<Vec<ReviewRow>, AppError> {
        let (at, id) = f.before.unzip();
        Ok(sqlx::query_as(
            "select o.id, o.kind, o.note, o.verdict, o.distance_m, o.status, o.captured_at,
                    o.received_at, o.lat, o.lon, o.site_id, t.name_zh as site_name_zh,
                    t.name_en as site_name_en, us.display_name as deputy_name,
                    s.lead_unit_id as unit_id,
                    coalesce(array_agg(op.sha256 order by op.position)
                             filter (where op.sha256 is not null), '{}') as photos
               from observations o
               join sites t on t.id = o.site_id
               join sub_items s on s.id = t.sub_item_id
               join users us on us.id = o.deputy_user_id
               left join observation_photos op on op.observation_id = o.id
              where o.status = $1
                and ($2::uuid is null or s.project_id = $2)
                and ($3::uuid is null or s.lead_unit_id = $3)
                and ($4::text is null or o.kind = $4)
                and ($5::timestamptz is null or (o.received_at, o.id) < ($5, $6))
              group by o.id, t.id, s.id, us.id
              order by o.received_at desc, o.id desc
              limit $7",
        )
        .bind(&f.status)
        .bind(f.project)
        .bind(f.unit)
        .bind(&f.kind)
        .bind(at)
        .bind(id)
        .bind(REVIEW_PAGE as i64)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Makes a draft item from observations of one site; they leave the queue as triaged.
    pub async fn create_item(
        &self,
        observations: &[Uuid],
        kind: ItemKind,
        description: &str,
        actor: Uuid,
        year: i32,
    ) -> Result<Uuid, AppError> {
        let mut tx = self.pool.begin().await?;
        let rows: Vec<(Uuid, Uuid, String)> = sqlx::query_as(
            "select id, site_id, status from observations where id = any($1) for update",
        )
        .bind(observations)
        .fetch_all(&mut *tx)
        .await?;
        if rows.len() != observations.len() || rows.is_empty() {
            return Err(AppError::not_found("observation"));
        }
        if rows.iter().any(|r| r.2 != "submitted") {
            return Err(AppError::new(
                ErrorCode::Conflict,
                "an observation was triaged already",
            ));
        }
        let site = rows[0].1;
        if rows.iter().any(|r| r.1 != site) {
            return Err(AppError::invalid(
                "observations",
                "an item is about one site: choose observations of the same site",
            ));
        }
        // Numbers run per year without gaps from concurrent creation.
        sqlx::query("select pg_advisory_xact_lock(hashtextextended('list_items', $1))")
            .bind(i64::from(year))
            .execute(&mut *tx)
            .await?;
        let number: i32 = sqlx::query_scalar(
            "select coalesce(max(number), 0) + 1 from list_items where year = $1",
        )
        .bind(year)
        .fetch_one(&mut *tx)
        .await?;
        let id = Uuid::now_v7();
        sqlx::query(
            "insert into list_items (id, year, number, kind, site_id, description, created_by)
             values ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id)
        .bind(year)
        .bind(number)
        .bind(kind.as_str())
        .bind(site)
        .bind(description)
        .bind(actor)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "insert into list_item_observations (item_id, observation_id)
             select $1, unnest($2::uuid[])",
        )
        .bind(id)
        .bind(observations)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "update observations set status = 'triaged', updated_at = now() where id = any($1)",
        )
        .bind(observations)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "insert into list_item_events (item_id, action, to_status, actor)
             values ($1, 'create', 'draft', $2)",
        )
        .bind(id)
        .bind(actor)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Merges an observation into an existing item (a duplicate of what it already says).
    pub async fn attach_observation(
        &self,
        item: Uuid,
        observation: Uuid,
        actor: Uuid,
    ) -> Result<(), AppError> {
        let mut tx = self.pool.begin().await?;
        let status: Option<String> =
            sqlx::query_scalar("select status from list_items where id = $1 for update")
                .bind(item)
                .fetch_optional(&mut *tx)
                .await?;
        let status = status.ok_or_else(|| AppError::not_found("item"))?;
        let done = sqlx::query(
            "update observations set status = 'merged', updated_at = now()
              where id = $1 and status = 'submitted'",
        )
        .bind(observation)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Err(AppError::new(
                ErrorCode::Conflict,
                "the observation is not waiting for review",
            ));
        }
        sqlx::query("insert into list_item_observations (item_id, observation_id) values ($1, $2)")
            .bind(item)
            .bind(observation)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "insert into list_item_events (item_id, action, from_status, to_status, actor)
             values ($1, 'attach', $2, $2, $3)",
        )
        .bind(item)
        .bind(&status)
        .bind(actor)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn dismiss_observation(&self, id: Uuid, reason: &str) -> Result<(), AppError> {
        let done = sqlx::query(
            "update observations set status = 'dismissed', dismiss_reason = $2, updated_at = now()
              where id = $1 and status = 'submitted'",
        )
        .bind(id)
        .bind(reason)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() != 1 {
            return Err(AppError::new(
                ErrorCode::Conflict,
                "the observation is not waiting for review",
            ));
        }
        Ok(())
    }

    /// Open items at the same site or within [`NEARBY_M`] of it: candidates to merge into.
    pub async fn nearby_open_items(&self, site_id: Uuid) -> Result<Vec<ItemRow>, AppError> {
        let q = format!(
            "select {ITEM_COLUMNS} {ITEM_FROM}, sites here
              where here.id = $1 and i.status <> 'closed'
                and (i.site_id = here.id
                     or 111320.0 * sqrt(power((t.anchor[0] - here.anchor[0])
                                              * cos(radians(here.anchor[1])), 2)
                                        + power(t.anchor[1] - here.anchor[1], 2)) <= $2)
              order by (i.site_id = here.id) desc, i.created_at desc
              limit 10"
        );
        Ok(sqlx::query_as(&q)
            .bind(site_id)
            .bind(NEARBY_M)
            .fetch_all(&self.pool)
            .await?)
    }

    /// The lead unit of the site's sub-item: where an item goes unless staff choose otherwise.
    pub async fn default_unit(&self, item: Uuid) -> Result<Uuid, AppError> {
        sqlx::query_scalar(
            "select s.lead_unit_id from list_items i join sites t on t.id = i.site_id
               join sub_items s on s.id = t.sub_item_id where i.id = $1",
        )
        .bind(item)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| AppError::not_found("item"))
    }

    /// One step of the closed loop: the row is locked, the domain decides, the row and the log
    /// change together.
    pub async fn transition_item(
        &self,
        id: Uuid,
        user: &UserRecord,
        action: &Action,
        today: NaiveDate,
    ) -> Result<ItemStatus, AppError> {
        let mut tx = self.pool.begin().await?;
        let row: Option<(String, Option<Uuid>, Option<String>)> = sqlx::query_as(
            "select status, unit_id, answer_rating from list_items where id = $1 for update",
        )
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let (status, unit, rating) = row.ok_or_else(|| AppError::not_found("item"))?;
        let status = ItemStatus::parse(&status).ok_or_else(AppError::internal)?;
        let actor = match user.role {
            Role::Staff | Role::Admin => Actor::Staff,
            Role::UnitOfficer => match user.unit_id {
                Some(u) => Actor::Officer(u),
                None => return Err(AppError::forbidden()),
            },
            Role::Deputy => {
                let reporter: bool = sqlx::query_scalar(IS_REPORTER)
                    .bind(id)
                    .bind(user.id)
                    .fetch_one(&mut *tx)
                    .await?;
                Actor::Deputy { reporter }
            }
        };
        let facts = ItemFacts {
            status,
            unit,
            rated: rating.is_some(),
        };
        let out = apply(facts, actor, action, today).map_err(transition_error)?;
        let (deadline, comment, answer, rate) = match action {
            Action::Forward { deadline, .. } => (Some(*deadline), None, None, None),
            Action::Answer { text } => {
                (None, Some(text.trim().to_owned()), Some(text.trim()), None)
            }
            Action::Reopen { reason } => (None, Some(reason.trim().to_owned()), None, None),
            Action::Rate { rating } => (None, None, None, Some(rating.as_str())),
            _ => (None, None, None, None),
        };
        sqlx::query(
            "update list_items
                set status = $2, unit_id = $3, deadline = coalesce($4, deadline),
                    answer = coalesce($5, answer), answer_rating = coalesce($6, answer_rating),
                    updated_at = now()
              where id = $1",
        )
        .bind(id)
        .bind(out.status.as_str())
        .bind(out.unit)
        .bind(deadline)
        .bind(answer)
        .bind(rate)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "insert into list_item_events
                (item_id, action, from_status, to_status, unit_id, deadline, comment, actor)
             values ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id)
        .bind(action.name())
        .bind(status.as_str())
        .bind(out.status.as_str())
        .bind(out.unit)
        .bind(deadline)
        .bind(comment.or(rate.map(str::to_owned)))
        .bind(user.id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(out.status)
    }

    /// Whether this user may read this item: staff, the officer of its unit, or a deputy whose
    /// observation it came from.
    pub async fn may_read_item(&self, id: Uuid, user: &UserRecord) -> Result<bool, AppError> {
        Ok(match user.role {
            Role::Staff | Role::Admin => true,
            Role::UnitOfficer => {
                sqlx::query_scalar(
                    "select exists (select 1 from list_items where id = $1 and unit_id = $2)",
                )
                .bind(id)
                .bind(user.unit_id)
                .fetch_one(&self.pool)
                .await?
            }
            Role::Deputy => {
                sqlx::query_scalar(IS_REPORTER)
                    .bind(id)
                    .bind(user.id)
                    .fetch_one(&self.pool)
                    .await?
            }
        })
    }

    pub async fn item_detail(&self, id: Uuid) -> Result<ItemDetail, AppError> {
        let q = format!("select {ITEM_COLUMNS} {ITEM_FROM} where i.id = $1");
        let item: ItemRow = sqlx::query_as(&q)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| AppError::not_found("item"))?;
        let observations: Vec<ReviewRow> = sqlx::query_as(
            "select o.id, o.kind, o.note, o.verdict, o.distance_m, o.status, o.captured_at,
                    o.received_at, o.lat, o.lon, o.site_id, t.name_zh as site_name_zh,
                    t.name_en as site_name_en, us.display_name as deputy_name,
                    s.lead_unit_id as unit_id,
                    coalesce(array_agg(op.sha256 order by op.position)
                             filter (where op.sha256 is not null), '{}') as photos
               from list_item_observations lo
               join observations o on o.id = lo.observation_id
               join sites t on t.id = o.site_id
               join sub_items s on s.id = t.sub_item_id
               join users us on us.id = o.deputy_user_id
               left join observation_photos op on op.observation_id = o.id
              where lo.item_id = $1
              group by o.id, t.id, s.id, us.id
              order by o.received_at",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        let events: Vec<ItemEvent> = sqlx::query_as(
            "select e.action, e.from_status, e.to_status, e.deadline, e.comment, e.at,
                    us.display_name as actor_name, us.role as actor_role,
                    u.name_zh as unit_name_zh, u.name_en as unit_name_en
               from list_item_events e
               join users us on us.id = e.actor
               left join lead_units u on u.id = e.unit_id
              where e.item_id = $1
              order by e.id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        Ok(ItemDetail {
            item,
            observations,
            events,
        })
    }

    /// Items for a list page: all (staff, optionally one status), one unit's, or one deputy's.
    pub async fn list_items(
        &self,
        status: Option<ItemStatus>,
        unit: Option<Uuid>,
        deputy_user: Option<Uuid>,
    ) -> Result<Vec<ItemRow>, AppError> {
        let q = format!(
            "select {ITEM_COLUMNS} {ITEM_FROM}
              where ($1::text is null or i.status = $1)
                and ($2::uuid is null or i.unit_id = $2)
                and ($3::uuid is null or exists (
                      select 1 from list_item_observations lo
                        join observations o on o.id = lo.observation_id
                       where lo.item_id = i.id and o.deputy_user_id = $3))
              order by (i.status in ('forwarded', 'acknowledged')) desc,
                       i.deadline nulls last, i.number
              limit 500"
        );
        Ok(sqlx::query_as(&q)
            .bind(status.map(|s| s.as_str()))
            .bind(unit)
            .bind(deputy_user)
            .fetch_all(&self.pool)
            .await?)
    }
}

impl Db {
    /// The formal list: items that left the draft stage, by number, for one unit or project.
    pub async fn export_items(
        &self,
        unit: Option<Uuid>,
        project: Option<Uuid>,
    ) -> Result<Vec<ExportRow>, AppError> {
        Ok(sqlx::query_as(
            "select i.year, i.number, p.number || '. ' || p.title_zh as project,
                    s.number || '. ' || s.title_zh as sub_item, t.name_zh as site, i.kind,
                    i.description,
                    (select string_agg(distinct us.display_name, '、')
                       from list_item_observations lo
                       join observations o on o.id = lo.observation_id
                       join users us on us.id = o.deputy_user_id
                      where lo.item_id = i.id) as deputies,
                    u.name_zh as unit, i.deadline, i.status, i.answer
               from list_items i
               join sites t on t.id = i.site_id
               join sub_items s on s.id = t.sub_item_id
               join projects p on p.id = s.project_id
               left join lead_units u on u.id = i.unit_id
              where i.status <> 'draft'
                and ($1::uuid is null or i.unit_id = $1)
                and ($2::uuid is null or p.id = $2)
              order by i.year, i.number",
        )
        .bind(unit)
        .bind(project)
        .fetch_all(&self.pool)
        .await?)
    }
}

impl Db {
    /// Figures per unit, group or project. Overdue mirrors `list_item::is_overdue` (with the
    /// unit, after the deadline day) for counting in SQL; a database test checks they agree.
    pub async fn dashboard_rows(
        &self,
        by: &str,
        today: NaiveDate,
    ) -> Result<Vec<crate::items::dashboard::DashRow>, AppError> {
        // (key columns, the join from a site `t` and its sub-item `s` to the key)
        let (key, from) = match by {
            "unit" => ("k.id, k.name_zh, k.name_en, k.name_zh as sort", "lead_units k"),
            "group" => (
                "k.id, k.name_zh, k.name_en, lpad(k.number::text, 3, '0') as sort",
                "supervision_groups k",
            ),
            _ => (
                "k.id, k.title_zh as name_zh, k.title_en as name_en, lpad(k.number::text, 3, '0') as sort",
                "projects k",
            ),
        };
        // An item counts for the unit it is with (after a forward or reassignment), a draft for
        // the site's lead unit; observations count for the site's lead unit.
        let (item_key, site_key) = match by {
            "unit" => ("coalesce(i.unit_id, s.lead_unit_id)", "s.lead_unit_id"),
            "group" => (
                "(select group_id from group_units where unit_id = coalesce(i.unit_id, s.lead_unit_id))",
                "(select group_id from group_units where unit_id = s.lead_unit_id)",
            ),
            _ => ("s.project_id", "s.project_id"),
        };
        let q = format!(
            "with item_keys as (
                 select {item_key} as key, i.*,
                        exists (select 1 from list_item_events e
                                 where e.item_id = i.id and e.action = 'answer'
                                   and (e.at at time zone 'Asia/Shanghai')::date <= i.deadline)
                          as answered_on_time
                   from list_items i join sites t on t.id = i.site_id
                   join sub_items s on s.id = t.sub_item_id),
             obs_keys as (
                 select {site_key} as key, o.deputy_user_id
                   from observations o join sites t on t.id = o.site_id
                   join sub_items s on s.id = t.sub_item_id)
             select id, name_zh, name_en, problems, suggestions, forwarded, answered, closed,
                    overdue, on_time, observations, deputies from (
               select {key},
                      (select count(*) from item_keys x where x.key = k.id and x.kind = 'problem') as problems,
                      (select count(*) from item_keys x where x.key = k.id and x.kind = 'suggestion') as suggestions,
                      (select count(*) from item_keys x where x.key = k.id and x.status <> 'draft') as forwarded,
                      (select count(*) from item_keys x where x.key = k.id and x.status in ('answered', 'closed')) as answered,
                      (select count(*) from item_keys x where x.key = k.id and x.status = 'closed') as closed,
                      (select count(*) from item_keys x where x.key = k.id
                          and x.status in ('forwarded', 'acknowledged') and x.deadline < $1) as overdue,
                      (select count(*) from item_keys x where x.key = k.id
                          and x.status in ('answered', 'closed') and x.answered_on_time) as on_time,
                      (select count(*) from obs_keys b where b.key = k.id) as observations,
                      (select count(distinct b.deputy_user_id) from obs_keys b where b.key = k.id) as deputies
                 from {from}) r
              order by sort"
        );
        Ok(sqlx::query_as(&q).bind(today).fetch_all(&self.pool).await?)
    }

    /// Photos in the working app: staff see all; a deputy the photos they sent; an officer
    /// those of observations behind items forwarded to their unit.
    pub async fn may_see_photo(&self, sha256: &str, user: &UserRecord) -> Result<bool, AppError> {
        Ok(match user.role {
            Role::Staff | Role::Admin => true,
            Role::Deputy => sqlx::query_scalar(
                "select exists (select 1 from photos where sha256 = $1 and uploaded_by = $2)",
            )
            .bind(sha256)
            .bind(user.id)
            .fetch_one(&self.pool)
            .await?,
            Role::UnitOfficer => sqlx::query_scalar(
                "select exists (select 1 from observation_photos op
                                  join list_item_observations lo on lo.observation_id = op.observation_id
                                  join list_items i on i.id = lo.item_id
                                 where op.sha256 = $1 and i.unit_id = $2)",
            )
            .bind(sha256)
            .bind(user.unit_id)
            .fetch_one(&self.pool)
            .await?,
        })
    }

    /// The public's answers over every site (hidden comments left out).
    pub async fn public_tally(&self) -> Result<crate::domain::comment::Tally, AppError> {
        let (satisfied, basic, dissatisfied, support_yes, support_no, support_not_sure): (
            i64,
            i64,
            i64,
            i64,
            i64,
            i64,
        ) = sqlx::query_as(
            "select count(*) filter (where satisfaction = 'satisfied'),
                    count(*) filter (where satisfaction = 'basic'),
                    count(*) filter (where satisfaction = 'dissatisfied'),
                    count(*) filter (where support = 'yes'),
                    count(*) filter (where support = 'no'),
                    count(*) filter (where support = 'not_sure')
               from public_comments where status <> 'hidden'",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(crate::domain::comment::Tally {
            satisfied,
            basic,
            dissatisfied,
            support_yes,
            support_no,
            support_not_sure,
        })
    }
}

/// Keyset cursor of the review queue.
pub type ReviewCursor = (DateTime<Utc>, Uuid);
