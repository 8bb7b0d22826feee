package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/bankhub-go/bankhub"
)

// Exit codes, documented in the README and in bankhub --help.
const (
	exitOK          = 0
	exitError       = 1   // anything not below
	exitUsage       = 2   // bad flags, invalid params (refused before sending)
	exitAuth        = 3   // 401, 403, bad credentials
	exitNotFound    = 4   // 404
	exitValidation  = 5   // the server refused the input (400, 413, 422)
	exitRateLimit   = 6   // 429
	exitServer      = 7   // 5xx, a block page, an answer that does not decode
	exitNetwork     = 8   // no answer: connection, DNS, timeout
	exitAborted     = 9   // a production write not confirmed
	exitInterrupted = 130 // Ctrl-C, as shells report a SIGINT
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

// print writes t in the --output format. Cells hold text from the bank
// (transfer contents, names), which anyone who sends money writes, and each
// kind of output has one escaping function that every such text goes
// through: tables, listen, reconcile and error lines terminalSafe (one
// record stays one row, nothing reaches the terminal as a command); CSV
// csvSafe (the same, and formulas neutralised: a CSV printed to a terminal
// is read there too); JSON jsonSafeWriter (exact, its escaping makes it
// data); completion candidates completionSafe.
func (s *ioStreams) print(t *table) error {
	switch s.Format {
	case "", "table":
		tw := tabwriter.NewWriter(s.Out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, strings.Join(t.header, "\t"))
		for _, r := range t.rows {
			fmt.Fprintln(tw, joinCells(r, "\t"))
		}
		return tw.Flush()
	case "json":
		enc := json.NewEncoder(jsonSafeWriter{s.Out})
		enc.SetIndent("", "  ")
		if t.single && len(t.values) == 1 {
			return enc.Encode(t.values[0])
		}
		if t.values == nil {
			t.values = []any{}
		}
		return enc.Encode(t.values)
	case "jsonl":
		enc := json.NewEncoder(jsonSafeWriter{s.Out})
		for _, v := range t.values {
			if err := enc.Encode(v); err != nil {
				return err
			}
		}
		return nil
	case "csv":
		w := csv.NewWriter(s.Out)
		w.Write(t.header)
		for _, r := range t.rows {
			r = append([]string(nil), r...)
			for i := range r {
				if slices.Contains(t.money, i) { // a number the CLI wrote: -20000 stays a number
					r[i] = strings.NewReplacer(",", "", " VND", "").Replace(r[i])
				} else {
					r[i] = csvSafe(r[i])
				}
			}
			w.Write(r)
		}
		w.Flush()
		return w.Error()
	}
	return usageErr("--output must be table, json, jsonl or csv, not %q", s.Format)
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

// showDirection prints a transfer's direction the same way in every
// command: "in" for money in (in, credit, in any case), "out" for money out
// (out, debit), and anything else as the bank sent it, which the table
// escapes; such a row is neither in nor out.
func showDirection(t bankhub.TransferType) string {
	switch {
	case t.Incoming():
		return "in"
	case t.Outgoing():
		return "out"
	case t == "":
		return "(none)"
	}
	return string(t)
}

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

func (s *ioStreams) progress() *progress {
	return &progress{w: s.ErrOut, on: isTerminal(s.ErrOut), start: time.Now()}
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

// joinCells joins a row's cells for a terminal, each escaped.
func joinCells(cells []string, sep string) string {
	out := make([]string, len(cells))
	for i, c := range cells {
		out[i] = terminalSafe(c)
	}
	return strings.Join(out, sep)
}

// terminalSafe escapes what a terminal would act on rather than show: C0
// and C1 controls (ESC starts the sequences that set the clipboard, clear
// the screen or hide text; a newline would forge a row; a tab would shift
// the columns), DEL, the line and paragraph separators, and the bidi
// controls that reorder what is shown. They are written as Go escapes
// (\n, \x1b, \u202e); everything else, Vietnamese included, is kept.
func terminalSafe(s string) string {
	if !strings.ContainsFunc(s, unsafeRune) && utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == utf8.RuneError && !strings.HasPrefix(s[i:], "\uFFFD"):
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case unsafeRune(r):
			q := strconv.QuoteRune(r) // '\n', '\x1b', '\u202e'
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func unsafeRune(r rune) bool {
	return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == 0x2028 || r == 0x2029 ||
		(r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == 0x200e || r == 0x200f || r == 0x061c
}

// csvSafe is a CSV cell: control characters written as escapes, as in a
// table (a CSV is read on a terminal as often as in a spreadsheet: ESC in a
// transfer's content reached it raw), and a formula neutralised (csvCell).
func csvSafe(s string) string { return csvCell(terminalSafe(s)) }

// completionSafe is a shell completion candidate or its description (a
// company's name, an id): the shell prints them, so they are escaped as on
// a terminal, and a tab or a newline, which the completion protocol would
// read as a new field or candidate, stays one candidate.
func completionSafe(s string) string { return terminalSafe(s) }

// csvCell neutralises a cell that a spreadsheet would run as a formula, as
// OWASP recommends for CSV injection: a cell that starts with =, +, -, @,
// a tab or a carriage return gets a leading single quote, which Excel,
// LibreOffice and Google Sheets show as text. The quote stays in the data:
// whoever reads the CSV with a program sees it. Quoting of commas, quotes
// and newlines is encoding/csv's (RFC 4180), so a record stays one record.
func csvCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// jsonSafeWriter writes JSON with the characters a terminal would act on
// (C1 controls, bidi controls; encoding/json already escapes C0 and the
// line separators) as \uXXXX escapes: the same data, exactly, for any
// parser, and nothing a terminal runs. Each Write is one whole value from
// json.Encoder, so a rune is never split across two.
type jsonSafeWriter struct{ w io.Writer }

func (j jsonSafeWriter) Write(p []byte) (int, error) {
	if !bytes.ContainsFunc(p, jsonUnsafe) {
		return j.w.Write(p)
	}
	n := len(p)
	var b bytes.Buffer
	for len(p) > 0 {
		r, size := utf8.DecodeRune(p)
		if jsonUnsafe(r) {
			fmt.Fprintf(&b, `\u%04x`, r)
		} else {
			b.Write(p[:size])
		}
		p = p[size:]
	}
	_, err := j.w.Write(b.Bytes())
	return n, err
}

// jsonUnsafe: encoding/json escapes every C0 control inside a string, so one
// left in its output is the indentation's whitespace.
func jsonUnsafe(r rune) bool { return r >= 0x7f && unsafeRune(r) }

// plural writes a count with its noun: "1 transaction", "2 transactions".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// showDuration writes a duration as people say it: 24h, 90m, 1h30m
// (time.Duration's String says 24h0m0s).
func showDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
