package server_test

import (
	"context"
	"fmt"
	"testing"
)

// BenchmarkKudosPages: the feed, a person's recognition page and the equity
// analytics, on the 10,000-person organisation with its kudos history.
func BenchmarkKudosPages(b *testing.B) {
	dsn, res := seedBigOrg(b)
	ta := startBench(b, dsn)
	var ceo, employee string
	var employeeID int64
	ctx := context.Background()
	if err := ta.Pool.QueryRow(ctx, `SELECT email FROM users WHERE org_id = $1 AND manager_id IS NULL`, res.OrgID).Scan(&ceo); err != nil {
		b.Fatal(err)
	}
	// The person who received the most kudos: the heaviest recognition page.
	if err := ta.Pool.QueryRow(ctx, `SELECT u.id, u.email FROM kudo_recipients r JOIN users u ON u.id = r.user_id
		WHERE r.org_id = $1 GROUP BY u.id, u.email ORDER BY count(*) DESC LIMIT 1`, res.OrgID).Scan(&employeeID, &employee); err != nil {
		b.Fatal(err)
	}
	var kudos int
	ta.Pool.QueryRow(ctx, `SELECT count(*) FROM kudos WHERE org_id = $1`, res.OrgID).Scan(&kudos)
	b.Logf("%d kudos in the organisation", kudos)
	b.Run("feed", func(b *testing.B) { benchPage(b, ta, employee, benchPassword(), "/kudos") })
	b.Run("feed-competency-filter", func(b *testing.B) { benchPage(b, ta, employee, benchPassword(), "/kudos?competency=2&days=90") })
	b.Run("person-page", func(b *testing.B) {
		benchPage(b, ta, employee, benchPassword(), fmt.Sprintf("/people/%d/kudos", employeeID))
	})
	b.Run("equity-leader-10000-90d", func(b *testing.B) { benchPage(b, ta, ceo, benchPassword(), "/recognition/equity?days=90") })
	// The leader with the largest part of the organisation below the top.
	var vp string
	var under int
	if err := ta.Pool.QueryRow(ctx, `SELECT u.email, count(*) FROM reporting_lines l JOIN users u ON u.id = l.ancestor_id
		WHERE l.org_id = $1 AND l.depth > 0 AND u.manager_id IS NOT NULL GROUP BY u.email ORDER BY count(*) DESC, u.email LIMIT 1`, res.OrgID).Scan(&vp, &under); err != nil {
		b.Fatal(err)
	}
	b.Run(fmt.Sprintf("equity-leader-%d-90d", under), func(b *testing.B) { benchPage(b, ta, vp, benchPassword(), "/recognition/equity?days=90") })
}
