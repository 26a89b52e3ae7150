use uuid::Uuid;

use super::Db;
use crate::accounts::{AdminAction, AdminLogEntry, DeputyOption, UserListItem};
use crate::domain::account::{roster_username, ActivationCode, ACTIVATION_DAYS, ACTIVATION_LEN};
use crate::domain::{DisplayName, Role, Username};
use crate::error::AppError;
use crate::public::secret::Secret;

/// What the keyed hash of an activation code is for (kept apart from phones' and clients').
pub const ACTIVATION_PURPOSE: &str = "activation-code";

/// An account waiting for its person, as the sheet prints it (the code still encrypted).
#[derive(sqlx::FromRow)]
pub struct PendingActivationRow {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub delegation: String,
    pub group_number: Option<i32>,
    pub group_name: String,
    pub cipher: Vec<u8>,
    pub expires: chrono::DateTime<chrono::Utc>,
}

/// An account as the sign-in machinery needs it (server only: it carries the password hash).
#[derive(Clone, sqlx::FromRow)]
pub struct UserRecord {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    #[sqlx(try_from = "String")]
    pub role: Role,
    pub unit_id: Option<Uuid>,
    pub deputy_id: Option<Uuid>,
    pub is_active: bool,
    /// What a session of this account must match: the password hash and the session epoch
    /// (bumped on deactivation). A password reset or a deactivation ends every session.
    pub session_key: String,
}

// The hash stays out of logs.
impl std::fmt::Debug for UserRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserRecord")
            .field("id", &self.id)
            .field("username", &self.username)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

pub struct NewUser {
    pub username: Username,
    pub display_name: DisplayName,
    pub password_hash: String,
    pub role: Role,
    pub unit_id: Option<Uuid>,
    pub deputy_id: Option<Uuid>,
}

const USER_SELECT: &str = "select id, username, display_name, password_hash, role, unit_id,
                                  deputy_id, is_active,
                                  password_hash || '#' || session_epoch as session_key
                             from users";

impl Db {
    pub async fn user_by_username(&self, username: &str) -> Result<Option<UserRecord>, AppError> {
        Ok(
            sqlx::query_as(&format!("{USER_SELECT} where username = $1"))
                .bind(username)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    pub async fn user_by_id(&self, id: Uuid) -> Result<Option<UserRecord>, AppError> {
        Ok(sqlx::query_as(&format!("{USER_SELECT} where id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// Inserts an account; a taken username or an already linked deputy is a conflict.
    /// Returns `None` when `if_absent` is set and the username exists (demo data reloads).
    pub async fn insert_user(
        &self,
        u: &NewUser,
        if_absent: bool,
    ) -> Result<Option<Uuid>, AppError> {
        let id = Uuid::now_v7();
        let sql = if if_absent {
            "insert into users (id, username, display_name, password_hash, role, unit_id, deputy_id)
             values ($1, $2, $3, $4, $5, $6, $7) on conflict (username) do nothing returning id"
        } else {
            "insert into users (id, username, display_name, password_hash, role, unit_id, deputy_id)
             values ($1, $2, $3, $4, $5, $6, $7) returning id"
        };
        Ok(sqlx::query_scalar(sql)
            .bind(id)
            .bind(u.username.as_str())
            .bind(u.display_name.as_str())
            .bind(&u.password_hash)
            .bind(u.role.as_str())
            .bind(u.unit_id)
            .bind(u.deputy_id)
            .fetch_optional(&self.pool)
            .await?)
    }

    pub async fn set_password_hash(&self, id: Uuid, hash: &str) -> Result<(), AppError> {
        let done =
            // A password set by an administrator replaces a code not yet used.
            sqlx::query(
                "update users set password_hash = $2, updated_at = now(), activation_hash = null,
                        activation_cipher = null, activation_expires = null
                  where id = $1",
            )
                .bind(id)
                .bind(hash)
                .execute(&self.pool)
                .await?;
        if done.rows_affected() == 1 {
            Ok(())
        } else {
            Err(AppError::not_found("account"))
        }
    }

    /// One page of accounts (by role, then name) and how many there are.
    pub async fn list_users(
        &self,
        page: u32,
        per_page: u32,
    ) -> Result<(Vec<UserListItem>, i64), AppError> {
        let total: i64 = sqlx::query_scalar("select count(*) from users")
            .fetch_one(&self.pool)
            .await?;
        let rows = sqlx::query_as(
            "select u.id, u.username, u.display_name, u.role, u.is_active,
                    l.name_zh as unit_zh, l.name_en as unit_en, g.number as group_number
               from users u
               left join lead_units l on l.id = u.unit_id
               left join deputies d on d.id = u.deputy_id
               left join supervision_groups g on g.id = d.group_id
              order by u.role, u.username
              limit $1 offset $2",
        )
        .bind(i64::from(per_page))
        .bind(i64::from(page) * i64::from(per_page))
        .fetch_all(&self.pool)
        .await?;
        Ok((rows, total))
    }

    /// Deactivates or reactivates an account, and logs it, in one transaction. A deactivated
    /// account's sessions are refused from its next request on (the sign-in backend loads only
    /// active accounts); its history stays. Returns whether anything changed.
    pub async fn set_user_active(
        &self,
        id: Uuid,
        active: bool,
        actor: Uuid,
    ) -> Result<bool, AppError> {
        let mut tx = self.pool.begin().await?;
        let username: Option<String> = sqlx::query_scalar(
            "update users
                set is_active = $2,
                    session_epoch = session_epoch + case when $2 then 0 else 1 end
              where id = $1 and is_active <> $2
          returning username",
        )
        .bind(id)
        .bind(active)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(username) = username else {
            let exists: bool =
                sqlx::query_scalar("select exists (select 1 from users where id = $1)")
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?;
            return if exists {
                Ok(false)
            } else {
                Err(AppError::not_found("account"))
            };
        };
        let action = if active {
            AdminAction::Reactivate
        } else {
            AdminAction::Deactivate
        };
        log_in(&mut tx, Some(actor), action, &username, None).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Records an administrative act (append-only).
    pub async fn log_admin(
        &self,
        actor: Option<Uuid>,
        action: AdminAction,
        subject: &str,
        detail: Option<serde_json::Value>,
    ) -> Result<(), AppError> {
        let mut tx = self.pool.begin().await?;
        log_in(&mut tx, actor, action, subject, detail).await?;
        tx.commit().await?;
        Ok(())
    }

    /// One page of the administrators' log, newest first, and how many entries there are.
    pub async fn admin_log(
        &self,
        page: u32,
        per_page: u32,
    ) -> Result<(Vec<AdminLogEntry>, i64), AppError> {
        let total: i64 = sqlx::query_scalar("select count(*) from admin_log")
            .fetch_one(&self.pool)
            .await?;
        let rows = sqlx::query_as(
            "select l.id, u.username as actor, l.action, l.subject, l.at
               from admin_log l left join users u on u.id = l.actor
              order by l.at desc, l.id desc
              limit $1 offset $2",
        )
        .bind(i64::from(per_page))
        .bind(i64::from(page) * i64::from(per_page))
        .fetch_all(&self.pool)
        .await?;
        Ok((rows, total))
    }

    /// Makes an account for every deputy in the roster who has none, each waiting for its
    /// person with a one-time code (hashed to find it, encrypted to print it again); returns how
    /// many. One transaction, logged.
    pub async fn create_roster_accounts(
        &self,
        secret: &Secret,
        actor: Uuid,
    ) -> Result<usize, AppError> {
        let mut tx = self.pool.begin().await?;
        let deputies: Vec<(Uuid, String)> = sqlx::query_as(
            "select d.id, d.name_zh
               from deputies d join supervision_groups g on g.id = d.group_id
              where not exists (select 1 from users u where u.deputy_id = d.id)
              order by g.number, d.delegation_zh, d.name_zh",
        )
        .fetch_all(&mut *tx)
        .await?;
        if deputies.is_empty() {
            return Ok(0);
        }
        let last = last_numbered(&mut tx, 'd').await?;
        let expires = chrono::Utc::now() + chrono::Duration::days(ACTIVATION_DAYS);
        let mut ids = Vec::with_capacity(deputies.len());
        let mut usernames = Vec::with_capacity(deputies.len());
        let mut hashes = Vec::with_capacity(deputies.len());
        let mut ciphers = Vec::with_capacity(deputies.len());
        for (i, _) in deputies.iter().enumerate() {
            let id = Uuid::now_v7();
            let (hash, cipher) = new_activation(secret, id);
            ids.push(id);
            usernames.push(
                roster_username(last as u32 + 1 + i as u32)
                    .as_str()
                    .to_owned(),
            );
            hashes.push(hash);
            ciphers.push(cipher);
        }
        let deputy_ids: Vec<Uuid> = deputies.iter().map(|d| d.0).collect();
        let names: Vec<&str> = deputies.iter().map(|d| d.1.as_str()).collect();
        sqlx::query(
            "insert into users (id, username, display_name, password_hash, role, deputy_id,
                                activation_hash, activation_cipher, activation_expires)
             select id, username, name, '!activation', 'deputy', deputy, hash, cipher, $7
               from unnest($1::uuid[], $2::text[], $3::text[], $4::uuid[], $5::bytea[],
                           $6::bytea[]) as r(id, username, name, deputy, hash, cipher)",
        )
        .bind(&ids)
        .bind(&usernames)
        .bind(&names)
        .bind(&deputy_ids)
        .bind(&hashes)
        .bind(&ciphers)
        .bind(expires)
        .execute(&mut *tx)
        .await?;
        log_in(
            &mut tx,
            Some(actor),
            AdminAction::CreateAccount,
            "roster",
            Some(serde_json::json!({ "accounts": ids.len(), "activation": true })),
        )
        .await?;
        tx.commit().await?;
        Ok(ids.len())
    }

    /// One page of the accounts still waiting for their person, in the order the sheets are
    /// handed out (group, then username), and how many there are.
    pub async fn pending_activations(
        &self,
        page: u32,
        per_page: u32,
    ) -> Result<(Vec<PendingActivationRow>, i64), AppError> {
        let total: i64 =
            sqlx::query_scalar("select count(*) from users where activation_hash is not null")
                .fetch_one(&self.pool)
                .await?;
        let rows = sqlx::query_as(
            "select u.id, u.username, u.display_name,
                    coalesce(d.delegation_zh, lu.name_zh, '') as delegation,
                    g.number as group_number, coalesce(g.name_zh, '') as group_name,
                    u.activation_cipher as cipher, u.activation_expires as expires
               from users u
               left join deputies d on d.id = u.deputy_id
               left join supervision_groups g on g.id = d.group_id
               left join lead_units lu on lu.id = u.unit_id
              where u.activation_hash is not null
              order by g.number nulls last, u.username
              limit $1 offset $2",
        )
        .bind(i64::from(per_page))
        .bind(i64::from(page) * i64::from(per_page))
        .fetch_all(&self.pool)
        .await?;
        Ok((rows, total))
    }

    /// True when `username` waits for exactly this code, still good, on an active account.
    pub async fn activation_matches(
        &self,
        username: &str,
        code_hash: &[u8],
    ) -> Result<bool, AppError> {
        Ok(sqlx::query_scalar(
            "select exists (select 1 from users where username = $1 and activation_hash = $2
                              and activation_expires > now() and is_active)",
        )
        .bind(username)
        .bind(code_hash)
        .fetch_one(&self.pool)
        .await?)
    }

    /// Uses the code: the person's own password replaces it, once (a second try with the same
    /// code finds nothing). False when the code no longer matches.
    pub async fn activate(
        &self,
        username: &str,
        code_hash: &[u8],
        password_hash: &str,
    ) -> Result<bool, AppError> {
        let done = sqlx::query(
            "update users set password_hash = $3, activation_hash = null,
                    activation_cipher = null, activation_expires = null, updated_at = now()
              where username = $1 and activation_hash = $2 and activation_expires > now()
                and is_active",
        )
        .bind(username)
        .bind(code_hash)
        .bind(password_hash)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Deputies in the roster who do not have an account yet.
    /// How many deputies of the roster have no account yet.
    pub async fn count_deputies_without_account(&self) -> Result<i64, AppError> {
        Ok(sqlx::query_scalar(
            "select count(*) from deputies d
              where not exists (select 1 from users u where u.deputy_id = d.id)",
        )
        .fetch_one(&self.pool)
        .await?)
    }

    /// The deputies without an account who are called `name` (and, when given, are of
    /// `delegation`), at most `DEPUTIES_NAMED_SHOWN + 1` of them: a province's roster is far too
    /// long to offer as a list, and one more than are shown tells the caller the list is cut.
    pub async fn deputies_named(
        &self,
        name: &str,
        delegation: Option<&str>,
    ) -> Result<Vec<DeputyOption>, AppError> {
        Ok(sqlx::query_as(
            "select d.id, d.name_zh, d.delegation_zh, g.number as group_number
               from deputies d join supervision_groups g on g.id = d.group_id
              where d.name_zh = $1 and ($2::text is null or d.delegation_zh = $2)
                and not exists (select 1 from users u where u.deputy_id = d.id)
              order by g.number, d.delegation_zh
              limit $3",
        )
        .bind(name)
        .bind(delegation)
        .bind(DEPUTIES_NAMED_SHOWN as i64 + 1)
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn unit_exists(&self, id: Uuid) -> Result<bool, AppError> {
        Ok(
            sqlx::query_scalar("select exists (select 1 from lead_units where id = $1)")
                .bind(id)
                .fetch_one(&self.pool)
                .await?,
        )
    }

    pub async fn deputy_exists(&self, id: Uuid) -> Result<bool, AppError> {
        Ok(
            sqlx::query_scalar("select exists (select 1 from deputies where id = $1)")
                .bind(id)
                .fetch_one(&self.pool)
                .await?,
        )
    }
}

/// A fresh one-time activation code for account `id`: the keyed hash that finds it and the
/// ciphertext (bound to the account) that prints it again. The code itself is kept nowhere.
pub(super) fn new_activation(secret: &Secret, id: Uuid) -> (Vec<u8>, Vec<u8>) {
    use rand::RngCore;
    let mut b = [0u8; ACTIVATION_LEN];
    rand::thread_rng().fill_bytes(&mut b);
    let code = ActivationCode::from_random(b);
    (
        secret.keyed_hash(ACTIVATION_PURPOSE, code.as_str().as_bytes()),
        secret.encrypt(code.as_str(), id.as_bytes()),
    )
}

/// The highest number among the made usernames that start with `prefix` (`d00042` → 42).
pub(super) async fn last_numbered(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    prefix: char,
) -> Result<i32, AppError> {
    Ok(sqlx::query_scalar(
        "select coalesce(max(substring(username from 2)::int), 0) from users
          where username ~ ('^' || $1 || '[0-9]{5,9}$')",
    )
    .bind(prefix.to_string())
    .fetch_one(&mut **tx)
    .await?)
}

pub(super) async fn log_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    actor: Option<Uuid>,
    action: AdminAction,
    subject: &str,
    detail: Option<serde_json::Value>,
) -> Result<(), AppError> {
    sqlx::query("insert into admin_log (actor, action, subject, detail) values ($1, $2, $3, $4)")
        .bind(actor)
        .bind(action.as_str())
        .bind(subject)
        .bind(detail)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// How many same-named deputies a refused account form lists before it says the list is cut.
pub const DEPUTIES_NAMED_SHOWN: usize = 20;
