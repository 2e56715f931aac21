package loadtest_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"rapport/internal/core"
	"rapport/internal/loadtest"
	"rapport/internal/server"
	"rapport/internal/testapp"
	"rapport/internal/testdb"
	"rapport/internal/testfx"
)

var dsn string

func TestMain(m *testing.M) { testdb.Main(m, &dsn) }

// world is a small organisation: a leader, a manager reporting to them and
// the manager's report, with a weekly 1:1.
type world struct {
	app             *testapp.TestApp
	leader, manager testfx.Person
	report          testfx.Person
	seriesID, orgID int64
	teamID          int64
}

func newWorld(t *testing.T) world {
	t.Helper()
	ta := testapp.Start(t, dsn, testapp.Options{PlainHTTP: true, Config: func(c *server.Config) { c.TraceQueries = true }})
	org := ta.F.Org(t, "Load "+strconv.FormatInt(testfx.Next(), 10))
	leader := ta.F.Person(t, org, testfx.PersonOpts{Role: core.RoleLeader})
	manager := ta.F.Person(t, org, testfx.PersonOpts{Role: core.RoleManager, ManagerID: leader.ID})
	report := ta.F.Person(t, org, testfx.PersonOpts{ManagerID: manager.ID})
	team := ta.F.Team(t, org, "Platform", leader.ID, manager.ID, report.ID)
	series := ta.F.Series(t, org, manager.ID, report.ID, time.Now().AddDate(0, -1, 0).Format("2006-01-02"))
	return world{app: ta, leader: leader, manager: manager, report: report, seriesID: series, orgID: org, teamID: team}
}

func (w world) config(t *testing.T) loadtest.Config {
	c := loadtest.DefaultConfig()
	c.Target = w.app.URL
	c.Manager = w.manager.Email
	c.Leader = w.leader.Email
	c.Password = testfx.Password
	c.Ledger = filepath.Join(t.TempDir(), "ledger.jsonl")
	c.Step = time.Second
	c.MaxDuration = time.Minute
	c.DatabaseURL = dsn
	return c
}

func TestFixedRateRunWithWritesAndLedger(t *testing.T) {
	w := newWorld(t)
	cfg := w.config(t)
	cfg.Pages = []string{"home", "oneonones", "teams", "rollup"}
	cfg.Fixed, cfg.Rate = true, 5
	cfg.Writes = 6
	var progress bytes.Buffer
	rep, err := loadtest.Run(context.Background(), cfg, &progress)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, progress.String())
	}
	if len(rep.Pages) != 4 {
		t.Fatalf("%d pages in the report, want 4", len(rep.Pages))
	}
	for _, p := range rep.Pages {
		if p.Requests < 3 || p.Requests > 7 {
			t.Errorf("%s: %d requests at 5/s for 1 s", p.Name, p.Requests)
		}
		if p.Errors != 0 {
			t.Errorf("%s: %d errors", p.Name, p.Errors)
		}
		if p.Throughput <= 0 || p.Throughput > 10 {
			t.Errorf("%s: %.1f req/s achieved at 5/s", p.Name, p.Throughput)
		}
		if p.P50 <= 0 || p.P50 > p.P95 || p.P95 > p.P99 || p.P99 > 5*time.Second {
			t.Errorf("%s: percentiles out of order: p50 %s p95 %s p99 %s", p.Name, p.P50, p.P95, p.P99)
		}
		if n, err := strconv.Atoi(p.Queries); err != nil || n < 2 || n > 30 {
			t.Errorf("%s: queries per request %q", p.Name, p.Queries)
		}
	}
	if rep.Env.GOMAXPROCS < 1 || len(rep.Env.Postgres) == 0 {
		t.Errorf("environment not recorded: %+v", rep.Env)
	}

	wr := rep.Writes
	if wr == nil || wr.Sent == 0 || wr.Failed != 0 || wr.Acked["kudo"] == 0 || wr.Acked["agenda_item"] == 0 {
		t.Fatalf("writes: %+v", wr)
	}
	v, err := loadtest.Verify(context.Background(), dsn, cfg.Ledger)
	if err != nil {
		t.Fatal(err)
	}
	if v.Entries != wr.Acked["kudo"]+wr.Acked["agenda_item"] || len(v.Missing) != 0 ||
		v.Found["kudo"] != wr.Acked["kudo"] || v.Found["agenda_item"] != wr.Acked["agenda_item"] {
		t.Errorf("verify: %+v, acknowledged %v", v, wr.Acked)
	}
	// Each acknowledged write is stored exactly once.
	if n := w.app.F.Count(t, `SELECT count(*) FROM kudos WHERE org_id = $1 AND author_id = $2`, w.orgID, w.manager.ID); n != wr.Acked["kudo"] {
		t.Errorf("%d kudos stored, %d acknowledged", n, wr.Acked["kudo"])
	}

	var md bytes.Buffer
	rep.Markdown(&md)
	for _, want := range []string{"| Page | Path |", "| home | `/` | 5 |", "| rollup | `/checkins/managers` | 5 |", "GOMAXPROCS=", "synchronous_commit="} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, md.String())
		}
	}

	// A ledger entry that was never written is reported missing.
	f, err := os.OpenFile(cfg.Ledger, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = f.WriteString(`{"kind":"kudo","marker":"lt-never","text":"Covered the release checklist while I was away (lt-never).","at":"2026-01-01T00:00:00Z"}` + "\n")
	_ = f.Close()
	v, err = loadtest.Verify(context.Background(), dsn, cfg.Ledger)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Missing) != 1 || v.Missing[0].Marker != "lt-never" {
		t.Errorf("missing = %+v, want lt-never only", v.Missing)
	}
}

func TestSearchFindsARateWithinTheBound(t *testing.T) {
	w := newWorld(t)
	cfg := w.config(t)
	cfg.Pages = []string{"oneonones"}
	cfg.MaxRate = 8 // keep the search tiny
	cfg.P99 = 2 * time.Second
	var progress bytes.Buffer
	rep, err := loadtest.Run(context.Background(), cfg, &progress)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, progress.String())
	}
	p := rep.Pages[0]
	if !p.Found || p.Rate < 1 || p.Rate > 8 || p.Throughput <= 0 || p.Errors != 0 || p.Steps < 1 {
		t.Errorf("search result %+v\n%s", p, progress.String())
	}
}

func TestRunStopsAtItsRequestBudget(t *testing.T) {
	w := newWorld(t)
	cfg := w.config(t)
	cfg.Pages = []string{"home", "oneonones"}
	cfg.Fixed, cfg.Rate = true, 20
	cfg.MaxRequests = 10
	rep, err := loadtest.Run(context.Background(), cfg, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Requests > 10 || !strings.Contains(rep.Stopped, "--max-requests") {
		t.Errorf("%d requests sent, stopped %q", rep.Requests, rep.Stopped)
	}
	if len(rep.Pages) != 1 || rep.Pages[0].Name != "home" {
		t.Errorf("only the page measured belongs in the report: %+v", rep.Pages)
	}

	// The search, calibration included, keeps to the budget too.
	cfg.Fixed, cfg.Rate = false, 0
	cfg.MaxRequests = 40
	rep, err = loadtest.Run(context.Background(), cfg, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Requests > 40 || rep.Stopped == "" {
		t.Errorf("search: %d requests sent, stopped %q", rep.Requests, rep.Stopped)
	}
}

func TestRefusesWhatIsNotRapport(t *testing.T) {
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" {
			_, _ = w.Write([]byte("ok\n"))
			return
		}
		_, _ = w.Write([]byte(`<form action="/login"><input name="user"></form>`))
	}))
	defer other.Close()
	err := loadtest.CheckRapport(context.Background(), other.URL)
	if err == nil || !strings.Contains(err.Error(), "is not a Rapport server") {
		t.Errorf("CheckRapport(other) = %v", err)
	}
	cfg := loadtest.DefaultConfig()
	cfg.Target, cfg.Manager, cfg.Leader = other.URL, "a@example.com", "b@example.com"
	if _, err := loadtest.Run(context.Background(), cfg, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "not a Rapport server") {
		t.Errorf("Run against another server: %v", err)
	}

	w := newWorld(t)
	if err := loadtest.CheckRapport(context.Background(), w.app.URL); err != nil {
		t.Errorf("CheckRapport(rapport) = %v", err)
	}
	if err := loadtest.CheckFortunes(context.Background(), w.app.URL+"/login"); err == nil {
		t.Error("a Rapport page passed for the Fortunes baseline")
	}
	if _, err := loadtest.SignIn(context.Background(), w.app.URL, w.manager.Email, "wrong password"); err == nil {
		t.Error("sign-in with a wrong password succeeded")
	}
}

func TestValidate(t *testing.T) {
	ok := func() loadtest.Config {
		c := loadtest.DefaultConfig()
		c.Target, c.Manager, c.Leader = "http://127.0.0.1:8080", "m@example.com", "l@example.com"
		return c
	}
	if err := func() error { c := ok(); return c.Validate() }(); err != nil {
		t.Fatalf("good config refused: %v", err)
	}
	for name, tc := range map[string]struct {
		change func(*loadtest.Config)
		want   string
	}{
		"zero rate":       {func(c *loadtest.Config) { c.Fixed, c.Rate = true, 0 }, "--rate 0"},
		"negative rate":   {func(c *loadtest.Config) { c.Fixed, c.Rate = true, -3 }, "--rate -3"},
		"unknown page":    {func(c *loadtest.Config) { c.Pages = []string{"home", "nope"} }, "unknown page nope"},
		"remote target":   {func(c *loadtest.Config) { c.Target = "http://203.0.113.7:8080" }, "--allow-remote"},
		"remote fortunes": {func(c *loadtest.Config) { c.Fortunes = "https://example.com/fortunes" }, "--allow-remote"},
		"not a URL":       {func(c *loadtest.Config) { c.Target = "127.0.0.1:8080" }, "use a full URL"},
		"no manager":      {func(c *loadtest.Config) { c.Manager = "" }, "--manager"},
		"same writer":     {func(c *loadtest.Config) { c.Writes, c.Leader = 3, "M@example.com" }, "different people"},
		"no time":         {func(c *loadtest.Config) { c.MaxDuration = 0 }, "--max-duration"},
		"no requests":     {func(c *loadtest.Config) { c.MaxRequests = 0 }, "--max-requests"},
		"nothing to do":   {func(c *loadtest.Config) { c.Pages = nil }, "nothing to do"},
		"tiny step":       {func(c *loadtest.Config) { c.Step = time.Millisecond }, "--step"},
		"negative p99":    {func(c *loadtest.Config) { c.P99 = -time.Second }, "--p99"},
		"negative writes": {func(c *loadtest.Config) { c.Writes = -1 }, "--writes -1"},
	} {
		c := ok()
		tc.change(&c)
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Validate() = %v, want %q", name, err, tc.want)
		}
	}
	c := ok()
	c.Target, c.AllowRemote = "http://203.0.113.7:8080", true
	if err := c.Validate(); err != nil {
		t.Errorf("--allow-remote refused: %v", err)
	}
}

func TestRetroPageIsFoundThroughTheManagersTeams(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	cfg := w.config(t)
	cookie, err := loadtest.SignIn(ctx, cfg.Target, cfg.Manager, cfg.Password)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := loadtest.LatestRetro(ctx, cfg.Target, cookie); err == nil || !strings.Contains(err.Error(), "has a retro") {
		t.Fatalf("no retro yet: err = %v", err)
	}
	retroID, _ := w.app.F.Retro(t, w.orgID, w.teamID, testfx.RetroOpts{})
	path, err := loadtest.LatestRetro(ctx, cfg.Target, cookie)
	if err != nil {
		t.Fatal(err)
	}
	if want := "/retros/" + strconv.FormatInt(retroID, 10); path != want {
		t.Errorf("retro page = %q, want %q", path, want)
	}
}
