package e2e

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"rapport/internal/core"
	"rapport/internal/demo"
	"rapport/internal/testapp"
	"rapport/internal/testfx"
)

// axeSource is axe-core 4.14.1 (MPL-2.0, testdata/axe.LICENSE), the
// accessibility engine browsers' own audits use.
//
//go:embed testdata/axe.min.js
var axeSource string

// axeRun checks the page against WCAG 2.1 A and AA and returns each
// violation as "rule (impact): first element — help".
const axeRun = `(async () => {
	const r = await axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}});
	return JSON.stringify(r.violations.map((v) => v.id + " (" + v.impact + "): " + v.nodes.length + "× e.g. " +
		v.nodes[0].target.join(" ") + " — " + v.help));
})()`

// crawlSkip are links a crawl does not follow: downloads, live streams and
// signing out.
var crawlSkip = regexp.MustCompile(`^/(static|logout)\b|/events\b|\.(csv|xlsx|pdf|ics|zip)$|/export|/feed|/packets?\b|/calendar/`)

// idSegment turns /meetings/42 into /meetings/{id}: one page per route.
var idSegment = regexp.MustCompile(`/\d+`)

// TestEveryPageEachRoleReachesPassesAxe signs in as each demo role, follows
// every link it is shown (one page per route), and checks each page with
// axe for WCAG 2.1 A and AA: no violations, and no link that leads anywhere
// but a page (never "You don't have access").
func TestEveryPageEachRoleReachesPassesAxe(t *testing.T) {
	requireBrowser(t)
	t.Parallel()
	app := testapp.Start(t, dsn, testapp.Options{PlainHTTP: true})
	res, err := demo.Seed(t.Context(), app.Pool, demo.Options{People: 24, Months: 3, Seed: 7, Password: testfx.Password})
	if err != nil {
		t.Fatal(err)
	}
	// Each route is checked with axe once, by the first role to reach it;
	// every role still opens every page it is shown a link to.
	checked := &routeSet{seen: map[string]bool{}}
	for _, who := range res.SignIns {
		t.Run(string(who.Role), func(t *testing.T) {
			t.Parallel()
			b := newTabFor(t, app.URL, 4*time.Minute)
			b.signIn(who.Email)
			pages, problems := b.crawl("/", 60, checked)
			if len(pages) < 8 {
				t.Errorf("the crawl as %s reached only %d pages: %q", who.Role, len(pages), pages)
			}
			if who.Role == core.RoleManager {
				// Dark mode (the system setting) on the pages a manager
				// lives in, the first the crawl reached.
				b.do(chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
					_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
						Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}}})
					return err
				}))
				for _, path := range pages[:min(6, len(pages))] {
					for _, v := range b.axe(path) {
						problems = append(problems, "dark mode: "+v)
					}
				}
				b.open("/")
				b.screenshots("dark-home")
			}
			for _, p := range problems {
				t.Error(p)
			}
			t.Logf("%s: %d pages opened, each route checked with axe once", who.Role, len(pages))
		})
	}
}

// crawl visits pages reachable by links from start, one per route, up to
// max, and returns the paths visited and what was wrong on them.
func (b *tab) crawl(start string, max int, checked *routeSet) (visited, problems []string) {
	b.t.Helper()
	seen := map[string]bool{idSegment.ReplaceAllString(start, "/{id}"): true}
	type link struct{ path, from string }
	queue := []link{{start, ""}}
	for len(queue) > 0 && len(visited) < max {
		path, from := queue[0].path, queue[0].from
		queue = queue[1:]
		resp, err := chromedp.Run(b.ctx, chromedp.NavigateResponse(b.base+path))
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", path, err))
			continue
		}
		if resp.Status != 200 {
			problems = append(problems, fmt.Sprintf("%s: a link on %s leads to status %d", path, from, resp.Status))
			b.expectStatus(resp.URL, int(resp.Status))
			continue
		}
		visited = append(visited, path)
		if checked.first(idSegment.ReplaceAllString(path, "/{id}")) {
			problems = append(problems, b.check(path)...)
		}
		var links []string
		b.evalInto(&links, `[...document.querySelectorAll("a[href]")].map((a) => a.getAttribute("href"))`)
		sort.Strings(links)
		for _, l := range links {
			u, err := url.Parse(l)
			if err != nil || u.Scheme != "" || u.Host != "" || !strings.HasPrefix(u.Path, "/") || crawlSkip.MatchString(u.Path) {
				continue
			}
			key := idSegment.ReplaceAllString(u.Path, "/{id}")
			if seen[key] {
				continue
			}
			seen[key] = true
			queue = append(queue, link{u.Path, path})
		}
	}
	return visited, problems
}

// axe opens path and checks it with axe.
func (b *tab) axe(path string) []string {
	b.t.Helper()
	b.open(path)
	return b.check(path)
}

// check runs axe on the page the tab shows.
func (b *tab) check(path string) []string {
	b.t.Helper()
	if _, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](axeSource+";true")); err != nil {
		b.t.Fatalf("load axe at %s: %v", path, err)
	}
	var out []string
	if err := json.Unmarshal([]byte(b.eval(axeRun)), &out); err != nil {
		b.t.Fatalf("axe at %s: %v", path, err)
	}
	for i, v := range out {
		out[i] = path + ": " + v
	}
	return out
}

// routeSet is the routes some role's crawl has checked with axe.
type routeSet struct {
	mu   sync.Mutex
	seen map[string]bool
}

// first reports whether route is new to the set, and adds it.
func (r *routeSet) first(route string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.seen[route] {
		return false
	}
	r.seen[route] = true
	return true
}
