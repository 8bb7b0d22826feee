package main

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"

	"github.com/bankhub-go/bankhub"
	"github.com/spf13/cobra"
)

// apiOptions are the inputs of `bankhub api`.
type apiOptions struct {
	IO      *ioStreams
	Client  func() (*bankhub.Client, error)
	Confirm func(string) error

	Method, Path string
	// Data is the JSON body; Query the name=value query parameters.
	Data  string
	Query []string
	// formatGiven is -o given on the command line.
	formatGiven bool
}

// newAPICmd is a raw request through the SDK's request path (Client.Do):
// the cached token, retries (GET like a read, anything else like a create),
// typed errors; for an endpoint the CLI has no command for yet.
func newAPICmd(f *factory, run func(context.Context, *apiOptions) error) *cobra.Command {
	o := &apiOptions{IO: f.IO, Client: f.Client, Confirm: f.Confirm}
	cmd := &cobra.Command{
		Use:   "api METHOD PATH",
		Short: "Send a request to any API path and print the JSON answer",
		Long: `api sends METHOD PATH through the SDK's request path: the access token, retries (GET like a
read, anything else only when the request surely did not arrive) and typed errors. The answer's
JSON is printed as it came, indented (-o json is the only format). PATH is the API path,
with or without its leading slash, and may carry a query string; the host is --env's (a full
URL is refused: the token goes to --env's host only). A write to production asks first.`,
		Example: `  bankhub api GET /v1/company --query per_page=5
  bankhub api GET "v1/transaction?transfer_type=in&per_page=5"
  bankhub api GET /v1/company/counter/COMPANY_XID
  bankhub api POST /v1/company/create --data '{"full_name":"Công ty TNHH ABC","status":"Active"}'`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Method, o.Path = args[0], args[1]
			o.formatGiven = cmd.Flags().Changed("output")
			return runFunc(run, apiRun)(cmd.Context(), o)
		},
	}
	cmd.Flags().StringVarP(&o.Data, "data", "d", "", "the JSON body")
	cmd.Flags().StringArrayVarP(&o.Query, "query", "q", nil, "a query parameter, name=value (repeatable)")
	return cmd
}

func apiRun(ctx context.Context, o *apiOptions) error {
	if f := o.IO.Format; o.formatGiven && f != "json" {
		return usageErr("api prints the answer's JSON as it came: -o %s is not one of its formats (json)", f)
	}
	path, rawQuery, _ := strings.Cut(o.Path, "?")
	if strings.Contains(path, "://") || strings.HasPrefix(path, "//") {
		return usageErr("%q: give the API path, e.g. /v1/company; the host is --env's", o.Path)
	}
	if !strings.HasPrefix(path, "/") {
		path = "/" + path // v1/company, as gh api takes it
	}
	var in any
	if o.Data != "" {
		if !json.Valid([]byte(o.Data)) {
			return usageErr("--data is not valid JSON")
		}
		in = json.RawMessage(o.Data)
	}
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return usageErr("the query in %q: %v", o.Path, err)
	}
	for _, kv := range o.Query {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return usageErr("--query %q: want name=value", kv)
		}
		q.Add(k, v)
	}
	var c *bankhub.Client
	if strings.EqualFold(o.Method, "GET") {
		c, err = o.Client()
	} else {
		c, err = writeClient(o.Client, o.Confirm, strings.ToUpper(o.Method)+" "+path)
	}
	if err != nil {
		return err
	}
	var out json.RawMessage
	if err := c.Do(ctx, o.Method, path, q, in, &out); err != nil {
		return err
	}
	enc := json.NewEncoder(jsonSafeWriter{o.IO.Out})
	enc.SetIndent("", "  ")
	if len(out) == 0 {
		out = json.RawMessage("null")
	}
	return enc.Encode(out)
}
