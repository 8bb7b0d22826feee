package main

import (
	"encoding/json"
	"net/url"
	"strings"

	"github.com/bankhub-go/bankhub"
	"github.com/spf13/cobra"
)

// apiOptions are the inputs of `bankhub api`.
type apiOptions struct {
	data  string
	query []string
}

// apiCmd is a raw request through the SDK's request path (Client.Do): the
// cached token, retries (GET like a read, anything else like a create),
// typed errors; for an endpoint the CLI has no command for yet.
func (a *app) apiCmd() *cobra.Command {
	var o apiOptions
	cmd := &cobra.Command{
		Use:   "api METHOD PATH",
		Short: "Send a request to any API path and print the JSON answer",
		Long: `api sends METHOD PATH through the SDK's request path: the access token, retries (GET like a
read, anything else only when the request surely did not arrive) and typed errors. The answer's
JSON is printed as it came, indented. A write to production asks first.`,
		Example: `  bankhub api GET /v1/company --query per_page=5
  bankhub api POST /v1/company/counter --data '{"company_xid":"..."}'`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runAPI(args[0], args[1], o)
		},
	}
	cmd.Flags().StringVarP(&o.data, "data", "d", "", "the JSON body")
	cmd.Flags().StringArrayVarP(&o.query, "query", "q", nil, "a query parameter, name=value (repeatable)")
	return cmd
}

func (a *app) runAPI(method, path string, o apiOptions) error {
	var in any
	if o.data != "" {
		if !json.Valid([]byte(o.data)) {
			return usageErr("--data is not valid JSON")
		}
		in = json.RawMessage(o.data)
	}
	q := url.Values{}
	for _, kv := range o.query {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return usageErr("--query %q: want name=value", kv)
		}
		q.Add(k, v)
	}
	var c *bankhub.Client
	var err error
	if strings.EqualFold(method, "GET") {
		c, err = a.Client()
	} else {
		c, err = a.writeClient(strings.ToUpper(method) + " " + path)
	}
	if err != nil {
		return err
	}
	var out json.RawMessage
	if err := c.Do(a.ctx(), method, path, q, in, &out); err != nil {
		return err
	}
	enc := json.NewEncoder(jsonSafeWriter{a.stdout})
	enc.SetIndent("", "  ")
	if len(out) == 0 {
		out = json.RawMessage("null")
	}
	return enc.Encode(out)
}
