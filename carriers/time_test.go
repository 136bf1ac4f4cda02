package carriers_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/postpurchase/postpurchase/carriers"
)

func TestCheckTime(t *testing.T) {
	for _, tc := range []struct {
		at   time.Time
		want error
	}{
		{time.Date(2024, 1, 1, 0, 0, 0, 0, time.FixedZone("", 14*3600)), nil},
		{time.Date(2024, 1, 1, 0, 0, 0, 0, time.FixedZone("", 24*3600)), carriers.ErrTimeOffset},
		{time.Date(2024, 1, 1, 0, 0, 0, 0, time.FixedZone("", -(24*3600+59*60))), carriers.ErrTimeOffset},
		{time.Date(9999, 12, 31, 23, 0, 0, 0, time.FixedZone("", -5*3600)), carriers.ErrTimeRange},
		{time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), carriers.ErrTimeRange},
		{time.Time{}, nil},
	} {
		if err := carriers.CheckTime(tc.at); err != tc.want {
			t.Errorf("CheckTime(%v) = %v, want %v", tc.at, err, tc.want)
		}
	}
}

// TestTrackingJSONRefusesUnencodableTimes: encoding/json decodes
// "+24:00" into a time.Time that it then cannot encode; a Tracking refuses
// it where it enters, naming the field.
func TestTrackingJSONRefusesUnencodableTimes(t *testing.T) {
	for path, doc := range map[string]string{
		"events[1].time": `{"carrier":"ups","tracking_number":"1Z","status":"in_transit","events":[` +
			`{"time":"2024-03-01T10:00:00Z","status":"in_transit"},{"time":"2024-03-01T09:00:00+24:00","status":"in_transit"}]}`,
		"estimate.end": `{"carrier":"ups","tracking_number":"1Z","status":"in_transit",` +
			`"estimate":{"start":"2024-03-01T10:00:00Z","end":"2024-03-02T10:00:00-24:30","source":"carrier"}}`,
		"delivered_at": `{"carrier":"ups","tracking_number":"1Z","status":"delivered","delivered_at":"9999-12-31T23:00:00-05:00"}`,
	} {
		var tr carriers.Tracking
		err := json.Unmarshal([]byte(doc), &tr)
		var de *carriers.DecodeError
		if !errors.As(err, &de) || de.Path != path || !errors.Is(err, carriers.ErrMalformedResponse) ||
			!(errors.Is(err, carriers.ErrTimeOffset) || errors.Is(err, carriers.ErrTimeRange)) {
			t.Errorf("%s: Unmarshal error %v, want a DecodeError at %s", path, err, path)
		}
		if tr.TrackingNumber != "" {
			t.Errorf("%s: the target was written despite the error", path)
		}
	}
	var tr carriers.Tracking
	if err := json.Unmarshal([]byte(`{"carrier":"ups","tracking_number":"1Z","status":"delivered","delivered_at":"2024-03-01T09:00:00+14:00"}`), &tr); err != nil || tr.TrackingNumber != "1Z" {
		t.Fatalf("a good tracking: %v", err)
	}
	if _, err := json.Marshal(tr); err != nil {
		t.Fatal(err)
	}
}
