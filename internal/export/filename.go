package export

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxNameBytes keeps file names well inside every system's limits.
const maxNameBytes = 120

// asciiName makes a file name of letters, digits, dots, dashes and
// underscores only: anything else becomes a dash, accents are dropped.
func asciiName(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range name {
		r = fold(r)
		ok := r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '.' || r == '_')
		if ok {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	s := strings.Trim(b.String(), "-.")
	if len(s) > maxNameBytes {
		s = strings.Trim(s[:maxNameBytes], "-.")
	}
	if s == "" {
		return "export"
	}
	return s
}

// fold maps common accented Latin letters to their plain letter.
func fold(r rune) rune {
	const from = "ÀÁÂÃÄÅàáâãäåÇçÈÉÊËèéêëÌÍÎÏìíîïÑñÒÓÔÕÖØòóôõöøÙÚÛÜùúûüÝýÿŠšŽžŁłŃńŚśŹźŻżĆćĘęĄą"
	const to = "AAAAAAaaaaaaCcEEEEeeeeIIIIiiiiNnOOOOOOooooooUUUUuuuuYyySsZzLlNnSsZzZzCcEeAa"
	if r < 0xC0 {
		return r
	}
	i := 0
	for _, f := range from {
		if f == r {
			return rune(to[i])
		}
		i++
	}
	return r
}

// attrChar reports whether b may stand unescaped in an RFC 5987 value.
func attrChar(b byte) bool {
	switch {
	case b >= 'a' && b <= 'z', b >= 'A' && b <= 'Z', b >= '0' && b <= '9':
		return true
	}
	return strings.IndexByte("!#$&+-.^_`|~", b) >= 0
}

// ContentDisposition is the header value for downloading a file called name
// plus extension ext (".csv"): an ASCII-only filename for every client and
// the exact UTF-8 name as RFC 5987 filename* for those that read it.
func ContentDisposition(name, ext string) string {
	clean := strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || strings.ContainsRune(`/\"`, r) {
			return '-'
		}
		return r
	}, strings.TrimSpace(name))
	for len(clean) > maxNameBytes {
		_, size := utf8.DecodeLastRuneInString(clean)
		clean = clean[:len(clean)-size]
	}
	if clean == "" {
		clean = "export"
	}
	var enc strings.Builder
	for _, b := range []byte(clean + ext) {
		if attrChar(b) {
			enc.WriteByte(b)
		} else {
			fmt.Fprintf(&enc, "%%%02X", b)
		}
	}
	return fmt.Sprintf(`attachment; filename="%s%s"; filename*=UTF-8''%s`, asciiName(clean), ext, enc.String())
}
