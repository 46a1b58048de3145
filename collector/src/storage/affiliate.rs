//! The storage of the affiliate side (see `crate::affiliate`): one trait per resource, gathered in
//! [`AffiliateStorage`], a supertrait of [`super::Storage`].
//!
//! Both backends implement it from the same SQL (`affiliate_sql`). Partner changes write
//! `partner.*` events and commissions `reward.created` / `reward.paid` to the outbox inside the
//! change's database transaction.

use async_trait::async_trait;
use time::OffsetDateTime;

use super::StorageResult;
use crate::affiliate::model::{
    Attribution, Commission, Coupon, CouponUpdate, LinkFilter, LinkTotals, LinkUpdate, NewCoupon,
    NewLink, NewPartner, OwnerKind, Partner, PartnerLookup, PartnerStats, PartnerUpdate,
    ReferralLink,
};
use crate::model::Paged;
use crate::pagination::PageRequest;
use crate::program::Program;

/// Partners of affiliate programs.
#[async_trait]
pub trait PartnerStorage {
    /// Creates a partner and its default link (key = partner key); `partner.created`.
    async fn create_partner(
        &self,
        program: &Program,
        partner: NewPartner,
    ) -> StorageResult<Partner>;
    /// A live partner.
    async fn partner(
        &self,
        program_id: i64,
        lookup: &PartnerLookup,
    ) -> StorageResult<Option<Partner>>;
    /// Updates a partner; `partner.archived` when the status becomes archived, else
    /// `partner.updated`.
    async fn update_partner(
        &self,
        program: &Program,
        row_id: i64,
        update: &PartnerUpdate,
    ) -> StorageResult<Partner>;
    /// Deletes a partner with its links and coupons (their keys become free); `partner.deleted`.
    async fn delete_partner(&self, program: &Program, row_id: i64) -> StorageResult<()>;
    /// Lists partners, optionally matching a search text.
    async fn list_partners(
        &self,
        program_id: i64,
        search: Option<&str>,
        page: PageRequest,
    ) -> StorageResult<Paged<Partner>>;
    /// A partner's statistics.
    async fn partner_stats(&self, program_id: i64, partner_row: i64)
    -> StorageResult<PartnerStats>;
}

/// Referral links of partners and customers, short links and link analytics.
#[async_trait]
pub trait LinkStorage {
    /// Creates a link; a taken key is a `Conflict` on `key`.
    async fn create_link(&self, program_id: i64, link: NewLink) -> StorageResult<ReferralLink>;
    /// A live link of that kind by public id, falling back to key.
    async fn link(
        &self,
        program_id: i64,
        kind: OwnerKind,
        id: &str,
    ) -> StorageResult<Option<ReferralLink>>;
    /// The live link with a short code, with its program's public id.
    async fn short_link(&self, code: &str) -> StorageResult<Option<(String, ReferralLink)>>;
    /// Changes a link.
    async fn update_link(
        &self,
        program_id: i64,
        row_id: i64,
        update: &LinkUpdate,
    ) -> StorageResult<ReferralLink>;
    /// Deletes a link (its key becomes free; statistics stay with the old rows).
    async fn delete_link(&self, program_id: i64, row_id: i64) -> StorageResult<()>;
    /// Lists links.
    async fn list_links(
        &self,
        program_id: i64,
        filter: &LinkFilter,
        page: PageRequest,
    ) -> StorageResult<Paged<ReferralLink>>;
    /// A link's totals and its events in `[from, to)`.
    async fn link_totals(
        &self,
        program_id: i64,
        link: &ReferralLink,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> StorageResult<LinkTotals>;
}

/// Coupons tied to partners.
#[async_trait]
pub trait CouponStorage {
    /// Creates a coupon; a taken code is a `Conflict` on `code`.
    async fn create_coupon(&self, program_id: i64, coupon: NewCoupon) -> StorageResult<Coupon>;
    /// A live coupon by code.
    async fn coupon(&self, program_id: i64, code: &str) -> StorageResult<Option<Coupon>>;
    /// Changes a coupon.
    async fn update_coupon(
        &self,
        program_id: i64,
        row_id: i64,
        update: &CouponUpdate,
    ) -> StorageResult<Coupon>;
    /// Deletes a coupon.
    async fn delete_coupon(&self, program_id: i64, row_id: i64) -> StorageResult<()>;
    /// Lists coupons.
    async fn list_coupons(
        &self,
        program_id: i64,
        page: PageRequest,
    ) -> StorageResult<Paged<Coupon>>;
}

/// Partners' commissions.
#[async_trait]
pub trait CommissionStorage {
    /// A partner's commissions, newest first.
    async fn commissions(
        &self,
        program_id: i64,
        partner_row: i64,
        page: PageRequest,
    ) -> StorageResult<Paged<Commission>>;
    /// Marks a partner's pending commissions paid; `reward.paid` for each. Returns them.
    async fn pay_commissions(
        &self,
        program_id: i64,
        partner_row: i64,
    ) -> StorageResult<Vec<Commission>>;
}

/// Partner attribution of customers and transactions.
#[async_trait]
pub trait AttributionStorage {
    /// The partner (and link) a live customer is attributed to.
    async fn customer_attribution(
        &self,
        program_id: i64,
        customer_key: &str,
    ) -> StorageResult<Option<Attribution>>;
    /// The partner, link, coupon and commissions of a transaction.
    async fn transaction_attribution(
        &self,
        program_id: i64,
        transaction_key: &str,
    ) -> StorageResult<Option<Attribution>>;
}

/// Partners, links, coupons, commissions and attribution.
pub trait AffiliateStorage:
    PartnerStorage + LinkStorage + CouponStorage + CommissionStorage + AttributionStorage
{
}

impl<T> AffiliateStorage for T where
    T: PartnerStorage + LinkStorage + CouponStorage + CommissionStorage + AttributionStorage
{
}
