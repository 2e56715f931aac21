package server

import (
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"
)

// SCIM discovery (RFC 7644 §4): what Rapport supports, its resource types
// and the schemas of the attributes it keeps.

type scimAuthScheme struct {
	Type        string `json:"type"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Primary     bool   `json:"primary"`
}

type scimSupported struct {
	Supported bool `json:"supported"`
}

type scimFilterSupport struct {
	Supported  bool `json:"supported"`
	MaxResults int  `json:"maxResults"`
}

type scimBulkSupport struct {
	Supported      bool `json:"supported"`
	MaxOperations  int  `json:"maxOperations"`
	MaxPayloadSize int  `json:"maxPayloadSize"`
}

type scimSPC struct {
	Schemas               []string          `json:"schemas"`
	DocumentationURI      string            `json:"documentationUri,omitempty"`
	Patch                 scimSupported     `json:"patch"`
	Bulk                  scimBulkSupport   `json:"bulk"`
	Filter                scimFilterSupport `json:"filter"`
	ChangePassword        scimSupported     `json:"changePassword"`
	Sort                  scimSupported     `json:"sort"`
	ETag                  scimSupported     `json:"etag"`
	AuthenticationSchemes []scimAuthScheme  `json:"authenticationSchemes"`
	Meta                  scimMeta          `json:"meta"`
}

func (s *Server) scimBase() string { return strings.TrimRight(s.cfg.BaseURL, "/") + "/scim/v2" }

func (s *Server) scimServiceProviderConfig(w http.ResponseWriter, r *http.Request) {
	s.scimWrite(w, http.StatusOK, scimSPC{
		Schemas:        []string{scimSPCSchema},
		Patch:          scimSupported{Supported: true},
		Bulk:           scimBulkSupport{},
		Filter:         scimFilterSupport{Supported: true, MaxResults: 200},
		ChangePassword: scimSupported{}, Sort: scimSupported{}, ETag: scimSupported{},
		AuthenticationSchemes: []scimAuthScheme{{Type: "oauthbearertoken", Name: "Bearer token",
			Description: "A SCIM token an admin creates on Rapport's Admin → Provisioning page.", Primary: true}},
		Meta: scimMeta{ResourceType: "ServiceProviderConfig", Location: s.scimBase() + "/ServiceProviderConfig"},
	})
}

type scimSchemaExt struct {
	Schema   string `json:"schema"`
	Required bool   `json:"required"`
}

type scimResourceType struct {
	Schemas          []string        `json:"schemas"`
	ID               string          `json:"id"`
	Name             string          `json:"name"`
	Endpoint         string          `json:"endpoint"`
	Description      string          `json:"description"`
	Schema           string          `json:"schema"`
	SchemaExtensions []scimSchemaExt `json:"schemaExtensions,omitempty"`
	Meta             scimMeta        `json:"meta"`
}

func (s *Server) resourceTypes() []scimResourceType {
	return []scimResourceType{
		{Schemas: []string{scimRTSchema}, ID: "User", Name: "User", Endpoint: "/Users", Description: "A person of the organisation",
			Schema: scimUserSchema, SchemaExtensions: []scimSchemaExt{{Schema: scimEnterpriseSchema}},
			Meta: scimMeta{ResourceType: "ResourceType", Location: s.scimBase() + "/ResourceTypes/User"}},
		{Schemas: []string{scimRTSchema}, ID: "Group", Name: "Group", Endpoint: "/Groups", Description: "A team",
			Schema: scimGroupSchema, Meta: scimMeta{ResourceType: "ResourceType", Location: s.scimBase() + "/ResourceTypes/Group"}},
	}
}

func (s *Server) scimResourceTypes(w http.ResponseWriter, r *http.Request) {
	rts := s.resourceTypes()
	items := make([]any, len(rts))
	for i, rt := range rts {
		items[i] = rt
	}
	s.scimList(w, 1, len(items), items)
}

func (s *Server) scimResourceType(w http.ResponseWriter, r *http.Request) {
	for _, rt := range s.resourceTypes() {
		if rt.ID == chi.URLParam(r, "id") {
			s.scimWrite(w, http.StatusOK, rt)
			return
		}
	}
	s.scimNotFound(w)
}

type scimAttr struct {
	Name          string     `json:"name"`
	Type          string     `json:"type"`
	MultiValued   bool       `json:"multiValued"`
	Description   string     `json:"description"`
	Required      bool       `json:"required"`
	CaseExact     bool       `json:"caseExact"`
	Mutability    string     `json:"mutability"`
	Returned      string     `json:"returned"`
	Uniqueness    string     `json:"uniqueness"`
	SubAttributes []scimAttr `json:"subAttributes,omitempty"`
	ReferenceType []string   `json:"referenceTypes,omitempty"`
}

func attr(name, typ, desc string) scimAttr {
	return scimAttr{Name: name, Type: typ, Description: desc, Mutability: "readWrite", Returned: "default", Uniqueness: "none"}
}

type scimSchemaDef struct {
	Schemas     []string   `json:"schemas"`
	ID          string     `json:"id"`
	Name        string     `json:"name"`
	Description string     `json:"description"`
	Attributes  []scimAttr `json:"attributes"`
	Meta        scimMeta   `json:"meta"`
}

func (s *Server) schemaDefs() []scimSchemaDef {
	userName := attr("userName", "string", "The person's email address; they sign in with it.")
	userName.Required, userName.Uniqueness = true, "server"
	name := attr("name", "complex", "The parts of the person's name.")
	name.SubAttributes = []scimAttr{attr("formatted", "string", "The full name."),
		attr("givenName", "string", "Given name."), attr("familyName", "string", "Family name.")}
	emails := attr("emails", "complex", "The person's address (the same as userName).")
	emails.MultiValued = true
	emails.SubAttributes = []scimAttr{attr("value", "string", "The address."), attr("type", "string", "work"),
		attr("primary", "boolean", "Always true.")}
	manager := attr("manager", "complex", "The person's manager: the reporting line. A change that would make a loop is refused.")
	managerValue := attr("value", "string", "The manager's id.")
	managerRef := attr("$ref", "reference", "The manager's URI.")
	managerRef.ReferenceType = []string{"User"}
	managerName := attr("displayName", "string", "The manager's name.")
	managerName.Mutability = "readOnly"
	manager.SubAttributes = []scimAttr{managerValue, managerRef, managerName}
	members := attr("members", "complex", "The team's members (people only).")
	members.MultiValued = true
	memberRef := attr("$ref", "reference", "The member's URI.")
	memberRef.ReferenceType = []string{"User"}
	members.SubAttributes = []scimAttr{attr("value", "string", "The member's id."), memberRef,
		attr("display", "string", "The member's name."), attr("type", "string", "User")}
	displayName := attr("displayName", "string", "The team's name, unique in the organisation.")
	displayName.Required, displayName.Uniqueness = true, "server"
	meta := func(id string) scimMeta {
		return scimMeta{ResourceType: "Schema", Location: s.scimBase() + "/Schemas/" + id}
	}
	return []scimSchemaDef{
		{Schemas: []string{scimSchemaSchema}, ID: scimUserSchema, Name: "User", Description: "A person",
			Attributes: []scimAttr{userName, name, attr("displayName", "string", "The name shown in Rapport."),
				attr("title", "string", "Job title."), emails, attr("active", "boolean", "False deactivates the person and ends their sessions."),
				attr("timezone", "string", "An IANA time zone such as Europe/Madrid."), attr("externalId", "string", "The provider's id.")},
			Meta: meta(scimUserSchema)},
		{Schemas: []string{scimSchemaSchema}, ID: scimEnterpriseSchema, Name: "EnterpriseUser", Description: "Enterprise user",
			Attributes: []scimAttr{manager}, Meta: meta(scimEnterpriseSchema)},
		{Schemas: []string{scimSchemaSchema}, ID: scimGroupSchema, Name: "Group", Description: "A team",
			Attributes: []scimAttr{displayName, members, attr("externalId", "string", "The provider's id.")}, Meta: meta(scimGroupSchema)},
	}
}

func (s *Server) scimSchemas(w http.ResponseWriter, r *http.Request) {
	defs := s.schemaDefs()
	items := make([]any, len(defs))
	for i, d := range defs {
		items[i] = d
	}
	s.scimList(w, 1, len(items), items)
}

func (s *Server) scimSchema(w http.ResponseWriter, r *http.Request) {
	for _, d := range s.schemaDefs() {
		if d.ID == chi.URLParam(r, "id") {
			s.scimWrite(w, http.StatusOK, d)
			return
		}
	}
	s.scimNotFound(w)
}
