INSERT INTO "{{schema}}"."{{name}}" (key, state, attempts, last_error, created_at, updated_at)
VALUES (?1, 'failed', 1, ?2, CAST(ROUND((julianday('now') - 2440587.5) * 86400000) AS INTEGER), CAST(ROUND((julianday('now') - 2440587.5) * 86400000) AS INTEGER))
ON CONFLICT (key) DO UPDATE SET state = 'failed', attempts = attempts + 1, last_error = ?2, updated_at = CAST(ROUND((julianday('now') - 2440587.5) * 86400000) AS INTEGER)
WHERE state <> 'done'
