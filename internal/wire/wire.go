// Package wire is the SDK's allocation-free reading of JSON scalars: the
// lenient types of package bankhub (money, flags, counts, timestamps) read
// the token's bytes directly instead of going through encoding/json, which
// keeps a 100-item page to the allocations of a hand-written client.
package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Null is the JSON null token.
var Null = []byte("null")

// Scalar returns the content of a JSON scalar token without allocating: the
// bytes between the quotes of a string (escaped reports a backslash in it),
// or the token itself. ok is false for null and empty input.
func Scalar(b []byte) (v []byte, quoted, escaped, ok bool) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || bytes.Equal(b, Null) {
		return nil, false, false, false
	}
	if b[0] != '"' || len(b) < 2 || b[len(b)-1] != '"' {
		return b, false, false, true
	}
	v = b[1 : len(b)-1]
	return v, true, bytes.IndexByte(v, '\\') >= 0, true
}

// Unquote returns the scalar as a string, unescaping a JSON string as
// encoding/json does (U+FFFD for invalid UTF-8). quoted reports a JSON
// string; ok is false for null.
func Unquote(b []byte) (s string, quoted, ok bool) {
	v, quoted, escaped, ok := Scalar(b)
	if !ok {
		return "", false, false
	}
	if escaped || (quoted && !utf8.Valid(v)) {
		var out string
		if err := json.Unmarshal(bytes.TrimSpace(b), &out); err == nil {
			return out, true, true
		}
	}
	return string(v), quoted, true
}

// ErrNotWhole is returned by ParseWhole for anything but a whole number.
var ErrNotWhole = errors.New("not a whole number")

// ParseWhole parses a whole number written as digits ("12", "-3"), with a
// fraction that is zero ("12.00") or in exponent form ("1e6", "1.5e6"),
// exactly: a number is whole or it is refused, never rounded on the way
// (1500000.0000000001e0 and 4.5035996273704975e15 are refused, where a
// float64 would read 1500000 and 4503599627370498). The common forms are
// read without allocating.
func ParseWhole(v []byte) (int64, error) {
	if n, ok := digits(v); ok {
		return n, nil
	}
	return exactWhole(string(v)) // the rare forms
}

// maxExponent bounds the exponents read: past it no whole int64 is
// written with fewer digits than a JSON body holds.
const maxExponent = 1 << 20

// exactWhole reads [+-]digits[.digits][(e|E)[+-]digits] as a decimal: the
// digits d and the power of ten p of the value d·10^p, without ever going
// through a float.
func exactWhole(s string) (int64, error) {
	i, neg := 0, false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg, i = s[i] == '-', i+1
	}
	start := i
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	whole := s[start:i]
	frac := ""
	if i < len(s) && s[i] == '.' {
		i++
		f := i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		frac = s[f:i]
	}
	if whole == "" && frac == "" {
		return 0, ErrNotWhole
	}
	exp := 0
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		sign := 1
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			if s[i] == '-' {
				sign = -1
			}
			i++
		}
		e := i
		for ; i < len(s) && isDigit(s[i]); i++ {
			if exp < maxExponent {
				exp = exp*10 + int(s[i]-'0')
			}
		}
		if i == e {
			return 0, ErrNotWhole
		}
		exp *= sign
	}
	if i != len(s) {
		return 0, ErrNotWhole
	}
	d := strings.TrimLeft(whole+frac, "0")
	if d == "" {
		return 0, nil // zero, whatever its exponent
	}
	// The value is d·10^p. Trailing zeros of d move into p.
	p := exp - len(frac)
	for len(d) > 1 && d[len(d)-1] == '0' {
		d, p = d[:len(d)-1], p+1
	}
	if p < 0 || len(d)+p > 19 { // a fraction left over, or more digits than an int64 has
		return 0, ErrNotWhole
	}
	if neg {
		d = "-" + d
	}
	n, err := strconv.ParseInt(d+strings.Repeat("0", p), 10, 64) // refuses what overflows
	if err != nil {
		return 0, ErrNotWhole
	}
	return n, nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// digits reads [+-]digits with an optional zero fraction; ok is false for
// any other form and on overflow.
func digits(v []byte) (int64, bool) {
	i, neg := 0, false
	if len(v) > 0 && (v[0] == '-' || v[0] == '+') {
		neg, i = v[0] == '-', 1
	}
	start := i
	var n uint64
	for ; i < len(v) && v[i] >= '0' && v[i] <= '9'; i++ {
		if n > (1<<63-1)/10 {
			return 0, false
		}
		n = n*10 + uint64(v[i]-'0')
	}
	if i == start || n > 1<<63-1 {
		return 0, false
	}
	if i < len(v) {
		if v[i] != '.' {
			return 0, false
		}
		for j := i + 1; j < len(v); j++ {
			if v[j] != '0' {
				return 0, false
			}
		}
	}
	if neg {
		return -int64(n), true
	}
	return int64(n), true
}
