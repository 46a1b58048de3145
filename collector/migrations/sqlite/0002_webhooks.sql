-- Webhooks and their delivery outbox. Delivery rows are written in the same transaction as the
-- change that caused the event; the worker claims them with a lease (`locked_until`).

CREATE TABLE webhooks (
    id                   INTEGER PRIMARY KEY,
    program_id           INTEGER NOT NULL REFERENCES programs (id),
    key                  TEXT    NOT NULL UNIQUE,
    name                 TEXT    NOT NULL,
    url                  TEXT    NOT NULL,
    events               TEXT    NOT NULL, -- JSON array of event names
    secret               TEXT    NOT NULL,
    is_active            INTEGER NOT NULL DEFAULT 1,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    disabled_reason      TEXT,
    disabled_at          INTEGER,
    created_at           INTEGER NOT NULL,
    updated_at           INTEGER NOT NULL
);

CREATE INDEX webhooks_by_program ON webhooks (program_id, is_active);

CREATE TABLE webhook_deliveries (
    id               INTEGER PRIMARY KEY,
    webhook_id       INTEGER NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    message_id       TEXT    NOT NULL UNIQUE,
    event            TEXT    NOT NULL,
    payload          TEXT    NOT NULL,
    status           TEXT    NOT NULL DEFAULT 'pending'
                             CHECK (status IN ('pending', 'succeeded', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    round_start      INTEGER NOT NULL DEFAULT 0, -- `attempts` when the last replay happened
    next_attempt_at  INTEGER NOT NULL,
    locked_until     INTEGER,
    last_status_code INTEGER,
    last_error       TEXT,
    last_attempt_at  INTEGER,
    delivered_at     INTEGER,
    created_at       INTEGER NOT NULL
);

CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_by_webhook ON webhook_deliveries (webhook_id, id);
