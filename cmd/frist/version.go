package main

import (
	"fmt"
	"io"
	"runtime/debug"
)

const versionUsage = `Usage: frist version

Prints the version of the frist module this binary was built from, the Go
version and the version-control state it was built at (revision, commit
time, uncommitted changes), as the Go toolchain recorded them in the
binary. An auditor compares them with the release the operator names.

Exit status: 0 when the version was written, 2 when the command line is
wrong.

Flags: none besides --help.
%s
Examples:
  frist version
`

func runVersion(args []string, stdout, stderr io.Writer) int {
	c := newCLI("version", versionUsage, stdout, stderr)
	rest, code, done := c.parse(args)
	if done {
		return code
	}
	if len(rest) > 0 {
		return c.fail("version takes no arguments, got %q", rest[0])
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		fmt.Fprintln(stdout, "frist: no build information in this binary (not built with module support)")
		return exitOK
	}
	fmt.Fprint(stdout, describeBuild(info))
	return exitOK
}

// describeBuild renders the module version and VCS state of info.
func describeBuild(info *debug.BuildInfo) string {
	version := info.Main.Version
	switch version {
	case "":
		version = "unknown"
	case "(devel)":
		version = "(devel): built from a working copy, not from a released module version"
	}
	s := fmt.Sprintf("frist %s\nmodule: %s\ngo: %s\n", version, info.Main.Path, info.GoVersion)
	settings := map[string]string{}
	for _, kv := range info.Settings {
		settings[kv.Key] = kv.Value
	}
	if rev := settings["vcs.revision"]; rev != "" {
		s += fmt.Sprintf("vcs: %s %s", settings["vcs"], rev)
		if t := settings["vcs.time"]; t != "" {
			s += " at " + t
		}
		if settings["vcs.modified"] == "true" {
			s += ", with uncommitted changes"
		}
		s += "\n"
	} else {
		s += "vcs: not recorded (built with -buildvcs=false, or outside a repository)\n"
	}
	return s
}
