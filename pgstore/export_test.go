package pgstore

// SelectEntriesPage is the keyset read of CashbackStore.Entries.
const SelectEntriesPage = selectEntriesPage
