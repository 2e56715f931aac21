package postgres

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"rapport/internal/people"
	"rapport/internal/postgres/dbq"
)

// trigramMin is the shortest word the trigram indexes can look up; a
// search whose words are all shorter matches name prefixes instead.
const trigramMin = 3

// pickWords escapes LIKE wildcards in a cleaned search (people.CleanPickText)
// and returns it with its longest word, the one the trigram index answers.
func pickWords(text string) (q, first string) {
	words := strings.Fields(text)
	for i, w := range words {
		words[i] = likeEscape(w)
		if utf8.RuneCountInString(w) > utf8.RuneCountInString(first) {
			first = words[i]
		}
	}
	return strings.Join(words, " "), first
}

// SearchPeople finds people by part of their name, handle or email.
func (s *PeopleStore) SearchPeople(ctx context.Context, orgID int64, pq people.PickQuery) ([]people.Pick, error) {
	q, first := pickWords(pq.Text)
	if first == "" {
		return nil, nil
	}
	var rows []dbq.PeopleSearchRow
	var err error
	if longestWord(pq.Text) < trigramMin {
		var short []dbq.PeopleSearchPrefixRow
		short, err = s.q.PeopleSearchPrefix(ctx, s.pool, dbq.PeopleSearchPrefixParams{OrgID: orgID, IncludeInactive: pq.IncludeInactive,
			Q: strings.Fields(pq.Text)[0], Pattern: prefixPattern(pq.Text), RowLimit: int32(pq.Limit)})
		for _, r := range short {
			rows = append(rows, dbq.PeopleSearchRow(r))
		}
	} else {
		rows, err = s.q.PeopleSearch(ctx, s.pool, dbq.PeopleSearchParams{OrgID: orgID, IncludeInactive: pq.IncludeInactive,
			First: first, Q: q, RowLimit: int32(pq.Limit)})
	}
	if err != nil {
		return nil, fmt.Errorf("search people: %w", err)
	}
	out := make([]people.Pick, len(rows))
	for i, r := range rows {
		out[i] = people.Pick{ID: r.ID, Name: r.Name, Handle: r.Handle, Title: r.Title, Teams: r.Teams, Active: r.Active}
	}
	return out, nil
}

// SearchTeams finds teams by part of their name.
func (s *PeopleStore) SearchTeams(ctx context.Context, orgID int64, pq people.PickQuery) ([]people.Pick, error) {
	q, first := pickWords(pq.Text)
	if first == "" {
		return nil, nil
	}
	var rows []dbq.TeamsSearchRow
	var err error
	if longestWord(pq.Text) < trigramMin {
		var short []dbq.TeamsSearchPrefixRow
		short, err = s.q.TeamsSearchPrefix(ctx, s.pool, dbq.TeamsSearchPrefixParams{OrgID: orgID, Q: strings.Fields(pq.Text)[0], Pattern: prefixPattern(pq.Text), RowLimit: int32(pq.Limit)})
		for _, r := range short {
			rows = append(rows, dbq.TeamsSearchRow(r))
		}
	} else {
		rows, err = s.q.TeamsSearch(ctx, s.pool, dbq.TeamsSearchParams{OrgID: orgID, First: first, Q: q, RowLimit: int32(pq.Limit)})
	}
	if err != nil {
		return nil, fmt.Errorf("search teams: %w", err)
	}
	out := make([]people.Pick, len(rows))
	for i, r := range rows {
		out[i] = people.Pick{ID: r.ID, Name: r.Name, Active: true, Members: r.MemberCount}
	}
	return out, nil
}

// PeopleByHandleOrName finds the active people each text names exactly.
func (s *PeopleStore) PeopleByHandleOrName(ctx context.Context, orgID int64, texts []string) (byHandle, byName map[string][]people.Pick, err error) {
	byHandle, byName = map[string][]people.Pick{}, map[string][]people.Pick{}
	if len(texts) == 0 {
		return byHandle, byName, nil
	}
	rows, err := s.q.PeopleByHandleOrName(ctx, s.pool, dbq.PeopleByHandleOrNameParams{OrgID: orgID, Texts: texts})
	if err != nil {
		return nil, nil, fmt.Errorf("people by handle or name: %w", err)
	}
	for _, r := range rows {
		out := byName
		if r.ByHandle {
			out = byHandle
		}
		if dupPick(out[r.Typed], r.ID) {
			continue // the same text typed twice
		}
		out[r.Typed] = append(out[r.Typed], people.Pick{ID: r.ID, Name: r.Name, Handle: r.Handle, Title: r.Title, Active: true})
	}
	return byHandle, byName, nil
}

// prefixPattern is the LIKE pattern of a short search: the first word
// starts the name, each other word starts a later word ("ca m" → "ca% m%").
func prefixPattern(text string) string {
	words := strings.Fields(text)
	for i, w := range words {
		words[i] = likeEscape(w) + "%"
	}
	return strings.Join(words, " ")
}

func longestWord(text string) int {
	n := 0
	for _, w := range strings.Fields(text) {
		n = max(n, utf8.RuneCountInString(w))
	}
	return n
}

func dupPick(ps []people.Pick, id int64) bool {
	for _, p := range ps {
		if p.ID == id {
			return true
		}
	}
	return false
}
