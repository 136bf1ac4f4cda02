-- Budget versions (postpurchase.Store.Commit, "Budgets"): one row per
-- customer credited and one for the brand (customer_id ''), whose version
-- grows by one with every commit that adds credit for it. CreditTotal
-- reads it with the total; a commit that adds credit checks the versions
-- its decision read and bumps them in its transaction, so two commits
-- decided on the same total cannot both add credit. Rows are never
-- deleted: a missing row is version 0.
CREATE TABLE budget_versions (
    customer_id text   NOT NULL,
    version     bigint NOT NULL CHECK (version > 0),
    CONSTRAINT budget_versions_pkey PRIMARY KEY (customer_id)
);
