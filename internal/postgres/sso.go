package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"rapport/internal/postgres/dbq"
	"rapport/internal/sso"
)

var _ sso.Store = (*SSOStore)(nil)

// SSOStore keeps organisations' single sign-on settings, sign-ins under way
// and the identities linked to people.
type SSOStore struct{ base }

// NewSSOStore returns the single sign-on store on pool.
func NewSSOStore(pool *pgxpool.Pool) *SSOStore { return &SSOStore{newBase(pool)} }

func storedFromRow(r dbq.SSOSettingsGetRow) sso.Stored {
	return sso.Stored{
		Settings: sso.Settings{OrgID: r.OrgID, ProviderName: r.ProviderName, Issuer: r.Issuer, ClientID: r.ClientID,
			SecretSet: len(r.ClientSecretSealed) > 0, Domains: r.AllowedDomains, JIT: r.Jit, Enforce: r.Enforce,
			BreakGlassID: r.BreakGlassID, BreakGlassName: r.BreakGlassName, BreakGlassOK: r.BreakGlassOk, UpdatedAt: r.UpdatedAt},
		SecretSealed: r.ClientSecretSealed, SecretKeyID: r.ClientSecretKeyID,
	}
}

// SSOSettings returns an organisation's single sign-on settings.
func (s *SSOStore) SSOSettings(ctx context.Context, orgID int64) (sso.Stored, error) {
	r, err := s.q.SSOSettingsGet(ctx, s.pool, orgID)
	if err != nil {
		return sso.Stored{}, mapErr(err, "Single sign-on")
	}
	return storedFromRow(r), nil
}

// SaveSSOSettings writes an organisation's settings and audits the fields
// changed, under a per-organisation lock; see sso.Store.
func (s *SSOStore) SaveSSOSettings(ctx context.Context, orgID, actorID int64, build func(old *sso.Stored) (sso.Stored, []string, error)) (bool, error) {
	changed := false
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if err := s.q.SSOSettingsLock(ctx, tx, orgID); err != nil {
			return err
		}
		var old *sso.Stored
		r, err := s.q.SSOSettingsGet(ctx, tx, orgID)
		switch {
		case err == nil:
			st := storedFromRow(r)
			old = &st
		case !errors.Is(err, pgx.ErrNoRows):
			return err
		}
		next, fields, err := build(old)
		if err != nil || len(fields) == 0 {
			return err
		}
		var actor *int64
		if actorID != 0 {
			actor = &actorID
		}
		domains := next.Domains
		if domains == nil {
			domains = []string{}
		}
		if err := s.q.SSOSettingsSave(ctx, tx, dbq.SSOSettingsSaveParams{
			OrgID: orgID, ProviderName: next.ProviderName, Issuer: next.Issuer, ClientID: next.ClientID,
			ClientSecretSealed: next.SecretSealed, ClientSecretKeyID: next.SecretKeyID, AllowedDomains: domains,
			Jit: next.JIT, Enforce: next.Enforce, BreakGlassID: next.BreakGlassID, UpdatedBy: actor,
		}); err != nil {
			return err
		}
		changed = true
		detail := map[string]any{"changed": fields, "enforce": next.Enforce, "jit": next.JIT}
		subject := ""
		if next.BreakGlassID != nil {
			subject = fmt.Sprintf("person:%d", *next.BreakGlassID)
		}
		return s.auditDetail(ctx, tx, orgID, actorID, "sso.settings", subject, detail)
	})
	return changed, mapErr(err, "Single sign-on")
}

// DeleteSSOSettings removes an organisation's settings and audits it.
func (s *SSOStore) DeleteSSOSettings(ctx context.Context, orgID, actorID int64) (bool, error) {
	found := false
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if err := s.q.SSOSettingsLock(ctx, tx, orgID); err != nil {
			return err
		}
		n, err := s.q.SSOSettingsDelete(ctx, tx, orgID)
		if err != nil || n == 0 {
			return err
		}
		found = true
		return s.audit(ctx, tx, orgID, actorID, "sso.removed", "")
	})
	return found, mapErr(err, "Single sign-on")
}

// SSOOrgsForDomain lists the organisations that sign in an email domain with SSO.
func (s *SSOStore) SSOOrgsForDomain(ctx context.Context, domain string) ([]sso.OrgOption, error) {
	rows, err := s.q.SSOOrgsForDomain(ctx, s.pool, domain)
	if err != nil {
		return nil, mapErr(err, "Organisation")
	}
	out := make([]sso.OrgOption, len(rows))
	for i, r := range rows {
		out[i] = sso.OrgOption{OrgID: r.ID, OrgName: r.Name, ProviderName: r.ProviderName}
	}
	return out, nil
}

// SSOProvider returns an organisation with single sign-on.
func (s *SSOStore) SSOProvider(ctx context.Context, orgID int64) (sso.OrgOption, error) {
	r, err := s.q.SSOProviderForOrg(ctx, s.pool, orgID)
	if err != nil {
		return sso.OrgOption{}, mapErr(err, "Organisation")
	}
	return sso.OrgOption{OrgID: r.ID, OrgName: r.Name, ProviderName: r.ProviderName}, nil
}

// IsActiveAdmin reports whether a person is an active admin of the organisation.
func (s *SSOStore) IsActiveAdmin(ctx context.Context, orgID, personID int64) (bool, error) {
	return s.q.SSOAdminActive(ctx, s.pool, dbq.SSOAdminActiveParams{OrgID: orgID, ID: personID})
}

// ActiveAdmins lists the organisation's active admins by name.
func (s *SSOStore) ActiveAdmins(ctx context.Context, orgID int64) ([]sso.Admin, error) {
	rows, err := s.q.SSOAdminOptions(ctx, s.pool, orgID)
	if err != nil {
		return nil, mapErr(err, "Person")
	}
	out := make([]sso.Admin, len(rows))
	for i, r := range rows {
		out[i] = sso.Admin{ID: r.ID, Name: r.Name, Email: r.Email}
	}
	return out, nil
}

// CreateSSOLogin stores a sign-in under way and prunes old ones.
func (s *SSOStore) CreateSSOLogin(ctx context.Context, l sso.Login, prune time.Time) error {
	if err := s.q.SSOLoginsPrune(ctx, s.pool, prune); err != nil {
		return mapErr(err, "Sign-in")
	}
	return mapErr(s.q.SSOLoginCreate(ctx, s.pool, dbq.SSOLoginCreateParams{StateHash: l.StateHash, OrgID: l.OrgID,
		Nonce: l.Nonce, Verifier: l.Verifier, Next: l.Next, ExpiresAt: l.ExpiresAt}), "Sign-in")
}

// TakeSSOLogin returns and deletes a sign-in under way.
func (s *SSOStore) TakeSSOLogin(ctx context.Context, stateHash []byte) (sso.Login, error) {
	r, err := s.q.SSOLoginTake(ctx, s.pool, stateHash)
	if err != nil {
		return sso.Login{}, mapErr(err, "Sign-in")
	}
	return sso.Login{StateHash: r.StateHash, OrgID: r.OrgID, Nonce: r.Nonce, Verifier: r.Verifier, Next: r.Next, ExpiresAt: r.ExpiresAt}, nil
}

// SSOAccountBySubject finds the person linked to (issuer, subject).
func (s *SSOStore) SSOAccountBySubject(ctx context.Context, orgID int64, issuer, subject string) (sso.Account, error) {
	r, err := s.q.SSOAccountBySubject(ctx, s.pool, dbq.SSOAccountBySubjectParams{OrgID: orgID, Issuer: issuer, Subject: subject})
	if err != nil {
		return sso.Account{}, mapErr(err, "Account")
	}
	return sso.Account{PersonID: r.ID, OrgID: r.OrgID, Email: r.Email, Active: r.Active, Subject: r.Subject}, nil
}

// SSOAccountByEmail finds the person with an address and their subject at issuer.
func (s *SSOStore) SSOAccountByEmail(ctx context.Context, orgID int64, issuer, email string) (sso.Account, error) {
	r, err := s.q.SSOAccountByEmail(ctx, s.pool, dbq.SSOAccountByEmailParams{OrgID: orgID, Issuer: issuer, Email: email})
	if err != nil {
		return sso.Account{}, mapErr(err, "Account")
	}
	return sso.Account{PersonID: r.ID, OrgID: r.OrgID, Email: r.Email, Active: r.Active, Subject: r.Subject}, nil
}

// LinkSSOIdentity links a person to (issuer, subject) unless either is linked.
func (s *SSOStore) LinkSSOIdentity(ctx context.Context, orgID, personID int64, issuer, subject string) (bool, error) {
	n, err := s.q.SSOIdentityLink(ctx, s.pool, dbq.SSOIdentityLinkParams{OrgID: orgID, UserID: personID, Issuer: issuer, Subject: subject})
	if err != nil {
		return false, mapErr(err, "Account")
	}
	return n == 1, nil
}

// SSOSecretsToReseal lists the client secrets not sealed by the current key.
func (s *SSOStore) SSOSecretsToReseal(ctx context.Context, currentKeyID string) ([]sso.SealedSecret, error) {
	rows, err := s.q.SSOSecretsToReseal(ctx, s.pool, currentKeyID)
	if err != nil {
		return nil, mapErr(err, "Single sign-on")
	}
	out := make([]sso.SealedSecret, len(rows))
	for i, r := range rows {
		out[i] = sso.SealedSecret{OrgID: r.OrgID, Sealed: r.ClientSecretSealed, KeyID: r.ClientSecretKeyID}
	}
	return out, nil
}

// ResealSSOSecret replaces a sealed client secret unless it changed meanwhile.
func (s *SSOStore) ResealSSOSecret(ctx context.Context, old, sealed sso.SealedSecret) (bool, error) {
	n, err := s.q.SSOSecretReseal(ctx, s.pool, dbq.SSOSecretResealParams{NewSealed: sealed.Sealed, NewKeyID: sealed.KeyID,
		OrgID: old.OrgID, OldKeyID: old.KeyID, OldSealed: old.Sealed})
	if err != nil {
		return false, mapErr(err, "Single sign-on")
	}
	return n == 1, nil
}

// CreateSSOPerson creates an employee, linked to (issuer, subject), with no
// manager and no password, and audits it as done by no one (the system).
func (s *SSOStore) CreateSSOPerson(ctx context.Context, orgID int64, name, email, issuer, subject string) (sso.Account, error) {
	var acct sso.Account
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if err := s.q.OrgLockTree(ctx, tx, orgID); err != nil {
			return err
		}
		u, err := s.q.UserCreate(ctx, tx, dbq.UserCreateParams{OrgID: orgID, Email: email, Name: name,
			Role: dbq.UserRoleEmployee, TimeZone: "UTC"})
		if err != nil {
			return err
		}
		n, err := s.q.SSOIdentityLink(ctx, tx, dbq.SSOIdentityLinkParams{OrgID: orgID, UserID: u.ID, Issuer: issuer, Subject: subject})
		if err != nil {
			return err
		}
		if n != 1 {
			return fmt.Errorf("link new person %d: identity already linked", u.ID)
		}
		acct = sso.Account{PersonID: u.ID, OrgID: orgID, Email: u.Email, Active: u.Active, Subject: subject}
		return s.auditDetail(ctx, tx, orgID, 0, "sso.person_created", fmt.Sprintf("person:%d", u.ID),
			map[string]any{"issuer": issuer})
	})
	return acct, mapErr(err, "Account")
}
