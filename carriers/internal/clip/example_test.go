package clip_test

import (
	"fmt"
	"strings"

	"github.com/postpurchase/postpurchase/carriers/internal/clip"
)

func ExampleString() {
	fmt.Println(clip.String("1Z999AA10123456784", clip.Input))
	fmt.Println(clip.String(strings.Repeat("9", 70), clip.Input))
	// Output:
	// 1Z999AA10123456784
	// 9999999999999999999999999999999999999999999999999999999999999999…
}
