package postgres

import (
	"context"
	"math"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"rapport/internal/live"
	"rapport/internal/postgres/dbq"
)

var _ live.Store = (*LiveStore)(nil)

// LiveStore keeps live events (live.Store) in live_events. InsertEvent runs
// in the caller's transaction; the other methods read through the pool.
type LiveStore struct {
	pool *pgxpool.Pool
	q    *dbq.Queries
}

// livePublisher publishes the stores' events in their transactions.
var livePublisher = NewLiveStore(nil)

// NewLiveStore returns a LiveStore that reads through pool.
func NewLiveStore(pool *pgxpool.Pool) *LiveStore {
	return &LiveStore{pool: pool, q: dbq.New()}
}

// InsertEvent stores an event and queues its notification in tx.
func (s *LiveStore) InsertEvent(ctx context.Context, tx pgx.Tx, e live.NewEvent) (int64, error) {
	row, err := s.q.LiveEventPublish(ctx, tx, dbq.LiveEventPublishParams{
		LockClass: e.LockClass, Channel: e.Channel, Topic: e.Topic, Kind: e.Kind, Data: e.Data,
	})
	return row.ID, err
}

// EventsAfter returns topic's first events after id, oldest first.
func (s *LiveStore) EventsAfter(ctx context.Context, topic string, id int64, limit int) ([]live.Event, error) {
	rows, err := s.q.LiveEventsAfter(ctx, s.pool, dbq.LiveEventsAfterParams{Topic: topic, AfterID: id, MaxRows: clampInt32(limit)})
	return eventsFromRows(rows), err
}

// NewestEvents returns topic's newest events after id, oldest first.
func (s *LiveStore) NewestEvents(ctx context.Context, topic string, id int64, limit int) ([]live.Event, error) {
	rows, err := s.q.LiveEventsNewest(ctx, s.pool, dbq.LiveEventsNewestParams{Topic: topic, AfterID: id, MaxRows: clampInt32(limit)})
	return eventsFromRows(rows), err
}

// LastEventID returns the id of topic's newest event, 0 if there is none.
func (s *LiveStore) LastEventID(ctx context.Context, topic string) (int64, error) {
	return s.q.LiveEventLastID(ctx, readDB(ctx, s.pool), topic)
}

// PruneEvents deletes the events older than age, by the database's clock.
func (s *LiveStore) PruneEvents(ctx context.Context, age time.Duration) (int64, error) {
	return s.q.LiveEventsPrune(ctx, s.pool, age.Seconds())
}

func eventsFromRows(rows []dbq.LiveEvent) []live.Event {
	if rows == nil {
		return nil
	}
	out := make([]live.Event, len(rows))
	for i, r := range rows {
		out[i] = live.Event{ID: r.ID, Topic: r.Topic, Kind: r.Kind, Data: r.Data, At: r.CreatedAt}
	}
	return out
}

// clampInt32 keeps a row limit within what a LIMIT parameter holds.
func clampInt32(n int) int32 {
	return int32(min(max(n, 0), math.MaxInt32))
}
