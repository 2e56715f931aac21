package people

import (
	"context"

	"rapport/internal/core"
)

// The reads pages make about the signed-in person and their organisation.
// Everything a person's public profile shows (name, title, teams, reports)
// is visible to everyone in the organisation; each read is scoped to the
// actor's organisation.

// OrgName returns the name of the organisation someone is signing in to.
func (s *Service) OrgName(ctx context.Context, orgID int64) (string, error) {
	o, err := s.Store.FindOrg(ctx, orgID)
	return o.Name, err
}

// RecordSession notes whose session token it is (so ending a person's
// sessions finds them), with the browser that holds it.
func (s *Service) RecordSession(ctx context.Context, token string, personID int64, userAgent string) error {
	return s.Accounts.RecordSession(ctx, token, personID, userAgent)
}

// ForgetSession drops the record of a session that ends.
func (s *Service) ForgetSession(ctx context.Context, token string) error {
	return s.Accounts.ForgetSession(ctx, token)
}

// Me returns the actor's own row.
func (s *Service) Me(ctx context.Context, a core.Actor) (Person, error) {
	return s.Store.FindPerson(ctx, a.OrgID, a.UserID)
}

// TeamsOf lists the teams a person of the actor's organisation is in.
func (s *Service) TeamsOf(ctx context.Context, a core.Actor, personID int64) ([]Team, error) {
	return s.Store.TeamsFor(ctx, a.OrgID, personID)
}

// ReportsOf lists the direct reports of a person of the actor's organisation.
func (s *Service) ReportsOf(ctx context.Context, a core.Actor, personID int64) ([]Person, error) {
	return s.Store.DirectReports(ctx, a.OrgID, personID)
}

// TeamByID returns a team of the actor's organisation, by id, for pages
// whose own service has already checked the actor may see it.
func (s *Service) TeamByID(ctx context.Context, a core.Actor, id int64) (Team, error) {
	return s.Store.FindTeam(ctx, a.OrgID, id)
}

// InOrg returns a person of the actor's organisation by id, for what their
// public profile shows (name, title, whether they are active).
func (s *Service) InOrg(ctx context.Context, a core.Actor, id int64) (Person, error) {
	return s.Store.FindPerson(ctx, a.OrgID, id)
}
