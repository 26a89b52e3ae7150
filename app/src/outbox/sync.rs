//! The sync engine: sends what waits in the outbox, photos first, then the observation, and
//! forgets nothing until the server has said yes. Runs on app start, when the browser comes
//! online, on a timer and on "sync now"; it does not rely on Background Sync (Safari and WeChat
//! lack it).

use std::cell::Cell;

use leptos::prelude::*;
use wasm_bindgen::JsValue;

use super::{net, store, OutboxItem, OutboxVersion};
use crate::domain::outbox::{
    backoff_ms, classify, photos_to_forget, FailReason, Outcome, SendState,
};

thread_local! {
    static RUNNING: Cell<bool> = const { Cell::new(false) };
    static STARTED: Cell<bool> = const { Cell::new(false) };
    /// A run asked for during another; `Some(true)` if any asker forced it.
    static AGAIN: Cell<Option<bool>> = const { Cell::new(None) };
}

fn now_ms() -> f64 {
    js_sys::Date::now()
}

fn message_of(a: &net::Answer) -> String {
    a.text(&["message"]).unwrap_or_default()
}

async fn save(item: &OutboxItem, version: OutboxVersion) {
    if store::put(item).await.is_ok() {
        version.bump();
    }
}

async fn retry_later(mut item: OutboxItem, version: OutboxVersion) {
    item.attempts += 1;
    item.next_attempt_ms = now_ms() + backoff_ms(item.attempts, js_sys::Math::random());
    item.send = SendState::Waiting;
    save(&item, version).await;
}

async fn fail(mut item: OutboxItem, reason: FailReason, detail: String, version: OutboxVersion) {
    item.send = SendState::Failed { reason, detail };
    save(&item, version).await;
}

async fn send_one(mut item: OutboxItem, version: OutboxVersion) {
    let photos = item.payload.photos().to_vec();
    let total = photos.len() as u32;
    // A photo this phone no longer holds may already be on the server (sent with another
    // record): the record is tried, and only the server's "missing" makes it fail.
    let mut missing_here = false;
    for (i, sha) in photos.iter().enumerate() {
        item.send = SendState::Uploading {
            done: i as u32,
            total,
        };
        save(&item, version).await;
        let blob = match store::photo(sha).await {
            Ok(Some(b)) => b,
            _ => {
                missing_here = true;
                continue;
            }
        };
        let url = format!("/api/v1/photos/{sha}");
        match net::send("PUT", &url, &blob, "image/jpeg").await {
            Err(_) => return retry_later(item, version).await,
            Ok(a) => match classify(a.status, a.json.is_some()) {
                Outcome::Accepted => {}
                Outcome::Retry => return retry_later(item, version).await,
                Outcome::Fail(r) => return fail(item, r, message_of(&a), version).await,
            },
        }
    }
    item.send = SendState::Uploading { done: total, total };
    save(&item, version).await;
    let Ok(body) = item.payload.body() else {
        return fail(item, FailReason::Refused, "cannot encode".into(), version).await;
    };
    let url = item.payload.url(item.id);
    match net::send("PUT", &url, &JsValue::from_str(&body), "application/json").await {
        Err(_) => retry_later(item, version).await,
        Ok(a) => match classify(a.status, a.json.is_some()) {
            Outcome::Accepted => {
                let verdict = a
                    .text(&[item.payload.receipt_field()])
                    .unwrap_or_else(|| "unknown".to_owned());
                item.send = SendState::Sent { verdict };
                save(&item, version).await;
                // Only what no other record on the phone still needs (unreadable list: keep all).
                if let Ok(all) = store::list().await {
                    let needed = all
                        .iter()
                        .filter(|o| o.id != item.id && !matches!(o.send, SendState::Sent { .. }))
                        .flat_map(|o| o.payload.photos().iter());
                    let _ = store::forget_photos(&photos_to_forget(&photos, needed)).await;
                }
                version.bump();
            }
            Outcome::Retry => retry_later(item, version).await,
            Outcome::Fail(_) if a.has_list(&["details", "missing_photos"]) && missing_here => {
                fail(
                    item,
                    FailReason::Refused,
                    "photo missing on this phone".into(),
                    version,
                )
                .await
            }
            // The server lost a photo we sent (or never got it): upload again next round.
            Outcome::Fail(_) if a.has_list(&["details", "missing_photos"]) => {
                retry_later(item, version).await
            }
            Outcome::Fail(r) => fail(item, r, message_of(&a), version).await,
        },
    }
}

/// Sends every item that is due (or all of them with `force`). Only one run at a time; a run
/// asked for while another is under way is not dropped but made right after it (forced if any
/// of the askers forced it): "online" or "sync now" arriving during a run that began offline
/// must still send.
pub async fn run(version: OutboxVersion, force: bool) {
    if RUNNING.with(|r| r.replace(true)) {
        AGAIN.with(|a| a.set(Some(a.get().unwrap_or(false) || force)));
        return;
    }
    let mut force = force;
    loop {
        pass(version, force).await;
        match AGAIN.with(Cell::take) {
            Some(f) => force = f,
            None => break,
        }
    }
    RUNNING.with(|r| r.set(false));
}

async fn pass(version: OutboxVersion, force: bool) {
    let Ok(items) = store::list().await else {
        return;
    };
    // Who is signed in now: a record goes only under the account that captured it. Asked of
    // the server (not the page), since the session may have changed in another tab; when it
    // cannot be asked (offline), nothing would go anyway.
    let owned = items
        .iter()
        .any(|i| i.owner.is_some() && !matches!(i.send, SendState::Sent { .. }));
    let signed_in = if owned { signed_in_user().await } else { None };
    for mut item in items {
        if matches!(item.send, SendState::Uploading { .. }) {
            // No other run of this page is sending (RUNNING), so this record was left by a
            // page that closed mid-upload: it is waiting again, and says so rather than
            // showing a stalled progress bar.
            item.send = SendState::Waiting;
            save(&item, version).await;
        }
        let signed_out = matches!(
            item.send,
            SendState::Failed {
                reason: FailReason::SignIn,
                ..
            }
        );
        if signed_out && force {
            // After signing in again, "sync now" picks these up.
            item.send = SendState::Waiting;
        }
        let theirs = item.owner.is_some() && signed_in.is_none_or(|u| !item.sendable_by(u));
        if theirs {
            // Someone else's (or nobody is signed in): it waits for its author.
            continue;
        }
        if item.send.is_pending() && (force || item.next_attempt_ms <= now_ms()) {
            send_one(item, version).await;
        }
    }
}

/// Who is signed in, asked of the server with a short timeout of its own: every send in a pass
/// waits on this answer, and a request caught in the network coming back must not hold up the
/// pass (and "sync now" behind it) for the 90 s a photo upload may take. No answer: nothing of
/// an owner's is sent this pass.
async fn signed_in_user() -> Option<uuid::Uuid> {
    let a = net::send_within(
        "POST",
        "/api/session/info",
        &JsValue::from_str(""),
        "application/x-www-form-urlencoded",
        15_000,
    )
    .await
    .ok()?;
    if a.status != 200 {
        return None;
    }
    a.text(&["user", "id"])?.parse().ok()
}

/// Sends everything now, after waiting for a run already under way (the timer's, say) to end:
/// for a form that wants to know at once whether what it queued went.
pub async fn run_now(version: OutboxVersion) {
    for _ in 0..600 {
        if !RUNNING.with(Cell::get) {
            break;
        }
        sleep_ms(100).await;
    }
    run(version, true).await;
}

async fn sleep_ms(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// Starts the engine once per page: now, on `online`, and every 20 seconds.
pub fn start(version: OutboxVersion) {
    if STARTED.with(|s| s.replace(true)) {
        return;
    }
    leptos::task::spawn_local(run(version, false));
    let handle = window_event_listener(leptos::ev::online, move |_| {
        leptos::task::spawn_local(run(version, true));
    });
    std::mem::forget(handle);
    let _ = set_interval_with_handle(
        move || leptos::task::spawn_local(run(version, false)),
        std::time::Duration::from_secs(20),
    );
}

/// What became of a record a form just queued.
pub enum Kept {
    /// The server took it: the page from the server now shows it.
    Sent,
    /// On this phone; the engine sends it when there is a network.
    Waiting,
    /// Not kept, or refused: why, in the reader's language.
    Failed(String),
}

/// Why it failed, in the reader's language, with the browser's or server's own words after it.
pub fn failure(reason: &str, detail: &str) -> String {
    if detail.trim().is_empty() {
        reason.to_owned()
    } else {
        format!("{reason} ({detail})")
    }
}

/// The forms' common ending (an officer's answer, a progress report): the record and its
/// photos are kept in one IndexedDB transaction, sent at once if the network allows, and the
/// outcome said. `not_saved` is the form's own words for storage refusing the record;
/// `sending` is called once it is kept and about to be sent.
pub async fn keep_and_send(
    locale: crate::i18n::Locale,
    record: OutboxItem,
    photos: &[crate::capture::Prepared],
    version: OutboxVersion,
    not_saved: &str,
    sending: impl FnOnce(),
) -> Kept {
    use crate::i18n::*;
    let id = record.id;
    let blobs: Vec<(String, web_sys::Blob)> = photos
        .iter()
        .map(|p| (p.sha256.clone(), p.blob.clone()))
        .collect();
    if let Err(e) = store::add(&record, &blobs).await {
        return Kept::Failed(failure(not_saved, &e));
    }
    store::ask_to_persist().await;
    version.bump();
    sending();
    run_now(version).await;
    let now = store::list()
        .await
        .ok()
        .and_then(|all| all.into_iter().find(|r| r.id == id))
        .map(|r| r.send);
    match now {
        Some(SendState::Sent { .. }) => Kept::Sent,
        Some(SendState::Failed { reason, detail }) => {
            let why = match reason {
                FailReason::SignIn => td_string!(locale, outbox.fail_sign_in),
                FailReason::Refused => td_string!(locale, outbox.fail_refused),
                FailReason::Conflict => td_string!(locale, outbox.fail_conflict),
            };
            Kept::Failed(failure(why, &detail))
        }
        _ => Kept::Waiting,
    }
}
