-- The cutoff: the database's UTC clock minus the retention (?, microseconds).
DELETE FROM `{{schema}}`.`{{name}}` WHERE state = 'done' AND updated_at < UTC_TIMESTAMP(6) - INTERVAL ? MICROSECOND
