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
}

// Action is one of the recipient's 1:1 actions, as a digest lists it.
type Action struct {
	Body string
	// Due is the day it is due (its date, at midnight UTC).
	Due time.Time
	// With is the other person of the 1:1.
	With string
}

// content is one message's words, rendered both as HTML (templ) and as
// plain text from the same values, so the two parts always agree.
type content struct {
	Title     string
	Greeting  string
	Paras     []string
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
			subject = "1 action from your 1:1s is overdue"
		case len(n.Actions) == 1:
			subject = "1 action from your 1:1s is due soon"
		case late > 0:
			subject = fmt.Sprintf("%d actions from your 1:1s are due, %d overdue", len(n.Actions), late)
		default:
			subject = fmt.Sprintf("%d actions from your 1:1s are due soon", len(n.Actions))
		}
		c.Title = "Your 1:1 actions"
		c.Link = base + "/actions"
		c.Paras = []string{fmt.Sprintf("These actions you own from your 1:1s in %s are overdue or due by tomorrow:", org)}
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
			c.Paras = append(c.Paras, line)
		}
		c.Button, c.LinkLabel = "See your actions", "See and tick them off here:"
		c.Footer = "You receive this email because you own open actions from 1:1s in " + org + " on Rapport. You get at most one a day."
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
	r := Rendered{Subject: HeaderText(subject), Text: c.text(), HTML: html.String()}
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
