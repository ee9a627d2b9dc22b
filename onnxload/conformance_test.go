package onnxload

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/invrep/invrep/graph"
)

// The ONNX project's operator conformance suite: one small model per op,
// attribute and opset form, with reference inputs and outputs (the
// backend node tests every runtime runs), as Debian's libonnx-testdata
// installs it.
const conformanceDir = "/usr/share/libonnx-testdata/data/node"

// conformanceResult is what became of one node test.
type conformanceResult int

const (
	passed     conformanceResult = iota
	refused                      // an error naming what is not supported
	wrong                        // computed, and not the reference
	crashed                      // a recovered panic
	hung                         // no answer in conformanceTimeout
	notFloat                     // the first input or output is not float32
	outOfScope                   // an op no image representation uses (docs/conformance.md)
)

var resultNames = [...]string{"passed", "refused", "wrong", "crashed", "hung", "not float", "out of scope"}

// scope is what invrep refuses by design, by op (or test-name prefix for
// the tests of functions expanded into primitives), with why: the reasons
// docs/conformance.md gives.
var scope = []struct{ prefixes, why string }{
	{"RNN LSTM GRU rnn lstm gru", "recurrent layers: sequence models, not image representations"},
	{"ai.onnx.preview.training. adagrad adam momentum nesterov gradient NegativeLogLikelihoodLoss SoftmaxCrossEntropyLoss nllloss sce_",
		"training-only ops and losses: an inversion differentiates the model, it does not train it"},
	{"RandomUniform RandomNormal Bernoulli Multinomial bernoulli", "random generators: a representation must be a function of its input"},
	{"Sequence Optional SplitToSequence ConcatFromSequence sequence optional identity_sequence identity_opt if_seq if_opt loop13_seq loop16_seq",
		"sequence and optional types: invrep's values are tensors"},
	{"StringNormalizer TfIdfVectorizer RegexFullMatch StringConcat StringSplit strnormalizer cast_FLOAT_to_STRING cast_STRING castlike_FLOAT_to_STRING castlike_STRING",
		"strings: no image representation computes text"},
	{"DFT STFT HannWindow HammingWindow BlackmanWindow MelWeightMatrix dft stft hannwindow hammingwindow blackmanwindow melweightmatrix",
		"signal transforms: audio front ends, not image representations"},
	{"Unique unique", "Unique: its output size depends on the values, which no gradient can follow"},
	{"training_dropout batchnorm_epsilon_training_mode batchnorm_example_training_mode",
		"training mode (random units dropped, batch statistics): refused with a message; invrep runs models in inference mode"},
}

// scopeReason gives the reason invrep refuses a test's op by design, or "".
func scopeReason(op, name string) string {
	for _, s := range scope {
		for _, p := range strings.Fields(s.prefixes) {
			if strings.HasPrefix(op, p) || strings.HasPrefix(name, p) {
				return s.why
			}
		}
	}
	return ""
}

const conformanceTimeout = 30 * time.Second

// TestConformance runs every node test of the installed suite through the
// path a user's model takes (Load, Build at the reference input's shape,
// the graph run forward), the test's other inputs fed as constants since
// invrep takes one input, and compares its first output as the ONNX
// backend runner does (|got − want| ≤ 1e-7 + 1e-3·|want|, NaN equal). It
// prints the counts per op and overall (docs/conformance.md quotes them),
// and fails on any test that is wrong, crashes or hangs: a refusal names
// what is missing; a wrong answer reported as success is the worst
// failure there is.
func TestConformance(t *testing.T) {
	dirs, _ := filepath.Glob(filepath.Join(conformanceDir, "test_*"))
	if len(dirs) == 0 {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the ONNX conformance suite is not installed at %s (apt-get install libonnx-testdata)", conformanceDir)
		}
		t.Skipf("the ONNX conformance suite is not installed at %s", conformanceDir)
	}
	type tally struct{ n [len(resultNames)]int }
	perOp := map[string]*tally{}
	var total tally
	var failures []string
	for _, dir := range dirs {
		name := strings.TrimPrefix(filepath.Base(dir), "test_")
		res, op, why := runConformance(dir)
		if res != passed && res != wrong && res != crashed && res != hung {
			if reason := scopeReason(op, name); reason != "" {
				res, why = outOfScope, reason
			}
		}
		if perOp[op] == nil {
			perOp[op] = &tally{}
		}
		perOp[op].n[res]++
		total.n[res]++
		if res == wrong || res == crashed || res == hung {
			failures = append(failures, fmt.Sprintf("%s (%s): %s: %s", name, op, resultNames[res], why))
		}
		if testing.Verbose() && res != passed && res != notFloat {
			t.Logf("%s (%s): %s: %.200s", name, op, resultNames[res], why)
		}
	}
	var ops []string
	for op := range perOp {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	var b strings.Builder
	fmt.Fprintf(&b, "| op | passed | refused | wrong | crashed | hung | not float | out of scope |\n|---|---|---|---|---|---|---|---|\n")
	for _, op := range ops {
		n := perOp[op].n
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %d | %d | %d | %d |\n", op, n[passed], n[refused], n[wrong], n[crashed], n[hung], n[notFloat], n[outOfScope])
	}
	n := total.n
	fmt.Fprintf(&b, "| **all %d** | %d | %d | %d | %d | %d | %d | %d |\n", len(dirs), n[passed], n[refused], n[wrong], n[crashed], n[hung], n[notFloat], n[outOfScope])
	inScope := n[passed] + n[refused] + n[wrong] + n[crashed] + n[hung]
	fmt.Fprintf(&b, "\nIn scope, float: %d of %d pass.\n", n[passed], inScope)
	t.Logf("ONNX node tests (%s):\n%s", conformanceDir, b.String())
	for _, f := range failures {
		t.Error(f)
	}
}

// runConformance runs one node test: its result, the op it tests (the
// single node's type, or the test's first word for a function expanded
// into several nodes) and why it did not pass.
func runConformance(dir string) (res conformanceResult, op, why string) {
	op = strings.SplitN(strings.TrimPrefix(filepath.Base(dir), "test_"), "_", 2)[0]
	type answer struct {
		res conformanceResult
		why string
	}
	done := make(chan answer, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- answer{crashed, fmt.Sprint(r)}
			}
		}()
		res, why := conformanceCase(dir, &op)
		done <- answer{res, why}
	}()
	select {
	case a := <-done:
		return a.res, op, a.why
	case <-time.After(conformanceTimeout):
		return hung, op, fmt.Sprintf("no answer in %v", conformanceTimeout)
	}
}

func conformanceCase(dir string, op *string) (conformanceResult, string) {
	raw, err := os.ReadFile(filepath.Join(dir, "model.onnx"))
	if err != nil {
		return refused, err.Error()
	}
	// The op before anything can refuse: the header alone names it.
	if h, err := readHeader(bytesClone(raw), tensorSource{files: new([]string)}); err == nil && len(h.nodes) == 1 {
		*op = h.nodes[0].OpType
	}
	var ins, outs []*Tensor
	for k := 0; ; k++ {
		t, err := readTensorFile(filepath.Join(dir, "test_data_set_0", fmt.Sprintf("input_%d.pb", k)))
		if os.IsNotExist(err) {
			break
		}
		if err != nil {
			return refused, err.Error()
		}
		ins = append(ins, t)
	}
	for k := 0; ; k++ {
		t, err := readTensorFile(filepath.Join(dir, "test_data_set_0", fmt.Sprintf("output_%d.pb", k)))
		if os.IsNotExist(err) {
			break
		}
		if err != nil {
			return refused, err.Error()
		}
		outs = append(outs, t)
	}
	if len(ins) == 0 || len(outs) == 0 || ins[0].IsInt || outs[0].IsInt || ins[0].DataType != dtFloat || outs[0].DataType != dtFloat {
		return notFloat, ""
	}
	m, err := Load(filepath.Join(dir, "model.onnx"))
	if err != nil {
		return refused, err.Error()
	}
	if len(m.Inputs) == 0 {
		return refused, "no graph input"
	}
	// Graph inputs are matched to the files in order; all but the first
	// become constants.
	names := make([]string, len(m.Inputs))
	for i, in := range m.Inputs {
		names[i] = in.Name
	}
	if len(names) < len(ins) {
		return refused, fmt.Sprintf("%d inputs declared, %d given", len(names), len(ins))
	}
	for k := 1; k < len(ins); k++ {
		m.Initializers[names[k]] = ins[k]
	}
	m.Inputs = m.Inputs[:1]
	if len(m.Outputs) == 0 {
		return refused, "no output"
	}
	shape := intShape(ins[0])
	x := &graph.Tensor{Shape: shape, Data: ins[0].Float}
	net, err := m.Build(Options{InputShape: shape, Outputs: m.Outputs[:1]})
	if err != nil {
		return refused, err.Error()
	}
	node := net.Outputs[m.Outputs[0]]
	var got *graph.Tensor
	if c, ok := node.Constant(); ok {
		got = c
	} else if got, err = net.Graph.Evaluate(node, x); err != nil {
		return refused, err.Error()
	}
	want := outs[0]
	if graph.Numel(got.Shape) != len(want.Float) {
		return wrong, fmt.Sprintf("%d values (shape %v), want %d (shape %v)", len(got.Data), got.Shape, len(want.Float), want.Dims)
	}
	worst, at := 0.0, -1
	for i, w := range want.Float {
		g := float64(got.Data[i])
		wf := float64(w)
		if math.IsNaN(wf) && math.IsNaN(g) {
			continue
		}
		d := math.Abs(g - wf)
		if math.IsNaN(d) || d > 1e-7+1e-3*math.Abs(wf) {
			if at < 0 || d > worst || math.IsNaN(d) {
				worst, at = d, i
			}
		}
	}
	if at >= 0 {
		return wrong, fmt.Sprintf("value %d is %g, want %g (max error %g)", at, got.Data[at], want.Float[at], worst)
	}
	return passed, ""
}

// readTensorFile reads a serialised TensorProto (the suite's .pb files).
func readTensorFile(path string) (*Tensor, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	_, t, err := tensorSource{files: new([]string)}.readTensor(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

func bytesClone(b []byte) []byte { return append([]byte(nil), b...) }
