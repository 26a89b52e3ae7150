//! The pages a member of the public sees: a site behind its QR code, and the thank-you page.
//! Both are complete HTML without JavaScript; the shell leaves the wasm out on `/s/…`.

use leptos::prelude::*;

use crate::ui::IntoAnySync;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::{use_params_map, use_query_map};

use super::{get_public_site, CommentDraft, PublicComment, PublicSite};
use crate::domain::comment::{percent, Satisfaction, Schedule, Support, MAX_COMMENT_CHARS};
use crate::i18n::*;
use crate::ui::{kind_label, pick, query_arg, use_zh, ErrorNotice, Loaded};

/// True for the paths the public reaches through a QR code or a link (a site, a receipt, the
/// year's plan): no wasm, no app navigation there.
pub fn is_public_path(path: &str) -> bool {
    path.starts_with("/s/")
        || path == "/r"
        || path.starts_with("/r/")
        || path == "/plan"
        || path.starts_with("/plan/")
}

pub fn satisfaction_label(locale: impl Into<Locale>, s: Satisfaction) -> &'static str {
    let locale: Locale = locale.into();
    match s {
        Satisfaction::Satisfied => td_string!(locale, public.satisfied),
        Satisfaction::Basic => td_string!(locale, public.basic),
        Satisfaction::Dissatisfied => td_string!(locale, public.dissatisfied),
    }
}

pub fn support_label(locale: impl Into<Locale>, s: Support) -> &'static str {
    let locale: Locale = locale.into();
    match s {
        Support::Yes => td_string!(locale, public.support_yes),
        Support::No => td_string!(locale, public.support_no),
        Support::NotSure => td_string!(locale, public.support_not_sure),
    }
}

fn code_param() -> impl Fn() -> String + Copy + Send + Sync {
    let params = use_params_map();
    move || query_arg(params, "code").unwrap_or_default()
}

#[component]
pub fn PublicSitePage() -> impl IntoView {
    let code = code_param();
    let query = use_query_map();
    let page = move || {
        query_arg(query, "page")
            .and_then(|p| p.parse::<u32>().ok())
            .unwrap_or(0)
    };
    let data = Resource::new(
        move || (code(), page()),
        |(code, page)| get_public_site(code, page),
    );
    view! { <Loaded resource=data view=move |d| view! { <PublicSiteView d=d /> } /> }
}

#[component]
fn PublicSiteView(d: PublicSite) -> impl IntoView {
    let i18n = use_i18n();
    let zh = use_zh();
    let s = &d.site;
    let code = s.public_code.clone();
    let schedule = match Schedule::of(s.deadline, d.today) {
        Schedule::OnTrack => t!(i18n, public.on_track).into_any_sync(),
        Schedule::DueSoon { days } => t!(i18n, public.due_soon, days = days).into_any_sync(),
        Schedule::PastDeadline => t!(i18n, public.past_deadline).into_any_sync(),
    };
    let n = d.tally.responses();
    // The sub-item's latest figure, with the unit it counts in and when it was reported.
    let progress = match d.progress {
        Some((done, at)) => view! {
            {done} " / " {s.target_quantity} " " {pick(zh, &s.target_unit_zh, &s.target_unit_en).to_owned()}
            " · " <small>{t!(i18n, plan.as_of)} " " {crate::ui::local_time(at)}</small>
        }
        .into_any_sync(),
        None => view! { <span class="muted">{t!(i18n, plan.no_report)}</span> }.into_any_sync(),
    };
    let site_map = vec![crate::map::MapItem {
        shape: crate::map::Shape::Geometry(s.geometry.clone()),
        class: format!("site kind-{}", s.kind.as_str()),
        href: None,
        title: pick(zh, &s.name_zh, &s.name_en).to_owned(),
    }];
    let comments = d.comments.clone();
    let name = pick(zh, &s.name_zh, &s.name_en);
    let description = format!(
        "{} · {} · {}",
        pick(zh, &s.project_title_zh, &s.project_title_en),
        pick(zh, &s.sub_item_title_zh, &s.sub_item_title_en),
        pick(zh, &s.lead_unit_zh, &s.lead_unit_en)
    );
    let pager = {
        let code = code.clone();
        let prev = (d.page > 0).then(|| format!("/s/{code}?page={}#comments", d.page - 1));
        let next = d
            .has_more
            .then(|| format!("/s/{code}?page={}#comments", d.page + 1));
        view! {
            <nav class="pager">
                {prev.map(|h| view! { <a href=h rel="prev">{t!(i18n, public.newer)}</a> })}
                {next.map(|h| view! { <a href=h rel="next" id="older-comments">{t!(i18n, public.older)}</a> })}
            </nav>
        }
    };
    // Someone signed in who scanned the poster (a deputy at the site, say): who they are here and
    // the way to the site in the app. Such a page is never kept for the public (`cache.rs`).
    let session = crate::ui::use_session();
    let site_id = s.id;
    let signed_in = move || {
        crate::ui::session_now(session)
            .and_then(|s| s.user)
            .map(|u| {
                let name = format!("{} ({})", u.display_name, u.username);
                view! {
                    <p class="notice" id="signed-in-as">
                        {t!(i18n, public.signed_in_as, name = name)} " · "
                        <a href=format!("/sites/{site_id}")>{t!(i18n, public.open_in_app)}</a>
                    </p>
                }
            })
    };
    view! {
        <Title text=name.clone() />
        <Meta name="description" content=description />
        <Suspense>{signed_in}</Suspense>
        <article class="public-site">
            <p class="kicker">
                <span class="tag">{kind_label(i18n, s.kind)}</span>
                " "
                <span class="code">{code.clone()}</span>
            </p>
            <h1 id="site-name">{name}</h1>
            <dl class="facts">
                <dt>{t!(i18n, public.project)}</dt>
                <dd>{pick(zh, &s.project_title_zh, &s.project_title_en)}</dd>
                <dt>{t!(i18n, public.sub_item)}</dt>
                <dd>{pick(zh, &s.sub_item_title_zh, &s.sub_item_title_en)}</dd>
                <dt>{t!(i18n, site.lead_unit)}</dt>
                <dd id="site-lead-unit">{pick(zh, &s.lead_unit_zh, &s.lead_unit_en)}</dd>
                <dt>{t!(i18n, site.target)}</dt>
                <dd>{s.target_quantity} " " {pick(zh, &s.target_unit_zh, &s.target_unit_en)}</dd>
                <dt>{t!(i18n, site.deadline)}</dt>
                <dd>{s.deadline.to_string()}</dd>
                <dt>{t!(i18n, public.status)}</dt>
                <dd id="site-schedule">{schedule}</dd>
                <dt>{t!(i18n, progress.title)}</dt>
                <dd id="site-progress">{progress}</dd>
                <dt>{t!(i18n, site_state.label)}</dt>
                <dd id="public-site-state"><crate::ui::SiteStateTag state=s.state /></dd>
                {d.usage.clone().map(|u| view! {
                    <dt>{t!(i18n, usage.title)} " (" {t!(i18n, usage.last_days, days = crate::usage::USAGE_DAYS)} ")"</dt>
                    <dd id="public-usage" data-uses=u.uses>
                        {t!(i18n, usage.public_uses, uses = u.uses)}
                        {u.last_day.map(|day| view! {
                            " · " {t!(i18n, usage.last_day)} " " {day.to_string()}
                        })}
                    </dd>
                })}
                <dt>{t!(i18n, site.district)}</dt>
                <dd>{pick(zh, &s.district_zh, &s.district_en)}</dd>
            </dl>
            <section class="figures" id="figures" aria-label=move || t_string!(i18n, public.figures)>
                <p>
                    <span class="figure">
                        <b id="satisfaction-rate">{percent(d.tally.satisfaction_rate())}</b>
                        <small>{t!(i18n, public.satisfaction_rate)}</small>
                    </span>
                    <span class="figure">
                        <b id="support-rate">{percent(d.tally.support_rate())}</b>
                        <small>{t!(i18n, public.support_rate)}</small>
                    </span>
                    <span class="figure">
                        <b id="response-count">{n}</b>
                        <small>{t!(i18n, public.responses)}</small>
                    </span>
                </p>
                <p class="hint" id="figures-counted">{t!(i18n, public.counted_note)}</p>
            </section>
            {(s.active && !d.questionnaires.is_empty()).then(|| view! {
                <section id="site-questionnaires" class="card">
                    <h2>{t!(i18n, questionnaires.public_title)}</h2>
                    <ul>
                        {d.questionnaires.iter().map(|q| view! {
                            <li data-id=q.id.to_string()>
                                <a href=format!("/s/{code}/q/{}", q.id)>{q.title.clone()}</a>
                                " " <small class="muted">{t!(i18n, questionnaires.until, date = q.closes_on.to_string())}</small>
                            </li>
                        }).collect_view()}
                    </ul>
                </section>
            })}
            {if s.active {
                view! { <CommentForm code=code.clone() /> }.into_any_sync()
            } else {
                view! { <p class="notice" id="site-closed">{t!(i18n, public.site_closed)}</p> }.into_any_sync()
            }}
            {(!d.cases.is_empty()).then(|| view! {
                <section id="site-cases">
                    <h2>{t!(i18n, cases.public_title)}</h2>
                    <p class="muted">{t!(i18n, cases.public_intro)}</p>
                    <crate::cases::pages::CaseCards cases=d.cases.clone() with_site=false />
                </section>
            })}
            <section id="comments">
                <h2>{t!(i18n, public.comments)}</h2>
                {if comments.is_empty() {
                    view! { <p class="muted">{t!(i18n, public.no_comments)}</p> }.into_any_sync()
                } else {
                    view! {
                        <ol class="comments" id="comment-list">
                            {comments
                                .into_iter()
                                .map(|c| view! { <CommentItem c=c code=code.clone() /> })
                                .collect_view()}
                        </ol>
                    }
                        .into_any_sync()
                }}
                {pager}
            </section>
            // Where the site is, drawn on the server: complete without JavaScript, and the
            // basemap's tiles load only when scrolled to.
            <section id="site-where">
                <h2>{t!(i18n, public.where_title)}</h2>
                <crate::map::MapView items=site_map provider=crate::map::configured() id="public-map" still=true />
            </section>
        </article>
    }
}

#[component]
fn CommentItem(c: PublicComment, code: String) -> impl IntoView {
    let i18n = use_i18n();
    let date = (c.created_at + chrono::Duration::hours(8))
        .format("%Y-%m-%d")
        .to_string();
    let tone = match c.satisfaction {
        Satisfaction::Satisfied => "good",
        Satisfaction::Basic => "fair",
        Satisfaction::Dissatisfied => "poor",
    };
    view! {
        <li>
            <p class="meta">
                <span class=format!("rating {tone}")>{satisfaction_label(i18n, c.satisfaction)}</span>
                " · "
                {support_label(i18n, c.support)}
                " · "
                <time datetime=c.created_at.to_rfc3339()>{date}</time>
            </p>
            {c.body.map(|b| view! { <p class="body">{b}</p> })}
            {c.photo_sha256.map(|sha| {
                let base = format!("/s/{code}/photos/{sha}");
                view! {
                    <a href=format!("{base}/display")>
                        <img src=format!("{base}/thumb") alt=move || t_string!(i18n, public.photo_alt) loading="lazy" width="160" />
                    </a>
                }
            })}
        </li>
    }
}

/// A plain form post (multipart, for the optional photo): it works in any browser, with or
/// without JavaScript. The token makes a double tap or a resend store one comment.
#[component]
fn CommentForm(code: String) -> impl IntoView {
    let i18n = use_i18n();
    let draft = use_context::<CommentDraft>().unwrap_or_default();
    let token = uuid::Uuid::now_v7().to_string();
    let checked_sat = draft.satisfaction.clone();
    let checked_sup = draft.support.clone();
    let error = draft.error.clone();
    view! {
        <section id="comment" class="card">
            <h2>{t!(i18n, public.leave_comment)}</h2>
            {error.map(|e| view! { <ErrorNotice error=e /> })}
            <form
                method="post"
                action=format!("/s/{code}/comment")
                enctype="multipart/form-data"
                id="comment-form"
                class="stack"
            >
                <input type="hidden" name="form_token" value=token />
                <fieldset class="choices" id="satisfaction">
                    <legend>{t!(i18n, public.how_satisfied)}</legend>
                    {Satisfaction::ALL
                        .into_iter()
                        .map(|s| {
                            let on = checked_sat.as_deref() == Some(s.as_str());
                            view! {
                                <label class="choice">
                                    <input type="radio" name="satisfaction" value=s.as_str() required checked=on />
                                    <span>{satisfaction_label(i18n, s)}</span>
                                </label>
                            }
                        })
                        .collect_view()}
                </fieldset>
                <fieldset class="choices" id="support">
                    <legend>{t!(i18n, public.do_you_support)}</legend>
                    {Support::ALL
                        .into_iter()
                        .map(|s| {
                            let on = checked_sup.as_deref() == Some(s.as_str());
                            view! {
                                <label class="choice">
                                    <input type="radio" name="support" value=s.as_str() required checked=on />
                                    <span>{support_label(i18n, s)}</span>
                                </label>
                            }
                        })
                        .collect_view()}
                </fieldset>
                <label>
                    <span>{t!(i18n, public.your_comment)}</span>
                    <textarea name="body" rows="4" maxlength=MAX_COMMENT_CHARS.to_string() id="comment-body" inner_html=crate::ui::textarea_html(&draft.body)></textarea>
                    <small class="muted" id="body-count">{t!(i18n, public.body_hint, max = MAX_COMMENT_CHARS)}</small>
                </label>
                <label>
                    <span>{t!(i18n, public.photo)}</span>
                    <input type="file" name="photo" accept="image/jpeg,image/png,image/webp" />
                    <small class="muted">{t!(i18n, public.photo_hint)}</small>
                </label>
                <label>
                    <span>{t!(i18n, public.phone)}</span>
                    <input
                        type="tel"
                        name="phone"
                        inputmode="tel"
                        autocomplete="tel"
                        maxlength="20"
                        value=draft.phone.clone()
                    />
                    <small class="muted">{t!(i18n, public.phone_hint)}</small>
                </label>
                <label class="check">
                    <input type="checkbox" name="consent" value="yes" checked=draft.consent />
                    <span>{t!(i18n, public.consent)}</span>
                </label>
                // A field people never see: bots fill every input they find.
                <p class="hp" aria-hidden="true">
                    <label>
                        "Website"
                        <input type="text" name="website" tabindex="-1" autocomplete="off" />
                    </label>
                </p>
                <button type="submit" class="primary" id="comment-submit">
                    {t!(i18n, public.submit)}
                </button>
                <p class="muted">{t!(i18n, public.no_location)}</p>
            </form>
            // Optional enhancement (the form works without it): a live character count and one
            // submission per tap. A few hundred bytes instead of the app's wasm.
            <script nonce=leptos::nonce::use_nonce() inner_html=ENHANCE></script>
        </section>
    }
}

const ENHANCE: &str = r#"(function(){var f=document.getElementById('comment-form');if(!f)return;var t=document.getElementById('comment-body'),c=document.getElementById('body-count'),m=+t.getAttribute('maxlength');function u(){c.textContent=Array.from(t.value).length+' / '+m}t.addEventListener('input',u);f.addEventListener('submit',function(){var b=document.getElementById('comment-submit');setTimeout(function(){b.disabled=true},0)})})();"#;

#[component]
pub fn ThanksPage() -> impl IntoView {
    let i18n = use_i18n();
    let code = code_param();
    view! {
        <section class="card narrow" id="thanks">
            <h1>{t!(i18n, public.thanks_title)}</h1>
            <p>{t!(i18n, public.thanks_body)}</p>
            <p>
                <a class="button" href=move || format!("/s/{}", code())>
                    {t!(i18n, public.back_to_site)}
                </a>
            </p>
        </section>
    }
}
