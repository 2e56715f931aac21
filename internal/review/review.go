// Package review holds the competency framework (versioned per
// organisation), review cycles, reviews and the evidence gathered for them.
package review

import (
	"context"
	"time"

	"rapport/internal/core"
	"rapport/internal/oneonone"
)

// Groups of the framework, in display order.
const (
	GroupLeader        = "leader"
	GroupBuildingBlock = "building-block"
)

// GroupLabel names a group for people.
func GroupLabel(g string) string {
	switch g {
	case GroupLeader:
		return "Leader framework"
	case GroupBuildingBlock:
		return "Building blocks"
	}
	return g
}

// Entry is one competency as a framework version words it. CompetencyID is
// the stable identity kudos and observations tag; 0 for one being added.
// A retired entry keeps its wording in the version but is no longer offered
// for tagging, filtering or new reviews.
type Entry struct {
	CompetencyID int64
	Key          string
	Group        string
	Name         string
	Description  string
	Behaviour    string
	Result       string
	LeaderCheck  string
	MicroAction  string
	Position     int
	Retired      bool
}

// Level is one step of the rating scale.
type Level struct {
	Value       int
	Label       string
	Description string
}

// Version identifies one saved state of an organisation's framework.
type Version struct {
	ID, OrgID     int64
	Number        int
	Note          string
	CreatedByName string
	CreatedAt     time.Time
}

// Framework is a version with its entries and scale. Entries are the
// active competencies in order; Retired the ones the organisation stopped
// using, kept so they can be restored with their wording.
type Framework struct {
	Version Version
	Entries []Entry
	Retired []Entry
	Scale   []Level
}

// Entry returns the wording of a competency in this version.
func (f Framework) Entry(competencyID int64) (Entry, bool) {
	for _, e := range f.Entries {
		if e.CompetencyID == competencyID {
			return e, true
		}
	}
	return Entry{}, false
}

// Level returns the scale step with value v.
func (f Framework) Level(v int) (Level, bool) {
	for _, l := range f.Scale {
		if l.Value == v {
			return l, true
		}
	}
	return Level{}, false
}

// Group returns the entries of one group, in order.
func (f Framework) Group(g string) []Entry {
	var out []Entry
	for _, e := range f.Entries {
		if e.Group == g {
			out = append(out, e)
		}
	}
	return out
}

// State is where a review stands.
type State string

// States, in order.
const (
	StateDraft            State = "draft"
	StateSelfSubmitted    State = "self_submitted"
	StateManagerSubmitted State = "manager_submitted"
	StateAcknowledged     State = "acknowledged"
	StateFinalised        State = "finalised"
)

// States lists every state in order.
var States = []State{StateDraft, StateSelfSubmitted, StateManagerSubmitted, StateAcknowledged, StateFinalised}

// Label names a state for people.
func (s State) Label() string {
	switch s {
	case StateDraft:
		return "Not started"
	case StateSelfSubmitted:
		return "Self-assessment in"
	case StateManagerSubmitted:
		return "Manager review in"
	case StateAcknowledged:
		return "Acknowledged"
	case StateFinalised:
		return "Finalised"
	}
	return string(s)
}

// Cycle is a review cycle.
type Cycle struct {
	ID, OrgID           int64
	Name                string
	PeriodStart         time.Time
	PeriodEnd           time.Time // inclusive day
	FrameworkVersionID  int64
	SelfDue, ManagerDue time.Time
	CreatedBy           int64
	CreatedAt           time.Time
	State               string // open | closed
}

// From and Until are the cycle's period as instants, [From, Until).
func (c Cycle) From() time.Time  { return day(c.PeriodStart) }
func (c Cycle) Until() time.Time { return day(c.PeriodEnd).AddDate(0, 0, 1) }

func day(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// CycleSummary is a cycle in a list, with counts over the people the viewer
// may see.
type CycleSummary struct {
	Cycle
	People, Finalised int
}

// Participant is one person's review in a cycle.
type Participant struct {
	CycleID, PersonID  int64
	ManagerID          int64 // the reviewer; 0 if the person had no manager
	PersonName         string
	PersonTitle        string
	ManagerName        string
	TeamName           string
	State              State
	Summary            string
	AckComment         string
	SelfSubmittedAt    *time.Time
	ManagerSubmittedAt *time.Time
	AcknowledgedAt     *time.Time
	FinalisedAt        *time.Time
}

// Rating is the self and manager parts for one competency.
type Rating struct {
	CompetencyID   int64
	SelfRating     int // 0: not rated
	SelfComment    string
	ManagerRating  int
	ManagerComment string
}

// Member is a person who can join a cycle, with their current manager.
type Member struct {
	ID        int64
	ManagerID *int64
}

// CycleInput is the cycle form.
type CycleInput struct {
	Name        string
	PeriodStart string // YYYY-MM-DD
	PeriodEnd   string
	SelfDue     string
	ManagerDue  string
	Scope       string // team | tree | everyone
	TeamID      int64
	RootID      int64
	IdemKey     string // the form's key: a double submit creates one cycle
}

// ParsedCycle is a validated CycleInput.
type ParsedCycle struct {
	Name                                        string
	PeriodStart, PeriodEnd, SelfDue, ManagerDue time.Time
	IdemKey                                     string
}

// RatingInput is one competency of a review form.
type RatingInput struct {
	CompetencyID int64
	Rating       string // as typed; "" for not rated
	Comment      string
}

// Cues are the coaching cues of one person over a period. Each figure is a
// count out of a count, as on the check-in pages.
type Cues struct {
	// Consistency in contact: held 1:1s (capped per series) ÷ expected, as
	// "cadence kept" in docs/metrics.md, over the person's series on either side.
	Contact oneonone.Ratio
	// Timely follow-through: actions the person owns, due in the period and
	// before today, done by the end of their due date.
	FollowThrough oneonone.Ratio
	// Clear communication: held 1:1s with an agenda, shared notes and at
	// least one action, ÷ held 1:1s.
	Communication oneonone.Ratio
	// Proactive maintenance.
	PointsAdded     int // talking points the person added to the period's 1:1s
	CrossTeamKudos  int // kudos given to someone sharing no team with them
	OutsideContacts int // distinct people sharing no team they had contact with
}

// EvidenceKind tells where an evidence item comes from.
type EvidenceKind string

// Evidence kinds.
const (
	KudoReceived EvidenceKind = "kudo_received"
	KudoGiven    EvidenceKind = "kudo_given"
	Observation  EvidenceKind = "observation"
	SharedNote   EvidenceKind = "shared_note"
)

// Label names the kind for people.
func (k EvidenceKind) Label() string {
	switch k {
	case KudoReceived:
		return "Kudos received"
	case KudoGiven:
		return "Kudos given"
	case Observation:
		return "1:1 observation"
	case SharedNote:
		return "Shared 1:1 notes"
	}
	return string(k)
}

// EvidenceItem is one thing behind a rating, with a link to it.
type EvidenceItem struct {
	Kind         EvidenceKind
	CompetencyID int64 // 0 for shared notes, which are not tagged
	At           time.Time
	Text         string
	By           string
	Link         string
}

// Evidence is what the period shows about one person.
type Evidence struct {
	Cues   Cues
	Items  []EvidenceItem
	Counts map[int64]int // competency → items
}

// For returns the items tagged with a competency.
func (e Evidence) For(competencyID int64) []EvidenceItem {
	var out []EvidenceItem
	for _, it := range e.Items {
		if it.CompetencyID == competencyID {
			out = append(out, it)
		}
	}
	return out
}

// Notes returns the shared notes the person agreed to use.
func (e Evidence) Notes() []EvidenceItem { return e.For(0) }

// Notice is an in-app reminder of a step that is due.
type Notice struct {
	CycleID     int64
	CycleName   string
	Kind        string // self | manager
	DueOn       time.Time
	Outstanding int
}

// MyReview is a review the person writes or is the subject of, in an open cycle.
type MyReview struct {
	CycleID    int64
	CycleName  string
	PersonID   int64
	PersonName string
	State      State
	Own        bool
	SelfDue    time.Time
	ManagerDue time.Time
}

// RatingRow is one competency rating of a participant, for distributions.
type RatingRow struct {
	PersonID      int64
	CompetencyID  int64
	SelfRating    int
	ManagerRating int
}

// Store is what the review rules need from storage.
type Store interface {
	// Framework returns a version (0: the latest, seeding version 1 when the
	// organisation has none).
	Framework(ctx context.Context, orgID, versionID int64) (Framework, error)
	FrameworkVersions(ctx context.Context, orgID int64) ([]Version, error)
	// FrameworkVersionByKey is the version a form's key saved (ENOTFOUND: none).
	FrameworkVersionByKey(ctx context.Context, orgID int64, key string) (Version, error)
	// SaveFramework stores a new version and audits framework.edit. Entries
	// hold the active and the retired competencies (Retired set), in order;
	// an entry without a CompetencyID is a competency the organisation adds.
	// The same key again stores nothing and returns the version it stored.
	SaveFramework(ctx context.Context, orgID, actorID int64, note, key string, entries []Entry, scale []Level) (Version, error)

	CreateCycle(ctx context.Context, orgID, actorID int64, p ParsedCycle, versionID int64, people []Member) (int64, error)
	// AddParticipants adds people not yet in the cycle and reports how many were new.
	AddParticipants(ctx context.Context, orgID, actorID, cycleID int64, people []Member) (int, error)
	FindCycle(ctx context.Context, orgID, id int64) (Cycle, error)
	Cycles(ctx context.Context, orgID, viewerID int64, all bool) ([]CycleSummary, error)
	Participants(ctx context.Context, orgID, cycleID, viewerID int64, all bool) ([]Participant, error)
	Participant(ctx context.Context, orgID, cycleID, personID int64) (Participant, error)
	Ratings(ctx context.Context, orgID, cycleID, personID int64) (map[int64]Rating, error)
	CycleRatings(ctx context.Context, orgID, cycleID, viewerID int64, all bool) ([]RatingRow, error)
	// SaveSelf and SaveManager write one side of a review while it is in one
	// of allowed, and move it to next when next is not empty.
	SaveSelf(ctx context.Context, orgID, cycleID, personID int64, ratings []Rating, allowed []State, next State) error
	SaveManager(ctx context.Context, orgID, cycleID, personID int64, summary string, ratings []Rating, allowed []State, next State) error
	// Transition moves a review from one state to another; finalising is audited.
	Transition(ctx context.Context, orgID, actorID, cycleID, personID int64, from, to State, comment string) error

	TeamPeople(ctx context.Context, orgID, teamID int64) ([]Member, error)
	TreePeople(ctx context.Context, orgID, rootID int64) ([]Member, error)
	AllPeople(ctx context.Context, orgID int64) ([]Member, error)
	IsInSubtree(ctx context.Context, orgID, rootID, personID int64) (bool, error)

	CuesForPeople(ctx context.Context, orgID int64, personIDs []int64, from, until time.Time) (map[int64]Cues, error)
	EvidenceItems(ctx context.Context, orgID, viewerID, personID int64, from, until time.Time) ([]EvidenceItem, error)

	// SetEvidenceConsent grants or revokes the use of a meeting's shared
	// notes as evidence; it reports false when reportID is not the meeting's report.
	SetEvidenceConsent(ctx context.Context, orgID, meetingID, reportID int64, grant bool) (bool, error)
	EvidenceConsent(ctx context.Context, orgID, meetingID int64) (bool, error)
	// SetPeriodConsent grants or revokes it for every held 1:1 of the
	// report with shared notes in [from, until); it returns how many changed.
	SetPeriodConsent(ctx context.Context, orgID, reportID int64, from, until time.Time, grant bool) (int, error)
	// PeriodConsent counts the report's held 1:1s with shared notes in
	// [from, until) and how many of them may be evidence.
	PeriodConsent(ctx context.Context, orgID, reportID int64, from, until time.Time) (withNotes, consented int, err error)
	// RecordDueNotices records a notice for each step due in [from, until]
	// that is still outstanding, once per person, cycle and step.
	RecordDueNotices(ctx context.Context, from, until time.Time) (int, error)

	Notices(ctx context.Context, orgID, userID int64) ([]Notice, error)
	ReviewsFor(ctx context.Context, orgID, personID int64) ([]MyReview, error)
}

// Clock is the time source.
type Clock = core.Clock
