use std::sync::LazyLock;

use argon2::{
    password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
    Algorithm, Argon2, Params, Version,
};
use axum_login::{AuthUser, AuthnBackend, UserId};
use uuid::Uuid;

use crate::domain::Password;
use crate::error::AppError;
use crate::store::{users::UserRecord, Db};

pub type AuthSession = axum_login::AuthSession<Backend>;

impl AuthUser for UserRecord {
    type Id = Uuid;

    fn id(&self) -> Uuid {
        self.id
    }

    // A password reset changes the hash, which ends every session of that account.
    fn session_auth_hash(&self) -> &[u8] {
        self.password_hash.as_bytes()
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
}

impl AuthnBackend for Backend {
    type User = UserRecord;
    type Credentials = Credentials;
    type Error = BackendError;

    async fn authenticate(&self, creds: Credentials) -> Result<Option<UserRecord>, BackendError> {
        let user = self.db.user_by_username(&creds.username).await?;
        let hash = user.as_ref().map(|u| u.password_hash.clone());
        // Argon2 takes tens of milliseconds of CPU: keep it off the async workers.
        let ok =
            tokio::task::spawn_blocking(move || verify_password(&creds.password, hash.as_deref()))
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
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    argon2()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok()
        && real
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
