package dynamotest

import (
	"net/http"
	"net/http/httptest"
)

// InProcess is an HTTP transport that hands each request straight to h,
// in this process, and returns what h answered: the same requests and
// answers as over a loopback connection, without one for each of the
// thousands of calls tests make.
type InProcess struct{ Handler http.Handler }

// RoundTrip serves r with the handler.
func (p InProcess) RoundTrip(r *http.Request) (*http.Response, error) {
	if err := r.Context().Err(); err != nil {
		return nil, err
	}
	in := r.Clone(r.Context())
	in.RequestURI, in.RemoteAddr = r.URL.RequestURI(), "127.0.0.1:0"
	if in.Body == nil {
		in.Body = http.NoBody
	}
	rec := httptest.NewRecorder()
	p.Handler.ServeHTTP(rec, in)
	resp := rec.Result()
	resp.Request = r
	return resp, nil
}
