//! The progress report's way through the outbox (browser only), as an officer's answer goes:
//! evidence photos are prepared on the phone (oriented, at most 2048 px, JPEG under 400 KB,
//! hashed), the figures are read by the server's own rules, and the report and its photos are
//! queued in one IndexedDB transaction and sent at once if the network allows, or later by the
//! sync engine — exactly once either way, because the report's id is made here.

use leptos::prelude::*;
use uuid::Uuid;
use web_sys::File;

use super::ReportProgress;
use crate::domain::photo_evidence::PhotoOrigin;
use crate::domain::progress::{DeviceProgress, ProgressForm};
use crate::i18n::*;
use crate::outbox::sync::{failure, keep_and_send, Kept};
use crate::outbox::{OutboxItem, OutboxVersion, Payload, QueuedProgress};

/// The form's fields as the officer typed them.
pub struct Typed {
    pub quantity_done: String,
    pub paid_government: String,
    pub paid_residents: String,
    pub paid_social: String,
    pub note: String,
}

#[allow(clippy::too_many_arguments)]
pub async fn submit(
    locale: Locale,
    owner: Option<crate::outbox::Owner>,
    sub_item: Uuid,
    title: String,
    target: i32,
    typed: Typed,
    files: Vec<File>,
    version: OutboxVersion,
    progress: RwSignal<ReportProgress>,
) {
    // The figures first: a slip is told at once, before any photo is worked on.
    let form = ProgressForm {
        quantity_done: &typed.quantity_done,
        paid_government: &typed.paid_government,
        paid_residents: &typed.paid_residents,
        paid_social: &typed.paid_social,
        note: &typed.note,
    };
    let refused = |field: &str, message: String| {
        crate::ui::field_hint(locale, field)
            .map(str::to_owned)
            .unwrap_or(message)
    };
    let input = match form.parse(target) {
        Ok(i) => i,
        Err(e) => return progress.set(ReportProgress::Failed(refused(&e.field, e.message))),
    };
    progress.set(ReportProgress::Preparing);
    let files = files
        .into_iter()
        .map(|f| (f, PhotoOrigin::Gallery))
        .collect();
    let prepared = match crate::capture::device::prepare_all(files).await {
        Ok(p) => p,
        Err(e) => {
            let why = td_string!(locale, items.answer_photo_unreadable);
            return progress.set(ReportProgress::Failed(failure(why, &e)));
        }
    };
    let now_ms = js_sys::Date::now();
    let id = crate::capture::new_id(now_ms as u64);
    let wire = input.to_wire(prepared.iter().map(|p| p.sha256.clone()).collect());
    // The server's own rules on what will be sent (the photos' count among them), before
    // anything is stored on the phone.
    if let Err(errors) = DeviceProgress::parse(id, sub_item, &wire, target) {
        let mut message: Vec<String> = Vec::new();
        for e in errors {
            let line = match e.field.as_str() {
                "photos" => refused("progress_photos", e.message),
                f => refused(f, e.message),
            };
            if !message.contains(&line) {
                message.push(line);
            }
        }
        return progress.set(ReportProgress::Failed(message.join(" ")));
    }
    let record = OutboxItem::new(
        id,
        owner,
        title,
        Payload::Progress(QueuedProgress {
            sub_item_id: sub_item,
            input: wire,
        }),
        now_ms,
    );
    let not_saved = td_string!(locale, progress.not_saved);
    let sending = || progress.set(ReportProgress::Sending);
    match keep_and_send(locale, record, &prepared, version, not_saved, sending).await {
        // Sent: the page from the server shows the report, its photos and the chart.
        Kept::Sent => {
            if let Some(w) = web_sys::window() {
                let _ = w.location().reload();
            }
        }
        Kept::Failed(why) => progress.set(ReportProgress::Failed(why)),
        Kept::Waiting => progress.set(ReportProgress::Queued),
    }
}
