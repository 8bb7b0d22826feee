package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/bankhub-go/bankhub"
)

// control calls the control API of a running fake (--env fake by default)
// and prints the named fields of its answer.
func (a *app) control(path string, body map[string]any, header []string, fields ...string) error {
	if a.env == "" && a.profile == "" {
		a.env = "fake"
	}
	baseURL, _, _, err := a.resolve()
	if err != nil {
		return err
	}
	for k, v := range body { // unset flags are not sent
		if v == "" || v == int64(0) {
			delete(body, k)
		}
	}
	b, _ := json.Marshal(body)
	url := strings.TrimRight(baseURL, "/") + "/__control/" + path
	if a.dryRun {
		fmt.Fprintf(a.stdout, "POST %s\nContent-Type: application/json\n\n%s\n", url, b)
		return errDryRun
	}
	client := &http.Client{Timeout: 30 * time.Second}
	resp, err := client.Post(url, "application/json", bytes.NewReader(b))
	if err != nil {
		return &codedError{code: exitNetwork, err: fmt.Errorf("no fake at %s: %w (start one with: bankhub fake)", baseURL, err)}
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return &codedError{code: exitServer, err: fmt.Errorf("POST %s: %s: not the fake's control API", url, resp.Status)}
	}
	if resp.StatusCode != http.StatusOK {
		code := exitError
		switch resp.StatusCode {
		case http.StatusBadRequest:
			code = exitUsage
		case http.StatusNotFound:
			code = exitNotFound
		case http.StatusConflict:
			code = exitValidation
		}
		return &codedError{code: code, err: fmt.Errorf("POST /__control/%s: %d %v", path, resp.StatusCode, out["error"])}
	}
	cells := make([]string, len(fields))
	t := &table{header: header, single: true}
	for i, f := range fields {
		switch v := out[f].(type) {
		case float64:
			cells[i] = strconv.FormatFloat(v, 'f', -1, 64)
			if f == "amount" {
				cells[i] = showVND(bankhub.VND(v))
				t.money = append(t.money, i)
			}
		case bool:
			cells[i] = showBool(v)
		default:
			cells[i] = fmt.Sprint(v)
		}
	}
	t.add(out, cells...)
	return a.print(t)
}
