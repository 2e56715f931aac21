package server

import (
	"net/http"

	"github.com/klauspost/compress/gzhttp"
)

// compressTypes are the responses compressed on the fly. Event streams
// (text/event-stream) are deliberately absent: compression would hold
// events back. Static files arrive already compressed and pass through.
var compressTypes = []string{
	"text/html", "text/css", "text/plain", "application/javascript", "image/svg+xml", "text/csv",
}

// compressMinSize is the smallest body worth compressing: below about a
// kilobyte gzip's framing and the CPU cost outweigh the bytes saved.
const compressMinSize = 1024

// compressLevel matches the level the server used before with the standard
// library's flate, so pages shrink as much as they did, only faster.
const compressLevel = 5

// Compress gzips text responses of compressMinSize bytes or more. Smaller
// bodies are held until the handler finishes or passes the threshold, so a
// tiny response goes out as it is; a Flush sends what is held at once, which
// keeps streamed exports and event streams flowing. HEAD requests are never
// compressed, a handler's Content-Length is dropped when the body is, and
// every response carries Vary: Accept-Encoding.
func Compress() func(http.Handler) http.Handler {
	wrap, err := gzhttp.NewWrapper(
		gzhttp.MinSize(compressMinSize),
		gzhttp.CompressionLevel(compressLevel),
		gzhttp.ContentTypes(compressTypes),
		// Only gzip, as before: zstd would be a separate decision with
		// its own measurements.
		gzhttp.EnableZstd(false),
	)
	if err != nil {
		// The options are constants; an error is a programming mistake.
		panic("compression settings: " + err.Error())
	}
	return func(next http.Handler) http.Handler { return wrap(next) }
}
