package main

import (
	"fmt"
	"syscall"
)

// raiseFileLimit raises the soft RLIMIT_NOFILE to the hard limit and
// returns the limit now in force. Every connection, pooled database
// connection and open file takes a descriptor; the soft limit is often far
// below the hard one. (Go's runtime raises it to hard-1 by itself; doing it
// here makes the process's own limit explicit and logged.)
func raiseFileLimit() (uint64, error) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, fmt.Errorf("reading RLIMIT_NOFILE: %w", err)
	}
	if lim.Cur < lim.Max {
		lim.Cur = lim.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			return 0, fmt.Errorf("raising RLIMIT_NOFILE to %d: %w", lim.Max, err)
		}
	}
	return lim.Cur, nil
}

// fdReserve is what the connection cap leaves of the open-file limit for
// everything else: the database pool, the SQLite file and its WAL, the
// listener, logs.
func fdReserve(dbConns int) uint64 { return 256 + uint64(dbConns) }

// connCap is the configured cap, or the open-file limit minus the reserve.
func connCap(configured int, fileLimit uint64, dbConns int) int {
	if configured > 0 {
		return configured
	}
	reserve := fdReserve(dbConns)
	if fileLimit <= reserve+64 {
		return 64
	}
	return int(min(fileLimit-reserve, 1<<30))
}
