//! The SQL of [`super::affiliate::AffiliateStorage`], written once for both backends.
//!
//! The statements use `$N` placeholders, which SQLite and PostgreSQL both accept, and only
//! portable SQL (sums cast to `BIGINT`, `COUNT(*) FILTER`, `LOWER(..) LIKE`). The macro
//! [`affiliate_backend`] expands the same functions over each backend's connection and row types,
//! inside the backend's module (it uses that module's `backend`, `is_unique_violation`,
//! `webhooks::Outbox` and `begin_write`).

/// Counts a visit unless it is a tracker visit that lands a short-link click of the same browser
/// (same key, IP hash and user agent, within `short_codes::MERGE_WINDOW_MICROS`); append to a
/// `WHERE` over `visits v`.
macro_rules! not_merged {
    () => {
        " AND NOT (v.format <> 'short' AND EXISTS (
             SELECT 1 FROM visits g
             WHERE g.program_id = v.program_id AND g.referral_key = v.referral_key
               AND g.format = 'short' AND g.ip_hash = v.ip_hash AND g.user_agent = v.user_agent
               AND g.created_at <= v.created_at AND g.created_at >= v.created_at - 600000000)) "
    };
}
pub(crate) use not_merged;

/// Expands the affiliate storage for one backend: `affiliate_backend!(Storage, Connection, Row)`.
macro_rules! affiliate_backend {
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
        use crate::storage::affiliate::AffiliateStorage;
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

        /// `%text%` for `LOWER(..) LIKE .. ESCAPE '\'`.
        fn like_pattern(text: &str) -> String {
            let mut pattern = String::from("%");
            for c in text.to_lowercase().chars() {
                if matches!(c, '%' | '_' | '\\') {
                    pattern.push('\\');
                }
                pattern.push(c);
            }
            pattern.push('%');
            pattern
        }

        fn partner_ref(row: &$row, prefix: &str) -> StorageResult<Option<PartnerRef>> {
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

        /// Inserts a link row; the key must not be a live customer's key either.
        async fn insert_link(
            conn: &mut $conn,
            program_id: i64,
            link: &NewLink,
            is_default: bool,
        ) -> StorageResult<i64> {
            let customer_key: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM customers WHERE program_id = $1 AND key = $2
                 AND deleted_at IS NULL",
            )
            .bind(program_id)
            .bind(&link.key)
            .fetch_optional(&mut *conn)
            .await
            .map_err(backend)?;
            if customer_key.is_some() {
                return Err(StorageError::conflict(
                    "key",
                    "The key is already a customer's referral key.",
                ));
            }
            let (partner_id, customer_id) = match link.owner {
                LinkOwner::Partner(row) => (Some(row), None),
                LinkOwner::Customer(row) => (None, Some(row)),
            };
            let public_id = link.id.as_deref().unwrap_or(&link.key);
            let taken: Option<String> = sqlx::query_scalar(
                "SELECT key FROM referral_links WHERE program_id = $1
                 AND (key = $2 OR public_id = $3) AND deleted_at IS NULL",
            )
            .bind(program_id)
            .bind(&link.key)
            .bind(public_id)
            .fetch_optional(&mut *conn)
            .await
            .map_err(backend)?;
            if let Some(taken) = taken {
                let field = if taken == link.key { "key" } else { "id" };
                return Err(StorageError::conflict(
                    field,
                    format!("A referral link with this {field} already exists."),
                ));
            }
            let utm = serde_json::to_string(&link.utm).unwrap_or_else(|_| "{}".to_owned());
            let now = now_micros();
            sqlx::query_scalar(
                "INSERT INTO referral_links (program_id, public_id, key, partner_id,
                     customer_id, domain, is_default, label, destination_url, utm,
                     short_code, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)
                 RETURNING id",
            )
            .bind(program_id)
            .bind(public_id)
            .bind(&link.key)
            .bind(partner_id)
            .bind(customer_id)
            .bind(&link.domain)
            .bind(is_default)
            .bind(&link.label)
            .bind(&link.destination_url)
            .bind(&utm)
            .bind(short_codes::new_code())
            .bind(now)
            .fetch_one(&mut *conn)
            .await
            .map_err(|e| conflict_or(e, "key", "A referral link with this key already exists."))
        }

        /// The owner of a live customer-owned link: `(customer row, link row)`.
        pub(super) async fn customer_by_link_key(
            conn: &mut $conn,
            program_id: i64,
            key: &str,
        ) -> StorageResult<Option<(i64, i64)>> {
            sqlx::query_as(
                "SELECT l.customer_id, l.id FROM referral_links l
                 JOIN customers c ON c.id = l.customer_id AND c.deleted_at IS NULL
                 WHERE l.program_id = $1 AND l.key = $2 AND l.deleted_at IS NULL",
            )
            .bind(program_id)
            .bind(key)
            .fetch_optional(&mut *conn)
            .await
            .map_err(backend)
        }

        /// After a customer (row) is stored: records the customer link the referral came through
        /// (`via_link`, when the referrer was found by one of its link keys) and attributes the
        /// customer to a partner (affiliate programs, see [`attach_customer`]).
        pub(super) async fn after_customer_saved(
            conn: &mut $conn,
            program_id: i64,
            (customer_row, via_link): (i64, Option<i64>),
            new: &NewCustomer,
            source: Source,
            field_prefix: &str,
        ) -> StorageResult<()> {
            if let Some(link_row) = via_link {
                sqlx::query("UPDATE customers SET link_id = $1 WHERE id = $2")
                    .bind(link_row)
                    .bind(customer_row)
                    .execute(&mut *conn)
                    .await
                    .map_err(backend)?;
            }
            if let Some(lookup) = &new.partner {
                let strict = source == Source::Api;
                attach_customer(conn, program_id, customer_row, lookup, field_prefix, strict)
                    .await?;
            }
            Ok(())
        }

        /// Attributes a customer of an affiliate program to a partner: a key that is a link
        /// key resolves to that link (the `partnero_partner` cookie holds the link key), else
        /// the partner by key, id or e-mail. Unknown partners are a 422 on
        /// `{prefix}partner.{field}` for the API and ignored for browsers.
        async fn attach_customer(
            conn: &mut $conn,
            program_id: i64,
            customer_row: i64,
            lookup: &PartnerLookup,
            field_prefix: &str,
            strict: bool,
        ) -> StorageResult<()> {
            let mut found: Option<(i64, Option<i64>)> = None;
            if let PartnerLookup::Key(key) = lookup {
                found = sqlx::query_as(
                    "SELECT l.partner_id, l.id FROM referral_links l
                     JOIN partners p ON p.id = l.partner_id AND p.deleted_at IS NULL
                     WHERE l.program_id = $1 AND l.key = $2 AND l.deleted_at IS NULL",
                )
                .bind(program_id)
                .bind(key)
                .fetch_optional(&mut *conn)
                .await
                .map_err(backend)?
                .map(|(partner, link): (i64, i64)| (partner, Some(link)));
            }
            if found.is_none() {
                found = find_partner(conn, program_id, lookup).await?.map(|p| {
                    (p.row_id, None)
                });
                if let Some((partner_row, None)) = found {
                    // Through its default link.
                    let link: Option<i64> = sqlx::query_scalar(
                        "SELECT id FROM referral_links WHERE partner_id = $1
                         AND is_default = $2 AND deleted_at IS NULL",
                    )
                    .bind(partner_row)
                    .bind(true)
                    .fetch_optional(&mut *conn)
                    .await
                    .map_err(backend)?;
                    found = Some((partner_row, link));
                }
            }
            let Some((partner_row, link_row)) = found else {
                if !strict {
                    return Ok(());
                }
                return Err(StorageError::invalid(
                    format!("{field_prefix}partner.{}", lookup.field()),
                    "The partner does not exist.",
                ));
            };
            sqlx::query("UPDATE customers SET partner_id = $1, link_id = $2 WHERE id = $3")
                .bind(partner_row)
                .bind(link_row)
                .bind(customer_row)
                .execute(&mut *conn)
                .await
                .map_err(backend)?;
            Ok(())
        }

        /// Attributes an API transaction to a partner (the coupon's, else the buyer's) and
        /// records the partner's commission per the program's rules (`reward.created`).
        pub(super) async fn attribute_sale(
            conn: &mut $conn,
            program: &Program,
            transaction_row: i64,
            buyer: &Customer,
            item: &NewTransaction,
            amount_units: &str,
            field_prefix: &str,
        ) -> StorageResult<()> {
            if program.kind != crate::program::ProgramKind::Affiliate {
                return Ok(());
            }
            let (buyer_row, buyer_created_at) = (buyer.row_id, buyer.created_at);
            // The buyer's partner, unless it was deleted since.
            let buyer: (Option<i64>, Option<i64>) = sqlx::query_as(
                "SELECT p.id, c.link_id FROM customers c
                 LEFT JOIN partners p ON p.id = c.partner_id AND p.deleted_at IS NULL
                 WHERE c.id = $1",
            )
            .bind(buyer_row)
                    .fetch_one(&mut *conn)
                    .await
                    .map_err(backend)?;
            let (partner_row, link_row, coupon_row) = match item.coupon.as_deref() {
                Some(code) => {
                    let coupon: Option<(i64, i64)> = sqlx::query_as(
                        "SELECT k.id, k.partner_id FROM coupons k
                         JOIN partners p ON p.id = k.partner_id AND p.deleted_at IS NULL
                         WHERE k.program_id = $1 AND k.code = $2 AND k.deleted_at IS NULL",
                    )
                    .bind(program.id)
                    .bind(code)
                    .fetch_optional(&mut *conn)
                    .await
                    .map_err(backend)?;
                    let Some((coupon_row, partner_row)) = coupon else {
                        return Err(StorageError::invalid(
                            format!("{field_prefix}coupon"),
                            "The coupon does not exist.",
                        ));
                    };
                    let link = buyer.1.filter(|_| buyer.0 == Some(partner_row));
                    (partner_row, link, Some(coupon_row))
                }
                None => match buyer {
                    (Some(partner_row), link) => (partner_row, link, None),
                    (None, _) => return Ok(()),
                },
            };
            sqlx::query(
                "UPDATE transactions SET partner_id = $1, link_id = $2, coupon_id = $3
                 WHERE id = $4",
            )
            .bind(partner_row)
            .bind(link_row)
            .bind(coupon_row)
            .bind(transaction_row)
            .execute(&mut *conn)
            .await
            .map_err(backend)?;
            if item.action != "sale" {
                return Ok(());
            }
            let prior_sales: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM transactions WHERE customer_id = $1 AND id <> $2
                 AND partner_id = $3 AND source = 'api' AND refunded_at IS NULL
                 AND action = 'sale'",
            )
            .bind(buyer_row)
            .bind(transaction_row)
            .bind(partner_row)
            .fetch_one(&mut *conn)
            .await
            .map_err(backend)?;
            let context = SaleContext {
                amount_minor: item.amount_minor,
                amount_units: amount_units.to_owned(),
                is_currency: item.is_currency,
                prior_sales: u32::try_from(prior_sales).unwrap_or(u32::MAX),
                months_since_signup: rewards::whole_months_between(
                    buyer_created_at,
                    clock::now(),
                ),
            };
            let Some(draft) = commissions::commission(&program.settings.rewards, &context)
            else {
                return Ok(());
            };
            let commission_row: i64 = sqlx::query_scalar(
                "INSERT INTO commissions (program_id, partner_id, transaction_id, link_id,
                     amount_minor, amount_units, is_currency, status, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8) RETURNING id",
            )
            .bind(program.id)
            .bind(partner_row)
            .bind(transaction_row)
            .bind(link_row)
            .bind(draft.amount_minor)
            .bind(&draft.amount_units)
            .bind(draft.is_currency)
            .bind(now_micros())
            .fetch_one(&mut *conn)
            .await
            .map_err(backend)?;
            commission_event(conn, program.id, EventType::RewardCreated, commission_row).await
        }

        /// Reverses the commissions of a refunded transaction.
        pub(super) async fn reverse_commissions(
            conn: &mut $conn,
            transaction_row: i64,
        ) -> StorageResult<()> {
            sqlx::query(
                "UPDATE commissions SET status = 'reversed'
                 WHERE transaction_id = $1 AND status <> 'reversed'",
            )
            .bind(transaction_row)
            .execute(&mut *conn)
            .await
            .map_err(backend)?;
            Ok(())
        }

        /// `(clicks, unique clicks)` of the visits matching `keys_condition` (over `v`).
        async fn click_counts(
            conn: &mut $conn,
            program_id: i64,
            keys_condition: &str,
            owner: i64,
        ) -> StorageResult<(i64, i64)> {
            sqlx::query_as(sql(format!(
                "SELECT COUNT(*), COUNT(*) FILTER (WHERE v.is_unique) FROM visits v
                 WHERE v.program_id = $1 AND {keys_condition} {}",
                not_merged!()
            )))
            .bind(program_id)
            .bind(owner)
            .fetch_one(&mut *conn)
            .await
            .map_err(backend)
        }

        async fn attribution(
            conn: &mut $conn,
            partner_row: Option<i64>,
            link_row: Option<i64>,
            coupon_row: Option<i64>,
        ) -> StorageResult<Option<Attribution>> {
            let Some(partner_row) = partner_row else {
                return Ok(None);
            };
            let partner = partner_by_row(conn, partner_row).await?.to_ref();
            let link_key: Option<String> = match link_row {
                Some(row) => sqlx::query_scalar("SELECT key FROM referral_links WHERE id = $1")
                    .bind(row)
                    .fetch_optional(&mut *conn)
                    .await
                    .map_err(backend)?,
                None => None,
            };
            let coupon: Option<String> = match coupon_row {
                Some(row) => sqlx::query_scalar("SELECT code FROM coupons WHERE id = $1")
                    .bind(row)
                    .fetch_optional(&mut *conn)
                    .await
                    .map_err(backend)?,
                None => None,
            };
            Ok(Some(Attribution {
                partner,
                link_key,
                coupon,
                commissions: Vec::new(),
            }))
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

        async fn customer_attribution(
            conn: &mut $conn,
            program_id: i64,
            customer_key: &str,
        ) -> StorageResult<Option<Attribution>> {
            let found: Option<(Option<i64>, Option<i64>)> = sqlx::query_as(
                "SELECT partner_id, link_id FROM customers
                 WHERE program_id = $1 AND key = $2 AND deleted_at IS NULL",
            )
            .bind(program_id)
            .bind(customer_key)
            .fetch_optional(&mut *conn)
            .await
            .map_err(backend)?;
            let Some((partner_row, link_row)) = found else {
                return Ok(None);
            };
            attribution(conn, partner_row, link_row, None).await
        }

        async fn transaction_attribution(
            conn: &mut $conn,
            program_id: i64,
            transaction_key: &str,
        ) -> StorageResult<Option<Attribution>> {
            let found: Option<(i64, Option<i64>, Option<i64>, Option<i64>)> = sqlx::query_as(
                "SELECT id, partner_id, link_id, coupon_id FROM transactions
                 WHERE program_id = $1 AND key = $2",
            )
            .bind(program_id)
            .bind(transaction_key)
            .fetch_optional(&mut *conn)
            .await
            .map_err(backend)?;
            let Some((row_id, partner_row, link_row, coupon_row)) = found else {
                return Ok(None);
            };
            let Some(mut found) = attribution(conn, partner_row, link_row, coupon_row).await?
            else {
                return Ok(None);
            };
            let rows = sqlx::query(sql(format!(
                "{COMMISSION_SELECT} WHERE m.transaction_id = $1 ORDER BY m.id"
            )))
            .bind(row_id)
            .fetch_all(&mut *conn)
            .await
            .map_err(backend)?;
            found.commissions = rows.iter().map(commission_row).collect::<StorageResult<_>>()?;
            Ok(Some(found))
        }

        /// The data of `customer.created`: the customer object, in affiliate programs with its
        /// partner attribution (as the API answers it).
        pub(super) async fn customer_event_data(
            conn: &mut $conn,
            program: &Program,
            customer: &Customer,
        ) -> StorageResult<serde_json::Value> {
            let mut data = crate::views::customer(&program.settings, customer);
            if program.kind == crate::program::ProgramKind::Affiliate {
                let found = customer_attribution(conn, program.id, &customer.key).await?;
                crate::affiliate::views::attribute(&mut data, found.as_ref(), false);
            }
            Ok(data)
        }

        /// The data of `transaction.created`: the transaction object, in affiliate programs with
        /// its partner, link, coupon and commissions (as the API answers it).
        pub(super) async fn transaction_event_data(
            conn: &mut $conn,
            program: &Program,
            transaction: &crate::model::TransactionRecord,
        ) -> StorageResult<serde_json::Value> {
            let mut data = crate::views::transaction(transaction);
            if program.kind == crate::program::ProgramKind::Affiliate {
                let found = transaction_attribution(conn, program.id, &transaction.key).await?;
                crate::affiliate::views::attribute(&mut data, found.as_ref(), true);
            }
            Ok(data)
        }

        #[async_trait]
        impl AffiliateStorage for $storage {
            async fn create_partner(
                &self,
                program: &Program,
                new: NewPartner,
            ) -> StorageResult<Partner> {
                let mut tx = self.begin_write().await?;
                let key = new.key.clone().unwrap_or_else(ids::partner_key);
                let referrer = match &new.referring_partner {
                    None => None,
                    Some(lookup) => Some(
                        find_partner(&mut tx, program.id, lookup)
                            .await?
                            .ok_or_else(|| {
                                StorageError::invalid(
                                    format!("referring_partner.{}", lookup.field()),
                                    "The referring partner does not exist.",
                                )
                            })?
                            .row_id,
                    ),
                };
                let now = now_micros();
                let row_id: i64 = sqlx::query_scalar(
                    "INSERT INTO partners (program_id, public_id, key, email, name, surname,
                         referring_partner_id, created_at, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
                )
                .bind(program.id)
                .bind(new.id.as_deref().unwrap_or(&key))
                .bind(&key)
                .bind(&new.email)
                .bind(&new.name)
                .bind(&new.surname)
                .bind(referrer)
                .bind(now)
                .fetch_one(&mut *tx)
                .await
                .map_err(|e| {
                    conflict_or(e, "key", "A partner with this key or id already exists.")
                })?;
                let link = NewLink {
                    key: key.clone(),
                    id: None,
                    owner: LinkOwner::Partner(row_id),
                    domain: None,
                    label: None,
                    destination_url: None,
                    utm: Default::default(),
                };
                insert_link(&mut tx, program.id, &link, true).await?;
                let partner = partner_by_row(&mut tx, row_id).await?;
                partner_event(&mut tx, program, EventType::PartnerCreated, &partner).await?;
                tx.commit().await.map_err(backend)?;
                Ok(partner)
            }

            async fn partner(
                &self,
                program_id: i64,
                lookup: &PartnerLookup,
            ) -> StorageResult<Option<Partner>> {
                let mut conn = self.pool.acquire().await.map_err(backend)?;
                find_partner(&mut conn, program_id, lookup).await
            }

            async fn update_partner(
                &self,
                program: &Program,
                row_id: i64,
                update: &PartnerUpdate,
            ) -> StorageResult<Partner> {
                let mut tx = self.begin_write().await?;
                let before = partner_by_row(&mut tx, row_id).await?;
                sqlx::query(
                    "UPDATE partners SET email = COALESCE($1, email), name = COALESCE($2, name),
                         surname = COALESCE($3, surname), status = COALESCE($4, status),
                         updated_at = $5
                     WHERE id = $6 AND program_id = $7 AND deleted_at IS NULL",
                )
                .bind(&update.email)
                .bind(&update.name)
                .bind(&update.surname)
                .bind(&update.status)
                .bind(now_micros())
                .bind(row_id)
                .bind(program.id)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
                let partner = partner_by_row(&mut tx, row_id).await?;
                let event = if partner.status == "archived" && before.status != "archived" {
                    EventType::PartnerArchived
                } else {
                    EventType::PartnerUpdated
                };
                partner_event(&mut tx, program, event, &partner).await?;
                tx.commit().await.map_err(backend)?;
                Ok(partner)
            }

            async fn delete_partner(&self, program: &Program, row_id: i64) -> StorageResult<()> {
                let mut tx = self.begin_write().await?;
                let partner = partner_by_row(&mut tx, row_id).await?;
                let now = now_micros();
                for statement in [
                    "UPDATE partners SET deleted_at = $1, updated_at = $1 WHERE id = $2",
                    "UPDATE referral_links SET deleted_at = $1, updated_at = $1
                     WHERE partner_id = $2 AND deleted_at IS NULL",
                    "UPDATE coupons SET deleted_at = $1, updated_at = $1
                     WHERE partner_id = $2 AND deleted_at IS NULL",
                ] {
                    sqlx::query(statement)
                        .bind(now)
                        .bind(row_id)
                        .execute(&mut *tx)
                        .await
                        .map_err(backend)?;
                }
                partner_event(&mut tx, program, EventType::PartnerDeleted, &partner).await?;
                tx.commit().await.map_err(backend)?;
                Ok(())
            }

            async fn list_partners(
                &self,
                program_id: i64,
                search: Option<&str>,
                page: PageRequest,
            ) -> StorageResult<Paged<Partner>> {
                let mut conn = self.pool.acquire().await.map_err(backend)?;
                let filter = "WHERE p.program_id = $1 AND p.deleted_at IS NULL
                    AND (CAST($2 AS TEXT) IS NULL OR LOWER(p.key) LIKE $2 ESCAPE '\\'
                         OR LOWER(p.public_id) LIKE $2 ESCAPE '\\'
                         OR LOWER(COALESCE(p.email, '')) LIKE $2 ESCAPE '\\'
                         OR LOWER(COALESCE(p.name, '')) LIKE $2 ESCAPE '\\'
                         OR LOWER(COALESCE(p.surname, '')) LIKE $2 ESCAPE '\\')";
                list_page(
                    &mut conn,
                    format!("SELECT COUNT(*) FROM partners p {filter}"),
                    format!("{PARTNER_SELECT} {filter} ORDER BY p.id LIMIT $3 OFFSET $4"),
                    &[search.map(like_pattern)],
                    program_id,
                    page,
                    partner_row,
                )
                .await
            }

            async fn partner_stats(
                &self,
                program_id: i64,
                partner_row: i64,
            ) -> StorageResult<PartnerStats> {
                let mut conn = self.pool.acquire().await.map_err(backend)?;
                let (clicks, unique_clicks) = click_counts(
                    &mut conn,
                    program_id,
                    "v.referral_key IN (SELECT key FROM referral_links WHERE partner_id = $2)",
                    partner_row,
                )
                .await?;
                let signups: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM customers
                     WHERE partner_id = $1 AND source = 'api' AND deleted_at IS NULL",
                )
                .bind(partner_row)
                .fetch_one(&mut *conn)
                .await
                .map_err(backend)?;
                let (sales_count, paid_accounts): (i64, i64) = sqlx::query_as(
                    "SELECT COUNT(*), COUNT(DISTINCT customer_id) FROM transactions
                     WHERE partner_id = $1 AND source = 'api' AND refunded_at IS NULL
                       AND action = 'sale'",
                )
                .bind(partner_row)
                .fetch_one(&mut *conn)
                .await
                .map_err(backend)?;
                let revenue: Vec<(String, bool, i64)> = sqlx::query_as(
                    "SELECT amount_units, is_currency, CAST(SUM(amount_minor) AS BIGINT)
                     FROM transactions WHERE partner_id = $1 AND source = 'api'
                       AND refunded_at IS NULL AND action = 'sale'
                     GROUP BY amount_units, is_currency ORDER BY amount_units",
                )
                .bind(partner_row)
                .fetch_all(&mut *conn)
                .await
                .map_err(backend)?;
                let revenue = unit_amounts(revenue);
                let by_status: Vec<(String, String, bool, i64)> = sqlx::query_as(
                    "SELECT status, amount_units, is_currency, CAST(SUM(amount_minor) AS BIGINT)
                     FROM commissions WHERE partner_id = $1 AND status <> 'reversed'
                     GROUP BY status, amount_units, is_currency ORDER BY amount_units",
                )
                .bind(partner_row)
                .fetch_all(&mut *conn)
                .await
                .map_err(backend)?;
                let of_status = |wanted: &str| {
                    unit_amounts(
                        by_status
                            .iter()
                            .filter(|row| row.0 == wanted)
                            .map(|row| (row.1.clone(), row.2, row.3))
                            .collect(),
                    )
                };
                let (commissions_paid, commissions_pending) =
                    (of_status("paid"), of_status("pending"));
                Ok(PartnerStats {
                    clicks,
                    unique_clicks,
                    signups,
                    sales_count,
                    paid_accounts,
                    revenue,
                    commissions_paid,
                    commissions_pending,
                })
            }

            async fn create_link(
                &self,
                program_id: i64,
                link: NewLink,
            ) -> StorageResult<ReferralLink> {
                let mut tx = self.begin_write().await?;
                let row_id = insert_link(&mut tx, program_id, &link, false).await?;
                let link = link_by_row(&mut tx, row_id).await?;
                tx.commit().await.map_err(backend)?;
                Ok(link)
            }

            async fn link(
                &self,
                program_id: i64,
                kind: OwnerKind,
                id: &str,
            ) -> StorageResult<Option<ReferralLink>> {
                let owner = match kind {
                    OwnerKind::Partner => "l.partner_id IS NOT NULL",
                    OwnerKind::Customer => "l.customer_id IS NOT NULL",
                };
                let mut conn = self.pool.acquire().await.map_err(backend)?;
                let query = format!(
                    "{LINK_SELECT} WHERE l.program_id = $1 AND {owner} AND l.deleted_at IS NULL
                     AND (l.public_id = $2 OR l.key = $2)
                     ORDER BY CASE WHEN l.public_id = $2 THEN 0 ELSE 1 END LIMIT 1"
                );
                optional_row(&mut conn, query, program_id, id, link_row).await
            }

            async fn short_link(
                &self,
                code: &str,
            ) -> StorageResult<Option<(String, ReferralLink)>> {
                let mut conn = self.pool.acquire().await.map_err(backend)?;
                let found: Option<(i64, String)> = sqlx::query_as(
                    "SELECT l.id, g.public_id FROM referral_links l
                     JOIN programs g ON g.id = l.program_id
                     WHERE l.short_code = $1 AND l.deleted_at IS NULL",
                )
                .bind(code)
                .fetch_optional(&mut *conn)
                .await
                .map_err(backend)?;
                match found {
                    None => Ok(None),
                    Some((row_id, public_id)) => {
                        Ok(Some((public_id, link_by_row(&mut conn, row_id).await?)))
                    }
                }
            }

            async fn update_link(
                &self,
                program_id: i64,
                row_id: i64,
                update: &LinkUpdate,
            ) -> StorageResult<ReferralLink> {
                let mut tx = self.begin_write().await?;
                let current = link_by_row(&mut tx, row_id).await?;
                if let Some(key) = &update.key
                    && *key != current.key
                {
                    if current.is_default {
                        return Err(StorageError::invalid(
                            "key",
                            "The key of a partner's default link is the partner's key.",
                        ));
                    }
                    let customer_key: Option<i64> = sqlx::query_scalar(
                        "SELECT id FROM customers WHERE program_id = $1 AND key = $2
                         AND deleted_at IS NULL",
                    )
                    .bind(program_id)
                    .bind(key)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(backend)?;
                    if customer_key.is_some() {
                        return Err(StorageError::conflict(
                            "key",
                            "The key is already a customer's referral key.",
                        ));
                    }
                }
                let domain = update.domain.clone().unwrap_or(current.domain);
                let label = update.label.clone().unwrap_or(current.label);
                let destination = update
                    .destination_url
                    .clone()
                    .unwrap_or(current.destination_url);
                let utm = update.utm.clone().unwrap_or(current.utm);
                sqlx::query(
                    "UPDATE referral_links SET key = $1, domain = $2, label = $3,
                         destination_url = $4, utm = $5, updated_at = $6
                     WHERE id = $7 AND program_id = $8",
                )
                .bind(update.key.as_deref().unwrap_or(&current.key))
                .bind(&domain)
                .bind(&label)
                .bind(&destination)
                .bind(serde_json::to_string(&utm).unwrap_or_else(|_| "{}".to_owned()))
                .bind(now_micros())
                .bind(row_id)
                .bind(program_id)
                .execute(&mut *tx)
                .await
                .map_err(|e| conflict_or(e, "key", "A referral link with this key already exists."))?;
                let link = link_by_row(&mut tx, row_id).await?;
                tx.commit().await.map_err(backend)?;
                Ok(link)
            }

            async fn delete_link(&self, program_id: i64, row_id: i64) -> StorageResult<()> {
                let mut tx = self.begin_write().await?;
                let now = now_micros();
                sqlx::query(
                    "UPDATE referral_links SET deleted_at = $1, updated_at = $1
                     WHERE id = $2 AND program_id = $3",
                )
                .bind(now)
                .bind(row_id)
                .bind(program_id)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
                tx.commit().await.map_err(backend)?;
                Ok(())
            }

            async fn list_links(
                &self,
                program_id: i64,
                filter: &LinkFilter,
                page: PageRequest,
            ) -> StorageResult<Paged<ReferralLink>> {
                let owner = match (filter.kind, filter.owner) {
                    (_, Some(LinkOwner::Partner(row))) => format!("l.partner_id = {row}"),
                    (_, Some(LinkOwner::Customer(row))) => format!("l.customer_id = {row}"),
                    (OwnerKind::Partner, None) => "l.partner_id IS NOT NULL".to_owned(),
                    (OwnerKind::Customer, None) => "l.customer_id IS NOT NULL".to_owned(),
                };
                let condition = format!(
                    "WHERE l.program_id = $1 AND l.deleted_at IS NULL AND {owner}
                     AND (CAST($2 AS TEXT) IS NULL OR LOWER(l.key) LIKE $2 ESCAPE '\\'
                          OR LOWER(l.public_id) LIKE $2 ESCAPE '\\'
                          OR LOWER(COALESCE(l.label, '')) LIKE $2 ESCAPE '\\'
                          OR LOWER(COALESCE(l.destination_url, '')) LIKE $2 ESCAPE '\\')"
                );
                let mut conn = self.pool.acquire().await.map_err(backend)?;
                list_page(
                    &mut conn,
                    format!("SELECT COUNT(*) FROM referral_links l {condition}"),
                    format!(
                        "{LINK_SELECT} {condition}
                         ORDER BY l.is_default DESC, l.id LIMIT $3 OFFSET $4"
                    ),
                    &[filter.search.as_deref().map(like_pattern)],
                    program_id,
                    page,
                    link_row,
                )
                .await
            }

            async fn link_totals(
                &self,
                program_id: i64,
                link: &ReferralLink,
                from: OffsetDateTime,
                to: OffsetDateTime,
            ) -> StorageResult<LinkTotals> {
                let mut conn = self.pool.acquire().await.map_err(backend)?;
                let (clicks, unique_clicks) = click_counts(
                    &mut conn,
                    program_id,
                    "v.referral_key = (SELECT key FROM referral_links WHERE id = $2)",
                    link.row_id,
                )
                .await?;
                let leads: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM customers WHERE link_id = $1 AND source = 'api'",
                )
                .bind(link.row_id)
                .fetch_one(&mut *conn)
                .await
                .map_err(backend)?;
                const SALES: &str = "FROM transactions t JOIN customers b ON b.id = t.customer_id
                     WHERE b.link_id = $1 AND t.source = 'api' AND t.refunded_at IS NULL
                       AND t.action = 'sale' AND (t.partner_id IS NULL OR t.partner_id = b.partner_id)";
                let conversions: i64 =
                    sqlx::query_scalar(sql(format!("SELECT COUNT(*) {SALES}")))
                        .bind(link.row_id)
                        .fetch_one(&mut *conn)
                        .await
                        .map_err(backend)?;
                let revenue: Vec<(String, bool, i64)> = sqlx::query_as(sql(format!(
                    "SELECT t.amount_units, t.is_currency, CAST(SUM(t.amount_minor) AS BIGINT)
                     {SALES} GROUP BY t.amount_units, t.is_currency ORDER BY t.amount_units"
                )))
                .bind(link.row_id)
                .fetch_all(&mut *conn)
                .await
                .map_err(backend)?;

                let (from, to) = (clock::to_micros(from), clock::to_micros(to));
                let mut events = Vec::new();
                let click_rows: Vec<(i64, bool)> = sqlx::query_as(sql(format!(
                    "SELECT v.created_at, v.is_unique FROM visits v
                     WHERE v.program_id = $1 AND v.referral_key = $2
                       AND v.created_at >= $3 AND v.created_at < $4 {}",
                    not_merged!()
                )))
                .bind(program_id)
                .bind(&link.key)
                .bind(from)
                .bind(to)
                .fetch_all(&mut *conn)
                .await
                .map_err(backend)?;
                for (at, unique) in click_rows {
                    events.push((clock::from_micros(at), LinkEvent::Click(unique)));
                }
                let lead_rows: Vec<i64> = sqlx::query_scalar(
                    "SELECT created_at FROM customers WHERE link_id = $1 AND source = 'api'
                     AND created_at >= $2 AND created_at < $3",
                )
                .bind(link.row_id)
                .bind(from)
                .bind(to)
                .fetch_all(&mut *conn)
                .await
                .map_err(backend)?;
                for at in lead_rows {
                    events.push((clock::from_micros(at), LinkEvent::Lead));
                }
                let sale_rows: Vec<(i64, String, bool, i64)> = sqlx::query_as(sql(format!(
                    "SELECT t.created_at, t.amount_units, t.is_currency, t.amount_minor {SALES}
                     AND t.created_at >= $2 AND t.created_at < $3"
                )))
                .bind(link.row_id)
                .bind(from)
                .bind(to)
                .fetch_all(&mut *conn)
                .await
                .map_err(backend)?;
                for (at, amount_units, is_currency, amount_minor) in sale_rows {
                    events.push((
                        clock::from_micros(at),
                        LinkEvent::Conversion(UnitAmount {
                            amount_units,
                            is_currency,
                            amount_minor,
                        }),
                    ));
                }
                Ok(LinkTotals {
                    clicks,
                    unique_clicks,
                    leads,
                    conversions,
                    revenue: unit_amounts(revenue),
                    events,
                })
            }

            async fn create_coupon(
                &self,
                program_id: i64,
                coupon: NewCoupon,
            ) -> StorageResult<Coupon> {
                let mut tx = self.begin_write().await?;
                let partner = find_partner(&mut tx, program_id, &coupon.partner)
                    .await?
                    .ok_or_else(|| {
                        StorageError::invalid(
                            format!("partner.{}", coupon.partner.field()),
                            "The partner does not exist.",
                        )
                    })?;
                let now = now_micros();
                let row_id: i64 = sqlx::query_scalar(
                    "INSERT INTO coupons (program_id, code, partner_id, discount_type,
                         discount_value, description, created_at, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
                )
                .bind(program_id)
                .bind(&coupon.code)
                .bind(partner.row_id)
                .bind(&coupon.discount_type)
                .bind(coupon.discount_value)
                .bind(&coupon.description)
                .bind(now)
                .fetch_one(&mut *tx)
                .await
                .map_err(|e| conflict_or(e, "code", "A coupon with this code already exists."))?;
                let coupon = coupon_by_row(&mut tx, row_id).await?;
                tx.commit().await.map_err(backend)?;
                Ok(coupon)
            }

            async fn coupon(&self, program_id: i64, code: &str) -> StorageResult<Option<Coupon>> {
                let mut conn = self.pool.acquire().await.map_err(backend)?;
                let query = format!(
                    "{COUPON_SELECT} WHERE k.program_id = $1 AND k.code = $2
                     AND k.deleted_at IS NULL"
                );
                optional_row(&mut conn, query, program_id, code, coupon_row).await
            }

            async fn update_coupon(
                &self,
                program_id: i64,
                row_id: i64,
                update: &CouponUpdate,
            ) -> StorageResult<Coupon> {
                let mut tx = self.begin_write().await?;
                let current = coupon_by_row(&mut tx, row_id).await?;
                let partner_row = match &update.partner {
                    None => None,
                    Some(lookup) => Some(
                        find_partner(&mut tx, program_id, lookup)
                            .await?
                            .ok_or_else(|| {
                                StorageError::invalid(
                                    format!("partner.{}", lookup.field()),
                                    "The partner does not exist.",
                                )
                            })?
                            .row_id,
                    ),
                };
                sqlx::query(
                    "UPDATE coupons SET partner_id = COALESCE($1, partner_id),
                         discount_type = COALESCE($2, discount_type),
                         discount_value = COALESCE($3, discount_value), description = $4,
                         updated_at = $5
                     WHERE id = $6 AND program_id = $7",
                )
                .bind(partner_row)
                .bind(&update.discount_type)
                .bind(update.discount_value)
                .bind(update.description.clone().unwrap_or(current.description))
                .bind(now_micros())
                .bind(row_id)
                .bind(program_id)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
                let coupon = coupon_by_row(&mut tx, row_id).await?;
                tx.commit().await.map_err(backend)?;
                Ok(coupon)
            }

            async fn delete_coupon(&self, program_id: i64, row_id: i64) -> StorageResult<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "UPDATE coupons SET deleted_at = $1, updated_at = $1
                     WHERE id = $2 AND program_id = $3",
                )
                .bind(now_micros())
                .bind(row_id)
                .bind(program_id)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
                tx.commit().await.map_err(backend)?;
                Ok(())
            }

            async fn list_coupons(
                &self,
                program_id: i64,
                page: PageRequest,
            ) -> StorageResult<Paged<Coupon>> {
                let mut conn = self.pool.acquire().await.map_err(backend)?;
                let filter = "WHERE k.program_id = $1 AND k.deleted_at IS NULL";
                list_page(
                    &mut conn,
                    format!("SELECT COUNT(*) FROM coupons k {filter}"),
                    format!("{COUPON_SELECT} {filter} ORDER BY k.id LIMIT $2 OFFSET $3"),
                    &[],
                    program_id,
                    page,
                    coupon_row,
                )
                .await
            }

            async fn commissions(
                &self,
                program_id: i64,
                partner_row: i64,
                page: PageRequest,
            ) -> StorageResult<Paged<Commission>> {
                let mut conn = self.pool.acquire().await.map_err(backend)?;
                let filter = format!("WHERE m.program_id = $1 AND m.partner_id = {partner_row}");
                list_page(
                    &mut conn,
                    format!("SELECT COUNT(*) FROM commissions m {filter}"),
                    format!("{COMMISSION_SELECT} {filter} ORDER BY m.id DESC LIMIT $2 OFFSET $3"),
                    &[],
                    program_id,
                    page,
                    commission_row,
                )
                .await
            }

            async fn pay_commissions(
                &self,
                program_id: i64,
                partner_row: i64,
            ) -> StorageResult<Vec<Commission>> {
                let mut tx = self.begin_write().await?;
                let ids: Vec<i64> = sqlx::query_scalar(
                    "UPDATE commissions SET status = 'paid', paid_at = $1
                     WHERE program_id = $2 AND partner_id = $3 AND status = 'pending'
                     RETURNING id",
                )
                .bind(now_micros())
                .bind(program_id)
                .bind(partner_row)
                .fetch_all(&mut *tx)
                .await
                .map_err(backend)?;
                let mut paid = Vec::with_capacity(ids.len());
                for id in ids {
                    commission_event(&mut tx, program_id, EventType::RewardPaid, id).await?;
                    paid.push(commission_by_row(&mut tx, id).await?);
                }
                paid.sort_by_key(|c| c.id);
                tx.commit().await.map_err(backend)?;
                Ok(paid)
            }

            async fn customer_attribution(
                &self,
                program_id: i64,
                customer_key: &str,
            ) -> StorageResult<Option<Attribution>> {
                let mut conn = self.pool.acquire().await.map_err(backend)?;
                customer_attribution(&mut conn, program_id, customer_key).await
            }

            async fn transaction_attribution(
                &self,
                program_id: i64,
                transaction_key: &str,
            ) -> StorageResult<Option<Attribution>> {
                let mut conn = self.pool.acquire().await.map_err(backend)?;
                transaction_attribution(&mut conn, program_id, transaction_key).await
            }
        }

    };
}
pub(crate) use affiliate_backend;
