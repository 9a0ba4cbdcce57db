package web_test

import (
	"context"
	_ "embed"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

//go:embed testdata/a11y.js
var a11yJS string

// screenshotDir is where the browser tests save their screenshots:
// DOCKMASTER_SCREENSHOTS (make screenshots sets docs/screenshots), else a
// temporary directory.
func screenshotDir(t *testing.T) string {
	if d := os.Getenv("DOCKMASTER_SCREENSHOTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

// chromium finds Debian's chromium; the test setup (.ci/run) installs it.
func chromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("chromium is not installed: the browser tests need it (apt-get install chromium; .ci/run installs it)")
	return ""
}

type session struct {
	t    *testing.T
	ctx  context.Context
	base string
	dir  string
}

func (s *session) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(s.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		s.t.Fatalf("%s: %v", what, err)
	}
}

func run[T any](s *session, what string, a chromedp.Action[T]) T {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(s.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		s.t.Fatalf("%s: %v", what, err)
	}
	return v
}

// open navigates to path, waits for main and runs the accessibility check.
func (s *session) open(path string) {
	s.t.Helper()
	s.do("open "+path, chromedp.Navigate(s.base+path), chromedp.WaitVisible(chromedp.CSS("main")))
	s.a11y(path)
}

// submit clicks a form's button and waits for the next page.
func (s *session) submit(button string, wait string) {
	s.t.Helper()
	s.do("submit "+button, chromedp.Click(chromedp.CSS(button)), chromedp.Sleep(300*time.Millisecond),
		chromedp.WaitVisible(chromedp.CSS(wait)))
	loc := run(s, "location", chromedp.Location())
	s.a11y(loc)
}

func (s *session) a11y(where string) {
	s.t.Helper()
	problems := run(s, "a11y "+where, chromedp.Evaluate[[]string](a11yJS))
	if len(problems) > 0 {
		s.t.Errorf("accessibility of %s:\n  %s", where, strings.Join(problems, "\n  "))
	}
}

func (s *session) screenshot(name string) {
	s.t.Helper()
	png := run(s, "screenshot "+name, chromedp.FullScreenshot(100))
	if err := os.WriteFile(filepath.Join(s.dir, name+".png"), png, 0o644); err != nil {
		s.t.Fatal(err)
	}
}

func (s *session) text(sel string) string {
	s.t.Helper()
	return run(s, "text "+sel, chromedp.Text(chromedp.CSS(sel)))
}

// TestBrowserFlows drives Debian's chromium through the flows on
// both stores, checking accessibility on every page and saving a
// screenshot of each.
func TestBrowserFlows(t *testing.T) {
	exe := chromium(t)
	stores(t, func(t *testing.T, h *harness) { browserFlows(t, exe, h) })
}

func browserFlows(t *testing.T, exe string, h *harness) {
	fixture(h)
	for _, repo := range []string{"pub/web-frontend", "pub/api-server", "pub/worker"} {
		h.tag(repo, "1.0", publicDigest)
		h.tag(repo, "latest", publicDigest)
	}
	h.tag("hidden/topsecret-app", "v10", secretDigest)
	// Some activity for the charts (received today).
	for i := range 15 {
		e := store.RegistryEvent{ID: fmt.Sprintf("browser-%d", i), Action: store.ActionPull, Repository: "hidden/topsecret-app", Tag: "v10"}
		if i%5 == 0 {
			e.Action, e.Digest, e.MediaType = store.ActionPush, secretDigest, "application/vnd.oci.image.manifest.v1+json"
		}
		if _, err := h.st.ApplyEvent(context.Background(), e, ""); err != nil {
			t.Fatal(err)
		}
	}
	alloc, cancel := chromedp.NewExecAllocator(context.Background(), append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe), chromedp.WindowSize(1280, 900), chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-component-update", true))...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(alloc)
	defer cancel()
	// The first action starts the browser, bound to ctx itself (a
	// per-step timeout context would end it with the step).
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	s := &session{t: t, ctx: ctx, base: h.srv.URL, dir: screenshotDir(t)}

	// Signed out: the home page, a public repository, an error page.
	s.open("/")
	s.screenshot("home-anonymous")
	s.open("/ui/repositories/pub/app")
	s.open("/ui/namespaces/no-such-namespace")
	if got := s.text("main h1"); !strings.Contains(got, "404") {
		t.Fatalf("error page heading %q", got)
	}

	// Sign in.
	s.open("/login")
	s.do("sign in form", chromedp.SendKeys(chromedp.ID("username"), "alice"),
		chromedp.SendKeys(chromedp.ID("password"), "pw-alice-secret"))
	s.screenshot("sign-in")
	s.submit("main form button[type=submit]", "#q")
	if got := s.text("header nav"); !strings.Contains(got, "alice") {
		t.Fatalf("after sign-in the header says %q", got)
	}

	// Search and open a repository.
	s.do("type a search", chromedp.SendKeys(chromedp.ID("q"), "topsecret"))
	s.submit(".searchbar button", ".results")
	s.screenshot("search")
	s.submit(".results a.repo", "table")
	if loc := run(s, "location", chromedp.Location()); !strings.HasSuffix(loc, "/ui/repositories/hidden/topsecret-app") {
		t.Fatalf("opened %s", loc)
	}

	// Copy the pull command: the button selects the exact command.
	s.do("copy", chromedp.Click(chromedp.CSS("button.copybtn[data-copy=pull-0]")), chromedp.Sleep(200*time.Millisecond))
	sel := run(s, "selection", chromedp.Evaluate[string](
		`(() => { const e = document.getElementById("pull-0"); return e.value.substring(e.selectionStart, e.selectionEnd); })()`))
	if want := "docker pull registry.test:5000/hidden/topsecret-app:v10"; sel != want {
		t.Fatalf("copied %q, want %q", sel, want)
	}
	s.screenshot("repository")

	// Create a team and add a member.
	s.open("/ui/teams")
	s.do("team form", chromedp.SendKeys(chromedp.ID("tname"), "platform"), chromedp.SendKeys(chromedp.ID("tdesc"), "Platform engineers"))
	s.submit("#new-h + form button", "#musername")
	s.do("member form", chromedp.SendKeys(chromedp.ID("musername"), "bob"), chromedp.SetValue(chromedp.ID("mrole"), "contributor"))
	s.submit("#add-h + form button", ".flash")
	if got := s.text("main table"); !strings.Contains(got, "bob") {
		t.Fatalf("team members: %q", got)
	}
	s.screenshot("team")

	// Grant a role on a namespace.
	s.open("/ui/namespaces/hidden")
	s.do("grant form", chromedp.SendKeys(chromedp.ID("grantee"), "platform"), chromedp.SetValue(chromedp.ID("gkind"), "team"),
		chromedp.SetValue(chromedp.ID("grole"), "viewer"))
	s.submit("#grants-h ~ form.row button", ".flash")
	if got := s.text(".flash"); !strings.Contains(got, "Granted viewer to team platform") {
		t.Fatalf("grant: %q", got)
	}
	s.screenshot("namespace")

	// Create a robot and see its secret once.
	s.open("/ui/me")
	s.do("robot form", chromedp.SendKeys(chromedp.ID("rname"), "ci"), chromedp.SetValue(chromedp.ID("rteam"), "sec"),
		chromedp.SendKeys(chromedp.ID("rns"), "hidden"), chromedp.SetValue(chromedp.ID("rrole"), "contributor"))
	s.submit("#robots-h ~ form.row button", "#secret")
	secret := run(s, "secret", chromedp.Value(chromedp.ID("secret")))
	if !strings.HasPrefix(secret, "dmr_") {
		t.Fatalf("robot secret %q", secret)
	}
	s.screenshot("robot-secret")
	s.open("/ui/me")
	if html := run(s, "page", chromedp.Evaluate[string](`document.body.innerHTML`)); strings.Contains(html, secret) {
		t.Fatal("the robot secret shows a second time")
	}

	// Delete a tag.
	s.open("/ui/repositories/hidden/topsecret-app")
	s.submit("td form button.danger", ".flash")
	if got := s.text(".flash"); !strings.Contains(got, "Deleted tag v10") {
		t.Fatalf("delete: %q", got)
	}

	// Export the audit CSV (as an admin).
	s.open("/")
	s.submit("header form.inline button", "#q")
	s.open("/login")
	s.do("admin sign in", chromedp.SendKeys(chromedp.ID("username"), "admin"), chromedp.SendKeys(chromedp.ID("password"), h.adminPW))
	s.submit("main form button[type=submit]", "#q")
	s.open("/ui/admin/audit")
	s.screenshot("audit")
	csv := run(s, "csv", chromedp.Evaluate[string](`fetch(document.querySelector("a[download]").href).then(r => r.text())`,
		chromedp.EvalAwaitPromise))
	if !strings.HasPrefix(csv, "id,time,actor,source,action,object,outcome,detail") || !strings.Contains(csv, "robot.create") {
		t.Fatalf("audit CSV:\n%.500s", csv)
	}
	for _, p := range []string{"/ui/admin/users", "/ui/admin/settings", "/ui/teams/platform", "/search?q=app"} {
		s.open(p)
	}
	s.screenshot("admin-users")
}
