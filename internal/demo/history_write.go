package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// historyCounts are the rows written for the 1:1 history.
type historyCounts struct {
	Series, Pauses, Meetings, AgendaItems, Actions, PrivateNotes, Observations int
	Retros                                                                     int // written by writeRetros
	HealthChecks                                                               int // written by writeHealth
	Leavers                                                                    int // written by writeLeavers
	// Drifting are the plan indexes of the managers whose 1:1s drift.
	Drifting map[int]bool
}

// rowSource feeds COPY one row at a time from typed slices, so that a large
// history is never held as [][]any.
type rowSource struct {
	n, i int
	row  []any
	fill func(i int, row []any)
}

func source(n, columns int, fill func(i int, row []any)) *rowSource {
	return &rowSource{n: n, i: -1, row: make([]any, columns), fill: fill}
}

func (s *rowSource) Next() bool { s.i++; return s.i < s.n }

func (s *rowSource) Values() ([]any, error) {
	s.fill(s.i, s.row)
	return s.row, nil
}

func (s *rowSource) Err() error { return nil }

// orNull turns a zero time into NULL.
func orNull(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

// writeHistory plans and inserts the organisation's 1:1 history. Series and
// meeting ids are reserved up front, like the people's, so every table goes
// in one COPY.
func writeHistory(ctx context.Context, tx pgx.Tx, opts Options, pl *plan, orgID int64, userIDs []int64) (historyCounts, error) {
	var c historyCounts
	rows, err := tx.Query(ctx, `SELECT body FROM questions WHERE org_id = $1 AND active ORDER BY id`, orgID)
	if err != nil {
		return c, fmt.Errorf("demo: read questions: %w", err)
	}
	questions, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return c, fmt.Errorf("demo: read questions: %w", err)
	}
	compIDs := map[string]int64{}
	rows, err = tx.Query(ctx, `SELECT key, id FROM competencies WHERE org_id IS NULL`)
	if err != nil {
		return c, fmt.Errorf("demo: read competencies: %w", err)
	}
	var key string
	var id int64
	if _, err := pgx.ForEachRow(rows, []any{&key, &id}, func() error { compIDs[key] = id; return nil }); err != nil {
		return c, fmt.Errorf("demo: read competencies: %w", err)
	}
	known := make(map[string]bool, len(compIDs))
	for k := range compIDs {
		known[k] = true
	}

	h := buildHistory(opts, pl, questions, known)
	c.Drifting = map[int]bool{}
	for m, st := range h.styles {
		if st == drifting {
			c.Drifting[m] = true
		}
	}

	// The sequences are bound as parameters: a name resolved once at bind
	// time keeps nextval on its fast path, several times quicker than
	// resolving it for every row.
	var seriesSeq, meetingSeq string
	var seriesIDs, meetingIDs []int64
	err = tx.QueryRow(ctx, `SELECT pg_get_serial_sequence('oneonone_series', 'id'), pg_get_serial_sequence('meetings', 'id')`).
		Scan(&seriesSeq, &meetingSeq)
	if err == nil {
		err = tx.QueryRow(ctx, `
			SELECT ARRAY(SELECT nextval($1::regclass) FROM generate_series(1, $2::int) ORDER BY 1),
			       ARRAY(SELECT nextval($3::regclass) FROM generate_series(1, $4::int) ORDER BY 1)`,
			seriesSeq, len(h.series), meetingSeq, len(h.meetings)).Scan(&seriesIDs, &meetingIDs)
	}
	if err != nil {
		return c, fmt.Errorf("demo: reserve 1:1 ids: %w", err)
	}

	user := func(i int32) any {
		if i < 0 {
			return nil
		}
		return userIDs[i]
	}
	agenda := h.agenda
	copies := []struct {
		what    string
		table   string
		columns []string
		src     *rowSource
	}{
		{"1:1 series", "oneonone_series",
			[]string{"id", "org_id", "manager_id", "report_id", "cadence", "interval_days", "weekday", "start_time",
				"duration_minutes", "time_zone", "starts_on", "status", "ended_at", "created_by", "created_at"},
			source(len(h.series), 15, func(i int, r []any) {
				s := &h.series[i]
				r[0], r[1], r[2], r[3] = seriesIDs[i], orgID, userIDs[s.manager], userIDs[s.report]
				r[4], r[5], r[6] = string(s.cadence), s.interval, int16(s.weekday)
				r[7] = pgtype.Time{Microseconds: int64(s.hour*3600+s.minute*60) * 1e6, Valid: true}
				r[8], r[9], r[10], r[11] = s.duration, s.zone, s.startsOn, string(s.status)
				r[12], r[13], r[14] = orNull(s.endedAt), userIDs[s.manager], s.createdAt
			})},
		{"1:1 pauses", "oneonone_pauses",
			[]string{"org_id", "series_id", "paused_at", "resumed_at"},
			source(len(h.pauses), 4, func(i int, r []any) {
				p := &h.pauses[i]
				r[0], r[1], r[2], r[3] = orgID, seriesIDs[p.series], p.from, orNull(p.resumed)
			})},
		{"meetings", "meetings",
			[]string{"id", "org_id", "series_id", "scheduled_at", "duration_minutes", "status", "status_by", "status_at",
				"pulse", "pulse_word", "balance", "shared_notes", "created_at", "updated_at"},
			source(len(h.meetings), 14, func(i int, r []any) {
				m := &h.meetings[i]
				r[0], r[1], r[2], r[3] = meetingIDs[i], orgID, seriesIDs[m.series], m.at
				r[4], r[5], r[6], r[7] = int32(m.duration), string(m.status), user(m.statusBy), orNull(m.statusAt)
				r[8], r[10] = nil, nil
				if m.pulse > 0 {
					r[8] = int16(m.pulse)
				}
				if m.balance >= 0 {
					r[10] = int16(m.balance)
				}
				r[9], r[11], r[12] = m.word, m.notes, m.createdAt
				r[13] = m.createdAt
				if !m.statusAt.IsZero() {
					r[13] = m.statusAt
				}
			})},
		{"agenda items", "agenda_items",
			[]string{"org_id", "meeting_id", "author_id", "body", "position", "done", "carried", "created_at", "raised_at", "dropped_at", "carried_to"},
			source(len(agenda), 11, func(i int, r []any) {
				a := &agenda[i]
				r[0], r[1], r[2], r[3] = orgID, meetingIDs[a.meeting], userIDs[a.author], a.body
				r[4], r[5], r[6], r[7] = int32(a.position), a.done, int32(a.carried), a.createdAt
				r[8], r[9], r[10] = nil, nil, nil
				if a.carriedOn {
					r[10] = meetingIDs[a.carriedTo]
				}
				if !a.raisedAt.IsZero() {
					r[8] = a.raisedAt
				}
				if a.dropped {
					r[9] = a.createdAt
				}
			})},
		{"private notes", "private_notes",
			[]string{"org_id", "meeting_id", "author_id", "body", "updated_at"},
			source(len(h.notes), 5, func(i int, r []any) {
				n := &h.notes[i]
				r[0], r[1], r[2], r[3], r[4] = orgID, meetingIDs[n.meeting], userIDs[n.author], n.body, n.at
			})},
		{"action items", "action_items",
			[]string{"org_id", "meeting_id", "series_id", "owner_id", "created_by", "body", "due_on", "done_at", "created_at"},
			source(len(h.actions), 9, func(i int, r []any) {
				a := &h.actions[i]
				r[0], r[1], r[2], r[3] = orgID, meetingIDs[a.meeting], seriesIDs[a.series], userIDs[a.owner]
				r[4], r[5], r[6], r[7], r[8] = userIDs[a.createdBy], a.body, a.due, orNull(a.doneAt), a.createdAt
			})},
		{"observations", "observations",
			[]string{"org_id", "meeting_id", "author_id", "subject_id", "competency_id", "note", "created_at"},
			source(len(h.observations), 7, func(i int, r []any) {
				o := &h.observations[i]
				r[0], r[1], r[2], r[3] = orgID, meetingIDs[o.meeting], userIDs[o.author], userIDs[o.subject]
				r[4], r[5], r[6] = compIDs[o.key], o.note, o.at
			})},
	}
	for _, cp := range copies {
		if cp.src.n == 0 {
			continue
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{cp.table}, cp.columns, cp.src); err != nil {
			return c, fmt.Errorf("demo: insert %s: %w", cp.what, err)
		}
	}
	// Each copy of a carried point names the point it was copied from, as
	// the app records it: the same author and text on the meeting it was
	// carried to, carried once more.
	if _, err := tx.Exec(ctx, `UPDATE agenda_items c SET copied_from = p.id
		FROM agenda_items p
		WHERE p.org_id = $1 AND c.org_id = $1 AND p.carried_to = c.meeting_id
		  AND c.author_id = p.author_id AND c.body = p.body AND c.carried = p.carried + 1`, orgID); err != nil {
		return c, fmt.Errorf("demo: link carried points: %w", err)
	}
	return historyCounts{
		Series: len(h.series), Pauses: len(h.pauses), Meetings: len(h.meetings), AgendaItems: len(agenda),
		Actions: len(h.actions), PrivateNotes: len(h.notes), Observations: len(h.observations),
	}, nil
}
