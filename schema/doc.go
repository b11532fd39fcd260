// Package schema holds the JSON Schema (draft 2020-12) of frist's
// declaration format, so that editors validate and complete declarations
// while they are written: the example declarations start with
//
//	# yaml-language-server: $schema=../../schema/declaration.schema.json
//
// The schema is generated from the Go model in package policy by Generate:
// struct fields and their yaml tags give the properties, the doc comments
// give the descriptions, the typed constants give the enumerations, and the
// shorthand forms that policy.Load accepts (a text as a plain string, a
// list of one as its element, fields, time columns and operators as
// mappings from names, withdrawal channels as kinds or {kind: address},
// periods in the period grammar) are written out explicitly. The generated
// file is kept in the repository as declaration.schema.json and embedded
// here; a test fails when it and the model drift apart.
//
// The schema describes what the loader accepts, not everything Validate
// checks: references between IDs, SQL identifiers and legal consistency
// are left to policy.Validate and policy.Lint (frist check).
//
// # The live schema
//
// The package also compares a declaration with the schema of the running
// database, the other side of the match: Check (frist check --db) reads
// the catalog of SQLite or PostgreSQL through a Querier such as *sql.DB,
// in a fixed number of statements, and reports the columns of declared
// tables that are neither declared nor listed under not_personal, the
// declared tables and columns that do not exist, undeclared tables that
// look personal, foreign keys into declared tables whose rows would
// outlive their parents, and time columns without an index, each as a
// policy.Finding with an ID (DB001 to DB005), the article it rests on
// and a hint. It only reads; the package imports no database driver.
package schema

import _ "embed"

//go:generate go run ./internal/gen -policy ../policy -o declaration.schema.json

//go:embed declaration.schema.json
var declaration []byte

// JSON returns the checked-in JSON Schema of the declaration format,
// exactly as stored in schema/declaration.schema.json. The caller may
// modify the returned slice.
func JSON() []byte { return append([]byte(nil), declaration...) }
