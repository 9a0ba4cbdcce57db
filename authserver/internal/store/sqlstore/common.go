package sqlstore

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

// Page sizes: 0 means defaultLimit; others are clamped to 1..maxLimit.
const (
	defaultLimit = 100
	maxLimit     = 1000
)

func limit(n int) int {
	switch {
	case n == 0:
		return defaultLimit
	case n < 1:
		return 1
	case n > maxLimit:
		return maxLimit
	}
	return n
}

var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// likeEscape escapes LIKE's wildcards; patterns use ESCAPE '\'.
func likeEscape(s string) string { return likeEscaper.Replace(s) }

// filter collects WHERE conditions and their arguments.
type filter struct {
	conds []string
	args  []any
}

func (f *filter) add(cond string, args ...any) {
	f.conds = append(f.conds, cond)
	f.args = append(f.args, args...)
}

// page adds ListOptions' After (keyset) and Query (case-insensitive
// substring) conditions on col.
func (f *filter) page(col string, opt store.ListOptions) {
	if opt.After != "" {
		f.add(col+" > ?", opt.After)
	}
	if opt.Query != "" {
		f.add("lower("+col+`) LIKE ? ESCAPE '\'`, "%"+likeEscape(strings.ToLower(opt.Query))+"%")
	}
}

func (f *filter) where() string {
	if len(f.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(f.conds, " AND ")
}

// nullStr stores "" as NULL (optional references).
func nullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// orNow returns t in the stored precision, or now when t is zero.
func orNow(t, now time.Time) time.Time {
	if t.IsZero() {
		return now
	}
	return t.UTC().Truncate(time.Microsecond)
}

// exists reports whether q returns a row.
func (t *dbtx) exists(q string, args ...any) (bool, error) {
	var one int
	err := t.get(q, args, &one)
	if errors.Is(err, ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// execFound runs q, an UPDATE or DELETE of one named object, and reports
// store.ErrNotFound when it affected no row; errors are prefixed with what.
func (t *dbtx) execFound(what, q string, args ...any) error {
	n, err := t.exec(q, args...)
	if err == nil && n == 0 {
		err = store.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// sortRoles deduplicates roles and orders them lowest first.
func sortRoles(set map[rbac.Role]bool) []rbac.Role {
	out := []rbac.Role{}
	for _, r := range rbac.Roles {
		if set[r] {
			out = append(out, r)
		}
	}
	return out
}
