CREATE TABLE IF NOT EXISTS "{{schema}}"."{{name}}_migrations" (version INTEGER PRIMARY KEY)
