//! Usage from devices (the report's 效益指标): what a site's devices counted per day, its devices,
//! and the sites that have gone quiet. Devices send readings over MQTT (`server/src/mqtt.rs`) or
//! HTTP (`server/src/devices.rs`); the rules are `domain::device`; the SQL is `store::usage`.

pub mod api;
pub mod pages;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::device::DeviceKind;

/// Days of usage a site's page shows.
pub const USAGE_DAYS: i32 = 30;
/// Quiet sites on one page of the dashboard's list.
pub const QUIET_PAGE: u32 = 50;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct DeviceRow {
    pub id: Uuid,
    #[cfg_attr(feature = "ssr", sqlx(try_from = "String"))]
    pub kind: DeviceKind,
    pub label: String,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub last_reading_at: Option<DateTime<Utc>>,
    /// The device's token, for those who manage the site's devices (derived from the
    /// installation's secret, so it can be shown again like an activation code).
    #[cfg_attr(feature = "ssr", sqlx(default))]
    #[serde(default)]
    pub token: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct UsageDay {
    pub day: NaiveDate,
    pub uses: i64,
    pub energy_wh: i64,
    pub faults: i64,
    pub readings: i64,
}

/// A site's usage as its page shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SiteUsage {
    pub site_id: Uuid,
    pub today: NaiveDate,
    pub devices: Vec<DeviceRow>,
    /// The last [`USAGE_DAYS`] days that have readings, newest first.
    pub days: Vec<UsageDay>,
    /// The same days summed.
    pub total: UsageDay,
    pub last_day: Option<NaiveDate>,
    pub quiet_days: i32,
    /// The site has active devices and none has read for `quiet_days` days.
    pub quiet: bool,
    /// The viewer may register and retire devices here.
    pub may_manage: bool,
}

/// A site whose devices have gone quiet, for the dashboard.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct QuietSite {
    pub site_id: Uuid,
    pub name_zh: String,
    pub name_en: String,
    pub public_code: String,
    pub unit_zh: String,
    pub unit_en: String,
    pub devices: i64,
    pub last_day: Option<NaiveDate>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QuietSites {
    pub today: NaiveDate,
    pub quiet_days: i32,
    pub sites: crate::paged::Paged<QuietSite>,
}

/// A device just registered: its token and the topic it publishes to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NewDevice {
    pub id: Uuid,
    pub token: String,
    pub topic: String,
}
