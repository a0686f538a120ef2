package apigw

import "github.com/aws/aws-lambda-go/events"

// Rewrite makes the mux pass every answer it gives, the guard's refusals
// included, through f (with the request it answers) before returning it:
// how a protocol with its own media type and error body (SCIM,
// docs/scim.md) answers in its own shape while its routes keep the one
// handler path.
func (m *Mux) Rewrite(f func(*events.APIGatewayV2HTTPRequest, Response) Response) *Mux {
	m.rewrite = f
	return m
}
