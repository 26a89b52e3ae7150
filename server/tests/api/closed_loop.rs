//! The closed loop's second part over real HTTP: evidence photos with answers, notifications,
//! public comments entering the queue, imports, queue filters and pages, GeoJSON, the dashboard
//! trend and districts, and the role matrix of all of it.

use reqwest::{multipart, StatusCode};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::common::{post_page_form, with_photos, Posted, TestApp};
use crate::field::phone_jpeg;
use crate::items::{act, another_unit, observe, officer_of};

pub async fn make_item(app: &TestApp, staff: &str, obs: Uuid) -> String {
    let o = obs.to_string();
    let (s, id, _) = app
        .call(
            "review/create-item",
            Some(staff),
            &[
                ("observations", &o),
                ("kind", "problem"),
                ("description", "扶手松动"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{id}");
    id.as_str().unwrap().to_owned()
}

pub async fn forward(app: &TestApp, staff: &str, item: &str) -> Uuid {
    let mut fwd = act(item, "forward");
    fwd.push(("deadline", "2099-12-31"));
    let (s, body, _) = app.call("items/act", Some(staff), &fwd).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    sqlx::query_scalar("select unit_id from list_items where id = $1::uuid")
        .bind(item)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

async fn unread(app: &TestApp, cookie: &str) -> i64 {
    let (s, info, _) = app.call("session/info", Some(cookie), &[]).await;
    assert_eq!(s, StatusCode::OK);
    info["unread"].as_i64().unwrap()
}

/// Posts the answer form as a browser without JavaScript does (`html`) or as another client.
pub async fn post_answer(
    app: &TestApp,
    cookie: Option<&str>,
    item: &str,
    text: &str,
    photos: Vec<Vec<u8>>,
    html: bool,
) -> Posted {
    let form = with_photos(multipart::Form::new().text("text", text.to_owned()), photos);
    let page = format!("/items/{item}");
    post_page_form(
        app,
        &format!("/items/{item}/answer"),
        cookie,
        form,
        html.then_some(page.as_str()),
    )
    .await
}

/// A deputy account for a roster member of a group that does not supervise `unit`.
async fn deputy_of_another_group(app: &TestApp, admin: &str, unit: Uuid) -> String {
    let roster: Uuid = sqlx::query_scalar(
        "select d.id from deputies d
          where d.group_id <> (select group_id from group_units where unit_id = $1)
            and not exists (select 1 from users u where u.deputy_id = d.id)
          limit 1",
    )
    .bind(unit)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let roster = roster.to_string();
    let (s, body, _) = app
        .call(
            "admin/create-account",
            Some(admin),
            &[
                ("username", "deputy-other"),
                ("display_name", "另一组代表"),
                ("password", "a-long-password"),
                ("role", "deputy"),
                ("deputy_id", &roster),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    app.login("deputy-other", "a-long-password").await.unwrap()
}

#[tokio::test]
async fn answers_carry_evidence_photos_and_the_people_concerned_are_notified() {
    let app = TestApp::spawn().await;
    let deputy = app.login_demo("demo-deputy").await;
    let staff = app.login_demo("demo-staff").await;
    let admin = app.login_demo("demo-admin").await;
    let obs = observe(&app, &deputy, "电梯按钮失灵").await;
    let item = make_item(&app, &staff, obs).await;
    let unit = forward(&app, &staff, &item).await;
    let officer = officer_of(&app, &admin, unit, "officer-evidence").await;
    let other_unit = another_unit(&app, unit).await;
    let stranger = officer_of(&app, &admin, other_unit, "officer-stranger").await;
    let other_deputy = deputy_of_another_group(&app, &admin, unit).await;

    // The forward reached the deputy who reported (the officer's account came after it).
    assert_eq!(unread(&app, &deputy).await, 1);
    assert_eq!(
        unread(&app, &staff).await,
        0,
        "staff made the step themselves"
    );

    // Refused answers store nothing, photos included.
    let photos_before = app.count("photos").await;
    let (s, loc, _) =
        post_answer(&app, None, &item, "x", vec![phone_jpeg(800, 600, 1)], true).await;
    assert_eq!(
        s,
        StatusCode::SEE_OTHER,
        "anonymous browser goes back with an error"
    );
    assert!(loc.contains("form_error=unauthenticated"), "{loc}");
    let (s, _, body) = post_answer(
        &app,
        Some(&stranger),
        &item,
        "已整改",
        vec![phone_jpeg(800, 600, 2)],
        false,
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{body}");
    let (s, _, body) = post_answer(
        &app,
        Some(&deputy),
        &item,
        "已整改",
        vec![phone_jpeg(800, 600, 3)],
        false,
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{body}");
    let (s, _, body) = post_answer(
        &app,
        Some(&officer),
        &item,
        "  ",
        vec![phone_jpeg(800, 600, 4)],
        false,
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let seven = (0..7).map(|i| phone_jpeg(320, 240, 10 + i)).collect();
    let (s, _, body) = post_answer(&app, Some(&officer), &item, "已整改", seven, false).await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    let (s, loc, _) = post_answer(
        &app,
        Some(&officer),
        &item,
        "已整改",
        vec![b"not a photo".to_vec()],
        true,
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert!(
        loc.contains("form_error=invalid") && loc.contains("form_field=photo"),
        "{loc}"
    );
    assert_eq!(app.count("photos").await, photos_before);
    assert_eq!(app.count("list_item_photos").await, 0);

    // The officer acknowledges and answers with two photos (a third, the same bytes, once).
    let (s, _, _) = app
        .call("items/act", Some(&officer), &act(&item, "acknowledge"))
        .await;
    assert_eq!(s, StatusCode::OK);
    let (a, b) = (phone_jpeg(1200, 900, 21), phone_jpeg(900, 1200, 22));
    let (s, loc, body) = post_answer(
        &app,
        Some(&officer),
        &item,
        "已更换电梯按钮面板",
        vec![a.clone(), b, a],
        true,
    )
    .await;
    assert_eq!(
        (s, loc.as_str()),
        (StatusCode::SEE_OTHER, format!("/items/{item}").as_str()),
        "{body}"
    );
    let (_, view, _) = app.call("items/get", Some(&deputy), &[("id", &item)]).await;
    assert_eq!(view["detail"]["item"]["status"], "answered");
    let answer = view["detail"]["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "answer")
        .unwrap()
        .clone();
    let shas: Vec<String> = answer["photos"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["sha256"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(shas.len(), 2);
    assert_eq!(answer["actor_role"], "unit_officer");

    // Evidence is seen by the reporter, staff and the unit; not by another unit or deputy.
    for (who, expect) in [
        (&deputy, StatusCode::OK),
        (&staff, StatusCode::OK),
        (&officer, StatusCode::OK),
        (&stranger, StatusCode::NOT_FOUND),
        (&other_deputy, StatusCode::NOT_FOUND),
    ] {
        let res = app
            .get(&format!("/media/thumb/{}.jpg", shas[0]), Some(who))
            .await;
        assert_eq!(res.status(), expect);
    }

    // Staff heard of the answer; the deputy of forward, acknowledge and answer.
    assert_eq!(unread(&app, &staff).await, 1);
    assert_eq!(unread(&app, &deputy).await, 3);
    let mut rate = act(&item, "rate");
    rate.push(("rating", "satisfied"));
    let (s, _, _) = app.call("items/act", Some(&deputy), &rate).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(unread(&app, &officer).await, 1, "the unit hears the rating");
    assert_eq!(unread(&app, &staff).await, 2);
    let (s, list, _) = app.call("notifications/list", Some(&deputy), &[]).await;
    assert_eq!(s, StatusCode::OK);
    let actions: Vec<&str> = list["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["answer", "acknowledge", "forward"]);
    assert_eq!(list["total"], 3);
    // One read, then all; someone else's id changes nothing.
    let first = list["rows"][0]["id"].as_i64().unwrap().to_string();
    let (s, n, _) = app
        .call("notifications/read", Some(&staff), &[("id", &first)])
        .await;
    assert_eq!((s, n), (StatusCode::OK, json!(0)));
    let (_, n, _) = app
        .call("notifications/read", Some(&deputy), &[("id", &first)])
        .await;
    assert_eq!(n, json!(1));
    let (_, n, _) = app.call("notifications/read", Some(&deputy), &[]).await;
    assert_eq!(n, json!(2));
    assert_eq!(unread(&app, &deputy).await, 0);
    let (s, _, _) = app.call("notifications/list", None, &[]).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);

    // The deputy of another group can neither read nor rate the item.
    let (s, _, _) = app
        .call("items/get", Some(&other_deputy), &[("id", &item)])
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _, _) = app.call("items/act", Some(&other_deputy), &rate).await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // Staff close it; a reopen clears the rating and the answer time, and the unit hears of it.
    let (s, _, _) = app
        .call("items/act", Some(&staff), &act(&item, "verify"))
        .await;
    assert_eq!(s, StatusCode::OK);
    let mut reopen = act(&item, "reopen");
    reopen.push(("text", "按钮仍偶发失灵"));
    let (s, _, _) = app.call("items/act", Some(&staff), &reopen).await;
    assert_eq!(s, StatusCode::OK);
    let (rating, answered_at, closed_at): (
        Option<String>,
        Option<chrono::DateTime<chrono::Utc>>,
        Option<chrono::DateTime<chrono::Utc>>,
    ) = sqlx::query_as(
        "select answer_rating, answered_at, closed_at from list_items where id = $1::uuid",
    )
    .bind(&item)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!((rating, answered_at, closed_at), (None, None, None));
    // Photo hashes in `items/act` must be the officer's own uploads.
    let mut cite = act(&item, "answer");
    cite.push(("text", "再次整改"));
    let foreign = shas[0].clone();
    let (s, _, _) = app
        .call(
            "items/act",
            Some(&stranger),
            &[
                ("id", &item),
                ("action", "answer"),
                ("text", "x"),
                ("photos", foreign.as_str()),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    cite.push(("photos", "not-a-hash"));
    let (s, _, _) = app.call("items/act", Some(&officer), &cite).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    app.cleanup().await;
}

#[tokio::test]
async fn public_comments_marked_as_problems_become_items() {
    let app = TestApp::spawn().await;
    let staff = app.login_demo("demo-staff").await;
    let (code, site): (String, Uuid) =
        sqlx::query_as("select public_code, id from sites order by public_code limit 1")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let mut ids = vec![];
    for body in ["晚上路灯全灭，很危险", "步道中段有积水", "这里很好"] {
        let form = multipart::Form::new()
            .text("form_token", Uuid::now_v7().to_string())
            .text("satisfaction", "dissatisfied")
            .text("support", "yes")
            .text("body", body);
        let res = app
            .http
            .post(format!("{}/s/{code}/comment", app.base))
            .header("sec-fetch-site", "same-origin")
            .header("accept", "text/html")
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let id: Uuid = sqlx::query_scalar("select id from public_comments where body = $1")
            .bind(body)
            .fetch_one(&app.pool)
            .await
            .unwrap();
        ids.push(id.to_string());
    }
    for id in &ids[..2] {
        let (s, body, _) = app
            .call(
                "staff/moderate",
                Some(&staff),
                &[("id", id), ("action", "mark_problem")],
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{body}");
    }
    let (s, queue, _) = app.call("review/queue", Some(&staff), &[]).await;
    assert_eq!(s, StatusCode::OK);
    let listed: Vec<&str> = queue["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(listed.len(), 2);
    assert!(
        !listed.contains(&ids[2].as_str()),
        "a comment not marked stays out"
    );

    // A pending comment cannot be made into an item; a marked one can, as a public survey.
    let (s, _, _) = app
        .call(
            "review/create-item",
            Some(&staff),
            &[
                ("comments", &ids[2]),
                ("kind", "problem"),
                ("description", "x"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (s, item, _) = app
        .call(
            "review/create-item",
            Some(&staff),
            &[
                ("comments", &ids[0]),
                ("kind", "problem"),
                ("description", "夜间照明缺失"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{item}");
    let item = item.as_str().unwrap().to_owned();
    let (s, _, _) = app
        .call(
            "review/attach",
            Some(&staff),
            &[("item", &item), ("comment", &ids[1])],
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _, _) = app
        .call(
            "review/attach",
            Some(&staff),
            &[("item", &item), ("comment", &ids[1])],
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "a comment goes into one item");
    let (s, _, _) = app
        .call("review/attach", Some(&staff), &[("item", &item)])
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, view, _) = app.call("items/get", Some(&staff), &[("id", &item)]).await;
    assert_eq!(view["detail"]["item"]["channel"], "public_survey");
    assert_eq!(view["detail"]["item"]["site_id"], site.to_string());
    assert_eq!(view["detail"]["comments"].as_array().unwrap().len(), 2);
    let (_, queue, _) = app.call("review/queue", Some(&staff), &[]).await;
    assert_eq!(queue["comments"], json!([]));
    app.cleanup().await;
}

async fn import(
    app: &TestApp,
    cookie: Option<&str>,
    channel: &str,
    name: &str,
    bytes: Vec<u8>,
) -> (StatusCode, Value) {
    let form = multipart::Form::new()
        .text("channel", channel.to_owned())
        .part(
            "file",
            multipart::Part::bytes(bytes).file_name(name.to_owned()),
        );
    let mut req = app
        .http
        .post(format!("{}/items/import", app.base))
        .header("accept", "application/json")
        .header("sec-fetch-site", "same-origin")
        .multipart(form);
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    let text = res.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

#[tokio::test]
async fn imported_findings_are_all_or_nothing_with_a_report_per_row() {
    let app = TestApp::spawn().await;
    let staff = app.login_demo("demo-staff").await;
    let deputy = app.login_demo("demo-deputy").await;
    let codes: Vec<String> =
        sqlx::query_scalar("select public_code from sites order by public_code limit 2")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    let (unit_id, unit_name): (Uuid, String) =
        sqlx::query_as("select id, name_zh from lead_units order by name_zh limit 1")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let csv = format!(
        "\u{feff}站点编号,类别,描述,责任单位\n{a},问题,扶手松动,{unit_name}\n{b},意见,路面破损,\nZZZZZZZ,建议,增加座椅,\n{a},建议,增加照明,不存在的单位\n",
        a = codes[0],
        b = codes[1]
    );
    for (who, expect) in [
        (None, StatusCode::UNAUTHORIZED),
        (Some(deputy.as_str()), StatusCode::FORBIDDEN),
    ] {
        let (s, _) = import(
            &app,
            who,
            "self_inspection",
            "f.csv",
            csv.clone().into_bytes(),
        )
        .await;
        assert_eq!(s, expect);
    }
    let before = app.count("list_items").await;
    let (s, out) = import(
        &app,
        Some(&staff),
        "self_inspection",
        "自查.csv",
        csv.into_bytes(),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{out}");
    let errors = out["Refused"]["errors"].as_array().expect("refused");
    let rows: Vec<(i64, &str)> = errors
        .iter()
        .map(|e| {
            (
                e["row"].as_i64().unwrap(),
                e["problem"]["problem"].as_str().unwrap(),
            )
        })
        .collect();
    // Row 3's kind is caught reading the file; unknown sites and units after the lookup, which
    // runs only on a file whose rows all read.
    assert_eq!(rows, [(3, "bad_kind")]);
    assert_eq!(app.count("list_items").await, before);

    // Same content as XLSX with the kind fixed: now the lookups report rows 4 and 5.
    let book = |rows: &[[&str; 4]]| {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let sheet = wb.add_worksheet();
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                sheet.write_string(r as u32, c as u16, *v).unwrap();
            }
        }
        wb.save_to_buffer().unwrap()
    };
    let header = ["站点编号", "类别", "描述", "责任单位"];
    let bad = book(&[
        header,
        [codes[0].as_str(), "问题", "扶手松动", unit_name.as_str()],
        [codes[1].as_str(), "问题", "路面破损", ""],
        ["ZZZZZZZ", "建议", "增加座椅", ""],
        [codes[0].as_str(), "建议", "增加照明", "不存在的单位"],
    ]);
    let (s, out) = import(&app, Some(&staff), "special_audit", "审计.xlsx", bad).await;
    assert_eq!(s, StatusCode::OK, "{out}");
    let rows: Vec<(i64, &str)> = out["Refused"]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["row"].as_i64().unwrap(),
                e["problem"]["problem"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(rows, [(4, "unknown_site"), (5, "unknown_unit")]);
    assert_eq!(app.count("list_items").await, before);
    assert_eq!(app.count("item_imports").await, 0);

    let good = book(&[
        header,
        [codes[0].as_str(), "问题", "扶手松动", unit_name.as_str()],
        [codes[1].as_str(), "建议", "增加照明", ""],
    ]);
    let (s, out) = import(&app, Some(&staff), "special_audit", "审计.xlsx", good).await;
    assert_eq!(s, StatusCode::OK, "{out}");
    assert_eq!(out["Imported"]["items"], 2);
    let made: Vec<(String, String, i32, Option<Uuid>)> = sqlx::query_as(
        "select channel, status, import_row, proposed_unit_id from list_items order by number",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        made[0],
        ("special_audit".into(), "draft".into(), 2, Some(unit_id))
    );
    assert_eq!(made[1].2, 3);
    // The unit the audit named is where a forward goes by default.
    let item: Uuid = sqlx::query_scalar("select id from list_items where import_row = 2")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let (_, view, _) = app
        .call("items/get", Some(&staff), &[("id", &item.to_string())])
        .await;
    assert_eq!(view["default_unit"], unit_id.to_string());

    // Not a spreadsheet, no channel, a deputy channel: refused with the field.
    let (s, out) = import(
        &app,
        Some(&staff),
        "special_audit",
        "a.pdf",
        b"%PDF-1.4".to_vec(),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{out}");
    let (s, _) = import(
        &app,
        Some(&staff),
        "deputy_inspection",
        "a.csv",
        b"x".to_vec(),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, out) = import(
        &app,
        Some(&staff),
        "self_inspection",
        "a.csv",
        vec![0xff, 0xfe, 0x00],
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{out}");
    app.cleanup().await;
}

#[tokio::test]
async fn the_queue_filters_and_pages_and_exports_geojson() {
    let app = TestApp::spawn().await;
    let deputy = app.login_demo("demo-deputy").await;
    let staff = app.login_demo("demo-staff").await;
    let officer = app.login_demo("demo-officer").await;
    let mut made = vec![];
    for i in 0..32 {
        made.push(observe(&app, &deputy, &format!("第{i}条")).await);
    }
    let (site_district, site_group, sub_item): (Uuid, Uuid, Uuid) = sqlx::query_as(
        "select t.district_id, gu.group_id, s.id from observations o join sites t on t.id = o.site_id
           join sub_items s on s.id = t.sub_item_id join group_units gu on gu.unit_id = s.lead_unit_id
          limit 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let other_district: Uuid =
        sqlx::query_scalar("select id from districts where id <> $1 limit 1")
            .bind(site_district)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let page = |form: Vec<(&'static str, String)>| {
        let app = &app;
        let staff = staff.clone();
        async move {
            let f: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.call("review/queue", Some(&staff), &f).await
        }
    };
    let (s, first, _) = page(vec![]).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(first["rows"].as_array().unwrap().len(), 30);
    assert_eq!(first["rows"][0]["id"], made[31].to_string(), "newest first");
    let next = first["next"].as_array().expect("a second page").clone();
    let (_, second, _) = page(vec![
        ("before_at", next[0].as_str().unwrap().to_owned()),
        ("before_id", next[1].as_str().unwrap().to_owned()),
    ])
    .await;
    let ids: Vec<&str> = second["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [made[1].to_string(), made[0].to_string()]);
    assert!(second["next"].is_null());
    for (k, v, n) in [
        ("district", site_district.to_string(), 30),
        ("district", other_district.to_string(), 0),
        ("group", site_group.to_string(), 30),
        ("sub_item", sub_item.to_string(), 30),
        ("verdict", "on_site".to_owned(), 30),
        ("verdict", "off_site".to_owned(), 0),
        ("kind", "suggestion".to_owned(), 0),
        ("since", "2099-01-01".to_owned(), 0),
        ("until", "2000-01-01".to_owned(), 0),
    ] {
        let (s, p, _) = page(vec![(k, v.clone())]).await;
        assert_eq!(s, StatusCode::OK, "{k}={v}: {p}");
        assert_eq!(p["rows"].as_array().unwrap().len(), n, "{k}={v}");
    }
    for (k, v) in [
        ("verdict", "nearby"),
        ("since", "yesterday"),
        ("district", "x"),
        ("kind", "good"),
    ] {
        let (s, _, _) = page(vec![(k, v.to_owned())]).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{k}={v}");
    }
    let (s, opts, _) = app.call("review/options", Some(&staff), &[]).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(opts["districts"].as_array().unwrap().len(), 13);
    let (s, _, _) = app.call("review/options", Some(&deputy), &[]).await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // GeoJSON: items (with their site's geometry) and sites.
    let item = make_item(&app, &staff, made[0]).await;
    let unit = forward(&app, &staff, &item).await;
    let geo = |path: &'static str, cookie: Option<String>| {
        let app = &app;
        async move {
            let mut req = app.http.get(format!("{}{path}", app.base));
            if let Some(c) = cookie {
                req = req.header("cookie", c);
            }
            let res = req.send().await.unwrap();
            let status = res.status();
            (status, res.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let (s, fc) = geo("/items/export.geojson", Some(staff.clone())).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(fc["type"], "FeatureCollection");
    assert_eq!(fc["features"][0]["properties"]["status"], "forwarded");
    assert!(["Point", "LineString", "Polygon"]
        .contains(&fc["features"][0]["geometry"]["type"].as_str().unwrap()));
    let officer_unit: Uuid =
        sqlx::query_scalar("select unit_id from users where username = 'demo-officer'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let (s, fc) = geo("/items/export.geojson", Some(officer.clone())).await;
    assert_eq!(s, StatusCode::OK);
    let expect = usize::from(officer_unit == unit);
    assert_eq!(
        fc["features"].as_array().unwrap().len(),
        expect,
        "an officer gets their unit's only"
    );
    for (who, expect) in [
        (None, StatusCode::UNAUTHORIZED),
        (Some(deputy.clone()), StatusCode::FORBIDDEN),
    ] {
        assert_eq!(geo("/items/export.geojson", who.clone()).await.0, expect);
        assert_eq!(geo("/sites/export.geojson", who).await.0, expect);
    }
    let (s, sites) = geo("/sites/export.geojson", Some(staff.clone())).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        sites["features"].as_array().unwrap().len() as i64,
        app.count("sites").await
    );
    let (_, mine) = geo("/sites/export.geojson", Some(officer)).await;
    let n: i64 = sqlx::query_scalar(
        "select count(*) from sites t join sub_items s on s.id = t.sub_item_id where s.lead_unit_id = $1",
    )
    .bind(officer_unit)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(mine["features"].as_array().unwrap().len() as i64, n);
    let (s, _) = geo("/items/export.geojson?from=2020-13-01", Some(staff.clone())).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, none) = geo("/items/export.geojson?to=2000-01-01", Some(staff.clone())).await;
    assert_eq!(none["features"], json!([]));

    // The map's clusters add up to the list's count for the same filter, at every zoom.
    let points = |layer: &'static str,
                  zoom: &'static str,
                  status: Option<&'static str>,
                  who: Option<String>| {
        let app = &app;
        async move {
            let mut form = vec![
                ("layer", layer),
                ("west", "73"),
                ("south", "3"),
                ("east", "136"),
                ("north", "54"),
                ("zoom", zoom),
            ];
            if let Some(s) = status {
                form.push(("status", s));
            }
            app.call("map/points", who.as_deref(), &form).await
        }
    };
    for zoom in ["5", "11", "16"] {
        let (s, clusters, _) =
            points("observations", zoom, Some("submitted"), Some(staff.clone())).await;
        assert_eq!(s, StatusCode::OK, "{clusters}");
        let total: i64 = clusters
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["n"].as_i64().unwrap())
            .sum();
        let listed = app.count("observations where status = 'submitted'").await;
        assert_eq!(total, listed, "zoom {zoom}");
        let (_, clusters, _) = points("items", zoom, None, Some(staff.clone())).await;
        let total: i64 = clusters
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["n"].as_i64().unwrap())
            .sum();
        let (_, list, _) = app.call("items/list", Some(&staff), &[]).await;
        assert_eq!(total, list["total"].as_i64().unwrap(), "zoom {zoom}");
    }
    // All statuses together: every observation once, the triaged one moved out of "submitted".
    let (_, all, _) = points("observations", "11", None, Some(staff.clone())).await;
    let by_status = |status: &str| -> i64 {
        all.as_array()
            .unwrap()
            .iter()
            .filter(|c| c["status"] == status)
            .map(|c| c["n"].as_i64().unwrap())
            .sum()
    };
    assert_eq!((by_status("submitted"), by_status("triaged")), (31, 1));
    let (_, fine, _) = points("observations", "16", None, Some(staff.clone())).await;
    let (_, coarse, _) = points("observations", "5", None, Some(staff.clone())).await;
    assert!(fine.as_array().unwrap().len() >= coarse.as_array().unwrap().len());
    assert_eq!(
        points("observations", "5", None, None).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        points("observations", "5", None, Some(deputy.clone()))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        points("roads", "5", None, Some(staff.clone())).await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        points("items", "30", None, Some(staff.clone())).await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );

    // The dashboard's trend and districts count the same things as the tables.
    let (s, dash, _) = app.call("items/dashboard", Some(&staff), &[]).await;
    assert_eq!(s, StatusCode::OK, "{dash}");
    let trend = dash["trend"].as_array().unwrap();
    assert_eq!(trend.len(), 12);
    let last = &trend[11];
    assert_eq!(
        (last["observations"].as_i64(), last["created"].as_i64()),
        (Some(32), Some(1))
    );
    let district_obs: i64 = dash["by_district"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["observations"].as_i64().unwrap())
        .sum();
    assert_eq!(district_obs, 32);
    assert_eq!(dash["by_district"].as_array().unwrap().len(), 13);
    app.cleanup().await;
}
