package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// control posts body to the control API of a running fake (--env fake
// unless the flags name another) and returns its answer.
func (a *app) control(ctx context.Context, path string, body map[string]any) (map[string]any, error) {
	if a.flags.Env == "" && a.flags.Profile == "" {
		a.flags.Env = "fake"
	}
	baseURL, _, _, err := a.resolve()
	if err != nil {
		return nil, err
	}
	b, _ := json.Marshal(body)
	url := strings.TrimRight(baseURL, "/") + "/__control/" + path
	if a.flags.DryRun {
		fmt.Fprintf(a.io.Out, "POST %s\nContent-Type: application/json\n\n%s\n", url, b)
		return nil, errDryRun
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(b))
	if err != nil {
		return nil, usageErr("%v", err)
	}
	req.Header.Set("Content-Type", "application/json")
	client := &http.Client{Timeout: 30 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		return nil, &codedError{code: exitNetwork, err: fmt.Errorf("no fake at %s: %w (start one with: bankhub fake)", baseURL, err)}
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return nil, &codedError{code: exitServer, err: fmt.Errorf("POST %s: %s: not the fake's control API", url, resp.Status)}
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
		return nil, &codedError{code: code, err: fmt.Errorf("POST /__control/%s: %d %v", path, resp.StatusCode, out["error"])}
	}
	return out, nil
}
