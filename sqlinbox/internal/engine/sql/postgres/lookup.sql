SELECT key, state, attempts, last_error, created_at, updated_at FROM "{{schema}}"."{{name}}" WHERE key = $1
