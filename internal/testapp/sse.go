package testapp

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// SSEEvent is one server-sent event as a browser would see it. Comment lines
// (heartbeats) arrive as events with Comment set and nothing else.
type SSEEvent struct {
	ID      string
	Event   string
	Data    string
	Comment string
	// At is when the reader saw the event's closing blank line.
	At time.Time
}

// Stream is an open server-sent-event response being read in the background.
type Stream struct {
	Resp   *http.Response
	events chan SSEEvent
	done   chan struct{}
	err    error
	cancel context.CancelFunc
}

// OpenStream GETs url with hc as an EventSource would (Accept:
// text/event-stream, Last-Event-ID when lastID is not empty) and starts
// reading it. The test fails unless the answer is 200 with an event stream.
// The stream is closed when the test ends.
func OpenStream(t testing.TB, hc *http.Client, url, lastID string) *Stream {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Cache-Control", "no-cache")
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := hc.Do(req)
	if err != nil {
		cancel()
		t.Fatalf("open stream %s: %v", url, err)
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		cancel()
		t.Fatalf("open stream %s: status %d, content type %q\n%s", url, resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
	s := &Stream{Resp: resp, events: make(chan SSEEvent, 4096), done: make(chan struct{}), cancel: cancel}
	go func() {
		defer close(s.done)
		defer close(s.events)
		s.err = ReadSSE(resp.Body, func(ev SSEEvent) { s.events <- ev })
	}()
	t.Cleanup(s.Close)
	return s
}

// Close drops the connection, as a browser tab that closes.
func (s *Stream) Close() {
	s.cancel()
	s.Resp.Body.Close()
	<-s.done
}

// Next returns the next event that is not a comment, or ok false if none
// arrives within timeout or the stream ends.
func (s *Stream) Next(timeout time.Duration) (ev SSEEvent, ok bool) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		select {
		case ev, ok = <-s.events:
			if !ok {
				return SSEEvent{}, false
			}
			if ev.Comment != "" {
				continue
			}
			return ev, true
		case <-deadline.C:
			return SSEEvent{}, false
		}
	}
}

// NextAny is Next including comments.
func (s *Stream) NextAny(timeout time.Duration) (SSEEvent, bool) {
	select {
	case ev, ok := <-s.events:
		return ev, ok
	case <-time.After(timeout):
		return SSEEvent{}, false
	}
}

// Ended reports whether the server ended the stream within timeout.
func (s *Stream) Ended(timeout time.Duration) bool {
	deadline := time.After(timeout)
	for {
		select {
		case _, ok := <-s.events:
			if !ok {
				return true
			}
		case <-deadline:
			return false
		}
	}
}

// ReadSSE parses an event stream (the WHATWG format: field lines, a blank
// line ends an event) and calls fn for each event and comment until r ends.
func ReadSSE(r io.Reader, fn func(SSEEvent)) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var ev SSEEvent
	var data []string
	pending := false
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			if pending {
				ev.Data = strings.Join(data, "\n")
				ev.At = time.Now()
				fn(ev)
			}
			ev, data, pending = SSEEvent{}, nil, false
			continue
		}
		if c, ok := strings.CutPrefix(line, ":"); ok {
			fn(SSEEvent{Comment: strings.TrimSpace(c), At: time.Now()})
			continue
		}
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch field {
		case "id":
			ev.ID, pending = value, true
		case "event":
			ev.Event, pending = value, true
		case "data":
			data, pending = append(data, value), true
		}
	}
	return sc.Err()
}

// Stream opens an event stream at path with the client's cookies.
func (c *Client) Stream(path, lastID string) *Stream {
	c.t.Helper()
	// The client's own timeout, if any, must not cut the stream.
	hc := *c.HTTP
	hc.Timeout = 0
	return OpenStream(c.t, &hc, c.app.URL+path, lastID)
}
