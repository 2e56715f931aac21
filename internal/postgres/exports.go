package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"rapport/internal/export"
	"rapport/internal/review"
)

// ExportCycle returns a cycle of the organisation for exporting.
func (s *Store) ExportCycle(ctx context.Context, orgID, cycleID int64) (export.Cycle, error) {
	var c export.Cycle
	var createdBy *int64
	err := s.Pool.QueryRow(ctx, `SELECT id, name, period_start, period_end, created_by FROM review_cycles WHERE org_id = $1 AND id = $2`,
		orgID, cycleID).Scan(&c.ID, &c.Name, &c.PeriodStart, &c.PeriodEnd, &createdBy)
	c.CreatedBy = deref(createdBy)
	return c, mapErr(err, "Review cycle")
}

// ExportTeamName returns the name of a team of the organisation.
func (s *Store) ExportTeamName(ctx context.Context, orgID, teamID int64) (string, error) {
	var name string
	err := s.Pool.QueryRow(ctx, `SELECT name FROM teams WHERE org_id = $1 AND id = $2`, orgID, teamID).Scan(&name)
	return name, mapErr(err, "Team")
}

// exportVisible is the participants of a cycle a viewer may see, as the
// review pages list them (ParticipantsForCycle): everyone for admins, else
// the viewer's own review, those they write and those of their reporting
// tree; optionally only members of one team. Parameters: $1 org, $2 cycle,
// $3 viewer, $4 all, $5 team (0: any).
const exportVisible = `
WITH vis AS (
    SELECT p.person_id, p.manager_id, p.state
    FROM review_participants p
    WHERE p.org_id = $1 AND p.cycle_id = $2
      AND ($4::boolean OR p.person_id = $3 OR p.manager_id = $3 OR p.person_id IN (SELECT id FROM reports_under($1, $3)))
      AND ($5::bigint = 0 OR EXISTS (SELECT 1 FROM team_members tm WHERE tm.org_id = p.org_id AND tm.team_id = $5 AND tm.user_id = p.person_id))
)`

// ExportVisibleCount counts the reviews of the scope the viewer may see.
func (s *Store) ExportVisibleCount(ctx context.Context, sc export.Scope) (int, error) {
	var n int
	err := s.Pool.QueryRow(ctx, exportVisible+` SELECT count(*) FROM vis`, sc.OrgID, sc.CycleID, sc.ViewerID, sc.All, sc.TeamID).Scan(&n)
	return n, mapErr(err, "Reviews")
}

// ExportBatches streams the scope's person × competency rows to fn, a batch
// of up to size people at a time, each row with its person's cues and
// evidence counts. The whole export runs on one connection of the export
// pool (Store.Exports), held from start to end and never more than one:
// an export cannot starve pages, and several cannot deadlock waiting for
// each other's connections. It reads one snapshot (a read-only repeatable
// read transaction), so batches agree with each other. The people come
// first, ordered as the cycle page lists them (by name), as the viewer may
// see them (exportVisible); then each batch's rows, ordered by the
// framework, and its figures. Each row holds only the parts of the review
// the viewer may read, by the review pages' own rule (review.PermissionFor).
func (s *Store) ExportBatches(ctx context.Context, sc export.Scope, from, until time.Time, size int, fn func(export.Batch) error) error {
	pool := s.Exports
	if pool == nil {
		pool = s.Pool
	}
	tx, err := pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return mapErr(err, "Export")
	}
	// Rolling back on a cancelled context closes the connection, which
	// frees it at once when the client has gone away.
	defer func() { _ = tx.Rollback(ctx) }()
	rows, err := tx.Query(ctx, exportVisible+`
SELECT v.person_id FROM vis v JOIN users u ON u.org_id = $1 AND u.id = v.person_id
ORDER BY lower(u.name), v.person_id`, sc.OrgID, sc.CycleID, sc.ViewerID, sc.All, sc.TeamID)
	if err != nil {
		return mapErr(err, "Export")
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
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
// may see (their ids come from exportVisible).
func (s *Store) exportBatch(ctx context.Context, tx pgx.Tx, sc export.Scope, ids []int64, from, until time.Time) (export.Batch, error) {
	var b export.Batch
	rows, err := tx.Query(ctx, `WITH people AS (
    SELECT p.person_id, p.state, u.name, u.email::text AS email, coalesce(m.name, '') AS manager_name,
        coalesce((SELECT t.name FROM team_members tm JOIN teams t ON t.org_id = tm.org_id AND t.id = tm.team_id
                  WHERE tm.org_id = $1 AND tm.user_id = p.person_id ORDER BY lower(t.name), t.id LIMIT 1), '') AS team_name,
        p.manager_id
    FROM review_participants p
    JOIN users u ON u.org_id = $1 AND u.id = p.person_id
    LEFT JOIN users m ON m.org_id = $1 AND m.id = p.manager_id
    WHERE p.org_id = $1 AND p.cycle_id = $2 AND p.person_id = ANY($3::bigint[])
)
SELECT p.person_id, coalesce(p.manager_id, 0), p.name, p.email, p.team_name, p.manager_name, e.competency_id, e.grp, e.name,
    coalesce(r.self_rating, 0)::int, coalesce(r.self_comment, ''),
    coalesce(r.manager_rating, 0)::int, coalesce(r.manager_comment, ''),
    p.state::text
FROM people p
JOIN review_cycles c ON c.org_id = $1 AND c.id = $2
JOIN framework_entries e ON e.version_id = c.framework_version_id
LEFT JOIN review_ratings r ON r.cycle_id = $2 AND r.person_id = p.person_id AND r.competency_id = e.competency_id
ORDER BY lower(p.name), p.person_id, e.position, e.competency_id`,
		sc.OrgID, sc.CycleID, ids)
	if err != nil {
		return b, mapErr(err, "Export")
	}
	var (
		r         export.Row
		managerID int64
		rating    review.Rating
	)
	for rows.Next() {
		if err := rows.Scan(&r.PersonID, &managerID, &r.Person, &r.Email, &r.Team, &r.Manager, &r.CompetencyID, &r.Group, &r.Competency,
			&rating.SelfRating, &rating.SelfComment, &rating.ManagerRating, &rating.ManagerComment, &r.State); err != nil {
			rows.Close()
			return b, mapErr(err, "Export")
		}
		r.Group = review.GroupLabel(r.Group)
		// Only the parts of the review the viewer may read, by the review
		// pages' own rule.
		perm := review.PermissionFor(sc.ViewerID, review.Participant{PersonID: r.PersonID, ManagerID: managerID, State: review.State(r.State)})
		rating = perm.Rating(rating)
		r.SelfRating, r.SelfComment, r.ManagerRating, r.ManagerComment = rating.SelfRating, rating.SelfComment, rating.ManagerRating, rating.ManagerComment
		b.Rows = append(b.Rows, r)
	}
	if err := rows.Err(); err != nil {
		return b, mapErr(err, "Export")
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
func (s *Store) RecordExport(ctx context.Context, orgID, actorID int64, action, subject string, d export.Detail) error {
	return mapErr(s.auditDetail(ctx, s.Pool, orgID, actorID, action, subject, d), "Audit log")
}

// ExportPeople lists up to limit people of the scope, by name.
func (s *Store) ExportPeople(ctx context.Context, sc export.Scope, limit int) ([]export.Person, error) {
	rows, err := s.Pool.Query(ctx, exportVisible+`
SELECT v.person_id, u.name,
    coalesce((SELECT t.name FROM team_members tm JOIN teams t ON t.org_id = tm.org_id AND t.id = tm.team_id
              WHERE tm.org_id = $1 AND tm.user_id = v.person_id ORDER BY lower(t.name), t.id LIMIT 1), ''),
    v.state::text
FROM vis v JOIN users u ON u.org_id = $1 AND u.id = v.person_id
ORDER BY lower(u.name), v.person_id
LIMIT $6`, sc.OrgID, sc.CycleID, sc.ViewerID, sc.All, sc.TeamID, limit)
	if err != nil {
		return nil, mapErr(err, "Reviews")
	}
	defer rows.Close()
	var out []export.Person
	for rows.Next() {
		var p export.Person
		if err := rows.Scan(&p.ID, &p.Name, &p.Team, &p.State); err != nil {
			return nil, mapErr(err, "Reviews")
		}
		out = append(out, p)
	}
	return out, mapErr(rows.Err(), "Reviews")
}

// ExportContact returns the organisation's name, a person's email and
// their first team by name, for a review packet.
func (s *Store) ExportContact(ctx context.Context, orgID, personID int64) (org, email, team string, err error) {
	err = s.Pool.QueryRow(ctx, `SELECT o.name, u.email::text,
		coalesce((SELECT t.name FROM team_members tm JOIN teams t ON t.org_id = tm.org_id AND t.id = tm.team_id
		          WHERE tm.org_id = o.id AND tm.user_id = u.id ORDER BY lower(t.name), t.id LIMIT 1), '')
		FROM orgs o JOIN users u ON u.org_id = o.id WHERE o.id = $1 AND u.id = $2`,
		orgID, personID).Scan(&org, &email, &team)
	return org, email, team, mapErr(err, "Person")
}
