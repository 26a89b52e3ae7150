use leptos::prelude::*;

use super::{CurrentUser, SessionInfo};
use crate::error::AppError;

#[cfg(feature = "ssr")]
impl From<&crate::store::users::UserRecord> for CurrentUser {
    fn from(u: &crate::store::users::UserRecord) -> Self {
        CurrentUser {
            id: u.id,
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            role: u.role,
            unit_id: u.unit_id,
            deputy_id: u.deputy_id,
        }
    }
}

/// Open to everyone: who is signed in (if anyone) and whether this is demo data.
#[server(endpoint = "session/info")]
pub async fn get_session() -> Result<SessionInfo, AppError> {
    crate::ssr::run(async {
        let db = crate::ssr::db()?;
        let user = super::ssr::current_user().await?;
        let unread = match &user {
            Some(u) => db.unread_notifications(u.id).await?,
            None => 0,
        };
        Ok(SessionInfo {
            user: user.as_ref().map(CurrentUser::from),
            demo: db.is_demo().await?,
            unread,
        })
    })
    .await
}

#[server(endpoint = "session/login")]
pub async fn login(
    username: String,
    password: String,
    next: Option<String>,
) -> Result<CurrentUser, AppError> {
    use super::ssr::AuthSession;
    crate::ssr::run(async move {
        let mut session = leptos_axum::extract::<AuthSession>()
            .await
            .map_err(|_| AppError::internal())?;
        let gate = crate::ssr::sign_in_gate()?;
        let client = crate::ssr::client_addr().await;
        let user = super::ssr::sign_in(&mut session, &gate, client, &username, password).await?;
        if crate::ssr::is_plain_form_post().await {
            leptos_axum::redirect(&super::safe_next(next.as_deref()));
        }
        Ok(CurrentUser::from(&user))
    })
    .await
}

/// First sign-in of an account made for a roster: the username and one-time code from the
/// sheet, and the person's own password, which replaces the code (spent). Signs in on success.
/// Wrong codes are counted with wrong passwords by the sign-in gate.
#[server(endpoint = "session/activate")]
pub async fn activate(
    username: String,
    code: String,
    password: String,
    next: Option<String>,
) -> Result<CurrentUser, AppError> {
    use super::ssr::AuthSession;
    use crate::domain::account::ActivationCode;
    use crate::domain::Password;
    crate::ssr::run(async move {
        let mut session = leptos_axum::extract::<AuthSession>()
            .await
            .map_err(|_| AppError::internal())?;
        let state = use_context::<crate::ssr::AppState>().ok_or_else(AppError::internal)?;
        let gate = crate::ssr::sign_in_gate()?;
        let client = crate::ssr::client_addr().await;
        let username = username.trim().to_ascii_lowercase();
        let password =
            Password::parse(&password).map_err(|e| AppError::invalid("password", e.to_string()))?;
        let wrong = || {
            let mut e = AppError::new(
                crate::error::ErrorCode::BadCredentials,
                "wrong username or activation code, or the code has expired: ask the Congress office for a new one",
            );
            e.details = Some(serde_json::json!({ "field": "activation_code" }));
            e
        };
        // A name no account can have is refused before it becomes a key in the gate's records.
        if crate::domain::Username::parse(&username).is_err() {
            return Err(wrong());
        }
        gate.admit_activation(client, &username).await?;
        let code = ActivationCode::parse(&code).ok_or_else(wrong)?;
        let hash = state.public.secret.keyed_hash(
            crate::store::users::ACTIVATION_PURPOSE,
            code.as_str().as_bytes(),
        );
        // Checked before the slow hash, so a guesser costs a lookup, not an Argon2 run.
        if !state.db.activation_matches(&username, &hash).await? {
            tracing::warn!(user = %username, "activation failed");
            return Err(wrong());
        }
        let typed = password.expose().to_owned();
        let password_hash = super::ssr::hash_in_turn(password).await?;
        if !state.db.activate(&username, &hash, &password_hash).await? {
            return Err(wrong());
        }
        gate.activation_succeeded(client, &username).await;
        tracing::info!(user = %username, "account activated");
        let user = super::ssr::sign_in(&mut session, &gate, client, &username, typed).await?;
        if crate::ssr::is_plain_form_post().await {
            leptos_axum::redirect(&super::safe_next(next.as_deref()));
        }
        Ok(CurrentUser::from(&user))
    })
    .await
}

#[server(endpoint = "session/logout")]
pub async fn logout() -> Result<(), AppError> {
    use super::ssr::AuthSession;
    crate::ssr::run(async move {
        let mut session = leptos_axum::extract::<AuthSession>()
            .await
            .map_err(|_| AppError::internal())?;
        session.logout().await.map_err(|e| {
            tracing::error!(error = %e, "could not end the session");
            AppError::internal()
        })?;
        if crate::ssr::is_plain_form_post().await {
            leptos_axum::redirect("/login");
        }
        Ok(())
    })
    .await
}
