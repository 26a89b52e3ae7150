//! The browser entry point. Pages are server-rendered; only their islands (`#[island]` in `app`)
//! come to life here, each from the props the server wrote beside it.

// The islands' exports live in `app`; linking it keeps them in the wasm (leptos #2083).
extern crate app;

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}
