CREATE TABLE IF NOT EXISTS `{{schema}}`.`{{name}}_migrations` (version INT NOT NULL PRIMARY KEY) ENGINE=InnoDB
