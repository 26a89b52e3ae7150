//! Progress against targets over real HTTP and the real database: an officer of the lead unit
//! reports with photos, nobody else may; a refused report stores nothing; staff query a figure
//! and the unit's officers hear of it; the reports refuse to be rewritten; and the dashboard's
//! schedule table judges each sub-item on its boundary dates.

use chrono::{Datelike, NaiveDate};
use reqwest::StatusCode;
use uuid::Uuid;

use crate::common::{form_of, post_page_form, with_photos, Posted, TestApp};
use crate::field::phone_jpeg;
use crate::items::{another_unit, officer_of};

/// Posts the officer's form as a browser does (`html`) or as another client.
pub async fn report(
    app: &TestApp,
    cookie: Option<&str>,
    sub_item: Uuid,
    fields: &[(&str, &str)],
    photos: Vec<Vec<u8>>,
    html: bool,
) -> Posted {
    let page = format!("/sub-items/{sub_item}");
    post_page_form(
        app,
        &format!("/sub-items/{sub_item}/progress"),
        cookie,
        with_photos(form_of(fields), photos),
        html.then_some(page.as_str()),
    )
    .await
}

async fn officer_unit(app: &TestApp) -> Uuid {
    sqlx::query_scalar("select unit_id from users where username = 'demo-officer'")
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

async fn sub_item_of(app: &TestApp, unit: Uuid) -> (Uuid, i32) {
    sqlx::query_as(
        "select id, target_quantity from sub_items where lead_unit_id = $1
          order by project_id, number limit 1",
    )
    .bind(unit)
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn an_officer_reports_with_photos_and_staff_query_the_figure() {
    let app = TestApp::spawn().await;
    let officer = app.login_demo("demo-officer").await;
    let staff = app.login_demo("demo-staff").await;
    let deputy = app.login_demo("demo-deputy").await;
    let (sub_item, target) = sub_item_of(&app, officer_unit(&app).await).await;
    let photo = phone_jpeg(640, 480, 71);
    let done = (target / 2).to_string();

    let (s, location, body) = report(
        &app,
        Some(&officer),
        sub_item,
        &[
            ("quantity_done", &done),
            ("paid_government", "120.5"),
            ("paid_residents", ""),
            ("paid_social", "3"),
            ("note", "  完成一半，余下四月完工 "),
        ],
        vec![photo.clone()],
        true,
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    assert!(
        location.starts_with(&format!("/sub-items/{sub_item}#report-")),
        "{location}"
    );
    let (quantity, gov, res, social, note, author): (i32, i64, i64, i64, String, String) =
        sqlx::query_as(
            "select r.quantity_done, r.paid_government_yuan, r.paid_residents_yuan,
                    r.paid_social_yuan, r.note, u.username
               from progress_reports r join users u on u.id = r.author
              where r.sub_item_id = $1",
        )
        .bind(sub_item)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(
        (quantity, gov, res, social, note.as_str(), author.as_str()),
        (
            target / 2,
            1_205_000,
            0,
            30_000,
            "完成一半，余下四月完工",
            "demo-officer"
        )
    );
    let sha = app::domain::PhotoHash::of(&photo).as_str().to_owned();
    let held: i64 = sqlx::query_scalar(
        "select count(*) from progress_report_photos p join progress_reports r on r.id = p.report_id
          where r.sub_item_id = $1 and p.sha256 = $2",
    )
    .bind(sub_item)
    .bind(&sha)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(held, 1);

    // Every signed-in role reads the progress and its evidence.
    let (s, body, _) = app
        .call(
            "progress/sub-item",
            Some(&deputy),
            &[("sub_item", &sub_item.to_string())],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["latest"]["quantity_done"], target / 2);
    assert_eq!(body["reports"]["total"], 1);
    assert_eq!(body["latest"]["photos"][0], sha);
    assert_eq!(body["may_report"], false);
    assert_eq!(body["may_query"], false);
    app.copies_made(&sha).await;
    let thumb = app
        .get(&format!("/media/thumb/{sha}.jpg"), Some(&deputy))
        .await;
    assert_eq!(thumb.status(), StatusCode::OK);
    let (_, body, _) = app
        .call(
            "progress/sub-item",
            Some(&officer),
            &[("sub_item", &sub_item.to_string())],
        )
        .await;
    assert_eq!(body["may_report"], true);
    // The page shows the figure and the officer's form, without JavaScript.
    let page = app
        .get(&format!("/sub-items/{sub_item}"), Some(&officer))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("id=\"progress-form\""), "the form is drawn");
    assert!(
        page.contains(&format!("<b id=\"progress-done\">{}</b>", target / 2)),
        "the figure is drawn"
    );

    // Staff query it; each active officer of the unit is told, with the reason.
    let report_id: Uuid =
        sqlx::query_scalar("select id from progress_reports where sub_item_id = $1")
            .bind(sub_item)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let (s, body, _) = app
        .call(
            "progress/query",
            Some(&staff),
            &[
                ("report", &report_id.to_string()),
                ("reason", "资金数与财政拨付记录不符"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let (s, body, _) = app
        .call(
            "progress/query",
            Some(&staff),
            &[("report", &report_id.to_string()), ("reason", "  ")],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["details"]["field"], "query_reason");
    assert_eq!(app.count("progress_queries").await, 1);
    let (_, list, _) = app.call("notifications/list", Some(&officer), &[]).await;
    let n = &list["rows"][0];
    assert_eq!(n["action"], "query_progress");
    assert_eq!(n["sub_item_id"], sub_item.to_string());
    assert_eq!(n["description"], "资金数与财政拨付记录不符");
    let (_, body, _) = app.call("progress/risks", Some(&staff), &[]).await;
    let row = body["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r[1]["sub_item_id"] == sub_item.to_string())
        .expect("the sub-item is on the dashboard")
        .clone();
    assert_eq!(row[1]["open_queries"], 1);
    assert_eq!(row[1]["done"], target / 2);

    // A later report answers the query and becomes the latest figure.
    let more = (target - 1).to_string();
    let (s, _, body) = report(
        &app,
        Some(&officer),
        sub_item,
        &[("quantity_done", &more), ("paid_government", "110")],
        vec![],
        false,
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    let (_, body, _) = app.call("progress/risks", Some(&staff), &[]).await;
    let row = body["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r[1]["sub_item_id"] == sub_item.to_string())
        .unwrap()
        .clone();
    assert_eq!(row[1]["open_queries"], 0);
    assert_eq!(row[1]["done"], target - 1);
    let (_, body, _) = app
        .call(
            "progress/sub-item",
            Some(&staff),
            &[("sub_item", &sub_item.to_string())],
        )
        .await;
    assert_eq!(body["reports"]["total"], 2);
    assert_eq!(body["reports"]["rows"][0]["quantity_done"], target - 1);
    assert_eq!(
        body["reports"]["rows"][1]["queries"][0]["reason"],
        "资金数与财政拨付记录不符"
    );
    assert_eq!(body["points"].as_array().unwrap().len(), 2);

    // The reports are a log: the database itself refuses to change or delete them.
    for sql in [
        "update progress_reports set quantity_done = 0",
        "delete from progress_report_photos",
        "delete from progress_queries",
    ] {
        let e = sqlx::query(sql).execute(&app.pool).await.unwrap_err();
        assert!(e.to_string().contains("append-only"), "{sql}: {e}");
    }
    app.cleanup().await;
}

#[tokio::test]
async fn only_the_lead_units_officers_report_and_a_refused_report_stores_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.login_demo("demo-admin").await;
    let unit = officer_unit(&app).await;
    let (sub_item, target) = sub_item_of(&app, unit).await;
    let officer = app.login_demo("demo-officer").await;
    let other = officer_of(
        &app,
        &admin,
        another_unit(&app, unit).await,
        "officer-other",
    )
    .await;
    let deputy = app.login_demo("demo-deputy").await;
    let staff = app.login_demo("demo-staff").await;
    let photo = phone_jpeg(320, 240, 5);
    let fields = [("quantity_done", "1")];
    let photos_before = app.count("photos").await;

    for (who, cookie, expected) in [
        ("anonymous", None, StatusCode::UNAUTHORIZED),
        ("deputy", Some(deputy.as_str()), StatusCode::FORBIDDEN),
        ("staff", Some(staff.as_str()), StatusCode::FORBIDDEN),
        ("another unit", Some(other.as_str()), StatusCode::FORBIDDEN),
    ] {
        let (s, _, body) =
            report(&app, cookie, sub_item, &fields, vec![photo.clone()], false).await;
        assert_eq!(s, expected, "{who}: {body}");
    }
    let (s, _, _) = report(&app, Some(&officer), Uuid::now_v7(), &fields, vec![], false).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // Bad figures: refused with the field, before any photo is stored.
    let too_many = (target * 10 + 1).to_string();
    for (form, field) in [
        (vec![("quantity_done", "")], "quantity_done"),
        (vec![("quantity_done", "3.5")], "quantity_done"),
        (vec![("quantity_done", "-2")], "quantity_done"),
        (vec![("quantity_done", too_many.as_str())], "quantity_done"),
        (
            vec![("quantity_done", "1"), ("paid_social", "1.234")],
            "paid_social",
        ),
    ] {
        let (s, _, body) = report(
            &app,
            Some(&officer),
            sub_item,
            &form,
            vec![photo.clone()],
            false,
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{form:?}: {body}");
        let body: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(body["details"]["field"], field, "{form:?}");
    }
    // A browser's post goes back to the page with the reason, which the page says in Chinese.
    let (s, location, _) = report(
        &app,
        Some(&officer),
        sub_item,
        &[("quantity_done", "很多")],
        vec![],
        true,
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert!(
        location.contains("form_error=invalid") && location.contains("form_field=quantity_done"),
        "{location}"
    );
    let page = app
        .get(&location, Some(&officer))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("累计完成量请填不小于0的整数"),
        "the hint is shown"
    );
    // Seven photos are more than a report takes.
    let (s, _, _) = report(
        &app,
        Some(&officer),
        sub_item,
        &fields,
        (0..7).map(|k| phone_jpeg(64, 64, 100 + k)).collect(),
        false,
    )
    .await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(app.count("progress_reports").await, 0);
    assert_eq!(app.count("photos").await, photos_before);
    app.cleanup().await;
}

#[tokio::test]
async fn the_schedule_table_judges_each_sub_item_on_its_boundary_dates() {
    let app = TestApp::spawn().await;
    let officer = app.login_demo("demo-officer").await;
    let (sub_item, target) = sub_item_of(&app, officer_unit(&app).await).await;
    let (year, deadline): (i32, NaiveDate) = sqlx::query_as(
        "select p.year, s.deadline from sub_items s join projects p on p.id = s.project_id
          where s.id = $1",
    )
    .bind(sub_item)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let db = app::store::Db::new(app.pool.clone());
    let risk_on = |day: NaiveDate| {
        let db = db.clone();
        async move {
            let risks = db.progress_risks(day).await.unwrap();
            assert_eq!(risks.year, Some(year), "the plan year of {day}");
            let (risk, row) = risks
                .rows
                .iter()
                .find(|(_, r)| r.sub_item_id == sub_item)
                .expect("every sub-item of the year is listed")
                .clone();
            // Worst first, whatever the day.
            assert!(risks.rows.windows(2).all(|w| w[0].0 <= w[1].0));
            (risk.as_str(), row.done)
        }
    };
    let first = NaiveDate::from_ymd_opt(year, 1, 2).unwrap();
    // Nothing reported: early in the year still on track, on the deadline day behind, the day
    // after overdue.
    assert_eq!(risk_on(first).await, ("on_track", None));
    assert_eq!(risk_on(deadline).await, ("behind", None));
    assert_eq!(
        risk_on(deadline.succ_opt().unwrap()).await,
        ("overdue", None)
    );

    let half = (target / 2).to_string();
    let (s, _, body) = report(
        &app,
        Some(&officer),
        sub_item,
        &[("quantity_done", &half)],
        vec![],
        false,
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    assert_eq!(risk_on(deadline).await, ("behind", Some(target / 2)));
    // Staff allow a wider margin: half done on the deadline day is within 50 points.
    let staff = app.login_demo("demo-staff").await;
    let (s, body, _) = app
        .call("progress/margin", Some(&staff), &[("margin", "50")])
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let (s, body, _) = app
        .call("progress/margin", Some(&staff), &[("margin", "80")])
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(risk_on(deadline).await.0, "on_track");
    assert_eq!(
        risk_on(deadline.succ_opt().unwrap()).await.0,
        "overdue",
        "the margin does not move the deadline"
    );

    let all = target.to_string();
    let (s, _, body) = report(
        &app,
        Some(&officer),
        sub_item,
        &[("quantity_done", &all)],
        vec![],
        false,
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    let later = NaiveDate::from_ymd_opt(deadline.year(), 12, 31).unwrap();
    assert_eq!(risk_on(later).await, ("done", Some(target)));
    // Every sub-item of the year is on the table, each once.
    let listed = db.progress_risks(first).await.unwrap().rows.len() as i64;
    let in_year: i64 = sqlx::query_scalar(
        "select count(*) from sub_items s join projects p on p.id = s.project_id where p.year = $1",
    )
    .bind(year)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(listed, in_year);
    app.cleanup().await;
}

async fn public(app: &TestApp, path: String) -> String {
    app.get(&path, None).await.text().await.unwrap()
}

/// A site's state: the lead unit's officers and staff set it, nobody else; each change is kept
/// with who made it, setting the same state again keeps nothing, and a report says how many of
/// the sub-item's sites were finished when it was filed. The public site page and the plan's
/// site list show it at once, though they were kept.
#[tokio::test]
async fn site_states_are_set_by_the_unit_and_shown_to_everyone() {
    let app = TestApp::spawn().await;
    let officer = app.login_demo("demo-officer").await;
    let staff = app.login_demo("demo-staff").await;
    let deputy = app.login_demo("demo-deputy").await;
    let admin = app.login_demo("demo-admin").await;
    let unit = officer_unit(&app).await;
    let (sub_item, _) = sub_item_of(&app, unit).await;
    let (site, code, total): (Uuid, String, i64) = sqlx::query_as(
        "select id, public_code, count(*) over () from sites where sub_item_id = $1
          order by public_code limit 1",
    )
    .bind(sub_item)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let other_officer = officer_of(&app, &admin, another_unit(&app, unit).await, "st-other").await;
    let site_s = site.to_string();
    let set = |who: Option<String>, state: &'static str| {
        let app = &app;
        let site_s = site_s.clone();
        async move {
            app.call(
                "progress/site-state",
                who.as_deref(),
                &[("site", site_s.as_str()), ("state", state)],
            )
            .await
        }
    };
    // The public page is kept before the change.
    assert!(public(&app, format!("/s/{code}"))
        .await
        .contains("data-state=\"planned\""));

    for (who, status) in [
        (Some(deputy.clone()), StatusCode::FORBIDDEN),
        (Some(other_officer.clone()), StatusCode::FORBIDDEN),
        (None, StatusCode::UNAUTHORIZED),
    ] {
        let (s, body, _) = set(who, "in_service").await;
        assert_eq!(s, status, "{body}");
    }
    let (s, body, _) = set(Some(officer.clone()), "finished").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["details"]["field"], "site_state");
    let (s, body, _) = app
        .call(
            "progress/site-state",
            Some(&officer),
            &[("site", &Uuid::now_v7().to_string()), ("state", "closed")],
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(app.count("site_state_changes").await, 0);

    let (s, changed, _) = set(Some(officer.clone()), "under_construction").await;
    assert_eq!((s, changed), (StatusCode::OK, serde_json::json!(true)));
    let (s, changed, _) = set(Some(officer.clone()), "in_service").await;
    assert_eq!((s, changed), (StatusCode::OK, serde_json::json!(true)));
    let (_, changed, _) = set(Some(officer.clone()), "in_service").await;
    assert_eq!(
        changed,
        serde_json::json!(false),
        "the same state again changes nothing"
    );
    let log: Vec<(String, String)> = sqlx::query_as(
        "select c.state, u.username from site_state_changes c join users u on u.id = c.actor
          where c.site_id = $1 order by c.id",
    )
    .bind(site)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        log,
        [
            ("under_construction".to_owned(), "demo-officer".to_owned()),
            ("in_service".to_owned(), "demo-officer".to_owned()),
        ]
    );
    // The log cannot be rewritten.
    assert!(
        sqlx::query("update site_state_changes set state = 'planned'")
            .execute(&app.pool)
            .await
            .is_err()
    );

    // Everyone sees it: the site page signed in, the public page and the plan's list.
    let page = app
        .get(&format!("/sites/{site}"), Some(&deputy))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("data-state=\"in_service\""),
        "signed-in site page"
    );
    assert!(!page.contains("site-state-form"), "a deputy gets no form");
    let page = app
        .get(&format!("/sites/{site}"), Some(&officer))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("site-state-form"),
        "the unit's officer gets the form"
    );
    let s_page = public(&app, format!("/s/{code}")).await;
    assert!(
        s_page.contains("data-state=\"in_service\""),
        "the kept page was emptied"
    );
    let (year, project, number): (i32, i32, i32) = sqlx::query_as(
        "select p.year, p.number, s.number from sub_items s join projects p on p.id = s.project_id
          where s.id = $1",
    )
    .bind(sub_item)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let list = public(&app, format!("/plan/{year}/{project}-{number}")).await;
    assert!(list.contains("data-state=\"in_service\""), "{list}");

    // Staff correct it; the report filed next keeps the count of that moment.
    let (s, _, _) = set(Some(staff.clone()), "closed").await;
    assert_eq!(s, StatusCode::OK);
    let (s, _, body) = report(
        &app,
        Some(&officer),
        sub_item,
        &[("quantity_done", "1")],
        vec![],
        false,
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    let kept: (Option<i32>, Option<i32>) = sqlx::query_as(
        "select sites_finished, sites_total from progress_reports where sub_item_id = $1
          order by at desc limit 1",
    )
    .bind(sub_item)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        kept,
        (Some(1), Some(total as i32)),
        "closed counts as finished"
    );
    let (_, progress, _) = app
        .call(
            "progress/sub-item",
            Some(&deputy),
            &[("sub_item", &sub_item.to_string())],
        )
        .await;
    assert_eq!(progress["sites_finished"], 1);
    assert_eq!(progress["sites_total"], total);
    assert_eq!(progress["latest"]["sites_finished"], 1);

    // The year's progress table, as XLSX: every sub-item of the year in the plan's order, the
    // figures as numbers, this report's beside its target.
    let xlsx = |cookie: Option<String>, query: &'static str| {
        let app = &app;
        async move {
            let mut req = app
                .http
                .get(format!("{}/progress/export.xlsx{query}", app.base));
            if let Some(c) = cookie {
                req = req.header("cookie", c);
            }
            let res = req.send().await.unwrap();
            (res.status(), res.bytes().await.unwrap())
        }
    };
    let (s, _) = xlsx(None, "").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _) = xlsx(Some(staff.clone()), "?year=12").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, bytes) = xlsx(Some(deputy.clone()), "").await;
    assert_eq!(s, StatusCode::OK);
    use calamine::{open_workbook_from_rs, Data, Reader, Xlsx};
    let mut book: Xlsx<_> =
        open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).expect("opens");
    let range = book.worksheet_range("实施进度").expect("the sheet");
    let rows: Vec<Vec<Data>> = range.rows().map(|r| r.to_vec()).collect();
    let in_year: i64 = sqlx::query_scalar(
        "select count(*) from sub_items s join projects p on p.id = s.project_id
          where p.year = $1",
    )
    .bind(year)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        rows.len() as i64,
        in_year + 1,
        "a header and every sub-item"
    );
    assert_eq!(rows[0][0].to_string(), "编号");
    assert_eq!(rows[0][12].to_string(), "资金安排（万元）");
    let line = rows
        .iter()
        .find(|r| r[0].to_string() == format!("{project}-{number}"))
        .expect("the reported sub-item");
    assert_eq!(line[8], Data::Float(1.0), "done, as a number");
    assert!(
        ["已超期", "滞后", "正常", "已完成"].contains(&line[11].to_string().as_str()),
        "the schedule state in the pages' words: {}",
        line[11]
    );
    assert_eq!(line[17].to_string(), format!("1 / {total}"));
    assert_eq!(line[19], Data::Float(0.0));
    let (s, bytes) = xlsx(Some(staff.clone()), "?year=2099").await;
    assert_eq!(s, StatusCode::OK, "a year with no plan is an empty table");
    let mut book: Xlsx<_> = open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    assert_eq!(book.worksheet_range("实施进度").unwrap().rows().count(), 1);
    app.cleanup().await;
}
