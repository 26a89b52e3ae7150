//! A photo's evidence badges (where and when it was taken, camera or gallery), shown the same
//! on the deputy's capture form and on the staff pages. The judgement itself is
//! `domain::photo_evidence`; this only words it.

use leptos::prelude::*;

use crate::domain::photo_evidence::{PhotoJudgement, PhotoOrigin, PhotoTime};
use crate::domain::Verdict;
use crate::i18n::*;

pub fn place_label(locale: Locale, v: Verdict) -> &'static str {
    match v {
        Verdict::OnSite => td_string!(locale, photo.on_site),
        Verdict::Near => td_string!(locale, photo.near),
        Verdict::OffSite => td_string!(locale, photo.off_site),
        Verdict::Unknown => td_string!(locale, photo.no_place),
    }
}

pub fn time_label(locale: Locale, t: PhotoTime) -> &'static str {
    match t {
        PhotoTime::Recent => td_string!(locale, photo.recent),
        PhotoTime::Old => td_string!(locale, photo.old),
        PhotoTime::BeforeProject => td_string!(locale, photo.before_project),
        PhotoTime::After => td_string!(locale, photo.after),
        PhotoTime::Unknown => td_string!(locale, photo.no_time),
    }
}

pub fn origin_label(locale: Locale, o: Option<PhotoOrigin>) -> &'static str {
    match o {
        Some(PhotoOrigin::Camera) => td_string!(locale, photo.camera),
        Some(PhotoOrigin::Gallery) => td_string!(locale, photo.gallery),
        None => td_string!(locale, photo.origin_unknown),
    }
}

/// "Taken off site · 5,012 m" and "Taken long ago (400 days ago)", as plain text: the export's
/// cell and the badges' words.
pub fn describe(locale: Locale, j: &PhotoJudgement) -> (String, String) {
    let place = match j.distance_m {
        Some(d) if j.place != Verdict::OnSite => {
            format!("{} · {:.0} m", place_label(locale, j.place), d)
        }
        _ => place_label(locale, j.place).to_owned(),
    };
    let time = match (j.time, j.age_days) {
        (PhotoTime::Old | PhotoTime::BeforeProject, Some(n)) => {
            let (open, space, close) = if locale == Locale::zh_CN {
                ("（", "", "）")
            } else {
                (" (", " ", ")")
            };
            format!(
                "{}{open}{n}{space}{}{close}",
                time_label(locale, j.time),
                td_string!(locale, photo.days_ago)
            )
        }
        _ => time_label(locale, j.time).to_owned(),
    };
    (place, time)
}

/// The badges under one photo. `data-place` and `data-time` carry the verdicts for styles and
/// tests.
#[component]
pub fn PhotoBadges(
    locale: Locale,
    judgement: PhotoJudgement,
    origin: Option<PhotoOrigin>,
    taken_at: Option<chrono::DateTime<chrono::Utc>>,
) -> impl IntoView {
    let (place, time) = describe(locale, &judgement);
    let doubtful = judgement.doubtful();
    view! {
        <span
            class="photo-check"
            class:doubtful=doubtful
            data-place=judgement.place.as_str()
            data-time=judgement.time.as_str()
            data-origin=origin.map(PhotoOrigin::as_str)
        >
            <span class="tag place">{place}</span>
            <span class="tag time">{time}</span>
            <small>
                {origin_label(locale, origin)}
                {taken_at.map(|t| format!(" · {} {}", td_string!(locale, photo.taken), super::local_time(t)))}
            </small>
        </span>
    }
}
