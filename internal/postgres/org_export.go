package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"rapport/internal/export"
	"rapport/internal/health"
	"rapport/internal/postgres/dbq"
	"rapport/internal/review"
)

var _ export.OrgStore = (*ExportStore)(nil)

// orgCursor is the key of the last row of a page: up to three numbers and
// a text, as the file's key needs (its primary key, in order).
type orgCursor struct {
	A, B, C int64
	S       string
}

// orgPage reads one page of one file's lines after a cursor, returning the
// lines, the cursor of the last row read and whether rows may follow it.
type orgPage func(ctx context.Context, tx pgx.Tx, orgID int64, after orgCursor, limit int32) ([][]byte, orgCursor, bool, error)

// orgPages are the pagers of export.OrgFiles, by file name.
func (s *ExportStore) orgPages(now time.Time, threshold int32) map[string]orgPage {
	q := s.q
	// one adapts a query keyed by one id.
	type keyed struct {
		A    int64
		Line string
	}
	one := func(run func(ctx context.Context, tx pgx.Tx, orgID, after int64, limit int32) ([]keyed, error)) orgPage {
		return func(ctx context.Context, tx pgx.Tx, orgID int64, after orgCursor, limit int32) ([][]byte, orgCursor, bool, error) {
			rows, err := run(ctx, tx, orgID, after.A, limit)
			if err != nil || len(rows) == 0 {
				return nil, after, false, err
			}
			out := make([][]byte, len(rows))
			for i, r := range rows {
				out[i] = []byte(r.Line)
			}
			return out, orgCursor{A: rows[len(rows)-1].A}, len(rows) == int(limit), nil
		}
	}
	conv := func(n int, a func(int) int64, l func(int) string) []keyed {
		out := make([]keyed, n)
		for i := range out {
			out[i] = keyed{A: a(i), Line: l(i)}
		}
		return out
	}
	return map[string]orgPage{
		"people.jsonl": one(func(ctx context.Context, tx pgx.Tx, org, after int64, lim int32) ([]keyed, error) {
			r, err := q.OrgExportPeople(ctx, tx, dbq.OrgExportPeopleParams{OrgID: org, AfterA: after, MaxRows: lim})
			return conv(len(r), func(i int) int64 { return r[i].A }, func(i int) string { return r[i].Line }), err
		}),
		"teams.jsonl": one(func(ctx context.Context, tx pgx.Tx, org, after int64, lim int32) ([]keyed, error) {
			r, err := q.OrgExportTeams(ctx, tx, dbq.OrgExportTeamsParams{OrgID: org, AfterA: after, MaxRows: lim})
			return conv(len(r), func(i int) int64 { return r[i].A }, func(i int) string { return r[i].Line }), err
		}),
		"team_members.jsonl": func(ctx context.Context, tx pgx.Tx, org int64, after orgCursor, lim int32) ([][]byte, orgCursor, bool, error) {
			r, err := q.OrgExportTeamMembers(ctx, tx, dbq.OrgExportTeamMembersParams{OrgID: org, AfterA: after.A, AfterB: after.B, MaxRows: lim})
			if err != nil || len(r) == 0 {
				return nil, after, false, err
			}
			out := make([][]byte, len(r))
			for i := range r {
				out[i] = []byte(r[i].Line)
			}
			return out, orgCursor{A: r[len(r)-1].A, B: r[len(r)-1].B}, len(r) == int(lim), nil
		},
		"reporting_lines.jsonl": func(ctx context.Context, tx pgx.Tx, org int64, after orgCursor, lim int32) ([][]byte, orgCursor, bool, error) {
			r, err := q.OrgExportReportingLines(ctx, tx, dbq.OrgExportReportingLinesParams{OrgID: org, AfterA: after.A, AfterB: after.B, MaxRows: lim})
			if err != nil || len(r) == 0 {
				return nil, after, false, err
			}
			out := make([][]byte, len(r))
			for i := range r {
				out[i] = []byte(r[i].Line)
			}
			return out, orgCursor{A: r[len(r)-1].A, B: r[len(r)-1].B}, len(r) == int(lim), nil
		},
		"oneonone_series.jsonl": one(func(ctx context.Context, tx pgx.Tx, org, after int64, lim int32) ([]keyed, error) {
			r, err := q.OrgExportSeries(ctx, tx, dbq.OrgExportSeriesParams{OrgID: org, AfterA: after, MaxRows: lim})
			return conv(len(r), func(i int) int64 { return r[i].A }, func(i int) string { return r[i].Line }), err
		}),
		"meetings.jsonl": one(func(ctx context.Context, tx pgx.Tx, org, after int64, lim int32) ([]keyed, error) {
			r, err := q.OrgExportMeetings(ctx, tx, dbq.OrgExportMeetingsParams{OrgID: org, AfterA: after, MaxRows: lim})
			return conv(len(r), func(i int) int64 { return r[i].A }, func(i int) string { return r[i].Line }), err
		}),
		"agenda_items.jsonl": one(func(ctx context.Context, tx pgx.Tx, org, after int64, lim int32) ([]keyed, error) {
			r, err := q.OrgExportAgendaItems(ctx, tx, dbq.OrgExportAgendaItemsParams{OrgID: org, AfterA: after, MaxRows: lim})
			return conv(len(r), func(i int) int64 { return r[i].A }, func(i int) string { return r[i].Line }), err
		}),
		"action_items.jsonl": one(func(ctx context.Context, tx pgx.Tx, org, after int64, lim int32) ([]keyed, error) {
			r, err := q.OrgExportActionItems(ctx, tx, dbq.OrgExportActionItemsParams{OrgID: org, AfterA: after, MaxRows: lim})
			return conv(len(r), func(i int) int64 { return r[i].A }, func(i int) string { return r[i].Line }), err
		}),
		"observations.jsonl": one(func(ctx context.Context, tx pgx.Tx, org, after int64, lim int32) ([]keyed, error) {
			r, err := q.OrgExportObservations(ctx, tx, dbq.OrgExportObservationsParams{OrgID: org, AfterA: after, MaxRows: lim})
			return conv(len(r), func(i int) int64 { return r[i].A }, func(i int) string { return r[i].Line }), err
		}),
		"kudos.jsonl": one(func(ctx context.Context, tx pgx.Tx, org, after int64, lim int32) ([]keyed, error) {
			r, err := q.OrgExportKudos(ctx, tx, dbq.OrgExportKudosParams{OrgID: org, AfterA: after, MaxRows: lim})
			return conv(len(r), func(i int) int64 { return r[i].A }, func(i int) string { return r[i].Line }), err
		}),
		"kudo_reactions.jsonl": func(ctx context.Context, tx pgx.Tx, org int64, after orgCursor, lim int32) ([][]byte, orgCursor, bool, error) {
			r, err := q.OrgExportKudoReactions(ctx, tx, dbq.OrgExportKudoReactionsParams{OrgID: org, AfterA: after.A, AfterB: after.B, AfterS: after.S, MaxRows: lim})
			if err != nil || len(r) == 0 {
				return nil, after, false, err
			}
			out := make([][]byte, len(r))
			for i := range r {
				out[i] = []byte(r[i].Line)
			}
			last := r[len(r)-1]
			return out, orgCursor{A: last.A, B: last.B, S: last.S}, len(r) == int(lim), nil
		},
		"kudo_comments.jsonl": one(func(ctx context.Context, tx pgx.Tx, org, after int64, lim int32) ([]keyed, error) {
			r, err := q.OrgExportKudoComments(ctx, tx, dbq.OrgExportKudoCommentsParams{OrgID: org, AfterA: after, MaxRows: lim})
			return conv(len(r), func(i int) int64 { return r[i].A }, func(i int) string { return r[i].Line }), err
		}),
		"retros.jsonl": one(func(ctx context.Context, tx pgx.Tx, org, after int64, lim int32) ([]keyed, error) {
			r, err := q.OrgExportRetros(ctx, tx, dbq.OrgExportRetrosParams{OrgID: org, AfterA: after, MaxRows: lim})
			return conv(len(r), func(i int) int64 { return r[i].A }, func(i int) string { return r[i].Line }), err
		}),
		"retro_cards.jsonl": one(func(ctx context.Context, tx pgx.Tx, org, after int64, lim int32) ([]keyed, error) {
			r, err := q.OrgExportRetroCards(ctx, tx, dbq.OrgExportRetroCardsParams{OrgID: org, AfterA: after, MaxRows: lim})
			return conv(len(r), func(i int) int64 { return r[i].A }, func(i int) string { return r[i].Line }), err
		}),
		"retro_actions.jsonl": one(func(ctx context.Context, tx pgx.Tx, org, after int64, lim int32) ([]keyed, error) {
			r, err := q.OrgExportRetroActions(ctx, tx, dbq.OrgExportRetroActionsParams{OrgID: org, AfterA: after, MaxRows: lim})
			return conv(len(r), func(i int) int64 { return r[i].A }, func(i int) string { return r[i].Line }), err
		}),
		"competencies.jsonl": one(func(ctx context.Context, tx pgx.Tx, org, after int64, lim int32) ([]keyed, error) {
			r, err := q.OrgExportCompetencies(ctx, tx, dbq.OrgExportCompetenciesParams{OrgID: &org, AfterA: after, MaxRows: lim})
			return conv(len(r), func(i int) int64 { return r[i].A }, func(i int) string { return r[i].Line }), err
		}),
		"framework_versions.jsonl": one(func(ctx context.Context, tx pgx.Tx, org, after int64, lim int32) ([]keyed, error) {
			r, err := q.OrgExportFrameworkVersions(ctx, tx, dbq.OrgExportFrameworkVersionsParams{OrgID: org, AfterA: after, MaxRows: lim})
			return conv(len(r), func(i int) int64 { return r[i].A }, func(i int) string { return r[i].Line }), err
		}),
		"review_cycles.jsonl": one(func(ctx context.Context, tx pgx.Tx, org, after int64, lim int32) ([]keyed, error) {
			r, err := q.OrgExportReviewCycles(ctx, tx, dbq.OrgExportReviewCyclesParams{OrgID: org, AfterA: after, MaxRows: lim})
			return conv(len(r), func(i int) int64 { return r[i].A }, func(i int) string { return r[i].Line }), err
		}),
		"reviews.jsonl":        s.orgReviews,
		"review_ratings.jsonl": s.orgRatings,
		"health_checks.jsonl": one(func(ctx context.Context, tx pgx.Tx, org, after int64, lim int32) ([]keyed, error) {
			r, err := q.OrgExportHealthChecks(ctx, tx, dbq.OrgExportHealthChecksParams{OrgID: org, AfterA: after, MaxRows: lim, Threshold: threshold, Now: now})
			return conv(len(r), func(i int) int64 { return r[i].A }, func(i int) string { return r[i].Line }), err
		}),
		"pulses.jsonl": one(func(ctx context.Context, tx pgx.Tx, org, after int64, lim int32) ([]keyed, error) {
			r, err := q.OrgExportPulses(ctx, tx, dbq.OrgExportPulsesParams{OrgID: org, AfterA: after, MaxRows: lim})
			return conv(len(r), func(i int) int64 { return r[i].A }, func(i int) string { return r[i].Line }), err
		}),
		"audit_log.jsonl": one(func(ctx context.Context, tx pgx.Tx, org, after int64, lim int32) ([]keyed, error) {
			r, err := q.OrgExportAudit(ctx, tx, dbq.OrgExportAuditParams{OrgID: org, AfterA: after, MaxRows: lim})
			return conv(len(r), func(i int) int64 { return r[i].A }, func(i int) string { return r[i].Line }), err
		}),
	}
}

// utcText writes an instant as the export's SQL does (utc_text).
func utcText(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := t.UTC().Format("2006-01-02T15:04:05.000000Z")
	return &s
}

// orgNobody is the viewer the export reads reviews as: someone who is
// neither the person nor their manager, so it holds the submitted parts only.
const orgNobody = 0

// orgReviews reads a page of reviews, each with only what review.PermissionFor
// lets orgNobody read.
func (s *ExportStore) orgReviews(ctx context.Context, tx pgx.Tx, org int64, after orgCursor, lim int32) ([][]byte, orgCursor, bool, error) {
	rows, err := s.q.OrgExportReviews(ctx, tx, dbq.OrgExportReviewsParams{OrgID: org, AfterA: after.A, AfterB: after.B, MaxRows: lim})
	if err != nil || len(rows) == 0 {
		return nil, after, false, err
	}
	out := make([][]byte, 0, len(rows))
	for _, r := range rows {
		perm := review.PermissionFor(orgNobody, review.Participant{PersonID: r.PersonID, ManagerID: r.ManagerID, State: review.State(r.State), Summary: r.Summary})
		p := perm.Participant(review.Participant{Summary: r.Summary})
		var manager *int64
		if r.ManagerID != 0 {
			manager = &r.ManagerID
		}
		b, err := json.Marshal(struct {
			CycleID            int64   `json:"cycle_id"`
			PersonID           int64   `json:"person_id"`
			ManagerID          *int64  `json:"manager_id"`
			State              string  `json:"state"`
			Summary            string  `json:"summary"`
			AckComment         string  `json:"ack_comment"`
			SelfSubmittedAt    *string `json:"self_submitted_at"`
			ManagerSubmittedAt *string `json:"manager_submitted_at"`
			AcknowledgedAt     *string `json:"acknowledged_at"`
			FinalisedAt        *string `json:"finalised_at"`
			FinalisedBy        *int64  `json:"finalised_by"`
			CreatedAt          *string `json:"created_at"`
		}{r.CycleID, r.PersonID, manager, r.State, p.Summary, r.AckComment, utcText(r.SelfSubmittedAt), utcText(r.ManagerSubmittedAt),
			utcText(r.AcknowledgedAt), utcText(r.FinalisedAt), r.FinalisedBy, utcText(&r.CreatedAt)})
		if err != nil {
			return nil, after, false, err
		}
		out = append(out, b)
	}
	last := rows[len(rows)-1]
	return out, orgCursor{A: last.CycleID, B: last.PersonID}, len(rows) == int(lim), nil
}

// orgRatings reads a page of review ratings, each with only what
// review.PermissionFor lets orgNobody read; a rating with nothing readable
// left is left out, so even its existence says nothing. The cursor moves
// past the rows left out too.
func (s *ExportStore) orgRatings(ctx context.Context, tx pgx.Tx, org int64, after orgCursor, lim int32) ([][]byte, orgCursor, bool, error) {
	for {
		rows, err := s.q.OrgExportReviewRatings(ctx, tx, dbq.OrgExportReviewRatingsParams{OrgID: org, AfterA: after.A, AfterB: after.B, AfterC: after.C, MaxRows: lim})
		if err != nil || len(rows) == 0 {
			return nil, after, false, err
		}
		out := make([][]byte, 0, len(rows))
		for _, r := range rows {
			perm := review.PermissionFor(orgNobody, review.Participant{PersonID: r.PersonID, ManagerID: r.ManagerID, State: review.State(r.State)})
			if !perm.CanRead(review.SelfPart) && !perm.CanRead(review.ManagerPart) {
				continue
			}
			rt := perm.Rating(review.Rating{SelfRating: int(r.SelfRating), SelfComment: r.SelfComment,
				ManagerRating: int(r.ManagerRating), ManagerComment: r.ManagerComment})
			b, err := json.Marshal(struct {
				CycleID        int64  `json:"cycle_id"`
				PersonID       int64  `json:"person_id"`
				CompetencyID   int64  `json:"competency_id"`
				SelfRating     *int   `json:"self_rating"`
				SelfComment    string `json:"self_comment"`
				ManagerRating  *int   `json:"manager_rating"`
				ManagerComment string `json:"manager_comment"`
			}{r.CycleID, r.PersonID, r.CompetencyID, nonZero(rt.SelfRating), rt.SelfComment, nonZero(rt.ManagerRating), rt.ManagerComment})
			if err != nil {
				return nil, after, false, err
			}
			out = append(out, b)
		}
		last := rows[len(rows)-1]
		after = orgCursor{A: last.CycleID, B: last.PersonID, C: last.CompetencyID}
		more := len(rows) == int(lim)
		if len(out) > 0 || !more {
			return out, after, more, nil
		}
	}
}

func nonZero(n int) *int {
	if n == 0 {
		return nil
	}
	return &n
}

// OrgExport reads the organisation for its archive (export.OrgStore). The
// whole export runs on one connection of the export pool in one read-only
// repeatable-read transaction: every file agrees with the others, and an
// export holds one connection, never more, as the cycle exports do. Each
// file is read a page of pageRows rows at a time, after the key of the last
// row read (its primary key, so each page is an index range scan).
func (s *ExportStore) OrgExport(ctx context.Context, orgID int64, now time.Time, pageRows int, fn func(file string, lines [][]byte) error) ([]byte, error) {
	pool := s.exports
	if pool == nil {
		pool = s.pool
	}
	tx, err := pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, mapErr(err, "Export")
	}
	defer func() { _ = tx.Rollback(ctx) }()
	org, err := s.q.OrgExportOrg(ctx, tx, orgID)
	if err != nil {
		return nil, mapErr(err, "Organisation")
	}
	n, err := s.q.HealthSettingsGet(ctx, tx, orgID)
	if err != nil {
		return nil, mapErr(err, "Export")
	}
	pages := s.orgPages(now, int32(health.Settings{MinResponses: int(n)}.Threshold()))
	for _, file := range export.OrgFiles {
		page, ok := pages[file]
		if !ok {
			return nil, fmt.Errorf("export file %s: no reader", file)
		}
		var after orgCursor
		for first, more := true, true; more; first = false {
			var lines [][]byte
			lines, after, more, err = page(ctx, tx, orgID, after, int32(pageRows))
			if err != nil {
				return nil, mapErr(err, "Export")
			}
			if len(lines) > 0 || first {
				if err := fn(file, lines); err != nil {
					return nil, err
				}
			}
		}
	}
	return []byte(org.Line), mapErr(tx.Commit(ctx), "Export")
}

// RecordOrgExport writes an organisation export to the audit log; actorID
// 0 is the command line.
func (s *ExportStore) RecordOrgExport(ctx context.Context, orgID, actorID int64, d export.OrgDetail) error {
	return mapErr(s.auditDetail(ctx, s.pool, orgID, actorID, "export.organisation", "org:"+strconv.FormatInt(orgID, 10), d), "Audit log")
}

// FindOrgsForExport returns the ids and names of the organisations named
// name, or whose id is name.
func (s *ExportStore) FindOrgsForExport(ctx context.Context, name string) (map[int64]string, error) {
	rows, err := s.q.OrgExportFind(ctx, s.pool, name)
	if err != nil {
		return nil, mapErr(err, "Organisation")
	}
	out := make(map[int64]string, len(rows))
	for _, r := range rows {
		out[r.ID] = r.Name
	}
	return out, nil
}
