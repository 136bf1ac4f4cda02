-- The CashBack ledger: one balance row per account (the cashback.Summary,
-- replaced with its version guard in the same statement that appends the
-- entries) and the append-only entries. Money is NUMERIC, never float.

CREATE TABLE cashback_accounts (
    customer_id     text        NOT NULL,
    currency        text        NOT NULL,
    version         bigint      NOT NULL CHECK (version > 0),
    last_at         timestamptz NOT NULL,
    -- Running totals, for reports; the ledger reads summary.
    lifetime_earned numeric     NOT NULL,
    redeemed        numeric     NOT NULL,
    expired         numeric     NOT NULL,
    reversed        numeric     NOT NULL,
    summary         jsonb       NOT NULL,
    CONSTRAINT cashback_accounts_pkey PRIMARY KEY (customer_id, currency)
);

CREATE TABLE cashback_entries (
    customer_id  text        NOT NULL,
    currency     text        NOT NULL,
    seq          bigint      NOT NULL CHECK (seq > 0),
    kind         text        NOT NULL,
    amount       numeric     NOT NULL CHECK (amount > 0),
    at           timestamptz NOT NULL,
    key          text        NOT NULL,
    fingerprint  text        NOT NULL,
    reason       text        NOT NULL,
    order_id     text        NOT NULL,
    delay_id     text        NOT NULL,
    held         boolean     NOT NULL,
    available_at timestamptz,
    expires_at   timestamptz,
    target       bigint      NOT NULL,
    allocations  jsonb       NOT NULL,
    CONSTRAINT cashback_entries_pkey PRIMARY KEY (customer_id, currency, seq),
    CONSTRAINT cashback_entries_key UNIQUE (customer_id, currency, key),
    CONSTRAINT cashback_entries_account_fkey FOREIGN KEY (customer_id, currency)
        REFERENCES cashback_accounts (customer_id, currency)
);
