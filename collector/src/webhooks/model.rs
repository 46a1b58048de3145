//! Webhook records and the delivery log, as every storage backend returns them.

use time::OffsetDateTime;

use super::EventType;

/// A webhook endpoint registered by a program.
#[derive(Debug, Clone, PartialEq)]
pub struct Webhook {
    /// Internal row id.
    pub row_id: i64,
    /// Public key (`wh_...`).
    pub key: String,
    /// Display name.
    pub name: String,
    /// Destination URL (http or https).
    pub url: String,
    /// Subscribed events.
    pub events: Vec<EventType>,
    /// The signing secret (`whsec_` + base64), returned to the owner as `signature`.
    pub secret: String,
    /// Deliveries are attempted only while active.
    pub is_active: bool,
    /// Failed attempts since the last success.
    pub consecutive_failures: i64,
    /// Why the collector disabled the webhook (None when the owner did, or when active).
    pub disabled_reason: Option<String>,
    /// When the collector disabled it.
    pub disabled_at: Option<OffsetDateTime>,
    /// Creation time.
    pub created_at: OffsetDateTime,
    /// Last change.
    pub updated_at: OffsetDateTime,
}

/// A webhook to create (already validated).
#[derive(Debug, Clone)]
pub struct NewWebhook {
    /// Public key.
    pub key: String,
    /// Display name.
    pub name: String,
    /// Destination URL.
    pub url: String,
    /// Subscribed events (non-empty, no duplicates).
    pub events: Vec<EventType>,
    /// Signing secret.
    pub secret: String,
    /// Active from the start.
    pub is_active: bool,
}

/// Changes to a webhook (already validated); `None` keeps the current value.
#[derive(Debug, Clone, Default)]
pub struct WebhookUpdate {
    /// New name.
    pub name: Option<String>,
    /// New destination URL.
    pub url: Option<String>,
    /// New event list.
    pub events: Option<Vec<EventType>>,
    /// Enable or disable. Enabling clears the failure count and the disable reason.
    pub is_active: Option<bool>,
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    /// Waiting for its next attempt (or in flight).
    Pending,
    /// The receiver answered 2xx.
    Succeeded,
    /// Every attempt failed; only a replay sends it again.
    Failed,
}

impl DeliveryStatus {
    /// Stored/rendered name.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Succeeded => "succeeded",
            DeliveryStatus::Failed => "failed",
        }
    }

    /// Parses the stored name.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "pending" => Some(DeliveryStatus::Pending),
            "succeeded" => Some(DeliveryStatus::Succeeded),
            "failed" => Some(DeliveryStatus::Failed),
            _ => None,
        }
    }
}

/// One event for one webhook, with its attempt history summary.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    /// The message id (`msg_...`): the public delivery id and the `webhook-id` header.
    pub id: String,
    /// The event.
    pub event: EventType,
    /// Where it stands.
    pub status: DeliveryStatus,
    /// Attempts made so far (replays included).
    pub attempts: i64,
    /// HTTP status of the last answer (None: no answer, e.g. connection refused or timeout).
    pub last_response_code: Option<i64>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// When the last attempt started.
    pub last_attempt_at: Option<OffsetDateTime>,
    /// When the next attempt is due (pending deliveries).
    pub next_attempt_at: Option<OffsetDateTime>,
    /// When the receiver accepted it.
    pub delivered_at: Option<OffsetDateTime>,
    /// When the event happened.
    pub created_at: OffsetDateTime,
    /// The exact body sent.
    pub payload: String,
}

/// A delivery claimed by a worker for one attempt.
#[derive(Debug, Clone)]
pub struct ClaimedDelivery {
    /// Internal row id.
    pub row_id: i64,
    /// The message id.
    pub message_id: String,
    /// The exact body to send.
    pub payload: String,
    /// This attempt's number (the count after claiming); finishing checks it, so a worker whose
    /// lease ran out cannot overwrite a later attempt.
    pub attempt: i64,
    /// Attempts since the delivery was created or last replayed, this one included (drives the
    /// backoff and the retry budget).
    pub attempt_in_round: i64,
    /// The webhook's row id.
    pub webhook_row_id: i64,
    /// Destination URL.
    pub url: String,
    /// Signing secret.
    pub secret: String,
}

/// The result of one attempt, as recorded by [`crate::Storage::finish_delivery`].
#[derive(Debug, Clone)]
pub struct AttemptOutcome {
    /// The receiver answered 2xx.
    pub succeeded: bool,
    /// HTTP status of the answer, if any.
    pub response_code: Option<u16>,
    /// Why it failed.
    pub error: Option<String>,
    /// When to try again after a failure; `None` gives up (status `failed`).
    pub retry_at: Option<OffsetDateTime>,
    /// Disable the webhook once its consecutive failures reach this number (0: never).
    pub disable_after: u32,
}
