use reqwest::StatusCode;
use uuid::Uuid;

use crate::common::TestApp;

#[tokio::test]
async fn a_deputy_sees_exactly_the_sites_of_the_units_their_group_supervises() {
    let app = TestApp::spawn().await;
    let cookie = app.login_demo("demo-deputy").await;
    let (status, body, _) = app.call("catalogue/my-sites", Some(&cookie), &[]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let mut got: Vec<String> = body["sites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect();
    got.sort();
    let mut expected: Vec<String> = sqlx::query_scalar(
        "select t.id::text from sites t
           join sub_items s on s.id = t.sub_item_id
           join group_units gu on gu.unit_id = s.lead_unit_id
           join deputies d on d.group_id = gu.group_id
           join users u on u.deputy_id = d.id
          where u.username = 'demo-deputy'",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    expected.sort();
    assert!(!expected.is_empty());
    assert_eq!(got, expected);
    // "Several units": the demo deputy's group follows three.
    assert_eq!(body["units"].as_array().unwrap().len(), 3);
    assert_eq!(body["group_number"], 1);
    app.cleanup().await;
}

#[tokio::test]
async fn project_sub_item_and_site_pages_carry_the_promised_facts() {
    let app = TestApp::spawn().await;
    let cookie = app.login_demo("demo-staff").await;
    let (status, projects, _) = app.call("catalogue/projects", Some(&cookie), &[]).await;
    assert_eq!(status, StatusCode::OK);
    let projects = projects.as_array().unwrap();
    assert_eq!(projects.len(), 10);
    let subs: i64 = projects
        .iter()
        .map(|p| p["sub_item_count"].as_i64().unwrap())
        .sum();
    assert_eq!(subs, 38);

    let pid = projects[0]["id"].as_str().unwrap();
    let (_, project, _) = app
        .call("catalogue/project", Some(&cookie), &[("id", pid)])
        .await;
    let sub = &project["sub_items"][0];
    assert!(sub["lead_unit_zh"].as_str().unwrap().starts_with('市'));
    assert!(sub["target_quantity"].as_i64().unwrap() > 0);
    assert!(sub["deadline"].as_str().unwrap().starts_with("2025-"));

    let sid = sub["id"].as_str().unwrap();
    let (_, sub_item, _) = app
        .call("catalogue/sub-item", Some(&cookie), &[("id", sid)])
        .await;
    let sites = sub_item["sites"].as_array().unwrap();
    assert_eq!(sites.len(), 11);

    let site_id = sites[0]["id"].as_str().unwrap();
    let (status, site, _) = app
        .call("catalogue/site", Some(&cookie), &[("id", site_id)])
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(site["sub_item_id"], sub["id"]);
    assert_eq!(site["lead_unit_zh"], sub["lead_unit_zh"]);
    assert_eq!(site["public_code"].as_str().unwrap().len(), 7);
    assert!(
        site["group_number"].as_i64().is_some(),
        "every unit is supervised by a group"
    );
    assert!(
        ["Point", "LineString", "Polygon"].contains(&site["geometry"]["type"].as_str().unwrap())
    );
    app.cleanup().await;
}

#[tokio::test]
async fn unknown_and_malformed_ids_are_clear_errors() {
    let app = TestApp::spawn().await;
    let cookie = app.login_demo("demo-staff").await;
    let missing = Uuid::now_v7().to_string();
    for endpoint in ["catalogue/project", "catalogue/sub-item", "catalogue/site"] {
        let (status, body, _) = app.call(endpoint, Some(&cookie), &[("id", &missing)]).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{endpoint}: {body}");
        assert_eq!(body["error"], "not_found");
        let (status, body, _) = app
            .call(endpoint, Some(&cookie), &[("id", "not-a-uuid")])
            .await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{endpoint}: {body}"
        );
        assert_eq!(body["error"], "invalid");
    }
    app.cleanup().await;
}

#[tokio::test]
async fn pages_render_on_the_server_with_the_right_status() {
    let app = TestApp::spawn().await;
    // Signed out: sent to sign in, with the way back.
    let res = app.get("/my/sites", None).await;
    assert_eq!(res.status(), StatusCode::FOUND);
    assert_eq!(res.headers()["location"], "/login?next=/my/sites");

    let cookie = app.login_demo("demo-deputy").await;
    let res = app.get("/my/sites", Some(&cookie)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(html.contains("lang=\"zh-CN\""), "Chinese by default");
    assert!(html.contains("我的点位"));
    assert!(html.contains("演示数据"), "demo data is labelled");

    let res = app.get("/staff/groups", Some(&cookie)).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    // English when the language cookie says so.
    let res = app
        .get("/my/sites", Some(&format!("{cookie}; i18n_pref_locale=en")))
        .await;
    // The page does not write the language back: a page fetched before a switch and answered
    // after it would otherwise put the old language back (the service worker fetches many).
    let echoed = res
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.starts_with("i18n_pref_locale="));
    assert!(!echoed, "{:?}", res.headers());
    let html = res.text().await.unwrap();
    assert!(html.contains("lang=\"en\""));
    assert!(html.contains("My sites"));
    // Switching writes it, whatever the browser sent.
    let res = app
        .get(
            "/lang/zh-CN?next=%2Fmy%2Fsites",
            Some(&format!("{cookie}; i18n_pref_locale=en")),
        )
        .await;
    let set: Vec<String> = res
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_owned))
        .collect();
    assert!(
        set.iter().any(|v| v.starts_with("i18n_pref_locale=zh-CN")),
        "{set:?}"
    );
    app.cleanup().await;
}
