// Package live streams changes to the browsers watching them, across any
// number of app replicas, with nothing but PostgreSQL.
//
// A change calls Publish inside its own transaction: that writes one row to
// live_events and queues a NOTIFY on channel live_events carrying
// '<topic>:<id>', which PostgreSQL delivers to every listener only when the
// transaction commits. A rolled-back change therefore announces nothing.
//
// Every replica runs one Hub: a dedicated connection LISTENs, and on each
// notification the hub reads the topic's new rows from live_events and hands
// them to the server-sent-event streams (ServeSSE) watching that topic. The
// table, not the notification, is the source of truth: a hub that loses its
// LISTEN connection reconnects and reads everything after the last id it saw,
// and a browser that loses its stream reconnects with Last-Event-ID and is sent
// exactly the events it missed. Events older than Retention are pruned.
//
// Within one topic, ids are committed in increasing order (Publish holds a
// per-topic transaction lock from the insert to the commit), so "everything
// after id N" never skips an event that commits late.
package live

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Channel is the PostgreSQL NOTIFY channel the hubs listen on.
const Channel = "live_events"

// lockClass is the first key of the per-topic transaction lock Publish takes
// (pg_advisory_xact_lock(int, int)); the second is the topic's hash. The
// two-key lock space never collides with single-key advisory locks.
const lockClass = 0x6c697665 // "live"

// Limits of a topic and a kind, as the table checks them.
const (
	maxTopic = 200
	maxKind  = 100
)

// Event is one published change.
type Event struct {
	ID    int64
	Topic string
	Kind  string
	// Data is the JSON the publisher passed.
	Data json.RawMessage
	At   time.Time
}

// Store keeps the events, in the database every replica's hub listens to;
// postgres.LiveStore implements it. InsertEvent runs in the caller's
// transaction, the other methods on the pool. Events come oldest first.
type Store interface {
	// InsertEvent takes the topic's transaction lock (pg_advisory_xact_lock
	// on e.LockClass and the topic's hash), then stores the event and queues
	// a NOTIFY on e.Channel carrying '<topic>:<id>'; it returns the id.
	InsertEvent(ctx context.Context, tx pgx.Tx, e NewEvent) (int64, error)
	// EventsAfter returns topic's first events after id, at most limit.
	EventsAfter(ctx context.Context, topic string, id int64, limit int) ([]Event, error)
	// NewestEvents returns topic's newest events after id, at most limit.
	NewestEvents(ctx context.Context, topic string, id int64, limit int) ([]Event, error)
	// LastEventID returns the id of topic's newest event, 0 if there is none.
	LastEventID(ctx context.Context, topic string) (int64, error)
	// PruneEvents deletes the events older than age and returns how many.
	PruneEvents(ctx context.Context, age time.Duration) (int64, error)
}

// NewEvent is an event to store, with the lock and channel it is published
// under.
type NewEvent struct {
	LockClass int32
	Channel   string
	Topic     string
	Kind      string
	Data      []byte
}

// Publish records an event on topic inside the caller's transaction tx and
// notifies every replica's hub when tx commits; a rolled-back tx publishes
// nothing. kind names what happened ("card.added", "phase"), data is encoded
// as JSON (nil becomes {}).
//
// Everyone allowed to watch topic receives data, and it stays in live_events
// for a day: the caller must put nothing in it that any watcher may not see —
// no author of an anonymous card, no private text. An id and a kind that make
// the browser fetch the part of the page that changed, with its own access
// checks, is the safe shape.
//
// Call it last in the transaction: it takes a lock on the topic that is held
// until commit, so that events of one topic commit in id order.
func Publish(ctx context.Context, s Store, tx pgx.Tx, topic, kind string, data any) error {
	if err := checkName("topic", topic, maxTopic); err != nil {
		return err
	}
	if err := checkName("kind", kind, maxKind); err != nil {
		return err
	}
	if data == nil {
		data = struct{}{}
	}
	b, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("live: encode %s event: %w", kind, err)
	}
	_, err = s.InsertEvent(ctx, tx, NewEvent{LockClass: lockClass, Channel: Channel, Topic: topic, Kind: kind, Data: b})
	if err != nil {
		return fmt.Errorf("live: publish %s event on %s: %w", kind, topic, err)
	}
	return nil
}

// LastID returns the id of the newest event on topic, 0 if there is none. A
// page that renders a topic's state can put it in its stream address
// (?last=<id>) so that the stream starts exactly where the page left off.
func LastID(ctx context.Context, s Store, topic string) (int64, error) {
	id, err := s.LastEventID(ctx, topic)
	if err != nil {
		return 0, fmt.Errorf("live: last event on %s: %w", topic, err)
	}
	return id, nil
}

func checkName(what, s string, max int) error {
	if s == "" || len(s) > max || strings.ContainsAny(s, "\r\n\x00") {
		return fmt.Errorf("live: invalid %s %q", what, s)
	}
	return nil
}

// parsePayload splits '<topic>:<id>'; the topic may itself contain colons.
func parsePayload(p string) (topic string, id int64, err error) {
	i := strings.LastIndexByte(p, ':')
	if i <= 0 {
		return "", 0, errors.New("live: malformed notification " + strconv.Quote(p))
	}
	id, err = strconv.ParseInt(p[i+1:], 10, 64)
	if err != nil || id <= 0 {
		return "", 0, errors.New("live: malformed notification " + strconv.Quote(p))
	}
	return p[:i], id, nil
}
