//! The routes the server mounts itself, besides its pages and server functions, kept as a list
//! beside the router they make. The access matrix in the database tests calls every path on the
//! list as every kind of caller: a route mounted without a row there fails it.

use app::ssr::AppState;
use axum::{routing::MethodRouter, Router};

#[derive(Default)]
pub struct Mounted {
    router: Router<AppState>,
    paths: Vec<String>,
}

impl Mounted {
    pub fn route(mut self, path: &str, on: MethodRouter<AppState>) -> Self {
        self.paths.push(path.to_owned());
        self.router = self.router.route(path, on);
        self
    }

    pub fn merge(mut self, other: Mounted) -> Self {
        self.paths.extend(other.paths);
        self.router = self.router.merge(other.router);
        self
    }

    /// For what wraps every route of a group (the receipt pages' headers and rate limit).
    pub fn wrap(mut self, f: impl FnOnce(Router<AppState>) -> Router<AppState>) -> Self {
        self.router = f(self.router);
        self
    }

    /// Paths as axum takes them (`/s/{code}/comment`), in the order they were mounted.
    pub fn paths(&self) -> &[String] {
        &self.paths
    }

    pub fn into_router(self) -> Router<AppState> {
        self.router
    }
}
