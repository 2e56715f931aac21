package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"rapport/internal/testdb"
)

var dsn string

func TestMain(m *testing.M) { testdb.Main(m, &dsn) }

func TestServeConfigReportsEveryBadValue(t *testing.T) {
	_, err := parseServe([]string{"--addr", "nonsense", "--database-url", "mysql://x", "--base-url", "ftp://x",
		"--demo-people", "3", "--session-idle", "soon", "--log-level", "loud", "--log-format", "xml"})
	if err == nil {
		t.Fatal("bad configuration accepted")
	}
	msg := err.Error()
	for _, want := range []string{"RAPPORT_ADDR", "DATABASE_URL", "RAPPORT_BASE_URL", "RAPPORT_DEMO_PEOPLE",
		"RAPPORT_SESSION_IDLE", "RAPPORT_LOG_LEVEL", "RAPPORT_LOG_FORMAT"} {
		if !strings.Contains(msg, want) {
			t.Errorf("no message about %s in:\n%s", want, msg)
		}
	}
}

// A bad mail server address or sender is refused at start with one clear
// message each, and the message never repeats the password.
func TestServeConfigRefusesABadSMTPURL(t *testing.T) {
	t.Setenv("RAPPORT_SMTP_URL", "smtp://ana:hunter2@mail.example.com:587?tls=off")
	t.Setenv("RAPPORT_MAIL_FROM", "not an address")
	_, err := parseServe(nil)
	if err == nil {
		t.Fatal("bad mail settings accepted")
	}
	msg := err.Error()
	if strings.Count(msg, "RAPPORT_SMTP_URL") != 1 || !strings.Contains(msg, "RAPPORT_MAIL_FROM") || strings.Contains(msg, "hunter2") {
		t.Errorf("messages:\n%s", msg)
	}
	t.Setenv("RAPPORT_SMTP_URL", "smtps://ana:hunter2@mail.example.com")
	t.Setenv("RAPPORT_MAIL_FROM", "Rapport <rapport@example.com>")
	c, err := parseServe(nil)
	if err != nil || c.SMTP == nil || c.SMTP.TLS != "implicit" || c.SMTP.Port != 465 || c.MailFrom.Email != "rapport@example.com" {
		t.Fatalf("good mail settings: %+v %v", c.SMTP, err)
	}
}

// Settings of the connection budget and of shutdown out of range are
// refused at start, one message each.
func TestServeConfigRefusesOutOfRangeBudgetAndShutdown(t *testing.T) {
	_, err := parseServe([]string{"--db-pool-size", "0", "--exports", "-1", "--db-acquire-timeout", "-1s",
		"--db-statement-timeout", "0s", "--request-timeout", "soon", "--export-statement-timeout", "-2m",
		"--drain-window", "-5s", "--shutdown-timeout", "0s", "--requests-per-person", "-1"})
	if err == nil {
		t.Fatal("bad configuration accepted")
	}
	msg := err.Error()
	for _, want := range []string{"RAPPORT_DB_POOL_SIZE", "RAPPORT_EXPORTS", "RAPPORT_DB_ACQUIRE_TIMEOUT", "RAPPORT_DB_STATEMENT_TIMEOUT",
		"RAPPORT_REQUEST_TIMEOUT", "RAPPORT_EXPORT_STATEMENT_TIMEOUT", "RAPPORT_DRAIN_WINDOW", "RAPPORT_SHUTDOWN_TIMEOUT",
		"RAPPORT_REQUESTS_PER_PERSON"} {
		if n := strings.Count(msg, want+"/"); n != 1 {
			t.Errorf("%d messages about %s in:\n%s", n, want, msg)
		}
	}
	// Bounds between settings.
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--drain-window", "30s", "--shutdown-timeout", "25s"}, "RAPPORT_DRAIN_WINDOW (30s) must be shorter than RAPPORT_SHUTDOWN_TIMEOUT (25s)"},
		{[]string{"--drain-window", "25s", "--shutdown-timeout", "25s"}, "RAPPORT_DRAIN_WINDOW (25s) must be shorter"},
		{[]string{"--db-statement-timeout", "20s", "--request-timeout", "10s"}, "RAPPORT_DB_STATEMENT_TIMEOUT (20s) must not be longer than RAPPORT_REQUEST_TIMEOUT (10s)"},
		{[]string{"--db-acquire-timeout", "15s"}, "RAPPORT_DB_ACQUIRE_TIMEOUT (15s) must be shorter than RAPPORT_REQUEST_TIMEOUT (15s)"},
		{[]string{"--db-pool-size", "1001"}, "RAPPORT_DB_POOL_SIZE/--db-pool-size \"1001\": use a whole number from 1 to 1000"},
	}
	for _, c := range cases {
		_, err := parseServe(c.args)
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Count(err.Error(), "\n  - ") != 1 {
			t.Errorf("%v: want exactly one message %q, got %v", c.args, c.want, err)
		}
	}
	c, err := parseServe([]string{"--drain-window", "0s", "--db-pool-size", "2", "--exports", "1"})
	if err != nil || c.DrainWindow != 0 || c.PoolSize != 2 || c.Exports != 1 || c.PerPerson != 2 {
		t.Fatalf("a valid budget refused: %+v %v", c, err)
	}
}

func TestServeConfigDefaults(t *testing.T) {
	t.Setenv("RAPPORT_ADDR", ":9090")
	c, err := parseServe(nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":9090" || c.BaseURL != "http://localhost:9090" || c.SessionIdle != 12*time.Hour || c.DemoPeople != 60 {
		t.Fatalf("unexpected defaults: %+v", c)
	}
	if c.PoolSize < 4 || c.PoolSize > 32 || c.AcquireTimeout != time.Second || c.StatementTimeout != 5*time.Second ||
		c.Exports != 2 || c.DrainWindow != 5*time.Second || c.ShutdownTimeout != 25*time.Second || c.PerPerson != max(2, c.PoolSize/2) {
		t.Fatalf("unexpected budget defaults: %+v", c)
	}
	c, err = parseServe([]string{"--addr", "127.0.0.1:7000", "--base-url", "https://rapport.example.com/"})
	if err != nil || c.BaseURL != "https://rapport.example.com" {
		t.Fatalf("flags over env: %+v %v", c, err)
	}
}

// Retention settings default to the documented values, take days or
// durations, keep for ever with 0 where that is allowed, and name the
// variable of each bad value.
func TestServeConfigRetention(t *testing.T) {
	c, err := parseServe(nil)
	if err != nil {
		t.Fatal(err)
	}
	day := 24 * time.Hour
	if r := c.Retention; r.WebhookDeliveries != 30*day || r.Outbox != 90*day || r.Audit != 400*day || r.Notifications != 180*day || r.LiveEvents != 7*day || r.Jobs != 7*day {
		t.Fatalf("retention defaults: %+v", r)
	}
	t.Setenv("RAPPORT_RETAIN_OUTBOX", "36h")
	t.Setenv("RAPPORT_RETAIN_AUDIT", "0")
	if c, err = parseServe(nil); err != nil || c.Retention.Outbox != 36*time.Hour || c.Retention.Audit != 0 {
		t.Fatalf("36h and 0: %+v %v", c.Retention, err)
	}
	t.Setenv("RAPPORT_RETAIN_JOBS", "0")
	t.Setenv("RAPPORT_RETAIN_WEBHOOK_DELIVERIES", "a month")
	t.Setenv("RAPPORT_RETAIN_AUDIT", "2h")
	_, err = parseServe(nil)
	for _, want := range []string{"RAPPORT_RETAIN_JOBS", "RAPPORT_RETAIN_WEBHOOK_DELIVERIES", "RAPPORT_RETAIN_AUDIT"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("no message about %s in: %v", want, err)
		}
	}
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// serve starts, seeds the demo, answers health checks, and on cancellation
// (SIGTERM) finishes in-flight requests and exits cleanly.
func TestServeSeedsDemoAndShutsDownGracefully(t *testing.T) {
	db := testdb.NewDatabase(t)
	addr := freeAddr(t)
	t.Setenv("DATABASE_URL", db)
	dataDir := t.TempDir()
	t.Setenv("RAPPORT_DATA_DIR", dataDir)
	t.Setenv("RAPPORT_SECRET_KEY", "")
	t.Setenv("RAPPORT_DRAIN_WINDOW", "200ms")
	ctx, cancel := context.WithCancel(context.Background())
	var out, logs bytes.Buffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--demo", "--demo-people", "20", "--addr", addr}, nil, &out, &logs)
	}()
	base := "http://" + addr
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("server not ready: %v\n%s", err, logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(out.String(), "Sign in with any of these") || !strings.Contains(out.String(), "Manager") {
		t.Fatalf("demo sign-ins not printed:\n%s", out.String())
	}
	if !strings.Contains(logs.String(), "using database from DATABASE_URL") {
		t.Errorf("the log does not say which database is used:\n%s", logs.String())
	}
	resp, err := http.Get(base + "/login")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("login page: %v", err)
	}
	resp.Body.Close()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v", err)
		}
	case <-time.After(25 * time.Second):
		t.Fatal("serve did not stop")
	}
	// Without RAPPORT_SECRET_KEY a key is generated once into the data directory.
	if _, err := os.Stat(filepath.Join(dataDir, "secret.key")); err != nil || !strings.Contains(logs.String(), "RAPPORT_SECRET_KEY is not set") {
		t.Errorf("no generated secret key (%v) or no warning about it", err)
	}
	if !strings.Contains(logs.String(), "draining") || !strings.Contains(logs.String(), "stopped") {
		t.Errorf("shutdown not logged:\n%s", logs.String())
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Error("still accepting connections after shutdown")
	}
}

func TestUserCreateMakesAnAdmin(t *testing.T) {
	t.Setenv("DATABASE_URL", testdb.NewDatabase(t))
	t.Setenv("RAPPORT_PASSWORD", "a long enough password")
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"user", "create", "--email", "Root@Example.com", "--name", "Rae Root", "--org", "Acme"}, os.Stdin, &out, &errOut)
	if err != nil || !strings.Contains(out.String(), "Created admin Rae Root <root@example.com>") {
		t.Fatalf("user create: %v\n%s%s", err, out.String(), errOut.String())
	}
	err = run(context.Background(), []string{"user", "create", "--email", "root@example.com", "--name", "Again", "--org", "Acme"}, os.Stdin, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "already uses this email") {
		t.Fatalf("duplicate email: %v", err)
	}
	err = run(context.Background(), []string{"user", "create", "--email", "bad", "--name", "", "--org", ""}, os.Stdin, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "--email") || !strings.Contains(err.Error(), "--org") {
		t.Fatalf("bad flags: %v", err)
	}
}
