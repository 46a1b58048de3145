//! Webhooks, the delivery outbox (written inside the caller's write transaction) and the
//! lease-based claims of the delivery worker.
//!
//! Written once for both backends (`$N` placeholders): [`webhooks_sql`] expands the functions
//! inside each backend's `webhooks` module over its storage, connection, pool and row types, with
//! the one piece of SQL that differs: the row lock a delivery claim takes. Which webhooks subscribe
//! to an event is decided here from their event lists (one query finds them for several events).

/// Expands the webhook functions for one backend:
/// `webhooks_sql!(Storage, Connection, Pool, Row, "claim lock")`.
macro_rules! webhooks_sql {
    ($storage:ty, $conn:ty, $pool:ty, $row:ty, $claim_lock:literal) => {
        use std::time::Duration;

        use serde_json::Value;
        use sqlx::Row;
        use time::OffsetDateTime;

        use super::{backend, is_unique_violation};
        use crate::clock;
        use crate::model::Paged;
        use crate::pagination::PageRequest;
        use crate::program::ProgramSettings;
        use crate::storage::{StorageError, StorageResult};
        use crate::webhooks::event::{message_id, payload};
        use crate::webhooks::{
            AttemptOutcome, ClaimedDelivery, Delivery, DeliveryStatus, EventType, NewWebhook, Webhook,
            WebhookUpdate,
        };

        /// The active webhooks of a program subscribed to one event, found inside a write transaction.
        /// Callers build the event data only when there is somebody to send it to.
        pub(super) struct Outbox {
            event: EventType,
            subscribers: Vec<(i64, String, String)>,
        }

        impl Outbox {
            /// The subscribers of `event` in the program, or None when there are none.
            pub(super) async fn open(
                conn: &mut $conn,
                program_id: i64,
                event: EventType,
            ) -> StorageResult<Option<Self>> {
                let [outbox] = Self::open_each(conn, program_id, [event]).await?;
                Ok(outbox)
            }

            /// The subscribers of each of `events`, found with one query (a program has at most
            /// 20 webhooks; their event lists are matched here).
            pub(super) async fn open_each<const N: usize>(
                conn: &mut $conn,
                program_id: i64,
                events: [EventType; N],
            ) -> StorageResult<[Option<Self>; N]> {
                let webhooks: Vec<(i64, String, String, String)> = sqlx::query_as(
                    "SELECT w.id, w.key, w.url, CAST(w.events AS TEXT) FROM webhooks w
                     WHERE w.program_id = $1 AND w.is_active ORDER BY w.id",
                )
                .bind(program_id)
                .fetch_all(&mut *conn)
                .await
                .map_err(backend)?;
                let subscribed: Vec<(i64, String, String, Vec<String>)> = webhooks
                    .into_iter()
                    .map(|(id, key, url, events)| {
                        let events = serde_json::from_str(&events).unwrap_or_default();
                        (id, key, url, events)
                    })
                    .collect();
                Ok(events.map(|event| {
                    let subscribers: Vec<(i64, String, String)> = subscribed
                        .iter()
                        .filter(|(.., names)| names.iter().any(|name| name == event.as_str()))
                        .map(|(id, key, url, _)| (*id, key.clone(), url.clone()))
                        .collect();
                    (!subscribers.is_empty()).then_some(Self { event, subscribers })
                }))
            }

            /// Writes one pending delivery per subscriber, due now.
            pub(super) async fn write(self, conn: &mut $conn, data: &Value) -> StorageResult<()> {
                let now = clock::now();
                let micros = clock::to_micros(now);
                for (webhook_id, key, url) in &self.subscribers {
                    sqlx::query(
                        "INSERT INTO webhook_deliveries (webhook_id, message_id, event, payload,
                                                         next_attempt_at, created_at)
                         VALUES ($1, $2, $3, $4, $5, $6)",
                    )
                    .bind(webhook_id)
                    .bind(message_id())
                    .bind(self.event.as_str())
                    .bind(payload(self.event, url, key, now, data))
                    .bind(micros)
                    .bind(micros)
                    .execute(&mut *conn)
                    .await
                    .map_err(backend)?;
                }
                Ok(())
            }
        }

        /// A program's settings, for event data that needs them (referral links of a customer).
        pub(super) async fn program_settings(
            conn: &mut $conn,
            program_id: i64,
        ) -> StorageResult<ProgramSettings> {
            let text: String = sqlx::query_scalar("SELECT settings FROM programs WHERE id = $1")
                .bind(program_id)
                .fetch_one(&mut *conn)
                .await
                .map_err(backend)?;
            serde_json::from_str(&text)
                .map_err(|e| StorageError::Backend(anyhow::anyhow!("bad program settings: {e}")))
        }

        fn bad(what: &str, value: &str) -> StorageError {
            StorageError::Backend(anyhow::anyhow!("bad stored {what} {value:?}"))
        }

        fn events_json(events: &[EventType]) -> String {
            Value::from(events.iter().map(|e| e.as_str()).collect::<Vec<_>>()).to_string()
        }

        fn webhook_from_row(row: &$row) -> StorageResult<Webhook> {
            let events_text: String = row.try_get("events").map_err(backend)?;
            let names: Vec<String> =
                serde_json::from_str(&events_text).map_err(|_| bad("webhook events", &events_text))?;
            let events = names
                .iter()
                .map(|name| EventType::parse(name).ok_or_else(|| bad("webhook event", name)))
                .collect::<StorageResult<_>>()?;
            let disabled_at: Option<i64> = row.try_get("disabled_at").map_err(backend)?;
            Ok(Webhook {
                row_id: row.try_get("id").map_err(backend)?,
                key: row.try_get("key").map_err(backend)?,
                name: row.try_get("name").map_err(backend)?,
                url: row.try_get("url").map_err(backend)?,
                events,
                secret: row.try_get("secret").map_err(backend)?,
                is_active: row.try_get("is_active").map_err(backend)?,
                consecutive_failures: row.try_get("consecutive_failures").map_err(backend)?,
                disabled_reason: row.try_get("disabled_reason").map_err(backend)?,
                disabled_at: disabled_at.map(clock::from_micros),
                created_at: clock::from_micros(row.try_get("created_at").map_err(backend)?),
                updated_at: clock::from_micros(row.try_get("updated_at").map_err(backend)?),
            })
        }

        fn delivery_from_row(row: &$row) -> StorageResult<Delivery> {
            let event: String = row.try_get("event").map_err(backend)?;
            let status: String = row.try_get("status").map_err(backend)?;
            let status = DeliveryStatus::parse(&status).ok_or_else(|| bad("delivery status", &status))?;
            let micros = |name: &str| -> StorageResult<Option<OffsetDateTime>> {
                let value: Option<i64> = row.try_get(name).map_err(backend)?;
                Ok(value.map(clock::from_micros))
            };
            Ok(Delivery {
                id: row.try_get("message_id").map_err(backend)?,
                event: EventType::parse(&event).ok_or_else(|| bad("delivery event", &event))?,
                status,
                attempts: row.try_get("attempts").map_err(backend)?,
                last_response_code: row.try_get("last_status_code").map_err(backend)?,
                last_error: row.try_get("last_error").map_err(backend)?,
                last_attempt_at: micros("last_attempt_at")?,
                next_attempt_at: if status == DeliveryStatus::Pending {
                    micros("next_attempt_at")?
                } else {
                    None
                },
                delivered_at: micros("delivered_at")?,
                created_at: clock::from_micros(row.try_get("created_at").map_err(backend)?),
                payload: row.try_get("payload").map_err(backend)?,
            })
        }

        async fn find(
            conn: &mut $conn,
            program_id: i64,
            key: &str,
        ) -> StorageResult<Option<Webhook>> {
            sqlx::query("SELECT * FROM webhooks WHERE program_id = $1 AND key = $2")
                .bind(program_id)
                .bind(key)
                .fetch_optional(&mut *conn)
                .await
                .map_err(backend)?
                .map(|row| webhook_from_row(&row))
                .transpose()
        }

        pub(super) async fn create(
            storage: &$storage,
            program_id: i64,
            new: &NewWebhook,
            max: usize,
        ) -> StorageResult<Webhook> {
            let now = clock::to_micros(clock::now());
            let mut tx = storage.begin_write().await?;
            // Locks the program's row (PostgreSQL; SQLite has one writer anyway), so that
            // concurrent creates count each other.
            sqlx::query("UPDATE programs SET id = id WHERE id = $1")
                .bind(program_id)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
            let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM webhooks WHERE program_id = $1")
                .bind(program_id)
                .fetch_one(&mut *tx)
                .await
                .map_err(backend)?;
            if usize::try_from(count).unwrap_or(usize::MAX) >= max {
                return Err(StorageError::invalid(
                    "url",
                    format!("A program may have at most {max} webhooks."),
                ));
            }
            let row = sqlx::query(
                "INSERT INTO webhooks (program_id, key, name, url, events, secret, is_active,
                                       created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *",
            )
            .bind(program_id)
            .bind(&new.key)
            .bind(&new.name)
            .bind(&new.url)
            .bind(events_json(&new.events))
            .bind(&new.secret)
            .bind(new.is_active)
            .bind(now)
            .bind(now)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| {
                if is_unique_violation(&e) {
                    StorageError::conflict("key", "A webhook with this key already exists.")
                } else {
                    backend(e)
                }
            })?;
            let webhook = webhook_from_row(&row)?;
            tx.commit().await.map_err(backend)?;
            Ok(webhook)
        }

        pub(super) async fn list(pool: &$pool, program_id: i64) -> StorageResult<Vec<Webhook>> {
            sqlx::query("SELECT * FROM webhooks WHERE program_id = $1 ORDER BY id")
                .bind(program_id)
                .fetch_all(pool)
                .await
                .map_err(backend)?
                .iter()
                .map(webhook_from_row)
                .collect()
        }

        pub(super) async fn by_key(
            pool: &$pool,
            program_id: i64,
            key: &str,
        ) -> StorageResult<Option<Webhook>> {
            let mut conn = pool.acquire().await.map_err(backend)?;
            find(&mut conn, program_id, key).await
        }

        pub(super) async fn update(
            storage: &$storage,
            program_id: i64,
            key: &str,
            update: &WebhookUpdate,
        ) -> StorageResult<Webhook> {
            let mut tx = storage.begin_write().await?;
            let current = find(&mut tx, program_id, key)
                .await?
                .ok_or(StorageError::NotFound("Webhook"))?;
            let enable = update.is_active == Some(true);
            sqlx::query(
                "UPDATE webhooks SET name = COALESCE($1, name), url = COALESCE($2, url),
                        events = COALESCE($3, events), is_active = COALESCE($4, is_active),
                        consecutive_failures = CASE WHEN $5 THEN 0 ELSE consecutive_failures END,
                        disabled_reason = CASE WHEN $6 THEN NULL ELSE disabled_reason END,
                        disabled_at = CASE WHEN $7 THEN NULL ELSE disabled_at END,
                        updated_at = $8
                 WHERE id = $9",
            )
            .bind(&update.name)
            .bind(&update.url)
            .bind(update.events.as_deref().map(events_json))
            .bind(update.is_active)
            .bind(enable)
            .bind(enable)
            .bind(enable)
            .bind(clock::to_micros(clock::now()))
            .bind(current.row_id)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            let updated = find(&mut tx, program_id, key)
                .await?
                .ok_or(StorageError::NotFound("Webhook"))?;
            tx.commit().await.map_err(backend)?;
            Ok(updated)
        }

        pub(super) async fn delete(
            storage: &$storage,
            program_id: i64,
            key: &str,
        ) -> StorageResult<()> {
            let mut tx = storage.begin_write().await?;
            let current = find(&mut tx, program_id, key)
                .await?
                .ok_or(StorageError::NotFound("Webhook"))?;
            sqlx::query("DELETE FROM webhook_deliveries WHERE webhook_id = $1")
                .bind(current.row_id)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
            sqlx::query("DELETE FROM webhooks WHERE id = $1")
                .bind(current.row_id)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
            tx.commit().await.map_err(backend)?;
            Ok(())
        }

        pub(super) async fn deliveries(
            pool: &$pool,
            webhook_row_id: i64,
            page: PageRequest,
        ) -> StorageResult<Paged<Delivery>> {
            let total: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM webhook_deliveries WHERE webhook_id = $1")
                    .bind(webhook_row_id)
                    .fetch_one(pool)
                    .await
                    .map_err(backend)?;
            let items = sqlx::query(
                "SELECT * FROM webhook_deliveries WHERE webhook_id = $1 ORDER BY id DESC LIMIT $2 OFFSET $3",
            )
            .bind(webhook_row_id)
            .bind(i64::from(page.limit))
            .bind(page.offset())
            .fetch_all(pool)
            .await
            .map_err(backend)?
            .iter()
            .map(delivery_from_row)
            .collect::<StorageResult<_>>()?;
            Ok(Paged { items, total })
        }

        pub(super) async fn replay(
            storage: &$storage,
            webhook_row_id: i64,
            message_id: &str,
        ) -> StorageResult<Delivery> {
            let mut tx = storage.begin_write().await?;
            // Not while an attempt is in flight: its result would overwrite the replay.
            let row = sqlx::query(
                "UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = $1,
                        round_start = attempts, delivered_at = NULL
                 WHERE webhook_id = $2 AND message_id = $3
                   AND (locked_until IS NULL OR locked_until <= $1) RETURNING *",
            )
            .bind(clock::to_micros(clock::now()))
            .bind(webhook_row_id)
            .bind(message_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(backend)?;
            let Some(row) = row else {
                let exists: Option<i64> = sqlx::query_scalar(
                    "SELECT id FROM webhook_deliveries WHERE webhook_id = $1 AND message_id = $2",
                )
                .bind(webhook_row_id)
                .bind(message_id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(backend)?;
                return Err(match exists {
                    Some(_) => StorageError::conflict(
                        "delivery",
                        "An attempt of this delivery is in progress; replay it once it has finished.",
                    ),
                    None => StorageError::NotFound("Delivery"),
                });
            };
            let delivery = delivery_from_row(&row)?;
            tx.commit().await.map_err(backend)?;
            Ok(delivery)
        }

        pub(super) async fn claim(
            storage: &$storage,
            now: OffsetDateTime,
            lease: Duration,
            limit: u32,
        ) -> StorageResult<Vec<ClaimedDelivery>> {
            let now_micros = clock::to_micros(now);
            let until = clock::to_micros(now + lease);
            let mut tx = storage.begin_write().await?;
            // One statement. PostgreSQL's `SKIP LOCKED` lets workers on other instances pass over the rows
            // this one is claiming (SQLite's single writer needs nothing); the lease keeps them away once
            // this transaction commits.
            let claimed: Vec<(i64, i64)> = sqlx::query_as(concat!(
                "UPDATE webhook_deliveries
                 SET locked_until = $1, attempts = attempts + 1, last_attempt_at = $2
                 WHERE id IN (
                     SELECT d.id FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
                     WHERE d.status = 'pending' AND w.is_active AND d.next_attempt_at <= $3
                       AND (d.locked_until IS NULL OR d.locked_until <= $4)
                     ORDER BY d.next_attempt_at, d.id
                     LIMIT $5",
                $claim_lock,
                ") RETURNING id, attempts"
            ))
            .bind(until)
            .bind(now_micros)
            .bind(now_micros)
            .bind(now_micros)
            .bind(i64::from(limit))
            .fetch_all(&mut *tx)
            .await
            .map_err(backend)?;
            let mut claims = Vec::with_capacity(claimed.len());
            for (row_id, _) in &claimed {
                let row = sqlx::query(
                    "SELECT d.id, d.message_id, d.payload, d.attempts, d.round_start, d.webhook_id,
                            w.url, w.secret
                     FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
                     WHERE d.id = $1",
                )
                .bind(row_id)
                .fetch_one(&mut *tx)
                .await
                .map_err(backend)?;
                let attempt: i64 = row.try_get("attempts").map_err(backend)?;
                let round_start: i64 = row.try_get("round_start").map_err(backend)?;
                claims.push(ClaimedDelivery {
                    row_id: *row_id,
                    message_id: row.try_get("message_id").map_err(backend)?,
                    payload: row.try_get("payload").map_err(backend)?,
                    attempt,
                    attempt_in_round: attempt - round_start,
                    webhook_row_id: row.try_get("webhook_id").map_err(backend)?,
                    url: row.try_get("url").map_err(backend)?,
                    secret: row.try_get("secret").map_err(backend)?,
                });
            }
            tx.commit().await.map_err(backend)?;
            claims.sort_by_key(|claim| claim.row_id);
            Ok(claims)
        }

        pub(super) async fn finish(
            storage: &$storage,
            claim: &ClaimedDelivery,
            outcome: &AttemptOutcome,
        ) -> StorageResult<bool> {
            let now = clock::to_micros(clock::now());
            let mut tx = storage.begin_write().await?;
            let status = if outcome.succeeded {
                DeliveryStatus::Succeeded
            } else if outcome.retry_at.is_some() {
                DeliveryStatus::Pending
            } else {
                DeliveryStatus::Failed
            };
            let updated = sqlx::query(
                "UPDATE webhook_deliveries
                 SET status = $1, locked_until = NULL, last_status_code = $2, last_error = $3,
                     next_attempt_at = COALESCE($4, next_attempt_at),
                     delivered_at = CASE WHEN $5 THEN $6 ELSE delivered_at END
                 WHERE id = $7 AND attempts = $8",
            )
            .bind(status.as_str())
            .bind(outcome.response_code.map(i64::from))
            .bind(&outcome.error)
            .bind(outcome.retry_at.map(clock::to_micros))
            .bind(outcome.succeeded)
            .bind(now)
            .bind(claim.row_id)
            .bind(claim.attempt)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            if updated.rows_affected() == 0 {
                return Ok(false);
            }
            if outcome.succeeded {
                sqlx::query("UPDATE webhooks SET consecutive_failures = 0 WHERE id = $1")
                    .bind(claim.webhook_row_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(backend)?;
            } else {
                let failures: i64 = sqlx::query_scalar(
                    "UPDATE webhooks SET consecutive_failures = consecutive_failures + 1
                     WHERE id = $1 RETURNING consecutive_failures",
                )
                .bind(claim.webhook_row_id)
                .fetch_one(&mut *tx)
                .await
                .map_err(backend)?;
                if outcome.disable_after > 0 && failures >= i64::from(outcome.disable_after) {
                    let reason = format!(
                        "Disabled after {failures} consecutive failed deliveries; last error: {}",
                        outcome.error.as_deref().unwrap_or("unknown")
                    );
                    sqlx::query(
                        "UPDATE webhooks SET is_active = FALSE, disabled_reason = $1, disabled_at = $2,
                                updated_at = $3
                         WHERE id = $4 AND is_active",
                    )
                    .bind(reason)
                    .bind(now)
                    .bind(now)
                    .bind(claim.webhook_row_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(backend)?;
                }
            }
            tx.commit().await.map_err(backend)?;
            Ok(true)
        }
    };
}
pub(crate) use webhooks_sql;
