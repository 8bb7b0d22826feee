INSERT IGNORE INTO `{{schema}}`.`{{name}}_migrations` (version) VALUES ({{version}})
