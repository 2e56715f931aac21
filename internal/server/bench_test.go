package server_test

import (
	"fmt"
	"testing"

	"rapport/internal/core"
	"rapport/internal/testapp"
	"rapport/internal/testfx"
)

// BenchmarkAuthenticatedPage measures a signed-in page end to end inside the
// process: session load from Postgres, the actor's row, the page's query and
// the templ render (no network, no TLS).
func BenchmarkAuthenticatedPage(b *testing.B) {
	ta := testapp.Start(b, dsn, testapp.Options{})
	org := ta.F.Org(b, "Bench")
	adm := ta.F.Person(b, org, testfx.PersonOpts{Role: core.RoleAdmin})
	var members []int64
	for i := 0; i < 12; i++ {
		members = append(members, ta.F.Person(b, org, testfx.PersonOpts{ManagerID: adm.ID}).ID)
	}
	for i := 0; i < 20; i++ {
		ta.F.Team(b, org, fmt.Sprintf("Team %02d", i), members[:i%12+1]...)
	}

	for _, path := range []string{"/teams", fmt.Sprintf("/people/%d", members[0]), "/people"} {
		b.Run(path, func(b *testing.B) {
			benchPage(b, ta, adm.Email, testfx.Password, path)
		})
	}
}
