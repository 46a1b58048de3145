//! Records of the affiliate side, independent of any backend.

use time::OffsetDateTime;

use crate::model::UnitAmount;

/// How a request names a partner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PartnerLookup {
    /// By public id.
    Id(String),
    /// By key.
    Key(String),
    /// By e-mail (case-insensitive).
    Email(String),
}

impl PartnerLookup {
    /// The field name in a `partner {id|key|email}` object.
    pub fn field(&self) -> &'static str {
        match self {
            PartnerLookup::Id(_) => "id",
            PartnerLookup::Key(_) => "key",
            PartnerLookup::Email(_) => "email",
        }
    }

    /// The looked-up text.
    pub fn value(&self) -> &str {
        match self {
            PartnerLookup::Id(v) | PartnerLookup::Key(v) | PartnerLookup::Email(v) => v,
        }
    }
}

/// A short reference to a partner (id, key, e-mail, name: the same shape as a customer's).
pub type PartnerRef = crate::model::CustomerRef;

/// A stored partner.
#[derive(Debug, Clone, PartialEq)]
pub struct Partner {
    /// Internal row id.
    pub row_id: i64,
    /// Public id (the given `id`, else the key).
    pub id: String,
    /// Key.
    pub key: String,
    /// E-mail.
    pub email: Option<String>,
    /// First name.
    pub name: Option<String>,
    /// Last name.
    pub surname: Option<String>,
    /// `active` or `archived`.
    pub status: String,
    /// The partner who referred this one.
    pub referring_partner: Option<PartnerRef>,
    /// Creation time.
    pub created_at: OffsetDateTime,
    /// Last change.
    pub updated_at: OffsetDateTime,
}

impl Partner {
    /// The short reference.
    pub fn to_ref(&self) -> PartnerRef {
        PartnerRef {
            id: self.id.clone(),
            key: self.key.clone(),
            email: self.email.clone(),
            name: self.name.clone(),
        }
    }
}

/// Fields of a partner to create.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewPartner {
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
    /// Who referred this partner.
    pub referring_partner: Option<PartnerLookup>,
}

/// Changes to a partner (absent fields stay as they are).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PartnerUpdate {
    /// New e-mail.
    pub email: Option<String>,
    /// New first name.
    pub name: Option<String>,
    /// New last name.
    pub surname: Option<String>,
    /// New status (`active` or `archived`).
    pub status: Option<String>,
}

/// UTM parameters added to a link's URL.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Utm {
    /// `utm_source`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// `utm_medium`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub medium: Option<String>,
    /// `utm_campaign`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub campaign: Option<String>,
    /// `utm_term`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub term: Option<String>,
    /// `utm_content`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
}

impl Utm {
    /// `(utm_source, value)`, ... for the parameters that are set.
    pub fn pairs(&self) -> Vec<(&'static str, &str)> {
        [
            ("utm_source", &self.source),
            ("utm_medium", &self.medium),
            ("utm_campaign", &self.campaign),
            ("utm_term", &self.term),
            ("utm_content", &self.content),
        ]
        .into_iter()
        .filter_map(|(name, value)| value.as_deref().map(|value| (name, value)))
        .collect()
    }
}

/// Who owns a referral link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkOwner {
    /// A partner of an affiliate program (row id).
    Partner(i64),
    /// A customer of a refer-a-friend program (row id).
    Customer(i64),
}

/// Which kind of owner a request is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OwnerKind {
    /// `/v1/partner_referral_links`.
    Partner,
    /// `/v1/customer_referral_links`.
    Customer,
}

/// A stored referral link.
#[derive(Debug, Clone, PartialEq)]
pub struct ReferralLink {
    /// Internal row id.
    pub row_id: i64,
    /// Program row id.
    pub program_id: i64,
    /// Public id (the key unless given).
    pub id: String,
    /// The referral key in the URL (unique per program).
    pub key: String,
    /// The owning partner.
    pub partner: Option<PartnerRef>,
    /// The owning customer (key, id, e-mail, name).
    pub customer: Option<crate::model::CustomerRef>,
    /// Additional domain (its id), `None` for the primary domain.
    pub domain: Option<String>,
    /// The partner's default link (key = partner key).
    pub is_default: bool,
    /// Free label.
    pub label: Option<String>,
    /// Landing page other than the domain's home page.
    pub destination_url: Option<String>,
    /// UTM parameters.
    pub utm: Utm,
    /// Short code for `/go/{code}`.
    pub short_code: String,
    /// Creation time.
    pub created_at: OffsetDateTime,
    /// Last change.
    pub updated_at: OffsetDateTime,
}

/// A link to create.
#[derive(Debug, Clone, PartialEq)]
pub struct NewLink {
    /// Referral key.
    pub key: String,
    /// Public id; the key when absent.
    pub id: Option<String>,
    /// Owner.
    pub owner: LinkOwner,
    /// Additional domain id.
    pub domain: Option<String>,
    /// Label.
    pub label: Option<String>,
    /// Destination URL.
    pub destination_url: Option<String>,
    /// UTM parameters.
    pub utm: Utm,
}

/// Changes to a link; `Some(None)` clears an optional field.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LinkUpdate {
    /// New key.
    pub key: Option<String>,
    /// New domain.
    pub domain: Option<Option<String>>,
    /// New label.
    pub label: Option<Option<String>>,
    /// New destination.
    pub destination_url: Option<Option<String>>,
    /// New UTM parameters (replace the old ones).
    pub utm: Option<Utm>,
}

/// Link list filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkFilter {
    /// Partner or customer links.
    pub kind: OwnerKind,
    /// Only this owner's links.
    pub owner: Option<LinkOwner>,
    /// Case-insensitive substring of key, id, label or destination.
    pub search: Option<String>,
}

/// A coupon tied to a partner.
#[derive(Debug, Clone, PartialEq)]
pub struct Coupon {
    /// Internal row id.
    pub row_id: i64,
    /// The code customers type.
    pub code: String,
    /// The partner credited with the sales.
    pub partner: PartnerRef,
    /// `percentage` or `fixed`.
    pub discount_type: String,
    /// Percentage or amount, in hundredths.
    pub discount_value: i64,
    /// Free text.
    pub description: Option<String>,
    /// Creation time.
    pub created_at: OffsetDateTime,
    /// Last change.
    pub updated_at: OffsetDateTime,
}

/// A coupon to create.
#[derive(Debug, Clone, PartialEq)]
pub struct NewCoupon {
    /// Code.
    pub code: String,
    /// Partner.
    pub partner: PartnerLookup,
    /// `percentage` or `fixed`.
    pub discount_type: String,
    /// Hundredths.
    pub discount_value: i64,
    /// Free text.
    pub description: Option<String>,
}

/// Changes to a coupon.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CouponUpdate {
    /// New partner.
    pub partner: Option<PartnerLookup>,
    /// New type.
    pub discount_type: Option<String>,
    /// New value.
    pub discount_value: Option<i64>,
    /// New description.
    pub description: Option<Option<String>>,
}

/// A partner's commission on one sale.
#[derive(Debug, Clone, PartialEq)]
pub struct Commission {
    /// Row id.
    pub id: i64,
    /// The partner.
    pub partner: PartnerRef,
    /// Hundredths.
    pub amount_minor: i64,
    /// Unit.
    pub amount_units: String,
    /// Currency or points.
    pub is_currency: bool,
    /// `pending`, `paid` or `reversed`.
    pub status: String,
    /// The sale.
    pub transaction_key: String,
    /// The link the buyer came through.
    pub link_key: Option<String>,
    /// When it was earned.
    pub created_at: OffsetDateTime,
    /// When it was paid.
    pub paid_at: Option<OffsetDateTime>,
}

/// Partner attribution of a customer or a transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct Attribution {
    /// The partner.
    pub partner: PartnerRef,
    /// The link key, when attributed through a link.
    pub link_key: Option<String>,
    /// The coupon code, when attributed through a coupon.
    pub coupon: Option<String>,
    /// Commissions (transactions only).
    pub commissions: Vec<Commission>,
}

/// Statistics of a partner.
#[derive(Debug, Clone, PartialEq)]
pub struct PartnerStats {
    /// Clicks on the partner's links.
    pub clicks: i64,
    /// Unique clicks.
    pub unique_clicks: i64,
    /// Customers signed up through the API with this partner.
    pub signups: i64,
    /// Sales (API, not refunded) attributed to the partner.
    pub sales_count: i64,
    /// Customers with at least one such sale.
    pub paid_accounts: i64,
    /// Revenue of those sales.
    pub revenue: Vec<UnitAmount>,
    /// Commissions paid.
    pub commissions_paid: Vec<UnitAmount>,
    /// Commissions waiting to be paid.
    pub commissions_pending: Vec<UnitAmount>,
}

/// One dated event of a link, for the per-day series.
#[derive(Debug, Clone, PartialEq)]
pub enum LinkEvent {
    /// A click (`true` when unique).
    Click(bool),
    /// A sign-up.
    Lead,
    /// A sale with its amount.
    Conversion(UnitAmount),
}

/// Totals of a link plus its events in the requested range.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkTotals {
    /// Clicks.
    pub clicks: i64,
    /// Unique clicks.
    pub unique_clicks: i64,
    /// Sign-ups.
    pub leads: i64,
    /// Sales.
    pub conversions: i64,
    /// Revenue.
    pub revenue: Vec<UnitAmount>,
    /// Events in the range, with their time.
    pub events: Vec<(OffsetDateTime, LinkEvent)>,
}
