package server_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"rapport/docs"
	"rapport/internal/server"
	"rapport/internal/testapp"
)

// The API's contract is docs/openapi.json. Every API response the tests
// get through a contract client is checked against it: an undocumented
// route, method, status, header content type or field fails the test.

// contractRouter loads the document, validates it, and routes requests to
// the server at baseURL.
func contractRouter(t testing.TB, baseURL string) routers.Router {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(docs.OpenAPI)
	if err != nil {
		t.Fatalf("load docs/openapi.json: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("docs/openapi.json is not a valid OpenAPI document: %v", err)
	}
	doc.Servers = openapi3.Servers{{URL: baseURL + "/api/v1"}}
	r, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// checkContract reports how a response breaks the document, or nil.
func checkContract(router routers.Router, req *http.Request, status int, header http.Header, body []byte) error {
	route, params, err := router.FindRoute(req)
	if err != nil {
		return fmt.Errorf("undocumented route: %w", err)
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route}
	return openapi3filter.ValidateResponse(req.Context(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: status, Header: header, Body: io.NopCloser(bytes.NewReader(body)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	})
}

// contractTransport checks every /api/v1 response it carries.
type contractTransport struct {
	t      testing.TB
	base   http.RoundTripper
	router routers.Router
}

func (c contractTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := c.base.RoundTrip(req)
	if err != nil || !strings.HasPrefix(req.URL.Path, "/api/v1/") {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if err := checkContract(c.router, req, resp.StatusCode, resp.Header, body); err != nil {
		c.t.Errorf("%s %s → %d breaks docs/openapi.json: %v\n%s", req.Method, req.URL.RequestURI(), resp.StatusCode, err, body)
	}
	return resp, nil
}

// checkedByContract makes c check its API responses against the document.
func checkedByContract(t testing.TB, ta *testapp.TestApp, c *testapp.Client) *testapp.Client {
	base := c.HTTP.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	c.HTTP.Transport = contractTransport{t: t, base: base, router: contractRouter(t, ta.URL)}
	return c
}

// The checker is not a formality: it refuses what the document does not
// say.
func TestContractCheckRefusesWhatIsNotDocumented(t *testing.T) {
	t.Parallel()
	router := contractRouter(t, "https://rapport.test")
	get := func(path string) *http.Request {
		req, _ := http.NewRequest("GET", "https://rapport.test"+path, nil)
		return req
	}
	json := http.Header{"Content-Type": {"application/json"}}
	problem := http.Header{"Content-Type": {"application/problem+json"}}
	me := `{"id":1,"name":"Ana","title":"","role":"employee","active":true,"manager":null,"view":"full","email":"a@example.com","time_zone":"UTC",
		"token":{"name":"x","scope":"read","expires_at":"2030-01-01T00:00:00Z"}}`
	if err := checkContract(router, get("/api/v1/me"), 200, json, []byte(me)); err != nil {
		t.Fatalf("a documented answer is refused: %v", err)
	}
	for name, c := range map[string]struct {
		req    *http.Request
		status int
		header http.Header
		body   string
	}{
		"an undocumented route":  {get("/api/v1/pulses"), 200, json, `{}`},
		"an undocumented status": {get("/api/v1/me"), 409, problem, `{"type":"x","title":"x","status":409}`},
		"an undocumented field":  {get("/api/v1/me"), 200, json, strings.Replace(me, `"id":1,`, `"id":1,"password_hash":"x",`, 1)},
		"a missing field":        {get("/api/v1/me"), 200, json, strings.Replace(me, `"name":"Ana",`, ``, 1)},
		"a wrong content type":   {get("/api/v1/me"), 401, json, `{"type":"x","title":"x","status":401}`},
	} {
		if err := checkContract(router, c.req, c.status, c.header, []byte(c.body)); err == nil {
			t.Errorf("%s passes the contract check", name)
		}
	}
}

// Every problem type names a response the document describes.
func TestProblemTypesResolveInTheDocument(t *testing.T) {
	t.Parallel()
	doc, err := openapi3.NewLoader().LoadFromData(docs.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	for status, name := range server.ProblemTypes() {
		if doc.Components.Responses[name] == nil {
			t.Errorf("the problem type of %d, %q, is not a response of docs/openapi.json", status, name)
		}
	}
}

// Every API route of the route table is in the document with its method
// (request bodies are validated against the document, and the contract
// check refuses answers of undocumented routes).
func TestEveryAPIRouteIsDocumented(t *testing.T) {
	t.Parallel()
	ta := testapp.Start(t, dsn, testapp.Options{})
	doc, err := openapi3.NewLoader().LoadFromData(docs.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, key := range routeKeys(ta.Server.Router()) {
		method, pattern, _ := strings.Cut(key, " ")
		path, ok := strings.CutPrefix(pattern, "/api/v1")
		if !ok || path == "/*" {
			continue
		}
		n++
		item := doc.Paths.Value(path)
		if item == nil || item.GetOperation(method) == nil {
			t.Errorf("%s is not in docs/openapi.json", key)
			continue
		}
	}
	if n < 17 {
		t.Errorf("only %d API routes walked", n)
	}
}
