//! The joint inspection report as a Word file (`docx-rs`): the same parts, in the same order,
//! as the printed page (`app::inspections::report`) — figures, summary, sites, deputies,
//! findings by responsible unit, photos, conclusions — on A4 in SimSun, for staff only.

use crate::routing::Mounted;
use app::{
    auth::ssr::AuthSession,
    error::AppError,
    inspection_rows::{InspectionReport, ReportFinding},
    ssr::AppState,
    store::media::Variant,
};
use axum::{
    extract::{Path, State},
    response::Response,
    routing::get,
};
use docx_rs::{
    AlignmentType, BreakType, Docx, PageMargin, Paragraph, Pic, Run, RunFonts, Table, TableCell,
    TableRow, WidthType,
};

pub fn routes() -> Mounted {
    Mounted::default().route("/staff/inspections/{id}/report.docx", get(docx))
}

/// A4 in twentieths of a point, with 2 cm margins.
const A4_TWIPS: (u32, u32) = (11_906, 16_838);
const MARGIN_TWIPS: i32 = 1_134;
/// Photos are set 8 cm wide (in EMU), one to a paragraph with its caption under it.
const PHOTO_WIDTH_EMU: u32 = 2_880_000;
/// The photos a Word file takes (each a PNG of a 320-pixel copy, ~150 KB): the file stays a
/// size mail accepts and its making bounded; past it the file says how many are left out and
/// where they are (the report's page shows every one).
pub const MAX_DOCX_PHOTOS: usize = 200;

/// The kind's word as the page shows it in Chinese.
fn kind_zh(kind: &str) -> &'static str {
    app::domain::ObservationKind::parse(kind)
        .map(|k| app::outbox::page::kind_label(app::i18n::Locale::zh_CN, k))
        .unwrap_or_default()
}

fn local(at: chrono::DateTime<chrono::Utc>) -> String {
    app::ui::local_time(at)
}

fn text(s: impl Into<String>) -> Paragraph {
    Paragraph::new().add_run(Run::new().add_text(s.into()))
}

fn heading(s: &str, size: usize) -> Paragraph {
    Paragraph::new().add_run(Run::new().add_text(s).bold().size(size))
}

/// Paragraphs of what staff wrote (`inspection::paragraphs`, as the page sets them).
fn written(s: &str) -> Vec<Paragraph> {
    let lines: Vec<Paragraph> = app::domain::inspection::paragraphs(s).map(text).collect();
    if lines.is_empty() {
        vec![text("（尚未填写）")]
    } else {
        lines
    }
}

fn table(head: &[&str], rows: Vec<Vec<String>>) -> Table {
    let cell = |s: &str, bold: bool| {
        let run = Run::new().add_text(s);
        TableCell::new().add_paragraph(Paragraph::new().add_run(if bold {
            run.bold()
        } else {
            run
        }))
    };
    let mut all = vec![TableRow::new(head.iter().map(|h| cell(h, true)).collect())];
    all.extend(
        rows.iter()
            .map(|r| TableRow::new(r.iter().map(|c| cell(c, false)).collect())),
    );
    Table::new(all).width(5_000, WidthType::Pct)
}

/// A photo's thumbnail as PNG (the only picture type `docx-rs` writes), with its size in pixels.
pub struct ReportPhoto {
    pub sha256: String,
    pub caption: String,
    pub png: Option<(Vec<u8>, u32, u32)>,
}

fn yes_no(b: bool) -> String {
    if b { "是" } else { "否" }.to_owned()
}

/// The report as a `.docx` file's bytes.
pub fn build_docx(r: &InspectionReport, photos: Vec<ReportPhoto>) -> Result<Vec<u8>, String> {
    let s = &r.summary;
    let groups: Vec<String> = s.groups.iter().map(|n| format!("第{n}组")).collect();
    let [problems, suggestions, good] = r.by_kind;
    let mut doc = Docx::new()
        .page_size(A4_TWIPS.0, A4_TWIPS.1)
        .page_margin(
            PageMargin::new()
                .top(MARGIN_TWIPS)
                .bottom(MARGIN_TWIPS)
                .left(MARGIN_TWIPS)
                .right(MARGIN_TWIPS),
        )
        .default_fonts(RunFonts::new().east_asia("SimSun").ascii("Times New Roman"))
        .default_size(24)
        .add_paragraph(
            Paragraph::new()
                .align(AlignmentType::Center)
                .add_run(
                    Run::new()
                        .add_text(format!("{} 联合视察报告", s.title))
                        .bold()
                        .size(36),
                ),
        )
        .add_paragraph(text(format!(
            "视察时间：{} 至 {}　参加监督组：{}　带队代表：{}",
            s.starts_on,
            s.ends_on,
            groups.join("、"),
            s.leader_name
        )))
        .add_paragraph(text(format!(
            "走访点位 {} / {}　到场代表 {} / {}　问题 {problems} 条　建议 {suggestions} 条　好的做法 {good} 条　照片 {} 张",
            r.visited(),
            r.route.len(),
            r.present(),
            r.deputies.len(),
            r.photos()
        )))
        ;
    if r.dismissed > 0 {
        doc = doc.add_paragraph(text(format!(
            "另有 {} 条发现经审核未采纳，不列入本报告。",
            r.dismissed
        )));
    }
    doc = doc.add_paragraph(heading("一、视察概况", 30));
    for p in written(&r.text.summary) {
        doc = doc.add_paragraph(p);
    }
    doc = doc
        .add_paragraph(heading("二、视察点位", 30))
        .add_table(table(
            &["序号", "点位", "点位码", "地址", "签到", "发现", "到达"],
            r.route
                .iter()
                .map(|x| {
                    vec![
                        (x.position + 1).to_string(),
                        x.name_zh.clone(),
                        x.public_code.clone(),
                        x.address_zh.clone(),
                        x.check_ins.to_string(),
                        x.findings.to_string(),
                        yes_no(x.visited),
                    ]
                })
                .collect(),
        ));
    doc = doc
        .add_paragraph(heading("三、参加代表", 30))
        .add_table(table(
            &["姓名", "组别", "签到", "发现", "到场"],
            r.deputies
                .iter()
                .map(|d| {
                    vec![
                        if d.is_leader {
                            format!("{}（带队）", d.name_zh)
                        } else {
                            d.name_zh.clone()
                        },
                        format!("第{}组", d.group_number),
                        d.check_ins.to_string(),
                        d.findings.to_string(),
                        yes_no(app::domain::inspection::present(d.check_ins)),
                    ]
                })
                .collect(),
        ));
    doc = doc.add_paragraph(heading("四、问题和建议（按责任单位）", 30));
    if r.units.is_empty() {
        doc = doc.add_paragraph(text("本次视察没有发现。"));
    }
    for u in &r.units {
        let [p, sg, g] = u.by_kind;
        doc = doc
            .add_paragraph(heading(&u.unit_zh, 26))
            .add_paragraph(text(format!("问题 {p} 条，建议 {sg} 条，好的做法 {g} 条")))
            .add_table(table(
                &["序号", "类别", "点位", "内容", "提出代表", "时间", "照片"],
                u.findings
                    .iter()
                    .enumerate()
                    .map(|(n, f): (usize, &ReportFinding)| {
                        vec![
                            (n + 1).to_string(),
                            kind_zh(&f.kind).to_owned(),
                            f.site_name_zh.clone(),
                            f.note.clone(),
                            f.deputy_name.clone(),
                            local(f.captured_at),
                            f.photos.len().to_string(),
                        ]
                    })
                    .collect(),
            ));
    }
    doc = doc.add_paragraph(heading("五、现场照片", 30));
    if photos.is_empty() {
        doc = doc.add_paragraph(text("没有照片。"));
    }
    let all = r.photos();
    if all > photos.len() {
        doc = doc.add_paragraph(text(format!(
            "共 {all} 张照片，本文件收入前 {} 张；全部照片见系统中的视察报告页面。",
            photos.len()
        )));
    }
    for photo in photos {
        let caption = photo.caption;
        match photo.png {
            Some((png, w, h)) => {
                let height =
                    (u64::from(PHOTO_WIDTH_EMU) * u64::from(h) / u64::from(w.max(1))) as u32;
                doc = doc.add_paragraph(
                    Paragraph::new().add_run(
                        Run::new()
                            .add_image(
                                Pic::new_with_dimensions(png, w, h).size(PHOTO_WIDTH_EMU, height),
                            )
                            .add_break(BreakType::TextWrapping)
                            .add_text(caption)
                            .size(18),
                    ),
                );
            }
            // Said in the file, not left out: the photo's files are gone from the store.
            None => {
                let short: String = photo.sha256.chars().take(12).collect();
                doc = doc.add_paragraph(text(format!("（照片 {short} 无法读取：{caption}）")))
            }
        }
    }
    doc = doc.add_paragraph(heading("六、结论和建议", 30));
    for p in written(&r.text.conclusions) {
        doc = doc.add_paragraph(p);
    }
    if let (Some(who), Some(at)) = (&r.written_by, r.written_at) {
        doc = doc.add_paragraph(text(format!("报告文字由 {who} 于 {} 保存。", local(at))));
    }
    let mut out = std::io::Cursor::new(Vec::with_capacity(64 * 1024));
    doc.build().pack(&mut out).map_err(|e| e.to_string())?;
    Ok(out.into_inner())
}

/// The first [`MAX_DOCX_PHOTOS`] photos of the report in its order, each read from the store as
/// its thumbnail and turned into PNG (one decode slot for them all: they are 320-pixel copies we
/// made).
async fn photos(state: &AppState, r: &InspectionReport) -> Result<Vec<ReportPhoto>, AppError> {
    let mut out = Vec::new();
    for f in r.units.iter().flat_map(|u| &u.findings) {
        let caption = format!(
            "{} · {} · {}",
            f.site_name_zh,
            f.deputy_name,
            local(f.captured_at)
        );
        for sha in &f.photos {
            if out.len() == MAX_DOCX_PHOTOS {
                break;
            }
            // Not copied yet (the copier works in the background): the copies are made now; a
            // photo whose files are gone is said so in the file.
            let thumb = crate::media::copy_for_reader(state, Variant::Thumb, sha).await?;
            out.push((sha.clone(), caption.clone(), thumb));
        }
    }
    crate::media::decoding(move || {
        out.into_iter()
            .map(|(sha256, caption, thumb)| ReportPhoto {
                png: thumb.and_then(|jpeg| to_png(&jpeg)),
                sha256,
                caption,
            })
            .collect()
    })
    .await
}

fn to_png(jpeg: &[u8]) -> Option<(Vec<u8>, u32, u32)> {
    let img = image::load_from_memory_with_format(jpeg, image::ImageFormat::Jpeg).ok()?;
    let mut png = std::io::Cursor::new(Vec::new());
    img.write_to(&mut png, image::ImageFormat::Png).ok()?;
    Some((png.into_inner(), img.width(), img.height()))
}

async fn docx(
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
        let id = app::ssr::optional_id(&Some(id), "inspection")?
            .ok_or_else(|| AppError::not_found("inspection"))?;
        let report = state
            .db
            .inspection_report(id)
            .await?
            .ok_or_else(|| AppError::not_found("inspection"))?;
        let photos = photos(&state, &report).await?;
        let bytes = build_docx(&report, photos).map_err(|e| {
            tracing::error!(error = %e, "the report's Word file could not be written");
            AppError::internal()
        })?;
        Ok::<_, AppError>((bytes, report.summary.starts_on))
    };
    match answer.await {
        Ok((bytes, day)) => crate::export::attachment(
            bytes,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            &format!("jiandu-inspection-{day}.docx"),
        ),
        Err(e) => crate::export::error(e),
    }
}
