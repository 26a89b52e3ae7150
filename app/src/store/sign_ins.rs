//! Failed sign-ins counted in PostgreSQL, so that several app servers on one database hold a
//! guesser to one count instead of each allowing the full number of tries.
//!
//! A key's row holds its failures and when the last was counted, by the database's clock; the
//! rule that turns them into a wait is [`Backoff`], unchanged. Keys are opaque here (the sign-in
//! gate hashes the typed names into them: a name typed by mistake may be a password).

use std::time::Duration;

use super::Db;
use crate::domain::throttle::Backoff;
use crate::error::AppError;

fn span(seconds: f64) -> Duration {
    Duration::from_secs_f64(seconds.clamp(0.0, 1e9))
}

impl Db {
    /// Counts one try as a failure on every key (the first key's count is returned), unless one
    /// of them must still wait: then nothing is counted, and the key and its wait are returned.
    /// One transaction with each key's row locked in the order given, so simultaneous tries on
    /// several servers are counted one after the other and a refused try leaves no row behind.
    /// Every caller must give its keys in one order (the gate's: pair, account, address), or two
    /// transactions could each hold a row the other waits for.
    pub async fn count_sign_in_try(
        &self,
        keys: &[(String, Backoff)],
    ) -> Result<Result<u32, (usize, Duration)>, AppError> {
        let mut tx = self.pool.begin().await?;
        // A row held longer than this is a database in trouble: the try fails rather than
        // holding a pooled connection while a crowd queues behind it.
        sqlx::query("set local lock_timeout = '2s'")
            .execute(&mut *tx)
            .await?;
        let mut first = None;
        for (i, (key, rule)) in keys.iter().enumerate() {
            // The row locked (and made when there is none) before it is read, so a second server
            // counting the same key waits for this transaction to end and reads its count.
            let (count, since): (i32, f64) = sqlx::query_as(
                "insert into sign_in_failures as f (key, failures, last_at)
                 values ($1, 0, statement_timestamp())
                 on conflict (key) do update set failures = f.failures
                 returning failures, extract(epoch from statement_timestamp() - last_at)::float8",
            )
            .bind(key)
            .fetch_one(&mut *tx)
            .await?;
            let count = u32::try_from(count).unwrap_or(0);
            let since = span(since);
            if let Some(wait) = rule.wait(count, since) {
                tx.rollback().await?;
                return Ok(Err((i, wait)));
            }
            let next = rule.failed(count, since);
            sqlx::query(
                "update sign_in_failures set failures = $2, last_at = statement_timestamp()
                 where key = $1",
            )
            .bind(key)
            .bind(i32::try_from(next).unwrap_or(i32::MAX))
            .execute(&mut *tx)
            .await?;
            first.get_or_insert(next);
        }
        tx.commit().await?;
        Ok(Ok(first.unwrap_or(0)))
    }

    /// The try was right: each key either loses its failures (`true`) or only the one this try
    /// counted (`false`). Row by row in the order given, the order the count locked them in.
    pub async fn sign_in_was_right(&self, keys: &[(String, bool)]) -> Result<(), AppError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("set local lock_timeout = '2s'")
            .execute(&mut *tx)
            .await?;
        for (key, forget) in keys {
            let statement = if *forget {
                "delete from sign_in_failures where key = $1"
            } else {
                "update sign_in_failures set failures = greatest(failures - 1, 0) where key = $1"
            };
            sqlx::query(statement).bind(key).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Forgets failures older than any rule remembers; several servers sweeping is harmless.
    /// Rows a sign-in holds are skipped, never waited for (a sweep that waited while holding
    /// others could deadlock with it); the next sweep takes them.
    pub async fn forget_old_sign_in_failures(&self) -> Result<u64, AppError> {
        let done = sqlx::query(
            "delete from sign_in_failures
             where key in (select key from sign_in_failures
                            where last_at < statement_timestamp() - $1 * interval '1 second'
                            for update skip locked)",
        )
        .bind(Backoff::LONGEST_MEMORY.as_secs_f64())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }
}
