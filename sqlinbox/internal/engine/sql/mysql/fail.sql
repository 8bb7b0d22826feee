INSERT INTO `{{schema}}`.`{{name}}` (`key`, state, attempts, last_error, created_at, updated_at)
VALUES (?, 'failed', 1, ?, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6))
ON DUPLICATE KEY UPDATE
	attempts = IF(state = 'done', attempts, attempts + 1),
	last_error = IF(state = 'done', last_error, ?),
	updated_at = IF(state = 'done', updated_at, UTC_TIMESTAMP(6)),
	state = IF(state = 'done', 'done', 'failed')
