//! Questionnaires over real HTTP and the real database: written by staff through the server
//! functions (refusals by field, storing nothing), shown at the sites they target, answered
//! through the plain form once per client (a resend stores nothing new), with conditions and
//! required questions kept, typed in from paper by staff, tallied the same as the raw rows, and
//! exported; on the demo and on an installation loaded through the product.

use reqwest::{header, StatusCode};
use serde_json::Value;
use uuid::Uuid;

use crate::common::TestApp;

/// A GET of the form as a browser makes it: the status, the cookie it was given, the page.
async fn open_form(
    app: &TestApp,
    path: &str,
    cookie: Option<&str>,
) -> (StatusCode, Option<String>, String) {
    let res = app.get(path, cookie).await;
    let status = res.status();
    let given = res
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("jiandu_q="))
        .and_then(|c| c.split(';').next())
        .map(str::to_owned);
    (status, given, res.text().await.unwrap_or_default())
}

/// The version of the questions a form drawn now carries.
async fn rev_now(app: &TestApp, id: &str) -> String {
    let stored: Option<Value> =
        sqlx::query_scalar("select questions from questionnaires where id = $1::uuid")
            .bind(id)
            .fetch_optional(&app.pool)
            .await
            .expect("questions");
    let questions: Vec<app::domain::questionnaire::Question> = stored
        .map(|v| serde_json::from_value(v).expect("stored questions read"))
        .unwrap_or_default();
    app::domain::questionnaire::revision(&questions)
}

/// Posts the answer form as a browser without JavaScript does: the status, where it sends the
/// browser, the page. The form carries the version of the questions it was drawn with: the
/// current one unless `fields` names another.
async fn answer(
    app: &TestApp,
    path: &str,
    cookie: Option<&str>,
    fields: &[(&str, &str)],
) -> (StatusCode, String, String) {
    let id = path
        .split('/')
        .rev()
        .find(|s| Uuid::parse_str(s).is_ok())
        .unwrap_or_default();
    let rev = rev_now(app, id).await;
    let mut fields = fields.to_vec();
    if !fields.iter().any(|(k, _)| *k == "questions_rev") {
        fields.push(("questions_rev", &rev));
    }
    let mut req = app
        .http
        .post(format!("{}{path}", app.base))
        .header(header::ACCEPT, "text/html")
        .header("sec-fetch-site", "same-origin")
        .form(&fields);
    if let Some(c) = cookie {
        req = req.header(header::COOKIE, c);
    }
    let res = req.send().await.expect("post");
    let status = res.status();
    let location = res
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, location, res.text().await.unwrap_or_default())
}

fn field_of(v: &Value) -> &str {
    v["details"]["field"].as_str().unwrap_or_default()
}

/// Creates a questionnaire through the form's server function: its id.
async fn create(app: &TestApp, staff: &str, targets: &str, from: &str, to: &str) -> String {
    let (s, v, _) = app
        .call(
            "questionnaires/create",
            Some(staff),
            &[
                ("title", "加装电梯使用情况调查"),
                ("intro", "请根据您的实际情况填写。"),
                ("opens_on", from),
                ("closes_on", to),
                ("targets", targets),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v.as_str().expect("the new id").to_owned()
}

/// The four questions of the tests: 1 single (required), 2 multiple shown if 1 is "rarely",
/// 3 scale (required), 4 text.
async fn add_questions(app: &TestApp, staff: &str, id: &str) {
    for (prompt, kind, options, required, show_if) in [
        (
            "您多久乘坐一次加装的电梯？",
            "single",
            "每天\n每周\n很少",
            "1",
            "",
        ),
        ("为什么很少乘坐？", "multiple", "太远\n不方便", "", "1.3"),
        ("总体满意程度", "scale", "", "1", ""),
        ("还有什么建议？", "text", "", "", ""),
    ] {
        let mut form = vec![
            ("id", id),
            ("prompt", prompt),
            ("kind", kind),
            ("options", options),
            ("show_if", show_if),
        ];
        if !required.is_empty() {
            form.push(("required", required));
        }
        let (s, v, _) = app
            .call("questionnaires/add_question", Some(staff), &form)
            .await;
        assert_eq!(s, StatusCode::OK, "{prompt}: {v}");
    }
}

/// A questionnaire open today with the four questions, shown at `targets`: its id (for the
/// access matrices).
pub(crate) async fn questionnaire_at(app: &TestApp, staff: &str, targets: &str) -> String {
    let first = (today() - chrono::Days::new(1)).to_string();
    let last = (today() + chrono::Days::new(30)).to_string();
    let id = create(app, staff, targets, &first, &last).await;
    add_questions(app, staff, &id).await;
    id
}

fn lenient() -> server::public::CommentLimits {
    server::public::CommentLimits {
        burst: 1000,
        ..Default::default()
    }
}

fn today() -> chrono::NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive()
}

#[tokio::test]
async fn a_questionnaire_is_written_answered_once_per_client_and_tallied_as_stored() {
    // The per-client limit on answers is the comment form's (tested with it): off here, where
    // every post comes from 127.0.0.1.
    let app = TestApp::spawn_full(true, lenient()).await;
    let staff = app.login_demo("demo-staff").await;
    let deputy = app.login_demo("demo-deputy").await;
    let officer = app.login_demo("demo-officer").await;
    let (code, other_code, year): (String, String, i32) = sqlx::query_as(
        "select min(t.public_code) filter (where s.number = 1 and p.number = 1),
                min(t.public_code) filter (where p.number <> 1),
                min(p.year)
           from sites t join sub_items s on s.id = t.sub_item_id join projects p on p.id = s.project_id
          where t.active",
    )
    .fetch_one(&app.pool)
    .await
    .expect("sites of the demo");
    // Open from the start of the demo's year until a month from today.
    let first = format!("{year}-01-01");
    let last = (today() + chrono::Days::new(30)).to_string();

    // Only staff write questionnaires; refusals store nothing.
    let form = [
        ("title", "t"),
        ("intro", ""),
        ("opens_on", first.as_str()),
        ("closes_on", last.as_str()),
        ("targets", ""),
    ];
    for (who, cookie, status) in [
        ("anonymous", None, StatusCode::UNAUTHORIZED),
        ("deputy", Some(deputy.as_str()), StatusCode::FORBIDDEN),
        ("officer", Some(officer.as_str()), StatusCode::FORBIDDEN),
    ] {
        let (s, _, _) = app.call("questionnaires/create", cookie, &form).await;
        assert_eq!(s, status, "{who}");
    }
    for (targets, from, to, field) in [
        (
            "1.x",
            first.as_str(),
            last.as_str(),
            "questionnaire_targets",
        ),
        // A project the year does not have: looked up in the transaction, which stores nothing.
        ("98", first.as_str(), last.as_str(), "questionnaire_targets"),
        ("", last.as_str(), first.as_str(), "questionnaire_days"),
    ] {
        let (s, v, _) = app
            .call(
                "questionnaires/create",
                Some(&staff),
                &[
                    ("title", "x"),
                    ("intro", ""),
                    ("opens_on", from),
                    ("closes_on", to),
                    ("targets", targets),
                ],
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{targets}: {v}");
        assert_eq!(field_of(&v), field, "{v}");
    }
    assert_eq!(app.count("questionnaires").await, 0);
    assert_eq!(app.count("questionnaire_targets").await, 0);

    // Shown at sub-item 1.1: `code` is one of its sites, `other_code` is not.
    let id = create(&app, &staff, "1.1", &first, &last).await;
    // Without questions, the public sees nothing of it.
    let (s, _, _) = open_form(&app, &format!("/s/{code}/q/{id}"), None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _, _) = answer(
        &app,
        &format!("/q/{id}"),
        None,
        &[("form_token", &Uuid::now_v7().to_string()), ("q1", "1")],
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    add_questions(&app, &staff, &id).await;
    for (show_if, kind, field) in [
        ("3.1", "text", "question_condition"),
        ("1.4", "text", "question_condition"),
        ("", "single", "question_options"),
        ("", "ranking", "question_kind"),
    ] {
        let (s, v, _) = app
            .call(
                "questionnaires/add_question",
                Some(&staff),
                &[
                    ("id", &id),
                    ("prompt", "x"),
                    ("kind", kind),
                    ("options", "only one"),
                    ("show_if", show_if),
                ],
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(field_of(&v), field, "{v}");
    }
    let (s, _, _) = app
        .call(
            "questionnaires/add_question",
            Some(&deputy),
            &[
                ("id", &id),
                ("prompt", "x"),
                ("kind", "text"),
                ("options", ""),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // Question 1 opens question 2: it cannot be taken out from under it.
    let (s, v, _) = app
        .call(
            "questionnaires/remove_question",
            Some(&staff),
            &[("id", &id), ("number", "1")],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let questions: i32 =
        sqlx::query_scalar("select jsonb_array_length(questions) from questionnaires")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(questions, 4);

    // The site's page links to it; another project's site neither links nor answers it.
    let page = app
        .get(&format!("/s/{code}"), None)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(&format!("/s/{code}/q/{id}")),
        "the site links it"
    );
    let page = app
        .get(&format!("/s/{other_code}"), None)
        .await
        .text()
        .await
        .unwrap();
    assert!(!page.contains(&format!("/q/{id}")));
    let (s, _, _) = open_form(&app, &format!("/s/{other_code}/q/{id}"), None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _, _) = answer(
        &app,
        &format!("/s/{other_code}/q/{id}"),
        None,
        &[
            ("form_token", &Uuid::now_v7().to_string()),
            ("q1", "1"),
            ("q3", "5"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // The form gives the browser its cookie and names every question.
    let at_site = format!("/s/{code}/q/{id}");
    let (s, c1, page) = open_form(&app, &at_site, None).await;
    assert_eq!(s, StatusCode::OK);
    let c1 = c1.expect("a client cookie");
    for n in 1..=4 {
        assert!(
            page.contains(&format!("id=\"question-{n}\"")),
            "question {n}"
        );
    }
    assert!(
        page.contains("第 1 题选择“很少”时回答"),
        "the condition in words"
    );

    // One client: answered, resent (the same token: nothing new), answered again (refused).
    let t1 = Uuid::now_v7().to_string();
    let full = [
        ("form_token", t1.as_str()),
        ("q1", "3"),
        ("q2", "2"),
        ("q2", "1"),
        ("q3", "4"),
        ("q4", "希望增加夜间照明"),
        ("website", ""),
    ];
    let (s, to, _) = answer(&app, &at_site, Some(&c1), &full).await;
    assert_eq!(
        (s, to.as_str()),
        (StatusCode::SEE_OTHER, format!("{at_site}?done").as_str())
    );
    let (s, _, _) = answer(&app, &at_site, Some(&c1), &full).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(app.count("questionnaire_answers").await, 1);
    let t = Uuid::now_v7().to_string();
    let (s, _, page) = answer(
        &app,
        &at_site,
        Some(&c1),
        &[("form_token", &t), ("q1", "1"), ("q3", "3")],
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(
        page.contains("这台设备已经提交过这份问卷"),
        "said in Chinese"
    );
    assert_eq!(app.count("questionnaire_answers").await, 1);

    // Another client: a required question left out is refused, marked, with what was typed.
    let (_, c2, _) = open_form(&app, &at_site, None).await;
    let c2 = c2.expect("a second client");
    let t2 = Uuid::now_v7().to_string();
    let (s, _, page) = answer(
        &app,
        &at_site,
        Some(&c2),
        &[("form_token", &t2), ("q1", "1"), ("q4", "留着的字")],
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let marked = page
        .find("id=\"question-3\"")
        .map(|i| page[i.saturating_sub(80)..i + 120].to_owned());
    assert!(
        page.contains("id=\"question-3\" data-kind=\"scale\" aria-invalid=\"true\""),
        "question 3 marked: {marked:?}"
    );
    assert!(page.contains("留着的字"), "what was typed comes back");
    assert_eq!(app.count("questionnaire_answers").await, 1);
    // "Daily" does not open question 2: what was ticked there is dropped, not stored.
    let (s, _, _) = answer(
        &app,
        &at_site,
        Some(&c2),
        &[("form_token", &t2), ("q1", "1"), ("q2", "1"), ("q3", "5")],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let stored: Value =
        sqlx::query_scalar("select answers from questionnaire_answers where form_token = $1::uuid")
            .bind(&t2)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(stored, serde_json::json!([0, null, 5, null]));
    let first_stored: Value =
        sqlx::query_scalar("select answers from questionnaire_answers where form_token = $1::uuid")
            .bind(&t1)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(
        first_stored,
        serde_json::json!([2, [0, 1], 4, "希望增加夜间照明"])
    );

    // A browser that keeps no cookie is known by its address: once.
    for expect in [StatusCode::SEE_OTHER, StatusCode::CONFLICT] {
        let (s, _, _) = answer(
            &app,
            &at_site,
            None,
            &[
                ("form_token", &Uuid::now_v7().to_string()),
                ("q1", "2"),
                ("q3", "2"),
            ],
        )
        .await;
        assert_eq!(s, expect);
    }
    // A made-up cookie is no cookie: the same address, which has answered.
    let forged = format!("jiandu_q={}.{}", Uuid::new_v4().simple(), "0".repeat(32));
    let (s, _, _) = answer(
        &app,
        &at_site,
        Some(&forged),
        &[
            ("form_token", &Uuid::now_v7().to_string()),
            ("q1", "2"),
            ("q3", "2"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);
    // The questionnaire's own link (a liaison station's poster).
    let (s, c3, _) = open_form(&app, &format!("/q/{id}"), None).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _, _) = answer(
        &app,
        &format!("/q/{id}"),
        c3.as_deref(),
        &[
            ("form_token", &Uuid::now_v7().to_string()),
            ("q1", "3"),
            ("q2", "1"),
            ("q3", "1"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);

    // Paper forms: staff only; each typed-in form is one answer under who typed it.
    let paper = format!("/staff/questionnaires/{id}/paper");
    for (cookie, status) in [
        (None, StatusCode::UNAUTHORIZED),
        (Some(deputy.as_str()), StatusCode::FORBIDDEN),
        (Some(officer.as_str()), StatusCode::FORBIDDEN),
    ] {
        let (s, _, _) = open_form(&app, &paper, cookie).await;
        assert_eq!(s, status);
        let (s, _, _) = answer(
            &app,
            &paper,
            cookie,
            &[
                ("form_token", &Uuid::now_v7().to_string()),
                ("q1", "1"),
                ("q3", "3"),
            ],
        )
        .await;
        assert_eq!(s, status);
    }
    for q3 in ["3", "4"] {
        let (s, to, _) = answer(
            &app,
            &paper,
            Some(&staff),
            &[
                ("form_token", &Uuid::now_v7().to_string()),
                ("q1", "2"),
                ("q3", q3),
            ],
        )
        .await;
        assert_eq!((s, to), (StatusCode::SEE_OTHER, format!("{paper}?done")));
    }
    // A double tap on a paper form: both posts at once, one answer.
    let twice = Uuid::now_v7().to_string();
    let one_form = [("form_token", twice.as_str()), ("q1", "3"), ("q3", "1")];
    let (a, b) = tokio::join!(
        answer(&app, &paper, Some(&staff), &one_form),
        answer(&app, &paper, Some(&staff), &one_form)
    );
    assert_eq!((a.0, b.0), (StatusCode::SEE_OTHER, StatusCode::SEE_OTHER));
    let (_, _, page) = open_form(&app, &format!("{paper}?done"), Some(&staff)).await;
    assert!(
        page.contains("data-count=\"3\""),
        "three paper forms typed in"
    );
    assert_eq!(app.count("questionnaire_answers").await, 7);

    // Answered: the questions are frozen.
    let (s, _, _) = app
        .call(
            "questionnaires/add_question",
            Some(&staff),
            &[
                ("id", &id),
                ("prompt", "late"),
                ("kind", "text"),
                ("options", ""),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);

    // The results equal counts of the stored rows.
    let (s, d, _) = app
        .call("questionnaires/get", Some(&staff), &[("id", &id)])
        .await;
    assert_eq!(s, StatusCode::OK, "{d}");
    assert_eq!(d["answers"], 7);
    assert_eq!(d["filtered"], 7);
    let raw_q1: Vec<(i32, i64)> = sqlx::query_as(
        "select (answers->>0)::int, count(*) from questionnaire_answers group by 1 order by 1",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let mut q1 = vec![0i64; 3];
    for (o, n) in raw_q1 {
        q1[o as usize] = n;
    }
    let counts: Vec<i64> = d["tallies"][0]["counts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    assert_eq!(counts, q1);
    assert_eq!(q1, [1, 3, 3]);
    let q2: Vec<i64> = d["tallies"][1]["counts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    assert_eq!(q2, [2, 1], "the two who answered 'rarely' ticked these");
    let mean: i64 = sqlx::query_scalar(
        "select round(avg((answers->>2)::int) * 100)::int8 from questionnaire_answers",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(d["tallies"][2]["mean_x100"].as_i64(), Some(mean));
    assert_eq!(
        d["tallies"][3]["texts"],
        serde_json::json!(["希望增加夜间照明"])
    );
    let by_channel: Vec<(String, i64)> =
        sqlx::query_as("select channel, count(*) from questionnaire_answers group by 1 order by 1")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(
        by_channel,
        [
            ("link".to_owned(), 1),
            ("paper".to_owned(), 3),
            ("site".to_owned(), 3)
        ]
    );
    for (name, value, expect) in [
        ("site", code.as_str(), 3),
        ("channel", "paper", 3),
        ("from", &today().succ_opt().unwrap().to_string() as &str, 0),
    ] {
        let (s, d, _) = app
            .call(
                "questionnaires/get",
                Some(&staff),
                &[("id", &id), (name, value)],
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{d}");
        assert_eq!(d["filtered"], expect, "{name}={value}");
    }
    let (s, d, _) = app
        .call(
            "questionnaires/get",
            Some(&staff),
            &[("id", &id), ("site", "nope")],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{d}");
    for cookie in [Some(deputy.as_str()), Some(officer.as_str()), None] {
        let (s, _, _) = app.call("questionnaires/get", cookie, &[("id", &id)]).await;
        assert!(s == StatusCode::FORBIDDEN || s == StatusCode::UNAUTHORIZED);
    }
    let (s, list, _) = app.call("questionnaires/list", Some(&staff), &[]).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(list["list"]["total"], 1);
    assert_eq!(list["list"]["rows"][0]["answers"], 7);

    // Every answer as XLSX, in words, for staff only.
    let xlsx = format!("/staff/questionnaires/{id}/answers.xlsx");
    for (cookie, status) in [
        (None, StatusCode::UNAUTHORIZED),
        (Some(deputy.as_str()), StatusCode::FORBIDDEN),
    ] {
        assert_eq!(app.get(&xlsx, cookie).await.status(), status);
    }
    let res = app.get(&xlsx, Some(&staff)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let bytes = res.bytes().await.unwrap();
    {
        use calamine::{open_workbook_from_rs, Reader, Xlsx};
        let mut book: Xlsx<_> =
            open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).expect("opens");
        let range = book.worksheet_range("答卷").expect("the sheet");
        let rows: Vec<Vec<String>> = range
            .rows()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect();
        assert_eq!(rows.len(), 8, "the header and seven answers");
        assert_eq!(rows[0][5], "1. 您多久乘坐一次加装的电梯？");
        assert_eq!(rows[1][1], "点位二维码");
        assert_eq!(rows[1][2], code);
        assert_eq!(rows[1][5], "很少");
        assert_eq!(rows[1][6], "太远；不方便");
        assert_eq!(rows[1][7], "4");
        assert_eq!(rows[1][8], "希望增加夜间照明");
    }

    // A questionnaire that closed yesterday takes nothing.
    let y = (today() - chrono::Days::new(1)).to_string();
    let closed = create(&app, &staff, "", &y, &y).await;
    add_questions(&app, &staff, &closed).await;
    let (s, c4, page) = open_form(&app, &format!("/q/{closed}"), None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("id=\"questionnaire-closed\""));
    let (s, _, _) = answer(
        &app,
        &format!("/q/{closed}"),
        c4.as_deref(),
        &[
            ("form_token", &Uuid::now_v7().to_string()),
            ("q1", "1"),
            ("q3", "3"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(app.count("questionnaire_answers").await, 7);
    // Unknown and malformed ids are the same 404.
    for path in [format!("/q/{}", Uuid::now_v7()), "/q/not-an-id".to_owned()] {
        let (s, _, _) = open_form(&app, &path, None).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{path}");
    }
    app.cleanup().await;
}

#[tokio::test]
async fn a_questionnaire_runs_on_an_installation_loaded_through_the_product() {
    use crate::registry::{first_admin, sites_csv, upload, PLAN};
    let app = TestApp::spawn_full(false, lenient()).await;
    let admin = first_admin(&app).await;
    for (kind, name, body) in [
        ("plan", "计划.csv", PLAN.to_owned()),
        ("sites", "点位.csv", sites_csv()),
    ] {
        let (s, out) = upload(&app, Some(&admin), kind, name, &body, "2026", false).await;
        assert_eq!(s, StatusCode::OK, "{kind}: {out}");
    }
    let (s, r, _) = app
        .call(
            "admin/create-account",
            Some(&admin),
            &[
                ("username", "staff-one"),
                ("display_name", "新用户"),
                ("password", "a-long-password"),
                ("role", "staff"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let staff = app
        .login("staff-one", "a-long-password")
        .await
        .expect("staff signs in");
    // Sub-item 3.1 is the lifts; 4.1 the dining point.
    let codes: Vec<(String, i32)> = sqlx::query_as(
        "select t.public_code, p.number from sites t join sub_items s on s.id = t.sub_item_id
           join projects p on p.id = s.project_id order by t.public_code",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let lift = &codes.iter().find(|(_, p)| *p == 3).expect("a lift site").0;
    let dining = &codes
        .iter()
        .find(|(_, p)| *p == 4)
        .expect("the dining site")
        .0;
    let day = today();
    let (from, to) = (
        format!("{}-01-01", 2026.min(chrono::Datelike::year(&day))),
        (day + chrono::Days::new(30)).to_string(),
    );
    let id = create(&app, &staff, "3.1", &from, &to).await;
    add_questions(&app, &staff, &id).await;
    let page = app
        .get(&format!("/s/{lift}"), None)
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains(&format!("/s/{lift}/q/{id}")));
    let page = app
        .get(&format!("/s/{dining}"), None)
        .await
        .text()
        .await
        .unwrap();
    assert!(!page.contains(&format!("/q/{id}")));
    let path = format!("/s/{lift}/q/{id}");
    let (_, c, page) = open_form(&app, &path, None).await;
    let drawn_with = page
        .split("name=\"questions_rev\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the form carries its questions' version")
        .to_owned();
    // Staff add a question while that form is open (nobody has answered yet): the form's answer
    // is refused, nothing stored, and the page comes back with the questions now asked.
    let (s, v, _) = app
        .call(
            "questionnaires/add_question",
            Some(&staff),
            &[
                ("id", &id),
                ("prompt", "新加的题"),
                ("kind", "text"),
                ("options", ""),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, _, page) = answer(
        &app,
        &path,
        c.as_deref(),
        &[
            ("form_token", &Uuid::now_v7().to_string()),
            ("q1", "1"),
            ("q3", "5"),
            ("questions_rev", &drawn_with),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(
        page.contains("id=\"question-5\""),
        "the questions now asked"
    );
    assert_eq!(app.count("questionnaire_answers").await, 0);
    let (s, _, _) = answer(
        &app,
        &path,
        c.as_deref(),
        &[
            ("form_token", &Uuid::now_v7().to_string()),
            ("q1", "1"),
            ("q3", "5"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (s, d, _) = app
        .call("questionnaires/get", Some(&staff), &[("id", &id)])
        .await;
    assert_eq!(s, StatusCode::OK, "{d}");
    assert_eq!(d["answers"], 1);
    assert_eq!(
        d["tallies"][2]["counts"],
        serde_json::json!([0, 0, 0, 0, 1])
    );
    assert_eq!(d["targets"][0]["label"], "3.1");
    app.cleanup().await;
}
