//! The phone's outbox: observations and their photos wait in IndexedDB until the server has
//! acknowledged them, and the sync engine (Rust in wasm) sends them when it can.

#[cfg(feature = "hydrate")]
pub mod net;
pub mod page;
#[cfg(feature = "hydrate")]
pub mod store;
#[cfg(feature = "hydrate")]
pub mod sync;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::{outbox::SendState, ObservationInput};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutboxItem {
    pub id: Uuid,
    pub site_name: String,
    pub input: ObservationInput,
    pub send: SendState,
    pub attempts: u32,
    pub next_attempt_ms: f64,
    pub created_ms: f64,
}

/// Bumped on every change to the outbox, so that the outbox page and the header badge re-read.
#[derive(Clone, Copy)]
pub struct OutboxVersion(pub RwSignal<u32>);

pub fn provide_outbox() -> OutboxVersion {
    let v = OutboxVersion(RwSignal::new(0));
    provide_context(v);
    v
}

pub fn use_outbox() -> OutboxVersion {
    use_context::<OutboxVersion>().unwrap_or_else(|| OutboxVersion(RwSignal::new(0)))
}

impl OutboxVersion {
    pub fn bump(self) {
        self.0.update(|v| *v = v.wrapping_add(1));
    }
}
