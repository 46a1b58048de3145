-- Affiliate programs: partners, referral links (owned by a partner or a customer), coupons and
-- partner commissions; partner and link attribution on customers and transactions.

CREATE TABLE partners (
    id                   INTEGER PRIMARY KEY,
    program_id           INTEGER NOT NULL REFERENCES programs (id),
    public_id            TEXT    NOT NULL,
    key                  TEXT    NOT NULL,
    email                TEXT,
    name                 TEXT,
    surname              TEXT,
    status               TEXT    NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'archived')),
    referring_partner_id INTEGER REFERENCES partners (id),
    created_at           INTEGER NOT NULL,
    updated_at           INTEGER NOT NULL,
    deleted_at           INTEGER
);
CREATE UNIQUE INDEX partners_key ON partners (program_id, key) WHERE deleted_at IS NULL;
CREATE UNIQUE INDEX partners_public_id ON partners (program_id, public_id) WHERE deleted_at IS NULL;

CREATE TABLE referral_links (
    id              INTEGER PRIMARY KEY,
    program_id      INTEGER NOT NULL REFERENCES programs (id),
    public_id       TEXT    NOT NULL,
    key             TEXT    NOT NULL,
    partner_id      INTEGER REFERENCES partners (id),
    customer_id     INTEGER REFERENCES customers (id),
    domain          TEXT,
    is_default      INTEGER NOT NULL DEFAULT 0,
    label           TEXT,
    destination_url TEXT,
    utm             TEXT    NOT NULL DEFAULT '{}',
    short_code      TEXT    NOT NULL UNIQUE,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    deleted_at      INTEGER
);
CREATE UNIQUE INDEX referral_links_key ON referral_links (program_id, key) WHERE deleted_at IS NULL;
CREATE UNIQUE INDEX referral_links_public_id ON referral_links (program_id, public_id) WHERE deleted_at IS NULL;
CREATE INDEX referral_links_partner ON referral_links (partner_id);
CREATE INDEX referral_links_customer ON referral_links (customer_id);

CREATE TABLE coupons (
    id             INTEGER PRIMARY KEY,
    program_id     INTEGER NOT NULL REFERENCES programs (id),
    code           TEXT    NOT NULL,
    partner_id     INTEGER NOT NULL REFERENCES partners (id),
    discount_type  TEXT    NOT NULL CHECK (discount_type IN ('percentage', 'fixed')),
    discount_value INTEGER NOT NULL,
    description    TEXT,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    deleted_at     INTEGER
);
CREATE UNIQUE INDEX coupons_code ON coupons (program_id, code) WHERE deleted_at IS NULL;

CREATE TABLE commissions (
    id             INTEGER PRIMARY KEY,
    program_id     INTEGER NOT NULL REFERENCES programs (id),
    partner_id     INTEGER NOT NULL REFERENCES partners (id),
    transaction_id INTEGER NOT NULL REFERENCES transactions (id),
    link_id        INTEGER REFERENCES referral_links (id),
    amount_minor   INTEGER NOT NULL,
    amount_units   TEXT    NOT NULL,
    is_currency    INTEGER NOT NULL,
    status         TEXT    NOT NULL CHECK (status IN ('pending', 'paid', 'reversed')),
    created_at     INTEGER NOT NULL,
    paid_at        INTEGER
);
CREATE INDEX commissions_partner ON commissions (partner_id, status);
CREATE INDEX commissions_transaction ON commissions (transaction_id);

ALTER TABLE customers ADD COLUMN partner_id INTEGER REFERENCES partners (id);
ALTER TABLE customers ADD COLUMN link_id INTEGER REFERENCES referral_links (id);
CREATE INDEX customers_partner ON customers (partner_id);
CREATE INDEX customers_link ON customers (link_id);

ALTER TABLE transactions ADD COLUMN partner_id INTEGER REFERENCES partners (id);
ALTER TABLE transactions ADD COLUMN link_id INTEGER REFERENCES referral_links (id);
ALTER TABLE transactions ADD COLUMN coupon_id INTEGER REFERENCES coupons (id);
CREATE INDEX transactions_partner ON transactions (partner_id);
CREATE INDEX transactions_link ON transactions (link_id);

-- Server-side short-link clicks are visits with format 'short'; this index finds the click a
-- later tracker visit of the same browser merges into. Partial, so the tracker's own visits (the
-- hot ingest path) never write to it.
CREATE INDEX visits_short ON visits (program_id, referral_key, ip_hash, created_at)
    WHERE format = 'short';
