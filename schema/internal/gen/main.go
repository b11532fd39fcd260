// Command gen writes the JSON Schema of the declaration format generated
// from the policy package's source (see package schema); go generate runs
// it.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/frist-go/frist/schema"
)

func main() {
	dir := flag.String("policy", "../policy", "directory of the policy package's Go source")
	out := flag.String("o", "declaration.schema.json", "output file")
	flag.Parse()
	b, err := schema.Generate(*dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	if err := os.WriteFile(*out, b, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}
