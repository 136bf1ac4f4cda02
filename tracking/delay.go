package tracking

import (
	"slices"
	"strconv"
	"time"

	"github.com/postpurchase/postpurchase/carriers"
)

// DelayKind is what a delay detector found.
type DelayKind uint8

// The delay kinds, one per detector. The zero value is not a kind.
const (
	// DelayException: the carrier reported an exception; Delay.Reason
	// says which (weather, customs, address_problem, damaged, refused...).
	// Clears at the next progress scan.
	DelayException DelayKind = iota + 1
	// DelayAttemptFailed: a delivery attempt failed. Clears on delivery,
	// on arrival at a pickup point or on return to sender.
	DelayAttemptFailed
	// DelayReturnedToSender: the parcel is going or has gone back to the
	// shipper.
	DelayReturnedToSender
	// DelayFulfillmentStalled: a label was created but the carrier has not
	// scanned the parcel within Detectors.FulfillmentStall business days.
	DelayFulfillmentStalled
	// DelayShipmentStalled: no new scan for longer than the lane's usual
	// gap (or the domestic/international default).
	DelayShipmentStalled
	// DelayAtRisk: the promise has not passed yet, but the carrier's
	// fresh estimate is after the promised date or, without one or on the
	// day the carrier's estimate names, the model's probability of
	// delivery by the promised date (given the pickup, the time already
	// spent and the hour) is below Detectors.AtRiskProbability: the delay
	// caught before the customer can notice.
	DelayAtRisk
	// DelayLate: the promised time has passed without delivery.
	DelayLate
	// DelayEstimateSlipped: the carrier moved its estimate later than the
	// first estimate it gave.
	DelayEstimateSlipped
	// DelayLost: the carrier says the parcel is lost (Reason lost), or
	// (Reason none) it has been silent for longer than the stall
	// threshold and in transit past the lane's P99 plus
	// Detectors.LostMargin (with a model), or silent for longer than the
	// lost threshold (without).
	DelayLost

	numDelayKinds = DelayLost
)

var delayNames = [...]string{
	0:                       "none",
	DelayException:          "exception",
	DelayAttemptFailed:      "attempt_failed",
	DelayReturnedToSender:   "returned_to_sender",
	DelayFulfillmentStalled: "fulfillment_stalled",
	DelayShipmentStalled:    "shipment_stalled",
	DelayAtRisk:             "at_risk",
	DelayLate:               "late",
	DelayEstimateSlipped:    "estimate_slipped",
	DelayLost:               "lost",
}

// DelayKinds returns every delay kind.
func DelayKinds() []DelayKind {
	out := make([]DelayKind, numDelayKinds)
	for i := range out {
		out[i] = DelayKind(i + 1)
	}
	return out
}

// String returns the kind's stable name, such as "shipment_stalled".
func (k DelayKind) String() string {
	if k >= 1 && k <= numDelayKinds {
		return delayNames[k]
	}
	return "none"
}

// MarshalText implements encoding.TextMarshaler.
func (k DelayKind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler; unknown names are an
// error.
func (k *DelayKind) UnmarshalText(b []byte) error {
	for i := DelayKind(1); i <= numDelayKinds; i++ {
		if delayNames[i] == string(b) {
			*k = i
			return nil
		}
	}
	return &DecodeError{Reason: "unknown delay kind " + quote(string(b))}
}

// Delay is one episode of a delay: it opens when a detector finds its cause
// and clears when the cause is gone. A later recurrence is a new episode
// with a new ID.
//
// # Identity
//
// ID is a pure function of the shipment's identity fields (ID, Carrier,
// TrackingNumber normalized, OrderID), Kind, Reason, Since and Seq: a
// 17-character string, "d" and 16 hex digits of a 64-bit FNV-1a hash. It
// never changes once the episode is emitted, survives JSON storage, and is
// the same whatever order or batches the events came in; a host may use it
// as an idempotency key (one make-good per episode) and as a Klaviyo
// unique_id. A different anchor is a different episode with a different
// ID: if an earlier exception scan arrives late, or the promise (or, for a
// date-only promise, Config.Location) changes, the old episode clears and
// a new one opens. An episode anchored to events that clears and comes
// back with the same anchor reopens with the same ID; at-risk and
// estimate-slipped recurrences get the next Seq and a new ID.
type Delay struct {
	// ID is stable for the episode (see Identity above).
	ID string `json:"id"`
	// Kind is what was detected; Reason refines it (the exception reason).
	Kind   DelayKind       `json:"kind"`
	Reason carriers.Reason `json:"reason,omitempty"`
	// Since is the instant the episode is anchored to: the first event of
	// an exception, failed attempt or return; the last scan before a
	// stall; the label time for a fulfillment stall; the end of the
	// promise for late and at risk (PromisedBy, or the last instant of
	// PromisedOn in Config.Location); the first carrier estimate for a
	// slip.
	Since time.Time `json:"since"`
	// Seq numbers recurrences of an at-risk or estimate-slipped episode
	// with the same Since (0 for the first). Other kinds are anchored to
	// events: if the same cause comes back (a delivery superseded by a
	// return to sender), the episode reopens with its ID and ClearedAt is
	// reset.
	Seq int `json:"seq,omitempty"`
	// DetectedAt is the instant of the Apply or Check that opened it:
	// now, or, for Apply without a clock, the newest event's time.
	DetectedAt time.Time `json:"detected_at"`
	// ClearedAt is when it was found cleared; zero while active.
	ClearedAt time.Time `json:"cleared_at,omitzero"`
	// Evidence is what the detector saw when it opened the episode.
	Evidence Evidence `json:"evidence"`
}

// Active reports whether the episode has not cleared.
func (d *Delay) Active() bool { return d.ClearedAt.IsZero() }

func (d Delay) clone() Delay {
	d.Evidence.Events = slices.Clone(d.Evidence.Events)
	return d
}

// Evidence is why a detector opened an episode: the events, the thresholds
// and the dates it compared. Fields that do not apply to a kind are zero.
type Evidence struct {
	// Events are the carrier events that show the delay (the first and
	// the latest of an exception run, the last scan before a stall...).
	Events []carriers.Event `json:"events,omitempty"`
	// ElapsedBusinessDays and ThresholdBusinessDays: for stalls, the
	// business days without a scan and the limit that was exceeded.
	ElapsedBusinessDays   int `json:"elapsed_business_days,omitempty"`
	ThresholdBusinessDays int `json:"threshold_business_days,omitempty"`
	// Threshold names where the limit came from: "fulfillment",
	// "domestic", "international", "domestic lost", "international
	// lost", "lane carrier/service/origin→destination" (the lane's usual
	// gap) or "lane carrier/service/origin→destination transit P99 +
	// margin" (lost: ElapsedBusinessDays is then the time in transit).
	Threshold string `json:"threshold,omitempty"`
	// PromisedDate is the promised delivery day (late, at risk).
	PromisedDate Date `json:"promised_date,omitzero"`
	// EstimatedDate is the estimate that was compared, and EstimateBasis
	// where it came from (at risk, slipped).
	EstimatedDate Date          `json:"estimated_date,omitzero"`
	EstimateBasis EstimateBasis `json:"estimate_basis,omitempty"`
	// PreviousEstimate is the carrier's first estimated day (slipped).
	PreviousEstimate Date `json:"previous_estimate,omitzero"`
	// OnTimeProbability is the model's probability of delivery by the
	// promised day when an at-risk episode opened on the model's word.
	OnTimeProbability float64 `json:"on_time_probability,omitempty"`
}

// candidate is an active delay found by a detector in one evaluation,
// before it is matched against the stored episodes. It holds indices and
// numbers only, so evaluating costs no allocation; the Delay with its
// evidence is built when an episode opens.
type candidate struct {
	kind      DelayKind
	reason    carriers.Reason
	anchor    time.Time
	ev        [2]int
	elapsed   int
	threshold int
	from      string
	lane      Lane
	laneGap   bool
	laneTail  bool
	prob      float64
	promised  Date
	est       Date
	estSrc    EstimateBasis
	prev      Date
}

const maxCandidates = 10

// detect runs every enabled detector as of asOf and reconciles the result
// with the stored episodes: new ones open, vanished ones clear.
//
// Evaluation time never goes backwards: asOf earlier than a previous
// evaluation is raised to it, so a time-based episode cannot clear merely
// because an Apply without a clock evaluated at an older event's time.
func (s *Shipment) detect(asOf time.Time, ch *Changes) {
	if asOf.Before(s.checkedAt) {
		asOf = s.checkedAt
	} else if !asOf.Equal(s.checkedAt) {
		s.checkedAt = asOf.UTC()
	}
	var cands [maxCandidates]candidate
	n := s.evaluate(s.r(), asOf, &cands)
	found := cands[:n]
	var matched [maxCandidates]bool
	for i := range s.delays {
		d := &s.delays[i]
		if !d.Active() {
			continue
		}
		hit := false
		for j := range found {
			c := &found[j]
			if !matched[j] && c.kind == d.Kind && c.reason == d.Reason && c.anchor.Equal(d.Since) {
				matched[j], hit = true, true
				break
			}
		}
		if !hit {
			d.ClearedAt = asOf.UTC()
			ch.Cleared = append(ch.Cleared, d.clone())
		}
	}
	for j := range found {
		if matched[j] {
			continue
		}
		c := &found[j]
		seq, reopened := 0, false
		for i := range s.delays {
			d := &s.delays[i]
			if d.Kind != c.kind || d.Reason != c.reason || !d.Since.Equal(c.anchor) {
				continue
			}
			if c.kind == DelayAtRisk || c.kind == DelayEstimateSlipped {
				// These depend on the clock and on estimates, which
				// really do come and go: each recurrence is a new
				// episode.
				seq++
				continue
			}
			// Anchored to events: the same anchor is the same cause
			// (a delivery superseded by a return, say), so the episode
			// reopens with its ID; this keeps IDs a function of the
			// events whatever order they came in.
			d.ClearedAt = time.Time{}
			ch.Delays = append(ch.Delays, d.clone())
			reopened = true
			break
		}
		if reopened {
			continue
		}
		d := Delay{
			Kind: c.kind, Reason: c.reason, Since: c.anchor.UTC(), Seq: seq, DetectedAt: asOf.UTC(),
			Evidence: s.evidence(c),
		}
		d.ID = s.hashID('d', c.kind.String(), c.reason.String(), strconv.FormatInt(c.anchor.UnixNano(), 10), strconv.Itoa(seq))
		s.delays = append(s.delays, d)
		ch.Delays = append(ch.Delays, d.clone())
	}
}

func (s *Shipment) evidence(c *candidate) Evidence {
	ev := Evidence{
		ElapsedBusinessDays: c.elapsed, ThresholdBusinessDays: c.threshold, Threshold: c.from,
		PromisedDate: c.promised, EstimatedDate: c.est, EstimateBasis: c.estSrc, PreviousEstimate: c.prev,
		OnTimeProbability: c.prob,
	}
	if c.laneGap {
		ev.Threshold = "lane " + c.lane.String()
	}
	if c.laneTail {
		ev.Threshold = "lane " + c.lane.String() + " transit P99 + margin"
	}
	for _, i := range c.ev {
		if i >= 0 && i < len(s.events) {
			ev.Events = append(ev.Events, s.events[i])
		}
	}
	return ev
}

// evaluate runs the detectors. Each is a pure function of the facts, the
// carrier estimates, the rules and asOf.
func (s *Shipment) evaluate(r *Rules, asOf time.Time, out *[maxCandidates]candidate) int {
	n := 0
	add := func(c candidate) {
		if n < maxCandidates && r.enabled(c.kind) {
			out[n] = c
			n++
		}
	}
	f := &s.f
	none := [2]int{-1, -1}
	status := f.status
	inFlight := status == carriers.StatusInTransit || status == carriers.StatusOutForDelivery ||
		status == carriers.StatusAttemptFail || status == carriers.StatusException
	undelivered := status != carriers.StatusDelivered && status != carriers.StatusReturnToSender

	// Carrier-reported trouble.
	if f.excStart >= 0 {
		e := &s.events[f.excStart]
		k := DelayException
		if e.Reason == carriers.ReasonLost {
			k = DelayLost
		}
		ev := none
		ev[0] = f.excStart
		if f.lastScan != f.excStart {
			ev[1] = f.lastScan
		}
		add(candidate{kind: k, reason: e.Reason, anchor: e.Time, ev: ev})
	}
	if f.attempt >= 0 {
		ev := none
		ev[0] = f.attempt
		add(candidate{kind: DelayAttemptFailed, reason: s.events[f.attempt].Reason, anchor: s.events[f.attempt].Time, ev: ev})
	}
	if status == carriers.StatusReturnToSender && f.rts >= 0 {
		ev := none
		ev[0] = f.rts
		if f.newest != f.rts {
			ev[1] = f.newest
		}
		add(candidate{kind: DelayReturnedToSender, anchor: s.events[f.rts].Time, ev: ev})
	}

	cal := r.cfg.Calendar
	d := &r.cfg.Detectors
	lane := s.Lane()
	intl := lane.International()

	// Fulfillment: a label and no carrier scan.
	if f.shipped < 0 && status != carriers.StatusException && r.enabled(DelayFulfillmentStalled) {
		label := s.LabelCreatedAt
		ev := none
		if f.label >= 0 && (label.IsZero() || s.events[f.label].Time.Before(label)) {
			label = s.events[f.label].Time
			ev[0] = f.label
		}
		if !label.IsZero() {
			el := cal.between(dayOf(label), dayOf(asOf.In(label.Location())))
			if el > d.FulfillmentStall {
				add(candidate{kind: DelayFulfillmentStalled, anchor: label, ev: ev, elapsed: el, threshold: d.FulfillmentStall, from: "fulfillment"})
			}
		}
	}

	// Stalls after the carrier has the parcel.
	if f.shipped >= 0 && inFlight && f.lastScan >= 0 {
		last := s.events[f.lastScan].Time
		el := cal.between(dayOf(last), dayOf(asOf.In(last.Location())))
		ev := none
		ev[0] = f.lastScan
		th, from := d.DomesticStall, "domestic"
		if intl {
			th, from = d.InternationalStall, "international"
		}
		laneGap := false
		gapLane := lane
		if el > 0 && !d.IgnoreLaneGap && r.cfg.Model != nil {
			if g, used, ok := r.cfg.Model.UsualGap(lane); ok {
				th, from, gapLane, laneGap = g+1, "", used, true
			}
		}
		if el > th {
			add(candidate{kind: DelayShipmentStalled, anchor: last, ev: ev, elapsed: el, threshold: th, from: from, lane: gapLane, laneGap: laneGap})
		}
		// Lost: with a model, silent for longer than the stall threshold
		// and in transit for longer than the lane's P99 plus LostMargin
		// (a carrier that scans only at pickup and delivery is silent for
		// the whole trip); without one, silent for the lost threshold.
		tailed := false
		if el > 0 && r.cfg.Model != nil && r.enabled(DelayLost) {
			if used, st, ok := r.cfg.Model.stats(lane); ok {
				tailed = true
				ship := s.events[f.shipped].Time
				tel := cal.between(dayOf(ship), dayOf(asOf.In(ship.Location())))
				if lth := st.p99 + d.LostMargin; el > th && tel > lth {
					add(candidate{kind: DelayLost, anchor: last, ev: ev, elapsed: tel, threshold: lth, lane: used, laneTail: true})
				}
			}
		}
		lth, lfrom := d.DomesticLost, "domestic lost"
		if intl {
			lth, lfrom = d.InternationalLost, "international lost"
		}
		if !tailed && el > lth {
			add(candidate{kind: DelayLost, anchor: last, ev: ev, elapsed: el, threshold: lth, from: lfrom})
		}
	}

	// The promise.
	if deadline, promised, ok := s.promise(r); ok && undelivered && (r.enabled(DelayLate) || r.enabled(DelayAtRisk)) {
		if asOf.After(deadline) {
			add(candidate{kind: DelayLate, anchor: deadline, ev: none, promised: promised})
		} else if r.enabled(DelayAtRisk) {
			// The current estimate, as Estimate combines them: the
			// carrier's while its day has not passed, else the model's.
			c := candidate{kind: DelayAtRisk, anchor: deadline, ev: none, promised: promised}
			fresh, dueToday := false, false
			if s.estimate != nil {
				_, end := carrierDates(s.estimate)
				today := s.estimateToday(asOf)
				if fresh = !end.Before(today); fresh && end.After(promised) {
					c.est, c.estSrc = end, EstimateFromCarrier
				}
				dueToday = end == today
			}
			// Without a fresh carrier estimate, or on the day the
			// carrier's estimate says (whether it still comes today
			// depends on the hour, which the estimate does not know),
			// the model: at risk when the probability of delivery by
			// the promised day, given the business days already spent
			// in transit and the hour, is below AtRiskProbability —
			// from the pickup scan on, so a promise that is already
			// unlikely at pickup is warned at once. Out for delivery on
			// or before the promised day is on time.
			onTruck := status == carriers.StatusOutForDelivery && f.newest >= 0 &&
				!DateOf(asOf.In(s.events[f.newest].Time.Location())).After(promised)
			if (!fresh || dueToday) && c.estSrc == "" && f.shipped >= 0 && !onTruck {
				if p, ok := s.onTimeProbability(r, asOf, promised); ok && p < d.AtRiskProbability {
					c.prob, c.estSrc = p, EstimateFromModel
					c.est, _, _, _ = s.modelDate(r, asOf, 0.5)
				}
			}
			if c.estSrc != "" {
				add(c)
			}
		}
	}

	// The carrier moved its estimate later.
	if s.estimate != nil && s.firstEst != nil && undelivered {
		_, first := carrierDates(s.firstEst)
		_, cur := carrierDates(s.estimate)
		if cur.After(first) {
			add(candidate{kind: DelayEstimateSlipped, anchor: s.firstEst.End, ev: none, est: cur, estSrc: EstimateFromCarrier, prev: first})
		}
	}
	return n
}
