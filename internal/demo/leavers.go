package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"

	"rapport/internal/core"
)

// Chances that an employee left in the last weeks: under a manager whose
// 1:1s drift, and under any other. The outcomes page should find that
// drifting managers lose more people, from the data as it stands.
const (
	leaveChanceDrifting = 0.5
	leaveChanceOther    = 0.08
)

// writeLeavers deactivates some employees (never a sign-in account nor
// anyone with reports), with a reason, as an admin would. Each leaves a few
// days to a month ago, and never before their last kudo given or received,
// so that nobody inactive gives or receives one. Their 1:1 series stay as
// they were, as deactivation leaves them in the app.
func writeLeavers(ctx context.Context, tx pgx.Tx, opts Options, pl *plan, userIDs []int64, driftingManagers map[int]bool) (int, error) {
	rng := rand.New(rand.NewPCG(uint64(opts.Seed), 0x6c6561766572))
	signIn := map[int]bool{}
	for _, i := range pl.signIns {
		signIn[i] = true
	}
	var ids []int64
	var ats []time.Time
	var reasons []string
	for i, p := range pl.people {
		if p.role != core.RoleEmployee || len(p.reports) > 0 || signIn[i] || p.manager < 0 {
			continue
		}
		drifts := driftingManagers[p.manager]
		chance := leaveChanceOther
		if drifts {
			chance = leaveChanceDrifting
		}
		if rng.Float64() >= chance {
			continue
		}
		reason := []string{"resigned", "resigned", "end-of-contract", "let-go", "retired", "other", ""}[rng.IntN(7)]
		if drifts && rng.Float64() < 0.7 {
			reason = "resigned"
		}
		ids = append(ids, userIDs[i])
		ats = append(ats, opts.Now.Add(-time.Duration(3*24+rng.IntN(27*24))*time.Hour))
		reasons = append(reasons, reason)
	}
	if len(ids) == 0 {
		return 0, nil
	}
	_, err := tx.Exec(ctx, `
		UPDATE users u SET active = false, left_reason = x.reason, updated_at = $4,
			deactivated_at = least($4, greatest(x.at, (
				SELECT max(k.created_at) + interval '1 minute' FROM kudos k
				WHERE k.org_id = u.org_id AND (k.author_id = u.id
					OR k.id IN (SELECT r.kudo_id FROM kudo_recipients r WHERE r.org_id = u.org_id AND r.user_id = u.id)))))
		FROM unnest($1::bigint[], $2::timestamptz[], $3::text[]) AS x (id, at, reason)
		WHERE u.id = x.id`, ids, ats, reasons, opts.Now)
	if err != nil {
		return 0, fmt.Errorf("demo: leavers: %w", err)
	}
	return len(ids), nil
}
