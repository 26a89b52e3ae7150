#![recursion_limit = "256"]
//! Jiandu's web app: pages, server functions and the pure domain, compiled twice — for the
//! server (`ssr`) and for the browser (`hydrate`).

// The macro form is deprecated in favour of build-script code generation; it does the same work
// and keeps the build to one step.
#[allow(deprecated)]
mod i18n_gen {
    leptos_i18n::load_locales!();
}
pub use i18n_gen::i18n;

pub mod accounts;
pub mod admin;
mod app;
pub mod auth;
pub mod capture;
pub mod case_rows;
pub mod cases;
pub mod catalogue;
pub mod domain;
pub mod duty;
pub mod duty_rows;
pub mod error;
mod home;
pub mod inspection_rows;
pub mod inspections;
pub mod items;
pub mod map;
pub mod offline;
pub mod outbox;
pub mod paged;
pub mod progress;
pub mod public;
pub mod questionnaire_rows;
pub mod questionnaires;
pub mod registry_edit;
pub mod registry_rows;
pub mod staff;
pub mod topic_rows;
pub mod topics;
pub mod ui;
pub mod usage;

#[cfg(feature = "ssr")]
pub mod ssr;
#[cfg(feature = "ssr")]
pub mod store;

pub use app::{shell, App, LANG_COOKIE};
