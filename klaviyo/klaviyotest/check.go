package klaviyotest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
	"unicode/utf8"
)

// bodyError is a structural problem with a request body.
type bodyError struct {
	status  int
	code    string
	detail  string
	pointer string
}

func invalid(pointer, format string, args ...any) *bodyError {
	return &bodyError{status: http.StatusBadRequest, code: "invalid", detail: fmt.Sprintf(format, args...), pointer: pointer}
}

type parsedEvent struct {
	profileID, email, phone, external string
	profileProps                      map[string]any
	metric                            string
	properties                        map[string]any
	time                              time.Time
	hasTime                           bool
	value, currency                   string
	uniqueID                          string
	hasUniqueID                       bool
	backfill                          bool
}

type parsedProfile struct {
	id         string
	attrs      map[string]any // as sent; nil values are explicit nulls
	properties map[string]any
	propsNull  bool
	unset      []string
}

type parsedBody struct {
	events  []parsedEvent
	profile *parsedProfile
}

// checkBody decodes and checks a body against the structure of the
// endpoint's request schema (required members, types, enums) and Klaviyo's
// documented limits.
func checkBody(path string, body []byte, now time.Time) (*parsedBody, *bodyError) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var root any
	if err := dec.Decode(&root); err != nil {
		return nil, invalid("/data", "The payload provided in the request is invalid: malformed JSON.")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, invalid("/data", "The payload provided in the request is invalid: trailing data.")
	}
	top, e := object(root, "")
	if e != nil {
		return nil, e
	}
	data, e := member(top, "", "data")
	if e != nil {
		return nil, e
	}
	switch path {
	case PathEvents:
		ev, e := checkEvent(data, "/data", true, now)
		if e != nil {
			return nil, e
		}
		return &parsedBody{events: []parsedEvent{ev}}, nil
	case PathBulkEvents:
		return checkBulk(data, now)
	default:
		p, e := checkProfileImport(data)
		if e != nil {
			return nil, e
		}
		return &parsedBody{profile: p}, nil
	}
}

func object(v any, ptr string) (map[string]any, *bodyError) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, invalid(ptr, "%s must be an object.", where(ptr))
	}
	return m, nil
}

func where(ptr string) string {
	if ptr == "" {
		return "The document"
	}
	return "'" + ptr + "'"
}

// member returns a required object member.
func member(m map[string]any, ptr, name string) (map[string]any, *bodyError) {
	v, ok := m[name]
	if !ok {
		return nil, invalid(ptr+"/"+name, "'%s' is a required field.", name)
	}
	return object(v, ptr+"/"+name)
}

func enum(m map[string]any, ptr, want string) *bodyError {
	v, ok := m["type"]
	if !ok {
		return invalid(ptr+"/type", "'type' is a required field.")
	}
	if s, _ := v.(string); s != want {
		return invalid(ptr+"/type", "'type' must be '%s'.", want)
	}
	return nil
}

// optString returns an optional nullable string member.
func optString(m map[string]any, ptr, name string) (string, bool, *bodyError) {
	v, ok := m[name]
	if !ok || v == nil {
		return "", false, nil
	}
	s, ok := v.(string)
	if !ok {
		return "", false, invalid(ptr+"/"+name, "'%s' must be a string.", name)
	}
	if len(s) > 100<<10 {
		return "", false, invalid(ptr+"/"+name, "'%s' is longer than 100 KB.", name)
	}
	return s, true, nil
}

// checkProfileData checks a profile resource object; at least one
// identifier is required.
func checkProfileData(v any, ptr string) (parsedEvent, *bodyError) {
	var ev parsedEvent
	d, e := object(v, ptr)
	if e != nil {
		return ev, e
	}
	if e := enum(d, ptr, "profile"); e != nil {
		return ev, e
	}
	if ev.profileID, _, e = optString(d, ptr, "id"); e != nil {
		return ev, e
	}
	attrs, e := member(d, ptr, "attributes")
	if e != nil {
		return ev, e
	}
	ap := ptr + "/attributes"
	var anon, kx string
	for name, dst := range map[string]*string{"email": &ev.email, "phone_number": &ev.phone, "external_id": &ev.external, "anonymous_id": &anon, "_kx": &kx} {
		if *dst, _, e = optString(attrs, ap, name); e != nil {
			return ev, e
		}
	}
	for _, name := range []string{"first_name", "last_name", "organization", "locale", "title", "image"} {
		if _, _, e = optString(attrs, ap, name); e != nil {
			return ev, e
		}
	}
	if pv, ok := attrs["properties"]; ok && pv != nil {
		if ev.profileProps, e = object(pv, ap+"/properties"); e != nil {
			return ev, e
		}
	}
	if lv, ok := attrs["location"]; ok && lv != nil {
		if _, e = object(lv, ap+"/location"); e != nil {
			return ev, e
		}
	}
	if ev.profileID == "" && ev.email == "" && ev.phone == "" && ev.external == "" && anon == "" && kx == "" {
		return ev, invalid(ap, "At least one profile identifier (id, email, phone_number, external_id) is required.")
	}
	return ev, nil
}

// checkEventAttributes checks the attributes shared by single and bulk events.
func checkEventAttributes(attrs map[string]any, ap string, ev *parsedEvent, now time.Time) *bodyError {
	pv, ok := attrs["properties"]
	if !ok {
		return invalid(ap+"/properties", "'properties' is a required field.")
	}
	props, e := object(pv, ap+"/properties")
	if e != nil {
		return e
	}
	if len(props) > 400 {
		return invalid(ap+"/properties", "Events may have at most 400 properties.")
	}
	ev.properties = props
	metric, e := member(attrs, ap, "metric")
	if e != nil {
		return e
	}
	md, e := member(metric, ap+"/metric", "data")
	if e != nil {
		return e
	}
	mp := ap + "/metric/data"
	if e := enum(md, mp, "metric"); e != nil {
		return e
	}
	ma, e := member(md, mp, "attributes")
	if e != nil {
		return e
	}
	name, ok := ma["name"].(string)
	if !ok || name == "" {
		return invalid(mp+"/attributes/name", "'name' is a required string.")
	}
	if utf8.RuneCountInString(name) >= 128 {
		return invalid(mp+"/attributes/name", "Metric name must be less than 128 characters.")
	}
	ev.metric = name
	ts, has, e := optString(attrs, ap, "time")
	if e != nil {
		return e
	}
	if has {
		t, err := time.Parse(time.RFC3339, ts)
		if err != nil {
			return invalid(ap+"/time", "'time' must be an ISO 8601 date-time.")
		}
		if t.Year() < 2000 || t.After(now.AddDate(1, 0, 0)) {
			return invalid(ap+"/time", "'time' must be after the year 2000 and at most 1 year in the future.")
		}
		ev.time, ev.hasTime = t.UTC().Truncate(time.Second), true
	}
	if v, ok := attrs["value"]; ok && v != nil {
		n, ok := v.(json.Number)
		if !ok {
			return invalid(ap+"/value", "'value' must be a number.")
		}
		ev.value = n.String()
	}
	if ev.currency, _, e = optString(attrs, ap, "value_currency"); e != nil {
		return e
	}
	if ev.uniqueID, ev.hasUniqueID, e = optString(attrs, ap, "unique_id"); e != nil {
		return e
	}
	if v, ok := attrs["backfill"]; ok && v != nil {
		b, ok := v.(bool)
		if !ok {
			return invalid(ap+"/backfill", "'backfill' must be a boolean.")
		}
		ev.backfill = b
	}
	return nil
}

func checkEvent(data map[string]any, ptr string, withProfile bool, now time.Time) (parsedEvent, *bodyError) {
	var ev parsedEvent
	if e := enum(data, ptr, "event"); e != nil {
		return ev, e
	}
	attrs, e := member(data, ptr, "attributes")
	if e != nil {
		return ev, e
	}
	ap := ptr + "/attributes"
	if withProfile {
		prof, e := member(attrs, ap, "profile")
		if e != nil {
			return ev, e
		}
		pd, ok := prof["data"]
		if !ok {
			return ev, invalid(ap+"/profile/data", "'data' is a required field.")
		}
		if ev, e = checkProfileData(pd, ap+"/profile/data"); e != nil {
			return ev, e
		}
	}
	if e := checkEventAttributes(attrs, ap, &ev, now); e != nil {
		return ev, e
	}
	return ev, nil
}

func array(v any, ptr string) ([]any, *bodyError) {
	a, ok := v.([]any)
	if !ok {
		return nil, invalid(ptr, "%s must be an array.", where(ptr))
	}
	return a, nil
}

func checkBulk(data map[string]any, now time.Time) (*parsedBody, *bodyError) {
	if e := enum(data, "/data", "event-bulk-create-job"); e != nil {
		return nil, e
	}
	attrs, e := member(data, "/data", "attributes")
	if e != nil {
		return nil, e
	}
	ebc, e := member(attrs, "/data/attributes", "events-bulk-create")
	if e != nil {
		return nil, e
	}
	gv, ok := ebc["data"]
	if !ok {
		return nil, invalid("/data/attributes/events-bulk-create/data", "'data' is a required field.")
	}
	groups, e := array(gv, "/data/attributes/events-bulk-create/data")
	if e != nil {
		return nil, e
	}
	var out parsedBody
	for gi, g := range groups {
		gp := fmt.Sprintf("/data/attributes/events-bulk-create/data/%d", gi)
		gm, e := object(g, gp)
		if e != nil {
			return nil, e
		}
		if e := enum(gm, gp, "event-bulk-create"); e != nil {
			return nil, e
		}
		ga, e := member(gm, gp, "attributes")
		if e != nil {
			return nil, e
		}
		gap := gp + "/attributes"
		prof, e := member(ga, gap, "profile")
		if e != nil {
			return nil, e
		}
		pd, ok := prof["data"]
		if !ok {
			return nil, invalid(gap+"/profile/data", "'data' is a required field.")
		}
		pev, e := checkProfileData(pd, gap+"/profile/data")
		if e != nil {
			return nil, e
		}
		evs, e := member(ga, gap, "events")
		if e != nil {
			return nil, e
		}
		ev, ok := evs["data"]
		if !ok {
			return nil, invalid(gap+"/events/data", "'data' is a required field.")
		}
		list, e := array(ev, gap+"/events/data")
		if e != nil {
			return nil, e
		}
		for ei, item := range list {
			ep := fmt.Sprintf("%s/events/data/%d", gap, ei)
			im, e := object(item, ep)
			if e != nil {
				return nil, e
			}
			pe, e := checkEvent(im, ep, false, now)
			if e != nil {
				return nil, e
			}
			pe.profileID, pe.email, pe.phone, pe.external, pe.profileProps = pev.profileID, pev.email, pev.phone, pev.external, pev.profileProps
			out.events = append(out.events, pe)
			if len(out.events) > 1000 {
				return nil, invalid("/data/attributes/events-bulk-create/data", "A bulk request accepts at most 1,000 events.")
			}
		}
	}
	return &out, nil
}

func checkProfileImport(data map[string]any) (*parsedProfile, *bodyError) {
	ev, e := checkProfileData(data, "/data")
	if e != nil {
		return nil, e
	}
	attrs := data["attributes"].(map[string]any)
	p := &parsedProfile{id: ev.profileID, attrs: attrs, properties: ev.profileProps}
	if v, ok := attrs["properties"]; ok && v == nil {
		p.propsNull = true
	}
	if mv, ok := data["meta"]; ok && mv != nil {
		meta, e := object(mv, "/data/meta")
		if e != nil {
			return nil, e
		}
		if ppv, ok := meta["patch_properties"]; ok && ppv != nil {
			pp, e := object(ppv, "/data/meta/patch_properties")
			if e != nil {
				return nil, e
			}
			switch u := pp["unset"].(type) {
			case nil:
			case string:
				p.unset = []string{u}
			case []any:
				for i, x := range u {
					s, ok := x.(string)
					if !ok {
						return nil, invalid(fmt.Sprintf("/data/meta/patch_properties/unset/%d", i), "'unset' items must be strings.")
					}
					p.unset = append(p.unset, s)
				}
			default:
				return nil, invalid("/data/meta/patch_properties/unset", "'unset' must be a string or an array of strings.")
			}
		}
	}
	return p, nil
}
