// Package people is the domain of organisations, people, the reporting tree,
// teams, invitations and sign-in. It imports only core; storage implements
// the Store interface declared here.
package people

import (
	"context"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"rapport/internal/core"
)

// Org is an organisation: the unit that owns every other row.
type Org struct {
	ID   int64
	Name string
}

// Person is a member of an organisation.
type Person struct {
	ID          int64
	OrgID       int64
	Email       string
	Name        string
	Title       string
	Role        core.Role
	ManagerID   *int64
	ManagerName string
	TimeZone    string
	Active      bool
	HasPassword bool
	CreatedAt   time.Time
	// LeftAt and LeftReason say when a deactivated person left and, if the
	// admin said, why (one of LeavingReasons).
	LeftAt     *time.Time
	LeftReason string
}

// LeavingReasons are the reasons an admin may give when deactivating
// someone, in the order the form offers them; "" says none was given.
var LeavingReasons = []string{"resigned", "let-go", "end-of-contract", "retired", "other"}

// LeavingReasonLabel names a leaving reason for people.
func LeavingReasonLabel(r string) string {
	switch r {
	case "resigned":
		return "Resigned"
	case "let-go":
		return "Let go"
	case "end-of-contract":
		return "End of contract"
	case "retired":
		return "Retired"
	case "other":
		return "Other"
	}
	return "Not given"
}

// PersonInput is what an admin types into the person form.
type PersonInput struct {
	Name      string
	Email     string
	Title     string
	Role      core.Role
	ManagerID *int64
	TimeZone  string
	IdemKey   string // the form's key: a double submit creates one person
}

// Normalize trims the input.
func (in *PersonInput) Normalize() {
	in.Name = strings.TrimSpace(in.Name)
	in.Email = strings.ToLower(strings.TrimSpace(in.Email))
	in.Title = strings.TrimSpace(in.Title)
	in.TimeZone = strings.TrimSpace(in.TimeZone)
	if in.TimeZone == "" {
		in.TimeZone = "UTC"
	}
	if in.Role == "" {
		in.Role = core.RoleEmployee
	}
}

// Validate checks the fields that need no database.
func (in PersonInput) Validate() *core.Validator {
	var v core.Validator
	v.Check(in.Name != "", "name", "Enter the person's name.")
	v.Check(len(in.Name) <= 200, "name", "Keep the name under 200 characters.")
	v.Check(ValidEmail(in.Email), "email", "Enter an email address like name@example.com.")
	v.Check(len(in.Title) <= 200, "title", "Keep the title under 200 characters.")
	v.Check(in.Role.Valid(), "role", "Choose a role.")
	v.Check(ValidTimeZone(in.TimeZone), "time_zone", "Choose a time zone from the list, e.g. Europe/Madrid.")
	return &v
}

// ValidEmail reports whether s is a bare, plausible email address.
func ValidEmail(s string) bool {
	if len(s) < 3 || len(s) > 254 || !utf8.ValidString(s) || strings.ContainsRune(s, utf8.RuneError) {
		return false
	}
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && strings.Contains(s, "@")
}

// ValidTimeZone reports whether tz is an IANA zone name this system knows.
func ValidTimeZone(tz string) bool {
	if tz == "" || tz == "Local" {
		return false
	}
	_, err := core.Location(tz)
	return err == nil
}

// TeamFilter selects a screen of teams.
type TeamFilter struct {
	Query   string // a case-insensitive part of the name
	AfterID int64  // keyset cursor: teams whose name sorts after this team's; 0 from the start
	Limit   int
}

// PeopleFilter selects a screen of people.
type PeopleFilter struct {
	OrgID           int64
	UnderID         *int64 // only people reporting, directly or not, to this person
	Query           string
	IncludeInactive bool
	Offset, Limit   int
	// AfterID, when set, pages by id instead (keyset): people with a larger
	// id, in id order; Query and Offset are not used.
	AfterID *int64
}

// ChartNode is one person on the org chart.
type ChartNode struct {
	ID        int64
	Name      string
	Title     string
	Role      core.Role
	ManagerID *int64
	Reports   []*ChartNode
	// Hidden counts direct reports left out because the chart was cut at
	// its depth limit; the page links to them instead.
	Hidden int
}

// Team is a named group of people.
type Team struct {
	ID          int64
	OrgID       int64
	Name        string
	Description string
	MemberCount int
}

// TeamInput is what an admin types into the team form.
type TeamInput struct {
	Name        string
	Description string
	IdemKey     string // the form's key: a double submit creates one team
}

// Validate checks a team form.
func (in *TeamInput) Validate() *core.Validator {
	in.Name = strings.TrimSpace(in.Name)
	in.Description = strings.TrimSpace(in.Description)
	var v core.Validator
	v.Check(in.Name != "", "name", "Give the team a name.")
	v.Check(len(in.Name) <= 100, "name", "Keep the name under 100 characters.")
	v.Check(len(in.Description) <= 1000, "description", "Keep the description under 1,000 characters.")
	return &v
}

// Member is a person listed on a team.
type Member struct {
	ID     int64
	Name   string
	Title  string
	Role   core.Role
	Active bool
}

// Invitation is a single-use link for a person to set their password.
type Invitation struct {
	ID        int64
	OrgID     int64
	UserID    int64
	Name      string
	Email     string
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    *time.Time
	RevokedAt *time.Time
	Active    bool // the invited person is active
}

// Status describes the invitation for people.
func (i Invitation) Status(now time.Time) string {
	switch {
	case i.UsedAt != nil:
		return "accepted"
	case i.RevokedAt != nil:
		return "revoked"
	case !now.Before(i.ExpiresAt):
		return "expired"
	}
	return "pending"
}

// PasswordReset is a single-use password reset token's row.
type PasswordReset struct {
	ID        int64
	OrgID     int64
	UserID    int64
	ExpiresAt time.Time
	UsedAt    *time.Time
	RevokedAt *time.Time // a newer link was asked for, or another one used
	Active    bool
}

// Credentials is what sign-in needs about an account.
type Credentials struct {
	Person       Person
	PasswordHash string
	OrgName      string
	// PasswordAllowed is false when the organisation enforces single sign-on
	// and the person is not its break-glass admin.
	PasswordAllowed bool
}

// SetupInput is the first-run form: an organisation and its first admin.
type SetupInput struct {
	OrgName  string
	Name     string
	Email    string
	Password string
	TimeZone string
}

// Store is persistence for the people domain. Every method that takes an
// org id touches only that organisation's rows.
type Store interface {
	UserCount(ctx context.Context) (int64, error)
	// CreateOrgWithAdmin creates an organisation and its first admin, but only
	// while the deployment has no users at all (else ECONFLICT).
	CreateOrgWithAdmin(ctx context.Context, orgName string, admin PersonInput, passwordHash string) (Org, Person, error)
	FindOrg(ctx context.Context, orgID int64) (Org, error)

	// FindCredentials returns every account with the address, one per
	// organisation, in organisation name order; none is not an error.
	FindCredentials(ctx context.Context, email string) ([]Credentials, error)
	FindPerson(ctx context.Context, orgID, id int64) (Person, error)
	FindPeople(ctx context.Context, f PeopleFilter) ([]Person, error)
	IsInSubtree(ctx context.Context, orgID, rootID, personID int64) (bool, error)
	// The same IdemKey again returns the person it created, created false.
	CreatePerson(ctx context.Context, orgID, actorID int64, in PersonInput) (p Person, created bool, err error)
	UpdatePerson(ctx context.Context, orgID, actorID, id int64, in PersonInput) (Person, error)
	// SetPersonActive deactivates or reactivates a person. Deactivation ends
	// their sessions, revokes pending invitations and moves their reports to
	// their own manager.
	// reason is the leaving reason of a deactivation ("" for none).
	SetPersonActive(ctx context.Context, orgID, actorID, id int64, active bool, reason string) (Person, error)
	// ErasePerson deactivates and erases a person (docs/privacy.md,
	// "Erasing a person") in one transaction and returns their pseudonym.
	ErasePerson(ctx context.Context, orgID, actorID, id int64) (pseudonym string, err error)
	// PasswordSignInAllowed is false when the person's organisation enforces
	// single sign-on and they are not its break-glass admin.
	PasswordSignInAllowed(ctx context.Context, orgID, id int64) (bool, error)
	OrgChart(ctx context.Context, orgID int64) ([]ChartNode, error)
	DirectReports(ctx context.Context, orgID, managerID int64) ([]Person, error)

	FindTeams(ctx context.Context, orgID int64) ([]Team, error)
	// SearchPeople and SearchTeams find at most q.Limit matches of q.Text,
	// accents and case folded, best first (pick.go).
	SearchPeople(ctx context.Context, orgID int64, q PickQuery) ([]Pick, error)
	SearchTeams(ctx context.Context, orgID int64, q PickQuery) ([]Pick, error)
	// PeopleByHandleOrName maps each lower-cased text to the active people
	// whose handle (byHandle) or whole folded name (byName) it is.
	PeopleByHandleOrName(ctx context.Context, orgID int64, texts []string) (byHandle, byName map[string][]Pick, err error)
	// TeamPage returns a screen of teams in name order.
	TeamPage(ctx context.Context, orgID int64, f TeamFilter) ([]Team, error)
	FindTeam(ctx context.Context, orgID, id int64) (Team, error)
	TeamsFor(ctx context.Context, orgID, personID int64) ([]Team, error)
	CreateTeam(ctx context.Context, orgID, actorID int64, in TeamInput) (Team, error)
	UpdateTeam(ctx context.Context, orgID, actorID, id int64, in TeamInput) (Team, error)
	DeleteTeam(ctx context.Context, orgID, actorID, id int64) error
	TeamMembers(ctx context.Context, orgID, teamID int64) ([]Member, error)
	AddTeamMember(ctx context.Context, orgID, actorID, teamID, personID int64) error
	RemoveTeamMember(ctx context.Context, orgID, actorID, teamID, personID int64) error

	// CreateInvitation revokes the person's pending invitations and stores a new one.
	// The same key again (not "") changes nothing: created is false.
	// The invitation mail (m) is written to the outbox with it.
	CreateInvitation(ctx context.Context, orgID, actorID, personID int64, tokenHash []byte, expires time.Time, key string, m Mail) (inv Invitation, created bool, err error)
	FindInvitationByToken(ctx context.Context, tokenHash []byte) (Invitation, error)
	// AcceptInvitation marks the invitation used and sets the password, once.
	AcceptInvitation(ctx context.Context, inv Invitation, passwordHash string) error
	FindInvitations(ctx context.Context, orgID int64) ([]Invitation, error)
	RevokeInvitation(ctx context.Context, orgID, actorID, id int64) error

	ImportDirectory(ctx context.Context, orgID int64, emails []string) (ImportDirectory, error)
	// ApplyImport creates every row of a valid preview, all or nothing, and
	// an invitation for each person created.
	// Each person's invitation mail (mails, in row order) goes with it.
	ApplyImport(ctx context.Context, orgID, actorID int64, rows []ImportRow, newTeams []string, tokens [][]byte, expires time.Time, mails []Mail) ([]Person, error)
}

// AccountStore is persistence for a person's own account: password resets,
// the password and sessions.
type AccountStore interface {
	// CreatePasswordReset revokes the person's outstanding reset links and
	// stores a new one, and writes m to the outbox unless m.Kind is "". A
	// mail whose IdemKey was used already changes nothing.
	CreatePasswordReset(ctx context.Context, orgID, personID int64, tokenHash []byte, expires time.Time, m Mail) error
	FindPasswordReset(ctx context.Context, tokenHash []byte) (PasswordReset, error)
	// UsePasswordReset marks the reset used, revokes the person's other reset
	// links, sets the password and ends the person's sessions, once; the
	// "password changed" mail goes with it.
	UsePasswordReset(ctx context.Context, pr PasswordReset, passwordHash string) error
	// PasswordHash is an active person's password hash.
	PasswordHash(ctx context.Context, orgID, id int64) (string, error)
	// ChangePassword sets the password, ends every session of the person
	// but keepToken's and writes the "password changed" mail, at once.
	ChangePassword(ctx context.Context, orgID, id int64, passwordHash, keepToken string) error
	// Sessions lists a person's live sessions, newest first.
	Sessions(ctx context.Context, personID int64, currentToken string) ([]Session, error)
	// EndSession ends one of the person's sessions; another's is ENOTFOUND.
	EndSession(ctx context.Context, orgID, personID, sessionID int64) error

	RecordSession(ctx context.Context, token string, personID int64, userAgent string) error
	ForgetSession(ctx context.Context, token string) error
}

// Prefetch carries the signed-in person read together with the session, so
// that a request needs one statement, not two, to know who is asking. The
// session store fills it when the request's context has one.
type Prefetch struct {
	Person Person
	Found  bool
	// Unread counts the person's unread in-app notifications (up to 100).
	Unread int
}

type prefetchKey struct{}

// WithPrefetch returns a context in which the session store may leave the
// session owner's row.
func WithPrefetch(ctx context.Context) (context.Context, *Prefetch) {
	p := &Prefetch{}
	return context.WithValue(ctx, prefetchKey{}, p), p
}

// PrefetchFrom returns the request's prefetch slot, or nil.
func PrefetchFrom(ctx context.Context) *Prefetch {
	p, _ := ctx.Value(prefetchKey{}).(*Prefetch)
	return p
}
