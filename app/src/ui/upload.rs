//! A form with a file, sent by the page to one of the plain multipart endpoints that answer our
//! JSON (the findings import, the registry import): a multipart server function would put its
//! parser into every phone's wasm for a desktop tool.

use leptos::prelude::*;
use serde::de::DeserializeOwned;

use crate::error::AppError;

/// What an upload form needs: the action that sends it (its value is the endpoint's answer) and
/// the submit handler that hands it the form's data. The browser's form data lives on the
/// page's thread, so in the browser the action is a local one; on the server (where it never
/// runs) a thread-local action dropped on another thread at the end of the render would panic.
pub fn upload_form<T>(
    url: &'static str,
) -> (
    Action<SendFormData, Result<T, AppError>>,
    impl Fn(leptos::ev::SubmitEvent) + Copy + 'static,
)
where
    T: DeserializeOwned + Clone + Send + Sync + 'static,
{
    #[cfg(feature = "hydrate")]
    {
        let action =
            Action::new_local(move |data: &SendFormData| send_form::<T>(url, data.clone()));
        let on_submit = move |ev: leptos::ev::SubmitEvent| {
            use wasm_bindgen::JsCast;
            ev.prevent_default();
            let Some(form) = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlFormElement>().ok())
            else {
                return;
            };
            if let Ok(fd) = web_sys::FormData::new_with_form(&form) {
                action.dispatch_local(SendFormData(fd));
            }
        };
        (action, on_submit)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let action = Action::new(move |data: &SendFormData| send_form::<T>(url, data.clone()));
        (action, |_: leptos::ev::SubmitEvent| {})
    }
}

/// The browser's form data, handed to an upload action. On the server the action never runs
/// (the form is only submitted in the browser), so this holds nothing there.
#[derive(Clone)]
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
pub struct SendFormData(
    #[cfg(feature = "hydrate")] pub web_sys::FormData,
    #[cfg(not(feature = "hydrate"))] (),
);

/// Posts the form to `url`: the endpoint's answer on 200, its error otherwise.
#[cfg(feature = "hydrate")]
pub async fn send_form<T: DeserializeOwned>(url: &str, data: SendFormData) -> Result<T, AppError> {
    let offline = || {
        AppError::new(
            crate::error::ErrorCode::Internal,
            "no answer from the server",
        )
    };
    let answer = crate::outbox::net::send("POST", url, &data.0.into(), "")
        .await
        .map_err(|_| offline())?;
    let json = answer.json.ok_or_else(offline)?;
    if answer.status == 200 {
        serde_json::from_value(json).map_err(|_| offline())
    } else {
        Err(serde_json::from_value(json).unwrap_or_else(|_| offline()))
    }
}

#[cfg(not(feature = "hydrate"))]
pub async fn send_form<T: DeserializeOwned>(_: &str, _: SendFormData) -> Result<T, AppError> {
    Err(AppError::internal())
}
