// Package web serves the built web shop (webapp/, built by Vite into
// dist/) from the binary itself, so one artifact carries front end and API
// and a blue/green flip switches both together.
//
// A clone that was never built still compiles (dist/ holds only .keep) and
// serves a page that says how to build the shop.
package web

import (
	"bytes"
	"compress/gzip"
	"embed"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
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

// Handler serves the shop: files by path, index.html for client routes.
// Hashed assets are immutable; index.html is always revalidated, so a
// flip takes effect on the next page load.
type Handler struct {
	files map[string]*file
	index *file
}

// New loads and pre-compresses every embedded file once.
func New() *Handler { return newHandler(dist) }

func newHandler(fsys fs.FS) *Handler {
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
		f := &file{body: body, ctype: contentType(p), cache: "public, max-age=3600"}
		if strings.HasPrefix(p, "assets/") {
			f.cache = "public, max-age=31536000, immutable"
		}
		if p == "index.html" {
			f.cache = "no-cache"
		}
		if compressible(f.ctype) && len(body) > 512 {
			var b bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
			_, _ = zw.Write(body)
			_ = zw.Close()
			if b.Len() < len(body) {
				f.gzipped = b.Bytes()
			}
		}
		h.files["/"+p] = f
		return nil
	})
	h.index = h.files["/index.html"]
	if h.index == nil {
		h.index = &file{body: []byte(notBuiltPage), ctype: "text/html; charset=utf-8", cache: "no-cache"}
	}
	return h
}

func contentType(p string) string {
	if t := mime.TypeByExtension(path.Ext(p)); t != "" {
		return t
	}
	return "application/octet-stream"
}

func compressible(ctype string) bool {
	for _, t := range []string{"text/", "javascript", "json", "svg", "xml"} {
		if strings.Contains(ctype, t) {
			return true
		}
	}
	return false
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := path.Clean("/" + r.URL.Path)
	f, ok := h.files[p]
	if !ok {
		// A missing asset or file is a real 404: answering index.html for
		// /assets/app-123.js would hand the browser HTML as a script.
		if strings.HasPrefix(p, "/assets/") || path.Ext(p) != "" {
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
		f = h.index
	}
	hdr := w.Header()
	hdr.Set("Content-Type", f.ctype)
	hdr.Set("Cache-Control", f.cache)
	hdr.Set("Vary", "Accept-Encoding")
	body := f.body
	if f.gzipped != nil && strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		hdr.Set("Content-Encoding", "gzip")
		body = f.gzipped
	}
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

const notBuiltPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>FlashScale: shop not built</title></head>
<body style="font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;line-height:1.5">
<h1>The web shop is not built</h1>
<p>This binary was compiled without the web shop. Run <code>make run</code> (or <code>make build</code>)
to build it with npm and embed it. The API under <code>/api/</code> works either way.</p>
</body></html>
`
