package main

import (
	"io"

	"github.com/frist-go/frist/schema"
)

const schemaUsage = `Usage: frist schema

Prints the JSON Schema (draft 2020-12) of the declaration format, so that
editors validate and complete declarations. The same schema is kept in the
repository as schema/declaration.schema.json; reference it from a
declaration with a first line such as

  # yaml-language-server: $schema=../../schema/declaration.schema.json

Exit status: 0 when the schema was written, 2 when the command line is
wrong.

Flags: none besides --help.
%s
Examples:
  frist schema > declaration.schema.json
`

func runSchema(args []string, stdout, stderr io.Writer) int {
	c := newCLI("schema", schemaUsage, stdout, stderr)
	rest, code, done := c.parse(args)
	if done {
		return code
	}
	if len(rest) > 0 {
		return c.fail("schema takes no arguments, got %q", rest[0])
	}
	if _, err := stdout.Write(schema.JSON()); err != nil {
		return c.errorf("writing output: %v", err)
	}
	return exitOK
}
