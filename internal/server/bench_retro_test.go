package server_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"rapport/internal/app"
	"rapport/internal/core"
	"rapport/internal/postgres"
	"rapport/internal/server"
	"rapport/internal/testapp"
	"rapport/internal/testfx"
)

// liveServerEnv, when set to a database URL, makes this test binary serve
// Rapport on it instead of running tests: the retro benchmark's server
// process, whose CPU time is measured apart from the simulated browsers.
const liveServerEnv = "RAPPORT_LIVE_BENCH_SERVER"

// runLiveServer serves the production wiring (pool, services, live hub,
// router) on a free loopback port over plain HTTP, prints its URL, and stops
// when its standard input closes.
func runLiveServer(dbURL string) int {
	ctx := context.Background()
	pool, err := postgres.Open(ctx, dbURL, 0)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer pool.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	cfg := server.DefaultConfig()
	cfg.BaseURL = "http://" + ln.Addr().String()
	cfg.SecureCookies = false
	cfg.LoginPerIP, cfg.LoginPerAccount = 100000, 100000
	a, err := app.New(pool, cfg, slog.New(slog.DiscardHandler), app.Options{HashParams: &testfx.FastHash})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := a.Live.Start(ctx); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	srv := &http.Server{Handler: a.Server.Handler(), ReadHeaderTimeout: 10 * time.Second,
		WriteTimeout: 90 * time.Second, IdleTimeout: 120 * time.Second}
	srv.RegisterOnShutdown(a.Live.Stop)
	go func() { _ = srv.Serve(ln) }()
	fmt.Println(cfg.BaseURL)
	_, _ = io.Copy(io.Discard, os.Stdin)
	sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(sctx)
	a.Live.Stop()
	return 0
}

// serverProcess is a Rapport server in a child process.
type serverProcess struct {
	url string
	cmd *exec.Cmd
}

func startServerProcess(b *testing.B, dbURL string) *serverProcess {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), liveServerEnv+"="+dbURL)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		stdin.Close()
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
		}
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		b.Fatalf("server process: %v", err)
	}
	return &serverProcess{url: strings.TrimSpace(line), cmd: cmd}
}

// cpu is the process's user and system CPU time so far, from
// /proc/<pid>/stat (utime and stime, in clock ticks of 10 ms).
func (p *serverProcess) cpu(b *testing.B) time.Duration {
	b.Helper()
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.cmd.Process.Pid))
	if err != nil {
		b.Fatalf("read the server's CPU time: %v", err)
	}
	// The fields after the command name (which may hold spaces) in ")".
	rest := string(raw[strings.LastIndexByte(string(raw), ')')+2:])
	f := strings.Fields(rest)
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

// roomMember is one simulated person in the room: their own cookies and
// their own event stream, as a browser tab.
type roomMember struct {
	p      testfx.Person
	hc     *http.Client
	stream *testapp.Stream
}

func (pt *roomMember) post(b *testing.B, url string, form url.Values) {
	resp, err := pt.hc.PostForm(url, form)
	if err != nil {
		b.Fatalf("POST %s: %v", url, err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		b.Fatalf("POST %s as %s: status %d\n%s", url, pt.p.Name, resp.StatusCode, body)
	}
}

func (pt *roomMember) get(url string) error {
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("HX-Request", "true")
	resp, err := pt.hc.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: status %d", url, resp.StatusCode)
	}
	return nil
}

// BenchmarkRetroLive: 60 people in one retro, each with an open event
// stream, take turns posting cards (Reflect) and casting or taking back votes
// (Vote) through the room's forms, against a server in its own process on
// the test database. One operation is one POST; it ends when all 60 streams
// have received the event it published. Reported:
//
//   - p50-ms, p95-ms, p99-ms: from the POST's response to the moment the last
//     of the 59 other participants has the event (0 if all had it before the
//     response arrived);
//   - deliver-p99-ms: the same for each single delivery;
//   - server-cpu-ms/op: the server process's CPU time (user + system) per
//     operation, streams and fan-out included;
//   - in cards+refresh, every participant also re-fetches the board after
//     each event, as live.js does: refresh-p95-ms is from the POST's response
//     until all 60 boards are back.
func BenchmarkRetroLive(b *testing.B) {
	const n = 60
	ctx := context.Background()
	srv := startServerProcess(b, dsn)
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer pool.Close()
	f := testfx.Factory{Pool: pool}
	org := f.Org(b, "Bench Live Org")
	var ids []int64
	room := make([]*roomMember, n)
	for i := range n {
		p := f.Person(b, org, testfx.PersonOpts{Name: fmt.Sprintf("Participant %d", i+1), Role: core.RoleEmployee})
		ids = append(ids, p.ID)
		room[i] = &roomMember{p: p}
	}
	team := f.Team(b, org, "Sixty", ids...)
	retroID, cols := f.Retro(b, org, team, testfx.RetroOpts{Title: "Quarterly retro"})
	base := fmt.Sprintf("%s/retros/%d", srv.url, retroID)

	for _, pt := range room {
		jar, _ := cookiejar.New(nil)
		pt.hc = &http.Client{Jar: jar, Transport: &http.Transport{MaxIdleConnsPerHost: 4},
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		pt.post(b, srv.url+"/login", url.Values{"email": {pt.p.Email}, "password": {testfx.Password}})
		pt.stream = testapp.OpenStream(b, pt.hc, base+"/events", "")
	}
	// Once everyone has the first card's event, every stream is subscribed.
	room[0].post(b, base+"/cards", url.Values{"column_id": {strconv.FormatInt(cols[0], 10)}, "body": {"Warm-up card"}})
	for i, pt := range room {
		if _, ok := pt.stream.Next(10 * time.Second); !ok {
			b.Fatalf("participant %d never got the first event", i)
		}
	}

	turn := 0
	card := func(b *testing.B, i int) {
		turn++
		room[i].post(b, base+"/cards", url.Values{"column_id": {strconv.FormatInt(cols[turn%len(cols)], 10)},
			"body": {fmt.Sprintf("Card %d from %s: what helped and what got in the way", turn, room[i].p.Name)}})
	}
	b.Run("cards", func(b *testing.B) { measureLive(b, srv, room, card, "") })
	b.Run("cards+refresh", func(b *testing.B) { measureLive(b, srv, room, card, base+"/board") })

	// Reveal, then vote: each turn a participant casts a vote on a card, or
	// takes it back if they voted on it last time.
	facilitator := room[0]
	facilitator.post(b, base+"/phase", url.Values{"from": {"reflect"}, "to": {"group"}})
	facilitator.post(b, base+"/phase", url.Values{"from": {"group"}, "to": {"vote"}})
	for _, pt := range room {
		pt.stream.Next(10 * time.Second)
		pt.stream.Next(10 * time.Second)
	}
	var cards []int64
	rows, err := pool.Query(ctx, `SELECT id FROM retro_cards WHERE retro_id = $1 ORDER BY id LIMIT 20`, retroID)
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		var id int64
		_ = rows.Scan(&id)
		cards = append(cards, id)
	}
	rows.Close()
	voted := make([]bool, n)
	vote := func(b *testing.B, i int) {
		topic := fmt.Sprintf("c%d", cards[i%len(cards)])
		form := url.Values{"topic": {topic}, "key": {fmt.Sprintf("bench-%d-%d", i, time.Now().UnixNano())}}
		if voted[i] {
			form.Set("remove", "true")
		}
		voted[i] = !voted[i]
		room[i].post(b, base+"/votes", form)
	}
	b.Run("votes", func(b *testing.B) { measureLive(b, srv, room, vote, "") })
}

// measureLive runs b.N operations, each by the next participant in turn, and
// reports how long the rest of the room waited for it and what it cost the
// server.
func measureLive(b *testing.B, srv *serverProcess, room []*roomMember, op func(b *testing.B, i int), refreshURL string) {
	var all, each, refreshed, posts []time.Duration
	next := 0
	cpu0 := srv.cpu(b)
	b.ResetTimer()
	for b.Loop() {
		i := next % len(room)
		next++
		start := time.Now()
		op(b, i)
		returned := time.Now()
		posts = append(posts, returned.Sub(start))
		var worst time.Duration
		var id string
		for j, pt := range room {
			ev, ok := pt.stream.Next(10 * time.Second)
			if !ok {
				b.Fatalf("participant %d got no event for operation %d", j, next)
			}
			if id == "" {
				id = ev.ID
			} else if ev.ID != id {
				b.Fatalf("participant %d got event %s, others %s", j, ev.ID, id)
			}
			if j == i {
				continue
			}
			d := max(ev.At.Sub(returned), 0)
			each = append(each, d)
			worst = max(worst, d)
		}
		all = append(all, worst)
		if refreshURL != "" {
			var wg sync.WaitGroup
			errs := make([]error, len(room))
			for j, pt := range room {
				wg.Go(func() { errs[j] = pt.get(refreshURL) })
			}
			wg.Wait()
			if err := errors.Join(errs...); err != nil {
				b.Fatal(err)
			}
			refreshed = append(refreshed, time.Since(returned))
		}
	}
	b.StopTimer()
	cpu := srv.cpu(b) - cpu0
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	b.ReportMetric(ms(pct(all, 50)), "p50-ms")
	b.ReportMetric(ms(pct(all, 95)), "p95-ms")
	b.ReportMetric(ms(pct(all, 99)), "p99-ms")
	b.ReportMetric(ms(pct(each, 99)), "deliver-p99-ms")
	b.ReportMetric(ms(pct(posts, 50)), "post-p50-ms")
	if refreshURL != "" {
		b.ReportMetric(ms(pct(refreshed, 95)), "refresh-p95-ms")
	}
	b.ReportMetric(ms(cpu)/float64(len(all)), "server-cpu-ms/op")
}

// pct is the p-th percentile (nearest rank) of ds.
func pct(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	k := (p*len(s) + 99) / 100
	return s[max(k-1, 0)]
}
