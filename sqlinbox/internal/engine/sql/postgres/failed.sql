SELECT key, state, attempts, last_error, created_at, updated_at FROM "{{schema}}"."{{name}}"
WHERE state = 'failed' ORDER BY updated_at DESC, key LIMIT $1
