package main

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/notice"
	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/schema"
)

func TestNoticeAndRopaWriteWhatPackageNoticeRenders(t *testing.T) {
	clean := writeFile(t, "clean.yaml", cleanYAML)
	d, err := policy.LoadFile(clean)
	require.NoError(t, err)
	render := func(f func(*bytes.Buffer) error) string {
		var b bytes.Buffer
		require.NoError(t, f(&b))
		return b.String()
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"notice defaults to German Markdown", []string{"notice", clean},
			render(func(b *bytes.Buffer) error { return notice.Markdown(b, d, notice.German) })},
		{"notice as English HTML", []string{"notice", clean, "--lang", "en", "--format", "html"},
			render(func(b *bytes.Buffer) error { return notice.HTML(b, d, notice.English) })},
		{"flags before the file", []string{"notice", "--format", "html", clean},
			render(func(b *bytes.Buffer) error { return notice.HTML(b, d, notice.German) })},
		{"ropa defaults to German Markdown", []string{"ropa", clean},
			render(func(b *bytes.Buffer) error { return notice.RecordMarkdown(b, d, notice.German) })},
		{"ropa as English CSV", []string{"ropa", clean, "--lang", "en", "--format", "csv"},
			render(func(b *bytes.Buffer) error { return notice.RecordCSV(b, d, notice.English) })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := runCLI(tt.args...)
			require.Equal(t, exitOK, code, errs)
			assert.Empty(t, errs)
			assert.Equal(t, tt.want, out)
		})
	}
}

// TestNoticeAndRopaRefuseErrorLevelFindings: the example of the Jobcenter
// has error-level findings (Art. 6(1)(f) for an authority, among others),
// so neither command publishes it; --draft renders it under the banner
// with the findings. Broken by removing the gate call from render: exit 0.
func TestNoticeAndRopaRefuseErrorLevelFindings(t *testing.T) {
	for _, cmd := range []string{"notice", "ropa"} {
		code, out, errs := runCLI(cmd, jobcenterFile)
		assert.Equal(t, exitFindings, code, cmd)
		assert.Empty(t, out, "%s writes nothing it may not publish", cmd)
		assert.Contains(t, errs, "FR010 error")
		assert.Contains(t, errs, "--draft")

		code, out, errs = runCLI(cmd, jobcenterFile, "--draft")
		require.Equal(t, exitOK, code, errs)
		assert.Contains(t, out, "Entwurf — nicht veröffentlichen")
		assert.Contains(t, out, "FR010 (error)")
		assert.Contains(t, errs, "writing a draft that must not be published")
	}
	code, out, _ := runCLI("notice", jobcenterFile, "--draft", "--format", "html", "--lang", "en")
	require.Equal(t, exitOK, code)
	assert.Contains(t, out, "Draft — do not publish")
}

func TestRopaJSONHasOneActivityPerPurpose(t *testing.T) {
	code, out, errs := runCLI("ropa", jobcenterFile, "--format", "json", "--draft")
	require.Equal(t, exitOK, code, errs)
	var draft struct {
		Draft      bool
		Findings   []struct{ ID string }
		Activities []map[string]string
	}
	require.NoError(t, jsonUnmarshal(out, &draft))
	assert.True(t, draft.Draft)
	assert.NotEmpty(t, draft.Findings)
	acts := draft.Activities
	require.Len(t, acts, 3) // website, booking, cookies
	assert.Contains(t, acts[1]["purpose"], "Buchung")
	assert.Contains(t, acts[1]["erasure"], "Termin")
	assert.NotEmpty(t, acts[1]["controller"])
}

func TestRenderCommandsRefuseBadInputWithExit2(t *testing.T) {
	dir := t.TempDir()
	invalid := filepath.Join(dir, "invalid.yaml")
	require.NoError(t, os.WriteFile(invalid, []byte("controller: {name: X}\npurposes: []\n"), 0o600))
	unreadable := filepath.Join(dir, "secret.yaml")
	require.NoError(t, os.WriteFile(unreadable, []byte(cleanYAML), 0o000))
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"unknown language", []string{"notice", jobcenterFile, "--lang", "fr"}, `--lang "fr" is not supported; use --lang de or --lang en`},
		{"notice in CSV", []string{"notice", jobcenterFile, "--format", "csv"}, `use --format md or --format html`},
		{"ropa in HTML", []string{"ropa", jobcenterFile, "--format", "html"}, `use --format md or --format csv or --format json`},
		{"unknown flag", []string{"notice", jobcenterFile, "--colour"}, "flag provided but not defined: -colour"},
		{"no file", []string{"notice"}, "no declaration given"},
		{"two files", []string{"ropa", jobcenterFile, jobcenterFile}, "one declaration expected, got 2"},
		{"missing file", []string{"notice", filepath.Join(dir, "nope.yaml")}, "cannot read"},
		{"invalid declaration", []string{"ropa", invalid}, "is not a valid declaration"},
		{"schema with an argument", []string{"schema", "x"}, "schema takes no arguments"},
	}
	if os.Getuid() != 0 { // root reads files whatever their mode
		tests = append(tests, struct {
			name    string
			args    []string
			wantErr string
		}{"unreadable file", []string{"notice", unreadable}, "permission denied"})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := runCLI(tt.args...)
			assert.Equal(t, exitInvalid, code)
			assert.Empty(t, out, "nothing on stdout when the command fails")
			assert.Contains(t, errs, tt.wantErr)
		})
	}
}

func TestEveryCommandsHelpShowsAnExample(t *testing.T) {
	for _, c := range commands() {
		t.Run(c.name, func(t *testing.T) {
			args := []string{c.name, "--help"}
			if c.name == "audit" {
				args = []string{"audit", "verify", "--help"}
			}
			code, out, errs := runCLI(args...)
			require.Equal(t, exitOK, code, errs)
			assert.Contains(t, out, "Usage: frist "+c.name)
			assert.Contains(t, out, "Examples:\n  frist "+c.name)
			assert.Contains(t, out, "Exit status")
		})
	}
	code, out, _ := runCLI("help")
	require.Equal(t, exitOK, code)
	assert.Contains(t, out, "Exit status:\n  0  success")
	for _, c := range commands() {
		assert.Contains(t, out, "  "+c.name+" ")
	}
}

func TestSchemaPrintsTheCheckedInSchema(t *testing.T) {
	code, out, errs := runCLI("schema")
	require.Equal(t, exitOK, code, errs)
	assert.Equal(t, string(schema.JSON()), out)
}

// TestNoticeAndRopaEachStopOnlyOnTheirOwnFindings: missing measures
// (FR061) stop the record, not the notice; a withdrawal link without its
// URL (FR080) stops the notice, not the record. A CSV and a JSON draft are
// marked. Broken by gating both on every blocking finding (tried): the
// notice without measures and the record with the bare link are refused.
func TestNoticeAndRopaEachStopOnlyOnTheirOwnFindings(t *testing.T) {
	noMeasures := writeFile(t, "measures.yaml", strings.Replace(cleanYAML, "measures: {de: siehe IT-Sicherheitskonzept}\n", "", 1))
	code, out, errs := runCLI("notice", noMeasures)
	assert.Equal(t, exitOK, code, errs)
	assert.NotEmpty(t, out)
	code, out, errs = runCLI("ropa", noMeasures)
	assert.Equal(t, exitFindings, code)
	assert.Empty(t, out)
	assert.Contains(t, errs, "FR061 error")

	code, out, errs = runCLI("ropa", noMeasures, "--draft", "--format", "csv")
	require.Equal(t, exitOK, code, errs)
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	require.NoError(t, err, "a draft CSV keeps one column count")
	assert.Equal(t, "Entwurf — nicht veröffentlichen. Die Erklärung hat folgende Befunde:", rows[0][0])
	assert.True(t, strings.HasPrefix(rows[1][0], "FR061 (error) measures"), rows[1][0])
	assert.Equal(t, "Verarbeitungstätigkeit", rows[2][0])

	bareLink := writeFile(t, "link.yaml", strings.Replace(cleanYAML, "    legal_basis: [{basis: 6.1.e, national: [§ 3 DSG NRW]}]\n",
		"    legal_basis: [{basis: 6.1.e, national: [§ 3 DSG NRW]}]\n    objection: {channels: [{kind: link}]}\n", 1))
	code, _, errs = runCLI("notice", bareLink)
	assert.Equal(t, exitFindings, code)
	assert.Contains(t, errs, "FR080 error")
	code, out, errs = runCLI("ropa", bareLink, "--format", "json")
	require.Equal(t, exitOK, code, errs)
	var acts []map[string]string
	require.NoError(t, jsonUnmarshal(out, &acts), "a record that is no draft is the array of activities")
	require.Len(t, acts, 1)
	assert.Equal(t, "website", acts[0]["id"])
	assert.Equal(t, "siehe IT-Sicherheitskonzept", acts[0]["measures"])
}
