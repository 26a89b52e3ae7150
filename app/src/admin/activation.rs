//! Accounts for a whole roster: one step makes an account for every deputy who has none, each
//! with a one-time activation code; `/admin/activation` is the sheet to print and hand out (a
//! page at a time, with the total) and `/admin/activation-codes.xlsx` the same as a workbook.
//! At first sign-in (`/activate`) the person sets their own password and the code is spent.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::use_query_map;

use crate::accounts::PendingActivation;
#[cfg(feature = "ssr")]
use crate::accounts::SHEET_PAGE;
use crate::error::AppError;
use crate::i18n::*;
use crate::paged::Paged;
use crate::ui::form::{said, PlainForm};
use crate::ui::{pager, query_arg, Loaded};

pub const XLSX_URL: &str = "/admin/activation-codes.xlsx";

/// The codes read back for printing. Only for administrators.
#[cfg(feature = "ssr")]
pub async fn sheet_rows(
    db: &crate::store::Db,
    secret: &crate::public::secret::Secret,
    page: u32,
    per_page: u32,
) -> Result<Paged<PendingActivation>, AppError> {
    let (rows, total) = db.pending_activations(page, per_page).await?;
    let rows = rows
        .into_iter()
        .map(|r| PendingActivation {
            code: secret
                .decrypt(&r.cipher, r.id.as_bytes())
                .and_then(|c| crate::domain::account::ActivationCode::parse(&c))
                .map(|c| c.printed())
                .unwrap_or_default(),
            username: r.username,
            display_name: r.display_name,
            delegation: r.delegation,
            group_number: r.group_number,
            group_name: r.group_name,
            expires: r.expires,
        })
        .collect();
    Ok(Paged {
        rows,
        total,
        page,
        per_page,
    })
}

/// Makes the accounts; returns how many were made (0 when every deputy has one).
#[server(endpoint = "admin/roster-accounts")]
pub async fn roster_accounts() -> Result<usize, AppError> {
    crate::ssr::run(async move {
        let by = crate::auth::ssr::require(|u| u.role.can_manage_accounts()).await?;
        let state = use_context::<crate::ssr::AppState>().ok_or_else(AppError::internal)?;
        let made = state
            .db
            .create_roster_accounts(&state.public.secret, by.id)
            .await?;
        tracing::info!(by = %by.username, made, "roster accounts made");
        crate::ssr::form_says("made", made);
        Ok(made)
    })
    .await
}

#[server(endpoint = "admin/activation-sheet")]
pub async fn activation_sheet(page: Option<u32>) -> Result<Paged<PendingActivation>, AppError> {
    crate::ssr::run(async move {
        crate::auth::ssr::require(|u| u.role.can_manage_accounts()).await?;
        let state = use_context::<crate::ssr::AppState>().ok_or_else(AppError::internal)?;
        sheet_rows(
            &state.db,
            &state.public.secret,
            page.unwrap_or(0),
            SHEET_PAGE,
        )
        .await
    })
    .await
}

#[component]
pub fn ActivationPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let page = move || {
        query_arg(query, "page")
            .and_then(|p| p.parse::<u32>().ok())
            .unwrap_or(0)
    };
    let sheet = Resource::new(page, |page| activation_sheet(Some(page)));
    let made = said(RosterAccounts::url(), None, "made").and_then(|n| n.parse::<usize>().ok());
    view! {
        <h1>{t!(i18n, activation.sheet_title)}</h1>
        <super::AdminOnly>
        <p class="muted no-print">{t!(i18n, activation.sheet_intro)}</p>
        <PlainForm action=RosterAccounts::url() class="no-print" id="roster-accounts-form">
            <button type="submit" class="primary" id="roster-accounts">
                {t!(i18n, activation.make)}
            </button>
        </PlainForm>
        {made.map(|n| view! {
            <p class="notice ok no-print" id="roster-accounts-made" data-made=n>{t!(i18n, activation.made, n = n)}</p>
        })}
        <p class="no-print"><a href=XLSX_URL id="activation-xlsx" download>{t!(i18n, activation.xlsx)}</a></p>
        <Loaded resource=sheet view={move |p: Paged<PendingActivation>| {
            let (total, shown_page, pages) = (p.total, p.page + 1, p.pages());
            let status = pager(
                "activation-pager",
                (p.total, p.page, p.pages()),
                |n| format!("/admin/activation?page={n}"),
                view! { {t!(i18n, activation.page_status, total = total, page = shown_page, pages = pages)} },
            );
            view! {
                <p class="muted no-print" id="activation-total" data-total=p.total>
                    {t!(i18n, activation.pending, n = p.total)}
                </p>
                <ol class="activation-sheet" id="activation-sheet">
                    {p.rows
                        .into_iter()
                        .map(|a| {
                            let key = a.username.clone();
                            view! {
                            <li class="card" data-username=key>
                                <p><b>{a.display_name}</b> " · " {a.delegation} " · "
                                   {a.group_number.map(|n| n.to_string()).unwrap_or_default()} " " {a.group_name}</p>
                                <p>{t!(i18n, activation.username)} " " <code class="username">{a.username}</code></p>
                                <p>{t!(i18n, activation.code)} " " <code class="code">{a.code}</code></p>
                                <p class="muted">{t!(i18n, activation.how)} " · "
                                   {t!(i18n, activation.until)} " " {a.expires.format("%Y-%m-%d").to_string()}</p>
                            </li>
                            }
                        })
                        .collect_view()}
                </ol>
                {status}
            }
        }} />
        </super::AdminOnly>
    }
}
