package schema_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/schema"
)

func loadSchema(t *testing.T) map[string]any {
	t.Helper()
	var s map[string]any
	require.NoError(t, json.Unmarshal(schema.JSON(), &s), "declaration.schema.json is not JSON")
	return s
}

func TestCheckedInSchemaEqualsGeneratedSchema(t *testing.T) {
	generated, err := schema.Generate("../policy")
	require.NoError(t, err)
	if string(generated) != string(schema.JSON()) {
		t.Fatalf("schema/declaration.schema.json differs from the schema generated from package policy; " +
			"run go generate ./schema (or go run ./cmd/frist schema is the checked-in copy: regenerate it with go generate) and commit the result")
	}
}

func TestGenerateFailsWithoutPolicySource(t *testing.T) {
	_, err := schema.Generate(t.TempDir())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no Go source of package policy")
}

// modelTypes returns every struct type reachable from policy.Declaration
// through exported yaml fields, by name.
func modelTypes() map[string]reflect.Type {
	out := map[string]reflect.Type{}
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || t.PkgPath() != reflect.TypeFor[policy.Declaration]().PkgPath() {
			return
		}
		if _, seen := out[t.Name()]; seen || len(yamlKeys(t, "")) == 0 {
			return // seen, or written as text (Period)
		}
		out[t.Name()] = t
		for f := range t.Fields() {
			if yamlKeyOf(f) != "" {
				walk(f.Type)
			}
		}
	}
	walk(reflect.TypeFor[policy.Declaration]())
	return out
}

func yamlKeyOf(f reflect.StructField) string {
	if !f.IsExported() {
		return ""
	}
	k, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	if k == "-" {
		return ""
	}
	return k
}

func yamlKeys(t reflect.Type, skip string) []string {
	var keys []string
	for f := range t.Fields() {
		if k := yamlKeyOf(f); k != "" && k != skip {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

// objectOf returns the object schema of a definition: the definition
// itself, or its object alternative (Text is a string or an object).
func objectOf(def map[string]any) map[string]any {
	if def["type"] == "object" {
		return def
	}
	for _, alt := range asList(def["anyOf"]) {
		if m := alt.(map[string]any); m["type"] == "object" {
			return m
		}
	}
	return nil
}

func propertyKeys(obj map[string]any) []string {
	var keys []string
	for k := range obj["properties"].(map[string]any) {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func TestSchemaPropertiesAreExactlyTheModelsYAMLKeys(t *testing.T) {
	s := loadSchema(t)
	defs := s["$defs"].(map[string]any)
	types := modelTypes()
	require.Contains(t, types, "Dataset")

	// Each model type is a definition with exactly its yaml keys; the
	// declaration itself is the root.
	for name, typ := range types {
		def := s
		if name != "Declaration" {
			d, ok := defs[name].(map[string]any)
			require.True(t, ok, "model type %s has no definition in the schema", name)
			def = d
		}
		obj := objectOf(def)
		require.NotNil(t, obj, "definition %s is not an object", name)
		assert.Equal(t, yamlKeys(typ, ""), propertyKeys(obj), "properties of %s", name)
		assert.Equal(t, false, obj["additionalProperties"], "%s must refuse unknown keys, as the loader does", name)
	}
	// Entries written as mappings from their name have every key but the
	// name.
	entries := map[string]string{"FieldEntry": "Field", "TimeColumnEntry": "TimeColumn"}
	for entry, typ := range entries {
		obj := objectOf(defs[entry].(map[string]any))
		require.NotNil(t, obj, entry)
		assert.Equal(t, yamlKeys(types[typ], "name"), propertyKeys(obj), "properties of %s", entry)
	}
	// Every other definition is a named string type or a shorthand of the
	// loader; a new definition must be accounted for here.
	aux := []string{"Basis", "CookieNecessity", "Category", "ChannelKind", "Event", "RecipientRole", "Disclosure", "Right",
		"SpecialCondition", "TimeFormat", "Period", "Duration", "LegalBasisItem", "Channels", "ChannelItem",
		"ProvisionKind", "Gender", "Number", "IdentifierForm", "RecordsFrom"}
	for name := range defs {
		if _, ok := types[name]; ok || entries[name] != "" || slices.Contains(aux, name) {
			continue
		}
		t.Errorf("schema definition %s maps to no model type", name)
	}
}

func TestSchemaEnumeratesTheModelsConstants(t *testing.T) {
	defs := loadSchema(t)["$defs"].(map[string]any)
	tests := []struct {
		def  string
		want []any
	}{
		{"Basis", []any{"6.1.a", "6.1.b", "6.1.c", "6.1.d", "6.1.e", "6.1.f"}},
		{"RecipientRole", []any{"processor", "controller", "public_body", "joint_controller"}},
		{"Disclosure", []any{"routine", "case_by_case"}},
		{"ChannelKind", []any{"link", "email", "post", "phone", "in_person", "form", "opt_out_cookie", "cookie"}},
		{"TimeFormat", []any{"timestamp", "unix", "unix_ms", "rfc3339"}},
		{"CookieNecessity", []any{"strictly_necessary", "consent"}},
		{"RecordsFrom", []any{"end", "year_end"}},
		{"Right", []any{"access", "rectification", "erasure", "restriction", "portability", "objection", "withdrawal", "complaint"}},
	}
	for _, tt := range tests {
		t.Run(tt.def, func(t *testing.T) {
			assert.Equal(t, tt.want, defs[tt.def].(map[string]any)["enum"])
		})
	}
	// Categories and events are open sets: offered, not enforced.
	assert.Nil(t, defs["Category"].(map[string]any)["enum"])
	assert.Contains(t, defs["Event"].(map[string]any)["examples"], "consent_withdrawn")
}

func TestExampleDeclarationsValidateAgainstSchema(t *testing.T) {
	s := loadSchema(t)
	files, err := filepath.Glob("../examples/policies/*.yaml")
	require.NoError(t, err)
	require.Len(t, files, 5)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			b, err := os.ReadFile(f)
			require.NoError(t, err)
			assert.Contains(t, string(b), "# yaml-language-server: $schema=../../schema/declaration.schema.json")
			doc, err := yamlToJSON(b)
			require.NoError(t, err)
			assert.Empty(t, validate(s, doc))
			// The loader accepts it too: the schema is not stricter than
			// the format.
			_, err = policy.LoadFile(f)
			require.NoError(t, err)
		})
	}
}

// base is a minimal declaration that the schema and the loader accept;
// cases replace a part of it.
const base = `controller: {name: Stadt Beispiel, address: "Rathausplatz 1"}
purposes:
  - id: booking
    description: Terminbuchung
    legal_basis: 6.1.e
datasets:
  - id: appointment
    table: appointments
    key: id
    time: {appointment_at: starts_at}
    purposes: booking
    fields:
      email: {category: contact}
    rules:
      - {after: 14d, from: appointment_at, delete: true}
`

func TestSchemaAcceptsTheLoadersShorthandsAndRefusesMistakes(t *testing.T) {
	s := loadSchema(t)
	tests := []struct {
		name, from, to string
		wantErr        string // "" when the schema accepts it
	}{
		{"minimal declaration", "", "", ""},
		{"legal basis as a list of strings", "legal_basis: 6.1.e", "legal_basis: [6.1.e, 6.1.f]", ""},
		{"legal basis with national citation", "legal_basis: 6.1.e", `legal_basis: [{basis: 6.1.e, national: ["§ 3 DSG NRW"]}]`, ""},
		{"legal basis outside Art. 6(1)", "legal_basis: 6.1.e", "legal_basis: 6.1.g", "$.purposes[0].legal_basis"},
		{"text in two languages", "description: Terminbuchung", "description: {de: Terminbuchung, en: booking}", ""},
		{"text in a third language", "description: Terminbuchung", "description: {fr: rendez-vous}", "$.purposes[0].description"},
		{"time column as object", "time: {appointment_at: starts_at}", "time: {appointment_at: {column: starts_at, format: unix}}", ""},
		{"time columns as list", "time: {appointment_at: starts_at}", "time: [{name: appointment_at, column: starts_at}]", ""},
		{"time column list entry without name", "time: {appointment_at: starts_at}", "time: [{column: starts_at}]", "$.datasets[0].time"},
		{"unknown time format", "time: {appointment_at: starts_at}", "time: {appointment_at: {column: starts_at, format: iso}}", "$.datasets[0].time"},
		{"fields as list", "email: {category: contact}", "- {name: email, category: contact}", ""},
		{"anonymize as mapping", "delete: true", `anonymize: {email: "null"}`, ""},
		{"anonymize as list", "delete: true", `anonymize: [{field: email, op: "null"}]`, ""},
		{"period in words", "after: 14d", "after: 14 days", "$.datasets[0].rules[0].after"},
		{"period from year end", "after: 14d", "after: 6y from year end", ""},
		{"lead as duration", "delete: true}", "delete: true, lead: 30m}", ""},
		{"lead without unit", "delete: true}", "delete: true, lead: 30}", "$.datasets[0].rules[0].lead"},
		{"unknown key", "key: id", "key: id\n    primary: id", `unknown key "primary"`},
		{"misspelled key in rule", "delete: true}", "delete: true, afer: 7d}", `unknown key "afer"`},
		{"missing controller name", "name: Stadt Beispiel, ", "", `required key "name"`},
		{"consent channels in every form", "legal_basis: 6.1.e", "legal_basis: 6.1.a\n    consent: {version: v1, withdraw: [link, {email: a@example.org}, {kind: post, address: Rathausplatz 1}]}", ""},
		{"single withdrawal channel", "legal_basis: 6.1.e", "legal_basis: 6.1.a\n    consent: {version: v1, withdraw: email}", ""},
		{"unknown withdrawal channel", "legal_basis: 6.1.e", "legal_basis: 6.1.a\n    consent: {version: v1, withdraw: [pigeon]}", "$.purposes[0].consent.withdraw"},
		{"cookie for the session", "datasets:", "cookies: [{name: sid, purpose: booking, basis: strictly_necessary, lifetime: session}]\ndatasets:", ""},
		{"cookie lifetime in words", "datasets:", "cookies: [{name: sid, purpose: booking, basis: strictly_necessary, lifetime: forever}]\ndatasets:", "$.cookies[0].lifetime"},
		{"rights as a single string", "datasets:", "rights: access\ndatasets:", ""},
		{"unknown right", "datasets:", "rights: [access, oblivion]\ndatasets:", "$.rights"},
		{"open event set", "after: 14d, from: appointment_at,", "on: archived,", ""},
		{"records kept", "datasets:", "records:\n  consent: {keep: 3y, from: year_end}\n  requests: {keep: 18mo, from: end}\n  identify_requests_for: 3mo\ndatasets:", ""},
		{"records from an unknown point", "datasets:", "records: {consent: {keep: 3y, from: withdrawal}}\ndatasets:", "$.records.consent.from"},
		{"records period without from", "datasets:", "records: {requests: {keep: 3y}}\ndatasets:", `required key "from"`},
		{"records period in words", "datasets:", "records: {requests: {keep: 3 years, from: end}}\ndatasets:", "$.records.requests.keep"},
		{"unknown key in records", "datasets:", "records: {ledger: {keep: 3y, from: end}}\ndatasets:", `unknown key "ledger"`},
		{"special condition", "legal_basis: 6.1.e", "legal_basis: 6.1.e\n    special_categories: 9.2.k", "$.purposes[0].special_categories"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := base
			if tt.from != "" {
				require.Contains(t, src, tt.from)
				src = strings.Replace(src, tt.from, tt.to, 1)
			}
			doc, err := yamlToJSON([]byte(src))
			require.NoError(t, err)
			errs := validate(s, doc)
			if tt.wantErr == "" {
				assert.Empty(t, errs)
				_, err := policy.Load(strings.NewReader(src), "case.yaml")
				assert.NoError(t, err, "the loader must accept what the schema accepts here")
				return
			}
			require.NotEmpty(t, errs, "the schema must refuse this")
			assert.Contains(t, strings.Join(errs, "\n"), tt.wantErr)
		})
	}
}
