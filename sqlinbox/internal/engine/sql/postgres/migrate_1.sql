-- 1: the table, and a partial index of the failed rows behind Failed (a
-- payment's write pays for no second index). Prune's daily scan needs none.
CREATE TABLE IF NOT EXISTS "{{schema}}"."{{name}}" (
	key        TEXT PRIMARY KEY,
	state      TEXT NOT NULL,
	attempts   INTEGER NOT NULL,
	last_error TEXT NOT NULL DEFAULT '',
	created_at TIMESTAMPTZ NOT NULL,
	updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX IF NOT EXISTS "{{name}}_failed" ON "{{schema}}"."{{name}}" (updated_at) WHERE state = 'failed'
