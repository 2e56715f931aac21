// Package retro is the domain of team retrospectives: templates and columns,
// phases, cards (optionally anonymous), groups, votes, discussion notes and
// the actions a retro produces. It imports only core.
package retro

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"rapport/internal/core"
)

// Topic is the live-update topic of a retro's room.
func Topic(id int64) string { return "retro:" + strconv.FormatInt(id, 10) }

// Phase is where a retro stands.
type Phase string

// Phases, in the order a retro moves through them.
const (
	PhaseOpenActions Phase = "open_actions"
	PhaseReflect     Phase = "reflect"
	PhaseGroup       Phase = "group"
	PhaseVote        Phase = "vote"
	PhaseDiscuss     Phase = "discuss"
	PhaseActions     Phase = "actions"
	PhaseDone        Phase = "done"
)

// Phases lists every phase in order.
var Phases = []Phase{PhaseOpenActions, PhaseReflect, PhaseGroup, PhaseVote, PhaseDiscuss, PhaseActions, PhaseDone}

// Index is the phase's position in Phases, or -1.
func (p Phase) Index() int {
	for i, q := range Phases {
		if q == p {
			return i
		}
	}
	return -1
}

// Label is the phase's name for people.
func (p Phase) Label() string {
	switch p {
	case PhaseOpenActions:
		return "Open actions"
	case PhaseReflect:
		return "Reflect"
	case PhaseGroup:
		return "Group"
	case PhaseVote:
		return "Vote"
	case PhaseDiscuss:
		return "Discuss"
	case PhaseActions:
		return "Actions"
	case PhaseDone:
		return "Done"
	}
	return string(p)
}

// Hint tells the room what to do in the phase.
func (p Phase) Hint() string {
	switch p {
	case PhaseOpenActions:
		return "Start with what we promised last time: mark each open action done, keep it, or drop it."
	case PhaseReflect:
		return "Write your cards. They stay private until the facilitator moves on; others see only how many there are."
	case PhaseGroup:
		return "Cards are revealed. Put cards that say the same thing into a named group."
	case PhaseVote:
		return "Spend your votes on the topics worth talking about. Totals stay hidden until voting ends."
	case PhaseDiscuss:
		return "Talk through the topics with the most votes first and note what you learn."
	case PhaseActions:
		return "Agree a few actions, each with one owner and a due date."
	case PhaseDone:
		return "This retro is closed. Its actions come back at the start of the team's next retro."
	}
	return ""
}

// Template is a starting set of columns.
type Template struct {
	Key, Name string
	Columns   []string
}

// Templates offered on the new-retro form; "custom" takes typed columns.
var Templates = []Template{
	{"ssc", "Start / Stop / Continue", []string{"Start", "Stop", "Continue"}},
	{"msg", "Mad / Sad / Glad", []string{"Mad", "Sad", "Glad"}},
	{"4ls", "4Ls: Liked / Learned / Lacked / Longed for", []string{"Liked", "Learned", "Lacked", "Longed for"}},
	{"wwti", "Went well / To improve", []string{"Went well", "To improve"}},
	{"custom", "Custom columns", nil},
}

// TemplateByKey finds a template.
func TemplateByKey(key string) (Template, bool) {
	for _, t := range Templates {
		if t.Key == key {
			return t, true
		}
	}
	return Template{}, false
}

// Limits.
const (
	MaxCard       = 2000
	MaxNote       = 2000
	MaxAction     = 500
	MaxGroupName  = 120
	MaxTitle      = 120
	MaxColumns    = 6
	MaxColumnName = 60
	KudosColumn   = "Kudos"
)

// Input is the new-retro form.
type Input struct {
	Title           string
	Template        string
	CustomColumns   string // one per line
	Anonymous       bool
	VotesPerPerson  int
	MaxVotesPerCard int
	Kudos           bool
	TimeboxMinutes  int    // 0: no time box
	IdemKey         string // the form's key: a double submit creates one retro
}

// Columns are the column titles the input asks for, the kudos column last.
func (in Input) Columns() []string {
	var cols []string
	if t, ok := TemplateByKey(in.Template); ok && t.Key != "custom" {
		cols = append(cols, t.Columns...)
	} else {
		for _, line := range strings.Split(in.CustomColumns, "\n") {
			if line = strings.TrimSpace(line); line != "" {
				cols = append(cols, line)
			}
		}
	}
	return cols
}

// Validate checks the form.
func (in *Input) Validate() *core.Validator {
	in.Title = strings.TrimSpace(in.Title)
	var v core.Validator
	v.Check(in.Title != "", "title", "Give the retro a name, e.g. “Sprint 14 retro”.")
	v.Check(utf8.RuneCountInString(in.Title) <= MaxTitle, "title", "Keep the name under 120 characters.")
	_, ok := TemplateByKey(in.Template)
	v.Check(ok, "template", "Choose a template.")
	cols := in.Columns()
	if in.Template == "custom" {
		v.Check(len(cols) >= 1, "custom_columns", "Type at least one column, one per line.")
		v.Check(len(cols) <= MaxColumns, "custom_columns", "Use at most 6 columns.")
		for _, c := range cols {
			v.Check(utf8.RuneCountInString(c) <= MaxColumnName, "custom_columns", "Keep each column name under 60 characters.")
			v.Check(!strings.EqualFold(c, KudosColumn), "custom_columns", "Use the Kudos option instead of a column named Kudos.")
		}
	}
	v.Check(in.VotesPerPerson >= 1 && in.VotesPerPerson <= 20, "votes_per_person", "Choose between 1 and 20 votes per person.")
	v.Check(in.MaxVotesPerCard >= 1 && in.MaxVotesPerCard <= 20, "max_votes_per_card", "Choose between 1 and 20 votes per card.")
	v.Check(in.TimeboxMinutes >= 0 && in.TimeboxMinutes <= 240, "timebox_minutes", "Choose up to 240 minutes, or leave it empty.")
	// A kudo names its author, which an anonymous retro must never do.
	v.Check(!(in.Anonymous && in.Kudos), "kudos", "Anonymous retros have no Kudos column: a kudo always shows who gave it.")
	return &v
}

// Retro is one retrospective.
type Retro struct {
	ID              int64
	OrgID           int64
	TeamID          int64
	TeamName        string
	Title           string
	Template        string
	Anonymous       bool
	VotesPerPerson  int
	MaxVotesPerCard int
	TimeboxMinutes  int
	Phase           Phase
	PhaseStartedAt  time.Time
	CreatedAt       time.Time
	ClosedAt        *time.Time
}

// PhaseEndsAt is when the phase's time box runs out, if it has one.
func (r Retro) PhaseEndsAt() (time.Time, bool) {
	if r.TimeboxMinutes <= 0 || r.Phase == PhaseDone {
		return time.Time{}, false
	}
	return r.PhaseStartedAt.Add(time.Duration(r.TimeboxMinutes) * time.Minute), true
}

// Column is one column of the board.
type Column struct {
	ID       int64
	Position int
	Title    string
	Kudos    bool
}

// Card is a card as a viewer may see it: Author is empty for anonymous
// cards, and Mine is set only for the viewer's own cards.
type Card struct {
	ID             int64
	ColumnID       int64
	GroupID        *int64
	Body           string
	AuthorName     string
	Mine           bool
	KudoVisibility string
}

// Group is a named set of cards.
type Group struct {
	ID   int64
	Name string
}

// Note is a discussion note on a topic.
type Note struct {
	ID      int64
	CardID  *int64
	GroupID *int64
	Body    string
}

// ActionStatus is where an action stands.
type ActionStatus string

// Action statuses.
const (
	ActionOpen    ActionStatus = "open"
	ActionDone    ActionStatus = "done"
	ActionDropped ActionStatus = "dropped"
)

// Action is something the team agreed to do.
type Action struct {
	ID         int64
	RetroID    int64
	RetroTitle string
	TeamID     int64
	TeamName   string
	Body       string
	OwnerID    int64
	OwnerName  string
	DueOn      time.Time
	Status     ActionStatus
	DoneAt     *time.Time
	Reviewed   bool // reviewed in the retro being looked at
	CreatedAt  time.Time
}

// Overdue reports whether an open action is past its due date.
func (a Action) Overdue(now time.Time) bool {
	return a.Status == ActionOpen && now.After(a.DueOn.AddDate(0, 0, 1))
}

// ActionInput is the new-action form.
type ActionInput struct {
	Body    string
	OwnerID int64
	DueOn   string // YYYY-MM-DD
	IdemKey string
}

// Vote is one vote as the store keeps it, without the voter.
type VoteTally struct {
	CardID  *int64
	GroupID *int64
	N       int
}

// TopicRef names what a vote or a note is about: a group or a single card.
type TopicRef struct {
	CardID  *int64
	GroupID *int64
}

// ParseTopic reads "c123" (a card) or "g45" (a group).
func ParseTopic(s string) (TopicRef, bool) {
	if len(s) < 2 {
		return TopicRef{}, false
	}
	id, err := strconv.ParseInt(s[1:], 10, 64)
	if err != nil || id <= 0 {
		return TopicRef{}, false
	}
	switch s[0] {
	case 'c':
		return TopicRef{CardID: &id}, true
	case 'g':
		return TopicRef{GroupID: &id}, true
	}
	return TopicRef{}, false
}

// Key is the topic's form value.
func (t TopicRef) Key() string {
	if t.GroupID != nil {
		return "g" + strconv.FormatInt(*t.GroupID, 10)
	}
	if t.CardID != nil {
		return "c" + strconv.FormatInt(*t.CardID, 10)
	}
	return ""
}

// Member is a team member who may own an action.
type Member struct {
	ID   int64
	Name string
}

// Access is what a viewer may do with a team's retros.
type Access struct {
	Member      bool // takes part: writes cards, votes
	Facilitator bool // moves phases, reviews actions
	Chain       bool // a manager or leader above a member: reads summaries and actions
}

// CanSee reports whether the viewer may open the team's retros at all.
func (a Access) CanSee() bool { return a.Member || a.Facilitator || a.Chain }

// Quarter is one quarter's action follow-through.
type Quarter struct {
	Label     string // "2026 Q1"
	Due       int    // actions due in the quarter (not dropped)
	DoneOnDue int    // of those, done by their due date
}

// Rate is the follow-through in percent, or -1 when nothing was due.
func (q Quarter) Rate() int {
	if q.Due == 0 {
		return -1
	}
	return (q.DoneOnDue*100 + q.Due/2) / q.Due
}
