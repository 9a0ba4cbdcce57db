package tokenserver

import (
	"context"
	"strings"
	"time"
	"unicode"
)

// maxSessionClient bounds the client_id kept with a session.
const maxSessionClient = 64

// sessionTouchEvery limits how often a redeemed refresh token's last use is
// written (as for application tokens).
const sessionTouchEvery = time.Minute

// sessionClient is the client_id as a session listing shows it: printable,
// bounded (it comes from the client, unchecked).
func sessionClient(id string) string {
	id = strings.Map(func(r rune) rune {
		if unicode.IsPrint(r) {
			return r
		}
		return -1
	}, id)
	if len(id) > maxSessionClient {
		id = strings.ToValidUTF8(id[:maxSessionClient], "")
	}
	return id
}

// touchSession records that rt was redeemed now from source, at most once
// a minute unless the source changed; best effort (a failed bookkeeping
// write does not refuse a valid refresh).
func (e *Endpoint) touchSession(ctx context.Context, rt RefreshToken, source string) {
	now := e.d.Now()
	if rt.Source == source && !rt.LastUsedAt.IsZero() && now.Sub(rt.LastUsedAt) < sessionTouchEvery {
		return
	}
	if err := e.d.Refresh.TouchRefreshToken(ctx, rt.ID, now.UTC(), source); err != nil {
		e.d.Logger.WarnContext(ctx, "recording a session's use failed", "session", rt.ID, "error", err)
	}
}
