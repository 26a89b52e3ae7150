//! Configuration comes from environment variables only (twelve-factor), read once at start.

use std::env;

#[derive(Clone, Debug)]
pub struct Config {
    /// `DATABASE_URL`: where PostgreSQL is.
    pub database_url: String,
    /// `JIANDU_COOKIE_SECURE` (default `true`): mark the session cookie `Secure` and give it the
    /// `__Host-` prefix. Browsers treat http://localhost and 127.0.0.1 as secure, so this stays
    /// on in development; turn it off only to reach a dev server over plain HTTP on another host.
    pub cookie_secure: bool,
    /// `JIANDU_LOAD_DEMO` (default `false`): load the demo data set and demo accounts at start.
    pub load_demo: bool,
    /// `JIANDU_MEDIA_DIR` (default `.data/media`): where photo files are kept.
    pub media_dir: std::path::PathBuf,
}

impl Config {
    pub fn from_env() -> anyhow::Result<Self> {
        let database_url = env::var("DATABASE_URL").map_err(|_| {
            anyhow::anyhow!(
                "DATABASE_URL is not set (e.g. postgres://postgres@127.0.0.1:5432/jiandu)"
            )
        })?;
        Ok(Self {
            database_url,
            cookie_secure: flag("JIANDU_COOKIE_SECURE", true)?,
            load_demo: flag("JIANDU_LOAD_DEMO", false)?,
            media_dir: env::var("JIANDU_MEDIA_DIR")
                .unwrap_or_else(|_| ".data/media".into())
                .into(),
        })
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
