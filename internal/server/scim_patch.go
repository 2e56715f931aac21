package server

import (
	"net/http"
	"regexp"
	"strings"

	"rapport/internal/people"
)

// Reading what a provider asks for: a user's or a group's attributes from a
// POST or PUT body, and PATCH operations (RFC 7644 §3.5.2), into the
// domain's inputs.

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

// applyPatch applies operations, in order, to a user being built.
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
	return ch, nil
}
