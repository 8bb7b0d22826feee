package wire

import (
	"bytes"
	"fmt"
	"strings"
)

// Bool is a flag that the API sends as "1"/"0", 1/0, true/false or
// "true"/"false" depending on the endpoint. Null and "" decode to false.
// Public structs hold a plain bool; their UnmarshalJSON decodes through it.
type Bool bool

// UnmarshalJSON implements json.Unmarshaler.
func (f *Bool) UnmarshalJSON(b []byte) error {
	v, _, _, ok := Scalar(b)
	if !ok {
		*f = false
		return nil
	}
	switch string(v) { // no allocation: the common spellings
	case "1", "true":
		*f = true
		return nil
	case "0", "false", "":
		*f = false
		return nil
	}
	s, _, _ := Unquote(b)
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "true", "yes", "on", "active":
		*f = true
	case "0", "false", "no", "off", "", "inactive":
		*f = false
	default:
		return fmt.Errorf("bankhub: invalid flag %q", Truncate(s, 32))
	}
	return nil
}

// Int is an integer that may arrive as a JSON number or a numeric string
// ("12", "12.0"). Null and "" decode to 0.
type Int int64

// UnmarshalJSON implements json.Unmarshaler.
func (n *Int) UnmarshalJSON(b []byte) error {
	s, _, escaped, ok := Scalar(b)
	s = bytes.TrimSpace(s)
	if !ok || len(s) == 0 {
		*n = 0
		return nil
	}
	v, err := ParseWhole(s)
	if err != nil || escaped {
		return fmt.Errorf("bankhub: invalid integer %q", Truncate(string(s), 32))
	}
	*n = Int(v)
	return nil
}

// String is text that may arrive as a JSON string, a number (an id such as
// 123456) or a boolean. Null decodes to "".
type String string

// UnmarshalJSON implements json.Unmarshaler.
func (s *String) UnmarshalJSON(b []byte) error {
	v, _, ok := Unquote(b)
	if !ok {
		*s = ""
		return nil
	}
	if len(v) > 0 && (v[0] == '{' || v[0] == '[') {
		return fmt.Errorf("bankhub: expected a string, got %q", Truncate(v, 32))
	}
	*s = String(v)
	return nil
}

// Truncate shortens s to at most n bytes (on a rune boundary) for messages.
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && n < len(s) && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}
