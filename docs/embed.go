// Package docs embeds the documentation that the app also shows to people.
package docs

import _ "embed"

// Metrics is docs/metrics.md: the definition of every check-in figure.
//
//go:embed metrics.md
var Metrics []byte

// OpenAPI is docs/openapi.json: the API's contract, served at
// /api/v1/openapi.json and checked against every response in the tests.
//
//go:embed openapi.json
var OpenAPI []byte
