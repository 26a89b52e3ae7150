//! An empty installation, as a Congress office gets it: no demo data, no account.

use reqwest::StatusCode;

use crate::common::TestApp;

#[tokio::test]
async fn the_first_administrator_is_made_with_the_command_on_an_empty_installation() {
    let app = TestApp::spawn_with(false).await;
    assert_eq!(app.count("users").await, 0);
    assert_eq!(app.count("projects").await, 0);
    let strong = "tea kettle bamboo harbour 7";

    // Weak or short passwords are refused, with the reason; nothing is created.
    for (password, why) in [
        ("password1234", "too easy to guess"),
        ("chief-admin-2026", "too easy to guess"),
        ("short", "10"),
    ] {
        let (ok, _, err) = app.jiandu(
            &["admin", "create", "chief-admin"],
            &[("JIANDU_ADMIN_PASSWORD", password)],
            "",
        );
        assert!(!ok, "{password} was taken");
        assert!(err.contains(why), "{password}: {err}");
    }
    assert_eq!(app.count("users").await, 0);
    // The password is never an argument: extra words are a usage error.
    let (ok, _, err) = app.jiandu(&["admin", "create", "chief-admin", "名", strong], &[], "");
    assert!(!ok);
    assert!(err.contains("usage"), "{err}");

    // From standard input, as a person types it.
    let (ok, out, err) = app.jiandu(
        &["admin", "create", "chief-admin", "人大办管理员"],
        &[],
        &format!("{strong}\n"),
    );
    assert!(ok, "{out} {err}");
    assert!(out.contains("created administrator chief-admin"), "{out}");

    // The administrator signs in over HTTP and runs the installation.
    let cookie = app
        .login("chief-admin", strong)
        .await
        .expect("the new administrator signs in");
    let (s, page, _) = app.call("admin/accounts", Some(&cookie), &[]).await;
    assert_eq!(s, StatusCode::OK, "{page}");
    let (s, info, _) = app.call("session/info", Some(&cookie), &[]).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(info["user"]["role"], "admin");
    assert_eq!(info["user"]["display_name"], "人大办管理员");
    assert_eq!(info["demo"], false);

    // The same name again is refused.
    let (ok, _, err) = app.jiandu(
        &["admin", "create", "chief-admin"],
        &[("JIANDU_ADMIN_PASSWORD", "another long phrase of words 9")],
        "",
    );
    assert!(!ok);
    assert!(err.contains("exists already"), "{err}");
    assert_eq!(app.count("users").await, 1);
    app.cleanup().await;
}

#[tokio::test]
async fn twelve_hundred_items_page_through_the_list_each_seen_once() {
    let app = TestApp::spawn().await;
    let staff = app.login_demo("demo-staff").await;
    let codes: Vec<String> =
        sqlx::query_scalar("select public_code from sites order by public_code limit 40")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    // A year's audit findings, loaded the way staff load them: one file through the import.
    let mut csv = String::from("站点编号,类别,描述,责任单位\n");
    for n in 0..1200 {
        let code = &codes[n % codes.len()];
        csv.push_str(&format!("{code},问题,审计发现第{n}条：台账不全\n"));
    }
    let form = reqwest::multipart::Form::new()
        .text("channel", "special_audit")
        .part(
            "file",
            reqwest::multipart::Part::bytes(csv.into_bytes()).file_name("审计.csv"),
        );
    let res = app
        .http
        .post(format!("{}/items/import", app.base))
        .header("cookie", &staff)
        .header("accept", "application/json")
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let out: serde_json::Value = res.json().await.unwrap();
    assert_eq!(out["Imported"]["items"], 1200, "{out}");

    let mut seen = std::collections::HashSet::new();
    let mut page = 0;
    loop {
        let p = page.to_string();
        let (s, list, _) = app.call("items/list", Some(&staff), &[("page", &p)]).await;
        assert_eq!(s, StatusCode::OK, "{list}");
        assert_eq!(list["total"], 1200);
        let rows = list["rows"].as_array().unwrap();
        if rows.is_empty() {
            break;
        }
        assert!(rows.len() <= 50);
        for r in rows {
            assert!(
                seen.insert(r["id"].as_str().unwrap().to_owned()),
                "seen twice"
            );
        }
        page += 1;
    }
    assert_eq!(seen.len(), 1200);
    assert_eq!(page, 24);
    // The page says how many there are and links on.
    let html = app
        .get("/items?page=3", Some(&staff))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("data-total=\"1200\""),
        "the total is on the page"
    );
    let pager = &html[html.find("id=\"item-pager\"").unwrap()..];
    let pager = &pager[..pager.find("</nav>").unwrap()];
    assert!(pager.replace("<!>", "").contains("共 1200 条"), "and said: {pager}");
    assert!(html.contains("href=\"/items?page=4\""));
    assert!(html.contains("href=\"/items?page=2\""));
    app.cleanup().await;
}
