package main

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"rapport/internal/notify"
	"rapport/internal/secrets"
)

// serveConfig is everything `rapport serve` needs, from flags and environment.
type serveConfig struct {
	Addr            string
	DatabaseURL     string
	BaseURL         string
	DataDir         string
	Demo            bool
	DemoPeople      int
	InsecureCookies bool
	TrustProxy      bool
	SessionIdle     time.Duration
	SessionLifetime time.Duration
	ShutdownTimeout time.Duration
	LogLevel        string
	LogFormat       string
	TraceQueries    bool
	// WebhookAllowPrivate lists private ranges webhooks may reach anyway.
	WebhookAllowPrivate []netip.Prefix
	Keys                keyConfig
}

// keyConfig is the secret keys from the environment (never flags, which other
// users of the machine can read in the process list).
type keyConfig struct {
	Current []byte   // RAPPORT_SECRET_KEY; nil: the key file in the data directory
	Old     [][]byte // RAPPORT_SECRET_KEY_OLD: keys that only open
}

// env returns the environment variable or a default.
func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return def
}

// configErrors collects one message per bad value.
type configErrors []string

func (e configErrors) Error() string {
	return "invalid configuration:\n  - " + strings.Join(e, "\n  - ")
}

// parseServe reads flags (which win) over environment variables and checks
// every value, reporting all problems at once.
func parseServe(args []string) (serveConfig, error) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var c serveConfig
	var idle, lifetime, shutdown, people, allowPrivate string
	fs.StringVar(&c.Addr, "addr", env("RAPPORT_ADDR", ":8080"), "listen address (RAPPORT_ADDR)")
	fs.StringVar(&c.DatabaseURL, "database-url", env("DATABASE_URL", ""), "PostgreSQL URL (DATABASE_URL); empty: local server or a private one")
	fs.StringVar(&c.BaseURL, "base-url", env("RAPPORT_BASE_URL", ""), "public URL used in links (RAPPORT_BASE_URL); default http://localhost:<port>")
	fs.StringVar(&c.DataDir, "data-dir", env("RAPPORT_DATA_DIR", "./data"), "directory for a private PostgreSQL (RAPPORT_DATA_DIR)")
	fs.BoolVar(&c.Demo, "demo", env("RAPPORT_DEMO", "") == "1", "seed a demo organisation when the database is empty (RAPPORT_DEMO=1)")
	fs.StringVar(&people, "demo-people", env("RAPPORT_DEMO_PEOPLE", "60"), "size of the demo organisation (RAPPORT_DEMO_PEOPLE)")
	fs.BoolVar(&c.InsecureCookies, "insecure-cookies", env("RAPPORT_INSECURE_COOKIES", "") == "1", "send the session cookie over plain HTTP (only for HTTP deployments off localhost)")
	fs.BoolVar(&c.TrustProxy, "trust-proxy", env("RAPPORT_TRUST_PROXY", "") == "1", "trust X-Forwarded-For/-Proto from a reverse proxy (RAPPORT_TRUST_PROXY=1)")
	fs.StringVar(&idle, "session-idle", env("RAPPORT_SESSION_IDLE", "12h"), "sign out after this long without activity (RAPPORT_SESSION_IDLE)")
	fs.StringVar(&lifetime, "session-lifetime", env("RAPPORT_SESSION_LIFETIME", "168h"), "sign out after this long in any case (RAPPORT_SESSION_LIFETIME)")
	fs.StringVar(&shutdown, "shutdown-timeout", env("RAPPORT_SHUTDOWN_TIMEOUT", "20s"), "how long to drain requests on SIGTERM")
	fs.StringVar(&c.LogLevel, "log-level", env("RAPPORT_LOG_LEVEL", "info"), "debug, info, warn or error (RAPPORT_LOG_LEVEL)")
	fs.StringVar(&c.LogFormat, "log-format", env("RAPPORT_LOG_FORMAT", "text"), "text or json (RAPPORT_LOG_FORMAT)")
	fs.BoolVar(&c.TraceQueries, "trace-queries", env("RAPPORT_TRACE_QUERIES", "") == "1", "debugging: count each request's database statements in the access log and an X-Queries header (RAPPORT_TRACE_QUERIES=1)")
	fs.StringVar(&allowPrivate, "webhook-allow-private", env("RAPPORT_WEBHOOK_ALLOW_PRIVATE", ""), "comma-separated private CIDR ranges webhooks may reach, e.g. an on-premise chat server's 10.20.0.0/16 (RAPPORT_WEBHOOK_ALLOW_PRIVATE)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	var errs configErrors
	prefixes, bad := notify.ParseAllowList(allowPrivate)
	for _, b := range bad {
		errs = append(errs, "RAPPORT_WEBHOOK_ALLOW_PRIVATE/--webhook-allow-private "+b)
	}
	c.WebhookAllowPrivate = prefixes
	keys, keyErrs := parseKeys()
	errs = append(errs, keyErrs...)
	c.Keys = keys
	host, port, err := net.SplitHostPort(c.Addr)
	if err != nil {
		errs = append(errs, fmt.Sprintf("RAPPORT_ADDR/--addr %q: use host:port, e.g. :8080 or 127.0.0.1:8080", c.Addr))
	} else if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
		errs = append(errs, fmt.Sprintf("RAPPORT_ADDR/--addr %q: the port must be a number from 0 to 65535", c.Addr))
	}
	if c.DatabaseURL != "" {
		if u, err := url.Parse(c.DatabaseURL); err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			errs = append(errs, "DATABASE_URL/--database-url: use postgres://user:password@host:5432/dbname")
		}
	}
	if c.BaseURL == "" {
		h := host
		if h == "" || h == "0.0.0.0" || h == "::" {
			h = "localhost"
		}
		c.BaseURL = "http://" + net.JoinHostPort(h, port)
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Sprintf("RAPPORT_BASE_URL/--base-url %q: use a full URL like https://rapport.example.com", c.BaseURL))
	}
	if n, err := strconv.Atoi(people); err != nil || n < 8 || n > 200000 {
		errs = append(errs, fmt.Sprintf("RAPPORT_DEMO_PEOPLE/--demo-people %q: use a whole number from 8 to 200000", people))
	} else {
		c.DemoPeople = n
	}
	durations := []struct {
		name string
		raw  string
		dst  *time.Duration
		min  time.Duration
	}{
		{"RAPPORT_SESSION_IDLE/--session-idle", idle, &c.SessionIdle, time.Minute},
		{"RAPPORT_SESSION_LIFETIME/--session-lifetime", lifetime, &c.SessionLifetime, time.Minute},
		{"RAPPORT_SHUTDOWN_TIMEOUT/--shutdown-timeout", shutdown, &c.ShutdownTimeout, time.Second},
	}
	for _, d := range durations {
		v, err := time.ParseDuration(d.raw)
		if err != nil || v < d.min {
			errs = append(errs, fmt.Sprintf("%s %q: use a duration of at least %s, e.g. 12h or 30m", d.name, d.raw, d.min))
			continue
		}
		*d.dst = v
	}
	if c.SessionIdle > c.SessionLifetime && c.SessionLifetime > 0 {
		errs = append(errs, "RAPPORT_SESSION_IDLE must not be longer than RAPPORT_SESSION_LIFETIME")
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Sprintf("RAPPORT_LOG_LEVEL/--log-level %q: use debug, info, warn or error", c.LogLevel))
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		errs = append(errs, fmt.Sprintf("RAPPORT_LOG_FORMAT/--log-format %q: use text or json", c.LogFormat))
	}
	if len(errs) > 0 {
		return c, errs
	}
	return c, nil
}

var errUsage = errors.New("usage")

// parseKeys reads RAPPORT_SECRET_KEY and RAPPORT_SECRET_KEY_OLD (a
// comma-separated list), one message per bad value; the messages never
// repeat a key.
func parseKeys() (keyConfig, configErrors) {
	var kc keyConfig
	var errs configErrors
	if s := os.Getenv("RAPPORT_SECRET_KEY"); s != "" {
		k, err := secrets.ParseKey(s)
		if err != nil {
			errs = append(errs, "RAPPORT_SECRET_KEY: "+err.Error())
		}
		kc.Current = k
	}
	for i, s := range strings.Split(os.Getenv("RAPPORT_SECRET_KEY_OLD"), ",") {
		if strings.TrimSpace(s) == "" {
			continue
		}
		k, err := secrets.ParseKey(s)
		if err != nil {
			errs = append(errs, fmt.Sprintf("RAPPORT_SECRET_KEY_OLD (key %d): %s", i+1, err))
			continue
		}
		kc.Old = append(kc.Old, k)
	}
	if kc.Current == nil && len(kc.Old) > 0 && len(errs) == 0 {
		errs = append(errs, "RAPPORT_SECRET_KEY_OLD is set but RAPPORT_SECRET_KEY is not: set the new key too")
	}
	return kc, errs
}

// keyFileName is where a key is generated when RAPPORT_SECRET_KEY is not set.
const keyFileName = "secret.key"

// keyring builds the keyring: the configured key, or else the one generated
// once into the data directory (for `make run`, docker compose and trials),
// which is also kept for opening once a key is configured.
func (kc keyConfig) keyring(dataDir string, log *slog.Logger) (*secrets.Keyring, error) {
	path := filepath.Join(dataDir, keyFileName)
	old := kc.Old
	current := kc.Current
	if current == nil {
		k, created, err := secrets.LoadOrCreateKeyFile(path)
		if err != nil {
			return nil, fmt.Errorf("%w (or set RAPPORT_SECRET_KEY)", err)
		}
		if created {
			log.Warn("RAPPORT_SECRET_KEY is not set: generated a secret key for stored webhook addresses; keep it with your backups, or set RAPPORT_SECRET_KEY (see docs/security-keys.md)", "file", path)
		} else {
			log.Info("using the secret key from the data directory (RAPPORT_SECRET_KEY is not set)", "file", path)
		}
		current = k
	} else if b, err := os.ReadFile(path); err == nil {
		if k, err := secrets.ParseKey(string(b)); err == nil {
			old = append(old, k)
		}
	}
	return secrets.NewKeyring(current, old...)
}
