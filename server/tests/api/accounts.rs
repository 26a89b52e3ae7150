use reqwest::StatusCode;

use crate::common::TestApp;

#[tokio::test]
async fn sign_in_sets_a_hardened_cookie_and_wrong_passwords_are_refused() {
    let app = TestApp::spawn().await;
    let (status, body, headers) = app
        .call(
            "session/login",
            None,
            &[("username", "Demo-Deputy"), ("password", "jiandu-demo")],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["role"], "deputy");
    let cookie = headers["set-cookie"].to_str().unwrap();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(cookie.contains("Path=/"), "{cookie}");

    for (user, pw) in [
        ("demo-deputy", "wrong-password"),
        ("nobody-here", "jiandu-demo"),
        ("", ""),
    ] {
        let (status, body, headers) = app
            .call(
                "session/login",
                None,
                &[("username", user), ("password", pw)],
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{user}: {body}");
        assert_eq!(body["error"], "bad_credentials");
        assert!(headers.get("set-cookie").is_none());
    }
    app.cleanup().await;
}

#[tokio::test]
async fn sign_out_ends_the_session() {
    let app = TestApp::spawn().await;
    let cookie = app.login_demo("demo-staff").await;
    let (status, _, _) = app.call("staff/groups", Some(&cookie), &[]).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) = app.call("session/logout", Some(&cookie), &[]).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) = app.call("staff/groups", Some(&cookie), &[]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    app.cleanup().await;
}

#[tokio::test]
async fn the_cookie_uses_the_host_prefix_when_secure() {
    assert_eq!(server::web::session_cookie_name(true), "__Host-jiandu");
}

#[tokio::test]
async fn admin_creates_accounts_and_bad_input_stores_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.login_demo("demo-admin").await;
    let unit: String =
        sqlx::query_scalar("select id::text from lead_units where code = 'education'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let deputy: String = sqlx::query_scalar(
        "select d.id::text from deputies d where not exists
           (select 1 from users u where u.deputy_id = d.id) limit 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let before = app.count("users").await;

    let bad: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (
            vec![
                ("username", "x"),
                ("display_name", "名"),
                ("password", "long-enough-1"),
                ("role", "staff"),
            ],
            "username",
        ),
        (
            vec![
                ("username", "new-staff"),
                ("display_name", " "),
                ("password", "long-enough-1"),
                ("role", "staff"),
            ],
            "display_name",
        ),
        (
            vec![
                ("username", "new-staff"),
                ("display_name", "名"),
                ("password", "short"),
                ("role", "staff"),
            ],
            "password",
        ),
        (
            vec![
                ("username", "new-staff"),
                ("display_name", "名"),
                ("password", "long-enough-1"),
                ("role", "root"),
            ],
            "role",
        ),
        (
            vec![
                ("username", "new-officer"),
                ("display_name", "名"),
                ("password", "long-enough-1"),
                ("role", "unit_officer"),
            ],
            "unit_id",
        ),
        (
            vec![
                ("username", "new-officer"),
                ("display_name", "名"),
                ("password", "long-enough-1"),
                ("role", "unit_officer"),
                ("unit_id", "nope"),
            ],
            "unit_id",
        ),
        (
            vec![
                ("username", "new-deputy"),
                ("display_name", "名"),
                ("password", "long-enough-1"),
                ("role", "deputy"),
            ],
            "deputy_id",
        ),
    ];
    for (form, field) in bad {
        let (status, body, _) = app.call("admin/create-account", Some(&admin), &form).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {body}");
        assert_eq!(body["error"], "invalid");
        assert_eq!(body["details"]["field"], field, "{body}");
    }
    assert_eq!(
        app.count("users").await,
        before,
        "refused input stored nothing"
    );

    // A taken username is a conflict.
    let (status, body, _) = app
        .call(
            "admin/create-account",
            Some(&admin),
            &[
                ("username", "demo-staff"),
                ("display_name", "重复"),
                ("password", "long-enough-1"),
                ("role", "staff"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");

    // Good input: an officer of a unit and a deputy tied to the roster, who can then sign in.
    let (status, body, _) = app
        .call(
            "admin/create-account",
            Some(&admin),
            &[
                ("username", "edu-officer"),
                ("display_name", "教育局联络员"),
                ("password", "long-enough-1"),
                ("role", "unit_officer"),
                ("unit_id", &unit),
                ("deputy_id", &deputy),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body, _) = app
        .call(
            "admin/create-account",
            Some(&admin),
            &[
                ("username", "deputy-two"),
                ("display_name", "代表二"),
                ("password", "long-enough-1"),
                ("role", "deputy"),
                ("deputy_id", &deputy),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let officer = app
        .login("edu-officer", "long-enough-1")
        .await
        .expect("new officer signs in");
    let (status, body, _) = app.call("catalogue/my-unit", Some(&officer), &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["unit"]["name_zh"], "市教育局");
    // The deputy field was ignored for the officer (roles own their ties), so the deputy is free.
    let linked: Option<String> =
        sqlx::query_scalar("select deputy_id::text from users where username = 'edu-officer'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(linked, None);
    app.cleanup().await;
}

#[tokio::test]
async fn a_password_reset_ends_the_accounts_sessions() {
    let app = TestApp::spawn().await;
    let admin = app.login_demo("demo-admin").await;
    let deputy = app.login_demo("demo-deputy").await;
    let id: String =
        sqlx::query_scalar("select id::text from users where username = 'demo-deputy'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let (status, body, _) = app
        .call(
            "admin/reset-password",
            Some(&admin),
            &[("user_id", &id), ("password", "short")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, _, _) = app
        .call(
            "admin/reset-password",
            Some(&admin),
            &[("user_id", &id), ("password", "a-new-password")],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) = app.call("catalogue/my-sites", Some(&deputy), &[]).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "old session no longer valid"
    );
    assert!(app.login("demo-deputy", "jiandu-demo").await.is_none());
    assert!(app.login("demo-deputy", "a-new-password").await.is_some());
    let (status, _, _) = app
        .call(
            "admin/reset-password",
            Some(&admin),
            &[
                ("user_id", &uuid::Uuid::now_v7().to_string()),
                ("password", "a-new-password"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    app.cleanup().await;
}

#[tokio::test]
async fn a_deputy_account_names_its_deputy_by_name_and_a_reset_by_username() {
    // A roster too long to offer as a list: the form takes the name (and the delegation when
    // two share it), and the page carries no list of deputies at all.
    let app = TestApp::spawn().await;
    let admin = app.login_demo("demo-admin").await;
    let staff = app.login_demo("demo-staff").await;
    for (name, delegation) in [("周小川", "西湖区代表团"), ("周小川", "上城区代表团")]
    {
        let (s, body, _) = app
            .call(
                "registry/save-deputy",
                Some(&staff),
                &[("name", name), ("delegation", delegation), ("group", "4")],
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{body}");
    }
    let create = |deputy: &'static str, username: &'static str| {
        let admin = admin.clone();
        let app = &app;
        async move {
            app.call(
                "admin/create-account",
                Some(&admin),
                &[
                    ("username", username),
                    ("display_name", "周小川"),
                    ("password", "a-long-password"),
                    ("role", "deputy"),
                    ("deputy", deputy),
                ],
            )
            .await
        }
    };
    let before = app.count("users").await;
    let (s, body, _) = create("周小川", "zhou-1").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["details"]["field"], "deputy_twins", "{body}");
    assert!(
        body.to_string().contains("2 deputies without an account"),
        "{body}"
    );
    // Past the names a form lists, the message says the list is cut instead of a wrong count.
    for n in 0..=app::store::users::DEPUTIES_NAMED_SHOWN {
        let delegation = format!("第{n}代表团");
        let (s, body, _) = app
            .call(
                "registry/save-deputy",
                Some(&staff),
                &[
                    ("name", "王同名"),
                    ("delegation", delegation.as_str()),
                    ("group", "4"),
                ],
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{body}");
    }
    let (s, body, _) = create("王同名", "wang-1").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.to_string().contains("More than 20 deputies"), "{body}");
    assert!(body.to_string().contains("; …"), "{body}");
    let (s, body, _) = create("无此人", "zhou-1").await;
    assert_eq!(
        (s, body["details"]["field"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, "deputy".into())
    );
    assert_eq!(app.count("users").await, before);
    let (s, body, _) = create("周小川 · 上城区代表团", "zhou-1").await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let delegation: String = sqlx::query_scalar(
        "select d.delegation_zh from users u join deputies d on d.id = u.deputy_id
          where u.username = 'zhou-1'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(delegation, "上城区代表团");
    // The other namesake is now the only one without an account: the name alone finds them.
    let (s, body, _) = create("周小川", "zhou-2").await;
    assert_eq!(s, StatusCode::OK, "{body}");

    let (_, page, _) = app.call("admin/accounts", Some(&admin), &[]).await;
    let waiting: i64 = sqlx::query_scalar(
        "select count(*) from deputies d where not exists (select 1 from users u where u.deputy_id = d.id)",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(page["deputies_without_account"], waiting);

    // A password reset names the account by its username, wherever it is in the list.
    let (s, body, _) = app
        .call(
            "admin/reset-password",
            Some(&admin),
            &[
                ("username", "zhou-2"),
                ("password", "another-long-password"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert!(app.login("zhou-2", "another-long-password").await.is_some());
    let (s, body, _) = app
        .call(
            "admin/reset-password",
            Some(&admin),
            &[
                ("username", "nobody-here"),
                ("password", "another-long-password"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    app.cleanup().await;
}
