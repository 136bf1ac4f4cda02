-- The Engine's store (postpurchase.Store): one row per order holding the
-- OrderRecord as JSON (the shipments' tracking state inside it), an index
-- row per shipment for lookups by tracking number and the due list, the
-- journal, and the outbox of effects, each written by Commit in one
-- transaction guarded by the order's version. Times are INTEGER Unix
-- microseconds (UTC); credit amounts INTEGER minor units with their
-- currency's decimal places beside them.

CREATE TABLE orders (
    order_id    TEXT    NOT NULL PRIMARY KEY,
    customer_id TEXT    NOT NULL,
    version     INTEGER NOT NULL CHECK (version > 0),
    record      TEXT    NOT NULL
) STRICT;
-- The hub's lookups: a customer's orders.
CREATE INDEX orders_customer ON orders (customer_id);

CREATE TABLE shipments (
    order_id        TEXT    NOT NULL REFERENCES orders (order_id),
    shipment_id     TEXT    NOT NULL,
    carrier         TEXT    NOT NULL,
    tracking_number TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    next_check      INTEGER,
    -- Which commit wrote the row last: the latest order wins a tracking
    -- number two orders share.
    touched         INTEGER NOT NULL,
    PRIMARY KEY (order_id, shipment_id)
) STRICT;
CREATE INDEX shipments_number ON shipments (carrier, tracking_number, touched DESC);
-- The due list: only shipments with a next check, earliest first.
CREATE INDEX shipments_due ON shipments (next_check, shipment_id) WHERE next_check IS NOT NULL;

CREATE TABLE journal (
    n        INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id TEXT    NOT NULL,
    seq      INTEGER NOT NULL,
    entry    TEXT    NOT NULL
) STRICT;
CREATE INDEX journal_order ON journal (order_id, n);

CREATE TABLE effects (
    n               INTEGER PRIMARY KEY AUTOINCREMENT,
    effect_id       TEXT    NOT NULL UNIQUE,
    order_id        TEXT    NOT NULL,
    decided_at      INTEGER NOT NULL,
    effect          TEXT    NOT NULL,
    state           TEXT    NOT NULL CHECK (state IN ('pending', 'done')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT    NOT NULL DEFAULT '',
    done_at         INTEGER,
    due_at          INTEGER NOT NULL,
    token           TEXT,
    lease_until     INTEGER,
    -- Credit effects: whose and how much (minor units, with the currency's
    -- decimal places), for the budgets' CreditTotal.
    credit_customer TEXT,
    credit_minor    INTEGER,
    credit_places   INTEGER
) STRICT;
CREATE INDEX effects_order ON effects (order_id, n);
-- The outbox: pending effects in commit order.
CREATE INDEX effects_pending ON effects (n) WHERE state = 'pending';
CREATE INDEX effects_credit ON effects (credit_customer, decided_at) WHERE credit_minor IS NOT NULL;
CREATE INDEX effects_credit_all ON effects (decided_at) WHERE credit_minor IS NOT NULL;
