package fedex

import (
	"bytes"
	"encoding/json"

	"github.com/postpurchase/postpurchase/carriers/internal/carrierjson"
)

// text is a JSON scalar read as a string: FedEx documents most fields as strings but sends some counts and codes
// as numbers (and the reverse), so a
// number or a boolean is kept as its JSON text and null is the empty string.
// An object or an array is a type error naming the field.
type text = carrierjson.Text

// The raw structs mirror the parts of FedEx Track API v1's response
// (POST /track/v1/trackingnumbers, schema "TrackingResponse" of the FedEx
// OpenAPI document vendored by karrio in
// modules/connectors/fedex/vendor/track.json) that the adapter reads. Fields
// it does not read are left out and stay available in Tracking.Raw.

// trackResponse is the whole response body (and, with outputMetaData, the
// Shipment Visibility webhook payload).
type trackResponse struct {
	TransactionID         text       `json:"transactionId"`
	CustomerTransactionID text       `json:"customerTransactionId"`
	Output                *output    `json:"output"`
	Errors                []apiError `json:"errors"`
}

type output struct {
	CompleteTrackResults []completeTrackResult `json:"completeTrackResults"`
}

// completeTrackResult is the answer for one requested number; it holds
// several trackResults when FedEx knows several shipments under it.
type completeTrackResult struct {
	TrackingNumber text          `json:"trackingNumber"`
	TrackResults   []trackResult `json:"trackResults"`
}

// apiError is an entry of the top-level errors[] or a trackResult's error.
type apiError struct {
	Code    text `json:"code"`
	Message text `json:"message"`
}

type trackResult struct {
	// raw is a copy of this trackResult's JSON, for Tracking.Raw.
	raw json.RawMessage

	TrackingNumberInfo          trackingNumberInfo `json:"trackingNumberInfo"`
	LatestStatusDetail          *statusDetail      `json:"latestStatusDetail"`
	DateAndTimes                []dateAndTime      `json:"dateAndTimes"`
	ScanEvents                  []scanEvent        `json:"scanEvents"`
	EstimatedDeliveryTimeWindow *timeWindow        `json:"estimatedDeliveryTimeWindow"`
	StandardTransitTimeWindow   *timeWindow        `json:"standardTransitTimeWindow"`
	DeliveryDetails             *deliveryDetails   `json:"deliveryDetails"`
	ServiceDetail               *serviceDetail     `json:"serviceDetail"`
	Error                       *apiError          `json:"error"`
}

// UnmarshalJSON decodes the trackResult and keeps a copy of its bytes.
func (r *trackResult) UnmarshalJSON(b []byte) error {
	type plain trackResult
	if err := json.Unmarshal(b, (*plain)(r)); err != nil {
		return err
	}
	r.raw = bytes.Clone(b)
	return nil
}

type trackingNumberInfo struct {
	TrackingNumber         text `json:"trackingNumber"`
	TrackingNumberUniqueID text `json:"trackingNumberUniqueId"`
	CarrierCode            text `json:"carrierCode"`
}

type statusDetail struct {
	Code             text              `json:"code"`
	DerivedCode      text              `json:"derivedCode"`
	StatusByLocale   text              `json:"statusByLocale"`
	Description      text              `json:"description"`
	ScanLocation     *address          `json:"scanLocation"`
	AncillaryDetails []ancillaryDetail `json:"ancillaryDetails"`
	DelayDetail      *delayDetail      `json:"delayDetail"`
}

type ancillaryDetail struct {
	Reason            text `json:"reason"`
	ReasonDescription text `json:"reasonDescription"`
}

type delayDetail struct {
	Type    text `json:"type"`
	SubType text `json:"subType"`
	Status  text `json:"status"`
}

type scanEvent struct {
	Date                 text         `json:"date"`
	EventType            text         `json:"eventType"`
	EventDescription     text         `json:"eventDescription"`
	ExceptionCode        text         `json:"exceptionCode"`
	ExceptionDescription text         `json:"exceptionDescription"`
	ScanLocation         *address     `json:"scanLocation"`
	DerivedStatusCode    text         `json:"derivedStatusCode"`
	DerivedStatus        text         `json:"derivedStatus"`
	DelayDetail          *delayDetail `json:"delayDetail"`
}

type address struct {
	City                text `json:"city"`
	StateOrProvinceCode text `json:"stateOrProvinceCode"`
	PostalCode          text `json:"postalCode"`
	CountryCode         text `json:"countryCode"`
}

type dateAndTime struct {
	Type     text `json:"type"`
	DateTime text `json:"dateTime"`
}

type timeWindow struct {
	Window *window `json:"window"`
}

type window struct {
	Begins text `json:"begins"`
	Ends   text `json:"ends"`
}

type deliveryDetails struct {
	ReceivedByName text `json:"receivedByName"`
	SignedByName   text `json:"signedByName"`
}

type serviceDetail struct {
	Type        text `json:"type"`
	Description text `json:"description"`
}
