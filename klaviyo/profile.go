package klaviyo

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"github.com/postpurchase/postpurchase/internal/jsonstr"
)

// Profile is a Create or Update Profile request (POST /api/profile-import).
//
// Absent versus null, as the API defines it: a field left out leaves the
// stored value unchanged; a field sent as null clears it. Here an empty
// string field is left out; list it in Clear to send null. A Properties
// entry with a nil value is sent as null; UnsetProperties removes keys
// entirely (meta.patch_properties.unset).
type Profile struct {
	// ProfileID is Klaviyo's profile ID; with it the import updates that
	// profile.
	ProfileID string
	// Email, PhoneNumber (E.164) and CustomerID (the host's customer ID,
	// sent as external_id) identify the profile; at least one of them or
	// ProfileID is required.
	Email       string
	PhoneNumber string
	CustomerID  string

	FirstName    string
	LastName     string
	Organization string
	Locale       string
	Title        string
	Image        string
	// Location, when non-nil, sets the location fields that are non-empty.
	Location *Location

	// Clear names standard attributes to set to null (clear): any of
	// "first_name", "last_name", "organization", "locale", "title",
	// "image", "location" (sent as every location field null). A cleared
	// attribute must not also be set.
	Clear []string
	// Properties are custom properties to set (merged into the stored ones).
	// A nil value stores null. Catalog.ProfileProperties builds the
	// post-purchase ones.
	Properties map[string]any
	// UnsetProperties are custom property keys to remove.
	UnsetProperties []string
}

// Location is a profile's location. Empty fields are left out.
type Location struct {
	Address1, Address2, City, Country, Region, Zip string
	// Timezone is an IANA name ("America/New_York").
	Timezone string
	// Latitude and Longitude are decimal degrees as text ("40.7128").
	Latitude, Longitude string
	IP                  string
}

// ProfileResult is Klaviyo's answer to an upsert.
type ProfileResult struct {
	// ProfileID is the profile's Klaviyo ID.
	ProfileID string
	// Created is true when the profile was new (201), false when an
	// existing one was updated (200).
	Created bool
}

var clearable = []string{"first_name", "last_name", "organization", "locale", "title", "image", "location"}

func appendAttr(b []byte, n0 int, key, val string) []byte {
	if len(b) > n0 {
		b = append(b, ',')
	}
	b = jsonstr.Append(b, key)
	b = append(b, ':')
	return jsonstr.Append(b, val)
}

// appendProfileImportBody appends a ProfileUpsertQuery body, validating p.
func appendProfileImportBody(b []byte, p *Profile) ([]byte, error) {
	if err := validateIdentifiers("data.attributes", Identifiers{ProfileID: p.ProfileID, Email: p.Email, PhoneNumber: p.PhoneNumber, CustomerID: p.CustomerID}); err != nil {
		if ve, ok := err.(*ValidationError); ok && ve.Path == "data.attributes.id" {
			ve.Path = "data.id"
		}
		return b, err
	}
	set := map[string]string{
		"first_name": p.FirstName, "last_name": p.LastName, "organization": p.Organization,
		"locale": p.Locale, "title": p.Title, "image": p.Image,
	}
	for i, name := range p.Clear {
		if !slices.Contains(clearable, name) {
			return b, &ValidationError{Path: "Clear[" + strconv.Itoa(i) + "]", Reason: "not a clearable attribute (" + fmt.Sprint(clearable) + ")"}
		}
		if set[name] != "" || (name == "location" && p.Location != nil) {
			return b, &ValidationError{Path: "data.attributes." + name, Reason: "both set and cleared"}
		}
		if slices.Contains(p.Clear[:i], name) {
			return b, &ValidationError{Path: "Clear[" + strconv.Itoa(i) + "]", Reason: "cleared twice (the body would repeat the key)"}
		}
	}
	for k, v := range set {
		if len(v) > MaxStringBytes {
			return b, &ValidationError{Path: "data.attributes." + k, Reason: "string longer than 100 KB"}
		}
	}
	b = append(b, `{"data":{"type":"profile",`...)
	if p.ProfileID != "" {
		b = append(b, `"id":`...)
		b = jsonstr.Append(b, p.ProfileID)
		b = append(b, ',')
	}
	b = append(b, `"attributes":{`...)
	n0 := len(b)
	for _, kv := range [...][2]string{
		{"email", p.Email}, {"phone_number", p.PhoneNumber}, {"external_id", p.CustomerID},
		{"first_name", p.FirstName}, {"last_name", p.LastName}, {"organization", p.Organization},
		{"locale", p.Locale}, {"title", p.Title}, {"image", p.Image},
	} {
		if kv[1] != "" {
			b = appendAttr(b, n0, kv[0], kv[1])
		}
	}
	if l := p.Location; l != nil {
		if len(b) > n0 {
			b = append(b, ',')
		}
		b = append(b, `"location":{`...)
		l0 := len(b)
		for _, kv := range [...][2]string{
			{"address1", l.Address1}, {"address2", l.Address2}, {"city", l.City}, {"country", l.Country},
			{"region", l.Region}, {"zip", l.Zip}, {"timezone", l.Timezone}, {"latitude", l.Latitude},
			{"longitude", l.Longitude}, {"ip", l.IP},
		} {
			if kv[1] != "" {
				b = appendAttr(b, l0, kv[0], kv[1])
			}
		}
		b = append(b, '}')
	}
	for _, name := range p.Clear {
		if len(b) > n0 {
			b = append(b, ',')
		}
		b = jsonstr.Append(b, name)
		if name == "location" {
			// The spec's "nullable" sits beside a $ref, which OpenAPI 3.0
			// ignores: clear every location field instead of the object.
			b = append(b, `:{"address1":null,"address2":null,"city":null,"country":null,"region":null,"zip":null,"timezone":null,"latitude":null,"longitude":null,"ip":null}`...)
			continue
		}
		b = append(b, ":null"...)
	}
	if len(p.Properties) > 0 {
		if len(b) > n0 {
			b = append(b, ',')
		}
		b = append(b, `"properties":`...)
		st := encodeState{path: []string{"data", "attributes", "properties"}}
		var err error
		if b, err = appendProperties(b, &st, p.Properties, 0); err != nil {
			return b, err
		}
	}
	b = append(b, '}')
	if len(p.UnsetProperties) > 0 {
		for i, k := range p.UnsetProperties {
			if k == "" {
				return b, &ValidationError{Path: "data.meta.patch_properties.unset[" + strconv.Itoa(i) + "]", Reason: "empty property name"}
			}
			if _, ok := p.Properties[k]; ok {
				return b, &ValidationError{Path: "data.meta.patch_properties.unset[" + strconv.Itoa(i) + "]", Reason: "property is both set and unset"}
			}
		}
		b = append(b, `,"meta":{"patch_properties":{"unset":[`...)
		for i, k := range p.UnsetProperties {
			if i > 0 {
				b = append(b, ',')
			}
			b = jsonstr.Append(b, k)
		}
		b = append(b, "]}}"...)
	}
	b = append(b, "}}"...)
	if len(b) > MaxProfilePayloadBytes {
		return b, &ValidationError{Path: "data", Reason: "profile payload larger than 100 KB"}
	}
	return b, nil
}

// encodeProfile returns the profile-import request body for p, validating it.
func encodeProfile(dst []byte, p Profile) ([]byte, error) {
	return appendProfileImportBody(dst, &p)
}

// UpsertProfile creates or updates a profile through profile import
// (POST /api/profile-import). A profile whose identifiers belong to two
// existing profiles fails with an *APIError matching ErrDuplicateProfile;
// its DuplicateProfileID names the existing profile, so the caller may
// retry with Profile.ProfileID set to it.
//
// Retry safety: an upsert sets the same values when repeated, so resending
// after an error is safe (Properties that append, which this type cannot
// express, would not be).
func (c *Client) UpsertProfile(ctx context.Context, p Profile) (ProfileResult, error) {
	bp := bufPool.Get().(*[]byte)
	body, err := appendProfileImportBody((*bp)[:0], &p)
	defer func() { *bp = body[:0]; bufPool.Put(bp) }()
	if err != nil {
		return ProfileResult{}, err
	}
	resp, err := c.post(ctx, EndpointProfileImport, body, 1<<20)
	if err != nil {
		return ProfileResult{}, err
	}
	var doc struct {
		Data struct {
			Type string `json:"type"`
			ID   string `json:"id"`
		} `json:"data"`
	}
	if err := json.Unmarshal(resp.body, &doc); err != nil || doc.Data.ID == "" {
		return ProfileResult{}, fmt.Errorf("klaviyo: POST %s: status %d with a body that is not a profile document: %w", EndpointProfileImport, resp.status, ErrMalformedResponse)
	}
	return ProfileResult{ProfileID: doc.Data.ID, Created: resp.status == http.StatusCreated}, nil
}
