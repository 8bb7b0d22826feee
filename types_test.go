package bankhub

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTimeDecoding(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   string
		want time.Time
		raw  string
	}{
		{`"2024-01-17 10:30:00"`, vnTime(2024, 1, 17, 10, 30, 0), "2024-01-17 10:30:00"},
		{`"2026-01-13T13:48:20Z"`, time.Date(2026, 1, 13, 13, 48, 20, 0, time.UTC), "2026-01-13T13:48:20Z"},
		{`"2026-01-13T20:48:20+07:00"`, vnTime(2026, 1, 13, 20, 48, 20), "2026-01-13T20:48:20+07:00"},
		{`"2026-01-13T20:48:20.123456Z"`, time.Date(2026, 1, 13, 20, 48, 20, 123456000, time.UTC), "2026-01-13T20:48:20.123456Z"},
		{`1768312023`, time.Unix(1768312023, 0), "1768312023"},
		{`"1768312023"`, time.Unix(1768312023, 0), "1768312023"},
		{`"2026-01-13"`, vnTime(2026, 1, 13, 0, 0, 0), "2026-01-13"},
		{`"string"`, time.Time{}, "string"},
		{`"Y-m-d H:i:s"`, time.Time{}, "Y-m-d H:i:s"},
		{`""`, time.Time{}, ""},
		{`null`, time.Time{}, ""},
	}
	for _, tc := range cases {
		var got Time
		require.NoError(t, json.Unmarshal([]byte(tc.in), &got), tc.in)
		assert.True(t, tc.want.Equal(got.Time), "%s: got %s want %s", tc.in, got.Time, tc.want)
		assert.Equal(t, tc.raw, got.Raw, tc.in)
	}
	// One odd timestamp does not fail the whole struct.
	var s struct {
		A Time `json:"a"`
		B Time `json:"b"`
	}
	require.NoError(t, json.Unmarshal([]byte(`{"a":"not a time","b":"2024-01-17 10:30:00"}`), &s))
	assert.True(t, s.A.IsZero())
	assert.Equal(t, "not a time", s.A.Raw)
	assert.Equal(t, vnTime(2024, 1, 17, 10, 30, 0), s.B.Time)
}

func TestTimeEncoding(t *testing.T) {
	t.Parallel()
	b, err := json.Marshal(Time{Time: time.Date(2024, 1, 17, 3, 30, 0, 0, time.UTC)})
	require.NoError(t, err)
	assert.Equal(t, `"2024-01-17 10:30:00"`, string(b))
	b, _ = json.Marshal(Time{})
	assert.Equal(t, `null`, string(b))
	b, _ = json.Marshal(Time{Raw: "odd"})
	assert.Equal(t, `"odd"`, string(b))
	assert.Equal(t, "2024-01-17 10:30:00", Time{Time: vnTime(2024, 1, 17, 10, 30, 0)}.String())
}

func TestDate(t *testing.T) {
	t.Parallel()
	d := NewDate(2026, time.April, 1)
	assert.Equal(t, "2026-04-01", d.String())
	assert.True(t, d.IsValid())
	assert.False(t, NewDate(2026, time.February, 30).IsValid())
	assert.False(t, Date{}.IsValid())
	assert.True(t, Date{}.IsZero())
	assert.Empty(t, Date{}.String())
	assert.Equal(t, "0099-01-02", NewDate(99, 1, 2).String())
	assert.True(t, NewDate(2026, 3, 31).Before(NewDate(2026, 4, 1)))
	assert.False(t, NewDate(2026, 4, 1).Before(NewDate(2026, 4, 1)))
	assert.True(t, NewDate(2025, 12, 31).Before(NewDate(2026, 1, 1)))
	assert.True(t, NewDate(2026, 4, 2).After(NewDate(2026, 4, 1)))
	assert.False(t, NewDate(2026, 4, 1).After(NewDate(2026, 4, 1)))
	assert.Equal(t, []int{-1, 0, 1}, []int{d.Compare(NewDate(2026, 4, 2)), d.Compare(d), d.Compare(NewDate(2026, 3, 31))})
	assert.Equal(t, vnTime(2026, 4, 1, 0, 0, 0), d.In(vietnamZone))
	text, err := d.MarshalText()
	require.NoError(t, err)
	assert.Equal(t, "2026-04-01", string(text))
	var back Date
	require.NoError(t, back.UnmarshalText(text))
	assert.Equal(t, d, back)
	require.NoError(t, back.UnmarshalText(nil))
	assert.True(t, back.IsZero())
	assert.Error(t, back.UnmarshalText([]byte("2026-02-30")), "a day that does not exist")
	// As a map key or a flag value, through encoding.TextMarshaler.
	keyed, err := json.Marshal(map[Date]int{d: 3})
	require.NoError(t, err)
	assert.Equal(t, `{"2026-04-01":3}`, string(keyed))
	// A moment late on Nov 20 UTC is already Nov 21 in Vietnam.
	assert.Equal(t, NewDate(2026, 11, 21), DateOf(time.Date(2026, 11, 20, 18, 0, 0, 0, time.UTC)))

	got, err := ParseDate("2024-02-29")
	require.NoError(t, err)
	assert.Equal(t, NewDate(2024, 2, 29), got)
	_, err = ParseDate("2023-02-29")
	assert.Error(t, err)
	_, err = ParseDate("01/02/2024")
	assert.Error(t, err)

	var v struct{ D Date }
	require.NoError(t, json.Unmarshal([]byte(`{"D":"2024-01-01"}`), &v))
	assert.Equal(t, NewDate(2024, 1, 1), v.D)
	require.NoError(t, json.Unmarshal([]byte(`{"D":"2024-01-01 23:30:00"}`), &v))
	assert.Equal(t, NewDate(2024, 1, 1), v.D)
	assert.Error(t, json.Unmarshal([]byte(`{"D":"yesterday"}`), &v))
	b, _ := json.Marshal(NewDate(2024, 1, 1))
	assert.Equal(t, `"2024-01-01"`, string(b))
}

func TestVND(t *testing.T) {
	t.Parallel()
	ok := map[string]VND{
		`500000`: 500000, `"500000"`: 500000, `"500000.00"`: 500000, `0`: 0, `null`: 0, `""`: 0,
		`1e6`: 1000000, `-20000`: -20000, `"9007199254740993"`: 9007199254740993,
		`9.007199254740993e15`: 9007199254740993, `"1.5e6"`: 1500000,
	}
	for in, want := range ok {
		var v VND
		require.NoError(t, json.Unmarshal([]byte(in), &v), in)
		assert.Equal(t, want, v, in)
	}
	// Exponent forms are exact or refused, never rounded through a float64.
	for _, in := range []string{`"12.5"`, `12.5`, `"abc"`, `true`, `"1,000"`,
		`1500000.0000000001e0`, `15000000000000000001e-13`, `4.5035996273704975e15`, `"1500000.0000000001"`} {
		var v VND
		assert.Error(t, json.Unmarshal([]byte(in), &v), in)
	}
	assert.Equal(t, "1,500,000 VND", VND(1500000).String())
	assert.Equal(t, "-999 VND", VND(-999).String())
	assert.Equal(t, "0 VND", VND(0).String())
}

func TestTransactionAmount(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]TransactionAmount{
		`"Unlimited"`: UnlimitedTransactions(), `"unlimited"`: UnlimitedTransactions(),
		`100`: TransactionCount(100), `"100"`: TransactionCount(100), `null`: {}, `""`: {},
	} {
		var a TransactionAmount
		require.NoError(t, json.Unmarshal([]byte(in), &a), in)
		assert.Equal(t, want, a, in)
	}
	var a TransactionAmount
	assert.Error(t, json.Unmarshal([]byte(`"lots"`), &a))
	b, _ := json.Marshal(UnlimitedTransactions())
	assert.Equal(t, `"Unlimited"`, string(b))
	b, _ = json.Marshal(TransactionCount(50))
	assert.Equal(t, `50`, string(b))
	assert.Equal(t, "Unlimited", UnlimitedTransactions().String())
	assert.Equal(t, "50", TransactionCount(50).String())
}

func TestEnums(t *testing.T) {
	t.Parallel()
	assert.Len(t, allEvents, 13)
	for _, e := range allEvents {
		assert.True(t, e.Known())
		assert.Equal(t, e, e.Canonical())
	}
	assert.Equal(t, EventBankAccountInactivated, EventBankAccountInactivedAlias.Canonical())
	assert.True(t, EventBankAccountInactivedAlias.Known())
	assert.False(t, EventType("SOMETHING_NEW").Known())
	// Unknown values decode without error.
	var v struct {
		P LinkTokenPurpose
		E EventType
	}
	require.NoError(t, json.Unmarshal([]byte(`{"P":"NEW_PURPOSE","E":"NEW_EVENT"}`), &v))
	assert.Equal(t, LinkTokenPurpose("NEW_PURPOSE"), v.P)
	assert.False(t, v.P.Known())
	assert.True(t, TransferCredit.Incoming())
	assert.True(t, TransferIn.Incoming())
	assert.False(t, TransferDebit.Incoming())
}

// The API spells flags, counts and ids several ways; the public structs hold
// plain Go types whatever the spelling, and what they marshal to reads back
// the same.
func TestLenientFieldsDecodeToPlainTypes(t *testing.T) {
	t.Parallel()
	check := func(t *testing.T, in string, got, want, again any) {
		t.Helper()
		require.NoError(t, json.Unmarshal([]byte(in), got))
		assert.Equal(t, want, got)
		out, err := json.Marshal(got)
		require.NoError(t, err)
		require.NoError(t, json.Unmarshal(out, again))
		assert.Equal(t, got, again, "round trip of %s", out)
	}
	t.Run("BankAccount", func(t *testing.T) {
		check(t, `{"xid":"b1","bank_api_connected":"1","active":1,"va_list":[{"xid":"v1","active":"true"},{"xid":"v2","active":"0"}]}`,
			&BankAccount{}, &BankAccount{XID: "b1", BankAPIConnected: true, Active: true,
				VAList: []VirtualAccount{{XID: "v1", Active: true}, {XID: "v2"}}}, &BankAccount{})
	})
	t.Run("Company", func(t *testing.T) {
		check(t, `{"xid":"c1","full_name":"A","status":"Active","active":"1","configuration":{"payment_code":"on","payment_code_prefix":"DH","payment_code_suffix_from":"6","payment_code_suffix_to":8,"payment_code_suffix_character_type":"NumberOnly","data_storage_time":30,"transaction_amount":"Unlimited"}}`,
			&Company{}, &Company{XID: "c1", FullName: "A", Status: CompanyActive, Active: true, Configuration: &CompanyConfiguration{
				PaymentCode: PaymentCodeOn, PaymentCodePrefix: "DH", PaymentCodeSuffixFrom: 6, PaymentCodeSuffixTo: 8,
				PaymentCodeSuffixCharacterType: SuffixNumberOnly, DataStorageTime: "30", TransactionAmount: UnlimitedTransactions(),
			}}, &Company{})
	})
	t.Run("Counter", func(t *testing.T) {
		check(t, `{"dates":[{"company_id":12,"date":"2025-01-02","transaction":"3","transaction_in":2,"transaction_out":"1"}],"total":{"transaction":"3","transaction_in":"2","transaction_out":1}}`,
			&Counter{}, &Counter{Dates: []CounterDay{{CompanyID: "12", Date: NewDate(2025, 1, 2), Transaction: 3, TransactionIn: 2, TransactionOut: 1}},
				Total: CounterTotals{Transaction: 3, TransactionIn: 2, TransactionOut: 1}}, &Counter{})
	})
	t.Run("LinkToken", func(t *testing.T) {
		check(t, `{"xid":"l1","is_mobile_app":"1","session_count":"2","sessions":[{"xid":"s1","status":7,"context":null,"result":{"a":1}}]}`,
			&LinkToken{}, &LinkToken{XID: "l1", IsMobileApp: true, SessionCount: 2, Sessions: []LinkSession{
				{XID: "s1", Status: "7", Context: json.RawMessage(`null`), Result: json.RawMessage(`{"a":1}`)},
			}}, &LinkToken{})
	})
	t.Run("Transaction", func(t *testing.T) {
		check(t, `{"transaction_id":"t1","amount":"5000","webhook_success":"1"}`,
			&Transaction{}, &Transaction{TransactionID: "t1", Amount: 5000, WebhookSuccess: true}, &Transaction{})
	})
	t.Run("WebhookConfig", func(t *testing.T) {
		check(t, `{"webhook_url":"https://x.example/h","active":1,"allow_events":["*"]}`,
			&WebhookConfig{}, &WebhookConfig{WebhookURL: "https://x.example/h", Active: true, AllowEvents: []EventType{EventAll}}, &WebhookConfig{})
	})
	t.Run("LinkSessionData", func(t *testing.T) {
		check(t, `{"bank_account_xid":"b1","unlinked":"true"}`,
			&LinkSessionData{}, &LinkSessionData{BankAccountXID: "b1", Unlinked: true}, &LinkSessionData{})
	})
	t.Run("absent fields keep their values, as encoding/json does", func(t *testing.T) {
		b := BankAccount{XID: "b1", Active: true, BankAPIConnected: true}
		require.NoError(t, json.Unmarshal([]byte(`{"brand_name":"MBBank"}`), &b))
		assert.Equal(t, BankAccount{XID: "b1", Active: true, BankAPIConnected: true, BrandName: "MBBank"}, b)
	})
	t.Run("a flag it cannot read is an error naming it", func(t *testing.T) {
		var c Company
		assert.ErrorContains(t, json.Unmarshal([]byte(`{"active":"maybe"}`), &c), `invalid flag "maybe"`)
	})
	t.Run("read, modify, write back", func(t *testing.T) {
		cfg := CompanyConfiguration{PaymentCodeSuffixFrom: 6, PaymentCodeSuffixTo: 8}
		p := CompanyUpdateParams{PaymentCodeSuffixFrom: Ptr(cfg.PaymentCodeSuffixFrom + 1), PaymentCodeSuffixTo: Ptr(cfg.PaymentCodeSuffixTo)}
		r, err := p.encode("Companies.Update")
		require.NoError(t, err)
		body, err := json.Marshal(r.in)
		require.NoError(t, err)
		assert.JSONEq(t, `{"payment_code_suffix_from":7,"payment_code_suffix_to":8}`, string(body))
	})
}
