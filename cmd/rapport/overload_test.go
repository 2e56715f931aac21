package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"rapport/internal/demo"
	"rapport/internal/testdb"
)

// These tests run `rapport serve` in-process, as the binary runs it, on a
// real PostgreSQL, and put it under the overloads operators meet: long
// exports, a page stuck behind a lock, a rolling restart. Slowness comes
// from the database itself: a table locked by another session (as a
// migration or a VACUUM FULL would) makes every statement on it wait.

// syncBuffer is a log sink safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// replica is one running `rapport serve`.
type replica struct {
	base   string
	stop   context.CancelFunc // what SIGTERM does
	done   chan error
	logs   *syncBuffer
	exited time.Duration // from stop to exit
}

// startReplica serves on a free port with the environment the test set, and
// waits until /readyz says ready. The port is free when chosen but may be
// taken by another process before serve listens on it (other packages'
// tests run beside this one): then it starts again on another port.
func startReplica(t *testing.T) *replica {
	t.Helper()
	for attempt := 1; ; attempt++ {
		r, err := tryReplica(t)
		if err == nil {
			return r
		}
		if !strings.Contains(err.Error(), "address already in use") || attempt == 3 {
			t.Fatalf("replica did not start: %v\n%s", err, r.logs.String())
		}
	}
}

// tryReplica starts one replica; it returns the error serve returned if
// serve stopped before it was ready.
func tryReplica(t *testing.T) (*replica, error) {
	t.Helper()
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	r := &replica{base: "http://" + addr, done: make(chan error, 1), logs: &syncBuffer{}}
	var stopped time.Time
	var once sync.Once
	r.stop = func() { once.Do(func() { stopped = time.Now(); cancel() }) }
	exited := make(chan error, 1)
	go func() {
		err := run(ctx, []string{"serve", "--addr", addr, "--base-url", r.base}, nil, io.Discard, r.logs)
		r.exited = time.Since(stopped)
		exited <- err
	}()
	go func() { r.done <- <-exited }()
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get(r.base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		select {
		case serr := <-r.done:
			cancel()
			if serr == nil {
				serr = errors.New("serve returned before it was ready")
			}
			return r, serr
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("replica not ready: %v\n%s", err, r.logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Cleanup(func() {
		r.stop()
		select {
		case <-r.done:
		case <-time.After(30 * time.Second):
			t.Errorf("replica %s did not stop", r.base)
		}
	})
	return r, nil
}

// waitExit waits for a stopped replica to return from serve.
func (r *replica) waitExit(t *testing.T, within time.Duration) {
	t.Helper()
	select {
	case err := <-r.done:
		if err != nil {
			t.Errorf("serve returned %v", err)
		}
		r.done <- err // for the clean-up
	case <-time.After(within):
		t.Fatalf("replica %s still running %s after SIGTERM", r.base, within)
	}
}

// overloadEnv points serve at a fresh database with a small seeded demo
// organisation and returns it.
func overloadEnv(t *testing.T, env map[string]string) (string, demo.Result) {
	t.Helper()
	db := testdb.NewDatabase(t)
	t.Setenv("DATABASE_URL", db)
	t.Setenv("RAPPORT_INSECURE_COOKIES", "1")
	t.Setenv("RAPPORT_LOG_LEVEL", "warn")
	for k, v := range env {
		t.Setenv(k, v)
	}
	ctx := context.Background()
	pool, closeDB, err := openDB(ctx, newLogger(io.Discard, "warn", "text"))
	if err != nil {
		t.Fatal(err)
	}
	defer closeDB()
	res, err := demo.Seed(ctx, pool, demo.Options{People: 20, Seed: 1, Password: demoPassword, Months: 3})
	if err != nil {
		t.Fatal(err)
	}
	return db, res
}

// signIn returns a client signed in as email on base. Session cookies are
// per host, so the client is signed in on every replica of 127.0.0.1.
func signIn(t *testing.T, base, email string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.PostForm(base+"/login", url.Values{"email": {email}, "password": {demoPassword}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in as %s: %d", email, resp.StatusCode)
	}
	return c
}

func signInAs(t *testing.T, base string, res demo.Result, role string) *http.Client {
	t.Helper()
	for _, s := range res.SignIns {
		if string(s.Role) == role {
			return signIn(t, base, s.Email)
		}
	}
	t.Fatalf("no demo sign-in for %s", role)
	return nil
}

// lockTable holds an exclusive lock on table until the returned function is
// called (or the test ends).
func lockTable(t *testing.T, dsn, table string) func() {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "BEGIN; LOCK TABLE "+pgx.Identifier{table}.Sanitize()+" IN ACCESS EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	release := func() {
		once.Do(func() {
			_, _ = conn.Exec(ctx, "ROLLBACK")
			_ = conn.Close(ctx)
		})
	}
	t.Cleanup(release)
	return release
}

// probe is a timed GET.
type probe struct {
	status  int
	elapsed time.Duration
	err     error
	retry   string
	body    string
}

func get(c *http.Client, u string) probe {
	start := time.Now()
	resp, err := c.Get(u)
	if err != nil {
		return probe{err: err, elapsed: time.Since(start)}
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	return probe{status: resp.StatusCode, elapsed: time.Since(start), err: err, retry: resp.Header.Get("Retry-After"), body: string(b)}
}

// prober GETs a URL every interval until stopped and keeps what it saw.
type prober struct {
	mu     sync.Mutex
	probes []probe
	stop   chan struct{}
	wg     sync.WaitGroup
}

func startProber(c *http.Client, u string, every time.Duration) *prober {
	p := &prober{stop: make(chan struct{})}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-p.stop:
				return
			case <-t.C:
				// Each probe in its own goroutine: a hung probe must not
				// hide the ones after it.
				p.wg.Add(1)
				go func() {
					defer p.wg.Done()
					pr := get(c, u)
					p.mu.Lock()
					p.probes = append(p.probes, pr)
					p.mu.Unlock()
				}()
			}
		}
	}()
	return p
}

// startPersonProber probes u as one person browsing: one request at a
// time, the next when the last has answered and at least every has passed.
// (Overlapping requests of one person meet the per-person limit, which is
// not what these probes measure.) A hung request still shows: its probe
// takes as long as the client's timeout.
func startPersonProber(c *http.Client, u string, every time.Duration) *prober {
	p := &prober{stop: make(chan struct{})}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			next := time.Now().Add(every)
			select {
			case <-p.stop:
				return
			default:
			}
			pr := get(c, u)
			p.mu.Lock()
			p.probes = append(p.probes, pr)
			p.mu.Unlock()
			select {
			case <-p.stop:
				return
			case <-time.After(time.Until(next)):
			}
		}
	}()
	return p
}

func (p *prober) finish() []probe {
	close(p.stop)
	p.wg.Wait()
	return p.probes
}

// p99 returns the 99th percentile and the worst of the probes' times.
func p99(ps []probe) (time.Duration, time.Duration) {
	if len(ps) == 0 {
		return 0, 0
	}
	d := make([]time.Duration, len(ps))
	for i, p := range ps {
		d[i] = p.elapsed
	}
	slices.Sort(d)
	return d[(len(d)*99+99)/100-1], d[len(d)-1]
}

func probeClient() *http.Client {
	return &http.Client{Timeout: 3 * time.Second}
}

// Four concurrent exports on a pool of two, while the export query is held
// up by a lock: readiness and another person's page keep answering fast,
// the exports that cannot run now are told so at once, and the ones that
// run finish complete once the lock goes.
func TestConcurrentExportsDoNotStarveReadinessOrPages(t *testing.T) {
	dsn, res := overloadEnv(t, map[string]string{
		"RAPPORT_DB_POOL_SIZE":       "2",
		"RAPPORT_DB_ACQUIRE_TIMEOUT": "500ms",
		"RAPPORT_EXPORTS":            "2",
	})
	var cycle int64
	if err := scanRow(t, dsn, "SELECT id FROM review_cycles WHERE org_id = $1 ORDER BY id DESC LIMIT 1", []any{res.OrgID}, &cycle); err != nil {
		t.Fatal(err)
	}
	rp := startReplica(t)
	admin := signInAs(t, rp.base, res, "admin")
	employee := signInAs(t, rp.base, res, "employee")

	release := lockTable(t, dsn, "review_ratings")
	ready := startProber(probeClient(), rp.base+"/readyz", 50*time.Millisecond)
	page := startPersonProber(employee, rp.base+"/teams", 50*time.Millisecond)

	const exports = 4
	results := make([]probe, exports)
	var wg sync.WaitGroup
	for i := range exports {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = get(admin, fmt.Sprintf("%s/exports/cycles/%d/csv", rp.base, cycle))
		}()
	}
	time.Sleep(1500 * time.Millisecond)
	release()
	wg.Wait()
	readies, pages := ready.finish(), page.finish()

	rp99, rmax := p99(readies)
	pp99, pmax := p99(pages)
	t.Logf("readyz: %d probes, p99 %s, max %s; employee page: %d probes, p99 %s, max %s", len(readies), rp99, rmax, len(pages), pp99, pmax)
	for i, pr := range readies {
		if pr.err != nil || pr.status != 200 || pr.elapsed > 200*time.Millisecond {
			t.Errorf("readyz probe %d: status %d in %s (%v)", i, pr.status, pr.elapsed, pr.err)
		}
	}
	for i, pr := range pages {
		if pr.err != nil || pr.status != 200 || pr.elapsed > 200*time.Millisecond {
			t.Errorf("employee page probe %d: status %d in %s (%v)", i, pr.status, pr.elapsed, pr.err)
		}
	}
	complete := 0
	for i, r := range results {
		t.Logf("export %d: status %d in %s, %d bytes", i, r.status, r.elapsed, len(r.body))
		switch {
		case r.err != nil:
			t.Errorf("export %d: %v", i, r.err)
		case r.status == 200:
			if !strings.HasPrefix(r.body, "\ufeffPerson") && !strings.HasPrefix(r.body, "Person") {
				t.Errorf("export %d: not a sheet: %.80q", i, r.body)
			}
			complete++
		case r.status == http.StatusServiceUnavailable || r.status == http.StatusTooManyRequests:
			if r.retry == "" || !strings.Contains(r.body, "An export is already running") {
				t.Errorf("export %d refused without Retry-After or message: %q %.300s", i, r.retry, r.body)
			}
			if r.elapsed > 500*time.Millisecond {
				t.Errorf("export %d refused only after %s", i, r.elapsed)
			}
		default:
			t.Errorf("export %d: status %d", i, r.status)
		}
	}
	if complete == 0 {
		t.Error("no export finished")
	}
}

// scanRow runs one query on a connection of its own, closed at once.
func scanRow(t *testing.T, dsn, sql string, args []any, dst ...any) error {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	return conn.QueryRow(ctx, sql, args...).Scan(dst...)
}

// A leader hammers a page whose query is stuck behind a lock: those
// requests end in a quick 503 (statement timeout, or past the leader's
// share of the pool), never a 500 or a hang; readiness answers at once and
// another person's page still answers, fast.
func TestSlowPageDoesNotStallOthers(t *testing.T) {
	dsn, res := overloadEnv(t, map[string]string{
		"RAPPORT_DB_POOL_SIZE":         "3",
		"RAPPORT_DB_ACQUIRE_TIMEOUT":   "200ms",
		"RAPPORT_DB_STATEMENT_TIMEOUT": "1s",
	})
	rp := startReplica(t)
	leader := signInAs(t, rp.base, res, "leader")
	employee := signInAs(t, rp.base, res, "employee")
	if pr := get(leader, rp.base+"/recognition/equity"); pr.status != 200 {
		t.Fatalf("equity page: %d", pr.status)
	}

	release := lockTable(t, dsn, "kudo_recipients")
	ready := startProber(probeClient(), rp.base+"/readyz", 50*time.Millisecond)
	page := startPersonProber(employee, rp.base+"/teams", 50*time.Millisecond)
	// Ten requests a second to the stuck page for 2.5 s.
	leader.Timeout = 5 * time.Second
	slow := startProber(leader, rp.base+"/recognition/equity", 100*time.Millisecond)
	time.Sleep(2500 * time.Millisecond)
	slows := slow.finish()
	release()
	released := time.Now()
	readies, pages := ready.finish(), page.finish()
	// Recovery: how soon after the lock goes the page answers again.
	for {
		pr := get(leader, rp.base+"/recognition/equity")
		if pr.status == 200 {
			break
		}
		if time.Since(released) > 10*time.Second {
			t.Fatalf("the page has not recovered %s after the lock went: %d", time.Since(released), pr.status)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("recovered %s after the lock went", time.Since(released).Round(time.Millisecond))

	rp99, rmax := p99(readies)
	pp99, pmax := p99(pages)
	sp99, smax := p99(slows)
	count := map[int]int{}
	for _, s := range slows {
		count[s.status]++
	}
	pcount := map[int]int{}
	for _, s := range pages {
		pcount[s.status]++
	}
	t.Logf("readyz: %d probes, p99 %s, max %s; employee page: %d probes %v, p99 %s, max %s; slow page: %d requests %v, p99 %s, max %s",
		len(readies), rp99, rmax, len(pages), pcount, pp99, pmax, len(slows), count, sp99, smax)
	for i, pr := range readies {
		if pr.err != nil || pr.status != 200 || pr.elapsed > 200*time.Millisecond {
			t.Errorf("readyz probe %d: status %d in %s (%v)", i, pr.status, pr.elapsed, pr.err)
		}
	}
	// The leader's share of the pool is capped (RAPPORT_REQUESTS_PER_PERSON:
	// half of it), so the other person's page keeps a connection.
	if pcount[200] < len(pages)*9/10 {
		t.Errorf("the other person's page answered only %d of %d times", pcount[200], len(pages))
	}
	for i, pr := range pages {
		ok := pr.status == 200 || (pr.status == http.StatusServiceUnavailable && pr.retry != "")
		if pr.err != nil || !ok || pr.elapsed > time.Second {
			t.Errorf("employee page probe %d: status %d (Retry-After %q) in %s (%v)", i, pr.status, pr.retry, pr.elapsed, pr.err)
		}
	}
	for i, pr := range slows {
		ok := pr.status == http.StatusServiceUnavailable || pr.status == http.StatusGatewayTimeout
		if pr.err != nil || !ok || pr.elapsed > 2*time.Second {
			t.Errorf("slow page request %d: status %d in %s (%v)", i, pr.status, pr.elapsed, pr.err)
		}
		if ok && (pr.retry == "" || !strings.Contains(pr.body, "busy")) {
			t.Errorf("slow page request %d: %d without Retry-After or a plain page: %q %.200s", i, pr.status, pr.retry, pr.body)
		}
	}
}

// balancer is a round-robin client in front of replicas that, like a load
// balancer, checks each one's /readyz every 100 ms and only sends requests
// to the ones that said ready last time.
type balancer struct {
	mu       sync.Mutex
	backends []string
	ready    map[string]bool
	next     int
	stop     chan struct{}
	wg       sync.WaitGroup
}

func newBalancer(backends ...string) *balancer {
	b := &balancer{backends: backends, ready: map[string]bool{}, stop: make(chan struct{})}
	for _, be := range backends {
		b.ready[be] = true
	}
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		hc := &http.Client{Timeout: time.Second}
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-b.stop:
				return
			case <-t.C:
			}
			b.mu.Lock()
			list := slices.Clone(b.backends)
			b.mu.Unlock()
			for _, be := range list {
				ok := false
				if resp, err := hc.Get(be + "/readyz"); err == nil {
					ok = resp.StatusCode == 200
					resp.Body.Close()
				}
				b.mu.Lock()
				b.ready[be] = ok
				b.mu.Unlock()
			}
		}
	}()
	return b
}

func (b *balancer) add(be string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.backends = append(b.backends, be)
}

func (b *balancer) remove(be string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.backends = slices.DeleteFunc(b.backends, func(s string) bool { return s == be })
	delete(b.ready, be)
}

func (b *balancer) pick() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	for range b.backends {
		be := b.backends[b.next%len(b.backends)]
		b.next++
		if b.ready[be] {
			return be
		}
	}
	return ""
}

func (b *balancer) close() {
	close(b.stop)
	b.wg.Wait()
}

// A rolling restart of two replicas behind a round-robin balancer, under a
// steady 50 requests a second of a signed-in page: not one request fails.
func TestRollingRestartLosesNoRequests(t *testing.T) {
	// One person sends all the traffic here, on a machine that may be busy:
	// the per-person limit and a short wait for connections would answer
	// some of it 503 by design (they have tests of their own). This test is
	// about the drain alone.
	_, res := overloadEnv(t, map[string]string{
		"RAPPORT_DRAIN_WINDOW":        "1s",
		"RAPPORT_SHUTDOWN_TIMEOUT":    "5s",
		"RAPPORT_REQUESTS_PER_PERSON": "0",
		"RAPPORT_DB_ACQUIRE_TIMEOUT":  "4s",
	})
	a := startReplica(t)
	bRep := startReplica(t)
	employee := signInAs(t, a.base, res, "employee")
	employee.Timeout = 5 * time.Second
	lb := newBalancer(a.base, bRep.base)
	defer lb.close()

	var tried, failed atomic.Int64
	var failures sync.Map
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
			}
			be := lb.pick()
			wg.Add(1)
			go func() {
				defer wg.Done()
				tried.Add(1)
				if be == "" {
					failed.Add(1)
					failures.Store(time.Now().String(), "no replica ready")
					return
				}
				pr := get(employee, be+"/teams")
				if pr.err != nil || pr.status != 200 {
					failed.Add(1)
					failures.Store(fmt.Sprint(time.Now().UnixNano()), fmt.Sprintf("%s: %d %v", be, pr.status, pr.err))
				}
			}()
		}
	}()

	restart := func(old *replica) *replica {
		time.Sleep(500 * time.Millisecond)
		old.stop()
		old.waitExit(t, 10*time.Second)
		t.Logf("replica %s exited %s after SIGTERM", old.base, old.exited.Round(time.Millisecond))
		// The balancer learns of the exit only from its health checks.
		nr := startReplica(t)
		lb.add(nr.base)
		lb.remove(old.base)
		return nr
	}
	a2 := restart(a)
	_ = restart(bRep)
	_ = a2
	time.Sleep(500 * time.Millisecond)
	close(stop)
	wg.Wait()
	t.Logf("rolling restart: %d requests tried, %d failed", tried.Load(), failed.Load())
	failures.Range(func(k, v any) bool {
		t.Errorf("failed: %v", v)
		return true
	})
}

// firstCycle returns the newest review cycle of the demo organisation.
func firstCycle(t *testing.T, dsn string, orgID int64) int64 {
	t.Helper()
	var cycle int64
	if err := scanRow(t, dsn, "SELECT id FROM review_cycles WHERE org_id = $1 ORDER BY id DESC LIMIT 1", []any{orgID}, &cycle); err != nil {
		t.Fatal(err)
	}
	return cycle
}

// lockWaiters counts the statements waiting for the lock on review_ratings
// (only exports read it in these tests).
func lockWaiters(t *testing.T, dsn string) int {
	t.Helper()
	var n int
	if err := scanRow(t, dsn, `SELECT count(*) FROM pg_locks
		WHERE NOT granted AND relation = 'review_ratings'::regclass`, nil, &n); err != nil {
		t.Fatal(err)
	}
	return n
}

// An export whose client goes away gives its connection back at once,
// even while its query is waiting.
func TestExportClientLeavingFreesItsConnection(t *testing.T) {
	dsn, res := overloadEnv(t, nil)
	cycle := firstCycle(t, dsn, res.OrgID)
	rp := startReplica(t)
	admin := signInAs(t, rp.base, res, "admin")
	release := lockTable(t, dsn, "review_ratings")
	defer release()

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		req, _ := http.NewRequestWithContext(ctx, "GET", fmt.Sprintf("%s/exports/cycles/%d/csv", rp.base, cycle), nil)
		resp, err := admin.Do(req)
		if err == nil {
			_, err = io.ReadAll(resp.Body)
			resp.Body.Close()
		}
		done <- err
	}()
	deadline := time.Now().Add(3 * time.Second)
	for lockWaiters(t, dsn) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the export never reached its query")
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	<-done
	left := time.Now()
	for lockWaiters(t, dsn) > 0 {
		if time.Since(left) > time.Second {
			t.Fatalf("the export's query still holds its connection %s after the client left", time.Since(left).Round(time.Millisecond))
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("connection freed %s after the client left", time.Since(left).Round(time.Millisecond))
}

// SIGTERM during an export: the process exits within its grace period, the
// download breaks off instead of ending as a short file that looks
// complete, and the audit log marks the export incomplete.
func TestShutdownCutsAnExportAsIncomplete(t *testing.T) {
	dsn, res := overloadEnv(t, map[string]string{
		"RAPPORT_DRAIN_WINDOW":     "200ms",
		"RAPPORT_SHUTDOWN_TIMEOUT": "3s",
	})
	cycle := firstCycle(t, dsn, res.OrgID)
	rp := startReplica(t)
	admin := signInAs(t, rp.base, res, "admin")
	// A fresh connection: on a kept-alive one, Go's client would retry the
	// GET elsewhere when the server cuts it, hiding the cut.
	admin.Transport = &http.Transport{DisableKeepAlives: true}
	release := lockTable(t, dsn, "review_ratings")

	type result struct {
		status int
		body   int
		err    error
	}
	done := make(chan result, 1)
	go func() {
		resp, err := admin.Get(fmt.Sprintf("%s/exports/cycles/%d/csv", rp.base, cycle))
		if err != nil {
			done <- result{err: err}
			return
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		done <- result{status: resp.StatusCode, body: len(b), err: err}
	}()
	deadline := time.Now().Add(3 * time.Second)
	for lockWaiters(t, dsn) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the export never reached its query")
		}
		time.Sleep(20 * time.Millisecond)
	}
	rp.stop()
	rp.waitExit(t, 4*time.Second)
	t.Logf("exited %s after SIGTERM", rp.exited.Round(time.Millisecond))
	// Whatever still waits on the lock may now go on.
	release()
	var r result
	select {
	case r = <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the export's client is still waiting")
	}
	t.Logf("export: status %d, %d bytes, err %v", r.status, r.body, r.err)
	if r.err == nil {
		t.Errorf("the cut export ended as a clean %d response of %d bytes", r.status, r.body)
	}
	var complete string
	if err := scanRow(t, dsn, `SELECT coalesce(detail->>'complete', 'missing') FROM audit_log
		WHERE org_id = $1 AND action = 'export.cycle' ORDER BY id DESC LIMIT 1`, []any{res.OrgID}, &complete); err != nil {
		t.Fatalf("no export in the audit log: %v", err)
	}
	if complete != "false" {
		t.Errorf("the cut export's audit entry says complete=%s", complete)
	}
}
