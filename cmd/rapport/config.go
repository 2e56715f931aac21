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
	"runtime"
	"strconv"
	"strings"
	"time"

	"rapport/internal/app"
	"rapport/internal/mail"
	"rapport/internal/notify"
	"rapport/internal/secrets"
	"rapport/internal/telemetry"
)

// serveConfig is everything `rapport serve` needs, from flags and environment.
type serveConfig struct {
	// Retention: how long finished records are kept (RAPPORT_RETAIN_*).
	Retention app.Retention
	Addr      string
	// MetricsAddr is where Prometheus metrics are served; "" (the default):
	// not at all. Never the application's port.
	MetricsAddr     string
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
	// DrainWindow is how long, after SIGTERM, /readyz answers 503 while
	// requests are still served, before the listener closes.
	DrainWindow time.Duration
	// The connection budget (see postgres.Budget).
	PoolSize               int32
	AcquireTimeout         time.Duration
	StatementTimeout       time.Duration
	RequestTimeout         time.Duration
	Exports                int32
	ExportStatementTimeout time.Duration
	// PerPerson is how many requests of one person run at once (0: no limit).
	PerPerson int32
	// APIRate is how many API requests one personal access token may make
	// a minute.
	APIRate      int32
	LogLevel     string
	LogFormat    string
	TraceQueries bool
	// Tracing is on when the standard OTEL_* environment configures an
	// exporter (telemetry.Enabled).
	Tracing bool
	// WebhookAllowPrivate lists private ranges webhooks may reach anyway.
	WebhookAllowPrivate []netip.Prefix
	Keys                keyConfig
	// SMTP is the mail server (RAPPORT_SMTP_URL, environment only: it may
	// hold a password); nil: email is not configured.
	SMTP *mail.SMTPConfig
	// MailFrom is the sender of every message (RAPPORT_MAIL_FROM).
	MailFrom mail.Address
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
	var mailFrom string
	var idle, lifetime, shutdown, people, allowPrivate, drain, poolSize, acquire, statement, request, exports, exportStatement, perPerson, apiRate string
	fs.StringVar(&c.Addr, "addr", env("RAPPORT_ADDR", ":8080"), "listen address (RAPPORT_ADDR)")
	fs.StringVar(&c.MetricsAddr, "metrics-addr", env("RAPPORT_METRICS_ADDR", ""), "serve Prometheus metrics at /metrics on this address, e.g. :9090 or 127.0.0.1:9090 (RAPPORT_METRICS_ADDR); empty: off")
	fs.StringVar(&c.DatabaseURL, "database-url", env("DATABASE_URL", ""), "PostgreSQL URL (DATABASE_URL); empty: local server or a private one")
	fs.StringVar(&c.BaseURL, "base-url", env("RAPPORT_BASE_URL", ""), "public URL used in links (RAPPORT_BASE_URL); default http://localhost:<port>")
	fs.StringVar(&c.DataDir, "data-dir", env("RAPPORT_DATA_DIR", "./data"), "directory for a private PostgreSQL (RAPPORT_DATA_DIR)")
	fs.BoolVar(&c.Demo, "demo", env("RAPPORT_DEMO", "") == "1", "seed a demo organisation when the database is empty (RAPPORT_DEMO=1)")
	fs.StringVar(&people, "demo-people", env("RAPPORT_DEMO_PEOPLE", "60"), "size of the demo organisation (RAPPORT_DEMO_PEOPLE)")
	fs.BoolVar(&c.InsecureCookies, "insecure-cookies", env("RAPPORT_INSECURE_COOKIES", "") == "1", "send the session cookie over plain HTTP (only for HTTP deployments off localhost)")
	fs.BoolVar(&c.TrustProxy, "trust-proxy", env("RAPPORT_TRUST_PROXY", "") == "1", "trust X-Forwarded-For/-Proto from a reverse proxy (RAPPORT_TRUST_PROXY=1)")
	fs.StringVar(&idle, "session-idle", env("RAPPORT_SESSION_IDLE", "12h"), "sign out after this long without activity (RAPPORT_SESSION_IDLE)")
	fs.StringVar(&lifetime, "session-lifetime", env("RAPPORT_SESSION_LIFETIME", "168h"), "sign out after this long in any case (RAPPORT_SESSION_LIFETIME)")
	fs.StringVar(&shutdown, "shutdown-timeout", env("RAPPORT_SHUTDOWN_TIMEOUT", "25s"), "grace period: the process exits at most this long after SIGTERM, drain window included (RAPPORT_SHUTDOWN_TIMEOUT)")
	fs.StringVar(&drain, "drain-window", env("RAPPORT_DRAIN_WINDOW", "5s"), "after SIGTERM, keep serving this long with /readyz answering 503, so load balancers move away first (RAPPORT_DRAIN_WINDOW)")
	fs.StringVar(&poolSize, "db-pool-size", env("RAPPORT_DB_POOL_SIZE", strconv.Itoa(int(defaultPoolSize()))), "database connections for pages (RAPPORT_DB_POOL_SIZE); readiness, jobs and exports have their own")
	fs.StringVar(&acquire, "db-acquire-timeout", env("RAPPORT_DB_ACQUIRE_TIMEOUT", "1s"), "a page waits at most this long for a free connection, then gets 503 and Retry-After (RAPPORT_DB_ACQUIRE_TIMEOUT)")
	fs.StringVar(&statement, "db-statement-timeout", env("RAPPORT_DB_STATEMENT_TIMEOUT", "5s"), "PostgreSQL statement_timeout of page queries (RAPPORT_DB_STATEMENT_TIMEOUT)")
	fs.StringVar(&request, "request-timeout", env("RAPPORT_REQUEST_TIMEOUT", "15s"), "bound of one page request (RAPPORT_REQUEST_TIMEOUT); exports and event streams have their own")
	fs.StringVar(&exports, "exports", env("RAPPORT_EXPORTS", "2"), "cycle exports run at once, one database connection each (RAPPORT_EXPORTS); more are asked to retry")
	fs.StringVar(&apiRate, "api-rate", env("RAPPORT_API_RATE", "300"), "API requests one personal access token may make a minute (RAPPORT_API_RATE); more get 429")
	fs.StringVar(&perPerson, "requests-per-person", env("RAPPORT_REQUESTS_PER_PERSON", "auto"), "requests of one signed-in person served at once, more get 503 (RAPPORT_REQUESTS_PER_PERSON); auto: half the pool, at least 2; 0: no limit")
	fs.StringVar(&exportStatement, "export-statement-timeout", env("RAPPORT_EXPORT_STATEMENT_TIMEOUT", "2m"), "statement_timeout of each export query (RAPPORT_EXPORT_STATEMENT_TIMEOUT)")
	fs.StringVar(&c.LogLevel, "log-level", env("RAPPORT_LOG_LEVEL", "info"), "debug, info, warn or error (RAPPORT_LOG_LEVEL)")
	fs.StringVar(&c.LogFormat, "log-format", env("RAPPORT_LOG_FORMAT", "text"), "text or json (RAPPORT_LOG_FORMAT)")
	fs.BoolVar(&c.TraceQueries, "trace-queries", env("RAPPORT_TRACE_QUERIES", "") == "1", "debugging: count each request's database statements in the access log and an X-Queries header (RAPPORT_TRACE_QUERIES=1)")
	fs.StringVar(&allowPrivate, "webhook-allow-private", env("RAPPORT_WEBHOOK_ALLOW_PRIVATE", ""), "comma-separated private CIDR ranges webhooks and single sign-on providers may reach, e.g. an on-premise chat server's 10.20.0.0/16 (RAPPORT_WEBHOOK_ALLOW_PRIVATE)")
	fs.StringVar(&mailFrom, "mail-from", env("RAPPORT_MAIL_FROM", ""), "sender of every email, e.g. \"Rapport <rapport@example.com>\" (RAPPORT_MAIL_FROM); default rapport@ the base URL's host")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	var errs configErrors
	if raw := os.Getenv("RAPPORT_SMTP_URL"); raw != "" {
		smtp, err := mail.ParseSMTPURL(raw)
		if err != nil {
			errs = append(errs, err.Error())
		} else {
			c.SMTP = &smtp
		}
	}
	if mailFrom != "" {
		from, err := mail.ParseAddress(mailFrom)
		if err != nil {
			errs = append(errs, "RAPPORT_MAIL_FROM/--mail-from: "+err.Error())
		}
		c.MailFrom = from
	}
	prefixes, badRanges := notify.ParseAllowList(allowPrivate)
	for _, b := range badRanges {
		errs = append(errs, "RAPPORT_WEBHOOK_ALLOW_PRIVATE/--webhook-allow-private "+b)
	}
	c.WebhookAllowPrivate = prefixes
	ret, retErrs := parseRetention()
	errs = append(errs, retErrs...)
	c.Retention = ret
	keys, keyErrs := parseKeys()
	errs = append(errs, keyErrs...)
	c.Keys = keys
	host, port, err := net.SplitHostPort(c.Addr)
	if err != nil {
		errs = append(errs, fmt.Sprintf("RAPPORT_ADDR/--addr %q: use host:port, e.g. :8080 or 127.0.0.1:8080", c.Addr))
	} else if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
		errs = append(errs, fmt.Sprintf("RAPPORT_ADDR/--addr %q: the port must be a number from 0 to 65535", c.Addr))
	}
	if c.MetricsAddr != "" {
		if _, mport, err := net.SplitHostPort(c.MetricsAddr); err != nil {
			errs = append(errs, fmt.Sprintf("RAPPORT_METRICS_ADDR/--metrics-addr %q: use host:port, e.g. :9090 or 127.0.0.1:9090", c.MetricsAddr))
		} else if p, err := strconv.Atoi(mport); err != nil || p < 0 || p > 65535 {
			errs = append(errs, fmt.Sprintf("RAPPORT_METRICS_ADDR/--metrics-addr %q: the port must be a number from 0 to 65535", c.MetricsAddr))
		} else if p != 0 && mport == port {
			errs = append(errs, fmt.Sprintf("RAPPORT_METRICS_ADDR/--metrics-addr %q: use a port other than the application's (%s), so metrics are never public", c.MetricsAddr, port))
		}
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
	counts := []struct {
		name     string
		raw      string
		dst      *int32
		min, max int
	}{
		{"RAPPORT_DB_POOL_SIZE/--db-pool-size", poolSize, &c.PoolSize, 1, 1000},
		{"RAPPORT_EXPORTS/--exports", exports, &c.Exports, 1, 100},
		{"RAPPORT_API_RATE/--api-rate", apiRate, &c.APIRate, 1, 100000},
	}
	for _, n := range counts {
		v, err := strconv.Atoi(n.raw)
		if err != nil || v < n.min || v > n.max {
			errs = append(errs, fmt.Sprintf("%s %q: use a whole number from %d to %d", n.name, n.raw, n.min, n.max))
			continue
		}
		*n.dst = int32(v)
	}
	switch v, err := strconv.Atoi(perPerson); {
	case perPerson == "auto":
		if c.PoolSize > 0 {
			c.PerPerson = max(2, c.PoolSize/2)
		}
	case err != nil || v < 0 || v > 1000:
		errs = append(errs, fmt.Sprintf("RAPPORT_REQUESTS_PER_PERSON/--requests-per-person %q: use auto, or a whole number from 0 (no limit) to 1000", perPerson))
	default:
		c.PerPerson = int32(v)
	}
	durations := []struct {
		name    string
		raw     string
		dst     *time.Duration
		min     time.Duration
		example string
	}{
		{"RAPPORT_SESSION_IDLE/--session-idle", idle, &c.SessionIdle, time.Minute, "12h or 30m"},
		{"RAPPORT_SESSION_LIFETIME/--session-lifetime", lifetime, &c.SessionLifetime, time.Minute, "168h"},
		{"RAPPORT_SHUTDOWN_TIMEOUT/--shutdown-timeout", shutdown, &c.ShutdownTimeout, time.Second, "25s"},
		{"RAPPORT_DRAIN_WINDOW/--drain-window", drain, &c.DrainWindow, 0, "5s, or 0s for none"},
		{"RAPPORT_DB_ACQUIRE_TIMEOUT/--db-acquire-timeout", acquire, &c.AcquireTimeout, 10 * time.Millisecond, "1s or 500ms"},
		{"RAPPORT_DB_STATEMENT_TIMEOUT/--db-statement-timeout", statement, &c.StatementTimeout, 100 * time.Millisecond, "5s"},
		{"RAPPORT_REQUEST_TIMEOUT/--request-timeout", request, &c.RequestTimeout, time.Second, "15s"},
		{"RAPPORT_EXPORT_STATEMENT_TIMEOUT/--export-statement-timeout", exportStatement, &c.ExportStatementTimeout, time.Second, "2m"},
	}
	bad := map[*time.Duration]bool{}
	for _, d := range durations {
		v, err := time.ParseDuration(d.raw)
		if err != nil || v < d.min {
			errs = append(errs, fmt.Sprintf("%s %q: use a duration of at least %s, e.g. %s", d.name, d.raw, d.min, d.example))
			bad[d.dst] = true
			continue
		}
		*d.dst = v
	}
	// Bounds between settings, checked only when both parsed.
	if !bad[&c.DrainWindow] && !bad[&c.ShutdownTimeout] && c.DrainWindow >= c.ShutdownTimeout {
		errs = append(errs, fmt.Sprintf("RAPPORT_DRAIN_WINDOW (%s) must be shorter than RAPPORT_SHUTDOWN_TIMEOUT (%s): the grace period includes the drain window and the time to finish requests", c.DrainWindow, c.ShutdownTimeout))
	}
	if !bad[&c.StatementTimeout] && !bad[&c.RequestTimeout] && c.StatementTimeout > c.RequestTimeout {
		errs = append(errs, fmt.Sprintf("RAPPORT_DB_STATEMENT_TIMEOUT (%s) must not be longer than RAPPORT_REQUEST_TIMEOUT (%s)", c.StatementTimeout, c.RequestTimeout))
	}
	if !bad[&c.AcquireTimeout] && !bad[&c.RequestTimeout] && c.AcquireTimeout >= c.RequestTimeout {
		errs = append(errs, fmt.Sprintf("RAPPORT_DB_ACQUIRE_TIMEOUT (%s) must be shorter than RAPPORT_REQUEST_TIMEOUT (%s)", c.AcquireTimeout, c.RequestTimeout))
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
	c.Tracing = telemetry.Enabled(os.Getenv)
	if err := telemetry.Check(os.Getenv); err != nil {
		errs = append(errs, strings.Split(err.Error(), "\n")...)
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

// defaultPoolSize is twice the cores Go uses, within 4 to 32: pages spend
// most of their time waiting on the database, so a core keeps about two
// connections busy; past 32 per replica PostgreSQL itself is the limit
// (its max_connections is shared by every replica).
func defaultPoolSize() int32 {
	return int32(min(max(2*runtime.GOMAXPROCS(0), 4), 32))
}

// retentionSettings are the RAPPORT_RETAIN_* variables with their defaults
// (docs/operations.md, "Retention"); min bounds a setting, and "0" keeps the
// records for ever where keep0 allows it.
var retentionSettings = []struct {
	env, def string
	min      time.Duration
	keep0    bool
	dst      func(*app.Retention) *time.Duration
}{
	{"RAPPORT_RETAIN_WEBHOOK_DELIVERIES", "30d", time.Hour, true, func(r *app.Retention) *time.Duration { return &r.WebhookDeliveries }},
	{"RAPPORT_RETAIN_OUTBOX", "90d", time.Hour, true, func(r *app.Retention) *time.Duration { return &r.Outbox }},
	{"RAPPORT_RETAIN_AUDIT", "400d", 24 * time.Hour, true, func(r *app.Retention) *time.Duration { return &r.Audit }},
	{"RAPPORT_RETAIN_NOTIFICATIONS", "180d", time.Hour, true, func(r *app.Retention) *time.Duration { return &r.Notifications }},
	{"RAPPORT_RETAIN_LIVE_EVENTS", "7d", time.Hour, false, func(r *app.Retention) *time.Duration { return &r.LiveEvents }},
	{"RAPPORT_RETAIN_JOBS", "7d", time.Hour, false, func(r *app.Retention) *time.Duration { return &r.Jobs }},
}

// parseRetention reads the RAPPORT_RETAIN_* variables: a number of days
// ("30d") or a Go duration ("36h").
func parseRetention() (app.Retention, configErrors) {
	var r app.Retention
	var errs configErrors
	for _, s := range retentionSettings {
		raw := env(s.env, s.def)
		d, err := parseDays(raw)
		switch {
		case err == nil && d == 0 && s.keep0:
		case err != nil || d < s.min:
			hint := ""
			if s.keep0 {
				hint = ", or 0 to keep them for ever"
			}
			errs = append(errs, fmt.Sprintf("%s %q: use a number of days like %s, or a duration of at least %s%s", s.env, raw, s.def, s.min, hint))
			continue
		}
		*s.dst(&r) = d
	}
	return r, errs
}

// parseDays is time.ParseDuration that also takes whole days, "30d".
func parseDays(s string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 0 || n > 100000 {
			return 0, fmt.Errorf("bad number of days %q", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	return time.ParseDuration(s)
}
