package policy

// The keys of the records block, which says how long frist keeps its own
// records (Records).

var recordsKeys = keys[Records]{
	{"consent", func(l *loader, v *node, p path, r *Records) {
		object(l, v, p, "a record period", recordPeriodKeys, &r.Consent)
	}},
	{"requests", func(l *loader, v *node, p path, r *Records) {
		object(l, v, p, "a record period", recordPeriodKeys, &r.Requests)
	}},
	{"audit", func(l *loader, v *node, p path, r *Records) {
		object(l, v, p, "a record period", recordPeriodKeys, &r.Audit)
	}},
	{"holds", func(l *loader, v *node, p path, r *Records) {
		object(l, v, p, "a record period", recordPeriodKeys, &r.Holds)
	}},
	{"identify_requests_for", func(l *loader, v *node, p path, r *Records) {
		l.period(v, p, &r.IdentifyRequestsFor)
	}},
}

var recordPeriodKeys = keys[RecordPeriod]{
	{"keep", func(l *loader, v *node, p path, r *RecordPeriod) { l.period(v, p, &r.Keep) }},
	{"from", func(l *loader, v *node, p path, r *RecordPeriod) { l.str(v, p, (*string)(&r.From)) }},
}
