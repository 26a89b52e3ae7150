//! SQL for imported findings: looked up, then stored as draft items in one transaction.

use std::collections::HashMap;

use uuid::Uuid;

use super::items::next_item_number;
use super::Db;
use crate::domain::import::{Finding, RowError, RowProblem};
use crate::domain::list_item::Channel;
use crate::error::AppError;
use crate::items::imports::{ImportOutcome, ImportRecord};

impl Db {
    /// The latest `limit` imports, newest first, and how many there are in all.
    pub async fn recent_item_imports(
        &self,
        limit: i64,
    ) -> Result<(Vec<ImportRecord>, i64), AppError> {
        let rows = sqlx::query_as(
            "select i.id, i.file_name, i.channel, i.rows, u.display_name as by_name, i.at
               from item_imports i join users u on u.id = i.imported_by
              order by i.at desc, i.id desc limit $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let total = sqlx::query_scalar("select count(*) from item_imports")
            .fetch_one(&self.pool)
            .await?;
        Ok((rows, total))
    }

    /// Every site code and unit name must resolve, or nothing is stored and each row that did
    /// not is reported.
    pub async fn import_findings(
        &self,
        findings: &[Finding],
        channel: Channel,
        file_name: &str,
        actor: Uuid,
        year: i32,
    ) -> Result<ImportOutcome, AppError> {
        let codes: Vec<&str> = findings.iter().map(|f| f.site_code.as_str()).collect();
        let sites: HashMap<String, Uuid> =
            sqlx::query_as("select public_code, id from sites where public_code = any($1)")
                .bind(&codes)
                .fetch_all(&self.pool)
                .await?
                .into_iter()
                .collect();
        let units: Vec<(Uuid, String, String, String)> =
            sqlx::query_as("select id, code, name_zh, name_en from lead_units")
                .fetch_all(&self.pool)
                .await?;
        let find_unit = |r: &str| {
            let r = r.trim().to_lowercase();
            units
                .iter()
                .find(|(_, code, zh, en)| {
                    *code == r || zh.to_lowercase() == r || en.to_lowercase() == r
                })
                .map(|u| u.0)
        };
        let mut errors = Vec::new();
        let mut rows = Vec::with_capacity(findings.len());
        for f in findings {
            let site = sites.get(f.site_code.as_str()).copied();
            if site.is_none() {
                errors.push(RowError {
                    row: f.row,
                    problem: RowProblem::UnknownSite {
                        value: f.site_code.as_str().to_owned(),
                    },
                });
            }
            let unit = match &f.unit {
                None => Ok(None),
                Some(r) => find_unit(r).map(Some).ok_or(r),
            };
            if let Err(r) = unit {
                errors.push(RowError {
                    row: f.row,
                    problem: RowProblem::UnknownUnit { value: r.clone() },
                });
            }
            if let (Some(site), Ok(unit)) = (site, unit) {
                rows.push((f, site, unit));
            }
        }
        if !errors.is_empty() {
            return Ok(ImportOutcome::Refused { errors });
        }
        let mut tx = self.pool.begin().await?;
        let import = Uuid::now_v7();
        sqlx::query(
            "insert into item_imports (id, file_name, channel, rows, imported_by)
             values ($1, $2, $3, $4, $5)",
        )
        .bind(import)
        .bind(file_name)
        .bind(channel.as_str())
        .bind(rows.len() as i32)
        .bind(actor)
        .execute(&mut *tx)
        .await?;
        let first = next_item_number(&mut tx, year).await?;
        let ids: Vec<Uuid> = rows.iter().map(|_| Uuid::now_v7()).collect();
        let numbers: Vec<i32> = (0..rows.len() as i32).map(|i| first + i).collect();
        let kinds: Vec<&str> = rows.iter().map(|r| r.0.kind.as_str()).collect();
        let site_ids: Vec<Uuid> = rows.iter().map(|r| r.1).collect();
        let descriptions: Vec<&str> = rows.iter().map(|r| r.0.description.as_str()).collect();
        let row_numbers: Vec<i32> = rows.iter().map(|r| r.0.row as i32).collect();
        let proposed: Vec<Option<Uuid>> = rows.iter().map(|r| r.2).collect();
        sqlx::query(
            "insert into list_items (id, year, number, kind, channel, site_id, description,
                                     created_by, import_id, import_row, proposed_unit_id)
             select id, $2, number, kind, $3, site_id, description, $4, $5, row, unit
               from unnest($1::uuid[], $6::int[], $7::text[], $8::uuid[], $9::text[], $10::int[],
                           $11::uuid[]) as r(id, number, kind, site_id, description, row, unit)",
        )
        .bind(&ids)
        .bind(year)
        .bind(channel.as_str())
        .bind(actor)
        .bind(import)
        .bind(&numbers)
        .bind(&kinds)
        .bind(&site_ids)
        .bind(&descriptions)
        .bind(&row_numbers)
        .bind(&proposed)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "insert into list_item_events (item_id, action, to_status, comment, actor)
             select unnest($1::uuid[]), 'create', 'draft', $2, $3",
        )
        .bind(&ids)
        .bind(file_name)
        .bind(actor)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(ImportOutcome::Imported {
            import,
            items: ids.len(),
        })
    }
}
