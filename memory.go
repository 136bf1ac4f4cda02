package postpurchase

import (
	"context"
	"encoding/json"
	"slices"
	"sync"
)

// MemoryNotifier is the default Notifier: it keeps the messages it is
// sent, once per Message.ID (a message sent again after a crash is
// recorded once, as an ESP de-duplicating on the ID would). It is safe for
// concurrent use.
type MemoryNotifier struct {
	mu   sync.Mutex
	seen map[string]bool
	msgs []Message
	sent int
}

// Send records m unless a message with its ID was recorded before.
func (n *MemoryNotifier) Send(ctx context.Context, m Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	n.sent++
	if n.seen == nil {
		n.seen = map[string]bool{}
	}
	if n.seen[m.ID] {
		return nil
	}
	n.seen[m.ID] = true
	n.msgs = append(n.msgs, m)
	return nil
}

// Messages returns the distinct messages recorded, in the order first
// sent.
func (n *MemoryNotifier) Messages() []Message {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Clone(n.msgs)
}

// Sends returns how many Send calls there were, repeats included.
func (n *MemoryNotifier) Sends() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.sent
}

// MemoryTasks is the default TaskHandler: it keeps the tasks it is given,
// once per Task.ID, for the host to list. It is safe for concurrent use.
type MemoryTasks struct {
	mu    sync.Mutex
	seen  map[string]bool
	tasks []Task
}

// Handle records t unless a task with its ID was recorded before.
func (m *MemoryTasks) Handle(ctx context.Context, t Task) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.seen == nil {
		m.seen = map[string]bool{}
	}
	if !m.seen[t.ID] {
		m.seen[t.ID] = true
		m.tasks = append(m.tasks, t)
	}
	return nil
}

// Tasks returns the distinct tasks recorded, in the order first handled.
func (m *MemoryTasks) Tasks() []Task {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.tasks)
}

// CustomerMap is an in-memory Customers: customers by ID. An ID not in
// the map is a customer with no known history. It must not be changed
// while an Engine uses it.
type CustomerMap map[string]Customer

// Customer implements Customers.
func (m CustomerMap) Customer(_ context.Context, id string) (Customer, error) {
	c, ok := m[id]
	if !ok {
		return Customer{Contact: Contact{CustomerID: id}}, nil
	}
	return c, nil
}

func jsonOf(v any) ([]byte, error) { return json.Marshal(v) }
