//! A wasm bundle's entry point (`app::ui::island::Bundle`), as in `frontend`: the camera's islands (`camera-islands`) and none of the field's.
//! Its own crate, not a dependency on `frontend`: that crate's rlib, built for a cdylib too,
//! carries no bitcode for this one's LTO.

// The islands' exports live in `app`; linking it keeps them in the wasm (leptos #2083).
extern crate app;

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}
