package web

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/mediatype"
	"github.com/dockmaster/dockmaster/authserver/internal/service"
	"github.com/dockmaster/dockmaster/internal/apiv1"
)

type pageTemplate struct{ t *template.Template }

// view is what the layout renders around a page's data.
type view struct {
	Title     string
	Viewer    *viewer
	Query     string
	Flash     string
	Data      any
	Status    int
	Autofocus bool
}

var funcs = template.FuncMap{
	"when": when,
	"ago":  ago,
	"size": humanSize,
	"kind": manifestKind,
	"tagKind": func(kind, mt string) string {
		if kind != "" {
			return kind
		}
		return manifestKind(mt)
	},
	"join":  strings.Join,
	"short": shortDigest,
	"add":   func(a, b int) int { return a + b },
	"query": func(kv ...string) template.URL {
		var b strings.Builder
		for i := 0; i+1 < len(kv); i += 2 {
			if i > 0 {
				b.WriteByte('&')
			}
			b.WriteString(template.URLQueryEscaper(kv[i]) + "=" + template.URLQueryEscaper(kv[i+1]))
		}
		return template.URL(b.String())
	},
}

func parsePages() (map[string]*pageTemplate, error) {
	layout, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html")
	if err != nil {
		return nil, err
	}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	out := map[string]*pageTemplate{}
	for _, n := range names {
		base := strings.TrimSuffix(path.Base(n), ".html")
		if base == "layout" {
			continue
		}
		t, err := template.Must(layout.Clone()).ParseFS(templateFS, n)
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", n, err)
		}
		out[base] = &pageTemplate{t: t}
	}
	return out, nil
}

// render writes page name inside the layout.
func (w *Web) render(rw http.ResponseWriter, r *http.Request, v *viewer, status int, name, title string, data any) error {
	return w.renderView(rw, r, status, name, view{Title: title, Viewer: v, Data: data, Query: r.URL.Query().Get("q"),
		Flash: r.URL.Query().Get("msg")})
}

func (w *Web) renderView(rw http.ResponseWriter, r *http.Request, status int, name string, vw view) error {
	pt, ok := w.pages[name]
	if !ok {
		return fmt.Errorf("web: no template %q", name)
	}
	vw.Status = status
	var buf bytes.Buffer
	if err := pt.t.ExecuteTemplate(&buf, "layout.html", vw); err != nil {
		return fmt.Errorf("web: render %s: %w", name, err)
	}
	rw.Header().Set("Content-Type", "text/html; charset=utf-8")
	rw.WriteHeader(status)
	_, _ = buf.WriteTo(rw)
	return nil
}

type errorData struct {
	Message string
	Hint    string
	Login   string
}

// renderError renders err (a service error, a plain message or a fault)
// as a page that says what to do. status 0 means: from the error's code.
func (w *Web) renderError(rw http.ResponseWriter, r *http.Request, v *viewer, status int, err error) {
	if v == nil {
		v = &viewer{}
	}
	var se *service.Error
	msg, hint := "", ""
	if errors.As(err, &se) || status == 0 {
		e := service.AsError(err)
		msg = e.Message
		if e.Field != "" {
			msg = e.Field + ": " + e.Message
		}
		if status == 0 {
			status = apiv1.HTTPStatus(e.Code)
		}
		switch e.Code {
		case apiv1.CodeNotFound:
			hint = "It does not exist, or you may not see it. Search for it from the home page."
		case apiv1.CodeForbidden:
			hint = "Ask an owner of the namespace or team, or an admin, for the role you need."
		case apiv1.CodeUnavailable:
			hint = "The database did not answer. Try again in a moment."
		case apiv1.CodeInternal:
			w.d.Logger.ErrorContext(r.Context(), "web: internal error", "path", r.URL.Path, "err", err)
			hint = "This is a bug; it has been logged."
		}
		if e.Err != nil && e.Code != apiv1.CodeInternal {
			w.d.Logger.WarnContext(r.Context(), "web: request failed", "path", r.URL.Path, "code", e.Code, "err", e.Err)
		}
	} else if err != nil {
		msg = err.Error()
	}
	data := errorData{Message: msg, Hint: hint}
	if !v.SignedIn() && (status == http.StatusNotFound || status == http.StatusForbidden || status == http.StatusUnauthorized) {
		data.Login = "/login?next=" + template.URLQueryEscaper(r.URL.RequestURI())
		if data.Hint == "" || status == http.StatusNotFound {
			data.Hint = "You are not signed in: sign in to see private namespaces and repositories."
		}
	}
	if rerr := w.renderView(rw, r, status, "error", view{Title: http.StatusText(status), Viewer: v, Data: data}); rerr != nil {
		http.Error(rw, msg, status)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func when(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

func ago(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	d := time.Since(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return strconv.Itoa(int(d.Minutes())) + " min ago"
	case d < 48*time.Hour:
		return strconv.Itoa(int(d.Hours())) + " h ago"
	}
	return strconv.Itoa(int(d.Hours()/24)) + " days ago"
}

func humanSize(n int64) string {
	const unit = 1024
	if n < unit {
		return strconv.FormatInt(n, 10) + " B"
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// manifestKind names a manifest media type for people.
func manifestKind(mt string) string {
	b := mediatype.Base(mt)
	switch {
	case b == "":
		return "unknown"
	case strings.Contains(b, "index") || strings.Contains(b, "manifest.list"):
		return "index"
	case mediatype.IsManifestBase(b):
		return "image"
	}
	return "artifact"
}

func shortDigest(d string) string {
	if _, hex, ok := strings.Cut(d, ":"); ok && len(hex) > 12 {
		return d[:len(d)-len(hex)] + hex[:12]
	}
	return d
}
