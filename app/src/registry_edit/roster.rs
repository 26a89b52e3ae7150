//! The roster and the units: deputies a page at a time with the total (find by name or
//! delegation, filter by group), each editable — name, delegation, group, the mobile kept as the
//! public's phones are — a new deputy added as a roster row; and the lead units, renamed or
//! moved to the group that follows them.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::use_query_map;

use super::sites::EditNav;
use super::{load_roster, save_note, RenameUnit, SaveDeputy, SaveGroup, SetUnitGroup};
use crate::domain::registry::Field;
use crate::i18n::*;
use crate::registry_rows::{GroupOption, RosterPage, RosterRow};
use crate::ui::{query_arg, use_zh, Loaded};

#[component]
pub fn RosterEditPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let q = move || query_arg(query, "q");
    let group = move || query_arg(query, "group").and_then(|g| g.parse::<i32>().ok());
    let page = move || {
        query_arg(query, "page")
            .and_then(|p| p.parse::<u32>().ok())
            .unwrap_or(0)
    };
    let data = Resource::new(
        move || (q(), group(), page()),
        |(q, group, page)| load_roster(q, group, Some(page)),
    );
    view! {
        <h1>{t!(i18n, edit.roster_title)}</h1>
        <EditNav />
        <Loaded resource=data view=move |page: RosterPage| view! { <RosterView page /> } />
    }
}

#[component]
fn RosterView(page: RosterPage) -> impl IntoView {
    let i18n = use_i18n();
    let zh = use_zh();
    let RosterPage {
        deputies,
        groups,
        units,
    } = page;
    let query = use_query_map();
    let q = query.with_untracked(|m| m.get("q")).unwrap_or_default();
    let group = query
        .with_untracked(|m| m.get("group"))
        .and_then(|g| g.parse::<i32>().ok());
    let (q_link, g_link) = (
        crate::ui::urlencode(&q),
        group.map(|g| g.to_string()).unwrap_or_default(),
    );
    let pager = crate::ui::pager(
        "roster-pager",
        (deputies.total, deputies.page, deputies.pages()),
        move |p| format!("/admin/registry/roster?q={q_link}&group={g_link}&page={p}"),
        {
            let (total, page, pages) = (deputies.total, deputies.page + 1, deputies.pages());
            view! { {t!(i18n, edit.roster_status, total = total, page = page, pages = pages)} }
        },
    );
    let label = move |f: Field| if zh { f.header_zh() } else { f.header_en() };
    let group_select = {
        let groups = groups.clone();
        let name = label(Field::Group);
        move |chosen: Option<i32>| {
            view! {
                <select name="group" required aria-label=name>
                    {groups
                        .iter()
                        .map(|g| view! { <option value=g.number.to_string() selected=Some(g.number) == chosen>{format!("{} · {}", g.number, g.name_zh)}</option> })
                        .collect_view()}
                </select>
            }
        }
    };
    let group_filter: Vec<GroupOption> = groups.clone();
    let group_rows: Vec<GroupOption> = groups.clone();
    let pick_group = group_select.clone();
    let pick_group_new = group_select.clone();
    view! {
        <section>
            <h2>{t!(i18n, edit.deputies)}</h2>
            <form method="get" action="/admin/registry/roster" class="filters" id="roster-search">
                <label>
                    <span>{t!(i18n, edit.search)}</span>
                    <input type="search" name="q" value=q maxlength="32" />
                </label>
                <label>
                    <span>{label(Field::Group)}</span>
                    <select name="group">
                        <option value="">{t!(i18n, edit.all_groups)}</option>
                        {group_filter
                            .into_iter()
                            .map(|g| view! { <option value=g.number.to_string() selected=Some(g.number) == group>{format!("{} · {}", g.number, g.name_zh)}</option> })
                            .collect_view()}
                    </select>
                </label>
                <button type="submit">{t!(i18n, edit.find)}</button>
            </form>
            {pager}
            {save_note(SaveDeputy::url(), None, "deputy-saved")}
            <div id="roster-list">
                {deputies
                    .rows
                    .into_iter()
                    .map(|d: RosterRow| {
                        let summary = format!(
                            "{} · {} · {} {}",
                            d.name_zh,
                            d.delegation_zh,
                            d.group_number,
                            d.mobile_masked.clone().unwrap_or_default()
                        );
                        let account = d.username.clone().unwrap_or_else(|| t_string!(i18n, edit.no_account).to_owned());
                        let select = pick_group(Some(d.group_number));
                        let (key, id, name, delegation) = (
                            d.name_zh.clone(),
                            d.id.to_string(),
                            d.name_zh,
                            d.delegation_zh,
                        );
                        let masked = d.mobile_masked.unwrap_or_default();
                        view! {
                            <details class="card" data-deputy=key>
                                <summary>{summary} " · " <span class="muted">{account}</span></summary>
                                <form method="post" action=SaveDeputy::url() class="stack deputy-form">
                                    <input type="hidden" name="deputy_id" value=id />
                                    <label><span>{label(Field::Name)}</span>
                                        <input name="name" required maxlength="32" value=name /></label>
                                    <label><span>{label(Field::Delegation)}</span>
                                        <input name="delegation" required maxlength="64" value=delegation /></label>
                                    <label><span>{label(Field::Group)}</span>{select}</label>
                                    <label><span>{label(Field::Mobile)}</span>
                                        <input name="mobile" inputmode="tel" maxlength="20"
                                            placeholder=masked />
                                        <small class="muted">{t!(i18n, edit.mobile_hint)}</small></label>
                                    <label class="choice">
                                        <input type="checkbox" name="clear_mobile" value="1" />
                                        <span>{t!(i18n, edit.clear_mobile)}</span>
                                    </label>
                                    <button type="submit" class="primary">{t!(i18n, edit.save)}</button>
                                </form>
                            </details>
                        }
                    })
                    .collect_view()}
            </div>
            <section class="card">
                <h3>{t!(i18n, edit.new_deputy)}</h3>
                <form method="post" action=SaveDeputy::url() class="stack" id="new-deputy-form">
                    <label><span>{label(Field::Name)}</span><input name="name" required maxlength="32" /></label>
                    <label><span>{label(Field::Delegation)}</span><input name="delegation" required maxlength="64" /></label>
                    <label><span>{label(Field::Group)}</span>{pick_group_new(None)}</label>
                    <label><span>{label(Field::Mobile)}</span><input name="mobile" inputmode="tel" maxlength="20" /></label>
                    <button type="submit" class="primary">{t!(i18n, edit.add)}</button>
                </form>
            </section>
        </section>
        <section>
            <h2>{t!(i18n, edit.groups)}</h2>
            {save_note(SaveGroup::url(), None, "group-saved")}
            <table class="grid" id="group-table">
                <tbody>
                    {group_rows
                        .into_iter()
                        .map(|g| {
                            let (key, shown, number, name) = (
                                g.number.to_string(),
                                g.number.to_string(),
                                g.number.to_string(),
                                g.name_zh,
                            );
                            view! {
                                <tr data-group=key>
                                    <td>{shown}</td>
                                    <td>
                                        <form method="post" action=SaveGroup::url() class="inline rename-group">
                                            <input type="hidden" name="number" value=number />
                                            <input name="name" required maxlength="32" value=name aria-label=label(Field::Group) />
                                            <button type="submit">{t!(i18n, edit.rename)}</button>
                                        </form>
                                    </td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
            <form method="post" action=SaveGroup::url() class="inline" id="new-group-form">
                <input name="number" required inputmode="numeric" maxlength="2" placeholder=t_string!(i18n, edit.group_number) aria-label=t_string!(i18n, edit.group_number) />
                <input name="name" required maxlength="32" placeholder=t_string!(i18n, edit.group_name) aria-label=t_string!(i18n, edit.group_name) />
                <button type="submit">{t!(i18n, edit.new_group)}</button>
            </form>
        </section>
        <section>
            <h2>{t!(i18n, edit.units)}</h2>
            {save_note(RenameUnit::url(), None, "unit-renamed")}
            {save_note(SetUnitGroup::url(), None, "unit-moved")}
            <table class="grid" id="unit-table">
                <thead>
                    <tr>
                        <th>{label(Field::LeadUnit)}</th>
                        <th>{t!(i18n, edit.sub_items)}</th>
                        <th>{label(Field::Group)}</th>
                    </tr>
                </thead>
                <tbody>
                    {units
                        .into_iter()
                        .map(|u| {
                            let select = group_select(u.group_number);
                            let (key, id, zh, en, unit) = (
                                u.name_zh.clone(),
                                u.id.to_string(),
                                u.name_zh.clone(),
                                u.name_en,
                                u.name_zh,
                            );
                            view! {
                            <tr data-unit=key>
                                <td>
                                    <form method="post" action=RenameUnit::url() class="inline rename-unit">
                                        <input type="hidden" name="unit_id" value=id />
                                        <input name="name_zh" required maxlength="64" value=zh aria-label=label(Field::LeadUnit) />
                                        <input name="name_en" maxlength="128" value=en aria-label="English" />
                                        <button type="submit">{t!(i18n, edit.rename)}</button>
                                    </form>
                                </td>
                                <td>{u.sub_items}</td>
                                <td>
                                    <form method="post" action=SetUnitGroup::url() class="inline move-unit">
                                        <input type="hidden" name="unit" value=unit />
                                        {select}
                                        <button type="submit">{t!(i18n, edit.move_unit)}</button>
                                    </form>
                                </td>
                            </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </section>
    }
}
