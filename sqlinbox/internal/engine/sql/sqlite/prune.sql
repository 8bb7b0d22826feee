-- The cutoff: now minus the retention (?1, milliseconds).
DELETE FROM "{{schema}}"."{{name}}" WHERE state = 'done' AND updated_at < CAST(ROUND((julianday('now') - 2440587.5) * 86400000) AS INTEGER) - ?1
