//! Pages and their islands: a page with an island gets the island loader in its head, with the
//! nonce of its own policy, once; a page without one gets no script at all.

use crate::common::TestApp;

/// The page's policy nonce and the module scripts of its head.
async fn page(app: &TestApp, path: &str, cookie: Option<&str>) -> (String, String) {
    let res = app.get(path, cookie).await;
    assert!(res.status().is_success(), "{path}: {}", res.status());
    // The page's choice of bundle is the server's business, not the browser's.
    assert!(res.headers().get("x-jiandu-islands").is_none(), "{path}");
    let policy = res.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    let nonce = app::ssr::policy_nonce(&policy).expect("a nonce").to_owned();
    let html = res.text().await.unwrap();
    (nonce, html)
}

#[tokio::test]
async fn a_page_with_islands_loads_them_with_its_nonce_and_one_without_loads_nothing() {
    let app = TestApp::spawn().await;
    for path in ["/", "/login", "/activate"] {
        let (_, html) = page(&app, path, None).await;
        assert!(!html.contains("<leptos-island"), "{path}");
        assert!(!html.contains("type=\"module\""), "{path}: {html}");
        assert!(!html.contains(".wasm"), "{path}");
    }
    let deputy = app.login_demo("demo-deputy").await;
    let (nonce, html) = page(&app, "/my/sites", Some(&deputy)).await;
    let head = &html[..html.find("</head>").unwrap()];
    assert_eq!(head.matches("type=\"module\"").count(), 1, "{head}");
    assert!(
        head.contains(&format!("<script type=\"module\" nonce=\"{nonce}\">")),
        "{head}"
    );
    assert!(head.contains("rel=\"modulepreload\"") && head.contains("rel=\"preload\""));
    // The islands' props are in the page: a kept page comes to life with no network.
    assert!(html.contains("data-component=\"MySitesTools_"), "{html}");
    assert!(html.contains("data-props="));
    // Staff on a page without an island (the projects): nothing to load.
    let staff = app.login_demo("demo-staff").await;
    let (_, html) = page(&app, "/projects", Some(&staff)).await;
    assert!(!html.contains("type=\"module\""), "{html}");
    app.cleanup().await;
}
