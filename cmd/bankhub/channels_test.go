package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/bankhub-go/bankhub/bankhubtest"
)

// hostile is one record's worth of text written by strangers: a company
// name, an account holder, a transfer's content, each with an OSC 52
// clipboard write, a bell, a C1 CSI, a bidi override, a tab and a newline.
const hostile = "Evil\x1b]52;c;cm0gLXJmIH4=\x07 Co\u009b2J\u202eexe\tx\ny"

// Every command that prints records, in every output format, and the
// completion candidates: one hostile record goes through each, and each
// channel's escaping holds (tables and CSV: nothing a terminal acts on;
// JSON: the text exactly, with nothing raw a terminal acts on;
// completion: one candidate per line, value and description split by one
// tab). Completion and CSV wrote the text raw.
func TestHostileRecordThroughEveryChannel(t *testing.T) {
	c := newCLI(t)
	company := c.fake.AddCompany(bankhubtest.CompanyParams{FullName: hostile})
	account, err := c.fake.AddBankAccount(company, bankhubtest.LinkParams{AccountHolderName: hostile})
	if err != nil {
		t.Fatal(err)
	}
	tx, err := c.fake.SimulateTransfer(context.Background(), bankhubtest.TransferParams{BankAccountXID: account, Amount: 1_000, Content: hostile})
	if err != nil {
		t.Fatal(err)
	}
	commands := [][]string{
		{"companies", "list"}, {"companies", "get", company},
		{"bank-accounts", "list"}, {"bank-accounts", "get", account},
		{"transactions", "list"}, {"transactions", "get", tx.TransactionID},
		{"reconcile"},
	}
	for _, cmd := range commands {
		for _, format := range []string{"table", "csv", "json", "jsonl"} {
			args := append([]string{"-o", format}, cmd...)
			stdout, stderr, code := c.run("", args...)
			name := strings.Join(args, " ")
			if code != 0 && !(cmd[0] == "reconcile" && code == exitError) {
				t.Errorf("%s: exit %d: %s", name, code, stderr)
				continue
			}
			if strings.ContainsFunc(stderr, func(r rune) bool { return r != '\n' && unsafeRune(r) }) {
				t.Errorf("%s: stderr %q", name, stderr)
			}
			switch format {
			case "table", "csv":
				if strings.ContainsFunc(stdout, func(r rune) bool { return r != '\n' && (unsafeRune(r) || r == '\t') }) {
					t.Errorf("%s: a control character reached the terminal:\n%q", name, stdout)
				}
				if cmd[0] != "reconcile" && !strings.Contains(stdout, `Evil\x1b]52;c;cm0gLXJmIH4=\a Co\u009b2J\u202eexe\tx\ny`) {
					t.Errorf("%s: the text is not shown, escaped:\n%s", name, stdout)
				}
			default:
				if strings.ContainsFunc(stdout, jsonUnsafe) {
					t.Errorf("%s: raw C1 or bidi controls in JSON:\n%q", name, stdout)
				}
				if cmd[0] == "reconcile" {
					continue
				}
				if !jsonHolds(stdout, hostile) {
					t.Errorf("%s: the JSON does not hold the text exactly:\n%s", name, stdout)
				}
			}
		}
	}

	// Completion candidates: `bankhub __complete companies get ""`.
	for _, args := range [][]string{{"__complete", "companies", "get", ""}, {"__complete", "bank-accounts", "get", ""},
		{"__complete", "transactions", "list", "--company-xid", ""}} {
		stdout, _, _ := c.run("", args...)
		for _, line := range strings.Split(strings.TrimRight(stdout, "\n"), "\n") {
			if strings.Count(line, "\t") > 1 || strings.ContainsFunc(line, func(r rune) bool { return r != '\t' && unsafeRune(r) }) {
				t.Errorf("%v: candidate %q", args, line)
			}
		}
		if args[1] != "bank-accounts" && !strings.Contains(stdout, `\x1b]52`) { // a company's name describes its xid
			t.Errorf("%v: the candidate's description is not shown, escaped:\n%q", args, stdout)
		}
	}
}

// jsonHolds reports whether a JSON document (or JSON lines) holds want as
// one of its strings, exactly.
func jsonHolds(doc, want string) bool {
	dec := json.NewDecoder(strings.NewReader(doc))
	for {
		var v any
		if err := dec.Decode(&v); err != nil {
			return false
		}
		if holds(v, want) {
			return true
		}
	}
}

func holds(v any, want string) bool {
	switch x := v.(type) {
	case string:
		return x == want
	case []any:
		for _, e := range x {
			if holds(e, want) {
				return true
			}
		}
	case map[string]any:
		for _, e := range x {
			if holds(e, want) {
				return true
			}
		}
	}
	return false
}
