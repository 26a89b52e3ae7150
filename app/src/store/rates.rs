//! Rate limits kept in PostgreSQL, so several app servers on one database count one client
//! together instead of each allowing the full rate.
//!
//! The generic cell rate algorithm: a key's row holds its theoretical arrival time (TAT). A
//! request at `now` would move it to `max(tat, now) + period`; it is allowed when that lies no
//! further than `burst × period` ahead of `now`, and then stored. One statement decides and
//! stores, so two servers checking the same key at once are counted one after the other (the
//! row lock of `on conflict do update`).

use std::time::Duration;

use super::Db;
use crate::error::AppError;

/// A limit: `burst` requests at once, then one more every `period`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rate {
    pub burst: u32,
    pub period: Duration,
}

fn micros(d: Duration) -> i64 {
    i64::try_from(d.as_micros()).unwrap_or(i64::MAX / 4)
}

impl Db {
    /// Counts one request against `key`: `Ok(None)` lets it through, `Ok(Some(wait))` refuses it
    /// and says how long until the next would pass.
    pub async fn take_rate(&self, key: &str, rate: Rate) -> Result<Option<Duration>, AppError> {
        let period = micros(rate.period);
        let window = period.saturating_mul(i64::from(rate.burst.max(1)));
        // The select reads the table as it was before the insert (a statement sees one
        // snapshot), which is the row a refused request left unchanged.
        let (allowed, wait): (bool, Option<f64>) = sqlx::query_as(
            "with step as (
                 insert into rate_limits as r (key, tat)
                 values ($1, statement_timestamp() + $2 * interval '1 microsecond')
                 on conflict (key) do update
                     set tat = greatest(r.tat, statement_timestamp()) + $2 * interval '1 microsecond'
                     where greatest(r.tat, statement_timestamp()) + $2 * interval '1 microsecond'
                           <= statement_timestamp() + $3 * interval '1 microsecond'
                 returning 1
             )
             select exists(select 1 from step),
                    (select extract(epoch from greatest(r.tat, statement_timestamp())
                                + ($2 - $3) * interval '1 microsecond'
                                - statement_timestamp())::float8
                       from rate_limits r where r.key = $1)",
        )
        .bind(key)
        .bind(period)
        .bind(window)
        .fetch_one(&self.pool)
        .await?;
        if allowed {
            return Ok(None);
        }
        let wait = wait.unwrap_or(0.0).max(0.0);
        Ok(Some(Duration::from_secs_f64(wait.min(86_400.0))))
    }

    /// Forgets keys whose bucket is full again: they would allow the next request anyway.
    pub async fn forget_full_rates(&self) -> Result<u64, AppError> {
        let done = sqlx::query("delete from rate_limits where tat < statement_timestamp()")
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    /// How many keys are held (for the metrics and the tests).
    pub async fn rate_keys(&self) -> Result<i64, AppError> {
        Ok(sqlx::query_scalar("select count(*) from rate_limits")
            .fetch_one(&self.pool)
            .await?)
    }
}
