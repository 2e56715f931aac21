// Command rapport is the Rapport server and its administration commands.
//
//	rapport serve [--demo]          run the web app (migrates the database first)
//	rapport migrate up|down|status  manage the database schema
//	rapport demo --people N         seed a demo organisation
//	rapport user create ...         create an admin from the shell
//	rapport loadtest ...            measure pages under load
//	rapport secrets generate|rotate make a key, re-encrypt stored secrets
//	rapport rebuild-tree            recompute the kept reporting tree
//	rapport rebuild-readmodels      recompute the kept check-in figures and kudo tallies
//	rapport org export              write a whole organisation as an archive
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/multitracer"
	"github.com/jackc/pgx/v5/pgxpool"

	"rapport/internal/app"
	"rapport/internal/auth"
	"rapport/internal/core"
	"rapport/internal/demo"
	"rapport/internal/mail"
	"rapport/internal/metrics"
	"rapport/internal/notify"
	"rapport/internal/people"
	"rapport/internal/pgembed"
	"rapport/internal/postgres"
	"rapport/internal/retro"
	"rapport/internal/secrets"
	"rapport/internal/server"
	"rapport/internal/sso"
	"rapport/internal/telemetry"
)

const usage = `Rapport — build working relationships on purpose.

Usage:
  rapport serve [flags]            run the web app (see rapport serve -h)
  rapport migrate up|down|status   apply, roll back or list database migrations
  rapport demo [--people N] [--months M]
                                   add a demo organisation with M months of history
  rapport explain [--days D]       print query plans of the check-in pages on the
                                   database's first organisation
  rapport user create --email E --name N [--org O]
                                   create an admin (password from RAPPORT_PASSWORD or stdin)
  rapport user reset-link --email E [--org O] [--base-url U]
                                   print a one-hour password-reset link to pass on;
                                   the person's older links stop working
  rapport person erase --email E [--org O] --yes
                                   erase a person for good (docs/privacy.md)
  rapport loadtest [flags]         measure pages under constant-rate load against the
                                   Fortunes baseline (see rapport loadtest -h)
  rapport secrets generate         print a new random secret key
  rapport secrets rotate           re-encrypt stored secrets with RAPPORT_SECRET_KEY
                                   (see docs/security-keys.md)
  rapport rebuild-tree             recompute the kept reporting tree (reporting_lines)
                                   from every person's manager; prints what was wrong
  rapport rebuild-readmodels       recompute the kept check-in figures (action_tallies,
                                   meeting_totals) from the 1:1 actions and meetings,
                                   and the kudo tallies (kudo_tallies) from the kudos;
                                   prints what was wrong
  rapport org export --org O --out FILE.zip
                                   write the whole organisation O (name or id) as the
                                   archive admins download at /admin/export
                                   (docs/export-format.md)

The database is DATABASE_URL; without it, the local PostgreSQL at 127.0.0.1:5432
(database rapport) or else a private PostgreSQL under RAPPORT_DATA_DIR.
`

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, errUsage) || errors.Is(err, flag.ErrHelp) {
			os.Exit(2)
		}
		fmt.Fprintln(os.Stderr, "rapport:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	switch args[0] {
	case "serve":
		return cmdServe(ctx, args[1:], stdout, stderr)
	case "migrate":
		return cmdMigrate(ctx, args[1:], stdout, stderr)
	case "demo":
		return cmdDemo(ctx, args[1:], stdout, stderr)
	case "user":
		return cmdUser(ctx, args[1:], stdin, stdout, stderr)
	case "person":
		return cmdPerson(ctx, args[1:], stdout, stderr)
	case "explain":
		return cmdExplain(ctx, args[1:], stdout, stderr)
	case "loadtest":
		return cmdLoadtest(ctx, args[1:], stdout, stderr)
	case "secrets":
		return cmdSecrets(ctx, args[1:], stdout, stderr)
	case "rebuild-tree":
		return cmdRebuildTree(ctx, args[1:], stdout, stderr)
	case "rebuild-readmodels":
		return cmdRebuildReadModels(ctx, args[1:], stdout, stderr)
	case "org":
		return cmdOrg(ctx, args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprintf(stderr, "unknown command %q\n\n%s", args[0], usage)
	return errUsage
}

func newLogger(w io.Writer, level, format string) *slog.Logger {
	var lv slog.Level
	_ = lv.UnmarshalText([]byte(level))
	opts := &slog.HandlerOptions{Level: lv}
	// Lines logged inside a trace carry its trace_id (tracing is off
	// unless OTEL_* configures it).
	if format == "json" {
		return slog.New(telemetry.LogHandler(slog.NewJSONHandler(w, opts)))
	}
	return slog.New(telemetry.LogHandler(slog.NewTextHandler(w, opts)))
}

// database returns the DSN to use and a function that stops a private server.
func database(ctx context.Context, dsn, dataDir string, log *slog.Logger) (string, func() error, error) {
	if dsn != "" {
		log.Info("using database from DATABASE_URL", "host", hostOf(dsn))
		return dsn, func() error { return nil }, nil
	}
	dsn, desc, stop, err := pgembed.Resolve(ctx, pgembed.Options{DataDir: filepath.Join(dataDir, "postgres"), Logger: log})
	if err != nil {
		return "", nil, err
	}
	log.Info("using " + desc)
	return dsn, stop, nil
}

func hostOf(dsn string) string {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return "?"
	}
	return fmt.Sprintf("%s:%d/%s", cfg.ConnConfig.Host, cfg.ConnConfig.Port, cfg.ConnConfig.Database)
}

func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseServe(args)
	if err != nil {
		return err
	}
	log := newLogger(stderr, cfg.LogLevel, cfg.LogFormat)
	ctx, stopSignals := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stopSignals()

	dsn, stopDB, err := database(ctx, cfg.DatabaseURL, cfg.DataDir, log)
	if err != nil {
		return err
	}
	defer func() {
		if err := stopDB(); err != nil {
			log.Error("stop private database", "err", err)
		}
	}()
	if err := postgres.Migrate(ctx, dsn, log); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	var tracers []pgx.QueryTracer
	if cfg.TraceQueries {
		tracers = append(tracers, &postgres.QueryCounter{})
		log.Warn("tracing database statements per request (--trace-queries): for debugging, not for production")
	}
	stopTracing := func(context.Context) error { return nil }
	if cfg.Tracing {
		version, _ := metrics.Build()
		if stopTracing, err = telemetry.Setup(ctx, version); err != nil {
			return err
		}
		tracers = append(tracers, telemetry.QueryTracer())
		log.Info("tracing requests and statements to the OTLP endpoint (OTEL_* environment)")
	}
	// Spans still queued are sent at the very end, within a bound.
	defer func() {
		flush, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := stopTracing(flush); err != nil {
			log.Warn("tracing: flush spans", "err", err)
		}
	}()
	var tracer pgx.QueryTracer
	switch len(tracers) {
	case 1:
		tracer = tracers[0]
	case 2:
		tracer = multitracer.New(tracers...)
	}
	pools, err := postgres.OpenPools(ctx, dsn, postgres.Budget{
		Size: cfg.PoolSize, AcquireTimeout: cfg.AcquireTimeout, StatementTimeout: cfg.StatementTimeout,
		Exports: cfg.Exports, ExportStatementTimeout: cfg.ExportStatementTimeout, Tracer: tracer,
	})
	if err != nil {
		return err
	}
	// Closed, with a bound, at the end of shutdown below; this one is for
	// the early returns.
	closePools := func(ctx context.Context) {
		if err := pools.Close(ctx); err != nil {
			log.Error("close database pools", "err", err)
		}
	}
	defer func() {
		if pools != nil {
			bounded, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			closePools(bounded)
		}
	}()
	pool := pools.Requests
	log.Info("database connections", "pages", cfg.PoolSize, "per_person", cfg.PerPerson, "exports", cfg.Exports,
		"readiness", postgres.ReadyConns, "jobs", postgres.JobsConns, "live_updates", 1)
	scfg := server.DefaultConfig()
	scfg.TraceQueries = cfg.TraceQueries
	scfg.BaseURL = cfg.BaseURL
	scfg.SecureCookies = !cfg.InsecureCookies
	scfg.TrustProxy = cfg.TrustProxy
	scfg.SessionIdle = cfg.SessionIdle
	scfg.SessionLifetime = cfg.SessionLifetime
	keys, err := cfg.Keys.keyring(cfg.DataDir, log)
	if err != nil {
		return err
	}
	if err := resealSecrets(ctx, pool, keys, log); err != nil {
		return err
	}
	if len(cfg.WebhookAllowPrivate) > 0 {
		log.Info("webhooks and single sign-on providers may reach these private ranges", "ranges", fmt.Sprint(cfg.WebhookAllowPrivate))
	}
	scfg.RequestTimeout = cfg.RequestTimeout
	scfg.Exports = int(cfg.Exports)
	scfg.PerPersonRequests = int(cfg.PerPerson)
	scfg.APIRequestsPerMinute = int(cfg.APIRate)
	opts := app.Options{SessionCleanup: 10 * time.Minute, Keys: keys, WebhookAllowPrivate: cfg.WebhookAllowPrivate,
		ReadyPool: pools.Ready, JobsPool: pools.Jobs, ExportPool: pools.Exports, MailFrom: cfg.MailFrom,
		Retention: cfg.Retention}
	if cfg.SMTP != nil {
		opts.MailSender = mail.NewSMTP(*cfg.SMTP)
		log.Info("email goes through this mail server", "smtp", cfg.SMTP.String())
	} else {
		log.Warn("email is not configured (RAPPORT_SMTP_URL): messages stay in the outbox, where admins can read them at /admin/outbox")
	}
	a, err := app.New(pool, scfg, log, opts)
	if err != nil {
		return err
	}
	srv := a.Server
	if err := a.Notifier.Start(ctx); err != nil {
		return fmt.Errorf("start background jobs: %w", err)
	}
	if err := a.Live.Start(ctx); err != nil {
		return fmt.Errorf("start live updates: %w", err)
	}
	defer a.Live.Stop()

	if cfg.Demo {
		// Seeding runs long statements: on the jobs pool, which has no
		// statement timeout and is idle at start.
		if err := seedDemoIfEmpty(ctx, pools.Jobs, a.People, cfg.DemoPeople, stdout, log); err != nil {
			return err
		}
	}

	go pruneSessions(ctx, a.Accounts, a.Limits, log)
	go a.Retros.RunSealer(ctx, retro.DefaultSealEvery, log)

	// Every request's context ends when shutdown gives up waiting, so that
	// queries still running are cancelled and free their connections.
	baseCtx, cancelRequests := context.WithCancel(context.Background())
	defer cancelRequests()
	handler := srv.Handler()
	if cfg.Tracing {
		handler = telemetry.Handler(handler)
	}
	httpSrv := &http.Server{
		Addr:              cfg.Addr,
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return baseCtx },
	}
	// Event streams never go idle on their own, and exports may run for
	// minutes: end them when shutdown starts, so that it drains the other
	// requests without waiting for them. A cut export breaks its download
	// off and is marked incomplete in the audit log.
	httpSrv.RegisterOnShutdown(a.Live.Stop)
	httpSrv.RegisterOnShutdown(srv.StopExports)
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	metricsSrv, err := serveMetrics(cfg.MetricsAddr, a, log)
	if err != nil {
		_ = ln.Close()
		return err
	}
	log.Info("Rapport is ready", "url", cfg.BaseURL, "listen", ln.Addr().String(), "gomaxprocs", runtime.GOMAXPROCS(0))
	errc := make(chan error, 1)
	go func() { errc <- httpSrv.Serve(ln) }()
	if metricsSrv != nil {
		// Scrapes go on through the drain, and stop with the process.
		defer metricsSrv.Close()
	}

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown(log, cfg, srv, httpSrv, a, pools, cancelRequests)
	pools = nil
	log.Info("stopped")
	return nil
}

// serveMetrics serves Prometheus metrics on addr, a listener of their own;
// nil when addr is empty (metrics off).
func serveMetrics(addr string, a *app.App, log *slog.Logger) (*http.Server, error) {
	if addr == "" {
		return nil, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen for metrics on %s: %w", addr, err)
	}
	srv := &http.Server{
		Handler:           a.Metrics.Handler(log),
		ReadHeaderTimeout: 5 * time.Second,
		WriteTimeout:      30 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	log.Info("serving metrics", "url", "http://"+ln.Addr().String()+"/metrics")
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics server", "err", err)
		}
	}()
	return srv, nil
}

// shutdown stops serving within cfg.ShutdownTimeout of SIGTERM, whatever is
// running: first the drain window (/readyz answers 503 while requests are
// still served, so load balancers move away), then the listener closes and
// requests in flight finish (event streams and exports are cut), then the
// background jobs stop and the pools close. Each step gets what is left of
// the grace period, less a reserve for the steps after it.
func shutdown(log *slog.Logger, cfg serveConfig, srv *server.Server, httpSrv *http.Server, a *app.App, pools *postgres.Pools, cancelRequests context.CancelFunc) {
	deadline := time.Now().Add(cfg.ShutdownTimeout)
	// What the steps after the requests need: stopping the jobs and closing
	// the pools, once every request has let go of its connection.
	reserve := min(cfg.ShutdownTimeout/5, 3*time.Second)

	srv.Drain()
	log.Info("shutting down: draining requests", "drain_window", cfg.DrainWindow, "timeout", cfg.ShutdownTimeout)
	time.Sleep(cfg.DrainWindow)

	reqCtx, cancel := context.WithDeadline(context.Background(), deadline.Add(-reserve))
	defer cancel()
	if err := httpSrv.Shutdown(reqCtx); err != nil {
		log.Error("shutdown: requests still running at the deadline; closing their connections", "err", err)
		_ = httpSrv.Close()
	}
	// Cancel whatever handlers are left, so their queries end.
	cancelRequests()

	endCtx, cancelEnd := context.WithDeadline(context.Background(), deadline)
	defer cancelEnd()
	// Let running deliveries finish; queued ones wait in the database.
	jobsCtx, cancelJobs := context.WithDeadline(endCtx, deadline.Add(-reserve/2))
	defer cancelJobs()
	if err := a.Notifier.Stop(jobsCtx); err != nil {
		log.Error("stop background jobs", "err", err)
	}
	a.Live.Stop()
	if err := pools.Close(endCtx); err != nil {
		log.Error("close database pools", "err", err)
	}
}
func pruneSessions(ctx context.Context, accounts *postgres.AccountStore, limits *postgres.LimitStore, log *slog.Logger) {
	t := time.NewTicker(15 * time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := accounts.PruneSessionUsers(ctx); err != nil && ctx.Err() == nil {
				log.Warn("prune session owners", "err", err)
			}
			// Sign-in counters idle for a day have forgotten their attempts.
			if _, err := limits.PruneLimits(ctx, time.Now().Add(-24*time.Hour)); err != nil && ctx.Err() == nil {
				log.Warn("prune rate limits", "err", err)
			}
		}
	}
}

// demoPassword is every demo person's password. Demo data is for trying
// Rapport out, never for real use.
const demoPassword = "rapport-demo"

// demoSeedLockKey serialises the demo seed between replicas that start
// together on an empty database.
const demoSeedLockKey int64 = 7364_0002

// seedDemoIfEmpty seeds the demo organisation unless people exist. The check
// and the seed run under a PostgreSQL advisory lock held on a connection of
// their own, so of several replicas starting at once one seeds and the others
// wait, then find the organisation and use it.
func seedDemoIfEmpty(ctx context.Context, pool *pgxpool.Pool, svc *people.Service, n int, stdout io.Writer, log *slog.Logger) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("seed demo: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", demoSeedLockKey); err != nil {
		return fmt.Errorf("seed demo: wait for other replicas: %w", err)
	}
	defer func() {
		if _, err := conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", demoSeedLockKey); err != nil {
			// The lock lives as long as the session: close it rather than
			// return a connection that still holds it.
			_ = conn.Conn().Close(context.WithoutCancel(ctx))
		}
	}()
	empty, err := svc.NeedsSetup(ctx)
	if err != nil {
		return err
	}
	if !empty {
		log.Info("database already has people; not seeding the demo organisation")
		return nil
	}
	res, err := demo.Seed(ctx, pool, demo.Options{People: n, Seed: 1, Password: demoPassword})
	if err != nil {
		return fmt.Errorf("seed demo: %w", err)
	}
	printSignIns(stdout, res)
	return nil
}

func printSignIns(w io.Writer, res demo.Result) {
	fmt.Fprintf(w, "\nDemo organisation ready (%s): %d people, %d teams, %d 1:1 series with %d meetings, %d talking points and %d actions; %d kudos with %d reactions and %d comments; %d rituals; %d retros; %d review cycles with %d reviews.\n",
		res.Elapsed.Round(time.Millisecond), res.People, res.Teams, res.Series, res.Meetings, res.AgendaItems, res.Actions,
		res.Kudos, res.Reactions, res.Comments, res.Rituals, res.Retros, res.ReviewCycles, res.Reviews)
	fmt.Fprintf(w, "Sign in with any of these (password %q):\n", demoPassword)
	for _, s := range res.SignIns {
		fmt.Fprintf(w, "  %-9s %-40s %s, %s\n", s.Role.Label(), s.Email, s.Name, s.Title)
	}
	fmt.Fprintln(w)
}

// openDB resolves, migrates and opens the database for the admin commands.
func openDB(ctx context.Context, log *slog.Logger) (*pgxpool.Pool, func(), error) {
	dsn, stop, err := database(ctx, os.Getenv("DATABASE_URL"), env("RAPPORT_DATA_DIR", "./data"), log)
	if err != nil {
		return nil, nil, err
	}
	if err := postgres.Migrate(ctx, dsn, log); err != nil {
		_ = stop()
		return nil, nil, fmt.Errorf("migrate: %w", err)
	}
	pool, err := postgres.Open(ctx, dsn, 4)
	if err != nil {
		_ = stop()
		return nil, nil, err
	}
	return pool, func() { pool.Close(); _ = stop() }, nil
}

func cmdMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) != 1 {
		fmt.Fprintln(stderr, "usage: rapport migrate up|down|status")
		return errUsage
	}
	log := newLogger(stderr, "info", "text")
	dsn, stop, err := database(ctx, os.Getenv("DATABASE_URL"), env("RAPPORT_DATA_DIR", "./data"), log)
	if err != nil {
		return err
	}
	defer stop()
	switch args[0] {
	case "up":
		return postgres.Migrate(ctx, dsn, log)
	case "down":
		return postgres.MigrateDown(ctx, dsn, log)
	case "status":
		return postgres.MigrationStatus(ctx, dsn, stdout)
	}
	fmt.Fprintln(stderr, "usage: rapport migrate up|down|status")
	return errUsage
}

func cmdDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	n := fs.Int("people", 60, "number of people (8 or more)")
	seed := fs.Int64("seed", 1, "random seed: the same seed gives the same organisation")
	domain := fs.String("domain", "", "email domain (default northwind.example)")
	org := fs.String("org", "", "organisation name (default Northwind Labs)")
	months := fs.Int("months", 12, "months of history (1 to 36)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *n < 8 {
		return fmt.Errorf("--people %d: a demo organisation needs at least 8 people", *n)
	}
	log := newLogger(stderr, "info", "text")
	pool, closeDB, err := openDB(ctx, log)
	if err != nil {
		return err
	}
	defer closeDB()
	res, err := demo.Seed(ctx, pool, demo.Options{People: *n, Seed: *seed, Password: demoPassword, Domain: *domain, OrgName: *org, Months: *months})
	if err != nil {
		return err
	}
	printSignIns(stdout, res)
	return nil
}

func cmdUser(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "reset-link" {
		return cmdResetLink(ctx, args[1:], stdout, stderr)
	}
	if len(args) == 0 || args[0] != "create" {
		fmt.Fprintln(stderr, "usage: rapport user create --email E --name N [--org O]")
		fmt.Fprintln(stderr, "       rapport user reset-link --email E [--org O] [--base-url U]")
		return errUsage
	}
	fs := flag.NewFlagSet("user create", flag.ContinueOnError)
	email := fs.String("email", "", "email address (required)")
	name := fs.String("name", "", "full name (required)")
	org := fs.String("org", "", "organisation name; created if it doesn't exist (required)")
	tz := fs.String("time-zone", "UTC", "IANA time zone, e.g. Europe/Madrid")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	password := os.Getenv("RAPPORT_PASSWORD")
	if password == "" {
		fmt.Fprint(stderr, "Password (at least 10 characters): ")
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && line == "" {
			return fmt.Errorf("read password: %w", err)
		}
		password = strings.TrimRight(line, "\r\n")
	}
	in := people.PersonInput{Name: *name, Email: *email, Role: core.RoleAdmin, TimeZone: *tz}
	in.Normalize()
	v := in.Validate()
	v.Check(strings.TrimSpace(*org) != "", "org", "give the organisation's name")
	v.Check(len([]rune(password)) >= auth.MinPasswordLength, "password", fmt.Sprintf("use at least %d characters", auth.MinPasswordLength))
	if !v.Valid() {
		var msgs []string
		for f, m := range v.Fields {
			msgs = append(msgs, "--"+strings.ReplaceAll(f, "_", "-")+": "+m)
		}
		return configErrors(msgs)
	}
	log := newLogger(stderr, "warn", "text")
	pool, closeDB, err := openDB(ctx, log)
	if err != nil {
		return err
	}
	defer closeDB()
	hash, err := auth.HashPassword(password, auth.DefaultParams)
	if err != nil {
		return err
	}
	p, err := postgres.NewPeopleStore(pool, nil).CreateAdmin(ctx, strings.TrimSpace(*org), in, hash)
	if err != nil {
		return errors.New(core.ErrorMessage(err) + " " + strings.Join(fieldMsgs(err), " "))
	}
	fmt.Fprintf(stdout, "Created admin %s <%s> (id %d).\n", p.Name, p.Email, p.ID)
	return nil
}

// cmdResetLink prints a password-reset link for an operator to pass on.
// Rapport sends no email, and a link must never be written to the log: this
// is how someone who forgot their password gets a new one.
func cmdResetLink(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("user reset-link", flag.ContinueOnError)
	fs.SetOutput(stderr)
	email := fs.String("email", "", "the person's email address (required)")
	org := fs.String("org", "", "the organisation's name, when the address is used in several")
	base := fs.String("base-url", env("RAPPORT_BASE_URL", "http://localhost:8080"), "public URL the link starts with (RAPPORT_BASE_URL)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	baseURL := strings.TrimRight(*base, "/")
	if u, err := url.Parse(baseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return configErrors([]string{fmt.Sprintf("--base-url %q: use a full URL like https://rapport.example.com", *base)})
	}
	log := newLogger(stderr, "warn", "text")
	pool, closeDB, err := openDB(ctx, log)
	if err != nil {
		return err
	}
	defer closeDB()
	svc := people.NewService(postgres.NewPeopleStore(pool, nil), postgres.NewAccountStore(pool, nil), core.SystemClock{}, log)
	p, token, err := svc.IssuePasswordReset(ctx, *email, *org)
	if err != nil {
		if core.ErrorCode(err) == core.ENOTFOUND {
			if strings.TrimSpace(*org) != "" {
				return errors.New("no account of " + strings.TrimSpace(*org) + " uses " + strings.ToLower(strings.TrimSpace(*email)))
			}
			return errors.New("no account uses " + strings.ToLower(strings.TrimSpace(*email)))
		}
		return errors.New(strings.TrimSpace(core.ErrorMessage(err) + " " + strings.Join(fieldMsgs(err), " ")))
	}
	fmt.Fprintf(stdout, "Password-reset link for %s <%s>; it works once, for one hour:\n%s/password/reset/%s\n",
		p.Name, p.Email, baseURL, token)
	return nil
}

// cmdPerson runs `rapport person erase`: an operator erases a person
// (docs/privacy.md, "Erasing a person") named by address, after seeing who
// it is: without --yes it only says whom it would erase.
func cmdPerson(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "erase" {
		fmt.Fprintln(stderr, "usage: rapport person erase --email E [--org O] [--yes]")
		return errUsage
	}
	fs := flag.NewFlagSet("person erase", flag.ContinueOnError)
	fs.SetOutput(stderr)
	email := fs.String("email", "", "the person's email address (required)")
	org := fs.String("org", "", "the organisation's name, when the address is used in several")
	yes := fs.Bool("yes", false, "erase for good; without it, only say whom")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	log := newLogger(stderr, "warn", "text")
	pool, closeDB, err := openDB(ctx, log)
	if err != nil {
		return err
	}
	defer closeDB()
	svc := people.NewService(postgres.NewPeopleStore(pool, nil), postgres.NewAccountStore(pool, nil), core.SystemClock{}, log)
	p, err := svc.FindForOperator(ctx, *email, *org)
	if core.ErrorCode(err) == core.ENOTFOUND {
		return errors.New("no account uses " + strings.ToLower(strings.TrimSpace(*email)))
	}
	if err != nil {
		return errors.New(strings.TrimSpace(core.ErrorMessage(err) + " " + strings.Join(fieldMsgs(err), " ")))
	}
	if !*yes {
		return fmt.Errorf("this would erase %s <%s> for good; run again with --yes to do it", p.Name, p.Email)
	}
	pseudonym, err := svc.EraseForOperator(ctx, p)
	if err != nil {
		return errors.New(strings.TrimSpace(core.ErrorMessage(err) + " " + strings.Join(fieldMsgs(err), " ")))
	}
	fmt.Fprintf(stdout, "Erased %s; they appear as %s from now on.\n", p.Name, pseudonym)
	return nil
}

func fieldMsgs(err error) []string {
	var out []string
	for f, m := range core.FieldErrors(err) {
		out = append(out, f+": "+m)
	}
	return out
}

// cmdExplain prints EXPLAIN (ANALYZE, BUFFERS) for the check-in pages' main
// queries: a manager with about 12 reports, and the whole organisation.
func cmdExplain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("explain", flag.ContinueOnError)
	days := fs.Int("days", 90, "period in days")
	if err := fs.Parse(args); err != nil {
		return err
	}
	log := newLogger(stderr, "warn", "text")
	pool, closeDB, err := openDB(ctx, log)
	if err != nil {
		return err
	}
	defer closeDB()
	var orgID, managerID int64
	err = pool.QueryRow(ctx, `SELECT s.org_id, s.manager_id FROM oneonone_series s
		WHERE s.org_id = (SELECT min(id) FROM orgs) AND s.status <> 'ended'
		GROUP BY s.org_id, s.manager_id ORDER BY abs(count(*) - 12), s.manager_id LIMIT 1`).Scan(&orgID, &managerID)
	if err != nil {
		return fmt.Errorf("no 1:1s to explain (seed with rapport demo first): %w", err)
	}
	store := postgres.NewExplainer(pool)
	if err := store.ExplainCheckins(ctx, stdout, orgID, managerID, *days); err != nil {
		return err
	}
	var person, leader int64
	if err := pool.QueryRow(ctx, `SELECT r.user_id FROM kudo_recipients r WHERE r.org_id = $1
		GROUP BY r.user_id ORDER BY count(*) DESC LIMIT 1`, orgID).Scan(&person); err != nil {
		return nil // no kudos to explain
	}
	if err := pool.QueryRow(ctx, `SELECT id FROM users WHERE org_id = $1 AND manager_id IS NULL ORDER BY id LIMIT 1`, orgID).Scan(&leader); err != nil {
		return err
	}
	if err := store.ExplainKudos(ctx, stdout, orgID, person, leader, *days); err != nil {
		return err
	}
	return store.ExplainReviews(ctx, stdout, orgID)
}

// cmdRebuildTree recomputes reporting_lines from users.manager_id. Triggers
// keep it on every write; this is the repair, and the check that they did.
func cmdRebuildTree(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return rebuild(ctx, "rebuild-tree", []readModel{{"reporting tree", func(ctx context.Context, pool *pgxpool.Pool) (int64, int64, error) {
		return postgres.NewPeopleStore(pool, nil).RebuildReportingLines(ctx)
	}}}, args, stdout, stderr)
}

// cmdRebuildReadModels recomputes the check-in tallies from the 1:1
// actions and the kudo tallies from the kudos. Triggers keep them on every
// write; this is the repair, and the check that they did.
func cmdRebuildReadModels(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return rebuild(ctx, "rebuild-readmodels", []readModel{
		{"check-in tallies", func(ctx context.Context, pool *pgxpool.Pool) (int64, int64, error) {
			return postgres.NewMeetingStore(pool).RebuildCheckinTallies(ctx)
		}},
		{"kudo tallies", func(ctx context.Context, pool *pgxpool.Pool) (int64, int64, error) {
			return postgres.NewKudosStore(pool, nil).RebuildKudoTallies(ctx)
		}},
	}, args, stdout, stderr)
}

// readModel is a table kept on write and the function that rebuilds it,
// returning how many rows were missing and how many were stale.
type readModel struct {
	what string
	run  func(context.Context, *pgxpool.Pool) (int64, int64, error)
}

// rebuild runs one of the rebuild commands: it recomputes tables kept on
// write from their sources and says, for each, how many rows were missing
// or stale.
func rebuild(ctx context.Context, cmd string, models []readModel, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: rapport "+cmd)
		return errUsage
	}
	log := newLogger(stderr, "warn", "text")
	pool, closeDB, err := openDB(ctx, log)
	if err != nil {
		return err
	}
	defer closeDB()
	for _, m := range models {
		missing, stale, err := m.run(ctx, pool)
		if err != nil {
			return err
		}
		if missing == 0 && stale == 0 {
			fmt.Fprintf(stdout, "%s: up to date, nothing changed\n", m.what)
			continue
		}
		fmt.Fprintf(stdout, "%s: rebuilt (%d rows were missing, %d were stale)\n", m.what, missing, stale)
	}
	return nil
}

// resealSecrets seals what is stored in plain text or under an old key with
// the current key. Values sealed by a key that is not configured are left
// alone and reported: their webhooks fail until the key is restored.
func resealSecrets(ctx context.Context, pool *pgxpool.Pool, keys *secrets.Keyring, log *slog.Logger) error {
	res, err := notify.ResealWebhooks(ctx, postgres.NewNotifyStore(pool), keys)
	if err != nil {
		return err
	}
	if res.Sealed+res.Rotated > 0 {
		log.Info("re-encrypted stored webhook addresses with the current secret key",
			"from_plain_text", res.Sealed, "from_old_keys", res.Rotated, "key_id", keys.CurrentID())
	}
	if res.Unreadable > 0 {
		log.Error("some stored webhook addresses were encrypted with a key that is not configured; set it in RAPPORT_SECRET_KEY_OLD (see docs/security-keys.md)",
			"webhooks", res.Unreadable)
	}
	sres, err := sso.ResealSecrets(ctx, postgres.NewSSOStore(pool), keys)
	if err != nil {
		return err
	}
	if sres.Rotated > 0 {
		log.Info("re-encrypted single sign-on client secrets with the current secret key", "from_old_keys", sres.Rotated, "key_id", keys.CurrentID())
	}
	if sres.Unreadable > 0 {
		log.Error("some single sign-on client secrets were encrypted with a key that is not configured; set it in RAPPORT_SECRET_KEY_OLD (see docs/security-keys.md)",
			"organisations", sres.Unreadable)
	}
	return nil
}

func cmdSecrets(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	const use = "usage: rapport secrets generate|rotate"
	if len(args) != 1 {
		fmt.Fprintln(stderr, use)
		return errUsage
	}
	switch args[0] {
	case "generate":
		fmt.Fprintln(stdout, secrets.GenerateKey())
		return nil
	case "rotate":
	default:
		fmt.Fprintln(stderr, use)
		return errUsage
	}
	kc, errs := parseKeys()
	if len(errs) > 0 {
		return errs
	}
	log := newLogger(stderr, "warn", "text")
	keys, err := kc.keyring(env("RAPPORT_DATA_DIR", "./data"), log)
	if err != nil {
		return err
	}
	pool, closeDB, err := openDB(ctx, log)
	if err != nil {
		return err
	}
	defer closeDB()
	res, err := notify.ResealWebhooks(ctx, postgres.NewNotifyStore(pool), keys)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Webhook addresses now under key %s: %d were in plain text, %d under an old key.\n",
		keys.CurrentID(), res.Sealed, res.Rotated)
	sres, err := sso.ResealSecrets(ctx, postgres.NewSSOStore(pool), keys)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Single sign-on client secrets now under key %s: %d were under an old key.\n", keys.CurrentID(), sres.Rotated)
	if res.Unreadable > 0 {
		return fmt.Errorf("%d webhook addresses are under a key that is not configured: add it to RAPPORT_SECRET_KEY_OLD and run this again", res.Unreadable)
	}
	if sres.Unreadable > 0 {
		return fmt.Errorf("%d single sign-on client secrets are under a key that is not configured: add it to RAPPORT_SECRET_KEY_OLD and run this again", sres.Unreadable)
	}
	return nil
}
