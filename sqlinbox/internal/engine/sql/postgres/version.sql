SELECT MAX(version) FROM "{{schema}}"."{{name}}_migrations"
