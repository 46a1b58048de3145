-- Initial schema. Times are microseconds since the Unix epoch; amounts are integer hundredths.

CREATE TABLE meta (
    name  TEXT PRIMARY KEY,
    value BLOB NOT NULL
);

CREATE TABLE programs (
    id         INTEGER PRIMARY KEY,
    public_id  TEXT    NOT NULL UNIQUE,
    type       TEXT    NOT NULL CHECK (type IN ('referral', 'affiliate')),
    settings   TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE api_keys (
    id         INTEGER PRIMARY KEY,
    program_id INTEGER NOT NULL REFERENCES programs (id),
    prefix     TEXT    NOT NULL,
    key_hash   TEXT    NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);
CREATE INDEX api_keys_prefix ON api_keys (prefix);

CREATE TABLE customers (
    id                    INTEGER PRIMARY KEY,
    program_id            INTEGER NOT NULL REFERENCES programs (id),
    public_id             TEXT    NOT NULL,
    key                   TEXT    NOT NULL,
    email                 TEXT,
    name                  TEXT,
    surname               TEXT,
    date_of_birth         TEXT,
    status                TEXT    NOT NULL DEFAULT 'active',
    approved              INTEGER NOT NULL DEFAULT 1,
    source                TEXT    NOT NULL CHECK (source IN ('api', 'browser')),
    tags                  TEXT    NOT NULL DEFAULT '[]',
    referring_customer_id INTEGER REFERENCES customers (id),
    created_at            INTEGER NOT NULL,
    updated_at            INTEGER NOT NULL,
    deleted_at            INTEGER
);
CREATE UNIQUE INDEX customers_key ON customers (program_id, key) WHERE deleted_at IS NULL;
CREATE UNIQUE INDEX customers_public_id ON customers (program_id, public_id) WHERE deleted_at IS NULL;
CREATE INDEX customers_referrer ON customers (referring_customer_id);
CREATE INDEX customers_email ON customers (program_id, email COLLATE NOCASE);

CREATE TABLE visits (
    id           INTEGER PRIMARY KEY,
    program_id   INTEGER NOT NULL REFERENCES programs (id),
    referral_key TEXT    NOT NULL,
    visitor      TEXT    NOT NULL,
    is_unique    INTEGER NOT NULL,
    format       TEXT    NOT NULL,
    landing_url  TEXT    NOT NULL,
    referrer     TEXT,
    user_agent   TEXT,
    ip_hash      TEXT    NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE INDEX visits_key ON visits (program_id, referral_key, visitor, created_at);

CREATE TABLE transactions (
    id           INTEGER PRIMARY KEY,
    program_id   INTEGER NOT NULL REFERENCES programs (id),
    key          TEXT    NOT NULL,
    customer_id  INTEGER NOT NULL REFERENCES customers (id),
    referrer_id  INTEGER REFERENCES customers (id),
    action       TEXT    NOT NULL,
    amount_minor INTEGER NOT NULL,
    amount_units TEXT    NOT NULL,
    is_currency  INTEGER NOT NULL,
    product_id   TEXT,
    product_type TEXT,
    source       TEXT    NOT NULL CHECK (source IN ('api', 'browser')),
    archived     INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    refunded_at  INTEGER
);
CREATE UNIQUE INDEX transactions_key ON transactions (program_id, key);
CREATE INDEX transactions_customer ON transactions (customer_id);
CREATE INDEX transactions_referrer ON transactions (referrer_id);

CREATE TABLE rewards (
    id             INTEGER PRIMARY KEY,
    program_id     INTEGER NOT NULL REFERENCES programs (id),
    customer_id    INTEGER NOT NULL REFERENCES customers (id),
    transaction_id INTEGER REFERENCES transactions (id),
    source_customer_id INTEGER REFERENCES customers (id),
    recipient      TEXT    NOT NULL CHECK (recipient IN ('referrer', 'referred')),
    trigger        TEXT    NOT NULL CHECK (trigger IN ('sale', 'signup')),
    amount_minor   INTEGER NOT NULL,
    amount_units   TEXT    NOT NULL,
    is_currency    INTEGER NOT NULL,
    status         TEXT    NOT NULL CHECK (status IN ('credited', 'pending', 'reversed')),
    created_at     INTEGER NOT NULL
);
CREATE INDEX rewards_customer ON rewards (customer_id);
CREATE INDEX rewards_transaction ON rewards (transaction_id);

-- The balance is the sum of this ledger per unit.
CREATE TABLE balance_entries (
    id           INTEGER PRIMARY KEY,
    program_id   INTEGER NOT NULL REFERENCES programs (id),
    customer_id  INTEGER NOT NULL REFERENCES customers (id),
    kind         TEXT    NOT NULL CHECK (kind IN ('reward', 'credit', 'reversal')),
    reward_id    INTEGER REFERENCES rewards (id),
    amount_minor INTEGER NOT NULL,
    amount_units TEXT    NOT NULL,
    is_currency  INTEGER NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE INDEX balance_entries_customer ON balance_entries (customer_id);
