//! SQL for progress against targets: reports and their photos (append-only), staff's queries
//! (append-only, each told to the unit's officers in the same transaction), the margin staff
//! allow, and the dashboard's schedule table.

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::users::UserRecord;
use super::Db;
use crate::domain::progress::{
    BurnPoint, DeviceProgress, Paid, ProgressInput, Risk, Schedule, SiteState,
    DEFAULT_BEHIND_MARGIN_PCT,
};
use crate::error::AppError;
use crate::paged::Paged;
use crate::progress::{
    ProgressExportRow, ProgressQuery, ProgressReport, RiskRow, Risks, SubItemProgress,
};

#[derive(sqlx::FromRow)]
struct ReportRow {
    id: Uuid,
    at: DateTime<Utc>,
    author_name: String,
    quantity_done: i32,
    paid_government_yuan: i64,
    paid_residents_yuan: i64,
    paid_social_yuan: i64,
    note: String,
    photos: Vec<String>,
    sites_finished: Option<i32>,
    sites_total: Option<i32>,
}

#[derive(sqlx::FromRow)]
struct PlanRow {
    year: i32,
    deadline: NaiveDate,
    target_quantity: i32,
    target_unit_zh: String,
    target_unit_en: String,
    budget_yuan: i64,
    lead_unit_id: Uuid,
}

/// A sub-item's open queries (over `s`): a query stays open until a later report is filed.
const OPEN_QUERIES: &str = "(select count(*) from progress_queries q
       join progress_reports r on r.id = q.report_id
      where r.sub_item_id = s.id
        and not exists (select 1 from progress_reports later
                         where later.sub_item_id = s.id and later.at > q.at))";

const REPORT_COLUMNS: &str = "r.id, r.at, u.display_name as author_name, r.quantity_done,
    r.paid_government_yuan, r.paid_residents_yuan, r.paid_social_yuan, r.note,
    r.sites_finished, r.sites_total,
    array(select p.sha256 from progress_report_photos p where p.report_id = r.id
          order by p.position) as photos";

impl Db {
    /// The margin staff allow before a sub-item counts as behind.
    pub async fn progress_margin(&self) -> Result<i32, AppError> {
        let m: Option<i32> = sqlx::query_scalar("select behind_margin_pct from progress_settings")
            .fetch_optional(&self.pool)
            .await?;
        Ok(m.unwrap_or(DEFAULT_BEHIND_MARGIN_PCT))
    }

    pub async fn set_progress_margin(&self, pct: i32) -> Result<(), AppError> {
        sqlx::query(
            "insert into progress_settings (only_row, behind_margin_pct) values (true, $1)
             on conflict (only_row) do update set behind_margin_pct = excluded.behind_margin_pct",
        )
        .bind(pct)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The lead unit of a sub-item, or `None` when there is no such sub-item.
    pub async fn sub_item_unit(&self, sub_item: Uuid) -> Result<Option<Uuid>, AppError> {
        Ok(
            sqlx::query_scalar("select lead_unit_id from sub_items where id = $1")
                .bind(sub_item)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// The sub-item's target, for checking a report against it.
    pub async fn sub_item_target(&self, sub_item: Uuid) -> Result<Option<i32>, AppError> {
        Ok(
            sqlx::query_scalar("select target_quantity from sub_items where id = $1")
                .bind(sub_item)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// Files a report: the report and its photos in one transaction. The caller has checked
    /// that `author` is an officer of the sub-item's lead unit and stored the photos.
    pub async fn file_progress(
        &self,
        sub_item: Uuid,
        author: Uuid,
        input: &ProgressInput,
        photos: &[String],
    ) -> Result<Uuid, AppError> {
        let id = Uuid::now_v7();
        self.insert_report(id, sub_item, author, input, photos, None)
            .await?;
        Ok(id)
    }

    /// Files a report from the phone's outbox exactly once: a resend of the same report under
    /// its id is recognised (whether the first is still being written or long done, since the
    /// id is the key) and another report under a used id is refused. The caller has checked
    /// the author's unit and that the photos are uploaded.
    pub async fn file_progress_from_device(
        &self,
        report: &DeviceProgress,
        author: Uuid,
    ) -> Result<DeviceFiled, AppError> {
        let fingerprint = report.fingerprint();
        let filed = self
            .insert_report(
                report.id,
                report.sub_item_id,
                author,
                &report.input,
                &report.photo_hashes(),
                Some(&fingerprint),
            )
            .await?;
        if filed {
            return Ok(DeviceFiled::Created);
        }
        let prior: Option<(Uuid, Uuid, Option<String>)> = sqlx::query_as(
            "select sub_item_id, author, fingerprint from progress_reports where id = $1",
        )
        .bind(report.id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(match prior {
            Some((sub, who, Some(fp)))
                if sub == report.sub_item_id && who == author && fp == fingerprint =>
            {
                DeviceFiled::Replayed
            }
            _ => DeviceFiled::Conflict,
        })
    }

    /// The report and its photos, or nothing when `id` is taken (false).
    async fn insert_report(
        &self,
        id: Uuid,
        sub_item: Uuid,
        author: Uuid,
        input: &ProgressInput,
        photos: &[String],
        fingerprint: Option<&str>,
    ) -> Result<bool, AppError> {
        let mut tx = self.pool.begin().await?;
        let filed = sqlx::query(
            "insert into progress_reports (id, sub_item_id, quantity_done, paid_government_yuan,
                 paid_residents_yuan, paid_social_yuan, note, author, sites_finished, sites_total,
                 fingerprint)
             select $1, $2, $3, $4, $5, $6, $7, $8,
                    count(*) filter (where t.state in ('in_service', 'closed')), count(*), $9
               from sites t where t.sub_item_id = $2
             on conflict (id) do nothing",
        )
        .bind(id)
        .bind(sub_item)
        .bind(input.quantity_done)
        .bind(input.paid.government)
        .bind(input.paid.residents)
        .bind(input.paid.social)
        .bind(&input.note)
        .bind(author)
        .bind(fingerprint)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if !filed {
            tx.rollback().await?;
            return Ok(false);
        }
        sqlx::query(
            "insert into progress_report_photos (report_id, sha256, position)
             select $1, sha, (ord - 1)::smallint from unnest($2::text[]) with ordinality as t(sha, ord)",
        )
        .bind(id)
        .bind(photos)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Where a sub-item stands against its schedule now (for the outbox's receipt), or `None`
    /// when there is no such sub-item.
    pub async fn sub_item_schedule(&self, sub_item: Uuid) -> Result<Option<Schedule>, AppError> {
        let row: Option<(i32, NaiveDate, i32, Option<i32>)> = sqlx::query_as(
            "select p.year, s.deadline, s.target_quantity,
                    (select r.quantity_done from progress_reports r where r.sub_item_id = s.id
                      order by r.at desc, r.id desc limit 1)
               from sub_items s join projects p on p.id = s.project_id
              where s.id = $1",
        )
        .bind(sub_item)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|(year, deadline, target, done)| Schedule {
            year,
            deadline,
            target,
            done,
        }))
    }

    /// The site's state and the lead unit of its sub-item, or `None` when there is no such
    /// site: who may change the state is decided from these.
    pub async fn site_state_scope(
        &self,
        site: Uuid,
    ) -> Result<Option<(SiteState, Uuid)>, AppError> {
        let row: Option<(String, Uuid)> = sqlx::query_as(
            "select t.state, s.lead_unit_id from sites t
               join sub_items s on s.id = t.sub_item_id where t.id = $1",
        )
        .bind(site)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|(st, unit)| {
            SiteState::try_from(st)
                .map(|st| (st, unit))
                .map_err(|_| AppError::internal())
        })
        .transpose()
    }

    /// Sets a site's state and keeps the change with who made it, in one transaction; the row
    /// is locked so two changes at once are both logged in the order they took effect. Setting
    /// the state it already has changes and logs nothing (`false`).
    pub async fn set_site_state(
        &self,
        site: Uuid,
        state: SiteState,
        actor: Uuid,
    ) -> Result<bool, AppError> {
        let mut tx = self.pool.begin().await?;
        let now: Option<String> =
            sqlx::query_scalar("select state from sites where id = $1 for update")
                .bind(site)
                .fetch_optional(&mut *tx)
                .await?;
        match now {
            None => return Err(AppError::not_found("site")),
            Some(now) if now == state.as_str() => return Ok(false),
            Some(_) => {}
        }
        sqlx::query("update sites set state = $2 where id = $1")
            .bind(site)
            .bind(state.as_str())
            .execute(&mut *tx)
            .await?;
        sqlx::query("insert into site_state_changes (site_id, state, actor) values ($1, $2, $3)")
            .bind(site)
            .bind(state.as_str())
            .bind(actor)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// How many of a sub-item's sites are finished (in service or closed), of how many.
    pub async fn sites_finished(&self, sub_item: Uuid) -> Result<(i64, i64), AppError> {
        Ok(sqlx::query_as(
            "select count(*) filter (where state in ('in_service', 'closed')), count(*)
               from sites where sub_item_id = $1",
        )
        .bind(sub_item)
        .fetch_one(&self.pool)
        .await?)
    }

    /// Staff query a report's figures: the query and a notification to each active officer of
    /// the sub-item's unit, together. `None` when there is no such report.
    pub async fn query_progress(
        &self,
        report: Uuid,
        reason: &str,
        actor: Uuid,
    ) -> Result<Option<i64>, AppError> {
        let mut tx = self.pool.begin().await?;
        let query: Option<i64> = sqlx::query_scalar(
            "insert into progress_queries (report_id, reason, actor)
             select id, $2, $3 from progress_reports where id = $1
             returning id",
        )
        .bind(report)
        .bind(reason)
        .bind(actor)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(query) = query else {
            return Ok(None);
        };
        sqlx::query(
            "insert into notifications (user_id, progress_query_id)
             select u.id, $2 from progress_reports r
               join sub_items s on s.id = r.sub_item_id
               join users u on u.unit_id = s.lead_unit_id
              where r.id = $1 and u.role = 'unit_officer' and u.is_active
             on conflict do nothing",
        )
        .bind(report)
        .bind(query)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Some(query))
    }

    /// A sub-item's progress as `viewer` may see it: every signed-in role reads it; officers of
    /// its unit may report and staff may query. `None` when there is no such sub-item.
    pub async fn sub_item_progress(
        &self,
        sub_item: Uuid,
        viewer: &UserRecord,
        today: NaiveDate,
        page: u32,
        per_page: u32,
    ) -> Result<Option<SubItemProgress>, AppError> {
        let plan: Option<PlanRow> = sqlx::query_as(
            "select p.year, s.deadline, s.target_quantity, s.target_unit_zh, s.target_unit_en,
                    s.budget_yuan, s.lead_unit_id
               from sub_items s join projects p on p.id = s.project_id
              where s.id = $1",
        )
        .bind(sub_item)
        .fetch_optional(&self.pool)
        .await?;
        let Some(plan) = plan else {
            return Ok(None);
        };
        let points: Vec<(DateTime<Utc>, i32)> = sqlx::query_as(
            "select at, quantity_done from progress_reports where sub_item_id = $1
              order by at, id",
        )
        .bind(sub_item)
        .fetch_all(&self.pool)
        .await?;
        let total = points.len() as i64;
        let q = format!(
            "select {REPORT_COLUMNS} from progress_reports r join users u on u.id = r.author
              where r.sub_item_id = $1 order by r.at desc, r.id desc limit $2 offset $3"
        );
        let rows: Vec<ReportRow> = sqlx::query_as(&q)
            .bind(sub_item)
            .bind(i64::from(per_page))
            .bind(i64::from(page) * i64::from(per_page))
            .fetch_all(&self.pool)
            .await?;
        let latest_row: Option<ReportRow> = if page == 0 {
            None
        } else {
            let q = format!(
                "select {REPORT_COLUMNS} from progress_reports r join users u on u.id = r.author
                  where r.sub_item_id = $1 order by r.at desc, r.id desc limit 1"
            );
            sqlx::query_as(&q)
                .bind(sub_item)
                .fetch_optional(&self.pool)
                .await?
        };
        let mut ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
        ids.extend(latest_row.as_ref().map(|r| r.id));
        let queries: Vec<ProgressQuery> = sqlx::query_as(
            "select q.id, q.report_id, q.reason, u.display_name as actor_name, q.at
               from progress_queries q join users u on u.id = q.actor
              where q.report_id = any($1) order by q.id",
        )
        .bind(&ids)
        .fetch_all(&self.pool)
        .await?;
        let report = |r: ReportRow| ProgressReport {
            queries: queries
                .iter()
                .filter(|q| q.report_id == r.id)
                .cloned()
                .collect(),
            id: r.id,
            at: r.at,
            author_name: r.author_name,
            quantity_done: r.quantity_done,
            paid: Paid {
                government: r.paid_government_yuan,
                residents: r.paid_residents_yuan,
                social: r.paid_social_yuan,
            },
            note: r.note,
            photos: r.photos,
            sites_finished: r.sites_finished,
            sites_total: r.sites_total,
        };
        let reports: Vec<ProgressReport> = rows.into_iter().map(report).collect();
        let latest = match latest_row {
            Some(r) => Some(report(r)),
            None => reports.first().cloned(),
        };
        let china = |t: DateTime<Utc>| (t + chrono::Duration::hours(8)).date_naive();
        let (sites_finished, sites_total) = self.sites_finished(sub_item).await?;
        Ok(Some(SubItemProgress {
            sites_finished,
            sites_total,
            sub_item_id: sub_item,
            today,
            year: plan.year,
            deadline: plan.deadline,
            target: plan.target_quantity,
            target_unit_zh: plan.target_unit_zh,
            target_unit_en: plan.target_unit_en,
            budget_yuan: plan.budget_yuan,
            points: points
                .into_iter()
                .map(|(at, done)| BurnPoint {
                    day: china(at),
                    done,
                })
                .collect(),
            latest,
            reports: Paged {
                rows: reports,
                total,
                page,
                per_page,
            },
            margin_pct: self.progress_margin().await?,
            may_report: crate::domain::progress::may_report(
                viewer.role,
                viewer.unit_id,
                plan.lead_unit_id,
            ),
            may_query: viewer.role.is_staff(),
        }))
    }

    /// The dashboard's schedule table: every sub-item of the plan year (today's year, or the
    /// latest year before it that has a plan), with its latest report, worst first.
    pub async fn progress_risks(&self, today: NaiveDate) -> Result<Risks, AppError> {
        let year = self.plan_year(today).await?;
        let margin_pct = self.progress_margin().await?;
        let rows: Vec<RiskRow> = sqlx::query_as(&format!(
            "select s.id as sub_item_id, p.year, p.number as project_number, s.number,
                    s.title_zh, s.title_en, u.id as unit_id, u.name_zh as unit_zh,
                    u.name_en as unit_en, g.number as group_number, g.name_zh as group_zh,
                    g.name_en as group_en, s.target_quantity as target, s.target_unit_zh,
                    s.target_unit_en, s.deadline, l.quantity_done as done, l.at as reported_at,
                    {OPEN_QUERIES}
                        as open_queries
               from sub_items s
               join projects p on p.id = s.project_id
               join lead_units u on u.id = s.lead_unit_id
               left join group_units gu on gu.unit_id = u.id
               left join supervision_groups g on g.id = gu.group_id
               left join lateral (select r.quantity_done, r.at from progress_reports r
                                   where r.sub_item_id = s.id
                                   order by r.at desc, r.id desc limit 1) l on true
              where p.year = $1
              order by p.number, s.number"
        ))
        .bind(year)
        .fetch_all(&self.pool)
        .await?;
        let mut rows: Vec<(Risk, RiskRow)> = rows
            .into_iter()
            .map(|r| (r.schedule().risk(today, margin_pct), r))
            .collect();
        // Worst first; within a state, the unit and group together, then the plan's order.
        rows.sort_by(|(a, x), (b, y)| {
            a.cmp(b)
                .then_with(|| x.group_number.cmp(&y.group_number))
                .then_with(|| x.unit_zh.cmp(&y.unit_zh))
                .then_with(|| (x.project_number, x.number).cmp(&(y.project_number, y.number)))
        });
        Ok(Risks {
            today,
            year,
            margin_pct,
            rows,
        })
    }

    /// The plan year the schedule shows: today's year, or the latest year before it that has a
    /// plan, or the first year planned.
    pub async fn plan_year(&self, today: NaiveDate) -> Result<Option<i32>, AppError> {
        use chrono::Datelike;
        Ok(sqlx::query_scalar(
            "select coalesce(max(year) filter (where year <= $1), max(year)) from projects",
        )
        .bind(today.year())
        .fetch_one(&self.pool)
        .await?)
    }

    /// Every sub-item of a year in the plan's order, with its latest report, how many reports
    /// and open queries it has, and its sites finished: the progress export's lines.
    pub async fn progress_export(&self, year: i32) -> Result<Vec<ProgressExportRow>, AppError> {
        Ok(sqlx::query_as(&format!(
            "select p.year, p.number as project_number, p.title_zh as project_zh, s.number,
                    s.title_zh, u.name_zh as unit_zh, g.name_zh as group_zh,
                    s.target_quantity as target, s.target_unit_zh, s.deadline, s.budget_yuan,
                    l.quantity_done as done, l.paid_government_yuan, l.paid_residents_yuan,
                    l.paid_social_yuan, l.at as reported_at,
                    (select count(*) from progress_reports r where r.sub_item_id = s.id)
                        as reports,
                    {OPEN_QUERIES}
                        as open_queries,
                    (select count(*) from sites t
                      where t.sub_item_id = s.id and t.state in ('in_service', 'closed'))
                        as sites_finished,
                    (select count(*) from sites t where t.sub_item_id = s.id) as sites_total
               from sub_items s
               join projects p on p.id = s.project_id
               join lead_units u on u.id = s.lead_unit_id
               left join group_units gu on gu.unit_id = u.id
               left join supervision_groups g on g.id = gu.group_id
               left join lateral (select r.quantity_done, r.paid_government_yuan,
                                         r.paid_residents_yuan, r.paid_social_yuan, r.at
                                    from progress_reports r
                                   where r.sub_item_id = s.id
                                   order by r.at desc, r.id desc limit 1) l on true
              where p.year = $1
              order by p.number, s.number"
        ))
        .bind(year)
        .fetch_all(&self.pool)
        .await?)
    }
}

/// What became of a report sent from a phone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceFiled {
    Created,
    /// The same report arrived before: nothing changed.
    Replayed,
    /// The id was used for a different report.
    Conflict,
}
