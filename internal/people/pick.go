package people

import (
	"context"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"rapport/internal/core"
)

// PickLimit is how many matches a picker shows at once: enough to tell two
// namesakes apart, few enough to read aloud.
const PickLimit = 8

// MaxPickQuery bounds the text a search looks for, in characters.
const MaxPickQuery = 100

// Pick is one person or team a picker offers: what anyone in the
// organisation may see of them (the public profile's name, handle, title
// and teams), never their email or role.
type Pick struct {
	ID      int64
	Name    string
	Handle  string // people only: the part of their work email before the @
	Title   string // people only
	Teams   string // people only: their teams' names, comma-separated
	Active  bool   // people only; teams are always true
	Members int64  // teams only: active members
}

// Detail is the quiet line under a match: handle, title and teams for a
// person, the member count for a team.
func (m Pick) Detail() string {
	var parts []string
	if m.Handle != "" {
		parts = append(parts, "@"+m.Handle)
		if m.Title != "" {
			parts = append(parts, m.Title)
		}
		if m.Teams != "" {
			parts = append(parts, m.Teams)
		}
		if !m.Active {
			parts = append(parts, "deactivated")
		}
	} else if m.Members == 1 {
		parts = append(parts, "1 member")
	} else {
		parts = append(parts, strconv.FormatInt(m.Members, 10)+" members")
	}
	return strings.Join(parts, " · ")
}

// PickQuery is a cleaned search: words folded to single spaces, at most
// MaxPickQuery characters, a leading @ dropped (people type handles with it).
type PickQuery struct {
	Text            string
	IncludeInactive bool
	Limit           int
}

// CleanPickText trims the typed text to what a search looks for: a
// leading "@" and control characters dropped, runs of space made one.
func CleanPickText(s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimLeft(s, "@")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	for utf8.RuneCountInString(s) > MaxPickQuery {
		_, n := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-n]
	}
	return strings.TrimSpace(s)
}

// SearchPeople finds people of the actor's organisation by part of their
// name, handle or email, ignoring accents and case. Everyone signed in may
// look anyone up, as they may open anyone's public profile; only admins
// may include deactivated people.
func (s *Service) SearchPeople(ctx context.Context, a core.Actor, text string, includeInactive bool) ([]Pick, error) {
	q := PickQuery{Text: CleanPickText(text), IncludeInactive: includeInactive && a.Role == core.RoleAdmin, Limit: PickLimit}
	if q.Text == "" {
		return nil, nil
	}
	return s.Store.SearchPeople(ctx, a.OrgID, q)
}

// SearchTeams finds teams of the actor's organisation by part of their name.
func (s *Service) SearchTeams(ctx context.Context, a core.Actor, text string) ([]Pick, error) {
	q := PickQuery{Text: CleanPickText(text), Limit: PickLimit}
	if q.Text == "" {
		return nil, nil
	}
	return s.Store.SearchTeams(ctx, a.OrgID, q)
}

// Resolved is what one typed recipient ("@camille", "Camille Lefebvre")
// turned out to be: one person, or the candidates when it is ambiguous
// (none when nobody matches).
type Resolved struct {
	Typed   string
	Person  *Pick
	Matches []Pick
}

// Resolve turns typed names and handles into active people of the actor's
// organisation. A token is settled by, in order: one person whose handle
// ("@camille") or whole name ("Camille Lefebvre", accents and case folded)
// it is; else one person a search for it finds. Otherwise it stays
// unresolved, with the candidates.
func (s *Service) Resolve(ctx context.Context, a core.Actor, tokens []string) ([]Resolved, error) {
	clean := make([]string, len(tokens))
	for i, t := range tokens {
		clean[i] = CleanPickText(t)
	}
	byHandle, byName, err := s.Store.PeopleByHandleOrName(ctx, a.OrgID, clean)
	if err != nil {
		return nil, err
	}
	out := make([]Resolved, len(tokens))
	for i, t := range tokens {
		out[i].Typed = t
		if clean[i] == "" {
			continue
		}
		exact := byName
		if strings.HasPrefix(strings.TrimSpace(t), "@") {
			exact = byHandle
		}
		if m := exact[strings.ToLower(clean[i])]; len(m) > 0 {
			if len(m) == 1 {
				out[i].Person = &m[0]
			} else {
				out[i].Matches = m
			}
			continue
		}
		found, err := s.Store.SearchPeople(ctx, a.OrgID, PickQuery{Text: clean[i], Limit: PickLimit})
		if err != nil {
			return nil, err
		}
		if len(found) == 1 {
			out[i].Person = &found[0]
		} else {
			out[i].Matches = found
		}
	}
	return out, nil
}
