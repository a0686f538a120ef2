package dynamo

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestPauseHonoursContext: a retry's wait ends with its request.
func TestPauseHonoursContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	start := time.Now()
	if err := pause(ctx, time.Minute); !errors.Is(err, context.Canceled) {
		t.Errorf("pause on a canceled context = %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("pause waited %v after its context ended, want no wait", d)
	}
	if err := pause(context.Background(), time.Millisecond); err != nil {
		t.Errorf("pause = %v, want nil", err)
	}
}
