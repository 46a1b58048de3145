//! Referral links of partners and customers, short codes, click counts (with short-link clicks
//! merged) and link analytics.

/// Expands this part for one backend (see [`super::affiliate_backend`]).
macro_rules! links_sql {
    ($storage:ty, $conn:ty, $row:ty) => {
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

        #[async_trait]
        impl LinkStorage for $storage {
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
                     AND (CAST($2 AS TEXT) IS NULL OR LOWER(l.key) LIKE LOWER($2) ESCAPE '\\'
                          OR LOWER(l.public_id) LIKE LOWER($2) ESCAPE '\\'
                          OR LOWER(COALESCE(l.label, '')) LIKE LOWER($2) ESCAPE '\\'
                          OR LOWER(COALESCE(l.destination_url, '')) LIKE LOWER($2) ESCAPE '\\')"
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
        }
    };
}
pub(crate) use links_sql;
