package cashback

// SetPageSize sets how many entries l reads per Store.Entries call when it
// walks an account, so tests reach page boundaries with short histories.
func SetPageSize(l *Ledger, n int) { l.pageSize = n }
