// Package carrierjson reads carrier JSON the way the adapters of this
// module (ups, usps, fedex, dhl) need it: leniently where carriers are
// sloppy, and with errors that name the JSON path of what went wrong.
//
// # Lenient scalars
//
// Carriers document most fields as strings and then send numbers (DHL's
// shipment id, FedEx's counts and codes, UPS's dates), booleans, or null.
// Text reads any JSON scalar as its text, null as "", and rejects an object
// or an array with a type error naming the field. LooseText also reads an
// object or an array as "", for carriers (UPS, USPS) whose bodies put
// containers where scalars are documented: one odd field must not cost the
// whole response, and the fields an adapter cannot do without are reported
// missing by the adapter instead.
//
// # Decode errors
//
// Unmarshal is json.Unmarshal whose failures are *carriers.DecodeError
// values that name the JSON path with array indices
// ("output.completeTrackResults[0].trackResults[1].scanEvents[3].date"),
// which encoding/json does not: its UnmarshalTypeError gives the path
// without indices, and an offset relative to the innermost UnmarshalJSON
// call. DecodeError recovers the indexed path by walking the tokens of the
// body to the value at fault; this runs only on the error path, so a
// successful decode costs nothing extra. Paths are cut to MaxPath bytes so
// a hostile, deeply nested document cannot make a huge error message, and
// no value is ever copied into an error (it may be personal data).
//
// The package is internal: its API serves the adapters of this module and
// may change with them.
package carrierjson
