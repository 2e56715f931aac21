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

// pulseRounds is how many rounds of the demo pulse have closed; one more is
// open now.
const pulseRounds = 4

// pulseAnswering caps the answers of a closed round in large demo
// organisations.
const pulseAnswering = 150

var pulseStatements = []string{
	"I have a good working relationship with my manager.",
	"I get useful feedback on my work.",
	"I know who to ask for help across teams.",
	"I feel recognised for my work.",
}

var pulseComments = []string{
	"Cross-team hand-offs got easier since the new channel.",
	"More feedback between reviews would help.",
	"Recognition feels fair lately.",
	"Hard to know who owns what in platform.",
	"My 1:1s are the most useful hour of my week.",
}

// writePulse schedules a fortnightly pulse of the whole organisation, by
// the admin, whose earlier rounds closed with answers and whose latest round
// is open (nobody the demo prints a sign-in for has answered it). Answers
// are kept with their team and manager only when that group has at least 3
// people, as the app stores them, and name nobody.
func writePulse(ctx context.Context, tx pgx.Tx, opts Options, pl *plan, orgID int64, userIDs []int64) error {
	rng := rand.New(rand.NewPCG(uint64(opts.Seed), 0x70756c7365))
	now := opts.Now.UTC()
	starts := now.Add(-time.Duration(pulseRounds)*14*24*time.Hour - 24*time.Hour)
	var id int64
	if err := tx.QueryRow(ctx, `INSERT INTO pulses (org_id, title, scope, statements, cadence_days, open_days, starts_at, created_by)
		VALUES ($1, 'Fortnightly pulse', 'org', $2, 14, 4, $3, $4) RETURNING id`,
		orgID, pulseStatements, starts, userIDs[pl.signIns[0]]).Scan(&id); err != nil {
		return fmt.Errorf("demo: pulse: %w", err)
	}
	// Each person's group: their first team (by id) and their manager,
	// each kept only when at least 3 people of the audience share it.
	type groups struct{ team, manager *int64 }
	of := map[int64]groups{}
	teams, managers := map[int64]int{}, map[int64]int{}
	rows, err := tx.Query(ctx, `SELECT u.id, (SELECT min(m.team_id) FROM team_members m WHERE m.org_id = $1 AND m.user_id = u.id), u.manager_id
		FROM users u WHERE u.org_id = $1 AND u.active`, orgID)
	if err != nil {
		return fmt.Errorf("demo: pulse audience: %w", err)
	}
	for rows.Next() {
		var u int64
		var g groups
		if err := rows.Scan(&u, &g.team, &g.manager); err != nil {
			rows.Close()
			return err
		}
		of[u] = g
		if g.team != nil {
			teams[*g.team]++
		}
		if g.manager != nil {
			managers[*g.manager]++
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	kept := func(u int64) (team, manager *int64) {
		g := of[u]
		if g.team != nil && teams[*g.team] >= 3 {
			team = g.team
		}
		if g.manager != nil && managers[*g.manager] >= 3 {
			manager = g.manager
		}
		return team, manager
	}
	signIns := map[int64]bool{}
	for _, i := range pl.signIns {
		signIns[userIDs[i]] = true
	}
	for round := 1; round <= pulseRounds+1; round++ {
		open := round == pulseRounds+1
		who := slices.Clone(userIDs)
		rng.Shuffle(len(who), func(i, j int) { who[i], who[j] = who[j], who[i] })
		n := min(int(math.Round(float64(len(who))*(0.6+0.2*rng.Float64()))), pulseAnswering)
		if open {
			n = min(2, len(who))
			who = slices.DeleteFunc(who, func(u int64) bool { return signIns[u] })
		}
		lift := 0.12 * float64(round) // things get a little better
		b := &pgx.Batch{}
		for _, u := range who[:n] {
			scores := make([]int16, len(pulseStatements))
			for i := range scores {
				scores[i] = int16(min(5, max(1, math.Round(3.3+lift+rng.NormFloat64()*0.9-0.3*float64(i%2)))))
			}
			enps := int16(min(10, max(0, math.Round(6.8+lift*2+rng.NormFloat64()*2.2))))
			comment := ""
			if rng.IntN(4) == 0 {
				comment = pulseComments[rng.IntN(len(pulseComments))]
			}
			team, manager := kept(u)
			b.Queue(`INSERT INTO pulse_responses (org_id, pulse_id, round_no, scores, enps, comment, team_id, manager_id)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, orgID, id, round, scores, enps, comment, team, manager)
		}
		responders := slices.Clone(who[:n])
		rng.Shuffle(len(responders), func(i, j int) { responders[i], responders[j] = responders[j], responders[i] })
		for _, u := range responders {
			b.Queue(`INSERT INTO pulse_responders (pulse_id, round_no, user_id) VALUES ($1, $2, $3)`, id, round, u)
		}
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return fmt.Errorf("demo: pulse answers: %w", err)
		}
	}
	return nil
}
