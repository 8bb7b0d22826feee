-- The cutoff is the database's clock, which wrote updated_at, minus the
-- retention ($1, microseconds): never a replica's clock, which may run ahead.
DELETE FROM "{{schema}}"."{{name}}" WHERE state = 'done' AND updated_at < now() - $1::bigint * interval '1 microsecond'
