//! SQL for usage from devices: devices by site and by token hash, readings kept once per device
//! and message id with the day's totals added in the same statement, a site's usage, the quiet
//! sites, and a site's readings for export.

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::Db;
use crate::domain::device::{DeviceKind, Reading, DEFAULT_QUIET_DAYS};
use crate::error::AppError;
use crate::paged::Paged;
use crate::usage::{DeviceRow, QuietSite, QuietSites, UsageDay};

/// A device a token names: its id, its site and that site's public code.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct TokenDevice {
    pub token_hash: String,
    pub device_id: Uuid,
    pub site_id: Uuid,
    pub site_code: String,
}

/// One reading as the export writes it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ReadingRow {
    pub device_id: Uuid,
    pub kind: String,
    pub label: String,
    pub message_id: String,
    pub at: DateTime<Utc>,
    pub uses: i32,
    pub energy_wh: i64,
    pub faults: i32,
    pub via: String,
    pub received_at: DateTime<Utc>,
}

impl Db {
    pub async fn register_device(
        &self,
        id: Uuid,
        site: Uuid,
        kind: DeviceKind,
        label: &str,
        token_hash: &str,
        by: Option<Uuid>,
    ) -> Result<(), AppError> {
        sqlx::query(
            "insert into devices (id, site_id, kind, label, token_hash, created_by)
             values ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(site)
        .bind(kind.as_str())
        .bind(label)
        .bind(token_hash)
        .bind(by)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The site a device belongs to, or `None` when there is no such device.
    pub async fn device_site(&self, device: Uuid) -> Result<Option<Uuid>, AppError> {
        Ok(
            sqlx::query_scalar("select site_id from devices where id = $1")
                .bind(device)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// Retires a device (its token stops working) or brings it back. Its readings stay.
    pub async fn set_device_active(&self, device: Uuid, active: bool) -> Result<(), AppError> {
        sqlx::query("update devices set active = $2 where id = $1")
            .bind(device)
            .bind(active)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The active devices these token hashes name, with their sites.
    pub async fn devices_by_token(&self, hashes: &[String]) -> Result<Vec<TokenDevice>, AppError> {
        Ok(sqlx::query_as(
            "select d.token_hash, d.id as device_id, d.site_id, t.public_code as site_code
               from devices d join sites t on t.id = d.site_id
              where d.token_hash = any($1) and d.active",
        )
        .bind(hashes)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Keeps the readings not kept before (a device and message id already stored is a reading
    /// sent again, and is skipped) and adds the new ones to their sites' days, in one
    /// statement. Returns how many were new. The days are written in key order, so two batches
    /// at once wait for each other rather than deadlock.
    pub async fn store_readings(
        &self,
        readings: &[(Uuid, Reading)],
        via: &str,
    ) -> Result<u64, AppError> {
        if readings.is_empty() {
            return Ok(0);
        }
        let mut devices = Vec::with_capacity(readings.len());
        let mut ids = Vec::with_capacity(readings.len());
        let mut ats = Vec::with_capacity(readings.len());
        let mut uses = Vec::with_capacity(readings.len());
        let mut energy = Vec::with_capacity(readings.len());
        let mut faults = Vec::with_capacity(readings.len());
        for (d, r) in readings {
            devices.push(*d);
            ids.push(r.message_id.as_str());
            ats.push(r.at);
            uses.push(r.uses);
            energy.push(r.energy_wh);
            faults.push(r.faults);
        }
        let new: i64 = sqlx::query_scalar(
            "with ins as (
                 insert into device_readings (device_id, message_id, at, uses, energy_wh, faults, via)
                 select device_id, message_id, at, uses, energy_wh, faults, $7
                   from unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::int[], $5::bigint[],
                               $6::int[]) as t(device_id, message_id, at, uses, energy_wh, faults)
                 on conflict do nothing
                 returning device_id, at, uses, energy_wh, faults
             ), days as (
                 insert into site_usage_daily as u (site_id, day, uses, energy_wh, faults, readings)
                 select d.site_id, (ins.at at time zone 'Asia/Shanghai')::date, sum(ins.uses),
                        sum(ins.energy_wh), sum(ins.faults), count(*)
                   from ins join devices d on d.id = ins.device_id
                  group by 1, 2 order by 1, 2
                 on conflict (site_id, day) do update
                    set uses = u.uses + excluded.uses, energy_wh = u.energy_wh + excluded.energy_wh,
                        faults = u.faults + excluded.faults, readings = u.readings + excluded.readings
                 returning 1
             )
             select (select count(*) from ins) + 0 * (select count(*) from days)",
        )
        .bind(&devices)
        .bind(&ids)
        .bind(&ats)
        .bind(&uses)
        .bind(&energy)
        .bind(&faults)
        .bind(via)
        .fetch_one(&self.pool)
        .await?;
        Ok(new as u64)
    }

    pub async fn quiet_days(&self) -> Result<i32, AppError> {
        let d: Option<i32> = sqlx::query_scalar("select quiet_days from usage_settings")
            .fetch_optional(&self.pool)
            .await?;
        Ok(d.unwrap_or(DEFAULT_QUIET_DAYS))
    }

    pub async fn set_quiet_days(&self, days: i32) -> Result<(), AppError> {
        sqlx::query(
            "insert into usage_settings (only_row, quiet_days) values (true, $1)
             on conflict (only_row) do update set quiet_days = excluded.quiet_days",
        )
        .bind(days)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// A site's devices, and its days with readings from `since` on, newest first.
    pub async fn site_usage(
        &self,
        site: Uuid,
        since: NaiveDate,
    ) -> Result<(Vec<DeviceRow>, Vec<UsageDay>, Option<NaiveDate>), AppError> {
        let devices = sqlx::query_as(
            "select d.id, d.kind, d.label, d.active, d.created_at,
                    (select max(r.at) from device_readings r where r.device_id = d.id)
                        as last_reading_at
               from devices d where d.site_id = $1 order by d.created_at, d.id",
        )
        .bind(site)
        .fetch_all(&self.pool)
        .await?;
        let days = sqlx::query_as(
            "select day, uses, energy_wh, faults, readings from site_usage_daily
              where site_id = $1 and day >= $2 order by day desc",
        )
        .bind(site)
        .bind(since)
        .fetch_all(&self.pool)
        .await?;
        let last: Option<NaiveDate> =
            sqlx::query_scalar("select max(day) from site_usage_daily where site_id = $1")
                .bind(site)
                .fetch_one(&self.pool)
                .await?;
        Ok((devices, days, last))
    }

    /// Sites with active devices and no reading on or after `quiet_since` (counting from the
    /// first device's registration for a site that never had one), those quiet longest first.
    pub async fn quiet_sites(
        &self,
        today: NaiveDate,
        page: u32,
        per_page: u32,
    ) -> Result<QuietSites, AppError> {
        let quiet_days = self.quiet_days().await?;
        let since = today - chrono::Duration::days(i64::from(quiet_days) - 1);
        let q = "with equipped as (
                     select d.site_id, count(*) as devices,
                            min((d.created_at at time zone 'Asia/Shanghai')::date) as since
                       from devices d where d.active group by d.site_id
                 ), quiet as (
                     select e.site_id, e.devices,
                            (select max(u.day) from site_usage_daily u where u.site_id = e.site_id)
                                as last_day,
                            e.since
                       from equipped e
                 )
                 select q.site_id, t.name_zh, t.name_en, t.public_code, l.name_zh as unit_zh,
                        l.name_en as unit_en, q.devices, q.last_day, count(*) over () as total
                   from quiet q
                   join sites t on t.id = q.site_id
                   join sub_items s on s.id = t.sub_item_id
                   join lead_units l on l.id = s.lead_unit_id
                  where greatest(coalesce(q.last_day, q.since), q.since) < $1
                  order by coalesce(q.last_day, q.since), t.public_code
                  limit $2 offset $3";
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            site: QuietSite,
            total: i64,
        }
        let rows: Vec<Row> = sqlx::query_as(q)
            .bind(since)
            .bind(i64::from(per_page))
            .bind(i64::from(page) * i64::from(per_page))
            .fetch_all(&self.pool)
            .await?;
        let total = match rows.first() {
            Some(r) => r.total,
            None if page == 0 => 0,
            None => {
                // Past the last page: the total still says how many there are.
                let q = q.replace("limit $2 offset $3", "limit 1");
                let first: Option<Row> = sqlx::query_as(&q)
                    .bind(since)
                    .fetch_optional(&self.pool)
                    .await?;
                first.map(|r| r.total).unwrap_or(0)
            }
        };
        Ok(QuietSites {
            today,
            quiet_days,
            sites: Paged {
                rows: rows.into_iter().map(|r| r.site).collect(),
                total,
                page,
                per_page,
            },
        })
    }

    /// A site's readings between two instants, oldest first, for the CSV export.
    pub async fn site_readings(
        &self,
        site: Uuid,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<ReadingRow>, AppError> {
        Ok(sqlx::query_as(
            "select r.device_id, d.kind, d.label, r.message_id, r.at, r.uses, r.energy_wh,
                    r.faults, r.via, r.received_at
               from device_readings r join devices d on d.id = r.device_id
              where d.site_id = $1 and r.at >= $2 and r.at < $3
              order by r.at, r.device_id, r.message_id",
        )
        .bind(site)
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await?)
    }
}
