//! Orders placed in the shop; each one is reported to the referral API as a transaction keyed by
//! `order_key`, and a refund deletes that transaction.

use sqlx::SqlitePool;

/// One purchase.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Order {
    /// Also the transaction key in the referral API.
    pub order_key: String,
    pub user_id: i64,
    pub product: String,
    pub amount_cents: i64,
    /// `paid` or `refunded`.
    pub status: String,
    /// Whether the referral API accepted the transaction.
    pub reported: bool,
    pub created_at: String,
}

/// Order status after payment.
pub const PAID: &str = "paid";
/// Order status after a refund.
pub const REFUNDED: &str = "refunded";

/// Stores a paid order (before it is reported, so a failing API never loses it).
pub async fn insert(
    db: &SqlitePool,
    user_id: i64,
    product: &str,
    amount_cents: i64,
) -> Result<Order, sqlx::Error> {
    let order_key = format!("order-{}", uuid::Uuid::new_v4().simple());
    sqlx::query_as::<_, Order>(
        "INSERT INTO orders (order_key, user_id, product, amount_cents, status) VALUES (?, ?, ?, ?, ?)
         RETURNING order_key, user_id, product, amount_cents, status, reported, created_at",
    )
    .bind(&order_key)
    .bind(user_id)
    .bind(product)
    .bind(amount_cents)
    .bind(PAID)
    .fetch_one(db)
    .await
}

/// Marks an order as accepted by the referral API.
pub async fn mark_reported(db: &SqlitePool, order_key: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE orders SET reported = 1 WHERE order_key = ?")
        .bind(order_key)
        .execute(db)
        .await?;
    Ok(())
}

/// Marks an order as refunded.
pub async fn mark_refunded(db: &SqlitePool, order_key: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE orders SET status = ? WHERE order_key = ?")
        .bind(REFUNDED)
        .bind(order_key)
        .execute(db)
        .await?;
    Ok(())
}

/// One of the user's orders.
pub async fn find(
    db: &SqlitePool,
    user_id: i64,
    order_key: &str,
) -> Result<Option<Order>, sqlx::Error> {
    sqlx::query_as::<_, Order>(
        "SELECT order_key, user_id, product, amount_cents, status, reported, created_at
         FROM orders WHERE user_id = ? AND order_key = ?",
    )
    .bind(user_id)
    .bind(order_key)
    .fetch_optional(db)
    .await
}

/// The user's orders, newest first.
pub async fn for_user(db: &SqlitePool, user_id: i64) -> Result<Vec<Order>, sqlx::Error> {
    sqlx::query_as::<_, Order>(
        "SELECT order_key, user_id, product, amount_cents, status, reported, created_at
         FROM orders WHERE user_id = ? ORDER BY created_at DESC, rowid DESC",
    )
    .bind(user_id)
    .fetch_all(db)
    .await
}
