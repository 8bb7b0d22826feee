-- 1: the table. The key is bytes (VARBINARY): compared exactly, never by a
-- collation that folds case or pads spaces (two transactions would then
-- share a key and the second be taken for a duplicate). Times are UTC
-- (UTC_TIMESTAMP), to the microsecond. No partial indexes in MySQL: the
-- failed rows are found through (state, updated_at).
CREATE TABLE IF NOT EXISTS `{{schema}}`.`{{name}}` (
	`key`      VARBINARY(512) NOT NULL,
	state      VARCHAR(16) NOT NULL,
	attempts   INT NOT NULL,
	last_error VARCHAR(2000) NOT NULL DEFAULT '',
	created_at DATETIME(6) NOT NULL,
	updated_at DATETIME(6) NOT NULL,
	PRIMARY KEY (`key`),
	INDEX `{{name}}_failed` (state, updated_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
