//! Questionnaires (民意调查): what staff may ask, what counts as an answer, and the tallies.
//!
//! A questionnaire is a list of questions — single choice, multiple choice, a 1–5 scale or short
//! text — each required or not, each optionally shown only when an earlier choice question got a
//! given option. The public answers through a plain form (no script), so every question is on the
//! page: an answer to a question whose condition is not met is dropped, and "required" binds
//! only where the condition holds. Answers are kept as one JSON array per respondent, in the
//! questions' order, which is why questions are frozen once the first answer is in.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::public_code::PublicCode;

pub const MAX_TITLE_CHARS: usize = 100;
pub const MAX_INTRO_CHARS: usize = 2000;
pub const MAX_QUESTIONS: usize = 50;
pub const MAX_PROMPT_CHARS: usize = 300;
pub const MIN_OPTIONS: usize = 2;
pub const MAX_OPTIONS: usize = 20;
pub const MAX_OPTION_CHARS: usize = 100;
pub const MAX_TEXT_ANSWER_CHARS: usize = 500;
pub const MAX_TARGETS: usize = 500;
/// The points of the scale question, worst to best.
pub const SCALE: std::ops::RangeInclusive<u8> = 1..=5;
pub const QUESTIONNAIRES_PAGE: u32 = 30;
/// Text answers shown under a question on the results page (all of them are in the XLSX).
pub const TEXTS_SHOWN: usize = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    Single,
    Multiple,
    Scale,
    Text,
}

impl QuestionKind {
    pub const ALL: [QuestionKind; 4] = [
        QuestionKind::Single,
        QuestionKind::Multiple,
        QuestionKind::Scale,
        QuestionKind::Text,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            QuestionKind::Single => "single",
            QuestionKind::Multiple => "multiple",
            QuestionKind::Scale => "scale",
            QuestionKind::Text => "text",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s.trim())
    }

    pub fn has_options(self) -> bool {
        matches!(self, QuestionKind::Single | QuestionKind::Multiple)
    }
}

/// "Show this question only if question `question` (0-based, an earlier choice question) was
/// answered with option `option` (0-based)."
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Condition {
    pub question: usize,
    pub option: usize,
}

impl Condition {
    /// The form's value for a condition: `2.1` is the first option of question 2 (both counted
    /// from 1, as the page shows them).
    pub fn form_value(self) -> String {
        format!("{}.{}", self.question + 1, self.option + 1)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    pub prompt: String,
    pub kind: QuestionKind,
    #[serde(default)]
    pub options: Vec<String>,
    pub required: bool,
    #[serde(default)]
    pub show_if: Option<Condition>,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum QuestionError {
    #[error("write the question (at most {MAX_PROMPT_CHARS} characters, no control characters)")]
    Prompt,
    #[error("choose the kind of question")]
    Kind,
    #[error("a choice question needs {MIN_OPTIONS} to {MAX_OPTIONS} different options, one a line, each at most {MAX_OPTION_CHARS} characters")]
    Options,
    #[error("the condition must name an option of an earlier choice question")]
    Condition,
    #[error("a questionnaire has at most {MAX_QUESTIONS} questions")]
    TooMany,
}

impl QuestionError {
    pub fn field(&self) -> &'static str {
        match self {
            QuestionError::Prompt => "question_prompt",
            QuestionError::Kind => "question_kind",
            QuestionError::Options => "question_options",
            QuestionError::Condition => "question_condition",
            QuestionError::TooMany => "question_prompt",
        }
    }
}

fn one_line(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.chars().any(char::is_control)).then(|| t.to_owned())
}

impl Question {
    /// A question as the staff's form sends it: `options` one a line (blank lines skipped),
    /// `show_if` empty or `question.option` counted from 1. `earlier` is the questionnaire's
    /// questions so far, which the condition must point into.
    pub fn parse(
        prompt: &str,
        kind: &str,
        options: &str,
        required: bool,
        show_if: &str,
        earlier: &[Question],
    ) -> Result<Question, QuestionError> {
        if earlier.len() >= MAX_QUESTIONS {
            return Err(QuestionError::TooMany);
        }
        let prompt = one_line(prompt)
            .filter(|p| !p.is_empty() && p.chars().count() <= MAX_PROMPT_CHARS)
            .ok_or(QuestionError::Prompt)?;
        let kind = QuestionKind::parse(kind).ok_or(QuestionError::Kind)?;
        let options = if kind.has_options() {
            let mut list: Vec<String> = Vec::new();
            for line in options.lines() {
                let o = one_line(line).ok_or(QuestionError::Options)?;
                if o.is_empty() {
                    continue;
                }
                // Past the limit at once: a pasted list of thousands costs nothing more.
                if o.chars().count() > MAX_OPTION_CHARS
                    || list.contains(&o)
                    || list.len() == MAX_OPTIONS
                {
                    return Err(QuestionError::Options);
                }
                list.push(o);
            }
            if !(MIN_OPTIONS..=MAX_OPTIONS).contains(&list.len()) {
                return Err(QuestionError::Options);
            }
            list
        } else {
            Vec::new()
        };
        let show_if = match show_if.trim() {
            "" => None,
            s => {
                let (q, o) = s.split_once('.').ok_or(QuestionError::Condition)?;
                let q: usize = q.trim().parse().map_err(|_| QuestionError::Condition)?;
                let o: usize = o.trim().parse().map_err(|_| QuestionError::Condition)?;
                let target = q
                    .checked_sub(1)
                    .and_then(|i| earlier.get(i))
                    .filter(|t| t.kind.has_options())
                    .ok_or(QuestionError::Condition)?;
                if o == 0 || o > target.options.len() {
                    return Err(QuestionError::Condition);
                }
                Some(Condition {
                    question: q - 1,
                    option: o - 1,
                })
            }
        };
        Ok(Question {
            prompt,
            kind,
            options,
            required,
            show_if,
        })
    }

    /// What the scale's and choice's bars are counted over: the options, or the five points.
    pub fn points(&self) -> usize {
        match self.kind {
            QuestionKind::Single | QuestionKind::Multiple => self.options.len(),
            QuestionKind::Scale => SCALE.len(),
            QuestionKind::Text => 0,
        }
    }
}

/// A short name for one version of the questions: the form carries it, and an answer drawn
/// from another version is refused (staff may change questions until the first answer, and a
/// form opened before a change would put its answers under the wrong questions).
pub fn revision(questions: &[Question]) -> String {
    use sha2::{Digest, Sha256};
    let json = serde_json::to_vec(questions).unwrap_or_default();
    Sha256::digest(&json)
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Whether questions may still change: only while nobody has answered.
pub fn may_edit_questions(answers: i64) -> bool {
    answers == 0
}

/// Removing a question that a later one's condition points at would leave that condition
/// pointing at the wrong question: refused. Removing an earlier one shifts the later
/// conditions down with it.
pub fn remove_question(questions: &[Question], index: usize) -> Option<Vec<Question>> {
    if index >= questions.len()
        || questions
            .iter()
            .any(|q| q.show_if.is_some_and(|c| c.question == index))
    {
        return None;
    }
    Some(
        questions
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != index)
            .map(|(_, q)| {
                let mut q = q.clone();
                if let Some(c) = &mut q.show_if {
                    if c.question > index {
                        c.question -= 1;
                    }
                }
                q
            })
            .collect(),
    )
}

/// One respondent's answer to one question, as stored (JSON: a number, a list of numbers or a
/// string; options counted from 0).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Answer {
    Choices(Vec<usize>),
    Number(usize),
    Text(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AnswerError {
    #[error("question {} needs an answer", .0 + 1)]
    Missing(usize),
    #[error("question {}: this is not one of its options", .0 + 1)]
    NotAnOption(usize),
    #[error("question {}: the text is longer than {MAX_TEXT_ANSWER_CHARS} characters or holds a control character", .0 + 1)]
    Text(usize),
    #[error("the questionnaire has no questions yet")]
    Empty,
}

impl AnswerError {
    /// The question at fault, counted from 0.
    pub fn question(&self) -> Option<usize> {
        match self {
            AnswerError::Missing(i) | AnswerError::NotAnOption(i) | AnswerError::Text(i) => {
                Some(*i)
            }
            AnswerError::Empty => None,
        }
    }

    /// The field as the page marks it: `answer.3` is question 3 (counted from 1).
    pub fn field(&self) -> String {
        match self.question() {
            Some(i) => format!("answer.{}", i + 1),
            None => "answer".to_owned(),
        }
    }
}

/// The form's field for question `i` (0-based): `q1`, `q2`, …; a multiple choice sends it once
/// per ticked option; the values are options counted from 1, or the scale's point.
pub fn field_name(i: usize) -> String {
    format!("q{}", i + 1)
}

/// Whether question `i` applies given the answers before it.
pub fn applies(questions: &[Question], answers: &[Option<Answer>], i: usize) -> bool {
    let Some(c) = questions.get(i).and_then(|q| q.show_if) else {
        return true;
    };
    match answers.get(c.question) {
        Some(Some(Answer::Number(o))) => *o == c.option,
        Some(Some(Answer::Choices(list))) => list.contains(&c.option),
        _ => false,
    }
}

/// Reads a posted form (its name/value pairs, in order) against the questions. Unknown fields
/// are ignored (the form's token, the honeypot); answers to questions whose condition does not
/// hold are dropped.
pub fn parse_answers(
    questions: &[Question],
    form: &[(String, String)],
) -> Result<Vec<Option<Answer>>, AnswerError> {
    if questions.is_empty() {
        return Err(AnswerError::Empty);
    }
    let mut out: Vec<Option<Answer>> = Vec::with_capacity(questions.len());
    for (i, q) in questions.iter().enumerate() {
        let name = field_name(i);
        let values: Vec<&str> = form
            .iter()
            .filter(|(k, _)| *k == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
            .collect();
        if !applies(questions, &out, i) {
            out.push(None);
            continue;
        }
        let option = |v: &str, n: usize| -> Result<usize, AnswerError> {
            v.parse::<usize>()
                .ok()
                .filter(|o| (1..=n).contains(o))
                .map(|o| o - 1)
                .ok_or(AnswerError::NotAnOption(i))
        };
        let answer = match q.kind {
            _ if values.is_empty() => None,
            QuestionKind::Single => {
                if values.len() > 1 {
                    return Err(AnswerError::NotAnOption(i));
                }
                Some(Answer::Number(option(values[0], q.options.len())?))
            }
            QuestionKind::Multiple => {
                let mut list = values
                    .iter()
                    .map(|v| option(v, q.options.len()))
                    .collect::<Result<Vec<_>, _>>()?;
                list.sort_unstable();
                list.dedup();
                Some(Answer::Choices(list))
            }
            QuestionKind::Scale => {
                if values.len() > 1 {
                    return Err(AnswerError::NotAnOption(i));
                }
                let p = values[0]
                    .parse::<u8>()
                    .ok()
                    .filter(|p| SCALE.contains(p))
                    .ok_or(AnswerError::NotAnOption(i))?;
                Some(Answer::Number(usize::from(p)))
            }
            QuestionKind::Text => {
                let text = values.join("\n").replace("\r\n", "\n");
                if text.chars().count() > MAX_TEXT_ANSWER_CHARS
                    || text.chars().any(|c| c.is_control() && c != '\n')
                {
                    return Err(AnswerError::Text(i));
                }
                Some(Answer::Text(text))
            }
        };
        if answer.is_none() && q.required {
            return Err(AnswerError::Missing(i));
        }
        out.push(answer);
    }
    Ok(out)
}

/// Counts for one question over many answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuestionTally {
    /// Respondents who answered it.
    pub answered: u64,
    /// Per option (choice) or per point 1–5 (scale); empty for text.
    pub counts: Vec<u64>,
    /// The scale's mean times 100 (integer, so the tally stays exact).
    pub mean_x100: Option<u64>,
    /// The latest text answers, newest first, at most [`TEXTS_SHOWN`].
    pub texts: Vec<String>,
}

/// Tallies answers one respondent at a time (newest first), so a long list is streamed from
/// the database rather than held. An answer the questions cannot hold (an option past the end)
/// is not counted.
pub struct Tallier<'q> {
    questions: &'q [Question],
    out: Vec<QuestionTally>,
    sums: Vec<u64>,
    respondents: u64,
}

impl<'q> Tallier<'q> {
    pub fn new(questions: &'q [Question]) -> Self {
        Tallier {
            out: questions
                .iter()
                .map(|q| QuestionTally {
                    answered: 0,
                    counts: vec![0; q.points()],
                    mean_x100: None,
                    texts: Vec::new(),
                })
                .collect(),
            sums: vec![0; questions.len()],
            respondents: 0,
            questions,
        }
    }

    pub fn add(&mut self, a: &[Option<Answer>]) {
        self.respondents += 1;
        for (i, q) in self.questions.iter().enumerate() {
            let t = &mut self.out[i];
            let n = t.counts.len();
            match (q.kind, a.get(i)) {
                (QuestionKind::Single, Some(Some(Answer::Number(o)))) if *o < n => {
                    t.counts[*o] += 1;
                    t.answered += 1;
                }
                (QuestionKind::Multiple, Some(Some(Answer::Choices(list)))) => {
                    let mut any = false;
                    for o in list.iter().filter(|o| **o < n) {
                        t.counts[*o] += 1;
                        any = true;
                    }
                    t.answered += u64::from(any);
                }
                (QuestionKind::Scale, Some(Some(Answer::Number(p)))) if (1..=n).contains(p) => {
                    t.counts[p - 1] += 1;
                    t.answered += 1;
                    self.sums[i] += *p as u64;
                }
                (QuestionKind::Text, Some(Some(Answer::Text(s)))) => {
                    t.answered += 1;
                    if t.texts.len() < TEXTS_SHOWN {
                        t.texts.push(s.clone());
                    }
                }
                _ => {}
            }
        }
    }

    /// How many respondents were added.
    pub fn respondents(&self) -> u64 {
        self.respondents
    }

    pub fn finish(mut self) -> Vec<QuestionTally> {
        for (i, q) in self.questions.iter().enumerate() {
            let t = &mut self.out[i];
            if q.kind == QuestionKind::Scale && t.answered > 0 {
                t.mean_x100 = Some((self.sums[i] * 100 + t.answered / 2) / t.answered);
            }
        }
        self.out
    }
}

/// Tallies `answers` (each a respondent's array, newest first) over `questions`.
pub fn tally<'a>(
    questions: &[Question],
    answers: impl IntoIterator<Item = &'a [Option<Answer>]>,
) -> Vec<QuestionTally> {
    let mut t = Tallier::new(questions);
    for a in answers {
        t.add(a);
    }
    t.finish()
}

/// Where an answer came from: a site's QR code, the questionnaire's own link or QR (printed at a
/// deputy liaison station, say), or a paper form typed in by staff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Site,
    Link,
    Paper,
}

impl Channel {
    pub const ALL: [Channel; 3] = [Channel::Site, Channel::Link, Channel::Paper];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Site => "site",
            Channel::Link => "link",
            Channel::Paper => "paper",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

impl TryFrom<String> for Channel {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Channel::parse(&s).ok_or(s)
    }
}

/// What a questionnaire is shown at: a project of the year (its number), a sub-item (`3.2`) or a
/// site (its poster code). None at all: it is reached only by its own link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Target {
    Project(i32),
    SubItem(i32, i32),
    Site(PublicCode),
}

impl Target {
    pub fn parse(s: &str) -> Option<Target> {
        let s = s.trim();
        let number = |n: &str| n.parse::<i32>().ok().filter(|n| (1..=99).contains(n));
        if let Some((p, i)) = s.split_once('.') {
            return Some(Target::SubItem(number(p)?, number(i)?));
        }
        if let Some(n) = number(s) {
            return Some(Target::Project(n));
        }
        PublicCode::parse(s).ok().map(Target::Site)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DraftError {
    #[error("write a title (at most {MAX_TITLE_CHARS} characters)")]
    Title,
    #[error(
        "the introduction is longer than {MAX_INTRO_CHARS} characters or holds a control character"
    )]
    Intro,
    #[error("give the first and last day as dates, the last not before the first")]
    Days,
    #[error("this is not a project number (3), a sub-item (3.2) or a site's code: {0}")]
    Target(String),
    #[error("at most {MAX_TARGETS} projects, sub-items and sites")]
    TooManyTargets,
    #[error("there is no such project, sub-item or site in that year: {0}")]
    UnknownTarget(String),
}

impl DraftError {
    pub fn field(&self) -> &'static str {
        match self {
            DraftError::Title => "questionnaire_title",
            DraftError::Intro => "questionnaire_intro",
            DraftError::Days => "questionnaire_days",
            DraftError::Target(_) | DraftError::TooManyTargets | DraftError::UnknownTarget(_) => {
                "questionnaire_targets"
            }
        }
    }
}

/// A new questionnaire as the staff's form sends it: the questions are added on its page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    pub title: String,
    pub intro: String,
    pub opens_on: NaiveDate,
    pub closes_on: NaiveDate,
    pub targets: Vec<(String, Target)>,
}

impl Draft {
    pub fn parse(
        title: &str,
        intro: &str,
        opens_on: &str,
        closes_on: &str,
        targets: &str,
    ) -> Result<Draft, DraftError> {
        let title = one_line(title)
            .filter(|t| !t.is_empty() && t.chars().count() <= MAX_TITLE_CHARS)
            .ok_or(DraftError::Title)?;
        let intro = intro.replace("\r\n", "\n").trim().to_owned();
        if intro.chars().count() > MAX_INTRO_CHARS
            || intro.chars().any(|c| c.is_control() && c != '\n')
        {
            return Err(DraftError::Intro);
        }
        let day = |s: &str| NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok();
        let (Some(opens_on), Some(closes_on)) = (day(opens_on), day(closes_on)) else {
            return Err(DraftError::Days);
        };
        if closes_on < opens_on {
            return Err(DraftError::Days);
        }
        let mut list: Vec<(String, Target)> = Vec::new();
        for word in targets
            .split(|c: char| c.is_whitespace() || matches!(c, ',' | '，' | '、' | ';' | '；'))
            .filter(|w| !w.is_empty())
        {
            let t = Target::parse(word).ok_or_else(|| DraftError::Target(word.to_owned()))?;
            if !list.iter().any(|(_, x)| *x == t) {
                if list.len() == MAX_TARGETS {
                    return Err(DraftError::TooManyTargets);
                }
                list.push((word.to_owned(), t));
            }
        }
        Ok(Draft {
            title,
            intro,
            opens_on,
            closes_on,
            targets: list,
        })
    }
}

/// Whether answers are taken on `today`.
pub fn is_open(opens_on: NaiveDate, closes_on: NaiveDate, today: NaiveDate) -> bool {
    opens_on <= today && today <= closes_on
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(prompt: &str, kind: &str, options: &str, required: bool, show_if: &str) -> Question {
        Question::parse(prompt, kind, options, required, show_if, &[]).unwrap()
    }

    fn sample() -> Vec<Question> {
        let mut list = vec![q("您多久用一次？", "single", "每天\n每周\n很少", true, "")];
        list.push(
            Question::parse(
                "为什么很少用？",
                "multiple",
                "太远\n\n不方便\n",
                false,
                "1.3",
                &list,
            )
            .unwrap(),
        );
        list.push(q("总体满意吗？", "scale", "", true, ""));
        list.push(q("还有什么建议？", "text", "ignored", false, ""));
        list
    }

    fn form(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_question_is_checked_field_by_field() {
        let list = sample();
        assert_eq!(list[1].options, ["太远", "不方便"]);
        assert_eq!(
            list[1].show_if,
            Some(Condition {
                question: 0,
                option: 2
            })
        );
        assert!(list[3].options.is_empty());
        let p = |prompt, kind, options, show_if| {
            Question::parse(prompt, kind, options, false, show_if, &list).unwrap_err()
        };
        assert_eq!(p(" ", "single", "a\nb", ""), QuestionError::Prompt);
        assert_eq!(p("x\u{7}", "single", "a\nb", ""), QuestionError::Prompt);
        assert_eq!(p("x", "ranking", "a\nb", ""), QuestionError::Kind);
        assert_eq!(p("x", "single", "a", ""), QuestionError::Options);
        assert_eq!(p("x", "single", "a\na", ""), QuestionError::Options);
        // Conditions point at an earlier choice question's option.
        assert_eq!(p("x", "text", "", "3.1"), QuestionError::Condition);
        assert_eq!(p("x", "text", "", "1.4"), QuestionError::Condition);
        assert_eq!(p("x", "text", "", "9.1"), QuestionError::Condition);
        assert_eq!(p("x", "text", "", "0.1"), QuestionError::Condition);
        assert_eq!(p("x", "text", "", "1"), QuestionError::Condition);
        let full: Vec<Question> = (0..MAX_QUESTIONS).map(|_| list[3].clone()).collect();
        assert_eq!(
            Question::parse("x", "text", "", false, "", &full).unwrap_err(),
            QuestionError::TooMany
        );
    }

    #[test]
    fn answers_follow_the_conditions_and_the_required_marks() {
        let list = sample();
        // "Rarely" opens question 2; its ticks are kept, sorted, once each.
        let a = parse_answers(
            &list,
            &form(&[
                ("q1", "3"),
                ("q2", "2"),
                ("q2", "1"),
                ("q2", "2"),
                ("q3", "4"),
                ("form_token", "x"),
            ]),
        )
        .unwrap();
        assert_eq!(
            a,
            vec![
                Some(Answer::Number(2)),
                Some(Answer::Choices(vec![0, 1])),
                Some(Answer::Number(4)),
                None
            ]
        );
        // "Daily" leaves question 2 out: what was ticked there is dropped.
        let a = parse_answers(
            &list,
            &form(&[("q1", "1"), ("q2", "1"), ("q3", "5"), ("q4", " 很好 ")]),
        )
        .unwrap();
        assert_eq!(a[1], None);
        assert_eq!(a[3], Some(Answer::Text("很好".into())));
        let e = |pairs: &[(&str, &str)]| parse_answers(&list, &form(pairs)).unwrap_err();
        assert_eq!(e(&[("q3", "5")]), AnswerError::Missing(0));
        assert_eq!(e(&[("q1", "1")]), AnswerError::Missing(2));
        assert_eq!(e(&[("q1", "4"), ("q3", "5")]), AnswerError::NotAnOption(0));
        assert_eq!(
            e(&[("q1", "1"), ("q1", "2"), ("q3", "5")]),
            AnswerError::NotAnOption(0)
        );
        assert_eq!(
            e(&[("q1", "3"), ("q2", "x"), ("q3", "5")]),
            AnswerError::NotAnOption(1)
        );
        assert_eq!(e(&[("q1", "1"), ("q3", "6")]), AnswerError::NotAnOption(2));
        assert_eq!(e(&[("q1", "1"), ("q3", "0")]), AnswerError::NotAnOption(2));
        let long = "长".repeat(MAX_TEXT_ANSWER_CHARS + 1);
        assert_eq!(
            e(&[("q1", "1"), ("q3", "5"), ("q4", &long)]),
            AnswerError::Text(3)
        );
        assert_eq!(
            e(&[("q1", "1"), ("q3", "5"), ("q4", "a\u{0}")]),
            AnswerError::Text(3)
        );
        assert_eq!(AnswerError::Missing(2).field(), "answer.3");
        assert_eq!(parse_answers(&[], &[]).unwrap_err(), AnswerError::Empty);
    }

    #[test]
    fn stored_answers_read_back_as_they_were() {
        let a = vec![
            Some(Answer::Number(2)),
            Some(Answer::Choices(vec![0, 1])),
            None,
            Some(Answer::Text("3".into())),
        ];
        let json = serde_json::to_string(&a).unwrap();
        assert_eq!(json, r#"[2,[0,1],null,"3"]"#);
        let back: Vec<Option<Answer>> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, a);
    }

    #[test]
    fn tallies_count_each_respondent_once_per_question() {
        let list = sample();
        let rows = [
            vec![
                Some(Answer::Number(2)),
                Some(Answer::Choices(vec![0, 1])),
                Some(Answer::Number(2)),
                Some(Answer::Text("远".into())),
            ],
            vec![Some(Answer::Number(0)), None, Some(Answer::Number(5)), None],
            // Out of range (a stored answer the questions cannot hold) is not counted.
            vec![Some(Answer::Number(7)), None, Some(Answer::Number(4)), None],
        ];
        let t = tally(&list, rows.iter().map(|r| r.as_slice()));
        assert_eq!(t[0].counts, [1, 0, 1]);
        assert_eq!(t[0].answered, 2);
        assert_eq!(t[1].counts, [1, 1]);
        assert_eq!(t[1].answered, 1);
        assert_eq!(t[2].counts, [0, 1, 0, 1, 1]);
        assert_eq!(t[2].mean_x100, Some(367));
        assert_eq!(t[3].texts, ["远"]);
        assert_eq!(t[3].answered, 1);
    }

    #[test]
    fn a_revision_names_one_version_of_the_questions() {
        let list = sample();
        assert_eq!(revision(&list), revision(&list.clone()));
        assert_eq!(revision(&list).len(), 16);
        let fewer = remove_question(&list, 3).unwrap();
        assert_ne!(revision(&list), revision(&fewer));
        let mut reworded = list.clone();
        reworded[2].prompt.push('？');
        assert_ne!(revision(&list), revision(&reworded));
    }

    #[test]
    fn long_pasted_lists_stop_at_their_limit() {
        let many: String = (0..10_000).map(|i| format!("选项{i}\n")).collect();
        assert_eq!(
            Question::parse("x", "single", &many, false, "", &[]).unwrap_err(),
            QuestionError::Options
        );
        let codes: String = (1..=99)
            .flat_map(|p| (1..=99).map(move |i| format!("{p}.{i} ")))
            .collect();
        assert_eq!(
            Draft::parse("x", "", "2026-12-01", "2026-12-31", &codes).unwrap_err(),
            DraftError::TooManyTargets
        );
    }

    #[test]
    fn removing_a_question_keeps_the_conditions_true() {
        let list = sample();
        // Question 1 opens question 2: it cannot go while 2 depends on it.
        assert_eq!(remove_question(&list, 0), None);
        let mut more = list.clone();
        more.insert(0, list[3].clone());
        more[2].show_if = Some(Condition {
            question: 1,
            option: 2,
        });
        let after = remove_question(&more, 0).unwrap();
        assert_eq!(after.len(), 4);
        assert_eq!(
            after[1].show_if,
            Some(Condition {
                question: 0,
                option: 2
            })
        );
        assert_eq!(remove_question(&list, 9), None);
    }

    #[test]
    fn a_draft_names_its_targets_and_days() {
        let d = Draft::parse(
            " 老年助餐满意度 ",
            "",
            "2026-12-01",
            "2026-12-31",
            "3, 3.2，a2b3c4d 3",
        )
        .unwrap();
        assert_eq!(d.title, "老年助餐满意度");
        let t: Vec<_> = d.targets.iter().map(|(_, t)| t.clone()).collect();
        assert_eq!(
            t,
            [
                Target::Project(3),
                Target::SubItem(3, 2),
                Target::Site(PublicCode::parse("A2B3C4D").unwrap())
            ]
        );
        let e = |title: &str, from: &str, to: &str, targets: &str| {
            Draft::parse(title, "", from, to, targets).unwrap_err()
        };
        assert_eq!(e("", "2026-12-01", "2026-12-31", ""), DraftError::Title);
        assert_eq!(e("x", "2026-12-31", "2026-12-01", ""), DraftError::Days);
        assert_eq!(e("x", "12/01", "2026-12-01", ""), DraftError::Days);
        assert_eq!(
            e("x", "2026-12-01", "2026-12-31", "3.x"),
            DraftError::Target("3.x".into())
        );
        assert_eq!(
            e("x", "2026-12-01", "2026-12-31", "100"),
            DraftError::Target("100".into())
        );
        assert!(is_open(d.opens_on, d.closes_on, d.closes_on));
        assert!(!is_open(
            d.opens_on,
            d.closes_on,
            d.closes_on + chrono::Days::new(1)
        ));
    }
}
