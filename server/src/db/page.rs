//! Keyset pages, the one way every list is read: rows after a key, in key order, at most
//! `limit` of them. One row more than the page is read, so a page that ends exactly at the
//! last row says there is no next page.

use serde::Serialize;

/// One page to read: rows after `after`, at most `limit`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window<K> {
    pub after: K,
    pub limit: u32,
}

/// One page read: its rows and, when more follow, the key to read the next page after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Page<T, K> {
    pub items: Vec<T>,
    pub next: Option<K>,
}

impl<K> Window<K> {
    /// How many rows to ask the database for: one more than the page.
    pub fn fetch(&self) -> i64 {
        i64::from(self.limit) + 1
    }

    /// The page of `rows` (read with [`Window::fetch`]), keyed by `key`.
    pub fn page<T, N>(&self, mut rows: Vec<T>, key: impl Fn(&T) -> N) -> Page<T, N> {
        let limit = self.limit as usize;
        let next = if rows.len() > limit {
            rows.truncate(limit);
            rows.last().map(key)
        } else {
            None
        };
        Page { items: rows, next }
    }
}

impl<T, K> Page<T, K> {
    /// The same page with every row mapped.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U, K> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next: self.next,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_last_page_has_no_next() {
        let window = Window { after: 0, limit: 2 };
        assert_eq!(window.fetch(), 3);
        let page = window.page(vec![1, 2], |n| *n);
        assert_eq!(page.next, None, "exactly full: nothing follows");
        let page = window.page(vec![1, 2, 3], |n| *n);
        assert_eq!((page.items, page.next), (vec![1, 2], Some(2)));
        assert_eq!(window.page(Vec::<i32>::new(), |n| *n).next, None);
    }
}
