//! Partners: create (with the default link), read, update, delete, list, statistics.

/// Expands this part for one backend (see [`super::affiliate_backend`]).
macro_rules! partners_sql {
    ($storage:ty, $conn:ty, $row:ty) => {
        #[async_trait]
        impl PartnerStorage for $storage {
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
                    AND (CAST($2 AS TEXT) IS NULL OR LOWER(p.key) LIKE LOWER($2) ESCAPE '\\'
                         OR LOWER(p.public_id) LIKE LOWER($2) ESCAPE '\\'
                         OR LOWER(COALESCE(p.email, '')) LIKE LOWER($2) ESCAPE '\\'
                         OR LOWER(COALESCE(p.name, '')) LIKE LOWER($2) ESCAPE '\\'
                         OR LOWER(COALESCE(p.surname, '')) LIKE LOWER($2) ESCAPE '\\')";
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
        }
    };
}
pub(crate) use partners_sql;
