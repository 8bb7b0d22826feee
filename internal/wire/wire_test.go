package wire

import (
	"errors"
	"testing"
)

func TestParseWhole(t *testing.T) {
	for in, want := range map[string]int64{
		"0": 0, "12": 12, "-3": -3, "+7": 7, "12.00": 12, "1.": 1, "9223372036854775807": 1<<63 - 1,
		"-9223372036854775808": -1 << 63, "1e6": 1_000_000, "2.5e1": 25, "-1E3": -1000,
	} {
		got, err := ParseWhole([]byte(in))
		if err != nil || got != want {
			t.Errorf("ParseWhole(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "-", "12.5", "1e20", "abc", "1_000", "0x10", "9223372036854775808", "1.5e0", "NaN"} {
		if got, err := ParseWhole([]byte(in)); !errors.Is(err, ErrNotWhole) && err == nil {
			t.Errorf("ParseWhole(%q) = %d, want an error", in, got)
		}
	}
}

func TestCommonFormsDoNotAllocate(t *testing.T) {
	inputs := [][]byte{[]byte("1500000"), []byte("-20"), []byte("12.00")}
	if n := testing.AllocsPerRun(100, func() {
		for _, in := range inputs {
			ParseWhole(in)
			Scalar(in)
		}
	}); n != 0 {
		t.Errorf("%v allocations per run, want 0", n)
	}
}

func TestScalarAndUnquote(t *testing.T) {
	cases := []struct {
		in              string
		v               string
		quoted, escaped bool
		ok              bool
		unquoted        string
	}{
		{`"abc"`, "abc", true, false, true, "abc"},
		{` 12 `, "12", false, false, true, "12"},
		{`"a\"b"`, `a\"b`, true, true, true, `a"b`},
		{`null`, "", false, false, false, ""},
		{``, "", false, false, false, ""},
		{`"\u00e9"`, `\u00e9`, true, true, true, "é"},
		{"\"\xff\"", "\xff", true, false, true, "\uFFFD"},
	}
	for _, tc := range cases {
		v, quoted, escaped, ok := Scalar([]byte(tc.in))
		if string(v) != tc.v || quoted != tc.quoted || escaped != tc.escaped || ok != tc.ok {
			t.Errorf("Scalar(%q) = %q %v %v %v", tc.in, v, quoted, escaped, ok)
		}
		s, _, ok := Unquote([]byte(tc.in))
		if s != tc.unquoted || ok != tc.ok {
			t.Errorf("Unquote(%q) = %q %v, want %q", tc.in, s, ok, tc.unquoted)
		}
	}
}
