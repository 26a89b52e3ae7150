//! The answer form's way through the outbox (browser only). Evidence photos are prepared like a
//! deputy's (oriented, at most 2048 px, JPEG under 400 KB, hashed); the answer and its photos
//! are queued in one IndexedDB transaction and sent at once if the network allows, or later by
//! the sync engine — exactly once either way, because the answer's id is made here.

use leptos::prelude::*;
use uuid::Uuid;
use web_sys::File;

use super::pages::AnswerProgress;
use crate::capture::Prepared;
use crate::domain::answer::{AnswerInput, DeviceAnswer};
use crate::domain::photo_evidence::PhotoOrigin;
use crate::i18n::*;
use crate::outbox::sync::{failure, keep_and_send, Kept};
use crate::outbox::{OutboxItem, OutboxVersion, Payload, QueuedAnswer};

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
    let prepared = match crate::capture::device::prepare_all(files).await {
        Ok(p) => p,
        Err(e) => {
            let why = td_string!(locale, items.answer_photo_unreadable);
            return progress.set(AnswerProgress::Failed(failure(why, &e)));
        }
    };
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
    let record = OutboxItem::new(
        id,
        owner,
        title,
        Payload::Answer(QueuedAnswer { item_id, input }),
        now_ms,
    );
    let not_saved = td_string!(locale, items.answer_not_saved);
    let sending = || progress.set(AnswerProgress::Sending);
    match keep_and_send(locale, record, &prepared, version, not_saved, sending).await {
        // Sent: the page from the server shows the answer, its photos and the log.
        Kept::Sent => {
            if let Some(w) = web_sys::window() {
                let _ = w.location().reload();
            }
        }
        Kept::Failed(why) => progress.set(AnswerProgress::Failed(why)),
        Kept::Waiting => progress.set(AnswerProgress::Queued),
    }
}
