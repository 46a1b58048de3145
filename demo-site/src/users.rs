//! The shop's users. Each one is also a customer in the referral program, under `customer_key`.

use sqlx::SqlitePool;

/// A signed-up shop user.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct User {
    pub id: i64,
    /// The user's key in the referral program (`customer.key`), also their referral key.
    pub customer_key: String,
    pub name: String,
    pub email: String,
    /// The link the referral API returned at sign-up.
    pub referral_link: Option<String>,
    /// The referrer's key the sign-up was attributed to, if any.
    pub referred_by: Option<String>,
}

/// Stores a new user; fails with a unique-constraint error when the e-mail is taken.
pub async fn insert(
    db: &SqlitePool,
    customer_key: &str,
    name: &str,
    email: &str,
) -> Result<User, sqlx::Error> {
    sqlx::query_as::<_, User>(
        "INSERT INTO users (customer_key, name, email) VALUES (?, ?, ?)
         RETURNING id, customer_key, name, email, referral_link, referred_by",
    )
    .bind(customer_key)
    .bind(name)
    .bind(email)
    .fetch_one(db)
    .await
}

/// Records what the referral API said about the user's sign-up.
pub async fn set_referral(
    db: &SqlitePool,
    user_id: i64,
    referral_link: Option<&str>,
    referred_by: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET referral_link = ?, referred_by = ? WHERE id = ?")
        .bind(referral_link)
        .bind(referred_by)
        .bind(user_id)
        .execute(db)
        .await?;
    Ok(())
}

/// The user with this e-mail address, if any.
pub async fn find_by_email(db: &SqlitePool, email: &str) -> Result<Option<User>, sqlx::Error> {
    sqlx::query_as::<_, User>(
        "SELECT id, customer_key, name, email, referral_link, referred_by FROM users WHERE email = ?",
    )
    .bind(email)
    .fetch_optional(db)
    .await
}

/// A fresh customer key: a slug of the name plus random characters, usable as a DNS label so that
/// subdomain links (`KEY.shop.test`) work.
pub fn new_customer_key(name: &str) -> String {
    let slug: String = name
        .chars()
        .filter_map(|c| {
            let c = c.to_ascii_lowercase();
            c.is_ascii_alphanumeric().then_some(c)
        })
        .take(16)
        .collect();
    let slug = if slug.is_empty() {
        "customer".to_string()
    } else {
        slug
    };
    let random = uuid::Uuid::new_v4().simple().to_string();
    let suffix = &random[..6];
    format!("{slug}-{suffix}")
}

#[cfg(test)]
mod tests {
    use super::new_customer_key;

    #[test]
    fn customer_keys_are_dns_labels() {
        for name in [
            "Alice",
            "Ünïcødé <script>",
            "",
            "a very long name with many words",
        ] {
            let key = new_customer_key(name);
            assert!(key.len() <= 23, "{key}");
            assert!(
                key.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{key}"
            );
            assert!(!key.starts_with('-'), "{key}");
        }
        assert!(new_customer_key("Alice").starts_with("alice-"));
        assert_ne!(new_customer_key("Bob"), new_customer_key("Bob"));
    }
}
