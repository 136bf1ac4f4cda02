// Package memstore is an in-memory cashback.Store, for tests, examples and
// single-process tools. It keeps everything in process memory and loses it
// when the process ends.
//
// It passes cashbacktest.RunConformanceTests, and is safe for concurrent use:
// each account has its own lock, so writers to different accounts do not
// wait for each other.
package memstore
