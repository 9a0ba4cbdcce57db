//go:build unix

package conformance

import (
	"encoding/xml"
	"fmt"
	"os"
	"slices"
	"strings"
)

// Outcomes of a test case as the suite's junit.xml spells them.
const (
	passed  = "passed"
	failed  = "failure"
	errored = "error"
	skipped = "skipped"
)

type junitResult struct {
	Message string `xml:"message,attr"`
	Data    string `xml:",cdata"`
}

type junitCase struct {
	Name      string       `xml:"name,attr"`
	Status    string       `xml:"status,attr"`
	Skipped   *junitResult `xml:"skipped"`
	Failure   *junitResult `xml:"failure"`
	Error     *junitResult `xml:"error"`
	SystemOut string       `xml:"system-out"`
}

type junitSuites struct {
	Suites []struct {
		Cases []junitCase `xml:"testcase"`
	} `xml:"testsuite"`
}

// status is the case's outcome: the status attribute, or the child element
// for writers that only set those.
func (c junitCase) status() string {
	switch {
	case c.Status != "":
		return c.Status
	case c.Error != nil:
		return errored
	case c.Failure != nil:
		return failed
	case c.Skipped != nil:
		return skipped
	}
	return passed
}

// message is what the suite said about a case that did not pass.
func (c junitCase) message() string {
	var parts []string
	for _, r := range []*junitResult{c.Failure, c.Error, c.Skipped} {
		if r != nil {
			parts = append(parts, strings.TrimSpace(r.Message+"\n"+r.Data))
		}
	}
	if s := strings.TrimSpace(c.SystemOut); s != "" {
		parts = append(parts, s)
	}
	return strings.Join(parts, "\n")
}

// caseResult is every run of one test-case name. The suite runs the same
// named check once per piece of content (e.g. blob-get for each layer), so
// a name has a multiset of outcomes; it is kept sorted, which makes two
// runs comparable whatever order the suite visited the content in.
type caseResult struct {
	Outcomes []string
	Messages []string // of the cases that did not pass
}

func (r caseResult) String() string {
	counts := map[string]int{}
	for _, o := range r.Outcomes {
		counts[o]++
	}
	var parts []string
	for _, o := range []string{passed, failed, errored, skipped} {
		if n := counts[o]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s×%d", o, n))
			delete(counts, o)
		}
	}
	var other []string // anything unforeseen, in a stable order
	for o, n := range counts {
		other = append(other, fmt.Sprintf("%s×%d", o, n))
	}
	slices.Sort(other)
	parts = append(parts, other...)
	return strings.Join(parts, " ")
}

// results is test-case name → its outcomes, for one run.
type results map[string]caseResult

// parseJUnit reads the suite's junit.xml.
func parseJUnit(path string) (results, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var doc junitSuites
	if err := xml.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	res := results{}
	for _, s := range doc.Suites {
		for _, c := range s.Cases {
			r := res[c.Name]
			st := c.status()
			r.Outcomes = append(r.Outcomes, st)
			if st != passed {
				r.Messages = append(r.Messages, c.message())
			}
			res[c.Name] = r
		}
	}
	for name, r := range res {
		slices.Sort(r.Outcomes)
		res[name] = r
	}
	return res, nil
}

// summary counts the runs of test cases by outcome.
type summary struct {
	Names, Cases, Passed, Failed, Skipped int
}

func (res results) summary() summary {
	s := summary{Names: len(res)}
	for _, r := range res {
		for _, o := range r.Outcomes {
			s.Cases++
			switch o {
			case passed:
				s.Passed++
			case skipped:
				s.Skipped++
			default:
				s.Failed++
			}
		}
	}
	return s
}

func (s summary) String() string {
	return fmt.Sprintf("%d test cases (%d distinct names): %d passed, %d failed, %d skipped",
		s.Cases, s.Names, s.Passed, s.Failed, s.Skipped)
}

// names returns the sorted names whose outcomes include outcome (any
// non-passing outcome for failed).
func (res results) names(outcome string) []string {
	var out []string
	for name, r := range res {
		for _, o := range r.Outcomes {
			if o == outcome || (outcome == failed && o == errored) {
				out = append(out, name)
				break
			}
		}
	}
	slices.Sort(out)
	return out
}

// diff describes every name whose outcomes differ between a and b.
func diff(a, b results, aName, bName string) []string {
	all := map[string]bool{}
	for n := range a {
		all[n] = true
	}
	for n := range b {
		all[n] = true
	}
	var names []string
	for n := range all {
		if !slices.Equal(a[n].Outcomes, b[n].Outcomes) {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	var out []string
	for _, n := range names {
		var sb strings.Builder
		fmt.Fprintf(&sb, "%s\n    %s: %s\n    %s: %s", n, aName, orNone(a[n]), bName, orNone(b[n]))
		for _, side := range []struct {
			name string
			r    caseResult
		}{{aName, a[n]}, {bName, b[n]}} {
			for i, m := range side.r.Messages {
				if i == 3 {
					fmt.Fprintf(&sb, "\n    %s: … %d more", side.name, len(side.r.Messages)-i)
					break
				}
				fmt.Fprintf(&sb, "\n    %s says: %s", side.name, indent(tail(m, 1500), "      "))
			}
		}
		out = append(out, sb.String())
	}
	return out
}

func orNone(r caseResult) string {
	if len(r.Outcomes) == 0 {
		return "(not run)"
	}
	return r.String()
}

func indent(s, prefix string) string {
	return strings.ReplaceAll(s, "\n", "\n"+prefix)
}
