//! Account administration: list accounts, create one, reset a password. Admin only.

use leptos::form::ActionForm;
use leptos::prelude::*;

use crate::ui::IntoAnySync;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::catalogue::UnitRef;
use crate::domain::Role;
use crate::error::AppError;
use crate::i18n::*;
use crate::ui::{live, pick, role_label, use_zh, ErrorNotice, Loaded};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct UserListItem {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    #[cfg_attr(feature = "ssr", sqlx(try_from = "String"))]
    pub role: Role,
    pub is_active: bool,
    pub unit_zh: Option<String>,
    pub unit_en: Option<String>,
    pub group_number: Option<i32>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct DeputyOption {
    pub id: Uuid,
    pub name_zh: String,
    pub group_number: i32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AccountsPage {
    pub users: Vec<UserListItem>,
    pub units: Vec<UnitRef>,
    pub deputies: Vec<DeputyOption>,
}

#[cfg(feature = "ssr")]
async fn admin() -> Result<crate::store::users::UserRecord, AppError> {
    crate::auth::ssr::require(|u| u.role.can_manage_accounts()).await
}

#[server(endpoint = "admin/accounts")]
pub async fn accounts() -> Result<AccountsPage, AppError> {
    crate::ssr::run(async {
        admin().await?;
        let db = crate::ssr::db()?;
        Ok(AccountsPage {
            users: db.list_users().await?,
            units: db.list_units().await?,
            deputies: db.deputies_without_account().await?,
        })
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
        let deputy_id = optional_id("deputy_id", deputy_id)?.filter(|_| role.needs_deputy());
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
        let db = crate::ssr::db()?;
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
        tracing::info!(by = %by.username, account = %id, role = %role, "account created");
        Ok(id)
    })
    .await
}

#[server(endpoint = "admin/reset-password")]
pub async fn reset_password(user_id: Uuid, password: String) -> Result<(), AppError> {
    use crate::domain::Password;
    crate::ssr::run(async move {
        let by = admin().await?;
        let password =
            Password::parse(&password).map_err(|e| AppError::invalid("password", e.to_string()))?;
        let hash = tokio::task::spawn_blocking(move || crate::auth::ssr::hash_password(&password))
            .await
            .map_err(|_| AppError::internal())??;
        crate::ssr::db()?.set_password_hash(user_id, &hash).await?;
        tracing::info!(by = %by.username, account = %user_id, "password reset");
        Ok(())
    })
    .await
}

#[component]
pub fn UsersPage() -> impl IntoView {
    let i18n = use_i18n();
    let zh = use_zh();
    let create = ServerAction::<CreateAccount>::new();
    let reset = ServerAction::<ResetPassword>::new();
    let created = create.version();
    let data = Resource::new(move || live(created), |_| accounts());
    view! {
        <h1>{t!(i18n, users.title)}</h1>
        <Loaded
            resource=data
            view=move |page| {
                let AccountsPage { users, units, deputies } = page;
                let user_options = users.clone();
                view! {
                    <section class="card">
                        <h2>{t!(i18n, users.create)}</h2>
                        <ActionForm action=create attr:class="stack" attr:id="create-account">
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
                                <select name="deputy_id">
                                    <option value="">{t!(i18n, users.choose)}</option>
                                    {deputies
                                        .into_iter()
                                        .map(|d| {
                                            view! {
                                                <option value=d.id.to_string()>
                                                    {format!("{} ({})", d.name_zh, d.group_number)}
                                                </option>
                                            }
                                        })
                                        .collect_view()}
                                </select>
                            </label>
                            {move || match create.value().get() {
                                Some(Ok(_)) => {
                                    Some(view! { <p class="notice ok">{t!(i18n, users.created)}</p> }.into_any_sync())
                                }
                                Some(Err(e)) => Some(view! { <ErrorNotice error=e /> }.into_any_sync()),
                                None => None,
                            }}
                            <button type="submit" class="primary">{t!(i18n, users.submit)}</button>
                        </ActionForm>
                    </section>
                    <section class="card">
                        <h2>{t!(i18n, users.reset)}</h2>
                        <ActionForm action=reset attr:class="stack" attr:id="reset-password">
                            <label>
                                <span>{t!(i18n, users.username)}</span>
                                <select name="user_id" required>
                                    {user_options
                                        .into_iter()
                                        .map(|u| {
                                            view! {
                                                <option value=u.id.to_string()>
                                                    {format!("{} · {}", u.username, u.display_name)}
                                                </option>
                                            }
                                        })
                                        .collect_view()}
                                </select>
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
                            {move || match reset.value().get() {
                                Some(Ok(())) => {
                                    Some(view! { <p class="notice ok">{t!(i18n, users.reset_done)}</p> }.into_any_sync())
                                }
                                Some(Err(e)) => Some(view! { <ErrorNotice error=e /> }.into_any_sync()),
                                None => None,
                            }}
                            <button type="submit" class="primary">{t!(i18n, users.submit)}</button>
                        </ActionForm>
                    </section>
                    <section>
                        <h2>{t!(i18n, users.list)}</h2>
                        <table class="grid" id="account-table">
                            <tbody>
                                {users
                                    .into_iter()
                                    .map(|u| {
                                        let unit = match (&u.unit_zh, &u.unit_en) {
                                            (Some(a), Some(b)) => pick(zh, a, b),
                                            _ => u.group_number.map(|g| format!("#{g}")).unwrap_or_default(),
                                        };
                                        view! {
                                            <tr>
                                                <td>{u.username.clone()}</td>
                                                <td>{u.display_name.clone()}</td>
                                                <td>{role_label(i18n, u.role)}</td>
                                                <td>{unit}</td>
                                            </tr>
                                        }
                                    })
                                    .collect_view()}
                            </tbody>
                        </table>
                    </section>
                }
            }
        />
    }
}
