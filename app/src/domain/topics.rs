//! Hot topics (热点话题): what the public, deputies and the 12345 hotline write, grouped by the
//! words they share. The words are cut on the server (jieba); here are the rules that do not
//! need it: which cut words can be a topic, the staff's stop words and synonyms, the grouping of
//! one week's texts into topics with a trend, the 12345 export's rows, and the draft item a
//! topic becomes.

use std::collections::{HashMap, HashSet};

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Rows one 12345 export may hold: a month of a large city's calls.
pub const MAX_ROWS: usize = 50_000;
pub const MAX_BODY_CHARS: usize = 2000;
pub const MAX_CATEGORY_CHARS: usize = 64;
pub const MAX_TICKET_CHARS: usize = 64;
/// Each word list as typed by staff.
pub const MAX_LIST_CHARS: usize = 100_000;
/// A stop word or synonym longer than this is not a word.
pub const MAX_WORD_CHARS: usize = 16;
/// Topics shown for one week: the rest of the texts are counted as in no topic.
pub const TOPICS_SHOWN: usize = 20;
/// A word becomes a topic when at least this many texts of the week share it.
pub const MIN_TEXTS: usize = 2;
/// Weeks of a topic's trend, the chosen one last.
pub const TREND_WEEKS: usize = 8;
/// Words shown beside a topic's own: those its texts use most.
pub const RELATED_TERMS: usize = 4;
/// Texts of a topic listed per page.
pub const TEXTS_PAGE: u32 = 50;

/// Where a text comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// A public comment behind a site's QR code.
    Comment,
    /// A text answer to a questionnaire.
    Answer,
    /// A deputy's observation note.
    Observation,
    /// A call to the 12345 hotline, imported.
    Hotline,
}

impl Source {
    pub const ALL: [Source; 4] = [
        Source::Comment,
        Source::Answer,
        Source::Observation,
        Source::Hotline,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Source::Comment => "comment",
            Source::Answer => "answer",
            Source::Observation => "observation",
            Source::Hotline => "hotline",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Source::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Whether a word cut from a text can name a topic: two characters or more, at least one of
/// them a letter (Han or Latin), and no spaces. Digits, dates and punctuation are not topics.
pub fn is_term(word: &str) -> bool {
    let mut n = 0;
    let mut letter = false;
    for c in word.chars() {
        if c.is_whitespace() || c.is_control() {
            return false;
        }
        letter |= c.is_alphabetic();
        n += 1;
    }
    (2..=MAX_WORD_CHARS).contains(&n) && letter
}

/// The words of one text as stored: those that can be terms, lower-cased, each once, in the
/// order they first appear.
pub fn terms_of<'a>(words: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut seen = HashSet::new();
    words
        .into_iter()
        .filter(|w| is_term(w))
        .map(str::to_lowercase)
        .filter(|w| seen.insert(w.clone()))
        .collect()
}

/// Why a word list cannot be saved. Lines count from 1.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WordListError {
    #[error("the list is longer than {MAX_LIST_CHARS} characters")]
    TooLong { synonyms: bool },
    #[error("line {line}: “{word}” is longer than {MAX_WORD_CHARS} characters")]
    WordTooLong {
        synonyms: bool,
        line: usize,
        word: String,
    },
    #[error("line {line}: a synonym line needs the topic's word and at least one other")]
    LoneSynonym { line: usize },
    #[error("line {line}: “{word}” is on line {first} already")]
    SynonymTwice {
        word: String,
        first: usize,
        line: usize,
    },
}

impl WordListError {
    /// The form field at fault.
    pub fn field(&self) -> &'static str {
        match self {
            WordListError::TooLong { synonyms: false }
            | WordListError::WordTooLong {
                synonyms: false, ..
            } => "stop_words",
            _ => "synonyms",
        }
    }

    pub fn message_zh(&self) -> String {
        match self {
            WordListError::TooLong { .. } => format!("列表超过 {MAX_LIST_CHARS} 字"),
            WordListError::WordTooLong { line, word, .. } => {
                format!("第 {line} 行：“{word}”超过 {MAX_WORD_CHARS} 字")
            }
            WordListError::LoneSynonym { line } => {
                format!("第 {line} 行：同义词一行至少两个词，第一个是话题名")
            }
            WordListError::SynonymTwice { word, first, line } => {
                format!("第 {line} 行：“{word}”已在第 {first} 行")
            }
        }
    }
}

/// The words of one line: separated by spaces, commas (, ，), 、 or semicolons.
fn line_words(line: &str) -> impl Iterator<Item = &str> {
    line.split(|c: char| c.is_whitespace() || matches!(c, ',' | '，' | '、' | ';' | '；'))
        .filter(|w| !w.is_empty())
}

/// The staff's stop words (never a topic) and synonyms (each line's words counted as its first).
///
/// A synonym is also found inside a text's longer words (充电桩 in 充电桩坏了, which the
/// dictionary cuts as 充电 / 桩): the words staff name are the ones they look for, whatever the
/// cutter made of them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WordLists {
    stop: HashSet<String>,
    canonical: HashMap<String, String>,
    /// Every synonym line's words with their line's first (stop words' lines left out).
    inside: Vec<(String, String)>,
}

impl WordLists {
    pub fn parse(stop_words: &str, synonyms: &str) -> Result<Self, WordListError> {
        let mut lists = WordLists::default();
        for (text, is_syn) in [(stop_words, false), (synonyms, true)] {
            if text.chars().count() > MAX_LIST_CHARS {
                return Err(WordListError::TooLong { synonyms: is_syn });
            }
            for (i, line) in text.lines().enumerate() {
                if let Some(word) = line_words(line).find(|w| w.chars().count() > MAX_WORD_CHARS) {
                    return Err(WordListError::WordTooLong {
                        synonyms: is_syn,
                        line: i + 1,
                        word: word.to_owned(),
                    });
                }
            }
        }
        lists.stop = stop_words
            .lines()
            .flat_map(line_words)
            .map(str::to_lowercase)
            .collect();
        let mut first_line: HashMap<String, usize> = HashMap::new();
        for (i, line) in synonyms.lines().enumerate() {
            let words: Vec<String> = line_words(line).map(str::to_lowercase).collect();
            let Some(head) = words.first() else { continue };
            if words.len() < 2 {
                return Err(WordListError::LoneSynonym { line: i + 1 });
            }
            for w in &words {
                if let Some(first) = first_line.get(w) {
                    if *first != i + 1 {
                        return Err(WordListError::SynonymTwice {
                            word: w.clone(),
                            first: *first,
                            line: i + 1,
                        });
                    }
                }
                first_line.insert(w.clone(), i + 1);
                lists.canonical.insert(w.clone(), head.clone());
            }
        }
        lists.inside = lists
            .canonical
            .iter()
            .filter(|(w, head)| !lists.stop.contains(*w) && !lists.stop.contains(*head))
            .map(|(w, head)| (w.clone(), head.clone()))
            .collect();
        lists
            .inside
            .sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        Ok(lists)
    }

    /// The word a text's word counts as: its synonym line's first, or itself; none for a stop
    /// word.
    pub fn canonical<'a>(&'a self, word: &'a str) -> Option<&'a str> {
        let w = self.canonical.get(word).map(String::as_str).unwrap_or(word);
        (!self.stop.contains(w) && !self.stop.contains(word)).then_some(w)
    }

    /// Every word that counts as `term` (itself and its synonyms), to find its texts.
    pub fn spellings(&self, term: &str) -> Vec<String> {
        let mut all: Vec<String> = self
            .canonical
            .iter()
            .filter(|(_, head)| head.as_str() == term)
            .map(|(w, _)| w.clone())
            .collect();
        if !all.iter().any(|w| w == term) {
            all.push(term.to_owned());
        }
        all.sort();
        all
    }
}

/// One topic of a week: its word, the words its texts use most beside it, its texts (their
/// positions in the order they were added) and how many texts mentioned the word each week.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Topic {
    pub term: String,
    pub related: Vec<(String, u32)>,
    /// The texts grouped under it: each text of the week is in one topic at most.
    pub texts: Vec<u32>,
    /// Texts that used the word each week, oldest first; the last is the chosen week. A text of
    /// the chosen week may mention a topic's word and be grouped under a larger topic.
    pub trend: Vec<u32>,
}

/// The topics of a week.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Topics {
    pub topics: Vec<Topic>,
    /// Texts of the chosen week.
    pub texts: u32,
    /// Of those, texts in no topic.
    pub in_no_topic: u32,
    /// Topics beyond the ones listed (the list stops at its limit and says so), and their texts.
    pub more_topics: u32,
    pub in_more_topics: u32,
}

/// Takes texts one at a time (streamed from the database), then groups the chosen week's.
/// Words are interned: a week of 100,000 texts keeps numbers, not strings.
#[derive(Debug)]
pub struct TopicFinder<'a> {
    lists: &'a WordLists,
    /// The synonyms found inside texts, all at once (a list may have thousands of words).
    inside: Option<aho_corasick::AhoCorasick>,
    weeks: usize,
    ids: HashMap<String, u32>,
    names: Vec<String>,
    /// Per text: its week (0 = oldest) and its terms' ids, sorted.
    texts: Vec<(u8, Vec<u32>)>,
}

impl<'a> TopicFinder<'a> {
    /// `weeks` of texts, the chosen week last (1..=255).
    pub fn new(lists: &'a WordLists, weeks: usize) -> Self {
        let inside = (!lists.inside.is_empty())
            .then(|| aho_corasick::AhoCorasick::new(lists.inside.iter().map(|(w, _)| w)).ok())
            .flatten();
        TopicFinder {
            lists,
            inside,
            weeks: weeks.clamp(1, 255),
            ids: HashMap::new(),
            names: Vec::new(),
            texts: Vec::new(),
        }
    }

    /// A text of week `week` (0 = oldest), as its stored words and its body (where synonyms are
    /// also looked for). Texts of later weeks than the window are ignored.
    pub fn add<S: AsRef<str>>(&mut self, week: usize, words: &[S], body: &str) {
        if week >= self.weeks {
            return;
        }
        let lower = body.to_lowercase();
        let lists = self.lists;
        let found: Vec<&str> = match &self.inside {
            Some(ac) => ac
                .find_overlapping_iter(&lower)
                .map(|m| lists.inside[m.pattern().as_usize()].1.as_str())
                .collect(),
            None => Vec::new(),
        };
        let mut terms: Vec<u32> = words
            .iter()
            .filter_map(|w| lists.canonical(w.as_ref()))
            .chain(found)
            .map(|w| match self.ids.get(w) {
                Some(id) => *id,
                None => {
                    let id = self.names.len() as u32;
                    self.names.push(w.to_owned());
                    self.ids.insert(w.to_owned(), id);
                    id
                }
            })
            .collect();
        terms.sort_unstable();
        terms.dedup();
        self.texts.push((week as u8, terms));
    }

    /// Texts added so far.
    pub fn len(&self) -> usize {
        self.texts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.texts.is_empty()
    }

    /// The chosen week's topics, most texts first (ties by word, so the same texts give the same
    /// topics): the most used word groups every text that uses it; the next word groups those of
    /// its texts not grouped yet, and so on, while a word still groups `MIN_TEXTS`.
    pub fn finish(self, max_topics: usize) -> Topics {
        let last = (self.weeks - 1) as u8;
        let mut postings: Vec<Vec<u32>> = vec![Vec::new(); self.names.len()];
        let mut in_week = 0u32;
        for (i, (week, terms)) in self.texts.iter().enumerate() {
            if *week != last {
                continue;
            }
            in_week += 1;
            for t in terms {
                postings[*t as usize].push(i as u32);
            }
        }
        let mut ranked: Vec<u32> = (0..self.names.len() as u32)
            .filter(|t| postings[*t as usize].len() >= MIN_TEXTS)
            .collect();
        ranked.sort_by(|a, b| {
            postings[*b as usize]
                .len()
                .cmp(&postings[*a as usize].len())
                .then_with(|| self.names[*a as usize].cmp(&self.names[*b as usize]))
        });
        let mut grouped = vec![false; self.texts.len()];
        let mut topics = Vec::new();
        let (mut more_topics, mut in_more_topics) = (0u32, 0u32);
        for t in ranked {
            let members: Vec<u32> = postings[t as usize]
                .iter()
                .copied()
                .filter(|i| !grouped[*i as usize])
                .collect();
            if members.len() < MIN_TEXTS {
                continue;
            }
            if topics.len() >= max_topics {
                // Grouped all the same: a text of a topic not listed is not "in no topic".
                for i in &members {
                    grouped[*i as usize] = true;
                }
                more_topics += 1;
                in_more_topics += members.len() as u32;
                continue;
            }
            let mut beside: HashMap<u32, u32> = HashMap::new();
            for i in &members {
                grouped[*i as usize] = true;
                for o in &self.texts[*i as usize].1 {
                    if *o != t {
                        *beside.entry(*o).or_default() += 1;
                    }
                }
            }
            let mut related: Vec<(u32, u32)> = beside
                .into_iter()
                .filter(|(_, n)| *n as usize >= MIN_TEXTS)
                .collect();
            related.sort_by(|a, b| {
                b.1.cmp(&a.1)
                    .then_with(|| self.names[a.0 as usize].cmp(&self.names[b.0 as usize]))
            });
            related.truncate(RELATED_TERMS);
            let mut trend = vec![0u32; self.weeks];
            for (week, terms) in &self.texts {
                if terms.binary_search(&t).is_ok() {
                    trend[*week as usize] += 1;
                }
            }
            topics.push(Topic {
                term: self.names[t as usize].clone(),
                related: related
                    .into_iter()
                    .map(|(o, n)| (self.names[o as usize].clone(), n))
                    .collect(),
                texts: members,
                trend,
            });
        }
        let grouped_n = grouped.iter().filter(|g| **g).count() as u32;
        Topics {
            topics,
            texts: in_week,
            in_no_topic: in_week - grouped_n,
            more_topics,
            in_more_topics,
        }
    }
}

/// The Monday of the week `day` is in: weeks run Monday to Sunday, as in China.
pub fn week_of(day: NaiveDate) -> NaiveDate {
    day - chrono::Days::new(u64::from(day.weekday().num_days_from_monday()))
}

/// A day as typed or exported: `2026-12-07`, `2026/12/7`, `2026.12.07`, `2026年12月7日`, with
/// an optional time after it, or a spreadsheet's day number (days since 1899-12-30).
pub fn parse_day(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    if let Ok(serial) = s.parse::<f64>() {
        // Excel's day numbers; 20000 (1954) to 80000 (2119) covers any export.
        if (20_000.0..80_000.0).contains(&serial) {
            let base = NaiveDate::from_ymd_opt(1899, 12, 30)?;
            return base.checked_add_days(chrono::Days::new(serial.floor() as u64));
        }
        return None;
    }
    let date_part = s.split([' ', 'T']).next().unwrap_or_default();
    let date_part = date_part.trim_end_matches('日');
    let parts: Vec<&str> = date_part
        .split(['-', '/', '.', '年', '月'])
        .filter(|p| !p.is_empty())
        .collect();
    let [y, m, d] = parts.as_slice() else {
        return None;
    };
    let (y, m, d) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    if !(2000..=2100).contains(&y) {
        return None;
    }
    NaiveDate::from_ymd_opt(y, m, d)
}

/// The columns of a 12345 export, recognised by their usual Chinese headers or English ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HotlineColumn {
    Date,
    District,
    Category,
    Text,
    Ticket,
}

impl HotlineColumn {
    pub const REQUIRED: [HotlineColumn; 4] = [
        HotlineColumn::Date,
        HotlineColumn::District,
        HotlineColumn::Category,
        HotlineColumn::Text,
    ];
    const ALL: [HotlineColumn; 5] = [
        HotlineColumn::Date,
        HotlineColumn::District,
        HotlineColumn::Category,
        HotlineColumn::Text,
        HotlineColumn::Ticket,
    ];

    /// The header the template uses.
    pub fn header_zh(self) -> &'static str {
        match self {
            HotlineColumn::Date => "日期",
            HotlineColumn::District => "区县",
            HotlineColumn::Category => "类别",
            HotlineColumn::Text => "内容",
            HotlineColumn::Ticket => "工单编号",
        }
    }

    pub fn header_en(self) -> &'static str {
        match self {
            HotlineColumn::Date => "date",
            HotlineColumn::District => "district",
            HotlineColumn::Category => "category",
            HotlineColumn::Text => "text",
            HotlineColumn::Ticket => "ticket",
        }
    }

    /// Other headers exports use for the same column.
    fn also(self) -> &'static [&'static str] {
        match self {
            HotlineColumn::Date => &["受理日期", "来电日期", "受理时间", "来电时间"],
            HotlineColumn::District => &["所属区县", "区域", "所属区域", "区"],
            HotlineColumn::Category => &["诉求类别", "分类", "问题类别"],
            HotlineColumn::Text => &["诉求内容", "来电内容", "问题描述"],
            HotlineColumn::Ticket => &["工单号", "编号"],
        }
    }

    fn recognise(header: &str) -> Option<HotlineColumn> {
        let h = header.trim().trim_start_matches('\u{feff}').to_lowercase();
        HotlineColumn::ALL
            .into_iter()
            .find(|c| h == c.header_zh() || h == c.header_en() || c.also().contains(&h.as_str()))
    }
}

/// Why a row of an export (or the file: row 0) cannot be imported. Rows count the header as 1.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum HotlineProblem {
    MissingColumn {
        column: HotlineColumn,
    },
    Empty,
    TooManyRows,
    BadDate {
        value: String,
    },
    UnknownDistrict {
        value: String,
    },
    NoCategory,
    CategoryTooLong,
    NoText,
    TextTooLong,
    TicketTooLong,
    /// A cell holds a control character (a NUL, say) other than a line break or tab.
    ControlCharacter,
    /// The same ticket number twice in the file.
    Repeated {
        first_row: usize,
    },
}

impl HotlineProblem {
    pub fn message_en(&self) -> String {
        match self {
            HotlineProblem::MissingColumn { column } => format!(
                "the header row has no column {} ({})",
                column.header_en(),
                column.header_zh()
            ),
            HotlineProblem::Empty => "the file has no rows under its header".into(),
            HotlineProblem::TooManyRows => format!("the file has more than {MAX_ROWS} rows"),
            HotlineProblem::BadDate { value } => {
                format!("“{value}” is not a date (write 2026-12-07)")
            }
            HotlineProblem::UnknownDistrict { value } => {
                format!("no district is called “{value}” (see the registry)")
            }
            HotlineProblem::NoCategory => "the category is empty".into(),
            HotlineProblem::CategoryTooLong => {
                format!("the category is longer than {MAX_CATEGORY_CHARS} characters")
            }
            HotlineProblem::NoText => "the text is empty".into(),
            HotlineProblem::TextTooLong => {
                format!("the text is longer than {MAX_BODY_CHARS} characters")
            }
            HotlineProblem::TicketTooLong => {
                format!("the ticket number is longer than {MAX_TICKET_CHARS} characters")
            }
            HotlineProblem::ControlCharacter => {
                "a cell holds a control character: save the file again from Excel or WPS".into()
            }
            HotlineProblem::Repeated { first_row } => {
                format!("the same ticket number is already in row {first_row}")
            }
        }
    }

    pub fn message_zh(&self) -> String {
        match self {
            HotlineProblem::MissingColumn { column } => {
                format!("表头缺少“{}”列", column.header_zh())
            }
            HotlineProblem::Empty => "表头下没有数据行".into(),
            HotlineProblem::TooManyRows => format!("行数超过 {MAX_ROWS} 行"),
            HotlineProblem::BadDate { value } => format!("“{value}”不是日期（如 2026-12-07）"),
            HotlineProblem::UnknownDistrict { value } => {
                format!("没有名为“{value}”的区县（见登记册）")
            }
            HotlineProblem::NoCategory => "类别为空".into(),
            HotlineProblem::CategoryTooLong => format!("类别超过 {MAX_CATEGORY_CHARS} 字"),
            HotlineProblem::NoText => "内容为空".into(),
            HotlineProblem::TextTooLong => format!("内容超过 {MAX_BODY_CHARS} 字"),
            HotlineProblem::TicketTooLong => format!("工单编号超过 {MAX_TICKET_CHARS} 字"),
            HotlineProblem::ControlCharacter => {
                "单元格含控制字符，请在 Excel 或 WPS 中另存后再上传".into()
            }
            HotlineProblem::Repeated { first_row } => format!("与第 {first_row} 行是同一工单"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HotlineRowError {
    /// 0 when the problem is the file's.
    pub row: usize,
    pub problem: HotlineProblem,
}

/// One call of an export, checked as far as the file allows (its district is looked up next).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HotlineCall {
    pub row: usize,
    pub received_on: NaiveDate,
    /// As written; empty when the export leaves it blank (the call counts for the whole city).
    pub district: Option<String>,
    pub category: String,
    pub body: String,
    /// The ticket number, or a digest of the row and how many identical rows came before it
    /// in the file: the same call in two overlapping exports is stored once, and two callers
    /// who said the same words on the same day are two calls.
    pub key: String,
}

fn row_key(day: NaiveDate, district: &str, category: &str, body: &str, nth: usize) -> String {
    let mut h = Sha256::new();
    for part in [day.to_string().as_str(), district, category, body] {
        h.update(part.as_bytes());
        h.update([0x1f]);
    }
    let digest = h.finalize();
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("h:{hex}:{nth}")
}

/// Control characters a cell may not hold: all but line breaks and tabs (a NUL cannot be
/// stored, and none belongs in a call's text).
fn has_control(s: &str) -> bool {
    s.chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
}

/// Reads an export: the first non-empty row is the header, blank rows are skipped, every bad
/// row is reported (one round of corrections is enough).
pub fn parse_hotline(rows: Vec<Vec<String>>) -> Result<Vec<HotlineCall>, Vec<HotlineRowError>> {
    let mut rows = rows
        .into_iter()
        .enumerate()
        .map(|(i, cells)| (i + 1, cells))
        .filter(|(_, cells)| cells.iter().any(|c| !c.trim().is_empty()));
    let file_error = |problem| Err(vec![HotlineRowError { row: 0, problem }]);
    let Some((_, header)) = rows.next() else {
        return file_error(HotlineProblem::Empty);
    };
    let position = |col: HotlineColumn| {
        header
            .iter()
            .position(|h| HotlineColumn::recognise(h) == Some(col))
    };
    let missing: Vec<HotlineRowError> = HotlineColumn::REQUIRED
        .iter()
        .filter(|c| position(**c).is_none())
        .map(|c| HotlineRowError {
            row: 0,
            problem: HotlineProblem::MissingColumn { column: *c },
        })
        .collect();
    if !missing.is_empty() {
        return Err(missing);
    }
    let at = |c| position(c).unwrap_or_default();
    let (date_at, district_at, category_at, text_at) = (
        at(HotlineColumn::Date),
        at(HotlineColumn::District),
        at(HotlineColumn::Category),
        at(HotlineColumn::Text),
    );
    let ticket_at = position(HotlineColumn::Ticket);
    let mut calls = Vec::new();
    let mut errors = Vec::new();
    let mut tickets: HashMap<String, usize> = HashMap::new();
    let mut identical: HashMap<String, usize> = HashMap::new();
    for (n, (row, cells)) in rows.enumerate() {
        if n >= MAX_ROWS {
            return file_error(HotlineProblem::TooManyRows);
        }
        let cell = |i: usize| cells.get(i).map(|s| s.trim()).unwrap_or_default();
        let mut bad = |problem| errors.push(HotlineRowError { row, problem });
        if cells.iter().any(|c| has_control(c)) {
            bad(HotlineProblem::ControlCharacter);
            continue;
        }
        let day = parse_day(cell(date_at));
        if day.is_none() {
            bad(HotlineProblem::BadDate {
                value: cell(date_at).chars().take(40).collect(),
            });
        }
        let category = cell(category_at);
        let cn = category.chars().count();
        if cn == 0 {
            bad(HotlineProblem::NoCategory);
        } else if cn > MAX_CATEGORY_CHARS {
            bad(HotlineProblem::CategoryTooLong);
        }
        let body = cell(text_at);
        let bn = body.chars().count();
        if bn == 0 {
            bad(HotlineProblem::NoText);
        } else if bn > MAX_BODY_CHARS {
            bad(HotlineProblem::TextTooLong);
        }
        let ticket = ticket_at.map(cell).unwrap_or_default();
        if ticket.chars().count() > MAX_TICKET_CHARS {
            bad(HotlineProblem::TicketTooLong);
        }
        let district = cell(district_at);
        let Some(day) = day else { continue };
        if !(1..=MAX_CATEGORY_CHARS).contains(&cn)
            || !(1..=MAX_BODY_CHARS).contains(&bn)
            || ticket.chars().count() > MAX_TICKET_CHARS
        {
            continue;
        }
        let key = if ticket.is_empty() {
            let nth = identical
                .entry(row_key(day, district, category, body, 0))
                .or_default();
            *nth += 1;
            row_key(day, district, category, body, *nth - 1)
        } else {
            if let Some(first_row) = tickets.get(ticket) {
                bad(HotlineProblem::Repeated {
                    first_row: *first_row,
                });
                continue;
            }
            tickets.insert(ticket.to_owned(), row);
            format!("t:{ticket}")
        };
        calls.push(HotlineCall {
            row,
            received_on: day,
            district: (!district.is_empty()).then(|| district.to_owned()),
            category: category.to_owned(),
            body: body.to_owned(),
            key,
        });
    }
    if calls.is_empty() && errors.is_empty() {
        return file_error(HotlineProblem::Empty);
    }
    if errors.is_empty() {
        Ok(calls)
    } else {
        Err(errors)
    }
}

/// A topic turned into a draft item, as its form sends it, checked field by field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicDraft {
    pub week: NaiveDate,
    pub site: super::PublicCode,
    pub kind: super::list_item::ItemKind,
    pub description: String,
    /// What the item's log says it came from: the topic's word and week.
    pub origin: String,
}

/// Why a draft cannot be made; `field` names the form's field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct DraftError {
    pub field: &'static str,
    pub message: &'static str,
}

impl TopicDraft {
    pub fn parse(
        term: &str,
        week: &str,
        site: &str,
        kind: &str,
        description: &str,
    ) -> Result<Self, DraftError> {
        let bad = |field, message| DraftError { field, message };
        let week = parse_day(week)
            .map(week_of)
            .ok_or(bad("topic_week", "choose a day of the week"))?;
        let kind = super::list_item::ItemKind::parse(kind.trim())
            .ok_or(bad("topic_kind", "choose problem or suggestion"))?;
        let description = description.trim();
        if !(1..=super::list_item::MAX_TEXT_CHARS).contains(&description.chars().count()) {
            return Err(bad(
                "description",
                "describe the item in 1 to 2000 characters",
            ));
        }
        let site = super::PublicCode::parse(site.trim())
            .map_err(|_| bad("topic_site", "type the 7-character code of a site"))?;
        let term: String = term.trim().chars().take(32).collect();
        Ok(TopicDraft {
            week,
            site,
            kind,
            description: description.to_owned(),
            origin: format!("热点话题：{term}（{week} 当周）"),
        })
    }
}

/// A word list as saved: each line trimmed, empty lines dropped.
pub fn tidy_list(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// What a topic says when staff turn it into a draft item: its word and the words beside it,
/// how many texts of the week and from where, and the first texts in their own words, within an
/// item's 2,000 characters.
pub fn draft_description(
    term: &str,
    related: &[String],
    week: NaiveDate,
    by_source: &[(Source, u32)],
    samples: &[String],
) -> String {
    let source_zh = |s: Source| match s {
        Source::Comment => "群众留言",
        Source::Answer => "问卷意见",
        Source::Observation => "代表记录",
        Source::Hotline => "12345 热线",
    };
    let total: u32 = by_source.iter().map(|(_, n)| n).sum();
    let mut head = format!("热点话题“{term}”");
    if !related.is_empty() {
        head.push_str(&format!("（{}）", related.join("、")));
    }
    let parts: Vec<String> = by_source
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(s, n)| format!("{} {n} 条", source_zh(*s)))
        .collect();
    head.push_str(&format!(
        "：{week} 当周共 {total} 条（{}）。",
        parts.join("，")
    ));
    let limit = super::list_item::MAX_TEXT_CHARS;
    let mut out = head;
    for (i, s) in samples.iter().enumerate() {
        let one: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
        let line = format!("\n{}. {one}", i + 1);
        if out.chars().count() + line.chars().count() > limit {
            break;
        }
        out.push_str(&line);
    }
    out.chars().take(limit).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn only_words_with_a_letter_and_two_characters_are_terms() {
        assert!(is_term("停车"));
        assert!(is_term("WiFi"));
        assert!(!is_term("车"));
        assert!(!is_term("2026"));
        assert!(!is_term("，。"));
        assert!(!is_term("a b"));
        assert!(!is_term(&"长".repeat(MAX_WORD_CHARS + 1)));
        assert_eq!(
            terms_of(["停车", "难", "停车", "WiFi", "12", "wifi"]),
            vec!["停车".to_owned(), "wifi".to_owned()]
        );
    }

    #[test]
    fn word_lists_map_synonyms_to_their_first_word_and_drop_stop_words() {
        let l = WordLists::parse("我们 希望\n问题", "停车, 车位、停车位\n噪音 噪声").unwrap();
        assert_eq!(l.canonical("车位"), Some("停车"));
        assert_eq!(l.canonical("停车"), Some("停车"));
        assert_eq!(l.canonical("噪声"), Some("噪音"));
        assert_eq!(l.canonical("希望"), None);
        assert_eq!(l.canonical("问题"), None);
        assert_eq!(l.canonical("路灯"), Some("路灯"));
        assert_eq!(l.spellings("停车"), vec!["停车", "停车位", "车位"]);
        assert_eq!(l.spellings("路灯"), vec!["路灯"]);
        // A synonym of a stop word is dropped too.
        let l = WordLists::parse("停车", "停车 车位").unwrap();
        assert_eq!(l.canonical("车位"), None);
    }

    #[test]
    fn word_lists_say_which_line_is_wrong() {
        assert_eq!(
            WordLists::parse("", "停车 车位\n车位 泊位"),
            Err(WordListError::SynonymTwice {
                word: "车位".into(),
                first: 1,
                line: 2
            })
        );
        let e = WordLists::parse("", "停车\n").unwrap_err();
        assert_eq!(e, WordListError::LoneSynonym { line: 1 });
        assert_eq!(e.field(), "synonyms");
        let e = WordLists::parse(&format!("好\n{}", "长".repeat(17)), "").unwrap_err();
        assert!(matches!(
            e,
            WordListError::WordTooLong {
                line: 2,
                synonyms: false,
                ..
            }
        ));
        assert_eq!(e.field(), "stop_words");
        assert!(e.message_zh().contains("第 2 行"));
        assert!(WordLists::parse(&"字 ".repeat(MAX_LIST_CHARS), "").is_err());
        // The same word twice on one line is not an error.
        assert!(WordLists::parse("", "停车 停车 车位").is_ok());
    }

    fn words(s: &str) -> Vec<String> {
        s.split(' ').map(str::to_owned).collect()
    }

    #[test]
    fn a_week_groups_each_text_under_its_most_shared_word() {
        let lists = WordLists::parse("希望", "停车 车位").unwrap();
        let mut f = TopicFinder::new(&lists, 3);
        // Two weeks back: one text on parking; last week: two.
        f.add(0, &words("停车 收费"), "");
        f.add(1, &words("车位 不足"), "");
        f.add(1, &words("停车 收费"), "");
        // The chosen week.
        f.add(2, &words("停车 收费 希望"), ""); // 0
        f.add(2, &words("车位 收费"), ""); // 1
        f.add(2, &words("停车 路灯"), ""); // 2
        f.add(2, &words("路灯 不亮"), ""); // 3
        f.add(2, &words("路灯 不亮 晚上"), ""); // 4
        f.add(2, &words("噪音"), ""); // 5
        f.add(9, &words("停车"), ""); // beyond the window: ignored
        let t = f.finish(TOPICS_SHOWN);
        assert_eq!((t.texts, t.in_no_topic), (6, 1));
        let names: Vec<&str> = t.topics.iter().map(|t| t.term.as_str()).collect();
        // 停车 (3 texts, synonyms counted) and 路灯 (3) tie: by word; 收费 (2) finds its texts
        // grouped already; 不亮 (2) too.
        assert_eq!(names, vec!["停车", "路灯"]);
        let parking = &t.topics[0];
        assert_eq!(parking.texts, vec![3, 4, 5]);
        assert_eq!(parking.related, vec![("收费".to_owned(), 2)]);
        assert_eq!(parking.trend, vec![1, 2, 3]);
        let lights = &t.topics[1];
        // Text 2 mentions lights but is under parking already.
        assert_eq!(lights.texts, vec![6, 7]);
        assert_eq!(lights.trend, vec![0, 0, 3]);
        assert_eq!(lights.related, vec![("不亮".to_owned(), 2)]);
        // Every text of the week is in one topic at most, and the counts add up.
        let grouped: usize = t.topics.iter().map(|t| t.texts.len()).sum();
        assert_eq!(grouped as u32 + t.in_no_topic, t.texts);
    }

    #[test]
    fn topics_stop_at_their_limit_and_a_word_of_one_text_is_no_topic() {
        let lists = WordLists::default();
        let mut f = TopicFinder::new(&lists, 1);
        for w in ["甲乙 丙丁", "甲乙 戊己", "丙丁 庚辛", "庚辛 戊己", "壬癸"] {
            f.add(0, &words(w), "");
        }
        assert_eq!(f.len(), 5);
        let topics = f.finish(1);
        assert_eq!(topics.topics.len(), 1);
        // 丙丁 (2), then 庚辛 and 戊己 find one text each left: one topic more, listed as such.
        assert_eq!(topics.topics[0].term, "丙丁");
        assert_eq!((topics.more_topics, topics.in_more_topics), (1, 2));
        assert_eq!(topics.in_no_topic, 1);
        let mut f = TopicFinder::new(&lists, 1);
        f.add(0, &words("壬癸"), "");
        assert!(f.finish(TOPICS_SHOWN).topics.is_empty());
    }

    #[test]
    fn synonyms_are_found_inside_longer_words_but_stop_words_are_not() {
        let lists = WordLists::parse("垃圾", "充电桩 充电设施\n垃圾 垃圾桶\nwifi 无线网").unwrap();
        let mut f = TopicFinder::new(&lists, 1);
        // The cutter made 充电 / 桩 of 充电桩; the synonym is still found.
        f.add(0, &words("充电 桩 坏了"), "充电桩坏了");
        f.add(0, &words("充电设施 不够"), "充电设施不够");
        f.add(0, &words("垃圾桶 满了"), "垃圾桶满了");
        f.add(0, &words("垃圾桶 没人 清"), "垃圾桶没人清");
        f.add(0, &words("wifi"), "小区WiFi信号差");
        f.add(0, &words("无线网"), "无线网");
        let t = f.finish(TOPICS_SHOWN);
        let names: Vec<(&str, usize)> = t
            .topics
            .iter()
            .map(|t| (t.term.as_str(), t.texts.len()))
            .collect();
        // 垃圾 is a stop word: its synonym line goes with it, inside texts too. Ties by word.
        assert_eq!(names, vec![("wifi", 2), ("充电桩", 2)]);
        assert_eq!(t.in_no_topic, 2);
    }

    #[test]
    fn weeks_start_on_monday_and_days_read_as_exported() {
        assert_eq!(week_of(d("2026-12-07")), d("2026-12-07"));
        assert_eq!(week_of(d("2026-12-13")), d("2026-12-07"));
        assert_eq!(week_of(d("2026-12-06")), d("2026-11-30"));
        for s in [
            "2026-12-07",
            "2026/12/7",
            "2026.12.07",
            "2026年12月7日",
            "2026-12-07 10:32:00",
            "2026-12-07T10:32:00",
            "46363",
        ] {
            assert_eq!(parse_day(s), Some(d("2026-12-07")), "{s}");
        }
        for s in [
            "",
            "12/07/2026",
            "2026-13-01",
            "1899-01-01",
            "yesterday",
            "1e9",
            "NaN",
        ] {
            assert_eq!(parse_day(s), None, "{s}");
        }
    }

    fn sheet(rows: &[&[&str]]) -> Vec<Vec<String>> {
        rows.iter()
            .map(|r| r.iter().map(|c| (*c).to_owned()).collect())
            .collect()
    }

    #[test]
    fn an_export_is_read_whole_or_each_bad_row_is_named() {
        // Two callers saying the same words the same day are two calls; a blank row is
        // skipped; the same export again gives the same keys (and is skipped when stored).
        let export = sheet(&[
            &["工单编号", "受理日期", "区县", "诉求类别", "诉求内容"],
            &["A1", "2026-12-07", "西湖区", "交通", "小区门口停车难"],
            &["", "2026-12-08", "", "环境", "夜间施工噪音"],
            &["", "", "", "", ""],
            &["", "2026-12-08", "", "环境", "夜间施工噪音 "],
        ]);
        let calls = parse_hotline(export.clone()).unwrap();
        let keys: Vec<&str> = calls.iter().map(|c| c.key.as_str()).collect();
        assert_eq!(calls.len(), 3);
        assert_eq!(keys[0], "t:A1");
        assert!(
            keys[1].ends_with(":0") && keys[2].ends_with(":1"),
            "{keys:?}"
        );
        assert_eq!(
            keys[1].trim_end_matches(":0"),
            keys[2].trim_end_matches(":1")
        );
        let again = parse_hotline(export).unwrap();
        assert_eq!(
            again.iter().map(|c| c.key.as_str()).collect::<Vec<_>>(),
            keys
        );
        let nul = parse_hotline(sheet(&[
            &["日期", "区县", "类别", "内容"],
            &["2026-12-07", "", "交通", "停车\u{0}难"],
            &["2026-12-07", "", "交通", "第一行\n第二行\t完"],
        ]))
        .unwrap_err();
        assert_eq!(
            nul,
            vec![HotlineRowError {
                row: 2,
                problem: HotlineProblem::ControlCharacter
            }]
        );
        let calls = parse_hotline(sheet(&[
            &["date", "district", "category", "text"],
            &["2026-12-07", "西湖区", "交通", "小区门口停车难"],
            &["2026-12-08", "", "环境", "夜间施工噪音"],
        ]))
        .unwrap();
        assert_eq!(calls.len(), 2);
        assert_eq!(calls[0].district.as_deref(), Some("西湖区"));
        assert_eq!(calls[1].district, None);
        assert!(calls[0].key.starts_with("h:"));
        assert_ne!(calls[0].key, calls[1].key);
        let bad = parse_hotline(sheet(&[
            &["日期", "区县", "类别", "内容", "工单编号"],
            &["明天", "西湖区", "", "有事", &"1".repeat(65)],
            &["2026-12-07", "西湖区", "交通", &"长".repeat(2001), "B"],
            &["2026-12-07", "西湖区", "交通", "好", "B"],
            &["2026-12-07", "西湖区", "交通", "又一件", "B"],
        ]))
        .unwrap_err();
        let problems: Vec<(usize, HotlineProblem)> =
            bad.into_iter().map(|e| (e.row, e.problem)).collect();
        assert_eq!(
            problems,
            vec![
                (
                    2,
                    HotlineProblem::BadDate {
                        value: "明天".into()
                    }
                ),
                (2, HotlineProblem::NoCategory),
                (2, HotlineProblem::TicketTooLong),
                (3, HotlineProblem::TextTooLong),
                (5, HotlineProblem::Repeated { first_row: 4 }),
            ]
        );
        let missing = parse_hotline(sheet(&[&["日期", "内容"], &["2026-12-07", "x"]])).unwrap_err();
        assert_eq!(missing.len(), 2);
        assert!(missing[0].problem.message_zh().contains("区县"));
        assert_eq!(
            parse_hotline(sheet(&[&["日期", "区县", "类别", "内容"]])).unwrap_err()[0].problem,
            HotlineProblem::Empty
        );
        let mut big = vec![vec![
            "日期".to_owned(),
            "区县".into(),
            "类别".into(),
            "内容".into(),
        ]];
        for i in 0..=MAX_ROWS {
            big.push(vec![
                "2026-12-07".into(),
                String::new(),
                "c".into(),
                format!("t{i}"),
            ]);
        }
        assert_eq!(
            parse_hotline(big).unwrap_err()[0].problem,
            HotlineProblem::TooManyRows
        );
    }

    #[test]
    fn a_draft_form_is_checked_field_by_field() {
        let ok = TopicDraft::parse(" 停车 ", "2026-12-09", " 23456AB ", "problem", " 停车难 ");
        let d = ok.unwrap();
        assert_eq!(d.week, d_("2026-12-07"));
        assert_eq!(d.site.as_str(), "23456AB");
        assert_eq!(d.description, "停车难");
        assert_eq!(d.origin, "热点话题：停车（2026-12-07 当周）");
        let field = |r: Result<TopicDraft, DraftError>| r.unwrap_err().field;
        assert_eq!(
            field(TopicDraft::parse("x", "x", "23456AB", "problem", "a")),
            "topic_week"
        );
        assert_eq!(
            field(TopicDraft::parse("x", "2026-12-07", "23456AB", "x", "a")),
            "topic_kind"
        );
        assert_eq!(
            field(TopicDraft::parse(
                "x",
                "2026-12-07",
                "23456AB",
                "problem",
                " "
            )),
            "description"
        );
        assert_eq!(
            field(TopicDraft::parse(
                "x",
                "2026-12-07",
                "23456AB",
                "problem",
                &"长".repeat(2001)
            )),
            "description"
        );
        assert_eq!(
            field(TopicDraft::parse(
                "x",
                "2026-12-07",
                "' or 1",
                "problem",
                "a"
            )),
            "topic_site"
        );
        assert_eq!(tidy_list("  停车 车位 \n\n\t噪音\n"), "停车 车位\n噪音");
    }

    fn d_(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_draft_says_the_topic_and_its_texts_within_an_items_length() {
        let s = draft_description(
            "停车",
            &["收费".into()],
            d("2026-12-07"),
            &[
                (Source::Comment, 2),
                (Source::Hotline, 1),
                (Source::Answer, 0),
            ],
            &["小区门口\n停车难".into(), "收费太贵".into()],
        );
        assert_eq!(
            s,
            "热点话题“停车”（收费）：2026-12-07 当周共 3 条（群众留言 2 条，12345 热线 1 条）。\n1. 小区门口 停车难\n2. 收费太贵"
        );
        let long = draft_description(
            "停车",
            &[],
            d("2026-12-07"),
            &[(Source::Comment, 50)],
            &vec!["长".repeat(1500); 3],
        );
        assert!(long.chars().count() <= crate::domain::list_item::MAX_TEXT_CHARS);
        assert!(long.contains("\n1. "));
        assert!(!long.contains("\n2. "));
    }
}
