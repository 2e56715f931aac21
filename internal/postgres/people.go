package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"rapport/internal/core"
	"rapport/internal/people"
	"rapport/internal/postgres/dbq"
)

var _ people.Store = (*PeopleStore)(nil)

var _ people.LimitStore = (*LimitStore)(nil)

// PeopleStore keeps organisations, people, teams, the reporting tree,
// invitations and directory imports. Invitations write their email to the
// outbox in the transaction that stores them (accountMail).
type PeopleStore struct{ accountMail }

// NewPeopleStore returns the people store on pool; mail, when not nil,
// writes account emails to the outbox (nil sends none: commands that change
// no account).
func NewPeopleStore(pool *pgxpool.Pool, mail MailQueuer) *PeopleStore {
	return &PeopleStore{accountMail{base: newBase(pool), mail: mail}}
}

// LimitStore keeps the sign-in rate limits' counters.
type LimitStore struct{ base }

// NewLimitStore returns the rate-limit store on pool.
func NewLimitStore(pool *pgxpool.Pool) *LimitStore { return &LimitStore{newBase(pool)} }

func personFromUser(u dbq.User, managerName *string) people.Person {
	p := people.Person{
		ID: u.ID, OrgID: u.OrgID, Email: u.Email, Name: u.Name, Title: u.Title,
		Role: core.Role(u.Role), ManagerID: u.ManagerID, TimeZone: u.TimeZone,
		Active: u.Active, HasPassword: u.PasswordHash != "", CreatedAt: u.CreatedAt,
		LeftAt: u.DeactivatedAt, LeftReason: u.LeftReason,
	}
	if managerName != nil {
		p.ManagerName = *managerName
	}
	return p
}

// UserCount counts the people of every organisation.
func (s *PeopleStore) UserCount(ctx context.Context) (int64, error) {
	return s.q.UserCountAll(ctx, s.pool)
}

// setupLockKey serialises first-run setup across replicas.
const setupLockKey = 7364_0001

// CreateOrgWithAdmin creates the first organisation and admin while none exist.
func (s *PeopleStore) CreateOrgWithAdmin(ctx context.Context, orgName string, in people.PersonInput, hash string) (people.Org, people.Person, error) {
	var org people.Org
	var admin people.Person
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if err := s.q.AdvisoryXactLock(ctx, tx, setupLockKey); err != nil {
			return err
		}
		n, err := s.q.UserCountAll(ctx, tx)
		if err != nil {
			return err
		}
		if n > 0 {
			return core.Errorf(core.ECONFLICT, "Rapport is already set up. Sign in instead.")
		}
		o, err := s.q.OrgCreate(ctx, tx, orgName)
		if err != nil {
			return err
		}
		u, err := s.q.UserCreate(ctx, tx, dbq.UserCreateParams{
			OrgID: o.ID, Email: in.Email, Name: in.Name, Title: in.Title, Role: dbq.UserRoleAdmin,
			TimeZone: in.TimeZone, PasswordHash: hash,
		})
		if err != nil {
			return err
		}
		org = people.Org{ID: o.ID, Name: o.Name}
		admin = personFromUser(u, nil)
		return s.audit(ctx, tx, o.ID, u.ID, "org.setup", o.Name)
	})
	return org, admin, mapErr(err, "Organisation")
}

// FindOrg returns an organisation.
func (s *PeopleStore) FindOrg(ctx context.Context, orgID int64) (people.Org, error) {
	o, err := s.q.OrgGet(ctx, s.pool, orgID)
	if err != nil {
		return people.Org{}, mapErr(err, "Organisation")
	}
	return people.Org{ID: o.ID, Name: o.Name}, nil
}

// FindCredentials returns every account with an address (one per
// organisation) with its password hash, in organisation name order.
func (s *PeopleStore) FindCredentials(ctx context.Context, email string) ([]people.Credentials, error) {
	rows, err := s.q.UserListByEmail(ctx, s.pool, email)
	if err != nil {
		return nil, mapErr(err, "Person")
	}
	out := make([]people.Credentials, len(rows))
	for i, r := range rows {
		out[i] = people.Credentials{Person: personFromUser(r.User, nil), PasswordHash: r.User.PasswordHash, OrgName: r.OrgName,
			PasswordAllowed: r.PasswordAllowed}
	}
	return out, nil
}

// FindPerson returns a person of the organisation.
func (s *PeopleStore) FindPerson(ctx context.Context, orgID, id int64) (people.Person, error) {
	r, err := s.q.UserGet(ctx, s.readDB(ctx), dbq.UserGetParams{OrgID: orgID, ID: id})
	if err != nil {
		return people.Person{}, mapErr(err, "Person")
	}
	return personFromUser(r.User, r.ManagerName), nil
}

// FindPeople returns a screen of people matching the filter.
func (s *PeopleStore) FindPeople(ctx context.Context, f people.PeopleFilter) ([]people.Person, error) {
	var (
		rows []dbq.UserSearchRow
		err  error
	)
	if f.AfterID != nil {
		var page []dbq.UserPageAfterRow
		page, err = s.q.UserPageAfter(ctx, s.pool, dbq.UserPageAfterParams{
			OrgID: f.OrgID, RootID: f.UnderID, IncludeInactive: f.IncludeInactive, AfterID: *f.AfterID, RowLimit: int32(f.Limit),
		})
		for _, r := range page {
			rows = append(rows, dbq.UserSearchRow(r))
		}
	} else {
		rows, err = s.q.UserSearch(ctx, s.pool, dbq.UserSearchParams{
			OrgID: f.OrgID, RootID: f.UnderID, Q: likeEscape(strings.TrimSpace(f.Query)), IncludeInactive: f.IncludeInactive,
			RowOffset: int32(f.Offset), RowLimit: int32(f.Limit),
		})
	}
	if err != nil {
		return nil, mapErr(err, "People")
	}
	out := make([]people.Person, len(rows))
	for i, r := range rows {
		out[i] = people.Person{ID: r.ID, OrgID: r.OrgID, Email: r.Email, Name: r.Name, Title: r.Title,
			Role: core.Role(r.Role), ManagerID: r.ManagerID, TimeZone: r.TimeZone, Active: r.Active}
		if r.ManagerName != nil {
			out[i].ManagerName = *r.ManagerName
		}
	}
	return out, nil
}

// IsInSubtree reports whether personID reports, directly or not, to rootID.
func (s *base) IsInSubtree(ctx context.Context, orgID, rootID, personID int64) (bool, error) {
	ok, err := s.q.UserIsInSubtree(ctx, s.readDB(ctx), dbq.UserIsInSubtreeParams{OrgID: orgID, UserID: personID, RootID: rootID})
	return ok, mapErr(err, "Person")
}

// checkManager verifies, inside a transaction holding the org's tree lock,
// that managerID is an active person of the org and not personID's report.
func (s *base) checkManager(ctx context.Context, tx pgx.Tx, orgID, personID int64, managerID *int64) error {
	if managerID == nil {
		return nil
	}
	m, err := s.q.UserGet(ctx, tx, dbq.UserGetParams{OrgID: orgID, ID: *managerID})
	if err != nil {
		if core.ErrorCode(mapErr(err, "")) == core.ENOTFOUND {
			return fieldErr("manager_id", "Choose a manager from the list.")
		}
		return err
	}
	if !m.User.Active {
		return fieldErr("manager_id", m.User.Name+" is deactivated; choose an active manager.")
	}
	if personID == 0 {
		return nil
	}
	if *managerID == personID {
		return fieldErr("manager_id", "A person can't be their own manager.")
	}
	loop, err := s.q.UserIsInSubtree(ctx, tx, dbq.UserIsInSubtreeParams{OrgID: orgID, UserID: *managerID, RootID: personID})
	if err != nil {
		return err
	}
	if loop {
		return fieldErr("manager_id", m.User.Name+" reports to this person, so they can't also be their manager.")
	}
	return nil
}

func fieldErr(field, msg string) error {
	return &core.Error{Code: core.EINVALID, Message: "Please correct the highlighted fields.", Fields: map[string]string{field: msg}}
}

func emailTaken(err error) error {
	if core.ErrorCode(err) == core.ECONFLICT {
		return fieldErr("email", "Someone in the organisation already uses this email address.")
	}
	return err
}

// CreatePerson adds a person without a password. Creates are serialised per
// organisation, so the same form submitted twice finds the person its key
// stored: created is false then, and that person is returned.
func (s *PeopleStore) CreatePerson(ctx context.Context, orgID, actorID int64, in people.PersonInput) (p people.Person, created bool, err error) {
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		if err := s.q.OrgLockTree(ctx, tx, orgID); err != nil {
			return err
		}
		if in.IdemKey != "" {
			u, err := s.q.UserByIdem(ctx, tx, dbq.UserByIdemParams{OrgID: orgID, IdemKey: in.IdemKey})
			if err == nil {
				p = personFromUser(u, nil)
				return nil
			}
			if err != pgx.ErrNoRows {
				return err
			}
		}
		if err := s.checkManager(ctx, tx, orgID, 0, in.ManagerID); err != nil {
			return err
		}
		created = true
		u, err := s.q.UserCreate(ctx, tx, dbq.UserCreateParams{
			OrgID: orgID, Email: in.Email, Name: in.Name, Title: in.Title, Role: dbq.UserRole(in.Role),
			ManagerID: in.ManagerID, TimeZone: in.TimeZone, IdemKey: in.IdemKey,
		})
		if err != nil {
			return emailTaken(mapErr(err, "Person"))
		}
		p = personFromUser(u, nil)
		return s.audit(ctx, tx, orgID, actorID, "person.create", fmt.Sprintf("person:%d", u.ID))
	})
	return p, created, emailTaken(mapErr(err, "Person"))
}

// UpdatePerson changes a person, refusing manager loops.
func (s *PeopleStore) UpdatePerson(ctx context.Context, orgID, actorID, id int64, in people.PersonInput) (people.Person, error) {
	var p people.Person
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if err := s.q.OrgLockTree(ctx, tx, orgID); err != nil {
			return err
		}
		before, err := s.q.UserGet(ctx, tx, dbq.UserGetParams{OrgID: orgID, ID: id})
		if err != nil {
			return err
		}
		if err := s.checkManager(ctx, tx, orgID, id, in.ManagerID); err != nil {
			return err
		}
		u, err := s.q.UserUpdate(ctx, tx, dbq.UserUpdateParams{
			OrgID: orgID, ID: id, Email: in.Email, Name: in.Name, Title: in.Title, Role: dbq.UserRole(in.Role),
			ManagerID: in.ManagerID, TimeZone: in.TimeZone,
		})
		if err != nil {
			return emailTaken(mapErr(err, "Person"))
		}
		p = personFromUser(u, nil)
		if before.User.Role != u.Role {
			// Role changes get their own entry so admins can find them.
			if err := s.auditDetail(ctx, tx, orgID, actorID, "person.role", fmt.Sprintf("person:%d", id),
				map[string]string{"from": string(before.User.Role), "to": string(u.Role)}); err != nil {
				return err
			}
		}
		return s.audit(ctx, tx, orgID, actorID, "person.update", fmt.Sprintf("person:%d", id))
	})
	return p, emailTaken(mapErr(err, "Person"))
}

// SetPersonActive deactivates (ending sessions, revoking invitations, reset
// links and the calendar feed, moving reports up a level) or reactivates a
// person.
func (s *PeopleStore) SetPersonActive(ctx context.Context, orgID, actorID, id int64, active bool, reason string) (people.Person, error) {
	var p people.Person
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if err := s.q.OrgLockTree(ctx, tx, orgID); err != nil {
			return err
		}
		detail := map[string]string{}
		if reason != "" {
			detail["reason"] = reason
		}
		u, changed, err := s.setActiveTx(ctx, tx, orgID, actorID, id, active, reason, detail)
		if err != nil {
			return err
		}
		if !changed {
			// Already so (a double submit): the row with its manager's name.
			r, err := s.q.UserGet(ctx, tx, dbq.UserGetParams{OrgID: orgID, ID: id})
			p = personFromUser(r.User, r.ManagerName)
			return err
		}
		p = personFromUser(u, nil)
		return nil
	})
	return p, mapErr(err, "Person")
}

// ErasePerson deactivates the person if they still are active, as an
// admin's deactivation does, then erases them (person_erase, migration
// 00040) and audits it, in one transaction. It returns their pseudonym.
func (s *PeopleStore) ErasePerson(ctx context.Context, orgID, actorID, id int64) (string, error) {
	var pseudonym string
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if err := s.q.OrgLockTree(ctx, tx, orgID); err != nil {
			return err
		}
		// The erasure reads every text column of the organisation once:
		// longer than a page's statement timeout (measured in
		// docs/privacy.md).
		if err := s.q.TxStatementTimeout(ctx, tx, "120s"); err != nil {
			return err
		}
		if _, _, err := s.setActiveTx(ctx, tx, orgID, actorID, id, false, "", map[string]string{"reason": "erasure"}); err != nil {
			return err
		}
		var err error
		pseudonym, err = s.q.UserErase(ctx, tx, dbq.UserEraseParams{OrgID: orgID, ID: id})
		if err != nil {
			var pe *pgconn.PgError
			if errors.As(err, &pe) && pe.Code == "RA001" {
				return core.Errorf(core.EINVALID, "%s", pe.Message)
			}
			return err
		}
		return s.audit(ctx, tx, orgID, actorID, "person.erase", fmt.Sprintf("person:%d", id))
	})
	return pseudonym, mapErr(err, "Person")
}

// setActiveTx is the one way a person is deactivated or reactivated, by an
// admin or by a provider, inside a transaction holding the organisation's
// tree lock. Deactivation takes effect on the person's very next request:
// their sessions are deleted here, and every request re-reads whether they
// are active. changed is false when the person already was so (u is then
// empty); another organisation's person is ENOTFOUND.
func (s *base) setActiveTx(ctx context.Context, tx pgx.Tx, orgID, actorID, id int64, active bool, reason string, detail map[string]string) (u dbq.User, changed bool, err error) {
	if !active {
		// Deactivations in one organisation take turns, so two at once
		// cannot each see the other admin still active.
		if err := s.q.AdvisoryXactLock(ctx, tx, adminsLockKey+orgID); err != nil {
			return dbq.User{}, false, err
		}
	}
	u, err = s.q.UserSetActive(ctx, tx, dbq.UserSetActiveParams{OrgID: orgID, ID: id, Active: active, LeftReason: reason})
	if err == pgx.ErrNoRows {
		_, err := s.q.UserGet(ctx, tx, dbq.UserGetParams{OrgID: orgID, ID: id})
		return dbq.User{}, false, err
	}
	if err != nil {
		return dbq.User{}, false, err
	}
	action := "person.reactivate"
	if active && strings.HasSuffix(string(u.Email), "@"+people.ErasedDomain) {
		// Whoever asks (an admin, or an identity provider over SCIM), an
		// erased person stays gone (docs/privacy.md).
		return u, true, core.Errorf(core.EINVALID, "%s was erased and can't come back.", u.Name)
	}
	if !active {
		action = "person.deactivate"
		// Whoever asks (an admin, or an identity provider over SCIM), the
		// organisation keeps an admin who can sign in and fix things.
		if u.Role == dbq.UserRoleAdmin {
			n, err := s.q.ActiveAdminCount(ctx, tx, orgID)
			if err != nil {
				return u, true, err
			}
			if n == 0 {
				return u, true, core.Errorf(core.EINVALID, "%s is the organisation's last active admin: make someone else an admin first.", u.Name)
			}
		}
		if err := s.q.UserClearReportsManager(ctx, tx, dbq.UserClearReportsManagerParams{
			OrgID: orgID, OldManagerID: &id, NewManagerID: u.ManagerID,
		}); err != nil {
			return u, true, err
		}
		if err := s.q.InvitationRevokeForUser(ctx, tx, dbq.InvitationRevokeForUserParams{OrgID: orgID, UserID: id}); err != nil {
			return u, true, err
		}
		if err := s.q.PasswordResetRevokeForUser(ctx, tx, dbq.PasswordResetRevokeForUserParams{OrgID: orgID, UserID: id}); err != nil {
			return u, true, err
		}
		if _, err := s.q.SessionsDeleteForUser(ctx, tx, id); err != nil {
			return u, true, err
		}
		if err := s.q.CalendarFeedDeleteForUser(ctx, tx, dbq.CalendarFeedDeleteForUserParams{OrgID: orgID, UserID: id}); err != nil {
			return u, true, err
		}
	}
	return u, true, s.auditDetail(ctx, tx, orgID, actorID, action, fmt.Sprintf("person:%d", id), detail)
}

// adminsLockKey, plus an organisation's id, is the transaction lock under
// which that organisation's people are deactivated.
const adminsLockKey = 0x52_41_44_4d << 32

// PasswordSignInAllowed reports whether the person may sign in with a
// password (password_sign_in_allowed).
func (s *PeopleStore) PasswordSignInAllowed(ctx context.Context, orgID, id int64) (bool, error) {
	return s.q.UserPasswordSignInAllowed(ctx, s.pool, dbq.UserPasswordSignInAllowedParams{OrgID: orgID, ID: id})
}

// OrgChart returns every active person with their manager link.
func (s *PeopleStore) OrgChart(ctx context.Context, orgID int64) ([]people.ChartNode, error) {
	rows, err := s.q.UserOrgChart(ctx, s.pool, orgID)
	if err != nil {
		return nil, mapErr(err, "People")
	}
	out := make([]people.ChartNode, len(rows))
	for i, r := range rows {
		out[i] = people.ChartNode{ID: r.ID, Name: r.Name, Title: r.Title, Role: core.Role(r.Role), ManagerID: r.ManagerID}
	}
	return out, nil
}

// DirectReports lists a manager's active direct reports.
func (s *PeopleStore) DirectReports(ctx context.Context, orgID, managerID int64) ([]people.Person, error) {
	rows, err := s.q.UserListDirectReports(ctx, s.readDB(ctx), dbq.UserListDirectReportsParams{OrgID: orgID, ManagerID: &managerID})
	if err != nil {
		return nil, mapErr(err, "People")
	}
	out := make([]people.Person, len(rows))
	for i, u := range rows {
		out[i] = personFromUser(u, nil)
	}
	return out, nil
}

// FindTeams lists an organisation's teams with member counts.
func (s *PeopleStore) FindTeams(ctx context.Context, orgID int64) ([]people.Team, error) {
	rows, err := s.q.TeamList(ctx, s.pool, orgID)
	if err != nil {
		return nil, mapErr(err, "Teams")
	}
	out := make([]people.Team, len(rows))
	for i, r := range rows {
		out[i] = people.Team{ID: r.ID, OrgID: orgID, Name: r.Name, Description: r.Description, MemberCount: int(r.MemberCount)}
	}
	return out, nil
}

// TeamPage returns a screen of teams in name order.
func (s *PeopleStore) TeamPage(ctx context.Context, orgID int64, f people.TeamFilter) ([]people.Team, error) {
	rows, err := s.q.TeamPage(ctx, s.pool, dbq.TeamPageParams{OrgID: orgID, Q: likeEscape(f.Query), AfterID: f.AfterID, RowLimit: int32(f.Limit)})
	if err != nil {
		return nil, mapErr(err, "Teams")
	}
	out := make([]people.Team, len(rows))
	for i, r := range rows {
		out[i] = people.Team{ID: r.ID, OrgID: orgID, Name: r.Name, Description: r.Description, MemberCount: int(r.MemberCount)}
	}
	return out, nil
}

// FindTeam returns one team.
func (s *PeopleStore) FindTeam(ctx context.Context, orgID, id int64) (people.Team, error) {
	t, err := s.q.TeamGet(ctx, s.readDB(ctx), dbq.TeamGetParams{OrgID: orgID, ID: id})
	if err != nil {
		return people.Team{}, mapErr(err, "Team")
	}
	return people.Team{ID: t.ID, OrgID: t.OrgID, Name: t.Name, Description: t.Description}, nil
}

// TeamsFor lists the teams a person belongs to.
func (s *PeopleStore) TeamsFor(ctx context.Context, orgID, personID int64) ([]people.Team, error) {
	rows, err := s.q.TeamsForUser(ctx, s.readDB(ctx), dbq.TeamsForUserParams{OrgID: orgID, UserID: personID})
	if err != nil {
		return nil, mapErr(err, "Teams")
	}
	out := make([]people.Team, len(rows))
	for i, r := range rows {
		out[i] = people.Team{ID: r.ID, OrgID: orgID, Name: r.Name}
	}
	return out, nil
}

func teamNameTaken(err error) error {
	if core.ErrorCode(err) == core.ECONFLICT {
		return fieldErr("name", "Another team already has this name.")
	}
	return err
}

// CreateTeam adds a team; the same form submitted twice stores one and
// answers both with it.
func (s *PeopleStore) CreateTeam(ctx context.Context, orgID, actorID int64, in people.TeamInput) (people.Team, error) {
	var t people.Team
	byKey := func(db dbq.DBTX) (people.Team, error) {
		r, err := s.q.TeamByIdem(ctx, db, dbq.TeamByIdemParams{OrgID: orgID, IdemKey: in.IdemKey})
		return people.Team{ID: r.ID, OrgID: r.OrgID, Name: r.Name, Description: r.Description}, err
	}
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		r, err := s.q.TeamCreate(ctx, tx, dbq.TeamCreateParams{OrgID: orgID, Name: in.Name, Description: in.Description, IdemKey: in.IdemKey})
		if err == pgx.ErrNoRows {
			t, err = byKey(tx)
			return err
		}
		if err != nil {
			return err
		}
		t = people.Team{ID: r.ID, OrgID: r.OrgID, Name: r.Name, Description: r.Description}
		return s.audit(ctx, tx, orgID, actorID, "team.create", fmt.Sprintf("team:%d", r.ID))
	})
	if prev, ok := storedBefore(err, in.IdemKey, func() (people.Team, error) { return byKey(s.pool) }); ok {
		return prev, nil
	}
	return t, teamNameTaken(mapErr(err, "Team"))
}

// UpdateTeam renames a team.
func (s *PeopleStore) UpdateTeam(ctx context.Context, orgID, actorID, id int64, in people.TeamInput) (people.Team, error) {
	var t people.Team
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		r, err := s.q.TeamUpdate(ctx, tx, dbq.TeamUpdateParams{OrgID: orgID, ID: id, Name: in.Name, Description: in.Description})
		if err != nil {
			return err
		}
		t = people.Team{ID: r.ID, OrgID: r.OrgID, Name: r.Name, Description: r.Description}
		return s.audit(ctx, tx, orgID, actorID, "team.update", fmt.Sprintf("team:%d", id))
	})
	return t, teamNameTaken(mapErr(err, "Team"))
}

// DeleteTeam removes a team.
func (s *PeopleStore) DeleteTeam(ctx context.Context, orgID, actorID, id int64) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		n, err := s.q.TeamDelete(ctx, tx, dbq.TeamDeleteParams{OrgID: orgID, ID: id})
		if err != nil {
			return err
		}
		if n == 0 {
			return core.NotFound("Team")
		}
		return s.audit(ctx, tx, orgID, actorID, "team.delete", fmt.Sprintf("team:%d", id))
	})
	return mapErr(err, "Team")
}

// TeamMembers lists a team's members.
func (s *PeopleStore) TeamMembers(ctx context.Context, orgID, teamID int64) ([]people.Member, error) {
	rows, err := s.q.TeamMembers(ctx, s.pool, dbq.TeamMembersParams{OrgID: orgID, TeamID: teamID})
	if err != nil {
		return nil, mapErr(err, "Team")
	}
	out := make([]people.Member, len(rows))
	for i, r := range rows {
		out[i] = people.Member{ID: r.ID, Name: r.Name, Title: r.Title, Role: core.Role(r.Role), Active: r.Active}
	}
	return out, nil
}

// AddTeamMember adds a person to a team (idempotent: adding a member again
// changes nothing and audits nothing).
func (s *PeopleStore) AddTeamMember(ctx context.Context, orgID, actorID, teamID, personID int64) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := s.q.TeamGet(ctx, tx, dbq.TeamGetParams{OrgID: orgID, ID: teamID}); err != nil {
			return mapErr(err, "Team")
		}
		if _, err := s.q.UserGet(ctx, tx, dbq.UserGetParams{OrgID: orgID, ID: personID}); err != nil {
			if core.ErrorCode(mapErr(err, "")) == core.ENOTFOUND {
				return fieldErr("person_id", "Choose a person from the list.")
			}
			return err
		}
		n, err := s.q.TeamMemberAdd(ctx, tx, dbq.TeamMemberAddParams{OrgID: orgID, TeamID: teamID, UserID: personID})
		if err != nil || n == 0 {
			return err // n == 0: already a member, nothing to audit
		}
		return s.audit(ctx, tx, orgID, actorID, "team.member.add", fmt.Sprintf("team:%d person:%d", teamID, personID))
	})
	return mapErr(err, "Team member")
}

// RemoveTeamMember takes a person off a team.
func (s *PeopleStore) RemoveTeamMember(ctx context.Context, orgID, actorID, teamID, personID int64) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := s.q.TeamGet(ctx, tx, dbq.TeamGetParams{OrgID: orgID, ID: teamID}); err != nil {
			return mapErr(err, "Team")
		}
		n, err := s.q.TeamMemberRemove(ctx, tx, dbq.TeamMemberRemoveParams{OrgID: orgID, TeamID: teamID, UserID: personID})
		if err != nil || n == 0 {
			return err // n == 0: not a member, nothing to audit
		}
		return s.audit(ctx, tx, orgID, actorID, "team.member.remove", fmt.Sprintf("team:%d person:%d", teamID, personID))
	})
	return mapErr(err, "Team member")
}

// CreateInvitation revokes pending invitations for the person and adds one.
// The same key again (a double submit) changes nothing: created is false.
func (s *PeopleStore) CreateInvitation(ctx context.Context, orgID, actorID, personID int64, hash []byte, expires time.Time, key string, m people.Mail) (inv people.Invitation, created bool, err error) {
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		p, err := s.q.UserGet(ctx, tx, dbq.UserGetParams{OrgID: orgID, ID: personID})
		if err != nil {
			return err
		}
		if err := s.q.InvitationRevokeForUser(ctx, tx, dbq.InvitationRevokeForUserParams{OrgID: orgID, UserID: personID}); err != nil {
			return err
		}
		var by *int64
		if actorID != 0 {
			by = &actorID
		}
		r, err := s.q.InvitationCreate(ctx, tx, dbq.InvitationCreateParams{OrgID: orgID, UserID: personID, TokenHash: hash, InvitedBy: by,
			ExpiresAt: expires, IdemKey: key})
		if err == pgx.ErrNoRows {
			// A concurrent submit of the same form stored its invitation
			// first; the revoke above saw nothing of it, so this changes nothing.
			return nil
		}
		if err != nil {
			return err
		}
		created = true
		inv = people.Invitation{ID: r.ID, OrgID: orgID, UserID: personID, Name: p.User.Name, Email: p.User.Email,
			CreatedAt: r.CreatedAt, ExpiresAt: r.ExpiresAt, Active: p.User.Active}
		if err := s.queueMail(ctx, tx, p.User, m); err != nil {
			return err
		}
		return s.audit(ctx, tx, orgID, actorID, "invitation.create", fmt.Sprintf("person:%d", personID))
	})
	return inv, created, mapErr(err, "Invitation")
}

// FindInvitationByToken looks an invitation up by its token hash.
func (s *PeopleStore) FindInvitationByToken(ctx context.Context, hash []byte) (people.Invitation, error) {
	r, err := s.q.InvitationFindByToken(ctx, s.pool, hash)
	if err != nil {
		return people.Invitation{}, mapErr(err, "Invitation")
	}
	return people.Invitation{ID: r.ID, OrgID: r.OrgID, UserID: r.UserID, Name: r.Name, Email: r.Email,
		ExpiresAt: r.ExpiresAt, UsedAt: r.UsedAt, RevokedAt: r.RevokedAt, Active: r.Active}, nil
}

var errLinkUsed = &core.Error{Code: core.ENOTFOUND, Message: "This link is invalid or has expired. Ask your admin for a new one."}

// AcceptInvitation uses the invitation once and sets the password.
func (s *PeopleStore) AcceptInvitation(ctx context.Context, inv people.Invitation, hash string) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		n, err := s.q.InvitationUse(ctx, tx, inv.ID)
		if err != nil {
			return err
		}
		if n == 0 {
			return errLinkUsed
		}
		if err := s.q.UserSetPassword(ctx, tx, dbq.UserSetPasswordParams{OrgID: inv.OrgID, ID: inv.UserID, PasswordHash: hash}); err != nil {
			return err
		}
		return s.audit(ctx, tx, inv.OrgID, inv.UserID, "invitation.accept", fmt.Sprintf("person:%d", inv.UserID))
	})
	return mapErr(err, "Invitation")
}

// FindInvitations lists an organisation's recent invitations.
func (s *PeopleStore) FindInvitations(ctx context.Context, orgID int64) ([]people.Invitation, error) {
	rows, err := s.q.InvitationList(ctx, s.pool, orgID)
	if err != nil {
		return nil, mapErr(err, "Invitations")
	}
	out := make([]people.Invitation, len(rows))
	for i, r := range rows {
		out[i] = people.Invitation{ID: r.ID, OrgID: orgID, UserID: r.UserID, Name: r.Name, Email: r.Email,
			CreatedAt: r.CreatedAt, ExpiresAt: r.ExpiresAt, UsedAt: r.UsedAt, RevokedAt: r.RevokedAt}
	}
	return out, nil
}

// RevokeInvitation revokes a pending invitation.
func (s *PeopleStore) RevokeInvitation(ctx context.Context, orgID, actorID, id int64) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		n, err := s.q.InvitationRevoke(ctx, tx, dbq.InvitationRevokeParams{OrgID: orgID, ID: id})
		if err != nil {
			return err
		}
		if n == 0 {
			// Revoked already (a double submit) changes nothing.
			revoked, err := s.q.InvitationRevoked(ctx, tx, dbq.InvitationRevokedParams{OrgID: orgID, ID: id})
			if err == nil && !revoked {
				err = core.NotFound("Pending invitation")
			}
			return err
		}
		return s.audit(ctx, tx, orgID, actorID, "invitation.revoke", fmt.Sprintf("invitation:%d", id))
	})
	return mapErr(err, "Invitation")
}

// CreatePasswordReset ends the person's outstanding reset links and stores
// a new one's hash.
func (s *AccountStore) CreatePasswordReset(ctx context.Context, orgID, personID int64, hash []byte, expires time.Time, m people.Mail) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if m.IdemKey != "" {
			used, err := s.q.OutboxKeyUsed(ctx, tx, dbq.OutboxKeyUsedParams{OrgID: orgID, IdemKey: m.IdemKey})
			if err != nil || used {
				return err // a double submit: sent already
			}
		}
		if err := s.q.PasswordResetRevokeForUser(ctx, tx, dbq.PasswordResetRevokeForUserParams{OrgID: orgID, UserID: personID}); err != nil {
			return err
		}
		if _, err := s.q.PasswordResetCreate(ctx, tx, dbq.PasswordResetCreateParams{OrgID: orgID, UserID: personID, TokenHash: hash, ExpiresAt: expires}); err != nil {
			return err
		}
		if m.Kind == "" {
			return nil
		}
		u, err := s.q.UserGet(ctx, tx, dbq.UserGetParams{OrgID: orgID, ID: personID})
		if err != nil {
			return err
		}
		if err := s.queueMail(ctx, tx, u.User, m); err != nil {
			return err
		}
		if m.Kind == people.MailAdminReset {
			return s.audit(ctx, tx, orgID, m.ByID, "password.reset_sent", fmt.Sprintf("person:%d", personID))
		}
		return nil
	})
	if err != nil && m.IdemKey != "" && core.ErrorCode(mapErr(err, "")) == core.ECONFLICT {
		return nil // a concurrent submit of the same form sent it
	}
	return mapErr(err, "Password reset")
}

// FindPasswordReset looks a reset up by token hash.
func (s *AccountStore) FindPasswordReset(ctx context.Context, hash []byte) (people.PasswordReset, error) {
	r, err := s.q.PasswordResetFindByToken(ctx, s.pool, hash)
	if err != nil {
		return people.PasswordReset{}, mapErr(err, "Password reset")
	}
	return people.PasswordReset{ID: r.ID, OrgID: r.OrgID, UserID: r.UserID, ExpiresAt: r.ExpiresAt, UsedAt: r.UsedAt,
		RevokedAt: r.RevokedAt, Active: r.Active}, nil
}

// UsePasswordReset uses a reset once: sets the password, ends the person's
// other reset links and all their sessions.
func (s *AccountStore) UsePasswordReset(ctx context.Context, pr people.PasswordReset, hash string) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		n, err := s.q.PasswordResetUse(ctx, tx, pr.ID)
		if err != nil {
			return err
		}
		if n == 0 {
			return errLinkUsed
		}
		if err := s.q.PasswordResetRevokeForUser(ctx, tx, dbq.PasswordResetRevokeForUserParams{OrgID: pr.OrgID, UserID: pr.UserID, KeepID: pr.ID}); err != nil {
			return err
		}
		if err := s.q.UserSetPassword(ctx, tx, dbq.UserSetPasswordParams{OrgID: pr.OrgID, ID: pr.UserID, PasswordHash: hash}); err != nil {
			return err
		}
		if _, err := s.q.SessionsDeleteForUser(ctx, tx, pr.UserID); err != nil {
			return err
		}
		u, err := s.q.UserGet(ctx, tx, dbq.UserGetParams{OrgID: pr.OrgID, ID: pr.UserID})
		if err != nil {
			return err
		}
		if err := s.queueMail(ctx, tx, u.User, people.Mail{Kind: people.MailPasswordChanged}); err != nil {
			return err
		}
		return s.audit(ctx, tx, pr.OrgID, pr.UserID, "password.reset", fmt.Sprintf("person:%d", pr.UserID))
	})
	return mapErr(err, "Password reset")
}

// RecordSession remembers which person a session token belongs to.
func (s *AccountStore) RecordSession(ctx context.Context, token string, personID int64, userAgent string) error {
	if r := []rune(userAgent); len(r) > 300 {
		userAgent = string(r[:300])
	}
	return mapErr(s.q.SessionUserRecordAgent(ctx, s.pool, dbq.SessionUserRecordAgentParams{Token: token, UserID: personID, UserAgent: userAgent}), "Session")
}

// ForgetSession drops a session token's owner record.
func (s *AccountStore) ForgetSession(ctx context.Context, token string) error {
	return mapErr(s.q.SessionUserForget(ctx, s.pool, token), "Session")
}

// PruneSessionUsers drops owner records of sessions that no longer exist.
func (s *AccountStore) PruneSessionUsers(ctx context.Context) error {
	return s.q.SessionUsersPrune(ctx, s.pool)
}

// ImportDirectory loads what the CSV check needs to know.
func (s *PeopleStore) ImportDirectory(ctx context.Context, orgID int64, emails []string) (people.ImportDirectory, error) {
	dir := people.ImportDirectory{
		ExistingEmails:   map[string]bool{},
		OrgPeopleByEmail: map[string]int64{},
		TeamsByName:      map[string]int64{},
	}
	taken, err := s.q.UserEmailsTaken(ctx, s.pool, dbq.UserEmailsTakenParams{OrgID: orgID, Emails: emails})
	if err != nil {
		return dir, mapErr(err, "People")
	}
	for _, e := range taken {
		dir.ExistingEmails[e] = true
	}
	org, err := s.q.UserOrgDirectory(ctx, s.pool, orgID)
	if err != nil {
		return dir, mapErr(err, "People")
	}
	for _, r := range org {
		dir.OrgPeopleByEmail[r.Email] = r.ID
	}
	teams, err := s.q.TeamsByName(ctx, s.pool, orgID)
	if err != nil {
		return dir, mapErr(err, "Teams")
	}
	for _, t := range teams {
		dir.TeamsByName[t.Name] = t.ID
	}
	return dir, nil
}

// ApplyImport creates every row, in manager-first order, with invitations, in
// one transaction.
func (s *PeopleStore) ApplyImport(ctx context.Context, orgID, actorID int64, rows []people.ImportRow, newTeams []string, hashes [][]byte, expires time.Time, mails []people.Mail) ([]people.Person, error) {
	created := make([]people.Person, 0, len(rows))
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if err := s.q.OrgLockTree(ctx, tx, orgID); err != nil {
			return err
		}
		teamIDs := map[string]int64{}
		existing, err := s.q.TeamsByName(ctx, tx, orgID)
		if err != nil {
			return err
		}
		for _, t := range existing {
			teamIDs[t.Name] = t.ID
		}
		for _, name := range newTeams {
			if _, ok := teamIDs[strings.ToLower(name)]; ok {
				continue
			}
			t, err := s.q.TeamCreate(ctx, tx, dbq.TeamCreateParams{OrgID: orgID, Name: name})
			if err != nil {
				return err
			}
			teamIDs[strings.ToLower(name)] = t.ID
		}
		dirRows, err := s.q.UserOrgDirectory(ctx, tx, orgID)
		if err != nil {
			return err
		}
		idByEmail := map[string]int64{}
		for _, r := range dirRows {
			idByEmail[r.Email] = r.ID
		}
		for i, row := range rows {
			var mgr *int64
			if row.ManagerEmail != "" {
				id, ok := idByEmail[strings.ToLower(row.ManagerEmail)]
				if !ok {
					return core.Errorf(core.EINVALID, "Line %d: manager %s is not in the organisation any more.", row.Line, row.ManagerEmail)
				}
				mgr = &id
			}
			u, err := s.q.UserCreate(ctx, tx, dbq.UserCreateParams{
				OrgID: orgID, Email: strings.ToLower(row.Email), Name: row.Name, Title: row.Title,
				Role: dbq.UserRole(row.Role), ManagerID: mgr, TimeZone: "UTC",
			})
			if err != nil {
				if core.ErrorCode(mapErr(err, "")) == core.ECONFLICT {
					return core.Errorf(core.ECONFLICT, "Line %d: %s was added by someone else meanwhile; nothing was imported.", row.Line, row.Email)
				}
				return err
			}
			idByEmail[strings.ToLower(u.Email)] = u.ID
			if row.Team != "" {
				if _, err := s.q.TeamMemberAdd(ctx, tx, dbq.TeamMemberAddParams{OrgID: orgID, TeamID: teamIDs[strings.ToLower(row.Team)], UserID: u.ID}); err != nil {
					return err
				}
			}
			by := actorID
			if _, err := s.q.InvitationCreate(ctx, tx, dbq.InvitationCreateParams{OrgID: orgID, UserID: u.ID, TokenHash: hashes[i], InvitedBy: &by, ExpiresAt: expires}); err != nil {
				return err
			}
			if i < len(mails) {
				if err := s.queueMail(ctx, tx, u, mails[i]); err != nil {
					return err
				}
			}
			created = append(created, personFromUser(u, nil))
		}
		return s.audit(ctx, tx, orgID, actorID, "people.import", fmt.Sprintf("%d people", len(rows)))
	})
	if err != nil {
		return nil, mapErr(err, "Import")
	}
	return created, nil
}

// CreateAdmin adds an admin with a password to the organisation of that name,
// creating the organisation if there is none. It is for the command line.
func (s *PeopleStore) CreateAdmin(ctx context.Context, orgName string, in people.PersonInput, hash string) (people.Person, error) {
	var p people.Person
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		o, err := s.q.OrgFindByName(ctx, tx, orgName)
		if err != nil {
			if core.ErrorCode(mapErr(err, "")) != core.ENOTFOUND {
				return err
			}
			if o, err = s.q.OrgCreate(ctx, tx, orgName); err != nil {
				return err
			}
		}
		u, err := s.q.UserCreate(ctx, tx, dbq.UserCreateParams{
			OrgID: o.ID, Email: in.Email, Name: in.Name, Title: in.Title, Role: dbq.UserRoleAdmin,
			TimeZone: in.TimeZone, PasswordHash: hash,
		})
		if err != nil {
			return emailTaken(mapErr(err, "Person"))
		}
		p = personFromUser(u, nil)
		return s.audit(ctx, tx, o.ID, 0, "person.create_admin_cli", fmt.Sprintf("person:%d", u.ID))
	})
	return p, mapErr(err, "Person")
}

// TakeLimit reads key's rate-limit counter under a row lock, stores what
// decide makes of it and returns decide's verdict.
func (s *LimitStore) TakeLimit(ctx context.Context, key string, now time.Time, decide func(people.LimitState) (people.LimitState, time.Duration)) (time.Duration, error) {
	var wait time.Duration
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		// A counter lost in a crash costs a guesser's few attempts nothing
		// much; not waiting for the disk saves every sign-in a flush.
		if _, err := tx.Exec(ctx, "SET LOCAL synchronous_commit TO OFF"); err != nil {
			return err
		}
		r, err := s.q.RateLimitLock(ctx, tx, dbq.RateLimitLockParams{Key: key, Now: now})
		if err != nil {
			return err
		}
		st, w := decide(people.LimitState{WindowStart: r.WindowStart, Hits: int(r.Hits), LastHit: r.LastHit, BlockedUntil: r.BlockedUntil})
		wait = w
		return s.q.RateLimitSet(ctx, tx, dbq.RateLimitSetParams{Key: key, WindowStart: st.WindowStart, Hits: int32(st.Hits),
			LastHit: st.LastHit, BlockedUntil: st.BlockedUntil})
	})
	return wait, mapErr(err, "Rate limit")
}

// ClearLimit forgets a rate-limit counter.
func (s *LimitStore) ClearLimit(ctx context.Context, key string) error {
	return mapErr(s.q.RateLimitClear(ctx, s.pool, key), "Rate limit")
}

// PruneLimits drops counters idle and unblocked since before.
func (s *LimitStore) PruneLimits(ctx context.Context, before time.Time) (int64, error) {
	n, err := s.q.RateLimitPrune(ctx, s.pool, before)
	return n, mapErr(err, "Rate limit")
}
