package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func writeFile(t testing.TB, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadDefaults(t *testing.T) {
	c, err := Load(nil, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	want := Default()
	want.Database = "sqlite://data/dockmaster.db"
	want.PublicURL = "http://127.0.0.1:5001"
	if !reflect.DeepEqual(c, want) {
		t.Errorf("got  %v\nwant %v", c, want)
	}
	if kind, dsn := c.DatabaseKind(); kind != "sqlite" || dsn != "data/dockmaster.db" {
		t.Errorf("DatabaseKind = %q, %q", kind, dsn)
	}
}

func TestLoadPrecedence(t *testing.T) {
	file := writeFile(t, "dm.yaml", `
listen: 127.0.0.1:1000
data_dir: /file
service: file-service
issuer: file-issuer
trusted_proxies: [10.0.0.0/8, 192.168.1.1]
bcrypt_cost: 11
shutdown_timeout: 20s
max_body_bytes: 2MiB
`)
	tests := []struct {
		name  string
		args  []string
		env   map[string]string
		check func(t *testing.T, c Config)
	}{
		{"file over defaults", []string{"--config", file}, nil, func(t *testing.T, c Config) {
			if c.Listen != "127.0.0.1:1000" || c.DataDir != "/file" || c.Service != "file-service" || c.BcryptCost != 11 ||
				c.ShutdownTimeout != 20*time.Second || c.MaxBodyBytes != 2<<20 || c.ConfigFile != file {
				t.Errorf("%v", c)
			}
			want := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.168.1.1/32")}
			if !reflect.DeepEqual(c.TrustedProxies, want) {
				t.Errorf("TrustedProxies = %v", c.TrustedProxies)
			}
			if c.Database != "sqlite:///file/dockmaster.db" || c.PublicURL != "http://127.0.0.1:1000" {
				t.Errorf("derived: %q %q", c.Database, c.PublicURL)
			}
		}},
		{"config file from the environment", nil, map[string]string{"DOCKMASTER_CONFIG": file}, func(t *testing.T, c Config) {
			if c.Listen != "127.0.0.1:1000" {
				t.Errorf("Listen = %q", c.Listen)
			}
		}},
		{"env over file", []string{"--config", file}, map[string]string{
			"DOCKMASTER_LISTEN": "127.0.0.1:2000", "DOCKMASTER_SERVICE": "env-service", "DOCKMASTER_BCRYPT_COST": "12",
			"DOCKMASTER_TRUSTED_PROXIES": "fd00::/8",
		}, func(t *testing.T, c Config) {
			if c.Listen != "127.0.0.1:2000" || c.Service != "env-service" || c.BcryptCost != 12 || c.Issuer != "file-issuer" {
				t.Errorf("%v", c)
			}
			if len(c.TrustedProxies) != 1 || c.TrustedProxies[0].String() != "fd00::/8" {
				t.Errorf("TrustedProxies = %v", c.TrustedProxies)
			}
		}},
		{"flags over env", []string{"--config", file, "--listen", "127.0.0.1:3000", "-bcrypt-cost=13", "--data-dir", "/flag"},
			map[string]string{"DOCKMASTER_LISTEN": "127.0.0.1:2000", "DOCKMASTER_BCRYPT_COST": "12", "DOCKMASTER_DATA_DIR": "/env"},
			func(t *testing.T, c Config) {
				if c.Listen != "127.0.0.1:3000" || c.BcryptCost != 13 || c.DataDir != "/flag" || c.Service != "file-service" {
					t.Errorf("%v", c)
				}
				if c.Database != "sqlite:///flag/dockmaster.db" {
					t.Errorf("Database = %q: the default follows the final data dir", c.Database)
				}
			}},
		{"flag config over env config", []string{"--config", file}, map[string]string{"DOCKMASTER_CONFIG": "/nonexistent.yaml"}, func(t *testing.T, c Config) {
			if c.ConfigFile != file {
				t.Errorf("ConfigFile = %q", c.ConfigFile)
			}
		}},
		{"explicit database and public url win over derived ones", []string{"--database", "postgres://u:p@db/dm", "--public-url", "https://reg.example.com"}, nil, func(t *testing.T, c Config) {
			if c.Database != "postgres://u:p@db/dm" || c.PublicURL != "https://reg.example.com" {
				t.Errorf("%q %q", c.Database, c.PublicURL)
			}
		}},
		{"public url from a wildcard listen", []string{"--listen", ":8080"}, nil, func(t *testing.T, c Config) {
			if c.PublicURL != "http://localhost:8080" {
				t.Errorf("PublicURL = %q", c.PublicURL)
			}
		}},
		{"https public url with TLS", []string{"--listen", "0.0.0.0:8443", "--tls-cert", "c.pem", "--tls-key", "k.pem"}, nil, func(t *testing.T, c Config) {
			if c.PublicURL != "https://localhost:8443" {
				t.Errorf("PublicURL = %q", c.PublicURL)
			}
		}},
		{"log settings are case-insensitive", []string{"--log-level", "DEBUG"}, map[string]string{"DOCKMASTER_LOG_FORMAT": "JSON"}, func(t *testing.T, c Config) {
			if c.LogLevel != "debug" || c.LogFormat != "json" || c.SlogLevel() != slog.LevelDebug {
				t.Errorf("%q %q", c.LogLevel, c.LogFormat)
			}
		}},
		{"all string settings from env", nil, map[string]string{
			"DOCKMASTER_REDIS_URL": "redis://cache:6379/0", "DOCKMASTER_REGISTRY_URL": "http://registry:5000",
			"DOCKMASTER_ISSUER": "iss", "DOCKMASTER_MAX_BODY_BYTES": "4096", "DOCKMASTER_SHUTDOWN_TIMEOUT": "1m",
		}, func(t *testing.T, c Config) {
			if c.RedisURL != "redis://cache:6379/0" || c.RegistryURL != "http://registry:5000" || c.Issuer != "iss" ||
				c.MaxBodyBytes != 4096 || c.ShutdownTimeout != time.Minute {
				t.Errorf("%v", c)
			}
		}},
		{"token key header defaults to kid", nil, nil, func(t *testing.T, c Config) {
			if c.TokenKeyHeader != "kid" {
				t.Errorf("TokenKeyHeader = %q", c.TokenKeyHeader)
			}
		}},
		{"token key header from env, case-insensitive", nil, map[string]string{"DOCKMASTER_TOKEN_KEY_HEADER": " X5C "}, func(t *testing.T, c Config) {
			if c.TokenKeyHeader != "x5c" {
				t.Errorf("TokenKeyHeader = %q", c.TokenKeyHeader)
			}
			if !strings.Contains(c.String(), `token_key_header="x5c"`) {
				t.Errorf("the start-up line does not show the mode: %s", c)
			}
		}},
		{"token key header flag over env", []string{"--token-key-header", "kid"}, map[string]string{"DOCKMASTER_TOKEN_KEY_HEADER": "x5c"}, func(t *testing.T, c Config) {
			if c.TokenKeyHeader != "kid" {
				t.Errorf("TokenKeyHeader = %q", c.TokenKeyHeader)
			}
		}},
		{"token key header from yaml", []string{"--config", writeFile(t, "kh.yaml", "token_key_header: x5c\n")}, nil, func(t *testing.T, c Config) {
			if c.TokenKeyHeader != "x5c" {
				t.Errorf("TokenKeyHeader = %q", c.TokenKeyHeader)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load(tt.args, env(tt.env))
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, c)
		})
	}
}

func TestEventsSecret(t *testing.T) {
	file := writeFile(t, "secret", "from-file-secret\n")
	other := writeFile(t, "other", "from-other-file")
	yml := writeFile(t, "dm.yaml", "events_secret_file: "+other+"\n")
	tests := []struct {
		name     string
		args     []string
		env      map[string]string
		want     string
		wantFile string
	}{
		{"unset", nil, nil, "", ""},
		{"env value", nil, map[string]string{"DOCKMASTER_EVENTS_SECRET": "from-env"}, "from-env", ""},
		{"env file", nil, map[string]string{"DOCKMASTER_EVENTS_SECRET_FILE": file}, "from-file-secret", file},
		{"flag file", []string{"--events-secret-file", file}, nil, "from-file-secret", file},
		{"flag file over env value", []string{"--events-secret-file", file}, map[string]string{"DOCKMASTER_EVENTS_SECRET": "from-env"}, "from-file-secret", file},
		{"yaml file", []string{"--config", yml}, nil, "from-other-file", other},
		{"env value over yaml file", []string{"--config", yml}, map[string]string{"DOCKMASTER_EVENTS_SECRET": "from-env"}, "from-env", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load(tt.args, env(tt.env))
			if err != nil {
				t.Fatal(err)
			}
			if c.EventsSecret.Reveal() != tt.want || c.EventsSecretFile != tt.wantFile {
				t.Errorf("secret %q from %q, want %q from %q", c.EventsSecret.Reveal(), c.EventsSecretFile, tt.want, tt.wantFile)
			}
		})
	}
}

func TestLoadErrors(t *testing.T) {
	empty := writeFile(t, "empty-secret", "\n")
	tests := []struct {
		name string
		args []string
		env  map[string]string
		file string // YAML content, passed with --config
		want string // substring of the error
	}{
		{"unknown yaml key", nil, nil, "listen: 127.0.0.1:1\nlisten_addr: x\n", `unknown key "listen_addr"`},
		{"dashed yaml key", nil, nil, "data-dir: /x\n", `unknown key "data-dir" (did you mean "data_dir"?)`},
		{"duplicate yaml key", nil, nil, "listen: a:1\nlisten: b:2\n", `"listen" given twice`},
		{"yaml not a mapping", nil, nil, "- a\n- b\n", "want a mapping"},
		{"yaml nested value", nil, nil, "listen: {a: b}\n", `key "listen": want a plain value`},
		{"yaml bad value", nil, nil, "bcrypt_cost: lots\n", `key "bcrypt_cost": "lots" is not a whole number`},
		{"yaml syntax", nil, nil, "listen: [\n", "config file"},
		{"missing config file", []string{"--config", "/nonexistent/dm.yaml"}, nil, "", "--config / DOCKMASTER_CONFIG"},
		{"unknown flag", []string{"--nope"}, nil, "", "flag provided but not defined"},
		{"positional argument", []string{"extra"}, nil, "", `unexpected argument "extra"`},
		{"bad duration flag", []string{"--shutdown-timeout", "soon"}, nil, "", `--shutdown-timeout: "soon" is not a duration`},
		{"bad int env", nil, map[string]string{"DOCKMASTER_BCRYPT_COST": "x"}, "", `DOCKMASTER_BCRYPT_COST: "x" is not a whole number`},
		{"bad cidr", []string{"--trusted-proxies", "10.0.0.0/33"}, nil, "", `--trusted-proxies: "10.0.0.0/33" is not a CIDR`},
		{"bad ip", nil, map[string]string{"DOCKMASTER_TRUSTED_PROXIES": "10.0.0.1, proxy.local"}, "", `"proxy.local" is not an IP address`},
		{"bad size", []string{"--max-body-bytes", "1 parsec"}, nil, "", `--max-body-bytes: "1 parsec" is not a size`},
		{"both secret env vars", nil, map[string]string{"DOCKMASTER_EVENTS_SECRET": "s3cr3t-value", "DOCKMASTER_EVENTS_SECRET_FILE": "/x"}, "", "both set"},
		{"missing secret file", []string{"--events-secret-file", "/nonexistent/secret"}, nil, "", "--events-secret-file / DOCKMASTER_EVENTS_SECRET: open /nonexistent/secret"},
		{"empty secret file", []string{"--events-secret-file", empty}, nil, "", "is empty"},
		{"bad token key header", []string{"--token-key-header", "jwk"}, nil, "", `--token-key-header / DOCKMASTER_TOKEN_KEY_HEADER: "jwk" is not one of kid, x5c`},
		{"bad token key header in yaml", nil, nil, "token_key_header: both\n", `--token-key-header / DOCKMASTER_TOKEN_KEY_HEADER: "both" is not one of kid, x5c`},
		{"validation runs", []string{"--listen", "foo"}, nil, "", `--listen / DOCKMASTER_LISTEN: "foo" is not host:port`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := tt.args
			if tt.file != "" {
				args = append([]string{"--config", writeFile(t, "dm.yaml", tt.file)}, args...)
			}
			_, err := Load(args, env(tt.env))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "s3cr3t-value") {
				t.Errorf("error leaks the secret: %v", err)
			}
		})
	}
}

func TestLoadHelp(t *testing.T) {
	if _, err := Load([]string{"-h"}, env(nil)); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("err = %v, want flag.ErrHelp", err)
	}
	var b bytes.Buffer
	Usage(&b)
	for _, s := range []string{"--listen", "DOCKMASTER_DATA_DIR", "DOCKMASTER_EVENTS_SECRET (the secret)", "YAML public_url", "--config"} {
		if !strings.Contains(b.String(), s) {
			t.Errorf("usage lacks %q:\n%s", s, b.String())
		}
	}
}

func TestLoadFlagSetKeepsCommandFlags(t *testing.T) {
	fs := flag.NewFlagSet("bootstrap", flag.ContinueOnError)
	username := fs.String("username", "", "")
	c, err := LoadFlagSet(fs, []string{"--username", "root", "--data-dir", "/d"}, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if *username != "root" || c.DataDir != "/d" {
		t.Errorf("username %q, data dir %q", *username, c.DataDir)
	}
}

func valid() Config {
	c := Default()
	c.derive()
	return c
}

func TestValidate(t *testing.T) {
	if err := valid().Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	tests := []struct {
		name   string
		mutate func(c *Config)
		want   string
	}{
		{"listen not host:port", func(c *Config) { c.Listen = "foo" }, `--listen / DOCKMASTER_LISTEN: "foo" is not host:port`},
		{"listen bad port", func(c *Config) { c.Listen = "127.0.0.1:99999" }, `--listen / DOCKMASTER_LISTEN: "127.0.0.1:99999" is not host:port`},
		{"listen named port", func(c *Config) { c.Listen = "127.0.0.1:http" }, "--listen / DOCKMASTER_LISTEN"},
		{"data dir empty", func(c *Config) { c.DataDir = " " }, "--data-dir / DOCKMASTER_DATA_DIR: is empty"},
		{"database empty", func(c *Config) { c.Database = "" }, "--database / DOCKMASTER_DATABASE: is empty"},
		{"database scheme", func(c *Config) { c.Database = "mysql://u:hunter2@db/x" }, `--database / DOCKMASTER_DATABASE: unsupported scheme "mysql"`},
		{"database sqlite without path", func(c *Config) { c.Database = "sqlite://" }, "--database / DOCKMASTER_DATABASE: names no SQLite file"},
		{"database postgres without host", func(c *Config) { c.Database = "postgres://u:hunter2@/x" }, "--database / DOCKMASTER_DATABASE: postgres://u:xxxxx@/x names no host"},
		{"database postgres unparsable", func(c *Config) { c.Database = "postgres://u:hunter2@db:port/x" }, "--database / DOCKMASTER_DATABASE: is not a valid postgres:// URL"},
		{"redis scheme", func(c *Config) { c.RedisURL = "http://cache" }, `--redis-url / DOCKMASTER_REDIS_URL: unsupported scheme "http"`},
		{"redis no host", func(c *Config) { c.RedisURL = "redis://:hunter2@" }, "--redis-url / DOCKMASTER_REDIS_URL: redis://:xxxxx@ names no host"},
		{"redis unparsable", func(c *Config) { c.RedisURL = "redis://:hunter2@cache:port" }, "--redis-url / DOCKMASTER_REDIS_URL: is not a valid URL"},
		{"public url relative", func(c *Config) { c.PublicURL = "/auth" }, `--public-url / DOCKMASTER_PUBLIC_URL: "/auth" is not an http:// or https:// URL`},
		{"public url empty", func(c *Config) { c.PublicURL = "" }, "--public-url / DOCKMASTER_PUBLIC_URL"},
		{"public url query", func(c *Config) { c.PublicURL = "https://x/?a=b" }, "must not have a query"},
		{"public url credentials", func(c *Config) { c.PublicURL = "https://u:hunter2@x/" }, "must not hold credentials"},
		{"registry url scheme", func(c *Config) { c.RegistryURL = "ftp://registry" }, "--registry-url / DOCKMASTER_REGISTRY_URL"},
		{"service empty", func(c *Config) { c.Service = "" }, "--service / DOCKMASTER_SERVICE"},
		{"service with space", func(c *Config) { c.Service = "my registry" }, "--service / DOCKMASTER_SERVICE"},
		{"issuer empty", func(c *Config) { c.Issuer = "" }, "--issuer / DOCKMASTER_ISSUER"},
		{"secret with newline", func(c *Config) { c.EventsSecret = "hunter2\nx" }, "--events-secret-file / DOCKMASTER_EVENTS_SECRET: the secret holds control characters"},
		{"tls cert without key", func(c *Config) { c.TLSCert = "c.pem" }, "--tls-cert / DOCKMASTER_TLS_CERT: is set but --tls-key / DOCKMASTER_TLS_KEY is not"},
		{"tls key without cert", func(c *Config) { c.TLSKey = "k.pem" }, "--tls-key / DOCKMASTER_TLS_KEY: is set but --tls-cert"},
		{"log level", func(c *Config) { c.LogLevel = "trace" }, `--log-level / DOCKMASTER_LOG_LEVEL: "trace" is not one of`},
		{"log format", func(c *Config) { c.LogFormat = "xml" }, `--log-format / DOCKMASTER_LOG_FORMAT: "xml" is not one of`},
		{"invalid proxy", func(c *Config) { c.TrustedProxies = []netip.Prefix{{}} }, "--trusted-proxies / DOCKMASTER_TRUSTED_PROXIES"},
		{"bcrypt cost low", func(c *Config) { c.BcryptCost = 4 }, "--bcrypt-cost / DOCKMASTER_BCRYPT_COST: 4 is outside 10..31"},
		{"bcrypt cost high", func(c *Config) { c.BcryptCost = 32 }, "--bcrypt-cost / DOCKMASTER_BCRYPT_COST: 32 is outside"},
		{"shutdown timeout", func(c *Config) { c.ShutdownTimeout = 0 }, "--shutdown-timeout / DOCKMASTER_SHUTDOWN_TIMEOUT"},
		{"max body", func(c *Config) { c.MaxBodyBytes = -1 }, "--max-body-bytes / DOCKMASTER_MAX_BODY_BYTES"},
		{"database timeout", func(c *Config) { c.DatabaseTimeout = 0 }, "--database-timeout / DOCKMASTER_DATABASE_TIMEOUT"},
		{"acquire timeout", func(c *Config) { c.DatabaseAcquireTimeout = -time.Second }, "--database-acquire-timeout / DOCKMASTER_DATABASE_ACQUIRE_TIMEOUT"},
		{"acquire past the call", func(c *Config) { c.DatabaseAcquireTimeout = 5 * time.Second }, "is longer than --database-timeout"},
		{"fail closed without redis", func(c *Config) { c.RedisFailClosed, c.RedisURL = true, "" }, "--redis-fail-closed / DOCKMASTER_REDIS_FAIL_CLOSED: is set but --redis-url"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := valid()
			tt.mutate(&c)
			err := c.Validate()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error leaks a secret: %v", err)
			}
		})
	}
}

// TestResilienceSettings (issue 13): the database deadlines and the
// fail-closed choice come from flags, the environment and the file, with
// their defaults; --redis-fail-closed works as a bare flag.
func TestResilienceSettings(t *testing.T) {
	none := func(string) string { return "" }
	c, err := Load(nil, none)
	if err != nil {
		t.Fatal(err)
	}
	if c.DatabaseTimeout != 3*time.Second || c.DatabaseAcquireTimeout != time.Second || c.RedisFailClosed {
		t.Fatalf("defaults: %s %s %v", c.DatabaseTimeout, c.DatabaseAcquireTimeout, c.RedisFailClosed)
	}
	file := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(file, []byte("database_timeout: 10s\nredis_url: redis://cache:6379\nredis_fail_closed: true\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"DOCKMASTER_DATABASE_ACQUIRE_TIMEOUT": "250ms"}
	c, err = Load([]string{"--config", file, "--database-timeout", "5s"}, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if c.DatabaseTimeout != 5*time.Second || c.DatabaseAcquireTimeout != 250*time.Millisecond || !c.RedisFailClosed {
		t.Fatalf("file+env+flags: %s %s %v", c.DatabaseTimeout, c.DatabaseAcquireTimeout, c.RedisFailClosed)
	}
	c, err = Load([]string{"--redis-url", "redis://cache:6379", "--redis-fail-closed"}, none)
	if err != nil || !c.RedisFailClosed {
		t.Fatalf("bare --redis-fail-closed: %v %v", c.RedisFailClosed, err)
	}
	if _, err := Load([]string{"--database-timeout", "soon"}, none); err == nil || !strings.Contains(err.Error(), "--database-timeout") {
		t.Fatalf("bad duration: %v", err)
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	c := valid()
	c.Listen, c.LogLevel, c.BcryptCost = "foo", "loud", 1
	err := c.Validate()
	for _, s := range []string{"--listen", "--log-level", "--bcrypt-cost"} {
		if err == nil || !strings.Contains(err.Error(), s) {
			t.Errorf("err = %v, want it to mention %s", err, s)
		}
	}
}

func TestValidAccepts(t *testing.T) {
	for _, mutate := range []func(c *Config){
		func(c *Config) { c.Listen = ":5001" },
		func(c *Config) { c.Listen = "[::1]:0" },
		func(c *Config) { c.Database = "sqlite:rel/x.db" },
		func(c *Config) { c.Database = "/abs/x.db" },
		func(c *Config) { c.Database = "postgresql://u:p@db:5432/x?sslmode=disable" },
		func(c *Config) { c.Database = "postgres:///x?host=/run/postgresql" },
		func(c *Config) { c.RedisURL = "rediss://:p@cache:6380/1" },
		func(c *Config) { c.RedisURL = "unix:///run/redis.sock" },
		func(c *Config) { c.RegistryURL = "http://registry:5000" },
		func(c *Config) { c.TLSCert, c.TLSKey = "c", "k" },
		func(c *Config) { c.TokenKeyHeader = "x5c" },
	} {
		c := valid()
		mutate(&c)
		if err := c.Validate(); err != nil {
			t.Errorf("%v: %v", c, err)
		}
	}
}

func TestDatabaseKind(t *testing.T) {
	tests := []struct{ in, kind, dsn string }{
		{"sqlite://data/dockmaster.db", "sqlite", "data/dockmaster.db"},
		{"sqlite:///var/lib/dm.db", "sqlite", "/var/lib/dm.db"},
		{"sqlite://./x.db?_pragma=busy_timeout(5000)", "sqlite", "./x.db?_pragma=busy_timeout(5000)"},
		{"SQLite://x.db", "sqlite", "x.db"},
		{"sqlite:x.db", "sqlite", "x.db"},
		{"x.db", "sqlite", "x.db"},
		{"/var/lib/dm.db", "sqlite", "/var/lib/dm.db"},
		{`C:\dm\x.db`, "sqlite", `C:\dm\x.db`},
		{"postgres://u:p@db/x", "postgres", "postgres://u:p@db/x"},
		{"postgresql://db/x", "postgres", "postgresql://db/x"},
		{"mysql://db/x", "", ""},
		{"sqlite://", "", ""},
		{"sqlite:", "", ""},
		{"", "", ""},
	}
	for _, tt := range tests {
		kind, dsn := Config{Database: tt.in}.DatabaseKind()
		if kind != tt.kind || dsn != tt.dsn {
			t.Errorf("DatabaseKind(%q) = %q, %q; want %q, %q", tt.in, kind, dsn, tt.kind, tt.dsn)
		}
	}
}

func TestSecretsNeverPrinted(t *testing.T) {
	c := valid()
	c.EventsSecret = "events-hunter2"
	c.Database = "postgres://dm:db-hunter2@db/dm?password=q-hunter2"
	c.RedisURL = "redis://:redis-hunter2@cache:6379"
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("config", "config", c)
	j, _ := json.Marshal(struct{ S Secret }{c.EventsSecret})
	outputs := map[string]string{
		"String":    c.String(),
		"%v":        fmt.Sprintf("%v", c),
		"%+v":       fmt.Sprintf("%+v", c),
		"%#v":       fmt.Sprintf("%#v", c),
		"%s secret": fmt.Sprintf("%s", any(c.EventsSecret)), // what %s prints, not String()
		"%#v sec":   fmt.Sprintf("%#v", c.EventsSecret),
		"slog":      logs.String(),
		"json":      string(j),
	}
	for name, out := range outputs {
		if strings.Contains(out, "hunter2") {
			t.Errorf("%s leaks a secret: %s", name, out)
		}
	}
	if !strings.Contains(c.String(), "events_secret=\"[redacted]\"") || !strings.Contains(logs.String(), `"listen":"127.0.0.1:5001"`) {
		t.Errorf("String = %s\nslog = %s", c.String(), logs.String())
	}
	if c.EventsSecret.Reveal() != "events-hunter2" {
		t.Error("Reveal")
	}
}
