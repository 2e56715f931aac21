package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"rapport/internal/people"
	"rapport/internal/postgres/dbq"
)

var _ people.TokenStore = (*AccountStore)(nil)

func personalTokenFrom(t dbq.PersonalToken) people.PersonalToken {
	return people.PersonalToken{ID: t.ID, OrgID: t.OrgID, UserID: t.UserID, Name: t.Name, Prefix: t.Prefix,
		Scope: people.Scope(t.Scope), CreatedAt: t.CreatedAt, ExpiresAt: t.ExpiresAt, LastUsedAt: t.LastUsedAt, RevokedAt: t.RevokedAt}
}

// tokenAudit writes a personal token's change to the audit log, naming the
// token but never its secret.
func (s *AccountStore) tokenAudit(ctx context.Context, tx pgx.Tx, action string, t dbq.PersonalToken) error {
	return s.auditDetail(ctx, tx, t.OrgID, t.UserID, action, fmt.Sprintf("personal_token:%d", t.ID),
		map[string]string{"name": t.Name, "prefix": t.Prefix, "scope": string(t.Scope), "expires_at": t.ExpiresAt.UTC().Format(time.RFC3339)})
}

// CreatePersonalToken stores a token's hash. A live token of the same name
// already there (a double submit) is a field error: nothing is stored twice.
func (s *AccountStore) CreatePersonalToken(ctx context.Context, t people.PersonalToken, hash []byte) (people.PersonalToken, error) {
	var out people.PersonalToken
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		r, err := s.q.PersonalTokenCreate(ctx, tx, dbq.PersonalTokenCreateParams{OrgID: t.OrgID, UserID: t.UserID, Name: t.Name,
			Prefix: t.Prefix, TokenHash: hash, Scope: dbq.TokenScope(t.Scope), ExpiresAt: t.ExpiresAt})
		if err == pgx.ErrNoRows {
			return fieldErr("name", "You have a token with this name already. Revoke it first, or choose another name.")
		}
		if err != nil {
			return err
		}
		out = personalTokenFrom(r)
		return s.tokenAudit(ctx, tx, "token.create", r)
	})
	return out, mapErr(err, "Token")
}

// PersonalTokens lists a person's tokens, live ones first.
func (s *AccountStore) PersonalTokens(ctx context.Context, orgID, userID int64) ([]people.PersonalToken, error) {
	rows, err := s.q.PersonalTokenList(ctx, s.pool, dbq.PersonalTokenListParams{OrgID: orgID, UserID: userID})
	if err != nil {
		return nil, mapErr(err, "Tokens")
	}
	out := make([]people.PersonalToken, 0, len(rows))
	for _, r := range rows {
		out = append(out, personalTokenFrom(r))
	}
	return out, nil
}

// RevokePersonalToken revokes a live token of the person; revoking it again
// changes nothing, and another person's token is not found.
func (s *AccountStore) RevokePersonalToken(ctx context.Context, orgID, userID, id int64) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		r, err := s.q.PersonalTokenRevoke(ctx, tx, dbq.PersonalTokenRevokeParams{OrgID: orgID, UserID: userID, ID: id})
		if err == pgx.ErrNoRows {
			_, err = s.q.PersonalTokenGet(ctx, tx, dbq.PersonalTokenGetParams{OrgID: orgID, UserID: userID, ID: id})
			return err
		}
		if err != nil {
			return err
		}
		return s.tokenAudit(ctx, tx, "token.revoke", r)
	})
	return mapErr(err, "Token")
}

// PersonalTokenByHash returns a token live at now and notes its use, at most
// once every tokenTouchEvery.
func (s *AccountStore) PersonalTokenByHash(ctx context.Context, hash []byte, now time.Time) (people.PersonalToken, error) {
	r, err := s.q.PersonalTokenByHash(ctx, s.pool, dbq.PersonalTokenByHashParams{TokenHash: hash, Now: now})
	if err != nil {
		return people.PersonalToken{}, mapErr(err, "Token")
	}
	if r.LastUsedAt == nil || now.Sub(*r.LastUsedAt) > tokenTouchEvery {
		if err := s.q.PersonalTokenTouch(ctx, s.pool, dbq.PersonalTokenTouchParams{Now: &now, ID: r.ID}); err != nil {
			return people.PersonalToken{}, mapErr(err, "Token")
		}
		r.LastUsedAt = &now
	}
	return personalTokenFrom(r), nil
}
