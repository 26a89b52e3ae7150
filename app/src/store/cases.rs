//! Good-practice cases: promoted from an observation in one transaction with its log and the
//! deputy's notification; read by the public pages (published only) and the staff's list.

use uuid::Uuid;

use super::Db;
use crate::case_rows::{CaseRow, PublicCase};
use crate::domain::case::{may_promote, CaseError, CaseText};
use crate::domain::ObservationKind;
use crate::error::{AppError, ErrorCode};
use crate::paged::Paged;

const PUBLIC_COLUMNS: &str = "k.id, k.title, k.body, k.level, s.public_code as site_code,
       s.name_zh as site_name_zh, s.name_en as site_name_en, p.number as project_number,
       p.title_zh as project_title_zh, p.title_en as project_title_en,
       u.name_zh as unit_name_zh, u.name_en as unit_name_en,
       array(select op.sha256 from observation_photos op
              where op.observation_id = k.observation_id order by op.position) as photos,
       k.created_at";

const CASE_FROM: &str = "from good_practice_cases k
       join sites s on s.id = k.site_id
       join sub_items si on si.id = s.sub_item_id
       join projects p on p.id = si.project_id
       join lead_units u on u.id = si.lead_unit_id";

/// With the rule's field, so the page says it in the reader's language (`ui::field_hint`).
fn refused(e: CaseError) -> AppError {
    let invalid = AppError::invalid(e.field(), e.to_string());
    match e {
        CaseError::NotGoodPractice | CaseError::AlreadyReviewed => AppError {
            error: ErrorCode::Conflict,
            ..invalid
        },
        _ => invalid,
    }
}

impl Db {
    /// Makes a case of a good-practice observation waiting for review: the case, the
    /// observation's new status, its log's `promote` event and the deputy's notification, all or
    /// nothing. The observation's row is locked first, so two staff promoting it at once make
    /// one case and the other is told it was reviewed.
    pub async fn promote_observation(
        &self,
        observation: Uuid,
        text: &CaseText,
        published: bool,
        actor: Uuid,
    ) -> Result<Uuid, AppError> {
        let mut tx = self.pool.begin().await?;
        let row: Option<(String, String, Uuid, Uuid)> = sqlx::query_as(
            "select kind, status, site_id, deputy_user_id from observations
              where id = $1 for update",
        )
        .bind(observation)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((kind, status, site, deputy)) = row else {
            return Err(AppError::not_found("observation"));
        };
        let kind = ObservationKind::parse(&kind).ok_or_else(AppError::internal)?;
        may_promote(kind, &status).map_err(refused)?;
        let id = Uuid::now_v7();
        sqlx::query(
            "insert into good_practice_cases
                 (id, observation_id, site_id, title, body, level, published, created_by)
             values ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id)
        .bind(observation)
        .bind(site)
        .bind(&text.title)
        .bind(&text.body)
        .bind(text.level.as_str())
        .bind(published)
        .bind(actor)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "update observations set status = 'promoted', updated_at = now() where id = $1",
        )
        .bind(observation)
        .execute(&mut *tx)
        .await?;
        super::items::log_observation_event(
            &mut tx,
            observation,
            "promote",
            &text.title,
            actor,
            deputy,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Publishes or withdraws a case; who and when are kept.
    pub async fn set_case_published(
        &self,
        case: Uuid,
        published: bool,
        actor: Uuid,
    ) -> Result<(), AppError> {
        let done = sqlx::query(
            "update good_practice_cases set published = $2, changed_by = $3, changed_at = now()
              where id = $1",
        )
        .bind(case)
        .bind(published)
        .bind(actor)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(AppError::not_found("case"));
        }
        Ok(())
    }

    /// The published cases of one site, newest first. A site has a handful at most; all are
    /// shown.
    pub async fn public_cases_of_site(&self, site: Uuid) -> Result<Vec<PublicCase>, AppError> {
        let q = format!(
            "select {PUBLIC_COLUMNS} {CASE_FROM}
              where k.site_id = $1 and k.published
              order by k.created_at desc, k.id desc"
        );
        Ok(sqlx::query_as(&q).bind(site).fetch_all(&self.pool).await?)
    }

    /// The published cases of a year's plan, in the plan's order (project, then newest first).
    /// All of them: a year has tens, and the plan page is the place to find them.
    pub async fn public_cases_of_year(&self, year: i32) -> Result<Vec<PublicCase>, AppError> {
        let q = format!(
            "select {PUBLIC_COLUMNS} {CASE_FROM}
              where p.year = $1 and k.published
              order by p.number, k.created_at desc, k.id desc"
        );
        Ok(sqlx::query_as(&q).bind(year).fetch_all(&self.pool).await?)
    }

    /// The staff's list: a year (all years when none), optionally one project's, a page at a
    /// time with the total.
    pub async fn list_cases(
        &self,
        year: Option<i32>,
        project: Option<i32>,
        page: u32,
        per_page: u32,
    ) -> Result<Paged<CaseRow>, AppError> {
        let q = format!(
            "select {PUBLIC_COLUMNS}, p.year, k.published, k.observation_id, k.site_id,
                    d.display_name as deputy_name, c.display_name as promoted_by
               {CASE_FROM}
               join observations o on o.id = k.observation_id
               join users d on d.id = o.deputy_user_id
               join users c on c.id = k.created_by
              where ($1::int is null or p.year = $1) and ($2::int is null or p.number = $2)
              order by k.created_at desc, k.id desc
              limit $3 offset $4"
        );
        let rows = sqlx::query_as(&q)
            .bind(year)
            .bind(project)
            .bind(i64::from(per_page))
            .bind(i64::from(page) * i64::from(per_page))
            .fetch_all(&self.pool)
            .await?;
        let count = format!(
            "select count(*) {CASE_FROM}
              where ($1::int is null or p.year = $1) and ($2::int is null or p.number = $2)"
        );
        let total: i64 = sqlx::query_scalar(&count)
            .bind(year)
            .bind(project)
            .fetch_one(&self.pool)
            .await?;
        Ok(Paged {
            rows,
            total,
            page,
            per_page,
        })
    }

    /// Every case of a year (or of all years), for the export: no page, the file holds them all.
    pub async fn all_cases(&self, year: Option<i32>) -> Result<Vec<CaseRow>, AppError> {
        let page = self.list_cases(year, None, 0, i32::MAX as u32).await?;
        Ok(page.rows)
    }

    /// The years that have cases, newest first.
    pub async fn case_years(&self) -> Result<Vec<i32>, AppError> {
        let q = format!("select distinct p.year {CASE_FROM} order by p.year desc");
        Ok(sqlx::query_scalar(&q).fetch_all(&self.pool).await?)
    }
}
