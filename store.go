package postpurchase

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/postpurchase/postpurchase/carriers"
	"github.com/shopspring/decimal"
)

// Store is where the Engine keeps its state: orders with their shipments,
// claims and returns and the Engine's own bookkeeping (one OrderRecord per
// order), the pending side effects (the outbox) and the journal.
//
// The Engine decides once and records before it acts: everything one
// change implies is written by one Commit, atomically, with optimistic
// concurrency on the order's version. A SQL store implements Commit as one
// transaction. Draining executes the pending effects afterwards, at least
// once each; every effect carries a stable ID its executor de-duplicates on
// (a ledger idempotency key, a Klaviyo unique_id), so the customer sees
// each exactly once.
//
// Implementations must be safe for concurrent use, also by several
// processes sharing one database. MemoryStore is the in-memory
// implementation; package postpurchasetest checks any implementation with
// one call.
type Store interface {
	// LoadOrder returns the order's current record, or an error matching
	// ErrNotFound. The record belongs to the caller.
	LoadOrder(ctx context.Context, orderID string) (*OrderRecord, error)

	// FindShipment returns the order and shipment that carry a tracking
	// number with a carrier (the number as carriers.NormalizeNumber gives
	// it), or an error matching ErrNotFound.
	FindShipment(ctx context.Context, carrier, trackingNumber string) (ShipmentRef, error)

	// Due returns up to limit shipments whose NextCheck is set and at or
	// before now, earliest NextCheck first.
	Due(ctx context.Context, now time.Time, limit int) ([]ShipmentRef, error)

	// Commit writes c atomically: the order record (created when
	// c.Order.Version is 1 and no record exists, else replacing the
	// stored record only if its version is c.Order.Version-1), the
	// journal entries (appended) and the effects (added as pending; an
	// effect whose ID is already stored is left as it is). If the version
	// does not match, or the order exists when creating, Commit writes
	// nothing and returns an error matching ErrConflict. Either all of c
	// is stored or none of it.
	//
	// The store may keep c's record and effects as they are: the caller
	// must not change them after Commit returns.
	//
	// If Commit returns any other error the write may or may not have
	// happened (a lost acknowledgement): the Engine reloads and decides
	// again from what is stored, so nothing is duplicated.
	//
	// Budgets. Credit is decided within budgets read with CreditTotal,
	// which the order's version does not cover: two commits for two
	// orders of one customer (or any two orders, for the brand-wide
	// budget) could each add credit on the strength of the same total and
	// together overshoot it. So the store keeps a budget version per
	// customer and one for the brand (key "", all customers), and:
	//
	//   - a commit that carries a credit effect adds one to the version of
	//     each credited customer and to the brand's;
	//   - each BudgetRead in c.Budgets is checked against its key's
	//     version: if the version is no longer BudgetRead.Version (credit
	//     was added since the read), Commit writes nothing and returns an
	//     error matching ErrConflict; else the version grows by one (a
	//     key is bumped once per commit, read or credited or both);
	//   - a commit with neither credit effects nor budget reads leaves
	//     every version as it is, so commits that decide no credit never
	//     contend on the brand's version.
	//
	// The check and the bumps are part of the commit's transaction. A
	// version counts credit added at any instant, so it covers any window
	// ("since" moves with the decision's clock: a total read at the
	// decision's instant is still that instant's total when the version
	// has not moved). Credit counts when decided, held or not; releases
	// and payments change no total. Nothing lowers a total, and a
	// decision made on a total that had since gone down would only have
	// been stricter, so nothing else needs a bump. A commit that adds no
	// credit cannot take a budget over and needs no check (the per-order
	// budget lives in the order record, under its version). The Engine
	// carries, in every commit that adds credit, the reads its decisions
	// used (the brand's only when the policy sets a per-day budget: without
	// one, credit commits do not race on the brand), and decides again when
	// the commit is refused.
	Commit(ctx context.Context, c *Commit) error

	// ClaimEffects leases up to limit pending effects whose next attempt
	// is due at now, oldest first, until now+lease: until then no other
	// caller gets them. Each PendingEffect carries a Token that
	// CompleteEffect and RetryEffect must present.
	ClaimEffects(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]PendingEffect, error)

	// ClaimEffect leases one pending effect by ID, as ClaimEffects does,
	// if it is due at now and not leased by another caller; ok is false
	// otherwise (done, leased, not due). An unknown ID is an error
	// matching ErrNotFound. A queue that carries effect IDs (River) uses
	// it to run each effect as its own job.
	ClaimEffect(ctx context.Context, now time.Time, id string, lease time.Duration) (p PendingEffect, ok bool, err error)

	// CompleteEffect marks a leased effect done. A token that no longer
	// holds the lease (it expired and another caller claimed the effect)
	// gets an error matching ErrConflict; the effect stays as the other
	// caller leaves it.
	CompleteEffect(ctx context.Context, now time.Time, id, token string) error

	// RetryEffect returns a leased effect to pending, due again at retryAt,
	// and records the error text of the failed attempt (already free of
	// secrets and personal data).
	RetryEffect(ctx context.Context, now time.Time, id, token string, retryAt time.Time, errText string) error

	// Effects returns the order's effects, pending and done, in the order
	// they were committed.
	Effects(ctx context.Context, orderID string) ([]EffectRecord, error)

	// Journal returns the order's journal in Seq order.
	Journal(ctx context.Context, orderID string) ([]JournalEntry, error)

	// CreditTotal sums the amounts of credit effects decided at or after
	// since, paid or not, for one customer, or for all when customerID is
	// empty. Budgets count credit decided but not yet paid. The read
	// carries the key's budget version (see Commit), read at the same
	// instant as the total or before it, never after: a commit that
	// carries the read back fails if credit was added since.
	CreditTotal(ctx context.Context, customerID string, since time.Time) (BudgetRead, error)
}

// ShipmentRef names a stored shipment.
type ShipmentRef struct {
	OrderID    string    `json:"order_id"`
	ShipmentID string    `json:"shipment_id"`
	NextCheck  time.Time `json:"next_check,omitzero"`
}

// OrderRecord is what the Store keeps per order. The Engine builds it; a
// store keeps it as given (it round-trips through encoding/json, so a SQL
// store may keep it in one JSON column) and indexes the shipments'
// carrier, tracking number and NextCheck.
type OrderRecord struct {
	// Order is what the host registered.
	Order Order `json:"order"`
	// Version is 1 when created and grows by one on every commit.
	Version int64 `json:"version"`
	// Shipments holds the state of each of Order.Shipments, same order.
	Shipments []ShipmentState `json:"shipments"`
	// Cases are the order's claims and returns, oldest first.
	Cases []Case `json:"cases,omitempty"`
	// Incident is the order's delay incident: one make-good per order per
	// incident, topped up if it gets worse. Nil before the first delay.
	Incident *Incident `json:"incident,omitempty"`
	// JournalSeq is the Seq of the order's last journal entry.
	JournalSeq int64 `json:"journal_seq"`
	// LastDelayMessage is the day (in the brand's time zone, "2006-01-02")
	// of the last delay message sent for the order.
	LastDelayMessage string `json:"last_delay_message,omitempty"`
}

// ShipmentState is the stored state of one shipment.
type ShipmentState struct {
	// ID, Carrier and TrackingNumber repeat the registered shipment's
	// (TrackingNumber normalized) so that stores can index them.
	ID             string `json:"id"`
	Carrier        string `json:"carrier"`
	TrackingNumber string `json:"tracking_number"`
	// Status is the shipment's normalized status.
	Status carriers.Status `json:"status"`
	// NextCheck is when the Engine next refreshes or checks the shipment;
	// zero when it never will (delivered or returned and settled).
	NextCheck time.Time `json:"next_check,omitzero"`
	// Tracking is the tracking.Shipment, as its MarshalJSON encodes it.
	Tracking json.RawMessage `json:"tracking"`
}

// Incident is an order's delay incident as the Engine decided it.
type Incident struct {
	// ID is the ID of the delay episode that opened it; every key of the
	// incident derives from it.
	ID string `json:"id"`
	// OpenedAt is when it opened.
	OpenedAt time.Time `json:"opened_at"`
	// Score is the customer's score taken when it opened, without this
	// order; it is used for the whole incident.
	Score ScoreSnapshot `json:"score"`
	// Worst is the most severe delay kind seen in the incident, and
	// DaysLate the most days late.
	Worst    string `json:"worst"`
	DaysLate int    `json:"days_late"`
	// Credited is the credit decided for the incident so far; Credits the
	// number of credit effects (the next top-up's key number).
	Credited decimal.Decimal `json:"credited"`
	Credits  int             `json:"credits"`
	// Messages counts the delay messages sent for the incident.
	Messages int `json:"messages,omitempty"`
	// Held are the credits issued held until delivery and not released
	// yet.
	Held []HeldCredit `json:"held,omitempty"`
	// Unsent is what a delay message held back by the one-per-day rule
	// still has to tell; it goes out with the next day's first check.
	Unsent *Unsent `json:"unsent,omitempty"`
	// Tasks are the task kinds already decided for the incident.
	Tasks []TaskKind `json:"tasks,omitempty"`
	// Rule is the policy rule of the last decision.
	Rule string `json:"rule,omitempty"`
}

// HeldCredit is a credit issued held until its shipment is delivered.
type HeldCredit struct {
	Key        string          `json:"key"`
	ShipmentID string          `json:"shipment_id"`
	Amount     decimal.Decimal `json:"amount"`
}

// Unsent is the content of a delay message held back for a day.
type Unsent struct {
	Actions  []string        `json:"actions,omitempty"`
	Cashback decimal.Decimal `json:"cashback"`
	Pending  bool            `json:"pending,omitempty"`
}

// ScoreSnapshot is the score a decision used.
type ScoreSnapshot struct {
	Value   float64  `json:"value"`
	Risk    float64  `json:"risk"`
	Tier    string   `json:"tier"`
	Reasons []string `json:"reasons,omitempty"`
	// Orders is the number of orders the customer had placed before this
	// one (the one being made good is excluded).
	Orders int `json:"orders"`
}

// Commit is one atomic write of the Engine: see Store.Commit.
type Commit struct {
	Order   *OrderRecord
	Journal []JournalEntry
	Effects []Effect
	// Budgets are the budget reads the commit's credit was decided on:
	// the commit is refused (ErrConflict) if any key's version moved
	// since. See Store.Commit.
	Budgets []BudgetRead
}

// BudgetRead is a credit total as Store.CreditTotal read it, with the
// budget version of its key at the time of the read.
type BudgetRead struct {
	// CustomerID is whose credit was summed; empty for every customer's
	// (the brand's budget).
	CustomerID string
	// Total is the credit decided at or after the read's since.
	Total decimal.Decimal
	// Version counts the commits that added credit for CustomerID (for
	// the brand: any credit) before the read; 0 when none did.
	Version int64
}

// EffectKind says what an effect does.
type EffectKind string

// The effect kinds.
const (
	// EffectCredit issues CashBack credit (Effect.Credit).
	EffectCredit EffectKind = "credit"
	// EffectRelease releases pending credit (Effect.Release).
	EffectRelease EffectKind = "release"
	// EffectMessage sends a message to the customer's ESP (Effect.Message).
	EffectMessage EffectKind = "message"
	// EffectTask hands a task to the host (Effect.Task).
	EffectTask EffectKind = "task"
)

// Effect is one finished side effect the Engine decided: everything needed
// to carry it out is in it (amounts, keys, times), so executing it again
// after a crash repeats the same request and never decides anew.
type Effect struct {
	// ID is stable and unique: the idempotency key its executor
	// de-duplicates on. It derives from stable IDs (milestone, delay
	// episode, case), never from the time.
	ID string `json:"id"`
	// OrderID and CustomerID say whose it is.
	OrderID    string `json:"order_id"`
	CustomerID string `json:"customer_id"`
	// Kind says which of the fields below is set.
	Kind EffectKind `json:"kind"`
	// At is when it was decided.
	At time.Time `json:"at"`

	Credit  *Credit  `json:"credit,omitempty"`
	Release *Release `json:"release,omitempty"`
	Message *Message `json:"message,omitempty"`
	Task    *Task    `json:"task,omitempty"`
}

// Credit is a CashBack credit to issue.
type Credit struct {
	// Key is the ledger's idempotency key (the effect's ID).
	Key        string          `json:"key"`
	CustomerID string          `json:"customer_id"`
	Amount     decimal.Decimal `json:"amount"`
	Currency   string          `json:"currency"`
	Reason     string          `json:"reason,omitempty"`
	OrderID    string          `json:"order_id,omitempty"`
	DelayID    string          `json:"delay_id,omitempty"`
	// At is the instant the ledger records (fixed when decided).
	At time.Time `json:"at"`
	// Pending is true when the credit waits for a Release (at delivery).
	Pending bool `json:"pending,omitempty"`
	// AvailableAt and ExpiresAt are fixed when decided; zero AvailableAt
	// means at once (or at release when Pending), zero ExpiresAt never.
	AvailableAt time.Time `json:"available_at,omitzero"`
	ExpiresAt   time.Time `json:"expires_at,omitzero"`
	// Notify, when set, is told the new balance once the credit is
	// spendable (a cashback message with ID "cashback:" + Key).
	Notify *Contact `json:"notify,omitempty"`
}

// Release makes pending credit spendable.
type Release struct {
	// Key is the ledger's idempotency key of the release; CreditKey the
	// key of the pending credit it releases.
	Key        string    `json:"key"`
	CreditKey  string    `json:"credit_key"`
	CustomerID string    `json:"customer_id"`
	Currency   string    `json:"currency"`
	At         time.Time `json:"at"`
	// AvailableAt is when the credit becomes spendable (zero: at once).
	AvailableAt time.Time `json:"available_at,omitzero"`
	// Amount is the credit released; Notify, when set, is told the new
	// balance (a cashback message with ID "cashback:" + Key).
	Amount decimal.Decimal `json:"amount,omitzero"`
	Notify *Contact        `json:"notify,omitempty"`
}

// PendingEffect is an effect leased for execution.
type PendingEffect struct {
	Effect Effect `json:"effect"`
	// Attempts counts earlier attempts (0 on the first).
	Attempts int `json:"attempts"`
	// Token proves the lease to CompleteEffect and RetryEffect.
	Token string `json:"token"`
}

// EffectState is where an effect is in its life.
type EffectState string

// The effect states.
const (
	EffectPending EffectState = "pending"
	EffectDone    EffectState = "done"
)

// EffectRecord is a stored effect with its execution state.
type EffectRecord struct {
	Effect    Effect      `json:"effect"`
	State     EffectState `json:"state"`
	Attempts  int         `json:"attempts"`
	LastError string      `json:"last_error,omitempty"`
	DoneAt    time.Time   `json:"done_at,omitzero"`
}

// JournalKind classifies journal entries.
type JournalKind string

// The journal kinds.
const (
	JournalRegistered JournalKind = "registered"
	JournalEvents     JournalKind = "events"
	JournalMilestone  JournalKind = "milestone"
	JournalDelay      JournalKind = "delay"
	JournalCleared    JournalKind = "cleared"
	JournalScore      JournalKind = "score"
	JournalDecision   JournalKind = "decision"
	JournalEffect     JournalKind = "effect"
	JournalCase       JournalKind = "case"
	JournalSkipped    JournalKind = "skipped"
)

// JournalEntry is one line of an order's journal, written in the same
// commit as the change it describes: what happened, which delay, which
// score and reasons, which rule, which actions and amounts, what was sent.
type JournalEntry struct {
	OrderID string `json:"order_id"`
	// Seq numbers the order's entries from 1.
	Seq int64 `json:"seq"`
	// At is the Engine's clock when the entry was written.
	At         time.Time   `json:"at"`
	Kind       JournalKind `json:"kind"`
	ShipmentID string      `json:"shipment_id,omitempty"`
	// Text is one line a support lead reads.
	Text string `json:"text"`
	// Ref is the stable ID the entry is about (milestone, delay, effect,
	// case), if any.
	Ref string `json:"ref,omitempty"`
	// Score is the score used, on score and decision entries.
	Score *ScoreSnapshot `json:"score,omitempty"`
	// Rule is the policy rule that decided, on decision entries.
	Rule string `json:"rule,omitempty"`
}

// BudgetCheck is one budget version a Commit checks and bumps: what
// Store implementations do with Commit.Budgets and the credit effects
// (see Store.Commit).
type BudgetCheck struct {
	// CustomerID is the key; empty for the brand.
	CustomerID string
	// Check says the version must still be Seen (a budget read);
	// otherwise it is bumped whatever it is (credit added, not read).
	Check bool
	Seen  int64
}

// BudgetChecks returns the budget versions a store checks and bumps when
// committing c, one per key, sorted by key (the brand's first): taking
// their locks in this order keeps concurrent commits from deadlocking. A
// key read twice in c.Budgets is an error matching ErrInvalid.
func (c *Commit) BudgetChecks() ([]BudgetCheck, error) {
	var out []BudgetCheck
	for _, b := range c.Budgets {
		for _, o := range out {
			if o.CustomerID == b.CustomerID {
				return nil, fmt.Errorf("%w: %s read twice in one commit", ErrInvalid, budgetName(b.CustomerID))
			}
		}
		out = append(out, BudgetCheck{CustomerID: b.CustomerID, Check: true, Seen: b.Version})
	}
	bump := func(key string) {
		for _, o := range out {
			if o.CustomerID == key {
				return
			}
		}
		out = append(out, BudgetCheck{CustomerID: key})
	}
	for i := range c.Effects {
		if e := &c.Effects[i]; e.Kind == EffectCredit && e.Credit != nil {
			bump(e.Credit.CustomerID)
			bump("")
		}
	}
	slices.SortFunc(out, func(a, b BudgetCheck) int { return strings.Compare(a.CustomerID, b.CustomerID) })
	return out, nil
}
