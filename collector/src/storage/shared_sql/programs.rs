//! Programs and API keys, written once for both backends (`$N` placeholders): [`programs_sql`]
//! expands the functions inside each backend's `programs` module over its storage and row types
//! (it uses the module's `backend`, `is_unique_violation` and the storage's `begin_write` and `pool`).

/// Expands the program functions for one backend: `programs_sql!(StorageType, RowType)`.
macro_rules! programs_sql {
    ($storage:ty, $row:ty) => {
        use sqlx::Row;

        use super::{backend, is_unique_violation};
        use crate::clock;
        use crate::program::{Program, ProgramKind, ProgramSettings};
        use crate::storage::{StorageError, StorageResult};

        fn program_from_row(row: &$row) -> StorageResult<Program> {
            let kind: String = row.try_get("type").map_err(backend)?;
            let settings: String = row.try_get("settings").map_err(backend)?;
            Ok(Program {
                id: row.try_get("id").map_err(backend)?,
                public_id: row.try_get("public_id").map_err(backend)?,
                kind: ProgramKind::parse(&kind)
                    .ok_or_else(|| StorageError::Backend(anyhow::anyhow!("bad program type {kind:?}")))?,
                settings: serde_json::from_str(&settings)
                    .map_err(|e| StorageError::Backend(anyhow::anyhow!("bad program settings: {e}")))?,
            })
        }

        fn settings_json(settings: &ProgramSettings) -> StorageResult<String> {
            serde_json::to_string(settings).map_err(|e| StorageError::Backend(e.into()))
        }

        pub(super) async fn create(
            storage: &$storage,
            public_id: &str,
            kind: ProgramKind,
            settings: &ProgramSettings,
            key_prefix: &str,
            key_hash: &str,
        ) -> StorageResult<Program> {
            let now = clock::to_micros(clock::now());
            let mut tx = storage.begin_write().await?;
            let row = sqlx::query(
                "INSERT INTO programs (public_id, type, settings, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5) RETURNING *",
            )
            .bind(public_id)
            .bind(kind.as_str())
            .bind(settings_json(settings)?)
            .bind(now)
            .bind(now)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| {
                if is_unique_violation(&e) {
                    StorageError::conflict("public_id", "A program with this public id exists.")
                } else {
                    backend(e)
                }
            })?;
            let program = program_from_row(&row)?;
            sqlx::query(
                "INSERT INTO api_keys (program_id, prefix, key_hash, created_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(program.id)
            .bind(key_prefix)
            .bind(key_hash)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            tx.commit().await.map_err(backend)?;
            Ok(program)
        }

        pub(super) async fn by_public_id(storage: &$storage, public_id: &str) -> StorageResult<Option<Program>> {
            sqlx::query("SELECT * FROM programs WHERE public_id = $1")
                .bind(public_id)
                .fetch_optional(&storage.pool)
                .await
                .map_err(backend)?
                .map(|row| program_from_row(&row))
                .transpose()
        }

        pub(super) async fn by_key_hash(storage: &$storage, key_hash: &str) -> StorageResult<Option<Program>> {
            sqlx::query(
                "SELECT p.* FROM api_keys k JOIN programs p ON p.id = k.program_id
                 WHERE k.key_hash = $1 AND k.revoked_at IS NULL",
            )
            .bind(key_hash)
            .fetch_optional(&storage.pool)
            .await
            .map_err(backend)?
            .map(|row| program_from_row(&row))
            .transpose()
        }

        pub(super) async fn update_settings(
            storage: &$storage,
            program_id: i64,
            settings: &ProgramSettings,
        ) -> StorageResult<Program> {
            let mut tx = storage.begin_write().await?;
            let row =
                sqlx::query("UPDATE programs SET settings = $1, updated_at = $2 WHERE id = $3 RETURNING *")
                    .bind(settings_json(settings)?)
                    .bind(clock::to_micros(clock::now()))
                    .bind(program_id)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(backend)?
                    .ok_or(StorageError::NotFound("Program"))?;
            let program = program_from_row(&row)?;
            tx.commit().await.map_err(backend)?;
            Ok(program)
        }

        pub(super) async fn add_key(
            storage: &$storage,
            program_id: i64,
            key_prefix: &str,
            key_hash: &str,
        ) -> StorageResult<()> {
            let mut tx = storage.begin_write().await?;
            sqlx::query(
                "INSERT INTO api_keys (program_id, prefix, key_hash, created_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(program_id)
            .bind(key_prefix)
            .bind(key_hash)
            .bind(clock::to_micros(clock::now()))
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            tx.commit().await.map_err(backend)?;
            Ok(())
        }

        pub(super) async fn revoke_keys(
            storage: &$storage,
            key_hash: &str,
            key_prefix: &str,
        ) -> StorageResult<u64> {
            let mut tx = storage.begin_write().await?;
            // PostgreSQL text cannot hold NUL: such a prefix matches nothing.
            let result = sqlx::query(
                "UPDATE api_keys SET revoked_at = $1 WHERE revoked_at IS NULL AND (key_hash = $2 OR prefix = $3)",
            )
            .bind(clock::to_micros(clock::now()))
            .bind(key_hash)
            .bind((!key_prefix.contains('\0')).then_some(key_prefix))
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            tx.commit().await.map_err(backend)?;
            Ok(result.rows_affected())
        }
    };
}
pub(crate) use programs_sql;
