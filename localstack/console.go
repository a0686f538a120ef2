package localstack

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// consoleLog writes short human-readable lines (one per API request, and the
// stack's own notices) to the console; the functions log JSON elsewhere.
type consoleLog struct {
	mu sync.Mutex
	w  io.Writer
}

// Printf writes one line prefixed with the time of day.
func (c *consoleLog) Printf(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	fmt.Fprintf(c.w, "%s %s\n", time.Now().Format("15:04:05.000"), fmt.Sprintf(format, args...))
}
