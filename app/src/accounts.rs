//! The shapes of accounts and of the administrators' log, shared by the store (which fills them)
//! and the accounts page (which shows them).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::Role;

/// Accounts on one page of the accounts list.
pub const ACCOUNTS_PAGE: u32 = 50;
/// Entries on one page of the administrators' log.
pub const LOG_PAGE: u32 = 50;

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
    pub delegation_zh: String,
    pub group_number: i32,
}

/// Accounts on one page of the activation sheet (a printed page holds a few dozen).
pub const SHEET_PAGE: u32 = 100;

/// An account made for a roster, waiting for its person: what the sheet hands over.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PendingActivation {
    pub username: String,
    pub display_name: String,
    pub delegation: String,
    pub group_number: Option<i32>,
    pub group_name: String,
    /// As printed (ABCD-EFGH-JKMN); empty if it cannot be read back (the server's secret
    /// changed): the administrator then resets that account's password instead.
    pub code: String,
    pub expires: chrono::DateTime<chrono::Utc>,
}

/// What an administrator did (the `admin_log` table's `action`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AdminAction {
    CreateAccount,
    ResetPassword,
    Deactivate,
    Reactivate,
    Import,
    Edit,
}

impl AdminAction {
    pub fn as_str(self) -> &'static str {
        match self {
            AdminAction::CreateAccount => "create_account",
            AdminAction::ResetPassword => "reset_password",
            AdminAction::Deactivate => "deactivate",
            AdminAction::Reactivate => "reactivate",
            AdminAction::Import => "import",
            AdminAction::Edit => "edit",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            AdminAction::CreateAccount,
            AdminAction::ResetPassword,
            AdminAction::Deactivate,
            AdminAction::Reactivate,
            AdminAction::Import,
            AdminAction::Edit,
        ]
        .into_iter()
        .find(|a| a.as_str() == s)
    }
}

impl TryFrom<String> for AdminAction {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        AdminAction::parse(&s).ok_or(s)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct AdminLogEntry {
    pub id: i64,
    /// `None`: done at the server's command line.
    pub actor: Option<String>,
    #[cfg_attr(feature = "ssr", sqlx(try_from = "String"))]
    pub action: AdminAction,
    pub subject: String,
    pub at: chrono::DateTime<chrono::Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_round_trip() {
        for a in [
            "create_account",
            "reset_password",
            "deactivate",
            "reactivate",
            "import",
            "edit",
        ] {
            assert_eq!(AdminAction::parse(a).map(AdminAction::as_str), Some(a));
        }
        assert_eq!(AdminAction::parse("drop"), None);
    }
}
