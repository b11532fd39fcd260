package anonymize_test

import (
	"fmt"

	"github.com/frist-go/frist/anonymize"
)

// examples/policies/waltrop.yaml: "werden aggregierte statistische Auswertungen über das
// Nutzerverhalten erstellt. Ein Rückschluss auf eine einzelne Person ist
// nicht möglich." Cells with fewer than k records are not published.
func ExampleAggregate() {
	var log []map[string]any
	visit := func(n int, page, ua string) {
		for range n {
			log = append(log, map[string]any{"page": page, "user_agent": ua})
		}
	}
	visit(9, "/termine", "Firefox 126 on Windows")
	visit(6, "/termine", "Safari 17 on iOS")
	visit(2, "/formulare", "Other on Other") // two visitors: too few to publish

	table, err := anonymize.Aggregate(log, 5, "page", "user_agent")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range table.Cells {
		fmt.Println(c.Values, c.Count)
	}
	fmt.Println("suppressed cells:", table.SuppressedCells)
	// Output:
	// [/termine Firefox 126 on Windows] 9
	// [/termine Safari 17 on iOS] 6
	// suppressed cells: 1
}
