// Package web holds the browser-facing assets of Rapport: the embedded
// static files (CSS, JavaScript, icons) and, in sub-packages, the views.
package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"
)

//go:embed static
var staticFS embed.FS

// asset is one embedded static file, prepared once at start-up.
type asset struct {
	name        string
	body        []byte
	gz          []byte // gzip-compressed body; nil when compression does not pay off
	hash        string // first 10 hex digits of the SHA-256 of body
	contentType string
}

var assets = loadAssets()

// contentTypes pins the types we serve so they do not depend on the
// host's MIME tables.
var contentTypes = map[string]string{
	".css":   "text/css; charset=utf-8",
	".js":    "text/javascript; charset=utf-8",
	".mjs":   "text/javascript; charset=utf-8",
	".json":  "application/json",
	".map":   "application/json",
	".svg":   "image/svg+xml",
	".png":   "image/png",
	".jpg":   "image/jpeg",
	".jpeg":  "image/jpeg",
	".gif":   "image/gif",
	".webp":  "image/webp",
	".ico":   "image/x-icon",
	".txt":   "text/plain; charset=utf-8",
	".woff2": "font/woff2",
}

// compressible lists the types worth gzipping ahead of time.
var compressible = map[string]bool{
	".css": true, ".js": true, ".mjs": true, ".json": true, ".map": true, ".svg": true, ".txt": true,
}

func loadAssets() map[string]*asset {
	out := make(map[string]*asset)
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		body, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		name := strings.TrimPrefix(p, "static/")
		sum := sha256.Sum256(body)
		ext := strings.ToLower(path.Ext(name))
		ct := contentTypes[ext]
		if ct == "" {
			ct = mime.TypeByExtension(ext)
		}
		if ct == "" {
			ct = http.DetectContentType(body)
		}
		a := &asset{
			name:        name,
			body:        body,
			hash:        hex.EncodeToString(sum[:])[:10],
			contentType: ct,
		}
		if compressible[ext] && len(body) > 512 {
			var buf bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
			_, _ = zw.Write(body)
			_ = zw.Close()
			if buf.Len() < len(body)*9/10 {
				a.gz = buf.Bytes()
			}
		}
		out[name] = a
		return nil
	})
	if err != nil {
		panic("web: reading embedded static files: " + err.Error())
	}
	return out
}

// Asset returns the cache-busted URL of the static file name (relative to
// web/static), e.g. "/static/app.css?v=0123456789". Unknown names get a
// plain URL, which the handler answers with 404.
func Asset(name string) string {
	name = strings.TrimPrefix(name, "/")
	if a, ok := assets[name]; ok {
		return "/static/" + a.name + "?v=" + a.hash
	}
	return "/static/" + name
}

// StaticHandler serves the embedded static files under the /static/ prefix.
// Requests whose v parameter matches the file's hash may be cached forever;
// anything else must be revalidated. Directories and unknown files are 404.
func StaticHandler() http.Handler {
	return http.HandlerFunc(serveStatic)
}

func serveStatic(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}
	name, ok := strings.CutPrefix(r.URL.Path, "/static/")
	if !ok || name == "" || strings.Contains(name, "\\") || path.Clean("/"+name) != "/"+name {
		http.NotFound(w, r)
		return
	}
	a, ok := assets[name]
	if !ok {
		http.NotFound(w, r)
		return
	}

	h := w.Header()
	h.Set("Content-Type", a.contentType)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("ETag", `"`+a.hash+`"`)
	if r.URL.Query().Get("v") == a.hash {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}

	body := a.body
	if a.gz != nil {
		h.Add("Vary", "Accept-Encoding")
		if acceptsGzip(r) && r.Header.Get("Range") == "" {
			h.Set("Content-Encoding", "gzip")
			h.Set("ETag", `"`+a.hash+`-gz"`)
			body = a.gz
		}
	}
	// ServeContent handles HEAD, If-None-Match and Range requests.
	http.ServeContent(w, r, a.name, time.Time{}, bytes.NewReader(body))
}

// acceptsGzip reports whether the client accepts gzip (and has not
// explicitly refused it with q=0).
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(coding), "gzip") {
			continue
		}
		q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
		return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
	}
	return false
}
