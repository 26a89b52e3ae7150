use reqwest::{header, StatusCode};

use crate::common::TestApp;

#[tokio::test]
async fn cross_site_posts_are_refused_before_they_reach_a_server_function() {
    let app = TestApp::spawn().await;
    let cookie = app.login_demo("demo-admin").await;
    let before = app.count("users").await;
    let form = [
        ("username", "csrf-victim"),
        ("display_name", "x"),
        ("password", "long-enough-1"),
        ("role", "admin"),
    ];
    for (name, value) in [
        ("sec-fetch-site", "cross-site"),
        ("sec-fetch-site", "same-site"),
        ("origin", "http://evil.example"),
        ("origin", "null"),
    ] {
        let res = app
            .http
            .post(format!("{}/api/admin/create-account", app.base))
            .header(header::COOKIE, &cookie)
            .header(name, value)
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{name}: {value}");
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["error"], "forbidden");
    }
    assert_eq!(app.count("users").await, before);

    // The same request from the site itself goes through.
    let res = app
        .http
        .post(format!("{}/api/admin/create-account", app.base))
        .header(header::COOKIE, &cookie)
        .header("sec-fetch-site", "same-origin")
        .header(header::ACCEPT, "application/json")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    app.cleanup().await;
}

#[tokio::test]
async fn language_switch_remembers_the_choice_and_refuses_open_redirects() {
    let app = TestApp::spawn().await;
    let res = app.get("/lang/en?next=%2Fprojects", None).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["location"], "/projects");
    let cookie = res.headers()["set-cookie"].to_str().unwrap();
    assert!(cookie.starts_with("i18n_pref_locale=en;"), "{cookie}");

    let res = app
        .get("/lang/en?next=https%3A%2F%2Fevil.example", None)
        .await;
    assert_eq!(res.headers()["location"], "/");
    let res = app.get("/lang/fr", None).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    // The switch on a page with a query comes back to that page with its query, not to a path
    // with the query glued on.
    let page = app.get("/plan?year=2026", None).await.text().await.unwrap();
    assert!(
        page.contains("href=\"/lang/en?next=/plan%3Fyear%3D2026\""),
        "the language link keeps the page's query: {}",
        page.split("/lang/")
            .nth(1)
            .unwrap_or_default()
            .chars()
            .take(80)
            .collect::<String>()
    );
    let page = app.get("/plan", None).await.text().await.unwrap();
    assert!(page.contains("href=\"/lang/en?next=/plan\""));
    app.cleanup().await;
}

#[tokio::test]
async fn health_and_security_headers() {
    let app = TestApp::spawn().await;
    let res = app.get("/healthz", None).await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = app.get("/login", None).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert_eq!(res.headers()["x-frame-options"], "DENY");
    app.cleanup().await;
}

/// Text shown back in a `<textarea>` — a refused comment's words, what a link says a refused
/// form held — cannot close the field and become markup: the server renderer writes a
/// textarea's text as it is, so it is escaped first (`ui::textarea_html`). Both failed before.
#[tokio::test]
async fn words_shown_back_in_a_field_cannot_close_it() {
    let app = TestApp::spawn().await;
    let staff = app.login_demo("demo-staff").await;
    let code: String = sqlx::query_scalar(
        "select public_code from sites where active order by public_code limit 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let payload = "</textarea><b id=pwn>x</b>";
    // A refused comment (an unknown rating) comes back with its words.
    let form = crate::common::comment_form(&[
        ("satisfaction", "bogus"),
        ("support", "yes"),
        ("body", payload),
    ]);
    let (status, _, page) = crate::common::post_comment(&app, &code, form).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!page.contains("<b id=pwn>"), "the words became markup");
    assert!(page.contains("&lt;/textarea&gt;&lt;b id=pwn&gt;x&lt;/b&gt;"));
    // A link that says a refused form held markup, sent to a member of staff.
    let link = format!(
        "/staff/questionnaires/new?form_fn=questionnaires/create&form_error=invalid&form_field=questionnaire_targets&form_targets={}",
        "%3C%2Ftextarea%3E%3Cb%20id%3Dpwn%3Ex%3C%2Fb%3E"
    );
    let page = app.get(&link, Some(&staff)).await.text().await.unwrap();
    assert!(page.contains("id=\"q-targets\""), "the form is drawn");
    assert!(
        !page.contains("<b id=pwn>"),
        "the link's words became markup"
    );
    app.cleanup().await;
}
