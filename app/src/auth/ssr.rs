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

use crate::domain::throttle::Backoff;
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

/// The sign-in gate, shared by the page's server function and the JSON API: failed attempts
/// counted per account from one client address, per account from everywhere, and per client
/// address ([`Backoff`]), in the database, so that every server counts a guesser together.
#[derive(Debug)]
pub struct SignInGate {
    db: Db,
    secret: crate::public::secret::Secret,
    /// Keys this server refused, until when: a guesser who goes on trying is answered without a
    /// statement. Sound with several servers, since no other server can end a wait early (the
    /// wait holds for the right password too). At most [`REMEMBERED`] keys.
    refused: Mutex<HashMap<String, Instant>>,
}

const REMEMBERED: usize = 65_536;

/// The keys of one try, in the order their rows are locked; the names hashed with the server's
/// secret, since a name typed by mistake may be someone's password, which a plain hash of a
/// short text would give back to whoever reads the table.
struct TryKeys {
    /// An account tried from one address: where one guesser is slowed down without locking the
    /// account's owner out from elsewhere.
    pair: String,
    /// An account tried from anywhere: a guesser with many addresses, slowed later.
    account: String,
    client: Option<String>,
}

impl TryKeys {
    fn new(secret: &crate::public::secret::Secret, username: &str, client: Option<IpAddr>) -> Self {
        let hashed = |kind: &str, text: &str| {
            let digest =
                secret.keyed_hash(SIGN_IN_PURPOSE, format!("{kind}\u{0}{text}").as_bytes());
            let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
            format!("{kind}:{hex}")
        };
        let address = client.map_or_else(|| "-".to_owned(), |c| c.to_string());
        TryKeys {
            pair: hashed("pair", &format!("{username}\u{0}{address}")),
            account: hashed("account", username),
            client: client.map(|c| format!("client:{c}")),
        }
    }

    fn all(&self) -> impl Iterator<Item = &String> {
        [&self.pair, &self.account]
            .into_iter()
            .chain(self.client.as_ref())
    }

    fn rules(&self) -> Vec<(String, Backoff)> {
        let mut rules = vec![
            (self.pair.clone(), Backoff::ACCOUNT),
            (self.account.clone(), Backoff::ACCOUNT_WIDE),
        ];
        if let Some(c) = &self.client {
            rules.push((c.clone(), Backoff::CLIENT));
        }
        rules
    }
}

/// Keys the sign-in gate's hashes apart from the secret's other uses.
const SIGN_IN_PURPOSE: &str = "sign-in-failures";

impl SignInGate {
    pub fn new(db: Db, secret: crate::public::secret::Secret) -> Self {
        SignInGate {
            db,
            secret,
            refused: Mutex::default(),
        }
    }

    /// The longest wait this server still remembers for any of the try's keys.
    fn remembered_wait(&self, keys: &TryKeys) -> Option<Duration> {
        let now = Instant::now();
        let refused = self.refused.lock().ok()?;
        keys.all()
            .filter_map(|k| refused.get(k))
            .filter_map(|until| until.checked_duration_since(now))
            .filter(|d| !d.is_zero())
            .max()
    }

    fn remember(&self, key: &str, wait: Duration) {
        let Ok(mut refused) = self.refused.lock() else {
            return;
        };
        let now = Instant::now();
        if refused.len() >= REMEMBERED {
            refused.retain(|_, until| *until > now);
        }
        // Full of live refusals: this one is still counted in the database, only not spared.
        if refused.len() < REMEMBERED {
            refused.insert(key.to_owned(), now + wait);
        }
    }

    /// Counts a try as a failure (until it is found right), or says how long to wait.
    async fn admit(&self, keys: &TryKeys) -> Result<Result<u32, Duration>, AppError> {
        if let Some(wait) = self.remembered_wait(keys) {
            return Ok(Err(wait));
        }
        let rules = keys.rules();
        Ok(match self.db.count_sign_in_try(&rules).await? {
            Ok(n) => Ok(n),
            Err((i, wait)) => {
                if let Some((key, _)) = rules.get(i) {
                    self.remember(key, wait);
                }
                Err(wait)
            }
        })
    }

    /// The try was right: its account's failures go, and the address keeps all but this one.
    /// A failure to say so is logged, not refused: the person did sign in, and their try stays
    /// counted until it is forgotten.
    async fn was_right(&self, keys: &TryKeys) {
        let mut rows = vec![(keys.pair.clone(), true), (keys.account.clone(), true)];
        rows.extend(keys.client.iter().map(|c| (c.clone(), false)));
        if let Err(e) = self.db.sign_in_was_right(&rows).await {
            tracing::warn!(error = %e.message, "a right sign-in's try not taken back");
        }
    }

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
        let keys = TryKeys::new(&self.secret, &username, client);
        let n = match self.admit(&keys).await? {
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
                self.was_right(&keys).await;
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

    /// Counts a try of an activation code for `username` as sign-in counts a password (the same
    /// records, so codes and passwords cannot be guessed in turn for twice the tries), or says
    /// how long to wait.
    pub async fn admit_activation(
        &self,
        client: Option<IpAddr>,
        username: &str,
    ) -> Result<(), AppError> {
        match self
            .admit(&TryKeys::new(&self.secret, username, client))
            .await?
        {
            Ok(_) => Ok(()),
            Err(wait) => {
                tracing::warn!(user = %username, wait_s = wait.as_secs(), "activation refused: too many failures");
                Err(too_many(wait))
            }
        }
    }

    /// The code was right: its try is not held against the account or the address.
    pub async fn activation_succeeded(&self, client: Option<IpAddr>, username: &str) {
        self.was_right(&TryKeys::new(&self.secret, username, client))
            .await
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
