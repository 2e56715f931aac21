package server_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"rapport/internal/testapp"
	"rapport/internal/testfx"
)

var teamRow = regexp.MustCompile(`<td><a href="/teams/\d+">([^<]+)</a></td>`)

func teamNames(body string) []string {
	var out []string
	for _, m := range teamRow.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

func TestTeamListIsPagedByNameAndSearchable(t *testing.T) {
	ta := testapp.Start(t, dsn, testapp.Options{})
	org := ta.F.Org(t, "Many teams")
	other := ta.F.Org(t, "Other teams")
	p := ta.F.Person(t, org, testfx.PersonOpts{})
	for i := 1; i <= 53; i++ {
		ta.F.Team(t, org, fmt.Sprintf("Squad %03d", i))
	}
	ta.F.Team(t, org, "Platform")
	ta.F.Team(t, other, "Squad 999 elsewhere")
	c := ta.Client(t)
	c.SignIn(p.Email, testfx.Password)

	r := c.Get("/teams")
	first := teamNames(r.Body)
	if r.Status != 200 || len(first) != 50 || first[0] != "Platform" || first[49] != "Squad 049" {
		t.Fatalf("first screen: %d, %d teams %v", r.Status, len(first), first)
	}
	next := regexp.MustCompile(`href="(/teams\?after=\d+)" rel="next"`).FindStringSubmatch(r.Body)
	if next == nil {
		t.Fatalf("no link to the next teams")
	}
	r = c.Get(next[1])
	second := teamNames(r.Body)
	if strings.Join(second, ",") != "Squad 050,Squad 051,Squad 052,Squad 053" {
		t.Errorf("second screen: %v", second)
	}
	if strings.Contains(r.Body, `rel="next"`) || !strings.Contains(r.Body, "First teams") {
		t.Errorf("the last screen links on, or not back to the first")
	}

	r = c.Get("/teams?q=squad+05")
	if got := strings.Join(teamNames(r.Body), ","); got != "Squad 050,Squad 051,Squad 052,Squad 053" {
		t.Errorf("search: %v", got)
	}
	if !strings.Contains(r.Body, `value="squad 05"`) {
		t.Error("the search box lost what was typed")
	}
	r = c.Get("/teams?q=nothing+like+it")
	if len(teamNames(r.Body)) != 0 || !strings.Contains(r.Body, "No team matches") {
		t.Errorf("empty search: %v", teamNames(r.Body))
	}
	if r := c.Get("/teams?after=abc"); r.Status != 404 {
		t.Errorf("bad cursor: %d", r.Status)
	}
}
