//! Account administration: list accounts, create one, reset a password. Admin only.

pub mod activation;
pub mod registry;

use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use crate::ui::IntoAnySync;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::catalogue::UnitRef;
use crate::domain::Role;
use crate::error::AppError;
use crate::i18n::*;
use crate::ui::form::{done_by_any, PlainForm};
use crate::ui::{pick, role_label, use_zh, Loaded};

use crate::accounts::AdminAction;
pub use crate::accounts::{AdminLogEntry, DeputyOption, UserListItem};

#[cfg(feature = "ssr")]
use crate::accounts::{ACCOUNTS_PAGE, LOG_PAGE};
use crate::paged::Paged;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AccountsPage {
    pub users: Paged<UserListItem>,
    pub units: Vec<UnitRef>,
    /// Deputies of the roster with no account yet (made in one step on the activation page).
    pub deputies_without_account: i64,
    pub log: Paged<AdminLogEntry>,
}

#[cfg(feature = "ssr")]
async fn admin() -> Result<crate::store::users::UserRecord, AppError> {
    crate::auth::ssr::require(|u| u.role.can_manage_accounts()).await
}

/// Whether the caller is an administrator: the gate of the administrators' pages, so that a page
/// of forms only they may use is not drawn for anyone else (the server functions and endpoints
/// behind the forms check again).
#[server(endpoint = "admin/check")]
pub async fn check_admin() -> Result<(), AppError> {
    crate::ssr::run(async move { admin().await.map(|_| ()) }).await
}

/// Draws its children for administrators only; anyone else gets the refusal (signing in, or
/// "your role may not do this" with its HTTP status).
#[component]
pub fn AdminOnly(children: ChildrenFn) -> impl IntoView {
    let gate = Resource::new(|| (), |_| check_admin());
    view! { <Loaded resource=gate view=move |()| children() /> }
}

/// The accounts (one page, with the total), what a new account can be tied to, and one page of
/// the administrators' log.
#[server(endpoint = "admin/accounts")]
pub async fn accounts(page: Option<u32>, log_page: Option<u32>) -> Result<AccountsPage, AppError> {
    crate::ssr::run(async move {
        admin().await?;
        let db = crate::ssr::db()?;
        let (page, log_page) = (page.unwrap_or(0), log_page.unwrap_or(0));
        let (users, total) = db.list_users(page, ACCOUNTS_PAGE).await?;
        let (log, log_total) = db.admin_log(log_page, LOG_PAGE).await?;
        Ok(AccountsPage {
            users: Paged {
                rows: users,
                total,
                page,
                per_page: ACCOUNTS_PAGE,
            },
            units: db.list_units().await?,
            deputies_without_account: db.count_deputies_without_account().await?,
            log: Paged {
                rows: log,
                total: log_total,
                page: log_page,
                per_page: LOG_PAGE,
            },
        })
    })
    .await
}

/// Deactivates (`active` false) or reactivates an account. A deactivated account cannot sign in
/// and its open sessions are refused from their next request; everything it did stays.
#[server(endpoint = "admin/set-active")]
pub async fn set_active(user_id: Uuid, active: bool) -> Result<bool, AppError> {
    crate::ssr::run(async move {
        let by = admin().await?;
        if by.id == user_id && !active {
            return Err(AppError::invalid(
                "user_id",
                "you cannot deactivate your own account: ask another administrator",
            ));
        }
        let changed = crate::ssr::db()?
            .set_user_active(user_id, active, by.id)
            .await?;
        tracing::info!(by = %by.username, account = %user_id, active, changed, "account activity set");
        Ok(changed)
    })
    .await
}

#[cfg(feature = "ssr")]
/// Empty form fields arrive as "" rather than absent.
fn optional_id(field: &str, raw: Option<String>) -> Result<Option<Uuid>, AppError> {
    match raw.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) => Uuid::parse_str(s)
            .map(Some)
            .map_err(|_| AppError::invalid(field, format!("{field} is not a valid id"))),
    }
}

#[server(endpoint = "admin/create-account")]
pub async fn create_account(
    username: String,
    display_name: String,
    password: String,
    role: String,
    unit_id: Option<String>,
    deputy_id: Option<String>,
    deputy: Option<String>,
) -> Result<Uuid, AppError> {
    use crate::domain::{DisplayName, Password, Username};
    use crate::store::users::NewUser;
    crate::ssr::run(async move {
        let by = admin().await?;
        let username =
            Username::parse(&username).map_err(|e| AppError::invalid("username", e.to_string()))?;
        let display_name = DisplayName::parse(&display_name)
            .map_err(|e| AppError::invalid("display_name", e.to_string()))?;
        let password =
            Password::parse(&password).map_err(|e| AppError::invalid("password", e.to_string()))?;
        let role: Role = role
            .parse()
            .map_err(|e: crate::domain::role::UnknownRole| {
                AppError::invalid("role", e.to_string())
            })?;
        let unit_id = optional_id("unit_id", unit_id)?.filter(|_| role.needs_unit());
        let mut deputy_id = optional_id("deputy_id", deputy_id)?.filter(|_| role.needs_deputy());
        let db = crate::ssr::db()?;
        let typed = deputy.as_deref().map(str::trim).filter(|t| !t.is_empty());
        if let (true, None, Some(typed)) = (role.needs_deputy(), deputy_id, typed) {
            let (name, delegation) = crate::domain::account::split_deputy(typed);
            let found = db.deputies_named(&name, delegation.as_deref()).await?;
            deputy_id = match found.as_slice() {
                [one] => Some(one.id),
                [] => {
                    return Err(AppError::invalid(
                        "deputy",
                        format!("no deputy without an account is called {typed}"),
                    ))
                }
                _ => {
                    let shown = crate::store::users::DEPUTIES_NAMED_SHOWN;
                    let how_many = if found.len() > shown {
                        format!("More than {shown}")
                    } else {
                        found.len().to_string()
                    };
                    return Err(AppError::invalid(
                        "deputy_twins",
                        format!(
                            "{how_many} deputies without an account are called {name}: add the delegation ({}{})",
                            found
                                .iter()
                                .take(shown)
                                .map(|d| format!("{} · {}", d.name_zh, d.delegation_zh))
                                .collect::<Vec<_>>()
                                .join("; "),
                            if found.len() > shown { "; …" } else { "" }
                        ),
                    ));
                }
            };
        }
        if role.needs_unit() && unit_id.is_none() {
            return Err(AppError::invalid(
                "unit_id",
                "a unit officer account needs a unit",
            ));
        }
        if role.needs_deputy() && deputy_id.is_none() {
            return Err(AppError::invalid(
                "deputy_id",
                "a deputy account needs a deputy",
            ));
        }
        if let Some(u) = unit_id {
            if !db.unit_exists(u).await? {
                return Err(AppError::invalid("unit_id", "no such unit"));
            }
        }
        if let Some(d) = deputy_id {
            if !db.deputy_exists(d).await? {
                return Err(AppError::invalid("deputy_id", "no such deputy"));
            }
        }
        let password_hash =
            tokio::task::spawn_blocking(move || crate::auth::ssr::hash_password(&password))
                .await
                .map_err(|_| AppError::internal())??;
        let logged_name = username.as_str().to_owned();
        let id = db
            .insert_user(
                &NewUser {
                    username,
                    display_name,
                    password_hash,
                    role,
                    unit_id,
                    deputy_id,
                },
                false,
            )
            .await?
            .ok_or_else(AppError::internal)?;
        db.log_admin(
            Some(by.id),
            AdminAction::CreateAccount,
            &logged_name,
            Some(serde_json::json!({ "role": role.as_str() })),
        )
        .await?;
        tracing::info!(by = %by.username, account = %id, role = %role, "account created");
        Ok(id)
    })
    .await
}

/// Sets a new password for the account `user_id`, or the one called `username` (the form types
/// it: the accounts list pages, so a list of names would only hold one page of them).
#[server(endpoint = "admin/reset-password")]
pub async fn reset_password(
    user_id: Option<String>,
    username: Option<String>,
    password: String,
) -> Result<(), AppError> {
    use crate::domain::Password;
    crate::ssr::run(async move {
        let by = admin().await?;
        let user_id = match optional_id("user_id", user_id)? {
            Some(id) => id,
            None => {
                let name = username.as_deref().map(str::trim).unwrap_or_default();
                crate::ssr::db()?
                    .user_by_username(name)
                    .await?
                    .map(|u| u.id)
                    .ok_or_else(|| AppError::invalid("username", "no account has this username"))?
            }
        };
        let password =
            Password::parse(&password).map_err(|e| AppError::invalid("password", e.to_string()))?;
        let hash = tokio::task::spawn_blocking(move || crate::auth::ssr::hash_password(&password))
            .await
            .map_err(|_| AppError::internal())??;
        let db = crate::ssr::db()?;
        db.set_password_hash(user_id, &hash).await?;
        let name = db
            .user_by_id(user_id)
            .await?
            .map(|u| u.username)
            .unwrap_or_else(|| user_id.to_string());
        db.log_admin(Some(by.id), AdminAction::ResetPassword, &name, None)
            .await?;
        tracing::info!(by = %by.username, account = %user_id, "password reset");
        Ok(())
    })
    .await
}

#[component]
pub fn UsersPage() -> impl IntoView {
    let i18n = use_i18n();
    let zh = use_zh();
    let query = leptos_router::hooks::use_query_map();
    let number = move |key: &str| {
        crate::ui::query_arg(query, key)
            .and_then(|p| p.parse::<u32>().ok())
            .unwrap_or(0)
    };
    let data = Resource::new(
        move || (number("page"), number("log_page")),
        |(page, log_page)| accounts(Some(page), Some(log_page)),
    );
    view! {
        <h1>{t!(i18n, users.title)}</h1>
        <Loaded
            resource=data
            view=move |page| {
                let AccountsPage { users, units, deputies_without_account, log } = page;
                let user_options = users.rows.clone();
                let (account_page, log_page) = (users.page, log.page);
                let accounts_pager = crate::ui::pager(
                    "account-pager",
                    (users.total, users.page, users.pages()),
                    move |p| format!("/admin/users?page={p}&log_page={log_page}"),
                    {
                        let (total, page, pages) = (users.total, users.page + 1, users.pages());
                        view! { {t!(i18n, users.page_status, total = total, page = page, pages = pages)} }
                    },
                );
                let log_pager = crate::ui::pager(
                    "log-pager",
                    (log.total, log.page, log.pages()),
                    move |p| format!("/admin/users?page={account_page}&log_page={p}"),
                    {
                        let (total, page, pages) = (log.total, log.page + 1, log.pages());
                        view! { {t!(i18n, users.log_page_status, total = total, page = page, pages = pages)} }
                    },
                );
                view! {
                    <section class="card">
                        <h2>{t!(i18n, users.create)}</h2>
                        <PlainForm action=CreateAccount::url() class="stack" id="create-account"
                            done=t_string!(i18n, users.created)>
                            <label>
                                <span>{t!(i18n, users.username)}</span>
                                <input name="username" required maxlength="32" autocapitalize="none" />
                            </label>
                            <label>
                                <span>{t!(i18n, users.display_name)}</span>
                                <input name="display_name" required maxlength="64" />
                            </label>
                            <label>
                                <span>{t!(i18n, users.password)}</span>
                                <input
                                    name="password"
                                    type="password"
                                    required
                                    minlength="10"
                                    maxlength="128"
                                    autocomplete="new-password"
                                />
                            </label>
                            <label>
                                <span>{t!(i18n, users.role)}</span>
                                <select name="role" required>
                                    {Role::ALL
                                        .into_iter()
                                        .map(|r| {
                                            view! { <option value=r.as_str()>{role_label(i18n, r)}</option> }
                                        })
                                        .collect_view()}
                                </select>
                            </label>
                            <label>
                                <span>{t!(i18n, users.unit)}</span>
                                <select name="unit_id">
                                    <option value="">{t!(i18n, users.choose)}</option>
                                    {units
                                        .into_iter()
                                        .map(|u| {
                                            view! {
                                                <option value=u.id.to_string()>
                                                    {pick(zh, &u.name_zh, &u.name_en)}
                                                </option>
                                            }
                                        })
                                        .collect_view()}
                                </select>
                            </label>
                            <label>
                                <span>{t!(i18n, users.deputy)}</span>
                                <input name="deputy" maxlength="100" id="account-deputy" />
                                <small class="muted">
                                    {t!(i18n, users.deputy_hint, count = deputies_without_account)} " "
                                    <a href="/admin/activation">{t!(i18n, nav.activation)}</a>
                                </small>
                            </label>
                            <button type="submit" class="primary">{t!(i18n, users.submit)}</button>
                        </PlainForm>
                    </section>
                    <section class="card">
                        <h2>{t!(i18n, users.reset)}</h2>
                        <PlainForm action=ResetPassword::url() class="stack" id="reset-password"
                            done=t_string!(i18n, users.reset_done)>
                            <label>
                                <span>{t!(i18n, users.username)}</span>
                                <input name="username" required maxlength="32" autocapitalize="none" list="page-usernames" />
                                <datalist id="page-usernames">
                                    {user_options
                                        .into_iter()
                                        .map(|u| view! { <option value=u.username.clone()>{u.display_name.clone()}</option> })
                                        .collect_view()}
                                </datalist>
                            </label>
                            <label>
                                <span>{t!(i18n, users.new_password)}</span>
                                <input
                                    name="password"
                                    type="password"
                                    required
                                    minlength="10"
                                    maxlength="128"
                                    autocomplete="new-password"
                                />
                            </label>
                            <button type="submit" class="primary">{t!(i18n, users.submit)}</button>
                        </PlainForm>
                    </section>
                    <section>
                        <h2>{t!(i18n, users.list)}</h2>
                        {accounts_pager}
                        {done_by_any(SetActive::url()).then(|| view! {
                            <p class="notice ok" role="status">{t!(i18n, users.set_active_done)}</p>
                        })}
                        <table class="grid" id="account-table">
                            <tbody>
                                {users
                                    .rows
                                    .into_iter()
                                    .map(|u| {
                                        let unit = match (&u.unit_zh, &u.unit_en) {
                                            (Some(a), Some(b)) => pick(zh, a, b),
                                            _ => u.group_number.map(|g| format!("#{g}")).unwrap_or_default(),
                                        };
                                        let (state, button) = if u.is_active {
                                            (t_string!(i18n, users.active), t_string!(i18n, users.deactivate))
                                        } else {
                                            (t_string!(i18n, users.inactive), t_string!(i18n, users.reactivate))
                                        };
                                        view! {
                                            <tr data-user=u.username.clone() data-active=u.is_active.to_string()>
                                                <td>{u.username.clone()}</td>
                                                <td>{u.display_name.clone()}</td>
                                                <td>{role_label(i18n, u.role)}</td>
                                                <td>{unit}</td>
                                                <td class="state">{state}</td>
                                                <td>
                                                    <PlainForm action=SetActive::url() key=u.username.clone() class="inline set-active">
                                                        <input type="hidden" name="user_id" value=u.id.to_string() />
                                                        <input type="hidden" name="active" value=(!u.is_active).to_string() />
                                                        <button type="submit">{button}</button>
                                                    </PlainForm>
                                                </td>
                                            </tr>
                                        }
                                    })
                                    .collect_view()}
                            </tbody>
                        </table>
                    </section>
                    <section>
                        <h2>{t!(i18n, users.log)}</h2>
                        {log_pager}
                        {if log.rows.is_empty() {
                            view! { <p class="muted">{t!(i18n, users.log_none)}</p> }.into_any_sync()
                        } else {
                            view! {
                                <table class="grid" id="admin-log">
                                    <thead>
                                        <tr>
                                            <th>{t!(i18n, users.when)}</th>
                                            <th>{t!(i18n, users.who)}</th>
                                            <th>{t!(i18n, users.what)}</th>
                                            <th>{t!(i18n, users.subject)}</th>
                                        </tr>
                                    </thead>
                                    <tbody>
                                        {log
                                            .rows
                                            .into_iter()
                                            .map(|e| {
                                                let who = e
                                                    .actor
                                                    .clone()
                                                    .unwrap_or_else(|| t_string!(i18n, users.command_line).to_owned());
                                                view! {
                                                    <tr data-action=e.action.as_str()>
                                                        <td>{crate::ui::local_time(e.at)}</td>
                                                        <td>{who}</td>
                                                        <td>{action_label(i18n, e.action)}</td>
                                                        <td>{e.subject.clone()}</td>
                                                    </tr>
                                                }
                                            })
                                            .collect_view()}
                                    </tbody>
                                </table>
                            }
                                .into_any_sync()
                        }}
                    </section>
                }
            }
        />
    }
}

fn action_label(locale: impl Into<Locale>, a: AdminAction) -> &'static str {
    let locale: Locale = locale.into();
    match a {
        AdminAction::CreateAccount => td_string!(locale, users.act_create_account),
        AdminAction::ResetPassword => td_string!(locale, users.act_reset_password),
        AdminAction::Deactivate => td_string!(locale, users.act_deactivate),
        AdminAction::Reactivate => td_string!(locale, users.act_reactivate),
        AdminAction::Import => td_string!(locale, users.act_import),
        AdminAction::Edit => td_string!(locale, users.act_edit),
    }
}
