INSERT INTO "{{schema}}"."{{name}}_migrations" (version) VALUES ({{version}}) ON CONFLICT (version) DO NOTHING
