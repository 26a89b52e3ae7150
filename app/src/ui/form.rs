//! Forms on server-rendered pages: a plain HTML form posted to its server function, which
//! answers with a redirect back to the page (Post/Redirect/Get, `ssr::run`). What became of
//! the post travels in the page's query, each parameter named `form_…`:
//!
//! - `form_fn` — the server function (`admin/create-account`), and `form_key` — which of the
//!   page's forms for it (a row's, a card's), so the word appears beside the form it is about;
//! - `form_error`, `form_field` — a refusal, as the error's code and field;
//! - `form_done` — it went through; a function may add what the page needs to say so
//!   (`form_created=<id>`, `form_refused=<problems>`), see `ssr::form_says`.
//!
//! Nothing of it needs the browser to run code, so these pages ship no wasm.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::{ErrorNotice, IntoAnySync};
use crate::error::{AppError, ErrorCode};

/// What became of the last post of one form, read from the page's query.
#[derive(Clone, Debug, PartialEq)]
pub enum FormResult {
    Done,
    Failed(AppError),
}

/// The server function's name as the query carries it: its path without `/api/`.
pub fn fn_name(path: &str) -> &str {
    path.trim_start_matches('/')
        .strip_prefix("api/")
        .unwrap_or(path)
}

/// The outcome of the post of `path`'s form `key` (any of its forms when `None`), if the page
/// is the answer to one.
pub fn result_of(path: &str, key: Option<&str>) -> Option<FormResult> {
    let query = use_query_map();
    query.with_untracked(|q| {
        if q.get_str("form_fn") != Some(fn_name(path)) || q.get_str("form_key") != key {
            return None;
        }
        if let Some(code) = q.get_str("form_error") {
            let code = ErrorCode::from_wire(code)?;
            let mut e = AppError::new(code, "");
            if let Some(f) = q.get("form_field") {
                e.details = Some(serde_json::json!({ "field": f }));
            }
            return Some(FormResult::Failed(e));
        }
        (q.get_str("form_done").is_some()).then_some(FormResult::Done)
    })
}

/// A value the server function put in its answer (`ssr::form_says`), for form `path`/`key`.
pub fn said(path: &str, key: Option<&str>, name: &str) -> Option<String> {
    result_of(path, key)?;
    use_query_map().with_untracked(|q| q.get(&format!("form_{name}")))
}

/// A value the server function put in its answer, whichever of its forms was posted (the form
/// may be gone from the page now: an item made of a card leaves the queue).
pub fn said_by_any(path: &str, name: &str) -> Option<String> {
    use_query_map().with_untracked(|q| {
        (q.get_str("form_fn") == Some(fn_name(path)) && q.get_str("form_done").is_some())
            .then(|| q.get(&format!("form_{name}")))
            .flatten()
    })
}

/// Whether a post of one of `path`'s forms went through (a word above a list of such forms).
pub fn done_by_any(path: &str) -> bool {
    use_query_map().with_untracked(|q| {
        q.get_str("form_fn") == Some(fn_name(path)) && q.get_str("form_done").is_some()
    })
}

/// A form posted to a server function (`action`: its `ServerFn::url()`), with the word on its
/// last post at its top: the error, or `done` once it went through. `key` tells apart several
/// forms for one function on a page.
#[component]
pub fn PlainForm(
    action: &'static str,
    #[prop(optional, into)] key: Option<String>,
    #[prop(optional, into)] id: Option<String>,
    #[prop(optional, into)] class: Option<String>,
    /// Said when the post went through; nothing when `None` (the page shows the change).
    #[prop(optional)]
    done: Option<&'static str>,
    /// The `id` of that word.
    #[prop(optional)]
    done_id: Option<&'static str>,
    children: Children,
) -> impl IntoView {
    let note = match result_of(action, key.as_deref()) {
        Some(FormResult::Failed(e)) => Some(view! { <ErrorNotice error=e /> }.into_any_sync()),
        Some(FormResult::Done) => done.map(|text| {
            view! { <p class="notice ok" id=done_id role="status">{text}</p> }.into_any_sync()
        }),
        None => None,
    };
    let action = match &key {
        // The server function reads the body only; the query names the form for the answer.
        Some(k) => format!("{action}?form={}", super::urlencode(k)),
        None => action.to_owned(),
    };
    view! {
        <form method="post" action=action id=id class=class>
            {note}
            {children()}
        </form>
    }
}

/// An error of a plain post that named no form of this page (an endpoint outside the
/// server functions, say): said at the top of the page.
#[component]
pub fn UnclaimedFormError() -> impl IntoView {
    let query = use_query_map();
    query.with_untracked(|q| {
        if q.get_str("form_fn").is_some() {
            return None;
        }
        let code = ErrorCode::from_wire(q.get_str("form_error")?)?;
        let mut e = AppError::new(code, "");
        if let Some(f) = q.get("form_field") {
            e.details = Some(serde_json::json!({ "field": f }));
        }
        Some(view! { <ErrorNotice error=e /> })
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_functions_name_is_its_path_after_api() {
        assert_eq!(
            super::fn_name("/api/admin/create-account"),
            "admin/create-account"
        );
        assert_eq!(super::fn_name("api/items/act"), "items/act");
    }
}
