package tracking

import (
	"cmp"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/postpurchase/postpurchase/carriers"
)

// Shipment is one parcel of an order as this package knows it: the
// references and promise the host gave when it was created, and everything
// learned from the carrier since — events, status, milestones, the carrier's
// delivery estimate, and delay episodes.
//
// The exported fields are the host's to set (normally once, when the label
// is bought). What is learned from carriers is private and changes only
// through Apply, ApplyAt, Update and Check; read it through the accessor
// methods. A Shipment encodes to JSON and back without loss (see
// MarshalJSON), so the host stores it however it likes.
//
// A Shipment is not safe for concurrent use: the host serialises updates
// to one shipment (Version is there for optimistic concurrency).
//
// # Event semantics
//
// Two events are the same event when they have the same carrier event code
// (Event.Code), the same instant (Event.Time compared with Equal, whatever
// the offset), the same status, location and description. Applying an event
// that is already known changes nothing. When two copies of an event differ
// only in the fields outside that identity, the stored copy is chosen
// deterministically (the higher Reason, a known zone over ZoneUnknown, the
// smaller UTC offset), so the result does not depend on which copy came
// first.
//
// The state is a function of the set of events: the same events applied in
// any order, in any batches, with any duplicates, give the same events,
// status, milestones and active delays. Status never regresses: once
// delivered, later in-transit, out-for-delivery or exception scans (or
// earlier ones arriving late) do not undo the delivery. A return to sender
// reported after the delivery does supersede it, as does any event with
// status return_to_sender and reason returned (the parcel is back with the
// shipper). Events whose status is StatusUnknown are kept and count as
// carrier activity for the stall detectors, but do not change the status;
// StatusExpired events are kept and change nothing else.
//
// Rejected events (see EventError): a zero time, a time before 2000 or more
// than MaxClockSkew after now (after 2100 when no now is known), a UTC
// offset of 24 hours or more or not in whole minutes (time.Parse accepts
// "+24:30", which could then never be stored), an undefined Status or
// Reason value. They are skipped; the valid events of the same call are
// applied. Carrier texts that are not valid UTF-8 are stored with U+FFFD
// in place of the invalid bytes, as JSON would store them.
type Shipment struct {
	// ID is the host's identifier for the shipment, optional. Milestone
	// and delay IDs are derived from ID, Carrier, TrackingNumber and
	// OrderID (the identity fields), so set them before the first Apply
	// and do not change them.
	ID string
	// OrderID and CustomerID are the host's order and customer
	// references.
	OrderID    string
	CustomerID string
	// Carrier is the carrier code ("ups"); TrackingNumber the tracking number.
	Carrier        string
	TrackingNumber string
	// Service is the carrier service ("Ground"), part of the lane.
	Service string
	// Origin and Destination are the ship-from and ship-to regions: an
	// ISO 3166-1 alpha-2 country, optionally with "-" and a subdivision
	// ("US-NV"). Part of the lane; a shipment is international when their
	// countries differ.
	Origin      string
	Destination string
	// PromisedBy is the end of the delivery promise given at checkout, as
	// an instant: usually the end of the promised day in the brand's time
	// zone (Config.Location). Its calendar day in its own offset is the
	// promised date. Zero means no promise unless PromisedOn is set.
	PromisedBy time.Time
	// PromisedOn is the promised delivery date for a promise that is a
	// day, not an instant ("by Friday"). It is used when PromisedBy is
	// zero: the promise then ends with that day in the brand's time zone
	// (Config.Location). Both zero means no promise (no late or at-risk
	// detection, DaysLate 0).
	PromisedOn Date
	// LabelCreatedAt is when the label was bought (fulfillment), used by
	// the fulfillment-stalled detector when the carrier sent no
	// info_received event. Zero means unknown.
	LabelCreatedAt time.Time
	// Version increases by one on every call that changes the shipment.
	// Store it with the shipment and update conditionally
	// ("... WHERE version = old") to detect concurrent writers.
	Version int64

	events     []carriers.Event // sorted by cmpEvent, no duplicates
	milestones []Milestone      // sorted by Kind
	delays     []Delay          // in order of detection
	estimate   *carriers.Estimate
	firstEst   *carriers.Estimate
	nextPoll   time.Time
	pollDone   bool
	checkedAt  time.Time // latest instant the detectors ran at (UTC)
	rules      *Rules
	f          facts
}

// NewShipment returns an empty shipment on the given rules (nil means the
// defaults). It is the same as a Shipment literal followed by UseRules.
func NewShipment(rules *Rules) *Shipment {
	s := &Shipment{}
	s.UseRules(rules)
	return s
}

// UseRules sets the rules (calendar, transit model, detector thresholds)
// that Apply and Check use. Rules are not stored in JSON: set them again
// after decoding. nil means the defaults.
func (s *Shipment) UseRules(r *Rules) { s.rules = r }

func (s *Shipment) r() *Rules {
	if s.rules == nil {
		return &defaultRules
	}
	return s.rules
}

// Lane returns the shipment's lane (carrier, service, origin, destination).
func (s *Shipment) Lane() Lane {
	return Lane{Carrier: s.Carrier, Service: s.Service, Origin: s.Origin, Destination: s.Destination}
}

// Events returns a copy of the known events, oldest first.
func (s *Shipment) Events() []carriers.Event { return slices.Clone(s.events) }

// NumEvents returns the number of known events.
func (s *Shipment) NumEvents() int { return len(s.events) }

// Status returns the current normalized status and reason.
func (s *Shipment) Status() (carriers.Status, carriers.Reason) { return s.f.status, s.f.reason }

// ShippedAt returns when the carrier first had the parcel, or the zero time.
func (s *Shipment) ShippedAt() time.Time { return s.at(s.f.shipped) }

// DeliveredAt returns when the parcel was delivered, or the zero time when
// it is not (or no longer, after a return to sender) delivered.
func (s *Shipment) DeliveredAt() time.Time {
	if s.f.status != carriers.StatusDelivered {
		return time.Time{}
	}
	return s.at(s.f.delivered)
}

// LastScanAt returns the time of the newest carrier scan (any event other
// than info_received and expired), or the zero time.
func (s *Shipment) LastScanAt() time.Time { return s.at(s.f.lastScan) }

// Milestones returns a copy of the milestones reached, in milestone order.
func (s *Shipment) Milestones() []Milestone { return slices.Clone(s.milestones) }

// Milestone returns the milestone of kind k and whether it was reached.
func (s *Shipment) Milestone(k MilestoneKind) (Milestone, bool) {
	for _, m := range s.milestones {
		if m.Kind == k {
			return m, true
		}
	}
	return Milestone{}, false
}

// Delays returns a copy of every delay episode seen, active or cleared, in
// order of detection.
func (s *Shipment) Delays() []Delay {
	out := make([]Delay, len(s.delays))
	for i, d := range s.delays {
		out[i] = d.clone()
	}
	return out
}

// ActiveDelays returns copies of the episodes that are still active.
func (s *Shipment) ActiveDelays() []Delay {
	var out []Delay
	for _, d := range s.delays {
		if d.Active() {
			out = append(out, d.clone())
		}
	}
	return out
}

// CarrierEstimate returns the carrier's latest delivery estimate and the
// first one it gave, each nil if none.
func (s *Shipment) CarrierEstimate() (latest, first *carriers.Estimate) {
	return cloneEstimate(s.estimate), cloneEstimate(s.firstEst)
}

// Terminal reports whether the shipment has reached an end state: delivered,
// or received back by the shipper.
func (s *Shipment) Terminal() bool {
	return s.f.status == carriers.StatusDelivered || s.f.returned
}

func (s *Shipment) at(i int) time.Time {
	if i < 0 || i >= len(s.events) {
		return time.Time{}
	}
	return s.events[i].Time
}

// Changes is what one Apply, ApplyAt, Update or Check changed. It is a
// report, not state: it has no ID of its own. What it carries that a host
// acts on has a stable ID — each Milestone's ID (from the shipment's
// identity fields and the kind) and each Delay's ID (from the identity
// fields, kind, reason, anchor and Seq) — so a host that crashes after
// acting and before saving, and sees the same Changes again on retry, can
// de-duplicate on those IDs. Cleared holds the same IDs as the episodes
// Delays reported when they opened.
type Changes struct {
	// Added is the number of new events stored; Duplicates the number of
	// events that were already known.
	Added      int
	Duplicates int
	// Milestones are the milestones reached for the first time, in
	// milestone order. Each milestone is reported exactly once over the
	// life of the shipment.
	Milestones []Milestone
	// Delays are the delay episodes that opened.
	Delays []Delay
	// Cleared are the episodes that were active and whose cause is gone.
	Cleared []Delay
	// EstimateChanged is true when Update recorded a new carrier
	// estimate.
	EstimateChanged bool
	// Status is the shipment's status after the call; StatusChanged says
	// whether it differs from before.
	Status        carriers.Status
	StatusChanged bool
}

// Empty reports whether nothing changed.
func (c *Changes) Empty() bool {
	return c.Added == 0 && len(c.Milestones) == 0 && len(c.Delays) == 0 && len(c.Cleared) == 0 && !c.EstimateChanged && !c.StatusChanged
}

// Apply adds carrier events and returns what changed. Time-based detectors
// (stalls, late) are evaluated as of the newest known event or the last
// Check, whichever is later, since no clock is given; use ApplyAt when the
// current time is known. See the Shipment
// doc for event identity, ordering and what is rejected: the returned error
// is an *EventError (or several joined) naming each rejected event — at
// most eight, then one that counts the rest, and one for all the events
// refused with ErrTooManyEvents — so its text stays short whatever the
// input; the valid events are applied regardless.
func (s *Shipment) Apply(events ...carriers.Event) (Changes, error) {
	return s.apply(time.Time{}, events, false)
}

// ApplyAt is Apply when the current time is known: events more than the
// rules' MaxClockSkew after now are rejected, and the detectors run as of
// now.
func (s *Shipment) ApplyAt(now time.Time, events ...carriers.Event) (Changes, error) {
	return s.apply(now, events, false)
}

// Update applies what a carrier returned for this shipment at now: its
// events, and its delivery estimate (recorded as the latest; the first one
// seen is kept for the estimate-slipped detector). Service is filled in
// from the result when the shipment has none. A result for another carrier
// or number is refused with ErrWrongShipment and nothing is applied. An
// estimate whose times could not be stored (a UTC offset of 24 hours or
// more) is ignored with an *EventError whose Index is -1; the events are
// applied regardless.
func (s *Shipment) Update(now time.Time, t *carriers.Tracking) (Changes, error) {
	if t == nil {
		return Changes{Status: s.f.status}, nil
	}
	if (s.Carrier != "" && t.Carrier != "" && !strings.EqualFold(s.Carrier, t.Carrier)) ||
		(s.TrackingNumber != "" && t.TrackingNumber != "" && carriers.NormalizeNumber(s.TrackingNumber) != carriers.NormalizeNumber(t.TrackingNumber)) {
		return Changes{Status: s.f.status}, fmt.Errorf("%w: result is %s %s, shipment is %s %s",
			ErrWrongShipment, quote(t.Carrier), quote(t.TrackingNumber), quote(s.Carrier), quote(s.TrackingNumber))
	}
	estChanged, outside := false, false
	var estErr error
	if e := t.Estimate; e != nil && (!encodableOffset(e.Start) || !encodableOffset(e.End)) {
		estErr = &EventError{Index: -1, Field: "estimate", Reason: "UTC offset out of range or not in whole minutes", Err: ErrInvalidEvent}
	} else if e != nil && !e.Start.IsZero() && !e.End.IsZero() && !e.End.Before(e.Start) {
		if s.estimate == nil || !sameEstimate(*s.estimate, *e) {
			s.estimate = cloneEstimate(e)
			estChanged = true
		}
		if s.firstEst == nil {
			s.firstEst = cloneEstimate(e)
		}
	}
	if s.Service == "" && t.Service != "" {
		s.Service = t.Service
		outside = true
	}
	ch, err := s.apply(now, t.Events, estChanged || outside)
	ch.EstimateChanged = estChanged
	if estErr != nil {
		if err == nil {
			err = estErr
		} else {
			err = errors.Join(estErr, err)
		}
	}
	return ch, err
}

// Check runs the detectors as of now without new events, opening and
// clearing delay episodes (a stall opens as time passes, a promise passes).
// Call it on a clock tick for every in-flight shipment.
func (s *Shipment) Check(now time.Time) Changes {
	s.ensure()
	ch := Changes{Status: s.f.status}
	s.detect(now, &ch)
	if len(ch.Delays) > 0 || len(ch.Cleared) > 0 {
		s.Version++
	}
	return ch
}

var (
	minEventTime = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	maxEventTime = time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)
)

func (s *Shipment) apply(now time.Time, events []carriers.Event, outside bool) (Changes, error) {
	r := s.r()
	s.ensure()
	before := s.f.status
	ch := Changes{}
	var errs []error
	var fullErr *EventError // the first event refused for ErrTooManyEvents
	refused, omitted, firstOmitted := 0, 0, 0
	mergedAny := false
	for i := range events {
		e := &events[i]
		if field, why := r.validate(now, e); field != "" {
			if len(errs) < maxEventErrors {
				errs = append(errs, &EventError{Index: i, Field: field, Reason: why, Err: ErrInvalidEvent})
			} else {
				if omitted == 0 {
					firstOmitted = i
				}
				omitted++
			}
			continue
		}
		switch s.insert(e, r.cfg.MaxEvents) {
		case inserted:
			ch.Added++
		case duplicate:
			ch.Duplicates++
		case merged:
			ch.Duplicates++
			mergedAny = true
		case full:
			if refused++; fullErr == nil {
				fullErr = &EventError{Index: i, Err: ErrTooManyEvents}
				errs = append(errs, fullErr)
			}
		}
	}
	if refused > 1 {
		fullErr.Reason = strconv.Itoa(refused) + " new events refused, from this one on"
	}
	if omitted > 0 {
		errs = append(errs, &EventError{Index: firstOmitted,
			Reason: "and " + strconv.Itoa(omitted) + " more invalid events from this one on, not listed", Err: ErrInvalidEvent})
	}
	if ch.Added > 0 || mergedAny {
		s.f = s.derive()
		s.milestonesUpdate(&ch)
	}
	asOf := now
	if asOf.IsZero() {
		asOf = s.at(s.f.newest)
	}
	if !asOf.IsZero() {
		s.detect(asOf, &ch)
	}
	ch.Status = s.f.status
	ch.StatusChanged = s.f.status != before
	if outside || ch.Added > 0 || mergedAny || len(ch.Milestones) > 0 || len(ch.Delays) > 0 || len(ch.Cleared) > 0 {
		s.Version++
	}
	switch len(errs) {
	case 0:
		return ch, nil
	case 1:
		return ch, errs[0]
	}
	return ch, errors.Join(errs...)
}

// validate returns the offending field and why, or "" when e is valid.
func (r *Rules) validate(now time.Time, e *carriers.Event) (field, why string) {
	switch {
	case e.Time.IsZero():
		return "time", "zero time"
	case e.Time.Before(minEventTime):
		return "time", "before 2000"
	case now.IsZero() && !e.Time.Before(maxEventTime):
		return "time", "after 2100"
	case !now.IsZero() && e.Time.After(now.Add(r.cfg.MaxClockSkew)):
		return "time", "too far in the future"
	case !encodableOffset(e.Time):
		return "time", "UTC offset out of range or not in whole minutes"
	case !e.Status.Valid():
		return "status", "undefined status value"
	case !e.Reason.Valid():
		return "reason", "undefined reason value"
	}
	return "", ""
}

// encodableOffset reports whether t's UTC offset can be written in RFC
// 3339 and read back: under 24 hours, in whole minutes. (time.Parse
// accepts "+24:00" to "+24:59", which Time.MarshalJSON refuses; an offset
// with seconds would be rounded, moving the instant.)
func encodableOffset(t time.Time) bool {
	_, off := t.Zone()
	return off > -86400 && off < 86400 && off%60 == 0
}

// validUTF8 reports whether the event's texts are valid UTF-8. ASCII, the
// common case, is checked in one pass without calls.
func validUTF8(e *carriers.Event) bool {
	l := &e.Location
	var high byte
	for _, s := range [...]string{e.Code, e.Description, l.City, l.State, l.PostalCode, l.Country} {
		for i := 0; i < len(s); i++ {
			high |= s[i]
		}
	}
	if high < utf8.RuneSelf {
		return true
	}
	return utf8.ValidString(e.Code) && utf8.ValidString(e.Description) && utf8.ValidString(l.City) &&
		utf8.ValidString(l.State) && utf8.ValidString(l.PostalCode) && utf8.ValidString(l.Country)
}

// toValidUTF8 replaces invalid UTF-8 in the event's texts with U+FFFD, as
// encoding/json does when it writes them.
func toValidUTF8(e *carriers.Event) {
	l := &e.Location
	for _, p := range []*string{&e.Code, &e.Description, &l.City, &l.State, &l.PostalCode, &l.Country} {
		*p = strings.ToValidUTF8(*p, "\uFFFD")
	}
}

// maxEventErrors bounds the *EventErrors one call returns; the rest are
// counted in a last one.
const maxEventErrors = 8

type insertResult uint8

const (
	inserted insertResult = iota
	duplicate
	merged
	full
)

// insert adds e in order, or merges it with the stored copy of the same
// event.
func (s *Shipment) insert(e *carriers.Event, maxEvents int) insertResult {
	// Hand-written search: the generic slices.BinarySearchFunc makes e
	// escape, costing an allocation per event. Newest-last is the common
	// case, checked first.
	n := len(s.events)
	i := n
	if n > 0 && cmpEvent(&s.events[n-1], e) >= 0 {
		lo, hi := 0, n
		for lo < hi {
			m := int(uint(lo+hi) >> 1)
			if cmpEvent(&s.events[m], e) < 0 {
				lo = m + 1
			} else {
				hi = m
			}
		}
		i = lo
	}
	if found := i < n && cmpEvent(&s.events[i], e) == 0; found {
		if mergeEvent(&s.events[i], e) {
			return merged
		}
		return duplicate
	}
	if !validUTF8(e) {
		// Store the texts as JSON would read them back, so that the same
		// carrier event is recognised after a reload; search again with
		// them. (An event found above matched stored, valid texts.)
		c := *e
		toValidUTF8(&c)
		return s.insert(&c, maxEvents)
	}
	if len(s.events) >= maxEvents {
		return full
	}
	ev := *e
	ev.Time = ev.Time.Round(0) // drop any monotonic reading
	s.events = slices.Insert(s.events, i, ev)
	return inserted
}

// cmpEvent orders events by instant, then by lifecycle rank of the status,
// then by the rest of the identity. It returns 0 exactly for the same event.
func cmpEvent(a, b *carriers.Event) int {
	if c := a.Time.Compare(b.Time); c != 0 {
		return c
	}
	if c := cmp.Compare(statusRank[a.Status&15], statusRank[b.Status&15]); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Status, b.Status); c != 0 {
		return c
	}
	if c := strings.Compare(a.Code, b.Code); c != 0 {
		return c
	}
	if c := strings.Compare(a.Description, b.Description); c != 0 {
		return c
	}
	la, lb := &a.Location, &b.Location
	if c := strings.Compare(la.Country, lb.Country); c != 0 {
		return c
	}
	if c := strings.Compare(la.State, lb.State); c != 0 {
		return c
	}
	if c := strings.Compare(la.City, lb.City); c != 0 {
		return c
	}
	return strings.Compare(la.PostalCode, lb.PostalCode)
}

// statusRank orders statuses at the same instant along the lifecycle, so an
// out-for-delivery scan and a delivery stamped with the same minute sort
// in the order they must have happened.
var statusRank = [16]uint8{
	carriers.StatusUnknown:            0,
	carriers.StatusInfoReceived:       1,
	carriers.StatusInTransit:          2,
	carriers.StatusException:          3,
	carriers.StatusOutForDelivery:     4,
	carriers.StatusAttemptFail:        5,
	carriers.StatusAvailableForPickup: 6,
	carriers.StatusDelivered:          7,
	carriers.StatusReturnToSender:     8,
	carriers.StatusExpired:            9,
}

// mergeEvent folds the non-identity fields of dup into the stored copy
// deterministically. It reports whether the stored copy changed.
func mergeEvent(stored, dup *carriers.Event) bool {
	changed := false
	if dup.Reason > stored.Reason {
		stored.Reason = dup.Reason
		changed = true
	}
	if stored.ZoneUnknown && !dup.ZoneUnknown {
		stored.ZoneUnknown = false
		stored.Time = dup.Time.Round(0)
		changed = true
	} else if stored.ZoneUnknown == dup.ZoneUnknown {
		_, so := stored.Time.Zone()
		_, do := dup.Time.Zone()
		sn, _ := stored.Time.Zone()
		dn, _ := dup.Time.Zone()
		if do < so || (do == so && dn < sn) {
			stored.Time = dup.Time.Round(0)
			changed = true
		}
	}
	return changed
}

// facts is what is derived from the sorted events. Indices point into
// Shipment.events; -1 means none.
type facts struct {
	status    carriers.Status
	reason    carriers.Reason
	returned  bool // back with the shipper
	shipped   int  // first possession event
	delivered int  // first delivered event
	lastScan  int  // newest event other than info_received/expired
	newest    int  // newest event of any kind
	label     int  // first info_received event
	excStart  int  // first event of the current exception run, if the status is exception
	attempt   int  // first failed attempt not yet resolved
	rts       int  // first return-to-sender event
	firstOf   [numMilestoneKinds + 1]int16
}

// ensure gives a shipment that has never seen an event valid facts.
func (s *Shipment) ensure() {
	if len(s.events) == 0 && s.f.newest == 0 {
		s.f = facts{}.reset()
	}
}

func (facts) reset() facts {
	f := facts{shipped: -1, delivered: -1, lastScan: -1, newest: -1, label: -1, excStart: -1, attempt: -1, rts: -1}
	for i := range f.firstOf {
		f.firstOf[i] = -1
	}
	return f
}

// possession reports whether an event shows the carrier has the parcel.
func possession(e *carriers.Event) bool {
	switch e.Status {
	case carriers.StatusInTransit, carriers.StatusOutForDelivery, carriers.StatusAttemptFail,
		carriers.StatusAvailableForPickup, carriers.StatusDelivered, carriers.StatusReturnToSender:
		return true
	case carriers.StatusException:
		return e.Reason != carriers.ReasonCancelled && e.Reason != carriers.ReasonPickupMissed
	}
	return false
}

// derive recomputes the facts from the events. It is a pure function of the
// set of events, which is what makes the state independent of arrival
// order.
func (s *Shipment) derive() facts {
	f := facts{}.reset()
	lastInFlight, lastDelivered, lastRTS, expired, firstRTS := -1, -1, -1, -1, -1
	for i := range s.events {
		e := &s.events[i]
		f.newest = i
		switch e.Status {
		case carriers.StatusInfoReceived:
			if f.label < 0 {
				f.label = i
			}
		case carriers.StatusExpired:
			expired = i
		default:
			f.lastScan = i
		}
		if f.shipped < 0 && possession(e) {
			f.shipped = i
			f.firstOf[MilestoneShipped] = int16(i)
		}
		if k := milestoneOf(e.Status); k != 0 && f.firstOf[k] < 0 {
			f.firstOf[k] = int16(i)
		}
		switch e.Status {
		case carriers.StatusInTransit, carriers.StatusOutForDelivery, carriers.StatusAttemptFail,
			carriers.StatusAvailableForPickup, carriers.StatusException:
			lastInFlight = i
		case carriers.StatusDelivered:
			lastDelivered = i
			if f.delivered < 0 {
				f.delivered = i
			}
			f.rts = -1 // a return before a delivery is over
		case carriers.StatusReturnToSender:
			lastRTS = i
			if f.rts < 0 {
				f.rts = i // the first scan of the current return
			}
			if firstRTS < 0 {
				firstRTS = i
			}
			if e.Reason == carriers.ReasonReturned {
				f.returned = true
			}
		}
		// The current exception run: consecutive exceptions with the same
		// reason, ended by any progress scan.
		switch e.Status {
		case carriers.StatusException:
			if f.excStart < 0 || s.events[f.excStart].Reason != e.Reason {
				f.excStart = i
			}
		case carriers.StatusInTransit, carriers.StatusOutForDelivery, carriers.StatusAttemptFail,
			carriers.StatusAvailableForPickup, carriers.StatusDelivered, carriers.StatusReturnToSender:
			f.excStart = -1
		}
		switch e.Status {
		case carriers.StatusAttemptFail:
			if f.attempt < 0 {
				f.attempt = i
			}
		case carriers.StatusDelivered, carriers.StatusAvailableForPickup, carriers.StatusReturnToSender:
			f.attempt = -1
		}
	}
	switch {
	case f.returned:
		f.status, f.reason = carriers.StatusReturnToSender, carriers.ReasonReturned
	case lastDelivered >= 0 && lastRTS > lastDelivered:
		f.status, f.reason = carriers.StatusReturnToSender, s.events[lastRTS].Reason
	case lastDelivered >= 0:
		f.status, f.reason = carriers.StatusDelivered, s.events[lastDelivered].Reason
	case lastRTS >= 0:
		f.status, f.reason = carriers.StatusReturnToSender, s.events[lastRTS].Reason
	case lastInFlight >= 0:
		f.status, f.reason = s.events[lastInFlight].Status, s.events[lastInFlight].Reason
	case f.label >= 0:
		f.status, f.reason = carriers.StatusInfoReceived, s.events[f.label].Reason
	case expired >= 0:
		f.status, f.reason = carriers.StatusExpired, s.events[expired].Reason
	default:
		f.status, f.reason = carriers.StatusUnknown, carriers.ReasonNone
	}
	if f.status != carriers.StatusException {
		f.excStart = -1
	}
	if f.status == carriers.StatusReturnToSender && f.rts < 0 {
		f.rts = firstRTS // returned to the shipper, then a stray delivered scan
	}
	if f.status == carriers.StatusDelivered || f.status == carriers.StatusReturnToSender {
		f.attempt = -1
	}
	if f.status != carriers.StatusDelivered {
		f.delivered = -1
		// keep the delivered milestone anyway: it was reached.
	}
	return f
}

// milestonesUpdate records milestones reached for the first time and moves
// the time of known ones when an earlier event of the same kind arrives.
func (s *Shipment) milestonesUpdate(ch *Changes) {
	j := 0 // s.milestones is sorted by Kind: the first at or after k
	for k := MilestoneKind(1); k <= numMilestoneKinds; k++ {
		for j < len(s.milestones) && s.milestones[j].Kind < k {
			j++
		}
		i := s.f.firstOf[k]
		if i < 0 {
			continue
		}
		e := &s.events[i]
		if j < len(s.milestones) && s.milestones[j].Kind == k {
			// Keep At and Event in step with the stored copy, which an
			// earlier event or a merged duplicate may have changed.
			m := &s.milestones[j]
			m.At, m.Event = e.Time, *e
			continue
		}
		m := Milestone{ID: s.milestoneID(k), Kind: k, At: e.Time, Event: *e}
		s.milestones = slices.Insert(s.milestones, j, m)
		ch.Milestones = append(ch.Milestones, m)
	}
}

// identity hashes the shipment's identity fields and the given parts into a
// short stable ID with a one-letter prefix.
func (s *Shipment) hashID(prefix byte, parts ...string) string {
	h := fnv.New64a()
	for _, p := range [...]string{s.ID, strings.ToLower(s.Carrier), carriers.NormalizeNumber(s.TrackingNumber), s.OrderID} {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	var buf [17]byte
	buf[0] = prefix
	sum := h.Sum64()
	var raw [8]byte
	for i := range raw {
		raw[i] = byte(sum >> (56 - 8*i))
	}
	hex.Encode(buf[1:], raw[:])
	return string(buf[:])
}

func (s *Shipment) milestoneID(k MilestoneKind) string { return s.hashID('m', k.String()) }

func sameEstimate(a, b carriers.Estimate) bool {
	return a.Start.Equal(b.Start) && a.End.Equal(b.End) && a.DateOnly == b.DateOnly && a.ZoneUnknown == b.ZoneUnknown && a.Source == b.Source
}

func cloneEstimate(e *carriers.Estimate) *carriers.Estimate {
	if e == nil {
		return nil
	}
	c := *e
	return &c
}

// Observation returns the shipment as a transit-model observation: its
// lane, first carrier scan, delivery, and the times of its carrier scans.
// ok is false unless it is delivered.
func (s *Shipment) Observation() (o Observation, ok bool) {
	s.ensure()
	if s.f.status != carriers.StatusDelivered || s.f.shipped < 0 {
		return Observation{}, false
	}
	o = Observation{Lane: s.Lane(), ShippedAt: s.at(s.f.shipped), DeliveredAt: s.at(s.f.delivered)}
	for _, e := range s.events {
		if e.Status != carriers.StatusInfoReceived && e.Status != carriers.StatusExpired &&
			!e.Time.Before(o.ShippedAt) && !e.Time.After(o.DeliveredAt) {
			o.Scans = append(o.Scans, e.Time)
		}
	}
	return o, true
}
