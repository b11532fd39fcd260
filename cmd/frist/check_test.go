package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// runCLI runs the command line and returns exit code, stdout and stderr.
func runCLI(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

// writeFile writes a declaration to a temporary file and returns its path.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
	return p
}

const cleanYAML = `controller:
  name: Stadt Beispiel
  address: Rathausplatz 1, 12345 Beispiel
  contact: {email: info@beispiel.de}
  holidays: DE-NW
  public_authority: true
dpo: {address: "Rathausplatz 1, 12345 Beispiel"}
authority: {name: LDI NRW}
purposes:
  - id: website
    description: {de: Bereitstellung der Webseite}
    legal_basis: [{basis: 6.1.e, national: [§ 3 DSG NRW]}]
datasets:
  - id: access_log
    table: access_log
    key: id
    time: {requested_at: requested_at}
    purposes: [website]
    subjects: {de: Besucherinnen und Besucher der Webseite}
    fields:
      ip: {category: online_identifier, provided: false}
    rules:
      - {after: 7d, from: requested_at, delete: true}
measures: {de: siehe IT-Sicherheitskonzept}
date: 2026-01-15
`

// errorYAML is cleanYAML with storage that never ends (FR001 is not
// possible with rules present, so the rules go: FR002).
var errorYAML = strings.Replace(cleanYAML, "    rules:\n      - {after: 7d, from: requested_at, delete: true}\n", "    rules: []\n", 1)

// warningYAML only draws a warning: IP addresses kept 30 days.
var warningYAML = strings.Replace(cleanYAML, "after: 7d", "after: 30d", 1)

// acknowledgedYAML acknowledges the error of errorYAML.
var acknowledgedYAML = errorYAML + `acknowledged:
  - {finding: FR002, reason: "Logs are rotated by the web server", by: DPO}
`

const invalidYAML = `controller:
  name: Stadt Beispiel
  address: Rathausplatz 1
purposes:
  - id: website
    legal_basis: [6.1.e]
datasets:
  - id: access_log
    table: access_log
    key: id
    time: {requested_at: requested_at}
    purposes: [website]
    fields:
      ip: {category: online_identifier}
    rules:
      - {after: 14 days, from: requested_at, delete: true}
`

func TestCheckExitCodes(t *testing.T) {
	clean := writeFile(t, "clean.yaml", cleanYAML)
	withError := writeFile(t, "error.yaml", errorYAML)
	warning := writeFile(t, "warning.yaml", warningYAML)
	acked := writeFile(t, "acked.yaml", acknowledgedYAML)
	invalid := writeFile(t, "invalid.yaml", invalidYAML)
	missing := filepath.Join(t.TempDir(), "missing.yaml")

	tests := []struct {
		name       string
		args       []string
		want       int
		wantStdout []string
		wantStderr []string
	}{
		{"a clean declaration exits 0", []string{"check", clean}, exitOK,
			[]string{"checked 1 file: 0 errors, 0 warnings, 0 infos, 0 acknowledged findings\n"}, nil},
		{"a warning alone exits 0", []string{"check", warning}, exitOK,
			[]string{"warning.yaml:21:7: FR005 warning: IP address field ip", "  hint: anonymize it after at most 7d"}, nil},
		{"an unacknowledged error exits 1", []string{"check", withError}, exitFindings,
			[]string{"error.yaml:22:12: FR002 error: dataset access_log holds personal data but declares no retention rule", "(Art. 5(1)(e) DSGVO)", "1 error"}, nil},
		{"an acknowledged error exits 0 and shows the reason", []string{"check", acked}, exitOK,
			[]string{"FR002 error:", "  acknowledged (DPO): Logs are rotated by the web server", "1 acknowledged finding"}, nil},
		{"an invalid declaration exits 2 with positioned errors", []string{"check", invalid}, exitInvalid,
			[]string{"1 file not valid"},
			[]string{"invalid.yaml:16:17: datasets[0].rules[0].after: \"14 days\" is not a duration (use 14d)", "is not a valid declaration", "fix them and run again"}},
		{"an unreadable file exits 2 and says to check the path", []string{"check", missing}, exitInvalid,
			nil, []string{"cannot read " + missing, "check the path"}},
		{"invalid input wins over findings", []string{"check", withError, invalid}, exitInvalid,
			[]string{"FR002 error"}, []string{"invalid.yaml is not a valid declaration"}},
		{"flags may follow the files", []string{"check", clean, "--format", "text"}, exitOK,
			[]string{"checked 1 file"}, nil},
		{"no file is a usage error", []string{"check"}, exitInvalid,
			nil, []string{"no declaration given", "frist check examples/policies/*.yaml"}},
		{"an unknown flag is a usage error", []string{"check", "--strict", clean}, exitInvalid,
			nil, []string{"flag provided but not defined: -strict", "frist check --help"}},
		{"an unknown format is a usage error", []string{"check", "--format", "xml", clean}, exitInvalid,
			nil, []string{`--format "xml" is not supported; use --format text or --format json`}},
		{"a flag without value is a usage error", []string{"check", clean, "--format"}, exitInvalid,
			nil, []string{"flag needs an argument: -format"}},
		{"check --help exits 0 with an example", []string{"check", "--help"}, exitOK,
			[]string{"Usage: frist check", "-format string", "frist check examples/policies/*.yaml", "Exit status"}, nil},
		{"an unknown command exits 2", []string{"chek", clean}, exitInvalid,
			nil, []string{`unknown command "chek"`, "frist --help"}},
		{"no command exits 2 with the usage", nil, exitInvalid,
			nil, []string{"Commands:", "check"}},
		{"--help lists the commands", []string{"--help"}, exitOK,
			[]string{"Commands:", "check", "validate and lint"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(tt.args...)
			assert.Equal(t, tt.want, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
			for _, s := range tt.wantStdout {
				assert.Contains(t, stdout, s)
			}
			for _, s := range tt.wantStderr {
				assert.Contains(t, stderr, s)
			}
			if tt.wantStderr == nil {
				assert.Empty(t, stderr)
			}
		})
	}
}

func TestCheckUnreadableDirectory(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("directories read differently")
	}
	code, _, stderr := runCLI("check", t.TempDir())
	assert.Equal(t, exitInvalid, code)
	assert.Contains(t, stderr, "frist check:")
}

func TestCheckJSON(t *testing.T) {
	withError := writeFile(t, "error.yaml", errorYAML)
	invalid := writeFile(t, "invalid.yaml", invalidYAML)
	code, stdout, stderr := runCLI("check", "--format", "json", withError, invalid)
	assert.Equal(t, exitInvalid, code)
	assert.Contains(t, stderr, "invalid.yaml is not a valid declaration")

	var got struct {
		Files []struct {
			File   string `json:"file"`
			Valid  bool   `json:"valid"`
			Errors []struct {
				File, Path, Reason string
				Line, Column       int
			}
			Findings []struct {
				ID, Severity, Article, Path, Message, Hint string
				Position                                   struct {
					File         string
					Line, Column int
				}
			}
		}
		Summary map[string]int
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &got), stdout)
	require.Len(t, got.Files, 2)

	assert.True(t, got.Files[0].Valid)
	require.Len(t, got.Files[0].Findings, 1)
	f := got.Files[0].Findings[0]
	assert.Equal(t, "FR002", f.ID)
	assert.Equal(t, "error", f.Severity)
	assert.Equal(t, "datasets[0].rules", f.Path)
	assert.Equal(t, 22, f.Position.Line)
	assert.NotEmpty(t, f.Hint)

	assert.False(t, got.Files[1].Valid)
	require.NotEmpty(t, got.Files[1].Errors)
	var paths []string
	for _, e := range got.Files[1].Errors {
		assert.Equal(t, 16, e.Line)
		paths = append(paths, e.Path)
	}
	assert.Contains(t, paths, "datasets[0].rules[0].after")

	assert.Equal(t, map[string]int{"files": 2, "invalid": 1, "errors": 1, "warnings": 0, "infos": 0, "acknowledged": 0, "exit": 2}, got.Summary)
}

func TestCheckJSONCleanHasEmptyFindingsList(t *testing.T) {
	clean := writeFile(t, "clean.yaml", cleanYAML)
	code, stdout, _ := runCLI("check", "--format=json", clean)
	assert.Equal(t, exitOK, code)
	assert.Contains(t, stdout, `"findings": []`)
}

// TestCheckFailsOnALeadThatActsBeforeThePeriodBegins pins that the lead
// which once passed frist check, 9000 hours on a 7-day rule, is an error
// (FR009) with its line, and that an ordinary lead is not.
func TestCheckFailsOnALeadThatActsBeforeThePeriodBegins(t *testing.T) {
	src := strings.Replace(cleanYAML, "delete: true}", "delete: true, lead: 9000h}", 1)
	bad := writeFile(t, "lead.yaml", src)
	line := 1 + strings.Count(src[:strings.Index(src, "lead: 9000h")], "\n")
	code, out, _ := runCLI("check", bad)
	assert.Equal(t, 1, code, out)
	assert.Contains(t, out, fmt.Sprintf("lead.yaml:%d:", line))
	assert.Contains(t, out, ": FR009 error: ")
	assert.Contains(t, out, "may act 9000h0m0s before its deadline of 7d after requested_at, before the time the period counts from (requested_at) has even come")

	ok := writeFile(t, "lead.yaml", strings.Replace(cleanYAML, "delete: true}", "delete: true, lead: 1h}", 1))
	code, out, _ = runCLI("check", ok)
	assert.Equal(t, 0, code, out)
	assert.NotContains(t, out, "FR009")
}
