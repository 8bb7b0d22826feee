module github.com/bankhub-go/bankhub/cmd/bankhub

go 1.25.0

require (
	github.com/bankhub-go/bankhub v0.1.0
	github.com/spf13/cobra v1.10.2
	github.com/spf13/pflag v1.0.9
	golang.org/x/oauth2 v0.36.0
	golang.org/x/term v0.45.0
)

require (
	github.com/hashicorp/go-cleanhttp v0.5.2 // indirect
	github.com/hashicorp/go-retryablehttp v0.7.8 // indirect
	github.com/inconshreveable/mousetrap v1.1.0 // indirect
	golang.org/x/sys v0.47.0 // indirect
)

// Until the required versions are published, they are read from this
// working tree (RELEASING.md says when these lines go).
replace github.com/bankhub-go/bankhub => ../..
