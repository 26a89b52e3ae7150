//! Inspections: plans, check-ins, and what was found on them. Every figure is counted from the
//! rows each time (a plan has at most 60 sites and 300 deputies), so none can drift.

use chrono::NaiveDate;
use uuid::Uuid;

use super::Db;
use crate::domain::inspection::{CheckIn, CheckInReceipt, Plan, PlanError, ReportText};
use crate::domain::Verdict;
use crate::error::AppError;
use crate::inspection_rows::{
    by_unit, Finding, GroupRoster, InspectionReport, InspectionSummary, InvitedDeputy,
    ReportFinding, RosterDeputy, RouteSite,
};
use crate::paged::Paged;

/// What storing a check-in came to.
pub enum CheckInStored {
    Created(CheckInReceipt),
    /// The same check-in sent again (the phone did not hear the first answer).
    Replayed(CheckInReceipt),
    /// Another check-in under this id.
    Conflict,
}

/// What a deputy's check-in is judged against, if they may check in there.
pub struct CheckInPlace {
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub invited: bool,
    /// The site's geometry, when the site is on the route.
    pub geometry: Option<crate::domain::SiteGeometry>,
}

const SUMMARY: &str = "
    select i.id, i.title, i.starts_on, i.ends_on, l.name_zh as leader_name,
           array(select g.number from inspection_groups ig
                   join supervision_groups g on g.id = ig.group_id
                  where ig.inspection_id = i.id order by g.number) as groups,
           (select count(*) from inspection_sites s where s.inspection_id = i.id) as sites,
           (select count(*) from inspection_deputies d where d.inspection_id = i.id) as deputies,
           (select count(distinct c.site_id) from inspection_check_ins c
             where c.inspection_id = i.id and c.verdict in ('on_site', 'near')) as sites_visited,
           (select count(*) from observations o where o.inspection_id = i.id) as findings
      from inspections i join deputies l on l.id = i.leader_deputy_id";

/// The inspection an observation belongs to: one the deputy was invited to, with the site on
/// its route, on one of its days (China's calendar, by when the observation was made). `$1`
/// the deputy's user, `$2` the site, `$3` the capture time.
pub(super) const INSPECTION_OF_OBSERVATION: &str = "
    select i.id from inspections i
      join inspection_sites s on s.inspection_id = i.id and s.site_id = $2
      join inspection_deputies x on x.inspection_id = i.id
      join users u on u.deputy_id = x.deputy_id and u.id = $1
     where ($3::timestamptz at time zone 'Asia/Shanghai')::date between i.starts_on and i.ends_on
     order by i.starts_on, i.id limit 1";

impl Db {
    /// Stores a plan; the groups, sites (by code, in service) and deputies (of those groups)
    /// are checked here, in the transaction that stores it.
    pub async fn plan_inspection(
        &self,
        plan: &Plan,
        by: Uuid,
    ) -> Result<Result<Uuid, PlanError>, AppError> {
        let mut tx = self.pool.begin().await?;
        let groups: i64 =
            sqlx::query_scalar("select count(*) from supervision_groups where id = any($1)")
                .bind(&plan.groups)
                .fetch_one(&mut *tx)
                .await?;
        if groups != plan.groups.len() as i64 {
            return Ok(Err(PlanError::UnknownGroup));
        }
        let codes: Vec<String> = plan.sites.iter().map(|c| c.as_str().to_owned()).collect();
        let found: Vec<(String, Uuid)> = sqlx::query_as(
            "select public_code, id from sites where public_code = any($1) and active",
        )
        .bind(&codes)
        .fetch_all(&mut *tx)
        .await?;
        let mut sites = Vec::with_capacity(codes.len());
        for code in &codes {
            match found.iter().find(|(c, _)| c == code) {
                Some((_, id)) => sites.push(*id),
                None => return Ok(Err(PlanError::UnknownSite(code.clone()))),
            }
        }
        let members: i64 = sqlx::query_scalar(
            "select count(*) from deputies where id = any($1) and group_id = any($2)",
        )
        .bind(&plan.deputies)
        .bind(&plan.groups)
        .fetch_one(&mut *tx)
        .await?;
        if members != plan.deputies.len() as i64 {
            return Ok(Err(PlanError::NotInGroups));
        }
        let id = Uuid::now_v7();
        sqlx::query(
            "insert into inspections (id, title, starts_on, ends_on, leader_deputy_id, created_by)
             values ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(&plan.title)
        .bind(plan.starts_on)
        .bind(plan.ends_on)
        .bind(plan.leader)
        .bind(by)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "insert into inspection_groups (inspection_id, group_id)
             select $1, unnest($2::uuid[])",
        )
        .bind(id)
        .bind(&plan.groups)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "insert into inspection_sites (inspection_id, position, site_id)
             select $1, (n - 1)::smallint, s from unnest($2::uuid[]) with ordinality as r (s, n)",
        )
        .bind(id)
        .bind(&sites)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "insert into inspection_deputies (inspection_id, deputy_id)
             select $1, unnest($2::uuid[])",
        )
        .bind(id)
        .bind(&plan.deputies)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Ok(id))
    }

    /// A page of inspections, latest first: every one (staff), or the ones a deputy is invited
    /// to; `current` keeps those not yet over on `today`.
    pub async fn list_inspections(
        &self,
        deputy: Option<Uuid>,
        current: Option<NaiveDate>,
        page: u32,
        per_page: u32,
    ) -> Result<Paged<InspectionSummary>, AppError> {
        let filter = "where ($1::uuid is null or exists (select 1 from inspection_deputies x
                                 where x.inspection_id = i.id and x.deputy_id = $1))
                       and ($2::date is null or i.ends_on >= $2)";
        let total: i64 =
            sqlx::query_scalar(&format!("select count(*) from inspections i {filter}"))
                .bind(deputy)
                .bind(current)
                .fetch_one(&self.pool)
                .await?;
        let rows = sqlx::query_as(&format!(
            "{SUMMARY} {filter} order by i.starts_on desc, i.id desc limit $3 offset $4"
        ))
        .bind(deputy)
        .bind(current)
        .bind(i64::from(per_page))
        .bind(i64::from(page) * i64::from(per_page))
        .fetch_all(&self.pool)
        .await?;
        Ok(Paged {
            rows,
            total,
            page,
            per_page,
        })
    }

    pub async fn inspection_summary(
        &self,
        id: Uuid,
    ) -> Result<Option<InspectionSummary>, AppError> {
        Ok(sqlx::query_as(&format!("{SUMMARY} where i.id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// The route in order; `viewer` (a deputy's account) gets their own latest check-in at each.
    pub async fn inspection_route(
        &self,
        id: Uuid,
        viewer: Option<Uuid>,
    ) -> Result<Vec<RouteSite>, AppError> {
        Ok(sqlx::query_as(
            "select s.position, t.id as site_id, t.name_zh, t.name_en, t.address_zh,
                    t.public_code, t.geometry,
                    (select count(*) from inspection_check_ins c
                      where c.inspection_id = $1 and c.site_id = t.id) as check_ins,
                    exists (select 1 from inspection_check_ins c
                             where c.inspection_id = $1 and c.site_id = t.id
                               and c.verdict in ('on_site', 'near')) as visited,
                    (select count(*) from observations o
                      where o.inspection_id = $1 and o.site_id = t.id) as findings,
                    m.verdict as my_verdict, m.checked_at as my_checked_at
               from inspection_sites s join sites t on t.id = s.site_id
               left join lateral (
                    select c.verdict, c.checked_at from inspection_check_ins c
                     where c.inspection_id = $1 and c.site_id = t.id and c.deputy_user_id = $2
                     order by c.checked_at desc, c.id desc limit 1) m on true
              where s.inspection_id = $1 order by s.position",
        )
        .bind(id)
        .bind(viewer)
        .fetch_all(&self.pool)
        .await?)
    }

    /// The deputies invited, the leader first, each with their latest check-in.
    pub async fn inspection_deputies(&self, id: Uuid) -> Result<Vec<InvitedDeputy>, AppError> {
        Ok(sqlx::query_as(
            "select d.id as deputy_id, d.name_zh, g.number as group_number,
                    d.id = i.leader_deputy_id as is_leader, u.id is not null as has_account,
                    (select count(*) from inspection_check_ins c
                      where c.inspection_id = i.id and c.deputy_user_id = u.id) as check_ins,
                    (select count(*) from observations o
                      where o.inspection_id = i.id and o.deputy_user_id = u.id) as findings,
                    l.name_zh as last_site_zh, l.name_en as last_site_en,
                    l.verdict as last_verdict, l.checked_at as last_at
               from inspection_deputies x
               join inspections i on i.id = x.inspection_id
               join deputies d on d.id = x.deputy_id
               join supervision_groups g on g.id = d.group_id
               left join users u on u.deputy_id = d.id
               left join lateral (
                    select t.name_zh, t.name_en, c.verdict, c.checked_at
                      from inspection_check_ins c join sites t on t.id = c.site_id
                     where c.inspection_id = i.id and c.deputy_user_id = u.id
                     order by c.checked_at desc, c.id desc limit 1) l on true
              where x.inspection_id = $1
              order by d.id = i.leader_deputy_id desc, g.number, d.name_zh, d.id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// A page of the observations made on the inspection (only `by`'s when given), in the
    /// order they were made, and their count by kind over all of them.
    pub async fn inspection_findings(
        &self,
        id: Uuid,
        by: Option<Uuid>,
        page: u32,
        per_page: u32,
    ) -> Result<(Paged<Finding>, [i64; 3]), AppError> {
        let (problems, suggestions, good): (i64, i64, i64) = sqlx::query_as(
            "select count(*) filter (where kind = 'problem'),
                    count(*) filter (where kind = 'suggestion'),
                    count(*) filter (where kind = 'good_practice')
               from observations
              where inspection_id = $1 and ($2::uuid is null or deputy_user_id = $2)",
        )
        .bind(id)
        .bind(by)
        .fetch_one(&self.pool)
        .await?;
        let rows = sqlx::query_as(
            "select o.id, coalesce(d.name_zh, u.display_name) as deputy_name,
                    t.name_zh as site_name_zh, t.name_en as site_name_en, o.kind, o.note,
                    o.verdict, o.status, o.captured_at,
                    (select count(*) from observation_photos p where p.observation_id = o.id)
                        as photos
               from observations o
               join users u on u.id = o.deputy_user_id
               left join deputies d on d.id = u.deputy_id
               join sites t on t.id = o.site_id
              where o.inspection_id = $1 and ($2::uuid is null or o.deputy_user_id = $2)
              order by o.captured_at, o.id limit $3 offset $4",
        )
        .bind(id)
        .bind(by)
        .bind(i64::from(per_page))
        .bind(i64::from(page) * i64::from(per_page))
        .fetch_all(&self.pool)
        .await?;
        Ok((
            Paged {
                rows,
                total: problems + suggestions + good,
                page,
                per_page,
            },
            [problems, suggestions, good],
        ))
    }

    /// True when the deputy is invited.
    pub async fn is_invited(&self, inspection: Uuid, deputy: Uuid) -> Result<bool, AppError> {
        Ok(sqlx::query_scalar(
            "select exists (select 1 from inspection_deputies
                             where inspection_id = $1 and deputy_id = $2)",
        )
        .bind(inspection)
        .bind(deputy)
        .fetch_one(&self.pool)
        .await?)
    }

    /// True when an observation the deputy makes at `site` at `at` belongs to an inspection
    /// they are invited to: they may file there even if their own group does not follow it.
    pub async fn invited_at(
        &self,
        user: Uuid,
        site: Uuid,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<bool, AppError> {
        let found: Option<Uuid> = sqlx::query_scalar(INSPECTION_OF_OBSERVATION)
            .bind(user)
            .bind(site)
            .bind(at)
            .fetch_optional(&self.pool)
            .await?;
        Ok(found.is_some())
    }

    /// The inspection's days, whether the deputy is invited and the site's geometry when it is
    /// on the route; `None` when there is no such inspection.
    pub async fn check_in_place(
        &self,
        inspection: Uuid,
        deputy: Option<Uuid>,
        site: Uuid,
    ) -> Result<Option<CheckInPlace>, AppError> {
        let row: Option<(
            NaiveDate,
            NaiveDate,
            bool,
            Option<sqlx::types::Json<crate::domain::SiteGeometry>>,
        )> = sqlx::query_as(
            "select i.starts_on, i.ends_on,
                    exists (select 1 from inspection_deputies x
                             where x.inspection_id = i.id and x.deputy_id = $2),
                    (select t.geometry from inspection_sites s join sites t on t.id = s.site_id
                      where s.inspection_id = i.id and s.site_id = $3)
               from inspections i where i.id = $1",
        )
        .bind(inspection)
        .bind(deputy)
        .bind(site)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|(starts_on, ends_on, invited, g)| CheckInPlace {
            starts_on,
            ends_on,
            invited,
            geometry: g.map(|g| g.0),
        }))
    }

    /// Stores a check-in exactly once, like an observation: a resend of the same check-in is
    /// answered with what is stored, anything else under its id is a conflict.
    pub async fn store_check_in(
        &self,
        user: Uuid,
        inspection: Uuid,
        c: &CheckIn,
        verdict: Verdict,
        distance_m: Option<f64>,
    ) -> Result<CheckInStored, AppError> {
        let inserted: Option<CheckInReceipt> = sqlx::query_as(
            "insert into inspection_check_ins (id, inspection_id, site_id, deputy_user_id,
                 checked_at, lat, lon, accuracy_m, position_source, distance_m, verdict, fingerprint)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
             on conflict (id) do nothing
             returning id, verdict, distance_m, received_at",
        )
        .bind(c.id)
        .bind(inspection)
        .bind(c.site_id)
        .bind(user)
        .bind(c.checked_at)
        .bind(c.position.lat)
        .bind(c.position.lon)
        .bind(c.position.accuracy_m)
        .bind(c.position.source.as_str())
        .bind(distance_m)
        .bind(verdict.as_str())
        .bind(&c.fingerprint)
        .fetch_optional(&self.pool)
        .await?;
        if let Some(r) = inserted {
            return Ok(CheckInStored::Created(r));
        }
        let existing: Option<(Uuid, Uuid, String)> = sqlx::query_as(
            "select deputy_user_id, inspection_id, fingerprint
               from inspection_check_ins where id = $1",
        )
        .bind(c.id)
        .fetch_optional(&self.pool)
        .await?;
        match existing {
            Some((who, on, fp)) if who == user && on == inspection && fp == c.fingerprint => {
                let r = sqlx::query_as(
                    "select id, verdict, distance_m, received_at
                       from inspection_check_ins where id = $1",
                )
                .bind(c.id)
                .fetch_one(&self.pool)
                .await?;
                Ok(CheckInStored::Replayed(r))
            }
            _ => Ok(CheckInStored::Conflict),
        }
    }

    /// The supervision groups with their deputies, for the plan form (`groups`: the ones
    /// chosen).
    pub async fn group_rosters(&self, groups: &[Uuid]) -> Result<Vec<GroupRoster>, AppError> {
        let heads: Vec<(Uuid, i32, String, String)> = sqlx::query_as(
            "select id, number, name_zh, name_en from supervision_groups
              where id = any($1) order by number",
        )
        .bind(groups)
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(heads.len());
        for (id, number, name_zh, name_en) in heads {
            let deputies: Vec<RosterDeputy> = sqlx::query_as(
                "select d.id, d.name_zh, d.delegation_zh,
                        exists (select 1 from users u where u.deputy_id = d.id) as has_account
                   from deputies d where d.group_id = $1 order by d.name_zh, d.id",
            )
            .bind(id)
            .fetch_all(&self.pool)
            .await?;
            out.push(GroupRoster {
                id,
                number,
                name_zh,
                name_en,
                deputies,
            });
        }
        Ok(out)
    }

    /// The joint report, read whole from the rows; `None` when there is no such inspection.
    /// Findings are grouped by the unit responsible for their site (its sub-item's lead unit),
    /// problems first within each; those staff dismissed in review are left out and counted.
    pub async fn inspection_report(&self, id: Uuid) -> Result<Option<InspectionReport>, AppError> {
        let Some(summary) = self.inspection_summary(id).await? else {
            return Ok(None);
        };
        let findings: Vec<ReportFinding> = sqlx::query_as(
            "select o.id, u.id as unit_id, u.name_zh as unit_zh, u.name_en as unit_en,
                    coalesce(d.name_zh, a.display_name) as deputy_name,
                    t.name_zh as site_name_zh, t.name_en as site_name_en, t.public_code,
                    o.kind, o.note, o.verdict, o.captured_at,
                    array(select p.sha256 from observation_photos p
                           where p.observation_id = o.id order by p.position) as photos
               from observations o
               join users a on a.id = o.deputy_user_id
               left join deputies d on d.id = a.deputy_id
               join sites t on t.id = o.site_id
               join sub_items si on si.id = t.sub_item_id
               join lead_units u on u.id = si.lead_unit_id
              where o.inspection_id = $1 and o.status <> 'dismissed'
              order by u.name_zh, u.id,
                       array_position(array['problem', 'suggestion', 'good_practice'], o.kind),
                       o.captured_at, o.id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        let units = by_unit(findings);
        // Staff dismissed these in review: not in the report, but said to be left out.
        let dismissed: i64 = sqlx::query_scalar(
            "select count(*) from observations where inspection_id = $1 and status = 'dismissed'",
        )
        .bind(id)
        .fetch_one(&self.pool)
        .await?;
        let mut by_kind = [0; 3];
        for u in &units {
            for (k, n) in u.by_kind.iter().enumerate() {
                by_kind[k] += n;
            }
        }
        let text: Option<(String, String, String, chrono::DateTime<chrono::Utc>)> = sqlx::query_as(
            "select r.summary, r.conclusions, w.display_name, r.updated_at
                   from inspection_reports r join users w on w.id = r.updated_by
                  where r.inspection_id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        let (text, written_by, written_at) = match text {
            Some((summary, conclusions, by, at)) => (
                ReportText {
                    summary,
                    conclusions,
                },
                Some(by),
                Some(at),
            ),
            None => (
                ReportText {
                    summary: String::new(),
                    conclusions: String::new(),
                },
                None,
                None,
            ),
        };
        Ok(Some(InspectionReport {
            summary,
            route: self.inspection_route(id, None).await?,
            deputies: self.inspection_deputies(id).await?,
            units,
            by_kind,
            dismissed,
            text,
            written_by,
            written_at,
        }))
    }

    /// Saves the report's text over what was there; `false` when there is no such inspection.
    pub async fn save_inspection_report(
        &self,
        id: Uuid,
        text: &ReportText,
        by: Uuid,
    ) -> Result<bool, AppError> {
        let done = sqlx::query(
            "insert into inspection_reports (inspection_id, summary, conclusions, updated_by)
             select i.id, $2, $3, $4 from inspections i where i.id = $1
             on conflict (inspection_id) do update
                set summary = excluded.summary, conclusions = excluded.conclusions,
                    updated_by = excluded.updated_by, updated_at = now()",
        )
        .bind(id)
        .bind(&text.summary)
        .bind(&text.conclusions)
        .bind(by)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}
