// Package iso4217 is the module's one table of ISO 4217 currency codes and
// their minor units, shared by the packages that handle money (cashback,
// accommodation) so that they can never disagree on what a currency is.
//
// The table follows ISO 4217 List One as published by the ISO 4217
// maintenance agency (SIX Group) for 2026-01-01.
package iso4217

import "strings"

// MinorUnits reports the number of decimal places ISO 4217 gives currency
// (USD 2, JPY 0, KWD 3, CLF 4) and whether the code is one the module
// accepts. Codes must be upper case.
//
// The table covers every code of ISO 4217 List One that has numeric minor
// units, including the fund codes (BOV, CHE, CHW, CLF, COU, MXV, USN, UYI,
// UYW) and the newest codes (VED, SLE, ZWG, XCG), plus six codes withdrawn
// recently (ANG, BGN, CUC, HRK, SLL, ZWL) so that a ledger holding credit
// issued in them can still be read and settled. Codes whose minor units ISO
// lists as "N.A." (precious metals XAU, XAG, XPT, XPD; units of account XDR,
// XSU, XUA, XBA-XBD; the test code XTS and XXX) are not money a customer
// can spend and are rejected.
func MinorUnits(currency string) (int32, bool) {
	switch currency {
	case
		"BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI",
		"VND", "VUV", "XAF", "XOF", "XPF":
		return 0, true
	case
		"AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD",
		"BDT", "BGN", "BMD", "BND", "BOB", "BOV", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD",
		"CAD", "CDF", "CHE", "CHF", "CHW", "CNY", "COP", "COU", "CRC", "CUC", "CUP", "CVE",
		"CZK", "DKK", "DOP", "DZD", "EGP", "ERN", "ETB", "EUR", "FJD", "FKP", "GBP", "GEL",
		"GHS", "GIP", "GMD", "GTQ", "GYD", "HKD", "HNL", "HRK", "HTG", "HUF", "IDR", "ILS",
		"INR", "IRR", "JMD", "KES", "KGS", "KHR", "KPW", "KYD", "KZT", "LAK", "LBP", "LKR",
		"LRD", "LSL", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MRU", "MUR", "MVR",
		"MWK", "MXN", "MXV", "MYR", "MZN", "NAD", "NGN", "NIO", "NOK", "NPR", "NZD", "PAB",
		"PEN", "PGK", "PHP", "PKR", "PLN", "QAR", "RON", "RSD", "RUB", "SAR", "SBD", "SCR",
		"SDG", "SEK", "SGD", "SHP", "SLE", "SLL", "SOS", "SRD", "SSP", "STN", "SVC", "SYP",
		"SZL", "THB", "TJS", "TMT", "TOP", "TRY", "TTD", "TWD", "TZS", "UAH", "USD", "USN",
		"UYU", "UZS", "VED", "VES", "WST", "XCD", "XCG", "YER", "ZAR", "ZMW", "ZWG", "ZWL":
		return 2, true
	case
		"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND":
		return 3, true
	case
		"CLF", "UYW":
		return 4, true
	}
	return 0, false
}

// currencyTable lists every accepted code with its minor units, "CODE:N"
// separated by spaces, sorted by code. Currencies parses it; a test checks
// it agrees with MinorUnits.
//
// There are 170 codes: 17 with 0 decimal places, 144 with 2, 7 with 3, 2 with 4.
const currencyTable = "AED:2 AFN:2 ALL:2 AMD:2 ANG:2 AOA:2 ARS:2 AUD:2 AWG:2 AZN:2 BAM:2 BBD:2 BDT:2 BGN:2 BHD:3 BIF:0 BMD:2 BND:2 BOB:2 BOV:2 BRL:2 BSD:2 BTN:2 BWP:2 BYN:2 BZD:2 CAD:2 CDF:2 CHE:2 CHF:2 CHW:2 CLF:4 CLP:0 CNY:2 COP:2 COU:2 CRC:2 CUC:2 CUP:2 CVE:2 CZK:2 DJF:0 DKK:2 DOP:2 DZD:2 EGP:2 ERN:2 ETB:2 EUR:2 FJD:2 FKP:2 GBP:2 GEL:2 GHS:2 GIP:2 GMD:2 GNF:0 GTQ:2 GYD:2 HKD:2 HNL:2 HRK:2 HTG:2 HUF:2 IDR:2 ILS:2 INR:2 IQD:3 IRR:2 ISK:0 JMD:2 JOD:3 JPY:0 KES:2 KGS:2 KHR:2 KMF:0 KPW:2 KRW:0 KWD:3 KYD:2 KZT:2 LAK:2 LBP:2 LKR:2 LRD:2 LSL:2 LYD:3 MAD:2 MDL:2 MGA:2 MKD:2 MMK:2 MNT:2 MOP:2 MRU:2 MUR:2 MVR:2 MWK:2 MXN:2 MXV:2 MYR:2 MZN:2 NAD:2 NGN:2 NIO:2 NOK:2 NPR:2 NZD:2 OMR:3 PAB:2 PEN:2 PGK:2 PHP:2 PKR:2 PLN:2 PYG:0 QAR:2 RON:2 RSD:2 RUB:2 RWF:0 SAR:2 SBD:2 SCR:2 SDG:2 SEK:2 SGD:2 SHP:2 SLE:2 SLL:2 SOS:2 SRD:2 SSP:2 STN:2 SVC:2 SYP:2 SZL:2 THB:2 TJS:2 TMT:2 TND:3 TOP:2 TRY:2 TTD:2 TWD:2 TZS:2 UAH:2 UGX:0 USD:2 USN:2 UYI:0 UYU:2 UYW:4 UZS:2 VED:2 VES:2 VND:0 VUV:0 WST:2 XAF:0 XCD:2 XCG:2 XOF:0 XPF:0 YER:2 ZAR:2 ZMW:2 ZWG:2 ZWL:2"

// Currencies returns every code MinorUnits accepts, sorted, in a new slice.
func Currencies() []string {
	fields := strings.Fields(currencyTable)
	out := make([]string, len(fields))
	for i, f := range fields {
		out[i] = f[:3]
	}
	return out
}
