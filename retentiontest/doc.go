// Package retentiontest helps applications test that frist enforces their
// declaration: that a record is deleted or anonymized by its deadline, and
// not touched before. It provides a settable Clock to pass as
// retention.Options.Now and assertions in the style of rivertest, which take
// a testing.TB, mark themselves as helpers and fail with a message naming
// the rule, the record and the deadline.
//
// A typical test:
//
//	clock := retentiontest.NewClock(time.Date(2025, 6, 2, 9, 0, 0, 0, time.UTC))
//	eng, _ := retention.New(decl, st, &retention.Options{Now: clock.Now, AuditKey: key})
//	st.Insert(ctx, "appointment", row)
//	retentiontest.RequireDeletedBy(ctx, t, clock, eng, st, "appointment", "42",
//		time.Date(2025, 6, 30, 9, 0, 0, 0, time.UTC))
//
// st is the engine's store: *memstore.Store, *sqlitestore.Store and
// *pgstore.Store are Stores as they are.
//
// The helpers move the clock and sweep the engine themselves, so a test
// reads as the declaration does: "two weeks after the appointment, the
// booking is gone".
package retentiontest
