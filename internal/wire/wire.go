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
// zero fraction ("12.00") or in exponent form with an integral value
// ("1e6", exact up to 2^53). The common forms are read without allocating.
func ParseWhole(v []byte) (int64, error) {
	if n, ok := digits(v); ok {
		return n, nil
	}
	s := string(v) // the rare forms
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, nil
	}
	if i := strings.IndexByte(s, '.'); i > 0 && strings.Trim(s[i+1:], "0") == "" {
		return strconv.ParseInt(s[:i], 10, 64)
	}
	if strings.ContainsAny(s, "eE") {
		f, err := strconv.ParseFloat(s, 64)
		if err == nil && f == float64(int64(f)) && f < 1<<53 && f > -(1<<53) {
			return int64(f), nil
		}
	}
	return 0, ErrNotWhole
}

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
