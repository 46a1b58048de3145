//! Records the storage layer reads and writes, independent of any backend.

use time::OffsetDateTime;

/// Who reported a record: the site's backend through the API, or a browser.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Private API (trusted).
    Api,
    /// Public endpoint (untrusted; never rewards on its own).
    Browser,
}

impl Source {
    /// Stored/rendered name.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Api => "api",
            Source::Browser => "browser",
        }
    }

    /// Parses the stored name.
    pub fn parse(text: &str) -> Self {
        if text == "browser" {
            Source::Browser
        } else {
            Source::Api
        }
    }
}

/// How a request names a customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CustomerLookup {
    /// By key.
    Key(String),
    /// By id.
    Id(String),
}

impl CustomerLookup {
    /// The key or id text.
    pub fn value(&self) -> &str {
        match self {
            CustomerLookup::Key(value) | CustomerLookup::Id(value) => value,
        }
    }
}

/// A short reference to another customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerRef {
    /// Public id.
    pub id: String,
    /// Key.
    pub key: String,
    /// E-mail.
    pub email: Option<String>,
    /// First name.
    pub name: Option<String>,
}

/// A stored customer.
#[derive(Debug, Clone, PartialEq)]
pub struct Customer {
    /// Internal row id.
    pub row_id: i64,
    /// Public id (the given `id`, else the key).
    pub id: String,
    /// Key (the referral key in links).
    pub key: String,
    /// E-mail.
    pub email: Option<String>,
    /// First name.
    pub name: Option<String>,
    /// Last name.
    pub surname: Option<String>,
    /// `YYYY-MM-DD`.
    pub date_of_birth: Option<String>,
    /// `active`.
    pub status: String,
    /// Approved for rewards.
    pub approved: bool,
    /// API or browser.
    pub source: Source,
    /// Free tags from the browser sign-up.
    pub tags: Vec<String>,
    /// The customer who referred this one.
    pub referring_customer: Option<CustomerRef>,
    /// How many customers this one referred.
    pub referrals_count: i64,
    /// Creation time.
    pub created_at: OffsetDateTime,
    /// Last change.
    pub updated_at: OffsetDateTime,
}

/// Fields of a customer to create.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewCustomer {
    /// Key; generated when absent.
    pub key: Option<String>,
    /// Public id; the key when absent.
    pub id: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// First name.
    pub name: Option<String>,
    /// Last name.
    pub surname: Option<String>,
    /// `YYYY-MM-DD`.
    pub date_of_birth: Option<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// Who referred them.
    pub referrer: Option<CustomerLookup>,
    /// Their partner (affiliate programs); a key may also be one of the partner's link keys.
    pub partner: Option<crate::affiliate::model::PartnerLookup>,
}

/// Changes to a customer (absent fields stay as they are).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CustomerUpdate {
    /// New e-mail.
    pub email: Option<String>,
    /// New first name.
    pub name: Option<String>,
    /// New last name.
    pub surname: Option<String>,
    /// New date of birth.
    pub date_of_birth: Option<String>,
    /// New status.
    pub status: Option<String>,
    /// New approval.
    pub approved: Option<bool>,
}

/// Which customers a list returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReferStatus {
    /// Customers with a referrer.
    Referred,
    /// Customers without one.
    NonReferred,
}

/// Customer list filter.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CustomerFilter {
    /// Referred or not.
    pub refer_status: Option<ReferStatus>,
    /// Case-insensitive substring of key, id, e-mail, name or surname.
    pub search: Option<String>,
    /// Only customers referred by this customer row.
    pub referred_by: Option<i64>,
}

/// The result of creating a customer.
#[derive(Debug, Clone)]
pub struct CustomerOutcome {
    /// The stored customer.
    pub customer: Customer,
    /// False when an existing record was returned unchanged.
    pub created: bool,
    /// Rewards credited by this sign-up.
    pub rewards: Vec<RewardRecord>,
}

/// A reward.
#[derive(Debug, Clone, PartialEq)]
pub struct RewardRecord {
    /// Row id.
    pub id: i64,
    /// Recipient.
    pub customer: CustomerRef,
    /// `referrer` or `referred`.
    pub recipient: String,
    /// `sale` or `signup`.
    pub trigger: String,
    /// Hundredths.
    pub amount_minor: i64,
    /// Unit.
    pub amount_units: String,
    /// Currency or points.
    pub is_currency: bool,
    /// `credited`, `pending` or `reversed`.
    pub status: String,
    /// The transaction that earned it.
    pub transaction_key: Option<String>,
    /// When.
    pub created_at: OffsetDateTime,
}

/// A transaction to record.
#[derive(Debug, Clone, PartialEq)]
pub struct NewTransaction {
    /// Unique key per program.
    pub key: String,
    /// `sale` (rewarded) or another action (recorded only).
    pub action: String,
    /// Hundredths.
    pub amount_minor: i64,
    /// Unit; the program currency when absent.
    pub amount_units: Option<String>,
    /// Currency or points.
    pub is_currency: bool,
    /// The buyer.
    pub customer: CustomerLookup,
    /// Create the buyer when missing, with these details.
    pub create_customer: Option<NewCustomer>,
    /// Product id.
    pub product_id: Option<String>,
    /// Product type.
    pub product_type: Option<String>,
    /// Coupon code (affiliate programs): attributes the sale to the coupon's partner.
    pub coupon: Option<String>,
    /// Field prefix for errors (`transactions.1`).
    pub field_prefix: String,
}

/// A stored transaction with its rewards.
#[derive(Debug, Clone, PartialEq)]
pub struct TransactionRecord {
    /// Key.
    pub key: String,
    /// Action.
    pub action: String,
    /// Hundredths.
    pub amount_minor: i64,
    /// Unit.
    pub amount_units: String,
    /// Currency or points.
    pub is_currency: bool,
    /// The buyer.
    pub customer: CustomerRef,
    /// The buyer's referrer at the time of the sale.
    pub referrer: Option<CustomerRef>,
    /// API or browser.
    pub source: Source,
    /// Archived.
    pub archived: bool,
    /// Refunded (deleted).
    pub refunded: bool,
    /// Product id.
    pub product_id: Option<String>,
    /// Product type.
    pub product_type: Option<String>,
    /// When.
    pub created_at: OffsetDateTime,
    /// Rewards earned.
    pub rewards: Vec<RewardRecord>,
}

/// The result of posting a transaction.
#[derive(Debug, Clone)]
pub struct TransactionOutcome {
    /// The stored transaction.
    pub transaction: TransactionRecord,
    /// False when the key already existed and the original was returned.
    pub created: bool,
}

/// Transaction list filter.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TransactionFilter {
    /// Only this buyer's transactions.
    pub customer_row_id: Option<i64>,
    /// Include archived transactions.
    pub include_archived: bool,
}

/// A visit to record.
#[derive(Debug, Clone, PartialEq)]
pub struct NewVisit {
    /// Program row id.
    pub program_id: i64,
    /// Referral key.
    pub referral_key: String,
    /// Visitor UUID.
    pub visitor: String,
    /// `query`, `link`, `subdomain` or `hash`.
    pub format: String,
    /// Landing URL.
    pub landing_url: String,
    /// Document referrer.
    pub referrer: Option<String>,
    /// User agent.
    pub user_agent: Option<String>,
    /// Salted hash of the truncated IP.
    pub ip_hash: String,
    /// When.
    pub at: OffsetDateTime,
}

/// An amount per unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitAmount {
    /// Unit.
    pub amount_units: String,
    /// Currency or points.
    pub is_currency: bool,
    /// Hundredths.
    pub amount_minor: i64,
}

/// Referral statistics of a customer.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerStats {
    /// Visits through the customer's links.
    pub clicks: i64,
    /// Unique visits (per visitor per 24 h).
    pub unique_clicks: i64,
    /// Referred customers reported by the API.
    pub signups: i64,
    /// Referred customers with at least one sale.
    pub paying_referrals: i64,
    /// Sales of referred customers.
    pub revenue: Vec<UnitAmount>,
    /// Rewards earned (credited and pending).
    pub rewards: Vec<UnitAmount>,
}

/// A customer's balance.
#[derive(Debug, Clone, PartialEq)]
pub struct Balance {
    /// Credited amounts per unit.
    pub balance: Vec<UnitAmount>,
    /// Rewards waiting for manual credit, per unit.
    pub pending: Vec<UnitAmount>,
}

/// One page of a list.
#[derive(Debug, Clone, PartialEq)]
pub struct Paged<T> {
    /// Items on this page.
    pub items: Vec<T>,
    /// Items on all pages.
    pub total: i64,
}
