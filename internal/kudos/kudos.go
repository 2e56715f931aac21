// Package kudos is the domain of recognition: kudos with their recipients,
// competencies and visibility, reactions and comments, the feed, and the
// equity figures. It imports only core.
package kudos

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"rapport/internal/core"
)

// Visibility is who may see a kudo.
type Visibility string

// Visibilities.
const (
	VisOrg        Visibility = "org"        // everyone in the organisation
	VisTeam       Visibility = "team"       // a team, the author and the recipients
	VisRecipients Visibility = "recipients" // the author, the recipients and their managers
)

// Valid reports whether v is known.
func (v Visibility) Valid() bool { return v == VisOrg || v == VisTeam || v == VisRecipients }

// Label describes the audience.
func (v Visibility) Label() string {
	switch v {
	case VisOrg:
		return "Everyone"
	case VisTeam:
		return "Team"
	case VisRecipients:
		return "Recipients and their managers"
	}
	return string(v)
}

// Reaction kinds: a small fixed set.
var Reactions = []struct{ Key, Emoji, Label string }{
	{"clap", "👏", "Applause"},
	{"heart", "❤️", "Love it"},
	{"bulb", "💡", "Learned something"},
	{"rocket", "🚀", "Big impact"},
	{"smile", "😄", "Made my day"},
}

// ValidReaction reports whether key is one of Reactions.
func ValidReaction(key string) bool {
	for _, r := range Reactions {
		if r.Key == key {
			return true
		}
	}
	return false
}

// Limits.
const (
	MinPartLen   = 10 // characters in each of "what they did" and "what it changed"
	MaxPartLen   = 2000
	MaxComment   = 1000
	EditWindow   = 15 * time.Minute
	FeedPageSize = 50
)

// Named is an id with a name (a recipient, a competency).
type Named struct {
	ID   int64
	Name string
}

// ReactionCount is one emoji's count on a kudo.
type ReactionCount struct {
	Key, Emoji, Label string
	N                 int
	Mine              bool
}

// Kudo is a recognition message.
type Kudo struct {
	ID           int64
	AuthorID     int64
	AuthorName   string
	Did          string
	Impact       string
	Visibility   Visibility
	TeamID       *int64
	TeamName     string
	CreatedAt    time.Time
	EditedAt     *time.Time
	Recipients   []Named
	Competencies []Named
	Reactions    []ReactionCount // every kind, in Reactions order
	Comments     int
}

// Editable reports whether the author may still edit it.
func (k Kudo) Editable(viewer int64, now time.Time) bool {
	return k.AuthorID == viewer && now.Sub(k.CreatedAt) < EditWindow
}

// Comment is a reply on a kudo.
type Comment struct {
	ID         int64
	AuthorID   int64
	AuthorName string
	Body       string
	CreatedAt  time.Time
}

// Input is the kudo form.
type Input struct {
	RecipientIDs  []int64
	Did, Impact   string
	CompetencyIDs []int64
	Visibility    Visibility
	TeamID        *int64
	IdemKey       string // a random key from the form: one kudo per form
	// ImpactUntold: the author has not said what it changed yet (a card
	// of a retro's Kudos column); Impact stays empty until they edit it.
	ImpactUntold bool
}

// normalize trims and de-duplicates.
func (in *Input) normalize() {
	in.Did = strings.TrimSpace(in.Did)
	in.Impact = strings.TrimSpace(in.Impact)
	in.RecipientIDs = dedupe(in.RecipientIDs)
	in.CompetencyIDs = dedupe(in.CompetencyIDs)
	if in.Visibility == "" {
		in.Visibility = VisOrg
	}
	if in.Visibility != VisTeam {
		in.TeamID = nil
	}
}

func dedupe(ids []int64) []int64 {
	seen := map[int64]bool{}
	out := ids[:0:0]
	for _, id := range ids {
		if id > 0 && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// validate checks what needs no database.
func (in *Input) validate(author int64) *core.Validator {
	var v core.Validator
	v.Check(len(in.RecipientIDs) > 0, "recipients", "Choose who you're recognising.")
	v.Check(len(in.RecipientIDs) <= 20, "recipients", "Recognise at most 20 people in one kudo.")
	for _, id := range in.RecipientIDs {
		v.Check(id != author, "recipients", "Kudos are for others — recognise a colleague instead of yourself.")
	}
	n := utf8.RuneCountInString(in.Did)
	v.Check(n >= MinPartLen, "did", "Say what they did, in a sentence or two (at least 10 characters).")
	v.Check(n <= MaxPartLen, "did", "Keep it under 2,000 characters.")
	n = utf8.RuneCountInString(in.Impact)
	v.Check(n >= MinPartLen || (in.ImpactUntold && n == 0), "impact", "Say what it changed — for you, the team or a customer (at least 10 characters).")
	v.Check(n <= MaxPartLen, "impact", "Keep it under 2,000 characters.")
	v.Check(in.Visibility.Valid(), "visibility", "Choose who can see it.")
	v.Check(in.Visibility != VisTeam || in.TeamID != nil, "team_id", "Choose the team that can see it.")
	v.Check(len(in.CompetencyIDs) <= 4, "competencies", "Tag at most 4 competencies.")
	v.Check(in.IdemKey != "" && len(in.IdemKey) <= 64, "did", "The form expired. Copy your text and reload the page.")
	return &v
}

// Filter selects a screen of the feed.
type Filter struct {
	PersonID     *int64 // given or received
	RecipientID  *int64
	GiverID      *int64
	TeamID       *int64
	CompetencyID *int64
	Since        time.Time
	// Keyset cursor: items strictly older than (BeforeAt, BeforeID).
	BeforeAt time.Time
	BeforeID int64
	Limit    int
}

// Store is persistence for kudos; every method filters by what the viewer
// may see.
type Store interface {
	CreateKudo(ctx context.Context, orgID, authorID int64, in Input) (int64, error)
	UpdateKudo(ctx context.Context, orgID, authorID, id int64, in Input) error
	DeleteKudo(ctx context.Context, orgID, authorID, id int64) error
	FindKudo(ctx context.Context, orgID, viewerID, id int64) (Kudo, error)
	Feed(ctx context.Context, orgID, viewerID int64, f Filter) ([]Kudo, error)
	// FeedRows is Feed without the kudos' details (recipients, competencies,
	// reactions, comment counts), which FillDetails adds.
	FeedRows(ctx context.Context, orgID, viewerID int64, f Filter) ([]Kudo, error)
	FillDetails(ctx context.Context, orgID, viewerID int64, ks []Kudo) error
	Comments(ctx context.Context, orgID, kudoID int64) ([]Comment, error)
	AddComment(ctx context.Context, orgID, kudoID, authorID int64, body, key string) error
	ToggleReaction(ctx context.Context, orgID, kudoID, userID int64, key string) error
	// SetReaction adds (on) or removes a reaction; either again changes nothing.
	SetReaction(ctx context.Context, orgID, kudoID, userID int64, key string, on bool) error
	Counts(ctx context.Context, orgID, viewerID, personID int64) (received, given int, byCompetency []CompetencyCount, err error)
	// ActivePeople returns the active people of the org among ids.
	ActivePeople(ctx context.Context, orgID int64, ids []int64) ([]Named, error)
	PeopleByHandles(ctx context.Context, orgID int64, handles []string) (map[string]Named, error)
	// Handles returns the @handle of each person, by id.
	Handles(ctx context.Context, orgID int64, ids []int64) (map[int64]string, error)
	TeamIDsOf(ctx context.Context, orgID, personID int64) ([]int64, error)
	// CompetencyIDs lists the competencies a kudo may be tagged with now:
	// the active ones of the organisation's current framework version.
	CompetencyIDs(ctx context.Context, orgID int64) (map[int64]string, error)

	CreateRitual(ctx context.Context, orgID, teamID, actorID int64, in RitualInput, startsOn time.Time) (int64, error)
	FindRitual(ctx context.Context, orgID, id int64) (Ritual, error)
	RitualsForTeam(ctx context.Context, orgID, teamID int64) ([]Ritual, error)
	DeleteRitual(ctx context.Context, orgID, id int64) error
	IsTeamMember(ctx context.Context, orgID, personID, teamID int64) (bool, error)

	// EquityMembers lists the active people under rootID (everyone when nil).
	EquityMembers(ctx context.Context, orgID int64, rootID *int64) ([]Member, error)
	// EquityEdges lists the recognitions the viewer may see to or from the
	// members in the window (EdgeWindow says where times may be rounded to
	// the day).
	EquityEdges(ctx context.Context, orgID, viewerID int64, members []int64, w EdgeWindow) ([]Edge, error)
}

// CompetencyCount is a person's kudos for one competency.
type CompetencyCount struct {
	ID              int64
	Name            string
	Received, Given int
}
