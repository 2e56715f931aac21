package core

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
)

// MaxFormKey is the longest form key the database keeps.
const MaxFormKey = 64

// NewFormKey makes the random key a create form carries, so that the same
// form submitted twice (a double click, a retried request) stores one row:
// each table that forms create rows in has a unique index on its key.
func NewFormKey() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// FormKey is the key a form was submitted with, cut to what is kept. When the
// request carried none (a client that did not render the form), content
// names the submission instead, so identical submits still store once.
func FormKey(posted string, content ...string) string {
	posted = strings.TrimSpace(posted)
	if posted != "" {
		if len(posted) > MaxFormKey {
			posted = posted[:MaxFormKey]
		}
		return posted
	}
	if len(content) == 0 {
		return ""
	}
	h := sha256.Sum256([]byte(strings.ToLower(strings.Join(content, "\x00"))))
	return "=" + hex.EncodeToString(h[:20])
}
