//! Receipts over real HTTP: a comment's receipt follows it through moderation and the closed
//! loop, takes one verdict on the answer, shows that answer's photos and nothing of anyone
//! else; codes cannot be guessed or walked, and the dashboard counts the verdicts.

use reqwest::StatusCode;
use uuid::Uuid;

use crate::closed_loop::{forward, post_answer};
use crate::common::{form_of, post_comment, TestApp};
use crate::field::phone_jpeg;
use crate::items::{act, officer_of};

pub async fn a_site(app: &TestApp) -> String {
    sqlx::query_scalar("select public_code from sites where active order by public_code limit 1")
        .fetch_one(&app.pool)
        .await
        .expect("a demo site")
}

/// Leaves a comment as a browser without JavaScript does; returns the receipt's address.
pub async fn comment(app: &TestApp, code: &str, body: &str, token: &str) -> String {
    let form = form_of(&[
        ("form_token", token),
        ("satisfaction", "dissatisfied"),
        ("support", "yes"),
        ("body", body),
    ]);
    let (s, location, _) = post_comment(app, code, form).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let path = location.strip_suffix("?new").expect("a new receipt");
    assert!(path.starts_with("/r/"), "{location}");
    path.to_owned()
}

pub async fn comment_id(app: &TestApp, body: &str) -> Uuid {
    sqlx::query_scalar("select id from public_comments where body = $1")
        .bind(body)
        .fetch_one(&app.pool)
        .await
        .expect("the comment")
}

async fn page(app: &TestApp, path: &str) -> (StatusCode, String, reqwest::header::HeaderMap) {
    let res = app.get(path, None).await;
    let status = res.status();
    let headers = res.headers().clone();
    (status, res.text().await.unwrap(), headers)
}

async fn rate(app: &TestApp, receipt: &str, rating: &str) -> (StatusCode, String, String) {
    let res = app
        .http
        .post(format!("{}{receipt}/rate", app.base))
        .header("sec-fetch-site", "same-origin")
        .form(&[("rating", rating)])
        .send()
        .await
        .expect("rate");
    let status = res.status();
    let location = res
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, location, res.text().await.unwrap_or_default())
}

/// The state the page shows for one step of the path.
fn step(html: &str, name: &str) -> String {
    let mark = format!("data-step=\"{name}\" data-state=\"");
    let i = html.find(&mark).unwrap_or_else(|| panic!("step {name}")) + mark.len();
    html[i..].split('"').next().unwrap().to_owned()
}

fn without_nonces(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(i) = rest.find("nonce=\"") {
        out.push_str(&rest[..i + 7]);
        rest = &rest[i + 7..];
        rest = &rest[rest.find('"').unwrap_or(0)..];
    }
    out.push_str(rest);
    out
}

async fn moderate(app: &TestApp, staff: &str, id: Uuid, form: &[(&str, &str)]) -> StatusCode {
    let id = id.to_string();
    let mut f = vec![("id", id.as_str())];
    f.extend_from_slice(form);
    let (s, body, _) = app.call("staff/moderate", Some(staff), &f).await;
    assert!(s != StatusCode::INTERNAL_SERVER_ERROR, "{body}");
    s
}

#[tokio::test]
async fn a_receipt_follows_its_comment_to_the_answer_and_rates_it_once() {
    let app = TestApp::spawn().await;
    let staff = app.login_demo("demo-staff").await;
    let admin = app.login_demo("demo-admin").await;
    let code = a_site(&app).await;
    let words = "公园东门的台阶断了一块，老人容易绊倒";
    let receipt = comment(&app, &code, words, &Uuid::now_v7().to_string()).await;

    // The first view thanks the person and gives the code to keep; nobody keeps the page.
    let (s, html, headers) = page(&app, &format!("{receipt}?new")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("感谢您的意见"));
    assert!(html.contains("id=\"receipt-qr\""));
    assert!(html.contains("<svg"), "the QR code is drawn in the page");
    assert!(html.contains(words));
    assert!(!html.contains(".wasm"), "no wasm on a receipt");
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(headers["referrer-policy"], "no-referrer");
    assert_eq!(step(&html, "received"), "done");
    assert_eq!(step(&html, "reviewed"), "current");
    let (_, later, _) = page(&app, &receipt).await;
    assert!(
        !later.contains("id=\"receipt-qr\""),
        "the QR only on the first view"
    );

    // Nothing to rate before the unit has answered.
    let (s, _, body) = rate(&app, &receipt, "satisfied").await;
    assert_eq!(s, StatusCode::CONFLICT, "{body}");
    assert!(
        body.contains("承办单位还没有答复"),
        "said in the reader's words"
    );

    // Staff take it up as a problem, make an item of it and forward it.
    let id = comment_id(&app, words).await;
    assert_eq!(
        moderate(&app, &staff, id, &[("action", "mark_problem")]).await,
        StatusCode::OK
    );
    let (_, html, _) = page(&app, &receipt).await;
    assert_eq!(step(&html, "reviewed"), "done");
    assert_eq!(step(&html, "taken_into_item"), "current");
    let ids = id.to_string();
    let (s, item, _) = app
        .call(
            "review/create-item",
            Some(&staff),
            &[
                ("comments", &ids),
                ("kind", "problem"),
                ("description", "台阶破损（内部备注：群众来电三次）"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{item}");
    let item = item.as_str().unwrap().to_owned();
    let unit = forward(&app, &staff, &item).await;
    let (_, html, _) = page(&app, &receipt).await;
    assert_eq!(step(&html, "taken_into_item"), "done");
    assert_eq!(step(&html, "forwarded"), "done");
    assert_eq!(step(&html, "answered"), "current");
    assert!(html.contains("2099-12-31"), "the deadline is shown");
    assert!(
        !html.contains("内部备注"),
        "the item's description is the staff's, not the receipt's"
    );

    // The unit answers with a photo: the receipt shows both, and may serve that photo.
    let officer = officer_of(&app, &admin, unit, "officer-receipt").await;
    let (s, _, _) = app
        .call("items/act", Some(&officer), &act(&item, "acknowledge"))
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _, body) = post_answer(
        &app,
        Some(&officer),
        &item,
        "台阶已重新铺设并加装扶手",
        vec![phone_jpeg(640, 480, 77)],
        false,
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    let sha: String = sqlx::query_scalar("select sha256 from list_item_photos where item_id = $1")
        .bind(Uuid::parse_str(&item).unwrap())
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let (_, html, _) = page(&app, &receipt).await;
    assert_eq!(step(&html, "answered"), "done");
    assert_eq!(step(&html, "closed"), "current");
    assert!(html.contains("台阶已重新铺设并加装扶手"));
    assert!(html.contains(&format!("{receipt}/photos/{sha}/thumb")));
    assert!(html.contains("id=\"rate-form\""));
    app.copies_made(&sha).await;
    let photo = app
        .get(&format!("{receipt}/photos/{sha}/thumb"), None)
        .await;
    assert_eq!(photo.status(), StatusCode::OK);
    assert_eq!(photo.headers()["content-type"], "image/jpeg");

    // No choice: said, nothing stored. Then one verdict; a second is refused.
    let (s, _, body) = rate(&app, &receipt, "").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("请选择评价"), "{body}");
    let (s, location, _) = rate(&app, &receipt, "basic").await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert!(location.starts_with(&receipt));
    let (s, _, body) = rate(&app, &receipt, "dissatisfied").await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(body.contains("只能评价一次"));
    let stored: (Option<String>, i64) = sqlx::query_as(
        "select receipt_rating,
                (select count(*) from public_comments where receipt_rating is not null)
           from public_comments where id = $1",
    )
    .bind(id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(stored, (Some("basic".into()), 1));
    let (_, html, _) = page(&app, &receipt).await;
    assert!(html.contains("data-rating=\"basic\""));
    assert!(!html.contains("id=\"rate-form\""));

    // The dashboard counts it beside the deputies' ratings, as the raw tables do.
    let (s, dash, _) = app.call("items/dashboard", Some(&staff), &[]).await;
    assert_eq!(s, StatusCode::OK, "{dash}");
    assert_eq!(dash["public_verdicts"]["basic"], 1);
    assert_eq!(dash["public_verdicts"]["satisfied"], 0);
    for (key, rating) in [
        ("satisfied", "satisfied"),
        ("basic", "basic"),
        ("dissatisfied", "dissatisfied"),
    ] {
        // Each deputy's rating of the current answer: a `rate` event after the latest answer.
        let deputies: i64 = sqlx::query_scalar(
            "select count(*) from list_item_events r
              where r.action = 'rate' and r.comment = $1
                and r.id > coalesce((select max(a.id) from list_item_events a
                                      where a.item_id = r.item_id and a.action = 'answer'), 0)",
        )
        .bind(rating)
        .fetch_one(&app.pool)
        .await
        .unwrap();
        assert_eq!(dash["deputy_verdicts"][key], deputies, "{key}");
    }

    // Staff verify: the path ends.
    let (s, _, _) = app
        .call("items/act", Some(&staff), &act(&item, "verify"))
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, html, _) = page(&app, &receipt).await;
    assert_eq!(step(&html, "closed"), "done");
    app.cleanup().await;
}

#[tokio::test]
async fn a_hidden_comment_is_told_the_category_and_not_the_staff_reason() {
    let app = TestApp::spawn().await;
    let staff = app.login_demo("demo-staff").await;
    let code = a_site(&app).await;
    let words = "这里有人乱停车，车牌是某某某";
    let receipt = comment(&app, &code, words, &Uuid::now_v7().to_string()).await;
    let id = comment_id(&app, words).await;
    assert_eq!(
        moderate(
            &app,
            &staff,
            id,
            &[
                ("action", "hide"),
                ("reason", "含车牌号（工作人员内部记录）"),
                ("category", "nonsense")
            ]
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "an unknown category is refused"
    );
    assert_eq!(
        moderate(
            &app,
            &staff,
            id,
            &[
                ("action", "hide"),
                ("reason", "含车牌号（工作人员内部记录）"),
                ("category", "private")
            ]
        )
        .await,
        StatusCode::OK
    );
    let (_, html, _) = page(&app, &receipt).await;
    assert!(html.contains("data-category=\"private\""));
    assert!(html.contains("含他人个人信息"));
    assert!(!html.contains("工作人员内部记录"));
    assert_eq!(step(&html, "reviewed"), "done");
    assert_eq!(step(&html, "taken_into_item"), "skipped");
    // Restored: the category goes with the hiding.
    assert_eq!(
        moderate(&app, &staff, id, &[("action", "publish")]).await,
        StatusCode::OK
    );
    let category: Option<String> =
        sqlx::query_scalar("select hide_category from public_comments where id = $1")
            .bind(id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(category, None);
    app.cleanup().await;
}

#[tokio::test]
async fn receipts_show_nothing_of_other_comments_and_cannot_be_walked() {
    let app = TestApp::spawn().await;
    let code = a_site(&app).await;
    let token_a = Uuid::now_v7().to_string();
    let a = comment(&app, &code, "甲的留言：路灯不亮", &token_a).await;
    let b = comment(
        &app,
        &code,
        "乙的留言：座椅松动",
        &Uuid::now_v7().to_string(),
    )
    .await;
    assert_ne!(a, b);
    let (_, html, _) = page(&app, &a).await;
    assert!(html.contains("甲的留言"));
    assert!(!html.contains("乙的留言"));

    // The same form sent again gives the same receipt, not a second comment.
    assert_eq!(
        comment(&app, &code, "甲的留言：路灯不亮", &token_a).await,
        a
    );

    // What an enumerator would try: neighbours of a real code, the comment's id, its form
    // token, nonsense. All are the same 404, which names nothing.
    let real = a.trim_start_matches("/r/").to_owned();
    let id_a = comment_id(&app, "甲的留言：路灯不亮").await;
    let mut tries: Vec<String> = vec![
        id_a.to_string(),
        token_a.clone(),
        "2222222222222222".into(),
        "not-a-code".into(),
        format!("{real}2"),
    ];
    for i in [0, 7, 15] {
        let mut c: Vec<char> = real.chars().collect();
        c[i] = if c[i] == '2' { '3' } else { '2' };
        tries.push(c.into_iter().collect());
    }
    let (_, reference, _) = page(&app, "/r/2222222222222222").await;
    for t in &tries {
        let (s, html, headers) = page(&app, &format!("/r/{t}")).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{t}");
        assert!(html.contains("没有找到这张回执"), "{t}");
        assert!(!html.contains("留言："), "{t}");
        assert_eq!(headers["cache-control"], "no-store");
        // Only the per-response nonce differs between these pages.
        assert_eq!(without_nonces(&html), without_nonces(&reference), "{t}");
        let (s, _, _) = rate(&app, &format!("/r/{t}"), "satisfied").await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{t}");
    }
    // The code as people write it leads to the one address.
    let grouped: String = real
        .as_bytes()
        .chunks(4)
        .map(|c| std::str::from_utf8(c).unwrap().to_lowercase())
        .collect::<Vec<_>>()
        .join("-");
    let res = app.get(&format!("/r/{grouped}"), None).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["location"], a.as_str());
    let res = app.get(&format!("/r?code={grouped}"), None).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["location"], a.as_str());
    let (s, html, _) = page(&app, "/r?code=ABC").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("回执码是16位字母数字"));

    // A photo is served only as evidence of this receipt's answer: a public comment's photo
    // named under a receipt is not.
    let sha: Option<String> = sqlx::query_scalar(
        "select photo_sha256 from public_comments where photo_sha256 is not null limit 1",
    )
    .fetch_optional(&app.pool)
    .await
    .unwrap();
    let sha = sha.unwrap_or_else(|| "a".repeat(64));
    let res = app.get(&format!("{a}/photos/{sha}/thumb"), None).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    // Receipts are not in the database: only a keyed hash of each is.
    let stored: Vec<Vec<u8>> = sqlx::query_scalar(
        "select receipt_hash from public_comments where receipt_hash is not null",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(stored.len(), 2);
    assert!(stored
        .iter()
        .all(|h| h.len() == 32 && !h.windows(real.len()).any(|w| w == real.as_bytes())));
    app.cleanup().await;
}

#[tokio::test]
async fn guessing_receipts_meets_the_rate_limit() {
    let limits = server::public::CommentLimits {
        receipt_burst: 5,
        receipt_interval: std::time::Duration::from_secs(3600),
        ..Default::default()
    };
    let app = TestApp::spawn_full(true, limits).await;
    for i in 0..5 {
        let (s, _, _) = page(
            &app,
            &format!("/r/{}", "2".repeat(15) + &(i + 3).to_string()),
        )
        .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
    }
    let res = app.get("/r/3333333333333333", None).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(res.headers().contains_key("retry-after"));
    // The limit is the receipts': the site pages are still served.
    let code = a_site(&app).await;
    assert_eq!(
        app.get(&format!("/s/{code}"), None).await.status(),
        StatusCode::OK
    );
    app.cleanup().await;
}
