-- Webhooks and their delivery outbox (mirrors migrations/sqlite/0002_webhooks.sql). Delivery rows
-- are written in the same transaction as the change that caused the event; workers on any
-- instance claim them with `FOR UPDATE SKIP LOCKED` and a lease (`locked_until`).

CREATE TABLE webhooks (
    id                   BIGSERIAL PRIMARY KEY,
    program_id           BIGINT  NOT NULL REFERENCES programs (id),
    key                  TEXT    NOT NULL UNIQUE,
    name                 TEXT    NOT NULL,
    url                  TEXT    NOT NULL,
    events               TEXT    NOT NULL, -- JSON array of event names
    secret               TEXT    NOT NULL,
    is_active            BOOLEAN NOT NULL DEFAULT TRUE,
    consecutive_failures BIGINT  NOT NULL DEFAULT 0,
    disabled_reason      TEXT,
    disabled_at          BIGINT,
    created_at           BIGINT  NOT NULL,
    updated_at           BIGINT  NOT NULL
);

CREATE INDEX webhooks_by_program ON webhooks (program_id, is_active);

CREATE TABLE webhook_deliveries (
    id               BIGSERIAL PRIMARY KEY,
    webhook_id       BIGINT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    message_id       TEXT   NOT NULL UNIQUE,
    event            TEXT   NOT NULL,
    payload          TEXT   NOT NULL,
    status           TEXT   NOT NULL DEFAULT 'pending'
                            CHECK (status IN ('pending', 'succeeded', 'failed')),
    attempts         BIGINT NOT NULL DEFAULT 0,
    round_start      BIGINT NOT NULL DEFAULT 0, -- `attempts` when the last replay happened
    next_attempt_at  BIGINT NOT NULL,
    locked_until     BIGINT,
    last_status_code BIGINT,
    last_error       TEXT,
    last_attempt_at  BIGINT,
    delivered_at     BIGINT,
    created_at       BIGINT NOT NULL
);

CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_by_webhook ON webhook_deliveries (webhook_id, id);
