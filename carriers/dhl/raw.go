package dhl

import (
	"bytes"
	"encoding/json"

	"github.com/postpurchase/postpurchase/carriers/internal/carrierjson"
)

// text is a JSON scalar read as a string: DHL documents most fields as strings but sends some as numbers
// (shipments[].id arrives as a number), so a
// number or a boolean is kept as its JSON text and null is the empty string.
// An object or an array is a type error naming the field.
type text = carrierjson.Text

// The raw structs mirror the parts of DHL's Shipment Tracking – Unified
// API (GET /track/shipments; OpenAPI v1.3.1, "supermodelIoLogisticsTracking"
// schemas, and the v1.5.8 additions returnFlag and statusDetailed) that the
// adapter reads. Everything else stays available in Tracking.Raw.

// response is the body of a 200 answer.
type response struct {
	// Shipments is nil when the field is absent (malformed), empty when
	// DHL found nothing.
	Shipments *[]shipment `json:"shipments"`
}

type shipment struct {
	// raw is a copy of this shipment's JSON, for Tracking.Raw.
	raw json.RawMessage

	// ID is the tracking number. The schema says string; DHL's own
	// examples send a number (7777777770), which text accepts.
	ID                         text       `json:"id"`
	Service                    text       `json:"service"`
	Status                     *event     `json:"status"`
	EstimatedTimeOfDelivery    text       `json:"estimatedTimeOfDelivery"`
	EstimatedDeliveryTimeFrame *timeFrame `json:"estimatedDeliveryTimeFrame"`
	ReturnFlag                 boolish    `json:"returnFlag"`
	Details                    *details   `json:"details"`
	Events                     []event    `json:"events"`
}

// UnmarshalJSON decodes the shipment and keeps a copy of its bytes.
func (s *shipment) UnmarshalJSON(b []byte) error {
	type plain shipment
	if err := json.Unmarshal(b, (*plain)(s)); err != nil {
		return err
	}
	s.raw = bytes.Clone(b)
	return nil
}

type event struct {
	Timestamp      text   `json:"timestamp"`
	Location       *place `json:"location"`
	StatusCode     text   `json:"statusCode"`
	Status         text   `json:"status"`
	StatusDetailed text   `json:"statusDetailed"`
	Description    text   `json:"description"`
	Remark         text   `json:"remark"`
}

type place struct {
	Address *address `json:"address"`
}

type address struct {
	CountryCode     text `json:"countryCode"`
	PostalCode      text `json:"postalCode"`
	AddressLocality text `json:"addressLocality"`
}

type timeFrame struct {
	EstimatedFrom    text `json:"estimatedFrom"`
	EstimatedThrough text `json:"estimatedThrough"`
}

type details struct {
	Product         *product         `json:"product"`
	ProofOfDelivery *proofOfDelivery `json:"proofOfDelivery"`
}

type product struct {
	ProductName text `json:"productName"`
}

type proofOfDelivery struct {
	Timestamp text    `json:"timestamp"`
	Signed    *person `json:"signed"`
}

type person struct {
	Name       text `json:"name"`
	GivenName  text `json:"givenName"`
	FamilyName text `json:"familyName"`
}

// problem is an RFC 7807 problem+json error body (404, 400, 429...).
type problem struct {
	Title    text `json:"title"`
	Status   text `json:"status"`
	Detail   text `json:"detail"`
	Instance text `json:"instance"`
}

// boolish is a JSON boolean that also accepts the strings "true" and "false"
// (and null), as carriers send booleans both ways.
type boolish bool

// UnmarshalJSON implements json.Unmarshaler.
func (f *boolish) UnmarshalJSON(b []byte) error {
	var s text
	if err := s.UnmarshalJSON(b); err != nil {
		return err
	}
	*f = boolish(s.Trim() == "true" || s.Trim() == "1")
	return nil
}
