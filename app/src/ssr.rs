//! Server-side plumbing shared by every server function: the state, and how an error becomes
//! an HTTP status.

use std::future::Future;

use axum::extract::FromRef;
use leptos::prelude::*;

use crate::error::AppError;
use crate::store::{media::MediaStore, Db};

#[derive(Clone, Debug)]
pub struct AppState {
    pub db: Db,
    pub media: MediaStore,
    pub leptos_options: LeptosOptions,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(s: &AppState) -> Self {
        s.leptos_options.clone()
    }
}

pub fn db() -> Result<Db, AppError> {
    use_context::<AppState>().map(|s| s.db).ok_or_else(|| {
        tracing::error!("AppState missing from context: use leptos_routes_with_context");
        AppError::internal()
    })
}

/// Runs a server function body and turns its error into the matching HTTP status, so that API
/// clients and tests see 401/403/404/422 rather than a blanket 500.
pub async fn run<T>(body: impl Future<Output = Result<T, AppError>>) -> Result<T, AppError> {
    let result = body.await;
    if let Err(e) = &result {
        if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
            let status = axum::http::StatusCode::from_u16(e.error.http_status())
                .unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR);
            res.set_status(status);
        }
    }
    result
}

/// True when the request came from a plain HTML form (no JavaScript), which expects a redirect
/// rather than a JSON answer.
pub async fn is_plain_form_post() -> bool {
    leptos_axum::extract::<axum::http::HeaderMap>()
        .await
        .ok()
        .and_then(|h| {
            h.get(axum::http::header::ACCEPT)?
                .to_str()
                .ok()
                .map(str::to_owned)
        })
        .is_some_and(|a| a.contains("text/html"))
}
