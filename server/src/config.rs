//! Configuration comes from environment variables only (twelve-factor), read once at start.

use std::env;

#[derive(Clone, Debug)]
pub struct Config {
    /// `DATABASE_URL`: where PostgreSQL is.
    pub database_url: String,
    /// `DATABASE_REPLICA_URL`: a streaming replica of it; the dashboard, the exports and the
    /// public pages read from it while it is at most `JIANDU_REPLICA_MAX_LAG` seconds (default
    /// 5) behind and has what the reader wrote (`app::store::replica`).
    pub replica_url: Option<String>,
    pub replica_max_lag: std::time::Duration,
    /// `JIANDU_COOKIE_SECURE` (default `true`): mark the session cookie `Secure` and give it the
    /// `__Host-` prefix. Browsers treat http://localhost and 127.0.0.1 as secure, so this stays
    /// on in development; turn it off only to reach a dev server over plain HTTP on another host.
    pub cookie_secure: bool,
    /// `JIANDU_LOAD_DEMO` (default `false`): load the demo data set and demo accounts at start.
    pub load_demo: bool,
    /// `JIANDU_DEMO_ACTIVITY` (default `false`): with the demo data, also load its year in
    /// progress (observations, items in every state, answers, comments, an audit file;
    /// `server::demo_year`). `scripts/dev` turns it on; the tests keep the quiet registry.
    pub demo_activity: bool,
    /// `JIANDU_MEDIA_DIR` (default `.data/media`): where photo files are kept.
    pub media_dir: std::path::PathBuf,
    /// `JIANDU_MEDIA_URL` (`s3://bucket/prefix`): keep photo files in an S3-compatible bucket
    /// instead of `JIANDU_MEDIA_DIR`, connecting with the usual `AWS_*` variables.
    pub media_url: Option<String>,
    /// `JIANDU_PUBLIC_URL` (default `http://127.0.0.1:3000`): the address printed in QR codes.
    pub public_url: String,
    /// `JIANDU_SECRET`: 64 hex digits. Keys the hashes of phone numbers and client addresses and
    /// encrypts phone numbers for call-backs. Required to serve; keep it stable and private.
    pub secret: Option<String>,
    /// `JIANDU_COMMENT_BURST` (default 5) and `JIANDU_COMMENT_INTERVAL_SECS` (default 60): a
    /// client may post this many public comments at once, then one per interval.
    pub comment_burst: u32,
    pub comment_interval_secs: u64,
    /// `JIANDU_READ_BURST` (default 60) and `JIANDU_READ_INTERVAL_MS` (default 500): anonymous
    /// requests that a kept page does not answer (the public plan's and site's server functions,
    /// QR codes, photos, pages not in the cache) a client may make at once, then one per interval.
    pub read_burst: u32,
    pub read_interval_ms: u64,
    /// `JIANDU_DEVICE_BURST` (default 600) and `JIANDU_DEVICE_INTERVAL_MS` (default 10): device
    /// readings over HTTP a client address may post at once, then one per interval.
    pub device_burst: u32,
    pub device_interval_ms: u64,
    /// `JIANDU_MQTT_URL` (`mqtt://host:1883?client_id=jiandu-1`): the broker devices publish
    /// their readings to; unset, readings come over HTTP only.
    pub mqtt_url: Option<String>,
    /// `JIANDU_TRUSTED_PROXIES`: comma-separated addresses of reverse proxies whose
    /// `X-Forwarded-For` names the client. Empty: the peer address is the client.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// `JIANDU_METRICS_TOKEN`: the bearer token `GET /metrics` asks for (16 characters at
    /// least); unset, there is no `/metrics`.
    pub metrics_token: Option<String>,
    /// How long personal data left by the public is kept (`jiandu purge`, and daily by the
    /// server).
    pub retention: Retention,
}

/// `JIANDU_PHONE_RETENTION_DAYS` (default 365): phone numbers left for a call-back, counted from
/// the comment. `JIANDU_CLIENT_RETENTION_DAYS` (default 30): the keyed hash of the client's
/// address, which only the repeat and one-rating-a-day checks need.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Retention {
    pub phone_days: u32,
    pub client_days: u32,
}

impl Config {
    pub fn from_env() -> anyhow::Result<Self> {
        let database_url = env::var("DATABASE_URL").map_err(|_| {
            anyhow::anyhow!(
                "DATABASE_URL is not set (e.g. postgres://postgres@127.0.0.1:5432/jiandu)"
            )
        })?;
        let replica_max_lag: u64 = number("JIANDU_REPLICA_MAX_LAG", 5)?;
        if !(1..=3600).contains(&replica_max_lag) {
            return Err(anyhow::anyhow!(
                "JIANDU_REPLICA_MAX_LAG is seconds from 1 to 3600, not {replica_max_lag}"
            ));
        }
        Ok(Self {
            database_url,
            replica_url: env::var("DATABASE_REPLICA_URL")
                .ok()
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty()),
            replica_max_lag: std::time::Duration::from_secs(replica_max_lag),
            cookie_secure: flag("JIANDU_COOKIE_SECURE", true)?,
            load_demo: flag("JIANDU_LOAD_DEMO", false)?,
            demo_activity: flag("JIANDU_DEMO_ACTIVITY", false)?,
            media_dir: env::var("JIANDU_MEDIA_DIR")
                .unwrap_or_else(|_| ".data/media".into())
                .into(),
            media_url: env::var("JIANDU_MEDIA_URL")
                .ok()
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty()),
            public_url: env::var("JIANDU_PUBLIC_URL")
                .unwrap_or_else(|_| "http://127.0.0.1:3000".into())
                .trim_end_matches('/')
                .to_owned(),
            secret: env::var("JIANDU_SECRET")
                .ok()
                .filter(|s| !s.trim().is_empty()),
            comment_burst: number("JIANDU_COMMENT_BURST", 5)?,
            comment_interval_secs: number("JIANDU_COMMENT_INTERVAL_SECS", 60)?,
            read_burst: number("JIANDU_READ_BURST", 60)?,
            mqtt_url: env::var("JIANDU_MQTT_URL")
                .ok()
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty()),
            read_interval_ms: number("JIANDU_READ_INTERVAL_MS", 500)?,
            device_burst: number("JIANDU_DEVICE_BURST", 600)?,
            device_interval_ms: number("JIANDU_DEVICE_INTERVAL_MS", 10)?,
            trusted_proxies: env::var("JIANDU_TRUSTED_PROXIES")
                .unwrap_or_default()
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| {
                    s.parse().map_err(|_| {
                        anyhow::anyhow!("JIANDU_TRUSTED_PROXIES: {s:?} is not an IP address")
                    })
                })
                .collect::<anyhow::Result<_>>()?,
            metrics_token: match env::var("JIANDU_METRICS_TOKEN") {
                Err(_) => None,
                Ok(t) if t.trim().is_empty() => None,
                Ok(t) if t.trim().chars().count() < 16 => {
                    return Err(anyhow::anyhow!(
                        "JIANDU_METRICS_TOKEN is shorter than 16 characters: use e.g. `openssl rand -hex 16`"
                    ))
                }
                Ok(t) => Some(t.trim().to_owned()),
            },
            retention: Retention {
                phone_days: days("JIANDU_PHONE_RETENTION_DAYS", 365)?,
                client_days: days("JIANDU_CLIENT_RETENTION_DAYS", 30)?,
            },
        })
    }
}

fn number<T: std::str::FromStr>(name: &str, default: T) -> anyhow::Result<T> {
    match env::var(name) {
        Err(_) => Ok(default),
        Ok(v) => v
            .trim()
            .parse()
            .map_err(|_| anyhow::anyhow!("{name} must be a whole number, not {v:?}")),
    }
}

/// A retention period: a mistyped one must not purge everything (0) or overflow into the past.
fn days(name: &str, default: u32) -> anyhow::Result<u32> {
    let d: u32 = number(name, default)?;
    if (1..=36_500).contains(&d) {
        Ok(d)
    } else {
        Err(anyhow::anyhow!(
            "{name} must be a number of days from 1 to 36500, not {d}"
        ))
    }
}

fn flag(name: &str, default: bool) -> anyhow::Result<bool> {
    match env::var(name) {
        Err(_) => Ok(default),
        Ok(v) => match v.trim().to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "on" => Ok(true),
            "0" | "false" | "no" | "off" | "" => Ok(false),
            other => Err(anyhow::anyhow!(
                "{name} must be true or false, not {other:?}"
            )),
        },
    }
}
