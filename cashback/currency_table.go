package cashback

import "github.com/postpurchase/postpurchase/internal/iso4217"

// MinorUnits reports the number of decimal places ISO 4217 gives currency
// (USD 2, JPY 0, KWD 3, CLF 4) and whether the code is one this package
// accepts. Codes must be upper case.
//
// The table covers every code of ISO 4217 List One (2026-01-01) that has
// numeric minor units, including the fund codes (BOV, CHE, CHW, CLF, COU,
// MXV, USN, UYI, UYW) and the newest codes (VED, SLE, ZWG, XCG), plus six
// codes withdrawn recently (ANG, BGN, CUC, HRK, SLL, ZWL) so that a ledger
// holding credit issued in them can still be read and settled. Codes whose
// minor units ISO lists as "N.A." (precious metals XAU, XAG, XPT, XPD;
// units of account XDR, XSU, XUA, XBA-XBD; the test code XTS and XXX) are
// not money a customer can spend and are rejected. The table is shared with
// package accommodation, so a policy and a ledger always agree.
func MinorUnits(currency string) (int32, bool) { return iso4217.MinorUnits(currency) }

// Currencies returns every code MinorUnits accepts, sorted, in a new slice.
func Currencies() []string { return iso4217.Currencies() }
