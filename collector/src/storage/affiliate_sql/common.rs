//! Shared pieces of the affiliate SQL: `SELECT` lists, row mapping, lookups by row, list pages and
//! outbox events. Expanded first; the other parts use these items.

/// Expands this part for one backend (see [`super::affiliate_backend`]).
macro_rules! common_sql {
    ($storage:ty, $conn:ty, $row:ty) => {
        use async_trait::async_trait;
        use sqlx::Row;
        use time::OffsetDateTime;

        use super::webhooks::Outbox;
        use super::{backend, is_unique_violation};
        use crate::affiliate::model::{
            Attribution, Commission, Coupon, CouponUpdate, LinkEvent, LinkFilter, LinkOwner,
            LinkTotals, LinkUpdate, NewCoupon, NewLink, NewPartner, OwnerKind, Partner,
            PartnerLookup, PartnerRef, PartnerStats, PartnerUpdate, ReferralLink,
        };
        use crate::affiliate::{commissions, short_codes};
        use crate::clock;
        use crate::ids;
        use crate::model::{Customer, NewCustomer, NewTransaction, Paged, Source, UnitAmount};
        use crate::pagination::PageRequest;
        use crate::program::Program;
        use crate::rewards::{self, SaleContext};
        use crate::storage::affiliate::{
            AttributionStorage, CommissionStorage, CouponStorage, LinkStorage, PartnerStorage,
        };
        use crate::storage::affiliate_sql::not_merged;
        use crate::storage::{StorageError, StorageResult};
        use crate::webhooks::EventType;


        const PARTNER_SELECT: &str = "SELECT p.id, p.public_id, p.key, p.email, p.name, p.surname,
                p.status, p.created_at, p.updated_at, r.public_id AS ref_public_id,
                r.key AS ref_key, r.email AS ref_email, r.name AS ref_name
            FROM partners p LEFT JOIN partners r ON r.id = p.referring_partner_id ";

        const LINK_SELECT: &str = "SELECT l.id, l.program_id, l.public_id, l.key, l.domain,
                l.is_default, l.label, l.destination_url, l.utm, l.short_code, l.created_at,
                l.updated_at, p.public_id AS p_public_id, p.key AS p_key, p.email AS p_email,
                p.name AS p_name, c.public_id AS c_public_id, c.key AS c_key,
                c.email AS c_email, c.name AS c_name
            FROM referral_links l LEFT JOIN partners p ON p.id = l.partner_id
            LEFT JOIN customers c ON c.id = l.customer_id ";

        const COUPON_SELECT: &str = "SELECT k.id, k.code, k.discount_type, k.discount_value,
                k.description, k.created_at, k.updated_at, p.public_id AS p_public_id,
                p.key AS p_key, p.email AS p_email, p.name AS p_name
            FROM coupons k JOIN partners p ON p.id = k.partner_id ";

        const COMMISSION_SELECT: &str = "SELECT m.id, m.amount_minor, m.amount_units,
                m.is_currency, m.status, m.created_at, m.paid_at, t.key AS transaction_key,
                l.key AS link_key, p.public_id AS p_public_id, p.key AS p_key,
                p.email AS p_email, p.name AS p_name
            FROM commissions m JOIN partners p ON p.id = m.partner_id
            JOIN transactions t ON t.id = m.transaction_id
            LEFT JOIN referral_links l ON l.id = m.link_id ";

        fn sql(text: String) -> sqlx::AssertSqlSafe<String> {
            sqlx::AssertSqlSafe(text)
        }

        fn now_micros() -> i64 {
            clock::to_micros(clock::now())
        }

        fn conflict_or(error: sqlx::Error, field: &str, message: &str) -> StorageError {
            if is_unique_violation(&error) {
                StorageError::conflict(field, message)
            } else {
                backend(error)
            }
        }

        /// `%text%` for `LOWER(..) LIKE LOWER(..) ESCAPE '\'`: the database lowers both sides, so
        /// they fold the same way (SQLite folds ASCII letters only, PostgreSQL all of Unicode).
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

        /// A partner or customer reference (the same shape) from the columns `{prefix}public_id`,
        /// `{prefix}key`, `{prefix}email` and `{prefix}name`; `None` when the key is null.
        pub(super) fn partner_ref(row: &$row, prefix: &str) -> StorageResult<Option<PartnerRef>> {
            let key: Option<String> = row
                .try_get(format!("{prefix}key").as_str())
                .map_err(backend)?;
            let Some(key) = key else { return Ok(None) };
            Ok(Some(PartnerRef {
                id: row
                    .try_get(format!("{prefix}public_id").as_str())
                    .map_err(backend)?,
                key,
                email: row
                    .try_get(format!("{prefix}email").as_str())
                    .map_err(backend)?,
                name: row
                    .try_get(format!("{prefix}name").as_str())
                    .map_err(backend)?,
            }))
        }

        fn partner_row(row: &$row) -> StorageResult<Partner> {
            Ok(Partner {
                row_id: row.try_get("id").map_err(backend)?,
                id: row.try_get("public_id").map_err(backend)?,
                key: row.try_get("key").map_err(backend)?,
                email: row.try_get("email").map_err(backend)?,
                name: row.try_get("name").map_err(backend)?,
                surname: row.try_get("surname").map_err(backend)?,
                status: row.try_get("status").map_err(backend)?,
                referring_partner: partner_ref(row, "ref_")?,
                created_at: clock::from_micros(row.try_get("created_at").map_err(backend)?),
                updated_at: clock::from_micros(row.try_get("updated_at").map_err(backend)?),
            })
        }

        fn link_row(row: &$row) -> StorageResult<ReferralLink> {
            let utm: String = row.try_get("utm").map_err(backend)?;
            Ok(ReferralLink {
                row_id: row.try_get("id").map_err(backend)?,
                program_id: row.try_get("program_id").map_err(backend)?,
                id: row.try_get("public_id").map_err(backend)?,
                key: row.try_get("key").map_err(backend)?,
                partner: partner_ref(row, "p_")?,
                customer: partner_ref(row, "c_")?,
                domain: row.try_get("domain").map_err(backend)?,
                is_default: row.try_get("is_default").map_err(backend)?,
                label: row.try_get("label").map_err(backend)?,
                destination_url: row.try_get("destination_url").map_err(backend)?,
                utm: serde_json::from_str(&utm).unwrap_or_default(),
                short_code: row.try_get("short_code").map_err(backend)?,
                created_at: clock::from_micros(row.try_get("created_at").map_err(backend)?),
                updated_at: clock::from_micros(row.try_get("updated_at").map_err(backend)?),
            })
        }

        fn coupon_row(row: &$row) -> StorageResult<Coupon> {
            Ok(Coupon {
                row_id: row.try_get("id").map_err(backend)?,
                code: row.try_get("code").map_err(backend)?,
                partner: partner_ref(row, "p_")?
                    .ok_or_else(|| StorageError::NotFound("Partner"))?,
                discount_type: row.try_get("discount_type").map_err(backend)?,
                discount_value: row.try_get("discount_value").map_err(backend)?,
                description: row.try_get("description").map_err(backend)?,
                created_at: clock::from_micros(row.try_get("created_at").map_err(backend)?),
                updated_at: clock::from_micros(row.try_get("updated_at").map_err(backend)?),
            })
        }

        fn commission_row(row: &$row) -> StorageResult<Commission> {
            let paid_at: Option<i64> = row.try_get("paid_at").map_err(backend)?;
            Ok(Commission {
                id: row.try_get("id").map_err(backend)?,
                partner: partner_ref(row, "p_")?
                    .ok_or_else(|| StorageError::NotFound("Partner"))?,
                amount_minor: row.try_get("amount_minor").map_err(backend)?,
                amount_units: row.try_get("amount_units").map_err(backend)?,
                is_currency: row.try_get("is_currency").map_err(backend)?,
                status: row.try_get("status").map_err(backend)?,
                transaction_key: row.try_get("transaction_key").map_err(backend)?,
                link_key: row.try_get("link_key").map_err(backend)?,
                created_at: clock::from_micros(row.try_get("created_at").map_err(backend)?),
                paid_at: paid_at.map(clock::from_micros),
            })
        }

        fn unit_amounts(rows: Vec<(String, bool, i64)>) -> Vec<UnitAmount> {
            rows.into_iter()
                .map(|(amount_units, is_currency, amount_minor)| UnitAmount {
                    amount_units,
                    is_currency,
                    amount_minor,
                })
                .collect()
        }

        async fn find_partner(
            conn: &mut $conn,
            program_id: i64,
            lookup: &PartnerLookup,
        ) -> StorageResult<Option<Partner>> {
            let condition = match lookup {
                PartnerLookup::Id(_) => "p.public_id = $2",
                PartnerLookup::Key(_) => "p.key = $2",
                PartnerLookup::Email(_) => "LOWER(p.email) = LOWER($2)",
            };
            if let PartnerLookup::Email(email) = lookup {
                // E-mails are not unique: an e-mail that names several partners names none.
                let query = format!(
                    "{PARTNER_SELECT} WHERE p.program_id = $1 AND {condition}
                     AND p.deleted_at IS NULL ORDER BY p.id LIMIT 2"
                );
                let rows = sqlx::query(sql(query))
                    .bind(program_id)
                    .bind(email)
                    .fetch_all(&mut *conn)
                    .await
                    .map_err(backend)?;
                if rows.len() > 1 {
                    return Err(StorageError::invalid(
                        "email",
                        "Several partners have this e-mail; name the partner by key or id.",
                    ));
                }
                return rows.first().map(partner_row).transpose();
            }
            let query = format!(
                "{PARTNER_SELECT} WHERE p.program_id = $1 AND {condition}
                 AND p.deleted_at IS NULL ORDER BY p.id LIMIT 1"
            );
            optional_row(conn, query, program_id, lookup.value(), partner_row).await
        }

        /// The row `alias.id = row_id` of a `select` list, mapped.
        async fn by_row<T>(
            conn: &mut $conn,
            select: &str,
            alias: &str,
            row_id: i64,
            map: fn(&$row) -> StorageResult<T>,
        ) -> StorageResult<T> {
            let row = sqlx::query(sql(format!("{select} WHERE {alias}.id = $1")))
                .bind(row_id)
                .fetch_one(&mut *conn)
                .await
                .map_err(backend)?;
            map(&row)
        }

        /// At most one row of `query` bound to (program id, text), mapped.
        async fn optional_row<T>(
            conn: &mut $conn,
            query: String,
            program_id: i64,
            text: &str,
            map: fn(&$row) -> StorageResult<T>,
        ) -> StorageResult<Option<T>> {
            sqlx::query(sql(query))
                .bind(program_id)
                .bind(text)
                .fetch_optional(&mut *conn)
                .await
                .map_err(backend)?
                .map(|row| map(&row))
                .transpose()
        }

        async fn partner_by_row(conn: &mut $conn, row_id: i64) -> StorageResult<Partner> {
            by_row(conn, PARTNER_SELECT, "p", row_id, partner_row).await
        }

        async fn link_by_row(conn: &mut $conn, row_id: i64) -> StorageResult<ReferralLink> {
            by_row(conn, LINK_SELECT, "l", row_id, link_row).await
        }

        async fn coupon_by_row(conn: &mut $conn, row_id: i64) -> StorageResult<Coupon> {
            by_row(conn, COUPON_SELECT, "k", row_id, coupon_row).await
        }

        async fn commission_by_row(conn: &mut $conn, row_id: i64) -> StorageResult<Commission> {
            by_row(conn, COMMISSION_SELECT, "m", row_id, commission_row).await
        }

        /// Writes one event about a partner to the outbox.
        async fn partner_event(
            conn: &mut $conn,
            program: &Program,
            event: EventType,
            partner: &Partner,
        ) -> StorageResult<()> {
            if let Some(outbox) = Outbox::open(conn, program.id, event).await? {
                let data = crate::affiliate::views::partner(&program.settings, partner);
                outbox.write(conn, &data).await?;
            }
            Ok(())
        }

        /// Writes one event about a commission to the outbox.
        async fn commission_event(
            conn: &mut $conn,
            program_id: i64,
            event: EventType,
            commission_row_id: i64,
        ) -> StorageResult<()> {
            if let Some(outbox) = Outbox::open(conn, program_id, event).await? {
                let commission = commission_by_row(conn, commission_row_id).await?;
                outbox
                    .write(conn, &crate::affiliate::views::commission(&commission))
                    .await?;
            }
            Ok(())
        }

        async fn list_page<T>(
            conn: &mut $conn,
            count_sql: String,
            select_sql: String,
            binds: &[Option<String>],
            program_id: i64,
            page: PageRequest,
            map: fn(&$row) -> StorageResult<T>,
        ) -> StorageResult<Paged<T>> {
            let mut count = sqlx::query_scalar(sql(count_sql)).bind(program_id);
            for value in binds {
                count = count.bind(value.clone());
            }
            let total: i64 = count.fetch_one(&mut *conn).await.map_err(backend)?;
            let mut select = sqlx::query(sql(select_sql)).bind(program_id);
            for value in binds {
                select = select.bind(value.clone());
            }
            let rows = select
                .bind(i64::from(page.limit))
                .bind(page.offset())
                .fetch_all(&mut *conn)
                .await
                .map_err(backend)?;
            let items = rows.iter().map(map).collect::<StorageResult<_>>()?;
            Ok(Paged { items, total })
        }
    };
}
pub(crate) use common_sql;
