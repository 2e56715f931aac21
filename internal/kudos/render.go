package kudos

import (
	"html"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Person is someone a mention can point at.
type Person struct {
	ID   int64
	Name string
}

// Resolver finds the person behind a mention handle (the part after @, e.g.
// "ana.ruiz" — the local part of their work email, lower-cased); ok=false when
// unknown.
type Resolver func(handle string) (Person, bool)

// linkTextMax is the most characters a link shows; longer URLs are cut and end
// in an ellipsis (the href keeps the whole URL).
const linkTextMax = 60

// externalLinkAttrs follow the href of every link to a URL people typed.
const externalLinkAttrs = `" rel="nofollow noopener noreferrer" target="_blank">`

// Mentions returns the distinct handles mentioned in text, lower-cased, in
// order of first appearance (so the caller can look them all up in one query).
// It finds exactly the mentions Render would link.
func Mentions(text string) []string {
	var handles []string
	seen := map[string]bool{}
	scanSpans(cleanText(text), func(kind spanKind, s string) {
		if kind != spanMention {
			return
		}
		h := strings.ToLower(s[1:])
		if !seen[h] {
			seen[h] = true
			handles = append(handles, h)
		}
	})
	return handles
}

// Render returns HTML for text, which is what someone typed. Everything is
// escaped; the only markup is what Render adds itself:
//
//   - <p>…</p> around paragraphs, which blank lines separate;
//   - <br> for a single line break;
//   - <a href="…" rel="nofollow noopener noreferrer" target="_blank"> around
//     http:// and https:// URLs (no other scheme), without trailing punctuation
//     and showing at most 60 characters;
//   - <a href="/people/{id}" class="mention">@Name</a> for an @handle that
//     resolve knows; unknown handles stay text. resolve may be nil. A handle
//     is @ and [a-z0-9._-]+ in any case, less trailing dots, where the @ does
//     not follow a letter, digit or one of "._-+" (so ana@example.com and
//     ana.ruiz+x@example.com are not mentions).
//
// Invalid UTF-8 and NUL bytes become U+FFFD.
func Render(text string, resolve Resolver) string {
	text = cleanText(text)
	var b strings.Builder
	b.Grow(len(text) + len(text)/8 + 16)
	open := false
	for line := range strings.SplitSeq(text, "\n") {
		if strings.TrimSpace(line) == "" {
			if open {
				b.WriteString("</p>")
				open = false
			}
			continue
		}
		if open {
			b.WriteString("<br>")
		} else {
			b.WriteString("<p>")
			open = true
		}
		scanSpans(line, func(kind spanKind, s string) {
			switch kind {
			case spanURL:
				writeURL(&b, s)
			case spanMention:
				writeMention(&b, s, resolve)
			default:
				b.WriteString(html.EscapeString(s))
			}
		})
	}
	if open {
		b.WriteString("</p>")
	}
	return b.String()
}

// textCleaner makes line breaks "\n" and NUL (which browsers drop) U+FFFD.
var textCleaner = strings.NewReplacer("\r\n", "\n", "\r", "\n", "\x00", "\uFFFD")

func cleanText(text string) string {
	return textCleaner.Replace(strings.ToValidUTF8(text, "\uFFFD"))
}

func writeURL(b *strings.Builder, u string) {
	// The scheme is ASCII letters, so lower-casing keeps the byte offsets.
	colon := strings.IndexByte(u, ':')
	b.WriteString(`<a href="`)
	b.WriteString(strings.ToLower(u[:colon]))
	b.WriteString(html.EscapeString(u[colon:]))
	b.WriteString(externalLinkAttrs)
	b.WriteString(html.EscapeString(shorten(u, linkTextMax)))
	b.WriteString("</a>")
}

func writeMention(b *strings.Builder, s string, resolve Resolver) {
	if resolve != nil {
		if p, ok := resolve(strings.ToLower(s[1:])); ok {
			name := strings.TrimSpace(p.Name)
			if name == "" {
				name = s[1:]
			}
			b.WriteString(`<a href="/people/`)
			b.WriteString(strconv.FormatInt(p.ID, 10))
			b.WriteString(`" class="mention">@`)
			b.WriteString(html.EscapeString(name))
			b.WriteString("</a>")
			return
		}
	}
	b.WriteString(html.EscapeString(s))
}

// shorten cuts s to at most limit characters, the last being an ellipsis.
func shorten(s string, limit int) string {
	if utf8.RuneCountInString(s) <= limit {
		return s
	}
	n := 0
	for i := range s {
		if n == limit-1 {
			return s[:i] + "…"
		}
		n++
	}
	return s
}

type spanKind int

const (
	spanText spanKind = iota
	spanURL
	spanMention
)

// scanSpans splits s into text, URL and mention spans, in order, and calls
// emit for each; the spans put together are s. s must be valid UTF-8.
func scanSpans(s string, emit func(kind spanKind, span string)) {
	textFrom := 0
	for i := 0; i < len(s); {
		kind, end := spanText, i
		switch s[i] {
		case 'h', 'H':
			if !wordBefore(s, i) {
				kind, end = spanURL, urlEnd(s, i)
			}
		case '@':
			if r, _ := utf8.DecodeLastRuneInString(s[:i]); !isWordRune(r) && !strings.ContainsRune("._-+", r) {
				kind, end = spanMention, handleEnd(s, i)
			}
		}
		if end == i {
			i++ // 'h' and '@' are ASCII, so i stays on a rune boundary when it stops
			continue
		}
		if textFrom < i {
			emit(spanText, s[textFrom:i])
		}
		emit(kind, s[i:end])
		i, textFrom = end, end
	}
	if textFrom < len(s) {
		emit(spanText, s[textFrom:])
	}
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// wordBefore reports whether a letter or digit comes right before s[i].
func wordBefore(s string, i int) bool {
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return isWordRune(r)
}

// urlEnd returns where the http(s) URL starting at s[i] ends, or i when none
// starts there. A URL runs to the first space, control or format character,
// '<' or '>', less trailing punctuation; a closing bracket stays when the URL
// opened it, as in https://en.wikipedia.org/wiki/Go_(programming_language).
func urlEnd(s string, i int) int {
	var start int
	switch rest := s[i:]; {
	case len(rest) >= 8 && strings.EqualFold(rest[:8], "https://"):
		start = i + 8
	case len(rest) >= 7 && strings.EqualFold(rest[:7], "http://"):
		start = i + 7
	default:
		return i
	}
	end := start
	for end < len(s) {
		r, size := utf8.DecodeRuneInString(s[end:])
		if unicode.IsSpace(r) || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '<' || r == '>' {
			break
		}
		end += size
	}
trim:
	for end > start {
		switch c := s[end-1]; c {
		case '.', ',', ':', ';', '!', '?', '\'', '"', '*':
		case ')', ']', '}':
			opener := "([{"[strings.IndexByte(")]}", c)]
			if strings.Count(s[i:end], string(opener)) >= strings.Count(s[i:end], string(c)) {
				break trim // the URL opened this bracket
			}
		default:
			break trim
		}
		end--
	}
	// A host must follow the scheme.
	if r, _ := utf8.DecodeRuneInString(s[start:end]); end == start || !isWordRune(r) && r != '[' {
		return i
	}
	return end
}

// handleEnd returns where the @handle starting at s[i] ends, or i when there is
// none. A handle is [a-z0-9._-]+ in any case, less trailing dots.
func handleEnd(s string, i int) int {
	end := i + 1
	for end < len(s) && isHandleByte(s[end]) {
		end++
	}
	for end > i+1 && s[end-1] == '.' {
		end--
	}
	if end == i+1 {
		return i
	}
	return end
}

func isHandleByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-'
}

// RecipientTokens splits a kudo's "To" into what names each recipient: a
// part of the comma-separated list that mentions @handles gives those
// ("@ana.ruiz @sam.lee"); any other part is a name or an email to look up
// ("Camille Lefebvre", "ana@example.com"). Empty parts are dropped.
func RecipientTokens(to string) []string {
	var out []string
	for _, part := range strings.FieldsFunc(to, func(r rune) bool { return r == ',' || r == ';' || r == '\n' || r == '\r' }) {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		hs := Mentions(part)
		if len(hs) == 0 {
			out = append(out, part)
		}
		for _, h := range hs {
			out = append(out, "@"+h)
		}
	}
	return out
}
