package server

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"
)

// storableText reports whether s can be stored as PostgreSQL text: valid
// UTF-8 without NUL bytes (PostgreSQL refuses both).
func storableText(s string) bool {
	return utf8.ValidString(s) && strings.IndexByte(s, 0) < 0
}

// storableValues reports whether every key and value of v is storable text.
func storableValues(v url.Values) bool {
	for k, vs := range v {
		if !storableText(k) {
			return false
		}
		for _, s := range vs {
			if !storableText(s) {
				return false
			}
		}
	}
	return true
}

// hasFormBody reports whether a request carries a form the handlers read.
func hasFormBody(r *http.Request) bool {
	if r.Method != http.MethodPost && r.Method != http.MethodPut && r.Method != http.MethodPatch {
		return false
	}
	ct := r.Header.Get("Content-Type")
	return strings.HasPrefix(ct, "application/x-www-form-urlencoded") || strings.HasPrefix(ct, "multipart/form-data")
}

// Messages of the 400 page for input no handler could store or read.
const (
	unstorableHeading = "That request had characters Rapport can't read"
	unstorableMsg     = "The address or the form contained a NUL byte or text that isn't UTF-8. Remove it and try again."
)

// checkInput is the one place query strings and forms are decoded before any
// handler runs: a value PostgreSQL would refuse (a NUL byte, bytes that are
// not UTF-8) gets a 400 page here, so it never reaches a query and a
// handler's checks only ever see text. The form is parsed once, with the
// body limit; a body that is too large gets 413, one that can't be parsed 400.
// Uploaded files are not form values: the import check reads them itself.
func (s *Server) checkInput(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q, err := url.ParseQuery(r.URL.RawQuery)
		if err != nil || !storableValues(q) {
			s.renderErrorPage(w, r, http.StatusBadRequest, unstorableHeading, unstorableMsg)
			return
		}
		if hasFormBody(r) {
			if !s.parseForm(w, r) {
				return
			}
			if !storableValues(r.PostForm) {
				s.renderErrorPage(w, r, http.StatusBadRequest, unstorableHeading, unstorableMsg)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// maxPage bounds a ?page= number, so its offset never overflows; pages past
// the end are empty, whatever their number.
const maxPage = 100000

// parsePage reads a 1-based page number: missing or nonsense is page 1, a
// number past maxPage is maxPage.
func parsePage(v string) int {
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	switch {
	case err != nil && errors.Is(err, strconv.ErrRange) && !strings.HasPrefix(strings.TrimSpace(v), "-"):
		return maxPage
	case err != nil || n < 1:
		return 1
	case n > maxPage:
		return maxPage
	}
	return int(n)
}
