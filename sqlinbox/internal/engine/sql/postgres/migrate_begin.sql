-- Read committed whatever the database's default, so that a replica that
-- gets the lock after another migrated reads the new version; the advisory
-- lock (a transaction's, which a pooler in transaction mode keeps) orders
-- replicas that start together.
BEGIN ISOLATION LEVEL READ COMMITTED;
SELECT pg_advisory_xact_lock({{lock}})
