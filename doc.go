// Package bankhub is a client for the SePay Bank Hub API: link and unlink
// Vietnamese bank accounts through a hosted webview, manage companies, read
// bank accounts and transactions, configure the merchant, and receive webhook
// events and balance-change notifications (IPN).
//
// # Getting started
//
//	client, err := bankhub.NewClient(clientID, clientSecret, bankhub.WithSandbox())
//	if err != nil { ... }
//	lt, err := client.LinkTokens.Create(ctx, &bankhub.LinkTokenCreateParams{
//		CompanyXID: companyXID,
//		Purpose:    bankhub.PurposeLinkBankAccount,
//	})
//	// open lt.HostedLinkURL for the user
//
// A Client is safe for concurrent use; make one and share it. Every method
// that does I/O takes a context first, and cancelling it stops the call at
// once, including a wait between retries. The SDK never modifies the params
// you pass.
//
// # Authentication
//
// The client exchanges the client ID and secret for an access token at
// POST /v1/token (Basic authentication) on first use, caches it, and
// refreshes it before it expires (the answer's ttl is read as seconds, as
// documented). Concurrent calls share one refresh. A 401 from any other call
// drops the rejected token, fetches one new token and replays the request
// once; a second 401 is returned as an error matching ErrUnauthorized. A 401
// from /v1/token itself means bad credentials and is not retried.
//
// To share one token between replicas, pass your own oauth2.TokenSource with
// WithTokenSource; if it also implements Invalidator it is told about
// rejected tokens.
//
// # Retries
//
// Failed attempts are retried with exponential backoff and full jitter
// (RetryPolicy, default 3 retries). Retry-After and
// x-sepay-userapi-retry-after are honoured up to RetryPolicy.MaxRetryAfter;
// a longer wait is returned to the caller as an *APIError with RetryAfter
// set instead of being slept through. Retryable failures are transport errors
// (not cancellation, not TLS certificate errors) and the statuses 408, 425,
// 429, 500, 502, 503 and 504. Bank Hub documents no idempotency key and every
// write is a POST, so what is retried depends on the operation:
//
//	class             operations                                           retried on
//	safe              every GET, token, link-token get                     every retryable failure
//	idempotent write  company edit, merchant-config update, logo upload,   every retryable failure
//	                  webhook set
//	create            company create, link-token create, transaction       only when the request surely did not
//	                  simulate, link-token revoke                          reach the server: connection refused,
//	                                                                       DNS or dial failure, or 429
//
// When retries run out the caller gets the last answer as an error (with the
// server's message), not a generic "giving up".
//
// # Errors
//
// Every non-2xx answer with a JSON body is an *APIError, whatever error
// envelope the server used. Errors match sentinels with errors.Is:
// ErrUnauthorized (401), ErrForbidden (403), ErrNotFound (404), ErrValidation
// (400, 413, 422), ErrRateLimited (429) and ErrServer (5xx). An answer that is
// not JSON (an HTML page from the edge, a proxy's 502) is a *NonJSONError with
// the status, content type, an excerpt and the Cloudflare Ray ID; a block page
// also matches ErrBlocked. A 2xx body that cannot be decoded is a
// *DecodeError. Invalid params are refused before anything is sent with a
// *ParamError matching ErrInvalidParams.
//
// Error strings are one line and never contain the client secret, an access
// token or a link-token value; neither do log lines or fmt renderings of a
// Client.
//
// # Logging
//
// WithLogger takes a *slog.Logger. The client writes one Debug line per HTTP
// attempt (method, path template, status, attempt, duration) and never a
// body or a header. Without a logger it is silent.
//
// # Types
//
// Timestamps are Time: "2006-01-02 15:04:05" read in UTC+7, RFC 3339 or Unix
// seconds, with the raw text kept; an odd timestamp never fails a response.
// Money is VND (whole dong, int64). Flags sent as "1"/1/true are Bool.
// Enums are open string types: unknown values decode without error.
package bankhub
