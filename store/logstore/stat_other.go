//go:build !unix

package logstore

import (
	"os"
	"path/filepath"
)

// idOf returns the identity of a file version: size and modification time
// (no inode outside Unix).
func idOf(fi os.FileInfo) fileID {
	return fileID{Size: fi.Size(), ModNs: fi.ModTime().UnixNano()}
}

// lockDir opens the lock file; outside Unix it does not lock.
func lockDir(dir string) (*os.File, error) {
	return os.OpenFile(filepath.Join(dir, hiddenPrefix+"lock"), os.O_RDWR|os.O_CREATE, 0o600)
}

// unlockDir closes the lock file.
func unlockDir(f *os.File) error { return f.Close() }
