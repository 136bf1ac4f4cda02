package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/postpurchase/postpurchase/riverwork"
	"github.com/postpurchase/postpurchase/sqlitestore"
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

// storefront runs the example with its state in dir until stop is called;
// it returns the printed output, the base URL and each order's link.
func storefront(t *testing.T, dir string) (out *syncBuffer, base string, links map[string]string, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out = &syncBuffer{}
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-data", dir}, out, ready) }()
	select {
	case base = <-ready:
	case err := <-done:
		cancel()
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	links = map[string]string{}
	for _, m := range regexp.MustCompile(`(#\d{4}) .*?(http://\S+/track/\S+)`).FindAllStringSubmatch(out.String(), -1) {
		links[m[1]] = m[2]
	}
	return out, base, links, func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	}
}

func get(t *testing.T, u string) string {
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

var balanceRE = regexp.MustCompile(`id="balance">\$(\d+\.\d\d) to spend`)

func balance(t *testing.T, page string) decimal.Decimal {
	t.Helper()
	m := balanceRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no CashBack balance on the page")
	}
	return decimal.RequireFromString(m[1])
}

func TestStorefront(t *testing.T) {
	dir := t.TempDir()
	out, base, links, stop := storefront(t, dir)
	if len(links) != 5 {
		stop()
		t.Fatalf("links: %v\n%s", links, out.String())
	}
	want := map[string][]string{
		"#1001": {"On its way", `aria-current="step"`},
		"#1002": {"later than we promised", "to spend", "My package hasn&#39;t arrived"},
		"#1003": {"Delivered", "Return", "Your requests"},
		"#1004": {"Lost by the carrier", "Package not received"},
		"#1005": {"&lt;script&gt;alert(&#34;scan&#34;)&lt;/script&gt;", "&lt;script&gt;alert(&#39;mug&#39;)"},
	}
	for id, words := range want {
		body := get(t, links[id])
		for _, w := range words {
			if !strings.Contains(body, w) {
				t.Errorf("%s: page lacks %q", id, w)
			}
		}
		if strings.Contains(body, "<script") || strings.Contains(body, "<img src=x") {
			t.Errorf("%s: unescaped markup", id)
		}
	}
	before := balance(t, get(t, links["#1002"]))
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
	if img := get(t, strings.TrimSuffix(base, "orders/")+"img/mug.svg"); !strings.HasPrefix(img, "<svg") {
		t.Errorf("image: %.40q", img)
	}
	// The background work runs as River jobs in the same file: the
	// schedule lists the due shipments, and the demo's clock is saved.
	st, err := sqlitestore.Open(filepath.Join(dir, "storefront.db"), sqlitestore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	for _, kind := range []string{riverwork.KindSchedule, "storefront.save_clock"} {
		for n := 0; n == 0; time.Sleep(50 * time.Millisecond) {
			if err := st.DB().QueryRow(`SELECT count(*) FROM river_job WHERE kind = ? AND state = 'completed'`, kind).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if time.Since(began) > time.Minute {
				t.Fatalf("no %s job completed in a minute", kind)
			}
		}
	}
	t.Logf("River's periodic jobs completed %v after the start", time.Since(began).Round(time.Millisecond))
	st.Close()
	stop()

	// Started again on the same directory: the same orders, cases and
	// balances, and the first run's links still open them.
	out, base, _, stop = storefront(t, dir)
	defer stop()
	// The first run's links, on the port the second run listens on.
	b2, _ := url.Parse(base)
	for id, l := range links {
		u, _ := url.Parse(l)
		u.Host = b2.Host
		links[id] = u.String()
	}
	if !strings.Contains(out.String(), "State resumed") {
		t.Errorf("second run did not resume:\n%s", out.String())
	}
	if body := get(t, links["#1004"]); !strings.Contains(body, "Package not received") {
		t.Error("#1004's claim is gone after a restart")
	}
	if body := get(t, links["#1003"]); !strings.Contains(body, "Your requests") {
		t.Error("#1003's return is gone after a restart")
	}
	if after := balance(t, get(t, links["#1002"])); after.LessThan(before) {
		t.Errorf("#1002's balance %s after a restart, was %s", after, before)
	}
}
