package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite testdata/seeds.golden")

// seedFindings pins which findings each seed declaration draws: ID and
// path, acknowledged ones marked with "(ack)". The comments say which
// sentence of the notice causes them.
var seedFindings = map[string][]string{
	"jobcenter.yaml": {
		"FR061 measures",
		"FR085 date",
		"FR025 controller.contact",
		"FR018 purposes[0].legal_basis[0]",
		"FR010 purposes[0].legal_basis[1]",
		"FR084 purposes[1].provision",
		"FR014 purposes[1].legal_basis[0]",
		"FR080 purposes[1].consent.withdraw[0]",
		"FR011 purposes[2].legitimate_interest",
		"FR018 purposes[2].legal_basis[0]",
		"FR010 purposes[2].legal_basis[1]",
		"FR060 datasets[0].subjects",
		"FR006 datasets[0].rules[0].after",
		"FR060 datasets[1].subjects",
		"FR082 cookies[0].lifetime",
		"FR081 assumptions[0]",
		"FR023 rights",
		"FR023 rights",
		"FR023 rights",
		"FR023 rights",
	},
	"recklinghausen.yaml": {
		"FR021 authority",
		"FR061 measures",
		"FR085 date",
		"FR083 purposes[0].legal_basis",
		"FR018 purposes[0].legal_basis[0]",
		"FR014 purposes[1].legal_basis[0] (ack)",
		"FR060 datasets[0].subjects",
		"FR060 datasets[1].subjects",
		"FR023 rights",
		"FR023 rights",
		"FR023 rights",
		"FR023 rights",
		"FR023 rights",
		"FR023 rights",
		"FR081 assumptions[0]",
		"FR081 assumptions[1]",
	},
	"stadt-amt.yaml": {
		"FR020 dpo",
		"FR021 authority",
		"FR061 measures",
		"FR085 date",
		"FR025 controller.contact",
		"FR027 controller.holidays",
		"FR087 controller.address",
		"FR083 purposes[0].legal_basis",
		"FR018 purposes[0].legal_basis[0]",
		"FR083 purposes[1].legal_basis",
		"FR018 purposes[1].legal_basis[0]",
		"FR011 purposes[2].legitimate_interest",
		"FR083 purposes[2].legal_basis",
		"FR010 purposes[2].legal_basis[0]",
		"FR060 datasets[0].subjects",
		"FR060 datasets[1].subjects",
		"FR003 datasets[1].rules[0].on",
		"FR082 cookies[0].lifetime",
		"FR041 cookies[0].basis",
		"FR082 cookies[1].lifetime",
		"FR081 assumptions[0]",
		"FR081 assumptions[1]",
		"FR081 assumptions[2]",
		"FR081 assumptions[3]",
		"FR081 assumptions[4]",
		"FR081 assumptions[5]",
		"FR081 assumptions[6]",
		"FR081 assumptions[7]",
		"FR081 assumptions[8]",
		"FR023 rights",
		"FR023 rights",
		"FR023 rights",
		"FR026 rights[1]",
	},
	"versmold.yaml": {
		"FR020 dpo",
		"FR022 authority",
		"FR061 measures",
		"FR085 date",
		"FR019 purposes[0].legal_basis[0]",
		"FR011 purposes[1].legitimate_interest",
		"FR010 purposes[1].legal_basis[0]",
		"FR084 purposes[2].provision",
		"FR083 purposes[2].legal_basis",
		"FR010 purposes[2].legal_basis[0]",
		"FR060 datasets[0].subjects",
		"FR003 datasets[0].rules[0].on",
		"FR060 datasets[1].subjects",
		"FR003 datasets[1].rules[0].on",
		"FR060 datasets[2].subjects",
		"FR003 datasets[2].rules[0].on",
		"FR060 datasets[3].subjects",
		"FR003 datasets[3].rules[0].on",
		"FR081 assumptions[0]",
		"FR081 assumptions[1]",
		"FR081 assumptions[2]",
	},
	"waltrop.yaml": {
		"FR022 authority",
		"FR061 measures",
		"FR085 date",
		"FR025 controller.contact",
		"FR083 purposes[0].legal_basis",
		"FR083 purposes[1].legal_basis",
		"FR084 purposes[2].provision",
		"FR083 purposes[2].legal_basis",
		"FR084 purposes[3].provision",
		"FR083 purposes[3].legal_basis",
		"FR084 purposes[4].provision",
		"FR014 purposes[4].legal_basis[0]",
		"FR051 purposes[4].consent.withdraw",
		"FR060 datasets[0].subjects",
		"FR082 datasets[0].rules",
		"FR060 datasets[1].subjects",
		"FR002 datasets[1].rules",
		"FR060 datasets[2].subjects",
		"FR003 datasets[2].rules[0].on",
		"FR060 datasets[3].subjects",
		"FR001 datasets[3].fields[0]",
		"FR001 datasets[3].fields[1]",
		"FR001 datasets[3].fields[2]",
		"FR060 datasets[4].subjects",
		"FR003 datasets[4].rules[0].on",
		"FR081 assumptions[0]",
		"FR081 assumptions[1]",
		"FR081 assumptions[2]",
		"FR081 assumptions[3]",
		"FR081 assumptions[4]",
		"FR081 assumptions[5]",
		"FR081 assumptions[6]",
		"FR081 assumptions[7]",
		"FR023 rights",
		"FR023 rights",
	},
}

func seedFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "..", "examples", "policies", "*.yaml"))
	require.NoError(t, err)
	require.Len(t, files, len(seedFindings), "one declaration per seed")
	return files
}

func TestCheckSeedDeclarationsFindings(t *testing.T) {
	files := seedFiles(t)
	code, stdout, stderr := runCLI(append([]string{"check", "--format", "json"}, files...)...)
	require.Empty(t, stderr, "every seed declaration must be valid")
	assert.Equal(t, exitFindings, code, "the seed notices have legal defects")

	var got struct {
		Files []struct {
			File     string
			Valid    bool
			Findings []struct {
				ID, Path     string
				Acknowledged *struct{ Reason string }
			}
		}
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &got))
	require.Len(t, got.Files, len(files))
	for _, f := range got.Files {
		name := filepath.Base(f.File)
		t.Run(name, func(t *testing.T) {
			require.True(t, f.Valid)
			var ids []string
			for _, fi := range f.Findings {
				s := fi.ID + " " + fi.Path
				if fi.Acknowledged != nil {
					s += " (ack)"
				}
				ids = append(ids, s)
			}
			assert.Equal(t, seedFindings[name], ids)
		})
	}
}

// TestCheckSeedDeclarationsGolden pins the text output, positions and
// messages included. Run with -update after an intended change.
func TestCheckSeedDeclarationsGolden(t *testing.T) {
	files := seedFiles(t)
	var out, errb bytes.Buffer
	code := run(append([]string{"check"}, files...), &out, &errb)
	assert.Equal(t, exitFindings, code)
	assert.Empty(t, errb.String())
	golden := filepath.Join("testdata", "seeds.golden")
	if *update {
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(golden, out.Bytes(), 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err, "run go test ./cmd/frist -run Golden -update to create it")
	assert.Equal(t, string(want), out.String())
}
