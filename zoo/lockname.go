package zoo

import "errors"

// LockFile is the sweep folder's lock: two sweeps writing one folder would
// both run every job and append duplicate lines.
const LockFile = ".invrep.lock"

// ErrLocked is returned (wrapped) when another process holds the lock.
var ErrLocked = errors.New("the sweep folder is in use")
