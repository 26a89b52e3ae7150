//! One page of a long list, with how many there are in all: every list that can grow pages
//! with its total rather than stopping silently.

use serde::{Deserialize, Serialize};

/// One page of a list, with how many there are in all.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Paged<T> {
    pub rows: Vec<T>,
    pub total: i64,
    /// From 0.
    pub page: u32,
    pub per_page: u32,
}

impl<T> Paged<T> {
    pub fn pages(&self) -> u32 {
        page_count(self.total, self.per_page)
    }
}

/// How many pages `total` rows make at `per_page` a page (at least one, even when empty).
pub fn page_count(total: i64, per_page: u32) -> u32 {
    ((total.max(0) as u64).div_ceil(u64::from(per_page.max(1)))).max(1) as u32
}

#[cfg(test)]
mod tests {
    use super::Paged;

    #[test]
    fn pages_count_up() {
        let p = |total| {
            Paged::<()> {
                rows: vec![],
                total,
                page: 0,
                per_page: 50,
            }
            .pages()
        };
        assert_eq!((p(0), p(1), p(50), p(51), p(1200)), (1, 1, 1, 2, 24));
    }
}
