package hub

import (
	"time"

	"github.com/shopspring/decimal"

	"github.com/postpurchase/postpurchase"
	"github.com/postpurchase/postpurchase/carriers"
	"github.com/postpurchase/postpurchase/tracking"
)

// The JSON view lists what it shows field by field, so that nothing
// personal reaches an unverified client by accident: the street address,
// the tracking numbers, the total and prices, the email, postcode,
// customer ID and case notes appear only after verification.

type jsonOrder struct {
	OrderID         string                     `json:"order_id"`
	PlacedAt        time.Time                  `json:"placed_at,omitzero"`
	Verified        bool                       `json:"verified"`
	Currency        string                     `json:"currency,omitempty"`
	Total           *decimal.Decimal           `json:"total,omitempty"`
	ShippingAddress *postpurchase.Address      `json:"shipping_address,omitempty"`
	Place           string                     `json:"place,omitempty"`
	Shipments       []jsonShipment             `json:"shipments"`
	Cases           []jsonCase                 `json:"cases,omitempty"`
	Cashback        *postpurchase.CashbackView `json:"cashback,omitempty"`
	Products        []postpurchase.Product     `json:"products,omitempty"`
}

type jsonShipment struct {
	ShipmentID     string                     `json:"shipment_id"`
	Carrier        string                     `json:"carrier,omitempty"`
	CarrierName    string                     `json:"carrier_name,omitempty"`
	TrackingNumber string                     `json:"tracking_number,omitempty"`
	Status         carriers.Status            `json:"status"`
	Reason         carriers.Reason            `json:"reason,omitempty"`
	StatusText     string                     `json:"status_text"`
	Step           int                        `json:"step"`
	Steps          []string                   `json:"steps"`
	Estimate       jsonEstimate               `json:"estimate"`
	DaysLate       int                        `json:"days_late,omitempty"`
	Delays         []string                   `json:"delays,omitempty"`
	DeliveredAt    time.Time                  `json:"delivered_at,omitzero"`
	Events         []jsonEvent                `json:"events,omitempty"`
	Items          []jsonItem                 `json:"items,omitempty"`
	Claims         []postpurchase.ClaimOption `json:"claims,omitempty"`
	Return         *postpurchase.ClaimOption  `json:"return,omitempty"`
}

type jsonEstimate struct {
	Basis  tracking.EstimateBasis `json:"basis"`
	Date   tracking.Date          `json:"date,omitzero"`
	Latest tracking.Date          `json:"latest,omitzero"`
}

type jsonEvent struct {
	Time        time.Time       `json:"time"`
	Status      carriers.Status `json:"status"`
	Reason      carriers.Reason `json:"reason,omitempty"`
	Description string          `json:"description,omitempty"`
	City        string          `json:"city,omitempty"`
	State       string          `json:"state,omitempty"`
	Country     string          `json:"country,omitempty"`
}

type jsonItem struct {
	SKU       string           `json:"sku"`
	Name      string           `json:"name"`
	Quantity  int              `json:"quantity"`
	Price     *decimal.Decimal `json:"price,omitempty"`
	ImageURL  string           `json:"image_url,omitempty"`
	URL       string           `json:"url,omitempty"`
	FinalSale bool             `json:"final_sale,omitempty"`
}

type jsonCase struct {
	CaseID     string                  `json:"case_id"`
	Kind       postpurchase.CaseKind   `json:"kind"`
	Reason     postpurchase.CaseReason `json:"reason"`
	ShipmentID string                  `json:"shipment_id"`
	Items      []string                `json:"items,omitempty"`
	Note       string                  `json:"note,omitempty"`
	OpenedAt   time.Time               `json:"opened_at"`
	State      postpurchase.CaseState  `json:"state"`
	Resolution string                  `json:"resolution,omitempty"`
}

func (h *Handler) jsonView(v *postpurchase.OrderView, products []postpurchase.Product, verified bool) *jsonOrder {
	o := &v.Order
	out := &jsonOrder{OrderID: o.ID, PlacedAt: o.PlacedAt, Verified: verified, Currency: o.Currency, Cashback: v.Cashback, Products: products, Shipments: []jsonShipment{}}
	if verified {
		t, a := o.Total, o.ShippingAddress
		out.Total, out.ShippingAddress = &t, &a
	} else {
		out.Place = joinNonEmpty(", ", o.ShippingAddress.City, o.ShippingAddress.Region)
	}
	item := func(it postpurchase.LineItem) jsonItem {
		j := jsonItem{SKU: it.SKU, Name: it.Name, Quantity: it.Quantity, ImageURL: it.ImageURL, URL: it.URL, FinalSale: it.FinalSale}
		if verified {
			j.Price = &it.Price
		}
		return j
	}
	for i := range v.Shipments {
		sv := &v.Shipments[i]
		steps, step := sv.Steps, sv.Step
		if len(steps) == 0 {
			steps, step = defaultSteps, defaultStep(sv.Status)
		}
		js := jsonShipment{
			ShipmentID: sv.Shipment.ID, Carrier: sv.Shipment.Carrier, CarrierName: sv.CarrierName,
			Status: sv.Status, Reason: sv.Reason, StatusText: h.str["status."+sv.Status.String()],
			Step: step, Steps: steps, DaysLate: sv.DaysLate, DeliveredAt: sv.DeliveredAt,
			Estimate: jsonEstimate{Basis: sv.Estimate.Basis, Date: sv.Estimate.Date, Latest: sv.Estimate.Latest},
			Claims:   sv.Claims, Return: sv.Return,
		}
		if verified {
			js.TrackingNumber = sv.Shipment.TrackingNumber
		}
		for _, d := range sv.Delays {
			if d.Active() {
				js.Delays = append(js.Delays, d.Kind.String())
			}
		}
		for _, e := range sv.Events {
			js.Events = append(js.Events, jsonEvent{Time: e.Time, Status: e.Status, Reason: e.Reason, Description: e.Description,
				City: e.Location.City, State: e.Location.State, Country: e.Location.Country})
		}
		items := sv.Items
		if len(items) == 0 && len(v.Shipments) == 1 {
			items = o.Items
		}
		for _, it := range items {
			js.Items = append(js.Items, item(it))
		}
		out.Shipments = append(out.Shipments, js)
	}
	for _, c := range v.Cases {
		jc := jsonCase{CaseID: c.ID, Kind: c.Kind, Reason: c.Reason, ShipmentID: c.ShipmentID, Items: c.Items,
			OpenedAt: c.OpenedAt, State: c.State, Resolution: c.Resolution}
		if verified {
			jc.Note = c.Note
		}
		out.Cases = append(out.Cases, jc)
	}
	return out
}
