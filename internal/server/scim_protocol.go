package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"rapport/internal/people"
)

// SCIM 2.0 (RFC 7643, RFC 7644) on the wire: the resources' JSON, the
// request attributes Rapport understands, filters, PATCH operations and
// error bodies. The handlers are in scim.go.

const (
	scimUserSchema       = "urn:ietf:params:scim:schemas:core:2.0:User"
	scimEnterpriseSchema = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	scimGroupSchema      = "urn:ietf:params:scim:schemas:core:2.0:Group"
	scimListSchema       = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	scimPatchSchema      = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	scimErrorSchema      = "urn:ietf:params:scim:api:messages:2.0:Error"
	scimSPCSchema        = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
	scimRTSchema         = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
	scimSchemaSchema     = "urn:ietf:params:scim:schemas:core:2.0:Schema"

	scimContentType = "application/scim+json; charset=utf-8"
	// scimDefaultCount is a list's page size when the provider names none.
	scimDefaultCount = 100
)

// scimError is an error answer (RFC 7644 §3.12).
type scimError struct {
	Status   int
	ScimType string // invalidSyntax, invalidValue, invalidFilter, invalidPath, uniqueness, noTarget, …
	Detail   string
}

func (e *scimError) Error() string {
	return fmt.Sprintf("scim %d %s: %s", e.Status, e.ScimType, e.Detail)
}

func badSyntax(format string, args ...any) *scimError {
	return &scimError{Status: http.StatusBadRequest, ScimType: "invalidSyntax", Detail: fmt.Sprintf(format, args...)}
}

func badValue(format string, args ...any) *scimError {
	return &scimError{Status: http.StatusBadRequest, ScimType: "invalidValue", Detail: fmt.Sprintf(format, args...)}
}

func badPath(path string) *scimError {
	return &scimError{Status: http.StatusBadRequest, ScimType: "invalidPath", Detail: fmt.Sprintf("Rapport does not support the path %q.", path)}
}

type scimErrorJSON struct {
	Schemas  []string `json:"schemas"`
	Status   string   `json:"status"`
	ScimType string   `json:"scimType,omitempty"`
	Detail   string   `json:"detail"`
}

type scimMeta struct {
	ResourceType string `json:"resourceType"`
	Created      string `json:"created,omitempty"`
	LastModified string `json:"lastModified,omitempty"`
	Location     string `json:"location"`
}

type scimName struct {
	Formatted  string `json:"formatted,omitempty"`
	GivenName  string `json:"givenName,omitempty"`
	FamilyName string `json:"familyName,omitempty"`
}

type scimEmail struct {
	Value   string `json:"value"`
	Type    string `json:"type"`
	Primary bool   `json:"primary"`
}

type scimRef struct {
	Value   string `json:"value"`
	Ref     string `json:"$ref,omitempty"`
	Display string `json:"display,omitempty"`
	Type    string `json:"type,omitempty"`
}

type scimEnterprise struct {
	Manager *scimRef `json:"manager,omitempty"`
}

type scimUserJSON struct {
	Schemas     []string        `json:"schemas"`
	ID          string          `json:"id"`
	ExternalID  string          `json:"externalId,omitempty"`
	UserName    string          `json:"userName"`
	Name        scimName        `json:"name"`
	DisplayName string          `json:"displayName"`
	Title       string          `json:"title,omitempty"`
	Emails      []scimEmail     `json:"emails"`
	Active      bool            `json:"active"`
	Timezone    string          `json:"timezone,omitempty"`
	Enterprise  *scimEnterprise `json:"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User,omitempty"`
	Meta        scimMeta        `json:"meta"`
}

type scimGroupJSON struct {
	Schemas     []string  `json:"schemas"`
	ID          string    `json:"id"`
	ExternalID  string    `json:"externalId,omitempty"`
	DisplayName string    `json:"displayName"`
	Members     []scimRef `json:"members,omitempty"`
	Meta        scimMeta  `json:"meta"`
}

type scimList struct {
	Schemas      []string `json:"schemas"`
	TotalResults int      `json:"totalResults"`
	ItemsPerPage int      `json:"itemsPerPage"`
	StartIndex   int      `json:"startIndex"`
	Resources    []any    `json:"Resources"`
}

func scimTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func (s *Server) scimURL(kind string, id int64) string {
	return strings.TrimRight(s.cfg.BaseURL, "/") + "/scim/v2/" + kind + "/" + strconv.FormatInt(id, 10)
}

func (s *Server) userJSON(u people.ProvisionedUser) scimUserJSON {
	out := scimUserJSON{
		Schemas: []string{scimUserSchema}, ID: strconv.FormatInt(u.ID, 10), ExternalID: u.ExternalID,
		UserName: u.Email, DisplayName: u.Name, Title: u.Title, Active: u.Active, Timezone: u.TimeZone,
		Name:   scimName{Formatted: u.Name, GivenName: u.GivenName, FamilyName: u.FamilyName},
		Emails: []scimEmail{{Value: u.Email, Type: "work", Primary: true}},
		Meta: scimMeta{ResourceType: "User", Created: scimTime(u.CreatedAt), LastModified: scimTime(u.UpdatedAt),
			Location: s.scimURL("Users", u.ID)},
	}
	if u.ManagerID != nil {
		out.Schemas = append(out.Schemas, scimEnterpriseSchema)
		out.Enterprise = &scimEnterprise{Manager: &scimRef{Value: strconv.FormatInt(*u.ManagerID, 10),
			Ref: s.scimURL("Users", *u.ManagerID), Display: u.ManagerName}}
	}
	return out
}

func (s *Server) groupJSON(g people.ProvisionedGroup) scimGroupJSON {
	out := scimGroupJSON{
		Schemas: []string{scimGroupSchema}, ID: strconv.FormatInt(g.ID, 10), ExternalID: g.ExternalID, DisplayName: g.Name,
		Meta: scimMeta{ResourceType: "Group", Created: scimTime(g.CreatedAt), LastModified: scimTime(g.UpdatedAt),
			Location: s.scimURL("Groups", g.ID)},
	}
	for _, m := range g.Members {
		out.Members = append(out.Members, scimRef{Value: strconv.FormatInt(m.ID, 10), Ref: s.scimURL("Users", m.ID), Display: m.Name, Type: "User"})
	}
	return out
}

// attrs is a request object with its keys lower-cased: SCIM attribute names
// are case-insensitive (RFC 7643 §2.1).
type attrs map[string]any

func lowerKeys(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(attrs, len(t))
		for k, x := range t {
			out[strings.ToLower(k)] = lowerKeys(x)
		}
		return out
	case []any:
		for i, x := range t {
			t[i] = lowerKeys(x)
		}
		return t
	}
	return v
}

// readSCIMBody reads a request body that must be one JSON object.
func readSCIMBody(r *http.Request) (attrs, error) {
	dec := json.NewDecoder(r.Body)
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, &scimError{Status: http.StatusRequestEntityTooLarge, Detail: "The request body is too large."}
		}
		return nil, badSyntax("The request body is not valid JSON.")
	}
	if err := dec.Decode(new(any)); err != io.EOF {
		return nil, badSyntax("The request body must hold one JSON object and nothing after it.")
	}
	m, ok := lowerKeys(v).(attrs)
	if !ok {
		return nil, badSyntax("The request body must be a JSON object.")
	}
	if !storableJSON(m) {
		return nil, badValue("Text in the request must not contain NUL characters.")
	}
	return m, nil
}

// storableJSON reports whether every key and string in v can be stored as
// PostgreSQL text (JSON's \u0000 decodes to a NUL, which it refuses).
func storableJSON(v any) bool {
	switch t := v.(type) {
	case string:
		return storableText(t)
	case attrs:
		for k, x := range t {
			if !storableText(k) || !storableJSON(x) {
				return false
			}
		}
	case []any:
		for _, x := range t {
			if !storableJSON(x) {
				return false
			}
		}
	}
	return true
}

func (a attrs) str(key string) (string, bool, error) {
	v, ok := a[key]
	if !ok || v == nil {
		return "", ok, nil
	}
	s, isStr := v.(string)
	if !isStr {
		return "", true, badValue("%s must be a string.", key)
	}
	return s, true, nil
}

func (a attrs) obj(key string) (attrs, bool, error) {
	v, ok := a[key]
	if !ok || v == nil {
		return nil, ok, nil
	}
	m, isObj := v.(attrs)
	if !isObj {
		return nil, true, badValue("%s must be an object.", key)
	}
	return m, true, nil
}

// boolValue reads a boolean; some providers send "True" and "False" strings.
func boolValue(name string, v any) (bool, error) {
	switch t := v.(type) {
	case bool:
		return t, nil
	case string:
		switch strings.ToLower(t) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
	}
	return false, badValue("%s must be true or false.", name)
}

// idValue reads a resource id, a string or number of digits.
func idValue(name string, v any) (int64, error) {
	var s string
	switch t := v.(type) {
	case string:
		s = t
	case json.Number:
		s = t.String()
	default:
		return 0, badValue("%s must be the id of a user.", name)
	}
	id, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || id <= 0 {
		return 0, badValue("%s %q is not the id of a user.", name, s)
	}
	return id, nil
}

// managerValue reads the enterprise extension's manager: an object with a
// value, or the value alone; null or "" clears it.
func managerValue(v any) (*int64, error) {
	if m, ok := v.(attrs); ok {
		v = m["value"]
	}
	if v == nil {
		return nil, nil
	}
	if s, ok := v.(string); ok && strings.TrimSpace(s) == "" {
		return nil, nil
	}
	id, err := idValue("manager.value", v)
	if err != nil {
		return nil, err
	}
	return &id, nil
}

// primaryEmail picks the primary (or first work, or first) address of emails.
func primaryEmail(v any) (string, error) {
	list, ok := v.([]any)
	if !ok {
		return "", badValue("emails must be a list.")
	}
	best, rank := "", 0
	for _, x := range list {
		e, ok := x.(attrs)
		if !ok {
			return "", badValue("Each of emails must be an object with a value.")
		}
		val, _, err := e.str("value")
		if err != nil {
			return "", err
		}
		r := 1
		if t, _ := e["type"].(string); strings.EqualFold(t, "work") {
			r = 2
		}
		if p, _ := e["primary"].(bool); p {
			r = 3
		}
		if r > rank && val != "" {
			best, rank = val, r
		}
	}
	return best, nil
}

var eqFilter = regexp.MustCompile(`^\s*([A-Za-z][\w.:$-]*)\s+(?i:eq)\s+("(?:[^"\\]|\\.)*")\s*$`)

// parseEqFilter reads the one filter shape providers send to find a
// resource: attribute eq "value". The attribute comes back lower-cased.
func parseEqFilter(f string) (attr, value string, err error) {
	m := eqFilter.FindStringSubmatch(f)
	if m == nil {
		return "", "", &scimError{Status: http.StatusBadRequest, ScimType: "invalidFilter",
			Detail: `Rapport supports filters of the form attribute eq "value".`}
	}
	if err := json.Unmarshal([]byte(m[2]), &value); err != nil || !storableText(value) {
		return "", "", &scimError{Status: http.StatusBadRequest, ScimType: "invalidFilter", Detail: "The filter's value is not a valid string."}
	}
	return strings.ToLower(m[1]), value, nil
}

// listParams reads startIndex and count (RFC 7644 §3.4.2.4): startIndex
// below 1 is 1, a negative count is 0, and count is capped.
func listParams(r *http.Request) (start, count int, err error) {
	start, count = 1, scimDefaultCount
	q := r.URL.Query()
	if v := q.Get("startIndex"); v != "" {
		n, perr := strconv.Atoi(v)
		if perr != nil {
			return 0, 0, badValue("startIndex must be a whole number.")
		}
		if n > 1 {
			start = n
		}
	}
	if v := q.Get("count"); v != "" {
		n, perr := strconv.Atoi(v)
		if perr != nil {
			return 0, 0, badValue("count must be a whole number.")
		}
		count = max(0, min(n, people.MaxPage))
	}
	return start, count, nil
}
