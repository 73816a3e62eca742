// This empty module keeps the Go tool out of webapp/ (node_modules ships
// stray Go files that would otherwise join ./...).
module github.com/flashscale/flashscale/webapp-excluded
