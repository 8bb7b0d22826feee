package bankhub

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"strings"
)

// MerchantConfigService reads and changes the merchant configuration.
type MerchantConfigService service

// MerchantConfig is the merchant-wide configuration.
type MerchantConfig struct {
	// TransactionWhitelistRemarkKeywords keeps notifications to transactions
	// whose content contains one of the keywords (case-insensitive); empty
	// means every transaction.
	TransactionWhitelistRemarkKeywords []string `json:"transaction_whitelist_remark_keywords"`
	// GlobalHostedLinkCustomCSS is injected into every hosted link. Some
	// versions of the API do not return it; it is then "".
	GlobalHostedLinkCustomCSS string `json:"global_hosted_link_custom_css"`
	// LogoURL is the logo shown on hosted links.
	LogoURL string `json:"logo_url"`
}

// MerchantConfigUpdateParams is a partial update: a nil field is not sent
// and keeps its value.
type MerchantConfigUpdateParams struct {
	// TransactionWhitelistRemarkKeywords replaces the keyword list when not
	// nil; an empty, non-nil slice clears it. The server trims and
	// de-duplicates keywords.
	TransactionWhitelistRemarkKeywords []string
	// GlobalHostedLinkCustomCSS replaces the custom CSS when not nil.
	// It must be CSS only: the server rejects scripts.
	GlobalHostedLinkCustomCSS *string
}

type merchantConfigUpdateBody struct {
	Keywords *[]string `json:"transaction_whitelist_remark_keywords,omitempty"`
	CSS      *string   `json:"global_hosted_link_custom_css,omitempty"`
}

func (p *MerchantConfigUpdateParams) encode(op string) (*call, error) {
	if p == nil || (p.TransactionWhitelistRemarkKeywords == nil && p.GlobalHostedLinkCustomCSS == nil) {
		return nil, paramErr(op, "", "nothing to update: set at least one field")
	}
	b := &merchantConfigUpdateBody{CSS: p.GlobalHostedLinkCustomCSS}
	if p.TransactionWhitelistRemarkKeywords != nil {
		for _, k := range p.TransactionWhitelistRemarkKeywords {
			if strings.TrimSpace(k) == "" {
				return nil, paramErr(op, "transaction_whitelist_remark_keywords", "keywords must not be empty")
			}
		}
		b.Keywords = &p.TransactionWhitelistRemarkKeywords
	}
	if b.CSS != nil && strings.Contains(strings.ToLower(*b.CSS), "<script") {
		return nil, paramErr(op, "global_hosted_link_custom_css", "must not contain a script")
	}
	return &call{in: b}, nil
}

// MerchantCounterParams bounds MerchantConfig.Counter. Both default to today on
// the server.
type MerchantCounterParams struct {
	StartDate Date
	EndDate   Date
}

func (p *MerchantCounterParams) encode(op string) (*call, error) {
	if p == nil {
		return &call{}, nil
	}
	q := url.Values{}
	if err := addDate(q, op, "start_date", p.StartDate); err != nil {
		return nil, err
	}
	if err := addDate(q, op, "end_date", p.EndDate); err != nil {
		return nil, err
	}
	if !p.StartDate.IsZero() && !p.EndDate.IsZero() && p.EndDate.Before(p.StartDate) {
		return nil, paramErr(op, "end_date", "must not be before start_date")
	}
	return &call{query: q.Encode()}, nil
}

// MaxLogoSize is the largest logo the API accepts (1 MiB).
const MaxLogoSize = 1 << 20

var (
	merchantConfigGetEndpoint    = &endpoint{name: "MerchantConfig.Get", method: "GET", pattern: "/v1/merchant-config", class: classSafe}
	merchantConfigUpdateEndpoint = &endpoint{name: "MerchantConfig.Update", method: "POST", pattern: "/v1/merchant-config", class: classIdempotent}
	merchantLogoEndpoint         = &endpoint{name: "MerchantConfig.UploadLogo", method: "POST", pattern: "/v1/merchant-config/logo", class: classIdempotent}
	merchantCounterEndpoint      = &endpoint{name: "MerchantConfig.Counter", method: "GET", pattern: "/v1/merchant-config/counter", class: classSafe}
)

// Get returns the merchant configuration.
//
// API: GET /v1/merchant-config (https://developer.sepay.vn/en/bankhub/api/api-merchant/thong-tin-cau-hinh)
func (s *MerchantConfigService) Get(ctx context.Context) (*MerchantConfig, error) {
	return getData[MerchantConfig](ctx, s.client, merchantConfigGetEndpoint, &call{})
}

// Update changes the fields set in params and returns the new configuration.
//
// API: POST /v1/merchant-config (https://developer.sepay.vn/en/bankhub/api/api-merchant/chinh-sua-thong-tin-cau-hinh)
func (s *MerchantConfigService) Update(ctx context.Context, params *MerchantConfigUpdateParams) (*MerchantConfig, error) {
	r, err := params.encode(merchantConfigUpdateEndpoint.name)
	if err != nil {
		return nil, err
	}
	return getData[MerchantConfig](ctx, s.client, merchantConfigUpdateEndpoint, r)
}

// UploadLogo replaces the logo shown on hosted links and returns its URL.
// The image must be JPEG or PNG (checked from its content, not its name) and
// at most MaxLogoSize bytes; at most MaxLogoSize+1 bytes are read from r.
// filename is sent with the file; it may be empty, and its extension, if
// any, must match the content (.jpg/.jpeg or .png). The request body is built
// once, so a retry resends it.
//
// API: POST /v1/merchant-config/logo (https://developer.sepay.vn/en/bankhub/api/api-merchant/upload-logo-merchant)
func (s *MerchantConfigService) UploadLogo(ctx context.Context, filename string, r io.Reader) (logoURL string, err error) {
	filename, mime, img, err := readLogo(merchantLogoEndpoint.name, filename, r)
	if err != nil {
		return "", err
	}
	var out dataEnvelope[struct {
		LogoURL string `json:"logo_url"`
	}]
	if err := s.client.upload(ctx, merchantLogoEndpoint, "logo", filename, mime, img, &out); err != nil {
		return "", err
	}
	return out.Data.LogoURL, nil
}

// readLogo reads and checks a logo: its content type (from the content),
// and the file name to send (its extension must match; one is added when
// missing).
func readLogo(op, filename string, r io.Reader) (name, mime string, img []byte, err error) {
	if r == nil {
		return "", "", nil, paramErr(op, "logo", "reader is nil")
	}
	img, err = io.ReadAll(io.LimitReader(r, MaxLogoSize+1))
	if err != nil {
		return "", "", nil, fmt.Errorf("bankhub: %s: reading logo: %w", op, err)
	}
	switch {
	case len(img) == 0:
		return "", "", nil, paramErr(op, "logo", "empty file")
	case len(img) > MaxLogoSize:
		return "", "", nil, paramErr(op, "logo", "larger than 1 MiB")
	}
	mime = http.DetectContentType(img)
	var exts []string
	switch mime {
	case "image/jpeg":
		exts = []string{".jpg", ".jpeg"}
	case "image/png":
		exts = []string{".png"}
	default:
		return "", "", nil, paramErr(op, "logo", "must be a JPEG or PNG image, got "+mime)
	}
	filename = path.Base(strings.ReplaceAll(strings.TrimSpace(filename), `\`, "/"))
	ext := strings.ToLower(path.Ext(filename))
	switch {
	case filename == "." || filename == "/" || filename == "":
		filename = "logo" + exts[0]
	case ext == "":
		filename += exts[0]
	case ext != exts[0] && (len(exts) == 1 || ext != exts[1]):
		return "", "", nil, paramErr(op, "logo", "file name "+quoteShort(filename)+" does not match its "+mime+" content")
	}
	return filename, mime, img, nil
}

// Counter returns the merchant's daily transaction counts between two days
// (both default to today). Transaction counts incoming transactions only.
//
// API: GET /v1/merchant-config/counter (https://developer.sepay.vn/en/bankhub/api/api-merchant/bo-dem-merchant)
func (s *MerchantConfigService) Counter(ctx context.Context, params *MerchantCounterParams) (*Counter, error) {
	r, err := params.encode(merchantCounterEndpoint.name)
	if err != nil {
		return nil, err
	}
	return getData[Counter](ctx, s.client, merchantCounterEndpoint, r)
}
