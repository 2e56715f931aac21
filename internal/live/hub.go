package live

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Defaults of a Hub's settings.
const (
	DefaultHeartbeat  = 20 * time.Second
	DefaultRetention  = 24 * time.Hour
	DefaultPruneEvery = time.Hour
	DefaultBuffer     = 256

	// batch bounds one read of a topic's new events.
	batch = 1000
	// maxBackoff bounds the wait between attempts to reconnect the listener.
	maxBackoff = 5 * time.Second
)

// ErrStopped is returned to streams that start after the hub stopped or before
// it started.
var ErrStopped = errors.New("live: hub is not running")

// Hub fans events out to the streams of this process. One per process: NewHub,
// Start, and Stop on shutdown (before the HTTP server waits for its requests,
// so that open streams end).
type Hub struct {
	// Heartbeat is how often an idle stream gets a comment line, so proxies
	// and browsers keep it open (default 20 s).
	Heartbeat time.Duration
	// Retention is how long events are kept for catching up (default a day);
	// PruneEvery is how often older ones are deleted (default an hour).
	Retention  time.Duration
	PruneEvery time.Duration
	// Buffer is how many events a stream may fall behind before it is cut;
	// the browser then reconnects and catches up from the table (default 256).
	Buffer int

	pool  *pgxpool.Pool
	store Store
	log   *slog.Logger

	mu      sync.Mutex
	topics  map[string]*topicState
	started bool
	stopped bool
	done    chan struct{} // closed when the hub stops
	cancel  context.CancelFunc
	wg      sync.WaitGroup

	// listenPID is the server process id of the LISTEN connection, 0 while
	// disconnected.
	listenPID atomic.Uint32

	// What Stats reports.
	open      atomic.Int64
	fannedOut atomic.Uint64
	cut       atomic.Uint64
}

// Stats is what a hub counts, for the metrics endpoint.
type Stats struct {
	Open       int64  // streams open now
	FannedOut  uint64 // events handed to streams, one per stream per event
	StreamsCut uint64 // streams cut for falling Buffer events behind
}

// Stats returns the hub's counts so far.
func (h *Hub) Stats() Stats {
	return Stats{Open: h.open.Load(), FannedOut: h.fannedOut.Load(), StreamsCut: h.cut.Load()}
}

// topicState is what the hub knows of one watched topic: the streams
// watching it and the newest event id handed to them.
type topicState struct {
	cursor int64
	subs   map[*subscriber]struct{}
}

// subscriber is one stream's mailbox.
type subscriber struct {
	topic string
	ch    chan Event
	// gone is closed when the hub drops the stream: it fell Buffer events
	// behind. The stream ends and its browser reconnects.
	gone chan struct{}
}

// NewHub returns a hub that listens on a connection configured like pool's
// and reads events from store. A nil log discards.
func NewHub(pool *pgxpool.Pool, store Store, log *slog.Logger) *Hub {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Hub{
		Heartbeat:  DefaultHeartbeat,
		Retention:  DefaultRetention,
		PruneEvery: DefaultPruneEvery,
		Buffer:     DefaultBuffer,
		pool:       pool,
		store:      store,
		log:        log,
		topics:     map[string]*topicState{},
		done:       make(chan struct{}),
	}
}

// Start opens the LISTEN connection and returns once it listens; from then on
// the hub delivers events and prunes old ones in the background, reconnecting
// with backoff whenever the connection is lost. Cancelling ctx stops the hub
// like Stop.
func (h *Hub) Start(ctx context.Context) error {
	h.mu.Lock()
	if h.started || h.stopped {
		h.mu.Unlock()
		return errors.New("live: hub already started")
	}
	h.started = true
	ctx, cancel := context.WithCancel(ctx)
	h.cancel = cancel
	h.mu.Unlock()

	conn, err := h.connect(ctx)
	if err != nil {
		cancel()
		h.shutdown()
		return err
	}
	h.wg.Add(3)
	go func() {
		defer h.wg.Done()
		h.listen(ctx, conn)
	}()
	go func() {
		defer h.wg.Done()
		h.pruneLoop(ctx)
	}()
	go func() {
		defer h.wg.Done()
		<-ctx.Done()
		h.shutdown()
	}()
	return nil
}

// Stop ends every stream and the background work, and waits for the latter.
// It is safe to call more than once, and on a hub that never started.
func (h *Hub) Stop() {
	h.mu.Lock()
	cancel := h.cancel
	h.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	h.shutdown()
	h.wg.Wait()
}

func (h *Hub) shutdown() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.stopped {
		h.stopped = true
		close(h.done)
	}
}

// Done is closed when the hub stops.
func (h *Hub) Done() <-chan struct{} { return h.done }

// connect opens the dedicated LISTEN connection, outside the pool so that it
// never takes a pooled connection away from requests.
func (h *Hub) connect(ctx context.Context) (*pgx.Conn, error) {
	cfg := h.pool.Config().ConnConfig.Copy()
	cfg.RuntimeParams["application_name"] = "rapport-live"
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("live: connect listener: %w", err)
	}
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{Channel}.Sanitize()); err != nil {
		closeConn(conn)
		return nil, fmt.Errorf("live: listen: %w", err)
	}
	h.listenPID.Store(conn.PgConn().PID())
	return conn, nil
}

func closeConn(conn *pgx.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = conn.Close(ctx)
}

// listen waits for notifications until ctx ends. When the connection breaks
// it reconnects with backoff and then reads every watched topic's events that
// were published meanwhile, so nothing is lost.
func (h *Hub) listen(ctx context.Context, conn *pgx.Conn) {
	defer func() {
		if conn != nil {
			closeConn(conn)
		}
		h.listenPID.Store(0)
	}()
	wait := 100 * time.Millisecond
	for {
		if conn == nil {
			var err error
			conn, err = h.connect(ctx)
			if err != nil {
				if ctx.Err() != nil {
					return
				}
				h.log.Warn("live updates: reconnect failed", "err", err, "retry_in", wait)
				if !sleep(ctx, jitter(wait)) {
					return
				}
				wait = min(2*wait, maxBackoff)
				continue
			}
			h.log.Info("live updates: listening again")
			wait = 100 * time.Millisecond
			// Listening before reading: whatever commits from now on is
			// notified, whatever committed before is read here.
			h.catchUpAll(ctx)
		}
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			closeConn(conn)
			conn = nil
			h.listenPID.Store(0)
			if ctx.Err() != nil {
				return
			}
			h.log.Warn("live updates: lost the listening connection", "err", err)
			if !sleep(ctx, jitter(wait)) {
				return
			}
			continue
		}
		topic, id, err := parsePayload(n.Payload)
		if err != nil {
			h.log.Warn("live updates: ignored notification", "err", err)
			continue
		}
		if h.behind(topic, id) {
			h.catchUp(ctx, topic)
		}
	}
}

func jitter(d time.Duration) time.Duration {
	return d/2 + rand.N(d/2+1)
}

// sleep waits d unless ctx ends first; it reports whether it slept.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// behind reports whether streams in this process watch topic and have not
// been handed event id yet.
func (h *Hub) behind(topic string, id int64) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	st := h.topics[topic]
	return st != nil && id > st.cursor
}

// catchUpAll reads the new events of every watched topic.
func (h *Hub) catchUpAll(ctx context.Context) {
	h.mu.Lock()
	topics := make([]string, 0, len(h.topics))
	for t := range h.topics {
		topics = append(topics, t)
	}
	h.mu.Unlock()
	for _, t := range topics {
		h.catchUp(ctx, t)
	}
}

// catchUp reads topic's events after the hub's cursor and hands them to the
// topic's streams. Only the listener goroutine calls it, so one topic is
// never read twice at once.
func (h *Hub) catchUp(ctx context.Context, topic string) {
	for {
		h.mu.Lock()
		st := h.topics[topic]
		if st == nil {
			h.mu.Unlock()
			return
		}
		cursor := st.cursor
		h.mu.Unlock()

		qctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		events, err := after(qctx, h.store, topic, cursor, batch)
		cancel()
		if err != nil {
			if ctx.Err() == nil {
				// The next notification or reconnect retries from the same cursor.
				h.log.Error("live updates: read events", "topic", topic, "err", err)
			}
			return
		}
		h.deliver(topic, events)
		if len(events) < batch {
			return
		}
	}
}

// deliver hands events to topic's streams and advances its cursor.
func (h *Hub) deliver(topic string, events []Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	st := h.topics[topic]
	if st == nil {
		return
	}
	for _, ev := range events {
		if ev.ID <= st.cursor {
			continue
		}
		st.cursor = ev.ID
		for s := range st.subs {
			select {
			case s.ch <- ev:
				h.fannedOut.Add(1)
			default:
				h.cut.Add(1)
				// Too far behind: cut the stream; its browser reconnects
				// with Last-Event-ID and reads the rest from the table.
				delete(st.subs, s)
				close(s.gone)
			}
		}
	}
}

// subscribe registers a stream on topic. A topic nobody watched yet starts
// from its newest event: older ones are the stream's to replay.
func (h *Hub) subscribe(ctx context.Context, topic string) (*subscriber, error) {
	s := &subscriber{topic: topic, ch: make(chan Event, max(h.Buffer, 1)), gone: make(chan struct{})}
	if h.add(s) {
		return s, nil
	}
	if err := h.running(); err != nil {
		return nil, err
	}
	last, err := LastID(ctx, h.store, topic)
	if err != nil {
		return nil, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.stopped {
		return nil, ErrStopped
	}
	st := h.topics[topic]
	if st == nil {
		st = &topicState{cursor: last, subs: map[*subscriber]struct{}{}}
		h.topics[topic] = st
	}
	st.subs[s] = struct{}{}
	return s, nil
}

// add registers s if its topic is already watched.
func (h *Hub) add(s *subscriber) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	st := h.topics[s.topic]
	if st == nil || h.stopped || !h.started {
		return false
	}
	st.subs[s] = struct{}{}
	return true
}

func (h *Hub) running() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.started || h.stopped {
		return ErrStopped
	}
	return nil
}

func (h *Hub) unsubscribe(s *subscriber) {
	h.mu.Lock()
	defer h.mu.Unlock()
	st := h.topics[s.topic]
	if st == nil {
		return
	}
	delete(st.subs, s)
	if len(st.subs) == 0 {
		delete(h.topics, s.topic)
	}
}

// after returns topic's events after id, oldest first, at most limit.
func after(ctx context.Context, s Store, topic string, id int64, limit int) ([]Event, error) {
	events, err := s.EventsAfter(ctx, topic, id, limit)
	if err != nil {
		return nil, fmt.Errorf("live: events on %s after %d: %w", topic, id, err)
	}
	return events, nil
}

// newest returns topic's newest events after id, oldest first, at most limit.
func newest(ctx context.Context, s Store, topic string, id int64, limit int) ([]Event, error) {
	events, err := s.NewestEvents(ctx, topic, id, limit)
	if err != nil {
		return nil, fmt.Errorf("live: events on %s after %d: %w", topic, id, err)
	}
	return events, nil
}

// Prune deletes the events older than Retention and returns how many.
func (h *Hub) Prune(ctx context.Context) (int64, error) {
	n, err := h.store.PruneEvents(ctx, h.Retention)
	if err != nil {
		return 0, fmt.Errorf("live: prune: %w", err)
	}
	return n, nil
}

// pruneLoop prunes soon after the start, then every PruneEvery. Every replica
// prunes; the deletes are idempotent.
func (h *Hub) pruneLoop(ctx context.Context) {
	every := h.PruneEvery
	if every <= 0 {
		return
	}
	next := jitter(min(every, time.Minute))
	for sleep(ctx, next) {
		if n, err := h.Prune(ctx); err != nil {
			if ctx.Err() == nil {
				h.log.Warn("live updates: prune", "err", err)
			}
		} else if n > 0 {
			h.log.Info("live updates: pruned old events", "count", n)
		}
		next = every
	}
}
