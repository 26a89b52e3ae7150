//! The Jiandu server: configuration, database, and the HTTP application around the Leptos app.

pub mod answer;
pub mod api;
pub mod assets;
pub mod backup;
pub mod config;
pub mod demo;
pub mod demo_year;
pub mod devices;
mod evidence;
pub mod export;
pub mod fuzzing;
pub mod hotline;
pub mod import;
pub mod inspection_report;
pub mod kml;
pub mod limits;
pub mod media;
pub mod metrics;
pub mod mqtt;
pub mod observe;
pub mod precompress;
pub mod progress;
pub mod public;
pub mod questionnaire;
pub mod receipt;
pub mod registry;
pub mod routing;
pub mod security;
pub mod simulate;
pub mod web;

use app::domain::{DisplayName, Password, Role, Username};
use app::error::AppError;
use app::store::{users::NewUser, Db};
use sqlx::postgres::{PgPool, PgPoolOptions};

pub use app::ssr::cookies;

/// The language the reader chose with the switch (its cookie), Chinese when none was chosen.
pub fn reader_lang(headers: &axum::http::HeaderMap) -> &str {
    cookies(headers, app::LANG_COOKIE)
        .find(|l| *l == "en" || *l == "zh-CN")
        .unwrap_or("zh-CN")
}

/// A browser's form post goes back to the page (with the error in the query when refused);
/// any other client gets JSON and the status.
pub(crate) fn refuse(
    headers: &axum::http::HeaderMap,
    status: axum::http::StatusCode,
    e: AppError,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let wants_html = headers
        .get(axum::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    match headers
        .get(axum::http::header::REFERER)
        .and_then(|v| v.to_str().ok())
    {
        Some(referer) if wants_html => {
            axum::response::Redirect::to(&app::ssr::with_error_query(referer, &e)).into_response()
        }
        _ => (status, axum::Json(e)).into_response(),
    }
}

pub(crate) fn status_of(e: &AppError) -> axum::http::StatusCode {
    axum::http::StatusCode::from_u16(e.error.http_status())
        .unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR)
}

/// What a broken multipart body means to the sender: over the size limit, or malformed.
pub(crate) fn multipart_error(
    e: &axum::extract::multipart::MultipartError,
    field: &str,
    too_large: &str,
) -> AppError {
    if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        AppError::new(app::error::ErrorCode::TooLarge, too_large)
    } else {
        AppError::invalid(field, format!("the upload is malformed: {}", e.body_text()))
    }
}

/// A multipart form with one file (the field `file`) and short text fields, as the import
/// pages send it; read whole, within the route's body limit.
pub(crate) struct UploadForm {
    pub fields: std::collections::HashMap<String, String>,
    /// The file's name as sent, and its bytes; `None` when no file or an empty one came.
    pub file: Option<(String, bytes::Bytes)>,
}

pub(crate) async fn read_upload(
    mp: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
    too_large: &str,
) -> Result<UploadForm, AppError> {
    let mut mp = mp.map_err(|e| {
        AppError::invalid(
            "file",
            format!("send the form as multipart/form-data: {}", e.body_text()),
        )
    })?;
    let mut form = UploadForm {
        fields: std::collections::HashMap::new(),
        file: None,
    };
    while let Some(field) = mp
        .next_field()
        .await
        .map_err(|e| multipart_error(&e, "file", too_large))?
    {
        let name = field.name().unwrap_or_default().to_owned();
        let file_name = field.file_name().unwrap_or_default().to_owned();
        let bytes = field
            .bytes()
            .await
            .map_err(|e| multipart_error(&e, "file", too_large))?;
        if name == "file" {
            form.file = Some((file_name, bytes)).filter(|(_, b)| !b.is_empty());
        } else {
            let text = std::str::from_utf8(&bytes)
                .map_err(|_| AppError::invalid(&name, "this field is not valid UTF-8 text"))?;
            form.fields.insert(name, text.trim().to_owned());
        }
    }
    Ok(form)
}

/// An import's post, answered: the file read from the multipart form and handed to `run`; then
/// JSON for a client, or for a page's plain form the page (`page`) again with what became of the
/// file and the choices it was sent with (`app::ui::upload::Uploaded`). `refused` tells an
/// outcome that stored nothing (422 to the page; a client reads it from the JSON).
pub(crate) async fn upload_answered<T, Fut>(
    state: app::ssr::AppState,
    parts: axum::http::request::Parts,
    mp: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
    too_large: &str,
    page: &str,
    run: impl FnOnce(UploadForm) -> Fut,
    refused: impl Fn(&T) -> bool,
) -> axum::response::Response
where
    T: serde::Serialize + Clone + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<T, AppError>>,
{
    use axum::{http::StatusCode, response::IntoResponse, Json};
    let (outcome, fields) = match read_upload(mp, too_large).await {
        Ok(form) => {
            let fields = form.fields.clone();
            (run(form).await, fields)
        }
        Err(e) => (Err(e), Default::default()),
    };
    let status = match &outcome {
        Ok(o) if refused(o) => StatusCode::UNPROCESSABLE_ENTITY,
        Ok(_) => StatusCode::OK,
        Err(e) => {
            StatusCode::from_u16(e.error.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
        }
    };
    if !wants_page(&parts.headers) {
        return match outcome {
            Ok(o) => Json(o).into_response(),
            Err(e) => (status, Json(e)).into_response(),
        };
    }
    let answer = app::ui::upload::Uploaded { outcome, fields };
    page_with(state, parts, page, answer, status).await
}

/// True when the request is a plain HTML form's (no JavaScript): it is answered with a page.
pub(crate) fn wants_page(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(axum::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"))
}

/// The app's page at `path`, rendered for the request `parts` came with (its session, its
/// language) with `answer` in context: how an endpoint answers a plain form's post with the page
/// it came from and what became of the post.
pub(crate) async fn page_with<C: Clone + Send + Sync + 'static>(
    state: app::ssr::AppState,
    mut parts: axum::http::request::Parts,
    path: &str,
    answer: C,
    status: axum::http::StatusCode,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    use leptos::prelude::provide_context;
    parts.method = axum::http::Method::GET;
    parts.uri = match path.parse() {
        Ok(u) => u,
        Err(_) => {
            return (
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                "internal error",
            )
                .into_response()
        }
    };
    parts.headers.remove(axum::http::header::CONTENT_TYPE);
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    let options = state.leptos_options.clone();
    let handler = leptos_axum::render_app_async_with_context(
        move || {
            provide_context(state.clone());
            provide_context(answer.clone());
        },
        move || app::shell(options.clone()),
    );
    let mut res = handler(axum::http::Request::from_parts(
        parts,
        axum::body::Body::empty(),
    ))
    .await;
    *res.status_mut() = status;
    res
}

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

pub async fn connect(database_url: &str) -> Result<PgPool, sqlx::Error> {
    PgPoolOptions::new()
        .max_connections(16)
        .acquire_timeout(std::time::Duration::from_secs(5))
        .connect(database_url)
        .await
}

/// The replica's pool, connected when first used: a replica down at start (or later) sends the
/// reads to the primary instead of stopping the server.
pub fn connect_replica(database_url: &str) -> Result<PgPool, sqlx::Error> {
    PgPoolOptions::new()
        .max_connections(16)
        .acquire_timeout(std::time::Duration::from_secs(2))
        .connect_lazy(database_url)
}

/// Clears personal data left by the public once its retention period is over; logs what it did.
/// `None`: another server was doing it at that moment.
pub async fn purge(db: &Db, retention: config::Retention) -> Result<Option<(u64, u64)>, AppError> {
    let done = db
        .purge_public_personal_data(retention.phone_days, retention.client_days)
        .await?;
    match done {
        Some((phones, clients)) => tracing::info!(
            phones,
            clients,
            phone_days = retention.phone_days,
            client_days = retention.client_days,
            "personal data past its retention cleared"
        ),
        None => tracing::info!("another server is clearing personal data past its retention"),
    }
    Ok(done)
}

/// Why an administrator account was not created, said to the operator at the terminal.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("{0}")]
    Refused(String),
    #[error("the database refused: {0}")]
    Store(String),
}

/// Creates an administrator, the first account of an empty installation (`jiandu admin create`).
/// The password must be 10–128 characters and not easily guessed (zxcvbn score 3 of 4 or more:
/// more than 10¹⁰ guesses), judged with the username and display name as known words.
pub async fn create_admin(
    db: &Db,
    username: &str,
    display_name: &str,
    password: &str,
) -> Result<uuid::Uuid, AdminError> {
    let username = Username::parse(username).map_err(|e| AdminError::Refused(e.to_string()))?;
    let display_name =
        DisplayName::parse(display_name).map_err(|e| AdminError::Refused(e.to_string()))?;
    let password = Password::parse(password).map_err(|e| AdminError::Refused(e.to_string()))?;
    let strength = zxcvbn::zxcvbn(
        password.expose(),
        &[username.as_str(), display_name.as_str(), "jiandu", "监督"],
    );
    if strength.score() < zxcvbn::Score::Three {
        let hint = strength
            .feedback()
            .and_then(|f| f.warning().map(|w| format!(" ({w})")))
            .unwrap_or_default();
        return Err(AdminError::Refused(format!(
            "this password is too easy to guess{hint}: use four or more unrelated words, or a password manager's"
        )));
    }
    if db
        .user_by_username(username.as_str())
        .await
        .map_err(|e| AdminError::Store(e.message))?
        .is_some()
    {
        return Err(AdminError::Refused(format!(
            "an account named {} exists already: choose another name, or reset its password on the accounts page",
            username.as_str()
        )));
    }
    let password_hash =
        tokio::task::spawn_blocking(move || app::auth::ssr::hash_password(&password))
            .await
            .map_err(|e| AdminError::Store(e.to_string()))?
            .map_err(|e| AdminError::Store(e.message))?;
    let new = NewUser {
        username,
        display_name,
        password_hash,
        role: Role::Admin,
        unit_id: None,
        deputy_id: None,
    };
    // Created only if the name is still free: two operators at once get one account.
    let id = db
        .insert_user(&new, true)
        .await
        .map_err(|e| AdminError::Store(e.message))?
        .ok_or_else(|| {
            AdminError::Refused(format!(
                "an account named {} exists already: choose another name",
                new.username.as_str()
            ))
        })?;
    db.log_admin(
        None,
        app::accounts::AdminAction::CreateAccount,
        new.username.as_str(),
        Some(serde_json::json!({ "role": "admin" })),
    )
    .await
    .map_err(|e| AdminError::Store(e.message))?;
    Ok(id)
}

/// Applies the schema migrations and the session store's own table.
pub async fn migrate(pool: &PgPool) -> anyhow::Result<()> {
    MIGRATOR.run(pool).await?;
    tower_sessions_sqlx_store::PostgresStore::new(pool.clone())
        .migrate()
        .await?;
    Ok(())
}

/// Loads the demo data set and its four demo accounts. Safe to run again: nothing changes.
pub async fn load_demo(db: &Db) -> Result<(), AppError> {
    let data = demo::generate();
    db.load_seed(&data).await?;
    let unit = data
        .units
        .iter()
        .find(|u| u.code == "civil-affairs")
        .map(|u| u.id);
    let deputy = data.deputies.first().map(|d| (d.id, d.name_zh.clone()));
    let accounts = [
        (
            "demo-deputy",
            deputy.as_ref().map(|d| d.1.as_str()).unwrap_or("代表"),
            Role::Deputy,
        ),
        ("demo-staff", "人大工作人员（演示）", Role::Staff),
        ("demo-officer", "民政局联络员（演示）", Role::UnitOfficer),
        ("demo-admin", "系统管理员（演示）", Role::Admin),
    ];
    let password = Password::parse(demo::DEMO_PASSWORD).map_err(|_| AppError::internal())?;
    for (username, name, role) in accounts {
        if db.user_by_username(username).await?.is_some() {
            continue;
        }
        let pw = password.clone();
        let password_hash = tokio::task::spawn_blocking(move || app::auth::ssr::hash_password(&pw))
            .await
            .map_err(|_| AppError::internal())??;
        let new = NewUser {
            username: Username::parse(username).map_err(|_| AppError::internal())?,
            display_name: DisplayName::parse(name).map_err(|_| AppError::internal())?,
            password_hash,
            role,
            unit_id: unit.filter(|_| role.needs_unit()),
            deputy_id: deputy.as_ref().map(|d| d.0).filter(|_| role.needs_deputy()),
        };
        db.insert_user(&new, true).await?;
    }
    Ok(())
}
