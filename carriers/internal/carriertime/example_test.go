package carriertime_test

import (
	"fmt"
	"time"

	"github.com/postpurchase/postpurchase/carriers/internal/carriertime"
)

// A time with an offset keeps it; one without is flagged; a local wall clock
// with a separate offset is placed in it.
func Example() {
	for _, s := range []string{"2024-08-20T12:41:57-04:00", "2024-08-15T00:00:00", "2019-05-07"} {
		l, err := carriertime.ParseISO(s)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(l.Time.Format(time.RFC3339), "zone unknown:", l.ZoneUnknown, "date only:", l.DateOnly)
	}
	wall := time.Date(2024, 4, 23, 9, 15, 19, 0, time.UTC)
	if off, ok := carriertime.ParseOffset("-04.00"); ok {
		fmt.Println(carriertime.InZone(wall, off).Format(time.RFC3339))
	}
	// Output:
	// 2024-08-20T12:41:57-04:00 zone unknown: false date only: false
	// 2024-08-15T00:00:00Z zone unknown: true date only: false
	// 2019-05-07T00:00:00Z zone unknown: true date only: true
	// 2024-04-23T09:15:19-04:00
}
