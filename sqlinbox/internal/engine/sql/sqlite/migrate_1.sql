-- 1: the table (the key is the row's place: one b-tree, not two), and a
-- partial index of the failed rows behind Failed. SQLite names an index's
-- schema on the index, not on its table.
CREATE TABLE IF NOT EXISTS "{{schema}}"."{{name}}" (
	key        TEXT PRIMARY KEY,
	state      TEXT NOT NULL,
	attempts   INTEGER NOT NULL,
	last_error TEXT NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS "{{schema}}"."{{name}}_failed" ON "{{name}}" (updated_at) WHERE state = 'failed'
