// Command members is the Lambda function of the membership routes: list,
// read, create, change, remove members and leave an org.
package main

import (
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/gatehouse-dev/gatehouse/shared/app"
	"github.com/gatehouse-dev/gatehouse/shared/members"
)

func main() {
	d := app.MustLoad()
	mux, err := members.Handler(d)
	if err != nil {
		fmt.Fprintln(os.Stderr, "members:", err)
		os.Exit(1)
	}
	lambda.Start(mux.Serve)
}
