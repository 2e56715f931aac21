package testfx

import (
	"context"
	"testing"
)

// RetroOpts describe a retro; zero values get defaults.
type RetroOpts struct {
	Title     string
	Phase     string // default "reflect"
	Anonymous bool
	Kudos     bool // add a Kudos column
}

// Retro creates a Start/Stop/Continue retro for a team and returns its id
// and its columns' ids in order.
func (f Factory) Retro(t testing.TB, orgID, teamID int64, o RetroOpts) (int64, []int64) {
	t.Helper()
	ctx := context.Background()
	if o.Title == "" {
		o.Title = "Sprint retro"
	}
	if o.Phase == "" {
		o.Phase = "reflect"
	}
	var id int64
	err := f.Pool.QueryRow(ctx, `INSERT INTO retros (org_id, team_id, title, template, anonymous, phase)
		VALUES ($1, $2, $3, 'ssc', $4, $5) RETURNING id`, orgID, teamID, o.Title, o.Anonymous, o.Phase).Scan(&id)
	if err != nil {
		t.Fatalf("create retro: %v", err)
	}
	cols := []string{"Start", "Stop", "Continue"}
	if o.Kudos {
		cols = append(cols, "Kudos")
	}
	var ids []int64
	for i, c := range cols {
		var cid int64
		if err := f.Pool.QueryRow(ctx, `INSERT INTO retro_columns (org_id, retro_id, position, title, kudos)
			VALUES ($1, $2, $3, $4, $5) RETURNING id`, orgID, id, i, c, c == "Kudos").Scan(&cid); err != nil {
			t.Fatalf("create column: %v", err)
		}
		ids = append(ids, cid)
	}
	return id, ids
}

// RetroCard adds a named card by author to a column.
func (f Factory) RetroCard(t testing.TB, orgID, retroID, columnID, authorID int64, body string) int64 {
	t.Helper()
	var id int64
	err := f.Pool.QueryRow(context.Background(), `INSERT INTO retro_cards (org_id, retro_id, column_id, position, body, author_id, created_at)
		VALUES ($1, $2, $3, (SELECT coalesce(max(position), 0) + 1 FROM retro_cards WHERE retro_id = $2), $4, $5, now()) RETURNING id`,
		orgID, retroID, columnID, body, authorID).Scan(&id)
	if err != nil {
		t.Fatalf("create card: %v", err)
	}
	return id
}

// RetroAction adds an open action of a retro, owned by ownerID, due on due (YYYY-MM-DD).
func (f Factory) RetroAction(t testing.TB, orgID, retroID, ownerID int64, body, due string) int64 {
	t.Helper()
	var id int64
	err := f.Pool.QueryRow(context.Background(), `INSERT INTO retro_actions (org_id, retro_id, team_id, body, owner_id, due_on)
		SELECT $1, $2, r.team_id, $3, $4, $5 FROM retros r WHERE r.id = $2 RETURNING id`, orgID, retroID, body, ownerID, due).Scan(&id)
	if err != nil {
		t.Fatalf("create retro action: %v", err)
	}
	return id
}
