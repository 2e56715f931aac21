package review

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"rapport/internal/core"
)

// Service applies the rules of the framework, cycles and reviews: who may
// see and write what, and in which order.
type Service struct {
	Store Store
	Clock core.Clock
}

// NewService returns a Service.
func NewService(store Store, clock core.Clock) *Service {
	return &Service{Store: store, Clock: clock}
}

// Framework returns the organisation's framework (version 0: the latest).
func (s *Service) Framework(ctx context.Context, a core.Actor, versionID int64) (Framework, []Version, error) {
	f, err := s.Store.Framework(ctx, a.OrgID, versionID)
	if err != nil {
		return f, nil, err
	}
	vs, err := s.Store.FrameworkVersions(ctx, a.OrgID)
	return f, vs, err
}

// FrameworkInput is the admin's edit of the framework.
type FrameworkInput struct {
	Note    string
	IdemKey string  // the form's key: a double submit saves one version
	Entries []Entry // CompetencyID, Name, Description, Behaviour, Result, LeaderCheck, MicroAction
	Scale   []Level // Value, Label, Description
}

// SaveFramework stores an admin's edit as a new version; reviews keep the
// version their cycle was written against.
func (s *Service) SaveFramework(ctx context.Context, a core.Actor, in FrameworkInput) (Version, error) {
	if a.Role != core.RoleAdmin {
		return Version{}, core.Forbidden()
	}
	cur, err := s.Store.Framework(ctx, a.OrgID, 0)
	if err != nil {
		return Version{}, err
	}
	var v core.Validator
	in.Note = strings.TrimSpace(in.Note)
	v.Check(utf8.RuneCountInString(in.Note) <= 500, "note", "Keep the note under 500 characters.")
	byID := map[int64]Entry{}
	for _, e := range in.Entries {
		byID[e.CompetencyID] = e
	}
	entries := make([]Entry, 0, len(cur.Entries))
	for _, old := range cur.Entries {
		e, ok := byID[old.CompetencyID]
		if !ok {
			e = old
		}
		id := strconv.FormatInt(old.CompetencyID, 10)
		e.CompetencyID, e.Key, e.Group, e.Position = old.CompetencyID, old.Key, old.Group, old.Position
		checkEntry(&v, &e, func(field string) string { return field + "_" + id })
		entries = append(entries, e)
	}
	// Names stay unique with the retired ones too, so a restore never clashes.
	seen := map[string]bool{}
	for _, e := range cur.Retired {
		seen[strings.ToLower(e.Name)] = true
	}
	for _, e := range entries {
		k := strings.ToLower(e.Name)
		v.Check(e.Name == "" || !seen[k], "name_"+strconv.FormatInt(e.CompetencyID, 10), "Another competency already has this name.")
		seen[k] = true
	}
	scale := make([]Level, 0, len(cur.Scale))
	byValue := map[int]Level{}
	for _, l := range in.Scale {
		byValue[l.Value] = l
	}
	for _, old := range cur.Scale {
		l, ok := byValue[old.Value]
		if !ok {
			l = old
		}
		l.Value = old.Value
		l.Label, l.Description = strings.TrimSpace(l.Label), strings.TrimSpace(l.Description)
		f := "level_" + strconv.Itoa(l.Value)
		v.Check(l.Label != "", f, "Give this step of the scale a label.")
		v.Check(utf8.RuneCountInString(l.Label) <= 40, f, "Keep the label under 40 characters.")
		v.Check(utf8.RuneCountInString(l.Description) <= 300, f+"_description", "Keep the description under 300 characters.")
		scale = append(scale, l)
	}
	if err := v.Err(); err != nil {
		return Version{}, err
	}
	return s.saveNext(ctx, a, in.Note, in.IdemKey, entries, cur.Retired, scale)
}

// checkEntry trims an entry's wording and checks it; name gives the form
// field of each part.
func checkEntry(v *core.Validator, e *Entry, name func(field string) string) {
	e.Name, e.Description = strings.TrimSpace(e.Name), strings.TrimSpace(e.Description)
	e.Behaviour, e.Result = strings.TrimSpace(e.Behaviour), strings.TrimSpace(e.Result)
	e.LeaderCheck, e.MicroAction = strings.TrimSpace(e.LeaderCheck), strings.TrimSpace(e.MicroAction)
	v.Check(e.Name != "", name("name"), "Give the competency a name.")
	v.Check(utf8.RuneCountInString(e.Name) <= 100, name("name"), "Keep the name under 100 characters.")
	v.Check(e.Behaviour != "", name("behaviour"), "Describe the behaviour people can observe.")
	v.Check(e.Result != "", name("result"), "Describe the short-term result.")
	for field, text := range map[string]string{"description": e.Description, "behaviour": e.Behaviour, "result": e.Result,
		"leader_check": e.LeaderCheck, "micro_action": e.MicroAction} {
		v.Check(utf8.RuneCountInString(text) <= 1000, name(field), "Keep this under 1,000 characters.")
	}
}

// saveNext stores the active entries (in this order) and the retired ones
// as the next version of the framework.
func (s *Service) saveNext(ctx context.Context, a core.Actor, note, key string, active, retired []Entry, scale []Level) (Version, error) {
	all := make([]Entry, 0, len(active)+len(retired))
	for i, e := range active {
		e.Position, e.Retired = i+1, false
		all = append(all, e)
	}
	for i, e := range retired {
		e.Position, e.Retired = len(active)+i+1, true
		all = append(all, e)
	}
	return s.Store.SaveFramework(ctx, a.OrgID, a.UserID, note, key, all, scale)
}

// current is the latest framework, for an admin about to change it. done
// is set when the form's key already saved a version: a double submit
// answers with it and changes nothing more.
func (s *Service) current(ctx context.Context, a core.Actor, key string) (f Framework, done *Version, err error) {
	if a.Role != core.RoleAdmin {
		return Framework{}, nil, core.Forbidden()
	}
	if key != "" {
		v, err := s.Store.FrameworkVersionByKey(ctx, a.OrgID, key)
		if err == nil {
			return Framework{}, &v, nil
		}
		if core.ErrorCode(err) != core.ENOTFOUND {
			return Framework{}, nil, err
		}
	}
	f, err = s.Store.Framework(ctx, a.OrgID, 0)
	return f, nil, err
}

func deref(v *Version) Version {
	if v == nil {
		return Version{}
	}
	return *v
}

// CompetencyInput is a competency an admin adds to the framework.
type CompetencyInput struct {
	Group, Name, Description, Behaviour, Result, LeaderCheck, MicroAction string
	IdemKey                                                               string // the form's key: a double submit adds one
}

// AddCompetency adds a competency of the organisation's own at the end of
// its group, as a new version. Form fields are named "new_" + the part.
func (s *Service) AddCompetency(ctx context.Context, a core.Actor, in CompetencyInput) (Version, error) {
	cur, done, err := s.current(ctx, a, in.IdemKey)
	if err != nil || done != nil {
		return deref(done), err
	}
	e := Entry{Group: in.Group, Name: in.Name, Description: in.Description, Behaviour: in.Behaviour, Result: in.Result,
		LeaderCheck: in.LeaderCheck, MicroAction: in.MicroAction}
	var v core.Validator
	v.Check(e.Group == GroupLeader || e.Group == GroupBuildingBlock, "new_group", "Choose the group it belongs to.")
	checkEntry(&v, &e, func(field string) string { return "new_" + field })
	for _, o := range slices.Concat(cur.Entries, cur.Retired) {
		if e.Name != "" && strings.EqualFold(o.Name, e.Name) {
			msg := "Another competency already has this name."
			if o.Retired {
				msg = "A retired competency has this name: restore it instead."
			}
			v.Check(false, "new_name", msg)
			break
		}
	}
	if err := v.Err(); err != nil {
		return Version{}, err
	}
	// At the end of its group: after the group's last active entry.
	at := len(cur.Entries)
	for i, o := range cur.Entries {
		if o.Group == e.Group {
			at = i + 1
		}
	}
	active := slices.Insert(slices.Clone(cur.Entries), at, e)
	return s.saveNext(ctx, a, "Added "+e.Name, in.IdemKey, active, cur.Retired, cur.Scale)
}

// RetireCompetency stops offering a competency for tagging, filtering and
// new reviews, as a new version; what was tagged or rated keeps it. The
// last active competency stays.
func (s *Service) RetireCompetency(ctx context.Context, a core.Actor, id int64, key string) (Version, error) {
	cur, done, err := s.current(ctx, a, key)
	if err != nil || done != nil {
		return deref(done), err
	}
	i := slices.IndexFunc(cur.Entries, func(e Entry) bool { return e.CompetencyID == id })
	if i < 0 {
		return Version{}, core.NotFound("Competency")
	}
	if len(cur.Entries) == 1 {
		var v core.Validator
		v.Check(false, "retire_"+strconv.FormatInt(id, 10), "The framework needs at least one competency: add another before you retire this one.")
		return Version{}, v.Err()
	}
	e := cur.Entries[i]
	active := slices.Delete(slices.Clone(cur.Entries), i, i+1)
	return s.saveNext(ctx, a, "Retired "+e.Name, key, active, append(slices.Clone(cur.Retired), e), cur.Scale)
}

// RestoreCompetency offers a retired competency again, with the wording it
// had, at the end of its group, as a new version.
func (s *Service) RestoreCompetency(ctx context.Context, a core.Actor, id int64, key string) (Version, error) {
	cur, done, err := s.current(ctx, a, key)
	if err != nil || done != nil {
		return deref(done), err
	}
	i := slices.IndexFunc(cur.Retired, func(e Entry) bool { return e.CompetencyID == id })
	if i < 0 {
		return Version{}, core.NotFound("Competency")
	}
	e := cur.Retired[i]
	at := len(cur.Entries)
	for j, o := range cur.Entries {
		if o.Group == e.Group {
			at = j + 1
		}
	}
	active := slices.Insert(slices.Clone(cur.Entries), at, e)
	retired := slices.Delete(slices.Clone(cur.Retired), i, i+1)
	return s.saveNext(ctx, a, "Restored "+e.Name, key, active, retired, cur.Scale)
}

// MoveCompetency swaps a competency with its neighbour in its group (up:
// the one before it), as a new version.
func (s *Service) MoveCompetency(ctx context.Context, a core.Actor, id int64, up bool, key string) (Version, error) {
	cur, done, err := s.current(ctx, a, key)
	if err != nil || done != nil {
		return deref(done), err
	}
	i := slices.IndexFunc(cur.Entries, func(e Entry) bool { return e.CompetencyID == id })
	if i < 0 {
		return Version{}, core.NotFound("Competency")
	}
	step, word := 1, "down"
	if up {
		step, word = -1, "up"
	}
	j := i + step
	for j >= 0 && j < len(cur.Entries) && cur.Entries[j].Group != cur.Entries[i].Group {
		j += step
	}
	if j < 0 || j >= len(cur.Entries) {
		var v core.Validator
		v.Check(false, "move_"+strconv.FormatInt(id, 10), "It is already at the "+map[bool]string{true: "top", false: "bottom"}[up]+" of its group.")
		return Version{}, v.Err()
	}
	active := slices.Clone(cur.Entries)
	active[i], active[j] = active[j], active[i]
	return s.saveNext(ctx, a, "Moved "+cur.Entries[i].Name+" "+word, key, active, cur.Retired, cur.Scale)
}

// canLead reports whether the actor may create and run cycles.
func canLead(a core.Actor) bool { return a.Is(core.RoleAdmin, core.RoleLeader) }

// ParseCycle validates the cycle form.
func ParseCycle(in CycleInput) (ParsedCycle, error) {
	var v core.Validator
	p := ParsedCycle{Name: strings.TrimSpace(in.Name)}
	v.Check(p.Name != "", "name", "Give the cycle a name, such as \"2026 H2\".")
	v.Check(utf8.RuneCountInString(p.Name) <= 100, "name", "Keep the name under 100 characters.")
	date := func(field, val, msg string) time.Time {
		t, err := time.Parse("2006-01-02", strings.TrimSpace(val))
		v.Check(err == nil, field, msg)
		return t
	}
	p.PeriodStart = date("period_start", in.PeriodStart, "Enter the first day of the period.")
	p.PeriodEnd = date("period_end", in.PeriodEnd, "Enter the last day of the period.")
	p.SelfDue = date("self_due", in.SelfDue, "Enter when self-assessments are due.")
	p.ManagerDue = date("manager_due", in.ManagerDue, "Enter when manager reviews are due.")
	if !p.PeriodStart.IsZero() && !p.PeriodEnd.IsZero() {
		v.Check(!p.PeriodEnd.Before(p.PeriodStart), "period_end", "The period has to end on or after its first day.")
		v.Check(p.PeriodEnd.Sub(p.PeriodStart) <= 2*366*24*time.Hour, "period_end", "A period can be at most two years long.")
	}
	if !p.SelfDue.IsZero() && !p.ManagerDue.IsZero() {
		v.Check(!p.ManagerDue.Before(p.SelfDue), "manager_due", "Manager reviews are due on or after the self-assessments.")
	}
	switch in.Scope {
	case "team":
		v.Check(in.TeamID > 0, "team_id", "Choose a team.")
	case "tree":
		v.Check(in.RootID > 0, "root_id", "Choose whose part of the organisation to review.")
	case "everyone":
	default:
		v.Check(false, "scope", "Choose who takes part.")
	}
	return p, v.Err()
}

// visibleTo keeps the people a leader may include: their part of the
// organisation (admins: everyone).
func (s *Service) visibleTo(ctx context.Context, a core.Actor, people []Member) ([]Member, error) {
	if a.Role == core.RoleAdmin {
		return people, nil
	}
	mine, err := s.Store.TreePeople(ctx, a.OrgID, a.UserID)
	if err != nil {
		return nil, err
	}
	ok := map[int64]bool{}
	for _, m := range mine {
		ok[m.ID] = true
	}
	var out []Member
	for _, m := range people {
		if ok[m.ID] {
			out = append(out, m)
		}
	}
	return out, nil
}

// CreateCycle creates a cycle on the latest framework version for the
// chosen people: a team, a manager's whole tree, or everyone the leader
// may see.
func (s *Service) CreateCycle(ctx context.Context, a core.Actor, in CycleInput) (int64, error) {
	if !canLead(a) {
		return 0, core.Forbidden()
	}
	p, err := ParseCycle(in)
	if err != nil {
		return 0, err
	}
	var people []Member
	switch in.Scope {
	case "team":
		people, err = s.Store.TeamPeople(ctx, a.OrgID, in.TeamID)
	case "tree":
		if a.Role != core.RoleAdmin && in.RootID != a.UserID {
			ok, err := s.Store.IsInSubtree(ctx, a.OrgID, a.UserID, in.RootID)
			if err != nil {
				return 0, err
			}
			if !ok {
				return 0, fieldError("root_id", "Choose yourself or someone in your part of the organisation.")
			}
		}
		people, err = s.Store.TreePeople(ctx, a.OrgID, in.RootID)
	case "everyone":
		people, err = s.Store.AllPeople(ctx, a.OrgID)
	}
	if err != nil {
		return 0, err
	}
	if people, err = s.visibleTo(ctx, a, people); err != nil {
		return 0, err
	}
	if len(people) == 0 {
		return 0, fieldError("scope", "Nobody in this choice is in your part of the organisation.")
	}
	fw, err := s.Store.Framework(ctx, a.OrgID, 0)
	if err != nil {
		return 0, err
	}
	p.IdemKey = in.IdemKey
	return s.Store.CreateCycle(ctx, a.OrgID, a.UserID, p, fw.Version.ID, people)
}

func fieldError(field, msg string) error {
	return &core.Error{Code: core.EINVALID, Message: "Please correct the highlighted fields.", Fields: map[string]string{field: msg}}
}

// AddPerson adds one person to a cycle; someone already in it is an error
// that changes nothing.
func (s *Service) AddPerson(ctx context.Context, a core.Actor, cycleID, personID int64) error {
	if _, err := s.cycle(ctx, a, cycleID); err != nil {
		return err
	}
	if !canLead(a) {
		return core.NotFound("Review cycle")
	}
	all, err := s.Store.AllPeople(ctx, a.OrgID)
	if err != nil {
		return err
	}
	var who []Member
	for _, m := range all {
		if m.ID == personID {
			who = append(who, m)
		}
	}
	if who, err = s.visibleTo(ctx, a, who); err != nil {
		return err
	}
	if len(who) == 0 {
		return fieldError("person_id", "Choose an active person in your part of the organisation.")
	}
	n, err := s.Store.AddParticipants(ctx, a.OrgID, a.UserID, cycleID, who)
	if err != nil {
		return err
	}
	if n == 0 {
		return &core.Error{Code: core.ECONFLICT, Message: "Please correct the highlighted fields.",
			Fields: map[string]string{"person_id": "This person is already in the cycle."}}
	}
	return nil
}

// cycle returns a cycle the actor may see: admins all, others those they
// created or with a review they may see. Others get not found.
func (s *Service) cycle(ctx context.Context, a core.Actor, id int64) (Cycle, error) {
	c, err := s.Store.FindCycle(ctx, a.OrgID, id)
	if err != nil {
		return c, err
	}
	if a.Role == core.RoleAdmin || c.CreatedBy == a.UserID {
		return c, nil
	}
	ps, err := s.Store.Participants(ctx, a.OrgID, id, a.UserID, false)
	if err != nil {
		return c, err
	}
	if len(ps) == 0 {
		return Cycle{}, core.NotFound("Review cycle")
	}
	return c, nil
}

// Cycles lists the cycles the actor may see.
func (s *Service) Cycles(ctx context.Context, a core.Actor) ([]CycleSummary, error) {
	return s.Store.Cycles(ctx, a.OrgID, a.UserID, a.Role == core.RoleAdmin)
}

// CycleView is a cycle's dashboard as the actor may see it.
type CycleView struct {
	Cycle        Cycle
	Framework    Framework
	Participants []Participant
	// Ratings are the parts of the participants' ratings the viewer may
	// read (Permission), for the distribution and calibration.
	Ratings   []RatingRow
	CanManage bool
}

// Cycle returns a cycle with the reviews the actor may see.
func (s *Service) Cycle(ctx context.Context, a core.Actor, id int64) (CycleView, error) {
	c, err := s.cycle(ctx, a, id)
	if err != nil {
		return CycleView{}, err
	}
	all := a.Role == core.RoleAdmin
	v := CycleView{Cycle: c, CanManage: canLead(a)}
	if v.Framework, err = s.Store.Framework(ctx, a.OrgID, c.FrameworkVersionID); err != nil {
		return v, err
	}
	if v.Participants, err = s.Store.Participants(ctx, a.OrgID, id, a.UserID, all); err != nil {
		return v, err
	}
	if canLead(a) || a.Role == core.RoleManager {
		rows, err := s.Store.CycleRatings(ctx, a.OrgID, id, a.UserID, all)
		if err != nil {
			return v, err
		}
		// Every figure of the page is computed from these: only what the
		// viewer may read goes in, so no figure holds someone else's draft.
		v.Ratings = readableRatings(a.UserID, v.Participants, rows)
	}
	return v, nil
}

// Access says what the actor may do on one review.
type Access struct {
	IsEmployee  bool // the person reviewed
	IsReviewer  bool // the manager who writes the review
	IsLeader    bool // a leader or admin above the person
	EditSelf    bool
	EditManager bool
	Read        Permission // the parts of the review the actor may read
	Acknowledge bool
	Finalise    bool
}

// ReviewView is one person's review with its evidence.
type ReviewView struct {
	Cycle       Cycle
	Framework   Framework
	Participant Participant
	Ratings     map[int64]Rating
	Evidence    Evidence
	Access      Access
	// For the person reviewed: their held 1:1s of the period with shared
	// notes, and how many of those may be evidence.
	NotesInPeriod, NotesConsented int
}

// access decides what the actor may do; nil access means not visible.
func (s *Service) access(ctx context.Context, a core.Actor, p Participant) (Access, bool, error) {
	var acc Access
	acc.IsEmployee = a.UserID == p.PersonID
	acc.IsReviewer = p.ManagerID != 0 && a.UserID == p.ManagerID
	switch {
	case a.Role == core.RoleAdmin && !acc.IsEmployee:
		acc.IsLeader = true
	case a.Is(core.RoleLeader, core.RoleManager) && !acc.IsEmployee:
		ok, err := s.Store.IsInSubtree(ctx, a.OrgID, a.UserID, p.PersonID)
		if err != nil {
			return acc, false, err
		}
		acc.IsLeader = ok && a.Role == core.RoleLeader
		if !ok && !acc.IsReviewer {
			return acc, false, nil
		}
	case !acc.IsEmployee && !acc.IsReviewer:
		return acc, false, nil
	}
	open := p.State != StateFinalised
	acc.EditSelf = acc.IsEmployee && p.State == StateDraft
	acc.EditManager = acc.IsReviewer && (p.State == StateDraft || p.State == StateSelfSubmitted)
	acc.Read = PermissionFor(a.UserID, p)
	acc.Acknowledge = acc.IsEmployee && p.State == StateManagerSubmitted
	acc.Finalise = acc.IsLeader && !acc.IsEmployee && p.State == StateAcknowledged && open
	return acc, true, nil
}

// Review returns one person's review as the actor may see it; people who
// may not see it get not found.
func (s *Service) Review(ctx context.Context, a core.Actor, cycleID, personID int64) (ReviewView, error) {
	c, err := s.Store.FindCycle(ctx, a.OrgID, cycleID)
	if err != nil {
		return ReviewView{}, err
	}
	p, err := s.Store.Participant(ctx, a.OrgID, cycleID, personID)
	if err != nil {
		return ReviewView{}, err
	}
	acc, ok, err := s.access(ctx, a, p)
	if err != nil {
		return ReviewView{}, err
	}
	if !ok {
		return ReviewView{}, core.NotFound("Review")
	}
	v := ReviewView{Cycle: c, Participant: acc.Read.Participant(p), Access: acc}
	if v.Framework, err = s.Store.Framework(ctx, a.OrgID, c.FrameworkVersionID); err != nil {
		return v, err
	}
	if v.Ratings, err = s.Store.Ratings(ctx, a.OrgID, cycleID, personID); err != nil {
		return v, err
	}
	for id, r := range v.Ratings {
		v.Ratings[id] = acc.Read.Rating(r)
	}
	if v.Evidence, err = s.evidence(ctx, a, personID, c.From(), c.Until()); err != nil {
		return v, err
	}
	if acc.IsEmployee {
		v.NotesInPeriod, v.NotesConsented, err = s.Store.PeriodConsent(ctx, a.OrgID, a.UserID, c.From(), c.Until())
	}
	return v, err
}

// SetPeriodConsent lets the person reviewed grant or revoke, at once, the
// use as evidence of the shared notes of all their held 1:1s in the cycle's
// period. Only they may (anyone else: not found). It returns how many
// meetings changed.
func (s *Service) SetPeriodConsent(ctx context.Context, a core.Actor, cycleID int64, grant bool) (int, error) {
	c, err := s.Store.FindCycle(ctx, a.OrgID, cycleID)
	if err != nil {
		return 0, err
	}
	if _, err := s.Store.Participant(ctx, a.OrgID, cycleID, a.UserID); err != nil {
		return 0, err
	}
	return s.Store.SetPeriodConsent(ctx, a.OrgID, a.UserID, c.From(), c.Until(), grant)
}

func (s *Service) evidence(ctx context.Context, a core.Actor, personID int64, from, until time.Time) (Evidence, error) {
	var e Evidence
	cues, err := s.Store.CuesForPeople(ctx, a.OrgID, []int64{personID}, from, until)
	if err != nil {
		return e, err
	}
	e.Cues = cues[personID]
	if e.Items, err = s.Store.EvidenceItems(ctx, a.OrgID, a.UserID, personID, from, until); err != nil {
		return e, err
	}
	e.Counts = map[int64]int{}
	for _, it := range e.Items {
		if it.CompetencyID != 0 {
			e.Counts[it.CompetencyID]++
		}
	}
	return e, nil
}

// ReviewInput is a review form: one side's ratings, and the manager's summary.
type ReviewInput struct {
	Ratings []RatingInput
	Summary string
	Submit  bool
}

// parseRatings checks ratings against the version's scale and, on submit,
// that every competency has one.
func parseRatings(f Framework, in ReviewInput) ([]Rating, error) {
	var v core.Validator
	byID := map[int64]RatingInput{}
	for _, r := range in.Ratings {
		byID[r.CompetencyID] = r
	}
	lo, hi := 1, 1
	if n := len(f.Scale); n > 0 {
		lo, hi = f.Scale[0].Value, f.Scale[n-1].Value
	}
	out := make([]Rating, 0, len(f.Entries))
	for _, e := range f.Entries {
		in := byID[e.CompetencyID]
		field := "rating_" + strconv.FormatInt(e.CompetencyID, 10)
		r := Rating{CompetencyID: e.CompetencyID}
		raw := strings.TrimSpace(in.Rating)
		if raw != "" {
			n, err := strconv.Atoi(raw)
			_, known := f.Level(n)
			v.Check(err == nil && known, field, fmt.Sprintf("Choose a rating from %d to %d.", lo, hi))
			if err == nil && known {
				r.SelfRating, r.ManagerRating = n, n
			}
		}
		comment := strings.TrimSpace(in.Comment)
		v.Check(utf8.RuneCountInString(comment) <= 2000, "comment_"+strconv.FormatInt(e.CompetencyID, 10), "Keep the comment under 2,000 characters.")
		r.SelfComment, r.ManagerComment = comment, comment
		out = append(out, r)
	}
	if in.Submit {
		for _, r := range out {
			v.Check(r.SelfRating != 0, "rating_"+strconv.FormatInt(r.CompetencyID, 10), "Rate this competency before submitting.")
		}
	}
	return out, v.Err()
}

// SaveSelf saves the person's self-assessment, and submits it with in.Submit.
func (s *Service) SaveSelf(ctx context.Context, a core.Actor, cycleID, personID int64, in ReviewInput) error {
	v, err := s.Review(ctx, a, cycleID, personID)
	if err != nil {
		return err
	}
	if !v.Access.IsEmployee {
		return core.Forbidden()
	}
	if v.Participant.State != StateDraft {
		return StateError(v.Participant.State)
	}
	ratings, err := parseRatings(v.Framework, in)
	if err != nil {
		return err
	}
	var next State
	if in.Submit {
		next = StateSelfSubmitted
	}
	return s.Store.SaveSelf(ctx, a.OrgID, cycleID, personID, ratings, []State{StateDraft}, next)
}

// SaveManager saves the reviewer's part; submitting needs the
// self-assessment in first.
func (s *Service) SaveManager(ctx context.Context, a core.Actor, cycleID, personID int64, in ReviewInput) error {
	v, err := s.Review(ctx, a, cycleID, personID)
	if err != nil {
		return err
	}
	if !v.Access.IsReviewer {
		return core.Forbidden()
	}
	st := v.Participant.State
	if st != StateDraft && st != StateSelfSubmitted {
		return StateError(st)
	}
	if in.Submit && st == StateDraft {
		return &core.Error{Code: core.ECONFLICT, Message: "The self-assessment has to be submitted before the manager review."}
	}
	in.Summary = strings.TrimSpace(in.Summary)
	ratings, err := parseRatings(v.Framework, in)
	if utf8.RuneCountInString(in.Summary) > 4000 {
		err = mergeField(err, "summary", "Keep the summary under 4,000 characters.")
	}
	if err != nil {
		return err
	}
	allowed := []State{StateDraft, StateSelfSubmitted}
	var next State
	if in.Submit {
		allowed, next = []State{StateSelfSubmitted}, StateManagerSubmitted
	}
	return s.Store.SaveManager(ctx, a.OrgID, cycleID, personID, in.Summary, ratings, allowed, next)
}

func mergeField(err error, field, msg string) error {
	fields := map[string]string{}
	for k, v := range core.FieldErrors(err) {
		fields[k] = v
	}
	fields[field] = msg
	return &core.Error{Code: core.EINVALID, Message: "Please correct the highlighted fields.", Fields: fields}
}

// Acknowledge records that the employee has read the manager's review,
// with an optional comment.
func (s *Service) Acknowledge(ctx context.Context, a core.Actor, cycleID, personID int64, comment string) error {
	v, err := s.Review(ctx, a, cycleID, personID)
	if err != nil {
		return err
	}
	if !v.Access.IsEmployee {
		return core.Forbidden()
	}
	comment = strings.TrimSpace(comment)
	if utf8.RuneCountInString(comment) > 2000 {
		return fieldError("ack_comment", "Keep the comment under 2,000 characters.")
	}
	if v.Participant.State != StateManagerSubmitted {
		if v.Participant.State == StateDraft || v.Participant.State == StateSelfSubmitted {
			return &core.Error{Code: core.ECONFLICT, Message: "There is nothing to acknowledge until your manager submits the review."}
		}
		return StateError(v.Participant.State)
	}
	return s.Store.Transition(ctx, a.OrgID, a.UserID, cycleID, personID, StateManagerSubmitted, StateAcknowledged, comment)
}

// Finalise locks an acknowledged review; only a leader or admin above the
// person may, and it is written to the audit log.
func (s *Service) Finalise(ctx context.Context, a core.Actor, cycleID, personID int64) error {
	v, err := s.Review(ctx, a, cycleID, personID)
	if err != nil {
		return err
	}
	if !v.Access.IsLeader || v.Access.IsEmployee {
		return core.Forbidden()
	}
	if v.Participant.State != StateAcknowledged {
		if v.Participant.State == StateFinalised {
			return StateError(StateFinalised)
		}
		return &core.Error{Code: core.ECONFLICT, Message: "Only a review the employee has acknowledged can be finalised."}
	}
	return s.Store.Transition(ctx, a.OrgID, a.UserID, cycleID, personID, StateAcknowledged, StateFinalised, "")
}

// EvidenceConsent reports whether a meeting's shared notes may be evidence.
func (s *Service) EvidenceConsent(ctx context.Context, a core.Actor, meetingID int64) (bool, error) {
	return s.Store.EvidenceConsent(ctx, a.OrgID, meetingID)
}

// SetEvidenceConsent lets the report of a 1:1 grant or revoke the use of its
// shared notes as review evidence.
func (s *Service) SetEvidenceConsent(ctx context.Context, a core.Actor, meetingID int64, grant bool) error {
	ok, err := s.Store.SetEvidenceConsent(ctx, a.OrgID, meetingID, a.UserID, grant)
	if err != nil {
		return err
	}
	if !ok {
		return core.NotFound("Meeting")
	}
	return nil
}

// Home is what the home page shows about reviews.
type Home struct {
	Notices []Notice
	Reviews []MyReview
}

// HomeFor returns the actor's notices of what is due and open reviews.
func (s *Service) HomeFor(ctx context.Context, a core.Actor) (Home, error) {
	var h Home
	err := core.Together(ctx,
		func(ctx context.Context) (err error) {
			h.Notices, err = s.Store.Notices(ctx, a.OrgID, a.UserID)
			return err
		},
		func(ctx context.Context) (err error) {
			h.Reviews, err = s.Store.ReviewsFor(ctx, a.OrgID, a.UserID)
			return err
		})
	return h, err
}

// ReminderHorizon is how many days before a deadline its notice appears.
const ReminderHorizon = 7

// RecordReminders records notices for steps due within the horizon.
func (s *Service) RecordReminders(ctx context.Context) (int, error) {
	now := s.Clock.Now().UTC()
	today := day(now)
	return s.Store.RecordDueNotices(ctx, today, today.AddDate(0, 0, ReminderHorizon))
}

// Sorts offered on the calibration table.
var CalibrationSorts = []string{"name", "manager", "rating", "gap"}

// CalibrationRow is one person's ratings side by side.
type CalibrationRow struct {
	Participant
	Self, Manager map[int64]int
	Average       float64 // manager ratings' average, 0 if none
	Gap           float64 // average |self − manager| where both rated
}

// Calibration builds the rows of a cycle's calibration table from the
// ratings the viewer may read (CycleView.Ratings), sorted by
// name, manager, a competency's manager rating ("rating" with
// competencyID), or the gap between self and manager ratings.
func Calibration(v CycleView, sortBy string, competencyID int64) []CalibrationRow {
	rows := make([]CalibrationRow, len(v.Participants))
	index := map[int64]int{}
	for i, p := range v.Participants {
		rows[i] = CalibrationRow{Participant: p, Self: map[int64]int{}, Manager: map[int64]int{}}
		index[p.PersonID] = i
	}
	for _, r := range v.Ratings {
		i, ok := index[r.PersonID]
		if !ok {
			continue
		}
		if r.SelfRating > 0 {
			rows[i].Self[r.CompetencyID] = r.SelfRating
		}
		if r.ManagerRating > 0 {
			rows[i].Manager[r.CompetencyID] = r.ManagerRating
		}
	}
	for i := range rows {
		sum, n, gap, gn := 0, 0, 0, 0
		for c, m := range rows[i].Manager {
			sum += m
			n++
			if sr, ok := rows[i].Self[c]; ok {
				gap += abs(sr - m)
				gn++
			}
		}
		if n > 0 {
			rows[i].Average = float64(sum) / float64(n)
		}
		if gn > 0 {
			rows[i].Gap = float64(gap) / float64(gn)
		}
	}
	name := func(a, b CalibrationRow) int {
		return strings.Compare(strings.ToLower(a.PersonName), strings.ToLower(b.PersonName))
	}
	slices.SortStableFunc(rows, func(a, b CalibrationRow) int {
		switch sortBy {
		case "manager":
			if c := strings.Compare(strings.ToLower(a.ManagerName), strings.ToLower(b.ManagerName)); c != 0 {
				return c
			}
		case "rating":
			ra, rb := a.Manager[competencyID], b.Manager[competencyID]
			if competencyID == 0 {
				if a.Average != b.Average {
					if a.Average > b.Average {
						return -1
					}
					return 1
				}
			} else if ra != rb {
				return rb - ra
			}
		case "gap":
			if a.Gap != b.Gap {
				if a.Gap > b.Gap {
					return -1
				}
				return 1
			}
		}
		return name(a, b)
	})
	return rows
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// Distribution counts the manager ratings the viewer may read per
// competency and value, optionally for one team ("" for everyone).
func Distribution(v CycleView, team string) map[int64]map[int]int {
	inTeam := map[int64]bool{}
	for _, p := range v.Participants {
		if team == "" || p.TeamName == team {
			inTeam[p.PersonID] = true
		}
	}
	out := map[int64]map[int]int{}
	for _, r := range v.Ratings {
		if !inTeam[r.PersonID] || r.ManagerRating == 0 {
			continue
		}
		if out[r.CompetencyID] == nil {
			out[r.CompetencyID] = map[int]int{}
		}
		out[r.CompetencyID][r.ManagerRating]++
	}
	return out
}

// Progress counts the reviews per state, overall and per reviewer.
type Progress struct {
	Total     map[State]int
	ByManager []ManagerProgress
	Teams     []string
}

// ManagerProgress is one reviewer's reviews by state.
type ManagerProgress struct {
	ManagerID   int64
	ManagerName string
	Counts      map[State]int
	People      int
}

// ProgressOf summarises a cycle's participants.
func ProgressOf(ps []Participant) Progress {
	pr := Progress{Total: map[State]int{}}
	idx := map[int64]int{}
	teams := map[string]bool{}
	for _, p := range ps {
		pr.Total[p.State]++
		i, ok := idx[p.ManagerID]
		if !ok {
			name := p.ManagerName
			if name == "" {
				name = "No manager"
			}
			pr.ByManager = append(pr.ByManager, ManagerProgress{ManagerID: p.ManagerID, ManagerName: name, Counts: map[State]int{}})
			i = len(pr.ByManager) - 1
			idx[p.ManagerID] = i
		}
		pr.ByManager[i].Counts[p.State]++
		pr.ByManager[i].People++
		if p.TeamName != "" {
			teams[p.TeamName] = true
		}
	}
	slices.SortFunc(pr.ByManager, func(a, b ManagerProgress) int {
		return strings.Compare(strings.ToLower(a.ManagerName), strings.ToLower(b.ManagerName))
	})
	for t := range teams {
		pr.Teams = append(pr.Teams, t)
	}
	slices.Sort(pr.Teams)
	return pr
}
