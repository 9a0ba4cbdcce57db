package tokenserver

import (
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
)

// Header values of every token response, shared: net/http only reads them.
var (
	hdrJSON    = []string{"application/json"}
	hdrNoStore = []string{"no-store"}
	hdrNoCache = []string{"no-cache"}
)

var respBufs = sync.Pool{New: func() any { b := make([]byte, 0, 2048); return &b }}

// writeTokenResponse writes resp exactly as json.NewEncoder(w).Encode(resp)
// would (same field order, escaping and trailing newline), without
// reflection: the token response is on every registry pull and push.
func writeTokenResponse(w http.ResponseWriter, resp *tokenResponse) {
	h := w.Header()
	h["Content-Type"] = hdrJSON
	h["Cache-Control"] = hdrNoStore
	h["Pragma"] = hdrNoCache
	bp := respBufs.Get().(*[]byte)
	b := appendTokenResponse((*bp)[:0], resp)
	_, _ = w.Write(b)
	if cap(b) <= 64<<10 {
		*bp = b
		respBufs.Put(bp)
	}
}

func appendTokenResponse(b []byte, r *tokenResponse) []byte {
	b = append(b, `{"token":`...)
	b = appendJSONString(b, r.Token)
	b = append(b, `,"access_token":`...)
	b = appendJSONString(b, r.AccessToken)
	b = append(b, `,"expires_in":`...)
	b = strconv.AppendInt(b, int64(r.ExpiresIn), 10)
	b = append(b, `,"issued_at":`...)
	b = appendJSONString(b, r.IssuedAt)
	if r.RefreshToken != "" {
		b = append(b, `,"refresh_token":`...)
		b = appendJSONString(b, r.RefreshToken)
	}
	if r.Scope != "" {
		b = append(b, `,"scope":`...)
		b = appendJSONString(b, r.Scope)
	}
	return append(b, "}\n"...)
}

// appendJSONString appends s as encoding/json encodes it. Printable ASCII
// without '"', '\\', '<', '>' and '&' (tokens, times, repository names) is
// copied; anything else goes through encoding/json.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
