//! One error shape for server functions and the JSON API:
//! `{"error": code, "message": text, "details": …}`.

use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// Not signed in (401).
    Unauthenticated,
    /// Signed in, but this role may not do this (403).
    Forbidden,
    NotFound,
    /// Input refused; `details` says which field (422).
    Invalid,
    Conflict,
    /// Too many requests from this client or for this site; try again later (429).
    TooManyRequests,
    /// The upload is larger than allowed (413).
    TooLarge,
    /// Wrong username or password (401).
    BadCredentials,
    /// Could not reach the server, or it answered with something that is not ours.
    Network,
    /// A service the server needs (photo storage) is down; try again later (503).
    Unavailable,
    Internal,
}

impl ErrorCode {
    /// The variant's name, as pages mark a notice with it (`data-error`): without `{:?}`,
    /// whose machinery would otherwise go into the wasm for this alone.
    pub fn name(self) -> &'static str {
        match self {
            ErrorCode::Unauthenticated => "Unauthenticated",
            ErrorCode::Forbidden => "Forbidden",
            ErrorCode::NotFound => "NotFound",
            ErrorCode::Invalid => "Invalid",
            ErrorCode::Conflict => "Conflict",
            ErrorCode::TooManyRequests => "TooManyRequests",
            ErrorCode::TooLarge => "TooLarge",
            ErrorCode::BadCredentials => "BadCredentials",
            ErrorCode::Network => "Network",
            ErrorCode::Unavailable => "Unavailable",
            ErrorCode::Internal => "Internal",
        }
    }

    /// The code as the JSON says it (`bad_credentials`), for a form's redirect.
    pub fn wire(self) -> &'static str {
        match self {
            ErrorCode::Unauthenticated => "unauthenticated",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::NotFound => "not_found",
            ErrorCode::Invalid => "invalid",
            ErrorCode::Conflict => "conflict",
            ErrorCode::TooManyRequests => "too_many_requests",
            ErrorCode::TooLarge => "too_large",
            ErrorCode::BadCredentials => "bad_credentials",
            ErrorCode::Network => "network",
            ErrorCode::Unavailable => "unavailable",
            ErrorCode::Internal => "internal",
        }
    }

    pub fn from_wire(s: &str) -> Option<ErrorCode> {
        ErrorCode::ALL.into_iter().find(|c| c.wire() == s)
    }

    pub const ALL: [ErrorCode; 11] = [
        ErrorCode::Unauthenticated,
        ErrorCode::Forbidden,
        ErrorCode::NotFound,
        ErrorCode::Invalid,
        ErrorCode::Conflict,
        ErrorCode::TooManyRequests,
        ErrorCode::TooLarge,
        ErrorCode::BadCredentials,
        ErrorCode::Network,
        ErrorCode::Unavailable,
        ErrorCode::Internal,
    ];

    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::Unauthenticated | ErrorCode::BadCredentials => 401,
            ErrorCode::Forbidden => 403,
            ErrorCode::NotFound => 404,
            ErrorCode::Conflict => 409,
            ErrorCode::TooManyRequests => 429,
            ErrorCode::TooLarge => 413,
            ErrorCode::Invalid => 422,
            ErrorCode::Network => 502,
            ErrorCode::Unavailable => 503,
            ErrorCode::Internal => 500,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppError {
    pub error: ErrorCode,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<serde_json::Value>,
}

impl AppError {
    pub fn new(error: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            error,
            message: message.into(),
            details: None,
        }
    }
    /// Seconds to wait before trying again, when the error says so (`details.retry_after`).
    pub fn retry_after(&self) -> Option<u64> {
        self.details.as_ref()?.get("retry_after")?.as_u64()
    }
    pub fn unauthenticated() -> Self {
        Self::new(ErrorCode::Unauthenticated, "please sign in first")
    }
    pub fn forbidden() -> Self {
        Self::new(ErrorCode::Forbidden, "your role may not do this")
    }
    pub fn not_found(what: &str) -> Self {
        Self::new(ErrorCode::NotFound, format!("{what} not found"))
    }
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self {
            error: ErrorCode::Invalid,
            message: message.into(),
            details: Some(serde_json::json!({ "field": field })),
        }
    }
    pub fn internal() -> Self {
        Self::new(
            ErrorCode::Internal,
            "something went wrong on the server; please try again",
        )
    }
    pub fn field(&self) -> Option<&str> {
        self.details.as_ref()?.get("field")?.as_str()
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}: {}", self.error, self.message)
    }
}

impl std::error::Error for AppError {}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            // On the server these mean the caller's request could not be read (a body over the
            // limit, a form that is not UTF-8): the caller's mistake, not a bad gateway. In the
            // browser they mean the network failed or the answer came garbled.
            ServerFnErrorErr::Request(m) | ServerFnErrorErr::Deserialization(m)
                if cfg!(feature = "ssr") =>
            {
                // axum's body limit says so in these words; nothing else tells it apart.
                let code = if m.contains("length limit") {
                    ErrorCode::TooLarge
                } else {
                    ErrorCode::Invalid
                };
                AppError::new(code, m)
            }
            ServerFnErrorErr::Request(m) | ServerFnErrorErr::Deserialization(m) => {
                AppError::new(ErrorCode::Network, m)
            }
            ServerFnErrorErr::Args(m) | ServerFnErrorErr::MissingArg(m) => {
                AppError::new(ErrorCode::Invalid, m)
            }
            other => AppError::new(ErrorCode::Internal, other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ErrorCode;

    #[test]
    fn the_codes_names_are_what_serde_and_debug_say() {
        for c in ErrorCode::ALL {
            let json = serde_json::to_value(c).unwrap();
            assert_eq!(json.as_str(), Some(c.wire()));
            assert_eq!(ErrorCode::from_wire(c.wire()), Some(c));
            assert_eq!(c.name(), format!("{c:?}"));
        }
        assert_eq!(ErrorCode::from_wire("nonsense"), None);
    }
}
