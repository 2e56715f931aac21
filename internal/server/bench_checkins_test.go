package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"rapport/internal/demo"
	"rapport/internal/testapp"
)

// bigOrg is a 10,000-person demo organisation with two years of 1:1s,
// seeded once for all the check-in benchmarks of a run.
var bigOrg struct {
	once sync.Once
	dsn  string
	res  demo.Result
	err  error
}

func seedBigOrg(b *testing.B) (string, demo.Result) {
	bigOrg.once.Do(func() {
		// RAPPORT_BENCH_DSN points at a database already holding a demo
		// organisation (rapport demo --people 10000 --months 24), to skip
		// the seeding while iterating.
		if existing := os.Getenv("RAPPORT_BENCH_DSN"); existing != "" {
			bigOrg.dsn = existing
			ta := testapp.Start(b, existing, testapp.Options{})
			var admin string
			bigOrg.err = ta.Pool.QueryRow(context.Background(),
				`SELECT org_id, email FROM users WHERE role = 'admin' ORDER BY id LIMIT 1`).Scan(&bigOrg.res.OrgID, &admin)
			bigOrg.res.SignIns = []demo.SignIn{{Email: admin}}
			return
		}
		// The package's own database (dropped when the run ends).
		ta := testapp.Start(b, dsn, testapp.Options{})
		start := time.Now()
		bigOrg.res, bigOrg.err = demo.Seed(context.Background(), ta.Pool, demo.Options{People: 10000, Months: 24, Seed: 1, Password: benchPassword()})
		b.Logf("seeded 10,000 people with 24 months of 1:1s in %v: %d series, %d meetings, %d actions",
			time.Since(start).Round(time.Millisecond), bigOrg.res.Series, bigOrg.res.Meetings, bigOrg.res.Actions)
		bigOrg.dsn = dsn
	})
	if bigOrg.err != nil {
		b.Fatal(bigOrg.err)
	}
	return bigOrg.dsn, bigOrg.res
}

// benchPage measures one signed-in page in-process (session, actor, the
// page's queries, render) and reports per request the statements sent to
// the database (queries/op) and the round trips they took (a batch of reads
// run together is one).
func benchPage(b *testing.B, ta *testapp.TestApp, email, password, path string) {
	c := ta.Client(b)
	c.SignIn(email, password)
	cookie := c.SessionCookie()
	h := ta.Server.Handler()
	size := 0
	run := func() {
		req := httptest.NewRequest("GET", path, nil)
		req.AddCookie(cookie)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("%s: %d", path, rec.Code)
		}
		size = rec.Body.Len()
	}
	run() // warm the statement cache
	before, trips := ta.Queries.Count(), ta.Queries.RoundTrips()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		run()
	}
	b.StopTimer()
	b.ReportMetric(float64(ta.Queries.Count()-before)/float64(b.N), "queries/op")
	b.ReportMetric(float64(ta.Queries.RoundTrips()-trips)/float64(b.N), "round-trips/op")
	b.ReportMetric(float64(size), "html-bytes")
}

// BenchmarkManagerDashboard: /checkins for a manager with 12 reports (or the
// largest team below that) over 90 days, on the 10,000-person organisation.
func BenchmarkManagerDashboard(b *testing.B) {
	dsn, res := seedBigOrg(b)
	ta := startBench(b, dsn)
	var email string
	var reports int
	err := ta.Pool.QueryRow(context.Background(), `
		SELECT m.email, count(*) FROM oneonone_series s JOIN users m ON m.id = s.manager_id
		WHERE s.org_id = $1 AND s.status <> 'ended' GROUP BY m.email
		ORDER BY abs(count(*) - 12), m.email LIMIT 1`, res.OrgID).Scan(&email, &reports)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("manager %s has %d reports with 1:1s", email, reports)
	for _, days := range []int{90, 365} {
		b.Run(fmt.Sprintf("days=%d", days), func(b *testing.B) {
			benchPage(b, ta, email, benchPassword(), fmt.Sprintf("/checkins?days=%d", days))
		})
	}
}

// BenchmarkLeaderRollup: /checkins/managers for the CEO (a leader over all
// 10,000 people) and for the admin (the whole organisation).
func BenchmarkLeaderRollup(b *testing.B) {
	dsn, res := seedBigOrg(b)
	ta := startBench(b, dsn)
	var ceo string
	if err := ta.Pool.QueryRow(context.Background(),
		`SELECT email FROM users WHERE org_id = $1 AND manager_id IS NULL`, res.OrgID).Scan(&ceo); err != nil {
		b.Fatal(err)
	}
	b.Run("leader-over-10000", func(b *testing.B) { benchPage(b, ta, ceo, benchPassword(), "/checkins/managers?days=90") })
	b.Run("admin-whole-org", func(b *testing.B) {
		benchPage(b, ta, res.SignIns[0].Email, benchPassword(), "/checkins/managers?days=90")
	})
	b.Run("admin-whole-org-365-days-by-cadence-page-10", func(b *testing.B) {
		benchPage(b, ta, res.SignIns[0].Email, benchPassword(), "/checkins/managers?days=365&sort=adherence&page=10")
	})
}

// benchPassword is the demo organisation's password: the seeded one, or the
// one rapport demo uses for RAPPORT_BENCH_DSN.
func benchPassword() string {
	if os.Getenv("RAPPORT_BENCH_DSN") != "" {
		return "rapport-demo"
	}
	return "benchmark-password"
}

// startBench serves the app on the benchmark database with a pool large
// enough for pages that run queries side by side.
func startBench(b *testing.B, dsn string) *testapp.TestApp {
	return testapp.Start(b, dsn, testapp.Options{})
}
