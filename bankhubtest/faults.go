package bankhubtest

// Faults: misbehaviour on purpose, per operation.

import (
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Fault is a misbehaviour applied to the next Count requests of an operation.
type Fault struct {
	// Count is how many requests the fault applies to (at least 1).
	Count int
	// Status, when set, is answered instead of the real answer, with a JSON
	// error body ({"code","message"}).
	Status int
	// RetryAfter, when set, is sent as a Retry-After header (whole seconds).
	RetryAfter time.Duration
	// Delay holds the answer back (or until the client gives up).
	Delay time.Duration
	// Drop closes the connection without answering.
	Drop bool
	// Blocked answers 403 with a Cloudflare-style HTML block page.
	Blocked bool
	// DropAfter carries the operation out, then closes the connection
	// instead of answering: the answer is lost after the work was done.
	DropAfter bool
}

// InjectFault queues f for the next f.Count requests of op.
func (s *Server) InjectFault(op string, f Fault) {
	if f.Count < 1 {
		f.Count = 1
	}
	s.mu.Lock()
	s.faults[op] = append(s.faults[op], &f)
	s.mu.Unlock()
}

// FailNext makes the next n requests of op answer status, with a
// Retry-After header when retryAfter > 0.
func (s *Server) FailNext(op string, n, status int, retryAfter time.Duration) {
	s.InjectFault(op, Fault{Count: n, Status: status, RetryAfter: retryAfter})
}

// HangNext delays the next n answers of op by d.
func (s *Server) HangNext(op string, n int, d time.Duration) {
	s.InjectFault(op, Fault{Count: n, Delay: d})
}

// DropNext closes the connection of the next n requests of op.
func (s *Server) DropNext(op string, n int) { s.InjectFault(op, Fault{Count: n, Drop: true}) }

// BlockNext answers the next n requests of op with an HTML block page.
func (s *Server) BlockNext(op string, n int) { s.InjectFault(op, Fault{Count: n, Blocked: true}) }

// ExpireTokens makes every access token issued so far invalid.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	clear(s.tokens)
	s.mu.Unlock()
}

func (s *Server) takeFault(op string) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.faults[op]
	if len(q) == 0 {
		return nil
	}
	f := q[0]
	f.Count--
	if f.Count <= 0 {
		s.faults[op] = q[1:]
	}
	return f
}

// applyFault reports whether the fault answered the request.
func (s *Server) applyFault(w *statusWriter, r *http.Request, f *Fault) bool {
	if f.Delay > 0 {
		t := time.NewTimer(f.Delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return true
		}
	}
	switch {
	case f.Drop:
		drop(w)
		return true
	case f.Blocked:
		w.Header().Set("Content-Type", "text/html; charset=UTF-8")
		w.Header().Set("Cf-Ray", "8f3b2c1d4e5a6b7c-SIN")
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprint(w, blockPage)
		return true
	case f.Status != 0:
		if f.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int((f.RetryAfter+time.Second-1)/time.Second)))
		}
		writeJSON(w, f.Status, codeMessage{f.Status, http.StatusText(f.Status)})
		return true
	}
	return false
}

// drop closes the request's connection without an answer.
func drop(w *statusWriter) {
	if conn, _, err := http.NewResponseController(w.ResponseWriter).Hijack(); err == nil {
		conn.Close()
	}
	w.status = -1
}

// DropAfterNext carries out the next n requests of op but closes their
// connections instead of answering.
func (s *Server) DropAfterNext(op string, n int) { s.InjectFault(op, Fault{Count: n, DropAfter: true}) }

const blockPage = `<!DOCTYPE html>
<html lang="en-US"><head><title>Attention Required! | Cloudflare</title></head>
<body><div id="cf-error-details"><h1>Sorry, you have been blocked</h1>
<p>You are unable to access bankhub-api.sepay.vn</p>
<span>Cloudflare Ray ID: <strong>8f3b2c1d4e5a6b7c</strong></span></div></body></html>
`
