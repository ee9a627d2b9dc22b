package zoo

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// modelServer serves body at /m.onnx. The first breakAfter bytes of the
// first full request are sent and the connection then dropped (a broken
// download); range requests are answered with 206. It records the Range
// headers it saw.
type modelServer struct {
	body       []byte
	breakAfter int
	mu         sync.Mutex
	ranges     []string
	broke      bool
}

func (s *modelServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.ranges = append(s.ranges, r.Header.Get("Range"))
	breakNow := s.breakAfter > 0 && !s.broke && r.Header.Get("Range") == ""
	s.broke = s.broke || breakNow
	s.mu.Unlock()
	body, start := s.body, 0
	if rg := r.Header.Get("Range"); rg != "" {
		start, _ = strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(rg, "bytes="), "-"))
		if start >= len(s.body) {
			w.WriteHeader(http.StatusRequestedRangeNotSatisfiable)
			return
		}
		w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", start, len(s.body)-1, len(s.body)))
		w.Header().Set("Content-Length", strconv.Itoa(len(s.body)-start))
		w.WriteHeader(http.StatusPartialContent)
		w.Write(body[start:])
		return
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if breakNow {
		w.Write(body[:s.breakAfter])
		w.(http.Flusher).Flush()
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
		return
	}
	w.Write(body)
}

func fetchFixture(t *testing.T) (Model, []byte) {
	body := make([]byte, 3<<20)
	rand.New(rand.NewSource(3)).Read(body)
	sum := sha256.Sum256(body)
	return Model{Name: "fixture", File: "sub/m.onnx", SHA256: hex.EncodeToString(sum[:])}, body
}

// TestFetchResumes: a download broken halfway leaves its .part file and an
// error; the next fetch asks for the rest only (a range request), checks
// the SHA-256 and puts the model in place; a third finds it there.
func TestFetchResumes(t *testing.T) {
	m, body := fetchFixture(t)
	srv := &modelServer{body: body, breakAfter: 1 << 20}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	dir := t.TempDir()
	f := Fetch{From: ts.URL + "/m.onnx", Dir: dir}
	if _, err := m.Fetch(context.Background(), f); err == nil || !strings.Contains(err.Error(), "run the fetch again") {
		t.Fatalf("broken download: %v", err)
	}
	part, err := os.Stat(m.Path(dir) + ".part")
	if err != nil || part.Size() == 0 || part.Size() >= int64(len(body)) {
		t.Fatalf("partial file after a broken download: %v, %v", part, err)
	}
	if _, err := os.Stat(m.Path(dir)); err == nil {
		t.Fatal("a broken download was put where the model is looked up")
	}
	var seen []int64
	f.Progress = func(done, total int64) {
		if total != int64(len(body)) {
			t.Errorf("progress total %d, want %d", total, len(body))
		}
		seen = append(seen, done)
	}
	res, err := m.Fetch(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Verified || res.Resumed != part.Size() || srv.ranges[1] != fmt.Sprintf("bytes=%d-", part.Size()) {
		t.Fatalf("resumed fetch: %+v, ranges %q", res, srv.ranges)
	}
	if len(seen) == 0 || seen[len(seen)-1] != int64(len(body)) {
		t.Fatalf("progress ended at %v", seen)
	}
	got, _ := os.ReadFile(m.Path(dir))
	if string(got) != string(body) {
		t.Fatal("the fetched file differs from the served one")
	}
	if _, err := os.Stat(m.Path(dir) + ".part"); err == nil {
		t.Fatal(".part file left after a whole download")
	}
	res, err = m.Fetch(context.Background(), f)
	if err != nil || !res.Present || len(srv.ranges) != 2 {
		t.Fatalf("second fetch of a present model: %+v, %v, %d requests", res, err, len(srv.ranges))
	}
}

// TestFetchRefusesMismatch: a file whose SHA-256 is not the registry's is
// refused and deleted, whether downloaded or copied from a path.
func TestFetchRefusesMismatch(t *testing.T) {
	m, body := fetchFixture(t)
	bad := append([]byte(nil), body...)
	bad[12345] ^= 1
	ts := httptest.NewServer(&modelServer{body: bad})
	defer ts.Close()
	local := filepath.Join(t.TempDir(), "copy.onnx")
	os.WriteFile(local, bad, 0o644)
	for _, from := range []string{ts.URL + "/m.onnx", local} {
		dir := t.TempDir()
		_, err := m.Fetch(context.Background(), Fetch{From: from, Dir: dir})
		var ce *ChecksumError
		if !errors.As(err, &ce) || ce.Want != m.SHA256 {
			t.Fatalf("%s: %v", from, err)
		}
		for _, p := range []string{m.Path(dir), m.Path(dir) + ".part"} {
			if _, err := os.Stat(p); err == nil {
				t.Errorf("%s: %s left behind", from, p)
			}
		}
	}
}

// TestFetchSource: --from first, then the mirror, then the registry's
// address; a model with none says how to give one.
func TestFetchSource(t *testing.T) {
	m := Model{Name: "x", File: "x.onnx", URL: "https://example.org/x.onnx"}
	t.Setenv(MirrorEnv, "")
	if s, _ := m.Source(""); s != m.URL {
		t.Errorf("source %q", s)
	}
	t.Setenv(MirrorEnv, "http://mirror.local/models/")
	if s, _ := m.Source(""); s != "http://mirror.local/models/x.onnx" {
		t.Errorf("mirror source %q", s)
	}
	if s, _ := m.Source("/tmp/y.onnx"); s != "/tmp/y.onnx" {
		t.Errorf("--from source %q", s)
	}
	t.Setenv(MirrorEnv, "")
	m.URL = ""
	if _, err := m.Source(""); err == nil || !strings.Contains(err.Error(), MirrorEnv) {
		t.Errorf("no source: %v", err)
	}
}
