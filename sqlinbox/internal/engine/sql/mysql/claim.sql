-- The claim: the notification's row, upserted as done inside the claim's
-- transaction unless a committed row says done already. MySQL assigns left
-- to right, each assignment seeing the ones before, so state comes last.
-- Rows affected: 1 inserted, 2 updated (acquired); 0 unchanged (done).
INSERT INTO `{{schema}}`.`{{name}}` (`key`, state, attempts, last_error, created_at, updated_at)
VALUES (?, 'done', 1, '', UTC_TIMESTAMP(6), UTC_TIMESTAMP(6))
ON DUPLICATE KEY UPDATE
	attempts = IF(state = 'done', attempts, attempts + 1),
	last_error = IF(state = 'done', last_error, ''),
	updated_at = IF(state = 'done', updated_at, UTC_TIMESTAMP(6)),
	state = 'done'
