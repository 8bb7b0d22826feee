package wire

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

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

func TestLenientTypesRejectWhatTheyCannotRead(t *testing.T) {
	t.Parallel()
	var b Bool
	assert.ErrorContains(t, json.Unmarshal([]byte(`"maybe"`), &b), `invalid flag "maybe"`)
	var n Int
	assert.ErrorContains(t, json.Unmarshal([]byte(`"12.5"`), &n), `invalid integer "12.5"`)
	var s String
	assert.ErrorContains(t, json.Unmarshal([]byte(`[1]`), &s), "expected a string")
	assert.Equal(t, "ab…", Truncate("abc", 2))
	assert.Equal(t, "…", Truncate("é", 1), "never cut inside a rune")
}
