// Command invites is the Lambda function of the invitation routes: invite,
// list, revoke, resend, accept, and account activation.
package main

import (
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/gatehouse-dev/gatehouse/shared/app"
	"github.com/gatehouse-dev/gatehouse/shared/invites"
)

func main() {
	d := app.MustLoad()
	mux, err := invites.Handler(d)
	if err != nil {
		fmt.Fprintln(os.Stderr, "invites:", err)
		os.Exit(1)
	}
	lambda.Start(mux.Serve)
}
