//! The service worker's counterpart in the page: registration, and asking it to keep the pages
//! a deputy needs offline. Browser only.

use wasm_bindgen::JsValue;

pub fn register_service_worker() {
    let Some(w) = web_sys::window() else { return };
    let sw = w.navigator().service_worker();
    let _ = sw.register("/sw.js");
}

/// Asks the service worker to fetch and keep these pages for use without a network.
pub fn keep_for_offline(urls: &[String]) {
    let Some(w) = web_sys::window() else { return };
    let Some(worker) = w.navigator().service_worker().controller() else {
        return;
    };
    let msg = js_sys::Object::new();
    let list = js_sys::Array::new();
    for u in urls {
        list.push(&JsValue::from_str(u));
    }
    let _ = js_sys::Reflect::set(&msg, &"type".into(), &"cache-pages".into());
    let _ = js_sys::Reflect::set(&msg, &"urls".into(), &list);
    let _ = worker.post_message(&msg);
}
