//! Statements and their arguments, written once for both backends.
//!
//! Every statement uses `$n` placeholders, which SQLite and PostgreSQL both accept, and
//! binds only what both engines store identically ([`Arg`]): integers, text, booleans.
//! Domain values reach an `Arg` through their column encoding (`storage::column`).

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{LazyLock, RwLock};

/// A bound query argument. Only the three types both engines store identically.
#[derive(Clone, Debug)]
pub enum Arg {
    /// 64-bit integer (units in hundredths, instants in microseconds, counts).
    Int(Option<i64>),
    /// UTF-8 text (ids, names, dates, statuses, JSON documents).
    Text(Option<String>),
    /// Boolean flag.
    Bool(Option<bool>),
}

impl From<&str> for Arg {
    fn from(v: &str) -> Self {
        Arg::Text(Some(v.to_string()))
    }
}

impl From<Option<&str>> for Arg {
    fn from(v: Option<&str>) -> Self {
        Arg::Text(v.map(str::to_string))
    }
}

impl From<u32> for Arg {
    fn from(v: u32) -> Self {
        Arg::Int(Some(i64::from(v)))
    }
}

/// A SQL statement with its arguments, runnable on either backend.
#[derive(Clone, Debug)]
pub struct Sql {
    pub(super) text: Cow<'static, str>,
    pub(super) args: Vec<Arg>,
}

impl Sql {
    /// A statement with `$n` placeholders.
    pub fn new(text: impl Into<Cow<'static, str>>) -> Self {
        Sql {
            text: text.into(),
            args: Vec::new(),
        }
    }

    /// A statement from its text and arguments (for statements built from others).
    pub(super) fn from_parts(text: Cow<'static, str>, args: Vec<Arg>) -> Self {
        Sql { text, args }
    }

    /// Appends the next positional argument.
    pub fn bind(mut self, value: impl Into<Arg>) -> Self {
        self.args.push(value.into());
        self
    }

    /// Appends the next positional argument in place (for builders with optional filters).
    pub fn push_bind(&mut self, value: impl Into<Arg>) -> usize {
        self.args.push(value.into());
        self.args.len()
    }

    /// Appends `($a, $b, …)`, one bound argument per value: the list of an `IN`
    /// (callers return early on an empty list, which SQL cannot spell).
    pub fn push_list<T: Into<Arg>>(&mut self, values: impl IntoIterator<Item = T>) {
        let mut text = String::from("(");
        for (i, value) in values.into_iter().enumerate() {
            if i > 0 {
                text.push_str(", ");
            }
            let n = self.push_bind(value);
            text.push_str(&format!("${n}"));
        }
        text.push(')');
        self.push_sql(&text);
    }

    /// Appends raw SQL text (only ever constant fragments chosen by the code).
    pub fn push_sql(&mut self, fragment: &str) {
        self.text.to_mut().push_str(fragment);
    }
}

/// `INSERT INTO table (columns) VALUES ($1, …, $n)` for a comma-separated column list.
pub fn insert_statement(table: &'static str, columns: &'static str) -> &'static str {
    insert_rows_statement(table, columns, 1)
}

/// `INSERT INTO table (columns) VALUES (…), (…)` with `rows` rows of placeholders, bound
/// row after row in the order of [`insert_statement`]: many new rows in one round trip.
pub fn insert_rows_statement(
    table: &'static str,
    columns: &'static str,
    rows: usize,
) -> &'static str {
    built(Shape::Insert(rows), table, columns, || {
        let n = columns.split(',').count();
        let tuples: Vec<String> = (0..rows)
            .map(|r| {
                let placeholders: Vec<String> =
                    (1..=n).map(|i| format!("${}", r * n + i)).collect();
                format!("({})", placeholders.join(", "))
            })
            .collect();
        format!(
            "INSERT INTO {table} ({columns}) VALUES {}",
            tuples.join(", ")
        )
    })
}

/// `UPDATE table SET c2 = $2, … WHERE c1 = $1`: writes every column of a row keyed by
/// its first column, binding in the same order as [`insert_statement`].
pub fn update_statement(table: &'static str, columns: &'static str) -> &'static str {
    built(Shape::Update, table, columns, || {
        let mut names = columns.split(',').map(str::trim);
        let key = names.next().unwrap_or("id");
        let sets: Vec<String> = names
            .enumerate()
            .map(|(i, c)| format!("{c} = ${}", i + 2))
            .collect();
        format!("UPDATE {table} SET {} WHERE {key} = $1", sets.join(", "))
    })
}

/// Which statement [`built`] keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Shape {
    /// An insert of this many rows.
    Insert(usize),
    /// An update of every column.
    Update,
}

/// Statements already built, by shape, table and columns.
type Built = HashMap<(Shape, &'static str, &'static str), &'static str>;

/// The statement of this shape for `table` and `columns`, built once per process and
/// kept: every use case writes the same few dozen, and building one costs a format per
/// column (hundreds per delivery). The set is bounded by the code's tables and the row
/// counts it batches, so the kept text is never freed.
fn built(
    shape: Shape,
    table: &'static str,
    columns: &'static str,
    build: impl FnOnce() -> String,
) -> &'static str {
    static BUILT: LazyLock<RwLock<Built>> = LazyLock::new(RwLock::default);
    let key = (shape, table, columns);
    if let Some(text) = BUILT.read().ok().and_then(|b| b.get(&key).copied()) {
        return text;
    }
    let text: &'static str = Box::leak(build().into_boxed_str());
    if let Ok(mut b) = BUILT.write() {
        return b.entry(key).or_insert(text);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_bind_every_column_in_order() {
        assert_eq!(
            insert_statement("t", "id, a, b"),
            "INSERT INTO t (id, a, b) VALUES ($1, $2, $3)"
        );
        assert_eq!(
            insert_rows_statement("t", "id, a", 3),
            "INSERT INTO t (id, a) VALUES ($1, $2), ($3, $4), ($5, $6)"
        );
        assert_eq!(
            update_statement("t", "id, a, b"),
            "UPDATE t SET a = $2, b = $3 WHERE id = $1"
        );
    }
}

crate::stored_row! {
    /// A single count (`SELECT CAST(COUNT(*) AS BIGINT) AS n …`).
    #[derive(Clone, Copy, Debug)]
    pub struct Count {
        /// The count.
        pub n: i64,
    }
}

crate::stored_row! {
    /// How many rows wait, and since when the oldest does.
    #[derive(Clone, Copy, Debug)]
    pub struct Backlog {
        /// How many.
        pub n: i64,
        /// The oldest one's creation instant (none when nothing waits).
        pub oldest: Option<chrono::DateTime<chrono::Utc>>,
    }
}
