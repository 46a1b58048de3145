//! How both backends treat their embedded migrations.
//!
//! - Applied migrations unknown to this build are ignored, so an older instance still starts
//!   next to (or after) a newer one that migrated further: migrations only ever add.
//! - Migration 3 was edited after it had been released (its short-click index became partial);
//!   databases migrated with the first text would refuse to start on the changed checksum. Their
//!   recorded checksum is updated to the current text, and migration 4 rebuilds the index, so
//!   both kinds of database end with the same schema.

use sqlx::migrate::Migrator;

/// A migration whose text changed after release: its version and the checksum (SHA-384, hex) of
/// the first text, per backend.
pub(crate) struct EditedMigration {
    pub version: i64,
    pub earlier_checksum_hex: &'static str,
}

/// The edited migrations of the SQLite backend.
pub(crate) const SQLITE_EDITED: &[EditedMigration] = &[EditedMigration {
    version: 3,
    earlier_checksum_hex: "434f2736548ff0c5431e2485079078632e1397b95a720aa0f96163786f01603a90c3d6093bebf46bb7753566aa986432",
}];

/// The edited migrations of the PostgreSQL backend.
pub(crate) const POSTGRES_EDITED: &[EditedMigration] = &[EditedMigration {
    version: 3,
    earlier_checksum_hex: "bf37bcb71b4e3ffbe82a3982f81c6845d1e579b7b72b9d8fd98abfbc2b683d78c41b7134714d890929ca2b1ec3866a64",
}];

/// The `(version, earlier checksum, current checksum)` updates to apply before migrating.
pub(crate) fn checksum_updates(
    migrator: &Migrator,
    edited: &[EditedMigration],
) -> Vec<(i64, Vec<u8>, Vec<u8>)> {
    edited
        .iter()
        .filter_map(|edit| {
            let current = migrator.iter().find(|m| m.version == edit.version)?;
            let earlier = hex::decode(edit.earlier_checksum_hex).ok()?;
            Some((edit.version, earlier, current.checksum.to_vec()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every listed edit names a migration of this build and differs from its current text.
    #[test]
    fn edits_are_well_formed() {
        for (migrator, edited) in [
            (&super::super::sqlite::MIGRATOR, SQLITE_EDITED),
            (&super::super::postgres::MIGRATOR, POSTGRES_EDITED),
        ] {
            assert!(migrator.ignore_missing);
            let updates = checksum_updates(migrator, edited);
            assert_eq!(updates.len(), edited.len());
            for (_, earlier, current) in updates {
                assert_eq!(earlier.len(), 48);
                assert_ne!(earlier, current);
            }
        }
    }
}
