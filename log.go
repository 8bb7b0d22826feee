package bankhub

import (
	"log/slog"
	"net/http"
	"time"
)

// Logging: with WithLogger, one Debug line per HTTP attempt. The request
// path (request.go) puts its *call in the context of a call whose logger
// has Debug enabled; the transport below logs the attempts of such calls.

// logTransport logs one line per attempt for calls that carry a *call in
// their context (set only when Debug logging is enabled).
type logTransport struct {
	base   http.RoundTripper
	logger *slog.Logger
}

// RoundTrip sends one attempt and logs it.
func (t *logTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	cl, _ := ctx.Value(callKey{}).(*call)
	if cl == nil {
		return t.base.RoundTrip(req)
	}
	cl.attempt++
	start := time.Now()
	resp, err := t.base.RoundTrip(req)
	attrs := []slog.Attr{
		slog.String("method", cl.ep.method),
		slog.String("path", cl.ep.pattern),
		slog.Int("attempt", cl.attempt),
		slog.Duration("duration", time.Since(start)),
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
	} else {
		attrs = append(attrs, slog.Int("status", resp.StatusCode))
		if ray := resp.Header.Get("Cf-Ray"); ray != "" {
			attrs = append(attrs, slog.String("cf_ray", ray))
		}
	}
	t.logger.LogAttrs(ctx, slog.LevelDebug, "bankhub: request", attrs...)
	return resp, err
}
