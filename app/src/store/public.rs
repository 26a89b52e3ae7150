//! SQL for the public channel: the public site page, comments, moderation, figures, posters.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::Db;
use crate::domain::comment::{CommentInput, CommentStatus, Moderation, Tally};
use crate::error::{AppError, ErrorCode};
use crate::public::{
    CommentForStaff, FigureRow, PosterSite, PublicComment, COMMENTS_PER_PAGE, QUEUE_PAGE,
};

/// A comment ready to store: parsed input plus what the server derived from it.
pub struct NewComment<'a> {
    pub id: Uuid,
    pub site_id: Uuid,
    pub input: &'a CommentInput,
    pub photo_sha256: Option<&'a str>,
    pub phone_hash: Option<Vec<u8>>,
    pub phone_cipher: Option<Vec<u8>>,
    pub client_hash: Vec<u8>,
    pub form_token: Uuid,
    /// Keyed hash of the receipt code the writer is given (none for generated demo comments).
    pub receipt_hash: Option<Vec<u8>>,
}

pub enum CommentStored {
    Created,
    /// The same form was sent again (double tap, resend after a timeout): nothing new stored.
    AlreadyHad,
    /// The same words were posted at this site, or by this client, within the repeat window.
    Repeated,
    /// A rating with no words from a client who already rated this site today: it would add
    /// nothing but another vote.
    RatedToday,
}

/// A repeat of the same words at the same site, or from the same client anywhere, in this
/// window is refused as spam. After it, people may say the same thing again.
const REPEAT_WINDOW_HOURS: i32 = 24;

#[derive(sqlx::FromRow)]
struct TallyRow {
    satisfied: i64,
    basic: i64,
    dissatisfied: i64,
    support_yes: i64,
    support_no: i64,
    support_not_sure: i64,
}

impl From<TallyRow> for Tally {
    fn from(r: TallyRow) -> Self {
        Tally {
            satisfied: r.satisfied,
            basic: r.basic,
            dissatisfied: r.dissatisfied,
            support_yes: r.support_yes,
            support_no: r.support_no,
            support_not_sure: r.support_not_sure,
        }
    }
}

/// Which comments count in the figures: ones staff have looked at and kept (published, or taken
/// up as a problem), and of those the first rating of each client at each site on a day.
/// Unmoderated ratings would let anyone steer the figures at once. Said on the public page.
const COUNTED: &str = "c.status in ('published', 'problem') and c.rating_counts";

/// The counting columns, over `public_comments c` (filter with [`COUNTED`]).
const TALLY_COLUMNS: &str = "
    count(*) filter (where c.satisfaction = 'satisfied') as satisfied,
    count(*) filter (where c.satisfaction = 'basic') as basic,
    count(*) filter (where c.satisfaction = 'dissatisfied') as dissatisfied,
    count(*) filter (where c.support = 'yes') as support_yes,
    count(*) filter (where c.support = 'no') as support_no,
    count(*) filter (where c.support = 'not_sure') as support_not_sure";

/// The advisory lock the purge of the public's personal data holds while it runs (any fixed
/// number no other lock of this database uses: "jdpurge" in ASCII).
pub const PURGE_LOCK: i64 = 0x6a_6470_7572_6765;

impl Db {
    /// A site by its public code, and whether it still takes comments (staff deactivate a
    /// site that is no longer supervised).
    pub async fn site_for_comment(&self, code: &str) -> Result<(Uuid, bool), AppError> {
        sqlx::query_as("select id, active from sites where public_code = $1")
            .bind(code)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| AppError::not_found("site"))
    }

    pub async fn site_id_by_code(&self, code: &str) -> Result<Uuid, AppError> {
        sqlx::query_scalar("select id from sites where public_code = $1")
            .bind(code)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| AppError::not_found("site"))
    }

    /// Forgets what identifies the people behind old comments: phone numbers (hash, ciphertext
    /// and mask) of comments older than `phone_days`, client-address hashes older than
    /// `client_days`. The words and ratings stay. Returns how many of each were cleared.
    pub async fn purge_public_personal_data(
        &self,
        phone_days: u32,
        client_days: u32,
    ) -> Result<Option<(u64, u64)>, AppError> {
        let mut tx = self.pool.begin().await?;
        // Several servers each run the daily purge: the one holding the lock does it, the others
        // let it be (it is the same work, and two at once would only wait on each other's rows).
        let leader: bool = sqlx::query_scalar("select pg_try_advisory_xact_lock($1)")
            .bind(PURGE_LOCK)
            .fetch_one(&mut *tx)
            .await?;
        if !leader {
            return Ok(None);
        }
        let phones = sqlx::query(
            "update public_comments
                set phone_hash = null, phone_cipher = null, phone_masked = null
              where phone_hash is not null
                and created_at < now() - make_interval(days => $1)",
        )
        .bind(phone_days as i32)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let clients = sqlx::query(
            "update public_comments set client_hash = null
              where client_hash is not null
                and created_at < now() - make_interval(days => $1)",
        )
        .bind(client_days as i32)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(Some((phones, clients)))
    }

    /// The public's answers over every site, counted as on the public pages.
    pub async fn public_tally(&self) -> Result<Tally, AppError> {
        let q = format!("select {TALLY_COLUMNS} from public_comments c where {COUNTED}");
        let row: TallyRow = sqlx::query_as(&q).fetch_one(&self.pool).await?;
        Ok(row.into())
    }

    pub async fn site_tally(&self, site_id: Uuid) -> Result<Tally, AppError> {
        let q = format!(
            "select {TALLY_COLUMNS} from public_comments c
              where c.site_id = $1 and {COUNTED}"
        );
        let row: TallyRow = sqlx::query_as(&q)
            .bind(site_id)
            .fetch_one(&self.pool)
            .await?;
        Ok(row.into())
    }

    /// Published comments of a site, newest first, one page (and whether there is another).
    pub async fn published_comments(
        &self,
        site_id: Uuid,
        page: u32,
    ) -> Result<(Vec<PublicComment>, bool), AppError> {
        let limit = COMMENTS_PER_PAGE as i64;
        let mut rows: Vec<PublicComment> = sqlx::query_as(
            "select c.id, c.created_at, c.satisfaction, c.support, c.body, c.photo_sha256
               from public_comments c
              where c.site_id = $1 and c.status = 'published'
              order by c.created_at desc, c.id desc
              limit $2 offset $3",
        )
        .bind(site_id)
        .bind(limit + 1)
        .bind(limit * i64::from(page))
        .fetch_all(&self.pool)
        .await?;
        let more = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        Ok((rows, more))
    }

    /// Stores a comment unless it repeats one (same form, or same words) — all in one
    /// transaction, serialised per site so two simultaneous repeats cannot both pass the check.
    pub async fn insert_comment(&self, c: &NewComment<'_>) -> Result<CommentStored, AppError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("select pg_advisory_xact_lock(hashtextextended($1::text, 7))")
            .bind(c.site_id.to_string())
            .execute(&mut *tx)
            .await?;
        let had: bool = sqlx::query_scalar(
            "select exists (select 1 from public_comments where form_token = $1)",
        )
        .bind(c.form_token)
        .fetch_one(&mut *tx)
        .await?;
        if had {
            return Ok(CommentStored::AlreadyHad);
        }
        let fingerprint = c.input.body.as_ref().map(|b| b.fingerprint());
        if let Some(fp) = &fingerprint {
            let repeated: bool = sqlx::query_scalar(
                "select exists (select 1 from public_comments
                                 where fingerprint = $1
                                   and (site_id = $2 or client_hash = $3)
                                   and created_at > now() - make_interval(hours => $4))",
            )
            .bind(fp)
            .bind(c.site_id)
            .bind(&c.client_hash)
            .bind(REPEAT_WINDOW_HOURS)
            .fetch_one(&mut *tx)
            .await?;
            if repeated {
                return Ok(CommentStored::Repeated);
            }
        }
        // A day in Beijing, where the posters are.
        let rated_today: bool = sqlx::query_scalar(
            "select exists (select 1 from public_comments
                             where site_id = $1 and client_hash = $2 and rating_counts
                               and created_at >= date_trunc('day', now() at time zone 'Asia/Shanghai')
                                                 at time zone 'Asia/Shanghai')",
        )
        .bind(c.site_id)
        .bind(&c.client_hash)
        .fetch_one(&mut *tx)
        .await?;
        if rated_today && c.input.body.is_none() && c.photo_sha256.is_none() {
            return Ok(CommentStored::RatedToday);
        }
        sqlx::query(
            "insert into public_comments
                (id, site_id, satisfaction, support, body, photo_sha256, phone_hash, phone_cipher,
                 phone_masked, fingerprint, client_hash, form_token, rating_counts, receipt_hash)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        )
        .bind(c.id)
        .bind(c.site_id)
        .bind(c.input.satisfaction.as_str())
        .bind(c.input.support.as_str())
        .bind(c.input.body.as_ref().map(|b| b.as_str()))
        .bind(c.photo_sha256)
        .bind(&c.phone_hash)
        .bind(&c.phone_cipher)
        .bind(c.input.phone.as_ref().map(|p| p.masked()))
        .bind(&fingerprint)
        .bind(&c.client_hash)
        .bind(c.form_token)
        .bind(!rated_today)
        .bind(&c.receipt_hash)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(CommentStored::Created)
    }

    /// Records a photo sent with a public comment (no uploader, no location).
    pub async fn insert_public_photo(
        &self,
        sha256: &str,
        byte_size: i32,
        width: i32,
        height: i32,
    ) -> Result<(), AppError> {
        sqlx::query(
            "insert into photos (sha256, byte_size, width, height, source)
             values ($1, $2, $3, $4, 'public') on conflict (sha256) do nothing",
        )
        .bind(sha256)
        .bind(byte_size)
        .bind(width)
        .bind(height)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// True when the photo belongs to a published comment or a published good-practice case of
    /// the site with this code: only then may the public see it.
    pub async fn photo_is_public(&self, code: &str, sha256: &str) -> Result<bool, AppError> {
        Ok(sqlx::query_scalar(
            "select exists (select 1 from public_comments c join sites s on s.id = c.site_id
                             where s.public_code = $1 and c.photo_sha256 = $2
                               and c.status = 'published')
                 or exists (select 1 from good_practice_cases k
                              join sites s on s.id = k.site_id
                              join observation_photos op on op.observation_id = k.observation_id
                             where s.public_code = $1 and op.sha256 = $2 and k.published)",
        )
        .bind(code)
        .bind(sha256)
        .fetch_one(&self.pool)
        .await?)
    }

    /// Comments for moderation in one status, oldest first (keyset after `after`), with the
    /// site they were left at.
    pub async fn comments_for_staff(
        &self,
        status: CommentStatus,
        after: Option<(DateTime<Utc>, Uuid)>,
    ) -> Result<Vec<CommentForStaff>, AppError> {
        let (at, id) = after.unzip();
        Ok(sqlx::query_as(
            "select c.id, c.created_at, c.satisfaction, c.support, c.body, c.photo_sha256,
                    c.phone_masked, c.status, c.hide_reason, u.display_name as moderated_by,
                    c.moderated_at, s.id as site_id, s.name_zh as site_name_zh,
                    s.name_en as site_name_en, s.public_code
               from public_comments c
               join sites s on s.id = c.site_id
               left join users u on u.id = c.moderated_by
              where c.status = $1
                and ($2::timestamptz is null or (c.created_at, c.id) > ($2, $3))
              order by c.created_at, c.id
              limit $4",
        )
        .bind(status.as_str())
        .bind(at)
        .bind(id)
        .bind(QUEUE_PAGE as i64)
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn count_comments(&self, status: CommentStatus) -> Result<i64, AppError> {
        Ok(
            sqlx::query_scalar("select count(*) from public_comments where status = $1")
                .bind(status.as_str())
                .fetch_one(&self.pool)
                .await?,
        )
    }

    /// Applies a moderation decision through the domain's state machine and logs it, in one
    /// transaction; the row is locked so two moderators cannot both act on the old state.
    pub async fn moderate_comment(
        &self,
        id: Uuid,
        action: &Moderation,
        actor: Uuid,
    ) -> Result<CommentStatus, AppError> {
        let mut tx = self.pool.begin().await?;
        let from: Option<String> =
            sqlx::query_scalar("select status from public_comments where id = $1 for update")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        let from = from
            .and_then(|s| CommentStatus::parse(&s))
            .ok_or_else(|| AppError::not_found("comment"))?;
        let to = action.apply(from).map_err(|e| match e {
            crate::domain::comment::ModerationError::NeedsReason => {
                AppError::invalid("reason", e.to_string())
            }
            other => AppError::new(ErrorCode::Conflict, other.to_string()),
        })?;
        let (reason, category) = match action {
            Moderation::Hide { reason, category } => {
                (Some(reason.trim().to_owned()), Some(category.as_str()))
            }
            _ => (None, None),
        };
        sqlx::query(
            "update public_comments
                set status = $2, hide_reason = $3, hide_category = $5, moderated_by = $4,
                    moderated_at = now()
              where id = $1",
        )
        .bind(id)
        .bind(to.as_str())
        .bind(&reason)
        .bind(actor)
        .bind(category)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "insert into public_comment_events (comment_id, action, reason, actor)
             values ($1, $2, $3, $4)",
        )
        .bind(id)
        .bind(action.name())
        .bind(&reason)
        .bind(actor)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(to)
    }

    /// The encrypted number of a comment, and a record that this person asked for it.
    pub async fn phone_cipher_for_callback(
        &self,
        id: Uuid,
        actor: Uuid,
    ) -> Result<Vec<u8>, AppError> {
        let mut tx = self.pool.begin().await?;
        let cipher: Option<Option<Vec<u8>>> =
            sqlx::query_scalar("select phone_cipher from public_comments where id = $1")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        let cipher = cipher
            .ok_or_else(|| AppError::not_found("comment"))?
            .ok_or_else(|| AppError::not_found("phone number"))?;
        sqlx::query(
            "insert into public_comment_events (comment_id, action, actor)
             values ($1, 'reveal_phone', $2)",
        )
        .bind(id)
        .bind(actor)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(cipher)
    }

    /// The encrypted number of a comment this person asked for within the last `minutes` (the
    /// page that answers their reveal shows it; a stranger's or an old request shows nothing).
    pub async fn phone_cipher_revealed_to(
        &self,
        id: Uuid,
        actor: Uuid,
        minutes: i32,
    ) -> Result<Option<Vec<u8>>, AppError> {
        Ok(sqlx::query_scalar(
            "select c.phone_cipher from public_comments c
              where c.id = $1 and c.phone_cipher is not null
                and exists (select 1 from public_comment_events e
                             where e.comment_id = c.id and e.action = 'reveal_phone'
                               and e.actor = $2
                               and e.at > now() - make_interval(mins => $3))",
        )
        .bind(id)
        .bind(actor)
        .bind(minutes)
        .fetch_optional(&self.pool)
        .await?
        .flatten())
    }

    /// Satisfaction figures of a year's projects and sub-items (hidden comments left out).
    pub async fn satisfaction_figures(&self, year: i32) -> Result<Vec<FigureRow>, AppError> {
        let q = format!(
            "select p.id as project_id, p.number as project_number, p.title_zh as project_zh,
                    p.title_en as project_en, s.id as sub_item_id, s.number as sub_item_number,
                    s.title_zh as sub_item_zh, s.title_en as sub_item_en, {TALLY_COLUMNS}
               from projects p
               join sub_items s on s.project_id = p.id
               left join sites t on t.sub_item_id = s.id
               left join public_comments c on c.site_id = t.id and {COUNTED}
              where p.year = $1
              group by p.id, s.id
              order by p.number, s.number"
        );
        let rows: Vec<(FigureKeys, TallyRow)> = sqlx::query(&q)
            .bind(year)
            .fetch_all(&self.pool)
            .await?
            .into_iter()
            .map(|r| {
                use sqlx::FromRow;
                Ok((FigureKeys::from_row(&r)?, TallyRow::from_row(&r)?))
            })
            .collect::<Result<_, sqlx::Error>>()?;
        Ok(rows
            .into_iter()
            .map(|(k, t)| FigureRow {
                project_id: k.project_id,
                project_number: k.project_number,
                project_zh: k.project_zh,
                project_en: k.project_en,
                sub_item_id: k.sub_item_id,
                sub_item_number: k.sub_item_number,
                sub_item_zh: k.sub_item_zh,
                sub_item_en: k.sub_item_en,
                tally: t.into(),
            })
            .collect())
    }

    /// Sites for posters: one site by code, or all of a lead unit's or a district's sites in
    /// use (a deactivated site takes no comments); one page of them and how many there are.
    pub async fn poster_sites(
        &self,
        code: Option<&str>,
        unit: Option<Uuid>,
        district: Option<Uuid>,
        page: u32,
        per_page: u32,
    ) -> Result<(Vec<PosterSite>, i64), AppError> {
        const FROM: &str = "from sites t
               join sub_items s on s.id = t.sub_item_id
               join projects p on p.id = s.project_id
               join lead_units u on u.id = s.lead_unit_id
              where ($1::text is null or t.public_code = $1)
                and ($2::uuid is null or u.id = $2)
                and ($3::uuid is null or t.district_id = $3)
                and (t.active or $1::text is not null)";
        let total: i64 = sqlx::query_scalar(&format!("select count(*) {FROM}"))
            .bind(code)
            .bind(unit)
            .bind(district)
            .fetch_one(&self.pool)
            .await?;
        let rows = sqlx::query_as(&format!(
            "select t.public_code, t.name_zh, t.name_en, t.kind, p.number as project_number,
                    p.title_zh as project_zh, p.title_en as project_en,
                    s.title_zh as sub_item_zh, s.title_en as sub_item_en,
                    u.name_zh as lead_unit_zh, u.name_en as lead_unit_en
               {FROM}
              order by p.number, s.number, t.name_zh, t.public_code
              limit $4 offset $5"
        ))
        .bind(code)
        .bind(unit)
        .bind(district)
        .bind(i64::from(per_page))
        .bind(i64::from(page) * i64::from(per_page))
        .fetch_all(&self.pool)
        .await?;
        Ok((rows, total))
    }

    pub async fn list_districts(&self) -> Result<Vec<crate::catalogue::UnitRef>, AppError> {
        Ok(sqlx::query_as(
            "select id, name_zh, name_en from districts order by code nulls last, name_zh",
        )
        .fetch_all(&self.pool)
        .await?)
    }
}

#[derive(sqlx::FromRow)]
struct FigureKeys {
    project_id: Uuid,
    project_number: i32,
    project_zh: String,
    project_en: String,
    sub_item_id: Uuid,
    sub_item_number: i32,
    sub_item_zh: String,
    sub_item_en: String,
}

/// The public plan's sub-item columns, over `sub_items s`, `projects p`, `lead_units u` and the
/// latest report `l`.
const PLAN_COLUMNS: &str = "s.id, p.number as project_number, p.title_zh as project_zh,
    p.title_en as project_en, p.summary_zh as project_summary_zh,
    p.summary_en as project_summary_en, s.number, s.title_zh, s.title_en, u.name_zh as unit_zh,
    u.name_en as unit_en, s.target_quantity as target, s.target_unit_zh, s.target_unit_en,
    s.deadline, s.budget_yuan, s.funds_government_yuan, s.funds_residents_yuan,
    s.funds_social_yuan,
    (select count(*) from sites t where t.sub_item_id = s.id) as site_count,
    l.quantity_done as done, l.paid_yuan, l.at as reported_at";

const PLAN_FROM: &str = "from sub_items s
    join projects p on p.id = s.project_id
    join lead_units u on u.id = s.lead_unit_id
    left join lateral (select r.quantity_done, r.at,
                              r.paid_government_yuan + r.paid_residents_yuan + r.paid_social_yuan
                                  as paid_yuan
                         from progress_reports r where r.sub_item_id = s.id
                        order by r.at desc, r.id desc limit 1) l on true";

impl Db {
    /// A year's plan for the public: every sub-item with its latest report and the public's
    /// rates (counted as on the site pages), in the plan's order.
    pub async fn public_plan(
        &self,
        year: i32,
    ) -> Result<Vec<crate::public::plan::PublicSubItem>, AppError> {
        let q = format!(
            "select {PLAN_COLUMNS} {PLAN_FROM} where p.year = $1 order by p.number, s.number"
        );
        let mut rows: Vec<crate::public::plan::PublicSubItem> =
            sqlx::query_as(&q).bind(year).fetch_all(&self.pool).await?;
        let tallies = self.satisfaction_figures(year).await?;
        for r in &mut rows {
            if let Some(f) = tallies.iter().find(|f| f.sub_item_id == r.id) {
                r.tally = f.tally;
            }
        }
        Ok(rows)
    }

    /// One sub-item of a year's plan, named as the plan numbers it, and a page of its sites;
    /// `None` when the plan has no such sub-item.
    pub async fn plan_sites(
        &self,
        year: i32,
        project: i32,
        number: i32,
        page: u32,
        per_page: u32,
    ) -> Result<Option<crate::public::plan::PlanSites>, AppError> {
        let q = format!(
            "select {PLAN_COLUMNS} {PLAN_FROM}
              where p.year = $1 and p.number = $2 and s.number = $3"
        );
        let sub: Option<crate::public::plan::PublicSubItem> = sqlx::query_as(&q)
            .bind(year)
            .bind(project)
            .bind(number)
            .fetch_optional(&self.pool)
            .await?;
        let Some(sub_item) = sub else {
            return Ok(None);
        };
        let rows = sqlx::query_as(
            "select t.public_code, t.name_zh, t.name_en, t.kind, d.name_zh as district_zh,
                    d.name_en as district_en, t.active, t.state
               from sites t join districts d on d.id = t.district_id
              where t.sub_item_id = $1
              order by t.active desc, t.code nulls last, t.name_zh, t.id
              limit $2 offset $3",
        )
        .bind(sub_item.id)
        .bind(i64::from(per_page))
        .bind(i64::from(page) * i64::from(per_page))
        .fetch_all(&self.pool)
        .await?;
        Ok(Some(crate::public::plan::PlanSites {
            year,
            sites: crate::paged::Paged {
                rows,
                total: sub_item.site_count,
                page,
                per_page,
            },
            sub_item,
        }))
    }

    /// The latest reported progress of a site's sub-item: quantity done and when.
    pub async fn latest_progress(
        &self,
        sub_item: Uuid,
    ) -> Result<Option<(i32, chrono::DateTime<chrono::Utc>)>, AppError> {
        Ok(sqlx::query_as(
            "select quantity_done, at from progress_reports where sub_item_id = $1
              order by at desc, id desc limit 1",
        )
        .bind(sub_item)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// A site's uses counted by its devices from `since` on, or `None` when no device of the
    /// site is in service.
    pub async fn public_usage(
        &self,
        site: Uuid,
        since: chrono::NaiveDate,
    ) -> Result<Option<crate::public::PublicUsage>, AppError> {
        let usage: crate::public::PublicUsage = sqlx::query_as(
            "select (select count(*) from devices d where d.site_id = $1 and d.active) as devices,
                    coalesce((select sum(u.uses) from site_usage_daily u
                               where u.site_id = $1 and u.day >= $2), 0)::bigint as uses,
                    (select max(u.day) from site_usage_daily u where u.site_id = $1) as last_day",
        )
        .bind(site)
        .bind(since)
        .fetch_one(&self.pool)
        .await?;
        Ok((usage.devices > 0).then_some(usage))
    }
}
