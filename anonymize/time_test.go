package anonymize

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTruncateTime(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	require.NoError(t, err)
	at := time.Date(2024, 5, 17, 10, 47, 12, 345, berlin)
	runOpCases(t, []opCase{
		{spec: "truncate_time(hour)", in: at, want: time.Date(2024, 5, 17, 10, 0, 0, 0, berlin)},
		{spec: "truncate_time(day)", in: at, want: time.Date(2024, 5, 17, 0, 0, 0, 0, berlin)},
		{spec: "truncate_time(unit=month)", in: at, want: time.Date(2024, 5, 1, 0, 0, 0, 0, berlin)},
		{spec: "truncate_time(year)", in: at, want: time.Date(2024, 1, 1, 0, 0, 0, 0, berlin)},
		// A day is cut at local midnight, also on the day clocks go forward.
		{spec: "truncate_time(day)", in: time.Date(2024, 3, 31, 14, 0, 0, 0, berlin), want: time.Date(2024, 3, 31, 0, 0, 0, 0, berlin)},
		{spec: "truncate_time(day)", in: "2024-05-17T10:47:12.5+02:00", want: "2024-05-17T00:00:00+02:00"},
		{spec: "truncate_time(hour)", in: "2024-05-17 10:47:12", want: "2024-05-17 10:00:00"},
		{spec: "truncate_time(hour)", in: "2024-05-17T10:47:12", want: "2024-05-17T10:00:00"},
		{spec: "truncate_time(month)", in: "2024-05-17", want: "2024-05-01"},
		{spec: "truncate_time(month)", in: []byte("2024-05-17"), want: []byte("2024-05-01")},
		{spec: "truncate_time(day)", in: int64(1715942832), want: int64(1715904000)},
		{spec: "truncate_time(day)", in: nil, want: nil},
		{spec: "truncate_time(day)", in: "17.05.2024 10:47", wantErr: ErrInvalidInput},
		{spec: "truncate_time(day)", in: "yesterday", wantErr: ErrInvalidInput},
		{spec: "truncate_time(day)", in: 1.5, wantErr: ErrUnsupportedType},
	})
	_, err = Parse("truncate_time(week)")
	assert.ErrorIs(t, err, ErrBadParameter)
	_, err = Parse("truncate_time")
	assert.ErrorIs(t, err, ErrBadParameter)
	assert.Equal(t, "day", Day.String())
}

func TestBirthYearAndAgeBand(t *testing.T) {
	born := time.Date(1980, 5, 17, 0, 0, 0, 0, time.UTC)
	runOpCases(t, []opCase{
		{spec: "birth_year", in: born, want: time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)},
		{spec: "birth_year", in: "1980-05-17", want: "1980"},
		{spec: "birth_year", in: "17.05.1980", want: "1980"},
		{spec: "birth_year", in: "7.5.1980", want: "1980"},
		{spec: "birth_year", in: []byte("1980-05-17"), want: []byte("1980")},
		{spec: "birth_year", in: int64(1980), want: int64(1980)},
		{spec: "birth_year", in: "31.02.1980", wantErr: ErrInvalidInput},
		{spec: "birth_year", in: int64(0), wantErr: ErrInvalidInput},
		{spec: "age_band(at=2025-01-01)", in: born, want: "40-49"},
		{spec: "age_band(at=2025-05-16)", in: "1985-05-17", want: "30-39"},
		{spec: "age_band(width=5, at=2025-05-17)", in: "17.05.1985", want: "40-44"},
		{spec: "age_band(width=1, at=2025-05-16)", in: "1985-05-17", want: "39"},
		{spec: "age_band(at=2025-01-01)", in: "2026-01-01", wantErr: ErrInvalidInput},
		{spec: "age_band(at=2025-01-01)", in: true, wantErr: ErrUnsupportedType},
	})
	_, err := Parse("age_band(10)")
	assert.ErrorIs(t, err, ErrBadParameter, "the reference date is required")
	_, err = Parse("age_band(width=0, at=2025-01-01)")
	assert.ErrorIs(t, err, ErrBadParameter)
	_, err = Parse("age_band(at=2025-13-01)")
	assert.ErrorIs(t, err, ErrBadParameter)
}
