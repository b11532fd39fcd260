package anonymize

// textOp adapts a string transformation to the Operator interface: strings
// and []byte are accepted (the result has the input's type), nil maps to
// nil, other types are refused.
type textOp struct {
	name string
	fn   func(string) (string, error)
}

func (o textOp) Apply(v any) (any, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case string:
		out, err := o.fn(x)
		if err != nil {
			return nil, err
		}
		return out, nil
	case []byte:
		out, err := o.fn(string(x))
		if err != nil {
			return nil, err
		}
		return []byte(out), nil
	}
	return nil, unsupported(o.name, v)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isASCIILetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }
