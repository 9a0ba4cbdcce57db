package web

import (
	"fmt"

	"github.com/dockmaster/dockmaster/authserver/internal/service"
)

// chart is the server-rendered SVG bar chart of an activity: two bars a
// day (pushes, pulls), scaled to the busiest day.
type chart struct {
	Width, Height   int
	Bars            []bar
	Pushes, Pulls   int
	Max             int
	Label           string
	FirstDay, Today string
	Empty           bool
}

type bar struct {
	X, Y, W, H int
	Class      string
	Title      string
}

const (
	chartW, chartH = 600, 140
	chartTop       = 10
	chartBottom    = 20
)

func activityChart(act service.Activity) chart {
	c := chart{Width: chartW, Height: chartH}
	for _, d := range act {
		c.Pushes += d.Pushes
		c.Pulls += d.Pulls
		c.Max = max(c.Max, d.Pushes, d.Pulls)
	}
	if len(act) == 0 {
		c.Empty = true
		return c
	}
	c.FirstDay, c.Today = act[0].Day.Format("Jan 2"), act[len(act)-1].Day.Format("Jan 2")
	c.Label = fmt.Sprintf("Activity over the last %d days: %d pushes and %d pulls", len(act), c.Pushes, c.Pulls)
	c.Empty = c.Max == 0
	slot := chartW / len(act)
	plot := chartH - chartTop - chartBottom
	height := func(n int) int {
		if c.Max == 0 || n == 0 {
			return 0
		}
		return max(1, n*plot/c.Max)
	}
	for i, d := range act {
		x := i*slot + 2
		w := (slot - 4) / 2
		day := d.Day.Format("Mon Jan 2")
		hp, hl := height(d.Pushes), height(d.Pulls)
		c.Bars = append(c.Bars,
			bar{X: x, Y: chartTop + plot - hp, W: w, H: hp, Class: "push", Title: fmt.Sprintf("%s: %d pushes", day, d.Pushes)},
			bar{X: x + w, Y: chartTop + plot - hl, W: w, H: hl, Class: "pull", Title: fmt.Sprintf("%s: %d pulls", day, d.Pulls)})
	}
	return c
}
