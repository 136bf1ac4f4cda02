// Package klaviyo is a client for Klaviyo's REST API: events, bulk events
// and profile import, for post-purchase journeys.
package klaviyo
