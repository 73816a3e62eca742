// Package web serves the built web shop (webapp/, built by Vite into
// dist/) from the binary itself, so one artifact carries front end and API
// and a blue/green flip switches both together.
//
// The shop's page (index.html) is served for its client routes, listed by
// the build in dist/routes.json; any other path gets the same page with
// status 404, so a mistyped link is a real "not found" to crawlers and
// monitors while the shop still renders its own not-found page. The page
// carries the current catalog inline (see Data), so the first screen needs
// no API round trip after the scripts load.
//
// A clone that was never built still compiles (dist/ holds only .keep) and
// serves a page that says how to build the shop.
package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

//go:embed all:dist
var dist embed.FS

// Built reports whether the embedded shop was built.
func Built() bool {
	_, err := fs.Stat(dist, "dist/index.html")
	return err == nil
}

type file struct {
	body, gzipped []byte
	ctype, cache  string
}

// Data is what a page carries inline: the catalog listing, so the shop can
// render it at once. Key changes whenever JSON does (the catalog's ETag),
// which is what keeps the rendered page cached between catalog changes.
type Data struct {
	Key  string
	JSON []byte
}

// Exists reports whether the subject of a matched client route exists, for
// routes the server can check (a product id against the catalog). A false
// answer makes the page a 404.
type Exists func(route string, params map[string]string) bool

// Marker is where index.html takes the inline catalog.
const Marker = "<!--fs:catalog-->"

// InlineID is the id of the inline catalog's element; the shop reads it.
const InlineID = "fs-catalog"

// Handler serves the shop: files by path, the page for client routes.
// Hashed assets are immutable; the page is always revalidated, so a flip
// takes effect on the next page load.
type Handler struct {
	files  map[string]*file
	index  []byte // index.html as built; nil when the shop was never built
	hash   string // of index, part of every page's ETag
	routes [][]string
	// rendered is the last page rendered with inline data; mu serialises
	// renders so a catalog change costs one render, not one per request.
	rendered atomic.Pointer[page]
	mu       sync.Mutex
}

type page struct {
	key           string
	body, gzipped []byte
	etag          string
}

// New loads and pre-compresses every embedded file once.
func New() *Handler { return NewFS(dist) }

// NewFS serves the shop built into fsys's dist/ directory instead of the
// embedded one (tests give a shop of their own).
func NewFS(fsys fs.FS) *Handler {
	h := &Handler{files: map[string]*file{}}
	sub, _ := fs.Sub(fsys, "dist")
	_ = fs.WalkDir(sub, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || p == ".keep" {
			return err
		}
		body, err := fs.ReadFile(sub, p)
		if err != nil {
			return err
		}
		switch p {
		case "index.html":
			h.index = body
			return nil
		case "routes.json":
			return h.loadRoutes(body)
		}
		f := &file{body: body, ctype: contentType(p), cache: "public, max-age=3600"}
		if strings.HasPrefix(p, "assets/") {
			f.cache = "public, max-age=31536000, immutable"
		}
		f.gzipped = compress(body, f.ctype)
		h.files["/"+p] = f
		return nil
	})
	if h.index == nil {
		h.index = []byte(notBuiltPage)
	}
	sum := sha256.Sum256(h.index)
	h.hash = hex.EncodeToString(sum[:6])
	return h
}

// loadRoutes reads the client routes the build wrote (React Router
// patterns: "/products/:id").
func (h *Handler) loadRoutes(b []byte) error {
	var routes []string
	if err := json.Unmarshal(b, &routes); err != nil {
		return err
	}
	for _, r := range routes {
		h.routes = append(h.routes, segments(r))
	}
	return nil
}

func segments(p string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

// Match finds the client route for a path: its pattern and parameters.
// Without a route list (an unbuilt shop) every path matches, as "".
func (h *Handler) Match(p string) (route string, params map[string]string, ok bool) {
	if h.routes == nil {
		return "", nil, true
	}
	segs := segments(path.Clean("/" + p))
next:
	for _, r := range h.routes {
		if len(r) != len(segs) {
			continue
		}
		var ps map[string]string
		for i, s := range r {
			if name, param := strings.CutPrefix(s, ":"); param {
				if ps == nil {
					ps = map[string]string{}
				}
				ps[name] = segs[i]
			} else if s != segs[i] {
				continue next
			}
		}
		return "/" + strings.Join(r, "/"), ps, true
	}
	return "", nil, false
}

func contentType(p string) string {
	if t := mime.TypeByExtension(path.Ext(p)); t != "" {
		return t
	}
	return "application/octet-stream"
}

func compress(body []byte, ctype string) []byte {
	compressible := false
	for _, t := range []string{"text/", "javascript", "json", "svg", "xml"} {
		compressible = compressible || strings.Contains(ctype, t)
	}
	if !compressible || len(body) <= 512 {
		return nil
	}
	var b bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	_, _ = zw.Write(body)
	_ = zw.Close()
	if b.Len() >= len(body) {
		return nil
	}
	return b.Bytes()
}

// ServeHTTP serves files and pages without inline data.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.Serve(w, r, Data{}, nil) }

// Serve serves a file, or the shop's page with data inline: status 200 for
// a client route whose subject exists, 404 for any other path.
func (h *Handler) Serve(w http.ResponseWriter, r *http.Request, data Data, exists Exists) {
	p := path.Clean("/" + r.URL.Path)
	if f, ok := h.files[p]; ok {
		h.serveFile(w, r, f)
		return
	}
	if p == "/index.html" {
		p = "/"
	} else if strings.HasPrefix(p, "/assets/") || path.Ext(p) != "" {
		// A missing asset or file is a plain 404: answering the page for
		// /assets/app-123.js would hand the browser HTML as a script.
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	status := http.StatusOK
	if route, params, ok := h.Match(p); !ok || (exists != nil && route != "" && !exists(route, params)) {
		status = http.StatusNotFound
	}
	h.servePage(w, r, status, h.page(data))
}

func (h *Handler) serveFile(w http.ResponseWriter, r *http.Request, f *file) {
	hdr := w.Header()
	hdr.Set("Content-Type", f.ctype)
	hdr.Set("Cache-Control", f.cache)
	hdr.Add("Vary", "Accept-Encoding") // after cors's Vary: Origin, which must stay
	body := f.body
	if f.gzipped != nil && acceptsGzip(r) {
		hdr.Set("Content-Encoding", "gzip")
		body = f.gzipped
	}
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

func acceptsGzip(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept-Encoding"), "gzip")
}

// page returns the page rendered with data, from the cache when the data's
// key has not changed.
func (h *Handler) page(data Data) *page {
	if pg := h.rendered.Load(); pg != nil && pg.key == data.Key {
		return pg
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if pg := h.rendered.Load(); pg != nil && pg.key == data.Key {
		return pg
	}
	pg := h.render(data)
	h.rendered.Store(pg)
	return pg
}

func (h *Handler) render(data Data) *page {
	body := h.index
	if i := bytes.Index(body, []byte(Marker)); i >= 0 && len(data.JSON) > 0 {
		var b bytes.Buffer
		b.Grow(len(body) + len(data.JSON) + 64)
		b.Write(body[:i])
		b.WriteString(`<script id="` + InlineID + `" type="application/json">`)
		// Inside a script element only "</script" or "<!--" could end or
		// derail it, and both start with "<", which JSON has only inside
		// strings, where \u003c means the same: escape it whatever encoder
		// produced the catalog.
		b.Write(bytes.ReplaceAll(data.JSON, []byte("<"), []byte(`\u003c`)))
		b.WriteString(`</script>`)
		b.Write(body[i+len(Marker):])
		body = b.Bytes()
	}
	etag := `"` + h.hash
	if data.Key != "" {
		etag += "." + strings.Trim(data.Key, `"W/`)
	}
	return &page{key: data.Key, body: body, gzipped: compress(body, "text/html"), etag: etag + `"`}
}

func (h *Handler) servePage(w http.ResponseWriter, r *http.Request, status int, pg *page) {
	hdr := w.Header()
	hdr.Set("Content-Type", "text/html; charset=utf-8")
	hdr.Set("Cache-Control", "no-cache")
	hdr.Add("Vary", "Accept-Encoding") // after cors's Vary: Origin, which must stay
	hdr.Set("ETag", pg.etag)
	if status == http.StatusOK && ETagMatches(r.Header.Get("If-None-Match"), pg.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := pg.body
	if pg.gzipped != nil && acceptsGzip(r) {
		hdr.Set("Content-Encoding", "gzip")
		body = pg.gzipped
	}
	hdr.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

// ETagMatches reports whether an If-None-Match header names etag (weak
// or strong, or "*").
func ETagMatches(header, etag string) bool {
	for _, part := range strings.Split(header, ",") {
		if part = strings.TrimPrefix(strings.TrimSpace(part), "W/"); part == etag || part == "*" {
			return true
		}
	}
	return false
}

const notBuiltPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>FlashScale: shop not built</title></head>
<body style="font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;line-height:1.5">
<h1>The web shop is not built</h1>
<p>This binary was compiled without the web shop. Run <code>make run</code> (or <code>make build</code>)
to build it with npm and embed it. The API under <code>/api/</code> works either way.</p>
</body></html>
`
