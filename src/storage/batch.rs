//! Writes held back and sent together (PostgreSQL).
//!
//! Every statement is a round trip to the database, and on a small machine a round
//! trip costs more than the statement: the service's write, the backend's wake-up, its
//! answer. The writes of a use case whose results nobody reads (an `UPDATE` of a row
//! already locked, an `INSERT` whose id was taken in advance) are therefore queued
//! ([`super::db::Tx::defer`]) and sent as one statement — data-modifying `WITH` parts
//! — right before the next statement that needs them done, or before `COMMIT`.
//!
//! What makes that safe:
//! - a queued write runs before any later read of the same transaction (every other
//!   statement sends the queue first), so reads still see the transaction's writes;
//! - the parts of one statement share a snapshot and cannot see each other's changes,
//!   so two writes to the same row are never queued together: each write names the row
//!   it changes ([`Pending::key`]) and a second write to it sends the queue first;
//! - foreign keys are checked at the end of the statement, so a row may refer to a row
//!   inserted by another part of it;
//! - a failure aborts the whole transaction as before; it surfaces at the statement
//!   that sent the queue (or at commit).
//!
//! SQLite runs each write at once: it is in-process, a statement costs no round trip.

use std::borrow::Cow;

use super::sql::Sql;

/// One write waiting to be sent.
#[derive(Clone, Debug)]
pub struct Pending {
    /// The row it changes (`table:id`), or none for an insert of a new row: two writes
    /// with the same key never travel in one statement.
    pub key: Option<String>,
    /// The statement.
    pub sql: Sql,
}

/// A named `WITH` part the waiting writes refer to (`name AS (SELECT …)`, constant
/// text, no placeholders): ids taken from a sequence for the rows being inserted, which
/// every part of the statement must see the same.
#[derive(Clone, Debug)]
pub struct Prelude {
    /// The name the writes refer to.
    pub name: &'static str,
    /// `SELECT …` (evaluated once: it calls `nextval`, so it is never inlined).
    pub select: String,
}

/// The writes of one transaction not sent yet.
#[derive(Debug, Default)]
pub struct Queue {
    preludes: Vec<Prelude>,
    pending: Vec<Pending>,
}

impl Queue {
    /// True when nothing waits.
    pub fn is_empty(&self) -> bool {
        self.pending.is_empty() && self.preludes.is_empty()
    }

    /// True when a prelude of that name already waits (send the queue before adding).
    pub fn has_prelude(&self, name: &str) -> bool {
        self.preludes.iter().any(|p| p.name == name)
    }

    /// Adds a prelude.
    pub fn push_prelude(&mut self, prelude: Prelude) {
        self.preludes.push(prelude);
    }

    /// True when a write to the same row already waits (send the queue before adding).
    pub fn holds(&self, key: Option<&str>) -> bool {
        key.is_some_and(|k| self.pending.iter().any(|p| p.key.as_deref() == Some(k)))
    }

    /// Adds a write.
    pub fn push(&mut self, pending: Pending) {
        self.pending.push(pending);
    }

    /// True when a waiting write may change one of `tables` (or writes a table this
    /// cannot tell): a read of them must not travel with the writes.
    pub fn touches(&self, tables: &[&str]) -> bool {
        self.pending
            .iter()
            .any(|p| written_table(&p.sql.text).is_none_or(|t| tables.contains(&t)))
    }

    /// Takes every waiting write and prelude, leaving the queue empty.
    pub fn take(&mut self) -> (Vec<Prelude>, Vec<Pending>) {
        (
            std::mem::take(&mut self.preludes),
            std::mem::take(&mut self.pending),
        )
    }
}

/// One statement: the `preludes`, then `writes` as data-modifying `WITH` parts, then
/// `last`: a statement that reads nothing the writes change (a sequence, a constant),
/// or the last write itself when `last` is `None`. Placeholders are renumbered so each
/// part keeps its own arguments.
pub fn combine(preludes: Vec<Prelude>, writes: Vec<Pending>, last: Option<Sql>) -> Sql {
    let mut parts: Vec<Sql> = writes.into_iter().map(|p| p.sql).collect();
    let last = match last {
        Some(sql) => sql,
        None => match parts.pop() {
            Some(sql) => sql,
            None => return Sql::new("SELECT 1"),
        },
    };
    if parts.is_empty() && preludes.is_empty() {
        return last;
    }
    let mut text = String::from("WITH ");
    let mut args = Vec::new();
    for (i, prelude) in preludes.iter().enumerate() {
        if i > 0 {
            text.push_str(", ");
        }
        text.push_str(&format!("{} AS ({})", prelude.name, prelude.select));
    }
    for (i, part) in parts.into_iter().enumerate() {
        if i > 0 || !preludes.is_empty() {
            text.push_str(", ");
        }
        text.push_str(&format!("w{} AS (", i + 1));
        text.push_str(&renumber(&part.text, args.len()));
        text.push(')');
        args.extend(part.args);
    }
    let tail = renumber(&last.text, args.len());
    args.extend(last.args);
    // A last statement with its own `WITH` continues the list.
    match strip_with(&tail) {
        Some(rest) => {
            text.push_str(", ");
            text.push_str(rest);
        }
        None => {
            text.push(' ');
            text.push_str(&tail);
        }
    }
    Sql::from_parts(Cow::Owned(text), args)
}

/// The table an `INSERT INTO t`, `UPDATE t` or `DELETE FROM t` writes.
fn written_table(text: &str) -> Option<&str> {
    let mut words = text.split_whitespace();
    let first = words.next()?;
    let table = if first.eq_ignore_ascii_case("UPDATE") {
        words.next()?
    } else if first.eq_ignore_ascii_case("INSERT") || first.eq_ignore_ascii_case("DELETE") {
        words.next()?;
        words.next()?
    } else {
        return None;
    };
    Some(table.split('(').next().unwrap_or(table))
}

/// The text after a leading `WITH ` (not `WITH RECURSIVE`, which must come first).
fn strip_with(text: &str) -> Option<&str> {
    let trimmed = text.trim_start();
    let head = trimmed.get(..5)?;
    if !head.eq_ignore_ascii_case("WITH ") {
        return None;
    }
    let rest = trimmed[5..].trim_start();
    let recursive = rest
        .get(..10)
        .is_some_and(|w| w.eq_ignore_ascii_case("RECURSIVE "));
    (!recursive).then_some(rest)
}

/// `text` with every placeholder `$n` outside quotes raised by `offset`. Runs once per
/// part of every combined statement, so it copies runs of text whole and writes numbers
/// without allocating (a delivery's statement has some 140 placeholders).
fn renumber(text: &str, offset: usize) -> String {
    use std::fmt::Write as _;
    if offset == 0 {
        return text.to_string();
    }
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    let mut quote: Option<u8> = None;
    // Start of the text not copied yet; every cut is at an ASCII byte, so on a char
    // boundary.
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if b == b'\'' || b == b'"' => quote = Some(b),
            None if b == b'$' => {
                let digits = bytes[i + 1..]
                    .iter()
                    .take_while(|d| d.is_ascii_digit())
                    .count();
                if let Ok(n) = text[i + 1..i + 1 + digits].parse::<usize>() {
                    out.push_str(&text[copied..i]);
                    // Writing to a String cannot fail.
                    let _ = write!(out, "${}", n + offset);
                    copied = i + 1 + digits;
                }
                i += 1 + digits;
                continue;
            }
            None => {}
        }
        i += 1;
    }
    out.push_str(&text[copied..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(key: Option<&str>, text: &'static str, args: &[i64]) -> Pending {
        let mut sql = Sql::new(text);
        for a in args {
            sql = sql.bind(super::super::sql::Arg::Int(Some(*a)));
        }
        Pending {
            key: key.map(str::to_string),
            sql,
        }
    }

    #[test]
    fn placeholders_are_renumbered_outside_quotes_only() {
        assert_eq!(
            renumber("UPDATE t SET a = $1, b = '$1' WHERE \"$2\" = $2", 3),
            "UPDATE t SET a = $4, b = '$1' WHERE \"$2\" = $5"
        );
        assert_eq!(renumber("SELECT $10, $", 5), "SELECT $15, $");
        assert_eq!(
            renumber("SELECT 'é $1', $1, 'it''s $2', $2x, é$3", 2),
            "SELECT 'é $1', $3, 'it''s $2', $4x, é$5"
        );
        assert_eq!(renumber("$1", 1), "$2");
    }

    #[test]
    fn writes_become_parts_of_one_statement_with_their_own_arguments() {
        let sql = combine(
            vec![],
            vec![
                write(
                    Some("lots:a"),
                    "UPDATE lots SET r = r + $2 WHERE id = $1",
                    &[1, 2],
                ),
                write(None, "INSERT INTO log (x) VALUES ($1)", &[3]),
                write(Some("accounts:c"), "UPDATE accounts SET t = $1", &[4]),
            ],
            None,
        );
        assert_eq!(
            sql.text,
            "WITH w1 AS (UPDATE lots SET r = r + $2 WHERE id = $1), \
             w2 AS (INSERT INTO log (x) VALUES ($3)) UPDATE accounts SET t = $4"
        );
        assert_eq!(sql.args.len(), 4);
    }

    #[test]
    fn a_last_statement_with_its_own_with_continues_the_list() {
        let sql = combine(
            vec![],
            vec![write(None, "INSERT INTO log (x) VALUES ($1)", &[1])],
            Some(Sql::new("WITH n AS (SELECT $1 AS v) SELECT v FROM n")),
        );
        assert_eq!(
            sql.text,
            "WITH w1 AS (INSERT INTO log (x) VALUES ($1)), n AS (SELECT $2 AS v) SELECT v FROM n"
        );
    }

    #[test]
    fn preludes_come_first_and_every_part_sees_them() {
        let sql = combine(
            vec![Prelude {
                name: "new_ids",
                select: "SELECT n, nextval('s') AS id FROM generate_series(1, 2) n".into(),
            }],
            vec![write(
                None,
                "INSERT INTO t (id, x) VALUES ((SELECT id FROM new_ids WHERE n = 1), $1)",
                &[7],
            )],
            None,
        );
        assert_eq!(
            sql.text,
            "WITH new_ids AS (SELECT n, nextval('s') AS id FROM generate_series(1, 2) n) \
             INSERT INTO t (id, x) VALUES ((SELECT id FROM new_ids WHERE n = 1), $1)"
        );
    }

    #[test]
    fn a_read_travels_with_the_writes_only_when_none_writes_its_tables() {
        let mut q = Queue::default();
        q.push(write(
            Some("lots:a"),
            "UPDATE lots SET r = 1 WHERE id = 'a'",
            &[],
        ));
        q.push(write(
            None,
            "INSERT INTO ledger_entries (id) VALUES (1)",
            &[],
        ));
        assert!(!q.touches(&["sows"]));
        assert!(q.touches(&["lots"]));
        assert!(q.touches(&["ledger_entries"]));
        q.push(write(
            None,
            "WITH x AS (SELECT 1) INSERT INTO sows SELECT * FROM x",
            &[],
        ));
        assert!(
            q.touches(&["sows"]),
            "a statement it cannot read counts as touching"
        );
        assert_eq!(written_table("DELETE FROM t WHERE id = 1"), Some("t"));
        assert_eq!(written_table("INSERT INTO t(a) VALUES (1)"), Some("t"));
    }

    #[test]
    fn one_write_is_sent_as_it_is() {
        let sql = combine(
            vec![],
            vec![write(None, "DELETE FROM t WHERE id = $1", &[1])],
            None,
        );
        assert_eq!(sql.text, "DELETE FROM t WHERE id = $1");
    }

    #[test]
    fn the_queue_knows_which_rows_wait() {
        let mut q = Queue::default();
        q.push(write(
            Some("lots:a"),
            "UPDATE lots SET r = 1 WHERE id = 'a'",
            &[],
        ));
        assert!(q.holds(Some("lots:a")));
        assert!(!q.holds(Some("lots:b")));
        assert!(!q.holds(None));
        assert_eq!(q.take().1.len(), 1);
        assert!(q.is_empty());
    }
}
