package sqlinbox

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"strings"
)

// tableName is the inbox's table, resolved once in New to the schema that
// holds it and used qualified from then on: a connection whose search_path
// differs (a redeploy, a pooler) reaches the same table, never a second,
// empty one beside it.
type tableName struct {
	schema, name string
}

// identifier is what WithTable accepts in each part: a plain SQL
// identifier, so that a name is never SQL.
var identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,47}$`)

// parseTableName splits "name" or "schema.name" and checks each part.
func parseTableName(s string) (tableName, error) {
	schema, name, qualified := strings.Cut(s, ".")
	if !qualified {
		schema, name = "", s
	}
	if !identifier.MatchString(name) || (qualified && !identifier.MatchString(schema)) {
		return tableName{}, fmt.Errorf("sqlinbox: New: table name %q is not a plain identifier or schema.identifier (letters, digits, underscores, at most 48 each)", s)
	}
	return tableName{schema: schema, name: name}, nil
}

// String is the qualified name for messages: schema.name.
func (t tableName) String() string { return t.schema + "." + t.name }

// sql is the qualified name as SQL.
func (t tableName) sql() string { return quoteIdent(t.schema) + "." + quoteIdent(t.name) }

// migrations is the table that records the schema's versions.
func (t tableName) migrations() string {
	return quoteIdent(t.schema) + "." + quoteIdent(t.name+"_migrations")
}

// index is an index of the table, named after it (an index lives in its
// table's schema).
func (t tableName) index(suffix string) string { return quoteIdent(t.name + "_" + suffix) }

func quoteIdent(s string) string { return `"` + s + `"` }

// resolve fixes the table's schema. A schema given with WithTable is kept;
// otherwise PostgreSQL's search_path decides: the schema that already holds
// a table of that name, or else the first schema new tables go to. A name
// found in two schemas of the search path is refused, since either could be
// the inbox: the merchant names one. SQLite's is "main".
func (t tableName) resolve(ctx context.Context, db *sql.DB, d Dialect) (tableName, error) {
	if d == SQLite {
		if t.schema == "" {
			t.schema = "main"
		}
		return t, nil
	}
	// PostgreSQL folds unquoted names to lower case; so do these.
	t.name = strings.ToLower(t.name)
	if t.schema != "" {
		t.schema = strings.ToLower(t.schema)
		return t, nil
	}
	rows, err := db.QueryContext(ctx, `SELECT n.nspname
FROM unnest(current_schemas(false)) WITH ORDINALITY AS s(name, pos)
JOIN pg_namespace n ON n.nspname = s.name
JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = $1 AND c.relkind IN ('r', 'p')
ORDER BY s.pos`, t.name)
	if err != nil {
		return t, fmt.Errorf("sqlinbox: finding the schema of %s: %w", t.name, err)
	}
	var found []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return t, fmt.Errorf("sqlinbox: finding the schema of %s: %w", t.name, err)
		}
		found = append(found, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return t, fmt.Errorf("sqlinbox: finding the schema of %s: %w", t.name, err)
	}
	switch len(found) {
	case 1:
		t.schema = found[0]
		return t, nil
	case 0:
		var current sql.NullString
		if err := db.QueryRowContext(ctx, `SELECT current_schema()`).Scan(&current); err != nil {
			return t, fmt.Errorf("sqlinbox: finding the schema of %s: %w", t.name, err)
		}
		if !current.Valid {
			return t, fmt.Errorf("sqlinbox: no schema of the search_path exists to create %s in: name one with WithTable(\"schema.%s\")", t.name, t.name)
		}
		t.schema = current.String
		return t, nil
	}
	return t, fmt.Errorf("sqlinbox: a table %s exists in each of the schemas %s of the search_path: name the inbox's with WithTable(\"%s.%s\")",
		t.name, strings.Join(found, ", "), found[len(found)-1], t.name)
}
