package live

import (
	"bufio"
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

const (
	// replayLimit bounds what one reconnect replays: a browser further behind
	// gets the newest events only (each one makes it reload what changed, so
	// the newest are the ones that matter).
	replayLimit = 1000
	// retryMillis tells the browser how soon to reconnect a dropped stream.
	retryMillis = 2000
	// writeWait bounds one write to a stream, so a reader that stopped reading
	// cannot hold the handler forever.
	writeWait = 15 * time.Second
)

// ServeSSE streams topic's events to the client as server-sent events until
// the client goes away or the hub stops. The caller has already checked that
// the person may watch topic.
//
// Each event is written as
//
//	id: <event id>
//	event: <kind>
//	data: <JSON>
//
// A client that sends Last-Event-ID (the header browsers send when they
// reconnect, or ?last=<id> for the first connection) first gets every event of
// topic after that id, then the new ones, with neither a gap nor a duplicate:
// the stream subscribes before it reads the table and skips ids it has sent.
// Without one it gets the events published from now on. An idle stream gets a
// comment line every Heartbeat.
func (h *Hub) ServeSSE(w http.ResponseWriter, r *http.Request, topic string) {
	ctx := r.Context()
	last, hasLast := lastEventID(r)

	s, err := h.subscribe(ctx, topic)
	if err != nil {
		if !errors.Is(err, ErrStopped) && ctx.Err() == nil {
			h.log.Error("live updates: subscribe", "topic", topic, "err", err)
		}
		unavailable(w)
		return
	}
	defer h.unsubscribe(s)
	h.open.Add(1)
	defer h.open.Add(-1)

	var replay []Event
	if hasLast {
		replay, err = newest(ctx, h.store, topic, last, replayLimit)
		if err != nil {
			if ctx.Err() == nil {
				h.log.Error("live updates: replay", "topic", topic, "err", err)
			}
			unavailable(w)
			return
		}
	}

	hd := w.Header()
	hd.Set("Content-Type", "text/event-stream; charset=utf-8")
	hd.Set("Cache-Control", "no-store")
	// Proxies such as nginx would otherwise hold events back.
	hd.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)

	rc := http.NewResponseController(w)
	// The server's WriteTimeout would cut the stream after 90 s; each write
	// sets its own deadline instead.
	_ = rc.SetWriteDeadline(time.Time{})
	bw := bufio.NewWriter(w)
	send := func() bool {
		_ = rc.SetWriteDeadline(time.Now().Add(writeWait))
		if bw.Flush() != nil || rc.Flush() != nil {
			return false
		}
		_ = rc.SetWriteDeadline(time.Time{})
		return true
	}

	bw.WriteString("retry: " + strconv.Itoa(retryMillis) + "\n\n")
	sent := last
	for _, ev := range replay {
		writeEvent(bw, ev)
		sent = ev.ID
	}
	if !send() {
		return
	}

	beat := h.Heartbeat
	if beat <= 0 {
		beat = DefaultHeartbeat
	}
	ticker := time.NewTicker(beat)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-h.done:
			return
		case <-s.gone:
			return
		case <-ticker.C:
			bw.WriteString(": keep-alive\n\n")
			if !send() {
				return
			}
		case ev := <-s.ch:
			// Everything already waiting goes out in one flush.
			for more := true; more; {
				if ev.ID > sent {
					writeEvent(bw, ev)
					sent = ev.ID
				}
				select {
				case ev = <-s.ch:
				default:
					more = false
				}
			}
			if !send() {
				return
			}
			ticker.Reset(beat)
		}
	}
}

func writeEvent(bw *bufio.Writer, ev Event) {
	bw.WriteString("id: ")
	bw.WriteString(strconv.FormatInt(ev.ID, 10))
	bw.WriteString("\nevent: ")
	bw.WriteString(ev.Kind)
	bw.WriteByte('\n')
	data := string(ev.Data)
	if data == "" {
		data = "{}"
	}
	// JSON from PostgreSQL is one line, but a data field must never contain
	// a bare line break.
	for line := range strings.SplitSeq(data, "\n") {
		bw.WriteString("data: ")
		bw.WriteString(strings.TrimSuffix(line, "\r"))
		bw.WriteByte('\n')
	}
	bw.WriteByte('\n')
}

// lastEventID reads the Last-Event-ID header, else the ?last= parameter.
func lastEventID(r *http.Request) (int64, bool) {
	v := r.Header.Get("Last-Event-ID")
	if v == "" {
		v = r.URL.Query().Get("last")
	}
	id, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || id < 0 {
		return 0, false
	}
	return id, true
}

func unavailable(w http.ResponseWriter) {
	w.Header().Set("Retry-After", "5")
	http.Error(w, "Live updates are not available right now. Reload the page to see the latest.", http.StatusServiceUnavailable)
}

// Subscribers returns how many streams of this process watch topic.
func (h *Hub) Subscribers(topic string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	if st := h.topics[topic]; st != nil {
		return len(st.subs)
	}
	return 0
}

// ListenerConnected reports whether the hub's LISTEN connection is up.
func (h *Hub) ListenerConnected() bool { return h.listenPID.Load() != 0 }

// listenerPID is for tests that cut the connection.
func (h *Hub) listenerPID() uint32 { return h.listenPID.Load() }

// LastID returns the id of the newest event on topic. A page reads it before
// it reads the state it renders and puts it in its stream address (?last=),
// so the stream replays exactly what happened after — nothing is missed and
// the browser need not refetch on connecting.
func (h *Hub) LastID(ctx context.Context, topic string) (int64, error) {
	return LastID(ctx, h.store, topic)
}
