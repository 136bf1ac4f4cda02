package postpurchase

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/postpurchase/postpurchase/carriers"
	"github.com/postpurchase/postpurchase/tracking"
)

// claimReviewRisk is the risk score above which a claim goes to a person
// before anything is sent (the default policy's "low risk" bound for
// replacements).
const claimReviewRisk = 40

// FileClaim files a claim for a shipment through the Engine: the window is
// checked against the shipment's state, the customer is scored (without
// this order), and the case is resolved at once for a trusted customer (a
// replacement, expedited for a VIP) or sent to review for a risky one. The
// case, its message and its task are committed together. Filing the same
// claim again returns the same case; a different claim of the same reason
// for the shipment is a *CaseExistsError; outside its window a
// *WindowError; unknown orders and shipments an *InputError matching
// ErrNotFound. Nothing is stored or sent on error.
func (e *Engine) FileClaim(ctx context.Context, now time.Time, req ClaimRequest) (Case, error) {
	if !slices.Contains(ClaimReasons(), req.Reason) {
		return Case{}, invalid("claim", "reason", "not a claim reason: "+clip(string(req.Reason)))
	}
	return e.openCase(ctx, now, CaseClaim, req.OrderID, req.ShipmentID, req.Reason, req.Items, req.Note)
}

// StartReturn starts a return of delivered items, within the return
// window, for items that are not final sale. Starting the same return
// again returns the same case; see FileClaim for errors.
func (e *Engine) StartReturn(ctx context.Context, now time.Time, req ReturnRequest) (Case, error) {
	return e.openCase(ctx, now, CaseReturn, req.OrderID, req.ShipmentID, ReasonReturn, req.Items, req.Note)
}

func (e *Engine) openCase(ctx context.Context, now time.Time, kind CaseKind, orderID, shipmentID string, reason CaseReason, items []string, note string) (Case, error) {
	op := string(kind)
	if len(note) > MaxNoteLen {
		return Case{}, invalid(op, "note", fmt.Sprintf("longer than %d bytes", MaxNoteLen))
	}
	items = slices.Clone(items)
	slices.Sort(items)
	items = slices.Compact(items)
	var out Case
	err := e.update(ctx, now, orderID, func(t *txn) error {
		i, ok := t.shipment(shipmentID)
		if !ok {
			return notFound(op, "shipment_id", shipmentID)
		}
		id := string(kind) + ":" + orderID + ":" + shipmentID + ":" + string(reason)
		for _, c := range t.rec.Cases {
			if c.ID != id {
				continue
			}
			if slices.Equal(c.Items, items) && c.Note == note {
				out = c
				return errSkip
			}
			return &CaseExistsError{Existing: c, Err: ErrCaseExists}
		}
		opts := t.options(i)
		var opt *ClaimOption
		for k := range opts {
			if opts[k].Reason == reason {
				opt = &opts[k]
			}
		}
		if opt == nil {
			return t.windowError(i, reason)
		}
		needItems := reason == ReasonDamaged || reason == ReasonMissingItems || reason == ReasonReturn
		if needItems && len(items) == 0 {
			return invalid(op, "items", "name at least one item")
		}
		if !needItems {
			items = nil
		}
		for _, sku := range items {
			if !slices.Contains(opt.Items, sku) {
				return invalid(op, "items", "not an eligible item of the shipment: "+clip(sku))
			}
		}
		snap, err := t.score(ctx)
		if err != nil {
			return err
		}
		c := Case{ID: id, Kind: kind, Reason: reason, OrderID: orderID, ShipmentID: shipmentID, Items: items,
			Note: note, OpenedAt: now, Tier: snap.Tier}
		task := Task{ID: "task:" + id, OrderID: orderID, ShipmentID: shipmentID, CustomerID: t.rec.Order.CustomerID, CaseID: id, Items: items}
		switch {
		case kind == CaseReturn:
			c.State, c.Resolution = CaseResolved, "return accepted: refund when the items arrive back"
			task.Kind = TaskRefund
		case (reason == ReasonNotReceived || reason == ReasonDeliveredNotReceived) && t.rec.Incident != nil && slices.Contains(t.rec.Incident.Tasks, TaskReplacement):
			// The delay's make-good already sends a replacement.
			c.State, c.Resolution = CaseResolved, "a replacement is already on its way"
			task.Kind = ""
		case snap.Tier == "vip" || snap.Tier != "risky" && snap.Risk <= claimReviewRisk:
			c.State = CaseResolved
			task.Kind, task.Expedited = TaskReplacement, snap.Tier == "vip"
			if task.Items == nil {
				task.Items = t.items(i)
			}
			c.Resolution = "replacement sent"
			if task.Expedited {
				c.Resolution += " by expedited shipping"
			}
		default:
			c.State, c.Resolution = CaseInReview, "a person reviews the claim before anything is sent"
			task.Kind = TaskReview
		}
		t.rec.Cases = append(t.rec.Cases, c)
		mk := MessageClaim
		if kind == CaseReturn {
			mk = MessageReturn
		}
		m, err := t.base(ctx, i, mk, "case:"+id, now)
		if err != nil {
			return err
		}
		m.CaseID, m.CaseReason, m.CaseState, m.Tier = id, string(reason), string(c.State), snap.Tier
		if task.Kind != "" {
			t.effect(Effect{ID: task.ID, Kind: EffectTask, Task: &task})
		}
		t.effect(Effect{ID: m.ID, Kind: EffectMessage, Message: &m})
		j := t.journal(JournalCase, shipmentID, id, fmt.Sprintf("%s %s filed; tier %s, risk %.0f → %s: %s", kind, reason, snap.Tier, snap.Risk, c.State, c.Resolution))
		j.Score = &snap
		out = c
		return nil
	})
	if err != nil {
		var ie *InputError
		if errors.Is(err, ErrNotFound) && !errors.As(err, &ie) {
			return Case{}, notFound(op, "order_id", orderID)
		}
		return Case{}, err
	}
	return out, nil
}

// international reports whether a shipment crosses a border.
func international(s *tracking.Shipment) bool {
	o, d := s.Origin, s.Destination
	if len(o) >= 2 && len(d) >= 2 {
		return !strings.EqualFold(o[:2], d[:2])
	}
	return false
}

// options returns the cases that can be opened now for shipment i.
func (t *txn) options(i int) []ClaimOption {
	w := t.e.windows
	s := t.ships[i]
	now := t.now
	var out []ClaimOption
	delivered := s.DeliveredAt()
	st, _ := s.Status()
	if delivered.IsZero() || st == carriers.StatusReturnToSender {
		if t.notReceivedOpen(s) {
			out = append(out, ClaimOption{Reason: ReasonNotReceived})
		}
		return out
	}
	if now.Sub(delivered) >= w.DeliveredNotReceivedFrom && now.Sub(delivered) <= w.DeliveredNotReceivedTo {
		out = append(out, ClaimOption{Reason: ReasonDeliveredNotReceived, Until: delivered.Add(w.DeliveredNotReceivedTo)})
	}
	if now.Sub(delivered) <= w.DamagedWithin {
		its := t.items(i)
		out = append(out,
			ClaimOption{Reason: ReasonDamaged, Until: delivered.Add(w.DamagedWithin), Items: its},
			ClaimOption{Reason: ReasonMissingItems, Until: delivered.Add(w.DamagedWithin), Items: its})
	}
	if now.Sub(delivered) <= w.ReturnWithin {
		var eligible []string
		for _, sku := range t.items(i) {
			for _, it := range t.rec.Order.Items {
				if it.SKU == sku && !it.FinalSale {
					eligible = append(eligible, sku)
				}
			}
		}
		if len(eligible) > 0 {
			out = append(out, ClaimOption{Reason: ReasonReturn, Until: delivered.Add(w.ReturnWithin), Items: eligible})
		}
	}
	return out
}

// notReceivedOpen: no scan for the quiet period, or past the end of the
// expected delivery window by PastEstimate.
func (t *txn) notReceivedOpen(s *tracking.Shipment) bool {
	w := t.e.windows
	last := s.LastScanAt()
	if last.IsZero() {
		last = s.LabelCreatedAt
	}
	quiet := w.NotReceivedQuiet
	if international(s) {
		quiet = w.NotReceivedQuietIntl
	}
	if !last.IsZero() && t.now.Sub(last) >= quiet {
		return true
	}
	if end := t.expectedBy(s); !end.IsZero() && t.now.Sub(end) >= w.PastEstimate {
		return true
	}
	return false
}

// expectedBy is the end of the expected delivery window: the carrier's
// latest estimate, else the promise.
func (t *txn) expectedBy(s *tracking.Shipment) time.Time {
	if latest, _ := s.CarrierEstimate(); latest != nil {
		return latest.End
	}
	return s.PromisedBy
}

func (t *txn) windowError(i int, reason CaseReason) error {
	w := t.e.windows
	s := t.ships[i]
	delivered := s.DeliveredAt()
	we := &WindowError{Reason: reason, Err: ErrOutsideWindow}
	switch reason {
	case ReasonNotReceived:
		if !delivered.IsZero() {
			we.Why = "the shipment was delivered; file delivered_not_received instead"
		} else {
			we.Why = "the parcel is still moving: it can be reported once it has had no scan for a while or is past its expected delivery"
		}
	default:
		from, to := time.Duration(0), w.DamagedWithin
		switch reason {
		case ReasonDeliveredNotReceived:
			from, to = w.DeliveredNotReceivedFrom, w.DeliveredNotReceivedTo
		case ReasonReturn:
			to = w.ReturnWithin
		}
		if delivered.IsZero() {
			we.Why = "the shipment is not delivered yet"
		} else {
			we.Opens, we.Closes = delivered.Add(from), delivered.Add(to)
			switch {
			case t.now.Before(we.Opens):
				we.Why = "the window opens " + we.Opens.Format(time.DateOnly)
			case t.now.After(we.Closes):
				we.Why = "the window closed " + we.Closes.Format(time.DateOnly)
			default:
				we.Why = "no eligible items"
			}
		}
	}
	return we
}
