package bankhub

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/bankhub-go/bankhub/internal/wire"
)

// vietnamZone is the fixed UTC+7 zone in which Bank Hub writes its
// "2006-01-02 15:04:05" timestamps. The API does not document a zone; every
// SePay surface that names one (the CLI, the dashboard) uses Vietnam time, and
// Vietnam has no daylight saving, so a fixed zone is exact.
var vietnamZone = time.FixedZone("ICT", 7*60*60)

// VietnamZone returns the fixed UTC+7 zone in which Bank Hub writes its
// timestamps. It is a function, not a variable, so that no caller can swap
// it for everyone.
func VietnamZone() *time.Location { return vietnamZone }

const (
	wireTimeLayout = "2006-01-02 15:04:05"
	dateLayout     = "2006-01-02"
)

// Time is a timestamp from the API. It accepts "2006-01-02 15:04:05" (read in
// UTC+7, see VietnamZone), RFC 3339, and Unix seconds as a number or a numeric
// string. Raw keeps the text the server sent. A value in none of these forms
// leaves Time zero and Raw set instead of failing the whole response: one odd
// timestamp must not hide the rest of a page.
type Time struct {
	time.Time
	// Raw is the value exactly as the server sent it ("" for null or absent).
	Raw string
}

// ParseTime parses s in any of the forms Time accepts.
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, errors.New("bankhub: empty time")
	}
	if t, err := time.ParseInLocation(wireTimeLayout, s, vietnamZone); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation("2006-01-02T15:04:05", s, vietnamZone); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation(dateLayout, s, vietnamZone); err == nil {
		return t, nil
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n >= 0 {
		if n > 1e12 { // milliseconds
			return time.UnixMilli(n).In(vietnamZone), nil
		}
		return time.Unix(n, 0).In(vietnamZone), nil
	}
	return time.Time{}, fmt.Errorf("bankhub: unrecognised time %q", truncate(s, 64))
}

// UnmarshalJSON implements json.Unmarshaler. It never returns an error for a
// well-formed JSON scalar.
func (t *Time) UnmarshalJSON(b []byte) error {
	s, _, ok := wire.Unquote(b)
	if !ok {
		*t = Time{}
		return nil
	}
	t.Raw = s
	if len(s) == len(wireTimeLayout) {
		if v, err := time.ParseInLocation(wireTimeLayout, s, vietnamZone); err == nil {
			t.Time = v
			return nil
		}
	}
	t.Time, _ = ParseTime(s)
	return nil
}

// MarshalJSON writes the time in the API's own layout (UTC+7), or the raw text
// when the value could not be parsed, or null when empty.
func (t Time) MarshalJSON() ([]byte, error) {
	if t.Time.IsZero() {
		if t.Raw == "" {
			return wire.Null, nil
		}
		return json.Marshal(t.Raw)
	}
	return []byte(`"` + t.Time.In(vietnamZone).Format(wireTimeLayout) + `"`), nil
}

// String returns the time in the API's layout, or Raw when it did not parse.
func (t Time) String() string {
	if t.Time.IsZero() {
		return t.Raw
	}
	return t.Time.In(vietnamZone).Format(wireTimeLayout)
}

// Date is a calendar day, written YYYY-MM-DD, used by date filters and
// counters. The zero Date means "not set".
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// NewDate returns the Date for the given calendar day.
func NewDate(year int, month time.Month, day int) Date {
	return Date{Year: year, Month: month, Day: day}
}

// DateOf returns the calendar day of t in Vietnam time, which is the day Bank
// Hub files a transaction under.
func DateOf(t time.Time) Date {
	y, m, d := t.In(vietnamZone).Date()
	return Date{Year: y, Month: m, Day: d}
}

// ParseDate parses a YYYY-MM-DD day and rejects days that do not exist.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(dateLayout, s)
	if err != nil {
		return Date{}, fmt.Errorf("bankhub: invalid date %q: want YYYY-MM-DD", truncate(s, 32))
	}
	return Date{Year: t.Year(), Month: t.Month(), Day: t.Day()}, nil
}

// IsZero reports whether d is unset.
func (d Date) IsZero() bool { return d == Date{} }

// IsValid reports whether d is a day that exists in the calendar.
func (d Date) IsValid() bool {
	if d.Year < 1 || d.Year > 9999 || d.Month < 1 || d.Month > 12 || d.Day < 1 {
		return false
	}
	t := time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC)
	return t.Day() == d.Day && t.Month() == d.Month
}

// Compare returns -1, 0 or +1 as d is before, the same day as, or after o.
func (d Date) Compare(o Date) int {
	switch {
	case d.Year != o.Year:
		return cmpInt(d.Year, o.Year)
	case d.Month != o.Month:
		return cmpInt(int(d.Month), int(o.Month))
	}
	return cmpInt(d.Day, o.Day)
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Before reports whether d is an earlier day than o.
func (d Date) Before(o Date) bool { return d.Compare(o) < 0 }

// After reports whether d is a later day than o.
func (d Date) After(o Date) bool { return d.Compare(o) > 0 }

// In returns the start of d (midnight) in loc.
func (d Date) In(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// MarshalText implements encoding.TextMarshaler: YYYY-MM-DD, or empty for
// the zero Date.
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler: YYYY-MM-DD, or empty
// for the zero Date.
func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Date{}
		return nil
	}
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// String returns YYYY-MM-DD, or "" for the zero Date.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	var b [10]byte
	return string(d.appendTo(b[:0]))
}

func (d Date) appendTo(b []byte) []byte {
	b = appendPadded(b, d.Year, 4)
	b = append(b, '-')
	b = appendPadded(b, int(d.Month), 2)
	b = append(b, '-')
	return appendPadded(b, d.Day, 2)
}

func appendPadded(b []byte, n, width int) []byte {
	start := len(b)
	b = strconv.AppendInt(b, int64(n), 10)
	for len(b)-start < width {
		b = append(b, 0)
		copy(b[start+1:], b[start:])
		b[start] = '0'
	}
	return b
}

// MarshalJSON implements json.Marshaler.
func (d Date) MarshalJSON() ([]byte, error) {
	if d.IsZero() {
		return wire.Null, nil
	}
	b := make([]byte, 0, 12)
	b = append(b, '"')
	b = d.appendTo(b)
	return append(b, '"'), nil
}

// UnmarshalJSON implements json.Unmarshaler. It accepts YYYY-MM-DD and, to be
// lenient with the server, a full timestamp whose day is taken.
func (d *Date) UnmarshalJSON(b []byte) error {
	s, _, ok := wire.Unquote(b)
	if !ok || s == "" {
		*d = Date{}
		return nil
	}
	if len(s) > 10 {
		if t, err := ParseTime(s); err == nil {
			*d = DateOf(t)
			return nil
		}
	}
	v, err := ParseDate(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// VND is an amount of Vietnamese dong. The dong has no minor unit in use, so
// an amount is a whole number and never a float. It decodes from a JSON
// number or a numeric string; a decimal form such as "500000.00" is accepted
// when the fraction is zero.
type VND int64

// UnmarshalJSON implements json.Unmarshaler.
func (v *VND) UnmarshalJSON(b []byte) error {
	s, _, escaped, ok := wire.Scalar(b)
	if !ok || len(s) == 0 {
		*v = 0
		return nil
	}
	n, err := wire.ParseWhole(s)
	if err != nil || escaped {
		return fmt.Errorf("bankhub: invalid VND amount %q", truncate(string(s), 32))
	}
	*v = VND(n)
	return nil
}

// String formats the amount with thousands separators, e.g. "1,500,000 VND".
func (v VND) String() string {
	n := int64(v)
	neg := n < 0
	if neg {
		n = -n
	}
	digits := strconv.FormatInt(n, 10)
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	b.WriteString(" VND")
	return b.String()
}

// TransactionAmount is a company's transaction allowance: a count, or
// Unlimited. Bank Hub sends IPNs for a company only when it is Active and this
// is greater than zero or Unlimited. The zero value is "0".
type TransactionAmount struct {
	// Unlimited is true for the value "Unlimited"; Count is then 0.
	Unlimited bool
	// Count is the number of transactions allowed when not Unlimited: the
	// API's transaction_amount, despite its name, is a count, not money.
	Count int64
}

// UnlimitedTransactions is the TransactionAmount "Unlimited".
func UnlimitedTransactions() TransactionAmount { return TransactionAmount{Unlimited: true} }

// TransactionCount returns a TransactionAmount of n transactions.
func TransactionCount(n int64) TransactionAmount { return TransactionAmount{Count: n} }

// String returns "Unlimited" or the count.
func (a TransactionAmount) String() string {
	if a.Unlimited {
		return "Unlimited"
	}
	return strconv.FormatInt(a.Count, 10)
}

// MarshalJSON writes "Unlimited" or the count as a JSON number.
func (a TransactionAmount) MarshalJSON() ([]byte, error) {
	if a.Unlimited {
		return []byte(`"Unlimited"`), nil
	}
	return strconv.AppendInt(nil, a.Count, 10), nil
}

// UnmarshalJSON accepts "Unlimited" (any case), a number or a numeric string.
func (a *TransactionAmount) UnmarshalJSON(b []byte) error {
	s, _, ok := wire.Unquote(b)
	s = strings.TrimSpace(s)
	if !ok || s == "" {
		*a = TransactionAmount{}
		return nil
	}
	if strings.EqualFold(s, "unlimited") {
		*a = TransactionAmount{Unlimited: true}
		return nil
	}
	n, err := wire.ParseWhole([]byte(s))
	if err != nil {
		return fmt.Errorf("bankhub: invalid transaction_amount %q", truncate(s, 32))
	}
	*a = TransactionAmount{Count: n}
	return nil
}

// Decoding. The result types are plain Go types (bool, int, string), but
// the API spells some of their values several ways: a flag as "1", 1, true
// or "true", a count as 6 or "6", an id as a string or a number. Each such
// type has one wire form, generated into wire_gen.go by wiregen from the
// type itself (no field list is written twice by hand): the same fields and
// tags, with every bool a wire.Bool, every int a wire.Int and the string
// fields named below a wire.String. Everything decodes through it:
//
//   - a call decodes its answer into the wire form and fills the public type
//     (convert for one value; getPage for a list, whose items are decoded
//     into a pooled slice of wire forms, so each item is scanned once and
//     the slice is not grown item by item);
//   - the type's generated UnmarshalJSON decodes through the same form, for
//     values decoded anywhere else.
//
// Simpler idioms were measured on a 100-item page (BENCHMARKS.md): an
// UnmarshalJSON per item (encoding/json scans each item two more times)
// costs 1.9x the time; a wire form that embeds the public type and shadows
// the lenient fields costs 8 % more than one that lists them; a fresh slice
// per page instead of a pooled one, 10 % more. Once Go 1.27
// is the minimum, encoding/json/v2's per-call unmarshalers
// (json.WithUnmarshalers) can read the lenient fields with no wire form.
//
//go:generate go run ./internal/wiregen -o wire_gen.go Company CompanyConfiguration:DataStorageTime BankAccount VirtualAccount CounterDay:CompanyID CounterTotals LinkToken LinkSession:Status LinkSessionData WebhookConfig Transaction IPN:Gateway,AccountNumber,BankAccountXID,VA,PaymentCode,Content,ReferenceCode,TransactionID

// decodeWire decodes data into the wire form w (seeded with v's values, so
// that fields the JSON lacks keep them) and fills v from it: the body of
// every generated UnmarshalJSON.
func decodeWire[T, W any, PW interface {
	*W
	fill(*T)
}](data []byte, w PW, v *T) error {
	if err := json.Unmarshal(data, w); err != nil {
		return err
	}
	w.fill(v)
	return nil
}

// convert fills a new T from the answer of a call decoded into its wire
// form W.
func convert[T, W any, PW interface {
	*W
	fill(*T)
}](w *W, err error) (*T, error) {
	if err != nil {
		return nil, err
	}
	v := new(T)
	PW(w).fill(v)
	return v, nil
}

// truncate shortens s to at most n bytes (on a rune boundary) for messages.
func truncate(s string, n int) string { return wire.Truncate(s, n) }
