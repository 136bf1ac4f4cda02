package klaviyotest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// duplicateInBulk finds a unique_id sent twice for the same profile and
// metric in one bulk request (Klaviyo fails the whole request for it). Two
// events are for the same profile when their identifiers resolve to one, as
// recordEvents would resolve them: an existing profile found by any of
// them, or a profile an earlier event of the request creates or links an
// identifier to. Nothing is created or changed. (An existing profile giving
// up an identifier it is re-linked away from is not modelled.)
func (s *Server) duplicateInBulk(events []parsedEvent) (int, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	claimed := map[[2]string]string{} // {attribute, value} -> profile key, for links made by this request
	holder := func(attr, v string, idx map[string]*Profile) (string, bool) {
		if p, ok := idx[v]; ok {
			return p.ProfileID, true
		}
		k, ok := claimed[[2]string{attr, v}]
		return k, ok
	}
	seen := map[[3]string]struct{}{}
	for i, ev := range events {
		ids := [...]struct {
			attr, v string
			idx     map[string]*Profile
		}{{"email", ev.email, s.byEmail}, {"phone_number", ev.phone, s.byPhone}, {"external_id", ev.external, s.byExternal}}
		key := ""
		if p, ok := s.byID[ev.profileID]; ok && ev.profileID != "" {
			key = p.ProfileID
		}
		for _, id := range ids {
			if key != "" {
				break
			}
			if id.v != "" {
				key, _ = holder(id.attr, id.v, id.idx)
			}
		}
		if key == "" {
			key = "new:" + strconv.Itoa(i)
		}
		for _, id := range ids {
			if id.v == "" {
				continue
			}
			if _, held := holder(id.attr, id.v, id.idx); !held {
				claimed[[2]string{id.attr, id.v}] = key
			}
		}
		if !ev.hasUniqueID {
			continue
		}
		k := [3]string{key, ev.metric, ev.uniqueID}
		if _, ok := seen[k]; ok {
			return i, true
		}
		seen[k] = struct{}{}
	}
	return 0, false
}

// resolve finds or creates the profile for the identifiers. Caller holds mu.
func (s *Server) resolve(id, email, phone, external string, now time.Time) (*Profile, bool) {
	var p *Profile
	for _, lookup := range []struct {
		m map[string]*Profile
		k string
	}{{s.byID, id}, {s.byEmail, email}, {s.byPhone, phone}, {s.byExternal, external}} {
		if lookup.k == "" {
			continue
		}
		if q, ok := lookup.m[lookup.k]; ok {
			p = q
			break
		}
	}
	created := false
	if p == nil {
		p = &Profile{
			ProfileID:  fmt.Sprintf("01KFAKE%019d", len(s.profiles)+1),
			Attributes: map[string]any{},
			Properties: map[string]any{},
			Created:    now,
			Updated:    now,
		}
		s.profiles = append(s.profiles, p)
		s.byID[p.ProfileID] = p
		created = true
	}
	s.link(p, "email", email, s.byEmail)
	s.link(p, "phone_number", phone, s.byPhone)
	s.link(p, "external_id", external, s.byExternal)
	return p, created
}

// link attaches an identifier to p unless another profile holds it.
func (s *Server) link(p *Profile, attr, v string, idx map[string]*Profile) {
	if v == "" {
		return
	}
	if q, ok := idx[v]; ok && q != p {
		return
	}
	if old, ok := p.Attributes[attr].(string); ok && old != v {
		delete(idx, old)
	}
	idx[v] = p
	p.Attributes[attr] = v
}

func (s *Server) recordEvents(path string, events []parsedEvent, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ev := range events {
		p, _ := s.resolve(ev.profileID, ev.email, ev.phone, ev.external, now)
		for k, v := range ev.profileProps {
			p.Properties[k] = v
		}
		t := now.UTC().Truncate(time.Second)
		if ev.hasTime {
			t = ev.time
		}
		uid := ev.uniqueID
		if !ev.hasUniqueID {
			uid = "time:" + t.Format(time.RFC3339)
		}
		k := dedupeKey{profile: p.ProfileID, metric: ev.metric, uid: uid}
		if _, dup := s.seen[k]; dup {
			s.stats.Duplicates++
			continue
		}
		s.seen[k] = struct{}{}
		s.stats.Accepted++
		s.events = append(s.events, Event{
			Seq: len(s.events) + 1, Path: path, ProfileID: p.ProfileID, Metric: ev.metric,
			Email: ev.email, PhoneNumber: ev.phone, CustomerID: ev.external,
			Properties: ev.properties, Time: t, Value: ev.value, ValueCurrency: ev.currency,
			UniqueID: ev.uniqueID, Backfill: ev.backfill, ReceivedAt: now,
		})
	}
}

var standardAttrs = []string{"email", "phone_number", "external_id", "first_name", "last_name", "organization", "locale", "title", "image", "location"}

// upsert applies a profile import. It returns the status and body, or the
// ID of the profile that already holds one of the identifiers (409).
func (s *Server) upsert(pp *parsedProfile, now time.Time) (int, []byte, string, *bodyError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	str := func(k string) string { v, _ := pp.attrs[k].(string); return v }
	email, phone, external := str("email"), str("phone_number"), str("external_id")
	// Identifiers held by two different existing profiles conflict.
	var holders []*Profile
	if pp.id != "" {
		if p, ok := s.byID[pp.id]; ok {
			holders = append(holders, p)
		} else {
			return 0, nil, "", &bodyError{status: http.StatusNotFound, code: "not_found", detail: "A profile with this id was not found.", pointer: "/data/id"}
		}
	}
	for _, h := range []struct {
		m map[string]*Profile
		k string
	}{{s.byEmail, email}, {s.byPhone, phone}, {s.byExternal, external}} {
		if h.k == "" {
			continue
		}
		if p, ok := h.m[h.k]; ok {
			holders = append(holders, p)
		}
	}
	for _, h := range holders {
		if h != holders[0] {
			return 0, nil, h.ProfileID, nil
		}
	}
	var p *Profile
	created := false
	if len(holders) > 0 {
		p = holders[0]
		s.link(p, "email", email, s.byEmail)
		s.link(p, "phone_number", phone, s.byPhone)
		s.link(p, "external_id", external, s.byExternal)
	} else {
		p, created = s.resolve("", email, phone, external, now)
	}
	for _, k := range standardAttrs {
		v, ok := pp.attrs[k]
		if !ok {
			continue
		}
		switch {
		case v == nil:
			delete(p.Attributes, k)
		case k == "location":
			loc, _ := p.Attributes["location"].(map[string]any)
			if loc == nil {
				loc = map[string]any{}
			}
			for lk, lv := range v.(map[string]any) {
				if lv == nil {
					delete(loc, lk)
				} else {
					loc[lk] = lv
				}
			}
			if len(loc) == 0 {
				delete(p.Attributes, "location")
			} else {
				p.Attributes["location"] = loc
			}
		default:
			p.Attributes[k] = v
		}
	}
	if pp.propsNull {
		p.Properties = map[string]any{}
	}
	for k, v := range pp.properties {
		p.Properties[k] = v
	}
	for _, k := range pp.unset {
		delete(p.Properties, k)
	}
	p.Updated = now
	status := http.StatusOK
	if created {
		status = http.StatusCreated
		s.stats.ProfilesCreated++
	} else {
		s.stats.ProfilesUpdated++
	}
	return status, profileDocument(p), "", nil
}

// profileDocument renders a PostProfileResponse.
func profileDocument(p *Profile) []byte {
	attrs := map[string]any{
		"email": nil, "phone_number": nil, "external_id": nil, "first_name": nil, "last_name": nil,
		"organization": nil, "locale": nil, "title": nil, "image": nil,
		"created":         p.Created.UTC().Format("2006-01-02T15:04:05+00:00"),
		"updated":         p.Updated.UTC().Format("2006-01-02T15:04:05+00:00"),
		"last_event_date": nil,
		"properties":      p.Properties,
	}
	for k, v := range p.Attributes {
		attrs[k] = v
	}
	self := "https://a.klaviyo.com/api/profiles/" + p.ProfileID + "/"
	doc := map[string]any{
		"data": map[string]any{
			"type":       "profile",
			"id":         p.ProfileID,
			"attributes": attrs,
			"links":      map[string]any{"self": self},
		},
		"links": map[string]any{"self": "https://a.klaviyo.com/api/profile-import"},
	}
	b, _ := json.Marshal(doc)
	return b
}
