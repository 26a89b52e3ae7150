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
