// Package policy holds a service's privacy declaration: the controller, the
// data-protection officer and the supervisory authority, the recipients, the
// purposes with their legal bases (Art. 6(1) GDPR, with national citations
// such as "§ 3 DSG NRW"), the datasets that bind the declaration to the
// application's tables or log files, the cookies (§ 25 TDDDG), and the
// retention rules that say when each record is deleted or anonymized.
//
// One declaration has three readers. The retention engine (package
// retention) enforces its rules; auditors read it, lint it with [Lint] and
// render it as a privacy notice (package notice); citizens read that notice.
//
// A declaration is loaded from YAML with [Load] or [LoadFile], or built in Go
// and checked with [Declaration.Validate]; both paths produce the same
// validated value. A declaration with any mistake is rejected as a whole,
// with every problem reported at once as an [ErrorList] of [*Error], each
// naming the file, line, column and field path:
//
//	examples/policies/x.yaml:17:5: datasets[1].rules[0].after: "14 days" is not a duration (use 14d)
//
// Load parses the YAML that declarations are written in (block and flow
// collections, plain, quoted, literal and folded scalars, comments) with a
// parser of its own that builds the same tree as go.yaml.in/yaml/v3, several
// times faster and with no pointers for the garbage collector to
// follow; anything else (anchors, tags, several documents, tabs) and every
// syntax error it leaves to yaml.v3, so that errors read the same either
// way. The cost of loading grows in proportion to the declaration's size.
//
// Periods have calendar semantics in the controller's time zone ([Period]):
// "1mo" after 31 January ends on the last day of February, "1d" across a
// daylight-saving change is a calendar day, and "6y from year end" counts as
// § 147 AO does. SQL identifiers in a declaration are validated, so no
// declaration can inject SQL.
//
// The records block says how long frist keeps its own records: the proof
// of consent and the records of data-subject requests and objections.
// [Declaration.RecordRetention] returns it with the defaults filled in,
// three years from the end of the calendar year (§§ 195, 199(1) BGB), and
// [RecordPeriod.EndedBefore] turns a period into the cutoff a sweep uses,
// never early (docs/DESIGN.md, "Never early").
//
// [Lint] reports legal findings (a personal field kept forever, Art. 6(1)(f)
// relied on by a public authority, a consent without a withdrawal channel,
// ...), each with a stable ID, the article it rests on, the field's position
// and a hint. A controller can acknowledge a finding in the declaration with
// a reason, so that an auditor sees the decision instead of an omission.
// Repealed and misused norms and terms (the TMG, the TTDSG, § 35 and § 38
// DSG NRW, "Sperrung") are kept in one table that FR070 applies to every
// cited provision and published text. [BlockingFor] says which findings
// keep a notice or a record of processing from being published.
package policy
