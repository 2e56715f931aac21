package server_test

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"rapport/internal/server"
	"rapport/internal/testapp"
	"rapport/internal/testfx"
)

// freshIP returns a loopback address no other test (or earlier run of this
// one) has used, so that its sign-in counters start at zero.
func freshIP() string {
	return fmt.Sprintf("127.%d.%d.%d", 1+rand.IntN(254), rand.IntN(256), 1+rand.IntN(254))
}

func login(c *testapp.Client, email, password string) testapp.Response {
	return c.Post("/login", url.Values{"email": {email}, "password": {password}})
}

// Two replicas on one database enforce one budget: a guesser who spreads
// attempts over both is slowed down as if there were one, while the owner,
// from another address, signs in.
func TestSignInLimitsAreSharedByReplicasAndNeverLockTheOwnerOut(t *testing.T) {
	cfg := testapp.Options{Config: func(c *server.Config) {
		c.LoginPerAccount = 3
		c.LoginPerIP = 8
		c.LoginWindow = time.Hour
	}}
	a := testapp.Start(t, dsn, cfg)
	b := testapp.Start(t, dsn, cfg)
	org := a.F.Org(t, "Replicas")
	p := a.F.Person(t, org, testfx.PersonOpts{})

	guesser, owner, spread := freshIP(), freshIP(), freshIP()
	guessA, guessB := a.ClientFrom(t, guesser), b.ClientFrom(t, guesser)
	for i, c := range []*testapp.Client{guessA, guessB, guessA} {
		if r := login(c, p.Email, "wrong guess "+strconv.Itoa(i)); r.Status != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d, want 401", i, r.Status)
		}
	}
	// The fourth attempt from the guesser's address waits, on either replica,
	// even with the right password.
	for _, c := range []*testapp.Client{guessB, guessA} {
		r := login(c, p.Email, testfx.Password)
		if r.Status != http.StatusTooManyRequests || !strings.Contains(r.Body, "Too many sign-in attempts") {
			t.Fatalf("4th attempt from the guesser's address: %d, want 429", r.Status)
		}
		if r.Header.Get("Retry-After") == "" {
			t.Error("429 without Retry-After")
		}
	}
	// The owner, from their own address, signs in on both replicas.
	for _, ta := range []*testapp.TestApp{a, b} {
		if r := login(ta.ClientFrom(t, owner), p.Email, testfx.Password); r.Status != http.StatusSeeOther {
			t.Fatalf("owner from another address: %d, want 303", r.Status)
		}
	}

	// The per-address budget is shared too: 8 requests over both replicas,
	// then the 9th is refused on either.
	spreadA, spreadB := a.ClientFrom(t, spread), b.ClientFrom(t, spread)
	for i := 0; i < 8; i++ {
		c := spreadA
		if i%2 == 1 {
			c = spreadB
		}
		if r := login(c, "nobody"+strconv.Itoa(i)+"@example.com", "wrong guess"); r.Status != http.StatusUnauthorized {
			t.Fatalf("request %d from one address: %d, want 401", i, r.Status)
		}
	}
	for _, c := range []*testapp.Client{spreadA, spreadB} {
		if r := login(c, p.Email, testfx.Password); r.Status != http.StatusTooManyRequests {
			t.Fatalf("9th request from one address: %d, want 429", r.Status)
		}
	}

	// Password-reset requests for one account share a budget as well.
	for i := 0; i < 3; i++ {
		c := a.ClientFrom(t, freshIP())
		if i == 1 {
			c = b.ClientFrom(t, freshIP())
		}
		if r := c.Post("/password/forgot", url.Values{"email": {p.Email}}); r.Status != http.StatusOK {
			t.Fatalf("reset request %d: %d", i, r.Status)
		}
	}
	r := b.ClientFrom(t, freshIP()).Post("/password/forgot", url.Values{"email": {p.Email}})
	if r.Status != http.StatusTooManyRequests || !strings.Contains(r.Body, "Too many requests") || !strings.Contains(r.Body, `value="`+p.Email+`"`) {
		t.Fatalf("4th reset request for one account: %d, want 429 beside the field", r.Status)
	}
}

// Wrong passwords from a guesser's address slow that address down only: the
// owner, from their own, signs in at once.
func TestAGuesserNeverLocksTheOwnerOut(t *testing.T) {
	ta := testapp.Start(t, dsn, testapp.Options{Config: func(c *server.Config) {
		c.LoginPerAccount = 5
		c.LoginPerIP = 100
		c.LoginWindow = time.Hour
	}})
	org := ta.F.Org(t, "Lockout")
	p := ta.F.Person(t, org, testfx.PersonOpts{})
	guesser := ta.ClientFrom(t, freshIP())
	for i := 0; i < 5; i++ {
		if r := login(guesser, p.Email, "wrong guess "+strconv.Itoa(i)); r.Status != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d, want 401", i, r.Status)
		}
	}
	if r := login(guesser, p.Email, "wrong guess 6"); r.Status != http.StatusTooManyRequests {
		t.Fatalf("6th guess: %d, want 429", r.Status)
	}
	owner := ta.ClientFrom(t, freshIP())
	if r := login(owner, p.Email, testfx.Password); r.Status != http.StatusSeeOther {
		t.Fatalf("the owner, from their own address, after five wrong guesses elsewhere: %d, want 303", r.Status)
	}
}

// After the free attempts, each further attempt from the same address waits
// twice as long as the one before; a successful sign-in starts over.
func TestSignInDelaysGrowAndASuccessStartsOver(t *testing.T) {
	clock := &movableClock{now: time.Now()}
	ta := testapp.Start(t, dsn, testapp.Options{Clock: clock, Config: func(c *server.Config) {
		c.LoginPerAccount = 2
		c.LoginPerIP = 100
		c.LoginWindow = time.Minute
		c.LoginMaxDelay = 4 * time.Minute
	}})
	org := ta.F.Org(t, "Delays")
	p := ta.F.Person(t, org, testfx.PersonOpts{})
	ip := freshIP()
	c := ta.ClientFrom(t, ip)
	step := func(label string, password string, want int) testapp.Response {
		t.Helper()
		r := login(c, p.Email, password)
		if r.Status != want {
			t.Fatalf("%s: %d, want %d", label, r.Status, want)
		}
		return r
	}
	step("1st wrong", "wrong one", http.StatusUnauthorized)
	step("2nd wrong", "wrong two", http.StatusUnauthorized)
	r := step("3rd at once", "wrong three", http.StatusTooManyRequests)
	if ra := r.Header.Get("Retry-After"); ra != "60" {
		t.Errorf("Retry-After %q, want 60", ra)
	}
	clock.now = clock.now.Add(61 * time.Second)
	step("after a minute", "wrong three", http.StatusUnauthorized)
	clock.now = clock.now.Add(61 * time.Second)
	r = step("a minute later: the wait doubled", "wrong four", http.StatusTooManyRequests)
	if ra := r.Header.Get("Retry-After"); ra != "59" {
		t.Errorf("Retry-After %q, want 59", ra)
	}
	clock.now = clock.now.Add(60 * time.Second)
	step("after two minutes", "wrong four", http.StatusUnauthorized)
	clock.now = clock.now.Add(3 * time.Minute)
	step("three minutes later: the wait doubled again", testfx.Password, http.StatusTooManyRequests)
	clock.now = clock.now.Add(61 * time.Second)
	step("after four minutes, the owner", testfx.Password, http.StatusSeeOther)
	// The success cleared the count: two free attempts again.
	c = ta.ClientFrom(t, ip)
	step("wrong after success", "wrong five", http.StatusUnauthorized)
	step("second wrong after success", "wrong six", http.StatusUnauthorized)

	// Counters are pruned once idle and unblocked.
	const mine = "SELECT count(*) FROM rate_limits WHERE key LIKE '%:' || $1"
	if n := ta.F.Count(t, mine, ip); n != 2 {
		t.Fatalf("%d counters for the address, want 2 (address, account from address)", n)
	}
	if _, err := ta.Limits.PruneLimits(t.Context(), clock.now); err != nil {
		t.Fatal(err)
	}
	if n := ta.F.Count(t, mine, ip); n != 2 {
		t.Fatalf("pruning removed %d live counters", 2-n)
	}
	if _, err := ta.Limits.PruneLimits(t.Context(), clock.now.Add(25*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if n := ta.F.Count(t, mine, ip); n != 0 {
		t.Fatalf("%d idle counters survived pruning", n)
	}
}

// Whatever is typed as the address, sign-in and reset requests answer with a
// message, never a server error: overlong text and bytes that are not UTF-8
// included.
func TestOddAddressesGetAnAnswerNotAnError(t *testing.T) {
	ta := testapp.Start(t, dsn, testapp.Options{})
	c := ta.ClientFrom(t, freshIP())
	for _, email := range []string{strings.Repeat("a", 5000) + "@example.com", "\xff\xfe@example.com", "  ", ""} {
		signIn, reset := http.StatusUnauthorized, http.StatusUnprocessableEntity
		if !utf8.ValidString(email) {
			// Refused as a whole by the input check before any handler.
			signIn, reset = http.StatusBadRequest, http.StatusBadRequest
		}
		if r := login(c, email, "some password"); r.Status != signIn {
			t.Errorf("sign in as %.20q: %d, want %d", email, r.Status, signIn)
		}
		if r := c.Post("/password/forgot", url.Values{"email": {email}}); r.Status != reset {
			t.Errorf("reset for %.20q: %d, want %d", email, r.Status, reset)
		}
	}
}

// Attempts sent at once cannot slip past the count: of ten wrong passwords
// sent together from one address, exactly the free three are checked.
func TestSimultaneousAttemptsAreCountedExactly(t *testing.T) {
	ta := testapp.Start(t, dsn, testapp.Options{Config: func(c *server.Config) {
		c.LoginPerAccount = 3
		c.LoginPerIP = 100
		c.LoginWindow = time.Hour
	}})
	org := ta.F.Org(t, "At once")
	p := ta.F.Person(t, org, testfx.PersonOpts{})
	ip := freshIP()
	statuses := make(chan int, 10)
	for i := 0; i < 10; i++ {
		c := ta.ClientFrom(t, ip)
		go func() {
			form := url.Values{"email": {p.Email}, "password": {"wrong guess " + strconv.Itoa(i)}}
			req, _ := http.NewRequest("POST", ta.URL+"/login", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, err := c.HTTP.Do(req)
			if err != nil {
				statuses <- 0
				return
			}
			resp.Body.Close()
			statuses <- resp.StatusCode
		}()
	}
	count := map[int]int{}
	for i := 0; i < 10; i++ {
		count[<-statuses]++
	}
	if count[http.StatusUnauthorized] != 3 || count[http.StatusTooManyRequests] != 7 {
		t.Fatalf("statuses %v, want 3×401 and 7×429", count)
	}
}
