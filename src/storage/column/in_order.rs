//! Reading a row's columns by position, in the order a decoder asks for them.

use std::cell::Cell;

use super::RawRow;

/// A row read in the order its statement lists its columns. A decoder asks for the
/// columns in that order (both come from one field list, [`crate::stored_row!`]), so the
/// column asked for is nearly always the next one: checking its name costs a comparison,
/// where finding it by name costs a hash of the name and a table lookup — a delivery's
/// context read has a hundred columns a row, and those lookups took about 3 % of the
/// service's CPU per delivery. A column that is not the next one is found by name, and
/// reading goes on from there, so the order makes reading faster but never decides what
/// is read.
pub struct InOrder<'r, R> {
    row: &'r R,
    next: Cell<usize>,
}

impl<'r, R: RawRow> InOrder<'r, R> {
    /// Reads `row`, starting with its first column.
    pub fn new(row: &'r R) -> Self {
        InOrder {
            row,
            next: Cell::new(0),
        }
    }

    /// The position of column `name`: the next one if it is named so, else wherever it
    /// is; reading goes on after it.
    fn position(&self, name: &str) -> Option<usize> {
        let next = self.next.get();
        let at = if self.row.column_name(next) == Some(name) {
            Some(next)
        } else {
            self.row.column_index(name)
        };
        if let Some(at) = at {
            self.next.set(at + 1);
        }
        at
    }
}

impl<R: RawRow> RawRow for InOrder<'_, R> {
    fn int(&self, name: &str) -> sqlx::Result<Option<i64>> {
        match self.position(name) {
            Some(at) => self.row.int_at(at),
            None => self.row.int(name),
        }
    }
    fn text(&self, name: &str) -> sqlx::Result<Option<String>> {
        match self.position(name) {
            Some(at) => self.row.text_at(at),
            None => self.row.text(name),
        }
    }
    fn flag(&self, name: &str) -> sqlx::Result<Option<bool>> {
        match self.position(name) {
            Some(at) => self.row.flag_at(at),
            None => self.row.flag(name),
        }
    }
    fn column_name(&self, index: usize) -> Option<&str> {
        self.row.column_name(index)
    }
    fn column_index(&self, name: &str) -> Option<usize> {
        self.row.column_index(name)
    }
    fn int_at(&self, index: usize) -> sqlx::Result<Option<i64>> {
        self.row.int_at(index)
    }
    fn text_at(&self, index: usize) -> sqlx::Result<Option<String>> {
        self.row.text_at(index)
    }
    fn flag_at(&self, index: usize) -> sqlx::Result<Option<bool>> {
        self.row.flag_at(index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A row of named text columns that counts lookups by name.
    struct Fake {
        columns: Vec<(&'static str, &'static str)>,
        by_name: Cell<usize>,
    }

    impl RawRow for Fake {
        fn int(&self, name: &str) -> sqlx::Result<Option<i64>> {
            Ok(self.text(name)?.and_then(|t| t.parse().ok()))
        }
        fn text(&self, name: &str) -> sqlx::Result<Option<String>> {
            self.by_name.set(self.by_name.get() + 1);
            match self.columns.iter().position(|(n, _)| *n == name) {
                Some(at) => self.text_at(at),
                None => Err(sqlx::Error::ColumnNotFound(name.to_string())),
            }
        }
        fn flag(&self, name: &str) -> sqlx::Result<Option<bool>> {
            Ok(self.text(name)?.map(|t| t == "t"))
        }
        fn column_name(&self, index: usize) -> Option<&str> {
            self.columns.get(index).map(|(n, _)| *n)
        }
        fn column_index(&self, name: &str) -> Option<usize> {
            self.by_name.set(self.by_name.get() + 1);
            self.columns.iter().position(|(n, _)| *n == name)
        }
        fn int_at(&self, index: usize) -> sqlx::Result<Option<i64>> {
            Ok(self.text_at(index)?.and_then(|t| t.parse().ok()))
        }
        fn text_at(&self, index: usize) -> sqlx::Result<Option<String>> {
            Ok(self.columns.get(index).map(|(_, v)| v.to_string()))
        }
        fn flag_at(&self, index: usize) -> sqlx::Result<Option<bool>> {
            Ok(self.text_at(index)?.map(|t| t == "t"))
        }
    }

    fn fake() -> Fake {
        Fake {
            columns: vec![("x_id", "7"), ("a", "one"), ("b", "2"), ("c", "t")],
            by_name: Cell::new(0),
        }
    }

    #[test]
    fn columns_read_in_order_are_found_without_a_lookup_by_name() {
        let row = fake();
        let read = InOrder::new(&row);
        assert_eq!(read.int("x_id").unwrap(), Some(7));
        assert_eq!(read.text("a").unwrap().as_deref(), Some("one"));
        assert_eq!(read.int("b").unwrap(), Some(2));
        assert_eq!(read.flag("c").unwrap(), Some(true));
        assert_eq!(row.by_name.get(), 0);
    }

    #[test]
    fn a_column_out_of_order_is_found_by_name_and_reading_goes_on_after_it() {
        let row = fake();
        let read = InOrder::new(&row);
        // A prefixed group starting mid-row, then a step back: each found by name once.
        assert_eq!(read.text("a").unwrap().as_deref(), Some("one"));
        assert_eq!(read.int("b").unwrap(), Some(2));
        assert_eq!(read.int("x_id").unwrap(), Some(7));
        assert_eq!(read.text("a").unwrap().as_deref(), Some("one"));
        assert_eq!(row.by_name.get(), 2);
        // The same column twice: the second read finds it by name too.
        assert_eq!(read.text("a").unwrap().as_deref(), Some("one"));
        assert_eq!(row.by_name.get(), 3);
    }

    #[test]
    fn a_column_the_row_lacks_is_left_to_the_row_to_refuse() {
        let row = Fake {
            columns: vec![("a", "1")],
            by_name: Cell::new(0),
        };
        let read = InOrder::new(&row);
        assert!(matches!(
            read.text("missing"),
            Err(sqlx::Error::ColumnNotFound(name)) if name == "missing"
        ));
        assert_eq!(read.int("a").unwrap(), Some(1));
    }
}
