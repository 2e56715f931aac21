package server_test

import (
	"math"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"rapport/internal/testapp"
	"rapport/internal/testfx"
)

// The forgot-password form answers as fast for an address with an account as
// for one without, so its timing does not tell which addresses exist.
func TestForgotPasswordTakesAsLongForKnownAndUnknownAddresses(t *testing.T) {
	ta := testapp.Start(t, dsn, testapp.Options{})
	org := ta.F.Org(t, "Timing")
	p := ta.F.Person(t, org, testfx.PersonOpts{})
	c := ta.ClientFrom(t, freshIP())
	ask := func(email string) time.Duration {
		start := time.Now()
		r := c.Post("/password/forgot", url.Values{"email": {email}})
		d := time.Since(start)
		if r.Status != http.StatusOK {
			t.Fatalf("forgot %s: %d", email, r.Status)
		}
		return d
	}
	for i := 0; i < 5; i++ { // warm up connections and statement caches
		ask(p.Email)
		ask("nobody@example.com")
	}
	// In pairs, back to back and in alternating order, so that load from
	// elsewhere on the machine hits both alike; the median of the pairs'
	// differences is what the addresses themselves cost.
	const n = 100
	var known, unknown, diff []time.Duration
	for i := 0; i < n; i++ {
		var k, u time.Duration
		if i%2 == 0 {
			k = ask(p.Email)
			u = ask("nobody@example.com")
		} else {
			u = ask("nobody@example.com")
			k = ask(p.Email)
		}
		known, unknown, diff = append(known, k), append(unknown, u), append(diff, k-u)
	}
	mk, mu, md := median(known), median(unknown), median(diff)
	rel := math.Abs(float64(md)) / float64(min(mk, mu))
	t.Logf("median of %d requests: known %v, unknown %v (ratio %.2f); median difference %v (%.0f%%)",
		n, mk, mu, float64(max(mk, mu))/float64(min(mk, mu)), md, 100*rel)
	// On a loaded machine the pairs' median difference stays within a few
	// per cent; one extra lookup and insert shows as a quarter or more.
	if rel > 0.12 {
		t.Errorf("known and unknown addresses differ: median %v vs %v, median difference %v (%.0f%% > 12%%)", mk, mu, md, 100*rel)
	}
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}
