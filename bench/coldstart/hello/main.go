// Command hello is the cold start baseline: the smallest aws-lambda-go
// function, built exactly as Gatehouse's functions are.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func(context.Context) (string, error) { return "hello", nil })
}
