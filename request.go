package bankhub

// The request path. Every operation, and Client.Do, goes through it, top to
// bottom in this file:
//
//  1. A resource method checks its params (their encode method returns a
//     *call with the query and the body, or a *ParamError before anything
//     is sent) and names its endpoint: method, path pattern, retry class.
//  2. send fills the path, gets the bearer header, and sends the attempts
//     through go-retryablehttp with the endpoint's retry class; the final
//     answer's body is read into a pooled buffer.
//  3. A 401 drops the token and replays once with a new one.
//  4. decodeResponse turns the answer into the result or a typed error
//     (errorbody.go reads an error answer into the types of errors.go),
//     with every secret the call knows redacted.
//
// One *call carries a call from the params to the answer.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"reflect"
	"strings"
	"sync"

	"github.com/hashicorp/go-retryablehttp"
	"golang.org/x/oauth2"
)

// endpoint declares one API operation. Everything about it comes from
// here: the op name (the prefix of its ParamErrors), the path (pattern
// with each {placeholder} filled, escaped, from the call's ids), the log
// template (pattern itself) and the retry class.
type endpoint struct {
	name    string // e.g. "Companies.Get"
	method  string
	pattern string // e.g. "/v1/company/{xid}"
	class   retryClass
	basic   bool // Basic credentials instead of a bearer token
}

// path fills the pattern's placeholders with ids, in order, each checked
// (requireID, under the placeholder's name) and escaped as one segment.
func (ep *endpoint) path(ids ...string) (string, error) {
	if len(ids) == 0 {
		return ep.pattern, nil
	}
	var b strings.Builder
	b.Grow(len(ep.pattern) + 3*len(ids[0])) // one allocation for the API's paths (one id, escaped)
	rest := ep.pattern
	for _, id := range ids {
		i := strings.IndexByte(rest, '{')
		j := strings.IndexByte(rest, '}')
		if i < 0 || j < i {
			return "", fmt.Errorf("bankhub: %s: more ids than placeholders in %s", ep.name, ep.pattern)
		}
		if err := requireID(ep.name, rest[i+1:j], id); err != nil {
			return "", err
		}
		b.WriteString(rest[:i])
		b.WriteString(url.PathEscape(id))
		rest = rest[j+1:]
	}
	b.WriteString(rest)
	return b.String(), nil
}

// call is one API call, from its params to its answer. The params' encode
// method fills query and in; the resource method adds ids, out and
// secrets; send fills the rest as the call goes.
type call struct {
	ids     []string // the pattern's placeholders, in order
	query   string
	in, out any // JSON body (nil for none), decoded 2xx answer (nil to ignore)
	// secrets are values of the call to keep out of any error (a webhook
	// secret being set, a link-token value being looked up).
	secrets []string

	ep          *endpoint
	path        string        // the pattern, filled
	body        []byte        // the encoded body, resent whole on every attempt
	contentType string        // of body
	auth        *authHeader   // the bearer header of the current attempts
	buf         *bytes.Buffer // body of the final answer, read by readBody
	attempt     int           // counted by the log transport
}

type callKey struct{}

var (
	bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}
	hdrJSON = []string{"application/json"}
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
	// Each segment is checked as the server will read it, decoded: an
	// escaped dot segment (%2e%2e) would climb out of /v1 with the bearer
	// token, and an escaped / or \ (%2F, %5C) would split a segment in two
	// behind a proxy that decodes it.
	for _, seg := range strings.Split(path, "/") {
		dec, err := url.PathUnescape(seg)
		switch {
		case err != nil:
			return paramErr("Client.Do", "path", "has a malformed percent escape")
		case dec == "." || dec == "..":
			return paramErr("Client.Do", "path", "must not have . or .. segments, escaped or not")
		case strings.ContainsAny(dec, "/\\"):
			return paramErr("Client.Do", "path", "must not hold an escaped / or \\ inside a segment")
		case strings.ContainsFunc(dec, func(r rune) bool { return r < 0x20 || r == 0x7f }):
			return paramErr("Client.Do", "path", "must not hold an escaped control character")
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
	return c.do(ctx, ep, &call{query: query.Encode(), in: in, out: out})
}

// getData performs a call whose answer is {"data": T}.
func getData[T any](ctx context.Context, c *Client, ep *endpoint, cl *call) (*T, error) {
	var env dataEnvelope[T]
	cl.out = &env
	if err := c.do(ctx, ep, cl); err != nil {
		return nil, err
	}
	return env.Data, nil
}

// do performs a call with a JSON body (cl.in, when not nil).
func (c *Client) do(ctx context.Context, ep *endpoint, cl *call) error {
	path, err := ep.path(cl.ids...)
	if err != nil {
		return err
	}
	cl.ep, cl.path = ep, path
	if cl.in != nil {
		if cl.body, err = json.Marshal(cl.in); err != nil {
			return fmt.Errorf("bankhub: %s %s: encoding request: %w", ep.method, path, err)
		}
		cl.contentType = "application/json"
	}
	return c.send(ctx, cl)
}

// upload sends content as the single file field of a multipart/form-data
// body. The body is built once, so a retry resends it whole.
func (c *Client) upload(ctx context.Context, ep *endpoint, field, filename, contentType string, content []byte, out any) error {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	h := make(textproto.MIMEHeader, 2)
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, field, filename))
	h.Set("Content-Type", contentType)
	part, err := mw.CreatePart(h)
	if err == nil {
		_, err = part.Write(content)
	}
	if err == nil {
		err = mw.Close()
	}
	if err != nil {
		return fmt.Errorf("bankhub: %s %s: building request: %w", ep.method, ep.pattern, err)
	}
	return c.send(ctx, &call{ep: ep, path: ep.pattern, body: body.Bytes(), contentType: mw.FormDataContentType(), out: out})
}

// send is the one request path every operation goes through.
func (c *Client) send(ctx context.Context, cl *call) error {
	if ctx == nil {
		return errors.New("bankhub: nil context")
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	ep := cl.ep
	u := c.baseURL + cl.path
	if cl.query != "" {
		u = c.baseURL + cl.path + "?" + cl.query // one allocation
	}
	outer := ctx
	if c.logger != nil && c.logger.Enabled(ctx, slog.LevelDebug) {
		ctx = context.WithValue(ctx, callKey{}, cl)
	}
	if !ep.basic {
		var err error
		if cl.auth, err = c.authorization(outer); err != nil {
			return err
		}
	}
	resp, err := c.attempt(ctx, cl, u)
	if err == nil && resp.StatusCode == http.StatusUnauthorized && !ep.basic {
		// The token was rejected: drop it (if nobody replaced it yet), get a
		// new one and replay once. A second 401 is returned as is.
		cl.release()
		closeBody(resp)
		c.invalidate(cl.auth)
		if cl.auth, err = c.authorization(outer); err != nil {
			return err
		}
		resp, err = c.attempt(ctx, cl, u)
	}
	defer cl.release()
	if err != nil {
		closeBody(resp)
		if ctxErr := outer.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
			// Both stay reachable: errors.Is(err, context.Canceled) and
			// errors.As(err, **url.Error) hold.
			err = fmt.Errorf("%w (%w)", ctxErr, err)
		}
		return fmt.Errorf("bankhub: %s %s: %w", ep.method, cl.path, err)
	}
	if cl.buf == nil {
		// The answer was not read by readBody (retries ran out on it).
		if err := cl.readBody(resp); err != nil {
			return fmt.Errorf("bankhub: %s %s: reading response: %w", ep.method, cl.path, err)
		}
	}
	return c.decodeResponse(cl, resp)
}

// attempt sends the request through go-retryablehttp with the operation's
// retry class. The body bytes are resent on every retry.
func (c *Client) attempt(ctx context.Context, cl *call, u string) (*http.Response, error) {
	var rawBody any
	if cl.body != nil {
		rawBody = cl.body
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, cl.ep.method, u, rawBody)
	if err != nil {
		return nil, err
	}
	h := req.Header
	h["Accept"] = hdrJSON
	h["User-Agent"] = c.userAgent
	if cl.body != nil {
		if cl.contentType == "application/json" {
			h["Content-Type"] = hdrJSON
		} else {
			h["Content-Type"] = []string{cl.contentType}
		}
	}
	if cl.ep.basic {
		h["Authorization"] = c.basicAuth.header
	} else {
		h["Authorization"] = cl.auth.value
	}
	req.SetResponseHandler(cl.readBody)
	return c.retriers[cl.ep.class].Do(req)
}

// readBody reads the final answer into a pooled buffer. Run as the
// retryablehttp response handler, so that a connection cut mid-body counts
// as a failed attempt (retried for safe operations).
func (cl *call) readBody(resp *http.Response) error {
	cl.release()
	buf := bufPool.Get().(*bytes.Buffer)
	cl.buf = buf
	_, err := buf.ReadFrom(io.LimitReader(resp.Body, maxResponseBody+1))
	resp.Body.Close()
	if err != nil {
		cl.release() // a retry must not see a partial body
		return err
	}
	if buf.Len() > maxResponseBody {
		return fmt.Errorf("response body exceeds %d bytes", maxResponseBody)
	}
	return nil
}

// release returns the answer's buffer to the pool.
func (cl *call) release() {
	if cl.buf != nil {
		if cl.buf.Cap() <= 1<<20 {
			cl.buf.Reset()
			bufPool.Put(cl.buf)
		}
		cl.buf = nil
	}
}

func closeBody(resp *http.Response) {
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
}

// authorization returns the bearer header for the current token. The header
// value is reused for as long as the token is, so a held token costs no
// allocation per call.
func (c *Client) authorization(ctx context.Context) (*authHeader, error) {
	var tok *oauth2.Token
	var err error
	switch ts := c.tokens.(type) {
	case *tokenSource:
		tok, err = ts.token(ctx)
	case ContextTokenSource:
		tok, err = ts.TokenContext(ctx)
	default:
		tok, err = ts.Token()
	}
	if err != nil && c.builtin == nil {
		err = fmt.Errorf("bankhub: token source: %w", err)
	}
	if err != nil {
		return nil, err
	}
	if tok == nil || tok.AccessToken == "" {
		return nil, errors.New("bankhub: token source returned an empty token")
	}
	if a := c.lastAuth.Load(); a != nil && a.token == tok.AccessToken {
		return a, nil
	}
	a := &authHeader{tok: tok, token: tok.AccessToken, value: []string{"Bearer " + tok.AccessToken}}
	c.lastAuth.Store(a)
	return a, nil
}

// invalidate tells the token source that the API rejected the token.
func (c *Client) invalidate(a *authHeader) {
	if inv, ok := c.tokens.(Invalidator); ok {
		inv.Invalidate(a.tok)
	}
}

// utf8BOM is skipped before a JSON body: some servers put one there.
var utf8BOM = []byte("\xef\xbb\xbf")

// decodeResponse turns the call's answer into its result or a typed error,
// with every secret the call knows redacted from the error (worked out on
// the error paths only).
func (c *Client) decodeResponse(cl *call, resp *http.Response) error {
	method, path, body := cl.ep.method, cl.path, cl.buf.Bytes()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return newResponseError(method, path, resp, body, c.knownSecrets(cl.auth, cl.secrets))
	}
	if cl.out == nil {
		return nil
	}
	trimmed := bytes.TrimPrefix(bytes.TrimSpace(body), utf8BOM)
	if len(trimmed) == 0 {
		return &DecodeError{StatusCode: resp.StatusCode, Method: method, Path: path, Err: ErrEmptyBody}
	}
	if trimmed[0] != '{' && trimmed[0] != '[' {
		return newNonJSONError(method, path, resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Cf-Ray"), body,
			c.knownSecrets(cl.auth, cl.secrets))
	}
	if err := json.Unmarshal(trimmed, cl.out); err != nil {
		return &DecodeError{StatusCode: resp.StatusCode, Method: method, Path: path, Excerpt: excerpt(body, c.knownSecrets(cl.auth, cl.secrets)), Err: err}
	}
	if v, ok := cl.out.(checker); ok {
		if err := v.check(); err != nil {
			return &DecodeError{StatusCode: resp.StatusCode, Method: method, Path: path, Excerpt: excerpt(body, c.knownSecrets(cl.auth, cl.secrets)), Err: err}
		}
	}
	return nil
}

// checker is implemented by the answer types that can tell a 2xx answer
// without what it must carry (a {"data": …} envelope without data, a token
// answer without a token); decodeResponse turns that into a DecodeError.
type checker interface{ check() error }

// errNoData is reported when a {"data": …} answer has no data.
var errNoData = errors.New(`response has no "data"`)

// dataEnvelope is the {"data": …} success shape of most endpoints.
type dataEnvelope[T any] struct {
	Data *T `json:"data"`
}

func (e *dataEnvelope[T]) check() error {
	if e.Data == nil {
		return errNoData
	}
	return nil
}
