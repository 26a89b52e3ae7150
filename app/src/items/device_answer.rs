//! The answer form's way through the outbox (browser only). Evidence photos are prepared like a
//! deputy's (oriented, at most 2048 px, JPEG under 400 KB, hashed); the answer and its photos
//! are queued in one IndexedDB transaction and sent at once if the network allows, or later by
//! the sync engine — exactly once either way, because the answer's id is made here.

use leptos::prelude::*;
use uuid::Uuid;
use web_sys::{Blob, File};

use super::pages::AnswerProgress;
use crate::capture::Prepared;
use crate::domain::answer::{AnswerInput, DeviceAnswer};
use crate::domain::outbox::{FailReason, SendState};
use crate::domain::photo_evidence::PhotoOrigin;
use crate::i18n::*;
use crate::outbox::{store, sync, OutboxItem, OutboxVersion, Payload, QueuedAnswer};

/// Why it failed, in the reader's language, with the browser's or server's own words after it.
fn failure(reason: &str, detail: &str) -> String {
    if detail.trim().is_empty() {
        reason.to_owned()
    } else {
        format!("{reason} ({detail})")
    }
}

#[allow(clippy::too_many_arguments)]
pub async fn submit(
    locale: Locale,
    owner: Option<crate::outbox::Owner>,
    item_id: Uuid,
    title: String,
    text: String,
    files: Vec<(File, PhotoOrigin)>,
    version: OutboxVersion,
    progress: RwSignal<AnswerProgress>,
) {
    progress.set(AnswerProgress::Preparing);
    let mut prepared: Vec<Prepared> = Vec::new();
    for (f, origin) in files {
        match crate::capture::device::prepare(f, origin).await {
            Ok(p) if prepared.iter().any(|x| x.sha256 == p.sha256) => {}
            Ok(p) => prepared.push(p),
            Err(e) => {
                let why = td_string!(locale, items.answer_photo_unreadable);
                return progress.set(AnswerProgress::Failed(failure(why, &e)));
            }
        }
    }
    let now_ms = js_sys::Date::now();
    let id = crate::capture::new_id(now_ms as u64);
    let input = AnswerInput {
        text,
        photos: prepared.iter().map(|p| p.sha256.clone()).collect(),
        photo_facts: prepared.iter().map(Prepared::facts).collect(),
    };
    // The server's own rules, before anything is stored on the phone.
    if let Err(errors) = DeviceAnswer::parse(id, item_id, &input, chrono::Utc::now()) {
        let mut message: Vec<String> = Vec::new();
        for e in errors {
            let line = match e.field.as_str() {
                "text" => td_string!(locale, items.answer_text_rule).to_owned(),
                "photos" => td_string!(locale, items.answer_photos_rule).to_owned(),
                _ => e.message,
            };
            if !message.contains(&line) {
                message.push(line);
            }
        }
        let message = message.join(" ");
        return progress.set(AnswerProgress::Failed(message));
    }
    let record = OutboxItem {
        id,
        owner,
        site_name: title,
        payload: Payload::Answer(QueuedAnswer { item_id, input }),
        send: SendState::Waiting,
        attempts: 0,
        next_attempt_ms: 0.0,
        created_ms: now_ms,
    };
    let blobs: Vec<(String, Blob)> = prepared
        .iter()
        .map(|p| (p.sha256.clone(), p.blob.clone()))
        .collect();
    if let Err(e) = store::add(&record, &blobs).await {
        let why = td_string!(locale, items.answer_not_saved);
        return progress.set(AnswerProgress::Failed(failure(why, &e)));
    }
    store::ask_to_persist().await;
    version.bump();
    progress.set(AnswerProgress::Sending);
    sync::run_now(version).await;
    let now = store::list()
        .await
        .ok()
        .and_then(|all| all.into_iter().find(|r| r.id == id))
        .map(|r| r.send);
    match now {
        // Sent: the page from the server shows the answer, its photos and the log.
        Some(SendState::Sent { .. }) => {
            if let Some(w) = web_sys::window() {
                let _ = w.location().reload();
            }
        }
        Some(SendState::Failed { reason, detail }) => {
            let why = match reason {
                FailReason::SignIn => td_string!(locale, outbox.fail_sign_in),
                FailReason::Refused => td_string!(locale, outbox.fail_refused),
                FailReason::Conflict => td_string!(locale, outbox.fail_conflict),
            };
            progress.set(AnswerProgress::Failed(failure(why, &detail)))
        }
        _ => progress.set(AnswerProgress::Queued),
    }
}
