package bankhub

import (
	"context"
	"encoding/json"
	"net/url"
)

// LinkTokenService creates, inspects and revokes link tokens. A link token
// opens a hosted link session in which the user links (or unlinks) a bank
// account of one company.
type LinkTokenService service

// LinkTokenCreateParams are the fields of POST /v1/link-token/create.
type LinkTokenCreateParams struct {
	// CompanyXID is the company the account is linked to or unlinked from. Required.
	CompanyXID string
	// Purpose is PurposeLinkBankAccount or PurposeUnlinkBankAccount. Required.
	Purpose LinkTokenPurpose
	// BankAccountXID is the account to unlink. Required for
	// PurposeUnlinkBankAccount; sent as given for linking when set.
	BankAccountXID string
	// CompletionRedirectURI, when set, is where the user is sent at the end
	// of the flow. It must be an absolute http(s) URL. (Bodies carrying
	// localhost URLs have been reported blocked by the API's edge.)
	CompletionRedirectURI string
	// IsMobileApp tells Bank Hub the link opens in a mobile app's WebView
	// (is_mobile_app=1). False (web) is the server's default and is not sent.
	IsMobileApp bool
	// Language of the hosted link UI: LanguageVietnamese (server default)
	// or LanguageEnglish. Empty is not sent.
	Language Language
}

type linkTokenCreateBody struct {
	CompanyXID            string           `json:"company_xid"`
	Purpose               LinkTokenPurpose `json:"purpose"`
	BankAccountXID        string           `json:"bank_account_xid,omitempty"`
	CompletionRedirectURI string           `json:"completion_redirect_uri,omitempty"`
	IsMobileApp           int              `json:"is_mobile_app,omitempty"`
	Language              Language         `json:"language,omitempty"`
}

func (p *LinkTokenCreateParams) encode(op string) (*call, error) {
	if p == nil {
		return nil, paramErr(op, "", "params are required")
	}
	if err := requireID(op, "company_xid", p.CompanyXID); err != nil {
		return nil, err
	}
	if p.Purpose == "" {
		return nil, paramErr(op, "purpose", "required")
	}
	if !p.Purpose.Known() {
		return nil, paramErr(op, "purpose", "must be LINK_BANK_ACCOUNT or UNLINK_BANK_ACCOUNT, got "+quoteShort(string(p.Purpose)))
	}
	if p.Purpose == PurposeUnlinkBankAccount {
		if err := requireID(op, "bank_account_xid", p.BankAccountXID); err != nil {
			return nil, paramErr(op, "bank_account_xid", "required when purpose is UNLINK_BANK_ACCOUNT")
		}
	}
	if p.Language != "" && !p.Language.Known() {
		return nil, paramErr(op, "language", "must be vi or en, got "+quoteShort(string(p.Language)))
	}
	if p.CompletionRedirectURI != "" {
		u, err := url.Parse(p.CompletionRedirectURI)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, paramErr(op, "completion_redirect_uri", "must be an absolute http(s) URL")
		}
	}
	b := &linkTokenCreateBody{
		CompanyXID:            p.CompanyXID,
		Purpose:               p.Purpose,
		BankAccountXID:        p.BankAccountXID,
		CompletionRedirectURI: p.CompletionRedirectURI,
		Language:              p.Language,
	}
	if p.IsMobileApp {
		b.IsMobileApp = 1
	}
	return &call{in: b}, nil
}

// LinkTokenCreated is the answer to LinkTokens.Create.
type LinkTokenCreated struct {
	// XID identifies the link token; Revoke takes it, and webhook events
	// carry it as link_token_xid.
	XID string `json:"xid"`
	// HostedLinkURL is the page to open for the user (iframe, WebView or
	// the JS SDK).
	HostedLinkURL string `json:"hosted_link_url"`
	// LinkToken is the token value; LinkTokens.Get takes it. Treat it as a
	// credential for the session.
	LinkToken string `json:"link_token"`
	// ExpiresAt is when the token stops working.
	ExpiresAt Time `json:"expires_at"`
}

func (r *LinkTokenCreated) check() error {
	if r.XID == "" && r.LinkToken == "" && r.HostedLinkURL == "" {
		return errNoData
	}
	return nil
}

// LinkToken is the detail of a link token with its sessions and events.
type LinkToken struct {
	XID                   string           `json:"xid"`
	Purpose               LinkTokenPurpose `json:"purpose"`
	Status                LinkTokenStatus  `json:"status"`
	CompletionRedirectURI string           `json:"completion_redirect_uri"`
	IsMobileApp           bool             `json:"is_mobile_app"`
	Language              Language         `json:"language"`
	// SessionCount is how many times users opened the link.
	SessionCount int              `json:"session_count"`
	CreatedAt    Time             `json:"created_at"`
	UpdatedAt    Time             `json:"updated_at"`
	ExpiresAt    Time             `json:"expires_at"`
	Company      LinkTokenCompany `json:"company"`
	// Sessions is the history of visits to the hosted link.
	Sessions []LinkSession `json:"sessions"`
	// Events is the lifecycle events of the token.
	Events []LinkTokenEvent `json:"events"`
}

func (r *LinkToken) check() error {
	if r.XID == "" {
		return errNoData
	}
	return nil
}

// LinkTokenCompany is the company a link token belongs to.
type LinkTokenCompany struct {
	XID      string        `json:"xid"`
	FullName string        `json:"full_name"`
	Status   CompanyStatus `json:"status"`
}

// LinkSession is one visit of a user to a hosted link.
type LinkSession struct {
	XID   string       `json:"xid"`
	State SessionState `json:"state"`
	// Status is not documented beyond its type.
	Status string `json:"status"`
	// Context and Result are undocumented objects (null in the docs), kept raw.
	Context    json.RawMessage `json:"context"`
	Result     json.RawMessage `json:"result"`
	FinishedAt Time            `json:"finished_at"`
	ExpiresAt  Time            `json:"expires_at"`
	CreatedAt  Time            `json:"created_at"`
	UpdatedAt  Time            `json:"updated_at"`
}

// LinkTokenEvent is a lifecycle event recorded on a link token.
type LinkTokenEvent struct {
	XID  string    `json:"xid"`
	Name EventType `json:"name"`
	// Metadata is the event's data (undocumented shape), kept raw.
	Metadata  json.RawMessage `json:"metadata"`
	CreatedAt Time            `json:"created_at"`
}

var (
	linkTokenCreateEndpoint = &endpoint{name: "LinkTokens.Create", method: "POST", pattern: "/v1/link-token/create", class: classCreate}
	linkTokenGetEndpoint    = &endpoint{name: "LinkTokens.Get", method: "POST", pattern: "/v1/link-token/get", class: classSafe}
	linkTokenRevokeEndpoint = &endpoint{name: "LinkTokens.Revoke", method: "POST", pattern: "/v1/link-token/revoke", class: classCreate}
)

// Create creates a link token and its hosted link URL for a company.
//
// It is not retried after the request may have reached the server (see
// "Retries" in the package documentation): a duplicate would be a second
// valid token.
//
// API: POST /v1/link-token/create (https://developer.sepay.vn/en/bankhub/api/link-token/tao-link-token)
func (s *LinkTokenService) Create(ctx context.Context, params *LinkTokenCreateParams) (*LinkTokenCreated, error) {
	r, err := params.encode(linkTokenCreateEndpoint.name)
	if err != nil {
		return nil, err
	}
	var out LinkTokenCreated
	r.out = &out
	if err := s.client.do(ctx, linkTokenCreateEndpoint, r); err != nil {
		return nil, err
	}
	return &out, nil
}

// Get returns the details of a link token, its sessions and events. It
// takes the token value (LinkTokenCreated.LinkToken), not its xid.
//
// The docs name the parameter but not its location; the SDK sends it as the
// JSON body {"link_token": "…"} of the POST, like the other link-token calls.
// Although a POST, it only reads, so it is retried like a GET.
//
// API: POST /v1/link-token/get (https://developer.sepay.vn/en/bankhub/api/link-token/thong-tin-link-token)
func (s *LinkTokenService) Get(ctx context.Context, linkToken string) (*LinkToken, error) {
	if err := requireID(linkTokenGetEndpoint.name, "link_token", linkToken); err != nil {
		return nil, err
	}
	var out LinkToken
	body := struct {
		LinkToken string `json:"link_token"`
	}{linkToken}
	if err := s.client.do(ctx, linkTokenGetEndpoint, &call{in: &body, out: &out, secrets: []string{linkToken}}); err != nil {
		return nil, err
	}
	return &out, nil
}

// Revoke invalidates a link token at once; users in its session are
// disconnected. It takes the token's xid (LinkTokenCreated.XID). Revoking an
// already revoked token answers ErrNotFound, which is why a revoke that may
// have reached the server is not retried.
//
// API: POST /v1/link-token/revoke (https://developer.sepay.vn/en/bankhub/api/link-token/thu-hoi-link-token)
func (s *LinkTokenService) Revoke(ctx context.Context, linkTokenXID string) error {
	if err := requireID(linkTokenRevokeEndpoint.name, "link_token_xid", linkTokenXID); err != nil {
		return err
	}
	body := struct {
		LinkTokenXID string `json:"link_token_xid"`
	}{linkTokenXID}
	return s.client.do(ctx, linkTokenRevokeEndpoint, &call{in: &body})
}
