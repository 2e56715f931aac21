package demo

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
)

// healthTeams is how many teams run health checks in a demo organisation.
const healthTeams = 5

// healthChecks is how many monthly checks each of them has had.
const healthChecks = 4

// healthComments are what people add to an answer.
var healthComments = []string{
	"Stand-ups got shorter and more useful this month.",
	"Hand-offs to the platform team still get lost.",
	"I felt safe raising the release problem, and it got fixed.",
	"Feedback on pull requests comes quickly now.",
	"We celebrate launches but not the quiet maintenance work.",
	"Too many decisions happen in private chats.",
	"Pairing sessions made onboarding much easier.",
	"We agree on actions and then nobody follows up.",
	"Our manager's weekly notes make priorities clear.",
}

// writeHealth gives a few teams monthly health checks: the manager's own team
// has one open now (the demo manager can answer it), one team's latest check
// closed with too few answers, and the rest closed with results. Answers are
// inserted in a random order with nothing linking them to the people in the
// "has answered" set, as the app writes them.
func writeHealth(ctx context.Context, tx pgx.Tx, opts Options, pl *plan, orgID int64, userIDs, teamIDs []int64) (int, error) {
	rng := rand.New(rand.NewPCG(uint64(opts.Seed), 0x6865616c7468))
	now := opts.Now.UTC()
	var chosen []int
	for pass := 0; pass < 2; pass++ {
		for i, t := range pl.teams {
			if len(t.members) < 3 || len(chosen) >= healthTeams || slices.Contains(chosen, i) {
				continue
			}
			if pass == 0 && !slices.Contains(t.members, pl.signIns[2]) {
				continue
			}
			chosen = append(chosen, i)
		}
	}
	var dims []int64
	rows, err := tx.Query(ctx, `SELECT id FROM health_dimensions WHERE org_id = $1 AND NOT retired ORDER BY position, id`, orgID)
	if err != nil {
		return 0, fmt.Errorf("demo: health dimensions: %w", err)
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, err
		}
		dims = append(dims, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	checks := 0
	for n, ti := range chosen {
		t := pl.teams[ti]
		members := make([]int64, len(t.members))
		for i, m := range t.members {
			members[i] = userIDs[m]
		}
		opener := userIDs[facilitatorOf(pl, t)]
		// Each team has its own level per dimension and its own direction:
		// the second team slips, the others improve a little.
		base := make([]float64, len(dims))
		for d := range base {
			base[d] = 2.7 + 1.4*rng.Float64()
		}
		drift := 0.15 + 0.2*rng.Float64()
		if n == 1 {
			drift = -0.35
		}
		for k := healthChecks - 1; k >= 0; k-- {
			opened := now.AddDate(0, 0, -30*k-9)
			closes := opened.Add(7 * 24 * time.Hour)
			open := k == 0 && n == 0
			if open {
				opened, closes = now.Add(-2*24*time.Hour), now.Add(5*24*time.Hour)
			}
			var id int64
			title := "Health check " + opened.Format("January 2006")
			if err := tx.QueryRow(ctx, `INSERT INTO health_checks (org_id, team_id, title, opened_by, opened_at, closes_at)
				VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, orgID, teamIDs[ti], title, opener, opened, closes).Scan(&id); err != nil {
				return checks, fmt.Errorf("demo: health check: %w", err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO health_check_dimensions (check_id, position, dimension_id, version, name, description)
				SELECT $1, row_number() OVER (ORDER BY position, id), id, version, name, description
				FROM health_dimensions WHERE org_id = $2 AND NOT retired`, id, orgID); err != nil {
				return checks, fmt.Errorf("demo: health check dimensions: %w", err)
			}
			checks++
			// Who answers: most of the team; an open check has two so far,
			// and the third team's latest check closed with only two.
			who := slices.Clone(members)
			rng.Shuffle(len(who), func(i, j int) { who[i], who[j] = who[j], who[i] })
			if open {
				// The people the demo prints sign-ins for have not answered
				// yet, so that they can.
				var others, signIns []int64
				for _, u := range who {
					if slices.ContainsFunc(pl.signIns[:], func(p int) bool { return userIDs[p] == u }) {
						signIns = append(signIns, u)
					} else {
						others = append(others, u)
					}
				}
				who = append(others, signIns...)
			}
			answering := max(3, len(who)-rng.IntN(2))
			if open || (n == 2 && k == 0) {
				answering = 2
			}
			answering = min(answering, len(who))
			step := float64(healthChecks-1-k) * drift
			b := &pgx.Batch{}
			for a := 0; a < answering; a++ {
				scores, trends := make([]int16, len(dims)), make([]int16, len(dims))
				for d := range dims {
					v := math.Round(base[d] + step + rng.NormFloat64()*0.7)
					scores[d] = int16(min(5, max(1, v)))
					switch r := rng.Float64() + drift; {
					case r > 0.9:
						trends[d] = 1
					case r < 0.25:
						trends[d] = -1
					}
				}
				comment := ""
				if rng.IntN(3) == 0 {
					comment = healthComments[rng.IntN(len(healthComments))]
				}
				b.Queue(`INSERT INTO health_responses (org_id, check_id, scores, trends, comment) VALUES ($1, $2, $3, $4, $5)`,
					orgID, id, scores, trends, comment)
			}
			// The "has answered" set, in another order than the answers.
			responders := slices.Clone(who[:answering])
			rng.Shuffle(len(responders), func(i, j int) { responders[i], responders[j] = responders[j], responders[i] })
			for _, u := range responders {
				b.Queue(`INSERT INTO health_responders (check_id, user_id) VALUES ($1, $2)`, id, u)
			}
			if err := tx.SendBatch(ctx, b).Close(); err != nil {
				return checks, fmt.Errorf("demo: health answers: %w", err)
			}
		}
	}
	return checks, nil
}
