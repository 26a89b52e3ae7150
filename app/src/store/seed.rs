//! Loading a prepared data set (the demo data, or a real year's structure from an import) in one
//! transaction: either all of it lands or none of it. Rows are keyed by stable ids, so loading the
//! same set twice changes nothing.

use chrono::NaiveDate;
use uuid::Uuid;

use super::Db;
use crate::domain::{PublicCode, SiteGeometry, SiteKind};
use crate::error::AppError;

pub struct SeedDistrict {
    pub id: Uuid,
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
}

pub struct SeedUnit {
    pub id: Uuid,
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
}

pub struct SeedProject {
    pub id: Uuid,
    pub year: i32,
    pub number: i32,
    pub title_zh: String,
    pub title_en: String,
    pub summary_zh: String,
    pub summary_en: String,
}

pub struct SeedSubItem {
    pub id: Uuid,
    pub project_id: Uuid,
    pub number: i32,
    pub title_zh: String,
    pub title_en: String,
    pub lead_unit_id: Uuid,
    pub target_quantity: i32,
    pub target_unit_zh: String,
    pub target_unit_en: String,
    pub deadline: NaiveDate,
    pub budget_yuan: i64,
}

pub struct SeedSite {
    pub id: Uuid,
    pub sub_item_id: Uuid,
    pub district_id: Uuid,
    pub name_zh: String,
    pub name_en: String,
    pub address_zh: String,
    pub kind: SiteKind,
    pub geometry: SiteGeometry,
    pub public_code: PublicCode,
}

pub struct SeedGroup {
    pub id: Uuid,
    pub number: i32,
    pub name_zh: String,
    pub name_en: String,
    pub unit_ids: Vec<Uuid>,
}

pub struct SeedDeputy {
    pub id: Uuid,
    pub name_zh: String,
    pub delegation_zh: String,
    pub group_id: Uuid,
}

#[derive(Default)]
pub struct SeedData {
    pub districts: Vec<SeedDistrict>,
    pub units: Vec<SeedUnit>,
    pub projects: Vec<SeedProject>,
    pub sub_items: Vec<SeedSubItem>,
    pub sites: Vec<SeedSite>,
    pub groups: Vec<SeedGroup>,
    pub deputies: Vec<SeedDeputy>,
    /// Marks the database as holding demo data, which every page then says.
    pub demo: bool,
}

impl Db {
    pub async fn load_seed(&self, data: &SeedData) -> Result<(), AppError> {
        let mut tx = self.pool.begin().await?;
        for d in &data.districts {
            sqlx::query(
                "insert into districts (id, code, name_zh, name_en) values ($1, $2, $3, $4)
                 on conflict do nothing",
            )
            .bind(d.id)
            .bind(&d.code)
            .bind(&d.name_zh)
            .bind(&d.name_en)
            .execute(&mut *tx)
            .await?;
        }
        for u in &data.units {
            sqlx::query(
                "insert into lead_units (id, code, name_zh, name_en) values ($1, $2, $3, $4)
                 on conflict do nothing",
            )
            .bind(u.id)
            .bind(&u.code)
            .bind(&u.name_zh)
            .bind(&u.name_en)
            .execute(&mut *tx)
            .await?;
        }
        for p in &data.projects {
            sqlx::query(
                "insert into projects (id, year, number, title_zh, title_en, summary_zh, summary_en)
                 values ($1, $2, $3, $4, $5, $6, $7) on conflict do nothing",
            )
            .bind(p.id)
            .bind(p.year)
            .bind(p.number)
            .bind(&p.title_zh)
            .bind(&p.title_en)
            .bind(&p.summary_zh)
            .bind(&p.summary_en)
            .execute(&mut *tx)
            .await?;
        }
        for s in &data.sub_items {
            sqlx::query(
                "insert into sub_items (id, project_id, number, title_zh, title_en, lead_unit_id,
                     target_quantity, target_unit_zh, target_unit_en, deadline, budget_yuan)
                 values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) on conflict do nothing",
            )
            .bind(s.id)
            .bind(s.project_id)
            .bind(s.number)
            .bind(&s.title_zh)
            .bind(&s.title_en)
            .bind(s.lead_unit_id)
            .bind(s.target_quantity)
            .bind(&s.target_unit_zh)
            .bind(&s.target_unit_en)
            .bind(s.deadline)
            .bind(s.budget_yuan)
            .execute(&mut *tx)
            .await?;
        }
        for t in &data.sites {
            let anchor = t.geometry.anchor();
            sqlx::query(
                "insert into sites (id, sub_item_id, district_id, name_zh, name_en, address_zh,
                     kind, geometry, anchor, public_code)
                 values ($1, $2, $3, $4, $5, $6, $7, $8, point($9, $10), $11)
                 on conflict do nothing",
            )
            .bind(t.id)
            .bind(t.sub_item_id)
            .bind(t.district_id)
            .bind(&t.name_zh)
            .bind(&t.name_en)
            .bind(&t.address_zh)
            .bind(t.kind.as_str())
            .bind(sqlx::types::Json(&t.geometry))
            .bind(anchor.lon)
            .bind(anchor.lat)
            .bind(t.public_code.as_str())
            .execute(&mut *tx)
            .await?;
        }
        for g in &data.groups {
            sqlx::query(
                "insert into supervision_groups (id, number, name_zh, name_en)
                 values ($1, $2, $3, $4) on conflict do nothing",
            )
            .bind(g.id)
            .bind(g.number)
            .bind(&g.name_zh)
            .bind(&g.name_en)
            .execute(&mut *tx)
            .await?;
            for unit in &g.unit_ids {
                sqlx::query(
                    "insert into group_units (group_id, unit_id) values ($1, $2)
                     on conflict do nothing",
                )
                .bind(g.id)
                .bind(unit)
                .execute(&mut *tx)
                .await?;
            }
        }
        for d in &data.deputies {
            sqlx::query(
                "insert into deputies (id, name_zh, delegation_zh, group_id) values ($1, $2, $3, $4)
                 on conflict do nothing",
            )
            .bind(d.id)
            .bind(&d.name_zh)
            .bind(&d.delegation_zh)
            .bind(d.group_id)
            .execute(&mut *tx)
            .await?;
        }
        if data.demo {
            sqlx::query(
                "insert into dataset_info (key, value) values ('demo', 'generated demo data')
                 on conflict (key) do nothing",
            )
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        // Autovacuum never analyses a table this small (38 sub-items are under its threshold);
        // without statistics the planner drove the project-filtered review queue from the sites
        // of a large data set and took 920 ms instead of a few.
        sqlx::query(
            "analyze districts, lead_units, projects, sub_items, sites, supervision_groups,
                     group_units, deputies",
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
