//! Server functions of usage: a site's usage and devices (any signed-in role reads them; the
//! site's lead unit's officers and staff register and retire devices), the quiet sites and the
//! number of days that makes a site quiet (staff).

use leptos::prelude::*;
use uuid::Uuid;

use super::{NewDevice, QuietSites, SiteUsage};
use crate::error::AppError;

#[cfg(feature = "ssr")]
fn field(e: crate::domain::record::FieldError) -> AppError {
    AppError::invalid(&e.field, e.message)
}

#[cfg(feature = "ssr")]
async fn site_scope(site: Uuid) -> Result<Uuid, AppError> {
    crate::ssr::db()?
        .site_state_scope(site)
        .await?
        .map(|(_, unit)| unit)
        .ok_or_else(|| AppError::not_found("site"))
}

#[server(endpoint = "usage/site")]
pub async fn get_site_usage(site: Uuid) -> Result<SiteUsage, AppError> {
    crate::ssr::run(async move {
        let user = crate::auth::ssr::require(|_| true).await?;
        let unit = site_scope(site).await?;
        let db = crate::ssr::db()?;
        let today = crate::ssr::today();
        let since = today - chrono::Duration::days(i64::from(super::USAGE_DAYS) - 1);
        let (mut devices, days, last_day) = db.site_usage(site, since).await?;
        let may_manage = crate::domain::device::may_manage(user.role, user.unit_id, unit);
        if may_manage {
            let secret = crate::ssr::public_settings()?.secret;
            for d in devices.iter_mut().filter(|d| d.active) {
                d.token = Some(secret.device_token(&d.id));
            }
        }
        let quiet_days = db.quiet_days().await?;
        let first_device = devices
            .iter()
            .filter(|d| d.active)
            .map(|d| (d.created_at + chrono::Duration::hours(8)).date_naive())
            .min();
        let quiet = first_device.is_some_and(|since| {
            crate::domain::device::is_quiet(last_day, since, today, quiet_days)
        });
        let total = days.iter().fold(
            super::UsageDay {
                day: today,
                uses: 0,
                energy_wh: 0,
                faults: 0,
                readings: 0,
            },
            |mut t, d| {
                t.uses += d.uses;
                t.energy_wh += d.energy_wh;
                t.faults += d.faults;
                t.readings += d.readings;
                t
            },
        );
        Ok(SiteUsage {
            site_id: site,
            today,
            devices,
            days,
            total,
            last_day,
            quiet_days,
            quiet,
            may_manage,
        })
    })
    .await
}

/// Registers a device at a site; its token is in the answer and nowhere else.
#[server(endpoint = "usage/register-device")]
pub async fn register_device(
    site: Uuid,
    kind: String,
    label: String,
) -> Result<NewDevice, AppError> {
    crate::ssr::run(async move {
        let user = crate::auth::ssr::require(|_| true).await?;
        let unit = site_scope(site).await?;
        if !crate::domain::device::may_manage(user.role, user.unit_id, unit) {
            return Err(AppError::forbidden());
        }
        let kind = crate::domain::device::DeviceKind::parse(&kind).map_err(field)?;
        let label = crate::domain::device::parse_label(&label).map_err(field)?;
        let id = Uuid::now_v7();
        let token = crate::ssr::public_settings()?.secret.device_token(&id);
        let db = crate::ssr::db()?;
        db.register_device(
            id,
            site,
            kind,
            &label,
            &crate::domain::device::token_hash(&token),
            Some(user.id),
        )
        .await?;
        let code = db.site(site).await?.public_code;
        tracing::info!(%site, device = %id, by = %user.username, "device registered");
        Ok(NewDevice {
            id,
            token,
            topic: crate::domain::device::topic_of(&code),
        })
    })
    .await
}

/// Retires a device (its token stops working at once) or brings it back.
#[server(endpoint = "usage/device-active")]
pub async fn set_device_active(device: Uuid, active: bool) -> Result<(), AppError> {
    crate::ssr::run(async move {
        let user = crate::auth::ssr::require(|_| true).await?;
        let db = crate::ssr::db()?;
        let site = db
            .device_site(device)
            .await?
            .ok_or_else(|| AppError::not_found("device"))?;
        let unit = site_scope(site).await?;
        if !crate::domain::device::may_manage(user.role, user.unit_id, unit) {
            return Err(AppError::forbidden());
        }
        db.set_device_active(device, active).await
    })
    .await
}

#[server(endpoint = "usage/quiet")]
pub async fn get_quiet_sites(page: Option<u32>) -> Result<QuietSites, AppError> {
    crate::ssr::run(async move {
        crate::auth::ssr::require(|u| u.role.is_staff()).await?;
        crate::ssr::db()?
            .quiet_sites(
                crate::ssr::today(),
                page.unwrap_or(0).min(100_000),
                super::QUIET_PAGE,
            )
            .await
    })
    .await
}

#[server(endpoint = "usage/quiet-days")]
pub async fn set_quiet_days(days: String) -> Result<(), AppError> {
    crate::ssr::run(async move {
        crate::auth::ssr::require(|u| u.role.is_staff()).await?;
        let days = crate::domain::device::parse_quiet_days(&days).map_err(field)?;
        crate::ssr::db()?.set_quiet_days(days).await
    })
    .await
}
