package carriers

// Match is one way a tracking number can be read: which carrier issues it
// and in which of its formats. All fields are static strings, so a Match
// costs nothing to copy.
type Match struct {
	// Carrier is the carrier code: "ups", "fedex", "usps", "dhl", "s10"
	// (a UPU S10 international postal number), "amazon", "ontrac" or
	// "lasership".
	Carrier string
	// Format names the number format: "ups_1z", "ups_waybill",
	// "fedex_express_12", "fedex_ground_15", "fedex_ground_sscc18",
	// "fedex_ground_96", "fedex_express_34", "fedex_astra_32",
	// "fedex_ground_gsn", "usps_impb", "usps_impb_routed", "usps_20",
	// "s10", "dhl_express", "dhl_piece_id", "dhl_ecommerce",
	// "dhl_ecommerce_14", "amazon_tba", "amazon_international", "ontrac"
	// or "lasership".
	Format string
	// Service is what the number itself says about the service or
	// container ("UPS United States Ground"), where the format encodes it.
	Service string
	// Country is the ISO 3166-1 alpha-2 country of the issuing postal
	// operator, for S10 numbers.
	Country string
}

// maxNumberLen is the longest normalized number any format has.
const maxNumberLen = 34

// maxInputLen bounds the raw input, separators included: the longest
// format written with a space between every character still fits.
const maxInputLen = 128

// maxMatches is the capacity Detect reserves; no number matches more
// formats than this in practice (AppendDetect grows dst if one ever does).
const maxMatches = 4

// Detect returns the carriers and formats a tracking number can belong to,
// the most specific first (a format with a fixed prefix and a check digit
// before one that is only a run of digits with a check digit, before one
// without check digit). The result is empty when no format matches.
//
// The number may contain spaces, tabs, dashes and lower-case letters.
// Formats with a check digit match only when the check digit is right.
// Input longer than any format (after removing spaces and dashes), longer
// than 128 bytes in all, or containing other characters matches nothing;
// Detect never panics and never reads more than 128 bytes of its input.
//
// Detect does not allocate when its result does not escape the caller (it
// is inlined and its buffer lives on the caller's stack); AppendDetect
// reuses a caller's buffer.
//
// DHL piece IDs and eCommerce numbers have a fixed prefix and no check
// digit, ranked with Amazon's and LaserShip's; "dhl_ecommerce_14" is any
// 14-digit number and ranks last. Benchmark figures are in BENCHMARKS.md at
// the repository root.
func Detect(number string) []Match {
	return AppendDetect(make([]Match, 0, maxMatches), number)
}

// AppendDetect appends Detect's matches for number to dst and returns the
// extended slice.
func AppendDetect(dst []Match, number string) []Match {
	if len(number) > maxInputLen {
		return dst
	}
	var buf [maxNumberLen]byte
	n := 0
	for i := 0; i < len(number); i++ {
		c := number[i]
		switch {
		case '0' <= c && c <= '9', 'A' <= c && c <= 'Z':
		case 'a' <= c && c <= 'z':
			c -= 'a' - 'A'
		case c == ' ' || c == '-' || c == '\t':
			continue
		default:
			return dst
		}
		if n == maxNumberLen {
			return dst
		}
		buf[n] = c
		n++
	}
	s := buf[:n]
	start := len(dst)
	allDigits := isDigits(s)
	if !allDigits && n >= 13 {
		dst = dhlPrefixed(dst, s)
	}
	switch n {
	case 10:
		if allDigits {
			dst = dhlExpress(dst, s)
		} else {
			dst = lasershipLX(dst, s)
		}
	case 11:
		if allDigits {
			dst = dhlExpress(dst, s)
		} else {
			dst = upsWaybill(dst, s)
			dst = amazonInternational(dst, s)
		}
	case 12:
		if allDigits {
			dst = fedexCheck(dst, s[:11], s[11], weights317, "fedex_express_12")
		}
	case 13:
		dst = s10(dst, s)
	case 14:
		if allDigits {
			dst = append(dst, Match{Carrier: "dhl", Format: "dhl_ecommerce_14"})
		}
	case 15:
		if allDigits {
			dst = fedexMod10(dst, s, 1, 3, "fedex_ground_15")
		} else {
			dst = amazonTBA(dst, s)
			dst = ontrac(dst, s)
			dst = lasership15(dst, s)
		}
	case 17:
		dst = lasership17(dst, s)
	case 18:
		if allDigits {
			dst = sscc18(dst, s)
		} else {
			dst = ups1Z(dst, s)
		}
	case 20:
		if allDigits {
			dst = usps20(dst, s)
		}
	case 22:
		if allDigits {
			dst = fedexGround96(dst, s)
			dst = uspsIMpb(dst, s)
		}
	case 26:
		if allDigits {
			dst = uspsIMpb(dst, s)
		}
	case 30:
		if allDigits {
			dst = uspsIMpb(dst, s)
		}
	case 32:
		if allDigits && s[0] == '3' {
			dst = fedexCheck(dst, s[16:27], s[27], weights317, "fedex_astra_32")
		}
	case 34:
		if allDigits {
			dst = uspsIMpb(dst, s)
			if s[0] == '9' && s[1] == '6' {
				dst = fedexCheck(dst, s[20:33], s[33], weights173, "fedex_ground_gsn")
			} else if s[0] <= '8' {
				dst = fedexCheck(dst, s[20:33], s[33], weights173, "fedex_express_34")
			}
		}
	}
	sortMatches(dst[start:])
	return dst
}

// rank orders formats from most to least specific: fixed prefixes and check
// digits first, bare digit runs with a check digit next, no check digit last.
func rank(format string) int {
	switch format {
	case "ups_1z":
		return 1
	case "usps_impb_routed":
		return 2
	case "fedex_ground_gsn", "fedex_ground_96":
		return 3
	case "usps_impb":
		return 4
	case "s10":
		return 5
	case "ontrac":
		return 6
	case "fedex_astra_32":
		return 7
	case "ups_waybill":
		return 8
	case "amazon_tba", "lasership", "dhl_piece_id", "dhl_ecommerce":
		return 9
	case "fedex_express_34":
		return 10
	case "fedex_ground_sscc18":
		return 11
	case "fedex_ground_15", "usps_20":
		return 12
	case "fedex_express_12":
		return 13
	case "dhl_express":
		return 14
	case "dhl_ecommerce_14":
		return 19
	}
	return 20
}

func sortMatches(m []Match) {
	for i := 1; i < len(m); i++ {
		for j := i; j > 0 && rank(m[j].Format) < rank(m[j-1].Format); j-- {
			m[j], m[j-1] = m[j-1], m[j]
		}
	}
}

func isDigits(s []byte) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func isUpper(c byte) bool { return 'A' <= c && c <= 'Z' }
func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// mod10 is the weighted mod-10 check used by UPS, FedEx Ground and OnTrac
// (jkeen/tracking_number_data's "mod10"): letters count as (ASCII-3) mod
// 10, characters at even 0-based positions are multiplied by evens and at
// odd positions by odds, and the check digit is (10 - sum mod 10) mod 10.
// prefix, when not 0, is a digit conceptually prepended to s.
func mod10(prefix byte, s []byte, evens, odds int) int {
	sum, i := 0, 0
	if prefix != 0 {
		sum += int(prefix-'0') * evens
		i = 1
	}
	for _, c := range s {
		v := int(c - '0')
		if isUpper(c) {
			v = int(c-3) % 10
		}
		if i%2 == 0 {
			sum += v * evens
		} else {
			sum += v * odds
		}
		i++
	}
	return (10 - sum%10) % 10
}

// gs1 is the GS1 / USPS IMpb mod-10 check: weights 3 and 1 alternating from
// the rightmost digit of the payload (which gets 3).
func gs1(s []byte) int { return (10 - gs1Sum(s)%10) % 10 }

// gs1Sum is the weighted sum of gs1.
func gs1Sum(s []byte) int {
	sum := 0
	w := 3
	for i := len(s) - 1; i >= 0; i-- {
		sum += int(s[i]-'0') * w
		w = 4 - w
	}
	return sum
}

var (
	weights317 = [...]int{3, 1, 7}
	weights173 = [...]int{1, 7, 3}
)

// fedexCheck is FedEx's "sum of products with weightings, mod 11, mod 10"
// over serial, weights repeating from the left.
func fedexCheck(dst []Match, serial []byte, check byte, w [3]int, format string) []Match {
	sum := 0
	for i, c := range serial {
		sum += int(c-'0') * w[i%3]
	}
	if sum%11%10 == int(check-'0') {
		dst = append(dst, Match{Carrier: "fedex", Format: format})
	}
	return dst
}

func fedexMod10(dst []Match, s []byte, evens, odds int, format string) []Match {
	if mod10(0, s[:len(s)-1], evens, odds) == int(s[len(s)-1]-'0') {
		dst = append(dst, Match{Carrier: "fedex", Format: format})
	}
	return dst
}

// ups1Z: "1Z" + 6 shipper + 2 service + 7 package + check (mod10, odds x2).
func ups1Z(dst []Match, s []byte) []Match {
	if s[0] != '1' || s[1] != 'Z' || !isDigit(s[17]) {
		return dst
	}
	if mod10(0, s[2:17], 1, 2) != int(s[17]-'0') {
		return dst
	}
	return append(dst, Match{Carrier: "ups", Format: "ups_1z", Service: upsService(s[8], s[9])})
}

// upsWaybill: one of AHJKTV + 9 digits + check (mod10, odds x2).
func upsWaybill(dst []Match, s []byte) []Match {
	switch s[0] {
	case 'A', 'H', 'J', 'K', 'T', 'V':
	default:
		return dst
	}
	if !isDigits(s[1:]) || mod10(0, s[1:10], 1, 2) != int(s[10]-'0') {
		return dst
	}
	var svc string
	switch s[0] {
	case 'J':
		svc = "UPS Next Day Express"
	case 'K':
		svc = "UPS Ground"
	case 'V':
		svc = "UPS WorldWide Express Saver"
	}
	return append(dst, Match{Carrier: "ups", Format: "ups_waybill", Service: svc})
}

// upsService decodes the 1Z service code (jkeen/tracking_number_data ups.json).
func upsService(a, b byte) string {
	switch string([]byte{a, b}) {
	case "01":
		return "UPS United States Next Day Air (Red)"
	case "02":
		return "UPS United States Second Day Air (Blue)"
	case "03":
		return "UPS United States Ground"
	case "12":
		return "UPS United States Third Day Select"
	case "13":
		return "UPS United States Next Day Air Saver (Red Saver)"
	case "15":
		return "UPS United States Next Day Air Early A.M."
	case "22":
		return "UPS United States Ground - Returns Plus - Three Pickup Attempts"
	case "32":
		return "UPS United States Next Day Air Early A.M. - COD"
	case "33":
		return "UPS United States Next Day Air Early A.M. - Saturday Delivery, COD"
	case "41":
		return "UPS United States Next Day Air Early A.M. - Saturday Delivery"
	case "42":
		return "UPS United States Ground - Signature Required"
	case "44":
		return "UPS United States Next Day Air - Saturday Delivery"
	case "66":
		return "UPS United States Worldwide Express"
	case "72":
		return "UPS United States Ground - Collect on Delivery"
	case "78":
		return "UPS United States Ground - Returns Plus - One Pickup Attempt"
	case "90":
		return "UPS United States Ground - Returns - UPS Prints and Mails Label"
	case "A0":
		return "UPS United States Next Day Air Early A.M. - Adult Signature Required"
	case "A1":
		return "UPS United States Next Day Air Early A.M. - Saturday Delivery, Adult Signature Required"
	case "A2":
		return "UPS United States Next Day Air - Adult Signature Required"
	case "A8":
		return "UPS United States Ground - Adult Signature Required"
	case "A9":
		return "UPS United States Next Day Air Early A.M. - Adult Signature Required, COD"
	case "AA":
		return "UPS United States Next Day Air Early A.M. - Saturday Delivery, Adult Signature Required, COD"
	case "YW":
		return "UPS SurePost - Delivered by the USPS"
	}
	return ""
}

// sscc18: GS1 SSCC, 2-digit extension/container type + 15 + check; the GS1
// check digit over the first 17 digits. FedEx Ground uses it.
func sscc18(dst []Match, s []byte) []Match {
	if gs1(s[:17]) != int(s[17]-'0') {
		return dst
	}
	var svc string
	switch string(s[:2]) {
	case "00":
		svc = "case/carton"
	case "01":
		svc = "pallet"
	case "02":
		svc = "larger than a pallet"
	case "04":
		svc = "internally defined for intra-company use"
	}
	return append(dst, Match{Carrier: "fedex", Format: "fedex_ground_sscc18", Service: svc})
}

// fedexGround96: "96" + 2 SCNC + 3 service + 14 serial + check (mod10 over
// the serial, odds x3).
func fedexGround96(dst []Match, s []byte) []Match {
	if s[0] != '9' || s[1] != '6' {
		return dst
	}
	if mod10(0, s[7:21], 1, 3) != int(s[21]-'0') {
		return dst
	}
	return append(dst, Match{Carrier: "fedex", Format: "fedex_ground_96"})
}

// usps20: the 20-digit USPS Package Identification Code: 2-digit service
// type code, 9-digit customer ID, 8-digit serial, check digit; the GS1
// mod-10 check of the digits before it. Confirmation Services labels
// (Publication 91) print the code under a UCC/EAN-128 barcode that starts
// with application identifier 91, and the check digit covers those two
// implied digits too; Extra Services labels (Publication 109) have no
// application identifier. The check digits of the two readings always
// differ (the implied "91" adds 9x3 + 1x1 = 28 to the weighted sum), so a
// number matches at most one, and Service says which.
func usps20(dst []Match, s []byte) []Match {
	sum := gs1Sum(s[:19])
	switch int(s[19] - '0') {
	case (10 - (sum+28)%10) % 10:
		return append(dst, Match{Carrier: "usps", Format: "usps_20", Service: "USPS Confirmation Services (application identifier 91)"})
	case (10 - sum%10) % 10:
		return append(dst, Match{Carrier: "usps", Format: "usps_20", Service: "USPS Extra Services"})
	}
	return dst
}

// uspsIMpb: USPS Intelligent Mail package barcode (Publication 199): a
// payload of 22 or 26 digits starting with application identifier 91–95,
// whose last digit is the GS1 mod-10 check of the rest, optionally preceded
// by the routing code "420" + ZIP (5 digits) or ZIP+4 (9 digits).
func uspsIMpb(dst []Match, s []byte) []Match {
	if impbPayload(s) {
		dst = append(dst, Match{Carrier: "usps", Format: "usps_impb"})
	}
	if len(s) > 3 && s[0] == '4' && s[1] == '2' && s[2] == '0' {
		if len(s) > 8 && impbPayload(s[8:]) {
			return append(dst, Match{Carrier: "usps", Format: "usps_impb_routed"})
		}
		if len(s) > 12 && impbPayload(s[12:]) {
			return append(dst, Match{Carrier: "usps", Format: "usps_impb_routed"})
		}
	}
	return dst
}

func impbPayload(p []byte) bool {
	if len(p) != 22 && len(p) != 26 {
		return false
	}
	if p[0] != '9' || p[1] < '1' || p[1] > '5' {
		return false
	}
	return gs1(p[:len(p)-1]) == int(p[len(p)-1]-'0')
}

// dhlExpress: DHL Express waybill, 10 or 11 digits; the last is the rest
// modulo 7.
func dhlExpress(dst []Match, s []byte) []Match {
	v := 0
	for _, c := range s[:len(s)-1] {
		v = (v*10 + int(c-'0')) % 7
	}
	if v != int(s[len(s)-1]-'0') {
		return dst
	}
	return append(dst, Match{Carrier: "dhl", Format: "dhl_express"})
}

// dhlPrefixed: the DHL formats recognised by a letter prefix followed by
// digits, none with a check digit (DHL publishes none; see DHL's "tracking
// ID labels" page): piece IDs (license plates) "JJD" + 10 or more digits
// (DHL Express and Parcel) and "JVGL" + 10 or more digits (DHL Parcel), and
// DHL eCommerce "GM" + 11 or more digits, up to the longest number Detect
// reads.
func dhlPrefixed(dst []Match, s []byte) []Match {
	switch {
	case s[0] == 'J' && s[1] == 'J' && s[2] == 'D' && isDigits(s[3:]) && len(s) >= 3+10:
		return append(dst, Match{Carrier: "dhl", Format: "dhl_piece_id"})
	case s[0] == 'J' && s[1] == 'V' && s[2] == 'G' && s[3] == 'L' && isDigits(s[4:]) && len(s) >= 4+10:
		return append(dst, Match{Carrier: "dhl", Format: "dhl_piece_id"})
	case s[0] == 'G' && s[1] == 'M' && isDigits(s[2:]) && len(s) >= 2+11:
		return append(dst, Match{Carrier: "dhl", Format: "dhl_ecommerce"})
	}
	return dst
}

// s10 weights, UPU standard S10.
var s10Weights = [8]int{8, 6, 4, 2, 3, 5, 9, 7}

// s10: UPU S10 international postal item: 2-letter service indicator + 8
// digits + check digit + ISO 3166-1 alpha-2 country of the issuing post.
func s10(dst []Match, s []byte) []Match {
	if !isUpper(s[0]) || !isUpper(s[1]) || !isUpper(s[11]) || !isUpper(s[12]) || !isDigits(s[2:11]) {
		return dst
	}
	sum := 0
	for i, w := range s10Weights {
		sum += int(s[2+i]-'0') * w
	}
	check := 11 - sum%11
	switch check {
	case 10:
		check = 0
	case 11:
		check = 5
	}
	if check != int(s[10]-'0') {
		return dst
	}
	country, ok := isoCountry(s[11], s[12])
	if !ok {
		return dst
	}
	return append(dst, Match{Carrier: "s10", Format: "s10", Country: country})
}

// amazonTBA: Amazon Logistics "TB" + A, C or M + 12 digits (no check digit).
func amazonTBA(dst []Match, s []byte) []Match {
	if s[0] != 'T' || s[1] != 'B' || (s[2] != 'A' && s[2] != 'C' && s[2] != 'M') || !isDigits(s[3:]) {
		return dst
	}
	return append(dst, Match{Carrier: "amazon", Format: "amazon_tba"})
}

// amazonInternational: A, F or C + 10 digits (no check digit).
func amazonInternational(dst []Match, s []byte) []Match {
	if (s[0] != 'A' && s[0] != 'F' && s[0] != 'C') || !isDigits(s[1:]) {
		return dst
	}
	return append(dst, Match{Carrier: "amazon", Format: "amazon_international"})
}

// ontrac: C or D + 13 digits + check; mod10 (odds x2) over the 13 digits
// with "4" (for C) or "5" (for D) prepended unless already their first digit.
func ontrac(dst []Match, s []byte) []Match {
	var pre byte
	switch s[0] {
	case 'C':
		pre = '4'
	case 'D':
		pre = '5'
	default:
		return dst
	}
	if !isDigits(s[1:]) {
		return dst
	}
	serial := s[1:14]
	p := pre
	if serial[0] == pre {
		p = 0
	}
	if mod10(p, serial, 1, 2) != int(s[14]-'0') {
		return dst
	}
	return append(dst, Match{Carrier: "ontrac", Format: "ontrac"})
}

// lasershipLX: L + one of AIEHNX + 1–3 + 7 digits.
func lasershipLX(dst []Match, s []byte) []Match {
	if s[0] != 'L' {
		return dst
	}
	switch s[1] {
	case 'A', 'I', 'E', 'H', 'N', 'X':
	default:
		return dst
	}
	if s[2] < '1' || s[2] > '3' || !isDigits(s[3:]) {
		return dst
	}
	return append(dst, Match{Carrier: "lasership", Format: "lasership"})
}

// lasership15: "1LS7" + 1 or 2 + 10 digits, or "1LSCX" + 10 letters/digits.
func lasership15(dst []Match, s []byte) []Match {
	if s[0] != '1' || s[1] != 'L' || s[2] != 'S' {
		return dst
	}
	if s[3] == '7' && (s[4] == '1' || s[4] == '2') && isDigits(s[5:]) {
		return append(dst, Match{Carrier: "lasership", Format: "lasership"})
	}
	if s[3] == 'C' && s[4] == 'X' {
		return append(dst, Match{Carrier: "lasership", Format: "lasership"})
	}
	return dst
}

// lasership17: "1LS7" + 1|2 + 2 digits + "01" + 1–4 + 6 digits + "-1" (the
// dash removed by normalization).
func lasership17(dst []Match, s []byte) []Match {
	if string(s[:4]) != "1LS7" || (s[4] != '1' && s[4] != '2') || !isDigits(s[5:]) ||
		s[7] != '0' || s[8] != '1' || s[9] < '1' || s[9] > '4' || s[16] != '1' {
		return dst
	}
	return append(dst, Match{Carrier: "lasership", Format: "lasership"})
}
