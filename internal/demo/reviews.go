package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Review cycles of the demo organisation: the last half-year, finished and
// finalised, and the current half-year in progress, with everyone who has a
// manager in both. Ratings come from a hash of the person and competency,
// so the same organisation always gets the same reviews; most people are
// "Consistent" or "Strong", a few "Developing" or "Role model". Everything
// is written set-based, a handful of statements whatever the size.

// halfYear returns the half-year containing t: its name, first and last day.
func halfYear(t time.Time) (string, time.Time, time.Time) {
	y := t.Year()
	if t.Month() <= 6 {
		return fmt.Sprintf("%d H1", y), time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(y, 6, 30, 0, 0, 0, 0, time.UTC)
	}
	return fmt.Sprintf("%d H2", y), time.Date(y, 7, 1, 0, 0, 0, 0, time.UTC), time.Date(y, 12, 31, 0, 0, 0, 0, time.UTC)
}

// demoRating maps a hash bucket 0–9 to a rating: 1 ×1, 2 ×4, 3 ×4, 4 ×1.
const demoRating = `(CASE WHEN b = 0 THEN 1 WHEN b <= 4 THEN 2 WHEN b <= 8 THEN 3 ELSE 4 END)`

// reviewCounts are what writeReviews wrote.
type reviewCounts struct {
	Cycles, Reviews, Ratings int
}

// writeReviews adds the two cycles. signEmployee is the demo employee, whose
// current review waits for their manager (the demo manager) to write it.
func writeReviews(ctx context.Context, tx pgx.Tx, opts Options, orgID, signEmployee int64) (reviewCounts, error) {
	var rc reviewCounts
	now := opts.Now.UTC()
	curName, curStart, curEnd := halfYear(now)
	pastName, pastStart, pastEnd := halfYear(curStart.AddDate(0, 0, -1))
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)

	var pastID, curID int64
	err := tx.QueryRow(ctx, `
WITH v AS (SELECT id FROM framework_versions WHERE org_id = $1 ORDER BY number DESC LIMIT 1),
     lead AS (SELECT id FROM users WHERE org_id = $1 AND role IN ('leader', 'admin') ORDER BY role DESC, id LIMIT 1),
     past AS (
        INSERT INTO review_cycles (org_id, name, period_start, period_end, framework_version_id, self_due, manager_due, created_by, created_at, state)
        SELECT $1, $2, $3, $4, v.id, $4::date + 10, $4::date + 24, lead.id, $4::date - 14, 'closed' FROM v, lead
        RETURNING id),
     cur AS (
        INSERT INTO review_cycles (org_id, name, period_start, period_end, framework_version_id, self_due, manager_due, created_by, created_at)
        SELECT $1, $5, $6, $7, v.id, $8::date + 7, $8::date + 21, lead.id, $8::date - 7 FROM v, lead
        RETURNING id)
SELECT past.id, cur.id FROM past, cur`,
		orgID, pastName, pastStart, pastEnd, curName, curStart, curEnd, today).Scan(&pastID, &curID)
	if err != nil {
		return rc, fmt.Errorf("demo: review cycles: %w", err)
	}
	rc.Cycles = 2

	// Everyone with a manager takes part, reviewed by that manager. In the
	// past cycle every review is finalised; in the current one the states
	// spread from draft to finalised, and the demo employee's is waiting
	// for their manager.
	tag, err := tx.Exec(ctx, `
INSERT INTO review_participants (cycle_id, org_id, person_id, manager_id, state, summary, ack_comment,
    self_submitted_at, manager_submitted_at, acknowledged_at, finalised_at, finalised_by, created_at, updated_at)
SELECT $2, $1, u.id, u.manager_id, 'finalised',
    'A steady half: kept in touch with the people who depend on the work and closed what was agreed.',
    CASE WHEN (u.id - f.m) % 3 = 0 THEN 'Thanks — agreed on the focus for next half.' ELSE '' END,
    $3::date + 5, $3::date + 20, $3::date + 26, $3::date + 30, c.created_by, $3::date - 14, $3::date + 30
FROM users u JOIN review_cycles c ON c.id = $2
CROSS JOIN (SELECT min(id) AS m FROM users WHERE org_id = $1) f
WHERE u.org_id = $1 AND u.active AND u.manager_id IS NOT NULL`, orgID, pastID, pastEnd)
	if err != nil {
		return rc, fmt.Errorf("demo: past reviews: %w", err)
	}
	rc.Reviews += int(tag.RowsAffected())
	tag, err = tx.Exec(ctx, `
INSERT INTO review_participants (cycle_id, org_id, person_id, manager_id, state, summary,
    self_submitted_at, manager_submitted_at, acknowledged_at, finalised_at, created_at, updated_at)
SELECT $2, $1, u.id, u.manager_id, s.state::review_state,
    CASE WHEN s.state IN ('manager_submitted', 'acknowledged', 'finalised') THEN 'Good momentum this half; keep the cross-team contact going.' ELSE '' END,
    CASE WHEN s.state <> 'draft' THEN $3::timestamptz - interval '3 days' END,
    CASE WHEN s.state IN ('manager_submitted', 'acknowledged', 'finalised') THEN $3::timestamptz - interval '2 days' END,
    CASE WHEN s.state IN ('acknowledged', 'finalised') THEN $3::timestamptz - interval '1 day' END,
    CASE WHEN s.state = 'finalised' THEN $3::timestamptz - interval '12 hours' END,
    $3::timestamptz - interval '7 days', $3::timestamptz - interval '1 day'
FROM users u
CROSS JOIN (SELECT min(id) AS m FROM users WHERE org_id = $1) f
CROSS JOIN LATERAL (SELECT CASE
    WHEN u.id = $4 THEN 'self_submitted'
    ELSE (ARRAY['draft', 'draft', 'draft', 'self_submitted', 'self_submitted', 'self_submitted',
                'manager_submitted', 'manager_submitted', 'acknowledged', 'finalised'])[1 + abs(hashint8((u.id - f.m) * 7919)) % 10]
    END AS state) s
WHERE u.org_id = $1 AND u.active AND u.manager_id IS NOT NULL`, orgID, curID, today, signEmployee)
	if err != nil {
		return rc, fmt.Errorf("demo: current reviews: %w", err)
	}
	rc.Reviews += int(tag.RowsAffected())

	// Ratings for every competency of the version: self ratings once the
	// self-assessment is in, manager ratings once the manager submitted (and
	// a few manager drafts before that).
	tag, err = tx.Exec(ctx, `
INSERT INTO review_ratings (cycle_id, org_id, person_id, competency_id, self_rating, self_comment, manager_rating, manager_comment, updated_at)
SELECT p.cycle_id, p.org_id, p.person_id, e.competency_id,
    CASE WHEN p.state <> 'draft' THEN least(4, `+demoRating+` + (CASE WHEN sb = 0 THEN 1 ELSE 0 END)) END,
    CASE WHEN p.state <> 'draft' THEN (ARRAY[
        'I can point to an example of this in most months of the period.',
        'Better than last half: I asked for feedback on it twice and acted on it.',
        'Still learning here; I have an action on it with my manager.',
        'I did this well with my own team and want to do more of it across teams.'])[1 + b % 4] ELSE '' END,
    CASE WHEN p.state IN ('manager_submitted', 'acknowledged', 'finalised') OR (p.state IN ('draft', 'self_submitted') AND b % 3 = 0) THEN `+demoRating+` END,
    CASE WHEN p.state IN ('manager_submitted', 'acknowledged', 'finalised') THEN
        (ARRAY['Shows it in every 1:1; the team notices.', 'Solid; one more example across teams would make it stronger.',
               'Growing here — see the actions we agreed.', 'A model for others this half.'])[`+demoRating+`]
        ELSE '' END,
    p.updated_at
FROM review_participants p
JOIN review_cycles c ON c.id = p.cycle_id
JOIN framework_entries e ON e.version_id = c.framework_version_id
CROSS JOIN (SELECT min(id) AS m FROM users WHERE org_id = $3) f
CROSS JOIN (SELECT min(id) AS m FROM review_cycles WHERE id IN ($1, $2)) fc
CROSS JOIN LATERAL (SELECT abs(hashint8((p.person_id - f.m) * 1009 + e.competency_id * 31 + (p.cycle_id - fc.m))) % 10 AS b,
                           abs(hashint8((p.person_id - f.m) * 17 + e.competency_id)) % 5 AS sb) h
WHERE p.cycle_id IN ($1, $2) AND (p.state <> 'draft' OR b % 3 = 0)`, pastID, curID, orgID)
	if err != nil {
		return rc, fmt.Errorf("demo: ratings: %w", err)
	}
	rc.Ratings = int(tag.RowsAffected())
	return rc, nil
}
