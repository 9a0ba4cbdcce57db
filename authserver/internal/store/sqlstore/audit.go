package sqlstore

import (
	"context"
	"fmt"
	"unicode/utf8"

	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

// AppendAudit records an event; the store assigns ID, and Time when zero.
func (s *Store) AppendAudit(ctx context.Context, e store.AuditEvent) error {
	e.Time = orNow(e.Time, s.now())
	return s.write(ctx, func(t *dbtx) error {
		if _, err := t.exec(`INSERT INTO audit (at, actor, source, action, object, outcome, detail)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, ts(e.Time), e.Actor, e.Source, e.Action, e.Object, e.Outcome, e.Detail); err != nil {
			return fmt.Errorf("audit %s %s: %w", e.Action, e.Object, err)
		}
		return nil
	})
}

// ListAudit lists events newest first (by ID). Since is inclusive, Until
// exclusive.
func (s *Store) ListAudit(ctx context.Context, af store.AuditFilter) ([]store.AuditEvent, error) {
	var f filter
	if af.Actor != "" {
		f.add("actor = ?", af.Actor)
	}
	if af.Action != "" {
		f.add("action = ?", af.Action)
	}
	if af.Object != "" {
		// substr, not LIKE: LIKE's case sensitivity differs between dialects.
		f.add("substr(object, 1, ?) = ?", utf8.RuneCountInString(af.Object), af.Object)
	}
	if !af.Since.IsZero() {
		f.add("at >= ?", ts(af.Since))
	}
	if !af.Until.IsZero() {
		f.add("at < ?", ts(af.Until))
	}
	if af.BeforeID > 0 {
		f.add("id < ?", af.BeforeID)
	}
	out := []store.AuditEvent{}
	err := s.read(ctx, func(t *dbtx) error {
		return t.query(`SELECT id, at, actor, source, action, object, outcome, detail FROM audit`+f.where()+
			` ORDER BY id DESC LIMIT ?`, append(f.args, limit(af.Limit)), func(scan func(...any) error) error {
			var e store.AuditEvent
			err := scan(&e.ID, tsScan(&e.Time), &e.Actor, &e.Source, &e.Action, &e.Object, &e.Outcome, &e.Detail)
			out = append(out, e)
			return err
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list audit: %w", err)
	}
	return out, nil
}
