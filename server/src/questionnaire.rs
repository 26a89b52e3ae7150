//! Questionnaires over plain HTTP: the public's answer form at a site (`/s/{code}/q/{id}`) and at
//! the questionnaire's own link (`/q/{id}`, with its QR code), staff typing in paper forms
//! (`/staff/questionnaires/{id}/paper`), and every answer as XLSX.
//!
//! The form is a plain post (no script). One answer per client per questionnaire: the client is
//! a random cookie this module gives the browser with the form (kept a year, signed with the
//! server's secret, so a made-up one counts as none), or — for a browser that keeps no cookie —
//! its network address; each is stored only as a keyed hash that includes the questionnaire, so
//! one browser's answers to different questionnaires cannot be linked. The form's one-time token
//! makes a double tap or a resend store one answer, and the version of the questions it carries
//! keeps an answer off questions that changed after the form was drawn. Anonymous posts are
//! bounded: the body's size, the number of fields (counted before they are decoded), a
//! per-client limit like the comment form's, and the read limit every public page has.

use crate::routing::Mounted;
use app::{
    auth::ssr::AuthSession,
    domain::questionnaire::{parse_answers, revision, Answer, Channel, Question, QuestionKind},
    error::{AppError, ErrorCode},
    questionnaire_rows::{AnswerForm, AnswerRow, QuestionnaireHead},
    ssr::AppState,
    store::questionnaires::{AnswerStored, NewAnswer},
};
use axum::{
    body::Bytes,
    extract::{DefaultBodyLimit, Path, Query, Request, State},
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Redirect, Response},
    routing::get,
};
use serde::Deserialize;
use uuid::Uuid;

use crate::limits::ClientKey;

/// The cookie that tells one browser's answers apart.
const CLIENT_COOKIE: &str = "jiandu_q";
/// A form of 50 questions, each with 500 characters of text sent percent-encoded, fits.
const MAX_FORM_BYTES: usize = 512 * 1024;
/// More fields than any questionnaire's form sends (50 questions × 20 ticks, and a few more).
const MAX_FORM_FIELDS: usize = 1_100;

/// The paths this module serves instead of the Leptos router (which still renders them).
pub fn is_questionnaire_path(path: &str) -> bool {
    if path.starts_with("/q/") {
        return true;
    }
    let parts: Vec<&str> = path.split('/').collect();
    matches!(parts.as_slice(), ["", "s", _, "q", _])
        || matches!(
            parts.as_slice(),
            ["", "staff", "questionnaires", _, "paper"]
        )
}

pub fn routes(limits: &crate::public::CommentLimits) -> Mounted {
    let key = ClientKey::new(limits.trusted_proxies.clone());
    // The public's posts: as many per client as the comment form takes (staff typing in paper
    // forms are not held to it).
    let per_client = crate::limits::Limit::new(
        "answer",
        crate::limits::KeyBy::Client(key.clone()),
        limits.burst,
        limits.interval,
    );
    let form = |at: Where| {
        let key = key.clone();
        let key2 = key.clone();
        let post_route = axum::routing::post(
            move |state: State<AppState>,
                  auth: AuthSession,
                  path: Path<Vec<String>>,
                  req: Request| { post(state, auth, at, path, key2.clone(), req) },
        );
        let post_route = match at {
            Where::Site | Where::Link => crate::limits::on(post_route, per_client.clone()),
            Where::Paper => post_route,
        };
        get(
            move |state: State<AppState>,
                  auth: AuthSession,
                  path: Path<Vec<String>>,
                  req: Request| { show(state, auth, at, path, key.clone(), req) },
        )
        .merge(post_route)
        .layer(DefaultBodyLimit::max(MAX_FORM_BYTES))
    };
    Mounted::default()
        .route("/s/{code}/q/{id}", form(Where::Site))
        .route("/q/{id}", form(Where::Link))
        .route("/staff/questionnaires/{id}/paper", form(Where::Paper))
        .route("/q/{id}/qr.svg", get(qr_svg))
        .route("/staff/questionnaires/{id}/answers.xlsx", get(xlsx))
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Where {
    Site,
    Link,
    Paper,
}

impl Where {
    fn channel(self) -> Channel {
        match self {
            Where::Site => Channel::Site,
            Where::Link => Channel::Link,
            Where::Paper => Channel::Paper,
        }
    }
}

fn status_of(e: &AppError) -> StatusCode {
    StatusCode::from_u16(e.error.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// What the address names: the questionnaire, and the site when it is answered at one.
struct Found {
    head: QuestionnaireHead,
    site: Option<app::questionnaire_rows::AnswerSite>,
    action: String,
    paper_by: Option<Uuid>,
}

async fn find(
    state: &AppState,
    auth: &AuthSession,
    at: Where,
    path: &[String],
) -> Result<Found, AppError> {
    let missing = || AppError::not_found("questionnaire");
    let (code, id) = match (at, path) {
        (Where::Site, [code, id]) => (Some(code.as_str()), id),
        (_, [id]) => (None, id),
        _ => return Err(missing()),
    };
    let paper_by = if at == Where::Paper {
        match auth.user.as_ref() {
            None => return Err(AppError::unauthenticated()),
            Some(u) if !u.role.is_staff() => return Err(AppError::forbidden()),
            Some(u) => Some(u.id),
        }
    } else {
        None
    };
    let id = Uuid::parse_str(id).map_err(|_| missing())?;
    let head = state.db.questionnaire_head(id).await?.ok_or_else(missing)?;
    // Nothing to answer yet: the public does not see it; staff see it empty.
    if head.questions.is_empty() && at != Where::Paper {
        return Err(missing());
    }
    let site = match code {
        None => None,
        Some(code) => {
            let code = app::domain::PublicCode::parse(code).map_err(|_| missing())?;
            Some(
                state
                    .db
                    .questionnaire_site(id, code.as_str())
                    .await?
                    .ok_or_else(missing)?,
            )
        }
    };
    let action = match (&site, at) {
        (Some(s), _) => format!("/s/{}/q/{id}", s.public_code),
        (None, Where::Paper) => format!("/staff/questionnaires/{id}/paper"),
        (None, _) => format!("/q/{id}"),
    };
    Ok(Found {
        head,
        site,
        action,
        paper_by,
    })
}

/// The cookie's value: a random id and the server's signature of it (hex), so a client cannot
/// make up new ids to answer again.
fn signed(state: &AppState, client: Uuid) -> String {
    let mac = state
        .public
        .secret
        .keyed_hash("questionnaire-cookie", client.as_bytes());
    let sig: String = mac.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("{}.{sig}", client.simple())
}

/// The browser's id from its cookie, when the cookie is one this server signed.
fn cookie_client(state: &AppState, req_headers: &axum::http::HeaderMap) -> Option<Uuid> {
    crate::cookies(req_headers, CLIENT_COOKIE).find_map(|v| {
        let (id, _) = v.trim().split_once('.')?;
        let id = Uuid::parse_str(id).ok()?;
        (signed(state, id) == v.trim()).then_some(id)
    })
}

fn give_cookie(state: &AppState, res: &mut Response) {
    let secure = if state.public.base_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    let value = format!(
        "{CLIENT_COOKIE}={}; Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax{secure}",
        signed(state, Uuid::new_v4())
    );
    if let Ok(v) = HeaderValue::from_str(&value) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
}

fn private(res: &mut Response) {
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

#[derive(Deserialize, Default)]
struct ShowQuery {
    done: Option<String>,
}

async fn render(
    state: AppState,
    parts: axum::http::request::Parts,
    path: &str,
    form: AnswerForm,
    status: StatusCode,
) -> Response {
    let mut res = crate::page_with(state, parts, path, form, status).await;
    private(&mut res);
    res
}

async fn show(
    State(state): State<AppState>,
    auth: AuthSession,
    at: Where,
    Path(path): Path<Vec<String>>,
    _key: ClientKey,
    req: Request,
) -> Response {
    let (parts, _) = req.into_parts();
    let done = Query::<ShowQuery>::try_from_uri(&parts.uri)
        .map(|q| q.0.done.is_some())
        .unwrap_or(false);
    let has_cookie = cookie_client(&state, &parts.headers).is_some();
    let uri_path = parts.uri.path().to_owned();
    let found = match find(&state, &auth, at, &path).await {
        Ok(f) => f,
        Err(e) => {
            let status = status_of(&e);
            let form = AnswerForm {
                error: Some(e),
                ..Default::default()
            };
            return render(state, parts, &uri_path, form, status).await;
        }
    };
    let today = app::ssr::today();
    // Paper forms filled in while it was open are typed in whenever staff get to them.
    let open = (at == Where::Paper
        || app::domain::questionnaire::is_open(found.head.opens_on, found.head.closes_on, today))
        && !found.head.questions.is_empty();
    let paper_count = match (done, found.paper_by) {
        (true, Some(by)) => state.db.paper_answers_by(found.head.id, by).await.ok(),
        _ => None,
    };
    let path = found.action.clone();
    let form = AnswerForm {
        questions_rev: revision(&found.head.questions),
        head: Some(found.head),
        site: found.site,
        action: found.action,
        form_token: Uuid::now_v7(),
        open,
        paper: at == Where::Paper,
        typed: vec![],
        error: None,
        done,
        paper_count,
    };
    let mut res = render(state.clone(), parts, &path, form, StatusCode::OK).await;
    if at != Where::Paper && !has_cookie {
        give_cookie(&state, &mut res);
    }
    res
}

async fn post(
    State(state): State<AppState>,
    auth: AuthSession,
    at: Where,
    Path(path): Path<Vec<String>>,
    key: ClientKey,
    req: Request,
) -> Response {
    let ip = key.of(&req);
    let (parts, body) = req.into_parts();
    let uri_path = parts.uri.path().to_owned();
    let found = match find(&state, &auth, at, &path).await {
        Ok(f) => f,
        Err(e) => {
            let status = status_of(&e);
            let form = AnswerForm {
                error: Some(e),
                ..Default::default()
            };
            return render(state, parts, &uri_path, form, status).await;
        }
    };
    let bytes: Bytes = match axum::body::to_bytes(body, MAX_FORM_BYTES).await {
        Ok(b) => b,
        Err(_) => {
            return (
                StatusCode::PAYLOAD_TOO_LARGE,
                "表单太大 / the form is too large",
            )
                .into_response()
        }
    };
    let Some(pairs) = read_form(&bytes) else {
        return (
            StatusCode::BAD_REQUEST,
            "表单内容无法读取（不是文字，或字段太多）/ send the form as application/x-www-form-urlencoded UTF-8, with at most 1,100 fields",
        )
            .into_response();
    };
    let field = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_owned())
    };
    let back = format!("{}?done", found.action);
    // A bot filled the field people never see: thanked, nothing stored.
    if field("website").is_some_and(|w| !w.is_empty()) {
        tracing::info!(questionnaire = %found.head.id, "honeypot filled; answer dropped");
        return Redirect::to(&back).into_response();
    }
    let Some(form_token) = field("form_token").and_then(|t| Uuid::parse_str(&t).ok()) else {
        return (
            StatusCode::BAD_REQUEST,
            "表单缺少 form_token，请刷新页面后再提交 / the form_token field is missing: reload the page and send again",
        )
            .into_response();
    };
    let path = found.action.clone();
    let again = |e: AppError, status: StatusCode, found: Found, open: bool| {
        let form = AnswerForm {
            questions_rev: revision(&found.head.questions),
            open,
            paper: at == Where::Paper,
            form_token,
            typed: pairs.clone(),
            error: Some(e),
            head: Some(found.head),
            site: found.site,
            action: found.action,
            done: false,
            paper_count: None,
        };
        render(state.clone(), parts.clone(), &path, form, status)
    };
    let conflict = |m: &str, field: &str| AppError {
        error: ErrorCode::Conflict,
        ..AppError::invalid(field, m)
    };
    // Drawn from other questions than those now asked: the page again, with the questions now.
    if field("questions_rev").as_deref() != Some(revision(&found.head.questions).as_str()) {
        let e = conflict(
            "the questions changed since the page was opened: answer them again",
            "changed",
        );
        return again(e, StatusCode::CONFLICT, found, true).await;
    }
    let answers = match parse_answers(&found.head.questions, &pairs) {
        Ok(a) => a,
        Err(e) => {
            let err = AppError::invalid(&e.field(), e.to_string());
            return again(err, StatusCode::UNPROCESSABLE_ENTITY, found, true).await;
        }
    };
    let secret = &state.public.secret;
    // Keyed with the questionnaire: one browser's answers to two questionnaires do not match.
    let keyed = |purpose: &str, data: &[u8]| {
        let mut input = found.head.id.as_bytes().to_vec();
        input.extend_from_slice(data);
        secret.keyed_hash(purpose, &input)
    };
    let client_hash = match at {
        Where::Paper => None,
        _ => match (cookie_client(&state, &parts.headers), ip) {
            (Some(c), _) => Some(keyed("questionnaire-client", c.as_bytes())),
            (None, Some(ip)) => Some(keyed("questionnaire-address", ip.to_string().as_bytes())),
            (None, None) => {
                tracing::error!("no client address for a questionnaire answer");
                return (StatusCode::BAD_REQUEST, "client unknown").into_response();
            }
        },
    };
    let new = NewAnswer {
        questionnaire_id: found.head.id,
        questions: &found.head.questions,
        answers: &answers,
        channel: at.channel(),
        site_id: found.site.as_ref().map(|s| s.id),
        client_hash,
        entered_by: found.paper_by,
        form_token,
    };
    match state
        .db
        .insert_questionnaire_answer(&new, app::ssr::today())
        .await
    {
        Ok(AnswerStored::Created) => {
            tracing::info!(questionnaire = %found.head.id, channel = at.channel().as_str(), "questionnaire answered");
            Redirect::to(&back).into_response()
        }
        Ok(AnswerStored::AlreadyHad) => Redirect::to(&back).into_response(),
        Ok(AnswerStored::AlreadyAnswered) => {
            let e = conflict(
                "this browser has already answered this questionnaire",
                "answered_before",
            );
            again(e, StatusCode::CONFLICT, found, true).await
        }
        Ok(AnswerStored::Closed) => {
            let e = conflict("this questionnaire takes no answers today", "closed");
            again(e, StatusCode::CONFLICT, found, false).await
        }
        Ok(AnswerStored::Changed) => {
            let e = conflict(
                "the questions changed since the page was opened: answer them again",
                "changed",
            );
            again(e, StatusCode::CONFLICT, found, true).await
        }
        Err(e) => {
            let status = status_of(&e);
            again(e, status, found, true).await
        }
    }
}

/// The form's fields, in order: `None` when the body is not UTF-8 text (raw, or once
/// percent-decoded — the decoder would quietly make such bytes U+FFFD), or has more fields than
/// any questionnaire's form sends (counted before any is decoded).
fn read_form(bytes: &[u8]) -> Option<Vec<(String, String)>> {
    std::str::from_utf8(bytes).ok()?;
    let mut pairs = Vec::new();
    for (k, v) in form_urlencoded::parse(bytes) {
        if pairs.len() == MAX_FORM_FIELDS || k.contains('\u{FFFD}') || v.contains('\u{FFFD}') {
            return None;
        }
        pairs.push((k.into_owned(), v.into_owned()));
    }
    Some(pairs)
}

async fn qr_svg(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    let Ok(id) = Uuid::parse_str(&id) else {
        return (StatusCode::NOT_FOUND, "no such questionnaire").into_response();
    };
    match state.db.questionnaire_head(id).await {
        Ok(Some(_)) => {}
        Ok(None) => return (StatusCode::NOT_FOUND, "no such questionnaire").into_response(),
        Err(e) => return crate::export::error(e),
    }
    let url = app::questionnaires::own_link(&state.public.base_url, id);
    let Ok(qr) = qrcode::QrCode::with_error_correction_level(url.as_bytes(), qrcode::EcLevel::M)
    else {
        return crate::export::error(AppError::internal());
    };
    let svg = qr
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(300, 300)
        .quiet_zone(true)
        .build();
    let mut res = ([(header::CONTENT_TYPE, "image/svg+xml")], svg).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename=\"jiandu-questionnaire-{}.svg\"",
        id.simple()
    )) {
        res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    res
}

/// What a respondent answered, in words: the options' own text, the scale's point, the text.
fn answer_text(q: &Question, a: Option<&Answer>) -> String {
    let option = |o: &usize| q.options.get(*o).cloned().unwrap_or_default();
    match (q.kind, a) {
        (QuestionKind::Single, Some(Answer::Number(o))) => option(o),
        (QuestionKind::Multiple, Some(Answer::Choices(list))) => {
            list.iter().map(option).collect::<Vec<_>>().join("；")
        }
        (QuestionKind::Scale, Some(Answer::Number(p))) => p.to_string(),
        (QuestionKind::Text, Some(Answer::Text(s))) => s.clone(),
        _ => String::new(),
    }
}

fn channel_zh(c: &str) -> &'static str {
    Channel::parse(c)
        .map(|c| app::questionnaires::pages::channel_label(app::i18n::Locale::zh_CN, c))
        .unwrap_or_default()
}

pub fn build_answers_xlsx(
    head: &QuestionnaireHead,
    rows: &[AnswerRow],
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("答卷")?;
    let bold = Format::new().set_bold();
    let wrap = Format::new().set_text_wrap();
    let fixed = ["提交时间", "渠道", "点位编码", "点位", "区县"];
    for (c, title) in fixed.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *title, &bold)?;
    }
    for (i, q) in head.questions.iter().enumerate() {
        let c = (fixed.len() + i) as u16;
        sheet.write_string_with_format(0, c, format!("{}. {}", i + 1, q.prompt), &bold)?;
        sheet.set_column_width(c, 24)?;
    }
    for (r, row) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        let answers: Vec<Option<Answer>> =
            serde_json::from_value(row.answers.clone()).unwrap_or_default();
        let cells = [
            app::ui::local_time(row.created_at),
            channel_zh(&row.channel).to_owned(),
            row.public_code.clone().unwrap_or_default(),
            row.site_zh.clone().unwrap_or_default(),
            row.district_zh.clone().unwrap_or_default(),
        ];
        for (c, v) in cells.iter().enumerate() {
            sheet.write_string(r, c as u16, v)?;
        }
        for (i, q) in head.questions.iter().enumerate() {
            let v = answer_text(q, answers.get(i).and_then(Option::as_ref));
            let c = (fixed.len() + i) as u16;
            match (q.kind, v.parse::<f64>()) {
                (QuestionKind::Scale, Ok(n)) => sheet.write_number(r, c, n)?,
                _ => sheet.write_string_with_format(r, c, &v, &wrap)?,
            };
        }
    }
    for (c, w) in [18, 12, 10, 24, 10].iter().enumerate() {
        sheet.set_column_width(c as u16, *w)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    book.save_to_buffer()
}

async fn xlsx(
    auth: AuthSession,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Response {
    let answer = async {
        match auth.user.as_ref() {
            None => return Err(AppError::unauthenticated()),
            Some(u) if !u.role.is_staff() => return Err(AppError::forbidden()),
            Some(_) => {}
        }
        let id = Uuid::parse_str(&id).map_err(|_| AppError::not_found("questionnaire"))?;
        let head = state
            .db
            .questionnaire_head(id)
            .await?
            .ok_or_else(|| AppError::not_found("questionnaire"))?;
        let rows = state.db.questionnaire_answer_rows(id).await?;
        let bytes = tokio::task::spawn_blocking(move || build_answers_xlsx(&head, &rows))
            .await
            .map_err(|_| AppError::internal())?
            .map_err(|e| {
                tracing::error!(error = %e, "the answers' XLSX could not be written");
                AppError::internal()
            })?;
        Ok::<_, AppError>((bytes, id))
    };
    match answer.await {
        Ok((bytes, id)) => crate::export::attachment(
            bytes,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            &format!("jiandu-questionnaire-{}.xlsx", id.simple()),
        ),
        Err(e) => crate::export::error(e),
    }
}
