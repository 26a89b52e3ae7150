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
    let (_, page, _) = app.call("admin/accounts", Some(&cookie), &[]).await;
    assert_eq!(page["log"]["rows"][0]["action"], "create_account");
    assert_eq!(
        page["log"]["rows"][0]["actor"],
        serde_json::Value::Null,
        "the command line"
    );
    app.cleanup().await;
}

/// Audit findings loaded the way staff load them: one CSV through the findings import.
async fn import_findings(app: &TestApp, staff: &str, csv: String) -> serde_json::Value {
    let form = reqwest::multipart::Form::new()
        .text("channel", "special_audit")
        .part(
            "file",
            reqwest::multipart::Part::bytes(csv.into_bytes()).file_name("审计.csv"),
        );
    let res = app
        .http
        .post(format!("{}/items/import", app.base))
        .header("cookie", staff)
        .header("accept", "application/json")
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
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
    let out = import_findings(&app, &staff, csv).await;
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
    assert!(
        pager.replace("<!>", "").contains("共 1200 条"),
        "and said: {pager}"
    );
    assert!(html.contains("href=\"/items?page=4\""));
    assert!(html.contains("href=\"/items?page=2\""));
    app.cleanup().await;
}

#[tokio::test]
async fn deactivated_accounts_are_shut_out_at_once_and_every_admin_act_is_logged() {
    let app = TestApp::spawn().await;
    let admin = app.login_demo("demo-admin").await;
    let officer = app.login_demo("demo-officer").await;
    let (s, _, _) = app.call("items/list", Some(&officer), &[]).await;
    assert_eq!(s, StatusCode::OK);
    let officer_id: uuid::Uuid =
        sqlx::query_scalar("select id from users where username = 'demo-officer'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let id = officer_id.to_string();
    let set = |active: &'static str, cookie: String| {
        let app = &app;
        let id = id.clone();
        async move {
            app.call(
                "admin/set-active",
                Some(&cookie),
                &[("user_id", &id), ("active", active)],
            )
            .await
        }
    };
    // Only an administrator may; not on their own account.
    let staff = app.login_demo("demo-staff").await;
    assert_eq!(set("false", staff).await.0, StatusCode::FORBIDDEN);
    let admin_id: uuid::Uuid =
        sqlx::query_scalar("select id from users where username = 'demo-admin'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let (s, body, _) = app
        .call(
            "admin/set-active",
            Some(&admin),
            &[("user_id", &admin_id.to_string()), ("active", "false")],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    let (s, changed, _) = set("false", admin.clone()).await;
    assert_eq!(
        (s, changed),
        (StatusCode::OK, serde_json::Value::Bool(true))
    );
    // The open session is refused from its next request; signing in again fails.
    let (s, _, _) = app.call("items/list", Some(&officer), &[]).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert!(app.login("demo-officer", "jiandu-demo").await.is_none());
    // Doing it twice changes nothing and logs nothing.
    let (_, changed, _) = set("false", admin.clone()).await;
    assert_eq!(changed, serde_json::Value::Bool(false));
    let (s, _, _) = set("true", admin.clone()).await;
    assert_eq!(s, StatusCode::OK);
    // Reactivated, the old session (a lost phone's, say) stays ended.
    let (s, _, _) = app.call("items/list", Some(&officer), &[]).await;
    assert_eq!(
        s,
        StatusCode::UNAUTHORIZED,
        "the old session does not come back"
    );
    let officer = app.login_demo("demo-officer").await;
    let (s, _, _) = app.call("items/list", Some(&officer), &[]).await;
    assert_eq!(s, StatusCode::OK, "reactivated, history kept");

    // A password reset and an account made on the page are logged too, newest first.
    let (s, _, _) = app
        .call(
            "admin/reset-password",
            Some(&admin),
            &[("user_id", &id), ("password", "a-new-long-password")],
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, page, _) = app.call("admin/accounts", Some(&admin), &[]).await;
    assert_eq!(s, StatusCode::OK, "{page}");
    let actions: Vec<(&str, &str, &str)> = page["log"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap(),
                e["subject"].as_str().unwrap(),
                e["actor"].as_str().unwrap_or("-"),
            )
        })
        .collect();
    assert_eq!(
        actions,
        vec![
            ("reset_password", "demo-officer", "demo-admin"),
            ("reactivate", "demo-officer", "demo-admin"),
            ("deactivate", "demo-officer", "demo-admin"),
        ]
    );
    assert_eq!(page["log"]["total"], 3);
    assert_eq!(page["users"]["total"], 4);
    // The log cannot be rewritten, even by someone with the database's ordinary rights.
    let tamper = sqlx::query("update admin_log set subject = 'nobody'")
        .execute(&app.pool)
        .await;
    assert!(tamper.is_err());
    assert!(sqlx::query("delete from admin_log")
        .execute(&app.pool)
        .await
        .is_err());
    app.cleanup().await;
}

#[tokio::test]
async fn posters_of_a_large_unit_page_with_their_total() {
    let app = TestApp::spawn().await;
    let staff = app.login_demo("demo-staff").await;
    // A unit with 230 more sites than the demo gives it (copies of one of its sites, new codes).
    let (unit, sub_item): (uuid::Uuid, uuid::Uuid) = sqlx::query_as(
        "select s.lead_unit_id, s.id from sub_items s join sites t on t.sub_item_id = s.id
          group by s.id order by s.id limit 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    sqlx::query(
        "insert into sites (id, sub_item_id, district_id, name_zh, name_en, address_zh, kind,
                            geometry, anchor, public_code)
         select gen_random_uuid(), t.sub_item_id, t.district_id, t.name_zh || n, t.name_en,
                t.address_zh, t.kind, t.geometry, t.anchor,
                'Q' || lpad(translate(n::text, '01', 'XY'), 6, 'Z')
           from (select * from sites where sub_item_id = $1 limit 1) t, generate_series(1, 230) n",
    )
    .bind(sub_item)
    .execute(&app.pool)
    .await
    .unwrap();
    let expected: i64 = sqlx::query_scalar(
        "select count(*) from sites t join sub_items s on s.id = t.sub_item_id where s.lead_unit_id = $1",
    )
    .bind(unit)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(expected > 230);
    let mut seen = std::collections::HashSet::new();
    let mut page = 0u32;
    loop {
        let (s, sheet, _) = app
            .call(
                "staff/posters",
                Some(&staff),
                &[("unit", &unit.to_string()), ("page", &page.to_string())],
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{sheet}");
        assert_eq!(sheet["total"], expected);
        let sites = sheet["sites"].as_array().unwrap();
        if sites.is_empty() {
            break;
        }
        assert!(sites.len() <= 100);
        for t in sites {
            assert!(seen.insert(t["public_code"].as_str().unwrap().to_owned()));
        }
        page += 1;
    }
    assert_eq!(seen.len() as i64, expected);
    let html = app
        .get(&format!("/staff/posters?unit={unit}&page=1"), Some(&staff))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("id=\"poster-pager\""),
        "the sheet says it is one page of several"
    );
    assert!(
        html.contains(&format!("href=\"/staff/posters?page=2&amp;unit={unit}\"")),
        "and links on"
    );
    app.cleanup().await;
}

#[tokio::test]
async fn the_review_queue_says_when_it_shows_only_the_newest_problem_comments() {
    let limits = server::public::CommentLimits {
        burst: 100,
        ..Default::default()
    };
    let app = TestApp::spawn_full(true, limits).await;
    let staff = app.login_demo("demo-staff").await;
    let code: String =
        sqlx::query_scalar("select public_code from sites order by public_code limit 1")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    for n in 0..53 {
        let form = reqwest::multipart::Form::new()
            .text("form_token", uuid::Uuid::now_v7().to_string())
            .text("satisfaction", "dissatisfied")
            .text("support", "yes")
            .text("body", format!("第{n}处路面塌陷，请尽快处理"));
        let res = app
            .http
            .post(format!("{}/s/{code}/comment", app.base))
            .header("accept", "text/html")
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
    }
    app.moderate_all(&staff, "mark_problem").await;
    let (s, queue, _) = app.call("review/queue", Some(&staff), &[]).await;
    assert_eq!(s, StatusCode::OK, "{queue}");
    assert_eq!(queue["comments"].as_array().unwrap().len(), 50);
    assert_eq!(queue["comments_total"], 53);
    let html = app
        .get("/staff/review", Some(&staff))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("id=\"review-comments-cut\" data-total=\"53\""),
        "the page says the list is cut"
    );
    app.cleanup().await;
}

#[tokio::test]
async fn last_years_items_stay_listed_and_exported_by_their_year() {
    let app = TestApp::spawn().await;
    let staff = app.login_demo("demo-staff").await;
    let code: String =
        sqlx::query_scalar("select public_code from sites order by public_code limit 1")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let mut csv = String::from("站点编号,类别,描述,责任单位\n");
    for n in 0..5 {
        csv.push_str(&format!("{code},问题,审计发现第{n}条\n"));
    }
    let out = import_findings(&app, &staff, csv).await;
    assert_eq!(out["Imported"]["items"], 5, "{out}");
    // Items are numbered in the year they are made; two of these stand for last year's list
    // (a test cannot wait a year).
    let this_year: i32 = sqlx::query_scalar("select max(year) from list_items")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    sqlx::query("update list_items set year = $1 where number <= 2")
        .bind(this_year - 1)
        .execute(&app.pool)
        .await
        .unwrap();
    let (_, years, _) = app.call("items/years", Some(&staff), &[]).await;
    assert_eq!(years, serde_json::json!([this_year, this_year - 1]));
    for (year, n) in [(this_year - 1, 2), (this_year, 3)] {
        let y = year.to_string();
        let (s, list, _) = app.call("items/list", Some(&staff), &[("year", &y)]).await;
        assert_eq!(s, StatusCode::OK, "{list}");
        assert_eq!(list["total"], n, "{year}: {list}");
        assert!(list["rows"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["year"] == year));
        // The imported findings are drafts still: the GeoJSON export carries drafts too.
        let geo: serde_json::Value = app
            .get(&format!("/items/export.geojson?year={y}"), Some(&staff))
            .await
            .json()
            .await
            .unwrap();
        let features = geo["features"].as_array().unwrap();
        assert_eq!(features.len(), n, "{year}: {geo}");
        assert!(features.iter().all(|f| f["properties"]["number"]
            .as_str()
            .is_some_and(|s| s.starts_with(&format!("{year}-")))));
    }
    let (_, all, _) = app.call("items/list", Some(&staff), &[]).await;
    assert_eq!(all["total"], 5);
    let res = app.get("/items/export.csv?year=12", Some(&staff)).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // The page switches years with plain links, and its exports take the year shown.
    let html = app
        .get(&format!("/items?year={}", this_year - 1), Some(&staff))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("id=\"item-years\""), "no year switch");
    assert!(html.contains(&format!("/items/export.csv?year={}", this_year - 1)));
    app.cleanup().await;
}

#[tokio::test]
async fn the_administrators_pages_draw_their_forms_for_administrators_only() {
    let app = TestApp::spawn().await;
    let staff = app.login_demo("demo-staff").await;
    let admin = app.login_demo("demo-admin").await;
    for (path, form) in [
        ("/admin/registry", "id=\"registry-form\""),
        ("/admin/activation", "id=\"roster-accounts-form\""),
    ] {
        let res = app.get(path, Some(&staff)).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{path} as staff");
        let html = res.text().await.unwrap();
        assert!(!html.contains(form), "{path} drew its form for staff");
        assert!(
            html.contains("data-error=\"Forbidden\""),
            "{path}: no refusal shown"
        );
        let res = app.get(path, None).await;
        assert!(
            res.url().path().starts_with("/login") || res.status().is_redirection(),
            "{path} anonymous: {}",
            res.status()
        );
        let res = app.get(path, Some(&admin)).await;
        assert_eq!(res.status(), StatusCode::OK, "{path} as admin");
        assert!(
            res.text().await.unwrap().contains(form),
            "{path}: no form for the admin"
        );
    }
    app.cleanup().await;
}
