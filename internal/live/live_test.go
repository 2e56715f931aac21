package live_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"rapport/internal/live"
	"rapport/internal/postgres"
	"rapport/internal/server"
	"rapport/internal/testapp"
	"rapport/internal/testdb"
)

var dsn string

func TestMain(m *testing.M) { testdb.Main(m, &dsn) }

const wait = 5 * time.Second

// replica is one app process as far as live updates go: its own pool, its
// own hub and its own HTTP server streaming ?topic=.
type replica struct {
	pool *pgxpool.Pool
	hub  *live.Hub
	srv  *httptest.Server
}

// replicaOpts tune a replica: the hub's settings, middleware around the
// stream handler, the server's write timeout.
type replicaOpts struct {
	tune         func(*live.Hub)
	wrap         func(http.Handler) http.Handler
	writeTimeout time.Duration
}

func newReplica(t *testing.T, dbURL string, o replicaOpts) *replica {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	hub := live.NewHub(pool, postgres.NewLiveStore(pool), slog.New(slog.DiscardHandler))
	if o.tune != nil {
		o.tune(hub)
	}
	if err := hub.Start(context.Background()); err != nil {
		t.Fatalf("start hub: %v", err)
	}
	var h http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hub.ServeSSE(w, r, r.URL.Query().Get("topic"))
	})
	if o.wrap != nil {
		h = o.wrap(h)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.Config.WriteTimeout = 90 * time.Second
	if o.writeTimeout > 0 {
		srv.Config.WriteTimeout = o.writeTimeout
	}
	srv.Start()
	// The hub stops first so that open streams end and the server can close.
	t.Cleanup(srv.Close)
	t.Cleanup(hub.Stop)
	return &replica{pool: pool, hub: hub, srv: srv}
}

func (r *replica) stream(t *testing.T, topic, lastID string) *testapp.Stream {
	t.Helper()
	s := testapp.OpenStream(t, r.srv.Client(), r.srv.URL+"/?topic="+topic, lastID)
	return s
}

// waitSubscribers waits until n streams of this replica watch topic, so that
// what is published next is theirs to receive.
func (r *replica) waitSubscribers(t *testing.T, topic string, n int) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for r.hub.Subscribers(topic) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d streams on %s, want %d", r.hub.Subscribers(topic), topic, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// publish publishes one event in its own committed transaction and returns its id.
func publish(t *testing.T, pool *pgxpool.Pool, topic, kind string, data any) int64 {
	t.Helper()
	ctx := context.Background()
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		return live.Publish(ctx, postgres.NewLiveStore(pool), tx, topic, kind, data)
	})
	if err != nil {
		t.Fatalf("publish: %v", err)
	}
	id, err := live.LastID(ctx, postgres.NewLiveStore(pool), topic)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func topicName(t *testing.T) string {
	return fmt.Sprintf("test:%s:%d", t.Name(), rand.Int64())
}

func mustNext(t *testing.T, s *testapp.Stream, what string) testapp.SSEEvent {
	t.Helper()
	ev, ok := s.Next(wait)
	if !ok {
		t.Fatalf("%s: no event within %s", what, wait)
	}
	return ev
}

func TestEventReachesEveryStreamOnEveryReplica(t *testing.T) {
	db := testdb.NewDatabase(t)
	a := newReplica(t, db, replicaOpts{})
	b := newReplica(t, db, replicaOpts{})
	topic, other := topicName(t), topicName(t)

	streams := map[string]*testapp.Stream{
		"a1": a.stream(t, topic, ""), "a2": a.stream(t, topic, ""),
		"b1": b.stream(t, topic, ""), "b2": b.stream(t, topic, ""),
	}
	bystander := b.stream(t, other, "")
	a.waitSubscribers(t, topic, 2)
	b.waitSubscribers(t, topic, 2)
	b.waitSubscribers(t, other, 1)

	id := publish(t, a.pool, topic, "card.added", map[string]any{"card": 42})
	for name, s := range streams {
		ev := mustNext(t, s, name)
		if ev.ID != strconv.FormatInt(id, 10) || ev.Event != "card.added" {
			t.Errorf("%s got id %q event %q, want id %d event card.added", name, ev.ID, ev.Event, id)
		}
		var data struct{ Card int }
		if err := json.Unmarshal([]byte(ev.Data), &data); err != nil || data.Card != 42 {
			t.Errorf("%s got data %q, want {\"card\":42}", name, ev.Data)
		}
	}
	// The same from the other replica's side.
	id2 := publish(t, b.pool, topic, "phase", nil)
	for name, s := range streams {
		if ev := mustNext(t, s, name); ev.ID != strconv.FormatInt(id2, 10) || ev.Data != "{}" {
			t.Errorf("%s got %+v, want id %d with data {}", name, ev, id2)
		}
	}
	if ev, ok := bystander.Next(200 * time.Millisecond); ok {
		t.Errorf("a stream on another topic received %+v", ev)
	}
	// What the metrics endpoint reports: each replica's open streams, and
	// two events handed to each of its streams on the topic.
	if st := a.hub.Stats(); st != (live.Stats{Open: 2, FannedOut: 4}) {
		t.Errorf("replica a: Stats = %+v, want 2 open, 4 fanned out", st)
	}
	if st := b.hub.Stats(); st != (live.Stats{Open: 3, FannedOut: 4}) {
		t.Errorf("replica b: Stats = %+v, want 3 open, 4 fanned out", st)
	}
}

func TestRolledBackPublishDeliversNothing(t *testing.T) {
	db := testdb.NewDatabase(t)
	a := newReplica(t, db, replicaOpts{})
	b := newReplica(t, db, replicaOpts{})
	topic := topicName(t)
	sa, sb := a.stream(t, topic, ""), b.stream(t, topic, "")
	a.waitSubscribers(t, topic, 1)
	b.waitSubscribers(t, topic, 1)

	ctx := context.Background()
	tx, err := a.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := live.Publish(ctx, postgres.NewLiveStore(a.pool), tx, topic, "card.added", map[string]int{"card": 1}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	// A committed event after the rolled-back one: it must be the first
	// thing either stream sees.
	id := publish(t, a.pool, topic, "card.added", map[string]int{"card": 2})
	for name, s := range map[string]*testapp.Stream{"a": sa, "b": sb} {
		ev := mustNext(t, s, name)
		if ev.ID != strconv.FormatInt(id, 10) || ev.Data != `{"card": 2}` {
			t.Errorf("stream %s first received %+v, want only the committed event %d", name, ev, id)
		}
	}
	if n := countEvents(t, a.pool, topic); n != 1 {
		t.Errorf("%d rows in live_events for the topic, want 1 (the rolled-back one is not kept)", n)
	}
}

func countEvents(t *testing.T, pool *pgxpool.Pool, topic string) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(context.Background(), `SELECT count(*) FROM live_events WHERE topic = $1`, topic).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestHubCatchesUpAfterItsListeningConnectionIsKilled(t *testing.T) {
	db := testdb.NewDatabase(t)
	a := newReplica(t, db, replicaOpts{})
	topic := topicName(t)
	s := a.stream(t, topic, "")
	a.waitSubscribers(t, topic, 1)
	first := publish(t, a.pool, topic, "card.added", nil)
	if ev := mustNext(t, s, "before the cut"); ev.ID != strconv.FormatInt(first, 10) {
		t.Fatalf("got %+v before the cut, want %d", ev, first)
	}

	// Three events are written but not committed; the hub's LISTEN
	// connection is killed, and as soon as the hub notices (it then waits at
	// least 50 ms before reconnecting) they commit: their notification goes
	// nowhere, only the table knows.
	ctx := context.Background()
	tx, err := a.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if err := live.Publish(ctx, postgres.NewLiveStore(a.pool), tx, topic, "card.added", map[string]int{"n": i}); err != nil {
			t.Fatal(err)
		}
	}
	pid := a.hub.ListenerPID()
	var killed bool
	if err := a.pool.QueryRow(ctx, `SELECT pg_terminate_backend($1)`, int32(pid)).Scan(&killed); err != nil || !killed {
		t.Fatalf("terminate the listener %d: %v %v", pid, killed, err)
	}
	deadline := time.Now().Add(wait)
	for a.hub.ListenerPID() == pid {
		if time.Now().After(deadline) {
			t.Fatal("the hub did not notice its connection was killed")
		}
		time.Sleep(100 * time.Microsecond)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if a.hub.ListenerConnected() {
		t.Log("the hub was listening again before the events committed; catch-up was not needed this time")
	}
	rows, err := a.pool.Query(ctx, `SELECT id::text FROM live_events WHERE topic = $1 AND id > $2 ORDER BY id`, topic, first)
	if err != nil {
		t.Fatal(err)
	}
	want, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || len(want) != 3 {
		t.Fatalf("events after the cut: %v %v", want, err)
	}
	var got []string
	for range want {
		got = append(got, mustNext(t, s, "after the cut").ID)
	}
	if !slices.Equal(got, want) {
		t.Errorf("after reconnecting the stream got ids %v, want %v", got, want)
	}
	if a.hub.ListenerPID() == pid || !a.hub.ListenerConnected() {
		t.Errorf("the hub is not listening on a new connection (pid %d, was %d)", a.hub.ListenerPID(), pid)
	}
	// And it keeps working live.
	next := publish(t, a.pool, topic, "phase", nil)
	if ev := mustNext(t, s, "live again"); ev.ID != strconv.FormatInt(next, 10) {
		t.Errorf("got %+v, want %d", ev, next)
	}
	if ev, ok := s.Next(200 * time.Millisecond); ok {
		t.Errorf("duplicate or stray event %+v", ev)
	}
}

func TestReconnectWithLastEventIDReplaysExactlyTheMissedEvents(t *testing.T) {
	db := testdb.NewDatabase(t)
	a := newReplica(t, db, replicaOpts{})
	b := newReplica(t, db, replicaOpts{})
	topic := topicName(t)

	for _, viaQuery := range []bool{false, true} {
		s := a.stream(t, topic, "")
		a.waitSubscribers(t, topic, 1)
		seen := publish(t, a.pool, topic, "card.added", nil)
		if ev := mustNext(t, s, "first"); ev.ID != strconv.FormatInt(seen, 10) {
			t.Fatalf("got %+v, want %d", ev, seen)
		}
		s.Close()
		a.waitSubscribers(t, topic, 0)

		var missed []string
		for range 3 {
			missed = append(missed, strconv.FormatInt(publish(t, a.pool, topic, "vote", nil), 10))
		}
		// Back on the other replica, as after a load balancer's choice.
		var s2 *testapp.Stream
		if viaQuery {
			s2 = testapp.OpenStream(t, b.srv.Client(), fmt.Sprintf("%s/?topic=%s&last=%d", b.srv.URL, topic, seen), "")
		} else {
			s2 = b.stream(t, topic, strconv.FormatInt(seen, 10))
		}
		b.waitSubscribers(t, topic, 1)
		after := strconv.FormatInt(publish(t, a.pool, topic, "phase", nil), 10)
		var got []string
		for range 4 {
			got = append(got, mustNext(t, s2, "after reconnecting").ID)
		}
		if want := append(missed, after); !slices.Equal(got, want) {
			t.Errorf("query=%v: reconnected stream got %v, want the missed %v then the new %s", viaQuery, got, missed, after)
		}
		if ev, ok := s2.Next(200 * time.Millisecond); ok {
			t.Errorf("query=%v: duplicate or stray event %+v", viaQuery, ev)
		}
		s2.Close()
		b.waitSubscribers(t, topic, 0)
	}
}

func TestConcurrentPublishersArriveInIDOrderWithoutGaps(t *testing.T) {
	db := testdb.NewDatabase(t)
	a := newReplica(t, db, replicaOpts{})
	b := newReplica(t, db, replicaOpts{})
	topic := topicName(t)
	s := b.stream(t, topic, "")
	b.waitSubscribers(t, topic, 1)

	// Transactions that draw ids and then commit in a shuffled order would
	// let a reader skip a late one; the topic lock keeps commits in id order.
	const n = 40
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			ctx := context.Background()
			err := pgx.BeginFunc(ctx, a.pool, func(tx pgx.Tx) error {
				if err := live.Publish(ctx, postgres.NewLiveStore(a.pool), tx, topic, "card.added", map[string]int{"i": i}); err != nil {
					return err
				}
				time.Sleep(time.Duration(rand.IntN(5)) * time.Millisecond)
				return nil
			})
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	var got []int64
	for range n {
		ev := mustNext(t, s, "concurrent")
		id, _ := strconv.ParseInt(ev.ID, 10, 64)
		got = append(got, id)
	}
	if !slices.IsSorted(got) || len(slices.Compact(slices.Clone(got))) != n {
		t.Errorf("ids arrived as %v, want %d distinct ids in increasing order", got, n)
	}
	// A replay from the start gives the same ids.
	r := a.stream(t, topic, "0")
	for i := range n {
		ev := mustNext(t, r, "replay")
		if ev.ID != strconv.FormatInt(got[i], 10) {
			t.Fatalf("replay event %d is %s, want %d", i, ev.ID, got[i])
		}
	}
}

func TestStreamOutlivesTheServerWriteTimeoutAndSendsHeartbeats(t *testing.T) {
	db := testdb.NewDatabase(t)
	a := newReplica(t, db, replicaOpts{
		tune:         func(h *live.Hub) { h.Heartbeat = 50 * time.Millisecond },
		writeTimeout: 300 * time.Millisecond,
	})
	topic := topicName(t)
	s := a.stream(t, topic, "")
	a.waitSubscribers(t, topic, 1)

	beats := 0
	deadline := time.Now().Add(time.Second)
	for time.Now().Before(deadline) {
		ev, ok := s.NextAny(wait)
		if !ok {
			t.Fatalf("stream ended or went quiet after %d heartbeats", beats)
		}
		if ev.Comment != "" {
			beats++
		}
	}
	if beats < 5 {
		t.Errorf("%d heartbeats in a second at a 50 ms heartbeat, want at least 5", beats)
	}
	// Three times the write timeout later the stream still carries events.
	id := publish(t, a.pool, topic, "phase", nil)
	if ev := mustNext(t, s, "after the write timeout"); ev.ID != strconv.FormatInt(id, 10) {
		t.Errorf("got %+v, want %d", ev, id)
	}
}

func TestGzipMiddlewareDoesNotBufferTheStream(t *testing.T) {
	db := testdb.NewDatabase(t)
	// The server's compression middleware, as routes.go uses it.
	a := newReplica(t, db, replicaOpts{wrap: server.Compress()})
	topic := topicName(t)

	req, _ := http.NewRequest("GET", a.srv.URL+"/?topic="+topic, nil)
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Accept-Encoding", "gzip")
	tr := &http.Transport{DisableCompression: true}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if enc := resp.Header.Get("Content-Encoding"); enc != "" {
		t.Fatalf("event stream sent with Content-Encoding %q; it must not be compressed", enc)
	}
	events := make(chan testapp.SSEEvent, 16)
	go func() { _ = testapp.ReadSSE(resp.Body, func(ev testapp.SSEEvent) { events <- ev }) }()
	a.waitSubscribers(t, topic, 1)
	start := time.Now()
	id := publish(t, a.pool, topic, "card.added", nil)
	select {
	case ev := <-events:
		if ev.ID != strconv.FormatInt(id, 10) {
			t.Errorf("got %+v, want %d", ev, id)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("event took %s through the gzip middleware", d)
		}
	case <-time.After(wait):
		t.Fatal("the event never came through the gzip middleware")
	}
}

func TestStopEndsOpenStreamsAndRefusesNewOnes(t *testing.T) {
	db := testdb.NewDatabase(t)
	a := newReplica(t, db, replicaOpts{})
	topic := topicName(t)
	s := a.stream(t, topic, "")
	a.waitSubscribers(t, topic, 1)
	a.hub.Stop()
	if !s.Ended(wait) {
		t.Fatal("the stream stayed open after the hub stopped")
	}
	req, _ := http.NewRequest("GET", a.srv.URL+"/?topic="+topic, nil)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := a.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("a stream after Stop answered %d, want 503", resp.StatusCode)
	}
}

func TestEventsOlderThanTheRetentionArePruned(t *testing.T) {
	db := testdb.NewDatabase(t)
	a := newReplica(t, db, replicaOpts{tune: func(h *live.Hub) { h.PruneEvery = 20 * time.Millisecond }})
	topic := topicName(t)
	old := publish(t, a.pool, topic, "card.added", nil)
	recent := publish(t, a.pool, topic, "card.added", nil)
	ctx := context.Background()
	if _, err := a.pool.Exec(ctx, `UPDATE live_events SET created_at = now() - interval '25 hours' WHERE id = $1`, old); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(wait)
	for countEvents(t, a.pool, topic) != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("the day-old event %d was not pruned", old)
		}
		time.Sleep(10 * time.Millisecond)
	}
	var left int64
	if err := a.pool.QueryRow(ctx, `SELECT id FROM live_events WHERE topic = $1`, topic).Scan(&left); err != nil || left != recent {
		t.Errorf("left %d (%v), want the recent event %d", left, err, recent)
	}
	// Prune itself reports what it deleted. The hub stops first: its loop,
	// running every 20 ms, would otherwise prune the event just aged before
	// Prune is called.
	a.hub.Stop()
	if _, err := a.pool.Exec(ctx, `UPDATE live_events SET created_at = now() - interval '2 days' WHERE id = $1`, recent); err != nil {
		t.Fatal(err)
	}
	if n, err := a.hub.Prune(ctx); err != nil || n != 1 {
		t.Errorf("Prune = %d, %v; want 1 (the loop stopped with the hub)", n, err)
	}
}

func TestPublishRefusesBadTopicsAndKinds(t *testing.T) {
	pool, err := pgxpool.New(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	ctx := context.Background()
	long := string(make([]byte, 201))
	for _, c := range []struct{ topic, kind string }{
		{"", "k"}, {"t", ""}, {"a\nb", "k"}, {"t", "x\ny"}, {long, "k"},
	} {
		err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error { return live.Publish(ctx, postgres.NewLiveStore(pool), tx, c.topic, c.kind, nil) })
		if err == nil {
			t.Errorf("Publish(%q, %q) succeeded, want an error", c.topic, c.kind)
		}
	}
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		return live.Publish(ctx, postgres.NewLiveStore(pool), tx, "t", "k", map[string]any{"f": func() {}})
	})
	if err == nil {
		t.Error("Publish of data that is not JSON succeeded")
	}
}
