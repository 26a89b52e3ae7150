//! Cutting texts into words (jieba) as they come, so a topics page counts stored words rather
//! than segmenting a city's year of texts on every view.

use std::sync::LazyLock;

use crate::domain::topics::terms_of;
use crate::error::AppError;
use crate::store::Db;
use crate::topic_rows::{CutText, PendingText};

/// Texts of each source taken per round.
const BATCH: i64 = 2000;

/// The dictionary loads once per process (about half a second).
static JIEBA: LazyLock<jieba_rs::Jieba> = LazyLock::new(jieba_rs::Jieba::new);

/// One catch-up at a time in this process: a page and the background sweep asking at once would
/// cut the same texts twice (the database keeps one; the work would be wasted).
static RUNNING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The words of a text as stored: jieba's search-engine cut (a long word and the dictionary
/// words inside it: 停车难 gives 停车 too) with its hidden Markov model for words not in the
/// dictionary (place names, new words), then `domain::topics::terms_of`.
pub fn words(text: &str) -> Vec<String> {
    terms_of(JIEBA.cut_for_search(text, true).into_iter().map(|t| t.word))
}

fn cut_all(texts: Vec<PendingText>) -> Vec<CutText> {
    texts
        .into_iter()
        .map(|text| CutText {
            words: words(&text.body),
            text,
        })
        .collect()
}

/// How long a page waits for texts to be cut before it counts what is stored (and says so).
pub const PAGE_BUDGET: std::time::Duration = std::time::Duration::from_secs(5);

/// Stores every text not stored yet with its words; returns how many were new.
pub async fn catch_up(db: &Db) -> Result<u64, AppError> {
    let _one = RUNNING.lock().await;
    let mut stored = 0;
    while let Some(new) = one_batch(db).await? {
        stored += new;
    }
    Ok(stored)
}

/// As [`catch_up`], but for a page: for at most `budget`, waiting for a sweep under way. True
/// when nothing was left to cut.
pub async fn catch_up_within(db: &Db, budget: std::time::Duration) -> Result<bool, AppError> {
    let until = tokio::time::Instant::now() + budget;
    let Ok(_one) = tokio::time::timeout_at(until, RUNNING.lock()).await else {
        return Ok(false);
    };
    loop {
        if tokio::time::Instant::now() >= until {
            return Ok(false);
        }
        if one_batch(db).await?.is_none() {
            return Ok(true);
        }
    }
}

/// Cuts and stores one batch; `None` when there was nothing to cut (or another server stored
/// it between our read and our write).
async fn one_batch(db: &Db) -> Result<Option<u64>, AppError> {
    let pending = db.pending_topic_texts(BATCH).await?;
    if pending.is_empty() {
        return Ok(None);
    }
    let cut = tokio::task::spawn_blocking(move || cut_all(pending))
        .await
        .map_err(|_| AppError::internal())?;
    let new = db.store_topic_texts(&cut).await?;
    Ok((new > 0).then_some(new))
}

#[cfg(test)]
mod tests {
    use super::words;

    #[test]
    fn words_are_cut_as_the_default_synonyms_expect() {
        // The default synonym lines (migration 29) name words jieba cuts whole.
        // 停车难 is one word in the dictionary: the words inside it are kept beside it. (路灯
        // in 路灯不亮 is cut apart by the HMM: synonyms are also found inside the text, see
        // `domain::topics::WordLists`.)
        let w = words("小区门口停车难，车位不够；停车位收费太贵。垃圾清运不及时，噪音扰民");
        for expected in [
            "小区",
            "停车",
            "停车难",
            "车位",
            "停车位",
            "收费",
            "垃圾",
            "噪音",
        ] {
            assert!(w.iter().any(|x| x == expected), "{expected} not in {w:?}");
        }
        // Punctuation, digits and one-character words are not kept; each word once.
        assert!(w.iter().all(|x| x.chars().count() >= 2));
        assert_eq!(words("2026 年 12 月，，。"), Vec::<String>::new());
        assert_eq!(words("停车停车停车"), vec!["停车".to_owned()]);
    }
}
