//! Findings of unit self-inspections and special audits, brought in from a spreadsheet as list
//! items. The file is read elsewhere (CSV or XLSX); here each row of cells becomes a finding or
//! a reason it cannot, and a file with any bad row imports nothing.

use serde::{Deserialize, Serialize};

use super::list_item::{ItemKind, MAX_TEXT_CHARS};
use super::PublicCode;

/// A file larger than this is refused before its rows are read.
pub const MAX_ROWS: usize = 5000;

/// The columns a findings sheet carries; each is recognised by its Chinese or English header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Column {
    SiteCode,
    Kind,
    Description,
    Unit,
}

impl Column {
    pub const REQUIRED: [Column; 3] = [Column::SiteCode, Column::Kind, Column::Description];

    pub fn header_zh(self) -> &'static str {
        match self {
            Column::SiteCode => "站点编号",
            Column::Kind => "类别",
            Column::Description => "描述",
            Column::Unit => "责任单位",
        }
    }

    pub fn header_en(self) -> &'static str {
        match self {
            Column::SiteCode => "site_code",
            Column::Kind => "kind",
            Column::Description => "description",
            Column::Unit => "unit",
        }
    }

    fn recognise(header: &str) -> Option<Column> {
        let h = header.trim().trim_start_matches('\u{feff}').to_lowercase();
        [
            Column::SiteCode,
            Column::Kind,
            Column::Description,
            Column::Unit,
        ]
        .into_iter()
        .find(|c| h == c.header_zh() || h == c.header_en() || h == c.header_en().replace('_', " "))
    }
}

/// Why a row (or the file) cannot be imported. Row numbers count the header as row 1, as a
/// spreadsheet shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum RowProblem {
    MissingColumn {
        column: Column,
    },
    Empty,
    TooManyRows,
    BadSiteCode {
        value: String,
    },
    UnknownSite {
        value: String,
    },
    BadKind {
        value: String,
    },
    NoDescription,
    DescriptionTooLong,
    UnknownUnit {
        value: String,
    },
    /// The same site, kind and description twice in the file.
    Repeated {
        first_row: usize,
    },
}

impl RowProblem {
    pub fn message_en(&self) -> String {
        match self {
            RowProblem::MissingColumn { column } => format!(
                "the header row has no column {} ({})",
                column.header_en(),
                column.header_zh()
            ),
            RowProblem::Empty => "the file has no rows under its header".into(),
            RowProblem::TooManyRows => format!("the file has more than {MAX_ROWS} rows"),
            RowProblem::BadSiteCode { value } => {
                format!("“{value}” is not a site code (7 characters, as under the QR code)")
            }
            RowProblem::UnknownSite { value } => format!("no site has the code {value}"),
            RowProblem::BadKind { value } => {
                format!("kind “{value}” is neither problem (问题) nor suggestion (建议)")
            }
            RowProblem::NoDescription => "the description is empty".into(),
            RowProblem::DescriptionTooLong => {
                format!("the description is longer than {MAX_TEXT_CHARS} characters")
            }
            RowProblem::UnknownUnit { value } => format!("no lead unit is called “{value}”"),
            RowProblem::Repeated { first_row } => {
                format!("the same finding is already in row {first_row}")
            }
        }
    }

    pub fn message_zh(&self) -> String {
        match self {
            RowProblem::MissingColumn { column } => {
                format!("表头缺少“{}”列", column.header_zh())
            }
            RowProblem::Empty => "表头下没有数据行".into(),
            RowProblem::TooManyRows => format!("行数超过 {MAX_ROWS} 行"),
            RowProblem::BadSiteCode { value } => {
                format!("“{value}”不是站点编号（二维码下的 7 位编号）")
            }
            RowProblem::UnknownSite { value } => format!("没有编号为 {value} 的站点"),
            RowProblem::BadKind { value } => format!("类别“{value}”应为“问题”或“建议”"),
            RowProblem::NoDescription => "描述为空".into(),
            RowProblem::DescriptionTooLong => format!("描述超过 {MAX_TEXT_CHARS} 字"),
            RowProblem::UnknownUnit { value } => format!("没有名为“{value}”的责任单位"),
            RowProblem::Repeated { first_row } => format!("与第 {first_row} 行重复"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowError {
    /// 0 when the problem is the file's, not one row's.
    pub row: usize,
    pub problem: RowProblem,
}

/// One finding, checked as far as the file alone allows (the site and unit are looked up next).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub row: usize,
    pub site_code: PublicCode,
    pub kind: ItemKind,
    pub description: String,
    pub unit: Option<String>,
}

fn parse_kind(s: &str) -> Option<ItemKind> {
    match s.trim().to_lowercase().as_str() {
        "问题" | "problem" => Some(ItemKind::Problem),
        "建议" | "suggestion" => Some(ItemKind::Suggestion),
        _ => None,
    }
}

/// Reads a sheet: the first non-empty row is the header, blank rows are skipped. Every bad row
/// is reported, not just the first, so that one round of corrections is enough.
pub fn parse_sheet(rows: Vec<Vec<String>>) -> Result<Vec<Finding>, Vec<RowError>> {
    let mut rows = rows
        .into_iter()
        .enumerate()
        .map(|(i, cells)| (i + 1, cells))
        .filter(|(_, cells)| cells.iter().any(|c| !c.trim().is_empty()));
    let file_error = |problem| Err(vec![RowError { row: 0, problem }]);
    let Some((_, header)) = rows.next() else {
        return file_error(RowProblem::Empty);
    };
    let position = |col: Column| {
        header
            .iter()
            .position(|h| Column::recognise(h) == Some(col))
    };
    let mut missing = Column::REQUIRED
        .iter()
        .filter(|c| position(**c).is_none())
        .map(|c| RowError {
            row: 0,
            problem: RowProblem::MissingColumn { column: *c },
        })
        .peekable();
    if missing.peek().is_some() {
        return Err(missing.collect());
    }
    let (site_at, kind_at, desc_at) = (
        position(Column::SiteCode).unwrap_or_default(),
        position(Column::Kind).unwrap_or_default(),
        position(Column::Description).unwrap_or_default(),
    );
    let unit_at = position(Column::Unit);
    let body: Vec<(usize, Vec<String>)> = rows.collect();
    if body.is_empty() {
        return file_error(RowProblem::Empty);
    }
    if body.len() > MAX_ROWS {
        return file_error(RowProblem::TooManyRows);
    }
    let mut findings = Vec::with_capacity(body.len());
    let mut errors = Vec::new();
    let mut seen: std::collections::HashMap<(String, ItemKind, String), usize> =
        std::collections::HashMap::new();
    for (row, cells) in body {
        let cell = |i: usize| cells.get(i).map(|s| s.trim()).unwrap_or_default();
        let mut bad = |problem| errors.push(RowError { row, problem });
        let code = PublicCode::parse(cell(site_at));
        if code.is_err() {
            bad(RowProblem::BadSiteCode {
                value: cell(site_at).to_owned(),
            });
        }
        let kind = parse_kind(cell(kind_at));
        if kind.is_none() {
            bad(RowProblem::BadKind {
                value: cell(kind_at).to_owned(),
            });
        }
        let description = cell(desc_at).to_owned();
        let n = description.chars().count();
        if n == 0 {
            bad(RowProblem::NoDescription);
        } else if n > MAX_TEXT_CHARS {
            bad(RowProblem::DescriptionTooLong);
        }
        let unit = unit_at
            .map(|i| cell(i).to_owned())
            .filter(|u| !u.is_empty());
        if let (Ok(code), Some(kind)) = (code, kind) {
            if (1..=MAX_TEXT_CHARS).contains(&n) {
                let key = (code.as_str().to_owned(), kind, description.clone());
                if let Some(first_row) = seen.get(&key) {
                    bad(RowProblem::Repeated {
                        first_row: *first_row,
                    });
                } else {
                    seen.insert(key, row);
                    findings.push(Finding {
                        row,
                        site_code: code,
                        kind,
                        description,
                        unit,
                    });
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(findings)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sheet(rows: &[&[&str]]) -> Vec<Vec<String>> {
        rows.iter()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect()
    }

    #[test]
    fn reads_chinese_or_english_headers_in_any_order() {
        let ok = parse_sheet(sheet(&[
            &["描述", "站点编号", "类别", "责任单位"],
            &["扶手松动", "abc2345", "问题", "市民政局"],
            &["", "", "", ""],
            &["增加座椅", "ABC2346", "suggestion", ""],
        ]))
        .unwrap();
        assert_eq!(ok.len(), 2);
        assert_eq!(ok[0].site_code.as_str(), "ABC2345");
        assert_eq!(ok[0].unit.as_deref(), Some("市民政局"));
        assert_eq!(
            (ok[1].row, ok[1].kind, ok[1].unit.clone()),
            (4, ItemKind::Suggestion, None)
        );
        let en = parse_sheet(sheet(&[
            &["\u{feff}Site code", "Kind", "Description"],
            &["ABC2345", "Problem", "x"],
        ]))
        .unwrap();
        assert_eq!(en.len(), 1);
    }

    #[test]
    fn reports_every_bad_row_and_keeps_nothing() {
        let errors = parse_sheet(sheet(&[
            &["站点编号", "类别", "描述"],
            &["ABC2345", "问题", "路面破损"],
            &["ABC234", "问题", "x"],
            &["ABC2345", "意见", ""],
            &["ABC2345", "问题", "路面破损"],
        ]))
        .unwrap_err();
        let rows: Vec<(usize, &str)> = errors
            .iter()
            .map(|e| {
                (
                    e.row,
                    match e.problem {
                        RowProblem::BadSiteCode { .. } => "code",
                        RowProblem::BadKind { .. } => "kind",
                        RowProblem::NoDescription => "desc",
                        RowProblem::Repeated { first_row: 2 } => "repeat",
                        _ => "other",
                    },
                )
            })
            .collect();
        assert_eq!(rows, [(3, "code"), (4, "kind"), (4, "desc"), (5, "repeat")]);
        assert!(errors.iter().all(|e| !e.problem.message_zh().is_empty()));
    }

    #[test]
    fn a_file_without_the_columns_or_rows_is_refused_as_a_whole() {
        let e = parse_sheet(sheet(&[&["站点编号", "说明"], &["ABC2345", "x"]])).unwrap_err();
        assert_eq!(e.len(), 2);
        assert!(e.iter().all(|e| e.row == 0));
        assert_eq!(
            parse_sheet(sheet(&[&["站点编号", "类别", "描述"]])).unwrap_err()[0].problem,
            RowProblem::Empty
        );
        assert_eq!(
            parse_sheet(vec![]).unwrap_err()[0].problem,
            RowProblem::Empty
        );
        let long = "长".repeat(MAX_TEXT_CHARS + 1);
        let e = parse_sheet(sheet(&[
            &["站点编号", "类别", "描述"],
            &["ABC2345", "问题", &long],
        ]))
        .unwrap_err();
        assert_eq!(e[0].problem, RowProblem::DescriptionTooLong);
    }
}
