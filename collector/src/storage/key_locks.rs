//! Logical keys a write must hold so that "once per key" holds across collector instances:
//! PostgreSQL takes a transaction-scoped advisory lock per key; SQLite's single writer already
//! serialises every write, so it needs none.

/// A key a write locks until it commits.
#[derive(Debug, Clone, Copy)]
pub(crate) enum KeyLock<'a> {
    /// A customer key of a program.
    Customer(i64, &'a str),
    /// A transaction key of a program.
    Transaction(i64, &'a str),
    /// The clicks of one visitor on one referral key of a program (unique-click decisions).
    Click(i64, &'a str, &'a str),
}
