//! Several app servers on one database, as a load balancer runs them: what one server does to
//! the public pages shows on every other at once, not after the page cache's time-to-live.

use std::time::{Duration, Instant};

use reqwest::{header, StatusCode};

use crate::common::TestApp;
use crate::field::{phone_jpeg, put_photo, sha};
use crate::receipts::{a_site, comment};

async fn public_page(app: &TestApp, base: &str, code: &str) -> String {
    let res = app
        .http
        .get(format!("{base}/s/{code}"))
        .header(header::ACCEPT, "text/html")
        .send()
        .await
        .expect("the public page");
    assert_eq!(res.status(), StatusCode::OK);
    res.text().await.expect("its text")
}

/// Reads the page on `base` until `shows` holds or five seconds pass (an announcement travels
/// through PostgreSQL to the other server's listener; the cache keeps pages for 30 s); how long
/// it took.
async fn until(
    app: &TestApp,
    base: &str,
    code: &str,
    shows: impl Fn(&str) -> bool,
) -> Option<Duration> {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(5) {
        if shows(&public_page(app, base, code).await) {
            return Some(start.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    None
}

async fn moderate(app: &TestApp, base: &str, cookie: &str, form: &[(&str, &str)]) {
    let res = app
        .http
        .post(format!("{base}/api/staff/moderate"))
        .header(header::ACCEPT, "application/json")
        .header(header::COOKIE, cookie)
        .form(form)
        .send()
        .await
        .expect("moderate");
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "{}",
        res.text().await.unwrap_or_default()
    );
}

#[tokio::test]
async fn a_comment_published_or_hidden_on_one_server_shows_so_on_every_server_at_once() {
    let app = TestApp::spawn().await;
    let other = app.another_server().await;
    let code = a_site(&app).await;
    let words = "两台服务器：井盖松动已三天";

    // The other server renders the site's page for a stranger and keeps it.
    let kept = public_page(&app, &other, &code).await;
    assert!(!kept.contains(words));
    assert!(!public_page(&app, &other, &code).await.contains(words));

    // A comment posted and published through the first server.
    comment(&app, &code, words, &uuid::Uuid::now_v7().to_string()).await;
    let id: uuid::Uuid = sqlx::query_scalar("select id from public_comments where body = $1")
        .bind(words)
        .fetch_one(&app.pool)
        .await
        .expect("the comment");
    let id = id.to_string();
    let staff = app.login_demo("demo-staff").await;
    moderate(
        &app,
        &app.base,
        &staff,
        &[("id", &id), ("action", "publish")],
    )
    .await;
    let took = until(&app, &other, &code, |p| p.contains(words)).await;
    assert!(
        took.is_some(),
        "published on one server, still missing on the other after 5 s"
    );

    // Both keep the page with the comment; hidden through the other server, it is gone from the
    // first's kept copy too.
    assert!(public_page(&app, &app.base, &code).await.contains(words));
    assert!(public_page(&app, &app.base, &code).await.contains(words));
    moderate(
        &app,
        &other,
        &staff,
        &[
            ("id", &id),
            ("action", "hide"),
            ("reason", "两台服务器测试"),
            ("category", "other"),
        ],
    )
    .await;
    let took = until(&app, &app.base, &code, |p| !p.contains(words)).await;
    assert!(
        took.is_some(),
        "hidden on one server, still shown by the other after 5 s"
    );
    app.cleanup().await;
}

#[tokio::test]
async fn each_pending_photo_is_claimed_by_one_server_until_its_lease_ends() {
    let app = TestApp::spawn().await;
    let deputy = app.login_demo("demo-deputy").await;
    for seed in 0..8 {
        let photo = phone_jpeg(48, 32, seed);
        let hash = sha(&photo);
        let (s, r) = put_photo(&app, Some(&deputy), &hash, photo).await;
        assert!(s.is_success(), "{r}");
        app.copies_made(&hash).await;
    }
    // Photos waiting for their copies, claimed an hour ahead so that the test servers' own
    // copiers leave them alone until the test gives them back.
    let pending: Vec<String> = sqlx::query_scalar(
        "update photos set copies = 'pending', copy_claimed_until = now() + interval '1 hour'
          where sha256 in (select sha256 from photos order by sha256 limit 12)
          returning sha256",
    )
    .fetch_all(&app.pool)
    .await
    .expect("photos made pending");
    assert!(pending.len() >= 6, "the demo has photos: {}", pending.len());
    let a = app::store::Db::new(app.pool.clone());
    let b = app::store::Db::new(
        server::connect(&app.database_url())
            .await
            .expect("a second pool"),
    );
    let lease = Duration::from_secs(60);
    assert!(
        a.claim_photo_copies(32, lease).await.unwrap().is_empty(),
        "all under a lease"
    );

    // Their leases run out; two servers claim at once, in batches smaller than the queue.
    sqlx::query(
        "update photos set copy_claimed_until = now() - interval '1 second' where sha256 = any($1)",
    )
    .bind(&pending)
    .execute(&app.pool)
    .await
    .unwrap();
    let (mut got_a, mut got_b) = (Vec::new(), Vec::new());
    for _ in 0..4 {
        let (x, y) = tokio::join!(
            a.claim_photo_copies(2, lease),
            b.claim_photo_copies(2, lease)
        );
        got_a.extend(x.unwrap());
        got_b.extend(y.unwrap());
    }
    let mut all: Vec<String> = got_a.iter().chain(&got_b).cloned().collect();
    all.sort();
    let mut unique = all.clone();
    unique.dedup();
    assert_eq!(all, unique, "no photo claimed by both");
    // Every one was claimed (the servers' copiers may have taken a few themselves meanwhile:
    // then they are no longer pending).
    let still_unclaimed: i64 = sqlx::query_scalar(
        "select count(*) from photos where sha256 = any($1) and copies = 'pending'
            and (copy_claimed_until is null or copy_claimed_until < now())",
    )
    .bind(&pending)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(still_unclaimed, 0);
    assert!(
        !got_a.is_empty() && !got_b.is_empty(),
        "both servers got work: {got_a:?} {got_b:?}"
    );

    // Claims given back (storage was down) are claimable at once.
    a.release_photo_copy_claims(&got_a).await.unwrap();
    let again = b.claim_photo_copies(32, lease).await.unwrap();
    let mut again_sorted = again.clone();
    again_sorted.sort();
    let mut released = got_a.clone();
    released.sort();
    assert_eq!(again_sorted, released);
    b.pool.close().await;
    app.cleanup().await;
}

#[tokio::test]
async fn readiness_names_what_a_load_balancer_must_not_send_to() {
    let app = TestApp::spawn().await;
    let res = app.get("/readyz", None).await;
    assert_eq!(res.status(), StatusCode::OK);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body, serde_json::json!({"database": "ok", "storage": "ok"}));

    // The photo folder gone (an unmounted share): not ready, and it says which; alive still.
    std::fs::remove_dir_all(&app.media_dir).unwrap();
    let res = app.get("/readyz", None).await;
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["storage"], "unreachable");
    assert_eq!(body["database"], "ok");
    assert_eq!(app.get("/healthz", None).await.status(), StatusCode::OK);

    // A database behind this build's schema.
    std::fs::create_dir_all(&app.media_dir).unwrap();
    sqlx::query(
        "delete from _sqlx_migrations where version = (select max(version) from _sqlx_migrations)",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    let res = app.get("/readyz", None).await;
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(
        body["database"],
        "behind this build's schema: run jiandu migrate"
    );
    app.cleanup().await;
}

/// Posts a comment through the server at `base`; its status.
async fn comment_through(app: &TestApp, base: &str, code: &str, i: usize) -> StatusCode {
    let form = crate::common::comment_form(&[
        ("satisfaction", "basic"),
        ("support", "yes"),
        ("body", &format!("两台服务器共用的限额：第 {i} 条")),
    ]);
    crate::common::post_comment_at(app, base, code, form, None)
        .await
        .0
}

#[tokio::test]
async fn servers_on_one_database_count_a_client_together() {
    // Both servers take the default: five comments per client, then one a minute.
    let app = TestApp::spawn().await;
    let other = app.another_server().await;
    let code = a_site(&app).await;
    for i in 0..5 {
        let base = if i % 2 == 0 { &app.base } else { &other };
        assert_eq!(
            comment_through(&app, base, &code, i).await,
            StatusCode::SEE_OTHER,
            "comment {i}"
        );
    }
    // Either server refuses the sixth: alone, each would have taken five.
    for (i, base) in [(5, &app.base), (6, &other)] {
        assert_eq!(
            comment_through(&app, base, &code, i).await,
            StatusCode::TOO_MANY_REQUESTS,
            "comment {i}"
        );
    }
    assert_eq!(
        app.count("public_comments where body like '两台服务器共用的限额%'")
            .await,
        5
    );
    app.cleanup().await;
}

#[tokio::test]
async fn a_shared_limit_lets_exactly_its_burst_through_at_once_and_forgets_full_buckets() {
    use app::store::{rates::Rate, Db};
    let app = TestApp::spawn_with(false).await;
    let db = Db::new(app.pool.clone());
    let hour = Rate {
        burst: 10,
        period: Duration::from_secs(3600),
    };
    // Forty checks of one key at once, as forty requests on several servers: ten pass.
    let checks = (0..40).map(|_| {
        let db = db.clone();
        async move { db.take_rate("comment:192.0.2.7", hour).await }
    });
    let results = futures::future::join_all(checks).await;
    let passed = results.iter().filter(|r| matches!(r, Ok(None))).count();
    assert_eq!(passed, 10, "{results:?}");
    // A refused one is told to wait about one period (the next token), not more.
    let wait = db
        .take_rate("comment:192.0.2.7", hour)
        .await
        .expect("counted")
        .expect("refused");
    assert!(
        wait > Duration::from_secs(3500) && wait <= Duration::from_secs(3600),
        "{wait:?}"
    );
    // Another key is not touched by the first.
    assert_eq!(
        db.take_rate("comment:192.0.2.8", hour).await.ok(),
        Some(None)
    );

    // A key whose bucket has filled again is forgotten; a held one is kept.
    let blink = Rate {
        burst: 1,
        period: Duration::from_millis(20),
    };
    assert_eq!(db.take_rate("read:192.0.2.9", blink).await.ok(), Some(None));
    tokio::time::sleep(Duration::from_millis(50)).await;
    // The server's own minute sweep may have come first; either way the full one is gone.
    assert!(db.forget_full_rates().await.is_ok_and(|n| n <= 1));
    assert_eq!(db.rate_keys().await.ok(), Some(2));
    app.cleanup().await;
}

async fn sign_in_through(app: &TestApp, base: &str, username: &str, password: &str) -> StatusCode {
    app.http
        .post(format!("{base}/api/session/login"))
        .header(header::ACCEPT, "application/json")
        .form(&[("username", username), ("password", password)])
        .send()
        .await
        .expect("sign-in")
        .status()
}

#[tokio::test]
async fn a_guesser_gets_the_same_tries_through_every_server() {
    let app = TestApp::spawn().await;
    let other = app.another_server().await;
    let servers = [app.base.clone(), other];
    // Five mistakes are free and a sixth is still checked, wherever each lands; with a count in
    // each process, each server would have checked six.
    for n in 0..6 {
        let s = sign_in_through(&app, &servers[n % 2], "demo-deputy", "wrong-password").await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "try {n}");
    }
    for base in &servers {
        let s = sign_in_through(&app, base, "demo-deputy", "jiandu-demo").await;
        assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{base}");
    }
    // Refused tries stored nothing more: the account's two keys and the address, one row each,
    // the typed name in none of them.
    let keys: Vec<(String, i32)> =
        sqlx::query_as("select key, failures from sign_in_failures order by key")
            .fetch_all(&app.pool)
            .await
            .expect("the counts");
    assert_eq!(keys.len(), 3, "{keys:?}");
    assert!(
        keys.iter().all(|(k, _)| !k.contains("demo-deputy")),
        "{keys:?}"
    );
    assert!(keys.iter().all(|(_, n)| *n == 6), "{keys:?}");

    // The right password on another account takes back its own try from the address only.
    assert_eq!(
        sign_in_through(&app, &servers[1], "demo-staff", "jiandu-demo").await,
        StatusCode::OK
    );
    let address: i32 =
        sqlx::query_scalar("select failures from sign_in_failures where key like 'client:%'")
            .fetch_one(&app.pool)
            .await
            .expect("the address's count");
    assert_eq!(address, 6);
    assert_eq!(
        sqlx::query_scalar::<_, i64>("select count(*) from sign_in_failures")
            .fetch_one(&app.pool)
            .await
            .ok(),
        Some(3)
    );

    // A day later every record may go; the minute sweep of any server takes them (rows a
    // sign-in holds are skipped until the next sweep).
    sqlx::query("update sign_in_failures set last_at = last_at - interval '25 hours'")
        .execute(&app.pool)
        .await
        .expect("aged");
    let db = app::store::Db::new(app.pool.clone());
    assert!(db.forget_old_sign_in_failures().await.is_ok());
    assert_eq!(
        sqlx::query_scalar::<_, i64>("select count(*) from sign_in_failures")
            .fetch_one(&app.pool)
            .await
            .ok(),
        Some(0)
    );
    // Each server that refused remembers it until the wait ends and answers without asking the
    // database; a server that never refused asks it, and the database has forgotten.
    assert_eq!(
        sign_in_through(&app, &servers[0], "demo-deputy", "jiandu-demo").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    let third = app.another_server().await;
    assert_eq!(
        sign_in_through(&app, &third, "demo-deputy", "jiandu-demo").await,
        StatusCode::OK
    );
    app.cleanup().await;
}

struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A free port on 127.0.0.1 (bound and let go: the server binds it next).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

#[tokio::test]
async fn a_server_told_to_stop_finishes_the_upload_under_way_and_logs_each_request_by_its_id() {
    use std::process::Command;
    let app = TestApp::spawn().await;
    let deputy = app
        .login("demo-deputy", "jiandu-demo")
        .await
        .expect("a deputy");
    // The real binary, as systemd runs it, logging JSON to a file.
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let log_path = std::env::temp_dir().join(format!("jiandu-stop-{port}.log"));
    let log = std::fs::File::create(&log_path).expect("the log file");
    let site = std::env::temp_dir().join(format!("jiandu-stop-{port}-site"));
    let server = Command::new(env!("CARGO_BIN_EXE_jiandu"))
        .arg("serve")
        .env("DATABASE_URL", app.database_url())
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .env("LEPTOS_SITE_ROOT", &site)
        .env("LEPTOS_OUTPUT_NAME", "jiandu")
        .env("JIANDU_SECRET", crate::common::TEST_SECRET)
        .env("JIANDU_MEDIA_DIR", &app.media_dir)
        .env("JIANDU_LOG_FORMAT", "json")
        // The test's session cookie is the plain-HTTP one.
        .env("JIANDU_COOKIE_SECURE", "false")
        .env("RUST_LOG", "warn,jiandu::access=info")
        .stdout(log.try_clone().expect("the log file"))
        .stderr(log)
        .spawn()
        .expect("jiandu serve");
    // Killed if the test fails before it ends the server itself.
    let mut server = KillOnDrop(server);
    let started = Instant::now();
    while app
        .http
        .get(format!("{base}/healthz"))
        .send()
        .await
        .is_err()
    {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no server: {}",
            std::fs::read_to_string(&log_path).unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // A request's id is kept when it is a plain token and made when there is none or it is not.
    let id_of = |res: &reqwest::Response| {
        res.headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let asked = app
        .http
        .get(format!("{base}/healthz"))
        .header("x-request-id", "support-ticket-4711")
        .send()
        .await
        .expect("healthz");
    assert_eq!(id_of(&asked).as_deref(), Some("support-ticket-4711"));
    let made = app
        .http
        .get(format!("{base}/healthz"))
        .header("x-request-id", "x\"}{\"forged\":1")
        .send()
        .await
        .expect("healthz");
    let made = id_of(&made).expect("an id");
    assert!(uuid::Uuid::parse_str(&made).is_ok(), "{made}");

    // A photo half sent when the server is told to stop.
    let photo = phone_jpeg(1200, 900, 77);
    let hash = sha(&photo);
    let (tx, rx) = futures::channel::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(4);
    let upload = tokio::spawn({
        let http = app.http.clone();
        let url = format!("{base}/api/v1/photos/{hash}");
        let cookie = deputy.clone();
        async move {
            http.put(url)
                .header(header::COOKIE, cookie)
                .header("x-request-id", "upload-under-way")
                .body(reqwest::Body::wrap_stream(rx))
                .send()
                .await
        }
    });
    let mut tx = tx;
    let half = photo.len() / 2;
    futures::SinkExt::send(&mut tx, Ok(photo[..half].to_vec()))
        .await
        .expect("the first half");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let stopped = Command::new("kill")
        .args(["-TERM", &server.0.id().to_string()])
        .status()
        .expect("kill");
    assert!(stopped.success());
    tokio::time::sleep(Duration::from_millis(500)).await;
    // Told to stop, it takes no new connection but goes on reading the one under way.
    assert!(tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err());
    futures::SinkExt::send(&mut tx, Ok(photo[half..].to_vec()))
        .await
        .expect("the second half");
    drop(tx);
    let res = upload.await.expect("the upload task").expect("an answer");
    assert!(
        res.status().is_success(),
        "{}: {}",
        res.status(),
        res.text().await.unwrap_or_default()
    );
    let stored: i64 = sqlx::query_scalar("select count(*) from photos where sha256 = $1")
        .bind(&hash)
        .fetch_one(&app.pool)
        .await
        .expect("the photo");
    assert_eq!(stored, 1);
    // Then it ends, and cleanly.
    let ended = Instant::now();
    let status = loop {
        if let Some(s) = server.0.try_wait().expect("the server") {
            break s;
        }
        assert!(ended.elapsed() < Duration::from_secs(30), "still running");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(status.success(), "{status}");

    // Each line of the log is one JSON object; each request's line carries its id and route,
    // and the upload's was answered.
    let text = std::fs::read_to_string(&log_path).expect("the log");
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let answered = |id: &str| {
        lines
            .iter()
            .find(|l| l["span"]["request_id"] == id && l["message"] == "answered")
            .cloned()
    };
    let health = answered("support-ticket-4711").expect("the asked id's line");
    assert_eq!(health["span"]["route"], "/healthz");
    assert_eq!(health["status"], 200);
    assert!(answered(&made).is_some(), "{text}");
    let up = answered("upload-under-way").expect("the upload's line");
    assert_eq!(up["span"]["route"], "/api/v1/photos/{sha256}", "{up}");
    assert!(!text.contains("forged"), "{text}");
    let _ = std::fs::remove_file(&log_path);
    app.cleanup().await;
}

#[tokio::test]
async fn metrics_count_answers_by_route_and_the_outbox_by_kind_for_the_token_only() {
    let app = TestApp::spawn().await;
    let metrics = |token: Option<&'static str>| {
        let app = &app;
        async move {
            let mut req = app.http.get(format!("{}/metrics", app.base));
            if let Some(t) = token {
                req = req.bearer_auth(t);
            }
            let res = req.send().await.expect("metrics");
            (res.status(), res.text().await.unwrap_or_default())
        }
    };
    assert_eq!(metrics(None).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(
        metrics(Some("not-the-token-at-all")).await.0,
        StatusCode::UNAUTHORIZED
    );
    let deputy = app.login_demo("demo-deputy").await;
    let photo = phone_jpeg(640, 480, 5);
    let (status, body) = put_photo(&app, Some(&deputy), &sha(&photo), photo.clone()).await;
    assert!(status.is_success(), "{status}: {body}");
    // Sent again, as a phone does when it missed the answer: acknowledged again.
    let (status, _) = put_photo(&app, Some(&deputy), &sha(&photo), photo).await;
    assert!(status.is_success());
    let (status, _) = put_photo(&app, Some(&deputy), &"0".repeat(64), b"no".to_vec()).await;
    assert!(status.is_client_error());
    assert_eq!(app.get("/healthz", None).await.status(), StatusCode::OK);
    let secret_path = "/no-such-page-0c1d2e3f";
    let _ = app.get(secret_path, None).await;

    let (status, text) = metrics(Some(crate::common::METRICS_TOKEN)).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let value = |series: &str| -> Option<f64> {
        text.lines()
            .find_map(|l| l.strip_prefix(series)?.trim().parse().ok())
    };
    assert!(
        value(r#"jiandu_http_requests_total{method="GET",route="/healthz",status="200"}"#)
            .is_some_and(|n| n >= 1.0),
        "{text}"
    );
    assert_eq!(
        value(r#"jiandu_outbox_acknowledged_total{kind="photo"}"#),
        Some(2.0),
        "{text}"
    );
    assert!(
        value(r#"jiandu_http_request_duration_seconds_count{route="/api/v1/photos/{sha256}"}"#)
            == Some(3.0),
        "{text}"
    );
    // The copier's queue (the one photo, unless this server's copier made its copies first),
    // and this server's pool.
    let shown = value("jiandu_photo_copies_waiting").expect("the copier's queue");
    assert!(shown == 0.0 || shown == 1.0, "{shown}");
    let idle = value(r#"jiandu_db_pool_connections{state="idle"}"#).expect("idle");
    let in_use = value(r#"jiandu_db_pool_connections{state="in_use"}"#).expect("in use");
    assert!(idle + in_use >= 1.0, "{text}");
    // No replica: said so, not a lag of 0.
    assert_eq!(value("jiandu_replica_lag_seconds"), Some(-1.0), "{text}");
    // A path nothing serves is counted as no route, never by its path.
    assert!(!text.contains(secret_path), "{text}");
    assert!(text.contains(r#"route="-""#), "{text}");
    app.cleanup().await;
}

/// What a server's metrics say of its replica's lag, in seconds (`+Inf` while not known).
async fn replica_lag(app: &TestApp, base: &str) -> f64 {
    let text = app
        .http
        .get(format!("{base}/metrics"))
        .bearer_auth(crate::common::METRICS_TOKEN)
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("their text");
    let v = text
        .lines()
        .find_map(|l| l.strip_prefix("jiandu_replica_lag_seconds "))
        .expect("the replica's lag in the metrics");
    if v.trim() == "+Inf" {
        f64::INFINITY
    } else {
        v.trim().parse().expect("a number")
    }
}

async fn until_lag(app: &TestApp, base: &str, holds: impl Fn(f64) -> bool) -> Option<f64> {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(30) {
        let lag = replica_lag(app, base).await;
        if holds(lag) {
            return Some(lag);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    None
}

async fn sites_export(app: &TestApp, base: &str, cookie: &str) -> String {
    let res = app
        .http
        .get(format!("{base}/sites/export.geojson"))
        .header(header::COOKIE, cookie)
        .send()
        .await
        .expect("the sites' export");
    assert_eq!(res.status(), StatusCode::OK);
    res.text().await.expect("its text")
}

#[tokio::test]
async fn reads_go_to_the_replica_within_its_bound_and_never_miss_what_the_reader_wrote_or_a_moderator_published(
) {
    let replica_url = crate::common::replica_server_url();
    let standby = sqlx::PgPool::connect(&format!("{replica_url}/postgres"))
        .await
        .expect("connect to the replica");
    let in_recovery: bool = sqlx::query_scalar("select pg_is_in_recovery()")
        .fetch_one(&standby)
        .await
        .expect("is it a replica");
    assert!(in_recovery, "JIANDU_TEST_REPLICA_PG is not a replica");
    // A run that failed half-way may have left it paused.
    sqlx::query("select pg_wal_replay_resume()")
        .execute(&standby)
        .await
        .expect("replay resumed");

    let app = TestApp::spawn().await;
    let bound = Duration::from_secs(3);
    let other = app.server_with_replica(&replica_url, bound).await;
    assert!(
        until_lag(&app, &other, |l| l < 1.0).await.is_some(),
        "the replica was never found caught up"
    );
    let code = a_site(&app).await;
    let words = "只读副本：路灯不亮已一周";
    comment(&app, &code, words, &uuid::Uuid::now_v7().to_string()).await;
    let id = crate::receipts::comment_id(&app, words).await.to_string();
    let staff = app.login_demo("demo-staff").await;
    // The page without the comment, kept by the replica's server for strangers.
    assert!(!public_page(&app, &other, &code).await.contains(words));
    assert!(until_lag(&app, &other, |l| l < 1.0).await.is_some());

    sqlx::query("select pg_wal_replay_pause()")
        .execute(&standby)
        .await
        .expect("replay paused");
    let renamed = "只读副本测试改名的工地";
    sqlx::query("update sites set name_zh = $1 where public_code = $2")
        .bind(renamed)
        .bind(&code)
        .execute(&app.pool)
        .await
        .expect("renamed on the primary");

    // Within the bound the staff's export reads the replica, which has not replayed the rename.
    assert!(
        !sites_export(&app, &other, &staff).await.contains(renamed),
        "the export did not come from the replica"
    );
    // A moderator publishes through the replica's server: their answer marks them as a writer…
    let res = app
        .http
        .post(format!("{other}/api/staff/moderate"))
        .header(header::ACCEPT, "application/json")
        .header(header::COOKIE, &staff)
        .form(&[("id", id.as_str()), ("action", "publish")])
        .send()
        .await
        .expect("moderate");
    assert_eq!(res.status(), StatusCode::OK);
    let mark = res
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(app::ssr::WROTE_COOKIE))
        .and_then(|v| v.split(';').next())
        .expect("a write marks its writer")
        .to_owned();
    // (a server function that only reads, posted as the islands post it, marks nobody)…
    let read = app
        .http
        .post(format!("{other}/api/items/dashboard"))
        .header(header::ACCEPT, "application/json")
        .header(header::COOKIE, &staff)
        .send()
        .await
        .expect("the dashboard");
    assert_eq!(read.status(), StatusCode::OK);
    assert!(
        !read
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .any(|v| v.as_bytes().starts_with(app::ssr::WROTE_COOKIE.as_bytes())),
        "a read marked its caller as a writer"
    );
    // …so their next read comes from the primary, with the rename;
    let with_mark = format!("{staff}; {mark}");
    assert!(sites_export(&app, &other, &with_mark)
        .await
        .contains(renamed));
    // and a stranger's page, though the replica is within its bound, is not read from a replica
    // older than the cache's last emptying: it shows the comment just published.
    assert!(public_page(&app, &other, &code).await.contains(words));
    let lag = replica_lag(&app, &other).await;
    assert!(
        lag < bound.as_secs_f64(),
        "too slow to tell: the replica left its bound ({lag} s) before the checks above"
    );
    // Past the bound, every read goes to the primary.
    assert!(
        until_lag(&app, &other, |l| l > bound.as_secs_f64())
            .await
            .is_some(),
        "the paused replica's lag never passed the bound"
    );
    assert!(sites_export(&app, &other, &staff).await.contains(renamed));

    sqlx::query("select pg_wal_replay_resume()")
        .execute(&standby)
        .await
        .expect("replay resumed");
    assert!(
        until_lag(&app, &other, |l| l < 1.0).await.is_some(),
        "the replica never caught up again"
    );
    assert!(sites_export(&app, &other, &staff).await.contains(renamed));

    // A primary given as the replica is never read from: its lag is not known.
    let primary_as_replica = app
        .server_with_replica(&crate::common::server_url(), bound)
        .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(replica_lag(&app, &primary_as_replica).await, f64::INFINITY);
    standby.close().await;
    app.cleanup().await;
}
