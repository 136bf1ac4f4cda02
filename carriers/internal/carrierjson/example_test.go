package carrierjson_test

import (
	"errors"
	"fmt"

	"github.com/postpurchase/postpurchase/carriers"
	"github.com/postpurchase/postpurchase/carriers/internal/carrierjson"
)

// A shipment id sent as a number is read as its digits; a wrong type deeper
// in the document is reported with its indexed JSON path.
func Example() {
	var ok struct {
		Shipments []struct {
			ID carrierjson.Text `json:"id"`
		} `json:"shipments"`
	}
	if err := carrierjson.Unmarshal([]byte(`{"shipments":[{"id":7777777770}]}`), &ok); err != nil {
		fmt.Println(err)
	}
	fmt.Println(ok.Shipments[0].ID)

	var bad struct {
		Shipments []struct {
			Events []struct {
				Timestamp carrierjson.Text `json:"timestamp"`
			} `json:"events"`
		} `json:"shipments"`
	}
	err := carrierjson.Unmarshal([]byte(`{"shipments":[{"events":[{"timestamp":"2024-05-01T10:00:00Z"},{"timestamp":{}}]}]}`), &bad)
	var de *carriers.DecodeError
	fmt.Println(errors.As(err, &de), de.Path)
	fmt.Println(errors.Is(err, carriers.ErrMalformedResponse))
	// Output:
	// 7777777770
	// true shipments[0].events[1].timestamp
	// true
}
