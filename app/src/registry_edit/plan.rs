//! The year's plan, one sub-item at a time: each sub-item's form starts as it is stored, and a
//! new one starts empty; saving checks and stores it as that row of the plan file would be.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::use_query_map;

use super::sites::EditNav;
use super::{load_plan, save_note, SaveSubItem};
use crate::domain::registry::Field;
use crate::domain::registry_edit::FieldProblem;
use crate::i18n::*;
use crate::registry_rows::{PlanPage, PlanSubItem};
use crate::ui::{query_arg, use_zh, Loaded};

/// Every refused field of a form, with the reason in the reader's language; on a page, and in
/// the site editor (an island).
#[component]
pub fn Problems(problems: Vec<FieldProblem>, zh: bool) -> impl IntoView {
    let locale = crate::ui::island::locale();
    view! {
        <div class="notice error" role="alert" data-error="Refused">
            <p>{td_string!(locale, edit.refused)}</p>
            <ul class="problems">
                {problems
                    .into_iter()
                    .map(|p| {
                        let field = if zh { p.field.header_zh() } else { p.field.header_en() };
                        view! {
                            <li data-field=p.field.header_en()>
                                <strong>{field}</strong> " " {p.problem.message(zh)}
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </div>
    }
}

#[component]
pub fn PlanEditPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let year = move || query_arg(query, "year").and_then(|y| y.parse::<i32>().ok());
    let data = Resource::new(year, load_plan);
    view! {
        <h1>{t!(i18n, edit.plan_title)}</h1>
        <EditNav />
        <Loaded resource=data view=move |page: PlanPage| view! { <PlanView page /> } />
    }
}

#[component]
fn PlanView(page: PlanPage) -> impl IntoView {
    let i18n = use_i18n();
    let PlanPage {
        year,
        years,
        sub_items,
        units,
    } = page;
    // The plan year in China, where the office is, when nothing is loaded yet.
    let year = year.unwrap_or_else(|| {
        chrono::Datelike::year(&(chrono::Utc::now() + chrono::Duration::hours(8)))
    });
    let unit_names: Vec<String> = units.into_iter().map(|u| u.name_zh).collect();
    view! {
        {(years.len() > 1).then(|| view! {
            <p class="tabs" id="plan-years">
                {years.iter().map(|y| view! {
                    <a href=format!("/admin/registry/plan?year={y}") aria-current=(*y == year).then_some("page")>{*y}</a> " "
                }).collect_view()}
            </p>
        })}
        <datalist id="unit-names">
            {unit_names.into_iter().map(|u| view! { <option value=u></option> }).collect_view()}
        </datalist>
        {save_note(SaveSubItem::url(), None, "sub-item-saved")}
        {if sub_items.is_empty() {
            Some(view! { <p class="muted" id="no-plan">{t!(i18n, edit.no_plan, year = year)}</p> })
        } else {
            None
        }}
        <div id="plan-sub-items">
            {sub_items
                .into_iter()
                .map(|s| {
                    let summary = format!(
                        "{}-{} {} · {} · {} {} · {}",
                        s.project_number, s.number, s.title_zh, s.unit_zh, s.target_quantity,
                        s.target_unit_zh, s.deadline
                    );
                    let key = format!("{}-{}", s.project_number, s.number);
                    view! {
                        <details class="card" data-sub-item=key>
                            <summary>{summary}</summary>
                            <SubItemForm year sub=Some(s) />
                        </details>
                    }
                })
                .collect_view()}
        </div>
        <section class="card">
            <h2>{t!(i18n, edit.new_sub_item)}</h2>
            <SubItemForm year sub=None />
        </section>
    }
}

#[component]
fn SubItemForm(year: i32, sub: Option<PlanSubItem>) -> impl IntoView {
    let i18n = use_i18n();
    let zh = use_zh();
    let label = move |f: Field| if zh { f.header_zh() } else { f.header_en() };
    let existing = sub.is_some();
    let v = |f: fn(&PlanSubItem) -> String| sub.as_ref().map(f).unwrap_or_default();
    let money = |f: fn(&PlanSubItem) -> Option<i64>| {
        sub.as_ref()
            .and_then(f)
            .map(crate::domain::registry::yuan_to_wan)
            .unwrap_or_default()
    };
    let (project_no, sub_item_no, project_name, title, unit) = (
        v(|s| s.project_number.to_string()),
        v(|s| s.number.to_string()),
        v(|s| s.project_title_zh.clone()),
        v(|s| s.title_zh.clone()),
        v(|s| s.unit_zh.clone()),
    );
    let (target, target_unit, deadline) = (
        v(|s| s.target_quantity.to_string()),
        v(|s| s.target_unit_zh.clone()),
        v(|s| s.deadline.to_string()),
    );
    let (budget, government, residents, social) = (
        money(|s| Some(s.budget_yuan)),
        money(|s| s.funds_government_yuan),
        money(|s| s.funds_residents_yuan),
        money(|s| s.funds_social_yuan),
    );
    let sites = sub.as_ref().map(|s| (s.site_count, s.id));
    let id = if existing {
        "sub-item-form"
    } else {
        "new-sub-item-form"
    };
    view! {
        <form method="post" action=SaveSubItem::url() class="stack sub-item-form" id=id>
            <input type="hidden" name="year" value=year />
            <div class="row">
                <label>
                    <span>{label(Field::ProjectNo)}</span>
                    <input name="project_no" required inputmode="numeric" maxlength="2" readonly=existing
                        value=project_no />
                </label>
                <label>
                    <span>{label(Field::SubItemNo)}</span>
                    <input name="sub_item_no" required inputmode="numeric" maxlength="2" readonly=existing
                        value=sub_item_no />
                </label>
            </div>
            <label>
                <span>{label(Field::ProjectName)}</span>
                <input name="project_name" required maxlength="128" value=project_name />
                <small class="muted">{t!(i18n, edit.project_name_hint)}</small>
            </label>
            <label>
                <span>{label(Field::SubItemName)}</span>
                <input name="sub_item_name" required maxlength="128" value=title />
            </label>
            <label>
                <span>{label(Field::LeadUnit)}</span>
                <input name="lead_unit" required maxlength="64" list="unit-names" value=unit />
            </label>
            <div class="row">
                <label>
                    <span>{label(Field::TargetQuantity)}</span>
                    <input name="target_quantity" required inputmode="numeric" value=target />
                </label>
                <label>
                    <span>{label(Field::TargetUnit)}</span>
                    <input name="target_unit" required maxlength="16" value=target_unit />
                </label>
                <label>
                    <span>{label(Field::Deadline)}</span>
                    <input name="deadline" type="date" required value=deadline />
                </label>
            </div>
            <div class="row">
                <label>
                    <span>{label(Field::Budget)}</span>
                    <input name="budget" required inputmode="decimal" value=budget />
                </label>
                <label>
                    <span>{label(Field::FundsGovernment)}</span>
                    <input name="funds_government" inputmode="decimal" value=government />
                </label>
                <label>
                    <span>{label(Field::FundsResidents)}</span>
                    <input name="funds_residents" inputmode="decimal" value=residents />
                </label>
                <label>
                    <span>{label(Field::FundsSocial)}</span>
                    <input name="funds_social" inputmode="decimal" value=social />
                </label>
            </div>
            {sites.map(|(count, id)| view! {
                <p class="muted">
                    {t!(i18n, edit.sub_item_sites, count = count)} " "
                    <a href=format!("/admin/registry/sites/new?sub_item={id}")>{t!(i18n, edit.add_site_here)}</a>
                </p>
            })}
            <button type="submit" class="primary">{t!(i18n, edit.save)}</button>
        </form>
    }
}
