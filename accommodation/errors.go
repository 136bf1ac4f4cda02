package accommodation

import (
	"errors"
	"fmt"
	"strings"

	"github.com/postpurchase/postpurchase/internal/iso4217"
)

// Sentinel errors. Every problem found while loading a policy wraps exactly
// one of the Err* kinds below and is collected into a *PolicyError, which
// itself matches ErrInvalidPolicy. Use errors.Is to test for a kind and
// errors.As with *Problem or *PolicyError to get the JSON path. A
// *FactsError from Evaluate matches ErrInvalidFacts and one of the same
// kinds (an amount too precise is ErrTooPrecise in a policy and in facts).
// Money problems also match the module's one sentinel for their condition
// (internal/iso4217, re-exported by cashback and scoring), so one
// errors.Is works whichever package reported it: an amount over 10^15
// minor units matches cashback.ErrTooLarge as well as ErrLimit, a currency
// that is not an ISO 4217 code with minor units cashback.ErrUnknownCurrency
// as well as ErrCurrency, and a policy's withdrawn currency
// cashback.ErrWithdrawnCurrency as well as ErrCurrency.
var (
	// ErrInvalidPolicy matches every *PolicyError.
	ErrInvalidPolicy = errors.New("accommodation: invalid policy")

	// ErrSyntax: the document is not well-formed JSON (or has trailing data).
	ErrSyntax = errors.New("accommodation: malformed JSON")
	// ErrUnknownField: an object has a member the schema does not define.
	ErrUnknownField = errors.New("accommodation: unknown field")
	// ErrMissingField: a required member is absent.
	ErrMissingField = errors.New("accommodation: missing field")
	// ErrWrongType: a member has the wrong JSON type (an object where an
	// array belongs, a number where a string belongs, ...).
	ErrWrongType = errors.New("accommodation: wrong JSON type")
	// ErrDuplicate: a duplicated object key, rule ID or action kind.
	ErrDuplicate = errors.New("accommodation: duplicate")
	// ErrUnknownFact: a condition names a fact the package does not know.
	ErrUnknownFact = errors.New("accommodation: unknown fact")
	// ErrBadComparison: an operator that does not apply to the fact's type
	// (gte on a tier), or a value of the wrong type for the fact ("eq": "5"
	// on days_late), or a malformed operator (between with one bound).
	ErrBadComparison = errors.New("accommodation: comparison of the wrong type")
	// ErrInvalidValue: a value of the right type outside its allowed set or
	// range: an unknown tier, a score above 100, a bad rule ID, ...
	ErrInvalidValue = errors.New("accommodation: invalid value")
	// ErrNegativeAmount: a money amount below zero.
	ErrNegativeAmount = errors.New("accommodation: negative amount")
	// ErrPercentRange: a cashback percent not in (0, 100].
	ErrPercentRange = errors.New("accommodation: percent out of range")
	// ErrTooPrecise: an amount with more decimals than the currency has
	// minor units (USD 2, JPY 0, KWD 3), or a percent with more than four.
	// It is the module's one sentinel for the condition, the same value as
	// cashback.ErrTooPrecise and scoring.ErrTooPrecise.
	ErrTooPrecise = iso4217.ErrTooPrecise
	// ErrCurrency: the currency is missing, not an ISO 4217 code with minor
	// units, or withdrawn (HRK, BGN, ...: a policy creates new money, so its
	// currency must be active); in facts, not the policy's currency. A code
	// not in the table (also in facts, the empty one included) matches
	// cashback.ErrUnknownCurrency too, a withdrawn one
	// cashback.ErrWithdrawnCurrency.
	ErrCurrency = errors.New("accommodation: invalid currency")
	// ErrUnreachable: a rule can never decide anything, because its own
	// conditions contradict each other or because an earlier rule that
	// always decides matches every case it would.
	ErrUnreachable = errors.New("accommodation: unreachable rule")
	// ErrLimit: the document exceeds a size limit (bytes, nesting, rules,
	// conditions, list length), or an amount exceeds 10^15 minor units (in
	// a policy or in facts; that one matches cashback.ErrTooLarge and
	// scoring.ErrTooLarge too).
	ErrLimit = errors.New("accommodation: limit exceeded")

	// ErrInvalidFacts matches every *FactsError returned by Evaluate.
	ErrInvalidFacts = errors.New("accommodation: invalid facts")
	// ErrOutOfOrder is returned by Simulator.Add when a case is earlier
	// than the previous one.
	ErrOutOfOrder = errors.New("accommodation: simulation case out of time order")
	// ErrOverflow is returned by Simulator.Add when a running total would
	// no longer fit in 64-bit minor units.
	ErrOverflow = errors.New("accommodation: amount overflow")
)

// Problem is one thing wrong with a policy document: where (Path, a JSON
// path such as "$.rules[2].when[0].fact"), which kind (Err, one of the
// Err* sentinels, reachable with errors.Is) and why, in words (Reason).
// Member names in Path and input echoed in Reason are clipped to 64 bytes.
type Problem struct {
	Path   string // JSON path, "$" for the whole document
	Reason string // what is wrong, in words
	Err    error  // one of the Err* sentinels

	money error // the iso4217 sentinel a money problem also matches, or nil
}

// Error implements error.
func (p *Problem) Error() string {
	return "accommodation: " + p.Path + ": " + p.Reason
}

// Unwrap returns the problem's kind, Err.
func (p *Problem) Unwrap() error { return p.Err }

// Is reports whether target is the module's sentinel for a money problem
// (iso4217's ErrTooLarge, ErrUnknownCurrency or ErrWithdrawnCurrency, as
// cashback and scoring export them) that p is, besides its Err.
func (p *Problem) Is(target error) bool { return p.money != nil && target == p.money }

// maxProblems bounds how many problems a PolicyError collects.
const maxProblems = 100

// PolicyError is returned by Parse and Load. It lists every problem found
// (up to 100), in document order. errors.Is(err, ErrUnknownFact) reports
// whether any problem is of that kind; errors.As(err, &p) with p a
// *Problem yields the first problem. It is an aggregate, as errors.Join
// makes: each *Problem is the typed error (Path, Reason, Err, Unwrap), and
// PolicyError unwraps to all of them rather than to a single Err, which
// would hide every problem but one from errors.Is.
type PolicyError struct {
	Problems  []*Problem
	Truncated bool // more problems were found than are listed
}

// Error implements error: the first problem, and how many more there are.
func (e *PolicyError) Error() string {
	switch len(e.Problems) {
	case 0:
		return "accommodation: invalid policy"
	case 1:
		return e.Problems[0].Error()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "accommodation: invalid policy: %d problems:", len(e.Problems))
	for _, p := range e.Problems {
		b.WriteString("\n\t")
		b.WriteString(p.Path)
		b.WriteString(": ")
		b.WriteString(p.Reason)
	}
	if e.Truncated {
		b.WriteString("\n\t...")
	}
	return b.String()
}

// Is reports whether target is ErrInvalidPolicy.
func (e *PolicyError) Is(target error) bool { return target == ErrInvalidPolicy }

// Unwrap returns the problems, so errors.Is and errors.As look at each.
func (e *PolicyError) Unwrap() []error {
	errs := make([]error, len(e.Problems))
	for i, p := range e.Problems {
		errs[i] = p
	}
	return errs
}

// FactsError reports facts that Evaluate cannot use: which fact (Path,
// named as in policy conditions, e.g. "order_total"), why in words
// (Reason), and the kind (Err: ErrCurrency, ErrNegativeAmount,
// ErrTooPrecise, ErrLimit or ErrInvalidValue). It matches ErrInvalidFacts
// as well as its Err, and, for an amount too large or a currency not in
// ISO 4217, the module's sentinel for it (cashback.ErrTooLarge,
// cashback.ErrUnknownCurrency; the same values in scoring). Echoed input
// is clipped to 64 bytes.
type FactsError struct {
	Path   string
	Reason string
	Err    error

	money error // the iso4217 sentinel a money problem also matches, or nil
}

// Error implements error.
func (e *FactsError) Error() string {
	return "accommodation: invalid facts: " + e.Path + ": " + e.Reason
}

// Is reports whether target is ErrInvalidFacts, or the module's sentinel
// for a money problem that e is (see FactsError).
func (e *FactsError) Is(target error) bool {
	return target == ErrInvalidFacts || e.money != nil && target == e.money
}

// Unwrap returns the kind, Err.
func (e *FactsError) Unwrap() error { return e.Err }

// problems collects Problems while a document is checked.
type problems struct {
	list      []*Problem
	truncated bool
}

func (ps *problems) add(path string, kind error, format string, args ...any) {
	ps.addMoney(path, kind, nil, format, args...)
}

// addMoney adds a money problem of kind that also matches money, an
// iso4217 sentinel.
func (ps *problems) addMoney(path string, kind, money error, format string, args ...any) {
	if len(ps.list) >= maxProblems {
		ps.truncated = true
		return
	}
	ps.list = append(ps.list, &Problem{Path: path, Reason: fmt.Sprintf(format, args...), Err: kind, money: money})
}

func (ps *problems) err() error {
	if len(ps.list) == 0 {
		return nil
	}
	return &PolicyError{Problems: ps.list, Truncated: ps.truncated}
}
