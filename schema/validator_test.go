package schema_test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// validate checks doc against the subset of JSON Schema that Generate
// emits: $ref to #/$defs, type, properties, additionalProperties (false or
// a schema), required, enum, pattern, items, anyOf and oneOf. Annotations
// (description, examples, title) are ignored. It returns one message per
// violation, each with the JSON path.
func validate(root map[string]any, doc any) []string {
	v := &validator{root: root}
	v.check(root, doc, "$")
	return v.errs
}

type validator struct {
	root map[string]any
	errs []string
}

// supported are the keywords validate understands; any other keyword in a
// schema is an error, so that the test cannot silently ignore a rule.
var supported = []string{"$schema", "$id", "$defs", "$ref", "title", "description", "examples",
	"type", "properties", "additionalProperties", "required", "enum", "pattern", "items", "anyOf", "oneOf"}

func (v *validator) fail(path, format string, args ...any) {
	v.errs = append(v.errs, path+": "+fmt.Sprintf(format, args...))
}

func (v *validator) check(s map[string]any, doc any, path string) {
	for k := range s {
		if !slices.Contains(supported, k) {
			v.fail(path, "schema keyword %q is not supported by the test validator", k)
		}
	}
	if r, ok := s["$ref"].(string); ok {
		name, found := strings.CutPrefix(r, "#/$defs/")
		def, ok := v.root["$defs"].(map[string]any)[name].(map[string]any)
		if !found || !ok {
			v.fail(path, "unresolvable $ref %q", r)
			return
		}
		v.check(def, doc, path)
	}
	if alts, ok := s["anyOf"].([]any); ok && v.matching(alts, doc, path) == 0 {
		v.fail(path, "matches none of the %d alternatives (anyOf)", len(alts))
	}
	if alts, ok := s["oneOf"].([]any); ok {
		if n := v.matching(alts, doc, path); n != 1 {
			v.fail(path, "matches %d of the alternatives, want exactly one (oneOf)", n)
		}
	}
	if t, ok := s["type"].(string); ok && !hasType(doc, t) {
		v.fail(path, "expected %s, got %s", t, typeOf(doc))
		return
	}
	if e, ok := s["enum"].([]any); ok && !slices.Contains(e, doc) {
		v.fail(path, "%v is not one of %v", doc, e)
	}
	if p, ok := s["pattern"].(string); ok {
		if str, isStr := doc.(string); isStr && !regexp.MustCompile(p).MatchString(str) {
			v.fail(path, "%q does not match %s", str, p)
		}
	}
	if obj, ok := doc.(map[string]any); ok {
		props, _ := s["properties"].(map[string]any)
		for _, r := range asList(s["required"]) {
			if _, ok := obj[r.(string)]; !ok {
				v.fail(path, "required key %q is missing", r)
			}
		}
		for k, val := range obj {
			p := path + "." + k
			if ps, ok := props[k].(map[string]any); ok {
				v.check(ps, val, p)
				continue
			}
			switch ap := s["additionalProperties"].(type) {
			case bool:
				if !ap {
					v.fail(p, "unknown key %q", k)
				}
			case map[string]any:
				v.check(ap, val, p)
			}
		}
	}
	if arr, ok := doc.([]any); ok {
		if items, ok := s["items"].(map[string]any); ok {
			for i, el := range arr {
				v.check(items, el, path+"["+strconv.Itoa(i)+"]")
			}
		}
	}
}

// matching counts the alternatives doc satisfies.
func (v *validator) matching(alts []any, doc any, path string) int {
	n := 0
	for _, a := range alts {
		sub := &validator{root: v.root}
		sub.check(a.(map[string]any), doc, path)
		if len(sub.errs) == 0 {
			n++
		}
	}
	return n
}

func asList(x any) []any {
	l, _ := x.([]any)
	return l
}

func hasType(doc any, t string) bool {
	switch t {
	case "integer":
		f, ok := doc.(float64)
		return ok && f == float64(int64(f))
	case "number":
		_, ok := doc.(float64)
		return ok
	}
	return typeOf(doc) == t
}

func typeOf(doc any) string {
	switch doc.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case bool:
		return "boolean"
	case float64:
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", doc)
}

// yamlToJSON converts a YAML document into the value encoding/json would
// decode from its JSON form: mappings, sequences, strings, float64
// numbers, booleans and null. Timestamps stay text, as the loader reads
// them.
func yamlToJSON(b []byte) (any, error) {
	var n yaml.Node
	if err := yaml.Unmarshal(b, &n); err != nil {
		return nil, err
	}
	if len(n.Content) == 0 {
		return nil, nil
	}
	return nodeToJSON(n.Content[0])
}

func nodeToJSON(n *yaml.Node) (any, error) {
	switch n.Kind {
	case yaml.MappingNode:
		m := map[string]any{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			v, err := nodeToJSON(n.Content[i+1])
			if err != nil {
				return nil, err
			}
			m[n.Content[i].Value] = v
		}
		return m, nil
	case yaml.SequenceNode:
		l := []any{}
		for _, c := range n.Content {
			v, err := nodeToJSON(c)
			if err != nil {
				return nil, err
			}
			l = append(l, v)
		}
		return l, nil
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!null":
			return nil, nil
		case "!!bool", "!!int", "!!float":
			var v any
			if err := json.Unmarshal([]byte(strings.ToLower(n.Value)), &v); err != nil {
				var f float64
				if err := n.Decode(&f); err != nil {
					return nil, fmt.Errorf("line %d: %w", n.Line, err)
				}
				return f, nil
			}
			return v, nil
		}
		return n.Value, nil
	}
	return nil, fmt.Errorf("line %d: unsupported YAML node kind %v", n.Line, n.Kind)
}
