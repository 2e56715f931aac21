package loadtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Result is one target's line in the report.
type Result struct {
	Name, Path string
	Rate       int     // the constant rate of the reported attack
	Throughput float64 // successful responses a second at that rate
	P50        time.Duration
	P95        time.Duration
	P99        time.Duration
	Requests   uint64
	Errors     uint64 // transport errors and unexpected statuses
	Queries    string // statements per request (X-Queries), "–" when not traced
	Found      bool   // the search found a rate within the p99 bound
	Steps      int    // attacks it took
}

// Report is a whole run.
type Report struct {
	Started  time.Time
	Elapsed  time.Duration
	Target   string
	Fixed    int // > 0: fixed-rate mode
	P99      time.Duration
	Env      Env
	Fortunes *Result
	Pages    []Result
	Writes   *WriteResult
	Stopped  string // why the run ended before every target was measured
	Requests uint64
}

// Env is what the numbers depend on.
type Env struct {
	GOMAXPROCS int
	NumCPU     int
	GoVersion  string
	Postgres   []Setting // empty without a database URL
}

// Setting is one PostgreSQL setting.
type Setting struct{ Name, Value string }

// errBudget ends a run that reached --max-duration or --max-requests.
var errBudget = errors.New("budget spent")

type runner struct {
	cfg      Config
	deadline time.Time
	sent     atomic.Uint64
	stopped  string
	mu       sync.Mutex
}

// Run checks the targets, signs in and measures. Progress goes to progress;
// the report is returned even when the run stopped early.
func Run(ctx context.Context, cfg Config, progress io.Writer) (*Report, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.MaxDuration)
	defer cancel()
	rn := &runner{cfg: cfg, deadline: time.Now().Add(cfg.MaxDuration)}
	rep := &Report{Started: time.Now().UTC(), Target: cfg.Target, Fixed: 0, P99: cfg.P99}
	if cfg.Fixed {
		rep.Fixed = cfg.Rate
	}
	rep.Env = Env{GOMAXPROCS: runtime.GOMAXPROCS(0), NumCPU: runtime.NumCPU(), GoVersion: runtime.Version()}
	if cfg.DatabaseURL != "" {
		s, err := PostgresSettings(ctx, cfg.DatabaseURL)
		if err != nil {
			fmt.Fprintf(progress, "PostgreSQL settings not recorded: %v\n", err)
		}
		rep.Env.Postgres = s
	}

	base := strings.TrimRight(cfg.Target, "/")
	if len(cfg.Pages) > 0 || cfg.Writes > 0 {
		if err := CheckRapport(ctx, base); err != nil {
			return nil, err
		}
	}
	fortunes := fortunesURL(cfg.Fortunes)
	if fortunes != "" {
		if err := CheckFortunes(ctx, fortunes); err != nil {
			return nil, err
		}
	}
	cookies := map[Who]string{}
	for who, email := range map[Who]string{AsManager: cfg.Manager, AsLeader: cfg.Leader} {
		if email == "" {
			continue
		}
		ck, err := SignIn(ctx, base, email, cfg.Password)
		if err != nil {
			return nil, err
		}
		cookies[who] = ck
	}

	var wg sync.WaitGroup
	writeCtx, stopWrites := context.WithCancel(ctx)
	defer stopWrites()
	if cfg.Writes > 0 {
		w, err := newWriter(ctx, cfg, base, cookies[AsManager], cfg.Leader)
		if err != nil {
			return nil, err
		}
		rep.Writes = &w.res
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := w.run(writeCtx, rn); err != nil {
				fmt.Fprintf(progress, "writes: %v\n", err)
			}
		}()
	}

	measure := func(name, path, u, cookie string) (Result, error) {
		res := Result{Name: name, Path: path}
		if _, ok := rn.budget(2, time.Second); !ok {
			return res, errBudget
		}
		tgt := vegeta.Target{Method: http.MethodGet, URL: u, Header: http.Header{}}
		if cookie != "" {
			tgt.Header.Set("Cookie", cookie)
			res.Queries = QueriesFor(ctx, u, cookie)
			rn.sent.Add(2)
		} else {
			res.Queries = "–"
		}
		var err error
		if cfg.Fixed {
			err = rn.fixed(ctx, &res, tgt, progress)
		} else {
			err = rn.search(ctx, &res, tgt, progress)
		}
		return res, err
	}

	var runErr error
	if fortunes != "" {
		res, err := measure("Fortunes baseline", "/fortunes", fortunes, "")
		if res.Requests > 0 {
			rep.Fortunes = &res
		}
		runErr = err
	}
	for _, name := range cfg.Pages {
		if runErr != nil {
			break
		}
		p := pageByName(name)
		if p.Find != nil {
			path, err := p.Find(ctx, base, cookies[p.As])
			if err != nil {
				runErr = fmt.Errorf("page %s: %w", p.Name, err)
				break
			}
			p.Path = path
		}
		res, err := measure(p.Name, p.Path, base+p.Path, cookies[p.As])
		if res.Requests > 0 {
			rep.Pages = append(rep.Pages, res)
		}
		runErr = err
	}
	if cfg.Writes > 0 && len(cfg.Pages) == 0 && fortunes == "" && runErr == nil {
		// Writes alone run until the budget is spent.
		<-ctx.Done()
		rn.stop("--max-duration reached")
	}
	stopWrites()
	wg.Wait()
	rep.Elapsed = time.Since(rep.Started)
	rep.Requests = rn.sent.Load()
	rep.Stopped = rn.stopped
	if errors.Is(runErr, errBudget) || (runErr != nil && ctx.Err() != nil) {
		if rep.Stopped == "" {
			rep.Stopped = "stopped: " + context.Cause(ctx).Error()
		}
		runErr = nil
	}
	return rep, runErr
}

func fortunesURL(raw string) string {
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = "/fortunes"
	}
	return u.String()
}

func pageByName(name string) Page {
	for _, p := range Pages {
		if p.Name == name {
			return p
		}
	}
	return Page{}
}

func (rn *runner) stop(why string) {
	rn.mu.Lock()
	defer rn.mu.Unlock()
	if rn.stopped == "" {
		rn.stopped = why
	}
}

// budget shortens an attack to what is left of the run's time and
// requests; ok is false when nothing is left.
func (rn *runner) budget(rate int, du time.Duration) (time.Duration, bool) {
	left := time.Until(rn.deadline) - time.Second
	if left < du {
		du = left
	}
	sent := rn.sent.Load()
	if sent >= uint64(rn.cfg.MaxRequests) {
		rn.stop(fmt.Sprintf("--max-requests %d reached", rn.cfg.MaxRequests))
		return 0, false
	}
	remaining := uint64(rn.cfg.MaxRequests) - sent
	if max := time.Duration(float64(remaining) / float64(rate) * float64(time.Second)); max < du {
		du = max
	}
	if du < 200*time.Millisecond {
		if time.Until(rn.deadline) < 2*time.Second {
			rn.stop(fmt.Sprintf("--max-duration %s reached", rn.cfg.MaxDuration))
		} else {
			rn.stop(fmt.Sprintf("--max-requests %d reached", rn.cfg.MaxRequests))
		}
		return 0, false
	}
	return du, true
}

func newAttacker(workers uint64) *vegeta.Attacker {
	return vegeta.NewAttacker(
		vegeta.Redirects(vegeta.NoFollow),
		vegeta.Timeout(5*time.Second),
		vegeta.KeepAlive(true),
		vegeta.MaxWorkers(workers),
		vegeta.MaxBody(0),
	)
}

// attack runs one constant-rate attack on tgt and returns its metrics and
// the responses that were not the wanted status.
func (rn *runner) attack(ctx context.Context, tgt vegeta.Target, rate int, du time.Duration, name string, want int,
	each func(*vegeta.Result)) (vegeta.Metrics, uint64, error) {
	var m vegeta.Metrics
	du, ok := rn.budget(rate, du)
	if !ok {
		return m, 0, errBudget
	}
	atk := newAttacker(512)
	stop := context.AfterFunc(ctx, func() { atk.Stop() })
	defer stop()
	var bad uint64
	for res := range atk.Attack(vegeta.NewStaticTargeter(tgt), vegeta.Rate{Freq: rate, Per: time.Second}, du, name) {
		rn.sent.Add(1)
		m.Add(res)
		if int(res.Code) != want {
			bad++
		}
		if each != nil {
			each(res)
		}
	}
	m.Close()
	if ctx.Err() != nil {
		return m, bad, ctx.Err()
	}
	return m, bad, nil
}

// within reports whether an attack kept up with its rate within the bound.
func (rn *runner) within(m vegeta.Metrics, bad uint64, rate int) bool {
	return m.Requests > 0 && bad == 0 && m.Latencies.P99 < rn.cfg.P99 && m.Throughput >= 0.9*float64(rate)
}

func fill(res *Result, m vegeta.Metrics, bad uint64, rate int) {
	res.Rate = rate
	res.Throughput = m.Throughput
	res.P50, res.P95, res.P99 = m.Latencies.P50, m.Latencies.P95, m.Latencies.P99
	res.Requests = m.Requests
	res.Errors = bad
}

// fixed attacks at the configured rate once.
func (rn *runner) fixed(ctx context.Context, res *Result, tgt vegeta.Target, progress io.Writer) error {
	m, bad, err := rn.attack(ctx, tgt, rn.cfg.Rate, rn.cfg.Step, res.Name, http.StatusOK, nil)
	if err != nil {
		return err
	}
	fill(res, m, bad, rn.cfg.Rate)
	res.Found = rn.within(m, bad, rn.cfg.Rate)
	res.Steps = 1
	fmt.Fprintf(progress, "%-18s %6d req/s: %8.1f ok/s  p95 %-9s p99 %-9s errors %d\n", res.Name, rn.cfg.Rate, m.Throughput,
		ms(m.Latencies.P95), ms(m.Latencies.P99), bad)
	return nil
}

// search finds the highest constant rate whose p99 stays under the bound:
// it starts from what one connection manages in a row, doubles while the
// attack keeps up, then bisects between the last rate that did and the first
// that did not.
func (rn *runner) search(ctx context.Context, res *Result, tgt vegeta.Target, progress io.Writer) error {
	rate := rn.calibrate(ctx, tgt)
	lo, hi := 0, 0
	for res.Steps < 16 {
		if rate > rn.cfg.MaxRate {
			rate = rn.cfg.MaxRate
		}
		m, bad, err := rn.attack(ctx, tgt, rate, rn.cfg.Step, res.Name, http.StatusOK, nil)
		if err != nil {
			return err
		}
		res.Steps++
		good := rn.within(m, bad, rate)
		fmt.Fprintf(progress, "%-18s %6d req/s: %8.1f ok/s  p50 %-9s p99 %-9s errors %-4d %s\n", res.Name, rate, m.Throughput,
			ms(m.Latencies.P50), ms(m.Latencies.P99), bad, map[bool]string{true: "within", false: "over"}[good])
		if !good && bad == 0 {
			// On a shared machine one pause elsewhere can push a short
			// attack's p99 over the bound: an attack over it only by
			// latency is tried once more before the rate counts as too high.
			if err := rn.pause(ctx); err != nil {
				return err
			}
			m2, bad2, err := rn.attack(ctx, tgt, rate, rn.cfg.Step, res.Name, http.StatusOK, nil)
			if err != nil {
				return err
			}
			res.Steps++
			good = rn.within(m2, bad2, rate)
			fmt.Fprintf(progress, "%-18s %6d req/s: %8.1f ok/s  p50 %-9s p99 %-9s errors %-4d %s (again)\n", res.Name, rate, m2.Throughput,
				ms(m2.Latencies.P50), ms(m2.Latencies.P99), bad2, map[bool]string{true: "within", false: "over"}[good])
			if good {
				m, bad = m2, bad2
			}
		}
		if good {
			lo = rate
			fill(res, m, bad, rate)
			res.Found = true
		} else {
			hi = rate
			if !res.Found {
				fill(res, m, bad, rate) // the lowest rate tried, when none was within
			}
		}
		switch {
		case hi == 0 && lo >= rn.cfg.MaxRate:
			return nil
		case hi == 0:
			rate = 2 * lo
		case lo == 0 && hi <= 1:
			return nil
		default:
			if hi-lo <= max(1, lo/10) {
				return nil
			}
			rate = (lo + hi) / 2
		}
		if err := rn.pause(ctx); err != nil {
			return err
		}
	}
	return nil
}

// pause lets the server drain what an over-bound attack left queued.
func (rn *runner) pause(ctx context.Context) error {
	select {
	case <-time.After(300 * time.Millisecond):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// calibrate measures how many requests a second one connection gets
// through back to back, for a short moment: a starting point for the search.
func (rn *runner) calibrate(ctx context.Context, tgt vegeta.Target) int {
	c := &http.Client{Timeout: 5 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	start := time.Now()
	n := 0
	for time.Since(start) < 300*time.Millisecond && ctx.Err() == nil && rn.sent.Load() < uint64(rn.cfg.MaxRequests) {
		req, err := tgt.Request()
		if err != nil {
			break
		}
		resp, err := c.Do(req.WithContext(ctx))
		rn.sent.Add(1)
		if err != nil {
			break
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		n++
	}
	rate := int(float64(n) / time.Since(start).Seconds())
	return max(1, rate)
}

func ms(d time.Duration) string {
	switch {
	case d >= 100*time.Millisecond:
		return fmt.Sprintf("%.0f ms", float64(d)/1e6)
	case d >= 10*time.Millisecond:
		return fmt.Sprintf("%.1f ms", float64(d)/1e6)
	default:
		return fmt.Sprintf("%.2f ms", float64(d)/1e6)
	}
}
