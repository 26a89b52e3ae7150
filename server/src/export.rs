//! The problem and suggestion list as files: XLSX (`rust_xlsxwriter`) and CSV, with the columns a
//! formal list carries. Staff export any unit's or project's items; a unit officer exports their
//! own unit's; deputies and the public cannot.

use crate::routing::Mounted;
use app::{
    auth::ssr::AuthSession,
    domain::{
        list_item::{ItemKind, ItemStatus},
        Role,
    },
    error::AppError,
    items::{ExportFilter, ExportRow},
    ssr::ReadDb,
    store::Db,
};
use axum::{
    extract::Query,
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
    Json,
};
use serde::Deserialize;

pub fn routes() -> Mounted {
    Mounted::default()
        .route("/items/export.xlsx", get(xlsx))
        .route("/items/export.csv", get(csv))
        .route("/items/export.geojson", get(geojson))
        .route("/sites/export.geojson", get(sites_geojson))
        .route("/progress/export.xlsx", get(progress_xlsx))
        .route(app::cases::EXPORT_URL, get(cases_xlsx))
        .route(app::duty::EXPORT_URL, get(duty_xlsx))
}

/// The formal list's columns, in its order and words.
pub const COLUMNS: [&str; 12] = [
    "编号",
    "项目",
    "子项目",
    "点位",
    "类别",
    "问题或建议内容",
    "提出代表",
    "责任单位",
    "办理时限",
    "办理状态",
    "整改情况",
    "照片核验",
];

/// Query parameters: `unit`, `group`, `project` (ids), `from`, `to` (YYYY-MM-DD, the days
/// items were made) and `year` (the list's year).
#[derive(Deserialize)]
struct Filter {
    unit: Option<String>,
    group: Option<String>,
    project: Option<String>,
    from: Option<String>,
    to: Option<String>,
    year: Option<String>,
}

pub(crate) fn error(e: AppError) -> Response {
    let status =
        StatusCode::from_u16(e.error.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, Json(e)).into_response()
}

fn date_param(v: &Option<String>, field: &str) -> Result<Option<chrono::NaiveDate>, AppError> {
    match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| AppError::invalid(field, "give a day as YYYY-MM-DD")),
    }
}

/// `?year=`: none, or a year the registry takes.
fn year_param(v: &Option<String>) -> Result<Option<i32>, AppError> {
    match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(y) => y
            .parse::<i32>()
            .ok()
            .filter(|y| app::domain::registry::YEARS.contains(y))
            .map(Some)
            .ok_or_else(|| AppError::invalid("year", "the year is four digits, e.g. 2026")),
    }
}

/// Checks the caller and turns the query into the filter they may have: staff any, an officer
/// only their own unit's items whatever the query asks, deputies and the public nothing.
fn export_filter(auth: &AuthSession, f: &Filter) -> Result<ExportFilter, AppError> {
    let user = auth.user.as_ref().ok_or_else(AppError::unauthenticated)?;
    let mut filter = ExportFilter {
        unit: app::ssr::optional_id(&f.unit, "unit")?,
        group: app::ssr::optional_id(&f.group, "group")?,
        project: app::ssr::optional_id(&f.project, "project")?,
        from: date_param(&f.from, "from")?,
        to: date_param(&f.to, "to")?,
        year: year_param(&f.year)?,
    };
    match user.role {
        Role::Staff | Role::Admin => {}
        Role::UnitOfficer => filter.unit = Some(user.unit_id.ok_or_else(AppError::forbidden)?),
        Role::Deputy => return Err(AppError::forbidden()),
    }
    Ok(filter)
}

async fn rows(auth: &AuthSession, db: &Db, f: &Filter) -> Result<Vec<ExportRow>, AppError> {
    let filter = export_filter(auth, f)?;
    db.export_items(&filter).await
}

/// Sites as a GeoJSON FeatureCollection: staff get every site, an officer their unit's.
async fn sites_geojson(auth: AuthSession, ReadDb(db): ReadDb) -> Response {
    let filter = match export_filter(
        &auth,
        &Filter {
            unit: None,
            group: None,
            project: None,
            from: None,
            to: None,
            year: None,
        },
    ) {
        Ok(f) => f,
        Err(e) => return error(e),
    };
    match db.export_geo_sites(filter.unit).await {
        Ok(features) => attachment(
            serde_json::json!({ "type": "FeatureCollection", "features": features })
                .to_string()
                .into_bytes(),
            "application/geo+json",
            "jiandu-sites.geojson",
        ),
        Err(e) => error(e),
    }
}

/// Items as a GeoJSON FeatureCollection (RFC 7946, WGS-84), each feature its site's geometry.
async fn geojson(auth: AuthSession, ReadDb(db): ReadDb, Query(f): Query<Filter>) -> Response {
    let filter = match export_filter(&auth, &f) {
        Ok(f) => f,
        Err(e) => return error(e),
    };
    let items = match db.export_geo_items(&filter).await {
        Ok(r) => r,
        Err(e) => return error(e),
    };
    let today = app::ssr::today();
    let features: Vec<serde_json::Value> = items
        .into_iter()
        .map(|i| {
            let overdue = app::domain::list_item::is_overdue(i.status, i.deadline, today);
            serde_json::json!({
                "type": "Feature",
                "id": i.id,
                "geometry": i.geometry,
                "properties": {
                    "number": format!("{}-{:03}", i.year, i.number),
                    "kind": i.kind.as_str(),
                    "status": i.status.as_str(),
                    "overdue": overdue,
                    "channel": i.channel.as_str(),
                    "description": i.description,
                    "deadline": i.deadline,
                    "unit": i.unit,
                    "site": i.site,
                    "site_code": i.public_code,
                }
            })
        })
        .collect();
    let body = serde_json::json!({ "type": "FeatureCollection", "features": features });
    attachment(
        body.to_string().into_bytes(),
        "application/geo+json",
        &format!("jiandu-items-{today}.geojson"),
    )
}

fn kind_zh(k: ItemKind) -> &'static str {
    match k {
        ItemKind::Problem => "问题",
        ItemKind::Suggestion => "建议",
    }
}

fn status_zh(s: ItemStatus, overdue: bool) -> String {
    let base = match s {
        ItemStatus::Draft => "待交办",
        ItemStatus::Forwarded => "已交办",
        ItemStatus::Acknowledged => "已签收",
        ItemStatus::Answered => "已答复",
        ItemStatus::Closed => "已办结",
    };
    if overdue {
        format!("{base}（已超期）")
    } else {
        base.to_owned()
    }
}

/// "2张：在现场拍摄 1、不在现场拍摄 1；拍摄已久（…） 1": how many of the item's photos fall
/// under each place verdict, then the doubtful times.
fn photo_summary(places: &[String], times: &[String]) -> String {
    use app::domain::photo_evidence::PhotoTime;
    use app::ui::photo_check::{place_label, time_label};
    if places.is_empty() {
        return String::new();
    }
    let zh = app::i18n::Locale::zh_CN;
    let count = |all: &[String], v: &str| all.iter().filter(|x| *x == v).count();
    let place: Vec<String> = app::domain::Verdict::ALL
        .iter()
        .filter_map(|v| {
            let n = count(places, v.as_str());
            (n > 0).then(|| format!("{} {n}", place_label(zh, *v)))
        })
        .collect();
    let time: Vec<String> = [PhotoTime::Old, PhotoTime::BeforeProject, PhotoTime::After]
        .iter()
        .filter_map(|t| {
            let n = count(times, t.as_str());
            (n > 0).then(|| format!("{} {n}", time_label(zh, *t)))
        })
        .collect();
    let mut out = format!("{}张：{}", places.len(), place.join("、"));
    if !time.is_empty() {
        out.push('；');
        out.push_str(&time.join("、"));
    }
    out
}

fn cells(r: &ExportRow, today: chrono::NaiveDate) -> [String; 12] {
    let overdue = app::domain::list_item::is_overdue(r.status, r.deadline, today);
    [
        format!("{}-{:03}", r.year, r.number),
        r.project.clone(),
        r.sub_item.clone(),
        r.site.clone(),
        kind_zh(r.kind).to_owned(),
        r.description.clone(),
        r.deputies.clone().unwrap_or_default(),
        r.unit.clone().unwrap_or_default(),
        r.deadline.map(|d| d.to_string()).unwrap_or_default(),
        status_zh(r.status, overdue),
        r.answer.clone().unwrap_or_default(),
        photo_summary(&r.photo_places, &r.photo_times),
    ]
}

pub(crate) fn attachment(body: Vec<u8>, mime: &'static str, name: &str) -> Response {
    let mut res = ([(header::CONTENT_TYPE, mime)], body).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    res
}

pub fn build_xlsx(
    rows: &[ExportRow],
    today: chrono::NaiveDate,
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("问题和建议清单")?;
    let bold = Format::new().set_bold();
    let wrap = Format::new().set_text_wrap();
    for (c, title) in COLUMNS.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *title, &bold)?;
    }
    for (i, r) in rows.iter().enumerate() {
        for (c, v) in cells(r, today).iter().enumerate() {
            sheet.write_string_with_format(i as u32 + 1, c as u16, v, &wrap)?;
        }
    }
    for (c, w) in [10, 24, 24, 24, 6, 48, 16, 20, 12, 14, 48]
        .iter()
        .enumerate()
    {
        sheet.set_column_width(c as u16, *w)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    book.save_to_buffer()
}

async fn xlsx(auth: AuthSession, ReadDb(db): ReadDb, Query(f): Query<Filter>) -> Response {
    let rows = match rows(&auth, &db, &f).await {
        Ok(r) => r,
        Err(e) => return error(e),
    };
    let today = app::ssr::today();
    match tokio::task::spawn_blocking(move || build_xlsx(&rows, today)).await {
        Ok(Ok(bytes)) => attachment(
            bytes,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            &format!("jiandu-list-{today}.xlsx"),
        ),
        _ => error(AppError::internal()),
    }
}

/// A spreadsheet opening the CSV runs a cell that starts with `=`, `+`, `-` or `@` (or a tab or
/// carriage return before one) as a formula, and descriptions and answers are text from outside
/// the office. OWASP's rule: such a cell is written with a leading `'`, which Excel and WPS show
/// as plain text. The XLSX export writes typed strings and needs none of this.
pub(crate) fn csv_safe(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

async fn csv(auth: AuthSession, ReadDb(db): ReadDb, Query(f): Query<Filter>) -> Response {
    let rows = match rows(&auth, &db, &f).await {
        Ok(r) => r,
        Err(e) => return error(e),
    };
    let today = app::ssr::today();
    // A byte-order mark first: Excel on Chinese Windows reads UTF-8 CSV correctly only with it.
    let mut out = vec![0xEF, 0xBB, 0xBF];
    {
        let mut w = ::csv::Writer::from_writer(&mut out);
        let mut write = || -> Result<(), ::csv::Error> {
            w.write_record(COLUMNS)?;
            for r in &rows {
                w.write_record(cells(r, today).iter().map(|c| csv_safe(c).into_owned()))?;
            }
            w.flush()?;
            Ok(())
        };
        if write().is_err() {
            return error(AppError::internal());
        }
    }
    attachment(
        out,
        "text/csv; charset=utf-8",
        &format!("jiandu-list-{today}.csv"),
    )
}

#[cfg(test)]
mod tests {
    use super::csv_safe;

    #[test]
    fn cells_a_spreadsheet_would_run_are_written_as_text() {
        for bad in [
            "=HYPERLINK(\"http://evil.example\",\"点击\")",
            "+1+cmd|' /C calc'!A0",
            "-2+3",
            "@SUM(A1)",
            "\t=1",
            "\r=1",
        ] {
            assert_eq!(csv_safe(bad), format!("'{bad}"), "{bad:?}");
        }
        for fine in ["电梯坡道太陡", "2026-001", "", "a=b", " =1"] {
            assert_eq!(csv_safe(fine), fine);
        }
    }
}

/// The progress table's columns: the published plan's (responsible unit, quantified target,
/// deadline, funds) and then what was reported against it.
pub const PROGRESS_COLUMNS: [&str; 20] = [
    "编号",
    "项目",
    "子项目",
    "牵头单位",
    "监督小组",
    "目标任务",
    "计量单位",
    "完成时限",
    "累计完成",
    "完成率",
    "时间进度",
    "进度状态",
    "资金安排（万元）",
    "已拨付合计（万元）",
    "其中：政府补贴",
    "居民分摊",
    "社会资本",
    "已投用站点",
    "最近填报",
    "待回应质询",
];

#[derive(Deserialize)]
struct YearQuery {
    year: Option<String>,
}

/// A cell of the progress table: figures are numbers (a spreadsheet sums and sorts them), money
/// in 万元 with two decimals and shares as percentages; nothing reported is an empty cell.
enum Cell {
    Text(String),
    Number(f64),
    Wan(i64),
    Share(i64),
    Empty,
}

fn progress_cells(
    r: &app::progress::ProgressExportRow,
    today: chrono::NaiveDate,
    margin_pct: i32,
) -> [Cell; 20] {
    use Cell::*;
    let s = r.schedule();
    let reported = r.done.is_some();
    let wan = |v: Option<i64>| v.map(Wan).unwrap_or(Empty);
    [
        Text(format!("{}-{}", r.project_number, r.number)),
        Text(r.project_zh.clone()),
        Text(r.title_zh.clone()),
        Text(r.unit_zh.clone()),
        Text(r.group_zh.clone().unwrap_or_default()),
        Number(f64::from(r.target)),
        Text(r.target_unit_zh.clone()),
        Text(r.deadline.to_string()),
        r.done.map(|d| Number(f64::from(d))).unwrap_or(Empty),
        if reported {
            Share(s.done_permille())
        } else {
            Empty
        },
        Share(s.elapsed_permille(today)),
        Text(
            app::progress::risk_label(app::i18n::Locale::zh_CN, s.risk(today, margin_pct))
                .to_owned(),
        ),
        Wan(r.budget_yuan),
        if reported {
            Wan(r.paid_government_yuan.unwrap_or(0)
                + r.paid_residents_yuan.unwrap_or(0)
                + r.paid_social_yuan.unwrap_or(0))
        } else {
            Empty
        },
        wan(r.paid_government_yuan),
        wan(r.paid_residents_yuan),
        wan(r.paid_social_yuan),
        Text(format!("{} / {}", r.sites_finished, r.sites_total)),
        r.reported_at
            .map(|t| {
                Text(
                    (t + chrono::Duration::hours(8))
                        .format("%Y-%m-%d %H:%M")
                        .to_string(),
                )
            })
            .unwrap_or(Empty),
        Number(r.open_queries as f64),
    ]
}

pub fn build_progress_xlsx(
    rows: &[app::progress::ProgressExportRow],
    today: chrono::NaiveDate,
    margin_pct: i32,
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("实施进度")?;
    let bold = Format::new().set_bold().set_text_wrap();
    let wrap = Format::new().set_text_wrap();
    let money = Format::new().set_num_format("#,##0.00");
    let share = Format::new().set_num_format("0.0%");
    for (c, title) in PROGRESS_COLUMNS.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *title, &bold)?;
    }
    for (i, r) in rows.iter().enumerate() {
        let row = i as u32 + 1;
        for (c, cell) in progress_cells(r, today, margin_pct).into_iter().enumerate() {
            let c = c as u16;
            match cell {
                Cell::Text(v) => {
                    sheet.write_string_with_format(row, c, v, &wrap)?;
                }
                Cell::Number(v) => {
                    sheet.write_number(row, c, v)?;
                }
                // Yuan are whole numbers; 万元 with two decimals is exact for them.
                Cell::Wan(yuan) => {
                    sheet.write_number_with_format(row, c, yuan as f64 / 10_000.0, &money)?;
                }
                Cell::Share(permille) => {
                    sheet.write_number_with_format(row, c, permille as f64 / 1000.0, &share)?;
                }
                Cell::Empty => {}
            }
        }
    }
    for (c, w) in [
        8, 24, 28, 20, 14, 10, 8, 12, 10, 9, 9, 12, 12, 12, 12, 12, 12, 11, 17, 10,
    ]
    .iter()
    .enumerate()
    {
        sheet.set_column_width(c as u16, *w)?;
    }
    sheet.set_freeze_panes(1, 3)?;
    book.save_to_buffer()
}

/// The year's progress per sub-item as XLSX (`?year=`, the plan year by default). Every
/// signed-in role reads these figures on the pages, so every signed-in role may export them.
async fn progress_xlsx(
    auth: AuthSession,
    ReadDb(db): ReadDb,
    Query(q): Query<YearQuery>,
) -> Response {
    if auth.user.is_none() {
        return error(AppError::unauthenticated());
    }
    let today = app::ssr::today();
    let year = match year_param(&q.year) {
        Ok(Some(y)) => y,
        Ok(None) => match db.plan_year(today).await {
            Ok(Some(y)) => y,
            Ok(None) => return error(AppError::not_found("plan")),
            Err(e) => return error(e),
        },
        Err(e) => return error(e),
    };
    let (rows, margin) = match tokio::try_join!(db.progress_export(year), db.progress_margin()) {
        Ok(r) => r,
        Err(e) => return error(e),
    };
    match tokio::task::spawn_blocking(move || build_progress_xlsx(&rows, today, margin)).await {
        Ok(Ok(bytes)) => attachment(
            bytes,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            &format!("jiandu-progress-{year}.xlsx"),
        ),
        _ => error(AppError::internal()),
    }
}

/// The good-practice cases' columns, in the words of a case collection (典型案例汇编).
pub const CASE_COLUMNS: [&str; 14] = [
    "序号",
    "年度",
    "项目",
    "点位",
    "点位编号",
    "责任单位",
    "推广层级",
    "案例标题",
    "案例内容",
    "提出代表",
    "推广人",
    "推广时间",
    "公开状态",
    "照片数",
];

pub fn build_cases_xlsx(
    rows: &[app::case_rows::CaseRow],
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("典型案例")?;
    let bold = Format::new().set_bold();
    let wrap = Format::new().set_text_wrap();
    for (c, title) in CASE_COLUMNS.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *title, &bold)?;
    }
    for (i, r) in rows.iter().enumerate() {
        let row = i as u32 + 1;
        let c = &r.case;
        sheet.write_number(row, 0, f64::from(row))?;
        sheet.write_number(row, 1, f64::from(r.year))?;
        let text = [
            format!("{}. {}", c.project_number, c.project_title_zh),
            c.site_name_zh.clone(),
            c.site_code.clone(),
            c.unit_name_zh.clone(),
            c.level.label_zh().to_owned(),
            c.title.clone(),
            c.body.clone(),
            r.deputy_name.clone(),
            r.promoted_by.clone(),
            (c.created_at + chrono::Duration::hours(8))
                .format("%Y-%m-%d %H:%M")
                .to_string(),
            if r.published {
                "已公开"
            } else {
                "未公开"
            }
            .to_owned(),
        ];
        for (k, v) in text.iter().enumerate() {
            sheet.write_string_with_format(row, k as u16 + 2, v, &wrap)?;
        }
        sheet.write_number(row, 13, c.photos.len() as f64)?;
    }
    for (c, w) in [6, 6, 24, 24, 10, 20, 10, 24, 60, 12, 12, 16, 8, 6]
        .iter()
        .enumerate()
    {
        sheet.set_column_width(c as u16, *w)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    book.save_to_buffer()
}

/// Every good-practice case of a year (`?year=`; all years without it), published or not: staff
/// only, as the list they come from.
async fn cases_xlsx(auth: AuthSession, ReadDb(db): ReadDb, Query(q): Query<YearQuery>) -> Response {
    match auth.user.as_ref() {
        None => return error(AppError::unauthenticated()),
        Some(u) if !u.role.is_staff() => return error(AppError::forbidden()),
        Some(_) => {}
    }
    let year = match year_param(&q.year) {
        Ok(y) => y,
        Err(e) => return error(e),
    };
    let rows = match db.all_cases(year).await {
        Ok(r) => r,
        Err(e) => return error(e),
    };
    let name = match year {
        Some(y) => format!("jiandu-cases-{y}.xlsx"),
        None => "jiandu-cases.xlsx".to_owned(),
    };
    match tokio::task::spawn_blocking(move || build_cases_xlsx(&rows)).await {
        Ok(Ok(bytes)) => attachment(
            bytes,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            &name,
        ),
        _ => error(AppError::internal()),
    }
}

/// The duty record's columns, in the words of a 代表履职情况统计表.
pub const DUTY_COLUMNS: [&str; 15] = [
    "序号",
    "姓名",
    "代表团",
    "监督组",
    "账号",
    "参加视察",
    "视察点位",
    "意见总数",
    "问题",
    "建议",
    "好做法",
    "未采纳",
    "形成清单事项",
    "已整改销号",
    "评价答复",
];

pub fn build_duty_xlsx(
    period: &app::domain::duty::Period,
    rows: &[app::duty_rows::DutyRow],
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("代表履职情况")?;
    let bold = Format::new().set_bold();
    sheet.write_string_with_format(
        0,
        0,
        format!("统计期间：{} 至 {}（北京时间）", period.from, period.to),
        &bold,
    )?;
    for (c, title) in DUTY_COLUMNS.iter().enumerate() {
        sheet.write_string_with_format(1, c as u16, *title, &bold)?;
    }
    for (i, r) in rows.iter().enumerate() {
        let row = i as u32 + 2;
        let f = &r.figures;
        sheet.write_number(row, 0, (i + 1) as f64)?;
        let account = match (r.user_id, r.active) {
            (None, _) => "尚无账号",
            (Some(_), Some(false)) => "已停用",
            _ => "有",
        };
        for (k, v) in [
            r.name_zh.as_str(),
            r.delegation_zh.as_str(),
            r.group_name_zh.as_str(),
            account,
        ]
        .iter()
        .enumerate()
        {
            sheet.write_string(row, k as u16 + 1, *v)?;
        }
        for (k, n) in [
            f.inspections,
            f.sites,
            f.observations(),
            f.problems,
            f.suggestions,
            f.good_practice,
            f.dismissed,
            f.items,
            f.items_closed,
            f.ratings,
        ]
        .iter()
        .enumerate()
        {
            sheet.write_number(row, k as u16 + 5, *n as f64)?;
        }
    }
    for (c, w) in [6, 12, 16, 16, 8, 8, 8, 8, 6, 6, 6, 6, 10, 10, 8]
        .iter()
        .enumerate()
    {
        sheet.set_column_width(c as u16, *w)?;
    }
    sheet.set_freeze_panes(2, 2)?;
    book.save_to_buffer()
}

#[derive(Deserialize)]
struct PeriodQuery {
    from: Option<String>,
    to: Option<String>,
}

/// Every deputy of the roster with their figures for `?from=&to=` (this year without them):
/// staff only, as the table it comes from.
async fn duty_xlsx(
    auth: AuthSession,
    ReadDb(db): ReadDb,
    Query(q): Query<PeriodQuery>,
) -> Response {
    match auth.user.as_ref() {
        None => return error(AppError::unauthenticated()),
        Some(u) if !u.role.is_staff() => return error(AppError::forbidden()),
        Some(_) => {}
    }
    let period = match app::duty::period(q.from.as_deref(), q.to.as_deref()) {
        Ok(p) => p,
        Err(e) => return error(e),
    };
    let rows = match db.duty_roster(&period).await {
        Ok(r) => r,
        Err(e) => return error(e),
    };
    let name = format!("jiandu-duty-{}-{}.xlsx", period.from, period.to);
    match tokio::task::spawn_blocking(move || build_duty_xlsx(&period, &rows)).await {
        Ok(Ok(bytes)) => attachment(
            bytes,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            &name,
        ),
        _ => error(AppError::internal()),
    }
}
