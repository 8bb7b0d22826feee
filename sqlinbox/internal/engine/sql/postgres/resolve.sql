-- The schemas of the search_path that hold a table of this name, in order.
SELECT n.nspname
FROM unnest(current_schemas(false)) WITH ORDINALITY AS s(name, pos)
JOIN pg_namespace n ON n.nspname = s.name
JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = $1 AND c.relkind IN ('r', 'p')
ORDER BY s.pos
