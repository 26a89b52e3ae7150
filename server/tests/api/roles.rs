//! The role matrix: every server function, called by every kind of caller, over HTTP.

use reqwest::StatusCode;
use uuid::Uuid;

use crate::common::TestApp;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Caller {
    Anon,
    Deputy,
    Staff,
    Officer,
    Admin,
}

use Caller::*;

/// A server function, its form fields, and who may call it.
type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, &'a [Caller]);

#[tokio::test]
async fn every_server_function_checks_the_callers_role() {
    let app = TestApp::spawn().await;
    let cookies = [
        (Deputy, app.login_demo("demo-deputy").await),
        (Staff, app.login_demo("demo-staff").await),
        (Officer, app.login_demo("demo-officer").await),
        (Admin, app.login_demo("demo-admin").await),
    ];
    let cookie = |c: Caller| {
        cookies
            .iter()
            .find(|(k, _)| *k == c)
            .map(|(_, v)| v.as_str())
    };

    let project: Uuid = sqlx::query_scalar("select id from projects limit 1")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let sub_item: Uuid = sqlx::query_scalar("select id from sub_items limit 1")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let site: Uuid = sqlx::query_scalar("select id from sites limit 1")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let staff_user: Uuid = sqlx::query_scalar("select id from users where username = 'demo-staff'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let demo_deputy: Uuid =
        sqlx::query_scalar("select deputy_id from users where username = 'demo-deputy'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let demo_deputy = demo_deputy.to_string();
    let (project, sub_item, site, staff_user) = (
        project.to_string(),
        sub_item.to_string(),
        site.to_string(),
        staff_user.to_string(),
    );

    let inspection = crate::inspections::plan_for_demo_deputy(&app, cookie(Staff).unwrap()).await;
    let questionnaire =
        crate::questionnaires::questionnaire_at(&app, cookie(Staff).unwrap(), "").await;
    let everyone_signed_in: &[Caller] = &[Deputy, Staff, Officer, Admin];
    let cases: Vec<Case> = vec![
        ("catalogue/year", vec![], everyone_signed_in),
        ("catalogue/projects", vec![], everyone_signed_in),
        ("catalogue/years", vec![], everyone_signed_in),
        (
            "catalogue/project",
            vec![("id", &project)],
            everyone_signed_in,
        ),
        (
            "catalogue/sub-item",
            vec![("id", &sub_item)],
            everyone_signed_in,
        ),
        ("catalogue/site", vec![("id", &site)], everyone_signed_in),
        ("catalogue/my-sites", vec![], &[Deputy]),
        ("catalogue/my-unit", vec![], &[Officer]),
        ("field/my-observations", vec![], &[Deputy]),
        ("staff/groups", vec![], &[Staff, Admin]),
        ("registry/sites", vec![], &[Staff, Admin]),
        ("registry/site", vec![("id", &site)], &[Staff, Admin]),
        ("registry/plan", vec![], &[Staff, Admin]),
        ("registry/roster", vec![], &[Staff, Admin]),
        ("admin/accounts", vec![], &[Admin]),
        ("admin/check", vec![], &[Admin]),
        ("admin/activation-sheet", vec![], &[Admin]),
        ("admin/roster-accounts", vec![], &[Admin]),
        ("review/queue", vec![], &[Staff, Admin]),
        ("staff/comments", vec![], &[Staff, Admin]),
        ("cases/list", vec![], &[Staff, Admin]),
        ("duty/table", vec![], &[Staff, Admin]),
        ("inspections/list", vec![], &[Deputy, Staff, Admin]),
        (
            "inspections/list",
            vec![("staff_view", "true")],
            &[Staff, Admin],
        ),
        ("inspections/choices", vec![], &[Staff, Admin]),
        // Demo-deputy is invited to it; staff follow it.
        (
            "inspections/get",
            vec![("id", &inspection)],
            &[Deputy, Staff, Admin],
        ),
        (
            "inspections/get",
            vec![("id", &inspection), ("staff_view", "true")],
            &[Staff, Admin],
        ),
        (
            "inspections/report",
            vec![("id", &inspection)],
            &[Staff, Admin],
        ),
        ("questionnaires/list", vec![], &[Staff, Admin]),
        ("topics/week", vec![], &[Staff, Admin]),
        ("topics/words", vec![], &[Staff, Admin]),
        ("topics/hotline-imports", vec![], &[Staff, Admin]),
        (
            "questionnaires/get",
            vec![("id", &questionnaire)],
            &[Staff, Admin],
        ),
        // The demo deputy's own record: theirs to read, and any staff's.
        (
            "duty/record",
            vec![("deputy", &demo_deputy)],
            &[Deputy, Staff, Admin],
        ),
        ("staff/revealed-phone", vec![("id", &site)], &[Staff, Admin]),
        ("staff/posters", vec![], &[Staff, Admin]),
        ("staff/satisfaction", vec![], &[Staff, Admin]),
        (
            "map/points",
            vec![
                ("layer", "observations"),
                ("west", "119.9"),
                ("south", "29.9"),
                ("east", "120.6"),
                ("north", "30.6"),
                ("zoom", "11"),
            ],
            &[Staff, Admin],
        ),
        ("review/options", vec![], &[Staff, Admin]),
        ("review/nearby", vec![("site", &site)], &[Staff, Admin]),
        ("items/dashboard", vec![], &[Staff, Admin]),
        ("imports/recent", vec![], &[Staff, Admin]),
        ("progress/risks", vec![], &[Staff, Admin]),
        ("usage/site", vec![("site", &site)], everyone_signed_in),
        ("usage/quiet", vec![], &[Staff, Admin]),
        (
            "progress/sub-item",
            vec![("sub_item", &sub_item)],
            everyone_signed_in,
        ),
        ("items/list", vec![], everyone_signed_in),
        ("items/years", vec![], everyone_signed_in),
        ("notifications/list", vec![], everyone_signed_in),
        ("notifications/read", vec![], everyone_signed_in),
        (
            "admin/set-active",
            vec![("user_id", &staff_user), ("active", "true")],
            &[Admin],
        ),
        (
            "admin/reset-password",
            vec![("user_id", &staff_user), ("password", "jiandu-demo")],
            &[Admin],
        ),
    ];
    for (endpoint, form, allowed) in &cases {
        for caller in [Anon, Deputy, Staff, Officer, Admin] {
            let (status, body, _) = app.call(endpoint, cookie(caller), form).await;
            let expected = if allowed.contains(&caller) {
                StatusCode::OK
            } else if caller == Anon {
                StatusCode::UNAUTHORIZED
            } else {
                StatusCode::FORBIDDEN
            };
            assert_eq!(status, expected, "{endpoint} as {caller:?}: {body}");
            if status != StatusCode::OK {
                let code = body["error"].as_str().unwrap_or_default();
                assert!(
                    code == "unauthenticated" || code == "forbidden",
                    "{endpoint} as {caller:?} answered {body}"
                );
            }
        }
    }

    // Steps that change the list or the public's comments: a caller of the wrong role is refused
    // before anything is looked up (made-up ids), and nothing changes.
    let nobody = Uuid::now_v7().to_string();
    let changes_before = (
        app.count("list_items").await,
        app.count("list_item_events").await,
        app.count("public_comment_events").await,
        app.count("sites").await,
        app.count("sub_items").await,
        app.count("deputies").await,
        app.count("lead_units").await,
        app.count("admin_log").await,
        app.count("progress_queries").await,
        app.count("questionnaires").await,
    );
    // The matrix reset demo-staff's password, which ended its session: sign in again.
    let staff_again = app.login_demo("demo-staff").await;
    let staff_steps: Vec<(&str, Vec<(&str, &str)>)> = vec![
        (
            "review/attach",
            vec![("item", &nobody), ("observation", &nobody)],
        ),
        (
            "review/create-item",
            vec![
                ("observations", &nobody),
                ("kind", "problem"),
                ("description", "x"),
            ],
        ),
        (
            "review/dismiss",
            vec![("observation", &nobody), ("reason", "duplicate")],
        ),
        (
            "cases/promote",
            vec![
                ("observation", &nobody),
                ("title", "x"),
                ("body", "x"),
                ("level", "district"),
            ],
        ),
        (
            "cases/publish",
            vec![("case", &nobody), ("published", "false")],
        ),
        (
            "staff/moderate",
            vec![("id", &nobody), ("action", "publish")],
        ),
        ("staff/reveal-phone", vec![("id", &nobody)]),
        // Any signed-in role may act on an item it may read; nobody but staff reads this one.
        ("items/act", vec![("id", &nobody), ("action", "verify")]),
        (
            "registry/save-site",
            vec![
                ("sub_item_id", &nobody),
                ("code", ""),
                ("name", "x"),
                ("kind", "school"),
                ("district", "x"),
                ("crs", "WGS84"),
                ("coordinates", "120.1,30.2"),
            ],
        ),
        (
            "registry/site-active",
            vec![("site_id", &nobody), ("active", "false")],
        ),
        ("registry/delete-site", vec![("site_id", &nobody)]),
        (
            "registry/save-sub-item",
            vec![
                ("year", "2026"),
                ("project_no", "x"),
                ("project_name", "x"),
                ("sub_item_no", "x"),
                ("sub_item_name", "x"),
                ("lead_unit", "x"),
                ("target_quantity", "x"),
                ("target_unit", "x"),
                ("deadline", "x"),
                ("budget", "x"),
            ],
        ),
        (
            "registry/rename-unit",
            vec![("unit_id", &nobody), ("name_zh", "某局")],
        ),
        (
            "registry/unit-group",
            vec![("unit", "某局"), ("group", "99")],
        ),
        (
            "registry/save-group",
            vec![("number", "0"), ("name", "某组")],
        ),
        (
            "registry/save-deputy",
            vec![("name", "某人"), ("delegation", "某团"), ("group", "99")],
        ),
        (
            "progress/query",
            vec![("report", &nobody), ("reason", "数字有误")],
        ),
        // Staff get past the check to the margin's own rule, which refuses "x".
        ("progress/margin", vec![("margin", "x")]),
        ("usage/quiet-days", vec![("days", "x")]),
        (
            "questionnaires/create",
            vec![
                ("title", ""),
                ("intro", ""),
                ("opens_on", "x"),
                ("closes_on", "x"),
                ("targets", ""),
            ],
        ),
        (
            "questionnaires/add_question",
            vec![
                ("id", &nobody),
                ("prompt", ""),
                ("kind", "x"),
                ("options", ""),
            ],
        ),
        (
            "questionnaires/remove_question",
            vec![("id", &nobody), ("number", "0")],
        ),
        // Staff get past the check to the topic's lookup (no such topic), the lists' own rule
        // (a synonym line of one word) and the draft's week ("x").
        ("topics/texts", vec![("term", "x")]),
        (
            "topics/save-words",
            vec![("stop_words", "x"), ("synonyms", "x")],
        ),
        (
            "topics/draft-item",
            vec![
                ("term", "x"),
                ("week", "x"),
                ("site", "x"),
                ("kind", "problem"),
                ("description", "x"),
            ],
        ),
        (
            "inspections/write_report",
            vec![("id", &nobody), ("summary", "x"), ("conclusions", "")],
        ),
        (
            "inspections/plan",
            vec![
                ("title", "x"),
                ("starts_on", "x"),
                ("ends_on", "x"),
                ("sites", "x"),
            ],
        ),
    ];
    // An item is read by those who may (tested with the closed loop), never by anyone unsigned.
    let (status, body, _) = app.call("items/get", None, &[("id", &nobody)]).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "items/get anonymously: {body}"
    );
    for (endpoint, form) in &staff_steps {
        for caller in [Anon, Deputy, Officer] {
            let (status, body, _) = app.call(endpoint, cookie(caller), form).await;
            let expected = if caller == Anon {
                StatusCode::UNAUTHORIZED
            } else {
                StatusCode::FORBIDDEN
            };
            assert_eq!(status, expected, "{endpoint} as {caller:?}: {body}");
        }
        // The right role gets past the check to the lookup, which finds nothing.
        let (status, body, _) = app.call(endpoint, Some(&staff_again), form).await;
        assert!(
            status != StatusCode::UNAUTHORIZED && status != StatusCode::FORBIDDEN,
            "{endpoint} as staff: {status} {body}"
        );
    }
    assert_eq!(
        (
            app.count("list_items").await,
            app.count("list_item_events").await,
            app.count("public_comment_events").await,
            app.count("sites").await,
            app.count("sub_items").await,
            app.count("deputies").await,
            app.count("lead_units").await,
            app.count("admin_log").await,
            app.count("progress_queries").await,
            app.count("questionnaires").await,
        ),
        changes_before
    );

    // A site's state and devices: its lead unit's officers and staff (tested with those
    // features, per unit); here, nobody unsigned, no deputy, and staff get past the check to
    // the field's own rule, which refuses "x". Nothing is kept.
    for (endpoint, form) in [
        (
            "progress/site-state",
            vec![("site", site.as_str()), ("state", "x")],
        ),
        (
            "usage/register-device",
            vec![("site", site.as_str()), ("kind", "x"), ("label", "")],
        ),
    ] {
        for (caller, expected) in [
            (Anon, StatusCode::UNAUTHORIZED),
            (Deputy, StatusCode::FORBIDDEN),
            (Staff, StatusCode::UNPROCESSABLE_ENTITY),
            (Admin, StatusCode::UNPROCESSABLE_ENTITY),
        ] {
            // Staff signed in again above (their first session was ended).
            let who = match caller {
                Staff => Some(staff_again.as_str()),
                c => cookie(c),
            };
            let (status, body, _) = app.call(endpoint, who, &form).await;
            assert_eq!(status, expected, "{endpoint} as {caller:?}: {body}");
        }
    }
    let (status, _, _) = app
        .call(
            "usage/device-active",
            None,
            &[("device", &nobody), ("active", "false")],
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        (
            app.count("site_state_changes").await,
            app.count("devices").await
        ),
        (0, 0)
    );

    // Creating accounts: only the admin; refused callers leave no row behind.
    let before = app.count("users").await;
    for caller in [Anon, Deputy, Staff, Officer] {
        let (status, _, _) = app
            .call(
                "admin/create-account",
                cookie(caller),
                &[
                    ("username", "sneaky"),
                    ("display_name", "x"),
                    ("password", "long-enough-pw"),
                    ("role", "admin"),
                ],
            )
            .await;
        assert!(
            status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN,
            "{caller:?}: {status}"
        );
    }
    assert_eq!(app.count("users").await, before);

    // The matrix covers every server function the router serves: one added later without a
    // row here fails this test. These few are open to anyone by design and tested with their
    // features (signing in and out, activation, the public site page).
    let open_to_all = [
        "session/login",
        "session/logout",
        "session/activate",
        "public/site",
        "public/plan",
        "public/plan-sites",
    ];
    let in_matrix: std::collections::BTreeSet<&str> = cases
        .iter()
        .map(|c| c.0)
        .chain(staff_steps.iter().map(|c| c.0))
        .chain(["items/get", "admin/create-account", "session/info"])
        .chain([
            "progress/site-state",
            "usage/register-device",
            "usage/device-active",
        ])
        .chain(open_to_all)
        .collect();
    let served: std::collections::BTreeSet<String> = leptos::server_fn::axum::server_fn_paths()
        .filter_map(|(path, _)| path.strip_prefix("/api/").map(str::to_owned))
        .collect();
    assert!(served.len() > 40, "the registry was read: {served:?}");
    let missing: Vec<&String> = served
        .iter()
        .filter(|p| !in_matrix.contains(p.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "server functions with no row in the role matrix: {missing:?}"
    );

    // session/info is open to all, and says who is asking.
    let (status, body, _) = app.call("session/info", None, &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body["user"].is_null());
    assert_eq!(body["demo"], true);
    let (_, body, _) = app.call("session/info", cookie(Officer), &[]).await;
    assert_eq!(body["user"]["role"], "unit_officer");
    app.cleanup().await;
}
