use leptos::prelude::*;

use crate::ui::IntoAnySync;

use crate::catalogue::api::get_year_figures;
use crate::domain::Role;
use crate::i18n::*;
use crate::ui::{role_label, use_session, Loaded};

#[component]
fn Figures() -> impl IntoView {
    let i18n = use_i18n();
    let figures = Resource::new(|| (), |_| get_year_figures());
    view! {
        <Loaded
            resource=figures
            view=move |f| {
                f.map(|f| {
                    view! {
                        <section class="card">
                            <h2>{t!(i18n, home.year_figures)} " · " {f.year}</h2>
                            <ul class="figures big" id="year-figures">
                                <li><b>{f.projects}</b>{t!(i18n, home.projects)}</li>
                                <li><b>{f.sub_items}</b>{t!(i18n, home.sub_items)}</li>
                                <li><b>{f.units}</b>{t!(i18n, home.units)}</li>
                                <li><b>{f.groups}</b>{t!(i18n, home.groups)}</li>
                                <li><b>{f.deputies}</b>{t!(i18n, home.deputies)}</li>
                                <li><b>{f.sites}</b>{t!(i18n, home.sites)}</li>
                            </ul>
                        </section>
                    }
                })
            }
        />
    }
}

#[component]
pub fn HomePage() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    view! {
        <Loaded
            resource=session
            view=move |s| match s.user {
                None => {
                    view! {
                        <section class="hero">
                            <h1>{t!(i18n, home.anon_title)}</h1>
                            <p>{t!(i18n, home.anon_intro)}</p>
                            <a class="button primary" href="/login">{t!(i18n, home.anon_cta)}</a>
                        </section>
                    }
                        .into_any_sync()
                }
                Some(u) => {
                    let (intro, link, label) = match u.role {
                        Role::Deputy => (t_string!(i18n, home.deputy_intro), "/my/sites", t_string!(i18n, nav.my_sites)),
                        Role::Staff => (t_string!(i18n, home.staff_intro), "/projects", t_string!(i18n, nav.projects)),
                        Role::UnitOfficer => (t_string!(i18n, home.officer_intro), "/my/unit", t_string!(i18n, nav.my_unit)),
                        Role::Admin => (t_string!(i18n, home.admin_intro), "/admin/users", t_string!(i18n, nav.users)),
                    };
                    view! {
                        <section class="hero">
                            <h1 id="greeting">{t!(i18n, home.hello)} {u.display_name.clone()}</h1>
                            <p class="muted">{role_label(i18n, u.role)}</p>
                            <p>{intro}</p>
                            <a class="button primary" href=link>{label}</a>
                        </section>
                        <Figures />
                    }
                        .into_any_sync()
                }
            }
        />
    }
}
