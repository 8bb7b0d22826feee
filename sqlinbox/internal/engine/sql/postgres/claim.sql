-- The claim: the notification's row, upserted as done inside the claim's
-- transaction unless a committed row says done already (then no row is
-- touched: the notification is done). The row lock it takes holds the claim
-- until the transaction ends. It also bounds the transaction's later
-- statements on the server ($2, the hold, or the connection's own
-- statement_timeout where that is shorter: read once, in New).
INSERT INTO "{{schema}}"."{{name}}" (key, state, attempts, last_error, created_at, updated_at)
SELECT $1, 'done', 1, '', now(), now() FROM (SELECT set_config('statement_timeout', $2, true)) AS hold
ON CONFLICT (key) DO UPDATE SET state = 'done', attempts = "{{name}}".attempts + 1, last_error = '', updated_at = now()
WHERE "{{name}}".state <> 'done'
