package wire

import (
	"errors"
	"testing"
)

func TestParseWhole(t *testing.T) {
	for in, want := range map[string]int64{
		"0": 0, "12": 12, "-3": -3, "+7": 7, "12.00": 12, "1.": 1, "9223372036854775807": 1<<63 - 1,
		"-9223372036854775808": -1 << 63, "1e6": 1_000_000, "2.5e1": 25, "-1E3": -1000,
		"1.5e6": 1_500_000, "1500000.0000000000e0": 1_500_000, "15000000000000000000e-13": 1_500_000,
		"9.223372036854775807e18": 1<<63 - 1, "-9.223372036854775808E+18": -1 << 63, "0e999999999": 0,
		"0.5e1": 5, "500000e-1": 50_000, "1e18": 1_000_000_000_000_000_000, "-0": 0, "00012": 12,
	} {
		got, err := ParseWhole([]byte(in))
		if err != nil || got != want {
			t.Errorf("ParseWhole(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "-", "12.5", "1e20", "abc", "1_000", "0x10", "9223372036854775808", "1.5e0", "NaN",
		// Not whole, though a float64 rounds each to a whole number.
		"1500000.0000000001e0", "15000000000000000001e-13", "4.5035996273704975e15", "1500000.0000000001",
		"9.223372036854775808e18", "-9.223372036854775809e18", "1e-400", "1e999999999999", ".e1", "1e", "1e+", "1.2.3",
		"1e5x", "e5", "Infinity", "1e-1",
	} {
		if got, err := ParseWhole([]byte(in)); !errors.Is(err, ErrNotWhole) {
			t.Errorf("ParseWhole(%q) = %d, %v; want ErrNotWhole", in, got, err)
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
