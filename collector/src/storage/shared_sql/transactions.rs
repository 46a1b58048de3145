//! Transactions, written once for both backends (`$N` placeholders): idempotent by key, rewards
//! computed in the same database transaction. [`transactions_sql`] expands the functions inside each
//! backend's `transactions` module over its storage, connection and pool types (it uses the storage's
//! `begin_write_locked`).

/// Expands the transaction functions for one backend: `transactions_sql!(Storage, Connection, Pool)`.
macro_rules! transactions_sql {
    ($storage:ty, $conn:ty, $pool:ty) => {
        use super::rows::{self, reward_select, transaction_select};
        use super::webhooks::Outbox;
        use super::{affiliate, backend, customers, is_unique_violation, ledger};
        use crate::storage::key_locks::KeyLock;
        use crate::clock;
        use crate::model::{
            CustomerLookup, NewTransaction, Paged, Source, TransactionFilter, TransactionOutcome,
            TransactionRecord,
        };
        use crate::pagination::PageRequest;
        use crate::program::Program;
        use crate::rewards::{self, Recipient, SaleContext};
        use crate::storage::{StorageError, StorageResult};
        use crate::views;
        use crate::webhooks::EventType;

        async fn with_rewards(
            conn: &mut $conn,
            row_id: i64,
            mut record: TransactionRecord,
        ) -> StorageResult<TransactionRecord> {
            let rows = sqlx::query(concat!(
                reward_select!(),
                "WHERE w.transaction_id = $1 ORDER BY w.id"
            ))
            .bind(row_id)
            .fetch_all(&mut *conn)
            .await
            .map_err(backend)?;
            record.rewards = rows
                .iter()
                .map(rows::reward)
                .collect::<StorageResult<_>>()?;
            Ok(record)
        }

        pub(super) async fn find(
            conn: &mut $conn,
            program_id: i64,
            key: &str,
        ) -> StorageResult<Option<TransactionRecord>> {
            let row = sqlx::query(concat!(
                transaction_select!(),
                "WHERE t.program_id = $1 AND t.key = $2"
            ))
            .bind(program_id)
            .bind(key)
            .fetch_optional(&mut *conn)
            .await
            .map_err(backend)?;
            match row {
                None => Ok(None),
                Some(row) => {
                    let (row_id, record) = rows::transaction(&row)?;
                    Ok(Some(with_rewards(conn, row_id, record).await?))
                }
            }
        }

        pub(super) async fn create_batch(
            storage: &$storage,
            program: &Program,
            items: Vec<NewTransaction>,
            source: Source,
        ) -> StorageResult<Vec<TransactionOutcome>> {
            // A buyer named by id is locked by its key as well (customer keys never change), so
            // that concurrent sales of one buyer, however named, count each other's sales for the
            // reward limits; the keys are looked up before the locks, which are all taken at once.
            let mut buyer_keys = Vec::new();
            let by_id = items.iter().filter(|item| matches!(item.customer, CustomerLookup::Id(_)));
            let mut conn = None;
            for item in by_id {
                let conn = match &mut conn {
                    Some(conn) => conn,
                    None => conn.insert(storage.pool.acquire().await.map_err(backend)?),
                };
                if let Some(buyer) = customers::find(conn, program.id, &item.customer).await? {
                    buyer_keys.push(buyer.key);
                }
            }
            drop(conn);
            // Every key this batch may create, so concurrent duplicates (on any instance) queue here.
            let mut keys = Vec::with_capacity(items.len() * 2 + buyer_keys.len());
            for item in &items {
                keys.push(KeyLock::Transaction(program.id, &item.key));
                if let CustomerLookup::Key(key) = &item.customer {
                    keys.push(KeyLock::Customer(program.id, key));
                }
            }
            keys.extend(buyer_keys.iter().map(|key| KeyLock::Customer(program.id, key)));
            let mut tx = storage.begin_write_locked(&keys).await?;
            let mut outcomes = Vec::with_capacity(items.len());
            for item in items {
                outcomes.push(create_one(&mut tx, program, item, source).await?);
            }
            tx.commit().await.map_err(backend)?;
            Ok(outcomes)
        }

        async fn create_one(
            conn: &mut $conn,
            program: &Program,
            item: NewTransaction,
            source: Source,
        ) -> StorageResult<TransactionOutcome> {
            let prefix = if item.field_prefix.is_empty() {
                String::new()
            } else {
                format!("{}.", item.field_prefix)
            };
            let existing: Option<(i64, String, Option<i64>)> = sqlx::query_as(
                "SELECT id, source, refunded_at FROM transactions WHERE program_id = $1 AND key = $2",
            )
            .bind(program.id)
            .bind(&item.key)
            .fetch_optional(&mut *conn)
            .await
            .map_err(backend)?;

            let takeover_row = match &existing {
                Some((_, _, Some(_))) => {
                    return Err(StorageError::conflict(
                        format!("{prefix}key"),
                        "A transaction with this key was refunded; use a new key.",
                    ));
                }
                Some((_, existing_source, None))
                    if existing_source == "api" || source == Source::Browser =>
                {
                    let original = find(conn, program.id, &item.key)
                        .await?
                        .ok_or(StorageError::NotFound("Transaction"))?;
                    return Ok(TransactionOutcome {
                        transaction: original,
                        created: false,
                    });
                }
                Some((row_id, _, None)) => Some(*row_id),
                None => None,
            };

            // The buyer, created on request.
            let buyer = match customers::find(conn, program.id, &item.customer).await? {
                Some(buyer) => buyer,
                None => match (&item.create_customer, &item.customer) {
                    (Some(new), CustomerLookup::Key(key)) => {
                        let mut new = new.clone();
                        new.key = Some(key.clone());
                        customers::create(conn, program, new, source, &format!("{prefix}customer."))
                            .await?
                            .customer
                    }
                    _ => {
                        let field = match item.customer {
                            CustomerLookup::Key(_) => format!("{prefix}customer.key"),
                            CustomerLookup::Id(_) => format!("{prefix}customer.id"),
                        };
                        return Err(StorageError::invalid(field, "The customer does not exist."));
                    }
                },
            };
            let referrer_row: Option<i64> = sqlx::query_scalar(
                "SELECT r.id FROM customers c JOIN customers r ON r.id = c.referring_customer_id
                 WHERE c.id = $1 AND r.deleted_at IS NULL",
            )
            .bind(buyer.row_id)
            .fetch_optional(&mut *conn)
            .await
            .map_err(backend)?;

            let now = clock::now();
            let amount_units = item
                .amount_units
                .clone()
                .unwrap_or_else(|| program.settings.rewards.currency.clone());
            let row_id: i64 = match takeover_row {
                Some(row_id) => {
                    sqlx::query(
                        "UPDATE transactions SET customer_id = $1, referrer_id = $2, action = $3,
                                amount_minor = $4, amount_units = $5, is_currency = $6, product_id = $7,
                                product_type = $8, source = 'api', updated_at = $9
                         WHERE id = $10",
                    )
                    .bind(buyer.row_id)
                    .bind(referrer_row)
                    .bind(&item.action)
                    .bind(item.amount_minor)
                    .bind(&amount_units)
                    .bind(item.is_currency)
                    .bind(&item.product_id)
                    .bind(&item.product_type)
                    .bind(clock::to_micros(now))
                    .bind(row_id)
                    .execute(&mut *conn)
                    .await
                    .map_err(backend)?;
                    row_id
                }
                None => sqlx::query_scalar(
                    "INSERT INTO transactions (program_id, key, customer_id, referrer_id, action,
                                               amount_minor, amount_units, is_currency, product_id,
                                               product_type, source, created_at, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
                )
                .bind(program.id)
                .bind(&item.key)
                .bind(buyer.row_id)
                .bind(referrer_row)
                .bind(&item.action)
                .bind(item.amount_minor)
                .bind(&amount_units)
                .bind(item.is_currency)
                .bind(&item.product_id)
                .bind(&item.product_type)
                .bind(source.as_str())
                .bind(clock::to_micros(now))
                .bind(clock::to_micros(now))
                .fetch_one(&mut *conn)
                .await
                .map_err(|e| {
                    if is_unique_violation(&e) {
                        StorageError::conflict(
                            format!("{prefix}key"),
                            "A transaction with this key exists.",
                        )
                    } else {
                        backend(e)
                    }
                })?,
            };

            if source == Source::Api
                && item.action == "sale"
                && let Some(referrer_row) = referrer_row
            {
                let prior_sales: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM transactions WHERE customer_id = $1 AND id != $2
                     AND source = 'api' AND refunded_at IS NULL AND action = 'sale'",
                )
                .bind(buyer.row_id)
                .bind(row_id)
                .fetch_one(&mut *conn)
                .await
                .map_err(backend)?;
                let sale = SaleContext {
                    amount_minor: item.amount_minor,
                    amount_units: amount_units.clone(),
                    is_currency: item.is_currency,
                    prior_sales: u32::try_from(prior_sales).unwrap_or(u32::MAX),
                    months_since_signup: rewards::whole_months_between(buyer.created_at, now),
                };
                for draft in rewards::sale_rewards(&program.settings.rewards, &sale) {
                    let recipient = match draft.recipient {
                        Recipient::Referrer => referrer_row,
                        Recipient::Referred => buyer.row_id,
                    };
                    ledger::insert_reward(
                        conn,
                        program.id,
                        recipient,
                        Some(row_id),
                        buyer.row_id,
                        &draft,
                        program.settings.rewards.manual,
                    )
                    .await?;
                }
            }

            if source == Source::Api {
                affiliate::attribute_sale(conn, program, row_id, &buyer, &item, &amount_units, &prefix)
                    .await?;
            }

            let transaction = find(conn, program.id, &item.key)
                .await?
                .ok_or(StorageError::NotFound("Transaction"))?;
            if source == Source::Api
                && let Some(outbox) = Outbox::open(conn, program.id, EventType::TransactionCreated).await?
            {
                let data = affiliate::transaction_event_data(conn, program, &transaction).await?;
                outbox.write(conn, &data).await?;
            }
            Ok(TransactionOutcome {
                transaction,
                created: true,
            })
        }

        pub(super) async fn list(
            pool: &$pool,
            program_id: i64,
            filter: &TransactionFilter,
            page: PageRequest,
        ) -> StorageResult<Paged<TransactionRecord>> {
            macro_rules! filter_sql {
                () => {
                    "WHERE t.program_id = $1 AND t.refunded_at IS NULL
                       AND ($2 IS NULL OR t.customer_id = $3) AND ($4 OR NOT t.archived) "
                };
            }
            let total: i64 = sqlx::query_scalar(concat!(
                "SELECT COUNT(*) FROM transactions t ",
                filter_sql!()
            ))
            .bind(program_id)
            .bind(filter.customer_row_id)
            .bind(filter.customer_row_id)
            .bind(filter.include_archived)
            .fetch_one(pool)
            .await
            .map_err(backend)?;
            let rows = sqlx::query(concat!(
                transaction_select!(),
                filter_sql!(),
                "ORDER BY t.id LIMIT $5 OFFSET $6"
            ))
            .bind(program_id)
            .bind(filter.customer_row_id)
            .bind(filter.customer_row_id)
            .bind(filter.include_archived)
            .bind(i64::from(page.limit))
            .bind(page.offset())
            .fetch_all(pool)
            .await
            .map_err(backend)?;
            let mut conn = pool.acquire().await.map_err(backend)?;
            let mut items = Vec::with_capacity(rows.len());
            for row in &rows {
                let (row_id, record) = rows::transaction(row)?;
                items.push(with_rewards(&mut conn, row_id, record).await?);
            }
            Ok(Paged { items, total })
        }

        async fn live_row_id(conn: &mut $conn, program_id: i64, key: &str) -> StorageResult<i64> {
            sqlx::query_scalar(
                "SELECT id FROM transactions WHERE program_id = $1 AND key = $2 AND refunded_at IS NULL",
            )
            .bind(program_id)
            .bind(key)
            .fetch_optional(&mut *conn)
            .await
            .map_err(backend)?
            .ok_or(StorageError::NotFound("Transaction"))
        }

        pub(super) async fn refund(
            storage: &$storage,
            program_id: i64,
            key: &str,
        ) -> StorageResult<TransactionRecord> {
            let mut tx = storage
                .begin_write_locked(&[KeyLock::Transaction(program_id, key)])
                .await?;
            let row_id = live_row_id(&mut tx, program_id, key).await?;
            let now = clock::to_micros(clock::now());
            sqlx::query("UPDATE transactions SET refunded_at = $1, updated_at = $2 WHERE id = $3")
                .bind(now)
                .bind(now)
                .bind(row_id)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
            ledger::reverse_transaction_rewards(&mut tx, program_id, row_id).await?;
            affiliate::reverse_commissions(&mut tx, row_id).await?;
            let record = find(&mut tx, program_id, key)
                .await?
                .ok_or(StorageError::NotFound("Transaction"))?;
            if let Some(outbox) = Outbox::open(&mut tx, program_id, EventType::TransactionDeleted).await? {
                outbox.write(&mut tx, &views::transaction(&record)).await?;
            }
            tx.commit().await.map_err(backend)?;
            Ok(record)
        }

        pub(super) async fn set_archived(
            storage: &$storage,
            program_id: i64,
            key: &str,
            archived: bool,
        ) -> StorageResult<TransactionRecord> {
            let mut tx = storage
                .begin_write_locked(&[KeyLock::Transaction(program_id, key)])
                .await?;
            let row_id = live_row_id(&mut tx, program_id, key).await?;
            sqlx::query("UPDATE transactions SET archived = $1, updated_at = $2 WHERE id = $3")
                .bind(archived)
                .bind(clock::to_micros(clock::now()))
                .bind(row_id)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
            let record = find(&mut tx, program_id, key)
                .await?
                .ok_or(StorageError::NotFound("Transaction"))?;
            if let Some(outbox) = Outbox::open(&mut tx, program_id, EventType::TransactionUpdated).await? {
                outbox.write(&mut tx, &views::transaction(&record)).await?;
            }
            tx.commit().await.map_err(backend)?;
            Ok(record)
        }
    };
}
pub(crate) use transactions_sql;
