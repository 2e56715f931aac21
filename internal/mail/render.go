package mail

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"rapport/internal/core"
)

// Notice is what a message is about, before it is written: the outbox
// renders it into a Message.
type Notice struct {
	Kind   Kind
	OrgID  int64
	UserID int64
	To     Address
	// TimeZone is the recipient's; dates in the message are shown in it.
	TimeZone string
	OrgName  string
	// ByName is the admin who invited or sent the reset, if one did.
	ByName string
	// Token is the secret of the link the message carries (invitation,
	// password reset); ExpiresAt is when that link stops working.
	Token     string
	ExpiresAt time.Time
	// At is when the change the message announces happened.
	At time.Time
	// IdemKey is the form key of the request that sent it, if any: a double
	// submit writes one message (the outbox's unique index).
	IdemKey string
	// Title and Path name what a reminder is about and where it is answered
	// (a path under the base URL); ExpiresAt is then when answers close.
	Title string
	Path  string
	// Quote is words the recipient may read quoted in the message (what a
	// kudo they received says).
	Quote string
	// Actions are the recipient's own actions a digest lists.
	Actions []Action
	// When is the start of the 1:1 a reminder is about, With the other
	// person and Agenda its agenda so far (the points both of them read).
	When   time.Time
	With   string
	Agenda []string
	// Step is the review step a deadline reminder is about (StepSelf or
	// StepManager), Due its deadline (a date, midnight UTC) and Names the
	// people whose reviews the recipient has still to write.
	Step  string
	Due   time.Time
	Names []string
	// Sections are a digest's lists, in order; empty ones are left out.
	Sections []Section
}

// Review steps a deadline reminder names.
const (
	StepSelf    = "self"
	StepManager = "manager"
)

// Section is one list of a digest: a heading and its lines.
type Section struct {
	Heading string
	Items   []string
}

// Action is one of the recipient's 1:1 actions, as a digest lists it.
type Action struct {
	Body string
	// Due is the day it is due (its date, at midnight UTC).
	Due time.Time
	// With is the other person of the 1:1; empty for a retrospective's
	// action.
	With string
	// Retro names the team whose retrospective the action comes from; empty
	// for a 1:1's action.
	Retro string
}

// content is one message's words, rendered both as HTML (templ) and as
// plain text from the same values, so the two parts always agree.
type content struct {
	Title     string
	Greeting  string
	Paras     []string
	Lists     []Section
	Button    string // label of the link's button
	Link      string
	After     []string
	Footer    string
	LinkLabel string // the text part's words before the bare link
	// Prefs is the address of the recipient's email preferences, shown
	// under every message they can turn off.
	Prefs string
}

// Rendered is a notice made into the words of a message.
type Rendered struct {
	Subject string
	Text    string
	HTML    string
	// Link is the one-time link the message carries, if any.
	Link string
	// Path is the page a message without a one-time link leads to, under
	// the base URL: what its in-app notification opens.
	Path string
	// Private are the lines only the recipient may read (see Stored).
	Private []string
}

// Render writes a notice's subject and both bodies, with links under
// baseURL and dates in the recipient's time zone.
func Render(ctx context.Context, n Notice, baseURL string) (Rendered, error) {
	base := strings.TrimRight(baseURL, "/")
	loc, err := core.Location(n.TimeZone)
	if err != nil || n.TimeZone == "" {
		loc = time.UTC
	}
	when := func(t time.Time) string {
		t = t.In(loc)
		return fmt.Sprintf("%s at %s (%s)", t.Format("Monday 2 January 2006"), t.Format("15:04"), zoneName(loc, t))
	}
	name := HeaderText(n.To.Name)
	org := HeaderText(n.OrgName)
	by := HeaderText(n.ByName)
	c := content{Greeting: "Hello " + name + ","}
	var subject string
	var private []string
	switch n.Kind {
	case KindInvitation:
		if by == "" {
			by = "Your admin"
		}
		subject = fmt.Sprintf("%s invited you to %s on Rapport", by, org)
		c.Title = "You're invited to " + org
		c.Link = base + "/invite/" + url.PathEscape(n.Token)
		c.Paras = []string{
			fmt.Sprintf("%s invited you to join %s on Rapport, where your team keeps its 1:1s, kudos, retrospectives and reviews.", by, org),
			"Choose a password to sign in for the first time. You'll sign in with this address, " + n.To.Email + ".",
		}
		c.Button, c.LinkLabel = "Choose your password", "Choose your password here:"
		c.After = []string{
			"This link works once, until " + when(n.ExpiresAt) + ". If it has expired, ask " + by + " for a new one.",
		}
		c.Footer = "If you weren't expecting this invitation, you can ignore this email: nothing happens until the link is used."
	case KindPasswordReset, KindAdminReset:
		subject = "Reset your Rapport password"
		c.Title = "Choose a new password"
		c.Link = base + "/password/reset/" + url.PathEscape(n.Token)
		if n.Kind == KindAdminReset {
			if by == "" {
				by = "An admin"
			}
			subject = by + " sent you a link to choose a new Rapport password"
			c.Paras = []string{fmt.Sprintf("%s, an admin of %s on Rapport, sent you this link to choose a new password.", by, org)}
		} else {
			c.Paras = []string{fmt.Sprintf("Someone, hopefully you, asked to reset the password of your Rapport account in %s.", org)}
		}
		c.Button, c.LinkLabel = "Choose a new password", "Choose a new password here:"
		c.After = []string{
			"This link works once, until " + when(n.ExpiresAt) + ". Using it signs you out everywhere else.",
			"If you didn't ask for it, ignore this email: your password stays as it is. To ask for another link, go to " + base + "/password/forgot.",
		}
		c.Footer = "You receive this email because an account in " + org + " on Rapport uses this address."
	case KindPasswordChanged:
		subject = "Your Rapport password was changed"
		c.Title = "Your password was changed"
		c.Link = base + "/password/forgot"
		c.Paras = []string{
			fmt.Sprintf("The password of your Rapport account in %s was changed on %s.", org, when(n.At)),
			"If that was you, there is nothing to do.",
			"If it wasn't, choose a new password now and tell your admin.",
		}
		c.Button, c.LinkLabel = "Choose a new password", "Choose a new password here:"
		c.Footer = "You receive this email because an account in " + org + " on Rapport uses this address."
	case KindPulseOpen:
		title := HeaderText(n.Title)
		subject = title + ": a new round is open"
		c.Title = title
		c.Link = base + n.Path
		c.Paras = []string{
			fmt.Sprintf("A new round of %s is open in %s on Rapport until %s.", title, org, when(n.ExpiresAt)),
			"It takes about a minute: a few statements from 1 to 5 and one question from 0 to 10. Your answer is stored without your name, and results show only when enough people have answered.",
		}
		c.Button, c.LinkLabel = "Answer the pulse", "Answer the pulse here:"
		c.Footer = "You receive this email because a pulse in " + org + " on Rapport asks you. You get one per round."
	case KindKudoReceived:
		if by == "" {
			by = "Someone"
		}
		subject = by + " gave you a kudo"
		c.Title = "You received a kudo"
		c.Link = base + n.Path
		c.Paras = []string{fmt.Sprintf("%s gave you a kudo in %s on Rapport:", by, org)}
		if q := strings.TrimSpace(n.Quote); q != "" {
			c.Paras = append(c.Paras, "“"+q+"”")
		}
		c.Button, c.LinkLabel = "Read the kudo", "Read it and reply here:"
		c.Footer = "You receive this email because a kudo in " + org + " on Rapport names you."
	case KindActionsDue:
		today := n.At.In(loc)
		today = time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
		late := 0
		for _, a := range n.Actions {
			if a.Due.Before(today) {
				late++
			}
		}
		switch {
		case len(n.Actions) == 1 && late == 1:
			subject = "1 of your actions is overdue"
		case len(n.Actions) == 1:
			subject = "1 of your actions is due soon"
		case late > 0:
			subject = fmt.Sprintf("%d of your actions are due, %d overdue", len(n.Actions), late)
		default:
			subject = fmt.Sprintf("%d of your actions are due soon", len(n.Actions))
		}
		c.Title = "Your actions"
		c.Link = base + "/actions"
		c.Paras = []string{fmt.Sprintf("These actions you own from 1:1s and retrospectives in %s are overdue or due by tomorrow:", org)}
		for _, a := range n.Actions {
			due := "due " + a.Due.Format("Monday 2 January")
			switch {
			case a.Due.Before(today):
				due += " (overdue)"
			case a.Due.Equal(today):
				due += " (today)"
			case a.Due.Equal(today.AddDate(0, 0, 1)):
				due += " (tomorrow)"
			}
			line := "• " + HeaderText(a.Body) + " — " + due
			if w := HeaderText(a.With); w != "" {
				line += ", with " + w
			}
			if r := HeaderText(a.Retro); r != "" {
				line += ", from the " + r + " retrospective"
			}
			c.Paras = append(c.Paras, line)
		}
		c.Button, c.LinkLabel = "See your actions", "See and tick them off here:"
		c.Footer = "You receive this email because you own open actions in " + org + " on Rapport. You get at most one a day."
	case KindOneOnOneTomorrow:
		with := HeaderText(n.With)
		at := n.When.In(loc)
		subject = fmt.Sprintf("Your 1:1 with %s is tomorrow at %s", with, at.Format("15:04"))
		c.Title = "1:1 with " + with + " tomorrow"
		c.Link = base + n.Path
		c.Paras = []string{fmt.Sprintf("Your 1:1 with %s in %s is on %s.", with, org, when(n.When))}
		if len(n.Agenda) == 0 {
			c.Paras = append(c.Paras, "Nothing is on the agenda yet. Add what you'd like to talk about, so you both can prepare.")
		} else {
			items := make([]string, len(n.Agenda))
			for i, a := range n.Agenda {
				items[i] = HeaderText(a)
			}
			c.Lists = []Section{{Heading: "The agenda so far", Items: items}}
			private = items
		}
		c.Button, c.LinkLabel = "Add to the agenda", "Add to the agenda here:"
		c.Footer = "You receive this email the day before each of your 1:1s in " + org + " on Rapport."
	case KindReviewDue:
		cycle := HeaderText(n.Title)
		today := n.At.In(loc)
		today = time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
		due := n.Due.Format("Monday 2 January")
		switch days := int(n.Due.Sub(today).Hours() / 24); {
		case days <= 0:
			due += " (today)"
		case days == 1:
			due += " (tomorrow)"
		default:
			due += fmt.Sprintf(" (in %d days)", days)
		}
		c.Link = base + n.Path
		if n.Step == StepManager {
			k := len(n.Names)
			if k == 1 {
				subject = fmt.Sprintf("Your review of %s for %s is due %s", HeaderText(n.Names[0]), cycle, due)
			} else {
				subject = fmt.Sprintf("%d reviews you write for %s are due %s", k, cycle, due)
			}
			c.Title = "Manager reviews due"
			c.Paras = []string{fmt.Sprintf("The manager reviews of %s in %s are due %s. You haven't submitted these yet:", cycle, org, due)}
			items := make([]string, k)
			for i, nm := range n.Names {
				items[i] = HeaderText(nm)
			}
			c.Lists = []Section{{Items: items}}
			c.Button, c.LinkLabel = "Open the reviews", "Open the reviews here:"
		} else {
			subject = fmt.Sprintf("Your self-assessment for %s is due %s", cycle, due)
			c.Title = "Your self-assessment is due"
			c.Paras = []string{fmt.Sprintf("Your self-assessment in %s, %s, is due %s. You haven't submitted it yet.", cycle, org, due)}
			c.Button, c.LinkLabel = "Open your self-assessment", "Open your self-assessment here:"
		}
		c.Footer = "You receive this email a week and a day before a review deadline in " + org + " on Rapport, until you submit."
	case KindManagerWeekly:
		subject = "Your team this week"
		if s := digestSummary(n.Sections); s != "" {
			subject += ": " + s
		}
		c.Title = "Your team this week"
		c.Link = base + "/checkins"
		c.Paras = []string{fmt.Sprintf("What needs your attention in %s this week, from your check-ins, actions, recognition and reviews:", org)}
		c.Lists = nonEmpty(n.Sections)
		c.Button, c.LinkLabel = "Open your check-ins", "Open your check-ins here:"
		c.Footer = "You receive this email on Monday mornings because you run 1:1s in " + org + " on Rapport."
	case KindLeaderMonthly:
		month := n.At.In(loc).AddDate(0, 0, -1).Format("January 2006")
		subject = "Your part of " + org + " in " + month
		c.Title = "Your month in " + org
		c.Link = base + "/checkins/managers"
		c.Paras = []string{fmt.Sprintf("How the managers in your part of %s kept up their 1:1s and shared recognition over the last 30 days:", org)}
		c.Lists = nonEmpty(n.Sections)
		c.Button, c.LinkLabel = "Open the roll-up", "Open the roll-up here:"
		c.Footer = "You receive this email on the first of each month because you lead a part of " + org + " on Rapport."
	default:
		return Rendered{}, fmt.Errorf("mail: no words for a %q message", n.Kind)
	}
	if !n.Kind.Essential() {
		c.Prefs = base + "/account#email"
	}
	var html bytes.Buffer
	if err := messageHTML(subject, c).Render(ctx, &html); err != nil {
		return Rendered{}, fmt.Errorf("mail: render %s: %w", n.Kind, err)
	}
	r := Rendered{Subject: HeaderText(subject), Text: c.text(), HTML: html.String(), Private: private}
	if n.Token != "" {
		r.Link = c.Link
	} else if p := strings.TrimPrefix(c.Link, base); p != c.Link && strings.HasPrefix(p, "/") && !strings.HasPrefix(p, "//") {
		r.Path = p
	}
	return r, nil
}

// text is the plain-text part: the same paragraphs and link as the HTML.
func (c content) text() string {
	var b strings.Builder
	b.WriteString(c.Greeting + "\n\n")
	for _, p := range c.Paras {
		b.WriteString(p + "\n\n")
	}
	for _, l := range c.Lists {
		if l.Heading != "" {
			b.WriteString(l.Heading + ":\n")
		}
		for _, it := range l.Items {
			b.WriteString("• " + it + "\n")
		}
		b.WriteString("\n")
	}
	if c.Link != "" {
		b.WriteString(c.LinkLabel + "\n" + c.Link + "\n\n")
	}
	for _, p := range c.After {
		b.WriteString(p + "\n\n")
	}
	b.WriteString("-- \n" + c.Footer + "\n")
	if c.Prefs != "" {
		b.WriteString("Choose which emails you receive: " + c.Prefs + "\n")
	}
	return b.String()
}

// zoneName is the zone's IANA name, or its abbreviation when the name is
// only "Local".
func zoneName(loc *time.Location, t time.Time) string {
	if n := loc.String(); n != "" && n != "Local" {
		return n
	}
	abbr, _ := t.Zone()
	return abbr
}

// nonEmpty keeps the sections that have lines, their words made safe for
// one line each.
func nonEmpty(ss []Section) []Section {
	var out []Section
	for _, s := range ss {
		if len(s.Items) == 0 {
			continue
		}
		items := make([]string, len(s.Items))
		for i, it := range s.Items {
			items[i] = HeaderText(it)
		}
		out = append(out, Section{Heading: HeaderText(s.Heading), Items: items})
	}
	return out
}

// digestSummary is the subject's tail: how many lines the digest holds.
func digestSummary(ss []Section) string {
	k := 0
	for _, s := range ss {
		k += len(s.Items)
	}
	switch k {
	case 0:
		return ""
	case 1:
		return "1 thing to look at"
	}
	return fmt.Sprintf("%d things to look at", k)
}
