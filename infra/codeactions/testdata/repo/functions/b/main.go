// Command b calls through a method value and an interface.
package main

import (
	"context"

	"example.com/fixture/shared/mail"
	"example.com/fixture/shared/pool"
	"example.com/fixture/shared/store"
)

type job interface{ run(context.Context) error }

type sweep struct {
	s *store.Store
	p *pool.Pool
	m mail.Sender
}

func (w sweep) run(ctx context.Context) error {
	if err := w.s.Guard(ctx); err != nil {
		return err
	}
	_ = w.s.Partition(ctx)
	_ = w.s.Expiring(ctx)
	_ = w.s.Purge(ctx)
	_ = w.m.Send(ctx)
	return w.p.Disable(ctx)
}

func main() {
	var j job = sweep{s: store.New(), p: pool.New(), m: mail.New()}
	f := j.run
	_ = f(context.Background())
}
