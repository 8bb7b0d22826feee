package bankhubtest

// The request log.

import (
	"net/http"
	"time"
)

// Request is one request the server received.
type Request struct {
	// Op is the operation (e.g. OpCompanyGet), "" for an unknown path.
	Op     string
	Method string
	Path   string
	Query  string
	// Status is the answer's status, 0 while it is being handled and -1
	// for a dropped connection.
	Status int
	At     time.Time
}

// Requests returns the latest requests received (up to the log size), in
// order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	log := lastN(s.requests, s.logSize)
	out := make([]Request, len(log))
	for i, r := range log {
		out[i] = *r
	}
	return out
}

// Count returns how many requests of op the server received since it
// started (or since ResetRequests), including those no longer in the log.
func (s *Server) Count(op string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[op]
}

// ResetRequests clears the request log and the counts.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	s.requests = nil
	clear(s.counts)
	s.mu.Unlock()
}

// bounded keeps the last n items of log, trimming in batches so that
// appending stays cheap.
func bounded[T any](log []T, n int) []T {
	if len(log) <= 2*n {
		return log
	}
	return append(log[:0:0], log[len(log)-n:]...)
}

// lastN returns a copy of the last n items of log.
func lastN[T any](log []T, n int) []T {
	return append([]T(nil), log[max(len(log)-n, 0):]...)
}

// statusWriter remembers the status written.
type statusWriter struct {
	http.ResponseWriter
	status int
}

// WriteHeader records the status.
func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write records an implicit 200.
func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
