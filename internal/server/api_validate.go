package server

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/go-chi/chi/v5"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"rapport/docs"
)

// Request bodies are held to docs/openapi.json before a handler reads them:
// the document that tells clients what to send is the one that decides
// what is accepted. A body that is not the object asked for — not JSON, a
// field of the wrong type, a field the document does not name — is 400; a
// body of the right shape whose values the document refuses (a required
// field missing, a value outside an enum) is 422; each names its fields.
// The service then validates the values as the page's form does.

// apiSpec is the API's document, loaded once.
var apiSpec = sync.OnceValues(func() (*openapi3.T, error) {
	doc, err := openapi3.NewLoader().LoadFromData(docs.OpenAPI)
	if err != nil {
		return nil, err
	}
	return doc, nil
})

// apiDecode validates the request's JSON body against its operation in the
// document and decodes it into v. It answers the problem itself and
// returns false when the body is refused.
func (s *Server) apiDecode(w http.ResponseWriter, r *http.Request, v any) bool {
	data, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			apiProblem(w, http.StatusRequestEntityTooLarge, "")
			return false
		}
		apiProblem(w, http.StatusBadRequest, "The body could not be read.")
		return false
	}
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(strings.ToLower(ct), "application/json") {
		apiProblem(w, http.StatusBadRequest, "Send the body as application/json.")
		return false
	}
	if p, ok := apiBodyStorable(data); !ok {
		writeProblem(w, p)
		return false
	}
	doc, err := apiSpec()
	if err != nil {
		s.apiFail(w, r, err, nil)
		return false
	}
	path := strings.TrimPrefix(chi.RouteContext(r.Context()).RoutePattern(), apiPrefix)
	item := doc.Paths.Value(path)
	var op *openapi3.Operation
	if item != nil {
		op = item.GetOperation(r.Method)
	}
	if op == nil || op.RequestBody == nil || op.RequestBody.Value == nil {
		// A route that reads a body and does not document it: a bug.
		s.apiFail(w, r, errors.New("no request body in docs/openapi.json for "+r.Method+" "+path), nil)
		return false
	}
	req := r.Clone(r.Context())
	req.Header.Set("Content-Type", "application/json")
	req.Body = io.NopCloser(bytes.NewReader(data))
	req.GetBody = nil
	err = openapi3filter.ValidateRequestBody(r.Context(), &openapi3filter.RequestValidationInput{
		Request: req, Route: &routers.Route{Spec: doc, Path: path, PathItem: item, Method: r.Method, Operation: op},
		Options: &openapi3filter.Options{MultiError: true, SkipSettingDefaults: true},
	}, op.RequestBody.Value)
	if err != nil {
		writeProblem(w, bodyProblem(err))
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		// The document allowed what the handler's type does not: say so
		// rather than guess (a test holds the two together).
		apiProblem(w, http.StatusBadRequest, "The body must be a JSON object with the documented fields.")
		return false
	}
	return true
}

// apiBodyStorable checks what the schema cannot: the body is one JSON value
// and nothing after it, and its strings are text PostgreSQL can store (no
// NUL, valid UTF-8), as checkInput holds forms to. Anything else is 400,
// naming the field.
func apiBodyStorable(data []byte) (problem, bool) {
	malformed := problem{Status: http.StatusBadRequest, Detail: "The body must be a JSON object with the documented fields."}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		malformed.Errors = []fieldProblem{{Field: "body", Detail: "Send a JSON object."}}
		return malformed, false
	}
	if _, err := dec.Token(); err != io.EOF {
		malformed.Errors = []fieldProblem{{Field: "body", Detail: "Send one JSON object and nothing after it."}}
		return malformed, false
	}
	var bad string
	var walk func(v any, at string) bool
	walk = func(v any, at string) bool {
		field := func(k string) string {
			if at == "" {
				return k
			}
			return at + "." + k
		}
		switch x := v.(type) {
		case string:
			if !storableText(x) {
				bad = at
				return false
			}
		case map[string]any:
			for k, e := range x {
				if !storableText(k) || !walk(e, field(k)) {
					if bad == "" {
						bad = field(k)
					}
					return false
				}
			}
		case []any:
			for i, e := range x {
				if !walk(e, field(strconv.Itoa(i))) {
					return false
				}
			}
		}
		return true
	}
	if !walk(v, "") {
		malformed.Errors = []fieldProblem{{Field: cmp.Or(bad, "body"), Detail: "Text must be valid UTF-8 without NUL characters."}}
		return malformed, false
	}
	return problem{}, true
}

var englishPrinter = message.NewPrinter(language.English)

// bodyProblem turns the document's verdict on a body into problem details
// naming each field: 400 when the body is not the object asked for, 422
// when only its values are refused.
func bodyProblem(err error) problem {
	var leaves []*jsonschema.ValidationError
	schemaLeaves(err, &leaves)
	if len(leaves) == 0 {
		// Empty, or not JSON at all.
		return problem{Status: http.StatusBadRequest, Detail: "The body must be a JSON object with the documented fields.",
			Errors: []fieldProblem{{Field: "body", Detail: "Send a JSON object."}}}
	}
	p := problem{Status: http.StatusUnprocessableEntity, Detail: "Check the fields of the body."}
	seen := map[string]bool{}
	add := func(field, detail string, malformed bool) {
		if malformed && p.Status != http.StatusBadRequest {
			p.Status, p.Detail = http.StatusBadRequest, "The body must be a JSON object with the documented fields."
		}
		if field == "" {
			field = "body"
		}
		if seen[field] {
			return
		}
		seen[field] = true
		p.Errors = append(p.Errors, fieldProblem{Field: field, Detail: detail})
	}
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) > 0 {
			for _, c := range e.Causes {
				walk(c)
			}
			return
		}
		at := strings.Join(e.InstanceLocation, ".")
		join := func(name string) string {
			if at == "" {
				return name
			}
			return at + "." + name
		}
		switch k := e.ErrorKind.(type) {
		case *kind.AdditionalProperties:
			for _, name := range k.Properties {
				add(join(name), "Not a field of this request.", true)
			}
		case *kind.Type:
			add(at, "Must be "+strings.Join(k.Want, " or ")+", not "+k.Got+".", true)
		case *kind.Required:
			for _, name := range k.Missing {
				add(join(name), "Required.", false)
			}
		default:
			add(at, capitalise(e.ErrorKind.LocalizedString(englishPrinter))+".", false)
		}
	}
	for _, l := range leaves {
		walk(l)
	}
	sort.Slice(p.Errors, func(i, j int) bool { return p.Errors[i].Field < p.Errors[j].Field })
	return p
}

// schemaLeaves collects the JSON Schema validator's errors under err: the
// document's verdict is a tree of SchemaErrors (one a failing keyword),
// each converted from the validator's error, which says which fields.
func schemaLeaves(err error, out *[]*jsonschema.ValidationError) {
	switch e := err.(type) {
	case nil:
	case openapi3.MultiError:
		for _, x := range e {
			schemaLeaves(x, out)
		}
	case *openapi3.SchemaError:
		if e.Origin != nil {
			schemaLeaves(e.Origin, out)
			return
		}
		var v *jsonschema.ValidationError
		if errors.As(e, &v) {
			*out = append(*out, v)
		}
	default:
		schemaLeaves(errors.Unwrap(err), out)
	}
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
