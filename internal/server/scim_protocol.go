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

// userState is a user being built from a request, with the name's sources
// kept apart until the end (displayName wins over name.formatted).
type userState struct {
	people.ProvisionedUserInput
	display, formatted *string
}

func (u *userState) finish() people.ProvisionedUserInput {
	in := u.ProvisionedUserInput
	switch {
	case u.display != nil && strings.TrimSpace(*u.display) != "":
		in.Name = *u.display
	case u.formatted != nil && strings.TrimSpace(*u.formatted) != "":
		in.Name = *u.formatted
	default:
		in.Name = ""
	}
	return in
}

func userStateFrom(u people.ProvisionedUser) *userState {
	name := u.Name
	return &userState{ProvisionedUserInput: people.ProvisionedUserInput{
		Email: u.Email, Name: u.Name, GivenName: u.GivenName, FamilyName: u.FamilyName, Title: u.Title,
		ExternalID: u.ExternalID, TimeZone: u.TimeZone, Active: u.Active, ManagerID: u.ManagerID,
	}, display: &name}
}

var enterpriseKey = strings.ToLower(scimEnterpriseSchema)

// apply sets the attributes present in a; others stay as they are.
// Attributes Rapport does not keep (phone numbers, addresses, …) are ignored.
func (u *userState) apply(a attrs) error {
	var email string
	if v, ok, err := a.str("username"); err != nil {
		return err
	} else if ok {
		email = v
	}
	if v, ok := a["emails"]; ok && email == "" && v != nil {
		e, err := primaryEmail(v)
		if err != nil {
			return err
		}
		email = e
	}
	if email != "" {
		u.Email = email
	}
	if v, ok, err := a.str("displayname"); err != nil {
		return err
	} else if ok {
		u.display = &v
	}
	if n, ok, err := a.obj("name"); err != nil {
		return err
	} else if ok {
		if err := u.applyName(n); err != nil {
			return err
		}
	}
	for key, field := range map[string]*string{"title": &u.Title, "externalid": &u.ExternalID, "timezone": &u.TimeZone} {
		if v, ok, err := a.str(key); err != nil {
			return err
		} else if ok {
			*field = v
		}
	}
	if v, ok := a["active"]; ok {
		b, err := boolValue("active", v)
		if err != nil {
			return err
		}
		u.Active = b
	}
	if ext, ok, err := a.obj(enterpriseKey); err != nil {
		return err
	} else if ok {
		if v, has := ext["manager"]; has {
			m, err := managerValue(v)
			if err != nil {
				return err
			}
			u.ManagerID = m
		}
	}
	return nil
}

func (u *userState) applyName(n attrs) error {
	for key, field := range map[string]*string{"givenname": &u.GivenName, "familyname": &u.FamilyName} {
		if v, ok, err := n.str(key); err != nil {
			return err
		} else if ok {
			*field = v
		}
	}
	if v, ok, err := n.str("formatted"); err != nil {
		return err
	} else if ok {
		u.formatted = &v
	}
	return nil
}

// patchOp is one operation of a PATCH request (RFC 7644 §3.5.2).
type patchOp struct {
	Op    string // add, replace or remove
	Path  string // lower-cased, core schema prefix removed; "" for none
	Value any
	Has   bool // a value was given
}

// readPatch reads a PatchOp request body.
func readPatch(r *http.Request) ([]patchOp, error) {
	a, err := readSCIMBody(r)
	if err != nil {
		return nil, err
	}
	if v, ok := a["schemas"]; ok {
		list, _ := v.([]any)
		found := false
		for _, x := range list {
			if s, _ := x.(string); strings.EqualFold(s, scimPatchSchema) {
				found = true
			}
		}
		if !found {
			return nil, badSyntax("schemas must name %s.", scimPatchSchema)
		}
	}
	list, ok := a["operations"].([]any)
	if !ok || len(list) == 0 {
		return nil, badSyntax("Operations must be a non-empty list.")
	}
	ops := make([]patchOp, 0, len(list))
	for _, x := range list {
		o, ok := x.(attrs)
		if !ok {
			return nil, badSyntax("Each operation must be an object.")
		}
		op, _, err := o.str("op")
		if err != nil {
			return nil, badSyntax("op must be a string.")
		}
		op = strings.ToLower(op)
		if op != "add" && op != "replace" && op != "remove" {
			return nil, badSyntax("op must be add, replace or remove, not %q.", op)
		}
		path, _, err := o.str("path")
		if err != nil {
			return nil, badSyntax("path must be a string.")
		}
		path = strings.TrimSpace(path)
		lp := strings.ToLower(path)
		for _, prefix := range []string{strings.ToLower(scimUserSchema) + ":", strings.ToLower(scimGroupSchema) + ":"} {
			lp = strings.TrimPrefix(lp, prefix)
		}
		v, has := o["value"]
		if op != "remove" && !has {
			return nil, badSyntax("The %s operation needs a value.", op)
		}
		ops = append(ops, patchOp{Op: op, Path: lp, Value: v, Has: has && v != nil})
	}
	return ops, nil
}

// applyUserPatch applies operations to a user being built.
func (u *userState) applyPatch(ops []patchOp) error {
	for _, op := range ops {
		if err := u.applyOp(op); err != nil {
			return err
		}
	}
	return nil
}

var emailValuePath = regexp.MustCompile(`^emails(\[[^\]]*\])?(\.value)?$`)

func (u *userState) applyOp(op patchOp) error {
	str := func() (string, error) {
		if op.Op == "remove" {
			return "", nil
		}
		s, ok := op.Value.(string)
		if !ok {
			return "", badValue("The value for %s must be a string.", op.Path)
		}
		return s, nil
	}
	switch p := op.Path; {
	case p == "":
		if op.Op == "remove" {
			return &scimError{Status: http.StatusBadRequest, ScimType: "noTarget", Detail: "A remove operation needs a path."}
		}
		m, ok := op.Value.(attrs)
		if !ok {
			return badValue("Without a path, the value must be an object of attributes.")
		}
		return u.apply(m)
	case p == "active":
		if op.Op == "remove" {
			return badValue("active can't be removed; set it to false.")
		}
		b, err := boolValue("active", op.Value)
		if err != nil {
			return err
		}
		u.Active = b
	case p == "title" || p == "externalid" || p == "timezone" || p == "name.givenname" || p == "name.familyname":
		v, err := str()
		if err != nil {
			return err
		}
		*map[string]*string{"title": &u.Title, "externalid": &u.ExternalID, "timezone": &u.TimeZone,
			"name.givenname": &u.GivenName, "name.familyname": &u.FamilyName}[p] = v
	case p == "displayname":
		v, err := str()
		if err != nil {
			return err
		}
		u.display = &v
	case p == "name.formatted":
		v, err := str()
		if err != nil {
			return err
		}
		u.formatted = &v
	case p == "name":
		if op.Op == "remove" {
			return badValue("name can't be removed.")
		}
		n, ok := op.Value.(attrs)
		if !ok {
			return badValue("name must be an object.")
		}
		return u.applyName(n)
	case p == "username" || emailValuePath.MatchString(p):
		if op.Op == "remove" {
			return badValue("%s can't be removed: it is the person's sign-in address.", op.Path)
		}
		v := op.Value
		if list, ok := v.([]any); ok {
			e, err := primaryEmail(list)
			if err != nil {
				return err
			}
			v = e
		}
		s, ok := v.(string)
		if !ok || s == "" {
			return badValue("The value for %s must be an email address.", op.Path)
		}
		if p == "username" || !strings.Contains(p, "[") || strings.Contains(p, `"work"`) || strings.Contains(p, "primary eq true") {
			u.Email = s
		}
	case p == enterpriseKey+":manager" || p == enterpriseKey+":manager.value":
		if op.Op == "remove" {
			u.ManagerID = nil
			return nil
		}
		m, err := managerValue(op.Value)
		if err != nil {
			return err
		}
		u.ManagerID = m
	case p == enterpriseKey:
		if op.Op == "remove" {
			u.ManagerID = nil
			return nil
		}
		return u.apply(attrs{enterpriseKey: op.Value})
	default:
		if ignoredUserPath(p) {
			return nil
		}
		return badPath(op.Path)
	}
	return nil
}

// keptElsewhere are User attributes of RFC 7643 that Rapport does not keep:
// providers send them as a matter of course, so a change to one is accepted
// and dropped rather than failing the whole request.
var keptElsewhere = map[string]bool{
	"nickname": true, "profileurl": true, "usertype": true, "preferredlanguage": true, "locale": true,
	"phonenumbers": true, "ims": true, "photos": true, "addresses": true, "entitlements": true,
	"roles": true, "x509certificates": true, "password": true,
	"name.middlename": true, "name.honorificprefix": true, "name.honorificsuffix": true,
	enterpriseKey + ":employeenumber": true, enterpriseKey + ":costcenter": true, enterpriseKey + ":organization": true,
	enterpriseKey + ":division": true, enterpriseKey + ":department": true,
}

func ignoredUserPath(p string) bool {
	if keptElsewhere[p] {
		return true
	}
	// A sub-attribute or a filtered value of one: addresses[type eq "work"].locality.
	root, _, _ := strings.Cut(p, "[")
	if keptElsewhere[root] {
		return true
	}
	if !strings.HasPrefix(p, enterpriseKey) {
		root, _, _ = strings.Cut(root, ".")
	}
	return keptElsewhere[root]
}

// memberIDs reads a list of member objects ({"value": "12"}); nested
// groups are not supported.
func memberIDs(v any) ([]int64, error) {
	list, ok := v.([]any)
	if !ok {
		if m, isObj := v.(attrs); isObj {
			list = []any{m}
		} else {
			return nil, badValue("members must be a list of objects with a value.")
		}
	}
	ids := make([]int64, 0, len(list))
	for _, x := range list {
		m, ok := x.(attrs)
		if !ok {
			return nil, badValue("Each member must be an object with a value.")
		}
		if t, _ := m["type"].(string); strings.EqualFold(t, "Group") {
			return nil, badValue("Groups can't be members of groups in Rapport.")
		}
		id, err := idValue("members.value", m["value"])
		if err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// groupChange reads a group's attributes (create, replace, or a PATCH
// without a path). replace: absent members and externalId are cleared.
func groupChange(a attrs, replace bool) (people.GroupChange, error) {
	var ch people.GroupChange
	if v, ok, err := a.str("displayname"); err != nil {
		return ch, err
	} else if ok {
		ch.Name = &v
	}
	if v, ok, err := a.str("externalid"); err != nil {
		return ch, err
	} else if ok || replace {
		ch.ExternalID = &v
	}
	if v, ok := a["members"]; ok && v != nil {
		ids, err := memberIDs(v)
		if err != nil {
			return ch, err
		}
		ch.Members = &ids
	} else if replace {
		ch.Members = &[]int64{}
	}
	return ch, nil
}

var memberFilterPath = regexp.MustCompile(`^members\[(.*)\]$`)

// groupPatch turns PATCH operations into one change of a team.
func groupPatch(ops []patchOp) (people.GroupChange, error) {
	var ch people.GroupChange
	for _, op := range ops {
		switch p := op.Path; {
		case p == "":
			if op.Op == "remove" {
				return ch, &scimError{Status: http.StatusBadRequest, ScimType: "noTarget", Detail: "A remove operation needs a path."}
			}
			m, ok := op.Value.(attrs)
			if !ok {
				return ch, badValue("Without a path, the value must be an object of attributes.")
			}
			c, err := groupChange(m, false)
			if err != nil {
				return ch, err
			}
			if c.Name != nil {
				ch.Name = c.Name
			}
			if c.ExternalID != nil {
				ch.ExternalID = c.ExternalID
			}
			if c.Members != nil {
				if op.Op == "add" {
					ch.Add = append(ch.Add, *c.Members...)
				} else {
					ch.Members, ch.Add, ch.Remove = c.Members, nil, nil
				}
			}
		case p == "displayname":
			if op.Op == "remove" {
				return ch, badValue("displayName can't be removed.")
			}
			v, ok := op.Value.(string)
			if !ok {
				return ch, badValue("displayName must be a string.")
			}
			ch.Name = &v
		case p == "externalid":
			v, _ := op.Value.(string)
			if op.Op != "remove" {
				if _, ok := op.Value.(string); !ok {
					return ch, badValue("externalId must be a string.")
				}
			}
			ch.ExternalID = &v
		case p == "members":
			switch {
			case op.Op == "remove" && !op.Has:
				ch.Members, ch.Add, ch.Remove = &[]int64{}, nil, nil
			default:
				ids, err := memberIDs(op.Value)
				if err != nil {
					return ch, err
				}
				switch op.Op {
				case "add":
					ch.Add = append(ch.Add, ids...)
				case "remove":
					ch.Remove = append(ch.Remove, ids...)
				case "replace":
					ch.Members, ch.Add, ch.Remove = &ids, nil, nil
				}
			}
		case memberFilterPath.MatchString(p) && op.Op == "remove":
			attr, val, err := parseEqFilter(memberFilterPath.FindStringSubmatch(p)[1])
			if err != nil || attr != "value" {
				return ch, &scimError{Status: http.StatusBadRequest, ScimType: "invalidFilter", Detail: `Use members[value eq "id"].`}
			}
			id, err := idValue("members.value", val)
			if err != nil {
				return ch, err
			}
			ch.Remove = append(ch.Remove, id)
		default:
			return ch, badPath(op.Path)
		}
	}
	// An add after a remove of the same member wins, and the other way round.
	return ch, nil
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
