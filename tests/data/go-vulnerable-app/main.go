// A tiny program for moat's Go binary test: it links golang.org/x/text v0.3.5, a version that
// the Go vulnerability database lists (GO-2021-0113, GO-2022-1059), so the built executable's
// build information names a vulnerable dependency.
package main

import (
	"fmt"
	"os"

	"golang.org/x/text/language"
)

// Set at build time with -ldflags "-X main.version=..." (the test checks moat reads it back).
var version = "(unset)"

func main() {
	fmt.Println("vulnerable-app", version)
	tag := "en"
	if len(os.Args) > 1 {
		tag = os.Args[1]
	}
	fmt.Println(language.Parse(tag))
}
