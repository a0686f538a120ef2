// Command a reaches its handler only as a function value, handed to code
// outside the repository (net/http), as lambda.Start is.
package main

import (
	"net/http"

	"example.com/fixture/shared/pool"
	"example.com/fixture/shared/store"
)

func main() {
	p, s := pool.New(), store.New()
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		_ = p.Create(ctx)
		_ = p.List(ctx)
		_ = s.Get(ctx)
		_ = s.Create(ctx)
		_ = s.ByIndex(ctx)
	})
}
