//! Commissions: attributing API sales to a partner (coupon or the buyer's partner), computing the
//! commission, reversing it on refunds, and payouts.

/// Expands this part for one backend (see [`super::affiliate_backend`]).
macro_rules! commissions_sql {
    ($storage:ty, $conn:ty, $row:ty) => {
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
                months_since_signup: rewards::whole_months_between(buyer_created_at, clock::now()),
            };
            let Some(draft) = commissions::commission(&program.settings.rewards, &context) else {
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

        #[async_trait]
        impl CommissionStorage for $storage {
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
        }
    };
}
pub(crate) use commissions_sql;
