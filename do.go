package bankhub

import (
	"context"
	"net/http"
	"net/url"
	"reflect"
	"strings"
)

// Do calls an endpoint the SDK has no method for yet (one SePay adds before
// the SDK does), through the same request path as every method:
// authentication with the cached token, retries, typed errors, logging.
//
// path is the API path, such as "/v1/company"; escape ids with
// url.PathEscape. query is sent as the query string (nil for none). in, when
// not nil, is JSON-encoded as the body; out, when not nil, receives the
// decoded 2xx answer as it is (no envelope is removed: decode into a struct
// with a Data field for a {"data": ...} answer).
//
// GET is retried like the SDK's reads. Any other method is treated as a
// create (retried only when the request surely did not reach the server),
// since the SDK cannot know whether a replay would act twice.
func (c *Client) Do(ctx context.Context, method, path string, query url.Values, in, out any) error {
	method = strings.ToUpper(method)
	switch {
	case method == "":
		return paramErr("Client.Do", "method", "required")
	case strings.ContainsAny(method, " \t\r\n/"):
		return paramErr("Client.Do", "method", "not an HTTP method")
	case !strings.HasPrefix(path, "/") || strings.HasPrefix(path, "//"):
		return paramErr("Client.Do", "path", "must be an API path such as /v1/company, not a URL")
	case strings.ContainsAny(path, "?#{}") || strings.ContainsFunc(path, func(r rune) bool { return r < 0x21 || r == 0x7f }):
		return paramErr("Client.Do", "path", "must not hold a query, a fragment, braces, spaces or control characters (use query)")
	}
	for _, seg := range strings.Split(path, "/") {
		if seg == "." || seg == ".." {
			return paramErr("Client.Do", "path", "must not have . or .. segments")
		}
	}
	if _, err := url.ParseRequestURI(path); err != nil {
		return paramErr("Client.Do", "path", "not a valid path")
	}
	if out != nil {
		if v := reflect.ValueOf(out); v.Kind() != reflect.Pointer || v.IsNil() {
			return paramErr("Client.Do", "out", "must be a non-nil pointer")
		}
	}
	ep := &endpoint{name: "Client.Do", method: method, pattern: path, class: classCreate}
	if method == http.MethodGet || method == http.MethodHead {
		ep.class = classSafe
	}
	return c.do(ctx, ep, request{query: query.Encode(), in: in, out: out})
}
