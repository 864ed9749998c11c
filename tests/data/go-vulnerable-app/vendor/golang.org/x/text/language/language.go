// Package language is a stand-in written for moat's test: only the module path and version
// matter (they end up in the binary's build information), not what the real package does.
package language

import "strings"

// Parse returns the tag lower-cased, or an error-like marker for an empty tag.
func Parse(tag string) string {
	if tag == "" {
		return "und"
	}
	return strings.ToLower(tag)
}
