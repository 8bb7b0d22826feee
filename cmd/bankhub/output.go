package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/bankhub-go/bankhub"
)

// Exit codes, documented in the README and in bankhub --help.
const (
	exitOK         = 0
	exitError      = 1 // anything not below
	exitUsage      = 2 // bad flags, invalid params (refused before sending)
	exitAuth       = 3 // 401, 403, bad credentials
	exitNotFound   = 4 // 404
	exitValidation = 5 // the server refused the input (400, 413, 422)
	exitRateLimit  = 6 // 429
	exitServer     = 7 // 5xx, a block page, an answer that does not decode
	exitNetwork    = 8 // no answer: connection, DNS, timeout
	exitAborted    = 9 // a production write not confirmed
)

// codedError carries an exit code.
type codedError struct {
	code int
	err  error
}

func (e *codedError) Error() string { return e.err.Error() }
func (e *codedError) Unwrap() error { return e.err }

func usageErr(format string, args ...any) error {
	return &codedError{code: exitUsage, err: fmt.Errorf(format, args...)}
}

// exitCode classifies an error by what a script would branch on.
func exitCode(err error) int {
	var ee *codedError
	var ne net.Error
	var de *bankhub.DecodeError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ee):
		return ee.code
	case errors.Is(err, bankhub.ErrInvalidParams):
		return exitUsage
	case errors.Is(err, bankhub.ErrBlocked): // a 403 from the edge, not about the credentials
		return exitServer
	case errors.Is(err, bankhub.ErrUnauthorized), errors.Is(err, bankhub.ErrForbidden):
		return exitAuth
	case errors.Is(err, bankhub.ErrNotFound):
		return exitNotFound
	case errors.Is(err, bankhub.ErrValidation):
		return exitValidation
	case errors.Is(err, bankhub.ErrRateLimited):
		return exitRateLimit
	case errors.Is(err, bankhub.ErrServer), errors.As(err, &de):
		return exitServer
	case errors.As(err, &ne), errors.Is(err, context.DeadlineExceeded):
		return exitNetwork
	}
	return exitError
}

// table is what a command prints: columns for people and CSV, values for
// JSON.
type table struct {
	header []string
	rows   [][]string
	values []any // one per row, for json and jsonl
	single bool  // one object: json prints it, not an array of one
	// money lists the columns holding amounts: "1,500,000 VND" for people,
	// 1500000 in CSV.
	money []int
}

func (t *table) add(v any, cells ...string) {
	t.rows = append(t.rows, cells)
	t.values = append(t.values, v)
}

// print writes t in the --output format.
func (a *app) print(t *table) error {
	switch a.output {
	case "", "table":
		tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, strings.Join(t.header, "\t"))
		for _, r := range t.rows {
			fmt.Fprintln(tw, strings.Join(r, "\t"))
		}
		return tw.Flush()
	case "json":
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		if t.single && len(t.values) == 1 {
			return enc.Encode(t.values[0])
		}
		if t.values == nil {
			t.values = []any{}
		}
		return enc.Encode(t.values)
	case "jsonl":
		enc := json.NewEncoder(a.stdout)
		for _, v := range t.values {
			if err := enc.Encode(v); err != nil {
				return err
			}
		}
		return nil
	case "csv":
		w := csv.NewWriter(a.stdout)
		w.Write(t.header)
		for _, r := range t.rows {
			r = append([]string(nil), r...)
			for _, c := range t.money {
				if c < len(r) {
					r[c] = strings.NewReplacer(",", "", " VND", "").Replace(r[c])
				}
			}
			w.Write(r)
		}
		w.Flush()
		return w.Error()
	}
	return usageErr("--output must be table, json, jsonl or csv, not %q", a.output)
}

// Display formats. Times are shown in Vietnam time, and the headers say so.
const timeLayout = "2006-01-02 15:04:05"

func showTime(t bankhub.Time) string {
	if t.IsZero() {
		return t.Raw
	}
	return t.In(bankhub.VietnamZone()).Format(timeLayout)
}

func showDate(d bankhub.Date) string {
	if d.IsZero() {
		return ""
	}
	return d.String()
}

// showVND writes whole dong with thousands separators: "1,500,000 VND".
func showVND(v bankhub.VND) string { return v.String() }

func showBool(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// progress reports a walk's progress on stderr when it is a terminal.
type progress struct {
	w     io.Writer
	on    bool
	n     int
	start time.Time
}

func (a *app) progress() *progress {
	return &progress{w: a.stderr, on: isTerminal(a.stderr), start: time.Now()}
}

func (p *progress) tick() {
	p.n++
	if p.on && p.n%100 == 0 {
		fmt.Fprintf(p.w, "\r%d items…", p.n)
	}
}

func (p *progress) done() {
	if p.on && p.n >= 100 {
		fmt.Fprintf(p.w, "\r%d items in %s\n", p.n, time.Since(p.start).Round(time.Millisecond))
	}
}
