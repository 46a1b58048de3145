//! Event names, which program types may subscribe to them, and the delivered payload.

use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::clock;
use crate::program::ProgramKind;

/// An event a webhook can subscribe to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventType {
    /// A customer was created through the API (or a browser-reported one was confirmed).
    CustomerCreated,
    /// A customer was updated.
    CustomerUpdated,
    /// A customer was deleted.
    CustomerDeleted,
    /// A transaction was recorded through the API.
    TransactionCreated,
    /// A transaction was archived or restored.
    TransactionUpdated,
    /// A transaction was refunded (deleted through the API).
    TransactionDeleted,
    /// A reward (or, in affiliate programs, a commission) was granted.
    RewardCreated,
    /// A customer's reward entered the balance: when it was granted, or, in manual mode, when
    /// `POST /v1/customers/{key}/rewards/credit` credited it.
    RewardApproved,
    /// A partner's commission was marked paid (affiliate programs).
    RewardPaid,
    /// Affiliate programs only.
    PartnerCreated,
    /// Affiliate programs only.
    PartnerUpdated,
    /// Affiliate programs only.
    PartnerDeleted,
    /// Affiliate programs only.
    PartnerApproved,
    /// Affiliate programs only.
    PartnerRejected,
    /// Affiliate programs only.
    PartnerArchived,
}

impl EventType {
    /// Every event, in documentation order.
    pub const ALL: [EventType; 15] = [
        EventType::CustomerCreated,
        EventType::CustomerUpdated,
        EventType::CustomerDeleted,
        EventType::TransactionCreated,
        EventType::TransactionUpdated,
        EventType::TransactionDeleted,
        EventType::RewardCreated,
        EventType::RewardApproved,
        EventType::RewardPaid,
        EventType::PartnerCreated,
        EventType::PartnerUpdated,
        EventType::PartnerDeleted,
        EventType::PartnerApproved,
        EventType::PartnerRejected,
        EventType::PartnerArchived,
    ];

    /// The wire name (`customer.created`).
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::CustomerCreated => "customer.created",
            EventType::CustomerUpdated => "customer.updated",
            EventType::CustomerDeleted => "customer.deleted",
            EventType::TransactionCreated => "transaction.created",
            EventType::TransactionUpdated => "transaction.updated",
            EventType::TransactionDeleted => "transaction.deleted",
            EventType::RewardCreated => "reward.created",
            EventType::RewardApproved => "reward.approved",
            EventType::RewardPaid => "reward.paid",
            EventType::PartnerCreated => "partner.created",
            EventType::PartnerUpdated => "partner.updated",
            EventType::PartnerDeleted => "partner.deleted",
            EventType::PartnerApproved => "partner.approved",
            EventType::PartnerRejected => "partner.rejected",
            EventType::PartnerArchived => "partner.archived",
        }
    }

    /// Parses a wire name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|event| event.as_str() == name)
    }

    /// Whether a program of this type can subscribe to the event (`partner.*` needs an
    /// affiliate program).
    pub fn supported_by(self, kind: ProgramKind) -> bool {
        !(self.as_str().starts_with("partner.") || self == EventType::RewardPaid)
            || kind == ProgramKind::Affiliate
    }
}

impl std::fmt::Display for EventType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The raw body delivered for one event to one webhook:
/// `{event, url, webhook_key, created_at, data}`. It is frozen when the event happens, so
/// retries and replays send the very same bytes.
pub fn payload(
    event: EventType,
    url: &str,
    webhook_key: &str,
    created_at: OffsetDateTime,
    data: &Value,
) -> String {
    json!({
        "event": event.as_str(),
        "url": url,
        "webhook_key": webhook_key,
        "created_at": clock::format_api(created_at),
        "data": data,
    })
    .to_string()
}

/// A new delivery (message) id: `msg_` and 32 hex characters. It is the Standard Webhooks
/// `webhook-id` and stays the same across retries and replays.
pub fn message_id() -> String {
    format!("msg_{}", uuid::Uuid::new_v4().simple())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_partner_events_need_affiliate_programs() {
        for event in EventType::ALL {
            assert_eq!(EventType::parse(event.as_str()), Some(event));
        }
        assert_eq!(EventType::parse("customer.exploded"), None);
        assert!(EventType::CustomerCreated.supported_by(ProgramKind::ReferAFriend));
        assert!(!EventType::PartnerCreated.supported_by(ProgramKind::ReferAFriend));
        assert!(EventType::PartnerCreated.supported_by(ProgramKind::Affiliate));
        assert!(!EventType::RewardPaid.supported_by(ProgramKind::ReferAFriend));
        assert!(EventType::RewardPaid.supported_by(ProgramKind::Affiliate));
        assert!(EventType::RewardCreated.supported_by(ProgramKind::ReferAFriend));
    }

    #[test]
    fn payload_has_the_partnero_shape() {
        let at = time::macros::datetime!(2025-05-09 17:42:13 UTC);
        let body = payload(
            EventType::RewardCreated,
            "https://hooks.example/x",
            "wh_1",
            at,
            &json!({"id": 1}),
        );
        let value: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(
            value,
            json!({
                "event": "reward.created",
                "url": "https://hooks.example/x",
                "webhook_key": "wh_1",
                "created_at": "2025-05-09T17:42:13.000000Z",
                "data": {"id": 1},
            })
        );
        assert_ne!(message_id(), message_id());
        assert_eq!(message_id().len(), 36);
    }
}
