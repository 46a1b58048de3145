//! Customers, their statistics and balances, written once for both backends (`$N` placeholders):
//! [`customers_sql`] expands the functions inside each backend's `customers` module over its storage,
//! connection, pool and database types, with the two pieces of SQL that differ: a case-insensitive
//! e-mail match and the case-insensitive `LIKE` operator.

/// Expands the customer functions for one backend:
/// `customers_sql!(Storage, Connection, Pool, Database, "email match", "LIKE operator")`.
macro_rules! customers_sql {
    ($storage:ty, $conn:ty, $pool:ty, $db:ty, $email_is:literal, $like:literal) => {
        use super::rows::{self, customer_select};
        use super::webhooks::{Outbox, program_settings};
        use super::{affiliate, backend, is_unique_violation, ledger};
        use crate::clock;
        use crate::ids;
        use crate::model::{
            Balance, Customer, CustomerFilter, CustomerLookup, CustomerOutcome, CustomerStats,
            CustomerUpdate, NewCustomer, Paged, ReferStatus, RewardRecord, Source,
        };
        use crate::pagination::PageRequest;
        use crate::program::Program;
        use crate::rewards;
        use crate::storage::affiliate_sql::not_merged;
        use crate::storage::{StorageError, StorageResult};
        use crate::views;
        use crate::webhooks::EventType;

        /// Finds a live customer by key or id.
        pub(super) async fn find(
            conn: &mut $conn,
            program_id: i64,
            lookup: &CustomerLookup,
        ) -> StorageResult<Option<Customer>> {
            let query = match lookup {
                CustomerLookup::Key(_) => sqlx::query(concat!(
                    customer_select!(),
                    "WHERE c.program_id = $1 AND c.key = $2 AND c.deleted_at IS NULL"
                )),
                CustomerLookup::Id(_) => sqlx::query(concat!(
                    customer_select!(),
                    "WHERE c.program_id = $1 AND c.public_id = $2 AND c.deleted_at IS NULL"
                )),
            };
            query
                .bind(program_id)
                .bind(lookup.value())
                .fetch_optional(&mut *conn)
                .await
                .map_err(backend)?
                .map(|row| rows::customer(&row))
                .transpose()
        }

        async fn find_by_row(conn: &mut $conn, row_id: i64) -> StorageResult<Customer> {
            let row = sqlx::query(concat!(customer_select!(), "WHERE c.id = $1"))
                .bind(row_id)
                .fetch_one(&mut *conn)
                .await
                .map_err(backend)?;
            rows::customer(&row)
        }

        pub(super) async fn by_email(
            pool: &$pool,
            program_id: i64,
            email: &str,
        ) -> StorageResult<Option<Customer>> {
            sqlx::query(concat!(
                customer_select!(),
                "WHERE c.program_id = $1 AND ",
                $email_is,
                " AND c.deleted_at IS NULL ORDER BY c.id LIMIT 1"
            ))
            .bind(program_id)
            .bind(email)
            .fetch_optional(pool)
            .await
            .map_err(backend)?
            .map(|row| rows::customer(&row))
            .transpose()
        }

        /// Creates (or, for a browser-reported record, takes over) a customer inside the caller's
        /// transaction. `field_prefix` prefixes error field names (`customer.` inside transactions).
        pub(super) async fn create(
            conn: &mut $conn,
            program: &Program,
            new: NewCustomer,
            source: Source,
            field_prefix: &str,
        ) -> StorageResult<CustomerOutcome> {
            let key = new.key.clone().unwrap_or_else(ids::customer_key);
            let public_id = new.id.clone().unwrap_or_else(|| key.clone());
            let existing = find(conn, program.id, &CustomerLookup::Key(key.clone())).await?;

            // A referral key that is one of a customer's added links names that customer.
            let mut via_link = None;
            let referrer = match &new.referrer {
                None => None,
                Some(lookup) => {
                    let mut found = find(conn, program.id, lookup).await?;
                    if found.is_none()
                        && let CustomerLookup::Key(link_key) = lookup
                        && let Some((owner_row, link_row)) =
                            affiliate::customer_by_link_key(conn, program.id, link_key).await?
                    {
                        found = Some(find_by_row(conn, owner_row).await?);
                        via_link = Some(link_row);
                    }
                    let field = match lookup {
                        CustomerLookup::Key(_) => format!("{field_prefix}referring_customer.key"),
                        CustomerLookup::Id(_) => format!("{field_prefix}referring_customer.id"),
                    };
                    match found {
                        Some(referrer) if referrer.key == key => {
                            if source == Source::Api {
                                return Err(StorageError::invalid(
                                    field,
                                    "A customer cannot refer themselves.",
                                ));
                            }
                            None
                        }
                        Some(referrer) => Some(referrer),
                        None if source == Source::Api => {
                            return Err(StorageError::invalid(
                                field,
                                "The referring customer does not exist.",
                            ));
                        }
                        None => None,
                    }
                }
            };

            let now = clock::to_micros(clock::now());
            let tags = serde_json::to_string(&new.tags).unwrap_or_else(|_| "[]".to_owned());
            let row_id = match (&existing, source) {
                (Some(existing), Source::Browser) => {
                    return Ok(CustomerOutcome {
                        customer: existing.clone(),
                        created: false,
                        rewards: Vec::new(),
                    });
                }
                (Some(existing), Source::Api) if existing.source == Source::Api => {
                    return Err(StorageError::conflict(
                        format!("{field_prefix}key"),
                        "A customer with this key already exists.",
                    ));
                }
                (Some(existing), Source::Api) => {
                    // Others may already name this customer as their referrer: no cycles.
                    if let Some(referrer) = &referrer
                        && refers_up_to(conn, referrer.row_id, existing.row_id).await?
                    {
                        let field = match &new.referrer {
                            Some(CustomerLookup::Id(_)) => "referring_customer.id",
                            _ => "referring_customer.key",
                        };
                        return Err(StorageError::invalid(
                            format!("{field_prefix}{field}"),
                            "A customer cannot be referred by a customer they referred.",
                        ));
                    }
                    // The site's backend confirms a browser-reported customer: its data takes over,
                    // and so does its referrer. A browser's claim alone never makes a referral that
                    // earns: without a referrer from the API, the customer is not referred.
                    sqlx::query(
                        "UPDATE customers SET source = 'api',
                                public_id = $1, email = COALESCE($2, email), name = COALESCE($3, name),
                                surname = COALESCE($4, surname), date_of_birth = COALESCE($5, date_of_birth),
                                referring_customer_id = $6, updated_at = $7
                         WHERE id = $8",
                    )
                    .bind(&public_id)
                    .bind(&new.email)
                    .bind(&new.name)
                    .bind(&new.surname)
                    .bind(&new.date_of_birth)
                    .bind(referrer.as_ref().map(|r| r.row_id))
                    .bind(now)
                    .bind(existing.row_id)
                    .execute(&mut *conn)
                    .await
                    .map_err(|e| id_conflict(e, field_prefix))?;
                    existing.row_id
                }
                (None, _) => sqlx::query_scalar(
                    "INSERT INTO customers (program_id, public_id, key, email, name, surname, date_of_birth,
                                            source, tags, referring_customer_id, created_at, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
                )
                .bind(program.id)
                .bind(&public_id)
                .bind(&key)
                .bind(&new.email)
                .bind(&new.name)
                .bind(&new.surname)
                .bind(&new.date_of_birth)
                .bind(source.as_str())
                .bind(&tags)
                .bind(referrer.as_ref().map(|r| r.row_id))
                .bind(now)
                .bind(now)
                .fetch_one(&mut *conn)
                .await
                .map_err(|e| id_conflict(e, field_prefix))?,
            };

            let saved = (row_id, via_link.filter(|_| referrer.is_some()));
            affiliate::after_customer_saved(conn, program.id, saved, &new, source, field_prefix).await?;
            let customer = find_by_row(conn, row_id).await?;
            if source == Source::Api
                && let Some(outbox) = Outbox::open(conn, program.id, EventType::CustomerCreated).await?
            {
                let data = affiliate::customer_event_data(conn, program, &customer).await?;
                outbox.write(conn, &data).await?;
            }
            let mut rewards = Vec::new();
            if source == Source::Api
                && let Some(referrer) = &referrer
                && let Some(draft) = rewards::signup_reward(&program.settings.rewards)
            {
                let reward_id = ledger::insert_reward(
                    conn,
                    program.id,
                    referrer.row_id,
                    None,
                    row_id,
                    &draft,
                    program.settings.rewards.manual,
                )
                .await?;
                rewards.push(reward_by_id(conn, reward_id).await?);
            }
            Ok(CustomerOutcome {
                customer,
                created: true,
                rewards,
            })
        }

        /// Whether `ancestor` is `start` or one of the referrers above it (at most 64 steps).
        async fn refers_up_to(conn: &mut $conn, start: i64, ancestor: i64) -> StorageResult<bool> {
            let found: Option<i64> = sqlx::query_scalar(
                "WITH RECURSIVE chain(id, depth) AS (
                     SELECT id, 0 FROM customers WHERE id = $1
                     UNION ALL
                     SELECT c.referring_customer_id, chain.depth + 1
                     FROM customers c JOIN chain ON c.id = chain.id
                     WHERE c.referring_customer_id IS NOT NULL AND chain.depth < 64)
                 SELECT id FROM chain WHERE id = $2 LIMIT 1",
            )
            .bind(start)
            .bind(ancestor)
            .fetch_optional(&mut *conn)
            .await
            .map_err(backend)?;
            Ok(found.is_some())
        }

        fn id_conflict(error: sqlx::Error, field_prefix: &str) -> StorageError {
            if is_unique_violation(&error) {
                StorageError::conflict(
                    format!("{field_prefix}id"),
                    "A customer with this id already exists.",
                )
            } else {
                backend(error)
            }
        }

        pub(super) async fn reward_by_id(
            conn: &mut $conn,
            reward_id: i64,
        ) -> StorageResult<RewardRecord> {
            let row = sqlx::query(concat!(super::rows::reward_select!(), "WHERE w.id = $1"))
                .bind(reward_id)
                .fetch_one(&mut *conn)
                .await
                .map_err(backend)?;
            rows::reward(&row)
        }

        pub(super) async fn update(
            storage: &$storage,
            program_id: i64,
            lookup: &CustomerLookup,
            update: &CustomerUpdate,
        ) -> StorageResult<Customer> {
            let mut tx = storage.begin_write().await?;
            let customer = find(&mut tx, program_id, lookup)
                .await?
                .ok_or(StorageError::NotFound("Customer"))?;
            sqlx::query(
                "UPDATE customers SET email = COALESCE($1, email), name = COALESCE($2, name),
                        surname = COALESCE($3, surname), date_of_birth = COALESCE($4, date_of_birth),
                        status = COALESCE($5, status), approved = COALESCE($6, approved), updated_at = $7
                 WHERE id = $8",
            )
            .bind(&update.email)
            .bind(&update.name)
            .bind(&update.surname)
            .bind(&update.date_of_birth)
            .bind(&update.status)
            .bind(update.approved)
            .bind(clock::to_micros(clock::now()))
            .bind(customer.row_id)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            let updated = find_by_row(&mut tx, customer.row_id).await?;
            if let Some(outbox) = Outbox::open(&mut tx, program_id, EventType::CustomerUpdated).await? {
                let settings = program_settings(&mut tx, program_id).await?;
                outbox
                    .write(&mut tx, &views::customer(&settings, &updated))
                    .await?;
            }
            tx.commit().await.map_err(backend)?;
            Ok(updated)
        }

        pub(super) async fn delete(
            storage: &$storage,
            program_id: i64,
            lookup: &CustomerLookup,
        ) -> StorageResult<()> {
            let mut tx = storage.begin_write().await?;
            let customer = find(&mut tx, program_id, lookup)
                .await?
                .ok_or(StorageError::NotFound("Customer"))?;
            let now = clock::to_micros(clock::now());
            sqlx::query("UPDATE customers SET deleted_at = $1, updated_at = $1 WHERE id = $2")
                .bind(now)
                .bind(customer.row_id)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
            // Their added referral links go with them: no short link of a deleted customer
            // redirects or counts clicks.
            sqlx::query(
                "UPDATE referral_links SET deleted_at = $1, updated_at = $1
                 WHERE customer_id = $2 AND deleted_at IS NULL",
            )
            .bind(now)
            .bind(customer.row_id)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            if let Some(outbox) = Outbox::open(&mut tx, program_id, EventType::CustomerDeleted).await? {
                let settings = program_settings(&mut tx, program_id).await?;
                outbox
                    .write(&mut tx, &views::customer(&settings, &customer))
                    .await?;
            }
            tx.commit().await.map_err(backend)?;
            Ok(())
        }

        /// Escapes `%`, `_` and `\` for a `LIKE ... ESCAPE '\'` pattern.
        fn like_pattern(text: &str) -> String {
            let mut pattern = String::from("%");
            for c in text.chars() {
                if matches!(c, '%' | '_' | '\\') {
                    pattern.push('\\');
                }
                pattern.push(c);
            }
            pattern.push('%');
            pattern
        }

        pub(super) async fn list(
            pool: &$pool,
            program_id: i64,
            filter: &CustomerFilter,
            page: PageRequest,
        ) -> StorageResult<Paged<Customer>> {
            let refer_status = filter.refer_status.map(|status| match status {
                ReferStatus::Referred => "referred",
                ReferStatus::NonReferred => "non_referred",
            });
            let search = filter.search.as_deref().map(like_pattern);
            macro_rules! filter_sql {
                () => {
                    concat!(
                        "WHERE c.program_id = $1 AND c.deleted_at IS NULL
                           AND ($2 IS NULL OR ($3 = 'referred' AND c.referring_customer_id IS NOT NULL)
                                          OR ($4 = 'non_referred' AND c.referring_customer_id IS NULL))
                           AND ($5 IS NULL OR c.key ", $like, " $6 ESCAPE '\\' OR c.public_id ", $like,
                        " $7 ESCAPE '\\' OR c.email ", $like, " $8 ESCAPE '\\' OR c.name ", $like,
                        " $9 ESCAPE '\\' OR c.surname ", $like, " $10 ESCAPE '\\')
                           AND ($11 IS NULL OR c.referring_customer_id = $12) "
                    )
                };
            }
            // Binds $1..$12 of `filter_sql!` to a query.
            macro_rules! bind_filter {
                ($query:expr) => {
                    $query
                        .bind(program_id)
                        .bind(refer_status)
                        .bind(refer_status)
                        .bind(refer_status)
                        .bind(&search)
                        .bind(&search)
                        .bind(&search)
                        .bind(&search)
                        .bind(&search)
                        .bind(&search)
                        .bind(filter.referred_by)
                        .bind(filter.referred_by)
                };
            }
            let total: i64 = bind_filter!(sqlx::query_scalar(concat!(
                "SELECT COUNT(*) FROM customers c ",
                filter_sql!()
            )))
            .fetch_one(pool)
            .await
            .map_err(backend)?;
            let rows = bind_filter!(sqlx::query(concat!(
                customer_select!(),
                filter_sql!(),
                "ORDER BY c.id LIMIT $13 OFFSET $14"
            )))
            .bind(i64::from(page.limit))
            .bind(page.offset())
            .fetch_all(pool)
            .await
            .map_err(backend)?;
            let items = rows
                .iter()
                .map(rows::customer)
                .collect::<StorageResult<_>>()?;
            Ok(Paged { items, total })
        }

        pub(super) async fn stats(
            pool: &$pool,
            program_id: i64,
            customer: &Customer,
        ) -> StorageResult<CustomerStats> {
            let (clicks, unique_clicks): (i64, i64) = sqlx::query_as(concat!(
                "SELECT COUNT(*), COUNT(*) FILTER (WHERE v.is_unique) FROM visits v
                 WHERE v.program_id = $1 AND (v.referral_key = $2 OR v.referral_key IN (
                     SELECT key FROM referral_links WHERE customer_id = $3 AND deleted_at IS NULL))",
                not_merged!()
            ))
            .bind(program_id)
            .bind(&customer.key)
            .bind(customer.row_id)
            .fetch_one(pool)
            .await
            .map_err(backend)?;
            let signups: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM customers
                 WHERE referring_customer_id = $1 AND deleted_at IS NULL AND source = 'api'",
            )
            .bind(customer.row_id)
            .fetch_one(pool)
            .await
            .map_err(backend)?;
            let paying_referrals: i64 = sqlx::query_scalar(
                "SELECT COUNT(DISTINCT customer_id) FROM transactions
                 WHERE referrer_id = $1 AND source = 'api' AND refunded_at IS NULL AND action = 'sale'",
            )
            .bind(customer.row_id)
            .fetch_one(pool)
            .await
            .map_err(backend)?;
            let revenue = sqlx::query(
                "SELECT amount_units, is_currency, CAST(SUM(amount_minor) AS BIGINT) FROM transactions
                 WHERE referrer_id = $1 AND source = 'api' AND refunded_at IS NULL AND action = 'sale'
                 GROUP BY amount_units, is_currency ORDER BY amount_units",
            )
            .bind(customer.row_id)
            .fetch_all(pool)
            .await
            .map_err(backend)?;
            let rewards = sqlx::query(
                "SELECT amount_units, is_currency, CAST(SUM(amount_minor) AS BIGINT) FROM rewards
                 WHERE customer_id = $1 AND status != 'reversed'
                 GROUP BY amount_units, is_currency ORDER BY amount_units",
            )
            .bind(customer.row_id)
            .fetch_all(pool)
            .await
            .map_err(backend)?;
            Ok(CustomerStats {
                clicks,
                unique_clicks,
                signups,
                paying_referrals,
                revenue: rows::unit_amounts(&revenue)?,
                rewards: rows::unit_amounts(&rewards)?,
            })
        }

        pub(super) async fn balance<'c, E>(
            executor: E,
            program_id: i64,
            customer_row_id: i64,
        ) -> StorageResult<Balance>
        where
            E: sqlx::Executor<'c, Database = $db> + Copy,
        {
            let balance = sqlx::query(
                "SELECT amount_units, is_currency, CAST(SUM(amount_minor) AS BIGINT) FROM balance_entries
                 WHERE program_id = $1 AND customer_id = $2
                 GROUP BY amount_units, is_currency ORDER BY amount_units",
            )
            .bind(program_id)
            .bind(customer_row_id)
            .fetch_all(executor)
            .await
            .map_err(backend)?;
            let pending = sqlx::query(
                "SELECT amount_units, is_currency, CAST(SUM(amount_minor) AS BIGINT) FROM rewards
                 WHERE program_id = $1 AND customer_id = $2 AND status = 'pending'
                 GROUP BY amount_units, is_currency ORDER BY amount_units",
            )
            .bind(program_id)
            .bind(customer_row_id)
            .fetch_all(executor)
            .await
            .map_err(backend)?;
            Ok(Balance {
                balance: rows::unit_amounts(&balance)?,
                pending: rows::unit_amounts(&pending)?,
            })
        }

        pub(super) async fn credit_rewards(
            storage: &$storage,
            program_id: i64,
            customer: &Customer,
            ids: Option<&[i64]>,
        ) -> StorageResult<Balance> {
            let mut tx = storage.begin_write().await?;
            ledger::credit_pending(&mut tx, program_id, customer.row_id, ids).await?;
            tx.commit().await.map_err(backend)?;
            balance(&storage.pool, program_id, customer.row_id).await
        }

        pub(super) async fn credit(
            storage: &$storage,
            program_id: i64,
            customer: &Customer,
            amount_minor: i64,
            amount_units: &str,
            is_currency: bool,
        ) -> StorageResult<Balance> {
            let mut tx = storage.begin_write().await?;
            let alive: Option<i64> =
                sqlx::query_scalar("SELECT id FROM customers WHERE id = $1 AND deleted_at IS NULL")
                    .bind(customer.row_id)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(backend)?;
            if alive.is_none() {
                return Err(StorageError::NotFound("Customer"));
            }
            ledger::insert_entry(
                &mut tx,
                program_id,
                customer.row_id,
                "credit",
                None,
                amount_minor,
                amount_units,
                is_currency,
            )
            .await?;
            tx.commit().await.map_err(backend)?;
            balance(&storage.pool, program_id, customer.row_id).await
        }
    };
}
pub(crate) use customers_sql;
