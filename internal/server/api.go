package server

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5/middleware"
	"github.com/go-chi/httprate"

	"rapport/docs"
	"rapport/internal/core"
	"rapport/internal/people"
)

// The JSON API under /api/v1 (docs/api.md; its contract is
// docs/openapi.json). A person's personal access token is all it reads:
// the session middleware never runs for these routes, so a cookie
// authenticates nothing, and cross-origin protection lets them through (a
// browser can't attach a bearer token by itself). Handlers call the same
// services as the pages, as the token's person.

const apiPrefix = "/api/v1"

type apiTokenKey struct{}

// apiToken is the personal access token of an API request.
func apiToken(r *http.Request) people.PersonalToken {
	t, _ := r.Context().Value(apiTokenKey{}).(people.PersonalToken)
	return t
}

// problem is an error answer (RFC 9457 problem details).
type problem struct {
	Type   string         `json:"type"`
	Title  string         `json:"title"`
	Status int            `json:"status"`
	Detail string         `json:"detail,omitempty"`
	Errors []fieldProblem `json:"errors,omitempty"`
}

// fieldProblem is one invalid field of a request.
type fieldProblem struct {
	Field  string `json:"field"`
	Detail string `json:"detail"`
}

// problemTypes name each status's problem after its response in
// docs/openapi.json, so that a problem's type resolves to its description.
var problemTypes = map[int][2]string{
	http.StatusBadRequest:            {"BadRequest", "The request is malformed"},
	http.StatusUnauthorized:          {"Unauthorized", "Authentication required"},
	http.StatusForbidden:             {"Forbidden", "Not allowed"},
	http.StatusNotFound:              {"NotFound", "Not found"},
	http.StatusMethodNotAllowed:      {"MethodNotAllowed", "Method not allowed"},
	http.StatusConflict:              {"Conflict", "Conflict"},
	http.StatusRequestEntityTooLarge: {"TooLarge", "The request body is too large"},
	http.StatusUnprocessableEntity:   {"Invalid", "The request has invalid fields"},
	http.StatusTooManyRequests:       {"TooMany", "Too many requests"},
	http.StatusInternalServerError:   {"Internal", "Something went wrong on our side"},
	http.StatusServiceUnavailable:    {"Busy", "Rapport is busy"},
}

// apiProblem answers status in problem details with an optional detail.
func apiProblem(w http.ResponseWriter, status int, detail string) {
	writeProblem(w, problem{Status: status, Detail: detail})
}

func writeProblem(w http.ResponseWriter, p problem) {
	t := problemTypes[p.Status]
	p.Type, p.Title = apiPrefix+"/openapi.json#/components/responses/"+t[0], t[1]
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// apiJSON answers v as JSON.
func apiJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func apiUnauthorized(w http.ResponseWriter) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="Rapport API"`)
	apiProblem(w, http.StatusUnauthorized, "Send a valid personal access token: Authorization: Bearer rapport_pat_….")
}

// apiFields answers 422 with each field's message, in field order.
func apiFields(w http.ResponseWriter, msg string, fields map[string]string) {
	p := problem{Status: http.StatusUnprocessableEntity, Detail: msg}
	for f, d := range fields {
		p.Errors = append(p.Errors, fieldProblem{Field: f, Detail: d})
	}
	sort.Slice(p.Errors, func(i, j int) bool { return p.Errors[i].Field < p.Errors[j].Field })
	writeProblem(w, p)
}

// apiFail maps a service's error to problem details: the domain's codes to
// their statuses with the domain's safe message; anything else is logged
// and answered 500 without detail.
func (s *Server) apiFail(w http.ResponseWriter, r *http.Request, err error, rename map[string]string) {
	code := core.ErrorCode(err)
	switch code {
	case core.EINVALID:
		fields := map[string]string{}
		for f, m := range core.FieldErrors(err) {
			if n, ok := rename[f]; ok {
				f = n
			}
			fields[f] = m
		}
		apiFields(w, core.ErrorMessage(err), fields)
	case core.EUNAUTHORIZED:
		apiUnauthorized(w)
	case core.ENOTFOUND:
		apiProblem(w, http.StatusNotFound, "")
	case core.EFORBIDDEN:
		apiProblem(w, http.StatusForbidden, core.ErrorMessage(err))
	case core.ECONFLICT:
		apiProblem(w, http.StatusConflict, core.ErrorMessage(err))
	case core.EUNAVAILABLE:
		w.Header().Set("Retry-After", strconv.Itoa(busyRetryAfter))
		apiProblem(w, http.StatusServiceUnavailable, "Try again shortly.")
	default:
		s.log.ErrorContext(r.Context(), "api", "err", err, "method", r.Method, "path", r.URL.Path, "request_id", middleware.GetReqID(r.Context()))
		apiProblem(w, http.StatusInternalServerError, "")
	}
}

// apiLimiter is the per-token request rate limit, built with the router.
func (s *Server) newAPILimiter() *httprate.RateLimiter {
	return httprate.NewRateLimiter(s.cfg.APIRequestsPerMinute, time.Minute,
		httprate.WithLimitHandler(func(w http.ResponseWriter, _ *http.Request) {
			apiProblem(w, http.StatusTooManyRequests, "This token made too many requests; wait a little (see Retry-After).")
		}))
}

// apiAuth lets a request through with a live personal access token of an
// active person allowed by acc, as that person. A missing, malformed,
// unknown, expired or revoked token, or one of a deactivated person, is the
// same 401.
func (s *Server) apiAuth(acc access, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		scheme, secret, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		secret = strings.TrimSpace(secret)
		if !strings.EqualFold(scheme, "Bearer") || secret == "" {
			apiUnauthorized(w)
			return
		}
		a, me, t, err := s.people.AuthenticateToken(r.Context(), secret)
		if err != nil {
			s.apiFail(w, r, err, nil)
			return
		}
		if s.apiLimiter != nil && s.apiLimiter.RespondOnLimit(w, r, "token:"+strconv.FormatInt(t.ID, 10)) {
			return
		}
		if !a.Is(acc.roles...) {
			apiProblem(w, http.StatusForbidden, "Your role may not use this endpoint.")
			return
		}
		if acc.write && !t.Scope.CanWrite() {
			apiProblem(w, http.StatusForbidden, "This token is read only; create a read-write token to make changes.")
			return
		}
		// The query string is checked as checkInput checks it for pages.
		if q, err := url.ParseQuery(r.URL.RawQuery); err != nil || !storableValues(q) {
			apiProblem(w, http.StatusBadRequest, "The query string must be well-formed UTF-8 without NUL bytes.")
			return
		}
		// A token gets the person's share of the server (fairShare).
		if limit := s.cfg.PerPersonRequests; limit > 0 {
			if !s.running.take(a.UserID, limit) {
				w.Header().Set("Retry-After", strconv.Itoa(busyRetryAfter))
				apiProblem(w, http.StatusServiceUnavailable, "Too many requests with your account at once; retry shortly.")
				return
			}
			defer s.running.done(a.UserID)
		}
		ctx := context.WithValue(core.WithActor(r.Context(), a), signedInKey{}, me)
		h(w, r.WithContext(context.WithValue(ctx, apiTokenKey{}, t)))
	}
}

// apiOpenAPI serves the API's description.
func (s *Server) apiOpenAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(docs.OpenAPI)
}
