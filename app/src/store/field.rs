//! SQL for field capture: photos and observations.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::Db;
use crate::domain::{
    photo_evidence::PhotoJudgement, verdict::Verdict, Observation, PhotoHash, SiteGeometry,
};
use crate::error::AppError;

pub struct NewPhoto<'a> {
    pub sha256: &'a str,
    pub byte_size: i32,
    pub width: i32,
    pub height: i32,
    pub exif_lat: Option<f64>,
    pub exif_lon: Option<f64>,
    pub exif_taken_at: Option<DateTime<Utc>>,
    pub uploaded_by: Uuid,
}

/// Whether a photo's display copy and thumbnail exist yet (`photos.copies`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PhotoCopies {
    /// The original is stored and checked; the copier has not made the copies yet.
    Pending,
    Ready,
    /// The copies could not be made (the original went missing from storage).
    Unreadable,
}

impl PhotoCopies {
    pub fn as_str(self) -> &'static str {
        match self {
            PhotoCopies::Pending => "pending",
            PhotoCopies::Ready => "ready",
            PhotoCopies::Unreadable => "unreadable",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "pending" => Some(PhotoCopies::Pending),
            "ready" => Some(PhotoCopies::Ready),
            "unreadable" => Some(PhotoCopies::Unreadable),
            _ => None,
        }
    }
}

/// What the phone learns about an observation it sent.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize, sqlx::FromRow)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ObservationReceipt {
    pub id: Uuid,
    pub status: String,
    pub verdict: String,
    pub distance_m: Option<f64>,
    pub received_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub enum Stored {
    Created(ObservationReceipt),
    Replayed(ObservationReceipt),
    Conflict,
}

impl Db {
    pub async fn photo_exists(&self, sha256: &str) -> Result<bool, AppError> {
        Ok(
            sqlx::query_scalar("select exists (select 1 from photos where sha256 = $1)")
                .bind(sha256)
                .fetch_one(&self.pool)
                .await?,
        )
    }

    /// Records a stored original (its copies pending) and its uploader as a holder. Returns
    /// false when another upload of the same bytes won the race.
    pub async fn insert_photo(&self, p: &NewPhoto<'_>) -> Result<bool, AppError> {
        let created: i64 = sqlx::query_scalar(
            "with p as (insert into photos (sha256, byte_size, width, height, exif_lat, exif_lon,
                                            exif_taken_at, uploaded_by, copies)
                        values ($1, $2, $3, $4, $5, $6, $7, $8, 'pending')
                        on conflict (sha256) do nothing
                        returning sha256),
                  h as (insert into photo_holders (sha256, user_id)
                        select $1, $8
                         where exists (select 1 from p)
                            or exists (select 1 from photos where sha256 = $1)
                        on conflict do nothing)
             select count(*) from p",
        )
        .bind(p.sha256)
        .bind(p.byte_size)
        .bind(p.width)
        .bind(p.height)
        .bind(p.exif_lat)
        .bind(p.exif_lon)
        .bind(p.exif_taken_at)
        .bind(p.uploaded_by)
        .fetch_one(&self.pool)
        .await?;
        Ok(created == 1)
    }

    /// How many photos wait for their copies, on every server (the metrics' copier queue).
    pub async fn photo_copies_waiting(&self) -> Result<i64, AppError> {
        Ok(
            sqlx::query_scalar("select count(*) from photos where copies = 'pending'")
                .fetch_one(&self.pool)
                .await?,
        )
    }

    /// Claims up to `limit` photos waiting for their copies for `lease`: no other server's claim
    /// returns them until it runs out. Rows another server is claiming right now are skipped,
    /// not waited for.
    pub async fn claim_photo_copies(
        &self,
        limit: i64,
        lease: std::time::Duration,
    ) -> Result<Vec<String>, AppError> {
        Ok(sqlx::query_scalar(
            "update photos set copy_claimed_until = now() + make_interval(secs => $2)
              where sha256 in (
                  select sha256 from photos
                   where copies = 'pending'
                     and (copy_claimed_until is null or copy_claimed_until < now())
                   order by created_at
                   limit $1
                   for update skip locked)
              returning sha256",
        )
        .bind(limit)
        .bind(lease.as_secs_f64())
        .fetch_all(&self.pool)
        .await?)
    }

    /// Gives back claims not worked on (storage was down), so they are tried again soon rather
    /// than when the lease runs out.
    pub async fn release_photo_copy_claims(&self, sha256: &[String]) -> Result<(), AppError> {
        sqlx::query("update photos set copy_claimed_until = null where sha256 = any($1)")
            .bind(sha256)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn photo_copies(&self, sha256: &str) -> Result<Option<PhotoCopies>, AppError> {
        let state: Option<String> =
            sqlx::query_scalar("select copies from photos where sha256 = $1")
                .bind(sha256)
                .fetch_optional(&self.pool)
                .await?;
        Ok(state.as_deref().and_then(PhotoCopies::parse))
    }

    pub async fn set_photo_copies(&self, sha256: &str, to: PhotoCopies) -> Result<(), AppError> {
        sqlx::query("update photos set copies = $2 where sha256 = $1")
            .bind(sha256)
            .bind(to.as_str())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Someone uploaded bytes the server already had: they hold the photo too.
    pub async fn add_photo_holder(&self, sha256: &str, user: Uuid) -> Result<(), AppError> {
        sqlx::query(
            "insert into photo_holders (sha256, user_id) values ($1, $2) on conflict do nothing",
        )
        .bind(sha256)
        .bind(user)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The photos among `hashes` that the server does not have yet.
    /// The photos among `hashes` that `user` has not uploaded. A record may cite only photos its
    /// author holds: a hash seen elsewhere (a colleague's, the public's) is not theirs to present
    /// as their evidence, and the answer says nothing about which photos the server has.
    pub async fn photos_not_held(
        &self,
        user: Uuid,
        hashes: &[PhotoHash],
    ) -> Result<Vec<String>, AppError> {
        let wanted: Vec<&str> = hashes.iter().map(PhotoHash::as_str).collect();
        Ok(sqlx::query_scalar(
            "select h from unnest($1::text[]) with ordinality as t(h, n)
              where not exists (select 1 from photo_holders p
                                 where p.sha256 = t.h and p.user_id = $2)
              order by n",
        )
        .bind(&wanted)
        .bind(user)
        .fetch_all(&self.pool)
        .await?)
    }

    /// True when an observation with this id was stored by this deputy.
    pub async fn observation_is_theirs(&self, id: Uuid, user: Uuid) -> Result<bool, AppError> {
        Ok(sqlx::query_scalar(
            "select exists (select 1 from observations where id = $1 and deputy_user_id = $2)",
        )
        .bind(id)
        .bind(user)
        .fetch_one(&self.pool)
        .await?)
    }

    /// True when the site belongs to a unit the deputy's supervision group follows: the sites
    /// in their "my sites".
    pub async fn deputy_follows_site(&self, deputy: Uuid, site: Uuid) -> Result<bool, AppError> {
        Ok(sqlx::query_scalar(
            "select exists (select 1 from sites t
                              join sub_items s on s.id = t.sub_item_id
                              join group_units gu on gu.unit_id = s.lead_unit_id
                              join deputies d on d.group_id = gu.group_id
                             where t.id = $2 and d.id = $1)",
        )
        .bind(deputy)
        .bind(site)
        .fetch_one(&self.pool)
        .await?)
    }

    /// The geometry and project year of an item's site: what an officer's evidence is judged
    /// against.
    pub async fn item_site_geometry(
        &self,
        item: Uuid,
    ) -> Result<Option<(SiteGeometry, i32)>, AppError> {
        let site: Option<Uuid> = sqlx::query_scalar("select site_id from list_items where id = $1")
            .bind(item)
            .fetch_optional(&self.pool)
            .await?;
        match site {
            Some(s) => self.site_geometry(s).await,
            None => Ok(None),
        }
    }

    /// A site's geometry and its project's year: what a record made there is judged against.
    pub async fn site_geometry(
        &self,
        site_id: Uuid,
    ) -> Result<Option<(SiteGeometry, i32)>, AppError> {
        let row: Option<(sqlx::types::Json<SiteGeometry>, i32)> = sqlx::query_as(
            "select t.geometry, p.year from sites t
               join sub_items s on s.id = t.sub_item_id
               join projects p on p.id = s.project_id
              where t.id = $1",
        )
        .bind(site_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|(g, y)| (g.0, y)))
    }

    async fn receipt(&self, id: Uuid) -> Result<ObservationReceipt, AppError> {
        Ok(sqlx::query_as(
            "select id, status, verdict, distance_m, received_at, updated_at
               from observations where id = $1",
        )
        .bind(id)
        .fetch_one(&self.pool)
        .await?)
    }

    async fn existing(&self, id: Uuid) -> Result<Option<(Uuid, String)>, AppError> {
        Ok(
            sqlx::query_as("select deputy_user_id, fingerprint from observations where id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// Stores an observation exactly once: a resend of the same content by the same deputy is
    /// answered with what is stored; anything else under the same id is a conflict.
    pub async fn store_observation(
        &self,
        deputy_user_id: Uuid,
        o: &Observation,
        verdict: Verdict,
        distance_m: Option<f64>,
        photo_judgements: &[PhotoJudgement],
    ) -> Result<Stored, AppError> {
        let fingerprint = o.fingerprint();
        let same = |existing: Option<(Uuid, String)>| {
            existing.map(|(who, fp)| who == deputy_user_id && fp == fingerprint)
        };
        match same(self.existing(o.id).await?) {
            Some(true) => return Ok(Stored::Replayed(self.receipt(o.id).await?)),
            Some(false) => return Ok(Stored::Conflict),
            None => {}
        }
        let mut tx = self.pool.begin().await?;
        // Made at a site of an inspection the deputy was invited to, on one of its days: it is
        // one of the inspection's findings, however late it arrives.
        let inspection: Option<Uuid> =
            sqlx::query_scalar(super::inspections::INSPECTION_OF_OBSERVATION)
                .bind(deputy_user_id)
                .bind(o.site_id)
                .bind(o.captured_at)
                .fetch_optional(&mut *tx)
                .await?;
        let inserted = sqlx::query(
            "insert into observations (id, deputy_user_id, site_id, kind, note, tags, captured_at,
                 lat, lon, accuracy_m, position_source, distance_m, verdict, fingerprint,
                 inspection_id)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
             on conflict (id) do nothing",
        )
        .bind(o.id)
        .bind(deputy_user_id)
        .bind(o.site_id)
        .bind(o.kind.as_str())
        .bind(&o.note)
        .bind(&o.tags)
        .bind(o.captured_at)
        .bind(o.position.map(|p| p.lat))
        .bind(o.position.map(|p| p.lon))
        .bind(o.position.map(|p| p.accuracy_m))
        .bind(o.position.map(|p| p.source.as_str()))
        .bind(distance_m)
        .bind(verdict.as_str())
        .bind(&fingerprint)
        .bind(inspection)
        .execute(&mut *tx)
        .await?;
        if inserted.rows_affected() == 0 {
            // A concurrent resend got there first: judge it like any other replay.
            tx.rollback().await?;
            return match same(self.existing(o.id).await?) {
                Some(true) => Ok(Stored::Replayed(self.receipt(o.id).await?)),
                _ => Ok(Stored::Conflict),
            };
        }
        for (i, h) in o.photos.iter().enumerate() {
            let facts = o.photo_facts.get(i);
            let judged = photo_judgements.get(i);
            sqlx::query(
                "insert into observation_photos (observation_id, position, sha256, origin,
                     chosen_at, taken_at, lat, lon, place_verdict, distance_m, time_verdict)
                 values ($1, $2, $3, $4, $5, $6, $7, $8, coalesce($9, 'unknown'), $10,
                         coalesce($11, 'unknown'))",
            )
            .bind(o.id)
            .bind(i as i16)
            .bind(h.as_str())
            .bind(facts.map(|f| f.origin.as_str()))
            .bind(facts.map(|f| f.chosen_at))
            .bind(facts.and_then(|f| f.taken_at))
            .bind(facts.and_then(|f| f.position).map(|p| p.0))
            .bind(facts.and_then(|f| f.position).map(|p| p.1))
            .bind(judged.map(|j| j.place.as_str()))
            .bind(judged.and_then(|j| j.distance_m))
            .bind(judged.map(|j| j.time.as_str()))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(Stored::Created(self.receipt(o.id).await?))
    }

    /// The deputy's observations changed after the cursor, oldest change first.
    pub async fn observation_changes(
        &self,
        deputy_user_id: Uuid,
        after: Option<(DateTime<Utc>, Uuid)>,
        limit: i64,
    ) -> Result<Vec<ObservationReceipt>, AppError> {
        let (ts, id) = after.unwrap_or((DateTime::<Utc>::UNIX_EPOCH, Uuid::nil()));
        Ok(sqlx::query_as(
            "select id, status, verdict, distance_m, received_at, updated_at from observations
              where deputy_user_id = $1 and (updated_at, id) > ($2, $3)
              order by updated_at, id limit $4",
        )
        .bind(deputy_user_id)
        .bind(ts)
        .bind(id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }
}

impl Db {
    /// One page of what a deputy has sent, newest first, with the photos in their order; and how
    /// many there are.
    pub async fn my_observations(
        &self,
        deputy_user_id: Uuid,
        page: u32,
        per_page: u32,
    ) -> Result<(Vec<crate::capture::MyObservation>, i64), AppError> {
        let total: i64 =
            sqlx::query_scalar("select count(*) from observations where deputy_user_id = $1")
                .bind(deputy_user_id)
                .fetch_one(&self.pool)
                .await?;
        let rows = sqlx::query_as(
            "select o.id, o.site_id, t.name_zh as site_name_zh, t.name_en as site_name_en,
                    o.kind, o.note, o.captured_at, o.received_at, o.status, o.verdict,
                    o.distance_m,
                    coalesce((select array_agg(p.sha256 order by p.position)
                                from observation_photos p where p.observation_id = o.id),
                             '{}') as photos,
                    o.dismiss_reason,
                    (select max(e.at) from observation_events e
                      where e.observation_id = o.id and e.action = 'dismiss') as dismissed_at,
                    i.id as item_id, i.year as item_year, i.number as item_number
               from observations o join sites t on t.id = o.site_id
               left join list_item_observations lo on lo.observation_id = o.id
               left join list_items i on i.id = lo.item_id
              where o.deputy_user_id = $1
              order by o.received_at desc, o.id desc limit $2 offset $3",
        )
        .bind(deputy_user_id)
        .bind(i64::from(per_page))
        .bind(i64::from(page) * i64::from(per_page))
        .fetch_all(&self.pool)
        .await?;
        Ok((rows, total))
    }
}
