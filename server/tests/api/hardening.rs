//! The holes a security review found in the public face and the sessions, each shown closed over
//! real HTTP (see docs/security.md). Each test here failed before its fix.

use reqwest::{header, multipart, StatusCode};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::common::{comment_form, post_comment_from as post_comment, TestApp};
use crate::field::{phone_jpeg, put_observation, put_photo, sha, site_and_anchor};

async fn a_site(app: &TestApp) -> String {
    sqlx::query_scalar("select public_code from sites order by public_code limit 1")
        .fetch_one(&app.pool)
        .await
        .expect("a demo site")
}

/// A PNG whose pixels all decode: `side`×`side` at `bit_depth` bits per RGBA channel, every
/// pixel zero, so a few hundred kilobytes of file inflate to the whole image.
fn png_of_zeros(side: u32, bit_depth: u8) -> Vec<u8> {
    use crate::field::png_chunk as chunk;
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&side.to_be_bytes());
    ihdr.extend_from_slice(&side.to_be_bytes());
    ihdr.extend_from_slice(&[bit_depth, 6, 0, 0, 0]);
    chunk(&mut png, b"IHDR", &ihdr);
    let row = 1 + side as usize * 4 * usize::from(bit_depth / 8);
    let raw = vec![0u8; row * side as usize];
    chunk(
        &mut png,
        b"IDAT",
        &miniz_oxide::deflate::compress_to_vec_zlib(&raw, 6),
    );
    chunk(&mut png, b"IEND", &[]);
    png
}

fn status_line(path: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(path))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Peak resident memory of this process (the server runs in it) since the last reset, in KiB.
fn reset_peak_memory() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

#[tokio::test]
async fn twenty_parallel_photo_bombs_leave_the_server_up_with_bounded_memory() {
    // Four clients' worth of burst: the limiter is not what stops this.
    let limits = server::public::CommentLimits {
        burst: 100,
        ..Default::default()
    };
    let app = TestApp::spawn_full(true, limits).await;
    let code = a_site(&app).await;
    // Just under the public limit of 24 MP: 4,890² RGBA = 96 MB decoded, from a ~100 KB file.
    let bomb = bytes::Bytes::from(png_of_zeros(4890, 8));
    assert!(bomb.len() < 1024 * 1024, "{} bytes", bomb.len());
    // 16 bits a channel and 50 MP: refused from the header.
    let deep = bytes::Bytes::from(png_of_zeros(1000, 16));
    let huge = bytes::Bytes::from(crate::field::png_bomb(7100));

    assert!(
        reset_peak_memory(),
        "this kernel resets the peak (clear_refs)"
    );
    let baseline = status_line("VmRSS:").expect("VmRSS");
    let posts = (0..26).map(|n| {
        let photo = match n {
            0..20 => bomb.clone(),
            20..23 => deep.clone(),
            _ => huge.clone(),
        };
        let form = comment_form(&[
            ("satisfaction", "basic"),
            ("support", "yes"),
            ("body", &format!("第{n}张照片")),
        ])
        .part(
            "photo",
            multipart::Part::stream(photo)
                .file_name("p.png")
                .mime_str("image/png")
                .unwrap(),
        );
        let app = &app;
        let code = code.clone();
        async move { post_comment(app, &code, form, None).await.0 }
    });
    let statuses = futures::future::join_all(posts).await;
    let peak = status_line("VmHWM:").expect("VmHWM");
    let grew_mb = peak.saturating_sub(baseline) / 1024;
    eprintln!("parallel bombs: resident {baseline} KiB before, peak {peak} KiB: grew {grew_mb} MB");
    assert!(
        statuses[..20].iter().all(|s| *s == StatusCode::SEE_OTHER),
        "photos under the limits are taken: {statuses:?}"
    );
    assert!(
        statuses[20..]
            .iter()
            .all(|s| *s == StatusCode::UNPROCESSABLE_ENTITY),
        "16-bit and over-sized photos are refused: {statuses:?}"
    );
    // Twenty decodes at once would take 20 × ~120 MB; a decode slot per core keeps it to a few.
    assert!(
        grew_mb < 700,
        "the peak grew by {grew_mb} MB for 20 parallel 24 MP photos"
    );
    assert_eq!(app.get("/healthz", None).await.status(), StatusCode::OK);
    assert_eq!(
        app.count("public_comments").await,
        20,
        "the refused ones stored nothing"
    );
    app.cleanup().await;
}

#[tokio::test]
async fn a_signed_in_readers_page_is_never_served_to_the_public() {
    let app = TestApp::spawn().await;
    let code = a_site(&app).await;
    let deputy = app.login_demo("demo-deputy").await;
    let page = |cookie: Option<String>| {
        let app = &app;
        let code = code.clone();
        async move {
            app.get(&format!("/s/{code}"), cookie.as_deref())
                .await
                .text()
                .await
                .unwrap()
        }
    };
    // The deputy scans the poster first: their page carries who they are.
    let theirs = page(Some(deputy.clone())).await;
    assert!(theirs.contains("demo-deputy"), "the deputy's own page");
    for _ in 0..2 {
        let public = page(None).await;
        assert!(public.contains("id=\"comment-form\""));
        assert!(!public.contains("demo-deputy"), "a stranger's page");
    }
    // And the other way round: a page kept for the public is not what the deputy gets.
    let theirs = page(Some(deputy)).await;
    assert!(theirs.contains("demo-deputy"));
    app.cleanup().await;
}

#[tokio::test]
async fn a_tab_or_newline_in_next_neither_leaves_the_site_nor_breaks_the_server() {
    let app = TestApp::spawn().await;
    for (next, expected) in [
        ("/%09/evil.example", "/%09/evil.example"),
        ("/%0A/evil.example", "/%0A/evil.example"),
        ("/%20/evil.example", "/%20/evil.example"),
        ("/%0D%0ASet-Cookie:%20x=1", "/%0D%0ASet-Cookie:%20x=1"),
    ] {
        let res = app.get(&format!("/lang/zh-CN?next={next}"), None).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{next}");
        assert_eq!(res.headers()["location"], expected, "{next}");
        assert!(res.headers().get_all("set-cookie").iter().count() == 1);
    }
    // A plain form sign-in (no JavaScript) with such a `next` redirects on this site instead of
    // panicking in the redirect.
    let res = app
        .http
        .post(format!("{}/api/session/login", app.base))
        .header(header::ACCEPT, "text/html")
        .form(&[
            ("username", "demo-deputy"),
            ("password", "jiandu-demo"),
            ("next", "/\r\n/evil.example"),
        ])
        .send()
        .await
        .unwrap();
    assert!(res.status().is_redirection(), "{}", res.status());
    assert_eq!(res.headers()["location"], "/%0D%0A/evil.example");
    app.cleanup().await;
}

async fn import(app: &TestApp, cookie: &str, name: &str, bytes: Vec<u8>) -> (StatusCode, Value) {
    let form = multipart::Form::new()
        .text("channel", "special_audit")
        .part(
            "file",
            multipart::Part::bytes(bytes).file_name(name.to_owned()),
        );
    let res = app
        .http
        .post(format!("{}/items/import", app.base))
        .header(header::COOKIE, cookie)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn sparse_and_inflating_workbooks_are_refused_before_they_are_read() {
    use std::io::Write;
    let app = TestApp::spawn().await;
    let staff = app.login_demo("demo-staff").await;
    let before = app.count("list_items").await;

    // One cell at A1, one at XFD1048576: the bounding box is 1.7 × 10¹⁰ cells.
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "点位").unwrap();
    sheet.write_string(1_048_575, 16_383, "x").unwrap();
    let sparse = book.save_to_buffer().unwrap();
    assert!(sparse.len() < 20_000);
    let (s, body) = import(&app, &staff, "sparse.xlsx", sparse).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let message = body["message"].as_str().unwrap_or_default();
    assert!(message.contains("row 1048576"), "{message}");

    // A real workbook with 200 MB of zeros packed beside it.
    let mut book = rust_xlsxwriter::Workbook::new();
    book.add_worksheet().write_string(0, 0, "点位").unwrap();
    let small = book.save_to_buffer().unwrap();
    let mut zip = zip::ZipWriter::new_append(std::io::Cursor::new(small)).unwrap();
    zip.start_file(
        "xl/media/padding.bin",
        zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated),
    )
    .unwrap();
    let mb = vec![0u8; 1024 * 1024];
    for _ in 0..200 {
        zip.write_all(&mb).unwrap();
    }
    let inflating = zip.finish().unwrap().into_inner();
    assert!(inflating.len() < 1024 * 1024, "{} bytes", inflating.len());
    let (s, body) = import(&app, &staff, "inflating.xlsx", inflating).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap_or_default()
            .contains("200 MB"),
        "{body}"
    );

    assert_eq!(app.count("list_items").await, before);
    assert_eq!(app.get("/healthz", None).await.status(), StatusCode::OK);
    app.cleanup().await;
}

async fn sign_in_json(app: &TestApp, username: &str, password: &str) -> reqwest::Response {
    app.http
        .post(format!("{}/api/v1/session", app.base))
        .json(&json!({ "username": username, "password": password }))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn failed_sign_ins_are_slowed_per_account_and_per_client() {
    // Behind a proxy, so that the test can also sign in from another address.
    let limits = server::public::CommentLimits {
        trusted_proxies: vec!["127.0.0.1".parse().unwrap()],
        ..Default::default()
    };
    let app = TestApp::spawn_full(true, limits).await;
    let attempt = |user: &'static str, password: &'static str| {
        let app = &app;
        async move {
            app.call(
                "session/login",
                None,
                &[("username", user), ("password", password)],
            )
            .await
        }
    };
    // Five mistakes are free, and a sixth is still checked; then the account waits, even for the
    // right password. A name that does not exist is treated alike.
    for user in ["demo-deputy", "no-such-person"] {
        for n in 1..=6 {
            let (s, body, _) = attempt(user, "wrong-password").await;
            assert_eq!(s, StatusCode::UNAUTHORIZED, "{user} try {n}: {body}");
        }
        let (s, body, headers) = attempt(user, "jiandu-demo").await;
        assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{user}: {body}");
        assert_eq!(body["error"], "too_many_requests");
        let retry: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=30).contains(&retry), "{retry}");
    }
    // The JSON API goes through the same gate.
    let res = sign_in_json(&app, "demo-deputy", "jiandu-demo").await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(res.headers().contains_key("retry-after"));
    // Another account is not held up by them, nor the same account signing in from elsewhere:
    // a stranger's guesses cannot lock its owner out.
    assert!(app.login("demo-staff", "jiandu-demo").await.is_some());
    let elsewhere = app
        .http
        .post(format!("{}/api/v1/session", app.base))
        .header("x-forwarded-for", "198.51.100.9")
        .json(&json!({ "username": "demo-deputy", "password": "jiandu-demo" }))
        .send()
        .await
        .unwrap();
    assert_eq!(elsewhere.status(), StatusCode::OK);

    // One address trying one password on many accounts: 12 failures so far, 20 are free.
    for n in 0..9 {
        let res = sign_in_json(&app, &format!("sweep-{n}"), "password-1").await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    let res = sign_in_json(&app, "demo-admin", "jiandu-demo").await;
    assert_eq!(
        res.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "the address waits"
    );
    app.cleanup().await;
}

#[tokio::test]
async fn simultaneous_guesses_are_counted_as_they_arrive() {
    let app = TestApp::spawn().await;
    // Twenty guesses at once at one account: each is counted before its password is checked,
    // so only the free ones are checked at all.
    let tries = (0..20).map(|n| {
        let app = &app;
        async move {
            app.call(
                "session/login",
                None,
                &[
                    ("username", "demo-admin"),
                    ("password", &format!("guess-number-{n}")),
                ],
            )
            .await
            .0
        }
    });
    let statuses = futures::future::join_all(tries).await;
    let checked = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    let held = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!((checked, held), (6, 14), "{statuses:?}");
    app.cleanup().await;
}

#[tokio::test]
async fn many_sign_ins_at_once_queue_for_the_hasher_and_all_get_through() {
    let app = TestApp::spawn().await;
    // Sixteen at once from one address, four to each account: more than the hasher runs at
    // once, and within what the throttle lets one address have under way (each try counts as a
    // failure until its password is found right).
    let names = ["demo-officer", "demo-staff", "demo-deputy", "demo-admin"];
    let tries = (0..16).map(|n| {
        let app = &app;
        async move { app.login(names[n % 4], "jiandu-demo").await.is_some() }
    });
    let ok = futures::future::join_all(tries).await;
    assert!(ok.iter().all(|o| *o), "{ok:?}");
    // All were right: nothing is held against the address or the accounts afterwards.
    for _ in 0..2 {
        assert!(app.login("demo-officer", "jiandu-demo").await.is_some());
    }
    app.cleanup().await;
}

#[tokio::test]
async fn signing_in_over_a_session_gives_a_new_session_id() {
    let app = TestApp::spawn().await;
    let first = app.login_demo("demo-deputy").await;
    let (s, _, headers) = app
        .call(
            "session/login",
            Some(&first),
            &[("username", "demo-staff"), ("password", "jiandu-demo")],
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let second = headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("jiandu="))
        .and_then(|c| c.split(';').next())
        .expect("a new cookie")
        .to_owned();
    assert_ne!(first, second, "the id changed");
    let (_, info, _) = app.call("session/info", Some(&first), &[]).await;
    assert_eq!(info["user"], Value::Null, "the old id is worth nothing");
    let (_, info, _) = app.call("session/info", Some(&second), &[]).await;
    assert_eq!(info["user"]["username"], "demo-staff");
    app.cleanup().await;
}

/// The session record behind a cookie, as tower-sessions keeps it (MessagePack).
async fn session_record(app: &TestApp, cookie: &str) -> tower_sessions::session::Record {
    let id = cookie.split_once('=').expect("name=value").1;
    let data: Vec<u8> = sqlx::query_scalar("select data from tower_sessions.session where id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .expect("the session row");
    rmp_serde::from_slice(&data).expect("a session record")
}

#[tokio::test]
async fn sign_ins_end_after_their_roles_lifetime_and_expired_sessions_are_deleted() {
    let app = TestApp::spawn().await;
    let staff = app.login_demo("demo-staff").await;
    let deputy = app.login_demo("demo-deputy").await;
    // Thirteen hours ago: past a staff member's twelve, well within a deputy's thirty days.
    let then = chrono::Utc::now().timestamp() - 13 * 3600;
    for cookie in [&staff, &deputy] {
        let mut record = session_record(&app, cookie).await;
        record.data.insert("signed_in_at".into(), json!(then));
        sqlx::query("update tower_sessions.session set data = $2 where id = $1")
            .bind(cookie.split_once('=').unwrap().1)
            .bind(rmp_serde::to_vec(&record).unwrap())
            .execute(&app.pool)
            .await
            .unwrap();
    }
    let (_, info, _) = app.call("session/info", Some(&staff), &[]).await;
    assert_eq!(info["user"], Value::Null, "staff signed in 13 h ago");
    let (s, _, _) = app.call("review/queue", Some(&staff), &[]).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (_, info, _) = app.call("session/info", Some(&deputy), &[]).await;
    assert_eq!(info["user"]["username"], "demo-deputy");

    // A session past its expiry is deleted by the server's sweep, not only ignored.
    sqlx::query(
        "insert into tower_sessions.session (id, data, expiry_date)
         values ('expired-session-row', '\\x80', now() - interval '1 day')",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    let _second = app.serve_again().await;
    let mut gone = false;
    for _ in 0..100 {
        let n: i64 = sqlx::query_scalar(
            "select count(*) from tower_sessions.session where id = 'expired-session-row'",
        )
        .fetch_one(&app.pool)
        .await
        .unwrap();
        if n == 0 {
            gone = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(gone, "the expired session row was deleted");
    app.cleanup().await;
}

#[tokio::test]
async fn only_moderated_ratings_count_and_a_client_rates_a_site_once_a_day() {
    // A proxy in front, as in production, so that the test can speak for several clients.
    let limits = server::public::CommentLimits {
        burst: 100,
        trusted_proxies: vec!["127.0.0.1".parse().unwrap()],
        ..Default::default()
    };
    let app = TestApp::spawn_full(true, limits).await;
    let code = a_site(&app).await;
    let page = || async {
        app.get(&format!("/s/{code}"), None)
            .await
            .text()
            .await
            .unwrap()
    };
    let rate = |satisfaction: &'static str, client: &'static str| {
        let app = &app;
        let code = code.clone();
        async move {
            post_comment(
                app,
                &code,
                comment_form(&[("satisfaction", satisfaction), ("support", "yes")]),
                Some(client),
            )
            .await
            .0
        }
    };
    // Three ratings from one phone: the second and third add nothing and are refused.
    assert_eq!(
        rate("dissatisfied", "203.0.113.5").await,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        rate("dissatisfied", "203.0.113.5").await,
        StatusCode::CONFLICT
    );
    assert_eq!(rate("satisfied", "203.0.113.5").await, StatusCode::CONFLICT);
    // With words, a second post is kept for what it says, but its rating does not count again.
    let (s, _, _) = post_comment(
        &app,
        &code,
        comment_form(&[
            ("satisfaction", "dissatisfied"),
            ("support", "no"),
            ("body", "还是没有修好"),
        ]),
        Some("203.0.113.5"),
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(
        rate("satisfied", "198.51.100.7").await,
        StatusCode::SEE_OTHER
    );
    assert_eq!(app.count("public_comments").await, 3);

    // Nothing counts before staff have looked.
    let html = page().await;
    assert!(html.contains("id=\"response-count\">0<"), "unmoderated");
    assert!(
        html.contains("id=\"figures-counted\""),
        "the page says what counts"
    );
    let staff = app.login_demo("demo-staff").await;
    app.moderate_all(&staff, "publish").await;
    // Two people, one rating each: one dissatisfied, one satisfied.
    let html = page().await;
    assert!(html.contains("id=\"response-count\">2<"), "two counted");
    assert!(html.contains("id=\"satisfaction-rate\">50%<"));
    assert!(html.contains("还是没有修好"), "the words are published");
    let (_, figures, _) = app.call("staff/satisfaction", Some(&staff), &[]).await;
    let counted: i64 = figures
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["tally"]["satisfied"].as_i64().unwrap() + r["tally"]["dissatisfied"].as_i64().unwrap()
        })
        .sum();
    assert_eq!(counted, 2);
    app.cleanup().await;
}

#[tokio::test]
async fn the_csv_list_writes_formula_cells_as_text() {
    let app = TestApp::spawn().await;
    let deputy = app.login_demo("demo-deputy").await;
    let staff = app.login_demo("demo-staff").await;
    let obs = crate::items::observe(&app, &deputy, "坡道太陡")
        .await
        .to_string();
    let payload = "=HYPERLINK(\"http://evil.example\",\"点击查看\")";
    let (s, id, _) = app
        .call(
            "review/create-item",
            Some(&staff),
            &[
                ("observations", &obs),
                ("kind", "problem"),
                ("description", payload),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{id}");
    let id = id.as_str().unwrap().to_owned();
    let mut fwd = crate::items::act(&id, "forward");
    fwd.push(("deadline", "2099-06-30"));
    let (s, _, _) = app.call("items/act", Some(&staff), &fwd).await;
    assert_eq!(s, StatusCode::OK);
    let bytes = app
        .http
        .get(format!("{}/items/export.csv", app.base))
        .header(header::COOKIE, &staff)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let rows: Vec<Vec<String>> = csv::Reader::from_reader(&bytes[3..])
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0][5], format!("'{payload}"));
    app.cleanup().await;
}

/// A deputy of another group: a fresh deputy in the roster, in a group that does not follow the
/// demo deputy's sites, with an account.
async fn deputy_elsewhere(app: &TestApp, site: &str) -> String {
    let admin = app.login_demo("demo-admin").await;
    let deputy: Uuid = sqlx::query_scalar(
        "select d.id from deputies d
          where not exists (select 1 from group_units gu
                              join sub_items s on s.lead_unit_id = gu.unit_id
                              join sites t on t.sub_item_id = s.id
                             where gu.group_id = d.group_id and t.id = $1::uuid)
            and not exists (select 1 from users u where u.deputy_id = d.id)
          limit 1",
    )
    .bind(site)
    .fetch_one(&app.pool)
    .await
    .expect("a deputy of another group");
    let deputy = deputy.to_string();
    let (s, body, _) = app
        .call(
            "admin/create-account",
            Some(&admin),
            &[
                ("username", "deputy-elsewhere"),
                ("display_name", "别组代表"),
                ("password", "a-long-password"),
                ("role", "deputy"),
                ("deputy_id", &deputy),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    app.login("deputy-elsewhere", "a-long-password")
        .await
        .expect("signs in")
}

#[tokio::test]
async fn deputies_file_at_their_groups_sites_with_photos_they_hold() {
    let app = TestApp::spawn().await;
    let deputy = app.login_demo("demo-deputy").await;
    let (site, lat, lon) = site_and_anchor(&app).await;
    let other = deputy_elsewhere(&app, &site).await;
    let body = |photos: Vec<String>| {
        json!({
            "site_id": site, "kind": "problem", "note": "围挡缺失", "tags": [],
            "captured_at": "2026-10-01T02:03:04Z",
            "position": {"lat": lat, "lon": lon, "accuracy_m": 8.0, "source": "gps"},
            "photos": photos,
        })
        .to_string()
    };
    // The site page tells each deputy whether they may record there.
    for (cookie, yours) in [(&deputy, true), (&other, false)] {
        let (s, page, _) = app
            .call("catalogue/site", Some(cookie), &[("id", &site)])
            .await;
        assert_eq!(s, StatusCode::OK, "{page}");
        assert_eq!(page["yours_to_supervise"], yours);
    }
    let before = app.count("observations").await;
    let (s, r) = put_observation(
        &app,
        Some(&other),
        &Uuid::now_v7().to_string(),
        body(vec![]),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{r}");
    assert!(r["message"].as_str().unwrap().contains("supervision group"));

    // The demo deputy's photo, cited by nobody who holds it.
    let photo = phone_jpeg(640, 480, 77);
    let hash = sha(&photo);
    let (s, _) = put_photo(&app, Some(&deputy), &hash, photo.clone()).await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, r) = put_observation(
        &app,
        Some(&deputy),
        &Uuid::now_v7().to_string(),
        body(vec![hash.clone()]),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    // A colleague in the same group who never uploaded it may not cite it; the answer names the
    // photo as one to upload, which says nothing about whether the server has it.
    let admin = app.login_demo("demo-admin").await;
    let colleague: Uuid = sqlx::query_scalar(
        "select d.id from deputies d
          where d.group_id = (select d2.group_id from deputies d2 join users u on u.deputy_id = d2.id
                               where u.username = 'demo-deputy')
            and not exists (select 1 from users u where u.deputy_id = d.id)
          limit 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let colleague = colleague.to_string();
    let (s, b, _) = app
        .call(
            "admin/create-account",
            Some(&admin),
            &[
                ("username", "same-group"),
                ("display_name", "同组代表"),
                ("password", "a-long-password"),
                ("role", "deputy"),
                ("deputy_id", &colleague),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let colleague = app.login("same-group", "a-long-password").await.unwrap();
    let (s, r) = put_observation(
        &app,
        Some(&colleague),
        &Uuid::now_v7().to_string(),
        body(vec![hash.clone()]),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{r}");
    assert_eq!(r["details"]["missing_photos"], json!([hash]));
    // Once they send the bytes themselves, they hold it.
    let (s, _) = put_photo(&app, Some(&colleague), &hash, photo).await;
    assert_eq!(s, StatusCode::OK);
    let (s, r) = put_observation(
        &app,
        Some(&colleague),
        &Uuid::now_v7().to_string(),
        body(vec![hash]),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    assert_eq!(app.count("observations").await, before + 2);
    app.cleanup().await;
}

#[tokio::test]
async fn an_answer_is_refused_before_its_body_is_read() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = TestApp::spawn().await;
    let deputy = app.login_demo("demo-deputy").await;
    let staff = app.login_demo("demo-staff").await;
    let obs = crate::items::observe(&app, &deputy, "扶手松动").await;
    let item = crate::closed_loop::make_item(&app, &staff, obs).await;
    crate::closed_loop::forward(&app, &staff, &item).await;
    // A deputy announces 70 MB of photos and sends only the first bytes: the answer comes back
    // without waiting for the rest.
    let addr = app.base.trim_start_matches("http://").to_owned();
    for (cookie, status) in [(deputy.as_str(), "403"), ("jiandu=nobody", "401")] {
        let mut conn = tokio::net::TcpStream::connect(&addr).await.unwrap();
        let head = format!(
            "POST /items/{item}/answer HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\n\
             Accept: application/json\r\nContent-Type: multipart/form-data; boundary=b\r\n\
             Content-Length: 70000000\r\n\r\n--b\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\n"
        );
        conn.write_all(head.as_bytes()).await.unwrap();
        let mut answer = vec![0u8; 512];
        let n = tokio::time::timeout(std::time::Duration::from_secs(5), conn.read(&mut answer))
            .await
            .expect("answered before the body was sent")
            .unwrap();
        let answer = String::from_utf8_lossy(&answer[..n]);
        assert!(
            answer.starts_with(&format!("HTTP/1.1 {status}")),
            "{answer}"
        );
    }
    app.cleanup().await;
}

#[tokio::test]
async fn phone_numbers_are_bound_to_their_comment_and_purged_after_their_retention() {
    let limits = server::public::CommentLimits {
        burst: 100,
        ..Default::default()
    };
    let app = TestApp::spawn_full(true, limits).await;
    let code = a_site(&app).await;
    for (body, phone) in [("请回电一", "13812345678"), ("请回电二", "13987654321")] {
        let (s, _, _) = post_comment(
            &app,
            &code,
            comment_form(&[
                ("satisfaction", "basic"),
                ("support", "yes"),
                ("body", body),
                ("phone", phone),
                ("consent", "on"),
            ]),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER);
    }
    let ids: Vec<Uuid> = sqlx::query_scalar("select id from public_comments order by created_at")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    let staff = app.login_demo("demo-staff").await;
    let reveal = |id: Uuid| {
        let app = &app;
        let staff = staff.clone();
        async move {
            let id = id.to_string();
            let (s, v, _) = app
                .call("staff/reveal-phone", Some(&staff), &[("id", &id)])
                .await;
            (s, v)
        }
    };
    assert_eq!(
        reveal(ids[0]).await,
        (StatusCode::OK, Value::from("13812345678"))
    );
    // A ciphertext copied onto another comment (by someone who can write to the database) does
    // not decrypt there.
    sqlx::query(
        "update public_comments set phone_cipher = (select phone_cipher from public_comments where id = $1)
          where id = $2",
    )
    .bind(ids[0])
    .bind(ids[1])
    .execute(&app.pool)
    .await
    .unwrap();
    let (s, _) = reveal(ids[1]).await;
    assert_ne!(s, StatusCode::OK);

    // One comment is past both retention periods: `jiandu purge` clears what identifies its
    // author, keeps its words, and leaves the recent one alone.
    sqlx::query(
        "update public_comments set created_at = now() - interval '400 days' where id = $1",
    )
    .bind(ids[0])
    .execute(&app.pool)
    .await
    .unwrap();
    // While another server holds the purge's lock, this one leaves it to them.
    let mut other = app.pool.begin().await.unwrap();
    sqlx::query("select pg_advisory_xact_lock($1)")
        .bind(app::store::public::PURGE_LOCK)
        .execute(&mut *other)
        .await
        .unwrap();
    let (ok, stdout, stderr) = app.jiandu(&["purge"], &[], "");
    assert!(ok, "{stdout} {stderr}");
    assert!(stdout.contains("nothing done here"), "{stdout}");
    let waiting: Option<Vec<u8>> =
        sqlx::query_scalar("select client_hash from public_comments where id = $1")
            .bind(ids[0])
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert!(waiting.is_some(), "left to the server holding the lock");
    other.rollback().await.unwrap();
    let (ok, stdout, stderr) = app.jiandu(&["purge"], &[], "");
    assert!(ok, "{stdout} {stderr}");
    assert!(
        stdout.contains("cleared 1 phone numbers and 1 client hashes"),
        "{stdout}"
    );
    #[derive(sqlx::FromRow)]
    struct Kept {
        id: Uuid,
        phone_cipher: Option<Vec<u8>>,
        phone_masked: Option<String>,
        client_hash: Option<Vec<u8>>,
        body: Option<String>,
    }
    let rows: Vec<Kept> = sqlx::query_as(
        "select id, phone_cipher, phone_masked, client_hash, body from public_comments",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let old = rows.iter().find(|r| r.id == ids[0]).unwrap();
    assert_eq!(
        (&old.phone_cipher, &old.phone_masked, &old.client_hash),
        (&None, &None, &None)
    );
    assert_eq!(old.body.as_deref(), Some("请回电一"));
    let recent = rows.iter().find(|r| r.id == ids[1]).unwrap();
    assert!(recent.phone_cipher.is_some() && recent.client_hash.is_some());
    let (s, _) = reveal(ids[0]).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "no number left to reveal");
    app.cleanup().await;
}

/// The nonces a page's scripts carry.
fn script_nonces(html: &str) -> Vec<String> {
    html.match_indices("<script")
        .filter_map(|(i, _)| {
            let tag = &html[i..i + html[i..].find('>')?];
            let at = tag.find("nonce=\"")? + 7;
            Some(tag[at..at + tag[at..].find('"')?].to_owned())
        })
        .collect()
}

fn policy_of(res: &reqwest::Response) -> String {
    res.headers()
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn pages_run_only_their_own_nonced_scripts_and_nothing_else_runs_at_all() {
    let app = TestApp::spawn().await;
    let deputy = app.login_demo("demo-deputy").await;
    let code = a_site(&app).await;
    // A page of the app: its hydration and data scripts carry the nonce its policy names.
    for (path, cookie) in [("/login", None), ("/my/sites", Some(deputy.as_str()))] {
        let res = app.get(path, cookie).await;
        let policy = policy_of(&res);
        let nonce = app::ssr::policy_nonce(&policy)
            .unwrap_or_else(|| panic!("{path}: {policy}"))
            .to_owned();
        assert!(policy.contains("'wasm-unsafe-eval'"), "{policy}");
        assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
        let html = res.text().await.unwrap();
        let nonces = script_nonces(&html);
        assert!(!nonces.is_empty(), "{path} has scripts");
        assert!(
            nonces.iter().all(|n| *n == nonce),
            "{path}: {nonces:?} vs {nonce}"
        );
        // An empty script element never runs, so it needs none.
        let with_code = html.matches("<script").count() - html.matches("<script></script>").count();
        assert_eq!(with_code, nonces.len(), "{path}: every script has a nonce");
    }
    // The public page, rendered then served from the cache: each reader gets a nonce of their
    // own, in the header and on every script.
    let mut seen = vec![];
    for _ in 0..3 {
        let res = app.get(&format!("/s/{code}"), None).await;
        let policy = policy_of(&res);
        let nonce = app::ssr::policy_nonce(&policy).expect("a nonce").to_owned();
        let html = res.text().await.unwrap();
        let nonces = script_nonces(&html);
        assert!(!nonces.is_empty());
        assert!(nonces.iter().all(|n| *n == nonce), "{nonces:?} vs {nonce}");
        assert!(!seen.contains(&nonce), "a nonce is never served twice");
        seen.push(nonce);
    }
    // Everything else is served with a policy under which nothing runs.
    for path in ["/healthz", "/api/v1/openapi.json"] {
        let res = app.get(path, None).await;
        assert_eq!(policy_of(&res), app::ssr::RESOURCE_POLICY, "{path}");
    }
    let (_, _, headers) = app.call("session/info", None, &[]).await;
    assert_eq!(
        headers["content-security-policy"],
        app::ssr::RESOURCE_POLICY
    );
    app.cleanup().await;
}

/// Found by the bad-input corpus: what the server cannot read of a caller's request is the
/// caller's mistake (422, 413), not a bad gateway (502); a JSON record sent as anything but JSON
/// is refused (415) rather than parsed by luck; text that is not UTF-8 is refused, not stored
/// with replacement characters.
#[tokio::test]
async fn unreadable_requests_are_the_callers_mistake_and_store_nothing() {
    let app = TestApp::spawn().await;
    let staff = app.login_demo("demo-staff").await;
    let deputy = app.login_demo("demo-deputy").await;
    let form = |body: Vec<u8>| {
        app.http
            .post(format!("{}/api/catalogue/site", app.base))
            .header(header::ACCEPT, "application/json")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, &staff)
            .body(body)
    };
    let res = form(b"id=\xff\xfe\xc3\x28".to_vec()).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let mut big = b"id=".to_vec();
    big.resize(3 << 20, b'a');
    let res = form(big).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);

    let (site, lat, lon) = site_and_anchor(&app).await;
    let body = json!({
        "site_id": site, "kind": "problem", "note": "语料：井盖缺失", "tags": [],
        "captured_at": "2026-10-01T02:03:04Z",
        "position": {"lat": lat, "lon": lon, "accuracy_m": 8.0, "source": "gps"},
        "photos": [],
    })
    .to_string();
    for content_type in [
        Some("text/plain"),
        None,
        Some("application/x-www-form-urlencoded"),
    ] {
        let mut req = app
            .http
            .put(format!(
                "{}/api/v1/observations/{}",
                app.base,
                Uuid::now_v7()
            ))
            .header(header::COOKIE, &deputy)
            .body(body.clone());
        if let Some(c) = content_type {
            req = req.header(header::CONTENT_TYPE, c);
        }
        let res = req.send().await.unwrap();
        assert_eq!(
            res.status(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{content_type:?}"
        );
        let e: Value = res.json().await.unwrap();
        assert!(
            e["message"].as_str().unwrap().contains("application/json"),
            "{e}"
        );
    }
    assert_eq!(app.count("observations").await, 0);

    // A comment whose words are not UTF-8.
    let code = a_site(&app).await;
    let form = comment_form(&[("satisfaction", "satisfied"), ("support", "yes")]).part(
        "body",
        multipart::Part::bytes(b"\xff\xfe\xc3\x28 words".to_vec()),
    );
    let (status, _, _) = post_comment(&app, &code, form, None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(app.count("public_comments").await, 0);
    app.cleanup().await;
}
