use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

use argon2::{
    password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
    Algorithm, Argon2, Params, Version,
};
use axum_login::{AuthUser, AuthnBackend, UserId};
use uuid::Uuid;

use crate::domain::throttle::{Backoff, Failures};
use crate::domain::Password;
use crate::error::{AppError, ErrorCode};
use crate::store::{users::UserRecord, Db};

pub type AuthSession = axum_login::AuthSession<Backend>;

impl AuthUser for UserRecord {
    type Id = Uuid;

    fn id(&self) -> Uuid {
        self.id
    }

    // A password reset or a deactivation changes it, which ends every session of the account.
    fn session_auth_hash(&self) -> &[u8] {
        self.session_key.as_bytes()
    }
}

#[derive(Clone, Debug)]
pub struct Backend {
    db: Db,
}

impl Backend {
    pub fn new(db: Db) -> Self {
        Self { db }
    }
}

#[derive(Clone)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    #[error(transparent)]
    Store(#[from] AppError),
    #[error("password check did not finish")]
    Join(#[from] tokio::task::JoinError),
    #[error("too many password checks at once")]
    Busy,
}

/// Argon2 takes 19 MiB and tens of milliseconds per check: at most this many run at once, so a
/// flood of sign-ins queues instead of taking the server's memory.
pub const MAX_CONCURRENT_HASHES: usize = 4;
/// How long a sign-in waits for a turn at the hasher before it is told to try again.
const HASH_QUEUE_WAIT: Duration = Duration::from_secs(10);
static HASHES: LazyLock<std::sync::Arc<tokio::sync::Semaphore>> =
    LazyLock::new(|| std::sync::Arc::new(tokio::sync::Semaphore::new(MAX_CONCURRENT_HASHES)));

impl AuthnBackend for Backend {
    type User = UserRecord;
    type Credentials = Credentials;
    type Error = BackendError;

    async fn authenticate(&self, creds: Credentials) -> Result<Option<UserRecord>, BackendError> {
        let user = self.db.user_by_username(&creds.username).await?;
        let hash = user.as_ref().map(|u| u.password_hash.clone());
        let turn = tokio::time::timeout(HASH_QUEUE_WAIT, HASHES.clone().acquire_owned())
            .await
            .map_err(|_| BackendError::Busy)?
            .map_err(|_| BackendError::Busy)?;
        // Argon2 takes tens of milliseconds of CPU: keep it off the async workers. The turn goes
        // with the work, so a client that hangs up does not free it while the hash still runs.
        let ok = tokio::task::spawn_blocking(move || {
            let _turn = turn;
            verify_password(&creds.password, hash.as_deref())
        })
        .await?;
        Ok(user.filter(|u| ok && u.is_active))
    }

    async fn get_user(&self, id: &UserId<Self>) -> Result<Option<UserRecord>, BackendError> {
        Ok(self.db.user_by_id(*id).await?.filter(|u| u.is_active))
    }
}

/// Argon2id with the OWASP Password Storage Cheat Sheet parameters (19 MiB, 2 passes, 1 lane).
fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("static argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

pub fn hash_password(password: &Password) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .hash_password(password.expose().as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| {
            tracing::error!(error = %e, "password hashing failed");
            AppError::internal()
        })
}

/// Hashes a new password on the blocking pool, waiting its turn with sign-ins (the hasher's
/// queue is shared, so activations cannot starve sign-in or the other way round).
pub async fn hash_in_turn(password: Password) -> Result<String, AppError> {
    let turn = tokio::time::timeout(HASH_QUEUE_WAIT, HASHES.clone().acquire_owned())
        .await
        .ok()
        .and_then(Result::ok)
        .ok_or_else(|| {
            AppError::new(
                ErrorCode::Unavailable,
                "too many sign-ins at once: try again in a minute",
            )
        })?;
    tokio::task::spawn_blocking(move || {
        let _turn = turn;
        hash_password(&password)
    })
    .await
    .map_err(|_| AppError::internal())?
}

// Checked when the username does not exist, so that a wrong name takes as long as a wrong
// password and sign-in does not reveal which accounts exist.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    let pw = Password::parse("not-a-real-password").expect("valid length");
    hash_password(&pw).unwrap_or_default()
});

pub fn verify_password(password: &str, hash: Option<&str>) -> bool {
    let (hash, real) = match hash {
        Some(h) => (h, true),
        None => (DUMMY_HASH.as_str(), false),
    };
    // An account made for a roster has no password yet ("!activation"): it is checked against
    // the dummy so that it fails as slowly as a wrong password and does not show it waits.
    let (parsed, real) = match PasswordHash::new(hash) {
        Ok(p) => (p, real),
        Err(_) => match PasswordHash::new(DUMMY_HASH.as_str()) {
            Ok(p) => (p, false),
            Err(_) => return false,
        },
    };
    argon2()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok()
        && real
}

/// Records kept per kind of key; past this, records not holding anyone back are dropped first
/// (the per-client rule keeps one client from filling it with made-up usernames).
const MAX_KEYS: usize = 100_000;

/// The sign-in gate, shared by the page's server function and the JSON API: failed attempts
/// counted per account from one client address, per account from everywhere, and per client
/// address ([`Backoff`]).
#[derive(Debug, Default)]
pub struct SignInGate {
    /// An account tried from one address: where one guesser is slowed down without locking the
    /// account's owner out from elsewhere.
    pairs: Mutex<HashMap<(String, Option<IpAddr>), Failures>>,
    /// An account tried from anywhere: a guesser with many addresses, slowed later.
    accounts: Mutex<HashMap<String, Failures>>,
    clients: Mutex<HashMap<IpAddr, Failures>>,
}

/// Lets a try through and counts it as a failure (until it is found right), or says how long
/// to wait: in one step under the lock, so simultaneous tries are counted as they arrive.
fn admit<K: std::hash::Hash + Eq>(
    map: &Mutex<HashMap<K, Failures>>,
    key: K,
    rule: &Backoff,
    now: Instant,
) -> Result<u32, Duration> {
    let Ok(mut map) = map.lock() else {
        return Ok(0);
    };
    if let Some(wait) = map.get(&key).and_then(|f| rule.wait(f, now)) {
        return Err(wait);
    }
    if map.len() >= MAX_KEYS {
        // Keep whoever is being held back: a flood of new keys must not free a guesser.
        map.retain(|_, f| rule.wait(f, now).is_some());
        if map.len() >= MAX_KEYS {
            map.clear();
        }
    }
    let next = rule.failed(map.get(&key), now);
    map.insert(key, next);
    Ok(next.count)
}

/// Takes back one failure counted before the check (it was the right password).
fn take_back<K: std::hash::Hash + Eq>(map: &Mutex<HashMap<K, Failures>>, key: &K) {
    if let Ok(mut map) = map.lock() {
        if let Some(f) = map.get_mut(key) {
            f.count = f.count.saturating_sub(1);
        }
    }
}

fn forget<K: std::hash::Hash + Eq>(map: &Mutex<HashMap<K, Failures>>, key: &K) {
    if let Ok(mut map) = map.lock() {
        map.remove(key);
    }
}

impl SignInGate {
    /// Checks a username and password, or says how long to wait. `username` is already
    /// normalised. Each try is counted as a failure before the password is checked and taken
    /// back when it was right, so a burst of simultaneous guesses is counted as it arrives.
    /// Unknown accounts are counted and timed like real ones, so neither the wait nor the time
    /// taken tells which accounts exist.
    pub async fn authenticate(
        &self,
        session: &AuthSession,
        client: Option<IpAddr>,
        username: String,
        password: String,
    ) -> Result<UserRecord, AppError> {
        let now = Instant::now();
        let pair = (username.clone(), client);
        let admitted = admit(&self.pairs, pair.clone(), &Backoff::ACCOUNT, now).and_then(|n| {
            admit(
                &self.accounts,
                username.clone(),
                &Backoff::ACCOUNT_WIDE,
                now,
            )?;
            if let Some(c) = client {
                admit(&self.clients, c, &Backoff::CLIENT, now)?;
            }
            Ok(n)
        });
        let n = match admitted {
            Ok(n) => n,
            Err(wait) => {
                tracing::warn!(user = %username, wait_s = wait.as_secs(), "sign-in refused: too many failures");
                return Err(too_many(wait));
            }
        };
        let creds = Credentials {
            username: username.clone(),
            password,
        };
        let user = match session.authenticate(creds).await {
            Ok(user) => user,
            Err(axum_login::Error::Backend(BackendError::Busy)) => {
                tracing::warn!("sign-in refused: the password hasher is busy");
                return Err(AppError::new(
                    ErrorCode::Unavailable,
                    "too many sign-ins at once: try again in a minute",
                ));
            }
            Err(e) => {
                tracing::error!(error = %e, "sign-in backend failed");
                return Err(AppError::internal());
            }
        };
        match user {
            Some(user) => {
                forget(&self.pairs, &pair);
                forget(&self.accounts, &username);
                if let Some(c) = client {
                    take_back(&self.clients, &c);
                }
                Ok(user)
            }
            None => {
                // Never the password; the address is not logged either (see docs/security.md).
                tracing::warn!(user = %username, failures = n, "sign-in failed");
                Err(AppError::new(
                    ErrorCode::BadCredentials,
                    "wrong username or password",
                ))
            }
        }
    }
}

impl SignInGate {
    /// Counts a try of an activation code for `username` as sign-in counts a password (the same
    /// records, so codes and passwords cannot be guessed in turn for twice the tries), or says
    /// how long to wait.
    pub fn admit_activation(&self, client: Option<IpAddr>, username: &str) -> Result<(), AppError> {
        let now = Instant::now();
        admit(&self.pairs, (username.to_owned(), client), &Backoff::ACCOUNT, now)
            .and_then(|_| admit(&self.accounts, username.to_owned(), &Backoff::ACCOUNT_WIDE, now))
            .and_then(|_| match client {
                Some(c) => admit(&self.clients, c, &Backoff::CLIENT, now),
                None => Ok(0),
            })
            .map(|_| ())
            .map_err(|wait| {
                tracing::warn!(user = %username, wait_s = wait.as_secs(), "activation refused: too many failures");
                too_many(wait)
            })
    }

    /// The code was right: its try is not held against the account or the address.
    pub fn activation_succeeded(&self, client: Option<IpAddr>, username: &str) {
        forget(&self.pairs, &(username.to_owned(), client));
        forget(&self.accounts, &username.to_owned());
        if let Some(c) = client {
            take_back(&self.clients, &c);
        }
    }
}

fn too_many(wait: Duration) -> AppError {
    let secs = wait.as_secs().max(1);
    let mut e = AppError::new(
        ErrorCode::TooManyRequests,
        format!("too many failed sign-ins: wait {secs} seconds and try again"),
    );
    e.details = Some(serde_json::json!({ "retry_after": secs }));
    e
}

/// Signs a person in on this session: the gate, then a new session id (so an id planted or seen
/// before sign-in is worth nothing after it), then the session. Used by the sign-in page and by
/// `POST /api/v1/session`.
pub async fn sign_in(
    session: &mut AuthSession,
    gate: &SignInGate,
    client: Option<IpAddr>,
    username: &str,
    password: String,
) -> Result<UserRecord, AppError> {
    let username = username.trim().to_ascii_lowercase();
    let user = gate
        .authenticate(session, client, username, password)
        .await?;
    // axum-login cycles the id only when the session was not signed in already.
    session.session.cycle_id().await.map_err(|e| {
        tracing::error!(error = %e, "could not renew the session id");
        AppError::internal()
    })?;
    session.login(&user).await.map_err(|e| {
        tracing::error!(error = %e, "could not store the session");
        AppError::internal()
    })?;
    session
        .session
        .insert(SIGNED_IN_AT, chrono::Utc::now().timestamp())
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "could not store the session");
            AppError::internal()
        })?;
    tracing::info!(user = %user.username, role = %user.role, "signed in");
    Ok(user)
}

/// When the person signed in on this session (seconds since the epoch).
const SIGNED_IN_AT: &str = "signed_in_at";

/// Ends a sign-in that has outlived its role's lifetime ([`Role::session_lifetime`]); the
/// request then goes on as anyone's who is not signed in. Run on every request.
///
/// [`Role::session_lifetime`]: crate::domain::Role::session_lifetime
pub async fn end_outlived_sign_in(session: &mut AuthSession) {
    let Some(role) = session.user.as_ref().map(|u| u.role) else {
        return;
    };
    let at: Option<i64> = session.session.get(SIGNED_IN_AT).await.ok().flatten();
    if role.session_expired(at, chrono::Utc::now().timestamp()) {
        match session.logout().await {
            Ok(Some(u)) => tracing::info!(user = %u.username, "sign-in expired"),
            Ok(None) => {}
            Err(e) => {
                tracing::error!(error = %e, "could not end an expired sign-in");
                session.user = None;
            }
        }
    }
}

/// The signed-in account of the current request, if any.
pub async fn current_user() -> Result<Option<UserRecord>, AppError> {
    let session = leptos_axum::extract::<AuthSession>().await.map_err(|e| {
        tracing::error!(error = %e, "auth session missing: is the auth layer installed?");
        AppError::internal()
    })?;
    Ok(session.user)
}

/// The guard every server function starts with: 401 when nobody is signed in, 403 when the
/// signed-in role may not do this.
pub async fn require(allowed: impl Fn(&UserRecord) -> bool) -> Result<UserRecord, AppError> {
    match current_user().await? {
        None => Err(AppError::unauthenticated()),
        Some(u) if allowed(&u) => Ok(u),
        Some(_) => Err(AppError::forbidden()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_waiting_for_activation_has_no_password_that_verifies() {
        for typed in ["", "!activation", "jiandu-demo"] {
            assert!(!verify_password(typed, Some("!activation")));
        }
        let real = hash_password(&Password::parse("a long enough one").unwrap()).unwrap();
        assert!(verify_password("a long enough one", Some(&real)));
    }

    #[test]
    fn hashes_verify_and_differ_per_salt() {
        let pw = Password::parse("jiandu-demo").unwrap();
        let a = hash_password(&pw).unwrap();
        let b = hash_password(&pw).unwrap();
        assert_ne!(a, b);
        assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify_password("jiandu-demo", Some(&a)));
        assert!(!verify_password("jiandu-dem0", Some(&a)));
        assert!(!verify_password("not-a-real-password", None));
        assert!(!verify_password("x", Some("garbage")));
    }
}
