package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
)

// retroTeams is how many teams run retros in a demo organisation.
const retroTeams = 6

// retroEvery is the demo teams' retro cadence.
const retroEvery = 14 * 24 * time.Hour

// retroTemplates are the demo retros' templates, in rotation.
var retroTemplates = []struct {
	key     string
	columns []string
}{
	{"ssc", []string{"Start", "Stop", "Continue"}},
	{"wwti", []string{"Went well", "To improve"}},
	{"msg", []string{"Mad", "Sad", "Glad"}},
	{"4ls", []string{"Liked", "Learned", "Lacked", "Longed for"}},
}

// Cards by the mood of their column: what went well, what didn't, what to try.
var (
	retroGood = []string{
		"Pairing on the tricky migration meant nobody was stuck alone",
		"Demo day felt like a celebration, not a status report",
		"The new on-call handover notes saved a night of guessing",
		"Design joined planning early and we cut a week of rework",
		"Reviews came back within a day almost every time",
		"Customer calls gave us the real reason behind the bug",
		"Shout-outs in stand-up made the small wins visible",
	}
	retroBad = []string{
		"Too many meetings on Tuesdays; no time to focus",
		"Releases on Friday afternoons keep biting us",
		"Requirements changed mid-sprint without a heads-up",
		"Flaky tests cost us hours of re-runs",
		"We said yes to everything and finished little",
		"Hand-offs to support were unclear",
		"The same two people answered every question",
	}
	retroTry = []string{
		"Rotate the stand-up host every week",
		"Write the decision down before the meeting ends",
		"Keep one meeting-free afternoon a week",
		"Pair a newcomer with a different teammate each sprint",
		"Release on Tuesday mornings",
		"Share what we learned from each incident in five lines",
	}
	retroActionsText = []string{
		"Move the release window to Tuesday mornings",
		"Set up a rotation for the stand-up host",
		"Quarantine the three flakiest tests and fix one a week",
		"Write a one-page hand-off checklist for support",
		"Block Thursday afternoons for focus time",
		"Invite design to sprint planning",
		"Summarise each incident in the team channel within a day",
		"Agree a 'no new scope after Wednesday' rule",
	}
	retroNotesText = []string{
		"Most of us felt this; the cause is how we plan, not who does the work.",
		"Worth trying for two sprints, then look again.",
		"Support agrees; they'll join the next review.",
	}
)

func retroCard(rng *rand.Rand, column string) string {
	switch column {
	case "Went well", "Glad", "Liked", "Continue", "Learned":
		return retroGood[rng.IntN(len(retroGood))]
	case "Start", "Longed for":
		return retroTry[rng.IntN(len(retroTry))]
	}
	return retroBad[rng.IntN(len(retroBad))]
}

// facilitatorOf is a team member who manages another member, else the first.
func facilitatorOf(pl *plan, t team) int {
	in := map[int]bool{}
	for _, m := range t.members {
		in[m] = true
	}
	for _, m := range t.members {
		if mgr := pl.people[m].manager; mgr >= 0 && in[mgr] {
			return mgr
		}
	}
	return t.members[0]
}

// writeRetros gives a few teams a year of fortnightly retros: cards (every
// third retro anonymous), votes, notes and actions in every state — done on
// time, done late, dropped, open and overdue — and the newest retro of the
// first team still open, in Reflect. Rows are sent with COPY.
func writeRetros(ctx context.Context, tx pgx.Tx, opts Options, pl *plan, orgID int64, userIDs, teamIDs []int64) (int, error) {
	rng := rand.New(rand.NewPCG(uint64(opts.Seed), 0x7265747265747472))
	now := opts.Now.UTC()
	// The demo manager's own team comes first, so whoever signs in as the
	// manager finds a retro under way on their team.
	var chosen []int
	for pass := 0; pass < 2; pass++ {
		for i, t := range pl.teams {
			if len(t.members) < 3 || len(chosen) >= retroTeams || slices.Contains(chosen, i) {
				continue
			}
			if pass == 0 && !slices.Contains(t.members, pl.signIns[2]) {
				continue
			}
			chosen = append(chosen, i)
		}
	}
	if len(chosen) == 0 {
		return 0, nil
	}
	per := 26
	total := len(chosen) * per
	var retroIDs, colIDs []int64
	err := tx.QueryRow(ctx, `SELECT
		ARRAY(SELECT nextval(pg_get_serial_sequence('retros', 'id')) FROM generate_series(1, $1::int) ORDER BY 1),
		ARRAY(SELECT nextval(pg_get_serial_sequence('retro_columns', 'id')) FROM generate_series(1, $2::int) ORDER BY 1)`,
		total, total*4).Scan(&retroIDs, &colIDs)
	if err != nil {
		return 0, fmt.Errorf("demo: reserve retro ids: %w", err)
	}
	var retros, cols, cards, votes, notes, actions [][]any
	ri, ci := 0, 0
	var cardIDs []int64
	type pending struct {
		retro, card int64
		members     []int64
	}
	var voteOn []pending
	for _, ti := range chosen {
		t := pl.teams[ti]
		fac := userIDs[facilitatorOf(pl, t)]
		members := make([]int64, len(t.members))
		for i, m := range t.members {
			members[i] = userIDs[m]
		}
		for k := per - 1; k >= 0; k-- {
			id := retroIDs[ri]
			ri++
			at := now.Add(-time.Duration(k)*retroEvery - 3*24*time.Hour)
			tpl := retroTemplates[(k+ti)%len(retroTemplates)]
			anon := k%3 == 1
			phase := "done"
			var closed any = at.Add(time.Hour)
			if k == 0 && ti == chosen[0] {
				phase, closed = "reflect", nil
			}
			title := fmt.Sprintf("Sprint %d retro", 40-k)
			retros = append(retros, []any{id, orgID, teamIDs[ti], title, tpl.key, anon, phase, at, fac, at, closed})
			var myCols []int64
			for p, c := range tpl.columns {
				cid := colIDs[ci]
				ci++
				myCols = append(myCols, cid)
				cols = append(cols, []any{cid, orgID, id, p, c})
			}
			n := 4 + rng.IntN(4)
			for j := 0; j < n; j++ {
				cp := rng.IntN(len(myCols))
				body := retroCard(rng, tpl.columns[cp])
				row := []any{orgID, id, myCols[cp], int64(j + 1), body, nil, nil, nil, nil}
				if anon {
					nonce, tag := make([]byte, 16), make([]byte, 32)
					for b := range nonce {
						nonce[b] = byte(rng.IntN(256))
					}
					for b := range tag {
						tag[b] = byte(rng.IntN(256))
					}
					row[6], row[7] = nonce, tag
				} else {
					row[5] = members[rng.IntN(len(members))]
					row[8] = at.Add(time.Duration(j) * time.Minute)
				}
				cards = append(cards, row)
				if phase == "done" && j < 3 {
					voteOn = append(voteOn, pending{retro: id, card: int64(len(cards) - 1), members: members})
				}
			}
			if phase != "done" {
				continue
			}
			for a := 0; a < 2; a++ {
				owner := members[rng.IntN(len(members))]
				due := at.AddDate(0, 0, 14)
				status, doneAt := "open", any(nil)
				if due.Before(now) {
					switch r := rng.IntN(20); {
					case r < 12:
						status, doneAt = "done", due.Add(-time.Duration(1+rng.IntN(5*24))*time.Hour)
					case r < 15:
						status, doneAt = "done", due.Add(time.Duration(1+rng.IntN(7*24))*time.Hour)
					case r < 17:
						status = "dropped"
					}
				}
				actions = append(actions, []any{orgID, id, teamIDs[ti], retroActionsText[rng.IntN(len(retroActionsText))], owner,
					time.Date(due.Year(), due.Month(), due.Day(), 0, 0, 0, 0, time.UTC), status, doneAt})
			}
		}
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"retros"},
		[]string{"id", "org_id", "team_id", "title", "template", "anonymous", "phase", "phase_started_at", "created_by", "created_at", "closed_at"},
		pgx.CopyFromRows(retros)); err != nil {
		return 0, fmt.Errorf("demo: insert retros: %w", err)
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"retro_columns"}, []string{"id", "org_id", "retro_id", "position", "title"},
		pgx.CopyFromRows(cols)); err != nil {
		return 0, fmt.Errorf("demo: insert retro columns: %w", err)
	}
	// Cards get their ids from the table, in order, so votes and notes can
	// refer to them.
	err = tx.QueryRow(ctx, `SELECT ARRAY(SELECT nextval(pg_get_serial_sequence('retro_cards', 'id')) FROM generate_series(1, $1::int) ORDER BY 1)`,
		len(cards)).Scan(&cardIDs)
	if err != nil {
		return 0, fmt.Errorf("demo: reserve card ids: %w", err)
	}
	for i := range cards {
		cards[i] = append([]any{cardIDs[i]}, cards[i]...)
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"retro_cards"},
		[]string{"id", "org_id", "retro_id", "column_id", "position", "body", "author_id", "author_nonce", "author_tag", "created_at"},
		pgx.CopyFromRows(cards)); err != nil {
		return 0, fmt.Errorf("demo: insert retro cards: %w", err)
	}
	for i, v := range voteOn {
		card := cardIDs[v.card]
		for j, m := range v.members {
			if (i+j)%2 == 0 {
				votes = append(votes, []any{orgID, v.retro, m, card, fmt.Sprintf("demo-%d-%d", card, j)})
			}
		}
		if i%3 == 0 {
			notes = append(notes, []any{orgID, v.retro, card, retroNotesText[i%len(retroNotesText)]})
		}
	}
	for _, cp := range []struct {
		table   string
		columns []string
		rows    [][]any
	}{
		{"retro_votes", []string{"org_id", "retro_id", "voter_id", "card_id", "idem_key"}, votes},
		{"retro_notes", []string{"org_id", "retro_id", "card_id", "body"}, notes},
		{"retro_actions", []string{"org_id", "retro_id", "team_id", "body", "owner_id", "due_on", "status", "done_at"}, actions},
	} {
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{cp.table}, cp.columns, pgx.CopyFromRows(cp.rows)); err != nil {
			return 0, fmt.Errorf("demo: insert %s: %w", cp.table, err)
		}
	}
	return len(retros), nil
}
