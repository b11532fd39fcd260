//go:build unix

package logstore_test

import (
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/store/logstore"
)

// A child process forked while a Store is open holds a copy of the lock
// file's descriptor until its exec closes it; the lock belongs to the
// file both copies share. Close must release the lock itself, not leave
// it to the last copy's close, or a New right after Close finds the
// directory in use while any goroutine of the process starts a command.
// The copy here is a dup, which shares the open file as a fork does.
// Closing the lock file without unlocking it (Close as it was) fails this
// test with ErrLocked, as the parallel tests that start processes once
// made TestAFailedCommitNeverBreaksTheChain fail at random.
func TestCloseReleasesTheLockThatAForkedChildShares(t *testing.T) {
	decl := accessLogDecl(t, t.TempDir(), "", policy.Rule{After: policy.MustParsePeriod("7d"), From: "requested_at", Delete: true})
	st, err := logstore.New(decl, nil)
	require.NoError(t, err)
	child, err := syscall.Dup(int(logstore.LockFile(st).Fd()))
	require.NoError(t, err)
	defer syscall.Close(child)
	require.NoError(t, st.Close())
	st, err = logstore.New(decl, nil)
	require.NoError(t, err, "the lock must be released by Close, whoever else holds the lock file open")
	require.NoError(t, st.Close())
}
