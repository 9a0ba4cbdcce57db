package events

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/mediatype"
	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

// Limits on what an event may carry; the registry's own limits are lower.
const (
	maxIDLength         = 256
	maxRepositoryLength = 255
	maxTagLength        = 128
	maxDigestLength     = 256
	maxActorLength      = 256
)

// wireEvent is the registry's notification event (distribution's
// notifications.Event), reduced to the fields Dockmaster reads.
type wireEvent struct {
	ID        string    `json:"id"`
	Timestamp time.Time `json:"timestamp"`
	Action    string    `json:"action"`
	Target    struct {
		MediaType  string `json:"mediaType"`
		Size       int64  `json:"size"`
		Digest     string `json:"digest"`
		Length     int64  `json:"length"`
		Repository string `json:"repository"`
		URL        string `json:"url"`
		Tag        string `json:"tag"`
	} `json:"target"`
	Actor struct {
		Name string `json:"name"`
	} `json:"actor"`
	Request struct {
		Method string `json:"method"`
	} `json:"request"`
}

// Skipped is an event of the envelope that is not applied, and why.
type Skipped struct {
	ID     string
	Reason string
	// Rejected: the event names a repository or tag outside the grammar
	// every other entry point enforces — hostile or broken, never stored.
	Rejected bool
}

// DecodeEnvelope parses a notification envelope {"events": [...]}. Each
// event is decoded on its own, so one bad event does not hide the others:
// the ones to apply come back as RegistryEvents, the others as Skipped. The
// error is for an envelope that is not JSON or has no events array.
func DecodeEnvelope(body []byte) ([]store.RegistryEvent, []Skipped, error) {
	// Every event well-formed, as the registry sends them: one pass.
	var whole struct {
		Events []wireEvent `json:"events"`
	}
	if json.Unmarshal(body, &whole) == nil && whole.Events != nil {
		var d decoded
		for _, w := range whole.Events {
			d.add(w)
		}
		return d.out, d.skipped, nil
	}
	return decodeEach(body)
}

// decodeEach is DecodeEnvelope event by event, which tells the malformed
// events apart.
func decodeEach(body []byte) ([]store.RegistryEvent, []Skipped, error) {
	var env struct {
		Events []json.RawMessage `json:"events"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, nil, fmt.Errorf("envelope: %w", err)
	}
	if env.Events == nil {
		return nil, nil, fmt.Errorf("envelope: no events")
	}
	var d decoded
	for i, raw := range env.Events {
		var w wireEvent
		if err := json.Unmarshal(raw, &w); err != nil {
			d.skipped = append(d.skipped, Skipped{ID: fmt.Sprintf("#%d", i), Reason: "malformed event"})
			continue
		}
		d.add(w)
	}
	return d.out, d.skipped, nil
}

// decoded is what DecodeEnvelope returns.
type decoded struct {
	out     []store.RegistryEvent
	skipped []Skipped
}

// add checks w and adds it to the events or the skipped ones.
func (d *decoded) add(w wireEvent) {
	e, reason := convert(w)
	if reason != "" {
		d.skipped = append(d.skipped, Skipped{ID: truncate(w.ID, maxIDLength), Reason: reason})
		return
	}
	if reason := outsideGrammar(e); reason != "" {
		d.skipped = append(d.skipped, Skipped{ID: truncate(w.ID, maxIDLength), Reason: reason, Rejected: true})
		return
	}
	d.out = append(d.out, e)
}

// convert checks one event and turns it into a store event; a non-empty
// reason says why it is ignored.
func convert(w wireEvent) (store.RegistryEvent, string) {
	t := w.Target
	switch {
	case w.ID == "" || len(w.ID) > maxIDLength:
		return store.RegistryEvent{}, "missing or overlong id"
	case t.Repository == "" || len(t.Repository) > maxRepositoryLength:
		return store.RegistryEvent{}, "missing or overlong repository"
	case len(t.Tag) > maxTagLength, len(t.Digest) > maxDigestLength:
		return store.RegistryEvent{}, "overlong tag or digest"
	case !printable(w.ID) || !printable(t.Repository) || !printable(t.Tag) || !printable(t.Digest):
		return store.RegistryEvent{}, "control characters"
	}
	// Parsed once: the check below and the stored media type both use it.
	mt := mediatype.Base(t.MediaType)
	switch w.Action {
	case store.ActionPush, store.ActionPull:
		if !mediatype.IsManifestBase(mt) {
			return store.RegistryEvent{}, "not a manifest: " + truncate(t.MediaType, 100)
		}
		if t.Digest == "" {
			return store.RegistryEvent{}, "manifest event without digest"
		}
	case store.ActionDelete:
		// Deletes carry no media type; one that does must be a manifest.
		if t.MediaType != "" && !mediatype.IsManifestBase(mt) {
			return store.RegistryEvent{}, "not a manifest: " + truncate(t.MediaType, 100)
		}
	default:
		return store.RegistryEvent{}, "action not applied: " + truncate(w.Action, 20)
	}
	// A HEAD only checks that the manifest is there (docker pull, crane
	// digest): not a pull, so neither the counts nor the activity see it.
	if w.Action == store.ActionPull && strings.EqualFold(w.Request.Method, http.MethodHead) {
		return store.RegistryEvent{}, "a HEAD request, not a pull"
	}
	size := t.Size
	if size <= 0 {
		size = t.Length
	}
	if size < 0 {
		size = 0
	}
	return store.RegistryEvent{
		ID:         w.ID,
		Action:     w.Action,
		Repository: t.Repository,
		Tag:        t.Tag,
		Digest:     t.Digest,
		MediaType:  mt,
		Size:       size,
		Actor:      truncate(w.Actor.Name, maxActorLength),
		Timestamp:  w.Timestamp,
	}, ""
}

// outsideGrammar says why e's repository or tag is outside the name grammar
// (rbac's, the one users, scopes and the sync go through), or "".
func outsideGrammar(e store.RegistryEvent) string {
	switch {
	case !rbac.ValidRepositoryName(e.Repository):
		return "repository name outside the grammar: " + strconv.Quote(truncate(e.Repository, 100))
	case e.Tag != "" && !rbac.ValidTag(e.Tag):
		return "tag outside the grammar: " + strconv.Quote(truncate(e.Tag, 100))
	}
	return ""
}

func printable(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}
