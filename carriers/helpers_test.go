package carriers_test

import (
	"context"

	"github.com/postpurchase/postpurchase/carriers"
)

// fakeCarrier is a Carrier that knows no numbers, for registry tests.
type fakeCarrier string

func (f fakeCarrier) Code() string { return string(f) }
func (f fakeCarrier) Track(ctx context.Context, number string) (*carriers.Tracking, error) {
	return nil, &carriers.Error{Carrier: string(f), Op: "track", Number: number, Err: carriers.ErrNotFound}
}
