//go:build !unix

package main

import "os"

// openNoFollow opens path for reading. (Windows: the cache directory is
// under the user's profile, which other users cannot write.)
func openNoFollow(path string) (*os.File, error) { return os.Open(path) }

// ownedByMe: the owner is not checked where there are no Unix owners.
func ownedByMe(os.FileInfo) bool { return true }
