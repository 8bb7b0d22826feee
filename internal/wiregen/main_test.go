package main

import (
	"bytes"
	"os"
	"regexp"
	"strings"
	"testing"
)

// The committed wire_gen.go is what its go:generate line makes from the
// types as they are: a field added to a result type and not regenerated
// fails here.
func TestGeneratedFileIsCurrent(t *testing.T) {
	types, err := os.ReadFile("../../types.go")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^//go:generate go run \./internal/wiregen -o wire_gen\.go (.*)$`).FindSubmatch(types)
	if m == nil {
		t.Fatal("types.go has no go:generate line for wiregen")
	}
	want, err := generate("../..", strings.Fields(string(m[1])))
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("../../wire_gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Error("wire_gen.go is stale: run go generate in the repository's root")
	}
}

func TestGenerate(t *testing.T) {
	dir := t.TempDir()
	src := `package p

type Plain struct {
	Name    string ` + "`json:\"name\"`" + `
	ID      string ` + "`json:\"id\"`" + `
	On      bool   ` + "`json:\"on\"`" + `
	N, M    int
	Sub     *Plain ` + "`json:\"sub\"`" + `
	private bool
}
`
	if err := os.WriteFile(dir+"/p.go", []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := generate(dir, []string{"Plain:ID"})
	if err != nil {
		t.Fatal(err)
	}
	// gofmt aligns the columns: compare with runs of blanks as one space.
	flat := regexp.MustCompile(`[ \t]+`).ReplaceAllString(string(out), " ")
	for _, want := range []string{
		"type plainWire struct {",
		"Name string `json:\"name\"`",
		"ID wire.String `json:\"id\"`",
		"On wire.Bool `json:\"on\"`",
		"N wire.Int\n",
		"M wire.Int\n",
		"Sub *plainWire `json:\"sub\"`", // a pointer to a generated type decodes into its wire form
		"Sub: w.Sub.value(),",
		"Sub: v.Sub.wire(),",
		"func (v *Plain) wire() *plainWire {",
		"func (w *plainWire) value() *Plain {",
		"return decodeWire(data, v.wire(), v)",
		"On: bool(w.On),",
		"ID: wire.String(v.ID),",
		"func (v *Plain) UnmarshalJSON(data []byte) error {",
	} {
		if !strings.Contains(flat, want) {
			t.Errorf("generated code lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(string(out), "private") {
		t.Errorf("an unexported field was copied:\n%s", out)
	}
	for _, bad := range [][]string{{"Missing"}, {"Plain:Nope"}, {"Plain:On"}} {
		if _, err := generate(dir, bad); err == nil {
			t.Errorf("generate(%q): no error", bad)
		}
	}
}

func TestLowerFirst(t *testing.T) {
	for in, want := range map[string]string{"Company": "company", "IPN": "ipn", "URLList": "urlList", "A": "a", "LinkToken": "linkToken"} {
		if got := lowerFirst(in); got != want {
			t.Errorf("lowerFirst(%q) = %q, want %q", in, got, want)
		}
	}
}
