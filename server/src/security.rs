//! Request guards that sit in front of every route.

use axum::{
    extract::Request,
    http::{header, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
    Json,
};

use app::error::{AppError, ErrorCode};

/// Refuses state-changing requests that a browser marks as coming from another site.
///
/// Browsers send `Sec-Fetch-Site` on every request; older ones send `Origin` on POSTs. A request
/// with neither comes from a script or a tool, which cannot ride on a victim's cookies, so it
/// passes (its session, if any, is its own).
pub async fn same_origin_only(req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let headers = req.headers();
    let site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    let allowed = match site {
        Some(s) => s == "same-origin" || s == "none",
        None => match headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
            None => true,
            Some(origin) => {
                let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
                let origin_host = origin.split_once("://").map(|(_, h)| h);
                host.is_some() && origin_host == host
            }
        },
    };
    if allowed {
        next.run(req).await
    } else {
        (
            StatusCode::FORBIDDEN,
            Json(AppError::new(
                ErrorCode::Forbidden,
                "cross-site request refused: submit the form from this site",
            )),
        )
            .into_response()
    }
}
