//! Coupons tied to partners.

/// Expands this part for one backend (see [`super::affiliate_backend`]).
macro_rules! coupons_sql {
    ($storage:ty, $conn:ty, $row:ty) => {
        #[async_trait]
        impl CouponStorage for $storage {
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
        }
    };
}
pub(crate) use coupons_sql;
