-- The order record as json, not jsonb: every commit writes the record
-- whole and every load reads it whole, and nothing queries inside it.
-- jsonb parses it into its binary form on each write and prints it back on
-- each read; json only checks the text and keeps it as given. For a record
-- of a few kilobytes that was the larger part of PostgreSQL's CPU per
-- commit (BENCHMARKS.md, River). The operators ->, ->> and #> still work
-- on it for ad hoc queries. Rewrites the table once.
ALTER TABLE orders ALTER COLUMN record TYPE json USING record::json;
