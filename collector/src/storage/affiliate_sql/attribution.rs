//! Partner attribution of customers (partner key, id, e-mail or link key) and transactions, and
//! the event data that carries it.

/// Expands this part for one backend (see [`super::affiliate_backend`]).
macro_rules! attribution_sql {
    ($storage:ty, $conn:ty, $row:ty) => {
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
                found = find_partner(conn, program_id, lookup)
                    .await?
                    .map(|p| (p.row_id, None));
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
            found.commissions = rows
                .iter()
                .map(commission_row)
                .collect::<StorageResult<_>>()?;
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
        impl AttributionStorage for $storage {
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
pub(crate) use attribution_sql;
