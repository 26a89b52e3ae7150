//! The one layer that speaks SQL. Everything above it gets typed rows or an [`AppError`].

pub mod cases;
pub mod catalogue;
pub mod demo_clock;
pub mod duty;
pub mod field;
pub mod imports;
pub mod inspections;
pub mod items;
pub mod map;
pub mod media;
pub mod notifications;
pub mod progress;
pub mod public;
pub mod questionnaires;
pub mod rates;
pub mod receipts;
pub mod registry;
pub mod registry_edit;
pub mod replica;
pub mod seed;
pub mod sign_ins;
pub mod topics;
pub mod usage;
pub mod users;

use sqlx::PgPool;

use crate::error::{AppError, ErrorCode};

#[derive(Clone, Debug)]
pub struct Db {
    /// The primary: every write, and every read that must be current.
    pub pool: PgPool,
    /// A streaming replica for reads that may lag a little (`replica.rs`).
    replica: Option<std::sync::Arc<replica::Replica>>,
}

/// The channel on which every server on the database hears that the public pages changed.
pub const PUBLIC_PAGES_CHANNEL: &str = "jiandu_public_pages";

impl Db {
    pub fn new(pool: PgPool) -> Self {
        Self {
            pool,
            replica: None,
        }
    }

    /// Tells every server listening on [`PUBLIC_PAGES_CHANNEL`], this one too.
    pub async fn announce_public_pages_changed(&self) -> Result<(), AppError> {
        sqlx::query("select pg_notify($1, '')")
            .bind(PUBLIC_PAGES_CHANNEL)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// True when the database holds the generated demo data set; the UI says so on every page.
    pub async fn is_demo(&self) -> Result<bool, AppError> {
        let v: Option<String> =
            sqlx::query_scalar("select value from dataset_info where key = 'demo'")
                .fetch_optional(&self.pool)
                .await?;
        Ok(v.is_some())
    }
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        if let Some(db) = e.as_database_error() {
            if db.is_unique_violation() {
                return AppError::new(
                    ErrorCode::Conflict,
                    "a record with this value already exists",
                );
            }
            if db.is_foreign_key_violation() || db.is_check_violation() {
                return AppError::new(ErrorCode::Invalid, "the database refused this value");
            }
        }
        tracing::error!(error = %e, "database error");
        AppError::internal()
    }
}
