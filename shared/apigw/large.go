package apigw

import (
	"context"
	"reflect"
)

// HandleLarge registers a POST route like Handle whose JSON body may be up
// to maxBytes instead of MaxBodyBytes: a bulk import (docs/imports.md). The
// body is decoded as strictly; API Gateway HTTP API itself accepts 10 MB
// and a synchronous Lambda invocation 6 MB, so maxBytes stays well under
// both.
func HandleLarge[In, Out any](m *Mux, routeKey string, status, maxBytes int, h func(ctx context.Context, r *Request, in In) (Out, error)) {
	m.handle(routeKey, Endpoint{In: reflect.TypeFor[In](), Out: reflect.TypeFor[Out](), Status: status},
		func(ctx context.Context, r *Request) (Response, error) {
			var in In
			if err := r.decodeUpTo(&in, maxBytes); err != nil {
				return Response{}, err
			}
			if v, ok := any(&in).(interface{ Validate() error }); ok {
				if err := v.Validate(); err != nil {
					return Response{}, err
				}
			}
			res, err := h(ctx, r, in)
			if err != nil {
				return Response{}, err
			}
			return JSON(status, res)
		})
}
