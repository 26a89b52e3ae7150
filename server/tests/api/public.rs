//! The public channel over real HTTP: the no-JS site page, comment posts and their refusals,
//! rate limits, moderation, phone numbers, photos, QR codes and satisfaction figures.

use reqwest::{multipart, StatusCode};
use serde_json::Value;

use crate::common::{form_of as form, post_comment as post, TestApp};
use crate::field::phone_jpeg;

async fn a_site(app: &TestApp) -> (String, String) {
    sqlx::query_as("select public_code, name_zh from sites order by public_code limit 1")
        .fetch_one(&app.pool)
        .await
        .expect("a demo site")
}

fn token() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// The id of the one comment a test has stored.
async fn only_comment(app: &TestApp) -> uuid::Uuid {
    sqlx::query_scalar("select id from public_comments")
        .fetch_one(&app.pool)
        .await
        .expect("one comment")
}

async fn publish(app: &TestApp, staff: &str, id: uuid::Uuid) {
    let (s, body, _) = app
        .call(
            "staff/moderate",
            Some(staff),
            &[("id", &id.to_string()), ("action", "publish")],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(&app.pool)
        .await
        .expect("count")
}

#[tokio::test]
async fn the_public_page_is_complete_html_without_wasm() {
    let app = TestApp::spawn().await;
    let (code, name) = a_site(&app).await;
    let res = app.get(&format!("/s/{code}"), None).await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(html.contains(&name), "site name on the page");
    assert!(html.contains("lang=\"zh-CN\""));
    assert!(html.contains("id=\"comment-form\""));
    assert!(html.contains("满意率"));
    assert!(!html.contains(".wasm"), "no wasm on the public page");
    assert!(
        !html.contains("/pkg/jiandu.js"),
        "no app script on the public page"
    );
    assert!(!html.contains("id=\"sign-out\""), "no staff menu");
    // Served again (from the page cache): a new form token for each reader.
    let token_of = |html: &str| {
        let i = html.find("name=\"form_token\" value=\"").expect("token") + 26;
        html[i..i + 36].to_owned()
    };
    let again = app
        .get(&format!("/s/{code}"), None)
        .await
        .text()
        .await
        .unwrap();
    assert_ne!(token_of(&html), token_of(&again));
    assert!(again.contains("id=\"response-count\">0<"));
    // A new comment shows in the figures at once, cache or not.
    let t = token();
    let (s, _, _) = post(
        &app,
        &code,
        form(&[
            ("form_token", &t),
            ("satisfaction", "basic"),
            ("support", "no"),
        ]),
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let after = app
        .get(&format!("/s/{code}"), None)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        after.contains("id=\"response-count\">0<"),
        "not counted before staff have looked at it"
    );
    // Once published it counts at once, cache or not.
    let staff = app.login_demo("demo-staff").await;
    let id = only_comment(&app).await.to_string();
    let (s, _, _) = app
        .call(
            "staff/moderate",
            Some(&staff),
            &[("id", &id), ("action", "publish")],
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let after = app
        .get(&format!("/s/{code}"), None)
        .await
        .text()
        .await
        .unwrap();
    assert!(after.contains("id=\"response-count\">1<"));
    // Lower-case codes from a hand-typed URL still find the site; unknown ones are 404.
    let lower = app.get(&format!("/s/{}", code.to_lowercase()), None).await;
    assert_eq!(lower.status(), StatusCode::OK);
    let missing = app.get("/s/2222222", None).await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    app.cleanup().await;
}

#[tokio::test]
async fn a_comment_waits_for_moderation_then_appears() {
    let app = TestApp::spawn().await;
    let (code, _) = a_site(&app).await;
    let t = token();
    let fields = [
        ("form_token", t.as_str()),
        ("satisfaction", "basic"),
        ("support", "yes"),
        ("body", "电梯口的坡道太陡，轮椅上不去"),
        ("phone", ""),
        ("website", ""),
    ];
    let (status, location, _) = post(&app, &code, form(&fields)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    // To the comment's receipt, which thanks the person first.
    assert!(
        location.starts_with("/r/") && location.ends_with("?new"),
        "{location}"
    );
    let thanks = app.get(&location, None).await.text().await.unwrap();
    assert!(thanks.contains("感谢"));
    assert!(thanks.contains("id=\"receipt-qr\""));

    // The same form sent again (a double tap, a resend after a timeout) stores nothing new.
    let (again, location2, _) = post(&app, &code, form(&fields)).await;
    assert_eq!(
        (again, location2.as_str()),
        (StatusCode::SEE_OTHER, location.as_str())
    );
    assert_eq!(count(&app, "select count(*) from public_comments").await, 1);
    let (status_db,): (String,) = sqlx::query_as("select status from public_comments")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(status_db, "pending");

    // Pending: neither shown nor counted (anyone could steer the figures otherwise).
    let page = app
        .get(&format!("/s/{code}"), None)
        .await
        .text()
        .await
        .unwrap();
    assert!(!page.contains("轮椅上不去"));
    assert!(page.contains("id=\"response-count\">0<"));

    // Only staff moderate.
    let id = only_comment(&app).await;
    let id = id.to_string();
    let publish = [("id", id.as_str()), ("action", "publish")];
    let (anon, _, _) = app.call("staff/moderate", None, &publish).await;
    assert_eq!(anon, StatusCode::UNAUTHORIZED);
    let deputy = app.login_demo("demo-deputy").await;
    let (dep, _, _) = app.call("staff/moderate", Some(&deputy), &publish).await;
    assert_eq!(dep, StatusCode::FORBIDDEN);

    let staff = app.login_demo("demo-staff").await;
    let (s, queue, _) = app
        .call("staff/comments", Some(&staff), &[("status", "pending")])
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(queue["comments"].as_array().map(Vec::len), Some(1));
    assert_eq!(queue["pending"], 1);

    let (s, to, _) = app.call("staff/moderate", Some(&staff), &publish).await;
    assert_eq!((s, to), (StatusCode::OK, Value::from("published")));
    let (s, again, _) = app.call("staff/moderate", Some(&staff), &publish).await;
    assert_eq!(s, StatusCode::CONFLICT, "{again}");

    let page = app
        .get(&format!("/s/{code}"), None)
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("轮椅上不去"));
    assert!(page.contains("id=\"satisfaction-rate\">100%<"));

    // Hiding needs a reason, is logged with who did it, and takes it off the page.
    let (s, _, _) = app
        .call(
            "staff/moderate",
            Some(&staff),
            &[("id", &id), ("action", "hide"), ("reason", " ")],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _, _) = app
        .call(
            "staff/moderate",
            Some(&staff),
            &[("id", &id), ("action", "hide"), ("reason", "含个人信息")],
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let page = app
        .get(&format!("/s/{code}"), None)
        .await
        .text()
        .await
        .unwrap();
    assert!(!page.contains("轮椅上不去"));
    assert!(
        page.contains("id=\"response-count\">0<"),
        "hidden comments do not count"
    );
    let (reason, by): (String, String) = sqlx::query_as(
        "select c.hide_reason, u.username from public_comments c join users u on u.id = c.moderated_by",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!((reason.as_str(), by.as_str()), ("含个人信息", "demo-staff"));
    assert_eq!(
        count(&app, "select count(*) from public_comment_events").await,
        2
    );
    app.cleanup().await;
}

#[tokio::test]
async fn refused_posts_keep_what_was_typed_and_store_nothing() {
    // Refused posts count against the rate limit too; this test posts more than a client may.
    let limits = server::public::CommentLimits {
        burst: 50,
        ..Default::default()
    };
    let app = TestApp::spawn_full(true, limits).await;
    let (code, _) = a_site(&app).await;

    // A bad phone number: 422, the page again with the text and choices kept.
    let t = token();
    let (s, _, html) = post(
        &app,
        &code,
        form(&[
            ("form_token", &t),
            ("satisfaction", "dissatisfied"),
            ("support", "not_sure"),
            ("body", "晚上路灯不亮"),
            ("phone", "12345"),
            ("consent", "yes"),
        ]),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("晚上路灯不亮"), "the text is kept");
    assert!(
        html.contains("请填写11位手机号"),
        "says what to fix, in Chinese"
    );
    let radio = html
        .find("value=\"dissatisfied\"")
        .expect("the radio button");
    assert!(
        html[radio..radio + 40].contains("checked"),
        "the chosen rating is kept"
    );

    // Too long (501 characters), or no rating at all.
    let long = "长".repeat(501);
    let t = token();
    let (s, _, html) = post(
        &app,
        &code,
        form(&[
            ("form_token", &t),
            ("satisfaction", "satisfied"),
            ("support", "yes"),
            ("body", &long),
        ]),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("意见最多500字"));
    let t = token();
    let (s, _, _) = post(&app, &code, form(&[("form_token", &t), ("support", "yes")])).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

    // Not an image.
    let t = token();
    let f = form(&[
        ("form_token", &t),
        ("satisfaction", "satisfied"),
        ("support", "yes"),
    ])
    .part(
        "photo",
        multipart::Part::bytes(b"just some text".to_vec()).file_name("a.jpg"),
    );
    let (s, _, html) = post(&app, &code, f).await;
    assert_eq!(s, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(html.contains("照片需为JPG"));

    // The honeypot: thanked, dropped.
    let t = token();
    let (s, location, _) = post(
        &app,
        &code,
        form(&[
            ("form_token", &t),
            ("satisfaction", "satisfied"),
            ("support", "yes"),
            ("website", "http://spam.example"),
        ]),
    )
    .await;
    assert_eq!(
        (s, location),
        (StatusCode::SEE_OTHER, format!("/s/{code}/thanks"))
    );

    assert_eq!(count(&app, "select count(*) from public_comments").await, 0);
    assert_eq!(count(&app, "select count(*) from photos").await, 0);

    // The same words again (spacing and punctuation aside) within a day: 409, text kept.
    let t = token();
    let first = [
        ("form_token", t.as_str()),
        ("satisfaction", "satisfied"),
        ("support", "yes"),
        ("body", "食堂饭菜很好，价格实惠"),
    ];
    assert_eq!(
        post(&app, &code, form(&first)).await.0,
        StatusCode::SEE_OTHER
    );
    let t = token();
    let (s, _, html) = post(
        &app,
        &code,
        form(&[
            ("form_token", &t),
            ("satisfaction", "satisfied"),
            ("support", "yes"),
            ("body", "食堂饭菜很好 价格实惠！"),
        ]),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(html.contains("相同内容已经提交过了"));
    assert_eq!(count(&app, "select count(*) from public_comments").await, 1);
    app.cleanup().await;
}

#[tokio::test]
async fn phone_numbers_are_kept_hashed_encrypted_and_masked() {
    let app = TestApp::spawn().await;
    let (code, _) = a_site(&app).await;
    let t = token();
    let (s, _, _) = post(
        &app,
        &code,
        form(&[
            ("form_token", &t),
            ("satisfaction", "satisfied"),
            ("support", "yes"),
            ("phone", "+86 138-1234-5678"),
            ("consent", "yes"),
        ]),
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (masked, hash, cipher): (String, Vec<u8>, Vec<u8>) =
        sqlx::query_as("select phone_masked, phone_hash, phone_cipher from public_comments")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(masked, "138****5678");
    assert_eq!(hash.len(), 32);
    assert!(!cipher.windows(11).any(|w| w == b"13812345678"));
    let whole_row: String =
        sqlx::query_scalar("select row_to_json(c)::text from public_comments c")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert!(!whole_row.contains("13812345678"));

    let id = only_comment(&app).await;
    let id = id.to_string();
    let deputy = app.login_demo("demo-deputy").await;
    let (s, _, _) = app
        .call("staff/reveal-phone", Some(&deputy), &[("id", &id)])
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let staff = app.login_demo("demo-staff").await;
    let (s, queue, _) = app.call("staff/comments", Some(&staff), &[]).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(queue["comments"][0]["phone_masked"], "138****5678");
    let (s, number, _) = app
        .call("staff/reveal-phone", Some(&staff), &[("id", &id)])
        .await;
    assert_eq!((s, number), (StatusCode::OK, Value::from("13812345678")));
    assert_eq!(
        count(
            &app,
            "select count(*) from public_comment_events where action = 'reveal_phone'"
        )
        .await,
        1
    );
    // The page that answers a reveal shows the number to the one who asked, for a few minutes;
    // to anyone else, and later, nothing. Showing it logs nothing more.
    let (s, shown, _) = app
        .call("staff/revealed-phone", Some(&staff), &[("id", &id)])
        .await;
    assert_eq!((s, shown), (StatusCode::OK, Value::from("13812345678")));
    let admin = app.login_demo("demo-admin").await;
    let (s, shown, _) = app
        .call("staff/revealed-phone", Some(&admin), &[("id", &id)])
        .await;
    assert_eq!(
        (s, shown),
        (StatusCode::OK, Value::Null),
        "not revealed by the admin"
    );
    // The log is append-only; the test moves time as the demo loader does, saying so.
    let mut tx = app.pool.begin().await.unwrap();
    sqlx::query("select set_config('jiandu.rewrite_log', 'demo clock', true)")
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query("update public_comment_events set at = at - interval '11 minutes'")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let (_, shown, _) = app
        .call("staff/revealed-phone", Some(&staff), &[("id", &id)])
        .await;
    assert_eq!(shown, Value::Null, "a reveal shows for ten minutes");
    assert_eq!(
        count(
            &app,
            "select count(*) from public_comment_events where action = 'reveal_phone'"
        )
        .await,
        1
    );
    app.cleanup().await;
}

#[tokio::test]
async fn photos_are_stripped_and_public_only_once_published() {
    let app = TestApp::spawn().await;
    let (code, _) = a_site(&app).await;
    let original = phone_jpeg(800, 600, 3);
    assert!(exif::Reader::new()
        .read_from_container(&mut std::io::Cursor::new(&original))
        .is_ok());
    let t = token();
    let f = form(&[
        ("form_token", &t),
        ("satisfaction", "satisfied"),
        ("support", "yes"),
    ])
    .part(
        "photo",
        multipart::Part::bytes(original.clone())
            .file_name("IMG_0001.jpg")
            .mime_str("image/jpeg")
            .unwrap(),
    );
    let (s, _, _) = post(&app, &code, f).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (sha, source, lat): (String, String, Option<f64>) =
        sqlx::query_as("select sha256, source, exif_lat from photos")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!((source.as_str(), lat), ("public", None));
    // Every stored file, "original" included, is free of EXIF.
    let mut files = 0;
    for entry in walk(&app.media_dir) {
        let bytes = std::fs::read(&entry).unwrap();
        assert!(
            exif::Reader::new()
                .read_from_container(&mut std::io::Cursor::new(&bytes))
                .is_err(),
            "{} carries EXIF",
            entry.display()
        );
        files += 1;
    }
    assert_eq!(files, 3);

    let url = format!("/s/{code}/photos/{sha}/display");
    assert_eq!(app.get(&url, None).await.status(), StatusCode::NOT_FOUND);
    let staff = app.login_demo("demo-staff").await;
    let id = only_comment(&app).await;
    publish(&app, &staff, id).await;
    let res = app.get(&url, None).await;
    assert_eq!(res.status(), StatusCode::OK);
    let img = image::load_from_memory(&res.bytes().await.unwrap()).unwrap();
    assert_eq!((img.width(), img.height()), (800, 600));
    // The photo's path under another site's code is not a way in.
    let other: String =
        sqlx::query_scalar("select public_code from sites where public_code <> $1 limit 1")
            .bind(&code)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let res = app
        .get(&format!("/s/{other}/photos/{sha}/display"), None)
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    app.cleanup().await;
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = vec![];
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

#[tokio::test]
async fn each_client_is_rate_limited_with_a_polite_answer() {
    let limits = server::public::CommentLimits {
        burst: 2,
        interval: std::time::Duration::from_secs(3600),
        ..Default::default()
    };
    let app = TestApp::spawn_full(true, limits).await;
    let (code, _) = a_site(&app).await;
    let body = |i: usize| format!("第{i}条不同的意见内容");
    for i in 0..2 {
        let t = token();
        let b = body(i);
        let (s, _, _) = post(
            &app,
            &code,
            form(&[
                ("form_token", &t),
                ("satisfaction", "satisfied"),
                ("support", "yes"),
                ("body", &b),
            ]),
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER, "post {i}");
    }
    let t = token();
    let b = body(9);
    let res = app
        .http
        .post(format!("{}/s/{code}/comment", app.base))
        .header("accept", "text/html")
        // Forged: the client is not behind a trusted proxy, so this changes nothing.
        .header("x-forwarded-for", "198.51.100.23")
        .multipart(form(&[
            ("form_token", &t),
            ("satisfaction", "satisfied"),
            ("support", "yes"),
            ("body", &b),
        ]))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(res.headers().get("retry-after").is_some());
    assert_eq!(res.headers()["connection"], "close");
    let html = res.text().await.unwrap();
    assert!(html.contains("提交太频繁了") && html.contains("Too many submissions"));
    assert_eq!(count(&app, "select count(*) from public_comments").await, 2);
    // Reading is not limited.
    assert_eq!(
        app.get(&format!("/s/{code}"), None).await.status(),
        StatusCode::OK
    );
    app.cleanup().await;
}

#[tokio::test]
async fn qr_codes_encode_the_public_address() {
    let app = TestApp::spawn().await;
    let (code, _) = a_site(&app).await;
    let svg = app.get(&format!("/s/{code}/qr.svg"), None).await;
    assert_eq!(svg.status(), StatusCode::OK);
    assert_eq!(svg.headers()["content-type"], "image/svg+xml");
    assert!(svg.text().await.unwrap().starts_with("<?xml"));

    let png = app.get(&format!("/s/{code}/qr.png"), None).await;
    assert_eq!(png.status(), StatusCode::OK);
    assert!(png.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains(&format!("jiandu-{code}.png")));
    let img = image::load_from_memory(&png.bytes().await.unwrap())
        .unwrap()
        .to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(
        img.width() as usize,
        img.height() as usize,
        |x, y| img.get_pixel(x as u32, y as u32).0[0],
    );
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1);
    let (_, content) = grids[0].decode().expect("a readable QR code");
    assert_eq!(content, format!("https://jiandu.test/s/{code}"));

    assert_eq!(
        app.get("/s/2222222/qr.svg", None).await.status(),
        StatusCode::NOT_FOUND
    );
    app.cleanup().await;
}

#[tokio::test]
async fn satisfaction_figures_add_up_per_sub_item_and_project() {
    // Behind a proxy, so that each answer comes from its own client (a client rates a site once a
    // day).
    let limits = server::public::CommentLimits {
        trusted_proxies: vec!["127.0.0.1".parse().unwrap()],
        ..Default::default()
    };
    let app = TestApp::spawn_full(true, limits).await;
    // Two sites of one sub-item, one of another.
    let rows: Vec<(String, uuid::Uuid)> = sqlx::query_as(
        "select t.public_code, t.sub_item_id from sites t
          where t.sub_item_id = (select sub_item_id from sites group by sub_item_id
                                  having count(*) >= 2 order by sub_item_id limit 1)
          order by t.public_code limit 2",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let answers = [
        (&rows[0].0, "satisfied", "yes"),
        (&rows[0].0, "dissatisfied", "no"),
        (&rows[1].0, "basic", "not_sure"),
        (&rows[1].0, "satisfied", "yes"),
    ];
    for (n, (code, sat, sup)) in answers.into_iter().enumerate() {
        let t = token();
        let res = app
            .http
            .post(format!("{}/s/{code}/comment", app.base))
            .header("accept", "text/html")
            .header("x-forwarded-for", format!("203.0.113.{n}"))
            .multipart(form(&[
                ("form_token", &t),
                ("satisfaction", sat),
                ("support", sup),
            ]))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
    }
    // Figures count what staff have published.
    let staff = app.login_demo("demo-staff").await;
    app.moderate_all(&staff, "publish").await;
    let (s, figures, _) = app.call("staff/satisfaction", Some(&staff), &[]).await;
    assert_eq!(s, StatusCode::OK);
    let list = figures.as_array().unwrap();
    let row = list
        .iter()
        .find(|r| r["sub_item_id"] == rows[0].1.to_string())
        .unwrap();
    assert_eq!(row["tally"]["satisfied"], 2);
    assert_eq!(row["tally"]["basic"], 1);
    assert_eq!(row["tally"]["dissatisfied"], 1);
    assert_eq!(row["tally"]["support_yes"], 2);
    let total: i64 = list
        .iter()
        .map(|r| {
            ["satisfied", "basic", "dissatisfied"]
                .iter()
                .map(|k| r["tally"][k].as_i64().unwrap())
                .sum::<i64>()
        })
        .sum();
    assert_eq!(total, 4);
    let deputy = app.login_demo("demo-deputy").await;
    let (s, _, _) = app.call("staff/satisfaction", Some(&deputy), &[]).await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // The public page shows the site's own rate: one of its two answers is satisfied.
    let page = app
        .get(&format!("/s/{}", rows[0].0), None)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("id=\"satisfaction-rate\">50%<"),
        "site 1 has one of two satisfied"
    );
    app.cleanup().await;
}

#[tokio::test]
async fn posters_list_a_units_sites_for_staff_only() {
    let app = TestApp::spawn().await;
    let unit: uuid::Uuid = sqlx::query_scalar(
        "select s.lead_unit_id from sites t join sub_items s on s.id = t.sub_item_id limit 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let expected: i64 = sqlx::query_scalar(
        "select count(*) from sites t join sub_items s on s.id = t.sub_item_id where s.lead_unit_id = $1",
    )
    .bind(unit)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let staff = app.login_demo("demo-staff").await;
    let (s, sheet, _) = app
        .call(
            "staff/posters",
            Some(&staff),
            &[("unit", &unit.to_string())],
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(sheet["sites"].as_array().unwrap().len() as i64, expected);
    assert_eq!(sheet["base_url"], "https://jiandu.test");
    let page = app
        .get(&format!("/staff/posters?unit={unit}"), Some(&staff))
        .await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert_eq!(html.matches("class=\"poster\"").count() as i64, expected);
    let officer = app.login_demo("demo-officer").await;
    let (s, _, _) = app
        .call(
            "staff/posters",
            Some(&officer),
            &[("unit", &unit.to_string())],
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _, _) = app
        .call("staff/posters", Some(&staff), &[("code", "not-a-code")])
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    app.cleanup().await;
}

#[tokio::test]
async fn script_in_a_comment_is_inert_and_the_phone_never_public() {
    let app = TestApp::spawn().await;
    let (code, _) = a_site(&app).await;
    let payload = r#"<script>alert("x")</script><img src=x onerror=alert(1)> 好"#;
    let t = token();
    let (s, location, _) = post(
        &app,
        &code,
        form(&[
            ("form_token", &t),
            ("satisfaction", "satisfied"),
            ("support", "yes"),
            ("body", payload),
            ("phone", "13987654321"),
            ("consent", "yes"),
        ]),
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let staff = app.login_demo("demo-staff").await;
    let id = only_comment(&app).await;
    publish(&app, &staff, id).await;

    let page = app
        .get(&format!("/s/{code}"), None)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("&lt;script&gt;alert"),
        "the text is shown as text"
    );
    assert!(!page.contains("<script>alert"), "never as markup");
    assert!(!page.contains("<img src=x"), "never as markup");
    // Neither the number nor its mask reaches the public, on any page they can open.
    let mut public = vec![page];
    public.push(app.get(&location, None).await.text().await.unwrap());
    public.push(
        app.get(&format!("/s/{code}?page=1"), None)
            .await
            .text()
            .await
            .unwrap(),
    );
    let (_, json, _) = app
        .call("public/site", None, &[("code", &code), ("page", "0")])
        .await;
    public.push(json.to_string());
    for body in &public {
        assert!(!body.contains("13987654321") && !body.contains("139****4321"));
        assert!(!body.contains("phone_masked"));
    }
    app.cleanup().await;
}
