//! One HTTP request from the browser, with a timeout, reporting whether the answer was ours.

use js_sys::Promise;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, Request, RequestCredentials, RequestInit, Response};

/// Photos on one bar of signal take a while; a request that has not finished by then is dead.
const TIMEOUT_MS: i32 = 90_000;

pub struct Answer {
    pub status: u16,
    /// The body when it was JSON (`application/json`), i.e. when it came from our API, as the
    /// browser parsed it: fields are read off it where needed, with no JSON code in the wasm.
    pub json: Option<JsValue>,
}

impl Answer {
    /// The value at `path` in the JSON body (`["details", "field"]`).
    fn at(&self, path: &[&str]) -> Option<JsValue> {
        let mut v = self.json.clone()?;
        for key in path {
            if !v.is_object() {
                return None;
            }
            v = js_sys::Reflect::get(&v, &JsValue::from_str(key)).ok()?;
        }
        Some(v)
    }

    /// The string at `path` in the JSON body, if that is a string.
    pub fn text(&self, path: &[&str]) -> Option<String> {
        self.at(path)?.as_string()
    }

    /// Whether there is a list at `path` in the JSON body.
    pub fn has_list(&self, path: &[&str]) -> bool {
        self.at(path).is_some_and(|v| js_sys::Array::is_array(&v))
    }
}

fn js_err(v: JsValue) -> String {
    v.as_string()
        .or_else(|| js_sys::Error::from(v).message().as_string())
        .unwrap_or_else(|| "network error".into())
}

/// Sends `body` with `method` to `url`. An `Err` means no answer at all (offline, timeout).
/// An empty `content_type` lets the browser set it (a `FormData` body needs its boundary).
pub async fn send(
    method: &str,
    url: &str,
    body: &JsValue,
    content_type: &str,
) -> Result<Answer, String> {
    send_within(method, url, body, content_type, TIMEOUT_MS).await
}

/// [`send`] with its own timeout, for small requests that must not hold up what waits on them.
pub async fn send_within(
    method: &str,
    url: &str,
    body: &JsValue,
    content_type: &str,
    timeout_ms: i32,
) -> Result<Answer, String> {
    let window = web_sys::window().ok_or("no window")?;
    let abort = AbortController::new().map_err(js_err)?;
    let init = RequestInit::new();
    init.set_method(method);
    init.set_body(body);
    init.set_credentials(RequestCredentials::SameOrigin);
    init.set_signal(Some(&abort.signal()));
    let req = Request::new_with_str_and_init(url, &init).map_err(js_err)?;
    if !content_type.is_empty() {
        req.headers()
            .set("Content-Type", content_type)
            .map_err(js_err)?;
    }
    req.headers()
        .set("Accept", "application/json")
        .map_err(js_err)?;
    // The phone's clock now: the server corrects the record's times if it is far off.
    req.headers()
        .set(
            crate::domain::record::SENT_AT_HEADER,
            &(js_sys::Date::now() as i64).to_string(),
        )
        .map_err(js_err)?;
    let timer = {
        let abort = abort.clone();
        let cb = wasm_bindgen::closure::Closure::once_into_js(move || abort.abort());
        window
            .set_timeout_with_callback_and_timeout_and_arguments_0(cb.unchecked_ref(), timeout_ms)
            .ok()
    };
    let result = JsFuture::from(window.fetch_with_request(&req)).await;
    if let Some(t) = timer {
        window.clear_timeout_with_handle(t);
    }
    let res: Response = result.map_err(js_err)?.dyn_into().map_err(js_err)?;
    let is_json = res
        .headers()
        .get("content-type")
        .ok()
        .flatten()
        .is_some_and(|c| c.starts_with("application/json"));
    let json = if is_json {
        let p: Promise = res.json().map_err(js_err)?;
        JsFuture::from(p).await.ok()
    } else {
        None
    };
    Ok(Answer {
        status: res.status(),
        json,
    })
}
