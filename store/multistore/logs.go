package multistore

import (
	"fmt"

	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/store"
	"github.com/frist-go/frist/store/logstore"
)

// WithLogs returns a driver that serves every dataset of decl: the
// datasets bound to files (policy.Dataset.Files) through one
// logstore.Store opened with opts, and every other dataset, the holds,
// the audit log and the leases through home. When decl binds no dataset
// to files it returns home itself. A directory that cannot be read is an
// error naming the dataset and the directory; home is not closed on
// error.
//
// This is how a service enforces a declaration such as
// examples/policies/stadt-amt.yaml, whose contact form is a table and
// whose web-server log is files ("Nach 7 Tagen werden die Protokolle des
// Webservers gelöscht."), through one retention engine.
func WithLogs(decl *policy.Declaration, home Home, opts *logstore.Options) (Home, error) {
	if decl == nil || !decl.Validated() {
		return nil, fmt.Errorf("multistore: WithLogs: the declaration is nil or not validated")
	}
	var files []string
	for i := range decl.Datasets {
		if decl.Datasets[i].Files != nil {
			files = append(files, decl.Datasets[i].ID)
		}
	}
	if len(files) == 0 {
		return home, nil
	}
	logs, err := logstore.New(decl, opts)
	if err != nil {
		return nil, err
	}
	routes := make(map[string]store.Driver, len(files))
	for _, id := range files {
		routes[id] = logs
	}
	s, err := New(routes, home)
	if err != nil {
		_ = logs.Close()
		return nil, err
	}
	return s, nil
}
