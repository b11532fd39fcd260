package policy

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

func TestValidateChecksTheLiveFileAndTheMalformedLinePolicy(t *testing.T) {
	cases := []struct {
		name       string
		live, bad  string
		path, want string
	}{
		{"malformed policy unknown", "", "keep", "datasets[2].files.malformed", `"keep" is not a malformed-line policy (one of mask, drop)`},
		{"live file with a directory", "../access.log", "", "datasets[2].files.live", "is not a file name in files.dir"},
		{"live file with a wildcard", "access.log*", "", "datasets[2].files.live", "is not a file name in files.dir"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := full()
			d.Datasets[2].Files.Live, d.Datasets[2].Files.Malformed = c.live, c.bad
			requireProblem(t, d.Validate(), c.path, c.want)
		})
	}
	for _, ok := range []struct{ live, bad string }{{"", ""}, {"access.log", MalformedMask}, {"current.log", MalformedDrop}} {
		d := full()
		d.Datasets[2].Files.Live, d.Datasets[2].Files.Malformed = ok.live, ok.bad
		assert.NoError(t, d.Validate(), "live %q, malformed %q", ok.live, ok.bad)
	}
}

func TestLoadReadsTheLiveFileAndTheMalformedLinePolicy(t *testing.T) {
	var root yaml.Node
	require.NoError(t, yaml.Unmarshal([]byte(`
datasets:
  - id: access_log
    files: {dir: /var/log/nginx, pattern: "access.log*", format: combined, live: access.log, malformed: drop}
`), &root))
	l := &loader{file: "x.yaml", t: fromYAML(root.Content[0])}
	var got Declaration
	l.declaration(&l.t.root, &got)
	require.Empty(t, l.errs)
	require.Len(t, got.Datasets, 1)
	assert.Equal(t, &FileBinding{Dir: "/var/log/nginx", Pattern: "access.log*", Format: "combined", Live: "access.log", Malformed: MalformedDrop}, got.Datasets[0].Files)
}
