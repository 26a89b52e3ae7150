//! SQL for editing the registry one record at a time: sites by id (fields, geometry, active or
//! not, removal while nothing refers to them), deputies by id, units' names. Rows that are a
//! row of a year's file (a sub-item, a new deputy, a unit's group) go through
//! [`Db::import_registry`] instead, so both ways in share one set of rules. Every change is
//! written to the administration log in the transaction that makes it.

use uuid::Uuid;

use super::registry::{districts, fresh_codes, Made};
use super::users::log_in;
use super::Db;
use crate::accounts::AdminAction;
use crate::domain::comment::PhoneNumber;
use crate::domain::registry::{unit_key, Field, Problem};
use crate::domain::registry_edit::{FieldProblem, SiteEdit, SiteHistory};
use crate::error::AppError;
use crate::public::secret::Secret;
use crate::registry_rows::{
    GroupOption, PlanSubItem, RosterRow, SaveOutcome, SiteForEdit, SiteListRow, SubItemOption,
    UnitRow,
};

fn refused(field: Field, problem: Problem) -> SaveOutcome {
    SaveOutcome::refused(vec![FieldProblem { field, problem }])
}

/// What a deputy's mobile becomes on an edit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MobileChange {
    Keep,
    Set(PhoneNumber),
    Clear,
}

impl Db {
    pub async fn sub_item_id(
        &self,
        year: i32,
        project: i32,
        number: i32,
    ) -> Result<Option<Uuid>, AppError> {
        Ok(sqlx::query_scalar(
            "select s.id from sub_items s join projects p on p.id = s.project_id
              where p.year = $1 and p.number = $2 and s.number = $3",
        )
        .bind(year)
        .bind(project)
        .bind(number)
        .fetch_optional(&self.pool)
        .await?)
    }

    pub async fn unit_id_by_name(&self, name_zh: &str) -> Result<Option<Uuid>, AppError> {
        Ok(
            sqlx::query_scalar("select id from lead_units where name_zh = $1")
                .bind(name_zh)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// The deputy the roster knows by this name and delegation.
    pub async fn deputy_by_key(
        &self,
        name: &str,
        delegation: &str,
    ) -> Result<Option<Uuid>, AppError> {
        Ok(
            sqlx::query_scalar("select id from deputies where name_zh = $1 and delegation_zh = $2")
                .bind(name)
                .bind(delegation)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// One page of the sites of `year` (every year when `None`) whose name contains `q`, or
    /// whose file or public code is `q`, in plan order, with how many there are.
    pub async fn site_list(
        &self,
        year: Option<i32>,
        q: Option<&str>,
        page: u32,
        per_page: u32,
    ) -> Result<(Vec<SiteListRow>, i64), AppError> {
        const FROM: &str = "from sites t
               join sub_items s on s.id = t.sub_item_id
               join projects p on p.id = s.project_id
               join districts d on d.id = t.district_id
              where ($1::int is null or p.year = $1)
                and ($2::text is null or strpos(lower(t.name_zh), lower($2)) > 0
                     or t.code = $2 or t.public_code = upper($2))";
        let total: i64 = sqlx::query_scalar(&format!("select count(*) {FROM}"))
            .bind(year)
            .bind(q)
            .fetch_one(&self.pool)
            .await?;
        let rows = sqlx::query_as(&format!(
            "select t.id, t.code, t.name_zh, t.kind, d.name_zh as district_zh,
                    p.number as project_number, s.number as sub_item_number, t.public_code,
                    t.active
               {FROM}
              order by p.year desc, p.number, s.number, t.code nulls last, t.name_zh, t.id
              limit $3 offset $4"
        ))
        .bind(year)
        .bind(q)
        .bind(i64::from(per_page))
        .bind(i64::from(page) * i64::from(per_page))
        .fetch_all(&self.pool)
        .await?;
        Ok((rows, total))
    }

    pub async fn site_for_edit(&self, id: Uuid) -> Result<SiteForEdit, AppError> {
        #[derive(sqlx::FromRow)]
        struct Row {
            id: Uuid,
            sub_item_id: Uuid,
            code: Option<String>,
            name_zh: String,
            kind: String,
            district_zh: String,
            address_zh: String,
            geometry: sqlx::types::Json<crate::domain::SiteGeometry>,
            public_code: String,
            active: bool,
            observations: i64,
            comments: i64,
            items: i64,
        }
        let r: Row = sqlx::query_as(
            "select t.id, t.sub_item_id, t.code, t.name_zh, t.kind, d.name_zh as district_zh,
                    t.address_zh, t.geometry, t.public_code, t.active,
                    (select count(*) from observations o where o.site_id = t.id) as observations,
                    (select count(*) from public_comments c where c.site_id = t.id) as comments,
                    (select count(*) from list_items i where i.site_id = t.id) as items
               from sites t join districts d on d.id = t.district_id
              where t.id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| AppError::not_found("site"))?;
        Ok(SiteForEdit {
            id: r.id,
            sub_item_id: r.sub_item_id,
            code: r.code,
            name_zh: r.name_zh,
            kind: r.kind.parse().map_err(|_| AppError::internal())?,
            district_zh: r.district_zh,
            address_zh: r.address_zh,
            geometry: r.geometry.0,
            public_code: r.public_code,
            active: r.active,
            history: SiteHistory {
                observations: r.observations,
                comments: r.comments,
                items: r.items,
            },
        })
    }

    /// Every sub-item of every year, newest year first: what a site can belong to.
    pub async fn sub_item_options(&self) -> Result<Vec<SubItemOption>, AppError> {
        Ok(sqlx::query_as(
            "select s.id, p.year, p.number as project_number, s.number, s.title_zh
               from sub_items s join projects p on p.id = s.project_id
              order by p.year desc, p.number, s.number",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn district_names(&self) -> Result<Vec<String>, AppError> {
        Ok(
            sqlx::query_scalar("select name_zh from districts order by code nulls last, name_zh")
                .fetch_all(&self.pool)
                .await?,
        )
    }

    /// Saves a checked site form: a new site (`id` none) gets a public code never printed
    /// before; an edited one keeps its code and its history. A code is unique within the year
    /// of the site's sub-item, as the sites file keys it. A district named for the first time
    /// is made, as an import makes it.
    pub async fn save_site(
        &self,
        id: Option<Uuid>,
        sub_item_id: Uuid,
        edit: &SiteEdit,
        by: Uuid,
    ) -> Result<SaveOutcome, AppError> {
        let mut tx = self.pool.begin().await?;
        let year: Option<i32> = sqlx::query_scalar(
            "select p.year from sub_items s join projects p on p.id = s.project_id where s.id = $1",
        )
        .bind(sub_item_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(year) = year else {
            return Ok(refused(
                Field::SubItemNo,
                Problem::UnknownSubItem {
                    value: sub_item_id.to_string(),
                },
            ));
        };
        if let Some(code) = &edit.code {
            let taken: Option<Uuid> = sqlx::query_scalar(
                "select id from sites where code_year = $1 and code = $2
                   and ($3::uuid is null or id <> $3)",
            )
            .bind(year)
            .bind(code)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
            if taken.is_some() {
                return Ok(refused(
                    Field::SiteCode,
                    Problem::CodeTaken { code: code.clone() },
                ));
            }
        }
        let district = districts(&mut tx, &[edit.district.as_str()], &mut Made::default()).await?
            [edit.district.as_str()];
        let geometry = serde_json::to_value(&edit.geometry).map_err(|_| AppError::internal())?;
        let anchor = edit.geometry.anchor();
        let code_year = edit.code.as_ref().map(|_| year);
        let (site, public_code, made) = match id {
            Some(id) => {
                // Sites from files and from this page carry one name for both languages; the
                // demo's English names are kept when only the Chinese one is edited.
                let public: Option<String> = sqlx::query_scalar(
                    "update sites set sub_item_id = $2, district_id = $3,
                            name_en = case when name_en = name_zh then $4 else name_en end,
                            name_zh = $4, address_zh = $5, kind = $6, geometry = $7,
                            anchor = point($8, $9), code = $10, code_year = $11
                      where id = $1
                  returning public_code",
                )
                .bind(id)
                .bind(sub_item_id)
                .bind(district)
                .bind(&edit.name)
                .bind(&edit.address)
                .bind(edit.kind.as_str())
                .bind(&geometry)
                .bind(anchor.lon)
                .bind(anchor.lat)
                .bind(&edit.code)
                .bind(code_year)
                .fetch_optional(&mut *tx)
                .await?;
                (
                    id,
                    public.ok_or_else(|| AppError::not_found("site"))?,
                    false,
                )
            }
            None => {
                let id = Uuid::now_v7();
                let public = fresh_codes(&mut tx, 1)
                    .await?
                    .pop()
                    .ok_or_else(AppError::internal)?;
                sqlx::query(
                    "insert into sites (id, sub_item_id, district_id, name_zh, name_en,
                                        address_zh, kind, geometry, anchor, public_code, code,
                                        code_year)
                     values ($1, $2, $3, $4, $4, $5, $6, $7, point($8, $9), $10, $11, $12)",
                )
                .bind(id)
                .bind(sub_item_id)
                .bind(district)
                .bind(&edit.name)
                .bind(&edit.address)
                .bind(edit.kind.as_str())
                .bind(&geometry)
                .bind(anchor.lon)
                .bind(anchor.lat)
                .bind(&public)
                .bind(&edit.code)
                .bind(code_year)
                .execute(&mut *tx)
                .await?;
                (id, public, true)
            }
        };
        log_in(
            &mut tx,
            Some(by),
            AdminAction::Edit,
            &format!("{public_code} {}", edit.name),
            Some(serde_json::json!({
                "record": "site", "id": site, "new": made, "code": edit.code,
                "kind": edit.kind.as_str(), "geometry": geometry,
            })),
        )
        .await?;
        tx.commit().await?;
        Ok(SaveOutcome::Saved { id: site })
    }

    /// Deactivates or reactivates a site; false when it already was so.
    pub async fn set_site_active(
        &self,
        id: Uuid,
        active: bool,
        by: Uuid,
    ) -> Result<bool, AppError> {
        let mut tx = self.pool.begin().await?;
        let row: Option<(String, String)> = sqlx::query_as(
            "update sites set active = $2 where id = $1 and active <> $2
             returning public_code, name_zh",
        )
        .bind(id)
        .bind(active)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((public, name)) = row else {
            let exists: bool =
                sqlx::query_scalar("select exists (select 1 from sites where id = $1)")
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?;
            return if exists {
                Ok(false)
            } else {
                Err(AppError::not_found("site"))
            };
        };
        log_in(
            &mut tx,
            Some(by),
            AdminAction::Edit,
            &format!("{public} {name}"),
            Some(serde_json::json!({ "record": "site", "id": id, "active": active })),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Deletes a site that nothing refers to; one with a history is refused with what it holds.
    /// The row is locked first, so an observation or comment arriving meanwhile either lands
    /// before the count (and the site stays) or finds the site gone.
    pub async fn delete_site(&self, id: Uuid, by: Uuid) -> Result<Result<(), Problem>, AppError> {
        let mut tx = self.pool.begin().await?;
        let row: Option<(String, String)> =
            sqlx::query_as("select public_code, name_zh from sites where id = $1 for update")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        let (public, name) = row.ok_or_else(|| AppError::not_found("site"))?;
        let (observations, comments, items): (i64, i64, i64) = sqlx::query_as(
            // A check-in on an inspection is a visit on record, like an observation.
            "select (select count(*) from observations where site_id = $1)
                    + (select count(*) from inspection_check_ins where site_id = $1),
                    (select count(*) from public_comments where site_id = $1),
                    (select count(*) from list_items where site_id = $1)",
        )
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        let history = SiteHistory {
            observations,
            comments,
            items,
        };
        if let Err(p) = history.removable() {
            tx.rollback().await?;
            return Ok(Err(p));
        }
        sqlx::query("insert into retired_public_codes (code) values ($1) on conflict do nothing")
            .bind(&public)
            .execute(&mut *tx)
            .await?;
        sqlx::query("delete from observation_site_status where site_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("delete from sites where id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        log_in(
            &mut tx,
            Some(by),
            AdminAction::Edit,
            &format!("{public} {name}"),
            Some(serde_json::json!({ "record": "site", "id": id, "deleted": true })),
        )
        .await?;
        tx.commit().await?;
        Ok(Ok(()))
    }

    /// The plan's sub-items of `year`, in plan order.
    pub async fn plan_sub_items(&self, year: i32) -> Result<Vec<PlanSubItem>, AppError> {
        Ok(sqlx::query_as(
            "select s.id, p.number as project_number, p.title_zh as project_title_zh, s.number,
                    s.title_zh, u.name_zh as unit_zh, s.target_quantity, s.target_unit_zh,
                    s.deadline, s.budget_yuan, s.funds_government_yuan, s.funds_residents_yuan,
                    s.funds_social_yuan,
                    (select count(*) from sites t where t.sub_item_id = s.id) as site_count
               from sub_items s
               join projects p on p.id = s.project_id
               join lead_units u on u.id = s.lead_unit_id
              where p.year = $1
              order by p.number, s.number",
        )
        .bind(year)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Every lead unit with the group that follows it and how many sub-items it leads.
    pub async fn unit_rows(&self) -> Result<Vec<UnitRow>, AppError> {
        Ok(sqlx::query_as(
            "select u.id, u.name_zh, u.name_en, g.number as group_number,
                    (select count(*) from sub_items s where s.lead_unit_id = u.id) as sub_items
               from lead_units u
               left join group_units gu on gu.unit_id = u.id
               left join supervision_groups g on g.id = gu.group_id
              order by g.number nulls last, u.name_zh",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn group_options(&self) -> Result<Vec<GroupOption>, AppError> {
        Ok(
            sqlx::query_as("select id, number, name_zh from supervision_groups order by number")
                .fetch_all(&self.pool)
                .await?,
        )
    }

    /// Makes supervision group `number`, or renames it. Another group's name is refused.
    pub async fn save_group(
        &self,
        number: i32,
        name_zh: &str,
        by: Uuid,
    ) -> Result<SaveOutcome, AppError> {
        let mut tx = self.pool.begin().await?;
        let clash: Option<i32> = sqlx::query_scalar(
            "select number from supervision_groups where name_zh = $1 and number <> $2",
        )
        .bind(name_zh)
        .bind(number)
        .fetch_optional(&mut *tx)
        .await?;
        if clash.is_some() {
            return Ok(refused(
                Field::Group,
                Problem::GroupNameTaken {
                    value: name_zh.to_owned(),
                },
            ));
        }
        let (id, made): (Uuid, bool) = sqlx::query_as(
            "insert into supervision_groups (id, number, name_zh, name_en)
             values ($1, $2, $3, 'Group ' || $2)
             on conflict (number) do update set name_zh = excluded.name_zh
             returning id, (xmax = 0)",
        )
        .bind(Uuid::now_v7())
        .bind(number)
        .bind(name_zh)
        .fetch_one(&mut *tx)
        .await?;
        log_in(
            &mut tx,
            Some(by),
            AdminAction::Edit,
            &format!("{number} {name_zh}"),
            Some(serde_json::json!({ "record": "group", "id": id, "new": made })),
        )
        .await?;
        tx.commit().await?;
        Ok(SaveOutcome::Saved { id })
    }

    /// Renames a unit. A name another unit has, or one that reads the same as another's
    /// (杭州市民政局 beside 市民政局), is refused: it would make one bureau look like two.
    pub async fn rename_unit(
        &self,
        id: Uuid,
        name_zh: &str,
        name_en: &str,
        by: Uuid,
    ) -> Result<SaveOutcome, AppError> {
        let mut tx = self.pool.begin().await?;
        let others: Vec<String> =
            sqlx::query_scalar("select name_zh from lead_units where id <> $1")
                .bind(id)
                .fetch_all(&mut *tx)
                .await?;
        let key = unit_key(name_zh);
        if others.iter().any(|o| o == name_zh || unit_key(o) == key) {
            return Ok(refused(
                Field::LeadUnit,
                Problem::NameTaken {
                    value: name_zh.to_owned(),
                },
            ));
        }
        let old: Option<String> = sqlx::query_scalar(
            "update lead_units u set name_zh = $2, name_en = $3
               from lead_units before where before.id = u.id and u.id = $1
             returning before.name_zh",
        )
        .bind(id)
        .bind(name_zh)
        .bind(name_en)
        .fetch_optional(&mut *tx)
        .await?;
        let old = old.ok_or_else(|| AppError::not_found("unit"))?;
        log_in(
            &mut tx,
            Some(by),
            AdminAction::Edit,
            name_zh,
            Some(serde_json::json!({ "record": "unit", "id": id, "was": old })),
        )
        .await?;
        tx.commit().await?;
        Ok(SaveOutcome::Saved { id })
    }

    /// One page of the roster (names containing `q`, or every deputy), by group and name, with
    /// how many there are.
    pub async fn roster(
        &self,
        q: Option<&str>,
        group: Option<i32>,
        page: u32,
        per_page: u32,
    ) -> Result<(Vec<RosterRow>, i64), AppError> {
        const FROM: &str = "from deputies d
               join supervision_groups g on g.id = d.group_id
               left join users u on u.deputy_id = d.id
              where ($1::text is null or strpos(d.name_zh, $1) > 0
                     or strpos(d.delegation_zh, $1) > 0)
                and ($2::int is null or g.number = $2)";
        let total: i64 = sqlx::query_scalar(&format!("select count(*) {FROM}"))
            .bind(q)
            .bind(group)
            .fetch_one(&self.pool)
            .await?;
        let rows = sqlx::query_as(&format!(
            "select d.id, d.name_zh, d.delegation_zh, d.group_id, g.number as group_number,
                    d.mobile_masked, u.username
               {FROM}
              order by g.number, d.name_zh, d.delegation_zh, d.id
              limit $3 offset $4"
        ))
        .bind(q)
        .bind(group)
        .bind(i64::from(per_page))
        .bind(i64::from(page) * i64::from(per_page))
        .fetch_all(&self.pool)
        .await?;
        Ok((rows, total))
    }

    /// Edits a deputy by id: name and delegation (the roster's key: no second deputy may have
    /// both), group, and the mobile kept as the public's phones are (`secret` is needed to set
    /// one).
    #[allow(clippy::too_many_arguments)]
    pub async fn update_deputy(
        &self,
        id: Uuid,
        name: &str,
        delegation: &str,
        group_number: i32,
        mobile: MobileChange,
        secret: Option<&Secret>,
        by: Uuid,
    ) -> Result<SaveOutcome, AppError> {
        let mut tx = self.pool.begin().await?;
        let group: Option<Uuid> =
            sqlx::query_scalar("select id from supervision_groups where number = $1")
                .bind(group_number)
                .fetch_optional(&mut *tx)
                .await?;
        let Some(group) = group else {
            return Ok(refused(
                Field::Group,
                Problem::UnknownGroup {
                    value: group_number.to_string(),
                },
            ));
        };
        let twin: Option<Uuid> = sqlx::query_scalar(
            "select id from deputies where name_zh = $1 and delegation_zh = $2 and id <> $3",
        )
        .bind(name)
        .bind(delegation)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        if twin.is_some() {
            return Ok(refused(
                Field::Name,
                Problem::SameDeputy {
                    name: name.to_owned(),
                    delegation: delegation.to_owned(),
                },
            ));
        }
        let (set, hash, cipher, masked) = match &mobile {
            MobileChange::Keep => (false, None, None, None),
            MobileChange::Clear => (true, None, None, None),
            MobileChange::Set(m) => {
                let Some(s) = secret else {
                    return Err(AppError::invalid(
                        "mobile",
                        "mobiles are kept encrypted and this server has no JIANDU_SECRET",
                    ));
                };
                (
                    true,
                    Some(s.keyed_hash("deputy-mobile", m.digits().as_bytes())),
                    Some(s.encrypt(m.digits(), id.as_bytes())),
                    Some(m.masked()),
                )
            }
        };
        let done = sqlx::query(
            "update deputies set name_zh = $2, delegation_zh = $3, group_id = $4,
                    mobile_hash = case when $5 then $6 else mobile_hash end,
                    mobile_cipher = case when $5 then $7 else mobile_cipher end,
                    mobile_masked = case when $5 then $8 else mobile_masked end
              where id = $1",
        )
        .bind(id)
        .bind(name)
        .bind(delegation)
        .bind(group)
        .bind(set)
        .bind(hash)
        .bind(cipher)
        .bind(masked)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(AppError::not_found("deputy"));
        }
        log_in(
            &mut tx,
            Some(by),
            AdminAction::Edit,
            &format!("{name} · {delegation}"),
            Some(serde_json::json!({
                "record": "deputy", "id": id, "group": group_number,
                "mobile": match mobile { MobileChange::Keep => "kept", MobileChange::Clear => "cleared", MobileChange::Set(_) => "set" },
            })),
        )
        .await?;
        tx.commit().await?;
        Ok(SaveOutcome::Saved { id })
    }
}
