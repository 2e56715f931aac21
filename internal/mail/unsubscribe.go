package mail

import (
	"context"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"rapport/internal/core"
)

// Optional lists the kinds a person may turn off, in the order their
// account page shows them. Every kind not Essential belongs here.
var Optional = []Kind{KindActionsDue, KindOneOnOneTomorrow, KindReviewDue, KindKudoReceived, KindPulseOpen,
	KindManagerWeekly, KindLeaderMonthly}

// Describe says, for the account page, what a kind of email is.
func (k Kind) Describe() string {
	switch k {
	case KindPulseOpen:
		return "When a pulse survey that asks you opens a new round."
	case KindKudoReceived:
		return "When someone gives you a kudo."
	case KindActionsDue:
		return "One email a day, in the morning, when actions you own from 1:1s or retrospectives are overdue or due tomorrow."
	case KindOneOnOneTomorrow:
		return "The day before each of your 1:1s, with its agenda so far."
	case KindReviewDue:
		return "A week and a day before a review deadline, while your self-assessment or the reviews you write are not submitted."
	case KindManagerWeekly:
		return "On Monday mornings, if you run 1:1s: reports drifting, 1:1s missed, overdue actions, people nobody recognised lately and reviews due."
	case KindLeaderMonthly:
		return "On the first of the month, for leaders: managers whose 1:1s slipped and how evenly recognition is spread."
	}
	return ""
}

// unsubscribeContext binds unsubscribe signatures to their use: a signature
// made for anything else never unsubscribes.
const unsubscribeContext = "mail unsubscribe"

// UnsubscribeToken is the one-click unsubscribe token for one person and
// one kind: "<user id>.<kind>.<signature>". It is not stored: the signature
// under the app's key is what makes it unforgeable, and it works for as long
// as that key is configured.
func UnsubscribeToken(s Signer, userID int64, kind Kind) string {
	msg := strconv.FormatInt(userID, 10) + "." + string(kind)
	sig := s.Sign([]byte(msg), unsubscribeContext)
	return msg + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// ParseUnsubscribeToken checks a token and returns the person and the kind
// it turns off. A forged, altered or malformed token, or one for a kind that
// cannot be turned off, is ENOTFOUND.
func ParseUnsubscribeToken(s Signer, token string) (int64, Kind, error) {
	bad := core.NotFound("This unsubscribe link")
	parts := strings.Split(token, ".")
	if len(parts) != 3 || s == nil {
		return 0, "", bad
	}
	userID, err := strconv.ParseInt(parts[0], 10, 64)
	if err != nil || userID <= 0 || strconv.FormatInt(userID, 10) != parts[0] {
		return 0, "", bad
	}
	kind := Kind(parts[1])
	if !kind.Optional() {
		return 0, "", bad
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || !s.Verify([]byte(parts[0]+"."+parts[1]), sig, unsubscribeContext) {
		return 0, "", bad
	}
	return userID, kind, nil
}

// Optional reports whether a person may turn the kind off.
func (k Kind) Optional() bool {
	for _, o := range Optional {
		if o == k {
			return true
		}
	}
	return false
}

// Preferences are the kinds of email each person receives: all optional
// kinds until they turn one off, on their account page or with a message's
// one-click unsubscribe link.
type Preferences struct {
	Store  Store
	Signer Signer
	Clock  core.Clock
}

// Setting is one optional kind and whether the person receives it.
type Setting struct {
	Kind Kind
	On   bool
}

// Settings lists the optional kinds and whether the actor receives each.
func (p Preferences) Settings(ctx context.Context, a core.Actor) ([]Setting, error) {
	off, err := p.Store.MailKindsOff(ctx, a.UserID)
	if err != nil {
		return nil, err
	}
	out := make([]Setting, len(Optional))
	for i, k := range Optional {
		out[i] = Setting{Kind: k, On: true}
		for _, o := range off {
			if o == k {
				out[i].On = false
			}
		}
	}
	return out, nil
}

// Set turns the actor's optional kinds on or off: every optional kind in on
// is on, every other one off.
func (p Preferences) Set(ctx context.Context, a core.Actor, on map[Kind]bool) error {
	now := p.Clock.Now()
	return p.Store.InTx(ctx, func(st Store) error {
		for _, k := range Optional {
			if err := st.SetMailKind(ctx, a.UserID, k, on[k], now); err != nil {
				return err
			}
		}
		return nil
	})
}

// CheckUnsubscribe returns the kind a token would turn off, changing nothing.
func (p Preferences) CheckUnsubscribe(token string) (Kind, error) {
	_, k, err := ParseUnsubscribeToken(p.Signer, token)
	return k, err
}

// Unsubscribe turns off the kind a token names for its person; doing it
// again changes nothing more. It needs no sign-in: the token is the proof.
func (p Preferences) Unsubscribe(ctx context.Context, token string) (Kind, error) {
	userID, k, err := ParseUnsubscribeToken(p.Signer, token)
	if err != nil {
		return "", err
	}
	err = p.Store.SetMailKind(ctx, userID, k, false, p.Clock.Now())
	if errors.Is(err, pgx.ErrNoRows) {
		return "", core.NotFound("This unsubscribe link")
	}
	return k, err
}
