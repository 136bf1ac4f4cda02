-- The Engine's store (postpurchase.Store): one row per order holding the
-- OrderRecord as jsonb (the shipments' tracking state inside it), an index
-- row per shipment for lookups by tracking number and the due list, the
-- journal, and the outbox of effects, each written by Commit in one
-- transaction guarded by the order's version.

CREATE TABLE orders (
    order_id    text   NOT NULL,
    customer_id text   NOT NULL,
    version     bigint NOT NULL CHECK (version > 0),
    record      jsonb  NOT NULL,
    CONSTRAINT orders_pkey PRIMARY KEY (order_id)
);
-- The hub's lookups: a customer's orders.
CREATE INDEX orders_customer ON orders (customer_id);

CREATE SEQUENCE shipments_touch;

CREATE TABLE shipments (
    order_id        text        NOT NULL REFERENCES orders (order_id),
    shipment_id     text        NOT NULL,
    carrier         text        NOT NULL,
    tracking_number text        NOT NULL,
    status          text        NOT NULL,
    next_check      timestamptz,
    -- Which commit wrote the row last: the latest order wins a tracking
    -- number two orders share.
    touched         bigint      NOT NULL DEFAULT nextval('shipments_touch'),
    CONSTRAINT shipments_pkey PRIMARY KEY (order_id, shipment_id)
);
CREATE INDEX shipments_number ON shipments (carrier, tracking_number, touched DESC);
-- The due list: only shipments with a next check, earliest first.
CREATE INDEX shipments_due ON shipments (next_check, shipment_id) WHERE next_check IS NOT NULL;

CREATE TABLE journal (
    order_id text   NOT NULL,
    n        bigint GENERATED ALWAYS AS IDENTITY,
    seq      bigint NOT NULL,
    entry    jsonb  NOT NULL,
    CONSTRAINT journal_pkey PRIMARY KEY (order_id, n)
);

CREATE TABLE effects (
    effect_id       text        NOT NULL,
    n               bigint      GENERATED ALWAYS AS IDENTITY,
    order_id        text        NOT NULL,
    decided_at      timestamptz NOT NULL,
    effect          jsonb       NOT NULL,
    state           text        NOT NULL CHECK (state IN ('pending', 'done')),
    attempts        integer     NOT NULL DEFAULT 0,
    last_error      text        NOT NULL DEFAULT '',
    done_at         timestamptz,
    due_at          timestamptz NOT NULL,
    token           text,
    lease_until     timestamptz,
    -- Credit effects: whose and how much, for the budgets' CreditTotal.
    credit_customer text,
    credit_amount   numeric,
    CONSTRAINT effects_pkey PRIMARY KEY (effect_id)
);
CREATE INDEX effects_order ON effects (order_id, n);
-- The outbox: pending effects in commit order.
CREATE INDEX effects_pending ON effects (n) WHERE state = 'pending';
CREATE INDEX effects_credit ON effects (credit_customer, decided_at) WHERE credit_amount IS NOT NULL;
CREATE INDEX effects_credit_all ON effects (decided_at) WHERE credit_amount IS NOT NULL;
