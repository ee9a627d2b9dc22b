package zoo

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Labels are a classifier's class names, in output order: the first name
// of each class and all its synonyms.
type Labels struct {
	Names    []string
	Synonyms [][]string
}

// ImageNetLabels reads imagenet_synsets.txt from dir (the models folder):
// 1000 lines "nXXXXXXXX name, synonym, …" in the ONNX model zoo's order.
func ImageNetLabels(dir string) (*Labels, error) {
	path := filepath.Join(dir, "imagenet_synsets.txt")
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	l := &Labels{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		_, names, ok := strings.Cut(line, " ")
		if !ok {
			return nil, fmt.Errorf("%s: line %d: want \"nXXXXXXXX name, …\"", path, len(l.Names)+1)
		}
		var syn []string
		for _, s := range strings.Split(names, ",") {
			syn = append(syn, strings.TrimSpace(s))
		}
		l.Names = append(l.Names, syn[0])
		l.Synonyms = append(l.Synonyms, syn)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return l, nil
}

// Class resolves a class given as an index or a name (any synonym, case
// folded).
func (l *Labels) Class(nameOrIndex string) (int, error) {
	if i, err := strconv.Atoi(strings.TrimSpace(nameOrIndex)); err == nil {
		if i < 0 || i >= len(l.Names) {
			return 0, fmt.Errorf("class %d: there are %d (0 to %d)", i, len(l.Names), len(l.Names)-1)
		}
		return i, nil
	}
	want := strings.ToLower(strings.TrimSpace(nameOrIndex))
	var close []string
	for i, syn := range l.Synonyms {
		for _, s := range syn {
			if strings.ToLower(s) == want {
				return i, nil
			}
			if strings.Contains(strings.ToLower(s), want) && len(close) < 5 {
				close = append(close, fmt.Sprintf("%q (%d)", s, i))
			}
		}
	}
	msg := fmt.Sprintf("no class named %q", nameOrIndex)
	if len(close) > 0 {
		msg += "; names containing it: " + strings.Join(close, ", ")
	}
	return 0, fmt.Errorf("%s", msg)
}
