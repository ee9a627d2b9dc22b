package zoo

import (
	"bufio"
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/invrep/invrep/onnxload"
)

// imagenetSynsets is the ONNX model zoo's ImageNet class list, built in so
// that class names work wherever invrep runs (a models folder's own
// imagenet_synsets.txt is read first).
//
//go:embed imagenet_synsets.txt
var imagenetSynsets []byte

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
	if errors.Is(err, os.ErrNotExist) {
		return readLabels(bytes.NewReader(imagenetSynsets), "the built-in imagenet_synsets.txt")
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readLabels(f, path)
}

// ClassLabels are the model's class names: the ImageNet list for the
// zoo's ImageNet classifiers, with "background" first for the 1001-class
// TFLite ones. Models of other classes have none (an error).
func (m Model) ClassLabels(dir string) (*Labels, error) {
	if m.Classes != 1000 && m.Classes != 1001 {
		return nil, fmt.Errorf("model %s has %d classes and no class names: give --class an index", m.Name, m.Classes)
	}
	l, err := ImageNetLabels(Dir(dir))
	if err != nil {
		return nil, err
	}
	if m.Classes == 1001 {
		l = &Labels{Names: append([]string{"background"}, l.Names...), Synonyms: append([][]string{{"background"}}, l.Synonyms...)}
	}
	return l, nil
}

func readLabels(f io.Reader, path string) (*Labels, error) {
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
			return 0, &ClassError{fmt.Sprintf("class %d: there are %d (0 to %d)", i, len(l.Names), len(l.Names)-1)}
		}
		return i, nil
	}
	want := strings.ToLower(strings.TrimSpace(nameOrIndex))
	var all []string
	index := map[string]int{}
	for i, syn := range l.Synonyms {
		for _, s := range syn {
			if strings.ToLower(s) == want {
				return i, nil
			}
			if _, ok := index[s]; !ok {
				index[s] = i
				all = append(all, s)
			}
		}
	}
	msg := fmt.Sprintf("no class named %q", nameOrIndex)
	if close := onnxload.Closest(want, all, 5); len(close) > 0 {
		for i, c := range close {
			close[i] = fmt.Sprintf("%q (%d)", c, index[c])
		}
		msg += "; closest: " + strings.Join(close, ", ")
	}
	return 0, &ClassError{msg}
}

// ClassError is a class name or index the labels do not have. Commands
// add how to list them.
type ClassError struct{ msg string }

func (e *ClassError) Error() string { return e.msg }
