package oneonone

import (
	"context"
	"strconv"
	"strings"
	"unicode/utf8"

	"rapport/internal/core"
)

// Template is a person's saved set of talking points: a 1:1's agenda can
// start from it. Templates are their owner's alone.
type Template struct {
	ID    int64
	Name  string
	Items []string
}

// Limits on templates.
const (
	MaxTemplateName  = 80
	MaxTemplateItems = 20
)

// TemplateInput is the template form as typed: one point per line.
type TemplateInput struct {
	Name, Items string
}

// Validate trims the input and checks it, keeping each non-empty line as a
// point, in order, once.
func (in TemplateInput) Validate() (Template, error) {
	var v core.Validator
	t := Template{Name: strings.TrimSpace(in.Name)}
	v.Check(t.Name != "", "name", "Give the template a name.")
	v.Check(utf8.RuneCountInString(t.Name) <= MaxTemplateName, "name", "Keep the name under "+strconv.Itoa(MaxTemplateName)+" characters.")
	seen := map[string]bool{}
	long := false
	for _, line := range strings.Split(in.Items, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || seen[strings.ToLower(line)] {
			continue
		}
		seen[strings.ToLower(line)] = true
		long = long || utf8.RuneCountInString(line) > MaxAgendaLen
		t.Items = append(t.Items, line)
	}
	v.Check(len(t.Items) > 0, "items", "Write at least one talking point, one per line.")
	v.Check(len(t.Items) <= MaxTemplateItems, "items", "Keep it to "+strconv.Itoa(MaxTemplateItems)+" points at most.")
	v.Check(!long, "items", "Keep each point under "+strconv.Itoa(MaxAgendaLen)+" characters.")
	return t, v.Err()
}

// TemplateStore keeps templates.
type TemplateStore interface {
	Templates(ctx context.Context, orgID, ownerID int64) ([]Template, error)
	Template(ctx context.Context, orgID, ownerID, id int64) (Template, error)
	// CreateTemplate stores a template; one of the same name is kept as it
	// was (created false).
	CreateTemplate(ctx context.Context, orgID, ownerID int64, t Template) (id int64, created bool, err error)
	DeleteTemplate(ctx context.Context, orgID, ownerID, id int64) (bool, error)
}

// Templates lists the actor's templates.
func (s *Service) Templates(ctx context.Context, a core.Actor) ([]Template, error) {
	return s.Store.Templates(ctx, a.OrgID, a.UserID)
}

// CreateTemplate saves a template of the actor's. Names are unique per
// person: a second template of a name (a double submit too) is refused
// with a message and stores nothing.
func (s *Service) CreateTemplate(ctx context.Context, a core.Actor, in TemplateInput) (int64, error) {
	t, err := in.Validate()
	if err != nil {
		return 0, err
	}
	id, created, err := s.Store.CreateTemplate(ctx, a.OrgID, a.UserID, t)
	if err != nil || created {
		return id, err
	}
	var v core.Validator
	v.Check(false, "name", "You already have a template called “"+t.Name+"”. Choose another name.")
	return 0, v.Err()
}

// DeleteTemplate removes one of the actor's templates.
func (s *Service) DeleteTemplate(ctx context.Context, a core.Actor, id int64) error {
	ok, err := s.Store.DeleteTemplate(ctx, a.OrgID, a.UserID, id)
	if err == nil && !ok {
		err = core.NotFound("Template")
	}
	return err
}

// ApplyTemplate adds a template's points to a meeting the actor takes part
// in, as the actor's; a point already open on the agenda is not added twice.
func (s *Service) ApplyTemplate(ctx context.Context, a core.Actor, meetingID, templateID int64) error {
	if _, err := s.Meeting(ctx, a, meetingID); err != nil {
		return err
	}
	t, err := s.Store.Template(ctx, a.OrgID, a.UserID, templateID)
	if core.ErrorCode(err) == core.ENOTFOUND {
		var v core.Validator
		v.Check(false, "template_id", "Choose one of your templates.")
		return v.Err()
	}
	if err != nil {
		return err
	}
	for _, it := range t.Items {
		if err := s.Store.AddAgendaItem(ctx, a.OrgID, meetingID, a.UserID, it); err != nil {
			return err
		}
	}
	return nil
}
