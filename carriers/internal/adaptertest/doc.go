// Package adaptertest holds the test helpers the carrier adapters of this
// module (ups, usps, fedex, dhl) share; only their tests import it.
//
//   - Golden compares a parser's trackings with testdata/golden files and
//     rewrites them when the test binary runs with -update (a flag this
//     package registers, as golden-file helpers do). Times are compared by
//     their RFC 3339 text, so a changed offset shows even where the instant
//     is the same. Inspect every diff before committing an update.
//   - ReadFile reads testdata files; CheckTrackings holds parser results to
//     the carriers.Tracking contract (carrierstest.CheckTracking) and checks
//     that Raw is the carrier's JSON for the package.
//   - SeedFuzz seeds a fuzz target with every testdata/*.json file and the
//     conformance suite's garbage bodies; CheckParsed is the property every
//     parse must have: trackings that honour the model's invariants, or a
//     typed *carriers.Error, never both.
//   - Tokens is a fake OAuth 2 client-credentials endpoint that issues
//     tokens, checks how the credentials travel and can revoke tokens; JSON,
//     NewServer and Harness serve fixtures over httptest and plug an adapter
//     into carrierstest.RunConformanceTests (Harness.Maker); Clock is a settable clock for
//     an adapter's Now.
//
// The package is internal: its API serves the adapters' tests and may change
// with them.
package adaptertest
