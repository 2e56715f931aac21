package server

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
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
//
// kin-openapi finds the operation's request body in the document; its
// schema (OpenAPI 3.1 schemas are JSON Schema 2020-12) is compiled once by
// the JSON Schema validator openapi3filter itself uses, since
// openapi3filter.ValidateRequestBody compiles it again on every call (1.4 ms
// and 150 kB a kudo, against 7 µs and 3 kB compiled:
// BenchmarkAPIBodyValidation; TestCompiledBodySchemaAgreesWithOpenAPI3Filter
// holds the two to the same verdicts).

// apiSpec is the API's document, loaded once.
var apiSpec = sync.OnceValues(func() (*openapi3.T, error) {
	return openapi3.NewLoader().LoadFromData(docs.OpenAPI)
})

// apiSpecURL names docs/openapi.json for the schema compiler; nothing is
// fetched from it.
const apiSpecURL = "https://rapport.invalid/api/v1/openapi.json"

// apiBodySchemas holds each operation's compiled body schema, by
// "METHOD path".
var apiBodySchemas sync.Map

// apiBodySchema is the compiled JSON schema of the body of the operation
// at method and path (as the document writes it, "/kudos").
func apiBodySchema(method, path string) (*jsonschema.Schema, error) {
	key := method + " " + path
	if sch, ok := apiBodySchemas.Load(key); ok {
		return sch.(*jsonschema.Schema), nil
	}
	doc, err := apiSpec()
	if err != nil {
		return nil, err
	}
	item := doc.Paths.Value(path)
	var op *openapi3.Operation
	if item != nil {
		op = item.GetOperation(method)
	}
	if op == nil || op.RequestBody == nil || op.RequestBody.Value == nil {
		return nil, fmt.Errorf("no request body in docs/openapi.json for %s", key)
	}
	media := op.RequestBody.Value.Content.Get("application/json")
	if media == nil || media.Schema == nil || !strings.HasPrefix(media.Schema.Ref, "#/components/schemas/") {
		return nil, fmt.Errorf("the request body of %s in docs/openapi.json is not a schema of its components", key)
	}
	raw, err := jsonschema.UnmarshalJSON(bytes.NewReader(docs.OpenAPI))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource(apiSpecURL, raw); err != nil {
		return nil, err
	}
	sch, err := c.Compile(apiSpecURL + media.Schema.Ref)
	if err != nil {
		return nil, fmt.Errorf("compile the request body of %s: %w", key, err)
	}
	apiBodySchemas.Store(key, sch)
	return sch, nil
}

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
	sch, err := apiBodySchema(r.Method, strings.TrimPrefix(chi.RouteContext(r.Context()).RoutePattern(), apiPrefix))
	if err != nil {
		// A route that reads a body the document does not describe: a bug.
		s.apiFail(w, r, err, nil)
		return false
	}
	// apiBodyStorable decoded it already: it is one JSON value.
	value, _ := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err := sch.Validate(value); err != nil {
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

// bodyProblem turns the schema's verdict on a body into problem details
// naming each field: 400 when the body is not the object asked for, 422
// when only its values are refused.
func bodyProblem(err error) problem {
	var root *jsonschema.ValidationError
	if !errors.As(err, &root) {
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
	walk(root)
	sort.Slice(p.Errors, func(i, j int) bool { return p.Errors[i].Field < p.Errors[j].Field })
	return p
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
