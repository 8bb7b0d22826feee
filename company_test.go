package bankhub

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func companyABC() Company {
	return Company{
		XID:       "d3dafd01-e06b-11f0-b29e-52c7e9b4f41b",
		FullName:  "Công ty TNHH ABC",
		Status:    CompanyActive,
		Active:    true,
		CreatedAt: Time{Time: vnTime(2026, 1, 10, 9, 15, 0), Raw: "2026-01-10 09:15:00"},
		UpdatedAt: Time{Time: vnTime(2026, 1, 12, 14, 2, 31), Raw: "2026-01-12 14:02:31"},
	}
}

func TestCompaniesList(t *testing.T) {
	t.Parallel()
	api := setup(t)
	api.handle("GET /v1/company", func(w http.ResponseWriter, r *http.Request) {
		testRequest(t, r, "GET", "")
		testQuery(t, r, map[string]string{"q": "ABC", "status": "Active", "page": "1", "per_page": "2", "sort[created_at]": "asc"})
		assert.Contains(t, r.URL.RawQuery, "sort%5Bcreated_at%5D=asc")
		writeJSON(w, 200, fixture(t, "company-list.json"))
	})
	page, err := api.client.Companies.List(context.Background(), &CompanyListParams{
		Query: "ABC", Status: CompanyActive, SortCreatedAt: SortAsc, Page: 1, PerPage: 2,
	})
	require.NoError(t, err)
	assert.Equal(t, &Page[Company]{
		Data: []Company{companyABC(), {
			XID:       "e8a1c2f4-e06b-11f0-b29e-52c7e9b4f41b",
			FullName:  "Công ty TNHH XYZ",
			Status:    CompanyPending,
			Active:    false,
			CreatedAt: Time{Time: vnTime(2026, 1, 9, 16, 40, 12), Raw: "2026-01-09 16:40:12"},
			UpdatedAt: Time{Time: vnTime(2026, 1, 9, 16, 40, 12), Raw: "2026-01-09 16:40:12"},
		}},
		Meta: PageMeta{Page: 1, PerPage: 2, Total: 5, TotalPages: 3, HasMore: true},
	}, page)
}

func TestCompaniesListNoParams(t *testing.T) {
	t.Parallel()
	api := setup(t)
	api.handle("GET /v1/company", func(w http.ResponseWriter, r *http.Request) {
		assert.Empty(t, r.URL.RawQuery)
		writeJSON(w, 200, fixture(t, "company-list.json"))
	})
	page, err := api.client.Companies.List(context.Background(), nil)
	require.NoError(t, err)
	assert.Len(t, page.Data, 2)
}

func TestCompaniesListDocsPlaceholderFlag(t *testing.T) {
	t.Parallel()
	api := setup(t)
	api.handle("GET /v1/company", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, fixture(t, "docs/company-list.response.200.json"))
	})
	// The docs print "active": "string"; a flag that is neither 0/1 nor a
	// boolean is reported, not guessed.
	_, err := api.client.Companies.List(context.Background(), nil)
	var de *DecodeError
	require.ErrorAs(t, err, &de)
	assert.Contains(t, err.Error(), `invalid flag "string"`)
}

func TestCompaniesGet(t *testing.T) {
	t.Parallel()
	api := setup(t)
	api.handle("GET /v1/company/{xid}", func(w http.ResponseWriter, r *http.Request) {
		testRequest(t, r, "GET", "")
		assert.Equal(t, "d3dafd01-e06b-11f0-b29e-52c7e9b4f41b", r.PathValue("xid"))
		writeJSON(w, 200, fixture(t, "company-get.json"))
	})
	got, err := api.client.Companies.Get(context.Background(), "d3dafd01-e06b-11f0-b29e-52c7e9b4f41b")
	require.NoError(t, err)
	want := companyABC()
	want.Configuration = &CompanyConfiguration{
		PaymentCode:                    PaymentCodeOn,
		PaymentCodePrefix:              "DH",
		PaymentCodeSuffixFrom:          6,
		PaymentCodeSuffixTo:            8,
		PaymentCodeSuffixCharacterType: SuffixNumberOnly,
		DataStorageTime:                "30",
		TransactionAmount:              UnlimitedTransactions(),
	}
	assert.Equal(t, &want, got)
}

func TestCompaniesGetEscapesID(t *testing.T) {
	t.Parallel()
	api := setup(t)
	api.handle("GET /v1/company/{xid}", func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "/api-prefix/v1/company/a%2Fb%3Fc", r.URL.EscapedPath())
		assert.Empty(t, r.URL.RawQuery)
		writeJSON(w, 404, fixture(t, "error.404.status-error.json"))
	})
	_, err := api.client.Companies.Get(context.Background(), "a/b?c")
	assert.ErrorIs(t, err, ErrNotFound)
	assert.Equal(t, 1, api.requestsTo("GET /v1/company/a/b?c"))
}

func TestCompaniesCreate(t *testing.T) {
	t.Parallel()
	api := setup(t)
	api.handle("POST /v1/company/create", func(w http.ResponseWriter, r *http.Request) {
		testRequest(t, r, "POST", fixture(t, "docs/company-create.request.usage-active.json"))
		writeJSON(w, 201, fixture(t, "company-create.json"))
	})
	got, err := api.client.Companies.Create(context.Background(), &CompanyCreateParams{FullName: "Công ty TNHH ABC", Status: CompanyActive})
	require.NoError(t, err)
	assert.Equal(t, &Company{XID: "d3dafd01-e06b-11f0-b29e-52c7e9b4f41b", FullName: "Công ty TNHH ABC"}, got)
}

func TestCompaniesCreateIsNotRetriedOn503(t *testing.T) {
	t.Parallel()
	api := setup(t)
	api.handle("POST /v1/company/create", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 503, `{"code":503,"message":"Database error"}`)
	})
	_, err := api.client.Companies.Create(context.Background(), &CompanyCreateParams{FullName: "X", Status: CompanyPending})
	assert.ErrorIs(t, err, ErrServer)
	assert.Equal(t, 1, api.requestsTo("POST /v1/company/create"))
}

func TestCompaniesUpdate(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		params *CompanyUpdateParams
		body   string
	}{
		{"full name only", &CompanyUpdateParams{FullName: Ptr("Công ty TNHH ABC Updated")}, fixture(t, "docs/company-edit.request.usage-full-name.json")},
		{"unlimited transactions", &CompanyUpdateParams{TransactionAmount: Ptr(UnlimitedTransactions())}, `{"transaction_amount":"Unlimited"}`},
		{"count of transactions", &CompanyUpdateParams{TransactionAmount: Ptr(TransactionCount(1000))}, `{"transaction_amount":1000}`},
		{"every field", &CompanyUpdateParams{
			FullName: Ptr("ABC"), ShortName: Ptr("ABC"), Status: Ptr(CompanyPending), PaymentCode: Ptr(PaymentCodeOn),
			PaymentCodePrefix: Ptr("DH"), PaymentCodeSuffixFrom: Ptr(1), PaymentCodeSuffixTo: Ptr(1),
			PaymentCodeSuffixCharacterType: Ptr(SuffixNumberOnly), TransactionAmount: Ptr(TransactionCount(0)),
		}, `{"full_name":"ABC","short_name":"ABC","status":"Pending","payment_code":"on","payment_code_prefix":"DH","payment_code_suffix_from":1,"payment_code_suffix_to":1,"payment_code_suffix_character_type":"NumberOnly","transaction_amount":0}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			api := setup(t)
			api.handle("POST /v1/company/edit/{xid}", func(w http.ResponseWriter, r *http.Request) {
				assert.Equal(t, "d3dafd01-e06b-11f0-b29e-52c7e9b4f41b", r.PathValue("xid"))
				testRequest(t, r, "POST", tc.body)
				writeJSON(w, 200, fixture(t, "company-edit.json"))
			})
			require.NoError(t, api.client.Companies.Update(context.Background(), "d3dafd01-e06b-11f0-b29e-52c7e9b4f41b", tc.params))
		})
	}
}

func TestCompaniesUpdateIsRetried(t *testing.T) {
	t.Parallel()
	api := setup(t)
	api.handle("POST /v1/company/edit/{xid}", failThen(2, 502, `{"message":"bad gateway"}`, nil, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, fixture(t, "company-edit.json"))
	}))
	require.NoError(t, api.client.Companies.Update(context.Background(), "c1", &CompanyUpdateParams{Status: Ptr(CompanyActive)}))
	assert.Equal(t, 3, api.requestsTo("POST /v1/company/edit/c1"), "an edit is idempotent and retried")
}

func TestCompaniesUpdateNotFound(t *testing.T) {
	t.Parallel()
	api := setup(t)
	api.handle("POST /v1/company/edit/{xid}", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 404, fixture(t, "docs/company-edit.response.404.json"))
	})
	err := api.client.Companies.Update(context.Background(), "c1", &CompanyUpdateParams{Status: Ptr(CompanyActive)})
	assert.ErrorIs(t, err, ErrNotFound)
}

func TestCompaniesCounter(t *testing.T) {
	t.Parallel()
	api := setup(t)
	api.handle("GET /v1/company/counter/{xid}", func(w http.ResponseWriter, r *http.Request) {
		testRequest(t, r, "GET", "")
		assert.Equal(t, "c1", r.PathValue("xid"))
		testQuery(t, r, map[string]string{"date": "2026-01-12"})
		writeJSON(w, 200, fixture(t, "company-counter.json"))
	})
	got, err := api.client.Companies.Counter(context.Background(), "c1", &CompanyCounterParams{Date: NewDate(2026, 1, 12)})
	require.NoError(t, err)
	assert.Equal(t, &Counter{
		Dates: []CounterDay{
			{Date: NewDate(2026, 1, 12), Transaction: 14, TransactionIn: 11, TransactionOut: 3},
			{Date: NewDate(2026, 1, 13), Transaction: 6, TransactionIn: 6, TransactionOut: 0},
		},
		Total: CounterTotals{Transaction: 20, TransactionIn: 17, TransactionOut: 3},
	}, got)
}

func TestCompaniesCounterAllDays(t *testing.T) {
	t.Parallel()
	api := setup(t)
	api.handle("GET /v1/company/counter/{xid}", func(w http.ResponseWriter, r *http.Request) {
		assert.Empty(t, r.URL.RawQuery)
		writeJSON(w, 200, fixture(t, "docs/company-counter.response.200.json"))
	})
	got, err := api.client.Companies.Counter(context.Background(), "c1", nil)
	require.NoError(t, err)
	assert.Equal(t, &Counter{Dates: []CounterDay{{Date: NewDate(2024, 1, 1)}}}, got)
}

func TestCompaniesValidation(t *testing.T) {
	t.Parallel()
	api := setup(t)
	ctx := context.Background()
	long := strings.Repeat("ễ", 201)
	check := func(err error, field string) {
		t.Helper()
		require.Error(t, err)
		assert.ErrorIs(t, err, ErrInvalidParams)
		var pe *ParamError
		require.ErrorAs(t, err, &pe)
		assert.Equal(t, field, pe.Field)
	}
	_, err := api.client.Companies.Get(ctx, "")
	check(err, "xid")
	_, err = api.client.Companies.Create(ctx, nil)
	check(err, "")
	_, err = api.client.Companies.Create(ctx, &CompanyCreateParams{Status: CompanyActive})
	check(err, "full_name")
	_, err = api.client.Companies.Create(ctx, &CompanyCreateParams{FullName: long, Status: CompanyActive})
	check(err, "full_name")
	_, err = api.client.Companies.Create(ctx, &CompanyCreateParams{FullName: strings.Repeat("ễ", 200), Status: "Suspended"})
	check(err, "status")
	_, err = api.client.Companies.Create(ctx, &CompanyCreateParams{FullName: "A"})
	check(err, "status")
	check(api.client.Companies.Update(ctx, "", &CompanyUpdateParams{FullName: Ptr("A")}), "xid")
	check(api.client.Companies.Update(ctx, "c1", nil), "")
	check(api.client.Companies.Update(ctx, "c1", &CompanyUpdateParams{}), "")
	check(api.client.Companies.Update(ctx, "c1", &CompanyUpdateParams{FullName: Ptr(" ")}), "full_name")
	check(api.client.Companies.Update(ctx, "c1", &CompanyUpdateParams{PaymentCode: Ptr(PaymentCodeSwitch("yes"))}), "payment_code")
	check(api.client.Companies.Update(ctx, "c1", &CompanyUpdateParams{PaymentCodePrefix: Ptr("D")}), "payment_code_prefix")
	check(api.client.Companies.Update(ctx, "c1", &CompanyUpdateParams{PaymentCodePrefix: Ptr("DH1")}), "payment_code_prefix")
	check(api.client.Companies.Update(ctx, "c1", &CompanyUpdateParams{PaymentCodeSuffixFrom: Ptr(0)}), "payment_code_suffix_from")
	check(api.client.Companies.Update(ctx, "c1", &CompanyUpdateParams{PaymentCodeSuffixFrom: Ptr(5), PaymentCodeSuffixTo: Ptr(3)}), "payment_code_suffix_to")
	check(api.client.Companies.Update(ctx, "c1", &CompanyUpdateParams{TransactionAmount: Ptr(TransactionCount(-1))}), "transaction_amount")
	_, err = api.client.Companies.Counter(ctx, "c1", &CompanyCounterParams{Date: NewDate(2026, 2, 30)})
	check(err, "date")
	_, err = api.client.Companies.List(ctx, &CompanyListParams{SortCreatedAt: "newest"})
	check(err, "sort[created_at]")
	_, err = api.client.Companies.List(ctx, &CompanyListParams{PerPage: -1})
	check(err, "per_page")
	assert.Equal(t, 0, api.requestCount(), "nothing is sent for invalid params")
}
