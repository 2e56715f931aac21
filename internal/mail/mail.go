// Package mail sends Rapport's email. A change that should reach someone by
// email writes the message to the outbox in its own transaction (Outbox.Queue)
// and, in that same transaction, queues a River job that sends it; so a
// rolled-back change never mails and a committed one always does.
//
// The job sends each outbox row at most once across every replica: it holds
// the row's lock while it talks to the mail server and records the outcome
// before letting go, so a retry, or a second job for the same row, finds the
// row sent and stops. Failed attempts are retried with backoff; the row keeps
// the number of attempts and the last error for admins (/admin/outbox).
//
// With no mail server configured nothing pretends: messages stay in the
// outbox marked "not sent: email is not configured", where an admin can read
// them and pass a link on by hand.
//
// Messages carry no content that is private to someone other than their
// recipient: account messages (invitations, password resets, password
// changes) hold the recipient's own name, organisation and link, never a 1:1
// note, review or kudo.
package mail

import (
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Kind names what a message is about. It is stored in the outbox; never
// rename one that may be stored.
type Kind string

// The kinds of message Rapport sends.
const (
	KindInvitation      Kind = "invitation"
	KindPasswordReset   Kind = "password_reset"
	KindPasswordChanged Kind = "password_changed"
	KindAdminReset      Kind = "admin_reset"
	// KindPulseOpen tells the people a pulse asks that a round is open.
	KindPulseOpen Kind = "pulse_open"
	// KindKudoReceived tells a person a new kudo names them.
	KindKudoReceived Kind = "kudo_received"
	// KindActionsDue lists, once a day, a person's 1:1 actions that are
	// overdue or due tomorrow.
	KindActionsDue Kind = "actions_due"
	// KindOneOnOneTomorrow reminds both people of a 1:1 the day before,
	// with its agenda so far.
	KindOneOnOneTomorrow Kind = "oneonone_tomorrow"
	// KindReviewDue reminds a person of a review step (self-assessment or
	// manager review) they have not submitted, a week and a day before its
	// deadline.
	KindReviewDue Kind = "review_due"
	// KindManagerWeekly is a manager's Monday digest of their team's 1:1s,
	// actions, recognition and reviews.
	KindManagerWeekly Kind = "manager_weekly"
	// KindLeaderMonthly is a leader's monthly digest of the managers in
	// their part of the organisation.
	KindLeaderMonthly Kind = "leader_monthly"
)

// Essential reports whether a kind is about the person's account itself:
// such messages are always sent and carry no unsubscribe link. Every other
// kind (reminders, kudos) can be turned off and carries List-Unsubscribe
// headers.
func (k Kind) Essential() bool {
	switch k {
	case KindInvitation, KindPasswordReset, KindPasswordChanged, KindAdminReset:
		return true
	}
	return false
}

// Label is the kind as admins read it.
func (k Kind) Label() string {
	switch k {
	case KindInvitation:
		return "Invitation"
	case KindPasswordReset:
		return "Password reset"
	case KindPasswordChanged:
		return "Password changed"
	case KindAdminReset:
		return "Reset sent by an admin"
	case KindPulseOpen:
		return "Pulse round open"
	case KindKudoReceived:
		return "Kudo received"
	case KindActionsDue:
		return "Actions due"
	case KindOneOnOneTomorrow:
		return "1:1 tomorrow"
	case KindReviewDue:
		return "Review deadline"
	case KindManagerWeekly:
		return "Weekly team digest"
	case KindLeaderMonthly:
		return "Monthly leader digest"
	}
	return string(k)
}

// States of an outbox row.
const (
	StateQueued       = "queued"
	StateSent         = "sent"
	StateFailed       = "failed"
	StateUnconfigured = "unconfigured"
)

// NotConfigured is the state admins read on messages kept because no mail
// server is set up.
const NotConfigured = "not sent: email is not configured"

// Address is a name and an email address.
type Address struct {
	Name  string
	Email string
}

// String formats the address for a header, the name quoted or encoded as
// needed.
func (a Address) String() string {
	return (&mail.Address{Name: HeaderText(a.Name), Address: a.Email}).String()
}

// Display is the address as people read it: Name <addr@example.com>.
func (a Address) Display() string {
	if n := HeaderText(a.Name); n != "" {
		return n + " <" + a.Email + ">"
	}
	return a.Email
}

// Domain is the part of the address after the @.
func (a Address) Domain() string {
	if i := strings.LastIndexByte(a.Email, '@'); i >= 0 {
		return a.Email[i+1:]
	}
	return "localhost"
}

// ParseAddress reads "Name <addr@example.com>" or a bare address. Line breaks
// and other control characters are refused: they could start a new header.
func ParseAddress(s string) (Address, error) {
	if strings.ContainsFunc(s, unicode.IsControl) {
		return Address{}, fmt.Errorf("%q holds a control character", s)
	}
	a, err := mail.ParseAddress(strings.TrimSpace(s))
	if err != nil {
		return Address{}, fmt.Errorf("%q is not an email address like Rapport <rapport@example.com>", s)
	}
	return Address{Name: a.Name, Email: a.Address}, nil
}

// HeaderText makes s safe for a header value: every control character (CR
// and LF above all, which could start a new header) becomes a space, runs of
// space collapse, and the result is at most 200 characters.
func HeaderText(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == utf8.RuneError || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) > 200 {
		s = string([]rune(s)[:199]) + "…"
	}
	return s
}

// Message is one email as it is sent: headers, a plain-text part and an HTML
// part that say the same thing.
type Message struct {
	Kind    Kind
	From    Address
	To      Address
	Subject string
	Text    string
	HTML    string
	// MessageID is derived from the outbox row (without angle brackets), so
	// every attempt sends the same one and a receiver can drop a repeat.
	MessageID string
	// Date is when the message was written to the outbox.
	Date time.Time
	// Unsubscribe is the one-click unsubscribe address of a non-essential
	// message; empty for account messages.
	Unsubscribe string
}

// MessageID names an outbox row's message for every attempt to send it.
func MessageID(outboxID int64, from Address) string {
	return fmt.Sprintf("rapport-outbox-%d@%s", outboxID, from.Domain())
}
