package apigw

import (
	"context"
	"errors"
	"time"

	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

// AnswerMargin is how long before the invocation's deadline (the Lambda
// timeout, routes.Timeout) a handler's context ends and the function
// answers 503 unavailable with Retry-After: time to encode and return the
// answer before Lambda kills the function (docs/reliability.md).
const AnswerMargin = 1500 * time.Millisecond

// answerGrace is how long after its context ended a handler may still take
// to return its own answer (an SDK call returning its context error, a
// compensation) before the function answers without it.
const answerGrace = 500 * time.Millisecond

// errDeadline is the answer of a handler out of time.
var errDeadline = gatehouse.Errorf(gatehouse.CodeUnavailable, "the request took too long; retry later (send the same Idempotency-Key to avoid doing it twice)")

// runWithin runs the handler under the invocation's deadline less
// AnswerMargin. A handler still running when that passes is answered for:
// 503, whatever it was doing; what it leaves half-done converges by a
// retry or the sweep (intents, docs/reliability.md). Without a deadline
// (tests calling Serve directly) it runs as is.
func runWithin(ctx context.Context, h handlerFunc, r *Request) (Response, error) {
	dl, ok := ctx.Deadline()
	if !ok {
		return h(ctx, r)
	}
	hctx, cancel := context.WithDeadline(ctx, dl.Add(-AnswerMargin))
	defer cancel()
	type result struct {
		resp Response
		err  error
	}
	done := make(chan result, 1)
	go func() {
		resp, err := h(hctx, r)
		done <- result{resp, err}
	}()
	select {
	case res := <-done:
		return res.resp, res.err
	case <-hctx.Done():
	}
	select {
	case res := <-done:
		return res.resp, res.err
	case <-time.After(answerGrace):
		return Response{}, errDeadline
	}
}

// unavailableIfDeadline: a call cut by the handler's deadline is the
// dependency being too slow, a 503 like an unreachable one, never a 500.
func unavailableIfDeadline(err error) error {
	if _, ok := errors.AsType[*gatehouse.Error](err); ok {
		return err
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return &gatehouse.Error{Code: gatehouse.CodeUnavailable, Message: errDeadline.Message, Err: err}
	}
	return err
}
