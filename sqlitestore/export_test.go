package sqlitestore

// OpenWithPragmas opens with extra pragmas, for tests.
func OpenWithPragmas(path string, opts Options, pragmas ...string) (*Store, error) {
	return open(path, opts, pragmas)
}

// Migrations returns how many migrations the code has.
func Migrations() int { return len(migrations) }

// SelectEntriesPage is the keyset read of CashbackStore.Entries.
const SelectEntriesPage = selectEntriesPage
