//! Rewards and the balance ledger inside an open write transaction, written once for both backends
//! (`$N` placeholders, which SQLite accepts too): [`ledger_sql`] expands the functions over one
//! backend's connection type inside that backend's `ledger` module.

/// Expands the ledger functions for one backend: `ledger_sql!(ConnectionType)`.
macro_rules! ledger_sql {
    ($conn:ty) => {
        use super::webhooks::Outbox;
        use super::{backend, customers};
        use crate::clock;
        use crate::rewards::RewardDraft;
        use crate::storage::StorageResult;
        use crate::views;
        use crate::webhooks::EventType;

        /// Records a reward; credits it to the recipient's balance unless the program is manual.
        pub(super) async fn insert_reward(
            conn: &mut $conn,
            program_id: i64,
            recipient_row_id: i64,
            transaction_row_id: Option<i64>,
            source_customer_row_id: i64,
            draft: &RewardDraft,
            manual: bool,
        ) -> StorageResult<i64> {
            let now = clock::to_micros(clock::now());
            let status = if manual { "pending" } else { "credited" };
            let reward_id: i64 = sqlx::query_scalar(
                "INSERT INTO rewards (program_id, customer_id, transaction_id, source_customer_id, recipient,
                                      trigger, amount_minor, amount_units, is_currency, status, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
            )
            .bind(program_id)
            .bind(recipient_row_id)
            .bind(transaction_row_id)
            .bind(source_customer_row_id)
            .bind(draft.recipient.as_str())
            .bind(draft.trigger.as_str())
            .bind(draft.amount_minor)
            .bind(&draft.amount_units)
            .bind(draft.is_currency)
            .bind(status)
            .bind(now)
            .fetch_one(&mut *conn)
            .await
            .map_err(backend)?;
            if !manual {
                insert_entry(
                    conn,
                    program_id,
                    recipient_row_id,
                    "reward",
                    Some(reward_id),
                    draft.amount_minor,
                    &draft.amount_units,
                    draft.is_currency,
                )
                .await?;
            }
            // Both events' subscribers with one query: this runs for every rewarded sale.
            let [created, approved] = Outbox::open_each(
                conn,
                program_id,
                [EventType::RewardCreated, EventType::RewardApproved],
            )
            .await?;
            let approved = approved.filter(|_| !manual);
            if created.is_some() || approved.is_some() {
                let reward = views::reward(&customers::reward_by_id(conn, reward_id).await?);
                if let Some(outbox) = created {
                    outbox.write(conn, &reward).await?;
                }
                if let Some(outbox) = approved {
                    outbox.write(conn, &reward).await?;
                }
            }
            tracing::debug!(reward = %crate::rewards::describe(draft), "reward recorded");
            Ok(reward_id)
        }

        /// Appends a ledger entry.
        #[allow(clippy::too_many_arguments)]
        pub(super) async fn insert_entry(
            conn: &mut $conn,
            program_id: i64,
            customer_row_id: i64,
            kind: &str,
            reward_id: Option<i64>,
            amount_minor: i64,
            amount_units: &str,
            is_currency: bool,
        ) -> StorageResult<()> {
            sqlx::query(
                "INSERT INTO balance_entries (program_id, customer_id, kind, reward_id, amount_minor,
                                              amount_units, is_currency, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(program_id)
            .bind(customer_row_id)
            .bind(kind)
            .bind(reward_id)
            .bind(amount_minor)
            .bind(amount_units)
            .bind(is_currency)
            .bind(clock::to_micros(clock::now()))
            .execute(&mut *conn)
            .await
            .map_err(backend)?;
            Ok(())
        }

        /// Credits a customer's pending rewards (all, or those of `ids`): each becomes `credited`
        /// and enters the balance, so that a refund later reverses it like any credited reward.
        pub(super) async fn credit_pending(
            conn: &mut $conn,
            program_id: i64,
            customer_row_id: i64,
            ids: Option<&[i64]>,
        ) -> StorageResult<()> {
            let pending: Vec<(i64, i64, String, bool)> = sqlx::query_as(
                "SELECT id, amount_minor, amount_units, is_currency FROM rewards
                 WHERE program_id = $1 AND customer_id = $2 AND status = 'pending' ORDER BY id",
            )
            .bind(program_id)
            .bind(customer_row_id)
            .fetch_all(&mut *conn)
            .await
            .map_err(backend)?;
            if let Some(ids) = ids
                && let Some(index) = ids
                    .iter()
                    .position(|id| !pending.iter().any(|(row, ..)| row == id))
            {
                return Err(crate::storage::StorageError::invalid(
                    format!("ids.{index}"),
                    "Not a pending reward of this customer.",
                ));
            }
            let chosen = pending
                .into_iter()
                .filter(|(id, ..)| ids.is_none_or(|ids| ids.contains(id)));
            for (reward_id, amount_minor, amount_units, is_currency) in chosen {
                // A concurrent credit (or refund) may have changed it since it was read: only the
                // one that moves it out of `pending` credits it.
                if !change_status(conn, reward_id, "pending", "credited").await? {
                    continue;
                }
                insert_entry(
                    conn,
                    program_id,
                    customer_row_id,
                    "reward",
                    Some(reward_id),
                    amount_minor,
                    &amount_units,
                    is_currency,
                )
                .await?;
                reward_event(conn, program_id, EventType::RewardApproved, reward_id).await?;
            }
            Ok(())
        }

        /// Queues `event` with the reward as it is now, for the webhooks subscribed to it.
        async fn reward_event(
            conn: &mut $conn,
            program_id: i64,
            event: EventType,
            reward_id: i64,
        ) -> StorageResult<()> {
            if let Some(outbox) = Outbox::open(conn, program_id, event).await? {
                let reward = customers::reward_by_id(conn, reward_id).await?;
                outbox.write(conn, &views::reward(&reward)).await?;
            }
            Ok(())
        }

        /// Moves a reward from status `from` to `to`; false when it is no longer in `from` (the
        /// row is re-checked after any concurrent writer of it committed).
        async fn change_status(
            conn: &mut $conn,
            reward_id: i64,
            from: &str,
            to: &str,
        ) -> StorageResult<bool> {
            let changed = sqlx::query("UPDATE rewards SET status = $1 WHERE id = $2 AND status = $3")
                .bind(to)
                .bind(reward_id)
                .bind(from)
                .execute(&mut *conn)
                .await
                .map_err(backend)?;
            Ok(changed.rows_affected() == 1)
        }

        /// Reverses every non-reversed reward of a transaction (credited ones leave a negative entry).
        pub(super) async fn reverse_transaction_rewards(
            conn: &mut $conn,
            program_id: i64,
            transaction_row_id: i64,
        ) -> StorageResult<()> {
            let rows: Vec<(i64, i64, i64, String, bool)> = sqlx::query_as(
                "SELECT id, customer_id, amount_minor, amount_units, is_currency FROM rewards
                 WHERE transaction_id = $1 AND status != 'reversed'",
            )
            .bind(transaction_row_id)
            .fetch_all(&mut *conn)
            .await
            .map_err(backend)?;
            for (reward_id, customer_id, amount_minor, amount_units, is_currency) in rows {
                // A manual credit may run at the same time: whichever status the reward is in
                // when this update gets the row decides whether the balance gives it back.
                for _ in 0..3 {
                    if change_status(conn, reward_id, "credited", "reversed").await? {
                        insert_entry(
                            conn,
                            program_id,
                            customer_id,
                            "reversal",
                            Some(reward_id),
                            -amount_minor,
                            &amount_units,
                            is_currency,
                        )
                        .await?;
                        break;
                    }
                    if change_status(conn, reward_id, "pending", "reversed").await? {
                        break;
                    }
                }
            }
            Ok(())
        }
    };
}
pub(crate) use ledger_sql;
