package pgstore_test

import (
	"testing"

	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/store/storetest"
)

func TestRecordTimesConformance(t *testing.T) {
	storetest.RunRecordTimes(t, func(t *testing.T, decl *policy.Declaration) storetest.Backend {
		return openRequests(t, decl)
	})
}
