package core

import (
	"context"
	"time"
)

// Role is a person's single role in their organisation.
type Role string

// Roles, from most to least access.
const (
	RoleAdmin    Role = "admin"
	RoleLeader   Role = "leader"
	RoleManager  Role = "manager"
	RoleEmployee Role = "employee"
)

// Roles lists every role, in display order.
var Roles = []Role{RoleAdmin, RoleLeader, RoleManager, RoleEmployee}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	switch r {
	case RoleAdmin, RoleLeader, RoleManager, RoleEmployee:
		return true
	}
	return false
}

// Label is the role's name for people.
func (r Role) Label() string {
	switch r {
	case RoleAdmin:
		return "Admin"
	case RoleLeader:
		return "Leader"
	case RoleManager:
		return "Manager"
	case RoleEmployee:
		return "Employee"
	}
	return string(r)
}

// Actor is the signed-in person making a request.
type Actor struct {
	UserID int64
	OrgID  int64
	Role   Role
	Name   string
	Email  string
}

// Is reports whether the actor has one of roles.
func (a Actor) Is(roles ...Role) bool {
	for _, r := range roles {
		if a.Role == r {
			return true
		}
	}
	return false
}

type actorKey struct{}

// WithActor returns ctx carrying the actor.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor in ctx, if any.
func ActorFrom(ctx context.Context) (Actor, bool) {
	a, ok := ctx.Value(actorKey{}).(Actor)
	return a, ok
}

// Clock tells the time; tests pass a fixed one.
type Clock interface{ Now() time.Time }

// SystemClock is the real clock.
type SystemClock struct{}

// Now returns the current time.
func (SystemClock) Now() time.Time { return time.Now() }

// FixedClock always returns T.
type FixedClock struct{ T time.Time }

// Now returns the fixed time.
func (c FixedClock) Now() time.Time { return c.T }
