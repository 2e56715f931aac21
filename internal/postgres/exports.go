package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"rapport/internal/export"
	"rapport/internal/postgres/dbq"
	"rapport/internal/review"
)

var _ export.Store = (*ExportStore)(nil)

// ExportStore reads review cycles for export: the rows, each with its
// person's cues and evidence counts (the review store's own, on base), and
// records each export in the audit log.
type ExportStore struct {
	base
	exports *pgxpool.Pool
}

// NewExportStore returns the export store on pool. Exports stream on
// exports, one connection each; nil: pool.
func NewExportStore(pool, exports *pgxpool.Pool) *ExportStore {
	if exports == nil {
		exports = pool
	}
	return &ExportStore{base: newBase(pool), exports: exports}
}

// ExportCycle returns a cycle of the organisation for exporting.
func (s *ExportStore) ExportCycle(ctx context.Context, orgID, cycleID int64) (export.Cycle, error) {
	r, err := s.q.ExportCycle(ctx, s.pool, dbq.ExportCycleParams{OrgID: orgID, ID: cycleID})
	if err != nil {
		return export.Cycle{}, mapErr(err, "Review cycle")
	}
	return export.Cycle{ID: r.ID, Name: r.Name, PeriodStart: r.PeriodStart, PeriodEnd: r.PeriodEnd, CreatedBy: deref(r.CreatedBy)}, nil
}

// ExportTeamName returns the name of a team of the organisation.
func (s *ExportStore) ExportTeamName(ctx context.Context, orgID, teamID int64) (string, error) {
	name, err := s.q.ExportTeamName(ctx, s.pool, dbq.ExportTeamNameParams{OrgID: orgID, ID: teamID})
	return name, mapErr(err, "Team")
}

// ExportVisibleCount counts the reviews of the scope the viewer may see, by
// the cycle page's own rule (review_participants_visible).
func (s *ExportStore) ExportVisibleCount(ctx context.Context, sc export.Scope) (int, error) {
	n, err := s.q.ExportVisibleCount(ctx, s.pool, dbq.ExportVisibleCountParams{
		OrgID: sc.OrgID, CycleID: sc.CycleID, ViewerID: sc.ViewerID, AllVisible: sc.All, TeamID: sc.TeamID})
	return int(n), mapErr(err, "Reviews")
}

// ExportBatches streams the scope's person × competency rows to fn, a batch
// of up to size people at a time, each row with its person's cues and
// evidence counts. The whole export runs on one connection of the export
// pool (see NewExportStore), held from start to end and never more than one:
// an export cannot starve pages, and several cannot deadlock waiting for
// each other's connections. It reads one snapshot (a read-only repeatable
// read transaction), so batches agree with each other. The people come
// first, ordered as the cycle page lists them (by name), as the viewer may
// see them (review_participants_visible, the cycle page's rule); then each batch's rows, ordered by the
// framework, and its figures. Each row holds only the parts of the review
// the viewer may read, by the review pages' own rule (review.PermissionFor).
func (s *ExportStore) ExportBatches(ctx context.Context, sc export.Scope, from, until time.Time, size int, fn func(export.Batch) error) error {
	pool := s.exports
	if pool == nil {
		pool = s.pool
	}
	tx, err := pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return mapErr(err, "Export")
	}
	// Rolling back on a cancelled context closes the connection, which
	// frees it at once when the client has gone away.
	defer func() { _ = tx.Rollback(ctx) }()
	ids, err := s.q.ExportVisibleIDs(ctx, tx, dbq.ExportVisibleIDsParams{
		OrgID: sc.OrgID, CycleID: sc.CycleID, ViewerID: sc.ViewerID, AllVisible: sc.All, TeamID: sc.TeamID})
	if err != nil {
		return mapErr(err, "Export")
	}
	for len(ids) > 0 {
		n := min(size, len(ids))
		batch, err := s.exportBatch(ctx, tx, sc, ids[:n], from, until)
		if err != nil {
			return err
		}
		if err := fn(batch); err != nil {
			return err
		}
		ids = ids[n:]
	}
	return mapErr(tx.Commit(ctx), "Export")
}

// exportBatch reads the rows and figures of a batch of people the viewer
// may see (their ids come from ExportVisibleIDs).
func (s *ExportStore) exportBatch(ctx context.Context, tx pgx.Tx, sc export.Scope, ids []int64, from, until time.Time) (export.Batch, error) {
	var b export.Batch
	rows, err := s.q.ExportRows(ctx, tx, dbq.ExportRowsParams{OrgID: sc.OrgID, CycleID: sc.CycleID, PersonIds: ids})
	if err != nil {
		return b, mapErr(err, "Export")
	}
	b.Rows = make([]export.Row, 0, len(rows))
	for _, x := range rows {
		r := export.Row{PersonID: x.PersonID, Person: x.PersonName, Email: x.Email, Team: x.TeamName, Manager: x.ManagerName,
			CompetencyID: x.CompetencyID, Group: review.GroupLabel(x.Grp), Competency: x.CompetencyName, State: x.State}
		// Only the parts of the review the viewer may read, by the review
		// pages' own rule.
		perm := review.PermissionFor(sc.ViewerID, review.Participant{PersonID: x.PersonID, ManagerID: x.ManagerID, State: review.State(x.State)})
		rating := perm.Rating(review.Rating{SelfRating: int(x.SelfRating), SelfComment: x.SelfComment,
			ManagerRating: int(x.ManagerRating), ManagerComment: x.ManagerComment})
		r.SelfRating, r.SelfComment, r.ManagerRating, r.ManagerComment = rating.SelfRating, rating.SelfComment, rating.ManagerRating, rating.ManagerComment
		b.Rows = append(b.Rows, r)
	}
	start := time.Now()
	cues, err := s.cuesOn(ctx, tx, sc.OrgID, ids, from, until)
	if err != nil {
		return b, err
	}
	counts, err := s.evidenceCountsOn(ctx, tx, sc.OrgID, sc.ViewerID, ids, from, until)
	if err != nil {
		return b, err
	}
	b.Figures = time.Since(start)
	for i := range b.Rows {
		r := &b.Rows[i]
		r.Cues = ExportCues(cues[r.PersonID])
		r.Evidence = counts[r.PersonID][r.CompetencyID]
	}
	return b, nil
}

// ExportCues maps the review's coaching cues to the export's.
func ExportCues(c review.Cues) export.Cues {
	return export.Cues{
		Contact:         export.Ratio{Num: c.Contact.Num, Den: c.Contact.Den},
		FollowThrough:   export.Ratio{Num: c.FollowThrough.Num, Den: c.FollowThrough.Den},
		Communication:   export.Ratio{Num: c.Communication.Num, Den: c.Communication.Den},
		PointsAdded:     c.PointsAdded,
		CrossTeamKudos:  c.CrossTeamKudos,
		OutsideContacts: c.OutsideContacts,
	}
}

// RecordExport writes an export to the audit log.
func (s *ExportStore) RecordExport(ctx context.Context, orgID, actorID int64, action, subject string, d export.Detail) error {
	return mapErr(s.auditDetail(ctx, s.pool, orgID, actorID, action, subject, d), "Audit log")
}

// ExportPeople lists up to limit people of the scope, by name.
func (s *ExportStore) ExportPeople(ctx context.Context, sc export.Scope, limit int) ([]export.Person, error) {
	rows, err := s.q.ExportVisiblePeople(ctx, s.pool, dbq.ExportVisiblePeopleParams{
		OrgID: sc.OrgID, CycleID: sc.CycleID, ViewerID: sc.ViewerID, AllVisible: sc.All, TeamID: sc.TeamID, MaxRows: int32(limit)})
	if err != nil {
		return nil, mapErr(err, "Reviews")
	}
	out := make([]export.Person, len(rows))
	for i, r := range rows {
		out[i] = export.Person{ID: r.PersonID, Name: r.Name, Team: r.TeamName, State: r.State}
	}
	return out, nil
}

// ExportContact returns the organisation's name, a person's email and
// their first team by name, for a review packet.
func (s *ExportStore) ExportContact(ctx context.Context, orgID, personID int64) (org, email, team string, err error) {
	r, err := s.q.ExportContact(ctx, s.pool, dbq.ExportContactParams{OrgID: orgID, PersonID: personID})
	return r.OrgName, r.Email, r.TeamName, mapErr(err, "Person")
}
