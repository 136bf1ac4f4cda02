// Package postpurchasetest is the conformance kit for implementations of
// postpurchase.Store, in the shape of gocloud.dev's drivertest: a store
// implementation's test calls RunConformanceTests with a HarnessMaker, and
// the suite checks atomic commits with optimistic versions, the due list,
// lookups by tracking number, the outbox of pending effects drained once
// under concurrency, the journal, and the credit totals budgets rely on
// with their versions (two commits decided on one budget read cannot
// both succeed).
//
//	func TestConformance(t *testing.T) {
//		postpurchasetest.RunConformanceTests(t, func(ctx context.Context, t *testing.T) (postpurchasetest.Harness, error) {
//			return harness{store: mystore.Open(...)}, nil
//		})
//	}
//
// The suite uses IDs unique to the run and instants in a year of its own
// per test, but the due list and the outbox are global to a store: give
// each test its own store (a schema or a database file per MakeStore, as
// pgstore and sqlitestore do), dropped in Close.
package postpurchasetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"

	"github.com/postpurchase/postpurchase"
)

// Harness gives the suite stores to test.
type Harness interface {
	// MakeStore returns the store under test. The suite calls it once per
	// test.
	MakeStore(ctx context.Context) (postpurchase.Store, error)
	// Close releases what the harness holds; the suite calls it once at
	// the end of each test.
	Close()
}

// HarnessMaker makes a Harness for one test.
type HarnessMaker func(ctx context.Context, t *testing.T) (Harness, error)

// RunConformanceTests runs the suite against stores from newHarness.
func RunConformanceTests(t *testing.T, newHarness HarnessMaker) {
	t.Helper()
	var nonce [6]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		t.Fatalf("postpurchasetest: random run ID: %v", err)
	}
	run := hex.EncodeToString(nonce[:])
	tests := []struct {
		name string
		fn   func(*testing.T, *env)
	}{
		{"LoadUnknown", testLoadUnknown},
		{"CreateAndLoad", testCreateAndLoad},
		{"Versions", testVersions},
		{"ConcurrentCommits", testConcurrentCommits},
		{"FindShipment", testFindShipment},
		{"Due", testDue},
		{"EffectsAtomicWithCommit", testEffectsAtomic},
		{"EffectIDsUnique", testEffectIDsUnique},
		{"ClaimOnceUnderConcurrency", testClaimOnce},
		{"LeaseExpiryAndRetry", testLeaseAndRetry},
		{"ClaimEffectByID", testClaimByID},
		{"Journal", testJournal},
		{"CreditTotal", testCreditTotal},
		{"BudgetReadUsedOnce", testBudgetReadUsedOnce},
		{"BudgetReadRace", testBudgetReadRace},
		{"BudgetVersions", testBudgetVersions},
		{"HostileStrings", testHostileStrings},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			h, err := newHarness(ctx, t)
			if err != nil {
				t.Fatalf("harness: %v", err)
			}
			defer h.Close()
			s, err := h.MakeStore(ctx)
			if err != nil {
				t.Fatalf("MakeStore: %v", err)
			}
			tc.fn(t, &env{
				ctx:   ctx,
				store: s,
				id:    fmt.Sprintf("%s-%d", run, i),
				// Each test lives in its own year, so due lists and
				// credit totals of a shared database do not mix.
				base: time.Date(2001+i, 3, 2, 9, 30, 0, 0, time.UTC),
			})
		})
	}
}

type env struct {
	ctx   context.Context
	store postpurchase.Store
	id    string
	base  time.Time
}

func (e *env) at(h int) time.Time { return e.base.Add(time.Duration(h) * time.Hour) }

// record returns a fresh order record with n shipments.
func (e *env) record(name string, n int) *postpurchase.OrderRecord {
	oid := e.id + "-" + name
	o := postpurchase.Order{
		ID: oid, CustomerID: e.id + "-cust", PlacedAt: e.base, Currency: "USD",
		Total: decimal.RequireFromString("120.50"),
		Items: []postpurchase.LineItem{{SKU: "SKU-1", Name: "Mug", Quantity: 2, Price: decimal.RequireFromString("60.25")}},
	}
	rec := &postpurchase.OrderRecord{Order: o, Version: 1}
	for i := range n {
		sid := fmt.Sprintf("%s-s%d", oid, i)
		o.Shipments = append(o.Shipments, postpurchase.Shipment{ID: sid, Carrier: "sim", TrackingNumber: "TN" + sid})
		rec.Shipments = append(rec.Shipments, postpurchase.ShipmentState{
			ID: sid, Carrier: "sim", TrackingNumber: "TN" + sid,
			Tracking: json.RawMessage(`{"v":1}`), NextCheck: e.at(i + 1),
		})
	}
	rec.Order = o
	return rec
}

func (e *env) commit(t *testing.T, c *postpurchase.Commit) {
	t.Helper()
	if err := e.store.Commit(e.ctx, c); err != nil {
		t.Fatalf("Commit(order %s version %d): %v", c.Order.Order.ID, c.Order.Version, err)
	}
}

func (e *env) effect(orderID, name string, kind postpurchase.EffectKind, at time.Time) postpurchase.Effect {
	ef := postpurchase.Effect{ID: orderID + "/" + name, OrderID: orderID, CustomerID: e.id + "-cust", Kind: kind, At: at}
	switch kind {
	case postpurchase.EffectCredit:
		ef.Credit = &postpurchase.Credit{Key: ef.ID, CustomerID: ef.CustomerID, Amount: decimal.RequireFromString("5.00"), Currency: "USD", At: at}
	case postpurchase.EffectMessage:
		ef.Message = &postpurchase.Message{ID: ef.ID, Kind: postpurchase.MessageMilestone, At: at, OrderID: orderID}
	case postpurchase.EffectTask:
		ef.Task = &postpurchase.Task{ID: ef.ID, Kind: postpurchase.TaskReplacement, OrderID: orderID}
	}
	return ef
}

func testLoadUnknown(t *testing.T, e *env) {
	_, err := e.store.LoadOrder(e.ctx, e.id+"-nope")
	if !errors.Is(err, postpurchase.ErrNotFound) {
		t.Fatalf("LoadOrder(unknown) = %v, want ErrNotFound", err)
	}
	if _, err := e.store.FindShipment(e.ctx, "sim", "TN"+e.id+"-nope"); !errors.Is(err, postpurchase.ErrNotFound) {
		t.Fatalf("FindShipment(unknown) = %v, want ErrNotFound", err)
	}
	js, err := e.store.Journal(e.ctx, e.id+"-nope")
	if err != nil || len(js) != 0 {
		t.Fatalf("Journal(unknown) = %v, %v; want empty, nil", js, err)
	}
}

func testCreateAndLoad(t *testing.T, e *env) {
	rec := e.record("a", 2)
	rec.Cases = []postpurchase.Case{{ID: "c1", Kind: postpurchase.CaseClaim, Reason: postpurchase.ReasonDamaged, OrderID: rec.Order.ID, OpenedAt: e.at(3), State: postpurchase.CaseInReview}}
	rec.Incident = &postpurchase.Incident{ID: "d1", OpenedAt: e.at(2), Credited: decimal.RequireFromString("7.50"), Credits: 1, Score: postpurchase.ScoreSnapshot{Value: 71.5, Tier: "vip", Reasons: []string{"many orders"}}}
	e.commit(t, &postpurchase.Commit{Order: rec})
	got, err := e.store.LoadOrder(e.ctx, rec.Order.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(rec, got, cmpOpts...); diff != "" {
		t.Fatalf("LoadOrder after create differs (-want +got):\n%s", diff)
	}
	// The caller owns what it got: changing it changes nothing stored.
	got.Order.Items[0].Name = "changed"
	again, _ := e.store.LoadOrder(e.ctx, rec.Order.ID)
	if again.Order.Items[0].Name != "Mug" {
		t.Fatal("a record returned by LoadOrder aliases the stored one")
	}
	// Creating it again conflicts.
	if err := e.store.Commit(e.ctx, &postpurchase.Commit{Order: e.record("a", 2)}); !errors.Is(err, postpurchase.ErrConflict) {
		t.Fatalf("second create = %v, want ErrConflict", err)
	}
}

func testVersions(t *testing.T, e *env) {
	rec := e.record("v", 1)
	e.commit(t, &postpurchase.Commit{Order: rec})
	next := *rec
	next.Version = 2
	next.JournalSeq = 1
	e.commit(t, &postpurchase.Commit{Order: &next, Journal: []postpurchase.JournalEntry{{OrderID: rec.Order.ID, Seq: 1, At: e.at(1), Kind: postpurchase.JournalEvents, Text: "v2"}}})
	for _, v := range []int64{2, 4, 1} {
		stale := next
		stale.Version = v
		err := e.store.Commit(e.ctx, &postpurchase.Commit{Order: &stale,
			Journal: []postpurchase.JournalEntry{{OrderID: rec.Order.ID, Seq: 2, At: e.at(2), Kind: postpurchase.JournalEvents, Text: "stale"}},
			Effects: []postpurchase.Effect{e.effect(rec.Order.ID, fmt.Sprint("stale", v), postpurchase.EffectMessage, e.at(2))}})
		if !errors.Is(err, postpurchase.ErrConflict) {
			t.Fatalf("commit of version %d over version 2 = %v, want ErrConflict", v, err)
		}
	}
	got, _ := e.store.LoadOrder(e.ctx, rec.Order.ID)
	if got.Version != 2 {
		t.Fatalf("version after conflicts = %d, want 2", got.Version)
	}
	js, _ := e.store.Journal(e.ctx, rec.Order.ID)
	effs, _ := e.store.Effects(e.ctx, rec.Order.ID)
	if len(js) != 1 || len(effs) != 0 {
		t.Fatalf("a refused commit wrote something: %d journal entries (want 1), %d effects (want 0)", len(js), len(effs))
	}
}

func testConcurrentCommits(t *testing.T, e *env) {
	rec := e.record("cc", 1)
	e.commit(t, &postpurchase.Commit{Order: rec})
	const writers, rounds = 6, 10
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range rounds {
				for {
					cur, err := e.store.LoadOrder(e.ctx, rec.Order.ID)
					if err != nil {
						t.Error(err)
						return
					}
					cur.Version++
					cur.JournalSeq++
					ef := e.effect(rec.Order.ID, fmt.Sprintf("w%d-r%d", w, r), postpurchase.EffectMessage, e.at(1))
					err = e.store.Commit(e.ctx, &postpurchase.Commit{Order: cur, Effects: []postpurchase.Effect{ef},
						Journal: []postpurchase.JournalEntry{{OrderID: rec.Order.ID, Seq: cur.JournalSeq, At: e.at(1), Kind: postpurchase.JournalEvents, Text: ef.ID}}})
					if errors.Is(err, postpurchase.ErrConflict) {
						continue
					}
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					wins++
					mu.Unlock()
					break
				}
			}
		}()
	}
	wg.Wait()
	got, _ := e.store.LoadOrder(e.ctx, rec.Order.ID)
	js, _ := e.store.Journal(e.ctx, rec.Order.ID)
	effs, _ := e.store.Effects(e.ctx, rec.Order.ID)
	if wins != writers*rounds || got.Version != int64(1+writers*rounds) || len(js) != writers*rounds || len(effs) != writers*rounds {
		t.Fatalf("after %d successful commits: version %d, %d journal entries, %d effects; want %d, %d, %d",
			wins, got.Version, len(js), len(effs), 1+writers*rounds, writers*rounds, writers*rounds)
	}
	for i, j := range js {
		if j.Seq != int64(i+1) {
			t.Fatalf("journal entry %d has Seq %d: entries are not in commit order", i, j.Seq)
		}
	}
}

func testFindShipment(t *testing.T, e *env) {
	rec := e.record("f", 2)
	e.commit(t, &postpurchase.Commit{Order: rec})
	for _, s := range rec.Shipments {
		ref, err := e.store.FindShipment(e.ctx, "sim", s.TrackingNumber)
		if err != nil || ref.OrderID != rec.Order.ID || ref.ShipmentID != s.ID {
			t.Fatalf("FindShipment(%s) = %+v, %v", s.TrackingNumber, ref, err)
		}
	}
	if _, err := e.store.FindShipment(e.ctx, "other", rec.Shipments[0].TrackingNumber); !errors.Is(err, postpurchase.ErrNotFound) {
		t.Fatalf("FindShipment with another carrier = %v, want ErrNotFound", err)
	}
}

func testDue(t *testing.T, e *env) {
	a, b := e.record("da", 2), e.record("db", 1) // NextCheck: a at +1h, +2h; b at +1h
	b.Shipments[0].NextCheck = e.at(3)
	e.commit(t, &postpurchase.Commit{Order: a})
	e.commit(t, &postpurchase.Commit{Order: b})
	ids := func(now time.Time, limit int) []string {
		t.Helper()
		refs, err := e.store.Due(e.ctx, now, limit)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range refs {
			out = append(out, r.ShipmentID)
		}
		return out
	}
	if got := ids(e.at(0), 10); len(got) != 0 {
		t.Fatalf("Due before anything is due = %v", got)
	}
	want := []string{a.Shipments[0].ID, a.Shipments[1].ID, b.Shipments[0].ID}
	if diff := cmp.Diff(want, ids(e.at(3), 10)); diff != "" {
		t.Fatalf("Due at +3h, earliest first (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want[:2], ids(e.at(3), 2)); diff != "" {
		t.Fatalf("Due with limit 2 (-want +got):\n%s", diff)
	}
	// A shipment with no NextCheck leaves the due list; a later one moves.
	a, err := e.store.LoadOrder(e.ctx, a.Order.ID)
	if err != nil {
		t.Fatal(err)
	}
	a.Version = 2
	a.Shipments[0].NextCheck = time.Time{}
	a.Shipments[1].NextCheck = e.at(5)
	e.commit(t, &postpurchase.Commit{Order: a})
	if diff := cmp.Diff([]string{b.Shipments[0].ID}, ids(e.at(4), 10)); diff != "" {
		t.Fatalf("Due after rescheduling (-want +got):\n%s", diff)
	}
	refs, _ := e.store.Due(e.ctx, e.at(6), 10)
	if len(refs) != 2 || refs[1].OrderID != a.Order.ID || !refs[1].NextCheck.Equal(e.at(5)) {
		t.Fatalf("Due at +6h = %+v, want b's shipment then a's second at +5h", refs)
	}
}

func testEffectsAtomic(t *testing.T, e *env) {
	rec := e.record("ea", 1)
	effs := []postpurchase.Effect{
		e.effect(rec.Order.ID, "credit", postpurchase.EffectCredit, e.at(1)),
		e.effect(rec.Order.ID, "msg", postpurchase.EffectMessage, e.at(1)),
		e.effect(rec.Order.ID, "task", postpurchase.EffectTask, e.at(1)),
	}
	e.commit(t, &postpurchase.Commit{Order: rec, Effects: effs})
	got, err := e.store.Effects(e.ctx, rec.Order.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("Effects = %d records, want 3", len(got))
	}
	for i, r := range got {
		if r.State != postpurchase.EffectPending || r.Attempts != 0 {
			t.Fatalf("effect %d: state %q attempts %d, want pending 0", i, r.State, r.Attempts)
		}
		if diff := cmp.Diff(effs[i], r.Effect, cmpOpts...); diff != "" {
			t.Fatalf("effect %d differs from what was committed (-want +got):\n%s", i, diff)
		}
	}
}

func testEffectIDsUnique(t *testing.T, e *env) {
	rec := e.record("eu", 1)
	ef := e.effect(rec.Order.ID, "once", postpurchase.EffectMessage, e.at(1))
	e.commit(t, &postpurchase.Commit{Order: rec, Effects: []postpurchase.Effect{ef}})
	next, err := e.store.LoadOrder(e.ctx, rec.Order.ID)
	if err != nil {
		t.Fatal(err)
	}
	next.Version = 2
	ef2 := ef
	ef2.At = e.at(2)
	e.commit(t, &postpurchase.Commit{Order: next, Effects: []postpurchase.Effect{ef2}})
	got, _ := e.store.Effects(e.ctx, rec.Order.ID)
	if len(got) != 1 || !got[0].Effect.At.Equal(e.at(1)) {
		t.Fatalf("an effect committed twice under one ID: %d records (want 1, the first kept)", len(got))
	}
}

func testClaimOnce(t *testing.T, e *env) {
	const orders, per = 4, 5
	for o := range orders {
		rec := e.record(fmt.Sprint("co", o), 1)
		var effs []postpurchase.Effect
		for i := range per {
			effs = append(effs, e.effect(rec.Order.ID, fmt.Sprint("m", i), postpurchase.EffectMessage, e.at(1)))
		}
		e.commit(t, &postpurchase.Commit{Order: rec, Effects: effs})
	}
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				batch, err := e.store.ClaimEffects(e.ctx, e.at(2), 3, time.Hour)
				if err != nil {
					t.Error(err)
					return
				}
				if len(batch) == 0 {
					return
				}
				for _, p := range batch {
					mu.Lock()
					seen[p.Effect.ID]++
					mu.Unlock()
					if err := e.store.CompleteEffect(e.ctx, e.at(2), p.Effect.ID, p.Token); err != nil {
						t.Error(err)
					}
				}
			}
		}()
	}
	wg.Wait()
	if len(seen) != orders*per {
		t.Fatalf("claimed %d distinct effects, want %d", len(seen), orders*per)
	}
	for id, n := range seen {
		if n != 1 {
			t.Fatalf("effect %s claimed %d times under concurrency", id, n)
		}
	}
	rest, _ := e.store.ClaimEffects(e.ctx, e.at(100), 100, time.Hour)
	for _, p := range rest {
		if _, mine := seen[p.Effect.ID]; mine {
			t.Fatalf("done effect %s claimed again", p.Effect.ID)
		}
	}
}

func testLeaseAndRetry(t *testing.T, e *env) {
	rec := e.record("lr", 1)
	ef := e.effect(rec.Order.ID, "m", postpurchase.EffectMessage, e.at(1))
	e.commit(t, &postpurchase.Commit{Order: rec, Effects: []postpurchase.Effect{ef}})
	claim := func(now time.Time) []postpurchase.PendingEffect {
		t.Helper()
		got, err := e.store.ClaimEffects(e.ctx, now, 10, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		var mine []postpurchase.PendingEffect
		for _, p := range got {
			if p.Effect.OrderID == rec.Order.ID {
				mine = append(mine, p)
			}
		}
		return mine
	}
	if got := claim(e.at(0)); len(got) != 0 {
		t.Fatalf("an effect was claimed before it was decided: %+v", got)
	}
	first := claim(e.at(1))
	if len(first) != 1 {
		t.Fatalf("claim at +1h: %d effects, want 1", len(first))
	}
	if got := claim(e.at(1).Add(30 * time.Minute)); len(got) != 0 {
		t.Fatal("a leased effect was claimed again before its lease ran out")
	}
	second := claim(e.at(2).Add(time.Minute)) // the lease ran out: another drainer takes it
	if len(second) != 1 || second[0].Token == first[0].Token {
		t.Fatalf("after the lease ran out: %d effects (want 1 with a new token)", len(second))
	}
	if err := e.store.CompleteEffect(e.ctx, e.at(3), ef.ID, first[0].Token); !errors.Is(err, postpurchase.ErrConflict) {
		t.Fatalf("CompleteEffect with a lost lease = %v, want ErrConflict", err)
	}
	if err := e.store.RetryEffect(e.ctx, e.at(3), ef.ID, second[0].Token, e.at(6), "klaviyo: unavailable"); err != nil {
		t.Fatal(err)
	}
	if got := claim(e.at(5)); len(got) != 0 {
		t.Fatal("a retried effect was claimed before its retry time")
	}
	third := claim(e.at(6))
	if len(third) != 1 || third[0].Attempts != 1 {
		t.Fatalf("retry at +6h: %+v, want one effect with Attempts 1", third)
	}
	if err := e.store.CompleteEffect(e.ctx, e.at(6), ef.ID, third[0].Token); err != nil {
		t.Fatal(err)
	}
	recs, _ := e.store.Effects(e.ctx, rec.Order.ID)
	if len(recs) != 1 || recs[0].State != postpurchase.EffectDone || recs[0].Attempts != 2 || recs[0].LastError != "klaviyo: unavailable" || recs[0].DoneAt.IsZero() {
		t.Fatalf("effect record after retry and completion = %+v", recs)
	}
	if got := claim(e.at(100)); len(got) != 0 {
		t.Fatal("a done effect was claimed again")
	}
}

func testJournal(t *testing.T, e *env) {
	rec := e.record("j", 1)
	var js []postpurchase.JournalEntry
	for i := 1; i <= 3; i++ {
		js = append(js, postpurchase.JournalEntry{OrderID: rec.Order.ID, Seq: int64(i), At: e.at(i), Kind: postpurchase.JournalDecision,
			ShipmentID: rec.Shipments[0].ID, Text: fmt.Sprint("entry ", i), Ref: "d1", Rule: "vip-late",
			Score: &postpurchase.ScoreSnapshot{Value: 80, Risk: 3, Tier: "vip", Reasons: []string{"r1", "r2"}, Orders: 9}})
	}
	rec.JournalSeq = 3
	e.commit(t, &postpurchase.Commit{Order: rec, Journal: js})
	got, err := e.store.Journal(e.ctx, rec.Order.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(js, got, cmpOpts...); diff != "" {
		t.Fatalf("Journal differs (-want +got):\n%s", diff)
	}
}

func testCreditTotal(t *testing.T, e *env) {
	a, b := e.record("ca", 1), e.record("cb", 1)
	b.Order.CustomerID = e.id + "-other"
	ea := e.effect(a.Order.ID, "c1", postpurchase.EffectCredit, e.at(1))
	eb := e.effect(b.Order.ID, "c2", postpurchase.EffectCredit, e.at(30))
	eb.CustomerID = b.Order.CustomerID
	eb.Credit.CustomerID = b.Order.CustomerID
	eb.Credit.Amount = decimal.RequireFromString("2.25")
	e.commit(t, &postpurchase.Commit{Order: a, Effects: []postpurchase.Effect{ea, e.effect(a.Order.ID, "m", postpurchase.EffectMessage, e.at(1))}})
	e.commit(t, &postpurchase.Commit{Order: b, Effects: []postpurchase.Effect{eb}})
	check := func(cust string, since time.Time, want string) {
		t.Helper()
		got, err := e.store.CreditTotal(e.ctx, cust, since)
		if err != nil {
			t.Fatal(err)
		}
		if !got.Total.Equal(decimal.RequireFromString(want)) || got.CustomerID != cust {
			t.Fatalf("CreditTotal(%q, %v) = %s of %q, want %s", cust, since, got.Total, got.CustomerID, want)
		}
	}
	check(a.Order.CustomerID, e.at(0), "5.00")
	check(b.Order.CustomerID, e.at(0), "2.25")
	check(a.Order.CustomerID, e.at(2), "0")
	// Every customer: the other tests live in other years, so from this
	// test's base up to the next year only its own credits count. A store
	// over a shared database may hold credits of later years: look only at
	// what this year adds.
	all, err := e.store.CreditTotal(e.ctx, "", e.at(0))
	if err != nil {
		t.Fatal(err)
	}
	later, err := e.store.CreditTotal(e.ctx, "", e.base.AddDate(1, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if got := all.Total.Sub(later.Total); !got.Equal(decimal.RequireFromString("7.25")) {
		t.Fatalf("CreditTotal of all customers this year = %s, want 7.25", got)
	}
	// Paying a credit does not change what was decided.
	ps, _ := e.store.ClaimEffects(e.ctx, e.at(40), 100, time.Hour)
	for _, p := range ps {
		if p.Effect.OrderID == a.Order.ID || p.Effect.OrderID == b.Order.ID {
			_ = e.store.CompleteEffect(e.ctx, e.at(40), p.Effect.ID, p.Token)
		}
	}
	check(a.Order.CustomerID, e.at(0), "5.00")
}

// hostile are strings a store must keep exactly: SQL quoting, NULs are
// excluded (PostgreSQL text cannot hold them), JSON specials, RTL marks.
var hostile = []string{
	`'; DROP TABLE orders; --`, `" OR 1=1 --`, `\'\\`, `<script>alert(1)</script>`,
	"\u202eevil\u202c", `{"$ne":null}`, "line\nbreak\ttab", "%_%", "ünïcødé 🚚",
}

func testHostileStrings(t *testing.T, e *env) {
	for i, h := range hostile {
		rec := e.record(fmt.Sprint("h", i), 1)
		rec.Order.ID = e.id + "-" + h
		rec.Order.CustomerID = h
		rec.Order.Email = h
		rec.Order.Items[0].Name = h
		sid := e.id + "-" + h + "-s"
		tn := "TN" + h
		rec.Order.Shipments[0].ID, rec.Order.Shipments[0].TrackingNumber = sid, tn
		rec.Shipments[0].ID, rec.Shipments[0].TrackingNumber = sid, tn
		ef := e.effect(rec.Order.ID, h, postpurchase.EffectMessage, e.at(1))
		ef.Message.Customer.Email = h
		j := postpurchase.JournalEntry{OrderID: rec.Order.ID, Seq: 1, At: e.at(1), Kind: postpurchase.JournalEvents, Text: h}
		rec.JournalSeq = 1
		e.commit(t, &postpurchase.Commit{Order: rec, Effects: []postpurchase.Effect{ef}, Journal: []postpurchase.JournalEntry{j}})
		got, err := e.store.LoadOrder(e.ctx, rec.Order.ID)
		if err != nil {
			t.Fatalf("hostile %d: %v", i, err)
		}
		if diff := cmp.Diff(rec, got, cmpOpts...); diff != "" {
			t.Fatalf("hostile %d: record differs (-want +got):\n%s", i, diff)
		}
		if ref, err := e.store.FindShipment(e.ctx, "sim", tn); err != nil || ref.ShipmentID != sid {
			t.Fatalf("hostile %d: FindShipment = %+v, %v", i, ref, err)
		}
		js, _ := e.store.Journal(e.ctx, rec.Order.ID)
		effs, _ := e.store.Effects(e.ctx, rec.Order.ID)
		if len(js) != 1 || js[0].Text != h || len(effs) != 1 || effs[0].Effect.Message.Customer.Email != h {
			t.Fatalf("hostile %d: journal or effects not kept exactly", i)
		}
	}
}

var cmpOpts = []cmp.Option{
	cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) }),
	cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) }),
	cmp.Comparer(func(a, b json.RawMessage) bool {
		var x, y any
		if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
			return string(a) == string(b)
		}
		return cmp.Equal(x, y)
	}),
}

func testClaimByID(t *testing.T, e *env) {
	rec := e.record("cid", 1)
	ef := e.effect(rec.Order.ID, "m", postpurchase.EffectMessage, e.at(1))
	e.commit(t, &postpurchase.Commit{Order: rec, Effects: []postpurchase.Effect{ef}})
	claim := func(now time.Time) (postpurchase.PendingEffect, bool) {
		t.Helper()
		p, ok, err := e.store.ClaimEffect(e.ctx, now, ef.ID, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return p, ok
	}
	if _, ok := claim(e.at(0)); ok {
		t.Fatal("ClaimEffect took an effect before it was due")
	}
	p, ok := claim(e.at(1))
	if !ok || p.Effect.ID != ef.ID || p.Token == "" {
		t.Fatalf("ClaimEffect of a due effect = %+v, %v", p, ok)
	}
	if _, ok := claim(e.at(1).Add(time.Minute)); ok {
		t.Fatal("ClaimEffect took a leased effect")
	}
	if got, _ := e.store.ClaimEffects(e.ctx, e.at(1).Add(time.Minute), 10, time.Hour); len(got) != 0 {
		for _, g := range got {
			if g.Effect.ID == ef.ID {
				t.Fatal("ClaimEffects took an effect ClaimEffect leased")
			}
		}
	}
	p2, ok := claim(e.at(3))
	if !ok || p2.Token == p.Token {
		t.Fatal("ClaimEffect did not take an effect whose lease ran out")
	}
	if err := e.store.CompleteEffect(e.ctx, e.at(3), ef.ID, p2.Token); err != nil {
		t.Fatal(err)
	}
	if _, ok := claim(e.at(10)); ok {
		t.Fatal("ClaimEffect took a done effect")
	}
	if _, _, err := e.store.ClaimEffect(e.ctx, e.at(10), e.id+"-nope", time.Hour); !errors.Is(err, postpurchase.ErrNotFound) {
		t.Fatalf("ClaimEffect(unknown) = %v, want ErrNotFound", err)
	}
}

// read reads a budget for the budget tests.
func (e *env) read(t *testing.T, customerID string) postpurchase.BudgetRead {
	t.Helper()
	r, err := e.store.CreditTotal(e.ctx, customerID, e.at(0))
	if err != nil {
		t.Fatal(err)
	}
	if r.CustomerID != customerID {
		t.Fatalf("CreditTotal(%q) read the budget of %q", customerID, r.CustomerID)
	}
	return r
}

// creditCommit creates order name of customer cust with one credit of
// amount, decided on reads.
func (e *env) creditCommit(name, cust, amount string, reads ...postpurchase.BudgetRead) *postpurchase.Commit {
	rec := e.record(name, 1)
	rec.Order.CustomerID = cust
	ef := e.effect(rec.Order.ID, "credit", postpurchase.EffectCredit, e.at(1))
	ef.CustomerID, ef.Credit.CustomerID = cust, cust
	ef.Credit.Amount = decimal.RequireFromString(amount)
	return &postpurchase.Commit{Order: rec, Effects: []postpurchase.Effect{ef}, Budgets: reads,
		Journal: []postpurchase.JournalEntry{{OrderID: rec.Order.ID, Seq: 1, At: e.at(1), Kind: postpurchase.JournalDecision, Text: "credit " + amount}}}
}

// versions reads the budget version of every key c reads or bumps (as
// Commit.BudgetChecks, but also when c reads a key twice).
func (e *env) versions(t *testing.T, c *postpurchase.Commit) map[string]int64 {
	t.Helper()
	keys := []string{}
	for _, b := range c.Budgets {
		keys = append(keys, b.CustomerID)
	}
	for _, ef := range c.Effects {
		if ef.Kind == postpurchase.EffectCredit && ef.Credit != nil {
			keys = append(keys, ef.Credit.CustomerID, "")
		}
	}
	vs := make(map[string]int64)
	for _, k := range keys {
		vs[k] = e.read(t, k).Version
	}
	return vs
}

// refusedAs checks that Commit(c) fails matching want and leaves the
// budget versions of every key c reads or bumps as they were: a store
// that bumps a version before every guard of the commit has passed
// makes every later decision on that budget conflict for nothing.
func (e *env) refusedAs(t *testing.T, what string, c *postpurchase.Commit, want error) {
	t.Helper()
	before := e.versions(t, c)
	if err := e.store.Commit(e.ctx, c); !errors.Is(err, want) {
		t.Fatalf("%s: Commit = %v, want %v", what, err, want)
	}
	for k, v := range e.versions(t, c) {
		if v != before[k] {
			t.Fatalf("%s: the refused commit moved the budget version of %q from %d to %d", what, k, before[k], v)
		}
	}
}

// refused checks that c was refused with ErrConflict and left nothing:
// no order, effects or journal, and no budget version moved.
func (e *env) refused(t *testing.T, what string, c *postpurchase.Commit) {
	t.Helper()
	e.refusedAs(t, what, c, postpurchase.ErrConflict)
	id := c.Order.Order.ID
	if _, err := e.store.LoadOrder(e.ctx, id); !errors.Is(err, postpurchase.ErrNotFound) {
		t.Fatalf("%s: the refused commit stored its order (LoadOrder = %v)", what, err)
	}
	effs, err := e.store.Effects(e.ctx, id)
	if err != nil || len(effs) != 0 {
		t.Fatalf("%s: the refused commit stored %d effect(s) (%v)", what, len(effs), err)
	}
	js, err := e.store.Journal(e.ctx, id)
	if err != nil || len(js) != 0 {
		t.Fatalf("%s: the refused commit stored %d journal entries (%v)", what, len(js), err)
	}
}

func (e *env) total(t *testing.T, customerID, want string) {
	t.Helper()
	if got := e.read(t, customerID).Total; !got.Equal(decimal.RequireFromString(want)) {
		t.Fatalf("CreditTotal(%q) = %s, want %s", customerID, got, want)
	}
}

// testBudgetReadUsedOnce: two orders' credit decided on the same budget
// read (two orders of one customer; two customers against the brand):
// the second commit is refused, and succeeds once decided on a new read.
func testBudgetReadUsedOnce(t *testing.T, e *env) {
	cust := e.id + "-budget"
	r, brand := e.read(t, cust), e.read(t, "")
	e.commit(t, e.creditCommit("b1", cust, "40.00", r, brand))
	// The order's guard fails, the budgets' hold: nothing moves.
	e.refusedAs(t, "an order created twice, on fresh reads", e.creditCommit("b1", cust, "1.00", e.read(t, cust), e.read(t, "")), postpurchase.ErrConflict)
	e.refused(t, "second order of the customer on the same reads", e.creditCommit("b2", cust, "40.00", r, brand))
	e.refused(t, "second order of the customer on the same customer read", e.creditCommit("b2", cust, "40.00", r))
	e.total(t, cust, "40.00")
	r2 := e.read(t, cust)
	if r2.Version == r.Version {
		t.Fatalf("the customer's budget version stayed %d after a credit", r.Version)
	}
	e.commit(t, e.creditCommit("b2", cust, "35.00", r2, e.read(t, "")))
	e.total(t, cust, "75.00")

	// Two customers against the brand's budget.
	x, y := e.id+"-bx", e.id+"-by"
	rx, ry, brand := e.read(t, x), e.read(t, y), e.read(t, "")
	e.commit(t, e.creditCommit("bx", x, "10.00", rx, brand))
	e.refused(t, "another customer on the same brand read", e.creditCommit("by", y, "10.00", ry, brand))
	e.commit(t, e.creditCommit("by", y, "10.00", ry, e.read(t, "")))
	e.total(t, y, "10.00")

	// A read of the budget that did not move still holds after
	// commits that add no credit.
	rx = e.read(t, x)
	e.commit(t, &postpurchase.Commit{Order: e.record("quiet", 1)})
	e.commit(t, e.creditCommit("bx2", x, "1.00", rx))
}

// testBudgetReadRace: commits of several orders of one customer, each
// decided on the same read, race: exactly one succeeds, first with no
// credit for the customer yet, then with some.
func testBudgetReadRace(t *testing.T, e *env) {
	cust := e.id + "-race"
	for round := range 2 {
		r, brand := e.read(t, cust), e.read(t, "")
		const n = 6
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			c := e.creditCommit(fmt.Sprintf("r%d-%d", round, i), cust, "30.00", r, brand)
			if i%2 == 1 {
				c.Budgets = []postpurchase.BudgetRead{r} // the customer's read only
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = e.store.Commit(e.ctx, c)
			}()
		}
		wg.Wait()
		won := 0
		for i, err := range errs {
			switch {
			case err == nil:
				won++
			case !errors.Is(err, postpurchase.ErrConflict):
				t.Fatalf("round %d, commit %d: %v, want nil or ErrConflict", round, i, err)
			}
		}
		if won != 1 {
			t.Fatalf("round %d: %d of %d commits decided on one budget read succeeded, want 1", round, won, n)
		}
		e.total(t, cust, fmt.Sprintf("%d.00", 30*(round+1)))
	}
}

// testBudgetVersions: credit moves its customer's and the brand's
// versions even when the commit carries no read; a commit without credit
// or reads moves none; a key read twice in one commit is invalid.
func testBudgetVersions(t *testing.T, e *env) {
	cust := e.id + "-v"
	r, brand := e.read(t, cust), e.read(t, "")
	e.commit(t, e.creditCommit("v1", cust, "1.00"))
	if r2, b2 := e.read(t, cust), e.read(t, ""); r2.Version == r.Version || b2.Version == brand.Version {
		t.Fatalf("a credit without reads left the versions as they were: customer %d → %d, brand %d → %d", r.Version, r2.Version, brand.Version, b2.Version)
	}
	r, brand = e.read(t, cust), e.read(t, "")
	rec := e.record("v2", 1)
	rec.Order.CustomerID = cust
	e.commit(t, &postpurchase.Commit{Order: rec, Effects: []postpurchase.Effect{e.effect(rec.Order.ID, "m", postpurchase.EffectMessage, e.at(1))}})
	if r2, b2 := e.read(t, cust), e.read(t, ""); r2.Version != r.Version || b2.Version != brand.Version {
		t.Fatalf("a commit without credit moved the versions: customer %d → %d, brand %d → %d", r.Version, r2.Version, brand.Version, b2.Version)
	}
	e.refusedAs(t, "Commit with one budget read twice", e.creditCommit("v3", cust, "1.00", r, r), postpurchase.ErrInvalid)
}
