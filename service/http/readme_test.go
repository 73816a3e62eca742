package http_test

import (
	"encoding/json"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/caarlos0/env/v11"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	extast "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/text"

	"github.com/flashscale/flashscale/service/config"
)

// readmeTables returns the rows of every table in README.md whose header
// has all the given columns, each row as column name → cell text (code
// spans keep their backticks). Tables are found by their header, not by where
// they sit, so a table can move or gain columns without breaking this.
func readmeTables(t *testing.T, columns ...string) []map[string]string {
	t.Helper()
	src, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := goldmark.New(goldmark.WithExtensions(extension.Table)).Parser().Parse(text.NewReader(src))
	var rows []map[string]string
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		table, ok := n.(*extast.Table)
		if !entering || !ok {
			return ast.WalkContinue, nil
		}
		var header []string
		for row := table.FirstChild(); row != nil; row = row.NextSibling() {
			var cells []string
			for c := row.FirstChild(); c != nil; c = c.NextSibling() {
				cells = append(cells, strings.TrimSpace(cellText(c, src)))
			}
			if _, isHeader := row.(*extast.TableHeader); isHeader {
				header = cells
				continue
			}
			if !hasAll(header, columns) {
				return ast.WalkSkipChildren, nil
			}
			r := map[string]string{}
			for i, h := range header {
				if i < len(cells) {
					r[h] = cells[i]
				}
			}
			rows = append(rows, r)
		}
		return ast.WalkSkipChildren, nil
	})
	if len(rows) == 0 {
		t.Fatalf("README.md has no table with the columns %q", columns)
	}
	return rows
}

func hasAll(header, columns []string) bool {
	for _, c := range columns {
		if !slices.Contains(header, c) {
			return false
		}
	}
	return true
}

func cellText(n ast.Node, src []byte) string {
	var b strings.Builder
	_ = ast.Walk(n, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if _, code := n.(*ast.CodeSpan); code {
			b.WriteByte('`')
		}
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.Text:
			b.Write(n.Segment.Value(src))
			if n.SoftLineBreak() || n.HardLineBreak() {
				b.WriteByte(' ')
			}
		case *ast.String:
			b.Write(n.Value)
		}
		return ast.WalkContinue, nil
	})
	return b.String()
}

// TestReadmeEndpointTable keeps README.md's API table and the router in
// step: every route the server registers is documented, and every
// documented method and path is one the server has.
func TestReadmeEndpointTable(t *testing.T) {
	served := map[string]bool{}
	for _, r := range newEnv(t, nil).server.Routes() {
		served[r.Method+" "+r.Path] = true
	}
	documented := map[string]bool{}
	for _, row := range readmeTables(t, "Method", "Path") {
		path, _, _ := strings.Cut(row["Path"], "?") // the table shows query parameters
		path = strings.Trim(path, " `")
		for _, m := range regexp.MustCompile(`[A-Z]+`).FindAllString(row["Method"], -1) {
			documented[m+" "+path] = true
		}
	}
	for _, r := range sortedTrue(served) {
		if !documented[r] {
			t.Errorf("the server serves %s, but README.md's API table does not list it", r)
		}
	}
	for _, r := range sortedTrue(documented) {
		if !served[r] {
			t.Errorf("README.md's API table lists %s, which the server does not serve", r)
		}
	}
}

// TestReadmeResponseFields checks the Success column of README.md's API
// table for the GET endpoints a shopper can call without an id: the
// top-level fields of the real response are those documented (fields
// marked `?` may be absent).
func TestReadmeResponseFields(t *testing.T) {
	e := newEnv(t, nil)
	// Signed in, as the shop calls /api/orders; the guest's answers
	// (/api/session's null account) are fields of the same names.
	client := e.shopper().client

	checked := 0
	for _, row := range readmeTables(t, "Method", "Path", "Success") {
		path, _, _ := strings.Cut(strings.Trim(row["Path"], " `"), "?")
		success := strings.ReplaceAll(row["Success"], "`", "")
		if row["Method"] != "GET" || strings.Contains(path, ":") || strings.HasPrefix(path, "/api/admin") ||
			!strings.HasPrefix(success, "200 {") {
			continue
		}
		required, optional := documentedFields(success)
		resp, err := client.Get(e.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		var body map[string]json.RawMessage
		err = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || err != nil {
			t.Errorf("GET %s: %d, %v", path, resp.StatusCode, err)
			continue
		}
		checked++
		for _, k := range sortedKeysOf(body) {
			if !required[k] && !optional[k] {
				t.Errorf("GET %s answers with %q, which README.md's API table does not document (%s)", path, k, success)
			}
		}
		for _, k := range sortedTrue(required) {
			if _, ok := body[k]; !ok {
				t.Errorf("README.md documents %q in GET %s's answer, which has no such field", k, path)
			}
		}
	}
	if checked < 3 {
		t.Errorf("checked %d endpoints' fields; README.md's API table should give /api/products, /api/orders, /api/build-info and /api/health", checked)
	}
}

// documentedFields reads the top-level fields of the first JSON-like
// object in a Success cell: `200 {"orders":[Order],"nextCursor":"X"?}` has
// orders, and nextCursor that may be absent.
func documentedFields(cell string) (required, optional map[string]bool) {
	required, optional = map[string]bool{}, map[string]bool{}
	start := strings.Index(cell, "{")
	depth, from := 0, start+1
	for i := start; i < len(cell); i++ {
		switch cell[i] {
		case '{', '[':
			depth++
		case '}', ']':
			depth--
		}
		if (cell[i] == ',' && depth == 1) || depth == 0 {
			entry := strings.TrimSpace(cell[from:i])
			if m := regexp.MustCompile(`^"(\w+)"`).FindStringSubmatch(entry); m != nil {
				if strings.HasSuffix(entry, "?") {
					optional[m[1]] = true
				} else {
					required[m[1]] = true
				}
			}
			from = i + 1
		}
		if depth == 0 {
			break
		}
	}
	return required, optional
}

// TestReadmeConfigTable keeps README.md's configuration table and the
// Config struct in step: every variable the service reads is documented
// with its default, and every documented variable is read.
func TestReadmeConfigTable(t *testing.T) {
	fields, err := env.GetFieldParams(&config.Config{})
	if err != nil {
		t.Fatal(err)
	}
	read := map[string]env.FieldParams{}
	for _, f := range fields {
		if !f.Ignored {
			read[f.Key] = f
		}
	}
	documented := map[string]string{} // variable → its Default cell
	for _, row := range readmeTables(t, "Variable") {
		for _, v := range regexp.MustCompile(`[A-Z][A-Z0-9_]*[A-Z0-9]`).FindAllString(row["Variable"], -1) {
			documented[v] = row["Default"]
		}
	}
	if len(read) == 0 {
		t.Fatal("no env tags found on config.Config")
	}
	for _, k := range sortedKeysOf(read) {
		def, ok := documented[k]
		switch {
		case !ok:
			t.Errorf("the service reads %s (config.Config), but README.md's configuration table does not list it", k)
		case read[k].HasDefaultValue && !strings.Contains(def, "`"+read[k].DefaultValue+"`"):
			t.Errorf("README.md gives %s the default %q; config.Config's is `%s`", k, def, read[k].DefaultValue)
		}
	}
	for _, k := range sortedKeysOf(documented) {
		if _, ok := read[k]; !ok {
			t.Errorf("README.md's configuration table lists %s, which config.Config does not read", k)
		}
	}
}

func sortedTrue(m map[string]bool) []string { return sortedKeysOf(m) }

func sortedKeysOf[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
