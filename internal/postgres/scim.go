package postgres

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"rapport/internal/core"
	"rapport/internal/people"
	"rapport/internal/postgres/dbq"
)

var _ people.ScimStore = (*SCIMStore)(nil)

// SCIMStore keeps what an identity provider provisions over SCIM: its
// tokens, and the people and groups it manages. Deactivation and manager
// checks are the people store's own (on base), so both ways in keep the
// same rules.
type SCIMStore struct{ base }

// NewSCIMStore returns the SCIM store on pool.
func NewSCIMStore(pool *pgxpool.Pool) *SCIMStore { return &SCIMStore{newBase(pool)} }

func scimTokenFrom(t dbq.ScimToken) people.ScimToken {
	return people.ScimToken{ID: t.ID, OrgID: t.OrgID, Name: t.Name, Prefix: t.Prefix, CreatedAt: t.CreatedAt,
		LastUsedAt: t.LastUsedAt, RevokedAt: t.RevokedAt}
}

// CreateScimToken stores a token's hash. A live token of the same name
// already there (a double submit) is a field error: nothing is stored twice.
func (s *SCIMStore) CreateScimToken(ctx context.Context, orgID, actorID int64, name, prefix string, hash []byte) (people.ScimToken, error) {
	var t people.ScimToken
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var by *int64
		if actorID != 0 {
			by = &actorID
		}
		r, err := s.q.ScimTokenCreate(ctx, tx, dbq.ScimTokenCreateParams{OrgID: orgID, Name: name, Prefix: prefix, TokenHash: hash, CreatedBy: by})
		if err == pgx.ErrNoRows {
			return fieldErr("name", "A token with this name is already in use. Revoke it first, or choose another name.")
		}
		if err != nil {
			return err
		}
		t = scimTokenFrom(r)
		return s.auditDetail(ctx, tx, orgID, actorID, "scim.token_create", fmt.Sprintf("scim_token:%d", r.ID),
			map[string]string{"name": name, "prefix": prefix})
	})
	return t, mapErr(err, "SCIM token")
}

// ScimTokens lists an organisation's tokens, live ones first.
func (s *SCIMStore) ScimTokens(ctx context.Context, orgID int64) ([]people.ScimToken, error) {
	rows, err := s.q.ScimTokenList(ctx, s.pool, orgID)
	if err != nil {
		return nil, mapErr(err, "SCIM tokens")
	}
	out := make([]people.ScimToken, len(rows))
	for i, r := range rows {
		out[i] = scimTokenFrom(r)
	}
	return out, nil
}

// RevokeScimToken revokes a live token; revoking it again changes nothing.
func (s *SCIMStore) RevokeScimToken(ctx context.Context, orgID, actorID, id int64) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		r, err := s.q.ScimTokenRevoke(ctx, tx, dbq.ScimTokenRevokeParams{OrgID: orgID, ID: id})
		if err == pgx.ErrNoRows {
			_, err := s.q.ScimTokenGet(ctx, tx, dbq.ScimTokenGetParams{OrgID: orgID, ID: id})
			return err
		}
		if err != nil {
			return err
		}
		return s.auditDetail(ctx, tx, orgID, actorID, "scim.token_revoke", fmt.Sprintf("scim_token:%d", id),
			map[string]string{"name": r.Name, "prefix": r.Prefix})
	})
	return mapErr(err, "SCIM token")
}

// tokenTouchEvery is how stale a token's last use may get before it is
// written again: a busy provider does not rewrite the row on every request.
const tokenTouchEvery = time.Minute

// ScimTokenByHash returns a live token and notes its use.
func (s *SCIMStore) ScimTokenByHash(ctx context.Context, hash []byte, now time.Time) (people.ScimToken, error) {
	r, err := s.q.ScimTokenByHash(ctx, s.pool, hash)
	if err != nil {
		return people.ScimToken{}, mapErr(err, "SCIM token")
	}
	if r.LastUsedAt == nil || now.Sub(*r.LastUsedAt) > tokenTouchEvery {
		if err := s.q.ScimTokenTouch(ctx, s.pool, dbq.ScimTokenTouchParams{Now: &now, ID: r.ID}); err != nil {
			return people.ScimToken{}, mapErr(err, "SCIM token")
		}
		r.LastUsedAt = &now
	}
	return scimTokenFrom(r), nil
}

func provisionedFrom(u dbq.User, ext, given, family, managerName *string) people.ProvisionedUser {
	p := people.ProvisionedUser{Person: personFromUser(u, managerName), UpdatedAt: u.UpdatedAt}
	if ext != nil {
		p.ExternalID = *ext
	}
	if given != nil {
		p.GivenName = *given
	}
	if family != nil {
		p.FamilyName = *family
	}
	return p
}

// ProvisionedUsers returns a screen of people in id order and how many match.
func (s *SCIMStore) ProvisionedUsers(ctx context.Context, orgID int64, f people.ProvisionFilter) ([]people.ProvisionedUser, int, error) {
	total, err := s.q.ScimUserCount(ctx, s.pool, dbq.ScimUserCountParams{OrgID: orgID, Email: f.Email, ExternalID: f.ExternalID})
	if err != nil {
		return nil, 0, mapErr(err, "People")
	}
	if f.Limit == 0 || int64(f.Offset) >= total {
		return []people.ProvisionedUser{}, int(total), nil
	}
	rows, err := s.q.ScimUserPage(ctx, s.pool, dbq.ScimUserPageParams{OrgID: orgID, Email: f.Email, ExternalID: f.ExternalID,
		RowOffset: int32(f.Offset), RowLimit: int32(f.Limit)})
	if err != nil {
		return nil, 0, mapErr(err, "People")
	}
	out := make([]people.ProvisionedUser, len(rows))
	for i, r := range rows {
		out[i] = provisionedFrom(r.User, r.ExternalID, r.GivenName, r.FamilyName, r.ManagerName)
	}
	return out, int(total), nil
}

// ProvisionedUser returns one person the provider has not deleted.
func (s *SCIMStore) ProvisionedUser(ctx context.Context, orgID, id int64) (people.ProvisionedUser, error) {
	return s.provisionedUser(ctx, s.pool, orgID, id)
}

func (s *SCIMStore) provisionedUser(ctx context.Context, db dbq.DBTX, orgID, id int64) (people.ProvisionedUser, error) {
	r, err := s.q.ScimUserGet(ctx, db, dbq.ScimUserGetParams{OrgID: orgID, ID: id})
	if err != nil {
		return people.ProvisionedUser{}, mapErr(err, "User")
	}
	return provisionedFrom(r.User, r.ExternalID, r.GivenName, r.FamilyName, r.ManagerName), nil
}

// viaScim is the audit detail of a change a provider made.
func viaScim(p people.Provisioner, kv ...string) map[string]string {
	d := map[string]string{"via": "scim", "token": p.TokenName}
	for i := 0; i+1 < len(kv); i += 2 {
		d[kv[i]] = kv[i+1]
	}
	return d
}

func idText(id *int64) string {
	if id == nil {
		return ""
	}
	return "person:" + strconv.FormatInt(*id, 10)
}

var errUserNameTaken = &core.Error{Code: core.ECONFLICT, Message: "A user with this userName already exists."}

// ProvisionUser creates (id 0) or changes a person to match in. A create
// for an address the provider had deleted takes that person back
// (created false). Every change gets its audit entry: created, moved (a new
// manager), title changed, deactivated, reactivated, details updated.
func (s *SCIMStore) ProvisionUser(ctx context.Context, p people.Provisioner, id int64, in people.ProvisionedUserInput) (people.ProvisionedUser, bool, error) {
	var (
		out     people.ProvisionedUser
		created bool
	)
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if err := s.q.OrgLockTree(ctx, tx, p.OrgID); err != nil {
			return err
		}
		if id == 0 {
			prev, err := s.q.ScimUserByEmail(ctx, tx, dbq.ScimUserByEmailParams{OrgID: p.OrgID, Email: in.Email})
			switch {
			case err == nil && prev.DeletedAt != nil:
				id = prev.ID
			case err == nil:
				return errUserNameTaken
			case err != pgx.ErrNoRows:
				return err
			}
		}
		subject := ""
		var before dbq.User
		if id == 0 {
			if err := s.checkManager(ctx, tx, p.OrgID, 0, in.ManagerID); err != nil {
				return err
			}
			u, err := s.q.UserCreate(ctx, tx, dbq.UserCreateParams{
				OrgID: p.OrgID, Email: in.Email, Name: in.Name, Title: in.Title, Role: dbq.UserRoleEmployee,
				ManagerID: in.ManagerID, TimeZone: in.TimeZone,
			})
			if err != nil {
				if core.ErrorCode(mapErr(err, "")) == core.ECONFLICT {
					return errUserNameTaken
				}
				return err
			}
			created, id, before = true, u.ID, u
			subject = fmt.Sprintf("person:%d", id)
			if err := s.auditDetail(ctx, tx, p.OrgID, 0, "person.create", subject, viaScim(p)); err != nil {
				return err
			}
		} else {
			r, err := s.q.UserGet(ctx, tx, dbq.UserGetParams{OrgID: p.OrgID, ID: id})
			if err != nil {
				return err
			}
			before, subject = r.User, fmt.Sprintf("person:%d", id)
			if !slices.Equal(ptrSlice(before.ManagerID), ptrSlice(in.ManagerID)) {
				if err := s.checkManager(ctx, tx, p.OrgID, id, in.ManagerID); err != nil {
					return err
				}
			}
			u, err := s.q.UserUpdate(ctx, tx, dbq.UserUpdateParams{
				OrgID: p.OrgID, ID: id, Email: in.Email, Name: in.Name, Title: in.Title, Role: before.Role,
				ManagerID: in.ManagerID, TimeZone: in.TimeZone,
			})
			if err != nil {
				if core.ErrorCode(mapErr(err, "")) == core.ECONFLICT {
					return errUserNameTaken
				}
				return err
			}
			if before.Title != u.Title {
				if err := s.auditDetail(ctx, tx, p.OrgID, 0, "person.title", subject,
					viaScim(p, "from", before.Title, "to", u.Title)); err != nil {
					return err
				}
			}
			if !slices.Equal(ptrSlice(before.ManagerID), ptrSlice(u.ManagerID)) {
				if err := s.auditDetail(ctx, tx, p.OrgID, 0, "person.move", subject,
					viaScim(p, "from", idText(before.ManagerID), "to", idText(u.ManagerID))); err != nil {
					return err
				}
			}
			if before.Email != u.Email || before.Name != u.Name || before.TimeZone != u.TimeZone {
				if err := s.auditDetail(ctx, tx, p.OrgID, 0, "person.update", subject, viaScim(p)); err != nil {
					return err
				}
			}
		}
		if before.Active != in.Active {
			if _, _, err := s.setActiveTx(ctx, tx, p.OrgID, 0, id, in.Active, "", viaScim(p)); err != nil {
				return err
			}
		}
		if err := s.q.ScimUserUpsert(ctx, tx, dbq.ScimUserUpsertParams{OrgID: p.OrgID, UserID: id,
			ExternalID: in.ExternalID, GivenName: in.GivenName, FamilyName: in.FamilyName}); err != nil {
			return err
		}
		var err error
		out, err = s.provisionedUser(ctx, tx, p.OrgID, id)
		return err
	})
	return out, created, mapErr(err, "User")
}

func ptrSlice(id *int64) []int64 {
	if id == nil {
		return nil
	}
	return []int64{*id}
}

// DeprovisionUser deactivates a person (as an admin would) and hides them
// from SCIM from then on.
func (s *SCIMStore) DeprovisionUser(ctx context.Context, p people.Provisioner, id int64) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if err := s.q.OrgLockTree(ctx, tx, p.OrgID); err != nil {
			return err
		}
		if _, err := s.provisionedUser(ctx, tx, p.OrgID, id); err != nil {
			return err
		}
		if _, _, err := s.setActiveTx(ctx, tx, p.OrgID, 0, id, false, "", viaScim(p)); err != nil {
			return err
		}
		if err := s.q.ScimUserMarkDeleted(ctx, tx, dbq.ScimUserMarkDeletedParams{OrgID: p.OrgID, UserID: id}); err != nil {
			return err
		}
		return s.auditDetail(ctx, tx, p.OrgID, 0, "person.scim_delete", fmt.Sprintf("person:%d", id), viaScim(p))
	})
	return mapErr(err, "User")
}

func groupFrom(id int64, name string, created time.Time, ext *string, updated *time.Time) people.ProvisionedGroup {
	g := people.ProvisionedGroup{ID: id, Name: name, CreatedAt: created, UpdatedAt: created}
	if ext != nil {
		g.ExternalID = *ext
	}
	if updated != nil {
		g.UpdatedAt = *updated
	}
	return g
}

// withMembers fills the groups' members in one statement.
func (s *SCIMStore) withMembers(ctx context.Context, db dbq.DBTX, orgID int64, gs []people.ProvisionedGroup) error {
	if len(gs) == 0 {
		return nil
	}
	ids := make([]int64, len(gs))
	at := make(map[int64]int, len(gs))
	for i, g := range gs {
		ids[i], at[g.ID] = g.ID, i
		gs[i].Members = []people.Member{}
	}
	rows, err := s.q.ScimGroupMembers(ctx, db, dbq.ScimGroupMembersParams{OrgID: orgID, TeamIds: ids})
	if err != nil {
		return err
	}
	for _, r := range rows {
		g := &gs[at[r.TeamID]]
		g.Members = append(g.Members, people.Member{ID: r.ID, Name: r.Name})
	}
	return nil
}

// ProvisionedGroups returns a screen of teams in id order and how many match.
func (s *SCIMStore) ProvisionedGroups(ctx context.Context, orgID int64, f people.ProvisionFilter) ([]people.ProvisionedGroup, int, error) {
	total, err := s.q.ScimGroupCount(ctx, s.pool, dbq.ScimGroupCountParams{OrgID: orgID, Name: f.Name, ExternalID: f.ExternalID})
	if err != nil {
		return nil, 0, mapErr(err, "Teams")
	}
	if f.Limit == 0 || int64(f.Offset) >= total {
		return []people.ProvisionedGroup{}, int(total), nil
	}
	rows, err := s.q.ScimGroupPage(ctx, s.pool, dbq.ScimGroupPageParams{OrgID: orgID, Name: f.Name, ExternalID: f.ExternalID,
		RowOffset: int32(f.Offset), RowLimit: int32(f.Limit)})
	if err != nil {
		return nil, 0, mapErr(err, "Teams")
	}
	out := make([]people.ProvisionedGroup, len(rows))
	for i, r := range rows {
		out[i] = groupFrom(r.ID, r.Name, r.CreatedAt, r.ExternalID, r.UpdatedAt)
		out[i].OrgID = orgID
	}
	if !f.NoMembers {
		if err := s.withMembers(ctx, s.pool, orgID, out); err != nil {
			return nil, 0, mapErr(err, "Teams")
		}
	}
	return out, int(total), nil
}

// ProvisionedGroup returns one team with its members.
func (s *SCIMStore) ProvisionedGroup(ctx context.Context, orgID, id int64) (people.ProvisionedGroup, error) {
	g, err := s.provisionedGroup(ctx, s.pool, orgID, id)
	return g, mapErr(err, "Group")
}

func (s *SCIMStore) provisionedGroup(ctx context.Context, db dbq.DBTX, orgID, id int64) (people.ProvisionedGroup, error) {
	r, err := s.q.ScimGroupGet(ctx, db, dbq.ScimGroupGetParams{OrgID: orgID, ID: id})
	if err != nil {
		return people.ProvisionedGroup{}, err
	}
	gs := []people.ProvisionedGroup{groupFrom(r.ID, r.Name, r.CreatedAt, r.ExternalID, r.UpdatedAt)}
	gs[0].OrgID = orgID
	if err := s.withMembers(ctx, db, orgID, gs); err != nil {
		return people.ProvisionedGroup{}, err
	}
	return gs[0], nil
}

var errGroupNameTaken = &core.Error{Code: core.ECONFLICT, Message: "A group with this displayName already exists."}

// ProvisionGroup creates (id 0) or changes a team: its name, its external
// id, its members. Each member added or removed gets an audit entry.
func (s *SCIMStore) ProvisionGroup(ctx context.Context, p people.Provisioner, id int64, ch people.GroupChange) (people.ProvisionedGroup, error) {
	var out people.ProvisionedGroup
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		subject := ""
		if id == 0 {
			// A group the provider deleted comes back with its history.
			prev, err := s.q.ScimGroupByName(ctx, tx, dbq.ScimGroupByNameParams{OrgID: p.OrgID, Name: *ch.Name})
			switch {
			case err == nil && prev.DeletedAt != nil:
				id = prev.ID
			case err == nil:
				return errGroupNameTaken
			case err != pgx.ErrNoRows:
				return err
			}
		}
		if id == 0 {
			t, err := s.q.TeamCreate(ctx, tx, dbq.TeamCreateParams{OrgID: p.OrgID, Name: *ch.Name})
			if err != nil {
				if core.ErrorCode(mapErr(err, "")) == core.ECONFLICT {
					return errGroupNameTaken
				}
				return err
			}
			id, subject = t.ID, fmt.Sprintf("team:%d", t.ID)
			if err := s.auditDetail(ctx, tx, p.OrgID, 0, "team.create", subject, viaScim(p)); err != nil {
				return err
			}
		} else {
			t, err := s.q.TeamGet(ctx, tx, dbq.TeamGetParams{OrgID: p.OrgID, ID: id})
			if err != nil {
				return err
			}
			subject = fmt.Sprintf("team:%d", id)
			if ch.Name != nil && *ch.Name != t.Name {
				if _, err := s.q.TeamUpdate(ctx, tx, dbq.TeamUpdateParams{OrgID: p.OrgID, ID: id, Name: *ch.Name, Description: t.Description}); err != nil {
					if core.ErrorCode(mapErr(err, "")) == core.ECONFLICT {
						return errGroupNameTaken
					}
					return err
				}
				if err := s.auditDetail(ctx, tx, p.OrgID, 0, "team.update", subject, viaScim(p, "from", t.Name, "to", *ch.Name)); err != nil {
					return err
				}
			}
		}
		if err := s.changeMembers(ctx, tx, p, id, ch); err != nil {
			return err
		}
		if ch.ExternalID != nil {
			if err := s.q.ScimGroupUpsert(ctx, tx, dbq.ScimGroupUpsertParams{OrgID: p.OrgID, TeamID: id, ExternalID: *ch.ExternalID}); err != nil {
				return err
			}
		} else if err := s.q.ScimGroupTouch(ctx, tx, dbq.ScimGroupTouchParams{OrgID: p.OrgID, TeamID: id}); err != nil {
			return err
		}
		var err error
		out, err = s.provisionedGroup(ctx, tx, p.OrgID, id)
		return err
	})
	return out, mapErr(err, "Group")
}

// changeMembers applies a change's members to a team: every id must be a
// person of the organisation.
func (s *SCIMStore) changeMembers(ctx context.Context, tx pgx.Tx, p people.Provisioner, teamID int64, ch people.GroupChange) error {
	if ch.Members == nil && len(ch.Add) == 0 && len(ch.Remove) == 0 {
		return nil
	}
	current, err := s.q.TeamMembers(ctx, tx, dbq.TeamMembersParams{OrgID: p.OrgID, TeamID: teamID})
	if err != nil {
		return err
	}
	have := map[int64]bool{}
	for _, m := range current {
		have[m.ID] = true
	}
	want := map[int64]bool{}
	if ch.Members != nil {
		for _, id := range *ch.Members {
			want[id] = true
		}
	} else {
		for id := range have {
			want[id] = true
		}
	}
	for _, id := range ch.Add {
		want[id] = true
	}
	for _, id := range ch.Remove {
		delete(want, id)
	}
	var add, remove []int64
	for id := range want {
		if !have[id] {
			add = append(add, id)
		}
	}
	for id := range have {
		if !want[id] {
			remove = append(remove, id)
		}
	}
	slices.Sort(add)
	slices.Sort(remove)
	if len(add) > 0 {
		found, err := s.q.ScimUsersInOrg(ctx, tx, dbq.ScimUsersInOrgParams{OrgID: p.OrgID, Ids: add})
		if err != nil {
			return err
		}
		if len(found) != len(add) {
			for _, id := range add {
				if !slices.Contains(found, id) {
					return &core.Error{Code: core.EINVALID, Message: fmt.Sprintf("Member %d is not a user of this organisation.", id),
						Fields: map[string]string{"members": fmt.Sprintf("Member %d is not a user of this organisation.", id)}}
				}
			}
		}
	}
	team := fmt.Sprintf("team:%d", teamID)
	for _, id := range add {
		if _, err := s.q.TeamMemberAdd(ctx, tx, dbq.TeamMemberAddParams{OrgID: p.OrgID, TeamID: teamID, UserID: id}); err != nil {
			return err
		}
		if err := s.auditDetail(ctx, tx, p.OrgID, 0, "team.member_add", fmt.Sprintf("%s person:%d", team, id), viaScim(p)); err != nil {
			return err
		}
	}
	for _, id := range remove {
		if _, err := s.q.TeamMemberRemove(ctx, tx, dbq.TeamMemberRemoveParams{OrgID: p.OrgID, TeamID: teamID, UserID: id}); err != nil {
			return err
		}
		if err := s.auditDetail(ctx, tx, p.OrgID, 0, "team.member_remove", fmt.Sprintf("%s person:%d", team, id), viaScim(p)); err != nil {
			return err
		}
	}
	return nil
}

// DeprovisionGroup takes every member off a team and hides it from SCIM.
// The team itself stays, with its retros, rituals and kudos: a provider
// unassigning a group must not wipe a team's history. An admin may delete
// it in Rapport.
func (s *SCIMStore) DeprovisionGroup(ctx context.Context, p people.Provisioner, id int64) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := s.provisionedGroup(ctx, tx, p.OrgID, id); err != nil {
			return err
		}
		if err := s.changeMembers(ctx, tx, p, id, people.GroupChange{Members: &[]int64{}}); err != nil {
			return err
		}
		if err := s.q.ScimGroupMarkDeleted(ctx, tx, dbq.ScimGroupMarkDeletedParams{OrgID: p.OrgID, TeamID: id}); err != nil {
			return err
		}
		return s.auditDetail(ctx, tx, p.OrgID, 0, "team.scim_delete", fmt.Sprintf("team:%d", id), viaScim(p))
	})
	return mapErr(err, "Group")
}
