package pgembed_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"rapport/internal/core"
	"rapport/internal/pgembed"
	"rapport/internal/testapp"
	"rapport/internal/testdb"
	"rapport/internal/testfx"
)

// write is one kudo a client tried to post, with the key that makes a retry
// store it once.
type write struct {
	key      string
	tries    int
	acked    bool // the server answered 303 to /kudos/{id}
	ackedAt  time.Time
	location string
}

// TestPrivateServerRestartsLoseNoAcknowledgedWrite posts kudos through the
// real HTTP server while its private PostgreSQL is shut down (fast mode) and
// then killed (SIGKILL of the postmaster), each time started again on the
// same data. Every write the server acknowledged must be stored exactly once,
// and the app must recover without a restart of its own.
func TestPrivateServerRestartsLoseNoAcknowledgedWrite(t *testing.T) {
	if testing.Short() {
		t.Skip("restarts PostgreSQL; not with -short")
	}
	ctx := context.Background()
	l, err := net.Listen("tcp", "localhost:0")
	if err != nil {
		t.Fatal(err)
	}
	port := uint32(l.Addr().(*net.TCPAddr).Port)
	l.Close()
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedAddr := closed.Addr().String()
	closed.Close()

	opts := pgembed.Options{
		LocalAddr: closedAddr,
		DataDir:   filepath.Join(t.TempDir(), "postgres"),
		Port:      port,
		Database:  "postgres",
	}
	var mu sync.Mutex
	var stop func() error
	var adminDSN string
	start := func() {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for {
			// After SIGKILL, orphaned backends hold the shared memory for a
			// moment and the new postmaster refuses to start until they exit.
			dsn, _, s, err := pgembed.Resolve(ctx, opts)
			if err == nil {
				mu.Lock()
				stop, adminDSN = s, dsn
				mu.Unlock()
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("restart PostgreSQL: %v", err)
			}
			time.Sleep(250 * time.Millisecond)
		}
	}
	start()
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		_ = stop()
	})
	t.Setenv("TEST_DATABASE_URL", adminDSN)
	appDSN := testdb.NewDatabase(t)

	ta := testapp.Start(t, appDSN, testapp.Options{})
	org := ta.F.Org(t, "Faults")
	n := testfx.Next()
	author := ta.F.Person(t, org, testfx.PersonOpts{Name: "Ana Ruiz", Email: fmt.Sprintf("ana%d@faults.example", n), Role: core.RoleEmployee})
	to := ta.F.Person(t, org, testfx.PersonOpts{Name: "Ben Lee", Email: fmt.Sprintf("ben%d@faults.example", n), Role: core.RoleEmployee})
	c := ta.Client(t)
	c.SignIn(author.Email, testfx.Password)
	c.HTTP.Timeout = 5 * time.Second
	handle := "@" + strings.SplitN(to.Email, "@", 2)[0]

	// ledgerMu guards the ledger and each write's acknowledgement.
	var ledgerMu sync.Mutex
	// post tries once; it reports whether the server acknowledged the write.
	post := func(w *write) bool {
		w.tries++
		form := url.Values{"to": {handle}, "did": {"Kept the build green: " + w.key},
			"impact": {"Nobody waited on CI"}, "visibility": {"org"}, "idem": {w.key}}
		req, _ := http.NewRequest("POST", ta.URL+"/kudos", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := c.HTTP.Do(req)
		if err != nil {
			return false
		}
		resp.Body.Close()
		loc := resp.Header.Get("Location")
		if resp.StatusCode == http.StatusSeeOther && strings.HasPrefix(loc, "/kudos/") {
			ledgerMu.Lock()
			w.acked, w.ackedAt, w.location = true, time.Now(), loc
			ledgerMu.Unlock()
			return true
		}
		return false
	}

	const writers = 4
	var (
		ledger []*write
		wg     sync.WaitGroup
	)
	done := make(chan struct{})
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; ; j++ {
				w := &write{key: fmt.Sprintf("fault-%d-%d", i, j)}
				ledgerMu.Lock()
				ledger = append(ledger, w)
				ledgerMu.Unlock()
				// Retry with the same key until acknowledged, as a browser
				// that resubmits the form would.
				for !post(w) {
					select {
					case <-done:
						return
					case <-time.After(50 * time.Millisecond):
					}
				}
				select {
				case <-done:
					return
				default:
				}
			}
		}()
	}

	firstAckAfter := func(since time.Time) time.Duration {
		deadline := time.Now().Add(15 * time.Second)
		for time.Now().Before(deadline) {
			ledgerMu.Lock()
			var best time.Time
			for _, w := range ledger {
				if w.acked && w.ackedAt.After(since) && (best.IsZero() || w.ackedAt.Before(best)) {
					best = w.ackedAt
				}
			}
			ledgerMu.Unlock()
			if !best.IsZero() {
				return best.Sub(since)
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Errorf("no write acknowledged within 15 s of PostgreSQL coming back")
		return -1
	}

	pidFile := filepath.Join(opts.DataDir, "postmaster.pid")
	faults := []struct {
		name   string
		inject func()
	}{
		{"fast shutdown", func() {
			mu.Lock()
			defer mu.Unlock()
			if err := stop(); err != nil {
				t.Errorf("stop: %v", err)
			}
		}},
		{"SIGKILL of the postmaster", func() {
			b, err := os.ReadFile(pidFile)
			if err != nil {
				t.Fatal(err)
			}
			pid, err := strconv.Atoi(strings.SplitN(string(b), "\n", 2)[0])
			if err != nil {
				t.Fatal(err)
			}
			if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
		}},
	}
	time.Sleep(2 * time.Second)
	for _, f := range faults {
		began := time.Now()
		f.inject()
		time.Sleep(time.Second) // writes fail meanwhile
		start()
		up := time.Now()
		recovery := firstAckAfter(up)
		t.Logf("%s: PostgreSQL back after %.2f s (held down 1 s); first acknowledged write %.2f s later",
			f.name, up.Sub(began).Seconds(), recovery.Seconds())
		time.Sleep(2 * time.Second)
	}
	close(done)
	wg.Wait()

	// Compare the ledger with what the database holds.
	conn, err := pgx.Connect(ctx, appDSN)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, "SELECT idem_key, count(*) FROM kudos WHERE org_id = $1 GROUP BY idem_key", org)
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string]int{}
	for rows.Next() {
		var key string
		var n int
		if err := rows.Scan(&key, &n); err != nil {
			t.Fatal(err)
		}
		stored[key] = n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	var tried, failed, acked, lost, duplicated, unacked int
	for _, w := range ledger {
		tried += w.tries
		if w.acked {
			acked++
			failed += w.tries - 1
		} else {
			failed += w.tries
			unacked++
		}
		switch n := stored[w.key]; {
		case w.acked && n == 0:
			lost++
			t.Errorf("acknowledged write %s (%s) is not stored", w.key, w.location)
		case n > 1:
			duplicated++
			t.Errorf("write %s is stored %d times", w.key, n)
		}
	}
	t.Logf("requests tried %d, failed %d; writes acknowledged %d, lost %d, duplicated %d; %d unacknowledged at the end",
		tried, failed, acked, lost, duplicated, unacked)
	if acked < 20 {
		t.Errorf("only %d writes acknowledged: the test did not exercise the server", acked)
	}

	// The app answers again without having been restarted.
	if r := c.Get("/readyz"); r.Status != http.StatusOK {
		t.Errorf("/readyz = %d after the restarts", r.Status)
	}
}
