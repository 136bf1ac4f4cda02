package klaviyo

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"strconv"
	"sync"
)

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 4<<10); return &b }}

func (c *Client) encodeConfig() encodeConfig {
	return encodeConfig{now: c.now().UTC(), allowBackfill: c.allowBackfill}
}

// Validate checks e as CreateEvent would, without sending it.
func (c *Client) Validate(e Event) error {
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	_, err := appendEventBody((*bp)[:0], &e, c.encodeConfig())
	return err
}

// encodeEvent returns the Create Event request body the client would send
// for e (it holds personal data). It validates e.
func (c *Client) encodeEvent(dst []byte, e Event) ([]byte, error) {
	return appendEventBody(dst, &e, c.encodeConfig())
}

// CreateEvent sends one event (POST /api/events). Nothing is sent when the
// event is invalid (*ValidationError). A nil error means Klaviyo accepted
// the event for processing (202).
//
// Retry safety: the event always carries a unique_id, so after any error
// the same Event may be sent again; Klaviyo records it at most once per
// profile and metric. This needs Event.Time or Event.UniqueID set: a zero
// Time is the clock reading of each call, so its derived unique_id differs
// from call to call. An error after a timeout or 5xx does not tell whether
// Klaviyo recorded it.
func (c *Client) CreateEvent(ctx context.Context, e Event) error {
	bp := bufPool.Get().(*[]byte)
	body, err := appendEventBody((*bp)[:0], &e, c.encodeConfig())
	defer func() { *bp = body[:0]; bufPool.Put(bp) }()
	if err != nil {
		return err
	}
	resp, err := c.post(ctx, EndpointEvents, body, 4<<10)
	if err != nil {
		return err
	}
	if resp.status != http.StatusAccepted && resp.status != http.StatusOK && resp.status != http.StatusCreated && resp.status != http.StatusNoContent {
		return fmt.Errorf("klaviyo: POST %s: unexpected status %d: %w", EndpointEvents, resp.status, ErrMalformedResponse)
	}
	return nil
}

// bulkItem is one pre-encoded event of a bulk call.
type bulkItem struct {
	entry   []byte // {"type":"event","attributes":{…}}
	profile []byte // {"type":"profile",…} with the event's own profile properties
	id      Identifiers
	props   map[string]any // the event's ProfileProperties
	uid     string
}

const (
	bulkHead      = `{"data":{"type":"event-bulk-create-job","attributes":{"events-bulk-create":{"data":[`
	bulkTail      = `]}}}}`
	groupHead     = `{"type":"event-bulk-create","attributes":{"profile":{"data":`
	groupMid      = `},"events":{"data":[`
	groupTail     = `]}}}`
	groupOverhead = len(groupHead) + len(groupMid) + len(groupTail) + 1
)

// encodeBulkItems validates and encodes every event; nothing is sent if
// any is invalid. Errors name the index: "events[3].time".
func (c *Client) encodeBulkItems(events []Event) ([]bulkItem, error) {
	cfg := c.encodeConfig()
	st := newEncodeState()
	items := make([]bulkItem, len(events))
	var arena []byte
	type span struct{ e0, e1, p0, p1, u0, u1 int }
	spans := make([]span, len(events))
	for i := range events {
		e := &events[i]
		var sp span
		var err error
		sp.e0 = len(arena)
		arena = append(arena, `{"type":"event","attributes":{`...)
		var uid [2]int
		if arena, uid, err = appendEventAttributesUID(arena, st, e, cfg); err != nil {
			return nil, prefixField(err, "events["+strconv.Itoa(i)+"]")
		}
		arena = append(arena, "}}"...)
		sp.e1 = len(arena)
		sp.u0, sp.u1 = uid[0], uid[1]
		sp.p0 = len(arena)
		if arena, err = appendProfileObject(arena, st, e.Profile, e.ProfileProperties); err != nil {
			return nil, prefixField(err, "events["+strconv.Itoa(i)+"]")
		}
		sp.p1 = len(arena)
		if need := len(bulkHead) + len(bulkTail) + groupOverhead + (sp.e1 - sp.e0) + (sp.p1 - sp.p0); need > c.bulkMaxBytes {
			return nil, &ValidationError{Path: "events[" + strconv.Itoa(i) + "]", Reason: "event larger than the bulk payload limit"}
		}
		spans[i] = sp
	}
	for i, sp := range spans {
		items[i] = bulkItem{entry: arena[sp.e0:sp.e1], profile: arena[sp.p0:sp.p1], id: events[i].Profile,
			props: events[i].ProfileProperties, uid: string(arena[sp.u0:sp.u1])}
	}
	return items, nil
}

func prefixField(err error, prefix string) error {
	if ve, ok := err.(*ValidationError); ok {
		return &ValidationError{Path: prefix + "." + ve.Path, Reason: ve.Reason, Err: ve.Err}
	}
	return err
}

// planBulk splits items into requests: contiguous runs of at most maxEvents
// events and maxBytes bytes with no unique_id twice. It returns the end
// index of each run. A profile's entry is counted once per run, plus the
// full size of every later event of it with profile properties (a bound on
// what merging them adds).
func planBulk(items []bulkItem, maxEvents, maxBytes int) []int {
	var ends []int
	size := len(bulkHead) + len(bulkTail)
	n := 0
	uids := map[string]struct{}{}
	profiles := map[Identifiers]struct{}{}
	for i, it := range items {
		add := len(it.entry) + 1
		_, seenProfile := profiles[it.id]
		switch {
		case !seenProfile:
			add += len(it.profile) + groupOverhead
		case len(it.props) > 0:
			add += len(it.profile)
		}
		_, dup := uids[it.uid]
		if n > 0 && (n+1 > maxEvents || size+add > maxBytes || dup) {
			ends = append(ends, i)
			size, n = len(bulkHead)+len(bulkTail), 0
			clear(uids)
			clear(profiles)
			add = len(it.entry) + 1 + len(it.profile) + groupOverhead
		}
		size += add
		n++
		uids[it.uid] = struct{}{}
		profiles[it.id] = struct{}{}
	}
	if n > 0 {
		ends = append(ends, len(items))
	}
	return ends
}

// appendBulkBody appends the body for items: one group per profile (same
// identifiers) in order of first appearance, its events in input order.
// Klaviyo takes one profile object per group, so when the events of a
// profile carry different profile properties the group's object merges
// them in input order: the last update of each property wins, as if the
// events had been sent one by one.
func appendBulkBody(b []byte, items []bulkItem) ([]byte, error) {
	b = append(b, bulkHead...)
	groups := map[Identifiers][]int{}
	var order []Identifiers
	for i, it := range items {
		if _, ok := groups[it.id]; !ok {
			order = append(order, it.id)
		}
		groups[it.id] = append(groups[it.id], i)
	}
	for gi, id := range order {
		if gi > 0 {
			b = append(b, ',')
		}
		b = append(b, groupHead...)
		var err error
		if b, err = appendGroupProfile(b, items, groups[id]); err != nil {
			return b, err
		}
		b = append(b, groupMid...)
		for j, i := range groups[id] {
			if j > 0 {
				b = append(b, ',')
			}
			b = append(b, items[i].entry...)
		}
		b = append(b, groupTail...)
	}
	return append(b, bulkTail...), nil
}

// appendGroupProfile appends the profile object of one group: the events'
// own when they agree (the usual case, no work), else their profile
// properties merged in order.
func appendGroupProfile(b []byte, items []bulkItem, group []int) ([]byte, error) {
	last := -1 // last event with profile properties
	same := true
	for _, i := range group {
		if len(items[i].props) == 0 {
			continue
		}
		if last >= 0 && string(items[last].profile) != string(items[i].profile) {
			same = false
		}
		last = i
	}
	if last < 0 {
		return append(b, items[group[0]].profile...), nil
	}
	if same {
		return append(b, items[last].profile...), nil
	}
	merged := map[string]any{}
	for _, i := range group {
		maps.Copy(merged, items[i].props)
	}
	return appendProfileObject(b, nil, items[last].id, merged)
}

// CreateEvents sends events through Bulk Create Events (POST
// /api/event-bulk-create-jobs), split into requests of at most 1,000
// events and 5 MB, never with the same unique_id twice in one request
// (Klaviyo would fail the whole request). Requests go out one after the
// other, in input order; all events are validated before the first is sent.
// Events of one profile share one profile entry per request; when they set
// profile properties, the entry merges them in input order, so the last
// update of each property wins (issued → balance 5, issued → 10, redeemed
// → 5 leaves 5).
//
// On failure the error is a *BatchError whose Accepted counts the leading
// events Klaviyo accepted. Retry safety: every event carries a unique_id,
// so sending the same slice again is safe for events with Time or UniqueID
// set (see CreateEvent).
func (c *Client) CreateEvents(ctx context.Context, events []Event) error {
	if len(events) == 0 {
		return nil
	}
	items, err := c.encodeBulkItems(events)
	if err != nil {
		return err
	}
	ends := planBulk(items, c.bulkMaxEvents, c.bulkMaxBytes)
	bp := bufPool.Get().(*[]byte)
	body := (*bp)[:0]
	defer func() { *bp = body[:0]; bufPool.Put(bp) }()
	start := 0
	for _, end := range ends {
		if body, err = appendBulkBody(body[:0], items[start:end]); err != nil {
			return &BatchError{Accepted: start, Total: len(events), Err: err}
		}
		if _, err := c.post(ctx, EndpointBulkEvents, body, 4<<10); err != nil {
			return &BatchError{Accepted: start, Total: len(events), Err: err}
		}
		start = end
	}
	return nil
}
