package budgetrace

import (
	"context"
	"testing"
	"time"

	"github.com/postpurchase/postpurchase"
)

// TestGate: the gate holds the first brand read until the second, and
// opens without it when a decision returns before reading (the race did
// not happen: unraced); no clock either way.
func TestGate(t *testing.T) {
	ctx := context.Background()
	day := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	read := func(g *gate, who string) <-chan struct{} {
		done := make(chan struct{})
		go func() {
			defer close(done)
			if _, err := g.CreditTotal(ctx, who, day); err != nil {
				t.Error(err)
			}
		}()
		return done
	}
	held := func(done <-chan struct{}) bool {
		// A held read cannot be told from a slow one; a read that went
		// through must not be one the gate should hold.
		select {
		case <-done:
			return false
		default:
			return true
		}
	}

	g := &gate{Store: postpurchase.NewMemoryStore(), open: make(chan struct{})}
	<-read(g, "c-1") // a customer's read is not held
	first := read(g, "")
	for {
		g.mu.Lock()
		n := g.n
		g.mu.Unlock()
		if n == 1 {
			break
		}
		time.Sleep(time.Millisecond) // waiting for the goroutine, not timing it
	}
	if !held(first) {
		t.Fatal("the first brand read went through before the second")
	}
	<-read(g, "") // the second opens the gate
	<-first
	<-read(g, "") // later reads are not held
	g.returned()
	g.returned()
	if g.unraced {
		t.Fatal("a race that happened is reported as not happened")
	}

	g = &gate{Store: postpurchase.NewMemoryStore(), open: make(chan struct{})}
	first = read(g, "")
	g.returned() // the other decision returned without reading
	<-first
	if !g.unraced {
		t.Fatal("a decision that returned before reading did not mark the race as not happened")
	}
}
