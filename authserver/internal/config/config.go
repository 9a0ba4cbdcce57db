// Package config holds the settings of `dockmaster serve` (and the other
// commands that open the database): one Config struct, loaded from defaults,
// an optional YAML file, the environment and flags, in that order of
// precedence, and checked by Validate before use.
//
// Every setting has three spellings derived from one name: the flag
// (--data-dir), the YAML key (data_dir) and the environment variable
// (DOCKMASTER_DATA_DIR). The events secret is the one exception: its flag and
// YAML key name a file (--events-secret-file), while DOCKMASTER_EVENTS_SECRET
// holds the secret itself (DOCKMASTER_EVENTS_SECRET_FILE names a file).
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/dockmaster/dockmaster/authserver/internal/authn"
	"github.com/dockmaster/dockmaster/authserver/internal/token"
)

// EnvPrefix starts every environment variable.
const EnvPrefix = "DOCKMASTER_"

// MinBcryptCost is the lowest bcrypt cost accepted (the design's floor),
// authn's, which refuses to hash below it; it is also the default.
const MinBcryptCost = authn.MinBcryptCost

// maxBcryptCost is bcrypt's own maximum.
const maxBcryptCost = 31

// Config is every setting of the server.
type Config struct {
	// Listen is the host:port the HTTP server binds.
	Listen string
	// DataDir holds the SQLite file and generated keys.
	DataDir string
	// Database is a URL: sqlite://path, sqlite:path, a bare path (SQLite) or
	// postgres://… / postgresql://…. It may hold a password: never log it
	// raw (String and LogValue redact it).
	Database string
	// RedisURL is optional (redis://, rediss:// or unix://); empty means
	// throttling and cache invalidation run in process.
	RedisURL string
	// PublicURL is this service's external URL (token realm, UI links).
	PublicURL string
	// RegistryURL is the registry's API URL (sync, deletes); optional.
	RegistryURL string
	// RegistryHost is the host[:port] people pull from, as the web UI's
	// docker pull lines show it; empty means the host of PublicURL.
	RegistryHost string
	// Service is the token audience (the registry's auth.token.service).
	Service string
	// Issuer is the token iss claim.
	Issuer string
	// TokenKeyHeader is how token headers name the signing key: "kid" (the
	// thumbprint alone, what distribution v3 needs) or "x5c" (kid plus the
	// certificate, for older registries). See token.KeyHeaders.
	TokenKeyHeader string
	// EventsSecretFile names the file EventsSecret was read from, if any.
	EventsSecretFile string
	// EventsSecret is the shared secret of the notification endpoint; empty
	// means the endpoint refuses everything.
	EventsSecret Secret
	// TLSCert and TLSKey are PEM files; both or neither.
	TLSCert string
	TLSKey  string
	// LogLevel is debug, info, warn or error.
	LogLevel string
	// LogFormat is text or json.
	LogFormat string
	// TrustedProxies are the networks whose X-Forwarded-* headers are
	// believed; empty trusts nobody.
	TrustedProxies []netip.Prefix
	// BcryptCost is the cost of new password hashes (≥ MinBcryptCost).
	BcryptCost int
	// ShutdownTimeout bounds the graceful shutdown.
	ShutdownTimeout time.Duration
	// MaxBodyBytes caps request bodies.
	MaxBodyBytes int64
	// DatabaseTimeout is the deadline of every store call: past it the
	// request answers 503 with Retry-After instead of waiting for a slow
	// or overloaded database until the client gives up.
	DatabaseTimeout time.Duration
	// DatabaseAcquireTimeout bounds how long a store call waits for a
	// PostgreSQL connection of the pool (≤ DatabaseTimeout): a saturated
	// pool answers fast 503s rather than a growing queue.
	DatabaseAcquireTimeout time.Duration
	// RedisFailClosed makes a Redis outage refuse logins (503) instead of
	// falling back to this replica's own throttle and the cache TTLs.
	RedisFailClosed bool
	// ConfigFile is the YAML file that was loaded, if any.
	ConfigFile string
}

// Secret is a string that does not print itself.
type Secret string

const redacted = "[redacted]"

// String redacts a non-empty secret.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return redacted
}

// GoString redacts under %#v too.
func (s Secret) GoString() string { return strconv.Quote(s.String()) }

// LogValue implements slog.LogValuer.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalText redacts in JSON, YAML and other text encodings.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Reveal returns the secret itself, for the one place that needs it.
func (s Secret) Reveal() string { return string(s) }

// Default returns the defaults. Database and PublicURL are left empty: Load
// derives them from the final DataDir and Listen.
func Default() Config {
	return Config{
		Listen:          "127.0.0.1:5001",
		DataDir:         "./data",
		Service:         "dockmaster",
		Issuer:          "dockmaster",
		TokenKeyHeader:  token.DefaultKeyHeader,
		LogLevel:        "info",
		LogFormat:       "text",
		BcryptCost:      MinBcryptCost,
		ShutdownTimeout: 15 * time.Second,
		MaxBodyBytes:    1 << 20,

		DatabaseTimeout:        DefaultDatabaseTimeout,
		DatabaseAcquireTimeout: DefaultDatabaseAcquireTimeout,
	}
}

// Defaults of the database deadlines: a few seconds for a call (a healthy
// database answers the hot paths in milliseconds; clients such as docker
// wait 30 s or more, so a 503 comes well before they give up), and a third
// of that for a pool connection.
const (
	DefaultDatabaseTimeout        = 3 * time.Second
	DefaultDatabaseAcquireTimeout = time.Second
)

// duration is a setter of a time.Duration field.
func duration(field func(*Config) *time.Duration) func(*Config, string) error {
	return func(c *Config, v string) error {
		d, err := time.ParseDuration(strings.TrimSpace(v))
		if err != nil {
			return fmt.Errorf("%q is not a duration like 3s or 500ms", v)
		}
		*field(c) = d
		return nil
	}
}

// setting is one entry of the settings table: its flag name (from which the
// YAML key and environment variable derive), usage and how to set it from a
// string.
type setting struct {
	name  string
	usage string
	set   func(c *Config, v string) error
}

// booleans are the settings that may be given as a bare flag
// (--redis-fail-closed for --redis-fail-closed=true).
var booleans = map[string]bool{"redis-fail-closed": true}

func (s setting) flag() string { return "--" + s.name }
func (s setting) key() string  { return strings.ReplaceAll(s.name, "-", "_") }
func (s setting) env() string  { return EnvPrefix + strings.ToUpper(s.key()) }

// spelled names a setting the way users write it, for error messages.
func spelled(name string) string {
	s := setting{name: name}
	if name == "events-secret-file" {
		return s.flag() + " / " + EnvPrefix + "EVENTS_SECRET"
	}
	return s.flag() + " / " + s.env()
}

func str(field func(*Config) *string) func(*Config, string) error {
	return func(c *Config, v string) error { *field(c) = strings.TrimSpace(v); return nil }
}

var settings = []setting{
	{"listen", "listen address host:port (default 127.0.0.1:5001)", str(func(c *Config) *string { return &c.Listen })},
	{"data-dir", "data directory: SQLite file, generated keys (default ./data)", str(func(c *Config) *string { return &c.DataDir })},
	{"database", "database URL: sqlite://PATH or postgres://… (default sqlite://DATA-DIR/dockmaster.db)", str(func(c *Config) *string { return &c.Database })},
	{"redis-url", "Redis URL for cluster-wide throttling and cache invalidation (default: in process)", str(func(c *Config) *string { return &c.RedisURL })},
	{"public-url", "public URL of this service (default http://LISTEN)", str(func(c *Config) *string { return &c.PublicURL })},
	{"registry-url", "registry API URL used by the sync and for deletes", str(func(c *Config) *string { return &c.RegistryURL })},
	{"registry-host", "host[:port] clients pull from, shown in the web UI's docker pull lines (default: the host of --public-url)", str(func(c *Config) *string { return &c.RegistryHost })},
	{"service", "token service, equal to the registry's auth.token.service (default dockmaster)", str(func(c *Config) *string { return &c.Service })},
	{"issuer", "token issuer (default dockmaster)", str(func(c *Config) *string { return &c.Issuer })},
	{"token-key-header", "how token headers name the key: kid (thumbprint only, for registry v3) or x5c (adds the certificate, for older registries) (default kid)", func(c *Config, v string) error {
		c.TokenKeyHeader = strings.ToLower(strings.TrimSpace(v))
		return nil
	}},
	{"events-secret-file", "file holding the registry notification secret (env " + EnvPrefix + "EVENTS_SECRET holds the secret itself)", func(c *Config, v string) error {
		c.EventsSecretFile, c.EventsSecret = strings.TrimSpace(v), ""
		return nil
	}},
	{"tls-cert", "TLS certificate PEM file (with --tls-key)", str(func(c *Config) *string { return &c.TLSCert })},
	{"tls-key", "TLS private key PEM file (with --tls-cert)", str(func(c *Config) *string { return &c.TLSKey })},
	{"log-level", "log level: debug, info, warn or error (default info)", func(c *Config, v string) error {
		c.LogLevel = strings.ToLower(strings.TrimSpace(v))
		return nil
	}},
	{"log-format", "log format: text or json (default text)", func(c *Config, v string) error {
		c.LogFormat = strings.ToLower(strings.TrimSpace(v))
		return nil
	}},
	{"trusted-proxies", "comma-separated CIDRs or IPs of proxies whose X-Forwarded-* headers are trusted", func(c *Config, v string) error {
		var out []netip.Prefix
		for _, item := range strings.Split(v, ",") {
			item = strings.TrimSpace(item)
			if item == "" {
				continue
			}
			p, err := parsePrefix(item)
			if err != nil {
				return err
			}
			out = append(out, p)
		}
		c.TrustedProxies = out
		return nil
	}},
	{"bcrypt-cost", "bcrypt cost of new password hashes (default 10, minimum 10)", func(c *Config, v string) error {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			return fmt.Errorf("%q is not a whole number", v)
		}
		c.BcryptCost = n
		return nil
	}},
	{"shutdown-timeout", "graceful shutdown timeout (default 15s)", func(c *Config, v string) error {
		d, err := time.ParseDuration(strings.TrimSpace(v))
		if err != nil {
			return fmt.Errorf("%q is not a duration like 15s or 1m", v)
		}
		c.ShutdownTimeout = d
		return nil
	}},
	{"max-body-bytes", "request body cap in bytes, or with a unit: 512KiB, 1MiB (default 1MiB)", func(c *Config, v string) error {
		n, err := parseBytes(v)
		if err != nil {
			return err
		}
		c.MaxBodyBytes = n
		return nil
	}},
	{"database-timeout", "deadline of every database call; past it the request answers 503 with Retry-After (default 3s)",
		duration(func(c *Config) *time.Duration { return &c.DatabaseTimeout })},
	{"database-acquire-timeout", "how long a database call waits for a free PostgreSQL connection before answering 503 (default 1s, at most --database-timeout)",
		duration(func(c *Config) *time.Duration { return &c.DatabaseAcquireTimeout })},
	{"redis-fail-closed", "refuse logins (503) while Redis is unreachable instead of throttling per replica and invalidating by TTL (default false)", func(c *Config, v string) error {
		b, err := strconv.ParseBool(strings.TrimSpace(v))
		if err != nil {
			return fmt.Errorf("%q is not true or false", v)
		}
		c.RedisFailClosed = b
		return nil
	}},
}

func lookup(name string) (setting, bool) {
	for _, s := range settings {
		if s.name == name {
			return s, true
		}
	}
	return setting{}, false
}

// Load builds the Config of a command from its arguments (without the
// command name) and the environment: defaults < YAML file (--config or
// DOCKMASTER_CONFIG) < environment < flags. The result is validated. With
// -h it returns flag.ErrHelp; print Usage then.
func Load(args []string, getenv func(string) string) (Config, error) {
	fs := flag.NewFlagSet("dockmaster", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return LoadFlagSet(fs, args, getenv)
}

// LoadFlagSet is Load with a caller's FlagSet, which may already hold the
// command's own flags (they are parsed along). It registers every setting on
// fs; extra positional arguments are an error.
func LoadFlagSet(fs *flag.FlagSet, args []string, getenv func(string) string) (Config, error) {
	type flagValue struct{ name, value string }
	var given []flagValue
	var configFlag *string
	fs.Func("config", "YAML file with settings (keys like data_dir)", func(v string) error {
		configFlag = &v
		return nil
	})
	for _, s := range settings {
		name := s.name
		set := func(v string) error {
			given = append(given, flagValue{name, v})
			return nil
		}
		if booleans[name] {
			fs.BoolFunc(name, s.usage, set)
		} else {
			fs.Func(name, s.usage, set)
		}
	}
	if err := fs.Parse(args); err != nil {
		return Config{}, err
	}
	if fs.NArg() > 0 {
		return Config{}, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}

	c := Default()

	path := getenv(EnvPrefix + "CONFIG")
	if configFlag != nil {
		path = *configFlag
	}
	if path != "" {
		if err := c.applyFile(path); err != nil {
			return Config{}, err
		}
		c.ConfigFile = path
	}

	if err := c.applyEnv(getenv); err != nil {
		return Config{}, err
	}

	for _, f := range given {
		s, _ := lookup(f.name)
		if err := s.set(&c, f.value); err != nil {
			return Config{}, fmt.Errorf("%s: %w", s.flag(), err)
		}
	}

	c.derive()
	if c.EventsSecretFile != "" {
		b, err := os.ReadFile(c.EventsSecretFile)
		if err != nil {
			// The *os.PathError names the file, never its content.
			return Config{}, fmt.Errorf("%s: %w", spelled("events-secret-file"), err)
		}
		secret := strings.TrimRight(string(b), "\r\n")
		if strings.TrimSpace(secret) == "" {
			return Config{}, fmt.Errorf("%s: file %s is empty", spelled("events-secret-file"), c.EventsSecretFile)
		}
		c.EventsSecret = Secret(secret)
	}
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// Usage prints every setting with its flag, environment variable and
// meaning.
func Usage(w io.Writer) {
	fmt.Fprintf(w, "  --config FILE\n\tYAML file with settings (keys like data_dir); env %sCONFIG\n", EnvPrefix)
	for _, s := range settings {
		env := s.env()
		if s.name == "events-secret-file" {
			env = EnvPrefix + "EVENTS_SECRET (the secret), " + EnvPrefix + "EVENTS_SECRET_FILE"
		}
		fmt.Fprintf(w, "  %s\n\t%s; env %s; YAML %s\n", s.flag(), s.usage, env, s.key())
	}
}

func (c *Config) applyEnv(getenv func(string) string) error {
	for _, s := range settings {
		v := getenv(s.env())
		if v == "" {
			continue
		}
		if err := s.set(c, v); err != nil {
			return fmt.Errorf("%s: %w", s.env(), err)
		}
	}
	if v := getenv(EnvPrefix + "EVENTS_SECRET"); v != "" {
		if getenv(EnvPrefix+"EVENTS_SECRET_FILE") != "" {
			return fmt.Errorf("%sEVENTS_SECRET and %sEVENTS_SECRET_FILE are both set; set one", EnvPrefix, EnvPrefix)
		}
		c.EventsSecretFile, c.EventsSecret = "", Secret(v)
	}
	return nil
}

func (c *Config) applyFile(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("--config / %sCONFIG: %w", EnvPrefix, err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return fmt.Errorf("config file %s: %w", path, err)
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil // empty file
	}
	root := doc.Content[0]
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return nil
	}
	if root.Kind != yaml.MappingNode {
		return fmt.Errorf("config file %s: line %d: want a mapping of settings", path, root.Line)
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		key := k.Value
		s, ok := lookupKey(key)
		if !ok {
			msg := fmt.Sprintf("config file %s: line %d: unknown key %q", path, k.Line, key)
			if alt := strings.ReplaceAll(key, "-", "_"); alt != key {
				if _, ok := lookupKey(alt); ok {
					msg += fmt.Sprintf(" (did you mean %q?)", alt)
				}
			}
			return errors.New(msg)
		}
		if seen[key] {
			return fmt.Errorf("config file %s: line %d: key %q given twice", path, k.Line, key)
		}
		seen[key] = true
		val, err := scalarOrList(v)
		if err != nil {
			return fmt.Errorf("config file %s: line %d: key %q: %w", path, v.Line, key, err)
		}
		if val == nil {
			continue // key: (null) leaves the default
		}
		if err := s.set(c, *val); err != nil {
			return fmt.Errorf("config file %s: line %d: key %q: %w", path, v.Line, key, err)
		}
	}
	return nil
}

func lookupKey(key string) (setting, bool) {
	for _, s := range settings {
		if s.key() == key {
			return s, true
		}
	}
	return setting{}, false
}

// scalarOrList turns a YAML value into the string a flag would carry; a list
// of scalars becomes a comma-separated string. nil means null.
func scalarOrList(n *yaml.Node) (*string, error) {
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return nil, nil
		}
		return &n.Value, nil
	case yaml.SequenceNode:
		var items []string
		for _, it := range n.Content {
			if it.Kind != yaml.ScalarNode {
				return nil, errors.New("want a list of plain values")
			}
			items = append(items, it.Value)
		}
		s := strings.Join(items, ",")
		return &s, nil
	}
	return nil, errors.New("want a plain value or a list")
}

// derive fills the defaults that depend on other settings.
func (c *Config) derive() {
	if c.Database == "" && c.DataDir != "" {
		c.Database = "sqlite://" + filepath.Join(c.DataDir, "dockmaster.db")
	}
	if c.PublicURL == "" {
		scheme := "http"
		if c.TLSCert != "" {
			scheme = "https"
		}
		host, port, err := net.SplitHostPort(c.Listen)
		if err != nil {
			c.PublicURL = scheme + "://" + c.Listen
			return
		}
		// A wildcard bind address is no address a browser can use.
		if ip, err := netip.ParseAddr(host); host == "" || (err == nil && ip.IsUnspecified()) {
			host = "localhost"
		}
		c.PublicURL = scheme + "://" + net.JoinHostPort(host, port)
	}
}

// Validate checks every setting and reports all problems at once, each
// naming the setting as the user spells it (flag / environment variable).
// No secret value appears in its errors.
func (c Config) Validate() error {
	var errs []error
	bad := func(name, format string, a ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", spelled(name), fmt.Sprintf(format, a...)))
	}

	if host, port, err := net.SplitHostPort(c.Listen); err != nil || !validPort(port) || strings.ContainsAny(host, " /") {
		bad("listen", "%q is not host:port", c.Listen)
	}
	if strings.TrimSpace(c.DataDir) == "" {
		bad("data-dir", "is empty")
	}
	if c.Database == "" {
		bad("database", "is empty")
	} else if err := checkDatabase(c.Database); err != nil {
		bad("database", "%v", err)
	}
	if c.RedisURL != "" {
		if err := checkRedis(c.RedisURL); err != nil {
			bad("redis-url", "%v", err)
		}
	}
	if err := checkHTTPURL(c.PublicURL); err != nil {
		bad("public-url", "%v", err)
	}
	if c.RegistryURL != "" {
		if err := checkHTTPURL(c.RegistryURL); err != nil {
			bad("registry-url", "%v", err)
		}
	}
	if strings.TrimSpace(c.Service) == "" || strings.ContainsAny(c.Service, " \t\r\n") {
		bad("service", "%q must be a non-empty word without spaces", c.Service)
	}
	if strings.TrimSpace(c.Issuer) == "" || strings.ContainsAny(c.Issuer, "\t\r\n") {
		bad("issuer", "%q must be non-empty, on one line", c.Issuer)
	}
	if !slices.Contains(token.KeyHeaders(), c.TokenKeyHeader) {
		bad("token-key-header", "%q is not one of %s", c.TokenKeyHeader, strings.Join(token.KeyHeaders(), ", "))
	}
	if strings.ContainsFunc(string(c.EventsSecret), func(r rune) bool { return r < ' ' || r == 0x7f }) {
		bad("events-secret-file", "the secret holds control characters (it travels in an HTTP header)")
	}
	switch {
	case c.TLSCert != "" && c.TLSKey == "":
		bad("tls-cert", "is set but --tls-key / %sTLS_KEY is not", EnvPrefix)
	case c.TLSKey != "" && c.TLSCert == "":
		bad("tls-key", "is set but --tls-cert / %sTLS_CERT is not", EnvPrefix)
	}
	if !slices.Contains([]string{"debug", "info", "warn", "error"}, c.LogLevel) {
		bad("log-level", "%q is not one of debug, info, warn, error", c.LogLevel)
	}
	if !slices.Contains([]string{"text", "json"}, c.LogFormat) {
		bad("log-format", "%q is not one of text, json", c.LogFormat)
	}
	for _, p := range c.TrustedProxies {
		if !p.IsValid() {
			bad("trusted-proxies", "holds an invalid network")
			break
		}
	}
	if c.BcryptCost < MinBcryptCost || c.BcryptCost > maxBcryptCost {
		bad("bcrypt-cost", "%d is outside %d..%d", c.BcryptCost, MinBcryptCost, maxBcryptCost)
	}
	if c.ShutdownTimeout <= 0 {
		bad("shutdown-timeout", "%s must be positive", c.ShutdownTimeout)
	}
	if c.MaxBodyBytes <= 0 {
		bad("max-body-bytes", "%d must be positive", c.MaxBodyBytes)
	}
	if c.DatabaseTimeout <= 0 {
		bad("database-timeout", "%s must be positive", c.DatabaseTimeout)
	}
	switch {
	case c.DatabaseAcquireTimeout <= 0:
		bad("database-acquire-timeout", "%s must be positive", c.DatabaseAcquireTimeout)
	case c.DatabaseTimeout > 0 && c.DatabaseAcquireTimeout > c.DatabaseTimeout:
		bad("database-acquire-timeout", "%s is longer than --database-timeout (%s)", c.DatabaseAcquireTimeout, c.DatabaseTimeout)
	}
	if c.RedisFailClosed && c.RedisURL == "" {
		bad("redis-fail-closed", "is set but --redis-url / %sREDIS_URL is not", EnvPrefix)
	}
	return errors.Join(errs...)
}

// DatabaseKind says which store to open: "sqlite" with the file path (any
// ?query kept), or "postgres" with the URL as given. Both are empty when the
// database setting is not understood (Validate reports it).
func (c Config) DatabaseKind() (kind, dsn string) {
	d := c.Database
	switch {
	case d == "":
		return "", ""
	case hasPrefixFold(d, "postgres://"), hasPrefixFold(d, "postgresql://"):
		return "postgres", d
	case hasPrefixFold(d, "sqlite://"):
		d = d[len("sqlite://"):]
	case hasPrefixFold(d, "sqlite:"):
		d = d[len("sqlite:"):]
	case schemeRE.MatchString(d):
		return "", "" // another scheme
	}
	if d == "" || strings.HasPrefix(d, "?") {
		return "", ""
	}
	return "sqlite", d
}

// schemeRE matches a URL scheme prefix; one letter is a Windows drive, not a scheme.
var schemeRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]+:`)

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

func checkDatabase(d string) error {
	kind, _ := Config{Database: d}.DatabaseKind()
	switch kind {
	case "sqlite":
		return nil
	case "postgres":
		u, err := url.Parse(d)
		if err != nil {
			return errors.New("is not a valid postgres:// URL") // err could quote the password
		}
		if u.Host == "" && u.Query().Get("host") == "" {
			return fmt.Errorf("%s names no host", redactURL(d))
		}
		return nil
	}
	if m := schemeRE.FindString(d); m != "" && !hasPrefixFold(d, "sqlite:") {
		return fmt.Errorf("unsupported scheme %q (want sqlite:// or postgres://)", strings.TrimSuffix(m, ":"))
	}
	return errors.New("names no SQLite file")
}

func checkRedis(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return errors.New("is not a valid URL") // err could quote a password
	}
	switch u.Scheme {
	case "redis", "rediss":
		if u.Host == "" {
			return fmt.Errorf("%s names no host", redactURL(s))
		}
	case "unix":
		if u.Path == "" {
			return fmt.Errorf("%s names no socket", redactURL(s))
		}
	default:
		return fmt.Errorf("unsupported scheme %q (want redis://, rediss:// or unix://)", u.Scheme)
	}
	return nil
}

func checkHTTPURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an http:// or https:// URL", redactURL(s))
	}
	if u.User != nil {
		return fmt.Errorf("%q must not hold credentials", redactURL(s))
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("%q must not have a query or fragment", s)
	}
	return nil
}

func validPort(p string) bool {
	n, err := strconv.Atoi(p)
	return err == nil && n >= 0 && n <= 65535 && !strings.HasPrefix(p, "+")
}

func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("%q is not a CIDR like 10.0.0.0/8", s)
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%q is not an IP address or CIDR", s)
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}

var byteUnits = map[string]int64{
	"": 1, "b": 1,
	"k": 1 << 10, "kb": 1 << 10, "kib": 1 << 10,
	"m": 1 << 20, "mb": 1 << 20, "mib": 1 << 20,
	"g": 1 << 30, "gb": 1 << 30, "gib": 1 << 30,
}

var bytesRE = regexp.MustCompile(`^([0-9]+)\s*([A-Za-z]*)$`)

// parseBytes reads "1048576", "512KiB" or "1MiB" (K, M and G are binary).
func parseBytes(v string) (int64, error) {
	m := bytesRE.FindStringSubmatch(strings.TrimSpace(v))
	if m == nil {
		return 0, fmt.Errorf("%q is not a size like 1048576 or 1MiB", v)
	}
	unit, ok := byteUnits[strings.ToLower(m[2])]
	n, err := strconv.ParseInt(m[1], 10, 64)
	if !ok || err != nil || n > (1<<62)/unit {
		return 0, fmt.Errorf("%q is not a size like 1048576 or 1MiB", v)
	}
	return n * unit, nil
}

// redactURL hides a URL's password and any password query parameter.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return redacted
	}
	q := u.Query()
	changed := false
	for k := range q {
		if strings.EqualFold(k, "password") || strings.EqualFold(k, "sslpassword") {
			q.Set(k, "xxxxx")
			changed = true
		}
	}
	if changed {
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}

// attrs lists the settings for String and LogValue, secrets redacted.
func (c Config) attrs() []slog.Attr {
	proxies := make([]string, len(c.TrustedProxies))
	for i, p := range c.TrustedProxies {
		proxies[i] = p.String()
	}
	kind, _ := c.DatabaseKind()
	db := c.Database
	if kind == "postgres" {
		db = redactURL(db)
	}
	secret := "unset"
	if c.EventsSecret != "" {
		secret = redacted
	}
	return []slog.Attr{
		slog.String("listen", c.Listen),
		slog.String("data_dir", c.DataDir),
		slog.String("database", db),
		slog.String("redis_url", redactIfSet(c.RedisURL)),
		slog.String("public_url", c.PublicURL),
		slog.String("registry_url", c.RegistryURL),
		slog.String("service", c.Service),
		slog.String("issuer", c.Issuer),
		slog.String("token_key_header", c.TokenKeyHeader),
		slog.String("events_secret_file", c.EventsSecretFile),
		slog.String("events_secret", secret),
		slog.String("tls_cert", c.TLSCert),
		slog.String("tls_key", c.TLSKey),
		slog.String("log_level", c.LogLevel),
		slog.String("log_format", c.LogFormat),
		slog.String("trusted_proxies", strings.Join(proxies, ",")),
		slog.Int("bcrypt_cost", c.BcryptCost),
		slog.Duration("shutdown_timeout", c.ShutdownTimeout),
		slog.Int64("max_body_bytes", c.MaxBodyBytes),
		slog.Duration("database_timeout", c.DatabaseTimeout),
		slog.Duration("database_acquire_timeout", c.DatabaseAcquireTimeout),
		slog.Bool("redis_fail_closed", c.RedisFailClosed),
		slog.String("config_file", c.ConfigFile),
	}
}

func redactIfSet(s string) string {
	if s == "" {
		return ""
	}
	return redactURL(s)
}

// LogValue implements slog.LogValuer with secrets redacted.
func (c Config) LogValue() slog.Value { return slog.GroupValue(c.attrs()...) }

// String lists the settings as key=value pairs, secrets redacted.
func (c Config) String() string {
	var b strings.Builder
	for i, a := range c.attrs() {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%s=%s", a.Key, strconv.Quote(a.Value.String()))
	}
	return b.String()
}

// GoString keeps %#v from printing the database password.
func (c Config) GoString() string { return "config.Config{" + c.String() + "}" }

// SlogLevel maps LogLevel to a slog.Level (info for anything unknown).
func (c Config) SlogLevel() slog.Level {
	switch c.LogLevel {
	case "debug":
		return slog.LevelDebug
	case "warn":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	}
	return slog.LevelInfo
}
