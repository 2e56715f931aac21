// Package docs embeds the documentation that the app also shows to people.
package docs

import _ "embed"

// Metrics is docs/metrics.md: the definition of every check-in figure.
//
//go:embed metrics.md
var Metrics []byte
