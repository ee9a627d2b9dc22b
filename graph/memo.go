package graph

import "sync"

// Memo carries what a kernel's forward pass computed over to its backward
// pass on the same input (MaxPool's argmax, LRN's scale), so the backward
// need not recompute it. It is keyed by the input's backing array: the
// backward pass of a run always follows that run's forward pass on the
// same value, and a forward pass always refreshes the memo.
type Memo struct {
	mu  sync.Mutex
	key *float32
	n   int
	val any
}

// Put stores v for input t.
func (m *Memo) Put(t *Tensor, v any) {
	if m == nil || len(t.Data) == 0 {
		return
	}
	m.mu.Lock()
	m.key, m.n, m.val = &t.Data[0], len(t.Data), v
	m.mu.Unlock()
}

// Get returns what Put stored for input t, if it is still t.
func (m *Memo) Get(t *Tensor) (any, bool) {
	if m == nil || len(t.Data) == 0 {
		return nil, false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.key == &t.Data[0] && m.n == len(t.Data) {
		return m.val, true
	}
	return nil, false
}

// Last returns the value last stored, whatever its input: a kernel reuses
// its buffers from run to run.
func (m *Memo) Last() any {
	if m == nil {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.val
}
