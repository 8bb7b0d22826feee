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
	assert.Equal(t, "", Date{}.String())
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
	}
	for in, want := range ok {
		var v VND
		require.NoError(t, json.Unmarshal([]byte(in), &v), in)
		assert.Equal(t, want, v, in)
	}
	for _, in := range []string{`"12.5"`, `12.5`, `"abc"`, `true`, `"1,000"`} {
		var v VND
		assert.Error(t, json.Unmarshal([]byte(in), &v), in)
	}
	assert.Equal(t, "1,500,000 VND", VND(1500000).String())
	assert.Equal(t, "-999 VND", VND(-999).String())
	assert.Equal(t, "0 VND", VND(0).String())
}

func TestBool(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]Bool{
		`"1"`: true, `1`: true, `true`: true, `"true"`: true, `"0"`: false, `0`: false,
		`false`: false, `null`: false, `""`: false,
	} {
		var b Bool
		require.NoError(t, json.Unmarshal([]byte(in), &b), in)
		assert.Equal(t, want, b, in)
	}
	var b Bool
	assert.Error(t, json.Unmarshal([]byte(`"maybe"`), &b))
}

func TestIntAndString(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]Int{`12`: 12, `"12"`: 12, `null`: 0, `""`: 0, `"12.0"`: 12} {
		var n Int
		require.NoError(t, json.Unmarshal([]byte(in), &n), in)
		assert.Equal(t, want, n, in)
	}
	var n Int
	assert.Error(t, json.Unmarshal([]byte(`"x"`), &n))

	for in, want := range map[string]String{`"abc"`: "abc", `123456`: "123456", `null`: "", `"a\"b"`: `a"b`, `true`: "true"} {
		var s String
		require.NoError(t, json.Unmarshal([]byte(in), &s), in)
		assert.Equal(t, want, s, in)
	}
	var s String
	assert.Error(t, json.Unmarshal([]byte(`{"a":1}`), &s))
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
