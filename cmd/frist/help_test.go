package main

import (
	"bytes"
	"regexp"
	"runtime/debug"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// allCommands lists every command line that has a help of its own: each
// command, and each subcommand of audit and dsar.
func allCommands() [][]string {
	var out [][]string
	for _, c := range commands() {
		out = append(out, []string{c.name})
	}
	out = append(out, []string{"audit", "verify"}, []string{"audit", "anchor"}, []string{"audit", "keys"}, []string{"keys", "new"})
	subs := make([]string, 0)
	for name := range dsarCommands() {
		subs = append(subs, name)
	}
	slices.Sort(subs)
	for _, s := range subs {
		out = append(out, []string{"dsar", s})
	}
	return out
}

var (
	flagLine  = regexp.MustCompile(`^  -(\S+)(.*)$`)
	flagToken = regexp.MustCompile(`(?:^|[\s\[(])--?([a-z][a-z-]+)\b`)
)

// helpFlags parses the flag list of a help text (flag.PrintDefaults) into
// flag -> description, "" when the flag has none.
func helpFlags(text string) map[string]string {
	out := map[string]string{}
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		m := flagLine.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		desc := ""
		if j := strings.Index(m[2], "\t"); j >= 0 {
			desc = strings.TrimSpace(m[2][j:])
		} else if i+1 < len(lines) && strings.HasPrefix(lines[i+1], "    \t") {
			desc = strings.TrimSpace(lines[i+1])
		}
		out[m[1]] = desc
	}
	return out
}

// Every command's --help (and frist help COMMAND) succeeds, lists every
// flag its usage line names, and gives each flag listed a description.
// Broken by the old audit help, which listed only -db without a
// description and neither --head nor --format, and by a schema help with
// an empty "Flags:".
func TestEveryCommandsHelpListsEveryFlagWithADescription(t *testing.T) {
	for _, cmd := range allCommands() {
		name := strings.Join(cmd, " ")
		t.Run(name, func(t *testing.T) {
			code, out, errs := runCLI(append(slices.Clone(cmd), "--help")...)
			require.Equal(t, exitOK, code, errs)
			require.Contains(t, out, "Usage: frist "+cmd[0])
			assert.NotRegexp(t, `Flags:\n\s*\n`, out, "an empty flag list")
			code, viaHelp, errs := runCLI(append([]string{"help"}, cmd...)...)
			require.Equal(t, exitOK, code, errs)
			assert.Equal(t, out, viaHelp, "frist help %s is frist %s --help", name, name)
			flags := helpFlags(out)
			for f, desc := range flags {
				assert.NotEmpty(t, desc, "flag -%s has no description", f)
			}
			// The first usage line names the command's own flags; each
			// must be listed. A command of subcommands ("frist dsar
			// <subcommand>") leaves its flags to their help.
			usage, _, _ := strings.Cut(out, "\n")
			if strings.Contains(usage, "<subcommand>") {
				return
			}
			for _, m := range flagToken.FindAllStringSubmatch(usage, -1) {
				if m[1] != "help" {
					assert.Contains(t, flags, m[1], "the usage names --%s but the flag list lacks it", m[1])
				}
			}
		})
	}
	code, _, errs := runCLI("help", "nosuch")
	assert.Equal(t, exitInvalid, code)
	assert.Contains(t, errs, `unknown command "nosuch"`)
}

// frist version prints the module, its version and the Go version from
// the binary's build information, and says when no VCS state was
// recorded instead of printing nothing.
func TestVersionPrintsTheBuildInformation(t *testing.T) {
	code, out, errs := runCLI("version")
	require.Equal(t, exitOK, code, errs)
	info, ok := debug.ReadBuildInfo()
	require.True(t, ok)
	assert.Contains(t, out, "go: "+info.GoVersion)
	assert.Contains(t, out, "vcs: ")

	s := describeBuild(&debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/frist-go/frist", Version: "v1.4.0"},
		Settings: []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: "3ca6685abc"}, {Key: "vcs.time", Value: "2026-12-03T07:00:00Z"}, {Key: "vcs.modified", Value: "true"}}})
	assert.Equal(t, "frist v1.4.0\nmodule: github.com/frist-go/frist\ngo: go1.26.8\nvcs: git 3ca6685abc at 2026-12-03T07:00:00Z, with uncommitted changes\n", s)
	var b bytes.Buffer
	b.WriteString(describeBuild(&debug.BuildInfo{Main: debug.Module{Path: "github.com/frist-go/frist", Version: "(devel)"}}))
	assert.Contains(t, b.String(), "vcs: not recorded")
}

// Counts are written in the singular for one ("1 record erased", "1
// entry"), which the old texts got wrong ("1 records erased").
func TestPluralAgreesWithTheCount(t *testing.T) {
	for _, tt := range []struct {
		n    int
		word string
		want string
	}{
		{0, "record", "0 records"}, {1, "record", "1 record"}, {2, "record", "2 records"},
		{1, "entry", "1 entry"}, {3, "entry", "3 entries"}, {4, "query", "4 queries"}, {2, "day", "2 days"},
	} {
		assert.Equal(t, tt.want, plural(tt.n, tt.word))
	}
}
