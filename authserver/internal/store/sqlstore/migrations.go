package sqlstore

import (
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
)

// Migration is one schema migration of a dialect package: its version (the
// file name without .sql), which schema_migrations records, and its SQL.
type Migration struct {
	Version string
	SQL     string
}

// Migrations reads the migrations/*.sql files of fsys (a dialect package's
// embedded files) in version order, the order they must be applied in.
func Migrations(fsys fs.FS) ([]Migration, error) {
	names, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	sort.Strings(names)
	out := make([]Migration, 0, len(names))
	for _, name := range names {
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("migrations: %w", err)
		}
		out = append(out, Migration{Version: strings.TrimSuffix(path.Base(name), ".sql"), SQL: string(body)})
	}
	return out, nil
}
