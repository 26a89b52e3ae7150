//! SQL for the review queue and the problem and suggestion list.

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::Db;
use crate::domain::answer::DeviceAnswer;
use crate::domain::list_item::{
    apply, audience, Action, Actor, Channel, ItemFacts, ItemKind, ItemStatus, TransitionError,
    MAX_EVIDENCE_PHOTOS, NEARBY_M,
};
use crate::domain::photo_evidence::PhotoJudgement;
use crate::domain::Role;
use crate::error::{AppError, ErrorCode};
use crate::items::{
    ExportFilter, ExportRow, GeoItem, ItemDetail, ItemEvent, ItemRow, ReviewComment, ReviewFilter,
    ReviewRow, REVIEW_COMMENTS, REVIEW_PAGE,
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

/// Whether deputy `$2` has rated the current answer to item `$1`: every deputy whose
/// observation is in the item rates each answer once (a rating is the log's `rate` event).
pub(crate) const RATED_CURRENT_ANSWER: &str = "
    select exists (select 1 from list_item_events r
                    where r.item_id = $1 and r.action = 'rate' and r.actor = $2
                      and r.id > coalesce((select max(a.id) from list_item_events a
                                            where a.item_id = $1 and a.action = 'answer'), 0))";

const ITEM_COLUMNS: &str = "
    i.id, i.year, i.number, i.kind, i.channel, i.status, i.description, i.deadline, i.answer,
    i.answer_rating, i.created_at, i.updated_at, i.site_id, t.name_zh as site_name_zh,
    t.name_en as site_name_en, t.public_code, i.unit_id, u.name_zh as unit_name_zh,
    u.name_en as unit_name_en";

const ITEM_FROM: &str = "
    from list_items i
    join sites t on t.id = i.site_id
    left join lead_units u on u.id = i.unit_id";

/// The next number on the year's list. Numbers run per year without gaps from concurrent
/// creation: the year's advisory lock is held until the transaction ends.
pub(crate) async fn next_item_number(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    year: i32,
) -> Result<i32, AppError> {
    sqlx::query("select pg_advisory_xact_lock(hashtextextended('list_items', $1))")
        .bind(i64::from(year))
        .execute(&mut **tx)
        .await?;
    Ok(
        sqlx::query_scalar("select coalesce(max(number), 0) + 1 from list_items where year = $1")
            .bind(year)
            .fetch_one(&mut **tx)
            .await?,
    )
}

/// Locks the item's row and asks the domain whether `user` may take this step now.
async fn decide(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    id: Uuid,
    user: &UserRecord,
    action: &Action,
    today: NaiveDate,
) -> Result<(ItemStatus, crate::domain::list_item::Outcome), AppError> {
    let row: Option<(String, Option<Uuid>, Option<String>)> = sqlx::query_as(
        "select status, unit_id, answer_rating from list_items where id = $1 for update",
    )
    .bind(id)
    .fetch_optional(&mut **tx)
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
                .fetch_one(&mut **tx)
                .await?;
            Actor::Deputy { reporter }
        }
    };
    // A deputy's own rating is what counts for them; for anyone else, whether anyone rated.
    let rated = match user.role {
        Role::Deputy => {
            sqlx::query_scalar(RATED_CURRENT_ANSWER)
                .bind(id)
                .bind(user.id)
                .fetch_one(&mut **tx)
                .await?
        }
        _ => rating.is_some(),
    };
    let facts = ItemFacts {
        status,
        unit,
        rated,
    };
    let out = apply(facts, actor, action, today).map_err(transition_error)?;
    Ok((status, out))
}

impl Db {
    /// Whether this deputy has rated the item's current answer ([`RATED_CURRENT_ANSWER`]).
    pub async fn rated_current_answer(&self, item: Uuid, deputy: Uuid) -> Result<bool, AppError> {
        Ok(sqlx::query_scalar(RATED_CURRENT_ANSWER)
            .bind(item)
            .bind(deputy)
            .fetch_one(&self.pool)
            .await?)
    }

    /// Whether the step would be accepted now, changing nothing: checked before evidence photos
    /// are stored, so a refused answer leaves no files behind.
    pub async fn check_transition(
        &self,
        id: Uuid,
        user: &UserRecord,
        action: &Action,
        today: NaiveDate,
    ) -> Result<(), AppError> {
        let mut tx = self.pool.begin().await?;
        decide(&mut tx, id, user, action, today).await?;
        tx.rollback().await?;
        Ok(())
    }
}

/// The photos of one record as evidence, in their order: a JSON array of [`PhotoCheck`]s. `table`
/// is `observation_photos` or `list_item_photos` (the same columns), `owner` picks the record's
/// rows (as `ph`).
///
/// [`PhotoCheck`]: crate::items::PhotoCheck
fn photo_checks(table: &str, owner: &str) -> String {
    format!(
        "coalesce((
            select json_agg(json_build_object(
                       'sha256', ph.sha256, 'origin', ph.origin, 'taken_at', ph.taken_at,
                       'place', ph.place_verdict, 'distance_m', ph.distance_m,
                       'time', ph.time_verdict,
                       'age_days', floor(extract(epoch from ph.chosen_at - ph.taken_at) / 86400)::bigint)
                     order by ph.position)
              from {table} ph where {owner}), '[]'::json)"
    )
}

/// The queue's photo filters, with the numbers of their two parameters: a photo taken near or
/// away from the site (bool), one taken more than N days before it was chosen (int).
pub(super) fn photo_filters(not_on_site: u8, older_days: u8) -> String {
    format!(
        "and (${not_on_site}::bool is not true or exists (select 1 from observation_photos op
                  where op.observation_id = o.id and op.place_verdict in ('near', 'off_site')))
         and (${older_days}::int is null or exists (select 1 from observation_photos op
                  where op.observation_id = o.id
                    and op.taken_at < op.chosen_at - make_interval(days => ${older_days}::int)))"
    )
}

impl Db {
    /// Observations for staff to triage, newest first, one page after `before` (keyset). The
    /// photos come from a correlated subquery so that the plan can walk the queue index in order
    /// and stop after one page.
    pub async fn review_queue(&self, f: &ReviewFilter) -> Result<Vec<ReviewRow>, AppError> {
        let (at, id) = f.before.unzip();
        Ok(sqlx::query_as(&format!(
            "select o.id, o.kind, o.note, o.verdict, o.distance_m, o.status, o.captured_at,
                    o.received_at, o.lat, o.lon, o.site_id, t.name_zh as site_name_zh,
                    t.name_en as site_name_en, us.display_name as deputy_name,
                    s.lead_unit_id as unit_id, {checks} as photos
               from observations o
               join sites t on t.id = o.site_id
               join sub_items s on s.id = t.sub_item_id
               join users us on us.id = o.deputy_user_id
              where o.status = $1
                and ($2::uuid is null or s.project_id = $2)
                and ($3::uuid is null or s.lead_unit_id = $3)
                and ($4::text is null or o.kind = $4)
                and ($5::timestamptz is null or (o.received_at, o.id) < ($5, $6))
                and ($8::uuid is null or s.id = $8)
                and ($9::uuid is null or s.lead_unit_id in
                        (select unit_id from group_units where group_id = $9))
                and ($10::uuid is null or t.district_id = $10)
                and ($11::text is null or o.verdict = $11)
                and ($12::date is null or o.received_at >= ($12::date::timestamp at time zone 'Asia/Shanghai'))
                and ($13::date is null or o.received_at < (($13::date + 1)::timestamp at time zone 'Asia/Shanghai'))
                {photo_filters}
              order by o.received_at desc, o.id desc
              limit $7",
            checks = photo_checks("observation_photos", "ph.observation_id = o.id"),
            photo_filters = photo_filters(14, 15)
        ))
        .bind(&f.status)
        .bind(f.project)
        .bind(f.unit)
        .bind(&f.kind)
        .bind(at)
        .bind(id)
        .bind(REVIEW_PAGE as i64)
        .bind(f.sub_item)
        .bind(f.group)
        .bind(f.district)
        .bind(&f.verdict)
        .bind(f.since)
        .bind(f.until)
        .bind(f.photo_not_on_site)
        .bind(f.photo_older_days)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Public comments marked as problems that are in no item yet, with the queue's site
    /// filters: the newest [`REVIEW_COMMENTS`] and how many there are in all.
    pub async fn review_comments(
        &self,
        f: &ReviewFilter,
    ) -> Result<(Vec<ReviewComment>, i64), AppError> {
        const FROM: &str = "from public_comments c
               join sites t on t.id = c.site_id
               join sub_items s on s.id = t.sub_item_id
              where c.status = 'problem'
                and not exists (select 1 from list_item_comments lc where lc.comment_id = c.id)
                and ($1::uuid is null or s.project_id = $1)
                and ($2::uuid is null or s.lead_unit_id = $2)
                and ($3::uuid is null or s.id = $3)
                and ($4::uuid is null or s.lead_unit_id in
                        (select unit_id from group_units where group_id = $4))
                and ($5::uuid is null or t.district_id = $5)";
        let total: i64 = sqlx::query_scalar(&format!("select count(*) {FROM}"))
            .bind(f.project)
            .bind(f.unit)
            .bind(f.sub_item)
            .bind(f.group)
            .bind(f.district)
            .fetch_one(&self.pool)
            .await?;
        let rows = sqlx::query_as(&format!(
            "select c.id, c.satisfaction, c.support, c.body, c.photo_sha256, c.created_at,
                    c.site_id, t.name_zh as site_name_zh, t.name_en as site_name_en, t.public_code
               {FROM}
              order by c.created_at desc, c.id desc
              limit $6"
        ))
        .bind(f.project)
        .bind(f.unit)
        .bind(f.sub_item)
        .bind(f.group)
        .bind(f.district)
        .bind(i64::from(REVIEW_COMMENTS))
        .fetch_all(&self.pool)
        .await?;
        Ok((rows, total))
    }

    /// Makes a draft item from observations and public comments of one site; they leave the
    /// queue together, or nothing changes.
    pub async fn create_item(
        &self,
        observations: &[Uuid],
        comments: &[Uuid],
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
        if rows.len() != observations.len() {
            return Err(AppError::not_found("observation"));
        }
        if rows.iter().any(|r| r.2 != "submitted") {
            return Err(AppError::new(
                ErrorCode::Conflict,
                "an observation was triaged already",
            ));
        }
        let crows: Vec<(Uuid, Uuid, String, bool)> = sqlx::query_as(
            "select c.id, c.site_id, c.status,
                    exists (select 1 from list_item_comments lc where lc.comment_id = c.id)
               from public_comments c where c.id = any($1) for update",
        )
        .bind(comments)
        .fetch_all(&mut *tx)
        .await?;
        if crows.len() != comments.len() {
            return Err(AppError::not_found("comment"));
        }
        if crows.iter().any(|c| c.2 != "problem" || c.3) {
            return Err(AppError::new(
                ErrorCode::Conflict,
                "a comment is not marked as a problem, or is in an item already",
            ));
        }
        let mut sites = rows.iter().map(|r| r.1).chain(crows.iter().map(|c| c.1));
        let site = sites
            .next()
            .ok_or_else(|| AppError::not_found("observation"))?;
        if sites.any(|s| s != site) {
            return Err(AppError::invalid(
                "observations",
                "an item is about one site: choose observations of the same site",
            ));
        }
        let channel = if observations.is_empty() {
            Channel::PublicSurvey
        } else {
            Channel::DeputyInspection
        };
        let number = next_item_number(&mut tx, year).await?;
        let id = Uuid::now_v7();
        sqlx::query(
            "insert into list_items (id, year, number, kind, channel, site_id, description, created_by)
             values ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id)
        .bind(year)
        .bind(number)
        .bind(kind.as_str())
        .bind(channel.as_str())
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
            "insert into list_item_comments (item_id, comment_id) select $1, unnest($2::uuid[])",
        )
        .bind(id)
        .bind(comments)
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

    /// Merges a public comment marked as a problem into an existing item.
    pub async fn attach_comment(
        &self,
        item: Uuid,
        comment: Uuid,
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
            "insert into list_item_comments (item_id, comment_id)
             select $1, c.id from public_comments c where c.id = $2 and c.status = 'problem'
             on conflict (comment_id) do nothing",
        )
        .bind(item)
        .bind(comment)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Err(AppError::new(
                ErrorCode::Conflict,
                "the comment is not marked as a problem, or is in an item already",
            ));
        }
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

    /// Dismisses an observation waiting for review: the reason on the observation, who and when
    /// in its log, and a notification to the deputy who sent it — all or nothing.
    pub async fn dismiss_observation(
        &self,
        id: Uuid,
        reason: &str,
        actor: Uuid,
    ) -> Result<(), AppError> {
        let mut tx = self.pool.begin().await?;
        let deputy: Option<Uuid> = sqlx::query_scalar(
            "update observations set status = 'dismissed', dismiss_reason = $2, updated_at = now()
              where id = $1 and status = 'submitted'
             returning deputy_user_id",
        )
        .bind(id)
        .bind(reason)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(deputy) = deputy else {
            return Err(AppError::new(
                ErrorCode::Conflict,
                "the observation is not waiting for review",
            ));
        };
        log_observation_event(&mut tx, id, "dismiss", reason, actor, deputy).await?;
        tx.commit().await?;
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

    /// The unit an imported finding named, else the lead unit of the site's sub-item: where an
    /// item goes unless staff choose otherwise.
    pub async fn default_unit(&self, item: Uuid) -> Result<Uuid, AppError> {
        sqlx::query_scalar(
            "select coalesce(i.proposed_unit_id, s.lead_unit_id) from list_items i
               join sites t on t.id = i.site_id
               join sub_items s on s.id = t.sub_item_id where i.id = $1",
        )
        .bind(item)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| AppError::not_found("item"))
    }

    /// One step of the closed loop: the row is locked, the domain decides, and the row, the
    /// log, the evidence photos and the notifications change together.
    pub async fn transition_item(
        &self,
        id: Uuid,
        user: &UserRecord,
        action: &Action,
        photos: &[String],
        today: NaiveDate,
    ) -> Result<ItemStatus, AppError> {
        let mut tx = self.pool.begin().await?;
        let status = take_step(&mut tx, id, user, action, photos, today, None).await?;
        tx.commit().await?;
        Ok(status)
    }

    /// An officer's answer from the phone's outbox, exactly once: the item's row is locked
    /// first, so two resends of one answer queue up and the second finds the first's step.
    pub async fn answer_from_device(
        &self,
        answer: &DeviceAnswer,
        photo_judgements: &[PhotoJudgement],
        user: &UserRecord,
        today: NaiveDate,
    ) -> Result<DeviceStep, AppError> {
        let mut tx = self.pool.begin().await?;
        let status: Option<String> =
            sqlx::query_scalar("select status from list_items where id = $1 for update")
                .bind(answer.item_id)
                .fetch_optional(&mut *tx)
                .await?;
        let status = status.ok_or_else(|| AppError::not_found("item"))?;
        let fingerprint = answer.fingerprint();
        let prior: Option<(Uuid, Uuid, String)> = sqlx::query_as(
            "select item_id, actor, fingerprint from list_item_events where client_id = $1",
        )
        .bind(answer.id)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some((item, actor, fp)) = prior {
            tx.rollback().await?;
            let same = item == answer.item_id && actor == user.id && fp == fingerprint;
            return Ok(match (same, ItemStatus::parse(&status)) {
                (true, Some(s)) => DeviceStep::Replayed(s),
                (true, None) => return Err(AppError::internal()),
                (false, _) => DeviceStep::Conflict,
            });
        }
        let action = Action::Answer {
            text: answer.text.clone(),
        };
        let status = take_step(
            &mut tx,
            answer.item_id,
            user,
            &action,
            &answer.photo_hashes(),
            today,
            Some((answer.id, &fingerprint)),
        )
        .await?;
        for (i, (f, j)) in answer.photo_facts.iter().zip(photo_judgements).enumerate() {
            sqlx::query(
                "update list_item_photos p
                    set origin = $3, chosen_at = $4, taken_at = $5, lat = $6, lon = $7,
                        place_verdict = $8, distance_m = $9, time_verdict = $10
                   from list_item_events e
                  where e.client_id = $1 and p.event_id = e.id and p.position = $2",
            )
            .bind(answer.id)
            .bind(i as i16)
            .bind(f.origin.as_str())
            .bind(f.chosen_at)
            .bind(f.taken_at)
            .bind(f.position.map(|p| p.0))
            .bind(f.position.map(|p| p.1))
            .bind(j.place.as_str())
            .bind(j.distance_m)
            .bind(j.time.as_str())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(DeviceStep::Created(status))
    }
}

/// What became of an answer sent from a phone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceStep {
    Created(ItemStatus),
    /// The same answer arrived before: nothing changed.
    Replayed(ItemStatus),
    /// The id was used for a different answer.
    Conflict,
}

/// One step inside the caller's transaction: the row is locked, the domain decides, and the
/// row, the log, the evidence photos and the notifications change together. `client` is the
/// phone's id for the step and its fingerprint, when it came from an outbox.
async fn take_step(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    id: Uuid,
    user: &UserRecord,
    action: &Action,
    photos: &[String],
    today: NaiveDate,
    client: Option<(Uuid, &str)>,
) -> Result<ItemStatus, AppError> {
    if !photos.is_empty() && !matches!(action, Action::Answer { .. }) {
        return Err(AppError::invalid("photos", "only an answer carries photos"));
    }
    if photos.len() > MAX_EVIDENCE_PHOTOS {
        return Err(AppError::invalid(
            "photos",
            format!("send at most {MAX_EVIDENCE_PHOTOS} photos with an answer"),
        ));
    }
    let (status, out) = decide(tx, id, user, action, today).await?;
    if !photos.is_empty() {
        // Evidence is a photo the officer uploaded; a hash seen elsewhere is not theirs to cite.
        let mine: i64 = sqlx::query_scalar(
            "select count(*) from photo_holders where sha256 = any($1) and user_id = $2",
        )
        .bind(photos)
        .bind(user.id)
        .fetch_one(&mut **tx)
        .await?;
        if mine as usize != photos.len() {
            return Err(AppError::invalid(
                "photos",
                "upload each photo first (PUT /api/v1/photos/{sha256}); some were not found",
            ));
        }
    }
    let (deadline, comment, answer, rate) = match action {
        Action::Forward { deadline, .. } => (Some(*deadline), None, None, None),
        Action::Answer { text } => (None, Some(text.trim().to_owned()), Some(text.trim()), None),
        Action::Reopen { reason } => (None, Some(reason.trim().to_owned()), None, None),
        Action::Rate { rating } => (None, None, None, Some(rating.as_str())),
        _ => (None, None, None, None),
    };
    let reopen = matches!(action, Action::Reopen { .. });
    sqlx::query(
        "update list_items
                set status = $2, unit_id = $3, deadline = coalesce($4, deadline),
                    answer = coalesce($5, answer),
                    -- A reopened item waits for a new answer, to be rated afresh.
                    -- The first deputy's rating stays the item's (the list's column); each
                    -- deputy's own is their `rate` event.
                    answer_rating = case when $7 then null else coalesce(answer_rating, $6) end,
                    answered_at = case when $2 in ('answered', 'closed')
                                       then case when $5::text is not null then now()
                                                 else answered_at end end,
                    closed_at = case when $2 = 'closed' then coalesce(closed_at, now()) end,
                    updated_at = now()
              where id = $1",
    )
    .bind(id)
    .bind(out.status.as_str())
    .bind(out.unit)
    .bind(deadline)
    .bind(answer)
    .bind(rate)
    .bind(reopen)
    .execute(&mut **tx)
    .await?;
    let event: i64 = sqlx::query_scalar(
        "insert into list_item_events
                (item_id, action, from_status, to_status, unit_id, deadline, comment, actor,
                 client_id, fingerprint)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) returning id",
    )
    .bind(id)
    .bind(action.name())
    .bind(status.as_str())
    .bind(out.status.as_str())
    .bind(out.unit)
    .bind(deadline)
    .bind(comment.or(rate.map(str::to_owned)))
    .bind(user.id)
    .bind(client.map(|c| c.0))
    .bind(client.map(|c| c.1))
    .fetch_one(&mut **tx)
    .await?;
    sqlx::query(
            "insert into list_item_photos (event_id, item_id, position, sha256)
             select $1, $2, (n - 1)::smallint, sha from unnest($3::text[]) with ordinality as p(sha, n)",
        )
        .bind(event)
        .bind(id)
        .bind(photos)
        .execute(&mut **tx)
        .await?;
    let who = audience(action, status, out.status);
    sqlx::query(
        "insert into notifications (user_id, item_id, event_id)
             select distinct u.id, $1, $2 from users u
              where u.is_active and u.id <> $3
                and (($4 and u.role = 'unit_officer' and u.unit_id = $5)
                  or ($6 and u.role in ('staff', 'admin'))
                  or ($7 and u.id in (select o.deputy_user_id from list_item_observations lo
                                        join observations o on o.id = lo.observation_id
                                       where lo.item_id = $1)))",
    )
    .bind(id)
    .bind(event)
    .bind(user.id)
    .bind(who.unit_officers)
    .bind(out.unit)
    .bind(who.staff)
    .bind(who.reporters)
    .execute(&mut **tx)
    .await?;
    Ok(out.status)
}

impl Db {
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
        let observations: Vec<ReviewRow> = sqlx::query_as(&format!(
            "select o.id, o.kind, o.note, o.verdict, o.distance_m, o.status, o.captured_at,
                    o.received_at, o.lat, o.lon, o.site_id, t.name_zh as site_name_zh,
                    t.name_en as site_name_en, us.display_name as deputy_name,
                    s.lead_unit_id as unit_id, {checks} as photos
               from list_item_observations lo
               join observations o on o.id = lo.observation_id
               join sites t on t.id = o.site_id
               join sub_items s on s.id = t.sub_item_id
               join users us on us.id = o.deputy_user_id
              where lo.item_id = $1
              order by o.received_at",
            checks = photo_checks("observation_photos", "ph.observation_id = o.id")
        ))
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        let events: Vec<ItemEvent> = sqlx::query_as(&format!(
            "select e.action, e.from_status, e.to_status, e.deadline, e.comment, e.at,
                    us.display_name as actor_name, us.role as actor_role,
                    u.name_zh as unit_name_zh, u.name_en as unit_name_en,
                    {checks} as photos
               from list_item_events e
               join users us on us.id = e.actor
               left join lead_units u on u.id = e.unit_id
              where e.item_id = $1
              order by e.id",
            checks = photo_checks("list_item_photos", "ph.event_id = e.id")
        ))
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        let comments: Vec<ReviewComment> = sqlx::query_as(
            "select c.id, c.satisfaction, c.support, c.body, c.photo_sha256, c.created_at,
                    c.site_id, t.name_zh as site_name_zh, t.name_en as site_name_en, t.public_code
               from list_item_comments lc
               join public_comments c on c.id = lc.comment_id
               join sites t on t.id = c.site_id
              where lc.item_id = $1
              order by c.created_at",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        Ok(ItemDetail {
            item,
            observations,
            comments,
            events,
        })
    }

    /// One page of items for a list page: all (staff, optionally one status), one unit's, or
    /// one deputy's; and how many there are in all.
    pub async fn list_items(
        &self,
        status: Option<ItemStatus>,
        unit: Option<Uuid>,
        deputy_user: Option<Uuid>,
        year: Option<i32>,
        page: u32,
        per_page: u32,
    ) -> Result<(Vec<ItemRow>, i64), AppError> {
        const WHERE: &str = "where ($1::text is null or i.status = $1)
                and ($2::uuid is null or i.unit_id = $2)
                and ($3::uuid is null or exists (
                      select 1 from list_item_observations lo
                        join observations o on o.id = lo.observation_id
                       where lo.item_id = i.id and o.deputy_user_id = $3))
                and ($4::int is null or i.year = $4)";
        let total: i64 = sqlx::query_scalar(&format!("select count(*) from list_items i {WHERE}"))
            .bind(status.map(|s| s.as_str()))
            .bind(unit)
            .bind(deputy_user)
            .bind(year)
            .fetch_one(&self.pool)
            .await?;
        // Open items first, soonest deadline first; the year, number and id make the order total,
        // so that paging shows every item exactly once.
        let q = format!(
            "select {ITEM_COLUMNS} {ITEM_FROM} {WHERE}
              order by (i.status in ('forwarded', 'acknowledged')) desc,
                       i.deadline nulls last, i.year, i.number, i.id
              limit $5 offset $6"
        );
        let rows = sqlx::query_as(&q)
            .bind(status.map(|s| s.as_str()))
            .bind(unit)
            .bind(deputy_user)
            .bind(year)
            .bind(i64::from(per_page))
            .bind(i64::from(page) * i64::from(per_page))
            .fetch_all(&self.pool)
            .await?;
        Ok((rows, total))
    }

    /// The years the list has items of, newest first.
    pub async fn item_years(&self) -> Result<Vec<i32>, AppError> {
        Ok(
            sqlx::query_scalar("select distinct year from list_items order by year desc")
                .fetch_all(&self.pool)
                .await?,
        )
    }
}

impl Db {
    /// The formal list: items that left the draft stage, by number.
    pub async fn export_items(&self, f: &ExportFilter) -> Result<Vec<ExportRow>, AppError> {
        let q = format!(
            "select i.year, i.number, p.number || '. ' || p.title_zh as project,
                    s.number || '. ' || s.title_zh as sub_item, t.name_zh as site, i.kind,
                    i.description,
                    (select string_agg(distinct us.display_name, '、')
                       from list_item_observations lo
                       join observations o on o.id = lo.observation_id
                       join users us on us.id = o.deputy_user_id
                      where lo.item_id = i.id) as deputies,
                    u.name_zh as unit, i.deadline, i.status, i.answer,
                    array(select op.place_verdict from list_item_observations lo
                            join observation_photos op on op.observation_id = lo.observation_id
                           where lo.item_id = i.id) as photo_places,
                    array(select op.time_verdict from list_item_observations lo
                            join observation_photos op on op.observation_id = lo.observation_id
                           where lo.item_id = i.id) as photo_times
               from list_items i
               join sites t on t.id = i.site_id
               join sub_items s on s.id = t.sub_item_id
               join projects p on p.id = s.project_id
               left join lead_units u on u.id = i.unit_id
              where i.status <> 'draft' and {EXPORT_WHERE}
              order by i.year, i.number"
        );
        Ok(bind_export(sqlx::query_as(&q), f)
            .fetch_all(&self.pool)
            .await?)
    }

    /// The same items as [`Db::export_items`] (drafts included: a map shows what is pending),
    /// each with its site's geometry.
    pub async fn export_geo_items(&self, f: &ExportFilter) -> Result<Vec<GeoItem>, AppError> {
        let q = format!(
            "select i.id, i.year, i.number, i.kind, i.status, i.channel, i.description, i.deadline,
                    u.name_zh as unit, t.name_zh as site, t.public_code, t.geometry
               from list_items i
               join sites t on t.id = i.site_id
               join sub_items s on s.id = t.sub_item_id
               join projects p on p.id = s.project_id
               left join lead_units u on u.id = i.unit_id
              where {EXPORT_WHERE}
              order by i.year, i.number"
        );
        Ok(bind_export(sqlx::query_as(&q), f)
            .fetch_all(&self.pool)
            .await?)
    }
}

impl Db {
    /// Sites (all, or of one lead unit) with their geometry and item counts, as GeoJSON
    /// features.
    pub async fn export_geo_sites(
        &self,
        unit: Option<Uuid>,
    ) -> Result<Vec<serde_json::Value>, AppError> {
        let rows: Vec<(serde_json::Value,)> = sqlx::query_as(
            "select json_build_object(
                 'type', 'Feature', 'id', t.id, 'geometry', t.geometry,
                 'properties', json_build_object(
                     'code', t.public_code, 'name', t.name_zh, 'name_en', t.name_en,
                     'kind', t.kind, 'project', p.title_zh, 'sub_item', s.title_zh,
                     'lead_unit', u.name_zh, 'district', d.name_zh,
                     'items', (select count(*) from list_items i where i.site_id = t.id),
                     'open_items', (select count(*) from list_items i
                                     where i.site_id = t.id and i.status <> 'closed')))
               from sites t
               join sub_items s on s.id = t.sub_item_id
               join projects p on p.id = s.project_id
               join lead_units u on u.id = s.lead_unit_id
               join districts d on d.id = t.district_id
              where $1::uuid is null or s.lead_unit_id = $1
              order by t.public_code",
        )
        .bind(unit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }
}

impl Db {
    pub async fn review_options(&self) -> Result<crate::items::FilterOptions, AppError> {
        let named = |q: &'static str| async move {
            sqlx::query_as::<_, crate::catalogue::UnitRef>(q)
                .fetch_all(&self.pool)
                .await
        };
        Ok(crate::items::FilterOptions {
            projects: named(
                "select id, number || '. ' || title_zh as name_zh, number || '. ' || title_en as name_en
                   from projects order by year desc, number",
            )
            .await?,
            sub_items: named(
                "select s.id, p.number || '.' || s.number || ' ' || s.title_zh as name_zh,
                        p.number || '.' || s.number || ' ' || s.title_en as name_en
                   from sub_items s join projects p on p.id = s.project_id
                  order by p.year desc, p.number, s.number",
            )
            .await?,
            units: named("select id, name_zh, name_en from lead_units order by name_zh").await?,
            groups: named("select id, name_zh, name_en from supervision_groups order by number")
                .await?,
            districts: named("select id, name_zh, name_en from districts order by code nulls last, name_zh").await?,
        })
    }
}

/// The export filter over `i` (item), `s` (sub-item) and `p` (project), binding $1..$5.
const EXPORT_WHERE: &str = "($1::uuid is null or i.unit_id = $1)
                and ($2::uuid is null or i.unit_id in (select unit_id from group_units where group_id = $2))
                and ($3::uuid is null or p.id = $3)
                and ($4::date is null or i.created_at >= ($4::date::timestamp at time zone 'Asia/Shanghai'))
                and ($5::date is null or i.created_at < (($5::date + 1)::timestamp at time zone 'Asia/Shanghai'))
                and ($6::int is null or i.year = $6)";

fn bind_export<'q, O>(
    q: sqlx::query::QueryAs<'q, sqlx::Postgres, O, sqlx::postgres::PgArguments>,
    f: &ExportFilter,
) -> sqlx::query::QueryAs<'q, sqlx::Postgres, O, sqlx::postgres::PgArguments> {
    q.bind(f.unit)
        .bind(f.group)
        .bind(f.project)
        .bind(f.from)
        .bind(f.to)
        .bind(f.year)
}

impl Db {
    /// Figures per lead unit, supervision group, project and district: one pass over the items
    /// folds them into a few hundred (unit, project, district) rows, which grouping sets then
    /// add up per dimension; observations come from the counters the trigger keeps, one row per
    /// (sub-item or district, deputy), so "deputies" is a count of rows, not a distinct. Overdue
    /// mirrors `list_item::is_overdue` (with the unit, after the deadline day); a database test
    /// checks they agree. An item counts for the unit it is with (after a forward or a
    /// reassignment), a draft for the site's lead unit; observations for the site's lead unit.
    pub async fn dashboard_rows(
        &self,
        today: NaiveDate,
    ) -> Result<Vec<(String, crate::items::dashboard::DashRow)>, AppError> {
        #[derive(sqlx::FromRow)]
        struct Row {
            dim: String,
            #[sqlx(flatten)]
            row: crate::items::dashboard::DashRow,
        }
        let rows: Vec<Row> = sqlx::query_as(
            "with it as (
                 select coalesce(i.unit_id, s.lead_unit_id) as unit, s.project_id as project,
                        t.district_id as district,
                        count(*) filter (where i.kind = 'problem') as problems,
                        count(*) filter (where i.kind = 'suggestion') as suggestions,
                        count(*) filter (where i.status <> 'draft') as forwarded,
                        count(*) filter (where i.status in ('answered', 'closed')) as answered,
                        count(*) filter (where i.status = 'closed') as closed,
                        count(*) filter (where i.status in ('forwarded', 'acknowledged')
                                           and i.deadline < $1) as overdue,
                        count(*) filter (where i.status in ('answered', 'closed')
                                           and (i.answered_at at time zone 'Asia/Shanghai')::date
                                               <= i.deadline) as on_time
                   from list_items i
                   join sites t on t.id = i.site_id
                   join sub_items s on s.id = t.sub_item_id
                  group by 1, 2, 3),
             ig as (
                 select it.*, gu.group_id as grp
                   from it left join group_units gu on gu.unit_id = it.unit),
             ia as (
                 select case when grouping(unit) = 0 then 'unit' when grouping(grp) = 0 then 'group'
                             when grouping(project) = 0 then 'project' else 'district' end as dim,
                        coalesce(unit, grp, project, district) as key,
                        sum(problems)::bigint as problems, sum(suggestions)::bigint as suggestions,
                        sum(forwarded)::bigint as forwarded, sum(answered)::bigint as answered,
                        sum(closed)::bigint as closed, sum(overdue)::bigint as overdue,
                        sum(on_time)::bigint as on_time
                   from ig group by grouping sets ((unit), (grp), (project), (district))),
             sd as (
                 select s.lead_unit_id as unit, gu.group_id as grp, s.project_id as project,
                        c.deputy_user_id as deputy, c.n
                   from observation_sub_deputies c
                   join sub_items s on s.id = c.sub_item_id
                   left join group_units gu on gu.unit_id = s.lead_unit_id),
             per_deputy as (
                 select case when grouping(unit) = 0 then 'unit' when grouping(grp) = 0 then 'group'
                             else 'project' end as dim,
                        coalesce(unit, grp, project) as key, sum(n) as n
                   from sd group by grouping sets ((unit, deputy), (grp, deputy), (project, deputy))),
             oa as (
                 select dim, key, sum(n)::bigint as observations, count(*) as deputies
                   from per_deputy group by dim, key
                 union all
                 select 'district', district_id, sum(n)::bigint, count(*)
                   from observation_district_deputies group by district_id),
             dims as (
                 select 'unit' as dim, id, name_zh, name_en, name_zh as sort from lead_units
                 union all
                 select 'group', id, name_zh, name_en, lpad(number::text, 3, '0') from supervision_groups
                 union all
                 select 'project', id, title_zh, title_en, lpad(number::text, 3, '0') from projects
                 union all
                 select 'district', id, name_zh, name_en, coalesce(code, name_zh) from districts)
             select d.dim, d.id, d.name_zh, d.name_en,
                    coalesce(ia.problems, 0) as problems, coalesce(ia.suggestions, 0) as suggestions,
                    coalesce(ia.forwarded, 0) as forwarded, coalesce(ia.answered, 0) as answered,
                    coalesce(ia.closed, 0) as closed, coalesce(ia.overdue, 0) as overdue,
                    coalesce(ia.on_time, 0) as on_time,
                    coalesce(oa.observations, 0) as observations,
                    coalesce(oa.deputies, 0) as deputies
               from dims d
               left join ia on ia.dim = d.dim and ia.key = d.id
               left join oa on oa.dim = d.dim and oa.key = d.id
              order by d.dim, d.sort",
        )
        .bind(today)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|r| (r.dim, r.row)).collect())
    }

    /// The public's answers (counted as on the site pages) and the deputies' ratings of current
    /// answers, per unit, group, project and district: a comment counts for its site's lead unit,
    /// a rating for the unit the item is with (as the list's figures do).
    pub async fn dashboard_rates(&self) -> Result<Vec<crate::items::dashboard::RateRow>, AppError> {
        #[derive(sqlx::FromRow)]
        struct Row {
            dim: String,
            key: Option<Uuid>,
            who: String,
            satisfied: i64,
            basic: i64,
            dissatisfied: i64,
            support_yes: i64,
            support_no: i64,
            support_not_sure: i64,
        }
        let rows: Vec<Row> = sqlx::query_as(
            "with answers as (
                 select s.lead_unit_id as unit, gu.group_id as grp, s.project_id as project,
                        t.district_id as district, 'public' as who, c.satisfaction as rating,
                        c.support
                   from public_comments c
                   join sites t on t.id = c.site_id
                   join sub_items s on s.id = t.sub_item_id
                   left join group_units gu on gu.unit_id = s.lead_unit_id
                  where c.status in ('published', 'problem') and c.rating_counts
                 union all
                 select coalesce(i.unit_id, s.lead_unit_id), gu.group_id, s.project_id,
                        t.district_id, 'deputies', r.comment, null
                   from list_item_events r
                   join list_items i on i.id = r.item_id
                   join sites t on t.id = i.site_id
                   join sub_items s on s.id = t.sub_item_id
                   left join group_units gu on gu.unit_id = coalesce(i.unit_id, s.lead_unit_id)
                  where r.action = 'rate'
                    and r.id > coalesce((select max(a.id) from list_item_events a
                                          where a.item_id = r.item_id and a.action = 'answer'), 0))
             select case when grouping(unit) = 0 then 'unit' when grouping(grp) = 0 then 'group'
                         when grouping(project) = 0 then 'project' else 'district' end as dim,
                    coalesce(unit, grp, project, district) as key, who,
                    count(*) filter (where rating = 'satisfied') as satisfied,
                    count(*) filter (where rating = 'basic') as basic,
                    count(*) filter (where rating = 'dissatisfied') as dissatisfied,
                    count(*) filter (where support = 'yes') as support_yes,
                    count(*) filter (where support = 'no') as support_no,
                    count(*) filter (where support = 'not_sure') as support_not_sure
               from answers
              group by who, grouping sets ((unit), (grp), (project), (district))",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|r| {
                Some(crate::items::dashboard::RateRow {
                    dim: r.dim,
                    key: r.key?,
                    who: r.who,
                    tally: crate::domain::comment::Tally {
                        satisfied: r.satisfied,
                        basic: r.basic,
                        dissatisfied: r.dissatisfied,
                        support_yes: r.support_yes,
                        support_no: r.support_no,
                        support_not_sure: r.support_not_sure,
                    },
                })
            })
            .collect())
    }

    /// Weekly figures for the last `weeks` weeks (Mondays, China time), oldest first:
    /// observations received, items made, answered and closed in each week.
    pub async fn dashboard_trend(
        &self,
        today: NaiveDate,
        weeks: i32,
    ) -> Result<Vec<crate::items::dashboard::WeekRow>, AppError> {
        Ok(sqlx::query_as(
            "with w as (
                 select (date_trunc('week', $1::date)::date - 7 * g)::date as week
                   from generate_series(0, $2 - 1) g),
             since as (select min(week)::timestamp at time zone 'Asia/Shanghai' as t from w),
             made as (
                 select date_trunc('week', created_at at time zone 'Asia/Shanghai')::date as week,
                        count(*) as n
                   from list_items, since where created_at >= since.t group by 1),
             answered as (
                 select date_trunc('week', answered_at at time zone 'Asia/Shanghai')::date as week,
                        count(*) as n
                   from list_items, since where answered_at >= since.t group by 1),
             closed as (
                 select date_trunc('week', closed_at at time zone 'Asia/Shanghai')::date as week,
                        count(*) as n
                   from list_items, since where closed_at >= since.t group by 1)
             select w.week, coalesce(ow.n, 0) as observations, coalesce(m.n, 0) as created,
                    coalesce(a.n, 0) as answered, coalesce(c.n, 0) as closed
               from w
               left join observation_weeks ow on ow.week = w.week
               left join made m on m.week = w.week
               left join answered a on a.week = w.week
               left join closed c on c.week = w.week
              order by w.week",
        )
        .bind(today)
        .bind(weeks)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Photos in the working app: staff see all; anyone the photos they sent, and a progress
    /// report's (every signed-in role reads a sub-item's progress); a deputy the evidence
    /// answering items made from their observations; an officer every photo of the items with
    /// their unit (observations, public comments, evidence).
    pub async fn may_see_photo(&self, sha256: &str, user: &UserRecord) -> Result<bool, AppError> {
        Ok(match user.role {
            Role::Staff | Role::Admin => true,
            Role::Deputy => sqlx::query_scalar(
                "select exists (select 1 from photo_holders where sha256 = $1 and user_id = $2)
                     or exists (select 1 from progress_report_photos where sha256 = $1)
                     or exists (select 1 from list_item_photos p
                                  join list_item_observations lo on lo.item_id = p.item_id
                                  join observations o on o.id = lo.observation_id
                                 where p.sha256 = $1 and o.deputy_user_id = $2)",
            )
            .bind(sha256)
            .bind(user.id)
            .fetch_one(&self.pool)
            .await?,
            Role::UnitOfficer => sqlx::query_scalar(
                "select exists (select 1 from photo_holders where sha256 = $1 and user_id = $3)
                     or exists (select 1 from progress_report_photos where sha256 = $1)
                     or exists (select 1 from observation_photos op
                                  join list_item_observations lo on lo.observation_id = op.observation_id
                                  join list_items i on i.id = lo.item_id
                                 where op.sha256 = $1 and i.unit_id = $2)
                     or exists (select 1 from list_item_photos p join list_items i on i.id = p.item_id
                                 where p.sha256 = $1 and i.unit_id = $2)
                     or exists (select 1 from public_comments c
                                  join list_item_comments lc on lc.comment_id = c.id
                                  join list_items i on i.id = lc.item_id
                                 where c.photo_sha256 = $1 and i.unit_id = $2)",
            )
            .bind(sha256)
            .bind(user.unit_id)
            .bind(user.id)
            .fetch_one(&self.pool)
            .await?,
        })
    }
}

/// Keyset cursor of the review queue.
pub type ReviewCursor = (DateTime<Utc>, Uuid);

/// A review outcome of an observation (`dismiss`, `promote`) in its append-only log, and the
/// notification that tells its deputy, inside the caller's transaction.
pub(super) async fn log_observation_event(
    tx: &mut sqlx::PgConnection,
    observation: Uuid,
    action: &str,
    reason: &str,
    actor: Uuid,
    deputy: Uuid,
) -> Result<(), AppError> {
    let event: i64 = sqlx::query_scalar(
        "insert into observation_events (observation_id, action, reason, actor)
         values ($1, $2, $3, $4) returning id",
    )
    .bind(observation)
    .bind(action)
    .bind(reason)
    .bind(actor)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query(
        "insert into notifications (user_id, observation_event_id) values ($1, $2)
         on conflict do nothing",
    )
    .bind(deputy)
    .bind(event)
    .execute(&mut *tx)
    .await?;
    Ok(())
}
