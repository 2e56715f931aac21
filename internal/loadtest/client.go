package loadtest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// probe is a plain client for the checks and sign-ins before a run: it
// never follows redirects, so every 303 is seen.
func probe() *http.Client {
	return &http.Client{
		Timeout:       15 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

func get(ctx context.Context, c *http.Client, u, cookie string) (*http.Response, string, error) {
	return send(ctx, c, http.MethodGet, u, cookie)
}

// send makes one request with an empty body and reads its answer.
func send(ctx context.Context, c *http.Client, method, u, cookie string) (*http.Response, string, error) {
	req, err := http.NewRequestWithContext(ctx, method, u, nil)
	if err != nil {
		return nil, "", err
	}
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	return resp, string(b), err
}

// CheckRapport makes sure base is a Rapport server: its health check answers
// like Rapport's and its sign-in page has Rapport's form.
func CheckRapport(ctx context.Context, base string) error {
	c := probe()
	resp, body, err := get(ctx, c, base+"/healthz", "")
	if err != nil {
		return fmt.Errorf("%s does not answer: %v", base, err)
	}
	if resp.StatusCode != http.StatusOK || body != "ok\n" {
		return fmt.Errorf("%s is not a Rapport server: /healthz answered %d %q, Rapport answers 200 \"ok\"", base, resp.StatusCode, short(body))
	}
	resp, body, err = get(ctx, c, base+"/login", "")
	if err != nil {
		return fmt.Errorf("%s does not answer: %v", base, err)
	}
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `action="/login"`) ||
		!strings.Contains(body, `name="password"`) || !strings.Contains(body, "Rapport") {
		return fmt.Errorf("%s is not a Rapport server: /login answered %d without Rapport's sign-in form", base, resp.StatusCode)
	}
	return nil
}

// CheckFortunes makes sure u answers like the Fortunes baseline.
func CheckFortunes(ctx context.Context, u string) error {
	resp, body, err := get(ctx, probe(), u, "")
	if err != nil {
		return fmt.Errorf("the Fortunes baseline %s does not answer: %v", u, err)
	}
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "<title>Fortunes</title>") {
		return fmt.Errorf("%s is not the Fortunes baseline: it answered %d without a Fortunes page", u, resp.StatusCode)
	}
	return nil
}

// SignIn signs in through the form and returns the session cookie as a
// Cookie header value. It reads the Set-Cookie header itself: a Secure
// __Host- cookie works over plain HTTP on loopback this way too.
func SignIn(ctx context.Context, base, email, password string) (string, error) {
	form := url.Values{"email": {email}, "password": {password}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/login", strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := probe().Do(req)
	if err != nil {
		return "", fmt.Errorf("sign in as %s: %v", email, err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode == http.StatusTooManyRequests {
		return "", fmt.Errorf("sign in as %s: the server limits sign-in attempts (a few a minute per account); wait a minute and run again", email)
	}
	if resp.StatusCode != http.StatusSeeOther {
		return "", fmt.Errorf("sign in as %s: the server answered %d; check the email and --password (demo people use rapport-demo)", email, resp.StatusCode)
	}
	for _, ck := range resp.Cookies() {
		if strings.HasSuffix(ck.Name, "rapport_session") && ck.Value != "" {
			return ck.Name + "=" + ck.Value, nil
		}
	}
	return "", fmt.Errorf("sign in as %s: no session cookie came back", email)
}

var (
	seriesLink = regexp.MustCompile(`(?:href|action)="/oneonones/(\d+)(?:/next)?"`)
	meetingID  = regexp.MustCompile(`/meetings/(\d+)`)
	teamLink   = regexp.MustCompile(`href="/teams/(\d+)"`)
	retroLink  = regexp.MustCompile(`href="/retros/(\d+)"`)
)

// LatestRetro finds the retro room of one of the signed-in person's teams
// (the home page lists their teams; each team's retro list starts with the
// newest retro).
func LatestRetro(ctx context.Context, base, cookie string) (string, error) {
	c := probe()
	_, body, err := get(ctx, c, base+"/", cookie)
	if err != nil {
		return "", err
	}
	for _, m := range teamLink.FindAllStringSubmatch(body, 20) {
		_, list, err := get(ctx, c, base+"/teams/"+m[1]+"/retros", cookie)
		if err != nil {
			return "", err
		}
		if r := retroLink.FindStringSubmatch(list); r != nil {
			return "/retros/" + r[1], nil
		}
	}
	return "", fmt.Errorf("none of the signed-in person's teams has a retro; run with a demo organisation or leave the retro page out")
}

// UpcomingMeeting finds the signed-in person's next 1:1 meeting: the first
// series on their 1:1 list, then its next meeting.
func UpcomingMeeting(ctx context.Context, base, cookie string) (int64, error) {
	c := probe()
	_, body, err := get(ctx, c, base+"/oneonones", cookie)
	if err != nil {
		return 0, err
	}
	for _, m := range seriesLink.FindAllStringSubmatch(body, 20) {
		// Opening the next meeting makes it the first time: a form post.
		resp, _, err := send(ctx, c, http.MethodPost, base+"/oneonones/"+m[1]+"/next", cookie)
		if err != nil {
			return 0, err
		}
		if mm := meetingID.FindStringSubmatch(resp.Header.Get("Location")); mm != nil {
			var id int64
			_, _ = fmt.Sscan(mm[1], &id)
			return id, nil
		}
	}
	return 0, fmt.Errorf("the manager has no 1:1 with an upcoming meeting to add talking points to")
}

// QueriesFor fetches a page and returns its X-Queries header: the
// statements the page sent, when the server runs with --trace-queries. It
// fetches twice and reports the second: the first may also refresh the
// session's last-seen time, a write made at most once a minute.
func QueriesFor(ctx context.Context, u, cookie string) string {
	if _, _, err := get(ctx, probe(), u, cookie); err != nil {
		return "?"
	}
	resp, _, err := get(ctx, probe(), u, cookie)
	if err != nil || resp.StatusCode != http.StatusOK {
		return "?"
	}
	if q := resp.Header.Get("X-Queries"); q != "" {
		return q
	}
	return "–"
}

func short(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
