package server

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"rapport/internal/core"
	"rapport/internal/people"
)

// SCIM 2.0 endpoints under /scim/v2: an identity provider creates, changes
// and deactivates people (Users) and teams (Groups) with one of the
// organisation's bearer tokens. No cookies and no forms: the session
// middleware never runs for these routes, and cross-origin protection lets
// them through (a browser can't attach a bearer token by itself).

type provisionerKey struct{}

func provisioner(r *http.Request) people.Provisioner {
	p, _ := r.Context().Value(provisionerKey{}).(people.Provisioner)
	return p
}

// scimAuth lets a request through with a live token of an organisation and
// scopes it to that organisation. Anything else is 401, whether the token
// never existed, was revoked or is malformed.
func (s *Server) scimAuth(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
			s.scimUnauthorized(w)
			return
		}
		p, err := s.scim.Authenticate(r.Context(), strings.TrimSpace(token))
		if err != nil {
			if core.ErrorCode(err) == core.EUNAUTHORIZED {
				s.scimUnauthorized(w)
				return
			}
			s.scimFail(w, r, err)
			return
		}
		// The query string is checked as checkInput checks it for pages.
		if q, err := url.ParseQuery(r.URL.RawQuery); err != nil || !storableValues(q) {
			s.scimWriteError(w, badSyntax("The query string must be well-formed UTF-8 without NUL bytes."))
			return
		}
		// A token gets the share of the server a person gets (fairShare):
		// a provider syncing in many parallel requests cannot take every
		// database connection. Tokens count under negative ids, apart from
		// people.
		if limit := s.cfg.PerPersonRequests; limit > 0 {
			if !s.running.take(-p.TokenID, limit) {
				s.log.Warn("request refused: SCIM token at its share of the server", "path", r.URL.Path, "scim_token", p.TokenID)
				w.Header().Set("Retry-After", strconv.Itoa(busyRetryAfter))
				s.scimWriteError(w, &scimError{Status: http.StatusServiceUnavailable, Detail: "Too many requests with this token at once; retry shortly."})
				return
			}
			defer s.running.done(-p.TokenID)
		}
		h(w, r.WithContext(context.WithValue(r.Context(), provisionerKey{}, p)))
	}
}

func (s *Server) scimUnauthorized(w http.ResponseWriter) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="Rapport SCIM"`)
	s.scimWriteError(w, &scimError{Status: http.StatusUnauthorized, Detail: "Authentication required: send a valid SCIM bearer token."})
}

func (s *Server) scimWrite(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", scimContentType)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if err := json.NewEncoder(w).Encode(v); err != nil {
		s.log.Warn("scim: write", "err", err)
	}
}

func (s *Server) scimWriteError(w http.ResponseWriter, e *scimError) {
	s.scimWrite(w, e.Status, scimErrorJSON{Schemas: []string{scimErrorSchema}, Status: strconv.Itoa(e.Status), ScimType: e.ScimType, Detail: e.Detail})
}

// scimFail maps an error to a SCIM error body: the domain's codes to their
// statuses with the domain's safe message; anything else is logged and
// answered 500 without detail.
func (s *Server) scimFail(w http.ResponseWriter, r *http.Request, err error) {
	var se *scimError
	if errors.As(err, &se) {
		s.scimWriteError(w, se)
		return
	}
	msg := core.ErrorMessage(err)
	switch core.ErrorCode(err) {
	case core.ENOTFOUND:
		s.scimWriteError(w, &scimError{Status: http.StatusNotFound, Detail: "Resource not found."})
	case core.EINVALID:
		if f := core.FieldErrors(err); len(f) > 0 {
			parts := make([]string, 0, len(f))
			for k, v := range f {
				if k == "manager_id" {
					k = "manager"
				}
				parts = append(parts, k+": "+v)
			}
			sort.Strings(parts)
			msg = strings.Join(parts, " ")
		}
		s.scimWriteError(w, &scimError{Status: http.StatusBadRequest, ScimType: "invalidValue", Detail: msg})
	case core.ECONFLICT:
		s.scimWriteError(w, &scimError{Status: http.StatusConflict, ScimType: "uniqueness", Detail: msg})
	case core.EUNAUTHORIZED:
		s.scimUnauthorized(w)
	case core.EFORBIDDEN:
		s.scimWriteError(w, &scimError{Status: http.StatusForbidden, Detail: msg})
	case core.EUNAVAILABLE:
		w.Header().Set("Retry-After", strconv.Itoa(busyRetryAfter))
		s.scimWriteError(w, &scimError{Status: http.StatusServiceUnavailable, Detail: "Rapport is busy; try again shortly."})
	default:
		s.log.Error("scim", "err", err, "method", r.Method, "path", r.URL.Path, "request_id", middleware.GetReqID(r.Context()))
		s.scimWriteError(w, &scimError{Status: http.StatusInternalServerError, Detail: "Something went wrong on our side."})
	}
}

func scimID(r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	return id, err == nil && id > 0
}

func (s *Server) scimNotFound(w http.ResponseWriter) {
	s.scimWriteError(w, &scimError{Status: http.StatusNotFound, Detail: "Resource not found."})
}

func (s *Server) scimList(w http.ResponseWriter, start, total int, items []any) {
	if items == nil {
		items = []any{}
	}
	s.scimWrite(w, http.StatusOK, scimList{Schemas: []string{scimListSchema}, TotalResults: total,
		ItemsPerPage: len(items), StartIndex: start, Resources: items})
}

// The handlers every resource type shares: list with an equality filter,
// read one, and delete.

// scimResource describes one resource type to the shared handlers.
type scimResource[T any] struct {
	// filters maps a lower-cased filterable attribute to the field of the
	// filter it sets.
	filters    map[string]func(*people.ProvisionFilter) **string
	filterHelp string
	list       func(context.Context, people.Provisioner, people.ProvisionFilter) ([]T, int, error)
	get        func(context.Context, people.Provisioner, int64) (T, error)
	del        func(context.Context, people.Provisioner, int64) error
	json       func(T) any
}

func (s *Server) usersResource() scimResource[people.ProvisionedUser] {
	return scimResource[people.ProvisionedUser]{
		filters: map[string]func(*people.ProvisionFilter) **string{
			"username":     func(f *people.ProvisionFilter) **string { return &f.Email },
			"emails.value": func(f *people.ProvisionFilter) **string { return &f.Email },
			"emails":       func(f *people.ProvisionFilter) **string { return &f.Email },
			"externalid":   func(f *people.ProvisionFilter) **string { return &f.ExternalID },
		},
		filterHelp: "Users can be filtered by userName, emails.value or externalId.",
		list:       s.scim.Users,
		get:        s.scim.User,
		del:        s.scim.DeleteUser,
		json:       func(u people.ProvisionedUser) any { return s.userJSON(u) },
	}
}

func (s *Server) groupsResource() scimResource[people.ProvisionedGroup] {
	return scimResource[people.ProvisionedGroup]{
		filters: map[string]func(*people.ProvisionFilter) **string{
			"displayname": func(f *people.ProvisionFilter) **string { return &f.Name },
			"externalid":  func(f *people.ProvisionFilter) **string { return &f.ExternalID },
		},
		filterHelp: "Groups can be filtered by displayName or externalId.",
		list:       s.scim.Groups,
		get:        s.scim.Group,
		del:        s.scim.DeleteGroup,
		json:       func(g people.ProvisionedGroup) any { return s.groupJSON(g) },
	}
}

// scimListOf answers a list request: paging from startIndex and count, and
// at most one "attribute eq value" filter on the attributes res allows.
func scimListOf[T any](s *Server, res scimResource[T], w http.ResponseWriter, r *http.Request, f people.ProvisionFilter) {
	start, count, err := listParams(r)
	if err != nil {
		s.scimFail(w, r, err)
		return
	}
	f.Offset, f.Limit = start-1, count
	if q := r.URL.Query().Get("filter"); q != "" {
		attr, val, err := parseEqFilter(q)
		if err != nil {
			s.scimFail(w, r, err)
			return
		}
		field, ok := res.filters[attr]
		if !ok {
			s.scimFail(w, r, &scimError{Status: http.StatusBadRequest, ScimType: "invalidFilter", Detail: res.filterHelp})
			return
		}
		*field(&f) = &val
	}
	found, total, err := res.list(r.Context(), provisioner(r), f)
	if err != nil {
		s.scimFail(w, r, err)
		return
	}
	items := make([]any, len(found))
	for i, v := range found {
		items[i] = res.json(v)
	}
	s.scimList(w, start, total, items)
}

// scimGetOf answers a read of one resource; 404 for one the organisation
// does not have.
func scimGetOf[T any](s *Server, res scimResource[T], w http.ResponseWriter, r *http.Request) {
	id, ok := scimID(r)
	if !ok {
		s.scimNotFound(w)
		return
	}
	v, err := res.get(r.Context(), provisioner(r), id)
	if err != nil {
		s.scimFail(w, r, err)
		return
	}
	s.scimWrite(w, http.StatusOK, res.json(v))
}

// scimDeleteOf answers a delete with 204; what deleting means is the
// service's (people are deactivated and their data kept).
func scimDeleteOf[T any](s *Server, res scimResource[T], w http.ResponseWriter, r *http.Request) {
	id, ok := scimID(r)
	if !ok {
		s.scimNotFound(w)
		return
	}
	if err := res.del(r.Context(), provisioner(r), id); err != nil {
		s.scimFail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// Users

func (s *Server) scimUsers(w http.ResponseWriter, r *http.Request) {
	scimListOf(s, s.usersResource(), w, r, people.ProvisionFilter{})
}

func (s *Server) scimUserGet(w http.ResponseWriter, r *http.Request) {
	scimGetOf(s, s.usersResource(), w, r)
}

func (s *Server) scimUserCreate(w http.ResponseWriter, r *http.Request) {
	a, err := readSCIMBody(r)
	if err != nil {
		s.scimFail(w, r, err)
		return
	}
	st := &userState{ProvisionedUserInput: people.ProvisionedUserInput{Active: true}}
	if err := st.apply(a); err != nil {
		s.scimFail(w, r, err)
		return
	}
	u, _, err := s.scim.CreateUser(r.Context(), provisioner(r), st.finish())
	if err != nil {
		s.scimFail(w, r, err)
		return
	}
	w.Header().Set("Location", s.scimURL("Users", u.ID))
	s.scimWrite(w, http.StatusCreated, s.userJSON(u))
}

// scimUserReplace is PUT: the provider sends the whole user. Attributes it
// leaves out are cleared, but for active and timezone, which stay as they
// are, and the manager, which stays unless the enterprise extension is sent.
func (s *Server) scimUserReplace(w http.ResponseWriter, r *http.Request) {
	id, ok := scimID(r)
	if !ok {
		s.scimNotFound(w)
		return
	}
	cur, err := s.scim.User(r.Context(), provisioner(r), id)
	if err != nil {
		s.scimFail(w, r, err)
		return
	}
	a, err := readSCIMBody(r)
	if err != nil {
		s.scimFail(w, r, err)
		return
	}
	st := &userState{ProvisionedUserInput: people.ProvisionedUserInput{
		Email: cur.Email, TimeZone: cur.TimeZone, Active: cur.Active, ManagerID: cur.ManagerID}}
	if ext, ok := a[enterpriseKey].(attrs); ok {
		if _, has := ext["manager"]; !has {
			st.ManagerID = nil
		}
	}
	if err := st.apply(a); err != nil {
		s.scimFail(w, r, err)
		return
	}
	u, err := s.scim.ReplaceUser(r.Context(), provisioner(r), id, st.finish())
	if err != nil {
		s.scimFail(w, r, err)
		return
	}
	s.scimWrite(w, http.StatusOK, s.userJSON(u))
}

func (s *Server) scimUserPatch(w http.ResponseWriter, r *http.Request) {
	id, ok := scimID(r)
	if !ok {
		s.scimNotFound(w)
		return
	}
	cur, err := s.scim.User(r.Context(), provisioner(r), id)
	if err != nil {
		s.scimFail(w, r, err)
		return
	}
	ops, err := readPatch(r)
	if err != nil {
		s.scimFail(w, r, err)
		return
	}
	st := userStateFrom(cur)
	if err := st.applyPatch(ops); err != nil {
		s.scimFail(w, r, err)
		return
	}
	u, err := s.scim.ReplaceUser(r.Context(), provisioner(r), id, st.finish())
	if err != nil {
		s.scimFail(w, r, err)
		return
	}
	s.scimWrite(w, http.StatusOK, s.userJSON(u))
}

// scimUserDelete deactivates the person and keeps their data; SCIM answers
// 404 for them from then on.
func (s *Server) scimUserDelete(w http.ResponseWriter, r *http.Request) {
	scimDeleteOf(s, s.usersResource(), w, r)
}

// Groups

func (s *Server) scimGroups(w http.ResponseWriter, r *http.Request) {
	noMembers := strings.Contains(strings.ToLower(r.URL.Query().Get("excludedAttributes")), "members")
	scimListOf(s, s.groupsResource(), w, r, people.ProvisionFilter{NoMembers: noMembers})
}

func (s *Server) scimGroupGet(w http.ResponseWriter, r *http.Request) {
	scimGetOf(s, s.groupsResource(), w, r)
}

func (s *Server) scimGroupCreate(w http.ResponseWriter, r *http.Request) {
	a, err := readSCIMBody(r)
	if err != nil {
		s.scimFail(w, r, err)
		return
	}
	ch, err := groupChange(a, false)
	if err != nil {
		s.scimFail(w, r, err)
		return
	}
	g, err := s.scim.CreateGroup(r.Context(), provisioner(r), ch)
	if err != nil {
		s.scimFail(w, r, err)
		return
	}
	w.Header().Set("Location", s.scimURL("Groups", g.ID))
	s.scimWrite(w, http.StatusCreated, s.groupJSON(g))
}

func (s *Server) scimGroupReplace(w http.ResponseWriter, r *http.Request) {
	s.scimGroupChange(w, r, func(r *http.Request) (people.GroupChange, error) {
		a, err := readSCIMBody(r)
		if err != nil {
			return people.GroupChange{}, err
		}
		ch, err := groupChange(a, true)
		if err == nil && ch.Name == nil {
			err = badValue("displayName is required.")
		}
		return ch, err
	})
}

func (s *Server) scimGroupPatch(w http.ResponseWriter, r *http.Request) {
	s.scimGroupChange(w, r, func(r *http.Request) (people.GroupChange, error) {
		ops, err := readPatch(r)
		if err != nil {
			return people.GroupChange{}, err
		}
		return groupPatch(ops)
	})
}

func (s *Server) scimGroupChange(w http.ResponseWriter, r *http.Request, read func(*http.Request) (people.GroupChange, error)) {
	id, ok := scimID(r)
	if !ok {
		s.scimNotFound(w)
		return
	}
	if _, err := s.scim.Group(r.Context(), provisioner(r), id); err != nil {
		s.scimFail(w, r, err)
		return
	}
	ch, err := read(r)
	if err != nil {
		s.scimFail(w, r, err)
		return
	}
	g, err := s.scim.ChangeGroup(r.Context(), provisioner(r), id, ch)
	if err != nil {
		s.scimFail(w, r, err)
		return
	}
	s.scimWrite(w, http.StatusOK, s.groupJSON(g))
}

func (s *Server) scimGroupDelete(w http.ResponseWriter, r *http.Request) {
	scimDeleteOf(s, s.groupsResource(), w, r)
}
