//! Webhooks: durable, signed, retried and replayable event deliveries.
//!
//! A change that emits an event writes one delivery row per subscribed webhook (the outbox) in
//! the same database transaction as the change itself, so an event is never lost and never sent
//! for a change that rolled back. The [`worker`] claims due deliveries with a lease, POSTs them
//! signed (see [`signature`]) and records the outcome, retrying with exponential backoff
//! ([`backoff`]) and disabling a webhook after too many consecutive failures.

pub mod backoff;
pub mod destination;
pub mod event;
pub mod model;
pub mod signature;
pub mod worker;

pub use event::EventType;
pub use model::{
    AttemptOutcome, ClaimedDelivery, Delivery, DeliveryStatus, NewWebhook, Webhook, WebhookUpdate,
};
pub use worker::{DeliveryWorker, WorkerSettings};
