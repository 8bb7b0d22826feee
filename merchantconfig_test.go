package bankhub

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var merchantConfigABC = &MerchantConfig{
	TransactionWhitelistRemarkKeywords: []string{"thanh toan", "payment", "chuyen khoan"},
	GlobalHostedLinkCustomCSS:          "body { background: #f0f0f0; color: #333; }",
	LogoURL:                            "https://s3.ap-southeast-1.amazonaws.com/bankhub/logos/1024-1768312023.png",
}

func TestMerchantConfigGet(t *testing.T) {
	t.Parallel()
	api := setup(t)
	api.handle("GET /v1/merchant-config", func(w http.ResponseWriter, r *http.Request) {
		testRequest(t, r, "GET", "")
		writeJSON(w, 200, fixture(t, "merchant-config.json"))
	})
	got, err := api.client.MerchantConfig.Get(context.Background())
	require.NoError(t, err)
	assert.Equal(t, merchantConfigABC, got)
}

func TestMerchantConfigUpdate(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		params *MerchantConfigUpdateParams
		body   string
	}{
		{"keywords", &MerchantConfigUpdateParams{TransactionWhitelistRemarkKeywords: []string{"thanh toan", "payment", "chuyen khoan"}}, fixture(t, "docs/merchant-config-update.request.usage-keywords.json")},
		{"css", &MerchantConfigUpdateParams{GlobalHostedLinkCustomCSS: Ptr("body { background: #f0f0f0; color: #333; }")}, fixture(t, "docs/merchant-config-update.request.usage-css.json")},
		{"clear keywords", &MerchantConfigUpdateParams{TransactionWhitelistRemarkKeywords: []string{}}, `{"transaction_whitelist_remark_keywords":[]}`},
		{"both", &MerchantConfigUpdateParams{TransactionWhitelistRemarkKeywords: []string{"a"}, GlobalHostedLinkCustomCSS: Ptr("")}, `{"transaction_whitelist_remark_keywords":["a"],"global_hosted_link_custom_css":""}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			api := setup(t)
			api.handle("POST /v1/merchant-config", func(w http.ResponseWriter, r *http.Request) {
				testRequest(t, r, "POST", tc.body)
				writeJSON(w, 200, fixture(t, "merchant-config.json"))
			})
			got, err := api.client.MerchantConfig.Update(context.Background(), tc.params)
			require.NoError(t, err)
			assert.Equal(t, merchantConfigABC, got)
		})
	}
}

func TestMerchantConfigUpdateWithoutCSSInAnswer(t *testing.T) {
	t.Parallel()
	api := setup(t)
	api.handle("POST /v1/merchant-config", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, fixture(t, "docs/merchant-config-update.response.200.vi-variant-no-css.json"))
	})
	got, err := api.client.MerchantConfig.Update(context.Background(), &MerchantConfigUpdateParams{TransactionWhitelistRemarkKeywords: []string{"string"}})
	require.NoError(t, err)
	assert.Equal(t, &MerchantConfig{TransactionWhitelistRemarkKeywords: []string{"string"}, LogoURL: "https://example.com"}, got)
}

func TestMerchantConfigUpdateValidation(t *testing.T) {
	t.Parallel()
	api := setup(t)
	for name, p := range map[string]*MerchantConfigUpdateParams{
		"nil":           nil,
		"empty":         {},
		"blank keyword": {TransactionWhitelistRemarkKeywords: []string{"ok", " "}},
		"script":        {GlobalHostedLinkCustomCSS: Ptr("body{} <SCRIPT>alert(1)</script>")},
	} {
		_, err := api.client.MerchantConfig.Update(context.Background(), p)
		assert.ErrorIs(t, err, ErrInvalidParams, name)
	}
	assert.Equal(t, 0, api.requestCount())
}

func pngImage(t *testing.T) []byte {
	var buf bytes.Buffer
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	img.Set(1, 1, color.RGBA{R: 255, A: 255})
	require.NoError(t, png.Encode(&buf, img))
	return buf.Bytes()
}

func jpegImage(t *testing.T) []byte {
	var buf bytes.Buffer
	require.NoError(t, jpeg.Encode(&buf, image.NewRGBA(image.Rect(0, 0, 8, 8)), nil))
	return buf.Bytes()
}

func TestMerchantConfigUploadLogo(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, filename, sentName, mime string
		img                            func(*testing.T) []byte
	}{
		{"png", "brand.png", "brand.png", "image/png", pngImage},
		{"jpeg", "C:\\logos\\brand.JPEG", "brand.JPEG", "image/jpeg", jpegImage},
		{"no name", "", "logo.png", "image/png", pngImage},
		{"no extension", "brand", "brand.jpg", "image/jpeg", jpegImage},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			img := tc.img(t)
			api := setup(t)
			var attempts atomic.Int32
			api.handle("POST /v1/merchant-config/logo", func(w http.ResponseWriter, r *http.Request) {
				mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
				if !assert.NoError(t, err) { // the handler's goroutine: no require
					return
				}
				assert.Equal(t, "multipart/form-data", mt)
				mr := multipart.NewReader(r.Body, params["boundary"])
				part, err := mr.NextPart()
				if !assert.NoError(t, err) {
					return
				}
				assert.Equal(t, "logo", part.FormName())
				assert.Equal(t, tc.sentName, part.FileName())
				assert.Equal(t, tc.mime, part.Header.Get("Content-Type"))
				got, _ := io.ReadAll(part)
				assert.Equal(t, img, got, "the whole file is sent, on every attempt")
				_, err = mr.NextPart()
				assert.ErrorIs(t, err, io.EOF)
				if attempts.Add(1) == 1 {
					writeJSON(w, 503, `{"message":"busy"}`)
					return
				}
				writeJSON(w, 200, fixture(t, "merchant-config-logo.json"))
			})
			url, err := api.client.MerchantConfig.UploadLogo(context.Background(), tc.filename, bytes.NewReader(img))
			require.NoError(t, err)
			assert.Equal(t, "https://s3.ap-southeast-1.amazonaws.com/bankhub/logos/1024-1768312999.png", url)
			assert.Equal(t, int32(2), attempts.Load(), "a logo upload is retried with the same body")
		})
	}
}

// countingReader counts the bytes read from it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func TestMerchantConfigUploadLogoValidation(t *testing.T) {
	t.Parallel()
	api := setup(t)
	ctx := context.Background()
	big := append(pngImage(t), make([]byte, MaxLogoSize)...)
	cr := &countingReader{r: bytes.NewReader(append(big, make([]byte, 5<<20)...))}
	_, err := api.client.MerchantConfig.UploadLogo(ctx, "big.png", cr)
	assert.ErrorIs(t, err, ErrInvalidParams)
	assert.Contains(t, err.Error(), "larger than 1 MiB")
	assert.Equal(t, int64(MaxLogoSize+1), cr.n, "reads at most 1 MiB + 1 byte")

	gif := []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;")
	_, err = api.client.MerchantConfig.UploadLogo(ctx, "logo.gif", bytes.NewReader(gif))
	assert.ErrorIs(t, err, ErrInvalidParams)
	assert.Contains(t, err.Error(), "JPEG or PNG")
	_, err = api.client.MerchantConfig.UploadLogo(ctx, "logo.svg", strings.NewReader(`<svg xmlns="http://www.w3.org/2000/svg"></svg>`))
	assert.ErrorIs(t, err, ErrInvalidParams)
	_, err = api.client.MerchantConfig.UploadLogo(ctx, "logo.jpg", bytes.NewReader(pngImage(t)))
	assert.ErrorIs(t, err, ErrInvalidParams)
	assert.Contains(t, err.Error(), "does not match")
	_, err = api.client.MerchantConfig.UploadLogo(ctx, "empty.png", bytes.NewReader(nil))
	assert.ErrorIs(t, err, ErrInvalidParams)
	_, err = api.client.MerchantConfig.UploadLogo(ctx, "x.png", nil)
	assert.ErrorIs(t, err, ErrInvalidParams)
	_, err = api.client.MerchantConfig.UploadLogo(ctx, "x.png", io.MultiReader(strings.NewReader("\x89PNG"), errReader{}))
	assert.ErrorIs(t, err, errBoom)
	assert.Equal(t, 0, api.requestCount())
}

var errBoom = errors.New("boom")

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errBoom }

func TestMerchantConfigUploadLogoTooLargeOnServer(t *testing.T) {
	t.Parallel()
	api := setup(t)
	api.handle("POST /v1/merchant-config/logo", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 413, `{"code":413,"message":"File quá lớn"}`)
	})
	_, err := api.client.MerchantConfig.UploadLogo(context.Background(), "a.png", bytes.NewReader(pngImage(t)))
	assert.ErrorIs(t, err, ErrValidation)
	assert.Equal(t, 1, api.requestsTo("POST /v1/merchant-config/logo"))
}

func TestMerchantConfigCounter(t *testing.T) {
	t.Parallel()
	api := setup(t)
	api.handle("GET /v1/merchant-config/counter", func(w http.ResponseWriter, r *http.Request) {
		testRequest(t, r, "GET", "")
		testQuery(t, r, map[string]string{"start_date": "2026-04-01", "end_date": "2026-04-30"})
		writeJSON(w, 200, fixture(t, "merchant-counter.json"))
	})
	got, err := api.client.MerchantConfig.Counter(context.Background(), &MerchantCounterParams{StartDate: NewDate(2026, 4, 1), EndDate: NewDate(2026, 4, 30)})
	require.NoError(t, err)
	assert.Equal(t, &Counter{
		Dates: []CounterDay{{CompanyID: "123", Date: NewDate(2026, 4, 1), Transaction: 12, TransactionIn: 12, TransactionOut: 3}},
		Total: CounterTotals{Transaction: 18, TransactionIn: 18, TransactionOut: 5},
	}, got)
}

func TestMerchantConfigCounterValidation(t *testing.T) {
	t.Parallel()
	api := setup(t)
	for field, p := range map[string]*MerchantCounterParams{
		"end_date":   {StartDate: NewDate(2026, 4, 2), EndDate: NewDate(2026, 4, 1)},
		"start_date": {StartDate: NewDate(2026, 2, 29)},
	} {
		_, err := api.client.MerchantConfig.Counter(context.Background(), p)
		var pe *ParamError
		require.ErrorAs(t, err, &pe)
		assert.Equal(t, field, pe.Field)
	}
	assert.Equal(t, 0, api.requestCount())
}
