//! The service worker's counterpart in the page: registration, and asking it to keep the pages
//! a deputy or an officer needs offline.

use leptos::prelude::*;

#[cfg(feature = "hydrate")]
pub fn register_service_worker() {
    let Some(w) = web_sys::window() else { return };
    let sw = w.navigator().service_worker();
    let _ = sw.register("/sw.js");
}

/// Asks the service worker to fetch and keep these pages for use without a network. Sent to
/// the worker once it is active, whether or not it controls this page yet (on the first page
/// after signing in it does not): the worker fetches the pages itself.
#[cfg(feature = "hydrate")]
pub fn keep_for_offline(urls: &[String]) {
    use wasm_bindgen::JsValue;
    let Some(w) = web_sys::window() else { return };
    let msg = js_sys::Object::new();
    let list = js_sys::Array::new();
    for u in urls {
        list.push(&JsValue::from_str(u));
    }
    let _ = js_sys::Reflect::set(&msg, &"type".into(), &"cache-pages".into());
    let _ = js_sys::Reflect::set(&msg, &"urls".into(), &list);
    let Ok(ready) = w.navigator().service_worker().ready() else {
        return;
    };
    leptos::task::spawn_local(async move {
        let Ok(reg) = wasm_bindgen_futures::JsFuture::from(ready).await else {
            return;
        };
        let reg: web_sys::ServiceWorkerRegistration = wasm_bindgen::JsCast::unchecked_into(reg);
        if let Some(worker) = reg.active() {
            let _ = worker.post_message(&msg);
        }
    });
}

/// Asks the worker to keep `urls` once the page has come to life (an officer's open items).
#[cfg_attr(feature = "field-islands", island)]
#[cfg_attr(not(feature = "field-islands"), component)]
pub fn KeepOffline(urls: Vec<String>) -> impl IntoView {
    #[cfg(feature = "ssr")]
    crate::ui::island::loader::ask(crate::ui::island::FIELD);
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        keep_for_offline(&urls);
        #[cfg(not(feature = "hydrate"))]
        let _ = &urls;
    });
}
