-- Budget versions (postpurchase.Store.Commit, "Budgets"): one row per
-- customer credited and one for the brand (customer_id ''), whose version
-- grows by one with every commit that adds credit for it. CreditTotal
-- reads it with the total; a commit that adds credit checks the versions
-- its decision read and bumps them in its transaction, so two commits
-- decided on the same total cannot both add credit. Rows are never
-- deleted: a missing row is version 0.
--
-- Upgrading: stop every process running a release without budget versions
-- before applying this. Store operations do not refuse a newer schema, so
-- such a process keeps running on the migrated database and commits credit
-- without bumping these rows: a commit of the new code decided on the same
-- budget still passes its check, and the two together can go over it.
CREATE TABLE budget_versions (
    customer_id text   NOT NULL,
    version     bigint NOT NULL CHECK (version > 0),
    CONSTRAINT budget_versions_pkey PRIMARY KEY (customer_id)
);
