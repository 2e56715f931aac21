package oneonone

import (
	"cmp"
	"context"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"rapport/internal/core"
)

// PersonRef is what the 1:1 rules need to know about a person.
type PersonRef struct {
	ID        int64
	Name      string
	Role      core.Role
	ManagerID *int64
	TimeZone  string
	Active    bool
}

// MeetingSummary is a meeting in a series' history list.
type MeetingSummary struct {
	ID          int64
	ScheduledAt time.Time
	Status      MeetingStatus
	Pulse       *int
}

// MyPoint is a talking point a person added to an upcoming meeting.
type MyPoint struct {
	ID, MeetingID int64
	Body          string
	ScheduledAt   time.Time
}

// ActionRef identifies an action and its series' participants.
type ActionRef struct {
	ID, MeetingID, SeriesID, OwnerID int64
	ManagerID, ReportID              int64
	Done                             bool
}

// Store is persistence for 1:1s. Every method is scoped to one organisation.
type Store interface {
	TemplateStore
	PersonRef(ctx context.Context, orgID, id int64) (PersonRef, error)
	IsInSubtree(ctx context.Context, orgID, rootID, personID int64) (bool, error)

	CreateSeries(ctx context.Context, orgID, actorID, managerID int64, in SeriesInput, p Parsed) (int64, error)
	FindSeries(ctx context.Context, orgID, id int64) (Series, error)
	SeriesFor(ctx context.Context, orgID, personID int64) ([]Series, error)
	SeriesForManager(ctx context.Context, orgID, managerID int64) ([]Series, error)
	// SeriesUnder lists live series of managers under rootID (everyone when nil).
	SeriesUnder(ctx context.Context, orgID int64, rootID *int64) ([]Series, error)
	SetSeriesStatus(ctx context.Context, orgID, actorID, id int64, status SeriesStatus, now time.Time) error
	// EnsureUpcoming returns the series' next meeting, creating it from the
	// schedule (and carrying unticked points over) when there is none.
	EnsureUpcoming(ctx context.Context, s Series, now time.Time) (int64, error)

	FindMeeting(ctx context.Context, orgID, id int64) (Meeting, error)
	MeetingsFor(ctx context.Context, orgID, seriesID int64, limit int) ([]MeetingSummary, error)
	// MeetingsPage lists a series' meetings newest first, those before
	// the cursor (all when it is zero), at most limit.
	MeetingsPage(ctx context.Context, orgID, seriesID int64, before MeetingCursor, limit int) ([]MeetingSummary, error)
	MeetingsForPersonSince(ctx context.Context, orgID, personID int64, since time.Time) ([]Meeting, error)
	SetMeetingStatus(ctx context.Context, orgID, meetingID int64, status MeetingStatus, by int64) error
	Reschedule(ctx context.Context, m Meeting, to time.Time, by int64) (int64, error)
	// MeetingAt finds the series' meeting at a time (ENOTFOUND: none).
	MeetingAt(ctx context.Context, orgID, seriesID int64, at time.Time) (int64, error)
	SetSharedNotes(ctx context.Context, orgID, meetingID int64, body string) error
	SetPulse(ctx context.Context, orgID, meetingID int64, pulse int, word string) error
	SetBalance(ctx context.Context, orgID, meetingID int64, balance int) error

	Agenda(ctx context.Context, orgID, meetingID int64) ([]AgendaItem, error)
	// Agendas returns the agendas of the meetings, by meeting id.
	Agendas(ctx context.Context, orgID int64, meetingIDs []int64) (map[int64][]AgendaItem, error)
	AddAgendaItem(ctx context.Context, orgID, meetingID, authorID int64, body string) error
	ToggleAgendaItem(ctx context.Context, orgID, meetingID, itemID int64) error
	MoveAgendaItem(ctx context.Context, orgID, meetingID, itemID int64, up bool) error
	DeleteAgendaItem(ctx context.Context, orgID, meetingID, itemID, authorID int64) error
	SetAgendaDropped(ctx context.Context, orgID, meetingID, itemID int64, dropped bool) error
	MyUpcomingPoints(ctx context.Context, orgID, personID int64, since time.Time) ([]MyPoint, error)

	PrivateNote(ctx context.Context, orgID, meetingID, authorID int64) (string, error)
	SetPrivateNote(ctx context.Context, orgID, meetingID, authorID int64, body string) error

	Actions(ctx context.Context, orgID, meetingID, seriesID int64) ([]Action, error)
	// MeetingBrief computes a brief in one statement.
	MeetingBrief(ctx context.Context, orgID int64, q BriefQuery) (Brief, error)
	AddAction(ctx context.Context, orgID int64, m Meeting, ownerID, createdBy int64, body string, due time.Time) error
	FindAction(ctx context.Context, orgID, id int64) (ActionRef, error)
	SetActionDone(ctx context.Context, orgID, id int64, done bool) error
	OpenActionsFor(ctx context.Context, orgID, personID int64) ([]Action, error)

	Observations(ctx context.Context, orgID, meetingID int64) ([]Observation, error)
	AddObservation(ctx context.Context, orgID, meetingID, authorID, subjectID, competencyID int64, note, key string) error
	// Competencies lists the active competencies of the organisation's
	// current framework version, in order.
	Competencies(ctx context.Context, orgID int64) ([]Competency, error)

	Questions(ctx context.Context, orgID int64) ([]Question, error)
	AddQuestion(ctx context.Context, orgID int64, body string) error
	SetQuestionActive(ctx context.Context, orgID, id int64, active bool) error

	// Facts aggregates the check-in figures of the series over the window;
	// agenda shares only when asked (roll-ups don't show them).
	Facts(ctx context.Context, orgID int64, series []Series, w Window, today time.Time, agenda bool) ([]SeriesFacts, error)
	// RollupPage sums the figures of the live series under rootID
	// (everyone when nil) per manager, sorts the managers by q.Sort worst
	// first and returns q.Limit of them from q.Offset, with the number of
	// managers and the totals of all of them.
	RollupPage(ctx context.Context, orgID int64, rootID *int64, q RollupQuery) (RollupResult, error)
	Marks(ctx context.Context, orgID int64, seriesIDs []int64, from, to time.Time) ([]Mark, error)

	SetCalendarToken(ctx context.Context, orgID, userID int64, hash []byte) error
	HasCalendarFeed(ctx context.Context, orgID, userID int64) (bool, error)
	CalendarOwner(ctx context.Context, hash []byte) (orgID, userID int64, err error)
}

// Grace is how long after its end a meeting still counts as "the next one",
// so points added during or just after a meeting stay on it.
const Grace = 12 * time.Hour

// Service applies the 1:1 rules.
type Service struct {
	Store Store
	Clock core.Clock
}

// NewService returns a Service.
func NewService(store Store, clock core.Clock) *Service {
	return &Service{Store: store, Clock: clock}
}

// notFound hides meetings and series the actor is not part of.
var notFound = core.NotFound("1:1")

// canRunSeriesFor reports whether the actor may set up or change 1:1s
// between managerID and reportID: the manager themself, or an admin.
func canRun(a core.Actor, managerID int64) bool {
	return a.UserID == managerID || a.Role == core.RoleAdmin
}

// CreateSeries sets up 1:1s between a manager and their direct report.
func (s *Service) CreateSeries(ctx context.Context, a core.Actor, managerID int64, in SeriesInput) (int64, error) {
	if managerID == 0 {
		managerID = a.UserID
	}
	if !canRun(a, managerID) {
		return 0, core.Forbidden()
	}
	p, v := in.Validate()
	if in.ReportID > 0 {
		rep, err := s.Store.PersonRef(ctx, a.OrgID, in.ReportID)
		switch {
		case core.ErrorCode(err) == core.ENOTFOUND:
			v.Check(false, "report_id", "Choose someone from the list.")
		case err != nil:
			return 0, err
		case !rep.Active:
			v.Check(false, "report_id", rep.Name+" is deactivated.")
		case rep.ManagerID == nil || *rep.ManagerID != managerID:
			v.Check(false, "report_id", rep.Name+" doesn't report to this manager. Change their manager first.")
		}
	}
	if err := v.Err(); err != nil {
		return 0, err
	}
	return s.Store.CreateSeries(ctx, a.OrgID, a.UserID, managerID, in, p)
}

// Series returns a series the actor takes part in (admins: any).
func (s *Service) Series(ctx context.Context, a core.Actor, id int64) (Series, error) {
	sr, err := s.Store.FindSeries(ctx, a.OrgID, id)
	if err != nil {
		return Series{}, err
	}
	if !sr.Includes(a.UserID) {
		return Series{}, notFound
	}
	return sr, nil
}

// MySeries lists the actor's series.
func (s *Service) MySeries(ctx context.Context, a core.Actor) ([]Series, error) {
	return s.Store.SeriesFor(ctx, a.OrgID, a.UserID)
}

// SetSeriesStatus pauses, resumes or ends a series; the manager decides.
func (s *Service) SetSeriesStatus(ctx context.Context, a core.Actor, id int64, status SeriesStatus) error {
	sr, err := s.Series(ctx, a, id)
	if err != nil {
		return err
	}
	if sr.ManagerID != a.UserID {
		return core.Forbidden()
	}
	if sr.Status == SeriesEnded {
		return core.Errorf(core.EINVALID, "This series has ended.")
	}
	return s.Store.SetSeriesStatus(ctx, a.OrgID, a.UserID, id, status, s.Clock.Now())
}

// Upcoming returns the id of the series' next meeting, creating it if needed.
func (s *Service) Upcoming(ctx context.Context, a core.Actor, seriesID int64) (int64, error) {
	sr, err := s.Series(ctx, a, seriesID)
	if err != nil {
		return 0, err
	}
	if sr.Status != SeriesActive {
		return 0, core.Errorf(core.EINVALID, "This series is %s; resume it to plan the next 1:1.", sr.Status)
	}
	return s.Store.EnsureUpcoming(ctx, sr, s.Clock.Now())
}

// MeetingView is everything on a meeting page for one participant.
type MeetingView struct {
	Meeting      Meeting
	Series       Series
	Agenda       []AgendaItem
	Actions      []Action
	Observations []Observation
	PrivateNote  string
	Questions    []Question
	Templates    []Template // the viewer's agenda templates
	Competencies []Competency
	History      []MeetingSummary
	Brief        *Brief // before the 1:1: nil once it is held, cancelled or missed
}

// Meeting returns a meeting the actor takes part in; anyone else gets 404,
// whatever their role.
func (s *Service) Meeting(ctx context.Context, a core.Actor, id int64) (Meeting, error) {
	m, err := s.Store.FindMeeting(ctx, a.OrgID, id)
	if err != nil {
		return Meeting{}, err
	}
	if !m.Includes(a.UserID) {
		return Meeting{}, notFound
	}
	return m, nil
}

// View loads a meeting page.
func (s *Service) View(ctx context.Context, a core.Actor, id int64) (MeetingView, error) {
	m, err := s.Meeting(ctx, a, id)
	if err != nil {
		return MeetingView{}, err
	}
	v := MeetingView{Meeting: m}
	if v.Series, err = s.Store.FindSeries(ctx, a.OrgID, m.SeriesID); err != nil {
		return v, err
	}
	if v.Agenda, err = s.Store.Agenda(ctx, a.OrgID, id); err != nil {
		return v, err
	}
	if v.Brief, err = s.brief(ctx, a, m, v.Series); err != nil {
		return v, err
	}
	if v.Actions, err = s.Store.Actions(ctx, a.OrgID, id, m.SeriesID); err != nil {
		return v, err
	}
	if v.Observations, err = s.Store.Observations(ctx, a.OrgID, id); err != nil {
		return v, err
	}
	if v.PrivateNote, err = s.Store.PrivateNote(ctx, a.OrgID, id, a.UserID); err != nil {
		return v, err
	}
	if v.Competencies, err = s.Store.Competencies(ctx, a.OrgID); err != nil {
		return v, err
	}
	if v.History, err = s.Store.MeetingsFor(ctx, a.OrgID, m.SeriesID, 12); err != nil {
		return v, err
	}
	qs, err := s.Store.Questions(ctx, a.OrgID)
	if err != nil {
		return v, err
	}
	v.Questions = suggest(qs, v.Agenda, id, 3)
	v.Templates, err = s.Store.Templates(ctx, a.OrgID, a.UserID)
	return v, err
}

// AgendaView is the part of View the agenda shows (the meeting, its points
// and suggested questions), for redrawing the agenda alone after a change.
func (s *Service) AgendaView(ctx context.Context, a core.Actor, id int64) (MeetingView, error) {
	m, err := s.Meeting(ctx, a, id)
	if err != nil {
		return MeetingView{}, err
	}
	v := MeetingView{Meeting: m}
	if v.Agenda, err = s.Store.Agenda(ctx, a.OrgID, id); err != nil {
		return v, err
	}
	qs, err := s.Store.Questions(ctx, a.OrgID)
	if err != nil {
		return v, err
	}
	v.Questions = suggest(qs, v.Agenda, id, 3)
	v.Templates, err = s.Store.Templates(ctx, a.OrgID, a.UserID)
	return v, err
}

// MeetingCursor is a position in a series' meetings, newest first: the
// meetings before it come next. The zero cursor is the start.
type MeetingCursor struct {
	At time.Time
	ID int64
}

// SharedMeeting is a meeting with its shared agenda: what both people see,
// never a private note.
type SharedMeeting struct {
	MeetingSummary
	Agenda []AgendaItem
}

// SharedMeetings lists a series' meetings with their shared agendas, newest
// first, limit of them from the cursor on, for a participant of the series
// (as Series decides; anyone else gets ENOTFOUND). more says whether
// older meetings follow.
func (s *Service) SharedMeetings(ctx context.Context, a core.Actor, seriesID int64, before MeetingCursor, limit int) (list []SharedMeeting, more bool, err error) {
	if _, err := s.Series(ctx, a, seriesID); err != nil {
		return nil, false, err
	}
	ms, err := s.Store.MeetingsPage(ctx, a.OrgID, seriesID, before, limit+1)
	if err != nil {
		return nil, false, err
	}
	if len(ms) > limit {
		ms, more = ms[:limit], true
	}
	ids := make([]int64, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
	}
	agendas, err := s.Store.Agendas(ctx, a.OrgID, ids)
	if err != nil {
		return nil, false, err
	}
	list = make([]SharedMeeting, len(ms))
	for i, m := range ms {
		list[i] = SharedMeeting{MeetingSummary: m, Agenda: agendas[m.ID]}
	}
	return list, more, nil
}

// SharedAgenda is a meeting's agenda, for a participant of the meeting
// (as Meeting decides).
func (s *Service) SharedAgenda(ctx context.Context, a core.Actor, meetingID int64) (Meeting, []AgendaItem, error) {
	m, err := s.Meeting(ctx, a, meetingID)
	if err != nil {
		return m, nil, err
	}
	items, err := s.Store.Agenda(ctx, a.OrgID, meetingID)
	return m, items, err
}

// suggest picks n active questions not already on the agenda, varying from
// meeting to meeting but stable for one meeting.
func suggest(qs []Question, agenda []AgendaItem, meetingID int64, n int) []Question {
	on := map[string]bool{}
	for _, it := range agenda {
		on[strings.ToLower(it.Body)] = true
	}
	var pool []Question
	for _, q := range qs {
		if q.Active && !on[strings.ToLower(q.Body)] {
			pool = append(pool, q)
		}
	}
	r := rand.New(rand.NewPCG(uint64(meetingID), 7))
	r.Shuffle(len(pool), func(i, j int) { pool[i], pool[j] = pool[j], pool[i] })
	if len(pool) > n {
		pool = pool[:n]
	}
	return pool
}

// AddAgendaItem adds a talking point; the same point twice is one point.
func (s *Service) AddAgendaItem(ctx context.Context, a core.Actor, meetingID int64, body string) error {
	if _, err := s.Meeting(ctx, a, meetingID); err != nil {
		return err
	}
	var v core.Validator
	body = checkText(&v, "body", body, MaxAgendaLen, "the talking point")
	if err := v.Err(); err != nil {
		return err
	}
	return s.Store.AddAgendaItem(ctx, a.OrgID, meetingID, a.UserID, body)
}

// ToggleAgendaItem ticks or unticks a point.
func (s *Service) ToggleAgendaItem(ctx context.Context, a core.Actor, meetingID, itemID int64) error {
	if _, err := s.Meeting(ctx, a, meetingID); err != nil {
		return err
	}
	return s.Store.ToggleAgendaItem(ctx, a.OrgID, meetingID, itemID)
}

// MoveAgendaItem moves a point up or down.
func (s *Service) MoveAgendaItem(ctx context.Context, a core.Actor, meetingID, itemID int64, up bool) error {
	if _, err := s.Meeting(ctx, a, meetingID); err != nil {
		return err
	}
	return s.Store.MoveAgendaItem(ctx, a.OrgID, meetingID, itemID, up)
}

// DeleteAgendaItem removes a point its author added.
func (s *Service) DeleteAgendaItem(ctx context.Context, a core.Actor, meetingID, itemID int64) error {
	if _, err := s.Meeting(ctx, a, meetingID); err != nil {
		return err
	}
	return s.Store.DeleteAgendaItem(ctx, a.OrgID, meetingID, itemID, a.UserID)
}

// DropAgendaItem drops an open point, so it no longer carries over to the
// next 1:1, or takes it back. Either participant decides.
func (s *Service) DropAgendaItem(ctx context.Context, a core.Actor, meetingID, itemID int64, dropped bool) error {
	if _, err := s.Meeting(ctx, a, meetingID); err != nil {
		return err
	}
	return s.Store.SetAgendaDropped(ctx, a.OrgID, meetingID, itemID, dropped)
}

// SetSharedNotes saves the notes both participants see.
func (s *Service) SetSharedNotes(ctx context.Context, a core.Actor, meetingID int64, body string) error {
	if _, err := s.Meeting(ctx, a, meetingID); err != nil {
		return err
	}
	var v core.Validator
	v.Check(len([]rune(body)) <= MaxNotesLen, "shared_notes", "Keep notes under 20,000 characters.")
	if err := v.Err(); err != nil {
		return err
	}
	return s.Store.SetSharedNotes(ctx, a.OrgID, meetingID, strings.TrimSpace(body))
}

// SetPrivateNote saves the actor's own note, which only they will ever read.
func (s *Service) SetPrivateNote(ctx context.Context, a core.Actor, meetingID int64, body string) error {
	if _, err := s.Meeting(ctx, a, meetingID); err != nil {
		return err
	}
	var v core.Validator
	v.Check(len([]rune(body)) <= MaxNotesLen, "private_note", "Keep notes under 20,000 characters.")
	if err := v.Err(); err != nil {
		return err
	}
	return s.Store.SetPrivateNote(ctx, a.OrgID, meetingID, a.UserID, strings.TrimSpace(body))
}

// SetStatus records what became of a meeting.
func (s *Service) SetStatus(ctx context.Context, a core.Actor, meetingID int64, st MeetingStatus) error {
	m, err := s.Meeting(ctx, a, meetingID)
	if err != nil {
		return err
	}
	if !st.Valid() || st == Rescheduled {
		return &core.Error{Code: core.EINVALID, Message: "Choose a status.", Fields: map[string]string{"status": "Choose held, cancelled, missed or scheduled."}}
	}
	if st == Held && m.ScheduledAt.After(s.Clock.Now().Add(Grace)) {
		return &core.Error{Code: core.EINVALID, Message: "This 1:1 hasn't happened yet.", Fields: map[string]string{"status": "A 1:1 can be marked held from its day on."}}
	}
	if err := s.Store.SetMeetingStatus(ctx, a.OrgID, meetingID, st, a.UserID); err != nil {
		return err
	}
	if st == Scheduled {
		return nil
	}
	// Closing a meeting readies the next one at once, with the points
	// that carry over, so both can prepare it straight away.
	sr, err := s.Store.FindSeries(ctx, a.OrgID, m.SeriesID)
	if err != nil || sr.Status != SeriesActive {
		return err
	}
	_, err = s.Store.EnsureUpcoming(ctx, sr, s.Clock.Now())
	return err
}

// Reschedule moves a meeting to another time; its open points move with it.
func (s *Service) Reschedule(ctx context.Context, a core.Actor, meetingID int64, date, clock string) (int64, error) {
	m, err := s.Meeting(ctx, a, meetingID)
	if err != nil {
		return 0, err
	}
	var v core.Validator
	loc, lerr := core.Location(m.TimeZone)
	if lerr != nil {
		loc = time.UTC
	}
	to, perr := time.ParseInLocation("2006-01-02 15:04", strings.TrimSpace(date)+" "+strings.TrimSpace(clock), loc)
	if perr == nil && m.Status == Rescheduled {
		// The same move submitted again: answer with where it went.
		if id, err := s.Store.MeetingAt(ctx, a.OrgID, m.SeriesID, to); err == nil {
			return id, nil
		}
	}
	v.Check(perr == nil, "new_date", "Use a date like 2026-03-02 and a time like 10:30.")
	v.Check(m.Status == Scheduled, "new_date", "Only a scheduled 1:1 can be moved.")
	if perr == nil {
		v.Check(to.After(s.Clock.Now()), "new_date", "Choose a time in the future.")
		v.Check(!to.Equal(m.ScheduledAt), "new_date", "That's the time it already has.")
	}
	if err := v.Err(); err != nil {
		return 0, err
	}
	return s.Store.Reschedule(ctx, m, to, a.UserID)
}

// SetPulse records the report's pulse; only the report gives it.
func (s *Service) SetPulse(ctx context.Context, a core.Actor, meetingID int64, pulse int, word string) error {
	m, err := s.Meeting(ctx, a, meetingID)
	if err != nil {
		return err
	}
	if a.UserID != m.ReportID {
		return core.Forbidden()
	}
	var v core.Validator
	word = strings.TrimSpace(word)
	v.Check(pulse >= 1 && pulse <= 5, "pulse", "Choose 1 to 5.")
	v.Check(len([]rune(word)) <= MaxPulseWordLen, "pulse_word", "One word, or a few: under 40 characters.")
	if err := v.Err(); err != nil {
		return err
	}
	return s.Store.SetPulse(ctx, a.OrgID, meetingID, pulse, word)
}

// SetBalance records the report's share of the talking.
func (s *Service) SetBalance(ctx context.Context, a core.Actor, meetingID int64, balance int) error {
	if _, err := s.Meeting(ctx, a, meetingID); err != nil {
		return err
	}
	if balance < 0 || balance > 100 {
		return &core.Error{Code: core.EINVALID, Message: "Please correct the highlighted fields.", Fields: map[string]string{"balance": "Use a share from 0 to 100 %."}}
	}
	return s.Store.SetBalance(ctx, a.OrgID, meetingID, balance)
}

// AddAction records an action item owned by either participant, due on or
// after the meeting's day.
func (s *Service) AddAction(ctx context.Context, a core.Actor, meetingID, ownerID int64, body, due string) error {
	m, err := s.Meeting(ctx, a, meetingID)
	if err != nil {
		return err
	}
	var v core.Validator
	body = checkText(&v, "action_body", body, MaxActionLen, "what needs doing")
	v.Check(m.Includes(ownerID), "owner_id", "Choose one of the two of you.")
	d, derr := time.Parse("2006-01-02", strings.TrimSpace(due))
	v.Check(derr == nil, "due_on", "Use a date like 2026-03-02.")
	if derr == nil {
		ml := m.Local()
		day := time.Date(ml.Year(), ml.Month(), ml.Day(), 0, 0, 0, 0, time.UTC)
		v.Check(!d.Before(day), "due_on", "Choose a due date on or after the 1:1 ("+day.Format("2 Jan 2006")+").")
		v.Check(d.Before(day.AddDate(2, 0, 0)), "due_on", "Choose a due date within two years.")
	}
	if err := v.Err(); err != nil {
		return err
	}
	return s.Store.AddAction(ctx, a.OrgID, m, ownerID, a.UserID, body, d)
}

// SetActionDone ticks or reopens an action of one of the actor's series.
func (s *Service) SetActionDone(ctx context.Context, a core.Actor, actionID int64, done bool) (ActionRef, error) {
	ref, err := s.Store.FindAction(ctx, a.OrgID, actionID)
	if err != nil {
		return ActionRef{}, err
	}
	if a.UserID != ref.ManagerID && a.UserID != ref.ReportID {
		return ActionRef{}, core.NotFound("Action")
	}
	return ref, s.Store.SetActionDone(ctx, a.OrgID, actionID, done)
}

// AddObservation notes a competency the other participant showed. key is
// the form's key: the same form submitted twice stores one observation.
func (s *Service) AddObservation(ctx context.Context, a core.Actor, meetingID, competencyID int64, note, key string) error {
	m, err := s.Meeting(ctx, a, meetingID)
	if err != nil {
		return err
	}
	var v core.Validator
	note = checkText(&v, "note", note, MaxObservationLen, "what happened, in a line")
	comps, err := s.Store.Competencies(ctx, a.OrgID)
	if err != nil {
		return err
	}
	known := false
	for _, c := range comps {
		known = known || c.ID == competencyID
	}
	v.Check(known, "competency_id", "Choose a competency from the list.")
	if err := v.Err(); err != nil {
		return err
	}
	subject := m.ReportID
	if a.UserID == m.ReportID {
		subject = m.ManagerID
	}
	key = core.FormKey(key, strconv.FormatInt(competencyID, 10), note)
	return s.Store.AddObservation(ctx, a.OrgID, meetingID, a.UserID, subject, competencyID, note, key)
}

// HomeLimit bounds each list on the home page; the rest are a "see all" away.
const HomeLimit = 5

// Home is the 1:1 part of a person's home page.
type Home struct {
	Next []Upcoming
	// Actions are the first HomeLimit open actions, overdue first, of
	// ActionsTotal (ActionsOverdue of them overdue).
	Actions        []Action
	ActionsTotal   int
	ActionsOverdue int
	Points         []MyPoint
}

// Upcoming is a series' next slot for the home page.
type Upcoming struct {
	Series Series
	At     time.Time
}

// Home gathers the actor's next 1:1s, open actions and upcoming points.
func (s *Service) Home(ctx context.Context, a core.Actor) (Home, error) {
	now := s.Clock.Now()
	var h Home
	var series []Series
	var upcoming []Meeting
	var acts []Action
	err := core.Together(ctx,
		func(ctx context.Context) (err error) {
			series, err = s.Store.SeriesFor(ctx, a.OrgID, a.UserID)
			return err
		},
		func(ctx context.Context) (err error) {
			upcoming, err = s.Store.MeetingsForPersonSince(ctx, a.OrgID, a.UserID, now.Add(-Grace))
			return err
		},
		func(ctx context.Context) (err error) {
			acts, err = s.OpenActions(ctx, a)
			return err
		},
		func(ctx context.Context) (err error) {
			h.Points, err = s.Store.MyUpcomingPoints(ctx, a.OrgID, a.UserID, now.Add(-Grace))
			return err
		})
	if err != nil {
		return h, err
	}
	bySeries := map[int64]time.Time{}
	for _, m := range upcoming {
		if m.Status != Scheduled {
			continue
		}
		if t, ok := bySeries[m.SeriesID]; !ok || m.ScheduledAt.Before(t) {
			bySeries[m.SeriesID] = m.ScheduledAt
		}
	}
	for _, sr := range series {
		if sr.Status != SeriesActive {
			continue
		}
		at, ok := bySeries[sr.ID]
		if !ok {
			at = sr.Rule().Next(now)
		}
		h.Next = append(h.Next, Upcoming{Series: sr, At: at})
	}
	sortUpcoming(h.Next)
	h.ActionsTotal, h.Actions = len(acts), acts[:min(len(acts), HomeLimit)]
	for _, x := range acts {
		if x.Overdue(day(now)) {
			h.ActionsOverdue++
		}
	}
	return h, nil
}

// OpenActions lists the open actions of the actor's series: overdue first,
// then by due date, the actor's own before the other person's.
func (s *Service) OpenActions(ctx context.Context, a core.Actor) ([]Action, error) {
	acts, err := s.Store.OpenActionsFor(ctx, a.OrgID, a.UserID)
	if err != nil {
		return nil, err
	}
	SortActions(acts, a.UserID, day(s.Clock.Now()))
	return acts, nil
}

// SortActions orders open actions for a person: overdue first, then by due
// date, the person's own before the other's.
func SortActions(acts []Action, me int64, today time.Time) {
	slices.SortStableFunc(acts, func(x, y Action) int {
		if ox, oy := x.Overdue(today), y.Overdue(today); ox != oy {
			if ox {
				return -1
			}
			return 1
		}
		if c := x.DueOn.Compare(y.DueOn); c != 0 {
			return c
		}
		if mx, my := x.OwnerID == me, y.OwnerID == me; mx != my {
			if mx {
				return -1
			}
			return 1
		}
		return cmp.Compare(x.ID, y.ID)
	})
}

// day is the calendar day of t, as due dates are stored.
func day(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func sortUpcoming(u []Upcoming) {
	for i := 1; i < len(u); i++ {
		for j := i; j > 0 && u[j].At.Before(u[j-1].At); j-- {
			u[j], u[j-1] = u[j-1], u[j]
		}
	}
}

// Questions lists the question bank (admins edit it).
func (s *Service) Questions(ctx context.Context, a core.Actor) ([]Question, error) {
	return s.Store.Questions(ctx, a.OrgID)
}

// AddQuestion adds to the question bank.
func (s *Service) AddQuestion(ctx context.Context, a core.Actor, body string) error {
	if a.Role != core.RoleAdmin {
		return core.Forbidden()
	}
	var v core.Validator
	body = checkText(&v, "body", body, MaxQuestionLen, "the question")
	if err := v.Err(); err != nil {
		return err
	}
	return s.Store.AddQuestion(ctx, a.OrgID, body)
}

// SetQuestionActive retires or restores a question.
func (s *Service) SetQuestionActive(ctx context.Context, a core.Actor, id int64, active bool) error {
	if a.Role != core.RoleAdmin {
		return core.Forbidden()
	}
	return s.Store.SetQuestionActive(ctx, a.OrgID, id, active)
}

// History lists the last meetings of a series the actor takes part in
// (admins: any), newest first.
func (s *Service) History(ctx context.Context, a core.Actor, sr Series, limit int) ([]MeetingSummary, error) {
	if sr.OrgID != a.OrgID || !sr.Includes(a.UserID) {
		return nil, notFound
	}
	return s.Store.MeetingsFor(ctx, a.OrgID, sr.ID, limit)
}

// Competencies lists the active competencies of the organisation's current
// framework version, in order: what kudos, observations and filters offer.
func (s *Service) Competencies(ctx context.Context, a core.Actor) ([]Competency, error) {
	return s.Store.Competencies(ctx, a.OrgID)
}

// HasCalendarFeed reports whether the actor has a private calendar feed.
func (s *Service) HasCalendarFeed(ctx context.Context, a core.Actor) (bool, error) {
	return s.Store.HasCalendarFeed(ctx, a.OrgID, a.UserID)
}

// SetCalendarFeed gives the actor a new private calendar feed, known by the
// hash of its token; the old one stops working.
func (s *Service) SetCalendarFeed(ctx context.Context, a core.Actor, hash []byte) error {
	return s.Store.SetCalendarToken(ctx, a.OrgID, a.UserID, hash)
}

// CalendarFeed returns what the feed with the token hash shows: its owner's
// series and their meetings from a day before now on. The token is the
// only credential (ENOTFOUND when no feed has it).
func (s *Service) CalendarFeed(ctx context.Context, hash []byte, now time.Time) (userID int64, series []Series, meetings []Meeting, err error) {
	orgID, userID, err := s.Store.CalendarOwner(ctx, hash)
	if err != nil {
		return 0, nil, nil, err
	}
	if series, err = s.Store.SeriesFor(ctx, orgID, userID); err != nil {
		return 0, nil, nil, err
	}
	meetings, err = s.Store.MeetingsForPersonSince(ctx, orgID, userID, now.Add(-24*time.Hour))
	return userID, series, meetings, err
}
