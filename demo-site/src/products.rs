//! The shop's catalogue.

/// Something the shop sells.
#[derive(Debug, Clone, Copy)]
pub struct Product {
    /// Identifier used in forms.
    pub id: &'static str,
    pub name: &'static str,
    pub price_cents: i64,
    pub blurb: &'static str,
}

/// Everything for sale.
pub const CATALOGUE: &[Product] = &[
    Product {
        id: "starter",
        name: "Starter plan",
        price_cents: 1900,
        blurb: "One shop, all the basics.",
    },
    Product {
        id: "pro",
        name: "Pro plan",
        price_cents: 4900,
        blurb: "Unlimited products and priority support.",
    },
    Product {
        id: "team",
        name: "Team plan",
        price_cents: 9900,
        blurb: "Five seats and shared reports.",
    },
];

/// The product with this id.
pub fn find(id: &str) -> Option<&'static Product> {
    CATALOGUE.iter().find(|p| p.id == id)
}
