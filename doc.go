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
// Error strings are one line of at most 1 KiB with control characters
// escaped, and never contain the client secret, an access token, a link-token
// value or a webhook secret; neither do excerpts of answers, error bodies,
// log lines or fmt renderings of a Client.
//
// # Pagination
//
// List returns one page (Page with Data and Meta; both of the API's meta
// shapes fill PageMeta). All walks every page lazily as an iter.Seq2 and
// yields each item that existed when the walk began exactly once, even when
// items arrive at the front mid-walk (lists are newest first); memory stays
// a page and two pages' keys. It stops at the first error, which it yields,
// and always terminates: contradictory pages end it with ErrPagination.
//
//	for tx, err := range client.Transactions.All(ctx, &bankhub.TransactionListParams{TransferType: bankhub.TransferIn}) {
//		if err != nil { ... }
//		total += tx.Amount
//	}
//
// # Webhooks and IPN
//
// Bank Hub calls the merchant in two ways, on two endpoints: webhook events
// about the link lifecycle (X-Secret-Key: the secret given to Webhooks.Set;
// ParseEvent, VerifyWebhook, NewWebhookHandler) and IPN for every transaction
// (Authorization: Apikey <key>, configured with SePay out of band; ParseIPN,
// VerifyIPN, NewIPNHandler). The handlers verify in constant time and fail
// closed, and answer 200 {"success": true} once the function returned nil.
// With WithDedupe, each notification reaches the function once however often
// it is delivered; see DedupeStore for the states (in progress under a
// renewed lease, done, free again after a failure or a crash).
//
// SePay redelivers only when it cannot connect, so an IPN answered 500 or cut
// off by a crash is lost. A Reconciler, given the same function and store,
// hands the function every recent transaction not yet done. Every transfer
// is handed over, money out included: a function that credits orders
// checks TransferType.Incoming(), or is wrapped in IncomingOnly:
//
//	credit := bankhub.IncomingOnly(func(ctx context.Context, n *bankhub.IPN) error {
//		return orders.MarkPaid(ctx, n.PaymentCode, n.Amount) // a refund never gets here
//	})
//	store := bankhub.NewMemoryDedupe(0, 0) // redisstore.NewDedupe(rdb) with replicas
//	http.Handle("POST /bankhub/ipn", bankhub.NewIPNHandler(apiKey, credit, bankhub.WithDedupe(store)))
//	go bankhub.NewReconciler(client, credit, bankhub.WithReconcileDedupe(store)).Run(ctx)
//
// Those stores record "done" apart from the function's own write, so a
// process that dies between the two hands the transaction over again. The
// module github.com/bankhub-go/bankhub/sqlinbox closes that window: "done"
// is a row in the merchant's own PostgreSQL or SQLite transaction, committed
// with the function's writes or not at all (a TxDedupeStore).
//
// # Testing
//
// Package bankhubtest is an in-memory Bank Hub for tests: every endpoint,
// strict about its input, with state, expiring tokens, a hosted link page,
// simulations of the user and the bank that deliver the real webhook events
// and IPN, faults on demand, and a control API for tests in other languages:
//
//	srv := bankhubtest.NewTestServer(t)
//	client := srv.Client()
//
// NewWebhookTestRequest and NewIPNTestRequest build the requests SePay
// sends, for testing a handler on its own.
//
// # Replicas
//
// Several replicas of a backend share one access token and one record of
// handled notifications through Redis with the separate module
// github.com/bankhub-go/bankhub/redisstore (NewClient, NewDedupe,
// NewReconcileLock); the root module does not depend on Redis.
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
// Money is VND (whole dong, int64). Flags, counts and ids that the API
// spells several ways ("1", 1, true; "6", 6) are plain bool, int and string
// fields, read leniently, so a value read can be sent back as it is.
// Enums are open string types: unknown values decode without error.
package bankhub
