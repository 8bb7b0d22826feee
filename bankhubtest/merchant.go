package bankhubtest

// Merchant configuration: get, update, logo, counter.

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/bankhub-go/bankhub"
)

func (s *Server) merchantConfigGet(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	writeJSON(w, http.StatusOK, dataBody[merchantConfigJSON]{s.merchant.json()})
}

func (s *Server) merchantConfigSet(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Keywords *json.RawMessage `json:"transaction_whitelist_remark_keywords"`
		CSS      *string          `json:"global_hosted_link_custom_css"`
	}
	if !decodeJSONBody(w, r, &in) {
		return
	}
	var keywords []string
	if in.Keywords != nil {
		if err := json.Unmarshal(*in.Keywords, &keywords); err != nil || keywords == nil {
			validationError(w, "transaction_whitelist_remark_keywords", "The transaction_whitelist_remark_keywords must be an array.")
			return
		}
		var clean []string
		for _, k := range keywords {
			k = strings.TrimSpace(k)
			if k == "" {
				validationError(w, "transaction_whitelist_remark_keywords", "Keywords must not be empty.")
				return
			}
			if !slices.Contains(clean, k) {
				clean = append(clean, k)
			}
		}
		keywords = append([]string{}, clean...)
	}
	if in.CSS != nil && strings.Contains(*in.CSS, "<") {
		// The hosted page puts the CSS in a <style> element: a "<" could
		// close it ("</style><img onerror=…>") and run script on every
		// hosted page. CSS never needs one.
		validationError(w, "global_hosted_link_custom_css", "The CSS must not contain <.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if in.Keywords != nil {
		s.merchant.keywords = keywords
	}
	if in.CSS != nil {
		s.merchant.css = *in.CSS
	}
	writeJSON(w, http.StatusOK, dataBody[merchantConfigJSON]{s.merchant.json()})
}

func (s *Server) merchantLogo(w http.ResponseWriter, r *http.Request) {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		validationError(w, "logo", "The request must be multipart/form-data.")
		return
	}
	mr := multipart.NewReader(http.MaxBytesReader(w, r.Body, 2<<20), params["boundary"])
	var img []byte
	var name, ctype string
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			writeJSON(w, http.StatusRequestEntityTooLarge, codeMessage{413, "File quá lớn (tối đa 1MB)"})
			return
		}
		if part.FormName() == "logo" {
			name, ctype = part.FileName(), part.Header.Get("Content-Type")
			img, err = io.ReadAll(io.LimitReader(part, 1<<20+1))
			if err != nil {
				validationError(w, "logo", "Could not read the file.")
				return
			}
		}
	}
	switch {
	case img == nil:
		validationError(w, "logo", "The logo field is required.")
		return
	case len(img) > 1<<20:
		writeJSON(w, http.StatusRequestEntityTooLarge, codeMessage{413, "File quá lớn (tối đa 1MB)"})
		return
	}
	sniffed := http.DetectContentType(img)
	ext := strings.ToLower(path.Ext(name))
	okType := (sniffed == "image/png" && ext == ".png") || (sniffed == "image/jpeg" && (ext == ".jpg" || ext == ".jpeg"))
	if !okType || (ctype != "" && ctype != sniffed) {
		validationError(w, "logo", "The logo must be a file of type: jpg, jpeg, png.")
		return
	}
	var url string
	s.locked(func() {
		s.merchant.logoURL = fmt.Sprintf("%s/logos/merchant-%d.png", s.URL, s.now().UnixNano())
		url = s.merchant.logoURL
	})
	writeJSON(w, http.StatusOK, dataBody[logoJSON]{logoJSON{url}})
}

func (s *Server) merchantCounter(w http.ResponseWriter, r *http.Request) {
	today := bankhub.DateOf(s.now()).String()
	start, end := r.URL.Query().Get("start_date"), r.URL.Query().Get("end_date")
	if start == "" {
		start = today
	}
	if end == "" {
		end = today
	}
	for name, v := range map[string]string{"start_date": start, "end_date": end} {
		if _, err := time.Parse("2006-01-02", v); err != nil {
			validationError(w, name, "The "+name+" is not a valid date.")
			return
		}
	}
	if end < start {
		validationError(w, "end_date", "The end_date must be a date after or equal to start_date.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	type key struct {
		company int
		day     string
	}
	days := map[key]*counts{}
	var keys []key
	out := counterJSON{Dates: []counterDayJSON{}}
	for _, t := range s.transactions {
		d := bankhub.DateOf(t.date).String()
		if d < start || d > end {
			continue
		}
		k := key{slices.IndexFunc(s.companies, func(c *company) bool { return c.xid == t.companyXID }) + 1, d}
		dc := days[k]
		if dc == nil {
			dc = &counts{}
			days[k] = dc
			keys = append(keys, k)
		}
		in := t.transferType == "in"
		dc.add(in, in) // the merchant counter's Transaction counts incoming only
		out.Total.add(in, in)
	}
	for _, k := range keys {
		out.Dates = append(out.Dates, counterDayJSON{CompanyID: k.company, Date: k.day, counts: *days[k]})
	}
	writeJSON(w, http.StatusOK, dataBody[counterJSON]{out})
}
