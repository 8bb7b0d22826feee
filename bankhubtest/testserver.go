package bankhubtest

import "testing"

// NewTestServer starts a fake Bank Hub for the test t and closes it when the
// test ends:
//
//	srv := bankhubtest.NewTestServer(t)
//	client := srv.Client()
func NewTestServer(t testing.TB, opts ...ServerOption) *Server {
	t.Helper()
	s := NewServer(opts...)
	t.Cleanup(s.Close)
	return s
}
