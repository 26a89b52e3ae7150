//! The phone's outbox: deputies' observations and inspection check-ins, officers' answers and
//! progress reports, with their photos, wait in
//! IndexedDB until the server has acknowledged them, and the sync engine (Rust in wasm) sends
//! them when it can.

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

use crate::domain::{
    answer::AnswerInput, inspection::CheckInInput, outbox::SendState, progress::ProgressWire,
    ObservationInput,
};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutboxItem {
    pub id: Uuid,
    /// Who captured it: it is sent only while they are signed in, never under another account
    /// on a shared phone. `None` for records kept by a build that did not say (sent by whoever
    /// is signed in, as then).
    #[serde(default)]
    pub owner: Option<Owner>,
    /// What the row is called in the list: the site, or the number and site of the item answered.
    pub site_name: String,
    #[serde(flatten)]
    pub payload: Payload,
    pub send: SendState,
    pub attempts: u32,
    pub next_attempt_ms: f64,
    pub created_ms: f64,
}

/// The account a record was captured under.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Owner {
    pub id: Uuid,
    /// As the outbox shows it to someone else signed in on the phone.
    pub name: String,
}

impl Owner {
    pub fn of(user: &crate::auth::CurrentUser) -> Self {
        Owner {
            id: user.id,
            name: format!("{} ({})", user.display_name, user.username),
        }
    }
}

impl OutboxItem {
    /// A record just made on the phone, waiting for its first try.
    pub fn new(
        id: Uuid,
        owner: Option<Owner>,
        site_name: String,
        payload: Payload,
        now_ms: f64,
    ) -> Self {
        OutboxItem {
            id,
            owner,
            site_name,
            payload,
            send: SendState::Waiting,
            attempts: 0,
            next_attempt_ms: 0.0,
            created_ms: now_ms,
        }
    }

    /// True when the record may be sent while `user` is signed in.
    pub fn sendable_by(&self, user: Uuid) -> bool {
        self.owner.as_ref().is_none_or(|o| o.id == user)
    }
}

/// What waits to be sent. Observations are stored under `input`, as they always were, so an
/// outbox written by an older build still reads.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Payload {
    #[serde(rename = "input")]
    Observation(ObservationInput),
    #[serde(rename = "answer")]
    Answer(QueuedAnswer),
    #[serde(rename = "progress")]
    Progress(QueuedProgress),
    #[serde(rename = "check_in")]
    CheckIn(QueuedCheckIn),
}

/// An officer's answer to a list item.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QueuedAnswer {
    pub item_id: Uuid,
    pub input: AnswerInput,
}

/// A unit officer's progress report on a sub-item.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QueuedProgress {
    pub sub_item_id: Uuid,
    pub input: ProgressWire,
}

/// A deputy's check-in at a site of an inspection.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QueuedCheckIn {
    pub inspection_id: Uuid,
    pub input: CheckInInput,
}

impl Payload {
    pub fn photos(&self) -> &[String] {
        match self {
            Payload::Observation(o) => &o.photos,
            Payload::Answer(a) => &a.input.photos,
            Payload::Progress(p) => &p.input.photos,
            Payload::CheckIn(_) => &[],
        }
    }

    /// Where the record itself goes once its photos are up.
    pub fn url(&self, id: Uuid) -> String {
        match self {
            Payload::Observation(_) => format!("/api/v1/observations/{id}"),
            Payload::Answer(a) => format!("/api/v1/items/{}/answers/{id}", a.item_id),
            Payload::Progress(p) => format!("/api/v1/sub-items/{}/progress/{id}", p.sub_item_id),
            Payload::CheckIn(c) => {
                format!("/api/v1/inspections/{}/check-ins/{id}", c.inspection_id)
            }
        }
    }

    pub fn body(&self) -> Result<String, serde_json::Error> {
        match self {
            Payload::Observation(o) => serde_json::to_string(o),
            Payload::Answer(a) => serde_json::to_string(&a.input),
            Payload::Progress(p) => serde_json::to_string(&p.input),
            Payload::CheckIn(c) => serde_json::to_string(&c.input),
        }
    }

    /// What the server's acknowledgement says of it: the on-site verdict of an observation,
    /// the item's status after an answer, the sub-item's schedule after a report.
    pub fn receipt_field(&self) -> &'static str {
        match self {
            Payload::Observation(_) => "verdict",
            Payload::Answer(_) => "status",
            Payload::Progress(_) => "risk",
            Payload::CheckIn(_) => "verdict",
        }
    }
}

/// Bumped on every change to the outbox, so that the islands showing it (the header's badge,
/// the outbox list) read it again. One per page: a page's islands share the wasm's one thread,
/// and none of them owns it (an island's context does not reach its siblings).
#[derive(Clone, Copy)]
pub struct OutboxVersion;

#[cfg(feature = "hydrate")]
thread_local! {
    static VERSION: ArcRwSignal<u32> = ArcRwSignal::new(0);
}

pub fn use_outbox() -> OutboxVersion {
    OutboxVersion
}

impl OutboxVersion {
    /// The current version, tracked by the effect that reads it (nothing on the server).
    pub fn get(self) -> u32 {
        #[cfg(feature = "hydrate")]
        return VERSION.with(|v| v.get());
        #[cfg(not(feature = "hydrate"))]
        0
    }

    pub fn bump(self) {
        #[cfg(feature = "hydrate")]
        VERSION.with(|v| v.update(|n| *n = n.wrapping_add(1)));
    }
}

/// The outbox link in the menu of a deputy or an officer, with the number of records still
/// waiting on this phone (read from IndexedDB after hydration, so server and browser first
/// render the same). Every page of theirs has it, so it also starts what must run on each:
/// the service worker's registration and the sync engine.
#[island]
pub fn OutboxLink(locale: crate::i18n::Locale) -> impl IntoView {
    use crate::i18n::*;
    crate::ui::island::enter(locale, crate::ui::island::EVERY);
    let version = use_outbox();
    let waiting = RwSignal::new(None::<usize>);
    Effect::new(move |_| {
        let _ = version.get();
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            if let Ok(items) = store::list().await {
                waiting.set(Some(items.iter().filter(|i| i.send.is_pending()).count()));
            }
        });
    });
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        {
            crate::offline::register_service_worker();
            sync::start(version);
        }
    });
    view! {
        <a href="/outbox" rel="external" id="outbox-link">
            {td_string!(locale, nav.outbox)}
            {move || {
                waiting
                    .get()
                    .filter(|n| *n > 0)
                    .map(|n| view! { <span class="badge" id="outbox-badge">{n}</span> })
            }}
        </a>
    }
}
