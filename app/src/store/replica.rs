//! A streaming replica for reads that may be a little behind (`DATABASE_REPLICA_URL`).
//!
//! How far behind is measured, not assumed: the primary's WAL position is sampled a few times a
//! second with the server's clock, and the replica is "caught up to" the newest sample its
//! replayed position has passed. A read goes to the replica only when that moment is at most the
//! bound old and no earlier than what the reader must see (their own last write, or the last
//! time the public pages were emptied); anything else reads the primary. A replica that cannot
//! be asked, or is not replaying at all (a primary given by mistake), is never read. The rule and
//! the samples are `domain::replica`, unit-tested; this module asks the two servers.

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use sqlx::PgPool;

use super::Db;

/// How often the two positions are compared: a write is found on the replica at most this much
/// later than it is there.
const SAMPLE_EVERY: Duration = Duration::from_millis(200);

/// A sample's two questions wait at most this long: a replica that hangs rather than refusing
/// is given up within a second, not after the bound.
const ASK_FOR: Duration = Duration::from_secs(1);

pub use crate::domain::replica::CLOCK_MARGIN_MS;
use crate::domain::replica::{may_read, Samples};

#[derive(Debug)]
pub struct Replica {
    pool: PgPool,
    max_lag_ms: i64,
    /// Milliseconds since 1970: everything the primary had written by then is on the replica.
    /// 0 while that is not known.
    caught_up_to: AtomicI64,
    following: AtomicBool,
}

/// Milliseconds since 1970 by this server's clock. The samples and the page cache's emptying use
/// it alone; a writer's mark may come from another server, hence [`CLOCK_MARGIN_MS`].
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl Db {
    /// The primary with a replica for reads that may lag by at most `max_lag`. Nothing is read
    /// from the replica until [`Db::follow_replica`] has found how far behind it is.
    pub fn with_replica(primary: PgPool, replica: PgPool, max_lag: Duration) -> Self {
        Self {
            pool: primary,
            replica: Some(Arc::new(Replica {
                pool: replica,
                max_lag_ms: i64::try_from(max_lag.as_millis()).unwrap_or(i64::MAX),
                caught_up_to: AtomicI64::new(0),
                following: AtomicBool::new(false),
            })),
        }
    }

    pub fn has_replica(&self) -> bool {
        self.replica.is_some()
    }

    /// The replica's bound, when there is one: how long a reader's own write keeps them on
    /// the primary at the most.
    pub fn replica_max_lag(&self) -> Option<Duration> {
        self.replica
            .as_ref()
            .map(|r| Duration::from_millis(r.max_lag_ms.unsigned_abs()))
    }

    /// How far behind the replica is now; `None` without one, `Duration::MAX` while it is not
    /// known (not asked yet, not answering, not a replica, or more than five minutes behind).
    pub fn replica_lag(&self) -> Option<Duration> {
        let r = self.replica.as_ref()?;
        let at = r.caught_up_to.load(Ordering::Acquire);
        if at == 0 {
            return Some(Duration::MAX);
        }
        Some(Duration::from_millis((now_ms() - at).max(0).unsigned_abs()))
    }

    /// Where a read that must see everything written up to `since` (milliseconds since 1970)
    /// goes: the replica when it has that and is within its bound, else the primary. The
    /// returned `Db` reads only; a write through it is refused by the replica.
    pub fn reading(&self, since: Option<i64>) -> Db {
        let Some(r) = &self.replica else {
            return self.clone();
        };
        let at = r.caught_up_to.load(Ordering::Acquire);
        if may_read(at, now_ms(), r.max_lag_ms, since) {
            Db {
                pool: r.pool.clone(),
                replica: None,
            }
        } else {
            self.clone()
        }
    }

    /// Samples both positions until the primary's pool is closed; one loop per server (a second
    /// call returns at once).
    pub async fn follow_replica(self) {
        let Some(r) = self.replica.clone() else {
            return;
        };
        if r.following.swap(true, Ordering::AcqRel) {
            return;
        }
        let mut samples = Samples::new(r.max_lag_ms);
        // Said once each time it starts going wrong, not five times a second.
        let mut primary_warned = false;
        let mut replica_warned = false;
        let mut tick = tokio::time::interval(SAMPLE_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        while !self.pool.is_closed() {
            tick.tick().await;
            // Taken before asking: the position read is at least the one at this moment.
            let t = now_ms();
            let written = tokio::time::timeout(
                ASK_FOR,
                sqlx::query_scalar::<_, i64>(
                    "select (pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint",
                )
                .fetch_one(&self.pool),
            )
            .await;
            match unanswered(written) {
                Ok(lsn) => {
                    primary_warned = false;
                    samples.push(t, lsn);
                }
                Err(error) => {
                    if !primary_warned {
                        tracing::warn!(%error, "the primary's WAL position not read; reads stay on the primary");
                        primary_warned = true;
                    }
                    r.caught_up_to.store(0, Ordering::Release);
                    continue;
                }
            }
            let replayed = tokio::time::timeout(
                ASK_FOR,
                sqlx::query_scalar::<_, Option<i64>>(
                    "select (pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::bigint",
                )
                .fetch_one(&r.pool),
            )
            .await;
            let caught_up_to = match unanswered(replayed) {
                Ok(Some(pos)) => {
                    replica_warned = false;
                    samples.caught_up_to(pos)
                }
                Ok(None) => {
                    if !replica_warned {
                        tracing::warn!("DATABASE_REPLICA_URL names a server that is not replaying a primary; reads stay on the primary");
                        replica_warned = true;
                    }
                    0
                }
                Err(error) => {
                    if !replica_warned {
                        tracing::warn!(%error, "the replica does not answer; reads stay on the primary");
                        replica_warned = true;
                    }
                    0
                }
            };
            r.caught_up_to.store(caught_up_to, Ordering::Release);
        }
    }
}

/// A sample's answer, or why there is none (an error, or no answer within [`ASK_FOR`]).
fn unanswered<T>(
    asked: Result<Result<T, sqlx::Error>, tokio::time::error::Elapsed>,
) -> Result<T, String> {
    match asked {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("no answer within a second".to_owned()),
    }
}
