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
package schema

import _ "embed"

//go:generate go run ./internal/gen -policy ../policy -o declaration.schema.json

//go:embed declaration.schema.json
var declaration []byte

// JSON returns the checked-in JSON Schema of the declaration format,
// exactly as stored in schema/declaration.schema.json. The caller may
// modify the returned slice.
func JSON() []byte { return append([]byte(nil), declaration...) }
