// Package exampleenv gives the example programs a client: for the real API
// when BANKHUB_CLIENT_ID is set, otherwise for a fake Bank Hub started in
// the same process.
package exampleenv

import (
	"fmt"
	"os"

	"github.com/bankhub-go/bankhub"
	"github.com/bankhub-go/bankhub/bankhubtest"
)

// Env is what an example runs against.
type Env struct {
	Client *bankhub.Client
	// Fake is the in-process server, nil when real credentials are used.
	Fake *bankhubtest.Server
}

// Close stops the fake server, if any.
func (e *Env) Close() {
	if e.Fake != nil {
		e.Fake.Close()
	}
}

// Setup reads BANKHUB_CLIENT_ID, BANKHUB_CLIENT_SECRET and BANKHUB_BASE_URL
// (default: the sandbox) and says on the first line what it runs against.
// fakeOpts configure the fake server when one is started.
func Setup(fakeOpts ...bankhubtest.ServerOption) (*Env, error) {
	id := os.Getenv("BANKHUB_CLIENT_ID")
	if id == "" {
		fake := bankhubtest.NewServer(fakeOpts...)
		fmt.Printf("No BANKHUB_CLIENT_ID set: using the built-in fake Bank Hub at %s\n", fake.URL)
		return &Env{Client: fake.Client(), Fake: fake}, nil
	}
	base := os.Getenv("BANKHUB_BASE_URL")
	if base == "" {
		base = bankhub.SandboxURL
	}
	client, err := bankhub.NewClient(id, os.Getenv("BANKHUB_CLIENT_SECRET"), bankhub.WithBaseURL(base), bankhub.WithUserAgent("bankhub-go-examples"))
	if err != nil {
		return nil, err
	}
	fmt.Printf("Using Bank Hub at %s\n", base)
	return &Env{Client: client}, nil
}
