package people

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"rapport/internal/auth"
	"rapport/internal/core"
)

// Service applies the people domain's rules: who may see and change whom.
type Service struct {
	Store    Store
	Accounts AccountStore
	// Tokens keeps people's personal access tokens for the API.
	Tokens         TokenStore
	Clock          core.Clock
	Log            *slog.Logger
	HashParams     auth.Params
	InvitationTTL  time.Duration
	PasswordResetT time.Duration
	// Resets queues password-reset requests, to be handled off the request
	// path by PasswordResetRequested.
	Resets ResetQueue
}

// ResetQueue queues a password-reset request for an address.
type ResetQueue interface {
	EnqueuePasswordReset(ctx context.Context, email string) error
}

// NewService returns a Service with sensible defaults.
func NewService(store Store, accounts AccountStore, clock core.Clock, log *slog.Logger) *Service {
	return &Service{
		Store: store, Accounts: accounts, Clock: clock, Log: log,
		HashParams:     auth.DefaultParams,
		InvitationTTL:  7 * 24 * time.Hour,
		PasswordResetT: time.Hour,
	}
}

// ErrBadCredentials is the one message for every failed sign-in, whatever the reason.
var ErrBadCredentials = &core.Error{Code: core.EUNAUTHORIZED, Message: "That email and password don't match an active account."}

// NeedsSetup reports whether the deployment has no users yet.
func (s *Service) NeedsSetup(ctx context.Context) (bool, error) {
	n, err := s.Store.UserCount(ctx)
	if err != nil {
		return false, fmt.Errorf("count users: %w", err)
	}
	return n == 0, nil
}

// Setup creates the first organisation and its admin.
func (s *Service) Setup(ctx context.Context, in SetupInput) (Person, error) {
	in.OrgName = strings.TrimSpace(in.OrgName)
	p := PersonInput{Name: in.Name, Email: in.Email, Role: core.RoleAdmin, TimeZone: in.TimeZone}
	p.Normalize()
	v := p.Validate()
	v.Check(in.OrgName != "", "org_name", "Enter your organisation's name.")
	v.Check(len(in.OrgName) <= 200, "org_name", "Keep the name under 200 characters.")
	checkPassword(v, in.Password)
	if err := v.Err(); err != nil {
		return Person{}, err
	}
	hash, err := auth.HashPassword(in.Password, s.HashParams)
	if err != nil {
		return Person{}, err
	}
	_, admin, err := s.Store.CreateOrgWithAdmin(ctx, in.OrgName, p, hash)
	return admin, err
}

func checkPassword(v *core.Validator, pw string) {
	v.Check(len([]rune(pw)) >= auth.MinPasswordLength, "password",
		fmt.Sprintf("Use at least %d characters.", auth.MinPasswordLength))
	v.Check(len(pw) <= 256, "password", "Use at most 256 characters.")
}

// Authenticate checks an email and password against every account with that
// address (one per organisation) and returns the active ones whose password
// matches, in organisation name order: one to sign in as, or several to
// choose from. An address with no account still costs one password check.
func (s *Service) Authenticate(ctx context.Context, email, password string) ([]SignInChoice, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	var creds []Credentials
	if ValidEmail(email) {
		var err error
		if creds, err = s.Store.FindCredentials(ctx, email); err != nil {
			return nil, err
		}
	}
	if len(creds) == 0 {
		auth.CheckPasswordOrDummyWith(password, "", s.HashParams)
		return nil, ErrBadCredentials
	}
	var out []SignInChoice
	ssoOnly := false
	for _, c := range creds {
		if auth.CheckPasswordOrDummyWith(password, c.PasswordHash, s.HashParams) && c.Person.Active {
			if !c.PasswordAllowed {
				ssoOnly = true
				continue
			}
			out = append(out, SignInChoice{Person: c.Person, OrgName: c.OrgName})
		}
	}
	if len(out) == 0 {
		if ssoOnly {
			return nil, ErrSSOOnly
		}
		return nil, ErrBadCredentials
	}
	return out, nil
}

// ErrSSOOnly refuses a password (even the right one) of a person whose
// organisation enforces single sign-on.
var ErrSSOOnly = &core.Error{Code: core.EUNAUTHORIZED, Message: "Your organisation signs in with single sign-on, not passwords. Continue with single sign-on below, with your work email."}

// ErrNoPasswords refuses to set a password nobody could sign in with.
var ErrNoPasswords = &core.Error{Code: core.EFORBIDDEN, Message: "Your organisation signs in with single sign-on, so there is no password to set. Sign in with your organisation's provider instead."}

// checkPasswordAllowed refuses setting a password (and so signing in with
// it) for a person whose organisation enforces single sign-on.
func (s *Service) checkPasswordAllowed(ctx context.Context, orgID, personID int64) error {
	ok, err := s.Store.PasswordSignInAllowed(ctx, orgID, personID)
	if err != nil {
		return err
	}
	if !ok {
		return ErrNoPasswords
	}
	return nil
}

// SignInChoice is an account a password matched, and its organisation's name.
type SignInChoice struct {
	Person  Person
	OrgName string
}

// ActorFor loads the signed-in person for a session; inactive people get EUNAUTHORIZED.
func (s *Service) ActorFor(ctx context.Context, orgID, personID int64) (core.Actor, error) {
	a, _, err := s.SignedIn(ctx, orgID, personID)
	return a, err
}

// SignedIn is ActorFor that also returns the person's whole row, so a page
// about the signed-in person need not read it again.
func (s *Service) SignedIn(ctx context.Context, orgID, personID int64) (core.Actor, Person, error) {
	p, err := s.Store.FindPerson(ctx, orgID, personID)
	if err != nil {
		return core.Actor{}, Person{}, err
	}
	return s.SignedInAs(p)
}

// SignedInAs is SignedIn for a person row already read (with the session).
func (s *Service) SignedInAs(p Person) (core.Actor, Person, error) {
	if !p.Active {
		return core.Actor{}, Person{}, &core.Error{Code: core.EUNAUTHORIZED, Message: "Your account is no longer active."}
	}
	return core.Actor{UserID: p.ID, OrgID: p.OrgID, Role: p.Role, Name: p.Name, Email: p.Email}, p, nil
}

// CanSee reports whether the actor may see the person's profile: admins see
// everyone in their organisation, leaders and managers their reporting tree,
// everyone themselves.
func (s *Service) CanSee(ctx context.Context, a core.Actor, personID int64) (bool, error) {
	if a.UserID == personID || a.Role == core.RoleAdmin {
		return true, nil
	}
	if a.Is(core.RoleLeader, core.RoleManager) {
		return s.Store.IsInSubtree(ctx, a.OrgID, a.UserID, personID)
	}
	return false, nil
}

// Person returns a person the actor may see.
func (s *Service) Person(ctx context.Context, a core.Actor, id int64) (Person, error) {
	p, err := s.Store.FindPerson(ctx, a.OrgID, id)
	if err != nil {
		return Person{}, err
	}
	ok, err := s.CanSee(ctx, a, id)
	if err != nil {
		return Person{}, err
	}
	if !ok {
		return Person{}, core.Forbidden()
	}
	return p, nil
}

// Profile returns anyone in the actor's organisation, and whether the actor
// may see their full page (CanSee); everyone else gets the public profile.
// A person of another organisation is not found.
func (s *Service) Profile(ctx context.Context, a core.Actor, id int64) (Person, bool, error) {
	p, err := s.Store.FindPerson(ctx, a.OrgID, id)
	if err != nil {
		return Person{}, false, err
	}
	full, err := s.CanSee(ctx, a, id)
	if err != nil {
		return Person{}, false, err
	}
	return p, full, nil
}

// People lists the people the actor may see: everyone for admins, the
// reporting tree for leaders and managers.
func (s *Service) People(ctx context.Context, a core.Actor, f PeopleFilter) ([]Person, error) {
	f.OrgID = a.OrgID
	switch a.Role {
	case core.RoleAdmin:
	case core.RoleLeader, core.RoleManager:
		id := a.UserID
		f.UnderID = &id
	default:
		return nil, core.Forbidden()
	}
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	return s.Store.FindPeople(ctx, f)
}

func requireAdmin(a core.Actor) error {
	if a.Role != core.RoleAdmin {
		return core.Forbidden()
	}
	return nil
}

// CreatePerson adds a person and returns them with an invitation link token.
// The same form submitted again returns the person it created and no token:
// the first answer shows the link.
func (s *Service) CreatePerson(ctx context.Context, a core.Actor, in PersonInput) (Person, string, error) {
	if err := requireAdmin(a); err != nil {
		return Person{}, "", err
	}
	in.Normalize()
	if err := in.Validate().Err(); err != nil {
		return Person{}, "", err
	}
	p, created, err := s.Store.CreatePerson(ctx, a.OrgID, a.UserID, in)
	if err != nil || !created {
		return p, "", err
	}
	token, err := s.invite(ctx, a, p.ID, "")
	return p, token, err
}

// UpdatePerson changes a person's details, role and manager.
func (s *Service) UpdatePerson(ctx context.Context, a core.Actor, id int64, in PersonInput) (Person, error) {
	if err := requireAdmin(a); err != nil {
		return Person{}, err
	}
	in.Normalize()
	v := in.Validate()
	v.Check(in.ManagerID == nil || *in.ManagerID != id, "manager_id", "A person can't be their own manager.")
	if id == a.UserID {
		v.Check(in.Role == core.RoleAdmin, "role", "You can't remove your own admin role.")
	}
	if err := v.Err(); err != nil {
		return Person{}, err
	}
	return s.Store.UpdatePerson(ctx, a.OrgID, a.UserID, id, in)
}

// SetActive deactivates or reactivates a person; reason is the optional
// leaving reason of a deactivation (one of LeavingReasons, or "").
func (s *Service) SetActive(ctx context.Context, a core.Actor, id int64, active bool, reason string) (Person, error) {
	if err := requireAdmin(a); err != nil {
		return Person{}, err
	}
	if id == a.UserID && !active {
		return Person{}, core.Errorf(core.EINVALID, "You can't deactivate yourself.")
	}
	if active {
		p, err := s.Store.FindPerson(ctx, a.OrgID, id)
		if err != nil {
			return Person{}, err
		}
		if p.Erased() {
			return Person{}, core.Errorf(core.EINVALID, "%s was erased and can't come back.", p.Name)
		}
	}
	if active || (reason != "" && !slices.Contains(LeavingReasons, reason)) {
		if !active {
			return Person{}, core.Errorf(core.EINVALID, "Choose a leaving reason from the list, or none.")
		}
		reason = ""
	}
	return s.Store.SetPersonActive(ctx, a.OrgID, a.UserID, id, active, reason)
}

// ErasedDomain is the email domain of erased people's pseudonymous addresses.
const ErasedDomain = "erased.invalid"

// Erased reports whether the person was erased already.
func (p Person) Erased() bool { return strings.HasSuffix(p.Email, "@"+ErasedDomain) }

// Erase erases a person for good (docs/privacy.md, "Erasing a person"):
// admins only, never themselves, and only when typedName is the person's
// name, so nobody erases the wrong one by a slip. It returns the pseudonym.
func (s *Service) Erase(ctx context.Context, a core.Actor, id int64, typedName string) (string, error) {
	if err := requireAdmin(a); err != nil {
		return "", err
	}
	p, err := s.Store.FindPerson(ctx, a.OrgID, id)
	if err != nil {
		return "", err
	}
	if id == a.UserID {
		return "", core.Errorf(core.EINVALID, "You can't erase yourself.")
	}
	if p.Erased() {
		return "", core.Errorf(core.EINVALID, "%s was erased already.", p.Name)
	}
	if strings.TrimSpace(typedName) != p.Name {
		return "", &core.Error{Code: core.EINVALID, Message: "Type the person's name to confirm.",
			Fields: map[string]string{"name": "Type " + p.Name + " exactly as shown."}}
	}
	return s.Store.ErasePerson(ctx, a.OrgID, a.UserID, id)
}

// Invite creates a fresh invitation link token for a person. key is the
// form's key: submitted again, it changes nothing and returns no token.
func (s *Service) Invite(ctx context.Context, a core.Actor, personID int64, key string) (string, error) {
	if err := requireAdmin(a); err != nil {
		return "", err
	}
	p, err := s.Store.FindPerson(ctx, a.OrgID, personID)
	if err != nil {
		return "", err
	}
	if !p.Active {
		return "", core.Errorf(core.EINVALID, "Reactivate %s before inviting them.", p.Name)
	}
	return s.invite(ctx, a, personID, key)
}

func (s *Service) invite(ctx context.Context, a core.Actor, personID int64, key string) (string, error) {
	token, hash, err := auth.NewToken()
	if err != nil {
		return "", err
	}
	expires := s.Clock.Now().Add(s.InvitationTTL)
	_, created, err := s.Store.CreateInvitation(ctx, a.OrgID, a.UserID, personID, hash, expires, key,
		Mail{Kind: MailInvitation, Token: token, ExpiresAt: expires, ByID: a.UserID})
	if err != nil || !created {
		return "", err
	}
	return token, nil
}

var errLinkInvalid = &core.Error{Code: core.ENOTFOUND, Message: "This link is invalid or has expired. Ask your admin for a new one."}

// InvitationForToken returns the pending invitation a link points to.
func (s *Service) InvitationForToken(ctx context.Context, token string) (Invitation, error) {
	inv, err := s.Store.FindInvitationByToken(ctx, auth.HashToken(token))
	if err != nil {
		if core.ErrorCode(err) == core.ENOTFOUND {
			return Invitation{}, errLinkInvalid
		}
		return Invitation{}, err
	}
	if inv.Status(s.Clock.Now()) != "pending" || !inv.Active {
		return Invitation{}, errLinkInvalid
	}
	return inv, nil
}

// AcceptInvitation sets the invited person's password and returns them.
func (s *Service) AcceptInvitation(ctx context.Context, token, password, confirm string) (Person, error) {
	inv, err := s.InvitationForToken(ctx, token)
	if err != nil {
		return Person{}, err
	}
	if err := s.checkPasswordAllowed(ctx, inv.OrgID, inv.UserID); err != nil {
		return Person{}, err
	}
	var v core.Validator
	checkPassword(&v, password)
	v.Check(password == confirm, "confirm", "The two passwords don't match.")
	if err := v.Err(); err != nil {
		return Person{}, err
	}
	hash, err := auth.HashPassword(password, s.HashParams)
	if err != nil {
		return Person{}, err
	}
	if err := s.Store.AcceptInvitation(ctx, inv, hash); err != nil {
		return Person{}, err
	}
	return s.Store.FindPerson(ctx, inv.OrgID, inv.UserID)
}

// Invitations lists the organisation's invitations.
func (s *Service) Invitations(ctx context.Context, a core.Actor) ([]Invitation, error) {
	if err := requireAdmin(a); err != nil {
		return nil, err
	}
	return s.Store.FindInvitations(ctx, a.OrgID)
}

// RevokeInvitation makes a pending invitation unusable.
func (s *Service) RevokeInvitation(ctx context.Context, a core.Actor, id int64) error {
	if err := requireAdmin(a); err != nil {
		return err
	}
	return s.Store.RevokeInvitation(ctx, a.OrgID, a.UserID, id)
}

var errResetEmail = &core.Error{Code: core.EINVALID, Message: "Please correct the highlighted fields.",
	Fields: map[string]string{"email": "Enter an email address like name@example.com."}}

// RequestPasswordReset queues a reset request for an address. It does the
// same work whether or not an account uses the address, so neither its
// answer nor its timing tells which accounts exist: the account is looked
// up later, by PasswordResetRequested.
func (s *Service) RequestPasswordReset(ctx context.Context, email string) error {
	email = strings.ToLower(strings.TrimSpace(email))
	if !ValidEmail(email) {
		return errResetEmail
	}
	if s.Resets == nil {
		return fmt.Errorf("password reset: no queue")
	}
	return s.Resets.EnqueuePasswordReset(ctx, email)
}

// PasswordResetRequested handles a queued reset request: every active
// account with the address gets a one-hour link by email (the outbox),
// written in the transaction that stores the link; each new link ends the
// person's older ones. An address without an active account gets nothing,
// and the requester, who was answered before this ran, learns nothing.
func (s *Service) PasswordResetRequested(ctx context.Context, email string) error {
	email = strings.ToLower(strings.TrimSpace(email))
	creds, err := s.Store.FindCredentials(ctx, email)
	if err != nil {
		return err
	}
	n := 0
	for _, c := range creds {
		if !c.Person.Active {
			continue
		}
		n++
		token, hash, err := auth.NewToken()
		if err != nil {
			return err
		}
		expires := s.Clock.Now().Add(s.PasswordResetT)
		if err := s.Accounts.CreatePasswordReset(ctx, c.Person.OrgID, c.Person.ID, hash, expires,
			Mail{Kind: MailPasswordReset, Token: token, ExpiresAt: expires}); err != nil {
			return err
		}
		s.Log.Info("password reset link sent", "org_id", c.Person.OrgID, "person_id", c.Person.ID)
	}
	if n == 0 {
		s.Log.Info("password reset requested for an address without an active account")
	}
	return nil
}

// IssuePasswordReset makes a reset link token for the active account at
// email, in the organisation named orgName (any case) when the address is
// used in several; for an operator to pass on. Every other outstanding link
// of that person stops working.
func (s *Service) IssuePasswordReset(ctx context.Context, email, orgName string) (Person, string, error) {
	p, err := s.operatorFind(ctx, email, orgName)
	if err != nil {
		return Person{}, "", err
	}
	if !p.Active {
		return Person{}, "", core.Errorf(core.EINVALID, "%s is deactivated; reactivate them first.", p.Name)
	}
	token, hash, err := auth.NewToken()
	if err != nil {
		return Person{}, "", err
	}
	// The operator passes this link on: no mail.
	if err := s.Accounts.CreatePasswordReset(ctx, p.OrgID, p.ID, hash, s.Clock.Now().Add(s.PasswordResetT), Mail{}); err != nil {
		return Person{}, "", err
	}
	return p, token, nil
}

// operatorFind finds the one account with the address, in the named
// organisation when the address is used in several, for the operator's
// commands.
func (s *Service) operatorFind(ctx context.Context, email, orgName string) (Person, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	orgName = strings.TrimSpace(orgName)
	if !ValidEmail(email) {
		return Person{}, errResetEmail
	}
	creds, err := s.Store.FindCredentials(ctx, email)
	if err != nil {
		return Person{}, err
	}
	var found []Credentials
	var orgs []string
	for _, c := range creds {
		if orgName == "" || strings.EqualFold(c.OrgName, orgName) {
			found = append(found, c)
			orgs = append(orgs, c.OrgName)
		}
	}
	switch {
	case len(found) == 0:
		return Person{}, core.NotFound("Account")
	case len(found) > 1:
		return Person{}, core.Errorf(core.EINVALID, "%s is used in %d organisations (%s); name one.", email, len(found), strings.Join(orgs, ", "))
	}
	return found[0].Person, nil
}

// FindForOperator is the account an operator's command names by address
// (and organisation, when the address is used in several).
func (s *Service) FindForOperator(ctx context.Context, email, orgName string) (Person, error) {
	return s.operatorFind(ctx, email, orgName)
}

// EraseForOperator erases a person the operator named by address, as an
// admin's erasure does (Erase), with no admin as the actor in the audit
// log. It returns the pseudonym.
func (s *Service) EraseForOperator(ctx context.Context, p Person) (string, error) {
	if p.Erased() {
		return "", core.Errorf(core.EINVALID, "%s was erased already.", p.Name)
	}
	return s.Store.ErasePerson(ctx, p.OrgID, 0, p.ID)
}

// CheckPasswordReset reports whether a reset link is usable.
func (s *Service) CheckPasswordReset(ctx context.Context, token string) (PasswordReset, error) {
	pr, err := s.Accounts.FindPasswordReset(ctx, auth.HashToken(token))
	if err != nil {
		if core.ErrorCode(err) == core.ENOTFOUND {
			return PasswordReset{}, errLinkInvalid
		}
		return PasswordReset{}, err
	}
	if pr.UsedAt != nil || pr.RevokedAt != nil || !s.Clock.Now().Before(pr.ExpiresAt) || !pr.Active {
		return PasswordReset{}, errLinkInvalid
	}
	return pr, nil
}

// ResetPassword sets a new password through a reset link.
func (s *Service) ResetPassword(ctx context.Context, token, password, confirm string) (Person, error) {
	pr, err := s.CheckPasswordReset(ctx, token)
	if err != nil {
		return Person{}, err
	}
	if err := s.checkPasswordAllowed(ctx, pr.OrgID, pr.UserID); err != nil {
		return Person{}, err
	}
	var v core.Validator
	checkPassword(&v, password)
	v.Check(password == confirm, "confirm", "The two passwords don't match.")
	if err := v.Err(); err != nil {
		return Person{}, err
	}
	hash, err := auth.HashPassword(password, s.HashParams)
	if err != nil {
		return Person{}, err
	}
	if err := s.Accounts.UsePasswordReset(ctx, pr, hash); err != nil {
		return Person{}, err
	}
	return s.Store.FindPerson(ctx, pr.OrgID, pr.UserID)
}

// ChartDepth is how many levels of the org chart one page shows.
const ChartDepth = 4

// Chart is one page of the org chart.
type Chart struct {
	Roots     []*ChartNode
	Ancestors []ChartNode // from the top down to the root's manager, when a root is chosen
	Total     int         // active people in the organisation
}

// OrgChart returns the reporting tree from rootID (or from the top when
// rootID is 0), cut after depth levels so large organisations stay readable.
func (s *Service) OrgChart(ctx context.Context, a core.Actor, rootID int64, depth int) (Chart, error) {
	nodes, err := s.Store.OrgChart(ctx, a.OrgID)
	if err != nil {
		return Chart{}, err
	}
	forest := BuildForest(nodes)
	ch := Chart{Roots: forest, Total: len(nodes)}
	if rootID != 0 {
		byID := make(map[int64]ChartNode, len(nodes))
		for _, n := range nodes {
			byID[n.ID] = n
		}
		root := findNode(forest, rootID)
		if root == nil {
			return Chart{}, core.NotFound("Person")
		}
		ch.Roots = []*ChartNode{root}
		for m := root.ManagerID; m != nil; {
			n, ok := byID[*m]
			if !ok || len(ch.Ancestors) > len(nodes) {
				break
			}
			ch.Ancestors = append([]ChartNode{n}, ch.Ancestors...)
			m = n.ManagerID
		}
	}
	for _, r := range ch.Roots {
		cut(r, depth)
	}
	return ch, nil
}

func findNode(nodes []*ChartNode, id int64) *ChartNode {
	for _, n := range nodes {
		if n.ID == id {
			return n
		}
		if f := findNode(n.Reports, id); f != nil {
			return f
		}
	}
	return nil
}

// cut keeps depth levels under n (n itself is level 1).
func cut(n *ChartNode, depth int) {
	if depth <= 1 {
		n.Hidden = len(n.Reports)
		n.Reports = nil
		return
	}
	for _, c := range n.Reports {
		cut(c, depth-1)
	}
}

// BuildForest links flat chart rows into trees. People whose manager is not
// in the list (e.g. inactive) become roots, so nobody disappears.
func BuildForest(rows []ChartNode) []*ChartNode {
	byID := make(map[int64]*ChartNode, len(rows))
	nodes := make([]*ChartNode, len(rows))
	for i := range rows {
		n := rows[i]
		n.Reports = nil
		nodes[i] = &n
		byID[n.ID] = &n
	}
	var roots []*ChartNode
	for _, n := range nodes {
		if n.ManagerID != nil {
			if m, ok := byID[*n.ManagerID]; ok {
				m.Reports = append(m.Reports, n)
				continue
			}
		}
		roots = append(roots, n)
	}
	return roots
}

// Teams lists the organisation's teams; every member of the organisation may.
func (s *Service) Teams(ctx context.Context, a core.Actor) ([]Team, error) {
	return s.Store.FindTeams(ctx, a.OrgID)
}

// TeamPage returns a screen of the organisation's teams: Limit rows, at
// most 201 (a screen of 200 and the row that says more follow), 50 when
// unset.
func (s *Service) TeamPage(ctx context.Context, a core.Actor, f TeamFilter) ([]Team, error) {
	f.Query = strings.TrimSpace(f.Query)
	if f.Limit <= 0 || f.Limit > 201 {
		f.Limit = 50
	}
	return s.Store.TeamPage(ctx, a.OrgID, f)
}

// Team returns a team and its members.
func (s *Service) Team(ctx context.Context, a core.Actor, id int64) (Team, []Member, error) {
	t, err := s.Store.FindTeam(ctx, a.OrgID, id)
	if err != nil {
		return Team{}, nil, err
	}
	m, err := s.Store.TeamMembers(ctx, a.OrgID, id)
	return t, m, err
}

// CreateTeam adds a team.
func (s *Service) CreateTeam(ctx context.Context, a core.Actor, in TeamInput) (Team, error) {
	if err := requireAdmin(a); err != nil {
		return Team{}, err
	}
	if err := in.Validate().Err(); err != nil {
		return Team{}, err
	}
	return s.Store.CreateTeam(ctx, a.OrgID, a.UserID, in)
}

// UpdateTeam renames or redescribes a team.
func (s *Service) UpdateTeam(ctx context.Context, a core.Actor, id int64, in TeamInput) (Team, error) {
	if err := requireAdmin(a); err != nil {
		return Team{}, err
	}
	// Another organisation's team is "not found" whatever the input.
	if _, err := s.Store.FindTeam(ctx, a.OrgID, id); err != nil {
		return Team{}, err
	}
	if err := in.Validate().Err(); err != nil {
		return Team{}, err
	}
	return s.Store.UpdateTeam(ctx, a.OrgID, a.UserID, id, in)
}

// DeleteTeam removes a team and its memberships.
func (s *Service) DeleteTeam(ctx context.Context, a core.Actor, id int64) error {
	if err := requireAdmin(a); err != nil {
		return err
	}
	return s.Store.DeleteTeam(ctx, a.OrgID, a.UserID, id)
}

// AddTeamMember adds a person of the organisation to a team.
func (s *Service) AddTeamMember(ctx context.Context, a core.Actor, teamID, personID int64) error {
	if err := requireAdmin(a); err != nil {
		return err
	}
	return s.Store.AddTeamMember(ctx, a.OrgID, a.UserID, teamID, personID)
}

// RemoveTeamMember takes a person off a team.
func (s *Service) RemoveTeamMember(ctx context.Context, a core.Actor, teamID, personID int64) error {
	if err := requireAdmin(a); err != nil {
		return err
	}
	return s.Store.RemoveTeamMember(ctx, a.OrgID, a.UserID, teamID, personID)
}

// PreviewImport checks a CSV file against the organisation.
func (s *Service) PreviewImport(ctx context.Context, a core.Actor, data []byte) (ImportPreview, error) {
	if err := requireAdmin(a); err != nil {
		return ImportPreview{}, err
	}
	emails := scanEmails(data)
	dir, err := s.Store.ImportDirectory(ctx, a.OrgID, emails)
	if err != nil {
		return ImportPreview{}, err
	}
	return CheckImport(bytes.NewReader(data), dir), nil
}

// scanEmails pulls every email-looking field out of a CSV cheaply, so the
// directory lookup asks only about addresses in the file.
func scanEmails(data []byte) []string {
	var out []string
	for _, f := range strings.FieldsFunc(string(data), func(r rune) bool {
		return r == ',' || r == '\n' || r == '\r' || r == '"' || r == ';' || r == '\t'
	}) {
		f = strings.ToLower(strings.TrimSpace(f))
		// A field PostgreSQL can't compare (a NUL byte, not UTF-8) is no
		// one's address; the row check refuses it.
		if strings.Contains(f, "@") && utf8.ValidString(f) && !strings.ContainsRune(f, 0) {
			out = append(out, f)
		}
	}
	return out
}

// ImportResult is what an applied import created.
type ImportResult struct {
	People []Person
	Tokens []string // invitation tokens, one per person, same order
}

// ApplyImport re-checks the file and, if it is still valid, creates everyone
// in one transaction. An invalid file changes nothing.
func (s *Service) ApplyImport(ctx context.Context, a core.Actor, data []byte) (ImportPreview, ImportResult, error) {
	preview, err := s.PreviewImport(ctx, a, data)
	if err != nil {
		return preview, ImportResult{}, err
	}
	if !preview.Valid() {
		return preview, ImportResult{}, core.Errorf(core.EINVALID, "The file has problems; nothing was imported.")
	}
	rows := preview.ImportOrder()
	tokens := make([]string, len(rows))
	hashes := make([][]byte, len(rows))
	mails := make([]Mail, len(rows))
	expires := s.Clock.Now().Add(s.InvitationTTL)
	for i := range rows {
		t, h, err := auth.NewToken()
		if err != nil {
			return preview, ImportResult{}, err
		}
		tokens[i], hashes[i] = t, h
		mails[i] = Mail{Kind: MailInvitation, Token: t, ExpiresAt: expires, ByID: a.UserID}
	}
	created, err := s.Store.ApplyImport(ctx, a.OrgID, a.UserID, rows, preview.NewTeams, hashes, expires, mails)
	if err != nil {
		return preview, ImportResult{}, err
	}
	return preview, ImportResult{People: created, Tokens: tokens}, nil
}

// ReadLimited reads an uploaded file of at most max bytes; an empty or
// larger file is EINVALID with a message for the person uploading it.
func ReadLimited(r io.Reader, max int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, core.Errorf(core.EINVALID, "The file is larger than %d MB. Split it into smaller files.", max>>20)
	}
	if len(b) == 0 {
		return nil, core.Errorf(core.EINVALID, "The file is empty.")
	}
	return b, nil
}

// IsNotFound reports whether err means "no such row in this organisation".
func IsNotFound(err error) bool { return core.ErrorCode(err) == core.ENOTFOUND }
