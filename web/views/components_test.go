package views

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/a-h/templ"

	"rapport/internal/core"
)

func render(t *testing.T, c templ.Component) (*goquery.Document, string) {
	t.Helper()
	var buf bytes.Buffer
	if err := c.Render(context.Background(), &buf); err != nil {
		t.Fatalf("render: %v", err)
	}
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(buf.String()))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return doc, buf.String()
}

func withChildren(c templ.Component, html string) templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		child := templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
			_, err := io.WriteString(w, html)
			return err
		})
		return c.Render(templ.WithChildren(ctx, child), w)
	})
}

func TestFieldWithError(t *testing.T) {
	doc, _ := render(t, Field(FieldProps{
		Name:     "email",
		Label:    "Email address",
		Type:     "email",
		Value:    "ana@@example",
		Error:    "Enter an email address like name@example.com.",
		Hint:     "We send the invitation here.",
		Required: true,
	}))

	label := doc.Find("label")
	if label.Length() != 1 || strings.TrimSpace(label.Text()) != "Email address" {
		t.Fatalf("label: %q", label.Text())
	}
	id, _ := label.Attr("for")
	input := doc.Find("input#" + id)
	if id == "" || input.Length() != 1 {
		t.Fatalf("label for=%q does not point at the input", id)
	}
	if name, _ := input.Attr("name"); name != "email" {
		t.Errorf("name = %q", name)
	}
	if typ, _ := input.Attr("type"); typ != "email" {
		t.Errorf("type = %q", typ)
	}
	if v, _ := input.Attr("value"); v != "ana@@example" {
		t.Errorf("value not kept: %q", v)
	}
	if v, _ := input.Attr("aria-invalid"); v != "true" {
		t.Errorf("aria-invalid = %q", v)
	}
	if _, ok := input.Attr("required"); !ok {
		t.Errorf("required missing")
	}

	errEl := doc.Find(".field-error")
	if !strings.Contains(errEl.Text(), "Enter an email address like name@example.com.") {
		t.Errorf("error text missing: %q", errEl.Text())
	}
	described, _ := input.Attr("aria-describedby")
	errID, _ := errEl.Attr("id")
	hintID, _ := doc.Find(".hint").Attr("id")
	ids := strings.Fields(described)
	if errID == "" || hintID == "" || !contains(ids, errID) || !contains(ids, hintID) {
		t.Errorf("aria-describedby %q should name hint %q and error %q", described, hintID, errID)
	}
}

func TestFieldWithoutError(t *testing.T) {
	doc, _ := render(t, Field(FieldProps{Name: "name", Label: "Name"}))
	input := doc.Find("input")
	if typ, _ := input.Attr("type"); typ != "text" {
		t.Errorf("default type = %q, want text", typ)
	}
	for _, attr := range []string{"aria-invalid", "aria-describedby", "required", "value"} {
		if _, ok := input.Attr(attr); ok {
			t.Errorf("unexpected %s", attr)
		}
	}
	if doc.Find(".field-error").Length() != 0 {
		t.Errorf("unexpected error element")
	}
}

func TestPasswordNeverEchoed(t *testing.T) {
	_, html := render(t, Field(FieldProps{Name: "password", Label: "Password", Type: "password", Value: "hunter2"}))
	if strings.Contains(html, "hunter2") {
		t.Errorf("password value rendered: %s", html)
	}
}

func TestSelectAndTextArea(t *testing.T) {
	doc, _ := render(t, Select(SelectProps{
		Name: "role", Label: "Role", Value: "manager", Error: "Choose a role.",
		Options: []Option{{"employee", "Employee"}, {"manager", "Manager"}},
	}))
	id, _ := doc.Find("label").Attr("for")
	sel := doc.Find("select#" + id)
	if sel.Length() != 1 {
		t.Fatalf("label not tied to select")
	}
	if v, _ := sel.Find("option[selected]").Attr("value"); v != "manager" {
		t.Errorf("selected option = %q", v)
	}
	if v, _ := sel.Attr("aria-invalid"); v != "true" {
		t.Errorf("select aria-invalid = %q", v)
	}

	doc, _ = render(t, TextArea(FieldProps{Name: "note", Label: "Note", Value: "Line one\n<b>two</b>"}))
	id, _ = doc.Find("label").Attr("for")
	ta := doc.Find("textarea#" + id)
	if ta.Length() != 1 || ta.Text() != "Line one\n<b>two</b>" {
		t.Errorf("textarea value = %q", ta.Text())
	}
}

func TestSmallComponents(t *testing.T) {
	_, html := render(t, FormErrorSummary(""))
	if strings.TrimSpace(html) != "" {
		t.Errorf("empty summary rendered %q", html)
	}
	doc, _ := render(t, FormErrorSummary("Check the highlighted fields."))
	if doc.Find(`[role="alert"]`).Length() != 1 {
		t.Errorf("summary lacks role=alert")
	}

	doc, _ = render(t, Badge("Manager", "accent"))
	if !doc.Find("span.badge.badge-accent").Is("span") {
		t.Errorf("badge class missing")
	}
	doc, _ = render(t, Badge("x", "bogus"))
	if cls, _ := doc.Find("span").Attr("class"); cls != "badge" {
		t.Errorf("unknown kind class = %q", cls)
	}

	doc, _ = render(t, withChildren(EmptyState("No teams yet", "Teams group people."), `<a class="btn" href="/teams/new">Create a team</a>`))
	if doc.Find(".empty h2").Text() != "No teams yet" || doc.Find(".empty a[href='/teams/new']").Length() != 1 {
		t.Errorf("empty state incomplete")
	}
}

func navLabels(doc *goquery.Document) []string {
	var out []string
	doc.Find("header nav a").Each(func(_ int, s *goquery.Selection) {
		out = append(out, strings.TrimSpace(s.Text()))
	})
	return out
}

func checkCSPSafe(t *testing.T, doc *goquery.Document, html string) {
	t.Helper()
	doc.Find("script").Each(func(_ int, s *goquery.Selection) {
		if src, ok := s.Attr("src"); !ok || src == "" {
			h, _ := goquery.OuterHtml(s)
			t.Errorf("inline script: %s", h)
		}
		if strings.TrimSpace(s.Text()) != "" {
			t.Errorf("script with a body")
		}
	})
	if doc.Find("[style]").Length() != 0 || doc.Find("style").Length() != 0 {
		t.Errorf("inline styles present")
	}
	doc.Find("*").Each(func(_ int, s *goquery.Selection) {
		for _, a := range s.Nodes[0].Attr {
			if strings.HasPrefix(strings.ToLower(a.Key), "on") || strings.HasPrefix(a.Key, "hx-on") {
				t.Errorf("event handler attribute %s on <%s>", a.Key, goquery.NodeName(s))
			}
		}
	})
	if strings.Contains(strings.ToLower(html), "style=") {
		t.Errorf("style= found in output")
	}
}

func TestPageNavByRole(t *testing.T) {
	employee := &core.Actor{UserID: 2, OrgID: 1, Role: core.RoleEmployee, Name: "Sam Lee", Email: "sam@example.com"}
	admin := &core.Actor{UserID: 1, OrgID: 1, Role: core.RoleAdmin, Name: "Ana Ruiz", Email: "ana@example.com"}
	manager := &core.Actor{UserID: 3, OrgID: 1, Role: core.RoleManager, Name: "Marco B", Email: "m@example.com"}

	empDoc, empHTML := render(t, withChildren(Page(Layout{Title: "Home", Actor: employee, OrgName: "Acme", Nav: "home"}), "<p>hello</p>"))
	adminDoc, adminHTML := render(t, withChildren(Page(Layout{Title: "People", Actor: admin, OrgName: "Acme", Nav: "people", Flash: "Person added."}), "<p>hello</p>"))
	mgrDoc, _ := render(t, Page(Layout{Title: "Teams", Actor: manager, Nav: "teams"}))

	if got, want := navLabels(empDoc), []string{"Home", "1:1s", "Kudos", "Reviews", "Health", "Org chart", "Teams"}; !reflect.DeepEqual(got, want) {
		t.Errorf("employee nav = %v, want %v", got, want)
	}
	if got, want := navLabels(mgrDoc), []string{"Home", "1:1s", "Kudos", "Reviews", "Check-ins", "Health", "Org chart", "Teams", "People"}; !reflect.DeepEqual(got, want) {
		t.Errorf("manager nav = %v, want %v", got, want)
	}
	if got, want := navLabels(adminDoc), []string{"Home", "1:1s", "Kudos", "Reviews", "Check-ins", "Health", "Org chart", "Teams", "People", "Admin"}; !reflect.DeepEqual(got, want) {
		t.Errorf("admin nav = %v, want %v", got, want)
	}
	for _, href := range []string{"/people", "/checkins", "/admin"} {
		if empDoc.Find(`header nav a[href="`+href+`"]`).Length() != 0 {
			t.Errorf("employee sees %s", href)
		}
		if adminDoc.Find(`header nav a[href="`+href+`"]`).Length() != 1 {
			t.Errorf("admin misses %s", href)
		}
	}

	cur := adminDoc.Find(`header nav a[aria-current="page"]`)
	if cur.Length() != 1 || cur.Text() != "People" {
		t.Errorf("admin active item = %q (%d)", cur.Text(), cur.Length())
	}
	if cur := empDoc.Find(`header nav a[aria-current="page"]`); cur.Length() != 1 || cur.Text() != "Home" {
		t.Errorf("employee active item = %q", cur.Text())
	}

	for _, tc := range []struct {
		doc  *goquery.Document
		html string
		name string
		role string
	}{{empDoc, empHTML, "Sam Lee", "Employee"}, {adminDoc, adminHTML, "Ana Ruiz", "Admin"}} {
		d := tc.doc
		if lang, _ := d.Find("html").Attr("lang"); lang != "en" {
			t.Errorf("lang = %q", lang)
		}
		if d.Find("main#main > p").Text() != "hello" {
			t.Errorf("children not inside main#main")
		}
		if d.Find(`a[href="#main"]`).Text() != "Skip to content" {
			t.Errorf("skip link missing")
		}
		// htmx adds no inline style (the CSP has none) and swaps a
		// refused form's 422 answer in place, like a 200.
		var hc struct {
			IncludeIndicatorStyles *bool `json:"includeIndicatorStyles"`
			ResponseHandling       []struct {
				Code string `json:"code"`
				Swap bool   `json:"swap"`
			} `json:"responseHandling"`
		}
		if err := json.Unmarshal([]byte(d.Find(`meta[name="htmx-config"]`).AttrOr("content", "")), &hc); err != nil ||
			hc.IncludeIndicatorStyles == nil || *hc.IncludeIndicatorStyles || len(hc.ResponseHandling) == 0 {
			t.Errorf("htmx-config meta missing or wrong: %v", err)
		}
		swaps422 := false
		for _, h := range hc.ResponseHandling {
			if h.Code == "422" {
				swaps422 = h.Swap
				break
			}
			if h.Code == "[45].." {
				break
			}
		}
		if !swaps422 {
			t.Error("htmx-config does not swap a 422 answer in place")
		}
		if !strings.Contains(d.Find("header").Text(), tc.name) || !strings.Contains(d.Find("header").Text(), tc.role) {
			t.Errorf("header lacks %s / %s", tc.name, tc.role)
		}
		form := d.Find(`header form[action="/logout"]`)
		if strings.ToLower(form.AttrOr("method", "")) != "post" || form.Find("button").Length() != 1 {
			t.Errorf("sign-out form missing or not POST")
		}
		if d.Find(`link[rel="stylesheet"]`).AttrOr("href", "") == "" || d.Find(`script[src*="htmx.min.js"]`).Length() != 1 {
			t.Errorf("assets missing")
		}
		checkCSPSafe(t, d, tc.html)
	}
	if adminDoc.Find("title").Text() != "People · Rapport" {
		t.Errorf("title = %q", adminDoc.Find("title").Text())
	}
	if f := adminDoc.Find("main .flash.flash-success"); !strings.Contains(f.Text(), "Person added.") {
		t.Errorf("flash missing")
	}
}

func TestPageSignedOutAndErrorPage(t *testing.T) {
	doc, html := render(t, Page(Layout{Title: "Welcome"}))
	if doc.Find("header nav").Length() != 0 || doc.Find(`form[action="/logout"]`).Length() != 0 {
		t.Errorf("signed-out header shows nav or sign-out")
	}
	if !strings.Contains(doc.Find("header").Text(), "Rapport") {
		t.Errorf("brand missing")
	}
	checkCSPSafe(t, doc, html)

	doc, html = render(t, ErrorPage(Layout{}, 404, "We can't find that page", "It may have moved."))
	if doc.Find("h1").Text() != "We can't find that page" || doc.Find(`main a[href="/"]`).Length() == 0 {
		t.Errorf("error page incomplete")
	}
	if !strings.Contains(doc.Find("main").Text(), "404") {
		t.Errorf("status missing")
	}
	checkCSPSafe(t, doc, html)

	doc, html = render(t, withChildren(AuthPage("Sign in", "Your password was changed."), `<form class="stack" method="post"></form>`))
	if doc.Find("main h1").Text() != "Sign in" || doc.Find("main form.stack").Length() != 1 || !strings.Contains(doc.Find(".flash").Text(), "password was changed") {
		t.Errorf("auth page incomplete")
	}
	checkCSPSafe(t, doc, html)
}

func contains(xs []string, x string) bool {
	for _, s := range xs {
		if s == x {
			return true
		}
	}
	return false
}
