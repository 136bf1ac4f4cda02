package adaptertest

import (
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// transportFields are the Options fields every HTTP adapter (ups, fedex,
// usps, dhl) declares for the shared transport (carrierhttp): same names,
// types, order and documented meaning. They are declared in each adapter,
// not embedded from a shared struct, so that a literal reads
// ups.Options{HTTPClient: c, Now: now} and each adapter's documentation is
// complete on its own page; this test keeps the copies from drifting. Each
// doc comment must contain the sentences listed (adapters may add their
// own, such as DHL's quota note).
var transportFields = []struct {
	name, typ string
	doc       []string
}{
	{"HTTPClient", "*http.Client", []string{"HTTPClient sends the requests", "Nil means a new client with a 30 s timeout per attempt."}},
	{"Logger", "*slog.Logger", []string{"Logger receives debug records of requests and retries.", "Nil means no logging.", "never logged."}},
	{"RetryMax", "int", []string{"RetryMax is the number of retries after the first attempt on 429, 5xx (except 501) and connection errors.", "Zero means 3; negative means no retries."}},
	{"RetryWaitMin", "time.Duration", []string{"RetryWaitMin and RetryWaitMax bound the jittered exponential backoff (a Retry-After header takes precedence).", "Zero means 500 ms and 30 s."}},
	{"RetryWaitMax", "time.Duration", nil}, // documented with RetryWaitMin
	{"MaxRetryAfter", "time.Duration", []string{"MaxRetryAfter is the longest Retry-After the adapter waits for; a longer one fails at once with carriers.ErrRateLimited or ErrUnavailable.", "Zero means 60 s."}},
	{"MaxBodyBytes", "int64", []string{"MaxBodyBytes caps the size of a response body.", "Zero means 16 MiB; negative is refused."}},
	{"Now", "func() time.Time", []string{"Now returns the current time, read for Retry-After dates", "Nil means time.Now."}},
}

func TestAdapterOptionsAgree(t *testing.T) {
	for _, adapter := range []string{"ups", "fedex", "usps", "dhl"} {
		fields, declared := optionsFields(t, filepath.Join("..", "..", adapter))
		var order []string
		for _, want := range transportFields {
			f, ok := fields[want.name]
			if !ok {
				t.Errorf("%s.Options has no %s", adapter, want.name)
				continue
			}
			order = append(order, want.name)
			if f.typ != want.typ {
				t.Errorf("%s.Options.%s is %s, want %s", adapter, want.name, f.typ, want.typ)
			}
			for _, s := range want.doc {
				if !strings.Contains(f.doc, s) {
					t.Errorf("%s.Options.%s doc %q does not say %q", adapter, want.name, f.doc, s)
				}
			}
		}
		// Same relative order, so the adapters' pages read alike.
		var got []string
		for _, name := range declared {
			if slices.Contains(order, name) {
				got = append(got, name)
			}
		}
		if !slices.Equal(got, order) {
			t.Errorf("%s.Options declares the transport fields in the order %v, want %v", adapter, got, order)
		}
	}
}

type field struct{ typ, doc string }

// optionsFields parses the package in dir and returns its Options struct's
// fields by name (types as source text, docs with spaces collapsed) and
// their names in declaration order.
func optionsFields(t *testing.T, dir string) (map[string]field, []string) {
	t.Helper()
	fset := token.NewFileSet()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]field{}
	var order []string
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			ts, ok := n.(*ast.TypeSpec)
			if !ok || ts.Name.Name != "Options" {
				return true
			}
			st, ok := ts.Type.(*ast.StructType)
			if !ok {
				return false
			}
			for _, fl := range st.Fields.List {
				doc := strings.Join(strings.Fields(fl.Doc.Text()), " ")
				var typ strings.Builder
				if err := printExpr(&typ, fset, fl.Type); err != nil {
					t.Fatal(err)
				}
				for _, name := range fl.Names {
					out[name.Name] = field{typ: typ.String(), doc: doc}
					order = append(order, name.Name)
				}
			}
			return false
		})
	}
	if len(order) == 0 {
		t.Fatalf("no Options struct in %s", dir)
	}
	return out, order
}

func printExpr(b *strings.Builder, fset *token.FileSet, e ast.Expr) error {
	return format.Node(b, fset, e)
}
