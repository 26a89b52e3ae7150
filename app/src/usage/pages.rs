//! Usage on a site's page (the last days' counts, the devices and, for those who manage them,
//! their tokens and the form to register one) and the dashboard's quiet sites. Server-rendered,
//! plain forms.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use uuid::Uuid;

use super::api::{get_quiet_sites, get_site_usage, RegisterDevice, SetDeviceActive, SetQuietDays};
use super::{DeviceRow, QuietSites, SiteUsage};
use crate::domain::device::DeviceKind;
use crate::i18n::*;
use crate::ui::form::PlainForm;
use crate::ui::{local_time, pick, query_arg, use_zh, Loaded};

pub fn device_kind_label(i18n: leptos_i18n::I18nContext<Locale>, k: DeviceKind) -> &'static str {
    match k {
        DeviceKind::Seat => t_string!(i18n, usage.seat),
        DeviceKind::Charger => t_string!(i18n, usage.charger),
        DeviceKind::LiftController => t_string!(i18n, usage.lift_controller),
    }
}

/// Watt-hours as kilowatt-hours with one decimal.
fn kwh(wh: i64) -> String {
    format!("{:.1}", wh as f64 / 1000.0)
}

fn device_row(
    i18n: leptos_i18n::I18nContext<Locale>,
    d: DeviceRow,
    manage: bool,
    topic: String,
) -> impl IntoView {
    let id = d.id;
    view! {
        <tr data-id=id.to_string() data-active=d.active.to_string()>
            <td>{device_kind_label(i18n, d.kind)}</td>
            <td>{d.label.clone()}</td>
            <td>{local_time(d.created_at)}</td>
            <td class="last-reading">{d.last_reading_at.map(local_time).unwrap_or_else(|| "—".into())}</td>
            <td>
                {if d.active { t_string!(i18n, usage.active) } else { t_string!(i18n, usage.retired) }}
            </td>
            {manage.then(|| view! {
                <td class="token">
                    {d.token.clone().map(|t| view! {
                        <code class="device-token">{t}</code>
                        <br />
                        <small class="muted">{t!(i18n, usage.topic)} " " <code>{topic.clone()}</code></small>
                    })}
                </td>
                <td>
                    <PlainForm action=SetDeviceActive::url() key=id.to_string() class="inline">
                        <input type="hidden" name="device" value=id.to_string() />
                        <input type="hidden" name="active" value=(!d.active).to_string() />
                        <button type="submit" class="device-toggle">
                            {if d.active { t_string!(i18n, usage.retire) } else { t_string!(i18n, usage.restore) }}
                        </button>
                    </PlainForm>
                </td>
            })}
        </tr>
    }
}

/// The usage section of a signed-in site page.
#[component]
pub fn SiteUsageSection(site: Uuid, code: String) -> impl IntoView {
    let i18n = use_i18n();
    let data = Resource::new(|| (), move |_| get_site_usage(site));
    view! {
        <Loaded
            resource=data
            view=move |u: SiteUsage| {
                let manage = u.may_manage;
                let topic = crate::domain::device::topic_of(&code);
                let days = u.days.clone();
                let devices = u.devices.clone();
                let none = devices.is_empty();
                let kinds = DeviceKind::ALL
                    .into_iter()
                    .map(|k| view! { <option value=k.as_str()>{device_kind_label(i18n, k)}</option> })
                    .collect_view();
                view! {
                    <section id="usage" data-quiet=u.quiet.to_string()>
                        <h2>{t!(i18n, usage.title)}</h2>
                        {u.quiet.then(|| view! {
                            <p class="notice error" id="usage-quiet">
                                {t!(i18n, usage.quiet_since, days = u.quiet_days)}
                            </p>
                        })}
                        {none.then(|| view! { <p class="muted" id="no-devices">{t!(i18n, usage.no_devices)}</p> })}
                        {(!none).then(|| view! {
                            <ul class="figures" id="usage-total">
                                <li><b id="usage-uses">{u.total.uses}</b> " " {t!(i18n, usage.uses)}</li>
                                <li><b>{kwh(u.total.energy_wh)}</b> " kWh"</li>
                                <li><b id="usage-faults">{u.total.faults}</b> " " {t!(i18n, usage.faults)}</li>
                                <li class="muted">{t!(i18n, usage.last_days, days = super::USAGE_DAYS)}</li>
                            </ul>
                            <div class="scroll" tabindex="0">
                            <table class="grid" id="usage-days">
                                <thead><tr>
                                    <th>{t!(i18n, usage.day)}</th>
                                    <th class="num">{t!(i18n, usage.uses)}</th>
                                    <th class="num">"kWh"</th>
                                    <th class="num">{t!(i18n, usage.faults)}</th>
                                    <th class="num">{t!(i18n, usage.readings)}</th>
                                </tr></thead>
                                <tbody>
                                    {days.into_iter().map(|d| view! {
                                        <tr data-day=d.day.to_string()>
                                            <td>{d.day.to_string()}</td>
                                            <td class="num uses">{d.uses}</td>
                                            <td class="num">{kwh(d.energy_wh)}</td>
                                            <td class="num">{d.faults}</td>
                                            <td class="num">{d.readings}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                            </div>
                            <p><a href=format!("/sites/{site}/readings.csv") rel="external" download id="readings-csv">
                                {t!(i18n, usage.csv)}
                            </a></p>
                            <h3>{t!(i18n, usage.devices)}</h3>
                            <div class="scroll" tabindex="0">
                            <table class="grid" id="device-list">
                                <thead><tr>
                                    <th>{t!(i18n, usage.kind)}</th>
                                    <th>{t!(i18n, usage.label)}</th>
                                    <th>{t!(i18n, usage.registered)}</th>
                                    <th>{t!(i18n, usage.last_reading)}</th>
                                    <th>{t!(i18n, usage.state)}</th>
                                    {manage.then(|| view! { <th>{t!(i18n, usage.token)}</th><th></th> })}
                                </tr></thead>
                                <tbody>
                                    {devices.into_iter().map(|d| device_row(i18n, d, manage, topic.clone())).collect_view()}
                                </tbody>
                            </table>
                            </div>
                        })}
                        {manage.then(|| view! {
                            <PlainForm action=RegisterDevice::url() id="device-form" class="inline"
                                done=t_string!(i18n, usage.registered_done)>
                                <input type="hidden" name="site" value=site.to_string() />
                                <label>
                                    <span>{t!(i18n, usage.kind)}</span>
                                    <select name="kind" id="device-kind">{kinds}</select>
                                </label>
                                <label>
                                    <span>{t!(i18n, usage.label)}</span>
                                    <input name="label" maxlength="100" id="device-label" />
                                </label>
                                <button type="submit" id="device-register">{t!(i18n, usage.register)}</button>
                                <p class="muted hint">{t!(i18n, usage.register_hint)}</p>
                            </PlainForm>
                        })}
                    </section>
                }
            }
        />
    }
}

/// The dashboard's sites whose devices have gone quiet, quiet longest first, paged with the total.
#[component]
pub fn QuietSitesSection() -> impl IntoView {
    let i18n = use_i18n();
    let zh = use_zh();
    let query = leptos_router::hooks::use_query_map();
    let page = move || {
        query_arg(query, "quiet")
            .and_then(|p| p.parse::<u32>().ok())
            .unwrap_or(0)
    };
    let data = Resource::new(page, |p| get_quiet_sites(Some(p)));
    view! {
        <Loaded
            resource=data
            view=move |q: QuietSites| {
                let (total, page, pages) = (q.sites.total, q.sites.page, q.sites.pages());
                let words = view! { {t!(i18n, usage.quiet_status, total = total, page = page + 1, pages = pages)} };
                let pager = crate::ui::pager(
                    "quiet-pager",
                    (total, page, pages),
                    |n| format!("/staff/dashboard?quiet={n}#quiet-sites"),
                    words,
                );
                view! {
                    <h2 id="quiet-sites">{t!(i18n, usage.quiet_title)}</h2>
                    <PlainForm action=SetQuietDays::url() class="inline" done=t_string!(i18n, usage.quiet_saved)>
                        <label>
                            <span>{t!(i18n, usage.quiet_days)}</span>
                            <input name="days" inputmode="numeric" size="3" value=q.quiet_days.to_string() id="quiet-days" />
                        </label>
                        <button type="submit">{t!(i18n, common.save)}</button>
                    </PlainForm>
                    {pager}
                    <div class="scroll" tabindex="0">
                    <table class="grid" id="dash-quiet" data-total=total>
                        <thead><tr>
                            <th>{t!(i18n, usage.site)}</th>
                            <th>{t!(i18n, sub_item.lead_unit)}</th>
                            <th class="num">{t!(i18n, usage.devices)}</th>
                            <th>{t!(i18n, usage.last_day)}</th>
                        </tr></thead>
                        <tbody>
                            {q.sites.rows.into_iter().map(|s| view! {
                                <tr data-code=s.public_code.clone()>
                                    <td><a href=format!("/sites/{}#usage", s.site_id) rel="external">
                                        {pick(zh, &s.name_zh, &s.name_en)}</a></td>
                                    <td>{pick(zh, &s.unit_zh, &s.unit_en)}</td>
                                    <td class="num">{s.devices}</td>
                                    <td>{s.last_day.map(|d| d.to_string()).unwrap_or_else(|| "—".into())}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                    </div>
                }
            }
        />
    }
}
