package people

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"rapport/internal/auth"
	"rapport/internal/core"
)

// PersonalTokenPrefix starts every personal access token, so that a leaked
// one is easy to recognise.
const PersonalTokenPrefix = "rapport_pat_"

// Scope is what a personal access token may do through the API.
type Scope string

// The scopes a token can have.
const (
	ScopeRead      Scope = "read"
	ScopeReadWrite Scope = "read_write"
)

// CanWrite reports whether the scope allows changes.
func (s Scope) CanWrite() bool { return s == ScopeReadWrite }

// Label is the scope as the account page names it.
func (s Scope) Label() string {
	if s == ScopeReadWrite {
		return "Read and write"
	}
	return "Read only"
}

// TokenLifetimes are the expiries, in days, a person may choose from.
var TokenLifetimes = []int{30, 90, 365}

// PersonalToken is one of a person's API tokens as they see it; the token
// itself is shown once, when created, and only its hash is stored.
type PersonalToken struct {
	ID         int64
	OrgID      int64
	UserID     int64
	Name       string
	Prefix     string // the token's first characters, to tell tokens apart
	Scope      Scope
	CreatedAt  time.Time
	ExpiresAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

// Live reports whether the token still works at now.
func (t PersonalToken) Live(now time.Time) bool {
	return t.RevokedAt == nil && now.Before(t.ExpiresAt)
}

// PersonalTokenInput is the new-token form.
type PersonalTokenInput struct {
	Name  string
	Scope string
	Days  string
}

// TokenStore is persistence for personal access tokens. Every method
// touches only the given person's rows.
type TokenStore interface {
	CreatePersonalToken(ctx context.Context, t PersonalToken, hash []byte) (PersonalToken, error)
	PersonalTokens(ctx context.Context, orgID, userID int64) ([]PersonalToken, error)
	// RevokePersonalToken revokes a live token; revoking it again changes
	// nothing; another person's token is ENOTFOUND.
	RevokePersonalToken(ctx context.Context, orgID, userID, id int64) error
	// PersonalTokenByHash returns a token live at now and marks it used.
	PersonalTokenByHash(ctx context.Context, hash []byte, now time.Time) (PersonalToken, error)
}

// newSecret makes a bearer secret starting with prefix, the characters shown
// to tell it apart, and the hash that is stored.
func newSecret(prefix string) (secret, shown string, hash []byte, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", "", nil, fmt.Errorf("read token: %w", err)
	}
	secret = prefix + base64.RawURLEncoding.EncodeToString(b)
	return secret, secret[:len(prefix)+4], auth.HashToken(secret), nil
}

// errTokenAuth is the one answer to every token that does not work: no hint
// of whether it ever existed, expired, was revoked or its person left.
var errTokenAuth = &core.Error{Code: core.EUNAUTHORIZED, Message: "Authentication required: send a valid personal access token."}

// CreatePersonalToken makes a named token for the signed-in person and
// returns it with the secret, which is shown once.
func (s *Service) CreatePersonalToken(ctx context.Context, a core.Actor, in PersonalTokenInput) (PersonalToken, string, error) {
	name := strings.TrimSpace(in.Name)
	var v core.Validator
	v.Check(name != "", "name", "Name the token after what will use it, e.g. My scripts.")
	v.Check(len(name) <= 100, "name", "Keep the name under 100 characters.")
	scope := Scope(in.Scope)
	v.Check(scope == ScopeRead || scope == ScopeReadWrite, "scope", "Choose read only, or read and write.")
	days := 0
	for _, d := range TokenLifetimes {
		if in.Days == fmt.Sprint(d) {
			days = d
		}
	}
	v.Check(days != 0, "days", "Choose when the token expires: in 30, 90 or 365 days.")
	if err := v.Err(); err != nil {
		return PersonalToken{}, "", err
	}
	secret, shown, hash, err := newSecret(PersonalTokenPrefix)
	if err != nil {
		return PersonalToken{}, "", err
	}
	t, err := s.Tokens.CreatePersonalToken(ctx, PersonalToken{OrgID: a.OrgID, UserID: a.UserID, Name: name, Prefix: shown,
		Scope: scope, ExpiresAt: s.Clock.Now().AddDate(0, 0, days)}, hash)
	if err != nil {
		return PersonalToken{}, "", err
	}
	return t, secret, nil
}

// PersonalTokens lists the signed-in person's tokens, live ones first.
func (s *Service) PersonalTokens(ctx context.Context, a core.Actor) ([]PersonalToken, error) {
	return s.Tokens.PersonalTokens(ctx, a.OrgID, a.UserID)
}

// RevokePersonalToken stops one of the person's tokens working, at once.
func (s *Service) RevokePersonalToken(ctx context.Context, a core.Actor, id int64) error {
	return s.Tokens.RevokePersonalToken(ctx, a.OrgID, a.UserID, id)
}

// AuthenticateToken returns who a bearer token acts as, and the token. A
// token is only as good as its person: a deactivated person's tokens fail
// like unknown, malformed, expired and revoked ones, with EUNAUTHORIZED.
func (s *Service) AuthenticateToken(ctx context.Context, secret string) (core.Actor, Person, PersonalToken, error) {
	if !strings.HasPrefix(secret, PersonalTokenPrefix) || len(secret) > 200 {
		return core.Actor{}, Person{}, PersonalToken{}, errTokenAuth
	}
	t, err := s.Tokens.PersonalTokenByHash(ctx, auth.HashToken(secret), s.Clock.Now())
	if err != nil {
		if core.ErrorCode(err) == core.ENOTFOUND {
			return core.Actor{}, Person{}, PersonalToken{}, errTokenAuth
		}
		return core.Actor{}, Person{}, PersonalToken{}, err
	}
	a, p, err := s.SignedIn(ctx, t.OrgID, t.UserID)
	if err != nil {
		if c := core.ErrorCode(err); c == core.ENOTFOUND || c == core.EUNAUTHORIZED {
			return core.Actor{}, Person{}, PersonalToken{}, errTokenAuth
		}
		return core.Actor{}, Person{}, PersonalToken{}, err
	}
	return a, p, t, nil
}
