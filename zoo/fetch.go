package zoo

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// MirrorEnv names a folder or base URL that holds the zoo's files under
// their registry names (a lab's model store, or a machine without the
// internet): 'invrep zoo fetch' takes files from it before their public
// addresses.
const MirrorEnv = "INVREP_ZOO_MIRROR"

// Fetch says where a model comes from and where it goes, and reports the
// download's progress.
type Fetch struct {
	// From is a URL or a local file to take the model from; empty: the
	// mirror ($INVREP_ZOO_MIRROR), else the registry's address.
	From string
	// Dir is the models folder (as Dir takes it).
	Dir string
	// Client makes the requests (http.DefaultClient when nil).
	Client *http.Client
	// Progress, when set, is called as bytes arrive: done so far, of
	// total (-1 where the server does not say).
	Progress func(done, total int64)
}

// Fetched is what a fetch did.
type Fetched struct {
	Path   string // the model's file
	Source string // where it came from
	SHA256 string // of the file
	// Verified says the checksum matched the registry's; false where the
	// registry has none (the file is kept and the checksum printed).
	Verified bool
	// Present says the file was already there, whole: nothing was fetched.
	Present bool
	// Resumed is the length of an earlier partial download continued.
	Resumed int64
}

// Source picks where the model comes from: f.From, else the mirror, else
// the registry's public address.
func (m Model) Source(from string) (string, error) {
	if from != "" {
		return from, nil
	}
	if mirror := os.Getenv(MirrorEnv); mirror != "" {
		if isURL(mirror) {
			return strings.TrimSuffix(mirror, "/") + "/" + m.File, nil
		}
		return filepath.Join(mirror, m.File), nil
	}
	if m.URL == "" {
		why := "it is not published anywhere as this exact file"
		if m.Note != "" {
			why += " (" + m.Note + ")"
		}
		return "", fmt.Errorf("model %s has no public download address: %s; give a copy's address or path with --from, or set $%s to a folder or server holding %s", m.Name, why, MirrorEnv, m.File)
	}
	return m.URL, nil
}

func isURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https")
}

// Fetch downloads the model's file into the models folder: into a .part
// file first, which a later fetch continues where a broken one stopped
// (an HTTP range request), then checked against the registry's SHA-256
// and renamed into place. A file whose checksum differs is deleted and
// refused, never left where the model is looked up.
func (m Model) Fetch(ctx context.Context, f Fetch) (*Fetched, error) {
	dst := m.Path(f.Dir)
	if sum, err := fileSHA256(dst); err == nil && m.SHA256 != "" && sum == m.SHA256 {
		return &Fetched{Path: dst, Source: dst, SHA256: sum, Verified: true, Present: true}, nil
	}
	src, err := m.Source(f.From)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return nil, fmt.Errorf("models folder: %w", err)
	}
	part := dst + ".part"
	out := &Fetched{Path: dst, Source: src}
	if isURL(src) {
		out.Resumed, err = download(ctx, f, src, part)
	} else {
		err = copyFile(src, part)
	}
	if err != nil {
		return nil, err
	}
	sum, err := fileSHA256(part)
	if err != nil {
		return nil, err
	}
	out.SHA256 = sum
	if m.SHA256 != "" {
		if sum != m.SHA256 {
			os.Remove(part)
			return nil, &ChecksumError{Model: m.Name, Source: src, Got: sum, Want: m.SHA256}
		}
		out.Verified = true
	}
	if err := os.Rename(part, dst); err != nil {
		return nil, err
	}
	return out, nil
}

// ChecksumError is a downloaded file that is not the registry's: it was
// deleted.
type ChecksumError struct{ Model, Source, Got, Want string }

func (e *ChecksumError) Error() string {
	return fmt.Sprintf("model %s from %s: SHA-256 %s, but the registry's is %s; the file is corrupt or another version, and was deleted", e.Model, e.Source, e.Got, e.Want)
}

// download fetches src into part, continuing a partial file, and returns
// how many bytes it continued from.
func download(ctx context.Context, f Fetch, src, part string) (resumed int64, err error) {
	client := f.Client
	if client == nil {
		client = http.DefaultClient
	}
	have := int64(0)
	if st, err := os.Stat(part); err == nil {
		have = st.Size()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, src, nil)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", src, err)
	}
	if have > 0 {
		req.Header.Set("Range", fmt.Sprintf("bytes=%d-", have))
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("downloading %s: %w", src, err)
	}
	defer resp.Body.Close()
	flags := os.O_CREATE | os.O_WRONLY
	switch {
	case resp.StatusCode == http.StatusPartialContent && have > 0 && rangeStart(resp.Header.Get("Content-Range")) == have:
		flags |= os.O_APPEND
		resumed = have
	case resp.StatusCode == http.StatusRequestedRangeNotSatisfiable && have > 0:
		// The partial file is already whole; the checksum decides.
		return have, nil
	case resp.StatusCode == http.StatusOK:
		flags |= os.O_TRUNC
		have = 0
	default:
		return 0, fmt.Errorf("downloading %s: %s", src, resp.Status)
	}
	w, err := os.OpenFile(part, flags, 0o644)
	if err != nil {
		return 0, err
	}
	total := int64(-1)
	if resp.ContentLength >= 0 {
		total = have + resp.ContentLength
	}
	done := have
	buf := make([]byte, 256<<10)
	for {
		n, rerr := resp.Body.Read(buf)
		if n > 0 {
			if _, err := w.Write(buf[:n]); err != nil {
				w.Close()
				return 0, err
			}
			done += int64(n)
			if f.Progress != nil {
				f.Progress(done, total)
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			w.Close()
			// The bytes so far stay in the .part file for the next try.
			return 0, fmt.Errorf("downloading %s: broken after %d bytes (%v); run the fetch again to continue", src, done, rerr)
		}
	}
	if err := w.Close(); err != nil {
		return 0, err
	}
	if total >= 0 && done != total {
		return 0, fmt.Errorf("downloading %s: %d of %d bytes; run the fetch again to continue", src, done, total)
	}
	return resumed, nil
}

// rangeStart reads the first byte of "bytes A-B/N" (-1 when malformed).
func rangeStart(h string) int64 {
	s, ok := strings.CutPrefix(h, "bytes ")
	if !ok {
		return -1
	}
	a, _, ok := strings.Cut(s, "-")
	if !ok {
		return -1
	}
	n, err := strconv.ParseInt(a, 10, 64)
	if err != nil {
		return -1
	}
	return n
}

func copyFile(src, dst string) error {
	src = strings.TrimPrefix(src, "file://")
	r, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("--from: %w", err)
	}
	defer r.Close()
	w, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(w, r); err != nil {
		w.Close()
		os.Remove(dst)
		return fmt.Errorf("copying %s: %w", src, err)
	}
	return w.Close()
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
