package server

import (
	"bytes"
	"context"
	"net/http"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

var benchKudo = []byte(`{"recipient_ids":[1,2],"did":"Mapped who owns billing.","impact":"The migration unblocked in a day.","visibility":"org"}`)

// BenchmarkAPIBodyValidation measures a kudo's body checked against
// docs/openapi.json: compiled once (what apiDecode does), and through
// openapi3filter.ValidateRequestBody, which compiles the schema each call.
func BenchmarkAPIBodyValidation(b *testing.B) {
	b.Run("compiled-once", func(b *testing.B) {
		for b.Loop() {
			sch, err := apiBodySchema("POST", "/kudos")
			if err != nil {
				b.Fatal(err)
			}
			v, _ := jsonschema.UnmarshalJSON(bytes.NewReader(benchKudo))
			if err := sch.Validate(v); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("openapi3filter", func(b *testing.B) {
		doc, err := apiSpec()
		if err != nil {
			b.Fatal(err)
		}
		op := doc.Paths.Value("/kudos").Post
		for b.Loop() {
			req, _ := http.NewRequest("POST", "http://rapport.test/api/v1/kudos", bytes.NewReader(benchKudo))
			req.Header.Set("Content-Type", "application/json")
			if err := openapi3filter.ValidateRequestBody(context.Background(), &openapi3filter.RequestValidationInput{Request: req,
				Route:   &routers.Route{Spec: doc, Operation: op, Method: "POST", Path: "/kudos"},
				Options: &openapi3filter.Options{MultiError: true, SkipSettingDefaults: true}}, op.RequestBody.Value); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// The compiled schema and openapi3filter agree on what they refuse.
func TestCompiledBodySchemaAgreesWithOpenAPI3Filter(t *testing.T) {
	doc, err := apiSpec()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ path, body string }{
		{"/kudos", string(benchKudo)}, {"/kudos", `{}`}, {"/kudos", `{"did":"x","impact":"y","recipient_ids":[1],"x":1}`},
		{"/kudos", `{"did":3,"impact":"y","recipient_ids":["1"]}`}, {"/kudos", `{"did":"x","impact":"y","recipient_ids":[1],"visibility":"all"}`},
		{"/kudos", `{"did":"x","impact":"y","recipient_ids":[1],"team_id":null}`}, {"/kudos", `{"did":"x","impact":"y","recipient_ids":[1],"team_id":"7"}`},
		{"/meetings/{id}/agenda", `{"body":"x"}`}, {"/meetings/{id}/agenda", `{"body":1}`}, {"/meetings/{id}/agenda", `[]`},
	} {
		sch, err := apiBodySchema("POST", c.path)
		if err != nil {
			t.Fatal(err)
		}
		v, _ := jsonschema.UnmarshalJSON(bytes.NewReader([]byte(c.body)))
		compiled := sch.Validate(v) == nil
		op := doc.Paths.Value(c.path).Post
		req, _ := http.NewRequest("POST", "http://rapport.test/api/v1"+c.path, bytes.NewReader([]byte(c.body)))
		req.Header.Set("Content-Type", "application/json")
		filter := openapi3filter.ValidateRequestBody(context.Background(), &openapi3filter.RequestValidationInput{Request: req,
			Route:   &routers.Route{Spec: doc, Operation: op, Method: "POST", Path: c.path},
			Options: &openapi3filter.Options{MultiError: true, SkipSettingDefaults: true}}, op.RequestBody.Value) == nil
		if compiled != filter {
			t.Errorf("%s %s: compiled schema accepts %v, openapi3filter %v", c.path, c.body, compiled, filter)
		}
	}
}
