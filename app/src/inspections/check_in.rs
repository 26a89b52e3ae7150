//! A check-in's way through the outbox (browser only): the phone's position and clock are read,
//! checked by the server's own rules, kept in IndexedDB and sent at once if the network allows,
//! or later by the sync engine — exactly once either way, because the check-in's id is made here.

use leptos::prelude::*;
use uuid::Uuid;

use super::pages::CheckInState;
use crate::domain::inspection::{CheckIn, CheckInInput};
use crate::i18n::*;
use crate::outbox::sync::{failure, keep_and_send, Kept};
use crate::outbox::{OutboxItem, OutboxVersion, Owner, Payload, QueuedCheckIn};

pub async fn submit(
    locale: Locale,
    owner: Option<Owner>,
    inspection: Uuid,
    site: Uuid,
    site_name: String,
    version: OutboxVersion,
    state: RwSignal<CheckInState>,
) {
    state.set(CheckInState::Locating);
    let position = match crate::capture::device::current_position().await {
        Ok(p) => p,
        Err(e) => {
            let why = td_string!(locale, inspections.no_position);
            return state.set(CheckInState::Failed(failure(why, &e)));
        }
    };
    let now_ms = js_sys::Date::now();
    let Some(checked_at) = chrono::DateTime::from_timestamp_millis(now_ms as i64) else {
        return state.set(CheckInState::Failed(
            td_string!(locale, inspections.no_position).to_owned(),
        ));
    };
    let id = crate::capture::new_id(now_ms as u64);
    let input = CheckInInput {
        site_id: site,
        checked_at,
        position,
    };
    // The server's rules, before anything is kept on the phone.
    if let Err(errors) = CheckIn::parse_sent(id, &input, checked_at, chrono::Duration::zero()) {
        // In the reader's language, each field's own words (the server's as a fallback).
        let mut message: Vec<String> = Vec::new();
        for e in errors {
            let line = crate::ui::field_hint(locale, &e.field)
                .map(str::to_owned)
                .unwrap_or(e.message);
            if !message.contains(&line) {
                message.push(line);
            }
        }
        return state.set(CheckInState::Failed(message.join(" ")));
    }
    let record = OutboxItem::new(
        id,
        owner,
        site_name,
        Payload::CheckIn(QueuedCheckIn {
            inspection_id: inspection,
            input,
        }),
        now_ms,
    );
    let not_saved = td_string!(locale, inspections.not_saved);
    let sending = || state.set(CheckInState::Sending);
    match keep_and_send(locale, record, &[], version, not_saved, sending).await {
        // Sent: the page from the server shows the verdict.
        Kept::Sent => {
            if let Some(w) = web_sys::window() {
                let _ = w.location().reload();
            }
        }
        Kept::Waiting => state.set(CheckInState::Queued),
        Kept::Failed(why) => state.set(CheckInState::Failed(why)),
    }
}
