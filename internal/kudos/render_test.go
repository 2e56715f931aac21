package kudos

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// link is the markup Render makes for a URL that needs no shortening.
func link(href, text string) string {
	return `<a href="` + href + `" rel="nofollow noopener noreferrer" target="_blank">` + text + `</a>`
}

var renderPeople = map[string]Person{
	"ana.ruiz": {ID: 1, Name: "Ana Ruiz"},
	"bob":      {ID: 2, Name: `Bob "<b>O'Neil</b>"`},
	"c-3_po":   {ID: 3, Name: "C-3PO"},
}

func renderResolve(h string) (Person, bool) {
	p, ok := renderPeople[h]
	return p, ok
}

func TestRender(t *testing.T) {
	longURL := "https://example.com/" + strings.Repeat("a", 100)
	longUni := "https://example.com/" + strings.Repeat("é", 100)
	tests := []struct {
		name, in, want string
	}{
		// Escaping.
		{"empty", "", ""},
		{"blank only", " \n\t\n\r\n  ", ""},
		{"plain", "Thanks!", "<p>Thanks!</p>"},
		{"script", "<script>alert(1)</script>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"},
		{"attribute breakout", `"><img src=x onerror=alert(1)>`, "<p>&#34;&gt;&lt;img src=x onerror=alert(1)&gt;</p>"},
		{"single quote breakout", `'><svg onload=alert(1)>`, "<p>&#39;&gt;&lt;svg onload=alert(1)&gt;</p>"},
		{"ampersand and apostrophe", "Tom & Jerry's", "<p>Tom &amp; Jerry&#39;s</p>"},
		{"entities stay text", "&lt;b&gt; &#60; &amp;", "<p>&amp;lt;b&amp;gt; &amp;#60; &amp;amp;</p>"},
		{"typed anchor", `<a href="javascript:alert(1)">x</a>`, "<p>&lt;a href=&#34;javascript:alert(1)&#34;&gt;x&lt;/a&gt;</p>"},
		{"comment and cdata", "<!-- x --><![CDATA[", "<p>&lt;!-- x --&gt;&lt;![CDATA[</p>"},
		{"nul and invalid utf-8", "a\x00b\xffc", "<p>a\uFFFDb\uFFFDc</p>"},

		// Paragraphs and line breaks.
		{"line break", "one\ntwo", "<p>one<br>two</p>"},
		{"paragraphs", "one\n\ntwo", "<p>one</p><p>two</p>"},
		{"crlf", "one\r\n\r\ntwo\r\nthree", "<p>one</p><p>two<br>three</p>"},
		{"lone cr", "a\rb", "<p>a<br>b</p>"},
		{"many blank lines, some with spaces", "\n\none\n \t\n\n\ntwo\n\n", "<p>one</p><p>two</p>"},
		{"spaces kept inside a line", "  a  b ", "<p>  a  b </p>"},

		// URLs.
		{"url", "see https://example.com", "<p>see " + link("https://example.com", "https://example.com") + "</p>"},
		{"http url", "http://example.com/a?b=c", "<p>" + link("http://example.com/a?b=c", "http://example.com/a?b=c") + "</p>"},
		{"trailing full stop", "see https://example.com/x.", "<p>see " + link("https://example.com/x", "https://example.com/x") + ".</p>"},
		{"trailing punctuation", "https://example.com/x?!, https://example.org!",
			"<p>" + link("https://example.com/x", "https://example.com/x") + "?!, " + link("https://example.org", "https://example.org") + "!</p>"},
		{"in parentheses", "(see https://example.com/a), ok",
			"<p>(see " + link("https://example.com/a", "https://example.com/a") + "), ok</p>"},
		{"brackets the url opened", "(https://en.wikipedia.org/wiki/Go_(language))",
			"<p>(" + link("https://en.wikipedia.org/wiki/Go_(language)", "https://en.wikipedia.org/wiki/Go_(language)") + ")</p>"},
		{"angle brackets", "<https://example.com>", "<p>&lt;" + link("https://example.com", "https://example.com") + "&gt;</p>"},
		{"quoted", `"https://example.com"`, "<p>&#34;" + link("https://example.com", "https://example.com") + "&#34;</p>"},
		{"query with & and quotes", `https://example.com/s?q="go"&lang=en's`,
			"<p>" + link("https://example.com/s?q=&#34;go&#34;&amp;lang=en&#39;s", "https://example.com/s?q=&#34;go&#34;&amp;lang=en&#39;s") + "</p>"},
		{"attribute breakout in url", `https://example.com/"onmouseover="alert(1)`,
			"<p>" + link("https://example.com/&#34;onmouseover=&#34;alert(1)", "https://example.com/&#34;onmouseover=&#34;alert(1)") + "</p>"},
		{"tag after url", "https://example.com/<script>",
			"<p>" + link("https://example.com/", "https://example.com/") + "&lt;script&gt;</p>"},
		{"uppercase scheme", "HTTPS://EXAMPLE.COM/Path", "<p>" + link("https://EXAMPLE.COM/Path", "HTTPS://EXAMPLE.COM/Path") + "</p>"},
		{"mixed case scheme", "HtTp://example.com", "<p>" + link("http://example.com", "HtTp://example.com") + "</p>"},
		{"two urls on two lines", "https://a.example\nhttps://b.example",
			"<p>" + link("https://a.example", "https://a.example") + "<br>" + link("https://b.example", "https://b.example") + "</p>"},
		{"javascript", "javascript:alert(1)", "<p>javascript:alert(1)</p>"},
		{"javascript mixed case", "JaVaScRiPt:alert(document.cookie)", "<p>JaVaScRiPt:alert(document.cookie)</p>"},
		{"javascript url slashes", "javascript://example.com/%0Aalert(1)", "<p>javascript://example.com/%0Aalert(1)</p>"},
		{"data", "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==", "<p>data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==</p>"},
		{"data html", "data:text/html,<script>alert(1)</script>", "<p>data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;</p>"},
		{"vbscript", "vbscript:msgbox(1)", "<p>vbscript:msgbox(1)</p>"},
		{"other schemes", "ftp://example.com file:///etc/passwd mailto:a@example.com //example.com",
			"<p>ftp://example.com file:///etc/passwd mailto:a@example.com //example.com</p>"},
		{"scheme glued to a word", "xhttps://example.com", "<p>xhttps://example.com</p>"},
		{"scheme without host", "https:// and http://. and https:///x", "<p>https:// and http://. and https:///x</p>"},
		{"javascript then url", "javascript:https://example.com",
			"<p>javascript:" + link("https://example.com", "https://example.com") + "</p>"},
		{"ipv6 host", "http://[::1]:8080/", "<p>" + link("http://[::1]:8080/", "http://[::1]:8080/") + "</p>"},
		{"long url", longURL, "<p>" + link(longURL, longURL[:59]+"…") + "</p>"},
		{"long url of non-ascii", longUni, "<p>" + link(longUni, string([]rune(longUni)[:59])+"…") + "</p>"},
		{"exactly 60 characters", "https://example.com/" + strings.Repeat("b", 40),
			"<p>" + link("https://example.com/"+strings.Repeat("b", 40), "https://example.com/"+strings.Repeat("b", 40)) + "</p>"},
		{"long url escaped after cutting", "https://example.com/" + strings.Repeat("&", 50),
			"<p>" + link("https://example.com/"+strings.Repeat("&amp;", 50), "https://example.com/"+strings.Repeat("&amp;", 39)+"…") + "</p>"},

		// Mentions.
		{"known", "Thanks @ana.ruiz!", `<p>Thanks <a href="/people/1" class="mention">@Ana Ruiz</a>!</p>`},
		{"trailing dot", "Thanks @ana.ruiz.", `<p>Thanks <a href="/people/1" class="mention">@Ana Ruiz</a>.</p>`},
		{"uppercase handle", "@ANA.Ruiz", `<p><a href="/people/1" class="mention">@Ana Ruiz</a></p>`},
		{"unknown", "@nobody and @ana.ruizz", "<p>@nobody and @ana.ruizz</p>"},
		{"email", "mail ana.ruiz@example.com or bob@bob", "<p>mail ana.ruiz@example.com or bob@bob</p>"},
		{"handle chars before @", "x.@bob x_@bob x-@bob x+@bob é@bob", "<p>x.@bob x_@bob x-@bob x+@bob é@bob</p>"},
		{"repeated", "@bob, @bob and @BOB",
			`<p><a href="/people/2" class="mention">@Bob &#34;&lt;b&gt;O&#39;Neil&lt;/b&gt;&#34;</a>, ` +
				`<a href="/people/2" class="mention">@Bob &#34;&lt;b&gt;O&#39;Neil&lt;/b&gt;&#34;</a> and ` +
				`<a href="/people/2" class="mention">@Bob &#34;&lt;b&gt;O&#39;Neil&lt;/b&gt;&#34;</a></p>`},
		{"punctuation around", "(@c-3_po)", `<p>(<a href="/people/3" class="mention">@C-3PO</a>)</p>`},
		{"after @", "@@bob", `<p>@<a href="/people/2" class="mention">@Bob &#34;&lt;b&gt;O&#39;Neil&lt;/b&gt;&#34;</a></p>`},
		{"lone @", "@ @. @!", "<p>@ @. @!</p>"},
		{"inside a url", "https://example.com/@ana.ruiz", "<p>" + link("https://example.com/@ana.ruiz", "https://example.com/@ana.ruiz") + "</p>"},
		{"url and mention", "@ana.ruiz: https://example.com",
			`<p><a href="/people/1" class="mention">@Ana Ruiz</a>: ` + link("https://example.com", "https://example.com") + "</p>"},
		{"on separate lines", "@ana.ruiz\n\n@bob.\n",
			`<p><a href="/people/1" class="mention">@Ana Ruiz</a></p><p><a href="/people/2" class="mention">@Bob &#34;&lt;b&gt;O&#39;Neil&lt;/b&gt;&#34;</a>.</p>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Render(tt.in, renderResolve)
			if got != tt.want {
				t.Errorf("Render(%q)\n got: %s\nwant: %s", tt.in, got, tt.want)
			}
			checkRendered(t, got)
		})
	}
}

func TestRenderNilResolver(t *testing.T) {
	if got, want := Render("hi @ana.ruiz", nil), "<p>hi @ana.ruiz</p>"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestRenderEmptyName(t *testing.T) {
	got := Render("@ANA", func(string) (Person, bool) { return Person{ID: 7, Name: " "}, true })
	if want := `<p><a href="/people/7" class="mention">@ANA</a></p>`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestRenderAsksOnlyForMentions(t *testing.T) {
	text := "@Ana.Ruiz, @bob and @ana.ruiz; ana@example.com https://example.com/@carl"
	var asked []string
	Render(text, func(h string) (Person, bool) {
		asked = append(asked, h)
		return Person{}, false
	})
	if want := []string{"ana.ruiz", "bob", "ana.ruiz"}; !slices.Equal(asked, want) {
		t.Errorf("asked %q, want %q", asked, want)
	}
}

func TestMentions(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"no mentions here", nil},
		{"hi @Ana.Ruiz and @bob, @ana.ruiz again; @BOB", []string{"ana.ruiz", "bob"}},
		{"@carl. @dee... @x-y_z.0", []string{"carl", "dee", "x-y_z.0"}},
		{"ana@example.com x.@bob", nil},
		{"https://example.com/@ana?x=@bob", nil},
		{"@ @. @..", nil},
		{"(@ana)\n\n@bob\r\n@carl", []string{"ana", "bob", "carl"}},
	}
	for _, tt := range tests {
		if got := Mentions(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("Mentions(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// checkRendered asserts what must hold of any output of Render: only our own
// tags, only safe links, and attributes that nothing broke out of.
func checkRendered(t *testing.T, out string) []*html.Node {
	t.Helper()
	if !utf8.ValidString(out) {
		t.Fatalf("output is not UTF-8: %q", out)
	}
	// (1) Every '<' starts one of our tags.
	for i := strings.IndexByte(out, '<'); i >= 0; i = nextByte(out, '<', i) {
		rest := out[i:]
		if !strings.HasPrefix(rest, "<p>") && !strings.HasPrefix(rest, "</p>") && !strings.HasPrefix(rest, "<br>") &&
			!strings.HasPrefix(rest, `<a href="`) && !strings.HasPrefix(rest, "</a>") {
			t.Fatalf("stray '<' at %d: %q", i, out)
		}
	}
	// (2, 3) What a browser would build: paragraphs at the top, holding text,
	// <br> and links; links hold text only and carry exactly our attributes.
	paras, err := html.ParseFragment(strings.NewReader(out), &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div})
	if err != nil {
		t.Fatalf("parse %q: %v", out, err)
	}
	for _, p := range paras {
		if p.Type != html.ElementNode || p.DataAtom != atom.P || len(p.Attr) != 0 {
			t.Fatalf("top-level node %q (type %d) in %q", p.Data, p.Type, out)
		}
		for c := range p.ChildNodes() {
			switch {
			case c.Type == html.TextNode:
			case c.Type == html.ElementNode && c.DataAtom == atom.Br && len(c.Attr) == 0 && c.FirstChild == nil:
			case c.Type == html.ElementNode && c.DataAtom == atom.A:
				checkLink(t, c, out)
			default:
				t.Fatalf("node %q (type %d) inside <p> in %q", c.Data, c.Type, out)
			}
		}
	}
	return paras
}

func checkLink(t *testing.T, a *html.Node, out string) {
	t.Helper()
	if a.FirstChild == nil || a.FirstChild.Type != html.TextNode || a.FirstChild != a.LastChild {
		t.Fatalf("link without a single text child in %q", out)
	}
	attrs := map[string]string{}
	for _, at := range a.Attr {
		if at.Namespace != "" {
			t.Fatalf("namespaced attribute %q in %q", at.Key, out)
		}
		if _, dup := attrs[at.Key]; dup {
			t.Fatalf("duplicate attribute %q in %q", at.Key, out)
		}
		attrs[at.Key] = at.Val
	}
	href := attrs["href"]
	if strings.HasPrefix(strings.ToLower(strings.TrimLeft(href, "\x00\t\n\f\r ")), "javascript:") {
		t.Fatalf("javascript: href in %q", out)
	}
	switch {
	case strings.HasPrefix(href, "/people/"):
		if _, err := strconv.ParseInt(href[len("/people/"):], 10, 64); err != nil || len(attrs) != 2 || attrs["class"] != "mention" {
			t.Fatalf("bad mention link %v in %q", attrs, out)
		}
		if !strings.HasPrefix(a.FirstChild.Data, "@") {
			t.Fatalf("mention text %q does not start with @ in %q", a.FirstChild.Data, out)
		}
	case strings.HasPrefix(href, "https://") || strings.HasPrefix(href, "http://"):
		if len(attrs) != 3 || attrs["rel"] != "nofollow noopener noreferrer" || attrs["target"] != "_blank" {
			t.Fatalf("bad link attributes %v in %q", attrs, out)
		}
		if strings.ContainsAny(href, " \t\n\r\f<>") {
			t.Fatalf("href %q holds a space or angle bracket in %q", href, out)
		}
		if n := utf8.RuneCountInString(a.FirstChild.Data); n > linkTextMax {
			t.Fatalf("link text of %d characters in %q", n, out)
		}
	default:
		t.Fatalf("href %q in %q", href, out)
	}
}

func nextByte(s string, c byte, i int) int {
	j := strings.IndexByte(s[i+1:], c)
	if j < 0 {
		return -1
	}
	return i + 1 + j
}

// visibleText turns parsed output back into the text it came from: paragraphs
// joined by a blank line, <br> as a line break, a URL link as the whole URL
// and a mention link as "@" and the handle of handles[id].
func visibleText(t *testing.T, paras []*html.Node, handles map[int64]string) string {
	t.Helper()
	var b strings.Builder
	for i, p := range paras {
		if i > 0 {
			b.WriteString("\n\n")
		}
		for c := range p.ChildNodes() {
			switch {
			case c.Type == html.TextNode:
				b.WriteString(c.Data)
			case c.DataAtom == atom.Br:
				b.WriteString("\n")
			case c.DataAtom == atom.A:
				var href string
				for _, at := range c.Attr {
					if at.Key == "href" {
						href = at.Val
					}
				}
				text := c.FirstChild.Data
				if id, ok := strings.CutPrefix(href, "/people/"); ok {
					n, _ := strconv.ParseInt(id, 10, 64)
					h, ok := handles[n]
					if !ok {
						t.Fatalf("link to /people/%d, which the resolver never returned", n)
					}
					b.WriteString("@" + h)
					continue
				}
				// The text is the URL as typed, perhaps cut short with "…"; the
				// href is the whole URL with its scheme lower-cased.
				shown := strings.TrimSuffix(text, "…")
				if len(shown) > len(href) || !strings.EqualFold(shown, href[:len(shown)]) {
					t.Fatalf("link text %q is not the start of its href %q", text, href)
				}
				if shown == text && !strings.EqualFold(text, href) {
					t.Fatalf("link text %q is not its href %q", text, href)
				}
				b.WriteString(shown + href[len(shown):])
			}
		}
	}
	return b.String()
}

// wantText is the text Render should show for in: lines as typed, blank
// lines folded into paragraph breaks, NUL and invalid UTF-8 as U+FFFD.
func wantText(in string) string {
	in = strings.ToValidUTF8(in, "\uFFFD")
	in = strings.NewReplacer("\r\n", "\n", "\r", "\n", "\x00", "\uFFFD").Replace(in)
	var paras, lines []string
	for _, line := range append(strings.Split(in, "\n"), "") {
		if strings.TrimSpace(line) != "" {
			lines = append(lines, line)
		} else if len(lines) > 0 {
			paras = append(paras, strings.Join(lines, "\n"))
			lines = nil
		}
	}
	return strings.Join(paras, "\n\n")
}

func TestRenderKeepsText(t *testing.T) {
	for _, in := range []string{
		"a & b\n<c>\n\n\n 'd' \"e\"\r\n\r\nf",
		"see https://example.com/" + strings.Repeat("x", 90) + ". and HTTP://E.X/a?b=1&c=\"2\"",
	} {
		paras := checkRendered(t, Render(in, nil))
		if got, want := visibleText(t, paras, nil), wantText(in); got != want {
			t.Errorf("text of %q:\n got %q\nwant %q", in, got, want)
		}
	}
}

// renderNastyNames are what resolved people are called in the fuzz test.
var renderNastyNames = []string{
	"Ana Ruiz",
	`"><script>alert(1)</script>`,
	`' onmouseover='alert(1)`,
	"</a><a href=javascript:alert(1)>",
	"&amp;&lt;",
	"",
}

func FuzzRender(f *testing.F) {
	for _, s := range []string{
		"",
		"Thanks @ana.ruiz for the review!\n\nhttps://example.com/pr/1.",
		"<script>alert(1)</script>",
		`"><img src=x onerror=alert(1)>`,
		`'><svg/onload=alert(1)>`,
		`<a href="javascript:alert(1)">click</a>`,
		"javascript:alert(1)",
		"JaVaScRiPt:alert(document.cookie)",
		" \tjavascript:alert(1)",
		"java\tscript:alert(1) java\nscript:alert(1)",
		"javascript:https://example.com",
		"https://example.com/javascript:alert(1)",
		"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
		"data:text/html,<script>alert(1)</script>",
		"vbscript:msgbox(1)",
		"https://example.com/\"onmouseover=\"alert(1)",
		"https://example.com/'onmouseover='alert(1)",
		"https://example.com/?a=1&b=\"2\"&c='3'&d=<4>",
		"http://x.com/<script>alert(1)</script>",
		"<https://example.com>.",
		"(https://en.wikipedia.org/wiki/Go_(programming_language)), ok?!",
		"https://[::1]:80/ http://. https:// https:///x HTTPS://EXAMPLE.COM",
		"https://example.com/" + strings.Repeat("é", 80),
		"https://example.com/" + strings.Repeat("&\"", 40),
		"@ana \"@bob\" <@carl> @d. @E.F @@g @ @.. x@y",
		"ana@example.com ana.ruiz+x@example.com",
		"https://example.com/@ana",
		"@ana\n\n@bob\r\n@CARL\r\r@dee",
		"&amp; &lt; &#x3c; &#60; &#0; &",
		"\x00\x01\x7f\xff\xfe\xc0\x80",
		"\u202ehttps://example.com\u202c \u200bhttps://example.com\u200b",
		"\u2028\u2029\u0085\f\v",
		"]]><!-- --> <![CDATA[ <?xml ?> <!DOCTYPE html>",
		"https://example.com/${{<%[%'\"}}%\\.",
		"<p></p><br><a href=\"/people/1\">x</a>",
		"<<<<>>>>''\"\"&&&&",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		// Nobody is known: the text must come back exactly.
		out := Render(text, nil)
		paras := checkRendered(t, out)
		if strings.Contains(out, `class="mention"`) {
			t.Fatalf("mention without a resolver: %q", out)
		}
		if got, want := visibleText(t, paras, nil), wantText(text); got != want {
			t.Fatalf("text changed:\n  in %q\n out %q\n got %q\nwant %q", text, out, got, want)
		}

		// Everyone but handles starting with x is known, by hostile names.
		mentions := Mentions(text)
		for i, h := range mentions {
			if h == "" || h != strings.ToLower(h) || strings.HasSuffix(h, ".") || strings.ContainsFunc(h, func(r rune) bool { return r > 127 || !isHandleByte(byte(r)) }) {
				t.Fatalf("bad handle %q in %q", h, mentions)
			}
			if slices.Contains(mentions[:i], h) {
				t.Fatalf("handle %q twice in %q", h, mentions)
			}
		}
		handles := map[int64]string{}
		ids := map[string]int64{}
		out = Render(text, func(h string) (Person, bool) {
			if !slices.Contains(mentions, h) {
				t.Fatalf("asked for %q, which Mentions(%q) = %q lacks", h, text, mentions)
			}
			if strings.HasPrefix(h, "x") {
				return Person{}, false
			}
			id, ok := ids[h]
			if !ok {
				id = int64(len(ids) + 1)
				ids[h], handles[id] = id, h
			}
			return Person{ID: id, Name: renderNastyNames[int(id)%len(renderNastyNames)]}, true
		})
		paras = checkRendered(t, out)
		// Mentions show as "@" and the lower-cased handle, so compare ignoring case.
		if got, want := visibleText(t, paras, handles), wantText(text); !strings.EqualFold(got, want) {
			t.Fatalf("text changed with mentions:\n  in %q\n out %q\n got %q\nwant %q", text, out, got, want)
		}
	})
}

func ExampleRender() {
	people := map[string]Person{"ana.ruiz": {ID: 42, Name: "Ana Ruiz"}}
	resolve := func(h string) (Person, bool) { p, ok := people[h]; return p, ok }
	fmt.Println(Mentions("Thanks @Ana.Ruiz & @nobody <3\nSee https://example.com/pr/7."))
	fmt.Println(Render("Thanks @Ana.Ruiz & @nobody <3\nSee https://example.com/pr/7.", resolve))
	// Output:
	// [ana.ruiz nobody]
	// <p>Thanks <a href="/people/42" class="mention">@Ana Ruiz</a> &amp; @nobody &lt;3<br>See <a href="https://example.com/pr/7" rel="nofollow noopener noreferrer" target="_blank">https://example.com/pr/7</a>.</p>
}
