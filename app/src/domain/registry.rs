//! The year's registry brought in from the files a Congress office already keeps: the
//! implementation plan (projects, sub-items, lead units, targets, deadlines, budgets), the sites
//! (a sheet of points, or GeoJSON for greenway lines and estate polygons), the deputies' roster
//! and which units each supervision group follows. Here each row of cells becomes a checked
//! record or the reasons it cannot; looking names up against what is stored is the store's.
//! A file with any bad row imports nothing, and every bad row is reported at once.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::comment::PhoneNumber;
use super::mapping::{outside_china, CoordSystem};
use super::site_kind::SiteKind;
use super::{LonLat, SiteGeometry};

/// More rows than a province's plan or roster has; a file beyond it is refused before its rows
/// are checked.
pub const MAX_ROWS: usize = 50_000;
/// Text cells longer than this are refused (the database's own limits are tighter per field).
const MAX_CELL_CHARS: usize = 500;

/// The plan years a file may be imported for (the database's own check on projects).
pub const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// Which file is being imported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegistryFile {
    Plan,
    Sites,
    Deputies,
    Groups,
    /// Each lead unit's liaison officers: one account each, with an activation code.
    Officers,
}

impl RegistryFile {
    pub const ALL: [RegistryFile; 5] = [
        RegistryFile::Plan,
        RegistryFile::Sites,
        RegistryFile::Deputies,
        RegistryFile::Groups,
        RegistryFile::Officers,
    ];

    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "plan" => Some(RegistryFile::Plan),
            "sites" => Some(RegistryFile::Sites),
            "deputies" | "roster" => Some(RegistryFile::Deputies),
            "groups" | "group_units" => Some(RegistryFile::Groups),
            "officers" | "unit_officers" => Some(RegistryFile::Officers),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RegistryFile::Plan => "plan",
            RegistryFile::Sites => "sites",
            RegistryFile::Deputies => "deputies",
            RegistryFile::Groups => "groups",
            RegistryFile::Officers => "officers",
        }
    }

    /// The columns a sheet of this kind has, required ones first.
    pub fn fields(self) -> &'static [Field] {
        use Field::*;
        match self {
            RegistryFile::Plan => &[
                ProjectNo,
                ProjectName,
                SubItemNo,
                SubItemName,
                LeadUnit,
                TargetQuantity,
                TargetUnit,
                Deadline,
                Budget,
                FundsGovernment,
                FundsResidents,
                FundsSocial,
            ],
            RegistryFile::Sites => &[
                SiteCode, SiteName, SubItemNo, Kind, District, Address, Lon, Lat, Crs,
            ],
            RegistryFile::Deputies => &[Name, Delegation, Group, Mobile],
            RegistryFile::Groups => &[Group, LeadUnit],
            RegistryFile::Officers => &[Name, LeadUnit],
        }
    }

    pub fn required(self) -> &'static [Field] {
        use Field::*;
        match self {
            RegistryFile::Plan => &[
                ProjectNo,
                ProjectName,
                SubItemNo,
                SubItemName,
                LeadUnit,
                TargetQuantity,
                TargetUnit,
                Deadline,
                Budget,
            ],
            RegistryFile::Sites => &[SiteCode, SiteName, SubItemNo, Kind, District, Lon, Lat],
            RegistryFile::Deputies => &[Name, Delegation, Group],
            RegistryFile::Groups => &[Group, LeadUnit],
            RegistryFile::Officers => &[Name, LeadUnit],
        }
    }
}

/// A column of one of the files, recognised by its Chinese or English header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    ProjectNo,
    ProjectName,
    SubItemNo,
    SubItemName,
    LeadUnit,
    TargetQuantity,
    TargetUnit,
    Deadline,
    Budget,
    FundsGovernment,
    FundsResidents,
    FundsSocial,
    SiteCode,
    SiteName,
    Kind,
    District,
    Address,
    Lon,
    Lat,
    Crs,
    Name,
    Delegation,
    Group,
    Mobile,
    /// A site's positions as typed or pasted on the editing page (no file has this column).
    Coordinates,
}

impl Field {
    pub fn header_zh(self) -> &'static str {
        match self {
            Field::ProjectNo => "项目编号",
            Field::ProjectName => "项目名称",
            Field::SubItemNo => "子项目编号",
            Field::SubItemName => "子项目名称",
            Field::LeadUnit => "牵头单位",
            Field::TargetQuantity => "目标数量",
            Field::TargetUnit => "计量单位",
            Field::Deadline => "完成时限",
            Field::Budget => "预算(万元)",
            Field::FundsGovernment => "政府资金(万元)",
            Field::FundsResidents => "居民出资(万元)",
            Field::FundsSocial => "社会资本(万元)",
            Field::SiteCode => "点位编号",
            Field::SiteName => "点位名称",
            Field::Kind => "类型",
            Field::District => "区县",
            Field::Address => "地址",
            Field::Lon => "经度",
            Field::Lat => "纬度",
            Field::Crs => "坐标系",
            Field::Name => "姓名",
            Field::Delegation => "代表团",
            Field::Group => "监督小组",
            Field::Mobile => "手机号",
            Field::Coordinates => "坐标",
        }
    }

    pub fn header_en(self) -> &'static str {
        match self {
            Field::ProjectNo => "project_no",
            Field::ProjectName => "project_name",
            Field::SubItemNo => "sub_item_no",
            Field::SubItemName => "sub_item_name",
            Field::LeadUnit => "lead_unit",
            Field::TargetQuantity => "target_quantity",
            Field::TargetUnit => "target_unit",
            Field::Deadline => "deadline",
            Field::Budget => "budget_wan",
            Field::FundsGovernment => "funds_government_wan",
            Field::FundsResidents => "funds_residents_wan",
            Field::FundsSocial => "funds_social_wan",
            Field::SiteCode => "site_code",
            Field::SiteName => "site_name",
            Field::Kind => "kind",
            Field::District => "district",
            Field::Address => "address",
            Field::Lon => "lon",
            Field::Lat => "lat",
            Field::Crs => "crs",
            Field::Name => "name",
            Field::Delegation => "delegation",
            Field::Group => "group",
            Field::Mobile => "mobile",
            Field::Coordinates => "coordinates",
        }
    }

    /// Headers as people type them: full-width brackets, spaces, "预算（万元）", "Budget (wan)".
    fn recognise(header: &str, among: &[Field]) -> Option<Field> {
        let norm = |s: &str| -> String {
            s.trim()
                .trim_start_matches('\u{feff}')
                .chars()
                .map(|c| match c {
                    '（' => '(',
                    '）' => ')',
                    ' ' | '_' | '\u{3000}' => '_',
                    c => c,
                })
                .filter(|c| !matches!(c, '_' | '(' | ')'))
                .collect::<String>()
                .to_lowercase()
        };
        let h = norm(header);
        among.iter().copied().find(|f| {
            h == norm(f.header_zh())
                || h == norm(f.header_en())
                || h == norm(f.header_zh()).replace("万元", "")
                || h == norm(f.header_en()).replace("wan", "")
                || f.aliases().iter().any(|a| h == norm(a))
        })
    }

    fn aliases(self) -> &'static [&'static str] {
        match self {
            Field::Lon => &["longitude", "lng", "x"],
            Field::Lat => &["latitude", "y"],
            Field::Crs => &["coordinate_system", "datum", "坐标系统"],
            Field::Mobile => &["phone", "手机", "联系电话"],
            Field::District => &["区县(市)", "区(县)", "区域"],
            Field::Delegation => &["代表团/选区", "选区"],
            Field::Deadline => &["完成时间", "due"],
            Field::LeadUnit => &["责任单位", "unit"],
            _ => &[],
        }
    }
}

/// Why a row (or the file) cannot be imported. Row numbers count the header as row 1, as a
/// spreadsheet shows them; in GeoJSON a "row" is the feature's position, from 1.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum Problem {
    MissingColumn {
        field: Field,
    },
    Empty,
    TooManyRows,
    Unreadable {
        reason: String,
    },
    Missing {
        field: Field,
    },
    TooLong {
        field: Field,
    },
    BadNumber {
        field: Field,
        value: String,
    },
    BadMoney {
        field: Field,
        value: String,
    },
    FundsOverBudget,
    BadDate {
        value: String,
    },
    BadSubItem {
        value: String,
    },
    BadKind {
        value: String,
    },
    BadCrs {
        value: String,
    },
    BadCoordinates {
        value: String,
    },
    /// Outside mainland China: most often longitude and latitude swapped.
    NotInChina {
        lon: String,
        lat: String,
    },
    BadGeometry {
        reason: String,
    },
    BadMobile,
    /// The same key (project, sub-item, site code, deputy) twice in the file.
    Repeated {
        first_row: usize,
    },
    /// One project number with two names, or one sub-item with two lead units, in the file.
    Disagrees {
        field: Field,
        first_row: usize,
    },
    UnknownSubItem {
        value: String,
    },
    UnknownGroup {
        value: String,
    },
    /// A new unit name that looks like one already known: reported, never made twice.
    SpelledTwoWays {
        value: String,
        known: String,
    },
    /// A unit already followed by another group (a unit is followed by exactly one).
    UnitInOtherGroup {
        value: String,
        group: String,
    },
    /// Positions that do not make the kind's shape (the editing page's coordinates).
    BadShape {
        shape: super::registry_edit::ShapeProblem,
    },
    /// Removing the record would leave its history pointing at nothing.
    HasHistory {
        observations: i64,
        comments: i64,
        items: i64,
    },
    /// Another site of the year already has this code.
    CodeTaken {
        code: String,
    },
    /// Another unit already has this name (or one that reads the same).
    NameTaken {
        value: String,
    },
    /// Another supervision group already has this name.
    GroupNameTaken {
        value: String,
    },
    /// A unit the plan does not name (an officers' list makes no units).
    UnknownUnit {
        value: String,
    },
    /// Another deputy of the roster has this name and delegation (the roster's key).
    SameDeputy {
        name: String,
        delegation: String,
    },
}

impl Problem {
    pub fn message(&self, zh: bool) -> String {
        if zh {
            self.message_zh()
        } else {
            self.message_en()
        }
    }

    pub fn message_en(&self) -> String {
        let col = |f: &Field| format!("{} ({})", f.header_en(), f.header_zh());
        match self {
            Problem::MissingColumn { field } => {
                format!("the header row has no column {}", col(field))
            }
            Problem::Empty => "the file has no rows under its header".into(),
            Problem::TooManyRows => format!("the file has more than {MAX_ROWS} rows"),
            Problem::Unreadable { reason } => format!("the file cannot be read: {reason}"),
            Problem::Missing { field } => format!("{} is empty", col(field)),
            Problem::TooLong { field } => format!("{} is too long", col(field)),
            Problem::BadNumber { field, value } => {
                format!("{}: “{value}” is not a whole number in range", col(field))
            }
            Problem::BadMoney { field, value } => format!(
                "{}: “{value}” is not an amount in 万元 (at most two decimals)",
                col(field)
            ),
            Problem::FundsOverBudget => "the funding sources add up to more than the budget".into(),
            Problem::BadDate { value } => {
                format!("“{value}” is not a date (write 2026-12-31)")
            }
            Problem::BadSubItem { value } => {
                format!("“{value}” is not a sub-item number (write project-sub-item, e.g. 3-2)")
            }
            Problem::BadKind { value } => format!("“{value}” is not a site kind"),
            Problem::BadCrs { value } => {
                format!("coordinate system “{value}” is none of WGS84, GCJ02, BD09")
            }
            Problem::BadCoordinates { value } => {
                format!("“{value}” is not a longitude or latitude in degrees")
            }
            Problem::NotInChina { lon, lat } => {
                format!("longitude {lon}, latitude {lat} is outside China: are the two swapped?")
            }
            Problem::BadGeometry { reason } => format!("the geometry is not usable: {reason}"),
            Problem::BadMobile => "the mobile number is not an 11-digit mainland number".into(),
            Problem::Repeated { first_row } => {
                format!("the same entry is already in row {first_row}")
            }
            Problem::Disagrees { field, first_row } => format!(
                "{} differs from row {first_row} for the same number",
                col(field)
            ),
            Problem::UnknownSubItem { value } => {
                format!("no sub-item {value} in this year's plan: import the plan first")
            }
            Problem::UnknownGroup { value } => format!("no supervision group “{value}”"),
            Problem::SpelledTwoWays { value, known } => {
                format!("unit “{value}” looks like the known unit “{known}”: write it the same way")
            }
            Problem::UnitInOtherGroup { value, group } => {
                format!("unit “{value}” is already followed by group “{group}”")
            }
            Problem::BadShape { shape } => shape.message_en(),
            Problem::HasHistory {
                observations,
                comments,
                items,
            } => format!(
                "this site has {observations} observations, {comments} public comments and \
                 {items} items: it cannot be deleted; deactivate it instead (its history stays)"
            ),
            Problem::CodeTaken { code } => {
                format!("another site of this year already has the code “{code}”")
            }
            Problem::NameTaken { value } => {
                format!(
                    "another unit is already called “{value}” (or something that reads the same)"
                )
            }
            Problem::SameDeputy { name, delegation } => {
                format!("the roster already has {name} of {delegation}")
            }
            Problem::GroupNameTaken { value } => {
                format!("another supervision group is already called “{value}”")
            }
            Problem::UnknownUnit { value } => {
                format!("no lead unit “{value}” in the plan: import the plan first, or write the unit as the plan does")
            }
        }
    }

    pub fn message_zh(&self) -> String {
        match self {
            Problem::MissingColumn { field } => format!("表头缺少“{}”列", field.header_zh()),
            Problem::Empty => "表头下没有数据行".into(),
            Problem::TooManyRows => format!("行数超过 {MAX_ROWS} 行"),
            Problem::Unreadable { reason } => format!("文件无法读取：{reason}"),
            Problem::Missing { field } => format!("“{}”为空", field.header_zh()),
            Problem::TooLong { field } => format!("“{}”过长", field.header_zh()),
            Problem::BadNumber { field, value } => {
                format!("“{}”的值“{value}”不是有效的整数", field.header_zh())
            }
            Problem::BadMoney { field, value } => format!(
                "“{}”的值“{value}”不是以万元计的金额（最多两位小数）",
                field.header_zh()
            ),
            Problem::FundsOverBudget => "各资金来源之和超过预算".into(),
            Problem::BadDate { value } => format!("“{value}”不是日期（请写作 2026-12-31）"),
            Problem::BadSubItem { value } => {
                format!("“{value}”不是子项目编号（请写作 项目-子项目，如 3-2）")
            }
            Problem::BadKind { value } => format!("“{value}”不是点位类型"),
            Problem::BadCrs { value } => {
                format!("坐标系“{value}”应为 WGS84、GCJ02 或 BD09")
            }
            Problem::BadCoordinates { value } => format!("“{value}”不是以度计的经纬度"),
            Problem::NotInChina { lon, lat } => {
                format!("经度 {lon}、纬度 {lat} 不在中国境内：是否填反了？")
            }
            Problem::BadGeometry { reason } => format!("几何形状无法使用：{reason}"),
            Problem::BadMobile => "手机号不是 11 位大陆手机号".into(),
            Problem::Repeated { first_row } => format!("与第 {first_row} 行重复"),
            Problem::Disagrees { field, first_row } => {
                format!("同一编号的“{}”与第 {first_row} 行不一致", field.header_zh())
            }
            Problem::UnknownSubItem { value } => {
                format!("本年度计划中没有子项目 {value}：请先导入实施计划")
            }
            Problem::UnknownGroup { value } => format!("没有名为“{value}”的监督小组"),
            Problem::SpelledTwoWays { value, known } => {
                format!("单位“{value}”与已有单位“{known}”疑为同一单位：请统一写法")
            }
            Problem::UnitInOtherGroup { value, group } => {
                format!("单位“{value}”已由“{group}”监督")
            }
            Problem::BadShape { shape } => shape.message_zh(),
            Problem::HasHistory {
                observations,
                comments,
                items,
            } => format!(
                "该点位已有 {observations} 条观察记录、{comments} 条公众评论、{items} 个问题事项，\
                 不能删除：请改为停用（历史记录保留）"
            ),
            Problem::CodeTaken { code } => format!("本年度已有点位使用编号“{code}”"),
            Problem::NameTaken { value } => format!("已有单位名为“{value}”（或写法相近）"),
            Problem::SameDeputy { name, delegation } => {
                format!("名册中已有{delegation}的{name}")
            }
            Problem::GroupNameTaken { value } => format!("已有监督小组名为“{value}”"),
            Problem::UnknownUnit { value } => {
                format!("实施计划中没有牵头单位“{value}”：请先导入实施计划，或按计划中的写法填写")
            }
        }
    }

    /// The column (or form field) a problem is about, where it is about one.
    pub fn field(&self) -> Option<Field> {
        Some(match self {
            Problem::MissingColumn { field }
            | Problem::Missing { field }
            | Problem::TooLong { field }
            | Problem::BadNumber { field, .. }
            | Problem::BadMoney { field, .. }
            | Problem::Disagrees { field, .. } => *field,
            Problem::FundsOverBudget => Field::Budget,
            Problem::BadDate { .. } => Field::Deadline,
            Problem::BadSubItem { .. } | Problem::UnknownSubItem { .. } => Field::SubItemNo,
            Problem::BadKind { .. } => Field::Kind,
            Problem::BadCrs { .. } => Field::Crs,
            Problem::BadCoordinates { .. }
            | Problem::NotInChina { .. }
            | Problem::BadGeometry { .. }
            | Problem::BadShape { .. } => Field::Coordinates,
            Problem::BadMobile => Field::Mobile,
            Problem::UnknownGroup { .. } | Problem::GroupNameTaken { .. } => Field::Group,
            Problem::SpelledTwoWays { .. }
            | Problem::UnitInOtherGroup { .. }
            | Problem::NameTaken { .. }
            | Problem::UnknownUnit { .. } => Field::LeadUnit,
            Problem::CodeTaken { .. } => Field::SiteCode,
            Problem::SameDeputy { .. } => Field::Name,
            Problem::Empty
            | Problem::TooManyRows
            | Problem::Unreadable { .. }
            | Problem::Repeated { .. }
            | Problem::HasHistory { .. } => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowError {
    /// 0 when the problem is the file's, not one row's.
    pub row: usize,
    pub problem: Problem,
}

/// A sub-item as the files name it: project number and sub-item number, `3-2`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SubItemRef {
    pub project: i32,
    pub number: i32,
}

impl SubItemRef {
    /// `3-2`, `3.2`, `3－2`; the numbers 1 to 99, as the plan numbers them.
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        let (p, n) = s.split_once(['-', '.', '－', '—', '_'])?;
        let (project, number) = (parse_small(p)?, parse_small(n)?);
        Some(Self { project, number })
    }
}

impl std::fmt::Display for SubItemRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{}", self.project, self.number)
    }
}

/// 1 to 99; spreadsheets hand numbers over as "3" or "3.0".
fn parse_small(s: &str) -> Option<i32> {
    let s = s.trim();
    let s = s.strip_suffix(".0").unwrap_or(s);
    s.parse::<i32>().ok().filter(|n| (1..=99).contains(n))
}

/// A supervision group as a roster names it: its number (`3`, `第3组`) or its name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum GroupRef {
    Number(i32),
    Name(String),
}

impl GroupRef {
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        if s.is_empty() {
            return None;
        }
        if let Some(n) = parse_small(s) {
            return Some(GroupRef::Number(n));
        }
        // "第3组", "第3监督小组", "第三监督小组" stay names unless the digits are plain.
        let digits: String = s
            .strip_prefix('第')
            .map(|r| r.chars().take_while(char::is_ascii_digit).collect())
            .unwrap_or_default();
        let rest = s
            .strip_prefix('第')
            .map(|r| r.trim_start_matches(|c: char| c.is_ascii_digit()));
        if let (Some(n), Some("组" | "小组" | "监督小组" | "监督组")) = (parse_small(&digits), rest)
        {
            return Some(GroupRef::Number(n));
        }
        Some(GroupRef::Name(s.to_owned()))
    }
}

impl std::fmt::Display for GroupRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GroupRef::Number(n) => write!(f, "{n}"),
            GroupRef::Name(s) => f.write_str(s),
        }
    }
}

/// Funding by source, in yuan, where the plan gives it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Funds {
    pub government: Option<i64>,
    pub residents: Option<i64>,
    pub social: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanRow {
    pub row: usize,
    pub sub_item: SubItemRef,
    pub project_title: String,
    pub title: String,
    pub unit: String,
    pub target_quantity: i32,
    pub target_unit: String,
    pub deadline: NaiveDate,
    pub budget_yuan: i64,
    pub funds: Funds,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SiteRow {
    pub row: usize,
    pub code: String,
    pub name: String,
    pub sub_item: SubItemRef,
    pub kind: SiteKind,
    pub district: String,
    pub address: String,
    /// In WGS-84, whatever the file's coordinate system.
    pub geometry: SiteGeometry,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeputyRow {
    pub row: usize,
    pub name: String,
    pub delegation: String,
    pub group: GroupRef,
    pub mobile: Option<PhoneNumber>,
}

/// A unit's liaison officer, known by name within the unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficerRow {
    pub row: usize,
    pub name: String,
    pub unit: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupUnitRow {
    pub row: usize,
    pub group: GroupRef,
    pub unit: String,
}

/// What a checked file holds.
#[derive(Debug, Clone, PartialEq)]
pub enum Rows {
    Plan(Vec<PlanRow>),
    Sites(Vec<SiteRow>),
    Deputies(Vec<DeputyRow>),
    Groups(Vec<GroupUnitRow>),
    Officers(Vec<OfficerRow>),
}

impl Rows {
    pub fn len(&self) -> usize {
        match self {
            Rows::Plan(r) => r.len(),
            Rows::Sites(r) => r.len(),
            Rows::Deputies(r) => r.len(),
            Rows::Groups(r) => r.len(),
            Rows::Officers(r) => r.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// What an import did, or (dry run) would do, per row: the same report on the page and the
/// command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    New,
    Changed,
    Unchanged,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowChange {
    pub row: usize,
    /// What the row is keyed by: `3-2`, a site code, a deputy's name and delegation.
    pub key: String,
    pub change: Change,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    pub file: RegistryFile,
    pub year: i32,
    /// Nothing was stored: this is what the import would do.
    pub dry_run: bool,
    pub rows: Vec<RowChange>,
    /// Lead units, districts and groups the file names for the first time: made by the import.
    pub new_units: Vec<String>,
    pub new_districts: Vec<String>,
    pub new_groups: Vec<String>,
}

impl ImportReport {
    pub fn count(&self, change: Change) -> usize {
        self.rows.iter().filter(|r| r.change == change).count()
    }
}

/// An import either goes in whole (or would, in a dry run) or is refused with every reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum RegistryOutcome {
    Done(ImportReport),
    Refused { errors: Vec<RowError> },
}

/// The header's columns, found among the file's first non-empty row.
struct Sheet {
    at: HashMap<Field, usize>,
    body: Vec<(usize, Vec<String>)>,
}

impl Sheet {
    fn read(rows: Vec<Vec<String>>, file: RegistryFile) -> Result<Self, Vec<RowError>> {
        let mut rows = rows
            .into_iter()
            .enumerate()
            .map(|(i, cells)| (i + 1, cells))
            .filter(|(_, cells)| cells.iter().any(|c| !c.trim().is_empty()));
        let whole = |problem| vec![RowError { row: 0, problem }];
        let Some((_, header)) = rows.next() else {
            return Err(whole(Problem::Empty));
        };
        let mut at = HashMap::new();
        for (i, h) in header.iter().enumerate() {
            if let Some(f) = Field::recognise(h, file.fields()) {
                at.entry(f).or_insert(i);
            }
        }
        let missing: Vec<RowError> = file
            .required()
            .iter()
            .filter(|f| !at.contains_key(f))
            .map(|f| RowError {
                row: 0,
                problem: Problem::MissingColumn { field: *f },
            })
            .collect();
        if !missing.is_empty() {
            return Err(missing);
        }
        let body: Vec<(usize, Vec<String>)> = rows.take(MAX_ROWS + 1).collect();
        if body.is_empty() {
            return Err(whole(Problem::Empty));
        }
        if body.len() > MAX_ROWS {
            return Err(whole(Problem::TooManyRows));
        }
        Ok(Self { at, body })
    }
}

/// One row's cells, with its problems collected as they are read.
struct Cells<'a> {
    row: usize,
    at: &'a HashMap<Field, usize>,
    cells: &'a [String],
    errors: Vec<RowError>,
}

impl<'a> Cells<'a> {
    fn raw(&self, f: Field) -> &'a str {
        self.at
            .get(&f)
            .and_then(|i| self.cells.get(*i))
            .map(|s| s.trim())
            .unwrap_or_default()
    }

    fn bad(&mut self, problem: Problem) {
        self.errors.push(RowError {
            row: self.row,
            problem,
        });
    }

    fn text(&mut self, f: Field, required: bool, max: usize) -> Option<String> {
        let v = self.raw(f);
        if v.is_empty() {
            if required {
                self.bad(Problem::Missing { field: f });
                return None;
            }
            return Some(String::new());
        }
        if v.chars().count() > max.min(MAX_CELL_CHARS) {
            self.bad(Problem::TooLong { field: f });
            return None;
        }
        Some(v.to_owned())
    }

    fn whole(&mut self, f: Field, range: std::ops::RangeInclusive<i64>) -> Option<i64> {
        let v = self.raw(f);
        if v.is_empty() {
            self.bad(Problem::Missing { field: f });
            return None;
        }
        let s = v.replace([',', '，'], "");
        let s = s.strip_suffix(".0").unwrap_or(&s);
        match s.parse::<i64>() {
            Ok(n) if range.contains(&n) => Some(n),
            _ => {
                self.bad(Problem::BadNumber {
                    field: f,
                    value: v.to_owned(),
                });
                None
            }
        }
    }

    fn money(&mut self, f: Field, required: bool) -> Option<Option<i64>> {
        let v = self.raw(f);
        if v.is_empty() {
            if required {
                self.bad(Problem::Missing { field: f });
                return None;
            }
            return Some(None);
        }
        match wan_to_yuan(v) {
            Some(y) => Some(Some(y)),
            None => {
                self.bad(Problem::BadMoney {
                    field: f,
                    value: v.to_owned(),
                });
                None
            }
        }
    }

    fn degrees(&mut self, f: Field) -> Option<f64> {
        let v = self.raw(f);
        if v.is_empty() {
            self.bad(Problem::Missing { field: f });
            return None;
        }
        match v.parse::<f64>() {
            Ok(d) if d.is_finite() => Some(d),
            _ => {
                self.bad(Problem::BadCoordinates {
                    value: v.to_owned(),
                });
                None
            }
        }
    }
}

/// 万元 as published (at most two decimals, so whole yuan) to yuan; spreadsheets may also hand
/// over float noise such as `12.300000000000001`, which is rounded when it is that.
/// Yuan written back in 万元 as the plan writes them, to two decimals (what [`wan_to_yuan`]
/// reads back; a plan file cannot say finer amounts).
pub fn yuan_to_wan(yuan: i64) -> String {
    let s = format!("{:.2}", yuan as f64 / 10_000.0);
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

pub fn wan_to_yuan(s: &str) -> Option<i64> {
    let s = s.trim().replace([',', '，'], "");
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i.to_owned(), f.to_owned()),
        None => (s.clone(), String::new()),
    };
    if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) || int.len() > 9 {
        return None;
    }
    if !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (cents, rest) = frac.split_at(frac.len().min(2));
    // Digits past the second decimal must be float noise (…0000001 or …9999998), not a value.
    let noise_up = rest.len() >= 6 && rest.bytes().take(5).all(|b| b == b'9');
    if !(rest.bytes().all(|b| b == b'0')
        || rest.len() >= 6 && rest.starts_with("00000")
        || noise_up)
    {
        return None;
    }
    let cents: i64 = format!("{cents:0<2}").parse().ok()?;
    let whole: i64 = int.parse().ok()?;
    Some(whole * 10_000 + cents * 100 + if noise_up { 100 } else { 0 })
}

/// `2026-12-31`, `2026/12/31`, `2026.12.31`, `2026年12月31日`, an ISO date-time, or an Excel
/// day number (days since 1899-12-30), which is how a date cell reads when its format is lost.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    if let Ok(n) = s.strip_suffix(".0").unwrap_or(s).parse::<i64>() {
        if (20_000..=80_000).contains(&n) {
            return NaiveDate::from_ymd_opt(1899, 12, 30)?
                .checked_add_days(chrono::Days::new(n as u64));
        }
        return None;
    }
    let s = s.split(['T', ' ']).next().unwrap_or(s);
    let s = s.replace(['年', '月', '/', '.'], "-").replace('日', "");
    let mut parts = s.split('-').map(|p| p.parse::<u32>().ok());
    let (y, m, d) = (parts.next()??, parts.next()??, parts.next()??);
    if parts.next().is_some() || !(2000..=2100).contains(&y) {
        return None;
    }
    NaiveDate::from_ymd_opt(y as i32, m, d)
}

/// The first row each key was seen in, for reporting repeats.
struct Seen<K>(HashMap<K, usize>);

impl<K: std::hash::Hash + Eq> Seen<K> {
    fn new() -> Self {
        Seen(HashMap::new())
    }

    /// `Some(first row)` when the key was seen before.
    fn first(&mut self, key: K, row: usize) -> Option<usize> {
        match self.0.get(&key) {
            Some(r) => Some(*r),
            None => {
                self.0.insert(key, row);
                None
            }
        }
    }
}

/// Reads a sheet of the given kind (site sheets too; GeoJSON goes through [`parse_geojson`]).
pub fn parse_sheet(file: RegistryFile, rows: Vec<Vec<String>>) -> Result<Rows, Vec<RowError>> {
    let sheet = Sheet::read(rows, file)?;
    let mut errors = Vec::new();
    let rows = match file {
        RegistryFile::Plan => Rows::Plan(plan_rows(&sheet, &mut errors)),
        RegistryFile::Sites => Rows::Sites(site_rows(&sheet, &mut errors)),
        RegistryFile::Deputies => Rows::Deputies(deputy_rows(&sheet, &mut errors)),
        RegistryFile::Groups => Rows::Groups(group_rows(&sheet, &mut errors)),
        RegistryFile::Officers => Rows::Officers(officer_rows(&sheet, &mut errors)),
    };
    if errors.is_empty() {
        Ok(rows)
    } else {
        errors.sort_by_key(|e| e.row);
        Err(errors)
    }
}

fn plan_rows(sheet: &Sheet, errors: &mut Vec<RowError>) -> Vec<PlanRow> {
    let mut out = Vec::new();
    let mut seen = Seen::new();
    // A project's name and a sub-item's content must agree wherever the file repeats them.
    let mut project_names: HashMap<i32, (String, usize)> = HashMap::new();
    for (row, cells) in &sheet.body {
        let mut c = Cells {
            row: *row,
            at: &sheet.at,
            cells,
            errors: Vec::new(),
        };
        let project = c.whole(Field::ProjectNo, 1..=99).map(|n| n as i32);
        let project_title = c.text(Field::ProjectName, true, 128);
        // The sub-item column may say `2` or `3-2`; the project in `3-2` must be this row's.
        let sub_raw = c.raw(Field::SubItemNo);
        let number = match (SubItemRef::parse(sub_raw), parse_small(sub_raw)) {
            (Some(r), _) if Some(r.project) == project => Some(r.number),
            (None, Some(n)) => Some(n),
            _ if sub_raw.is_empty() => {
                c.bad(Problem::Missing {
                    field: Field::SubItemNo,
                });
                None
            }
            _ => {
                c.bad(Problem::BadSubItem {
                    value: sub_raw.to_owned(),
                });
                None
            }
        };
        let title = c.text(Field::SubItemName, true, 128);
        let unit = c.text(Field::LeadUnit, true, 64);
        let target = c.whole(Field::TargetQuantity, 1..=i32::MAX as i64);
        let target_unit = c.text(Field::TargetUnit, true, 16);
        let deadline = match c.raw(Field::Deadline) {
            "" => {
                c.bad(Problem::Missing {
                    field: Field::Deadline,
                });
                None
            }
            v => {
                let d = parse_date(v);
                if d.is_none() {
                    c.bad(Problem::BadDate {
                        value: v.to_owned(),
                    });
                }
                d
            }
        };
        let budget = c.money(Field::Budget, true).flatten();
        let funds = (
            c.money(Field::FundsGovernment, false),
            c.money(Field::FundsResidents, false),
            c.money(Field::FundsSocial, false),
        );
        let funds = match funds {
            (Some(government), Some(residents), Some(social)) => Some(Funds {
                government,
                residents,
                social,
            }),
            _ => None,
        };
        if let (Some(b), Some(f)) = (budget, funds) {
            let sum = [f.government, f.residents, f.social]
                .into_iter()
                .flatten()
                .sum::<i64>();
            if sum > b {
                c.bad(Problem::FundsOverBudget);
            }
        }
        if let (Some(p), Some(t)) = (project, &project_title) {
            match project_names.get(&p) {
                Some((name, first_row)) if name != t => c.bad(Problem::Disagrees {
                    field: Field::ProjectName,
                    first_row: *first_row,
                }),
                Some(_) => {}
                None => {
                    project_names.insert(p, (t.clone(), *row));
                }
            }
        }
        if let (Some(project), Some(number)) = (project, number) {
            let key = SubItemRef { project, number };
            if let Some(first_row) = seen.first(key, *row) {
                c.bad(Problem::Repeated { first_row });
            }
            if c.errors.is_empty() {
                if let (
                    Some(project_title),
                    Some(title),
                    Some(unit),
                    Some(target),
                    Some(target_unit),
                    Some(deadline),
                    Some(budget),
                    Some(funds),
                ) = (
                    project_title,
                    title,
                    unit,
                    target,
                    target_unit,
                    deadline,
                    budget,
                    funds,
                ) {
                    out.push(PlanRow {
                        row: *row,
                        sub_item: key,
                        project_title,
                        title,
                        unit,
                        target_quantity: target as i32,
                        target_unit,
                        deadline,
                        budget_yuan: budget,
                        funds,
                    });
                }
            }
        }
        errors.append(&mut c.errors);
    }
    out
}

/// A site kind as the app shows it in Chinese, its English name, or its code.
pub fn parse_kind(s: &str) -> Option<SiteKind> {
    let s = s.trim();
    let lower = s.to_lowercase().replace([' ', '-'], "_");
    SiteKind::ALL
        .into_iter()
        .find(|k| k.label_zh() == s || k.as_str() == lower)
}

fn site_rows(sheet: &Sheet, errors: &mut Vec<RowError>) -> Vec<SiteRow> {
    let mut out = Vec::new();
    let mut seen = Seen::new();
    for (row, cells) in &sheet.body {
        let mut c = Cells {
            row: *row,
            at: &sheet.at,
            cells,
            errors: Vec::new(),
        };
        let head = site_head(&mut c);
        let (lon, lat) = (c.degrees(Field::Lon), c.degrees(Field::Lat));
        let crs = crs_of(&mut c);
        let geometry = match (lon, lat, crs, head.as_ref().map(|h| h.kind)) {
            (Some(lon), Some(lat), Some(crs), Some(kind)) => point_in_china(&mut c, lon, lat, crs)
                .and_then(|p| shaped(&mut c, kind, SiteGeometry::point(p))),
            _ => None,
        };
        let code = c.raw(Field::SiteCode);
        if !code.is_empty() {
            if let Some(first_row) = seen.first(code.to_owned(), *row) {
                c.bad(Problem::Repeated { first_row });
            }
        }
        if let (Some(h), Some(geometry), true) = (head, geometry, c.errors.is_empty()) {
            out.push(h.with(*row, geometry));
        }
        errors.append(&mut c.errors);
    }
    out
}

/// A site's fields other than its geometry.
struct SiteHead {
    code: String,
    name: String,
    sub_item: SubItemRef,
    kind: SiteKind,
    district: String,
    address: String,
}

impl SiteHead {
    fn with(self, row: usize, geometry: SiteGeometry) -> SiteRow {
        SiteRow {
            row,
            code: self.code,
            name: self.name,
            sub_item: self.sub_item,
            kind: self.kind,
            district: self.district,
            address: self.address,
            geometry,
        }
    }
}

fn site_head(c: &mut Cells) -> Option<SiteHead> {
    let code = c.text(Field::SiteCode, true, 64);
    let name = c.text(Field::SiteName, true, 128);
    let sub_raw = c.raw(Field::SubItemNo);
    let sub_item = SubItemRef::parse(sub_raw);
    if sub_item.is_none() {
        c.bad(if sub_raw.is_empty() {
            Problem::Missing {
                field: Field::SubItemNo,
            }
        } else {
            Problem::BadSubItem {
                value: sub_raw.to_owned(),
            }
        });
    }
    let kind_raw = c.raw(Field::Kind);
    let kind = parse_kind(kind_raw);
    if kind.is_none() {
        c.bad(if kind_raw.is_empty() {
            Problem::Missing { field: Field::Kind }
        } else {
            Problem::BadKind {
                value: kind_raw.to_owned(),
            }
        });
    }
    let district = c.text(Field::District, true, 32);
    let address = c.text(Field::Address, false, 256);
    Some(SiteHead {
        code: code?,
        name: name?,
        sub_item: sub_item?,
        kind: kind?,
        district: district?,
        address: address?,
    })
}

fn crs_of(c: &mut Cells) -> Option<CoordSystem> {
    match c.raw(Field::Crs) {
        "" => Some(CoordSystem::Wgs84),
        v => {
            let crs = CoordSystem::parse(v);
            if crs.is_none() {
                c.bad(Problem::BadCrs {
                    value: v.to_owned(),
                });
            }
            crs
        }
    }
}

fn point_in_china(c: &mut Cells, lon: f64, lat: f64, crs: CoordSystem) -> Option<LonLat> {
    let p = match LonLat::parse(lon, lat) {
        Ok(p) => p,
        Err(_) => {
            c.bad(Problem::NotInChina {
                lon: lon.to_string(),
                lat: lat.to_string(),
            });
            return None;
        }
    };
    if outside_china(p) {
        c.bad(Problem::NotInChina {
            lon: lon.to_string(),
            lat: lat.to_string(),
        });
        return None;
    }
    Some(crs.to_wgs84(p))
}

fn shaped(c: &mut Cells, kind: SiteKind, g: SiteGeometry) -> Option<SiteGeometry> {
    match super::geometry::check_shape_for_kind(kind, &g) {
        Ok(()) => Some(g),
        Err(e) => {
            c.bad(Problem::BadGeometry {
                reason: e.to_string(),
            });
            None
        }
    }
}

/// Sites as a GeoJSON FeatureCollection: each feature's properties carry the sheet's columns
/// (Chinese or English names), its geometry is a Point, LineString or one-ring Polygon in the
/// coordinate system its `坐标系`/`crs` property names (WGS-84 when absent, as GeoJSON says).
pub fn parse_geojson(text: &str) -> Result<Rows, Vec<RowError>> {
    let whole = |reason: String| {
        vec![RowError {
            row: 0,
            problem: Problem::Unreadable { reason },
        }]
    };
    let doc: serde_json::Value =
        serde_json::from_str(text).map_err(|e| whole(format!("not JSON ({e})")))?;
    let features = match doc.get("type").and_then(|t| t.as_str()) {
        Some("FeatureCollection") => doc
            .get("features")
            .and_then(|f| f.as_array())
            .ok_or_else(|| whole("a FeatureCollection without features".into()))?,
        _ => return Err(whole("the GeoJSON is not a FeatureCollection".into())),
    };
    if features.is_empty() {
        return Err(vec![RowError {
            row: 0,
            problem: Problem::Empty,
        }]);
    }
    if features.len() > MAX_ROWS {
        return Err(vec![RowError {
            row: 0,
            problem: Problem::TooManyRows,
        }]);
    }
    let fields = RegistryFile::Sites.fields();
    let mut errors = Vec::new();
    let mut out = Vec::new();
    let mut seen = Seen::new();
    for (i, feature) in features.iter().enumerate() {
        let row = i + 1;
        // The properties as a one-row sheet: the same reading and the same messages.
        let mut at = HashMap::new();
        let mut cells = Vec::new();
        if let Some(props) = feature.get("properties").and_then(|p| p.as_object()) {
            for (k, v) in props {
                if let Some(f) = Field::recognise(k, fields) {
                    at.entry(f).or_insert(cells.len());
                    cells.push(match v {
                        serde_json::Value::String(s) => s.clone(),
                        serde_json::Value::Null => String::new(),
                        other => other.to_string(),
                    });
                }
            }
        }
        let mut c = Cells {
            row,
            at: &at,
            cells: &cells,
            errors: Vec::new(),
        };
        let head = site_head(&mut c);
        let crs = crs_of(&mut c);
        let geometry = feature
            .get("geometry")
            .cloned()
            .and_then(|g| serde_json::from_value::<SiteGeometry>(g).ok());
        let geometry = match (geometry, crs) {
            (None, _) => {
                c.bad(Problem::BadGeometry {
                    reason: "a Point, LineString or Polygon is needed".into(),
                });
                None
            }
            (Some(g), Some(crs)) => convert(&mut c, g, crs),
            (Some(_), None) => None,
        };
        let geometry = match (geometry, head.as_ref()) {
            (Some(g), Some(h)) => shaped(&mut c, h.kind, g),
            _ => None,
        };
        let code = c.raw(Field::SiteCode);
        if !code.is_empty() {
            if let Some(first_row) = seen.first(code.to_owned(), row) {
                c.bad(Problem::Repeated { first_row });
            }
        }
        if let (Some(h), Some(geometry), true) = (head, geometry, c.errors.is_empty()) {
            out.push(h.with(row, geometry));
        }
        errors.append(&mut c.errors);
    }
    if errors.is_empty() {
        Ok(Rows::Sites(out))
    } else {
        Err(errors)
    }
}

/// Every vertex to WGS-84, then the shape's own rules (closed ring, distinct points, an area).
fn convert(c: &mut Cells, g: SiteGeometry, crs: CoordSystem) -> Option<SiteGeometry> {
    let mut bad = None;
    let mut conv = |pts: &[[f64; 2]]| -> Vec<LonLat> {
        pts.iter()
            .filter_map(|[lon, lat]| match LonLat::parse(*lon, *lat) {
                Ok(p) if !outside_china(p) => Some(crs.to_wgs84(p)),
                _ => {
                    bad.get_or_insert((*lon, *lat));
                    None
                }
            })
            .collect()
    };
    let made = match &g {
        SiteGeometry::Point(p) => conv(std::slice::from_ref(p))
            .first()
            .map(|p| Ok(SiteGeometry::point(*p))),
        SiteGeometry::LineString(pts) => Some(SiteGeometry::line(&conv(pts))),
        SiteGeometry::Polygon(rings) => match rings.as_slice() {
            [outer] => Some(SiteGeometry::polygon(&conv(outer))),
            _ => Some(Err(super::GeometryError::BadRing)),
        },
    };
    if let Some((lon, lat)) = bad {
        c.bad(Problem::NotInChina {
            lon: lon.to_string(),
            lat: lat.to_string(),
        });
        return None;
    }
    match made {
        Some(Ok(g)) => Some(g),
        Some(Err(e)) => {
            c.bad(Problem::BadGeometry {
                reason: e.to_string(),
            });
            None
        }
        None => None,
    }
}

fn deputy_rows(sheet: &Sheet, errors: &mut Vec<RowError>) -> Vec<DeputyRow> {
    let mut out = Vec::new();
    let mut seen = Seen::new();
    for (row, cells) in &sheet.body {
        let mut c = Cells {
            row: *row,
            at: &sheet.at,
            cells,
            errors: Vec::new(),
        };
        let name = c.text(Field::Name, true, 32);
        let delegation = c.text(Field::Delegation, true, 64);
        let group = group_of(&mut c);
        let mobile = match PhoneNumber::parse(c.raw(Field::Mobile)) {
            Ok(m) => Some(m),
            Err(_) => {
                c.bad(Problem::BadMobile);
                None
            }
        };
        if let (Some(n), Some(d)) = (&name, &delegation) {
            if let Some(first_row) = seen.first((n.clone(), d.clone()), *row) {
                c.bad(Problem::Repeated { first_row });
            }
        }
        if let (Some(name), Some(delegation), Some(group), Some(mobile), true) =
            (name, delegation, group, mobile, c.errors.is_empty())
        {
            out.push(DeputyRow {
                row: *row,
                name,
                delegation,
                group,
                mobile,
            });
        }
        errors.append(&mut c.errors);
    }
    out
}

fn group_of(c: &mut Cells) -> Option<GroupRef> {
    let raw = c.raw(Field::Group);
    if raw.chars().count() > 32 {
        c.bad(Problem::TooLong {
            field: Field::Group,
        });
        return None;
    }
    let g = GroupRef::parse(raw);
    if g.is_none() {
        c.bad(Problem::Missing {
            field: Field::Group,
        });
    }
    g
}

fn group_rows(sheet: &Sheet, errors: &mut Vec<RowError>) -> Vec<GroupUnitRow> {
    let mut out = Vec::new();
    let mut seen: Seen<String> = Seen::new();
    for (row, cells) in &sheet.body {
        let mut c = Cells {
            row: *row,
            at: &sheet.at,
            cells,
            errors: Vec::new(),
        };
        let group = group_of(&mut c);
        let unit = c.text(Field::LeadUnit, true, 64);
        if let Some(u) = &unit {
            // A unit is followed by exactly one group: twice in the file is one too many.
            if let Some(first_row) = seen.first(unit_key(u), *row) {
                c.bad(Problem::Repeated { first_row });
            }
        }
        if let (Some(group), Some(unit), true) = (group, unit, c.errors.is_empty()) {
            out.push(GroupUnitRow {
                row: *row,
                group,
                unit,
            });
        }
        errors.append(&mut c.errors);
    }
    out
}

fn officer_rows(sheet: &Sheet, errors: &mut Vec<RowError>) -> Vec<OfficerRow> {
    let mut out = Vec::new();
    let mut seen: Seen<(String, String)> = Seen::new();
    for (row, cells) in &sheet.body {
        let mut c = Cells {
            row: *row,
            at: &sheet.at,
            cells,
            errors: Vec::new(),
        };
        // An account's display name holds at most 64 characters.
        let name = c.text(Field::Name, true, 64);
        let unit = c.text(Field::LeadUnit, true, 64);
        if let (Some(n), Some(u)) = (&name, &unit) {
            if let Some(first_row) = seen.first((n.clone(), unit_key(u)), *row) {
                c.bad(Problem::Repeated { first_row });
            }
        }
        if let (Some(name), Some(unit), true) = (name, unit, c.errors.is_empty()) {
            out.push(OfficerRow {
                row: *row,
                name,
                unit,
            });
        }
        errors.append(&mut c.errors);
    }
    out
}

/// A unit's name reduced to what tells two units apart: no spaces or brackets of either width,
/// no leading city name. Two different names with the same key are one unit spelled two ways.
pub fn unit_key(name: &str) -> String {
    let s: String = name
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '(' | ')' | '（' | '）' | '·' | '•'))
        .collect();
    let s = s.to_lowercase();
    // "杭州市民政局" and "市民政局" are the same bureau of the same city.
    match s.find('市') {
        Some(i) if i > 0 && s[..i].chars().count() <= 4 => s[i..].to_owned(),
        _ => s,
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

    const PLAN_HEAD: &[&str] = &[
        "项目编号",
        "项目名称",
        "子项目编号",
        "子项目名称",
        "牵头单位",
        "目标数量",
        "计量单位",
        "完成时限",
        "预算（万元）",
    ];

    #[test]
    fn reads_a_plan_with_chinese_headers_numbers_dates_and_money_as_spreadsheets_write_them() {
        let Rows::Plan(rows) = parse_sheet(
            RegistryFile::Plan,
            sheet(&[
                PLAN_HEAD,
                &[
                    "3",
                    "既有住宅加装电梯",
                    "1",
                    "完成加装",
                    "市建委",
                    "400",
                    "台",
                    "2026-12-31",
                    "12000",
                ],
                &[
                    "3.0",
                    "既有住宅加装电梯",
                    "3-2",
                    "验收",
                    "杭州市 建委",
                    "1,200",
                    "台",
                    "46022",
                    "12.5",
                ],
                &[
                    "4",
                    "老年助餐",
                    "1",
                    "新建助餐点",
                    "市民政局",
                    "50",
                    "个",
                    "2026年11月30日",
                    "0.01",
                ],
            ]),
        )
        .unwrap() else {
            panic!("a plan");
        };
        assert_eq!(rows.len(), 3);
        assert_eq!(
            rows[0].sub_item,
            SubItemRef {
                project: 3,
                number: 1
            }
        );
        assert_eq!(rows[0].budget_yuan, 120_000_000);
        assert_eq!(
            rows[1].sub_item,
            SubItemRef {
                project: 3,
                number: 2
            }
        );
        assert_eq!(rows[1].target_quantity, 1200);
        // Excel's day 46022 is 2025-12-31.
        assert_eq!(
            rows[1].deadline,
            NaiveDate::from_ymd_opt(2025, 12, 31).unwrap()
        );
        assert_eq!(rows[1].budget_yuan, 125_000);
        assert_eq!(
            rows[2].deadline,
            NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
        );
        assert_eq!(rows[2].budget_yuan, 100);
        assert_eq!(rows[1].row, 3);
        let en = parse_sheet(
            RegistryFile::Plan,
            sheet(&[
                &[
                    "Project No",
                    "project name",
                    "sub item no",
                    "Sub item name",
                    "Lead unit",
                    "target quantity",
                    "target unit",
                    "deadline",
                    "Budget (wan)",
                ],
                &[
                    "1",
                    "Lifts",
                    "1",
                    "Fit lifts",
                    "Housing",
                    "1",
                    "set",
                    "2026/6/1",
                    "1",
                ],
            ]),
        );
        assert!(en.is_ok(), "{en:?}");
    }

    #[test]
    fn every_bad_plan_row_is_reported_with_its_reason() {
        let errors = parse_sheet(
            RegistryFile::Plan,
            sheet(&[
                PLAN_HEAD,
                &[
                    "3",
                    "加装电梯",
                    "1",
                    "加装",
                    "市建委",
                    "400",
                    "台",
                    "2026-12-31",
                    "100",
                ],
                &[
                    "3",
                    "加装电梯",
                    "1",
                    "再次",
                    "市建委",
                    "400",
                    "台",
                    "2026-12-31",
                    "100",
                ],
                &[
                    "3",
                    "另一个名字",
                    "2",
                    "x",
                    "市建委",
                    "0",
                    "台",
                    "2026-02-30",
                    "1.234",
                ],
                &["100", "x", "4-1", "", "", "1", "台", "明年", "-1"],
            ]),
        )
        .unwrap_err();
        let got: Vec<(usize, &str)> = errors
            .iter()
            .map(|e| {
                let what = match &e.problem {
                    Problem::Repeated { first_row: 2 } => "repeat",
                    Problem::Disagrees {
                        field: Field::ProjectName,
                        first_row: 2,
                    } => "name",
                    Problem::BadNumber {
                        field: Field::TargetQuantity,
                        ..
                    } => "target",
                    Problem::BadNumber {
                        field: Field::ProjectNo,
                        ..
                    } => "project",
                    Problem::BadDate { .. } => "date",
                    Problem::BadMoney { .. } => "money",
                    Problem::Missing {
                        field: Field::SubItemName,
                    } => "title",
                    Problem::Missing {
                        field: Field::LeadUnit,
                    } => "unit",
                    Problem::BadSubItem { .. } => "sub",
                    _ => "other",
                };
                (e.row, what)
            })
            .collect();
        assert_eq!(
            got,
            [
                (3, "repeat"),
                (4, "target"),
                (4, "date"),
                (4, "money"),
                (4, "name"),
                (5, "project"),
                (5, "sub"),
                (5, "title"),
                (5, "unit"),
                (5, "date"),
                (5, "money"),
            ]
        );
        assert!(errors.iter().all(|e| !e.problem.message_zh().is_empty()));
        let missing = parse_sheet(RegistryFile::Plan, sheet(&[&["项目编号"], &["1"]])).unwrap_err();
        assert_eq!(missing.len(), 8);
        assert!(missing.iter().all(|e| e.row == 0));
    }

    #[test]
    fn money_is_whole_yuan_and_refuses_a_third_decimal_but_not_float_noise() {
        assert_eq!(wan_to_yuan("12.3"), Some(123_000));
        assert_eq!(wan_to_yuan("12.300000000000001"), Some(123_000));
        assert_eq!(wan_to_yuan("12.299999999999999"), Some(123_000));
        assert_eq!(wan_to_yuan("1,000"), Some(10_000_000));
        assert_eq!(wan_to_yuan("12.345"), None);
        assert_eq!(wan_to_yuan("-1"), None);
        assert_eq!(wan_to_yuan("1e3"), None);
        assert_eq!(wan_to_yuan(""), None);
        assert_eq!(parse_date("2026-02-29"), None);
        assert_eq!(parse_date("46022.0"), NaiveDate::from_ymd_opt(2025, 12, 31));
        assert_eq!(
            parse_date("2026-12-31T00:00:00"),
            NaiveDate::from_ymd_opt(2026, 12, 31)
        );
    }

    const SITE_HEAD: &[&str] = &[
        "点位编号",
        "点位名称",
        "子项目编号",
        "类型",
        "区县",
        "地址",
        "经度",
        "纬度",
        "坐标系",
    ];

    #[test]
    fn site_rows_in_gcj02_and_bd09_land_on_the_same_wgs84_point() {
        use crate::domain::mapping::{gcj02_to_bd09, wgs84_to_gcj02};
        let w = LonLat {
            lon: 120.1551,
            lat: 30.2741,
        };
        let g = wgs84_to_gcj02(w);
        let b = gcj02_to_bd09(g);
        let (gl, ga, bl, ba) = (
            g.lon.to_string(),
            g.lat.to_string(),
            b.lon.to_string(),
            b.lat.to_string(),
        );
        let Rows::Sites(rows) = parse_sheet(
            RegistryFile::Sites,
            sheet(&[
                SITE_HEAD,
                &[
                    "DT-001",
                    "朝晖一区",
                    "3-1",
                    "加装电梯",
                    "拱墅区",
                    "朝晖路 1 号",
                    &gl,
                    &ga,
                    "GCJ-02",
                ],
                &[
                    "DT-002",
                    "朝晖二区",
                    "3-1",
                    "lift_retrofit",
                    "拱墅区",
                    "",
                    &bl,
                    &ba,
                    "百度",
                ],
                &[
                    "DT-003",
                    "朝晖三区",
                    "3-1",
                    "加装电梯",
                    "拱墅区",
                    "",
                    "120.1551",
                    "30.2741",
                    "",
                ],
            ]),
        )
        .unwrap() else {
            panic!("sites");
        };
        for r in &rows {
            let SiteGeometry::Point([lon, lat]) = r.geometry else {
                panic!("a point")
            };
            let dx = (lon - w.lon) * 111_320.0 * w.lat.to_radians().cos();
            let dy = (lat - w.lat) * 111_320.0;
            assert!((dx * dx + dy * dy).sqrt() < 1.0, "row {} off", r.row);
        }
    }

    #[test]
    fn bad_site_rows_say_what_is_wrong() {
        let errors = parse_sheet(
            RegistryFile::Sites,
            sheet(&[
                SITE_HEAD,
                &[
                    "A1",
                    "x",
                    "3-1",
                    "加装电梯",
                    "拱墅区",
                    "",
                    "30.27",
                    "120.15",
                    "WGS84",
                ],
                &[
                    "A2",
                    "x",
                    "3",
                    "电梯",
                    "拱墅区",
                    "",
                    "120.15",
                    "30.27",
                    "UTM",
                ],
                &[
                    "A3",
                    "x",
                    "3-1",
                    "绿道",
                    "拱墅区",
                    "",
                    "120.15",
                    "30.27",
                    "",
                ],
                &["A3", "x", "3-1", "加装电梯", "", "", "东经", "30.27", ""],
            ]),
        )
        .unwrap_err();
        let got: Vec<(usize, &str)> = errors
            .iter()
            .map(|e| {
                let what = match &e.problem {
                    Problem::NotInChina { .. } => "swapped",
                    Problem::BadSubItem { .. } => "sub",
                    Problem::BadKind { .. } => "kind",
                    Problem::BadCrs { .. } => "crs",
                    Problem::BadGeometry { .. } => "shape",
                    Problem::Repeated { first_row: 4 } => "repeat",
                    Problem::Missing {
                        field: Field::District,
                    } => "district",
                    Problem::BadCoordinates { .. } => "coords",
                    _ => "other",
                };
                (e.row, what)
            })
            .collect();
        assert_eq!(
            got,
            [
                (2, "swapped"),
                (3, "sub"),
                (3, "kind"),
                (3, "crs"),
                (4, "shape"),
                (5, "district"),
                (5, "coords"),
                (5, "repeat"),
            ]
        );
    }

    #[test]
    fn geojson_brings_lines_and_polygons_in_their_coordinate_system() {
        let text = r#"{"type":"FeatureCollection","features":[
          {"type":"Feature","properties":{"点位编号":"LD-01","点位名称":"运河绿道","子项目编号":"1-1","类型":"绿道","区县":"拱墅区","坐标系":"GCJ02"},
           "geometry":{"type":"LineString","coordinates":[[120.16,30.30],[120.17,30.31],[120.18,30.31]]}},
          {"type":"Feature","properties":{"site_code":"XQ-01","site_name":"Estate","sub_item_no":"2-1","kind":"estate_renovation","district":"上城区"},
           "geometry":{"type":"Polygon","coordinates":[[[120.17,30.25],[120.18,30.25],[120.18,30.26],[120.17,30.25]]]}}
        ]}"#;
        let Rows::Sites(rows) = parse_geojson(text).unwrap() else {
            panic!("sites")
        };
        assert_eq!(rows.len(), 2);
        let SiteGeometry::LineString(pts) = &rows[0].geometry else {
            panic!("a line")
        };
        // Converted from GCJ-02: a few hundred metres west and north of what the file says (Hangzhou).
        assert!(pts[0][0] < 120.16 && pts[0][1] > 30.30);
        assert!(matches!(rows[1].geometry, SiteGeometry::Polygon(_)));
        let bad = parse_geojson(
            r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"点位编号":"A","点位名称":"x","子项目编号":"1-1","类型":"绿道","区县":"x"},"geometry":{"type":"Point","coordinates":[120.1,30.2]}}]}"#,
        )
        .unwrap_err();
        assert!(matches!(bad[0].problem, Problem::BadGeometry { .. }));
        assert!(parse_geojson("[]").is_err());
        assert!(parse_geojson("{").is_err());
    }

    #[test]
    fn a_roster_names_groups_by_number_or_name_and_checks_mobiles() {
        let Rows::Deputies(rows) = parse_sheet(
            RegistryFile::Deputies,
            sheet(&[
                &["姓名", "代表团", "监督小组", "手机号"],
                &["王建国", "上城区代表团", "第3组", "138 0013 8000"],
                &["李芳", "西湖区代表团", "民生监督一组", ""],
                &["张伟", "西湖区代表团", "4", "+86 139-0000-0000"],
            ]),
        )
        .unwrap() else {
            panic!("roster")
        };
        assert_eq!(rows[0].group, GroupRef::Number(3));
        assert_eq!(rows[1].group, GroupRef::Name("民生监督一组".into()));
        assert_eq!(rows[1].mobile, None);
        assert_eq!(
            rows[2].mobile.as_ref().map(|m| m.digits()),
            Some("13900000000")
        );
        let e = parse_sheet(
            RegistryFile::Deputies,
            sheet(&[
                &["姓名", "代表团", "监督小组", "手机号"],
                &["王建国", "上城区代表团", "1", "12345"],
                &["王建国", "上城区代表团", "1", ""],
            ]),
        )
        .unwrap_err();
        assert_eq!(e[0].problem, Problem::BadMobile);
        assert_eq!(e[1].problem, Problem::Repeated { first_row: 2 });
    }

    #[test]
    fn a_unit_written_two_ways_has_one_key() {
        assert_eq!(unit_key("杭州市民政局"), unit_key("市民政局"));
        assert_eq!(unit_key("市建委（住建局）"), unit_key("市建委(住建局)"));
        assert_ne!(unit_key("市民政局"), unit_key("市建委"));
        assert_eq!(unit_key("Housing Bureau"), unit_key("housingbureau"));
        let e = parse_sheet(
            RegistryFile::Groups,
            sheet(&[
                &["监督小组", "牵头单位"],
                &["1", "市民政局"],
                &["2", "杭州市民政局"],
            ]),
        )
        .unwrap_err();
        assert_eq!(e[0].problem, Problem::Repeated { first_row: 2 });
    }

    #[test]
    fn kinds_read_as_the_app_labels_them() {
        let zh: serde_json::Value =
            serde_json::from_str(include_str!("../../locales/zh-CN.json")).unwrap();
        for k in SiteKind::ALL {
            assert_eq!(zh["kind"][k.as_str()].as_str(), Some(k.label_zh()));
            assert_eq!(parse_kind(k.label_zh()), Some(k));
            assert_eq!(parse_kind(k.as_str()), Some(k));
        }
        assert_eq!(parse_kind("Lift retrofit"), Some(SiteKind::LiftRetrofit));
    }

    #[test]
    fn an_officers_list_names_each_officer_once_per_unit() {
        let rows = parse_sheet(
            RegistryFile::Officers,
            sheet(&[
                &["姓名", "牵头单位"],
                &["刘洋", "市民政局"],
                &["刘洋", "市建委"],
                &["刘洋", "杭州市民政局"],
                &["", "市建委"],
            ]),
        )
        .unwrap_err();
        assert_eq!(rows[0].problem, Problem::Repeated { first_row: 2 });
        assert_eq!(rows[1].problem, Problem::Missing { field: Field::Name });
        let Ok(Rows::Officers(ok)) = parse_sheet(
            RegistryFile::Officers,
            sheet(&[
                &["name", "unit"],
                &["刘洋", "市民政局"],
                &["陈静", "市民政局"],
            ]),
        ) else {
            panic!("not read")
        };
        assert_eq!(ok.len(), 2);
    }

    #[test]
    fn amounts_are_written_back_in_wan_and_read_back_the_same() {
        assert_eq!(yuan_to_wan(3_500_000), "350");
        assert_eq!(yuan_to_wan(12_345_600), "1234.56");
        assert_eq!(yuan_to_wan(15_000), "1.5");
        assert_eq!(yuan_to_wan(0), "0");
        for y in [0, 100, 15_000, 12_345_600, 120_000_000] {
            assert_eq!(wan_to_yuan(&yuan_to_wan(y)), Some(y), "{y}");
        }
    }

    #[test]
    fn group_references() {
        assert_eq!(GroupRef::parse("第12监督小组"), Some(GroupRef::Number(12)));
        assert_eq!(GroupRef::parse("7"), Some(GroupRef::Number(7)));
        assert_eq!(
            GroupRef::parse("第三组"),
            Some(GroupRef::Name("第三组".into()))
        );
        assert_eq!(GroupRef::parse(" "), None);
        assert_eq!(
            SubItemRef::parse("3-2"),
            Some(SubItemRef {
                project: 3,
                number: 2
            })
        );
        assert_eq!(SubItemRef::parse("3"), None);
        assert_eq!(SubItemRef::parse("0-1"), None);
    }
}
