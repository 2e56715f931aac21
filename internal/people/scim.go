package people

import (
	"context"
	"fmt"
	"strings"
	"time"

	"rapport/internal/auth"
	"rapport/internal/core"
)

// ScimTokenPrefix starts every SCIM token, so that a leaked one is easy to
// recognise (and to search for in code and logs).
const ScimTokenPrefix = "rapport_scim_"

// ScimToken is an organisation's provisioning token as admins see it; the
// token itself is shown once, when created, and only its hash is stored.
type ScimToken struct {
	ID         int64
	OrgID      int64
	Name       string
	Prefix     string // the token's first characters, to tell tokens apart
	CreatedAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

// Provisioner is an identity provider acting through one of the
// organisation's SCIM tokens. Everything it does is scoped to OrgID.
type Provisioner struct {
	OrgID     int64
	TokenID   int64
	TokenName string
}

// ProvisionedUser is a person as the identity provider sees them.
type ProvisionedUser struct {
	Person
	ExternalID string
	GivenName  string
	FamilyName string
	UpdatedAt  time.Time
}

// ProvisionedUserInput is the whole state a provider asks a person to have.
// Rapport's own choices (role, password) are not the provider's to make.
type ProvisionedUserInput struct {
	Email      string
	Name       string
	GivenName  string
	FamilyName string
	Title      string
	ExternalID string
	TimeZone   string
	Active     bool
	ManagerID  *int64
}

// Normalize trims the input and fills the name from its parts.
func (in *ProvisionedUserInput) Normalize() {
	in.Email = strings.ToLower(strings.TrimSpace(in.Email))
	in.GivenName = strings.TrimSpace(in.GivenName)
	in.FamilyName = strings.TrimSpace(in.FamilyName)
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" {
		in.Name = strings.TrimSpace(in.GivenName + " " + in.FamilyName)
	}
	in.Title = strings.TrimSpace(in.Title)
	in.ExternalID = strings.TrimSpace(in.ExternalID)
	in.TimeZone = strings.TrimSpace(in.TimeZone)
	if in.TimeZone == "" {
		in.TimeZone = "UTC"
	}
}

// Validate checks the fields that need no database. Field names are the
// SCIM attributes, so a provider's operator can find the culprit.
func (in ProvisionedUserInput) Validate() *core.Validator {
	var v core.Validator
	v.Check(ValidEmail(in.Email), "userName", "userName must be the person's email address, like name@example.com.")
	v.Check(in.Name != "", "name", "Give the person's name (displayName or name.givenName and name.familyName).")
	v.Check(len(in.Name) <= 200, "name", "Keep the name under 200 characters.")
	v.Check(len(in.GivenName) <= 200 && len(in.FamilyName) <= 200, "name", "Keep each part of the name under 200 characters.")
	v.Check(len(in.Title) <= 200, "title", "Keep the title under 200 characters.")
	v.Check(len(in.ExternalID) <= 255, "externalId", "Keep externalId under 255 characters.")
	v.Check(ValidTimeZone(in.TimeZone), "timezone", "timezone must be an IANA time zone such as Europe/Madrid.")
	return &v
}

// ProvisionedGroup is a team as the identity provider sees it.
type ProvisionedGroup struct {
	ID         int64
	OrgID      int64
	Name       string
	ExternalID string
	CreatedAt  time.Time
	UpdatedAt  time.Time
	Members    []Member // ID and Name only
}

// GroupChange is what a provider asks of a team. Nil fields stay as they
// are; Members replaces the whole membership, then Add and Remove change it
// (a member in both ends up removed).
type GroupChange struct {
	Name       *string
	ExternalID *string
	Members    *[]int64
	Add        []int64
	Remove     []int64
}

// ProvisionFilter selects a screen of users or groups; nil criteria match all.
type ProvisionFilter struct {
	Email      *string // users: userName
	Name       *string // groups: displayName
	ExternalID *string
	Offset     int
	Limit      int
	// NoMembers leaves groups' members out (the provider asked for them to
	// be excluded).
	NoMembers bool
}

// ScimStore is persistence for SCIM tokens and provisioning. Every method
// touches only the given organisation's rows.
type ScimStore interface {
	CreateScimToken(ctx context.Context, orgID, actorID int64, name, prefix string, hash []byte) (ScimToken, error)
	ScimTokens(ctx context.Context, orgID int64) ([]ScimToken, error)
	RevokeScimToken(ctx context.Context, orgID, actorID, id int64) error
	// ScimTokenByHash returns a live token and marks it used.
	ScimTokenByHash(ctx context.Context, hash []byte, now time.Time) (ScimToken, error)

	ProvisionedUsers(ctx context.Context, orgID int64, f ProvisionFilter) ([]ProvisionedUser, int, error)
	ProvisionedUser(ctx context.Context, orgID, id int64) (ProvisionedUser, error)
	// ProvisionUser creates (id 0) or changes a person to match in, in one
	// transaction, with an audit entry for each change.
	ProvisionUser(ctx context.Context, p Provisioner, id int64, in ProvisionedUserInput) (ProvisionedUser, bool, error)
	// DeprovisionUser deactivates a person and hides them from SCIM; the
	// person and their history stay.
	DeprovisionUser(ctx context.Context, p Provisioner, id int64) error

	ProvisionedGroups(ctx context.Context, orgID int64, f ProvisionFilter) ([]ProvisionedGroup, int, error)
	ProvisionedGroup(ctx context.Context, orgID, id int64) (ProvisionedGroup, error)
	// ProvisionGroup creates (id 0) or changes a team.
	ProvisionGroup(ctx context.Context, p Provisioner, id int64, ch GroupChange) (ProvisionedGroup, error)
	// DeprovisionGroup empties a team and hides it from SCIM; the team and
	// its history stay.
	DeprovisionGroup(ctx context.Context, p Provisioner, id int64) error
}

// Scim is the provisioning side of the people domain: tokens for admins,
// and the changes an identity provider makes through them.
type Scim struct {
	Store ScimStore
	Clock core.Clock
}

// errScimAuth is the one answer to every token that does not work: no hint
// of whether it ever existed.
var errScimAuth = &core.Error{Code: core.EUNAUTHORIZED, Message: "Authentication required: send a valid SCIM bearer token."}

// CreateToken makes a named token and returns it with the secret, which is
// shown once.
func (s *Scim) CreateToken(ctx context.Context, a core.Actor, name string) (ScimToken, string, error) {
	if err := requireAdmin(a); err != nil {
		return ScimToken{}, "", err
	}
	name = strings.TrimSpace(name)
	var v core.Validator
	v.Check(name != "", "name", "Name the token after the identity provider that will use it, e.g. Okta.")
	v.Check(len(name) <= 100, "name", "Keep the name under 100 characters.")
	if err := v.Err(); err != nil {
		return ScimToken{}, "", err
	}
	secret, shown, hash, err := newSecret(ScimTokenPrefix)
	if err != nil {
		return ScimToken{}, "", err
	}
	t, err := s.Store.CreateScimToken(ctx, a.OrgID, a.UserID, name, shown, hash)
	if err != nil {
		return ScimToken{}, "", err
	}
	return t, secret, nil
}

// Tokens lists the organisation's tokens, live ones first.
func (s *Scim) Tokens(ctx context.Context, a core.Actor) ([]ScimToken, error) {
	if err := requireAdmin(a); err != nil {
		return nil, err
	}
	return s.Store.ScimTokens(ctx, a.OrgID)
}

// RevokeToken stops a token working, at once.
func (s *Scim) RevokeToken(ctx context.Context, a core.Actor, id int64) error {
	if err := requireAdmin(a); err != nil {
		return err
	}
	return s.Store.RevokeScimToken(ctx, a.OrgID, a.UserID, id)
}

// Authenticate returns the provisioner a bearer token belongs to. Unknown,
// malformed and revoked tokens all get the same EUNAUTHORIZED.
func (s *Scim) Authenticate(ctx context.Context, secret string) (Provisioner, error) {
	if !strings.HasPrefix(secret, ScimTokenPrefix) || len(secret) > 200 {
		return Provisioner{}, errScimAuth
	}
	t, err := s.Store.ScimTokenByHash(ctx, auth.HashToken(secret), s.Clock.Now())
	if err != nil {
		if core.ErrorCode(err) == core.ENOTFOUND {
			return Provisioner{}, errScimAuth
		}
		return Provisioner{}, err
	}
	return Provisioner{OrgID: t.OrgID, TokenID: t.ID, TokenName: t.Name}, nil
}

// MaxPage is the most resources one list answer holds.
const MaxPage = 200

func clampFilter(f ProvisionFilter) ProvisionFilter {
	if f.Offset < 0 {
		f.Offset = 0
	}
	if f.Limit < 0 {
		f.Limit = 0
	}
	if f.Limit > MaxPage {
		f.Limit = MaxPage
	}
	return f
}

// Users lists a screen of the organisation's people and how many match.
func (s *Scim) Users(ctx context.Context, p Provisioner, f ProvisionFilter) ([]ProvisionedUser, int, error) {
	return s.Store.ProvisionedUsers(ctx, p.OrgID, clampFilter(f))
}

// User returns one person of the organisation.
func (s *Scim) User(ctx context.Context, p Provisioner, id int64) (ProvisionedUser, error) {
	return s.Store.ProvisionedUser(ctx, p.OrgID, id)
}

// CreateUser adds a person; created is false when an address the provider
// had deleted comes back (the person is reactivated, history intact).
func (s *Scim) CreateUser(ctx context.Context, p Provisioner, in ProvisionedUserInput) (ProvisionedUser, bool, error) {
	in.Normalize()
	if err := s.check(ctx, p, in); err != nil {
		return ProvisionedUser{}, false, err
	}
	return s.Store.ProvisionUser(ctx, p, 0, in)
}

// ReplaceUser gives a person exactly the state in. A manager change goes
// through the reporting tree's cycle check; deactivation ends the person's
// sessions, invitations, reset links and calendar feed in the same
// transaction.
func (s *Scim) ReplaceUser(ctx context.Context, p Provisioner, id int64, in ProvisionedUserInput) (ProvisionedUser, error) {
	if _, err := s.Store.ProvisionedUser(ctx, p.OrgID, id); err != nil {
		return ProvisionedUser{}, err
	}
	in.Normalize()
	if err := s.check(ctx, p, in); err != nil {
		return ProvisionedUser{}, err
	}
	u, _, err := s.Store.ProvisionUser(ctx, p, id, in)
	return u, err
}

// check validates the input and that its manager is a user of the
// organisation; loops in the reporting tree are refused by the store, under
// the organisation's lock.
func (s *Scim) check(ctx context.Context, p Provisioner, in ProvisionedUserInput) error {
	if err := in.Validate().Err(); err != nil {
		return err
	}
	if in.ManagerID == nil {
		return nil
	}
	if _, err := s.Store.ProvisionedUser(ctx, p.OrgID, *in.ManagerID); err != nil {
		if core.ErrorCode(err) == core.ENOTFOUND {
			return &core.Error{Code: core.EINVALID, Message: fmt.Sprintf("manager.value %d is not a user of this organisation.", *in.ManagerID)}
		}
		return err
	}
	return nil
}

// DeleteUser deactivates a person and keeps their data.
func (s *Scim) DeleteUser(ctx context.Context, p Provisioner, id int64) error {
	return s.Store.DeprovisionUser(ctx, p, id)
}

// Groups lists a screen of the organisation's teams.
func (s *Scim) Groups(ctx context.Context, p Provisioner, f ProvisionFilter) ([]ProvisionedGroup, int, error) {
	return s.Store.ProvisionedGroups(ctx, p.OrgID, clampFilter(f))
}

// Group returns one team with its members.
func (s *Scim) Group(ctx context.Context, p Provisioner, id int64) (ProvisionedGroup, error) {
	return s.Store.ProvisionedGroup(ctx, p.OrgID, id)
}

func checkGroupName(name *string) error {
	if name == nil {
		return nil
	}
	*name = strings.TrimSpace(*name)
	var v core.Validator
	v.Check(*name != "", "displayName", "Give the group a displayName.")
	v.Check(len(*name) <= 100, "displayName", "Keep displayName under 100 characters.")
	return v.Err()
}

// CreateGroup adds a team.
func (s *Scim) CreateGroup(ctx context.Context, p Provisioner, ch GroupChange) (ProvisionedGroup, error) {
	if ch.Name == nil {
		ch.Name = new(string)
	}
	if err := checkGroupName(ch.Name); err != nil {
		return ProvisionedGroup{}, err
	}
	return s.Store.ProvisionGroup(ctx, p, 0, ch)
}

// ChangeGroup renames a team or changes its members.
func (s *Scim) ChangeGroup(ctx context.Context, p Provisioner, id int64, ch GroupChange) (ProvisionedGroup, error) {
	if err := checkGroupName(ch.Name); err != nil {
		return ProvisionedGroup{}, err
	}
	return s.Store.ProvisionGroup(ctx, p, id, ch)
}

// DeleteGroup takes everyone off a team and hides it from SCIM; the team
// and its history stay for an admin to keep or delete.
func (s *Scim) DeleteGroup(ctx context.Context, p Provisioner, id int64) error {
	return s.Store.DeprovisionGroup(ctx, p, id)
}
