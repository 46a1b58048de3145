//! Transaction-scoped advisory locks on logical keys, so "once per key" holds across instances.
//!
//! A lock id is the first 8 bytes of SHA-256 over the key's kind, program and text. Locks are
//! always taken sorted and deduplicated in one statement, sent with the transaction's `BEGIN`, so
//! two writers never wait on each other in opposite orders; they are released at
//! `COMMIT`/`ROLLBACK`.

use sha2::{Digest, Sha256};

fn lock_id(kind: &str, program_id: i64, key: &str) -> i64 {
    let mut hasher = Sha256::new();
    hasher.update(kind.as_bytes());
    hasher.update([0]);
    hasher.update(program_id.to_be_bytes());
    hasher.update(key.as_bytes());
    let digest = hasher.finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(first)
}

/// The lock of a customer key.
pub(super) fn customer(program_id: i64, key: &str) -> i64 {
    lock_id("customer", program_id, key)
}

/// The lock of a transaction key.
pub(super) fn transaction(program_id: i64, key: &str) -> i64 {
    lock_id("transaction", program_id, key)
}

/// The lock of a (program, referral key, visitor) click series.
pub(super) fn click(program_id: i64, referral_key: &str, visitor: &str) -> i64 {
    lock_id("click", program_id, &format!("{referral_key}\0{visitor}"))
}

/// The statement that begins a transaction and takes the given locks (in sorted order) until its
/// end, sent as one simple query (the ids are numbers, written into the text); `None` for no locks.
pub(super) fn begin_statement(ids: &[i64]) -> Option<String> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return None;
    }
    let list: Vec<String> = ids.iter().map(i64::to_string).collect();
    // A function scan yields the array in order, so the locks are taken in that order.
    Some(format!(
        "BEGIN; SELECT pg_advisory_xact_lock(id) FROM unnest(ARRAY[{}]::int8[]) AS id",
        list.join(",")
    ))
}
