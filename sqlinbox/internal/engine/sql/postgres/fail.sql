-- A failed attempt, recorded for operators unless an attempt committed done.
INSERT INTO "{{schema}}"."{{name}}" (key, state, attempts, last_error, created_at, updated_at)
VALUES ($1, 'failed', 1, $2, now(), now())
ON CONFLICT (key) DO UPDATE SET state = 'failed', attempts = "{{name}}".attempts + 1, last_error = $2, updated_at = now()
WHERE "{{name}}".state <> 'done'
