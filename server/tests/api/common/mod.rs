//! A real server on a loopback port over a fresh PostgreSQL database per test.
#![allow(dead_code)]

use app::store::Db;
use leptos::config::LeptosOptions;
use reqwest::{header, StatusCode};
use serde_json::Value;
use sqlx::PgPool;

pub struct TestApp {
    pub base: String,
    pub pool: PgPool,
    pub db_name: String,
    pub media_dir: std::path::PathBuf,
    admin_url: String,
    pub http: reqwest::Client,
}

/// Where the test databases live: `JIANDU_TEST_PG` (a server URL without database, set by
/// scripts/test), else the server of `DATABASE_URL`.
pub fn server_url() -> String {
    if let Ok(u) = std::env::var("JIANDU_TEST_PG") {
        return u.trim_end_matches('/').to_owned();
    }
    let url = std::env::var("DATABASE_URL")
        .expect("set JIANDU_TEST_PG or DATABASE_URL to a PostgreSQL server (scripts/test does)");
    match url.rsplit_once('/') {
        Some((base, _)) => base.to_owned(),
        None => url,
    }
}

/// A streaming replica of the test server (`JIANDU_TEST_REPLICA_PG`, a URL without database;
/// scripts/test starts one with `pg_basebackup`).
pub fn replica_server_url() -> String {
    std::env::var("JIANDU_TEST_REPLICA_PG")
        .map(|u| u.trim_end_matches('/').to_owned())
        .expect(
            "set JIANDU_TEST_REPLICA_PG to a streaming replica of the test server \
             (scripts/test starts one: start_private_replica in scripts/lib.sh)",
        )
}

/// What `GET /metrics` asks for on the test servers.
pub const METRICS_TOKEN: &str = "test-metrics-token-0123456789";

pub const TEST_SECRET: &str = "5f1e0c7a9b3d2e4f60718293a4b5c6d7e8f90112233445566778899aabbccdde";

/// Secure cookies off: reqwest talks plain HTTP to 127.0.0.1 and reads the header itself.
pub fn test_settings(limits: server::public::CommentLimits) -> server::web::Settings {
    server::web::Settings {
        cookie_secure: false,
        public: app::ssr::PublicSettings {
            base_url: "https://jiandu.test".into(),
            secret: app::public::secret::Secret::from_hex(TEST_SECRET).expect("test secret"),
        },
        comment_limits: limits,
        metrics_token: Some(METRICS_TOKEN.into()),
    }
}

/// Serves the app on a free port of 127.0.0.1 in this test's runtime; returns its base URL.
async fn serve(
    db: Db,
    media: app::store::media::MediaStore,
    limits: server::public::CommentLimits,
) -> String {
    let options = LeptosOptions::builder().output_name("jiandu").build();
    // Secure cookies off: reqwest talks plain HTTP to 127.0.0.1 and we read the header ourselves.
    let router = server::web::router(db, media, options, test_settings(limits))
        .into_make_service_with_connect_info::<std::net::SocketAddr>();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        axum::serve(listener, router).await.expect("serve");
    });
    format!("http://{addr}")
}

/// How many servers listen for public page announcements on the database of `pool`.
async fn listeners(pool: &PgPool) -> i64 {
    sqlx::query_scalar(
        "select count(*) from pg_stat_activity
          where datname = current_database() and query ilike 'listen %'",
    )
    .fetch_one(pool)
    .await
    .expect("the listeners")
}

/// Waits until `n` servers listen for public page announcements on the database of `pool`. A
/// server empties its page cache when its listener connects (announcements before it were not
/// heard), and a page whose render began before that is not kept: a test that counts renders
/// starts once the server listens.
async fn listening(pool: &PgPool, n: i64) {
    let start = std::time::Instant::now();
    loop {
        let now = listeners(pool).await;
        if now >= n {
            return;
        }
        assert!(
            start.elapsed() < std::time::Duration::from_secs(10),
            "{now} of {n} servers listen for public page announcements after 10 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(true).await
    }

    pub async fn spawn_with(demo: bool) -> Self {
        Self::spawn_full(demo, server::public::CommentLimits::default()).await
    }

    pub async fn spawn_full(demo: bool, limits: server::public::CommentLimits) -> Self {
        Self::spawn_inner(demo, limits, None).await
    }

    /// The demo data, with photos kept in `media` rather than a temporary folder.
    pub async fn spawn_with_media(media: app::store::media::MediaStore) -> Self {
        Self::spawn_inner(true, server::public::CommentLimits::default(), Some(media)).await
    }

    async fn spawn_inner(
        demo: bool,
        limits: server::public::CommentLimits,
        media: Option<app::store::media::MediaStore>,
    ) -> Self {
        let server = server_url();
        let admin_url = format!("{server}/postgres");
        let db_name = format!("jiandu_t_{}", uuid::Uuid::now_v7().simple());
        let admin = PgPool::connect(&admin_url)
            .await
            .expect("connect to test PostgreSQL");
        sqlx::query(&format!("create database \"{db_name}\""))
            .execute(&admin)
            .await
            .expect("create test database");
        admin.close().await;

        let pool = server::connect(&format!("{server}/{db_name}"))
            .await
            .expect("connect to test database");
        server::migrate(&pool).await.expect("migrate");
        let db = Db::new(pool.clone());
        if demo {
            server::load_demo(&db).await.expect("demo data");
        }
        let media_dir = std::env::temp_dir().join(&db_name);
        let media = match media {
            Some(m) => m,
            None => app::store::media::MediaStore::local(&media_dir).expect("media dir"),
        };
        let base = serve(db, media, limits).await;
        listening(&pool, 1).await;
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        Self {
            base,
            pool,
            media_dir,
            db_name,
            admin_url,
            http,
        }
    }

    /// Another app server on this test's database, as a second process behind a load balancer
    /// is: its own pool, page cache, copier and limits; the same photo folder. Its base URL.
    pub async fn another_server(&self) -> String {
        let pool = server::connect(&self.database_url())
            .await
            .expect("connect to the test database");
        let media = app::store::media::MediaStore::local(&self.media_dir).expect("media dir");
        let before = listeners(&self.pool).await;
        let base = serve(
            Db::new(pool),
            media,
            server::public::CommentLimits::default(),
        )
        .await;
        listening(&self.pool, before + 1).await;
        base
    }

    /// Another app server on this test's database that reads from a replica (`replica_url`, a
    /// server without the database name) while it is at most `max_lag` behind; its base URL.
    pub async fn server_with_replica(
        &self,
        replica_url: &str,
        max_lag: std::time::Duration,
    ) -> String {
        let url = format!("{replica_url}/{}", self.db_name);
        // The database was made on the primary a moment ago: a replica has it once it replayed
        // that far.
        let start = std::time::Instant::now();
        loop {
            match PgPool::connect(&url).await {
                Ok(p) => {
                    p.close().await;
                    break;
                }
                Err(e) if start.elapsed() > std::time::Duration::from_secs(30) => {
                    panic!("the test database never reached {replica_url}: {e}")
                }
                Err(_) => tokio::time::sleep(std::time::Duration::from_millis(100)).await,
            }
        }
        let primary = server::connect(&self.database_url())
            .await
            .expect("connect to the test database");
        let replica = server::connect_replica(&url).expect("the replica's address");
        let media = app::store::media::MediaStore::local(&self.media_dir).expect("media dir");
        let before = listeners(&self.pool).await;
        let base = serve(
            Db::with_replica(primary, replica, max_lag),
            media,
            server::public::CommentLimits::default(),
        )
        .await;
        listening(&self.pool, before + 1).await;
        base
    }

    /// This test's database, for a command of the `jiandu` binary to work on.
    pub fn database_url(&self) -> String {
        format!("{}/{}", server_url(), self.db_name)
    }

    /// Runs the real `jiandu` binary on this test's database with `args`, extra environment and
    /// standard input; its success, standard output and standard error.
    pub fn jiandu(
        &self,
        args: &[&str],
        env: &[(&str, &str)],
        stdin: &str,
    ) -> (bool, String, String) {
        use std::io::Write;
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_jiandu"));
        cmd.args(args)
            .env("DATABASE_URL", self.database_url())
            .env("RUST_LOG", "warn")
            .env_remove("JIANDU_ADMIN_PASSWORD")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("jiandu runs");
        if let Some(mut input) = child.stdin.take() {
            let _ = input.write_all(stdin.as_bytes());
        }
        let out = child.wait_with_output().expect("jiandu ends");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// Drops the database (call at the end of a test; a failed test leaves it for inspection).
    pub async fn cleanup(self) {
        self.pool.close().await;
        let _ = std::fs::remove_dir_all(&self.media_dir);
        if let Ok(admin) = PgPool::connect(&self.admin_url).await {
            let _ = sqlx::query(&format!(
                "drop database if exists \"{}\" with (force)",
                self.db_name
            ))
            .execute(&admin)
            .await;
        }
    }

    /// Calls a server function the way the browser does (form-encoded POST, JSON back).
    pub async fn call(
        &self,
        endpoint: &str,
        cookie: Option<&str>,
        form: &[(&str, &str)],
    ) -> (StatusCode, Value, reqwest::header::HeaderMap) {
        let mut req = self
            .http
            .post(format!("{}/api/{endpoint}", self.base))
            .header(header::ACCEPT, "application/json")
            .form(form);
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, c);
        }
        let res = req.send().await.expect("request");
        let status = res.status();
        let headers = res.headers().clone();
        let text = res.text().await.expect("body");
        let json = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, json, headers)
    }

    /// Signs in and returns the session cookie ("name=value") to send back.
    pub async fn login(&self, username: &str, password: &str) -> Option<String> {
        let (status, _, headers) = self
            .call(
                "session/login",
                None,
                &[("username", username), ("password", password)],
            )
            .await;
        if status != StatusCode::OK {
            return None;
        }
        headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|c| c.starts_with("jiandu="))
            .and_then(|c| c.split(';').next())
            .map(str::to_owned)
    }

    pub async fn login_demo(&self, username: &str) -> String {
        self.login(username, "jiandu-demo")
            .await
            .unwrap_or_else(|| panic!("demo account {username} could not sign in"))
    }

    /// A page load as a browser makes it (it accepts HTML).
    /// A JSON `PUT` as the phone's sync engine sends it: the status and the JSON answer (null
    /// when the answer is not JSON).
    pub async fn put_json(
        &self,
        path: &str,
        cookie: Option<&str>,
        body: &serde_json::Value,
    ) -> (reqwest::StatusCode, serde_json::Value) {
        let mut req = self
            .http
            .put(format!("{}{path}", self.base))
            .header(header::CONTENT_TYPE, "application/json")
            .body(body.to_string());
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, c);
        }
        let res = req.send().await.expect("request");
        let status = res.status();
        (status, res.json().await.unwrap_or(serde_json::Value::Null))
    }

    pub async fn get(&self, path: &str, cookie: Option<&str>) -> reqwest::Response {
        let mut req = self
            .http
            .get(format!("{}{path}", self.base))
            .header(header::ACCEPT, "text/html,application/xhtml+xml");
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, c);
        }
        req.send().await.expect("request")
    }

    /// Waits for the background copier to make a photo's display copy and thumbnail.
    pub async fn copies_made(&self, sha256: &str) {
        for _ in 0..200 {
            let state: Option<String> =
                sqlx::query_scalar("select copies from photos where sha256 = $1")
                    .bind(sha256)
                    .fetch_optional(&self.pool)
                    .await
                    .expect("copies state");
            if state.as_deref() == Some("ready") {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("the copies of {sha256} were not made within 10 s");
    }

    /// A second server over the same database and photo folder, as after a restart: returns
    /// its base URL.
    pub async fn serve_again(&self) -> String {
        let media = app::store::media::MediaStore::local(&self.media_dir).expect("media dir");
        serve(
            Db::new(self.pool.clone()),
            media,
            server::public::CommentLimits::default(),
        )
        .await
    }

    /// Staff take `action` (publish, mark_problem) on every public comment stored so far.
    pub async fn moderate_all(&self, staff: &str, action: &str) {
        let ids: Vec<uuid::Uuid> = sqlx::query_scalar("select id from public_comments")
            .fetch_all(&self.pool)
            .await
            .expect("comment ids");
        for id in ids {
            let id = id.to_string();
            let (s, body, _) = self
                .call(
                    "staff/moderate",
                    Some(staff),
                    &[("id", &id), ("action", action)],
                )
                .await;
            assert_eq!(s, StatusCode::OK, "{body}");
        }
    }

    pub async fn count(&self, table: &str) -> i64 {
        sqlx::query_scalar(&format!("select count(*) from {table}"))
            .fetch_one(&self.pool)
            .await
            .expect("count")
    }
}

/// A multipart form of text fields, as a page's form sends them.
pub fn form_of(fields: &[(&str, &str)]) -> reqwest::multipart::Form {
    let mut f = reqwest::multipart::Form::new();
    for (k, v) in fields {
        f = f.text(k.to_string(), v.to_string());
    }
    f
}

/// The form with JPEG photos added as its `photos` file field, as a phone's file input sends them.
pub fn with_photos(
    mut form: reqwest::multipart::Form,
    photos: Vec<Vec<u8>>,
) -> reqwest::multipart::Form {
    for (i, p) in photos.into_iter().enumerate() {
        form = form.part(
            "photos",
            reqwest::multipart::Part::bytes(p)
                .file_name(format!("photo-{i}.jpg"))
                .mime_str("image/jpeg")
                .expect("a MIME type"),
        );
    }
    form
}

/// The public comment form with a fresh one-time token, and the given fields.
pub fn comment_form(fields: &[(&str, &str)]) -> reqwest::multipart::Form {
    form_of(fields).text("form_token", uuid::Uuid::now_v7().to_string())
}

/// A form post's answer: the status, where it sends the browser (empty when nowhere), the body.
pub type Posted = (StatusCode, String, String);

async fn posted(res: reqwest::Response) -> Posted {
    let status = res.status();
    let location = res
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, location, res.text().await.unwrap_or_default())
}

/// Posts the public comment form as a browser without JavaScript does (multipart, accepts HTML,
/// same origin).
pub async fn post_comment(app: &TestApp, code: &str, form: reqwest::multipart::Form) -> Posted {
    post_comment_from(app, code, form, None).await
}

/// The same, through the trusted proxy that saw `forwarded_for` as the client.
pub async fn post_comment_from(
    app: &TestApp,
    code: &str,
    form: reqwest::multipart::Form,
    forwarded_for: Option<&str>,
) -> Posted {
    post_comment_at(app, &app.base, code, form, forwarded_for).await
}

/// As [`post_comment_from`], through the server at `base` (another server on the database).
pub async fn post_comment_at(
    app: &TestApp,
    base: &str,
    code: &str,
    form: reqwest::multipart::Form,
    forwarded_for: Option<&str>,
) -> Posted {
    let mut req = app
        .http
        .post(format!("{base}/s/{code}/comment"))
        .header(header::ACCEPT, "text/html")
        .header("sec-fetch-site", "same-origin")
        .multipart(form);
    if let Some(ip) = forwarded_for {
        req = req.header("x-forwarded-for", ip);
    }
    posted(req.send().await.expect("post")).await
}

/// Posts a signed-in page's multipart form (an answer, a progress report): as the browser does
/// from the page at `page` when `html`, else as a client that reads JSON.
pub async fn post_page_form(
    app: &TestApp,
    path: &str,
    cookie: Option<&str>,
    form: reqwest::multipart::Form,
    page: Option<&str>,
) -> Posted {
    let mut req = app
        .http
        .post(format!("{}{path}", app.base))
        .header(
            header::ACCEPT,
            if page.is_some() {
                "text/html"
            } else {
                "application/json"
            },
        )
        .header("sec-fetch-site", "same-origin")
        .multipart(form);
    if let Some(p) = page {
        req = req.header(header::REFERER, format!("{}{p}", app.base));
    }
    if let Some(c) = cookie {
        req = req.header(header::COOKIE, c);
    }
    posted(req.send().await.expect("post")).await
}
