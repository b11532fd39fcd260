package storetest

import (
	"fmt"

	"github.com/frist-go/frist/policy"
)

// The suite's datasets and their SQL columns.
const (
	// Bookings has an integer key and an integer subject column, time
	// columns in the formats timestamp, unix and unix_ms, and a marker.
	Bookings = "bookings"
	// Visits has a text key, no subject column and an rfc3339 time column.
	Visits = "visits"
)

// ColumnType is the SQL type a harness gives a column of the suite's
// tables.
type ColumnType string

// The column types the suite's tables use. A harness maps them to its
// database: e.g. "timestamp" is timestamptz on PostgreSQL.
const (
	Integer   ColumnType = "integer"
	Text      ColumnType = "text"
	Timestamp ColumnType = "timestamp"
)

// Column is one column of a table of the suite.
type Column struct {
	Name string
	Type ColumnType
	// Key marks the primary key.
	Key bool
}

// Table is one table a harness creates for the suite, empty, before it
// returns a Backend from its Opener.
type Table struct {
	Dataset string
	Name    string
	Columns []Column
}

// Tables returns the tables of Declaration with every column and its type,
// so that a SQL harness can create them (CREATE TABLE name (columns...)).
// Columns that the declaration does not bind (service) are there to check
// that backends leave them alone.
func Tables() []Table {
	return []Table{
		{Dataset: Bookings, Name: "storetest_bookings", Columns: []Column{
			{Name: "id", Type: Integer, Key: true},
			{Name: "citizen_id", Type: Integer},
			{Name: "booked_at", Type: Timestamp},
			{Name: "starts_unix", Type: Integer},
			{Name: "cancelled_ms", Type: Integer},
			{Name: "name", Type: Text},
			{Name: "email", Type: Text},
			{Name: "client_ip", Type: Text},
			{Name: "note", Type: Text},
			{Name: "service", Type: Text},
			{Name: "anonymized_at", Type: Timestamp},
		}},
		{Dataset: Visits, Name: "storetest_visits", Columns: []Column{
			{Name: "id", Type: Text, Key: true},
			{Name: "seen_at", Type: Text},
			{Name: "ip", Type: Text},
			{Name: "user_agent", Type: Text},
		}},
	}
}

// Declaration returns a new, validated copy of the suite's declaration:
// dataset Bookings (integer key "id", subject "citizen_id", time columns
// booked_at (timestamp), starts_at (unix, column starts_unix) and
// cancelled_at (unix_ms, column cancelled_ms), marker "anonymized_at",
// fields name, email, ip (column client_ip) and note) and dataset Visits
// (text key "id", no subject, time column seen_at (rfc3339), fields ip and
// user_agent). Each call returns a fresh value, so a harness may keep it.
func Declaration() *policy.Declaration {
	d := &policy.Declaration{
		Controller: policy.Controller{
			Name: "Stadt Musterstadt", Address: "Marktplatz 1, 12345 Musterstadt",
			Contact: policy.Contact{Email: "datenschutz@musterstadt.example"}, TimeZone: "Europe/Berlin",
			PublicAuthority: true,
		},
		DPO:       policy.DPO{Address: "Marktplatz 1, 12345 Musterstadt", Contact: policy.Contact{Email: "dsb@musterstadt.example"}},
		Authority: policy.Authority{Name: "LDI NRW", Address: "Kavalleriestr. 2-4, 40213 Düsseldorf"},
		Purposes: []policy.Purpose{{
			ID:          "booking",
			Description: policy.Text{DE: "Buchung eines Termins", EN: "Booking an appointment"},
			LegalBasis:  []policy.LegalBasis{{Basis: policy.PublicTask}},
		}},
		Datasets: []policy.Dataset{
			{
				ID: Bookings, Table: "storetest_bookings", Key: "id", Subject: "citizen_id",
				Time: []policy.TimeColumn{
					{Name: "booked_at", Format: policy.TimeNative},
					{Name: "starts_at", Column: "starts_unix", Format: policy.TimeUnix},
					{Name: "cancelled_at", Column: "cancelled_ms", Format: policy.TimeUnixMs},
				},
				Marker:   "anonymized_at",
				Purposes: []string{"booking"},
				Fields: []policy.Field{
					{Name: "name", Category: policy.CatIdentity},
					{Name: "email", Category: policy.CatContact},
					{Name: "ip", Column: "client_ip", Category: policy.CatOnlineIdentifier},
					{Name: "note", Category: policy.CatFreeText},
				},
				Rules: []policy.Rule{
					{After: policy.MustParsePeriod("7d"), From: "booked_at", Anonymize: []policy.FieldOp{{Field: "ip", Op: "ip_mask(v4=1, v6=80)"}}},
					{After: policy.MustParsePeriod("14d"), From: "starts_at", Delete: true},
					{On: policy.EventCancelled, Delete: true},
				},
			},
			{
				ID: Visits, Table: "storetest_visits", Key: "id",
				Time:     []policy.TimeColumn{{Name: "seen_at", Format: policy.TimeRFC3339}},
				Purposes: []string{"booking"},
				Fields: []policy.Field{
					{Name: "ip", Category: policy.CatOnlineIdentifier},
					{Name: "user_agent", Category: policy.CatDevice},
				},
				Rules: []policy.Rule{
					{After: policy.MustParsePeriod("7d"), From: "seen_at", Anonymize: []policy.FieldOp{{Field: "ip", Op: "null"}, {Field: "user_agent", Op: "null"}}},
				},
			},
		},
	}
	if err := d.Validate(); err != nil {
		panic(fmt.Sprintf("storetest: the suite's own declaration is invalid: %v", err))
	}
	return d
}
