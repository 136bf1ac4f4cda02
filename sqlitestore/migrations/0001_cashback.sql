-- The CashBack ledger: one balance row per account (the cashback.Summary
-- as JSON, replaced with its version guard in the same transaction that
-- appends the entries) and the append-only entries. Money is INTEGER minor
-- units (never REAL); times are INTEGER Unix microseconds, UTC. STRICT
-- tables refuse any other type.

CREATE TABLE cashback_accounts (
    customer_id     TEXT    NOT NULL,
    currency        TEXT    NOT NULL,
    version         INTEGER NOT NULL CHECK (version > 0),
    last_at         INTEGER NOT NULL,
    -- Running totals in minor units, for reports; the ledger reads summary.
    lifetime_earned INTEGER NOT NULL,
    redeemed        INTEGER NOT NULL,
    expired         INTEGER NOT NULL,
    reversed        INTEGER NOT NULL,
    summary         TEXT    NOT NULL,
    PRIMARY KEY (customer_id, currency)
) STRICT;

CREATE TABLE cashback_entries (
    customer_id  TEXT    NOT NULL,
    currency     TEXT    NOT NULL,
    seq          INTEGER NOT NULL CHECK (seq > 0),
    kind         TEXT    NOT NULL,
    amount       INTEGER NOT NULL CHECK (amount > 0),
    at           INTEGER NOT NULL,
    key          TEXT    NOT NULL,
    fingerprint  TEXT    NOT NULL,
    reason       TEXT    NOT NULL,
    order_id     TEXT    NOT NULL,
    delay_id     TEXT    NOT NULL,
    held         INTEGER NOT NULL,
    available_at INTEGER,
    expires_at   INTEGER,
    target       INTEGER NOT NULL,
    -- [{"lot":1,"amount":"5.00"}]: amounts as decimal text.
    allocations  TEXT    NOT NULL,
    PRIMARY KEY (customer_id, currency, seq),
    UNIQUE (customer_id, currency, key),
    FOREIGN KEY (customer_id, currency) REFERENCES cashback_accounts (customer_id, currency)
) STRICT;
