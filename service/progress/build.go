package progress

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// importPath matches the package names `go build -v` prints, one per line,
// as it starts compiling each; compiler errors always contain a space or
// start with "#".
var importPath = regexp.MustCompile(`^[A-Za-z0-9_.~+-]+(/[A-Za-z0-9_.~+-]+)*$`)

// buildFormatter counts the packages `go build -v` compiles and the
// modules the go command downloads, and prints everything else.
type buildFormatter struct {
	packages, modules int
	latest            string
}

func (f *buildFormatter) line(s string, _ time.Time) []string {
	switch {
	case importPath.MatchString(s):
		f.packages++
		f.latest = s
		return nil
	case strings.HasPrefix(s, "go: downloading "):
		f.modules++
		return nil
	}
	return []string{s}
}

func (f *buildFormatter) counts() string {
	s := fmt.Sprintf("%d packages compiled", f.packages)
	if f.modules > 0 {
		s += fmt.Sprintf(", %d modules downloaded", f.modules)
	}
	return s
}

func (f *buildFormatter) status(time.Time) string {
	if f.packages == 0 {
		return f.counts() + " so far (loading packages)"
	}
	return fmt.Sprintf("%s so far (latest started: %s)", f.counts(), f.latest)
}

func (f *buildFormatter) summary(failed bool) string {
	switch {
	case failed:
		return "FAILED after " + f.counts()
	case f.packages == 0 && f.modules == 0:
		return "no package needed compiling"
	}
	return f.counts()
}
