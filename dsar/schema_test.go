package dsar_test

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// requireSchema checks doc structurally against
// schema/access-report.schema.json: types, required and unknown
// properties, enums, array items and $defs references.
func requireSchema(t *testing.T, doc []byte) {
	t.Helper()
	raw, err := os.ReadFile("schema/access-report.schema.json")
	require.NoError(t, err)
	var schema map[string]any
	require.NoError(t, json.Unmarshal(raw, &schema))
	var val any
	require.NoError(t, json.Unmarshal(doc, &val))
	require.NoError(t, validate(schema, schema, val, "$"))
}

func validate(root, s map[string]any, v any, path string) error {
	if ref, ok := s["$ref"].(string); ok {
		name, ok := strings.CutPrefix(ref, "#/$defs/")
		if !ok {
			return fmt.Errorf("%s: unsupported $ref %s", path, ref)
		}
		def, ok := root["$defs"].(map[string]any)[name].(map[string]any)
		if !ok {
			return fmt.Errorf("%s: unknown $ref %s", path, ref)
		}
		return validate(root, def, v, path)
	}
	if t, ok := s["type"]; ok {
		var types []string
		switch x := t.(type) {
		case string:
			types = []string{x}
		case []any:
			for _, y := range x {
				types = append(types, y.(string))
			}
		}
		if !slices.Contains(types, jsonType(v)) {
			return fmt.Errorf("%s: is %s, want %v", path, jsonType(v), types)
		}
	}
	if enum, ok := s["enum"].([]any); ok && !slices.Contains(enum, v) {
		return fmt.Errorf("%s: %v is not one of %v", path, v, enum)
	}
	switch x := v.(type) {
	case map[string]any:
		props, _ := s["properties"].(map[string]any)
		req, _ := s["required"].([]any)
		for _, r := range req {
			if _, ok := x[r.(string)]; !ok {
				return fmt.Errorf("%s: required property %s is missing", path, r)
			}
		}
		for k, pv := range x {
			ps, ok := props[k].(map[string]any)
			if !ok {
				if s["additionalProperties"] == false {
					return fmt.Errorf("%s: property %s is not in the schema", path, k)
				}
				continue
			}
			if err := validate(root, ps, pv, path+"."+k); err != nil {
				return err
			}
		}
	case []any:
		if items, ok := s["items"].(map[string]any); ok {
			for i, it := range x {
				if err := validate(root, items, it, fmt.Sprintf("%s[%d]", path, i)); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case float64:
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "unknown"
}

func TestSchemaValidatorRejectsWhatTheSchemaForbids(t *testing.T) {
	raw, err := os.ReadFile("schema/access-report.schema.json")
	require.NoError(t, err)
	var schema map[string]any
	require.NoError(t, json.Unmarshal(raw, &schema))
	for name, doc := range map[string]string{
		"missing required":   `{"$schema":"https://frist.dev/schema/dsar/access-report/v1"}`,
		"unknown property":   `{"surprise":1}`,
		"wrong schema value": `{"$schema":"x"}`,
	} {
		var v any
		require.NoError(t, json.Unmarshal([]byte(doc), &v))
		require.Error(t, validate(schema, schema, v, "$"), name)
	}
}
