package service

import (
	"context"
	"encoding/csv"
	"io"
	"strconv"
	"strings"

	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

// MaxAuditCSVRows bounds one CSV export; narrow the filters for more.
const MaxAuditCSVRows = 10_000

// AuditCSVRows reads the audit events an export holds: Audit's rule and
// filters, newest first, at most MaxAuditCSVRows from q.PageToken on.
func (s *Service) AuditCSVRows(ctx context.Context, a Actor, q AuditQuery) ([]store.AuditEvent, error) {
	var out []store.AuditEvent
	q.Limit = 1000
	for len(out) < MaxAuditCSVRows {
		page, next, err := s.Audit(ctx, a, q)
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		if next == "" {
			break
		}
		q.PageToken = next
	}
	if len(out) > MaxAuditCSVRows {
		out = out[:MaxAuditCSVRows]
	}
	return out, nil
}

// WriteAuditCSV writes events as CSV (RFC 4180) with a header row. A cell
// a spreadsheet would run as a formula (=, +, -, @, tab, CR first) gets a
// leading apostrophe: audit fields hold names and text from outside.
func WriteAuditCSV(w io.Writer, events []store.AuditEvent) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"id", "time", "actor", "source", "action", "object", "outcome", "detail"})
	for _, e := range events {
		_ = cw.Write([]string{strconv.FormatInt(e.ID, 10), e.Time.UTC().Format("2006-01-02T15:04:05.000000Z07:00"),
			csvCell(e.Actor), csvCell(e.Source), csvCell(e.Action), csvCell(e.Object), csvCell(e.Outcome), csvCell(e.Detail)})
	}
	cw.Flush()
	return cw.Error()
}

func csvCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
