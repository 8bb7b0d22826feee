-- The claim: the notification's row, upserted as done inside the claim's
-- transaction unless a committed row says done already. Its write takes
-- SQLite's write lock, which holds the claim until the transaction ends.
-- Times are Unix milliseconds, written with julianday, which every SQLite
-- has (unixepoch('subsec') needs 3.42).
INSERT INTO "{{schema}}"."{{name}}" (key, state, attempts, last_error, created_at, updated_at)
VALUES (?1, 'done', 1, '', CAST(ROUND((julianday('now') - 2440587.5) * 86400000) AS INTEGER), CAST(ROUND((julianday('now') - 2440587.5) * 86400000) AS INTEGER))
ON CONFLICT (key) DO UPDATE SET state = 'done', attempts = attempts + 1, last_error = '', updated_at = CAST(ROUND((julianday('now') - 2440587.5) * 86400000) AS INTEGER)
WHERE state <> 'done'
