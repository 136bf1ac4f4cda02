package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// syncBuffer is a bytes.Buffer safe for the server goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestStorefront(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var out syncBuffer
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"-addr", "127.0.0.1:0"}, &out, ready) }()
	var base string
	select {
	case base = <-ready:
	case err := <-done:
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	}()
	links := map[string]string{}
	for _, m := range regexp.MustCompile(`(#\d{4}) .*?(http://\S+/track/\S+)`).FindAllStringSubmatch(out.String(), -1) {
		links[m[1]] = m[2]
	}
	if len(links) != 5 {
		t.Fatalf("links: %v\n%s", links, out.String())
	}
	get := func(u string) string {
		t.Helper()
		res, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 {
			t.Fatalf("%s: %d", u, res.StatusCode)
		}
		return string(b)
	}
	want := map[string][]string{
		"#1001": {"On its way", `aria-current="step"`},
		"#1002": {"later than we promised", "to spend", "My package hasn&#39;t arrived"},
		"#1003": {"Delivered", "Return", "Your requests"},
		"#1004": {"Lost by the carrier", "Package not received"},
		"#1005": {"&lt;script&gt;alert(&#34;scan&#34;)&lt;/script&gt;", "&lt;script&gt;alert(&#39;mug&#39;)"},
	}
	for id, words := range want {
		body := get(links[id])
		for _, w := range words {
			if !strings.Contains(body, w) {
				t.Errorf("%s: page lacks %q", id, w)
			}
		}
		if strings.Contains(body, "<script") || strings.Contains(body, "<img src=x") {
			t.Errorf("%s: unescaped markup", id)
		}
	}
	// The lookup form finds an order by number and postcode.
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.PostForm(base, url.Values{"order": {"1003"}, "contact": {"43215"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Errorf("lookup: %d", res.StatusCode)
	}
	if img := get(strings.TrimSuffix(base, "orders/") + "img/mug.svg"); !strings.HasPrefix(img, "<svg") {
		t.Errorf("image: %.40q", img)
	}
}
