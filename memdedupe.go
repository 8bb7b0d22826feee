package bankhub

import (
	"container/list"
	"context"
	"sync"
	"time"
)

// MemoryDedupe is an in-process DedupeStore, bounded in size and age: done
// keys are kept for the retention window, at most maxKeys of them, the
// oldest forgotten first. A key that is held or done is always looked up
// before anything is evicted, so a duplicate is recognised even at capacity.
// It serves one process; several replicas need a shared store (the
// redisstore module).
type MemoryDedupe struct {
	mu        sync.Mutex
	maxKeys   int
	retention time.Duration
	now       func() time.Time
	entries   map[string]*memEntry
	done      *list.List // of *memEntry, oldest completion first
}

type memEntry struct {
	key   string
	owner string        // holder while in progress
	until time.Time     // lease end, or retention end once done
	done  *list.Element // nil while in progress
}

// NewMemoryDedupe returns a MemoryDedupe remembering up to maxKeys done keys
// for retention each. maxKeys <= 0 means 100,000 (size it to a day's
// notifications); retention <= 0 means DefaultDedupeRetention.
func NewMemoryDedupe(maxKeys int, retention time.Duration) *MemoryDedupe {
	if maxKeys <= 0 {
		maxKeys = 100_000
	}
	if retention <= 0 {
		retention = DefaultDedupeRetention
	}
	return &MemoryDedupe{maxKeys: maxKeys, retention: retention, now: time.Now,
		entries: map[string]*memEntry{}, done: list.New()}
}

func (*MemoryDedupe) local() {}

// Claim implements DedupeStore.
func (m *MemoryDedupe) Claim(_ context.Context, key, owner string, lease time.Duration) (DedupeState, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	if e := m.entries[key]; e != nil {
		switch {
		case e.done != nil && now.Before(e.until):
			return DedupeDone, nil
		case e.done != nil: // retention over: forget it
			m.remove(e)
		case now.Before(e.until) && e.owner != owner:
			return DedupeInProgress, nil
		default: // lease lapsed (or a repeated claim of the holder)
			e.owner, e.until = owner, now.Add(lease)
			return DedupeAcquired, nil
		}
	}
	m.evict(now)
	m.entries[key] = &memEntry{key: key, owner: owner, until: now.Add(lease)}
	return DedupeAcquired, nil
}

// Renew implements DedupeStore.
func (m *MemoryDedupe) Renew(_ context.Context, key, owner string, lease time.Duration) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e := m.entries[key]
	if e == nil || e.done != nil || e.owner != owner {
		return false, nil
	}
	e.until = m.now().Add(lease)
	return true, nil
}

// Complete implements DedupeStore.
func (m *MemoryDedupe) Complete(_ context.Context, key, _ string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	e := m.entries[key]
	if e == nil {
		m.evict(now)
		e = &memEntry{key: key}
		m.entries[key] = e
	}
	if e.done != nil {
		m.done.MoveToBack(e.done)
	} else {
		e.done = m.done.PushBack(e)
	}
	e.owner, e.until = "", now.Add(m.retention)
	return nil
}

// Release implements DedupeStore.
func (m *MemoryDedupe) Release(_ context.Context, key, owner string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e := m.entries[key]; e != nil && e.done == nil && e.owner == owner {
		delete(m.entries, key)
	}
	return nil
}

// State returns the state of key: DedupeDone, DedupeInProgress, or 0 when it
// is free.
func (m *MemoryDedupe) State(key string) DedupeState {
	m.mu.Lock()
	defer m.mu.Unlock()
	e := m.entries[key]
	switch {
	case e == nil || !m.now().Before(e.until):
		return 0
	case e.done != nil:
		return DedupeDone
	}
	return DedupeInProgress
}

// Len returns the number of keys held (done or in progress).
func (m *MemoryDedupe) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.entries)
}

// evict makes room for one key: expired done keys go first, then the
// oldest done keys while the store is full. Call with m.mu held.
func (m *MemoryDedupe) evict(now time.Time) {
	for f := m.done.Front(); f != nil; f = m.done.Front() {
		e := f.Value.(*memEntry)
		if now.Before(e.until) && len(m.entries) < m.maxKeys {
			return
		}
		m.remove(e)
	}
}

func (m *MemoryDedupe) remove(e *memEntry) {
	if e.done != nil {
		m.done.Remove(e.done)
	}
	delete(m.entries, e.key)
}
