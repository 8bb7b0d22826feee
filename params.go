package bankhub

// Parameter checks shared by the operations: each params type's encode
// method (next to the type) checks its own fields with these, and returns a
// *ParamError under the operation's name before anything is sent.

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// paramErr is the error of a parameter the SDK refuses.
func paramErr(op, field, reason string) error {
	return &ParamError{Op: op, Field: field, Reason: reason}
}

// requireID checks an id given by the caller: present, not blank, no
// surrounding white space or control characters.
func requireID(op, field, id string) error {
	switch {
	case id == "":
		return paramErr(op, field, "required")
	case id == "." || id == "..":
		// Escaping leaves them as they are, and a normalising proxy turns
		// /v1/company/.. into /v1/.
		return paramErr(op, field, "must not be . or ..")
	case strings.TrimSpace(id) != id:
		return paramErr(op, field, "must not have leading or trailing white space")
	case strings.ContainsFunc(id, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return paramErr(op, field, "must not contain control characters")
	case len(id) > 256:
		return paramErr(op, field, "too long")
	}
	return nil
}

func quoteShort(s string) string { return `"` + truncate(s, 40) + `"` }

func checkFullName(op, name string) error {
	if strings.TrimSpace(name) == "" {
		return paramErr(op, "full_name", "required")
	}
	if utf8.RuneCountInString(name) > 200 {
		return paramErr(op, "full_name", "must be at most 200 characters")
	}
	return nil
}

func checkPaging(op string, page, perPage, maxPerPage int) error {
	if page < 0 {
		return paramErr(op, "page", "must not be negative")
	}
	if perPage < 0 {
		return paramErr(op, "per_page", "must not be negative")
	}
	if maxPerPage > 0 && perPage > maxPerPage {
		return paramErr(op, "per_page", "must be at most "+strconv.Itoa(maxPerPage))
	}
	return nil
}
