//go:build unix

package logstore

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// idOf returns the identity of a file version: size, modification time
// and inode.
func idOf(fi os.FileInfo) fileID {
	id := fileID{Size: fi.Size(), ModNs: fi.ModTime().UnixNano()}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		id.Ino = uint64(st.Ino)
	}
	return id
}

// lockDir takes an exclusive, non-blocking lock on dir/.frist-lock, so
// that one process at a time works on a state directory. The kernel
// releases it when the process dies.
func lockDir(dir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, hiddenPrefix+"lock"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	for err == syscall.EINTR { // a signal (the runtime's preemption) is no other process
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	}
	switch {
	case err == nil:
		return f, nil
	case errors.Is(err, syscall.EWOULDBLOCK):
		_ = f.Close()
		return nil, fmt.Errorf("%w: another process works on %s", ErrLocked, dir)
	}
	_ = f.Close()
	return nil, fmt.Errorf("locking %s: %w", dir, err)
}

// unlockDir releases the lock lockDir took and closes f. It unlocks
// first: the lock belongs to the open file, which a child process forked
// at that moment shares until its exec closes the descriptors it
// inherited, so closing f alone could leave the directory locked for a
// while after Close, and a New in that while would find it in use.
func unlockDir(f *os.File) error {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	for err == syscall.EINTR {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
