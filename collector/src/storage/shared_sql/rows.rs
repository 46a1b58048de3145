//! Row mapping of customers, transactions and rewards, written once for both backends: the
//! `SELECT` lists, and [`row_mapping`], which expands the mapping functions over one backend's row
//! type inside that backend's `rows` module (it uses the module's `backend` and the affiliate
//! module's `partner_ref`).

/// `SELECT` list for customers with their referrer and referral count; append `WHERE ...`.
macro_rules! customer_select {
    () => {
        "SELECT c.id, c.public_id, c.key, c.email, c.name, c.surname, c.date_of_birth, c.status,
                c.approved, c.source, c.tags, c.created_at, c.updated_at,
                r.public_id AS ref_public_id, r.key AS ref_key, r.email AS ref_email,
                r.name AS ref_name,
                (SELECT COUNT(*) FROM customers x
                 WHERE x.referring_customer_id = c.id AND x.deleted_at IS NULL) AS referrals_count
         FROM customers c
         LEFT JOIN customers r ON r.id = c.referring_customer_id "
    };
}
pub(crate) use customer_select;

/// `SELECT` list for transactions with buyer and referrer; append `WHERE ...`.
macro_rules! transaction_select {
    () => {
        "SELECT t.id, t.key, t.action, t.amount_minor, t.amount_units, t.is_currency, t.source,
                t.archived, t.refunded_at, t.product_id, t.product_type, t.created_at,
                b.public_id AS buyer_public_id, b.key AS buyer_key, b.email AS buyer_email,
                b.name AS buyer_name,
                r.public_id AS ref_public_id, r.key AS ref_key, r.email AS ref_email,
                r.name AS ref_name
         FROM transactions t
         JOIN customers b ON b.id = t.customer_id
         LEFT JOIN customers r ON r.id = t.referrer_id "
    };
}
pub(crate) use transaction_select;

/// `SELECT` list for rewards with their recipient; append `WHERE ...`.
macro_rules! reward_select {
    () => {
        "SELECT w.id, w.recipient, w.trigger, w.amount_minor, w.amount_units, w.is_currency,
                w.status, w.created_at, t.key AS transaction_key,
                c.public_id AS ref_public_id, c.key AS ref_key, c.email AS ref_email,
                c.name AS ref_name
         FROM rewards w
         JOIN customers c ON c.id = w.customer_id
         LEFT JOIN transactions t ON t.id = w.transaction_id "
    };
}
pub(crate) use reward_select;

/// Expands the row mapping functions for one backend: `row_mapping!(RowType)`.
macro_rules! row_mapping {
    ($row:ty) => {
        use sqlx::Row;

        use super::affiliate::partner_ref as customer_ref;
        use super::backend;
        use crate::clock;
        use crate::model::{
            Customer, CustomerRef, RewardRecord, Source, TransactionRecord, UnitAmount,
        };
        use crate::storage::StorageResult;

        pub(super) fn customer(row: &$row) -> StorageResult<Customer> {
            let tags: String = row.try_get("tags").map_err(backend)?;
            let source: String = row.try_get("source").map_err(backend)?;
            Ok(Customer {
                row_id: row.try_get("id").map_err(backend)?,
                id: row.try_get("public_id").map_err(backend)?,
                key: row.try_get("key").map_err(backend)?,
                email: row.try_get("email").map_err(backend)?,
                name: row.try_get("name").map_err(backend)?,
                surname: row.try_get("surname").map_err(backend)?,
                date_of_birth: row.try_get("date_of_birth").map_err(backend)?,
                status: row.try_get("status").map_err(backend)?,
                approved: row.try_get("approved").map_err(backend)?,
                source: Source::parse(&source),
                tags: serde_json::from_str(&tags).unwrap_or_default(),
                referring_customer: customer_ref(row, "ref_")?,
                referrals_count: row.try_get("referrals_count").map_err(backend)?,
                created_at: clock::from_micros(row.try_get("created_at").map_err(backend)?),
                updated_at: clock::from_micros(row.try_get("updated_at").map_err(backend)?),
            })
        }

        pub(super) fn reward(row: &$row) -> StorageResult<RewardRecord> {
            Ok(RewardRecord {
                id: row.try_get("id").map_err(backend)?,
                customer: customer_ref(row, "ref_")?.unwrap_or_else(|| CustomerRef {
                    id: String::new(),
                    key: String::new(),
                    email: None,
                    name: None,
                }),
                recipient: row.try_get("recipient").map_err(backend)?,
                trigger: row.try_get("trigger").map_err(backend)?,
                amount_minor: row.try_get("amount_minor").map_err(backend)?,
                amount_units: row.try_get("amount_units").map_err(backend)?,
                is_currency: row.try_get("is_currency").map_err(backend)?,
                status: row.try_get("status").map_err(backend)?,
                transaction_key: row.try_get("transaction_key").map_err(backend)?,
                created_at: clock::from_micros(row.try_get("created_at").map_err(backend)?),
            })
        }

        /// A transaction without its rewards (filled in by the caller).
        pub(super) fn transaction(row: &$row) -> StorageResult<(i64, TransactionRecord)> {
            let source: String = row.try_get("source").map_err(backend)?;
            let refunded_at: Option<i64> = row.try_get("refunded_at").map_err(backend)?;
            let record = TransactionRecord {
                key: row.try_get("key").map_err(backend)?,
                action: row.try_get("action").map_err(backend)?,
                amount_minor: row.try_get("amount_minor").map_err(backend)?,
                amount_units: row.try_get("amount_units").map_err(backend)?,
                is_currency: row.try_get("is_currency").map_err(backend)?,
                customer: customer_ref(row, "buyer_")?.unwrap_or_else(|| CustomerRef {
                    id: String::new(),
                    key: String::new(),
                    email: None,
                    name: None,
                }),
                referrer: customer_ref(row, "ref_")?,
                source: Source::parse(&source),
                archived: row.try_get("archived").map_err(backend)?,
                refunded: refunded_at.is_some(),
                product_id: row.try_get("product_id").map_err(backend)?,
                product_type: row.try_get("product_type").map_err(backend)?,
                created_at: clock::from_micros(row.try_get("created_at").map_err(backend)?),
                rewards: Vec::new(),
            };
            Ok((row.try_get("id").map_err(backend)?, record))
        }

        /// Rows of `(amount_units, is_currency, total)`.
        /// `(unit, is_currency, amount)` rows, in byte order of the unit whatever the database's
        /// collation.
        pub(super) fn unit_amounts(rows: &[$row]) -> StorageResult<Vec<UnitAmount>> {
            let mut amounts = rows
                .iter()
                .map(|row| {
                    Ok(UnitAmount {
                        amount_units: row.try_get(0).map_err(backend)?,
                        is_currency: row.try_get(1).map_err(backend)?,
                        amount_minor: row.try_get(2).map_err(backend)?,
                    })
                })
                .collect::<StorageResult<Vec<_>>>()?;
            amounts.sort_by(|a, b| a.amount_units.cmp(&b.amount_units));
            Ok(amounts)
        }
    };
}
pub(crate) use row_mapping;
