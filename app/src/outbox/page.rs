use leptos::prelude::*;

use crate::ui::IntoAnySync;

use super::{use_outbox, OutboxItem, Payload};
use crate::domain::outbox::{FailReason, SendState};
use crate::domain::ObservationKind;
use crate::i18n::*;

pub fn kind_label(locale: impl Into<Locale>, k: ObservationKind) -> &'static str {
    let locale: Locale = locale.into();
    match k {
        ObservationKind::Problem => td_string!(locale, capture.problem),
        ObservationKind::Suggestion => td_string!(locale, capture.suggestion),
        ObservationKind::GoodPractice => td_string!(locale, capture.good_practice),
    }
}

/// The outbox lives in this browser only: the server renders the frame, the island reads the
/// list.
#[component]
pub fn OutboxPage() -> impl IntoView {
    let i18n = use_i18n();
    let session = crate::ui::use_session();
    view! {
        <h1>{t!(i18n, outbox.title)}</h1>
        <p class="muted">{t!(i18n, outbox.intro)}</p>
        <noscript><p class="notice error">{t!(i18n, outbox.needs_js)}</p></noscript>
        <Suspense>
            {move || Suspend::new(async move {
                // Whose records are whose on a shared phone: the person signed in when the page
                // was loaded (a page kept offline carries it).
                let me = session.await.ok().and_then(|s| s.user).map(|u| u.id);
                view! { <OutboxList locale=i18n.get_locale_untracked() me /> }
            })}
        </Suspense>
    }
}

/// The list, "send now" and the export, all from this phone's IndexedDB.
#[cfg_attr(feature = "field-islands", island)]
#[cfg_attr(not(feature = "field-islands"), component)]
fn OutboxList(locale: Locale, me: Option<uuid::Uuid>) -> impl IntoView {
    crate::ui::island::enter(locale, crate::ui::island::FIELD);
    let version = use_outbox();
    let items: RwSignal<Option<Vec<OutboxItem>>> = RwSignal::new(None);
    Effect::new(move |_| {
        let _ = version.get();
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            match super::store::list().await {
                Ok(list) => items.set(Some(list)),
                Err(_) => items.set(Some(vec![])),
            }
        });
    });
    let sync_now = move |_| {
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(super::sync::run(version, true));
    };
    let export = move |_| {
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(export_pending());
    };
    view! {
        <p class="actions">
            <button class="primary" id="sync-now" on:click=sync_now>{td_string!(locale, outbox.sync_now)}</button>
            <button id="export-pending" on:click=export>{td_string!(locale, outbox.export)}</button>
        </p>
        {move || match items.get() {
            None => view! { <p class="muted">{td_string!(locale, common.loading)}</p> }.into_any_sync(),
            Some(list) if list.is_empty() => {
                view! { <p class="muted" id="outbox-empty">{td_string!(locale, outbox.empty)}</p> }.into_any_sync()
            }
            Some(list) => {
                view! {
                    <ul class="rows outbox" id="outbox-list">
                        {list
                            .into_iter()
                            .map(|it| view! { <OutboxRow item=it me=me /> })
                            .collect_view()}
                    </ul>
                }
                    .into_any_sync()
            }
        }}
    }
}

#[component]
fn OutboxRow(item: OutboxItem, me: Option<uuid::Uuid>) -> impl IntoView {
    let locale = crate::ui::island::locale();
    // Another account's record, on a shared phone: it waits for its author.
    let others = item
        .owner
        .as_ref()
        .filter(|o| Some(o.id) != me && !matches!(item.send, SendState::Sent { .. }))
        .map(|o| {
            let name = o.name.clone();
            view! {
                <small class="notice owner">
                    {td!(locale, outbox.others, name = name.clone())}
                </small>
            }
        });
    let (state_key, detail) = match &item.send {
        SendState::Waiting => (
            "waiting",
            view! { <span>{td_string!(locale, outbox.waiting)}</span> }.into_any_sync(),
        ),
        SendState::Uploading { done, total } => (
            "uploading",
            view! {
                <span>
                    {td_string!(locale, outbox.uploading)} " " {*done} " / " {*total}
                    <progress max=*total value=*done></progress>
                </span>
            }
            .into_any_sync(),
        ),
        SendState::Sent { verdict } => {
            let what = match &item.payload {
                Payload::Observation(_) | Payload::CheckIn(_) => crate::capture::verdict_label(
                    locale,
                    crate::domain::Verdict::parse(verdict)
                        .unwrap_or(crate::domain::Verdict::Unknown),
                ),
                Payload::Answer(_) => crate::domain::list_item::ItemStatus::parse(verdict)
                    .map(|s| crate::items::pages::status_label(locale, s))
                    .unwrap_or_default(),
                Payload::Progress(_) => crate::domain::progress::Risk::parse(verdict)
                    .map(|r| crate::progress::risk_label(locale, r))
                    .unwrap_or_default(),
            };
            (
                "sent",
                view! {
                    <span>{td_string!(locale, outbox.sent)} " · " {what}</span>
                }
                .into_any_sync(),
            )
        }
        SendState::Failed { reason, detail } => {
            let hint = match reason {
                FailReason::SignIn => td_string!(locale, outbox.fail_sign_in),
                FailReason::Refused => td_string!(locale, outbox.fail_refused),
                FailReason::Conflict => td_string!(locale, outbox.fail_conflict),
            };
            ("failed", view! {
                <span class="fail">{td_string!(locale, outbox.failed)} " " {hint} " " <small>{detail.clone()}</small></span>
            }.into_any_sync())
        }
    };
    let owner_attr = if others.is_some() { "other" } else { "me" };
    let empty = String::new();
    let (kind, text, record) = match &item.payload {
        Payload::Observation(o) => (kind_label(locale, o.kind), &o.note, "observation"),
        Payload::Answer(a) => (td_string!(locale, items.answer), &a.input.text, "answer"),
        Payload::Progress(p) => (
            td_string!(locale, progress.outbox_kind),
            &p.input.note,
            "progress",
        ),
        Payload::CheckIn(_) => (td_string!(locale, inspections.check_in), &empty, "check_in"),
    };
    let text: String = text.chars().take(60).collect();
    view! {
        <li
            data-state=state_key
            data-id=item.id.to_string()
            data-record=record
            data-owner=owner_attr
        >
            <b>{item.site_name.clone()}</b>
            <span class="tag">{kind}</span>
            <span class="muted">{text}</span>
            <span class="muted">{item.payload.photos().len()} " " {td_string!(locale, outbox.photos)}</span>
            {detail}
            {others}
        </li>
    }
}

/// The last resort: everything still waiting, photos included (as data URLs), in one JSON file
/// the deputy can send to staff another way.
#[cfg(feature = "hydrate")]
async fn export_pending() {
    use wasm_bindgen::JsCast;
    let Ok(items) = super::store::list().await else {
        return;
    };
    /// One record as the file holds it: what it is, what it says, and its photos' bytes.
    #[derive(serde::Serialize)]
    struct Exported<'a> {
        id: uuid::Uuid,
        #[serde(skip_serializing_if = "Option::is_none")]
        site: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        observation: Option<&'a crate::domain::ObservationInput>,
        #[serde(skip_serializing_if = "Option::is_none")]
        item: Option<uuid::Uuid>,
        #[serde(skip_serializing_if = "Option::is_none")]
        title: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        answer: Option<&'a crate::domain::answer::AnswerInput>,
        #[serde(skip_serializing_if = "Option::is_none")]
        sub_item: Option<uuid::Uuid>,
        #[serde(skip_serializing_if = "Option::is_none")]
        progress: Option<&'a crate::domain::progress::ProgressWire>,
        #[serde(skip_serializing_if = "Option::is_none")]
        inspection: Option<uuid::Uuid>,
        #[serde(skip_serializing_if = "Option::is_none")]
        check_in: Option<&'a crate::domain::inspection::CheckInInput>,
        photos: Vec<ExportedPhoto>,
    }
    #[derive(serde::Serialize)]
    struct ExportedPhoto {
        sha256: String,
        data_url: String,
    }
    let pending: Vec<_> = items
        .into_iter()
        .filter(|i| !matches!(i.send, SendState::Sent { .. }))
        .collect();
    let mut out = Vec::new();
    for it in &pending {
        let mut photos = Vec::new();
        for sha in it.payload.photos() {
            if let Ok(Some(blob)) = super::store::photo(sha).await {
                photos.push(ExportedPhoto {
                    sha256: sha.clone(),
                    data_url: data_url(&blob).await,
                });
            }
        }
        out.push(match &it.payload {
            Payload::Observation(o) => Exported {
                id: it.id,
                site: Some(&it.site_name),
                observation: Some(o),
                item: None,
                title: None,
                answer: None,
                sub_item: None,
                progress: None,
                inspection: None,
                check_in: None,
                photos,
            },
            Payload::Answer(a) => Exported {
                id: it.id,
                site: None,
                observation: None,
                item: Some(a.item_id),
                title: Some(&it.site_name),
                answer: Some(&a.input),
                sub_item: None,
                progress: None,
                inspection: None,
                check_in: None,
                photos,
            },
            Payload::Progress(p) => Exported {
                id: it.id,
                site: None,
                observation: None,
                item: None,
                title: Some(&it.site_name),
                answer: None,
                sub_item: Some(p.sub_item_id),
                progress: Some(&p.input),
                inspection: None,
                check_in: None,
                photos,
            },
            Payload::CheckIn(c) => Exported {
                id: it.id,
                site: Some(&it.site_name),
                observation: None,
                item: None,
                title: None,
                answer: None,
                sub_item: None,
                progress: None,
                inspection: Some(c.inspection_id),
                check_in: Some(&c.input),
                photos,
            },
        });
    }
    let text = serde_json::to_string_pretty(&out).unwrap_or_default();
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(&text));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type("application/json");
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts) else {
        return;
    };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else {
        return;
    };
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    if let Ok(a) = doc
        .create_element("a")
        .map(|a| a.unchecked_into::<web_sys::HtmlAnchorElement>())
    {
        a.set_href(&url);
        a.set_download(&format!(
            "jiandu-outbox-{}.json",
            js_sys::Date::now() as u64
        ));
        a.click();
    }
}

#[cfg(feature = "hydrate")]
async fn data_url(blob: &web_sys::Blob) -> String {
    use wasm_bindgen::JsCast;
    let Ok(reader) = web_sys::FileReader::new() else {
        return String::new();
    };
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        let r2 = reader.clone();
        let cb = wasm_bindgen::closure::Closure::once_into_js(move || {
            let _ = resolve.call1(
                &wasm_bindgen::JsValue::NULL,
                &r2.result().unwrap_or_default(),
            );
        });
        reader.set_onloadend(Some(cb.unchecked_ref()));
    });
    if reader.read_as_data_url(blob).is_err() {
        return String::new();
    }
    wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_default()
}
