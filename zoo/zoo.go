// Package zoo knows the models invrep users compare: where to find them,
// how to check them, how to feed them, and their layers' friendly names. It
// also runs and reports layer sweeps over many images (sweep.go, report.go).
package zoo

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/invrep/invrep/graph"
	"github.com/invrep/invrep/onnxload"
)

// Model is a known model.
type Model struct {
	Name string
	// File is the model's file name inside the models directory.
	File string
	// SHA256 of the file; empty where no checksum could be confirmed.
	SHA256 string
	// URL is the public address that serves exactly File (SHA256); empty
	// where none does, such as a graph this project rebuilt (Note says
	// from what). Licence is the file's licence; Bytes its size, exact, or
	// rounded when Approx.
	URL     string
	Licence string
	Bytes   int64
	Approx  bool
	// Input is the graph input's name; Size its width and height.
	Input string
	Size  [2]int
	// Normalization is the model's input preprocessing.
	Normalization graph.Normalization
	// Labels names the class-label file (in the models directory) and
	// Classes their number.
	Labels  string
	Classes int
	// Aliases map friendly layer names (the paper's conv1 … fc8 for
	// AlexNet-like models) to ONNX node output names.
	Aliases map[string]string
	// ArchOnly models have constant weights (ConstantOfShape); use
	// RandomWeights to study them.
	ArchOnly bool
	// Note says anything a user should know about the entry.
	Note string
}

var (
	imagenet   = graph.ImageNet
	tfliteNorm = graph.Normalization{Mean: []float64{0.5, 0.5, 0.5}, Std: []float64{0.5, 0.5, 0.5}}
	// Caffe models take BGR pixels 0..255 with the ILSVRC mean removed.
	caffeNorm = graph.Normalization{Mean: []float64{122.68 / 255, 116.67 / 255, 104.01 / 255}, Std: []float64{1. / 255, 1. / 255, 1. / 255}, BGR: true}
	mnistNorm = graph.Normalization{Mean: []float64{0}, Std: []float64{1. / 255}}
)

// alexnetAliases are the paper's layer names for the Caffe2-exported
// AlexNet graphs (bvlc_alexnet: LRN before pooling), whose outputs are r0…r24.
var alexnetAliases = map[string]string{
	"conv1": "r0", "relu1": "r1", "norm1": "r2", "pool1": "r3", "mpool1": "r3",
	"conv2": "r4", "relu2": "r5", "norm2": "r6", "pool2": "r7", "mpool2": "r7",
	"conv3": "r8", "relu3": "r9", "conv4": "r10", "relu4": "r11", "conv5": "r12", "relu5": "r13",
	"pool5": "r14", "mpool5": "r14", "fc6": "r16", "relu6": "r17", "fc7": "r20", "relu7": "r21", "fc8": "r24", "prob": "prob_1",
}

// caffenetAliases: CaffeNet pools before normalising (Table 2 of the paper).
var caffenetAliases = map[string]string{
	"conv1": "r0", "relu1": "r1", "pool1": "r2", "mpool1": "r2", "norm1": "r3",
	"conv2": "r4", "relu2": "r5", "pool2": "r6", "mpool2": "r6", "norm2": "r7",
	"conv3": "r8", "relu3": "r9", "conv4": "r10", "relu4": "r11", "conv5": "r12", "relu5": "r13",
	"pool5": "r14", "mpool5": "r14", "fc6": "r16", "relu6": "r17", "fc7": "r20", "relu7": "r21", "fc8": "r24", "prob": "prob_1",
}

const (
	zooURL = "https://github.com/onnx/models/raw/main/validated/vision/classification/"
	// zooLicence is the ONNX model zoo's; the original weights' terms are
	// on each model's page there.
	zooLicence = "Apache-2.0 (ONNX model zoo)"
)

// Registry lists every known model.
var Registry = []Model{
	{Name: "squeezenet1.1", File: "squeezenet1.1.onnx", SHA256: "6a62fecff69a13d646cea50a9047cc93724a0a50793beca7b8c2566100f4666b",
		Licence: "Apache-2.0", Bytes: 4948751, Input: "data", Size: [2]int{224, 224}, Normalization: imagenet,
		Labels: "imagenet_synsets.txt", Classes: 1000, Note: "graph rebuilt around the weights of " + zooURL + "squeezenet/model/squeezenet1.1-7.onnx"},
	{Name: "squeezenet1.0-tflite", File: "squeezenet1.0-tflite.onnx", SHA256: "77e6f36e1b212f5ce7629def27e64ba7ca3c48d790079da9b4ebeec380c9e442",
		Licence: "Apache-2.0", Bytes: 5003872, Input: "input", Size: [2]int{224, 224}, Normalization: tfliteNorm, Classes: 1001, Note: "TFLite zoo weights; class 0 is background"},
	{Name: "mobilenetv2-1.0", File: "mobilenetv2-1.0.onnx", SHA256: "dc6f975c2944c86dacabb6a8e827dd9698f27a598e5a0f68c9d5e3bfbc18f366",
		Licence: "Apache-2.0", Bytes: 13962078, Input: "input", Size: [2]int{224, 224}, Normalization: imagenet,
		Labels: "imagenet_synsets.txt", Classes: 1000, Note: "ONNX zoo mobilenetv2-7 with batch norm folded (the zoo's own file is the entry mobilenetv2)"},
	{Name: "mnist-8", File: "mnist-8.onnx", SHA256: "486cf6b7d7cdb5fdce37e65537326fac02f9c9866efe1f09e3f9779e495e8624",
		URL: zooURL + "mnist/model/mnist-8.onnx", Licence: "MIT", Bytes: 25905, Input: "Input3", Size: [2]int{28, 28}, Normalization: mnistNorm, Classes: 10},
	arch("alexnet-arch", "arch/bvlc_alexnet.onnx", "2afa78cef5a88aed9d6e3d63fb92bd330c9177ac150d19189c6b3e7204ba0212", "data_0", 3968, alexnetAliases),
	arch("zfnet512-arch", "arch/zfnet512.onnx", "6444bb58b98c3d14f551a3bdb83eea9e5db7e147790db3115c447e9c9a8338b0", "gpu_0/data_0", 4506, nil),
	arch("vgg19-arch", "arch/vgg19.onnx", "8e547d732b3a3d66eeb8fa64a026adb994d3db552f0bbd52e436d06300d89afe", "data_0", 9311, nil),
	arch("googlenet-arch", "arch/inception_v1.onnx", "bb7a0e6c370c709f5615eeef961b43628de13d0009ae4d6f4bfb0d5aea5d8270", "data_0", 36869, nil),
	arch("resnet50-arch", "arch/resnet50.onnx", "05e77a5c9c9ce0913f549a50d6ebaced5e0ff6817b61e09bae26e4c5bd9055e4", "gpu_0/data_0", 79770, nil),
	arch("shufflenet-arch", "arch/shufflenet.onnx", "c6f406d62be36d6b4572542c0950a2abd59f56237068793290680bba89fbafe5", "gpu_0/data_0", 67666, nil),
	arch("densenet121-arch", "arch/densenet121.onnx", "49ddb5712797d6164f1d864bedaad927de4f3909ad1b4ba390a92c2f8150e9f6", "data_0", 214344, nil),
	arch("squeezenet-arch", "arch/squeezenet.onnx", "770b0f3c8623e18bf58b53754d710051b4c268248422142980a132bbe6dfe908", "data_0", 15618, nil),
	// Public ONNX model zoo models users will have; checksums are those the
	// zoo's Git LFS pointers record, where this project could read them.
	{Name: "alexnet", File: "bvlcalexnet-8.onnx", SHA256: "9a4dc22fd706a19462aaec3b08e027e0ef89daf63d123824f20b59b6de9a727b",
		URL: zooURL + "alexnet/model/bvlcalexnet-8.onnx", Licence: zooLicence, Bytes: 244e6, Approx: true, Input: "data_0", Size: [2]int{224, 224}, Normalization: caffeNorm,
		Labels: "imagenet_synsets.txt", Classes: 1000, Aliases: alexnetAliases, Note: "aliases follow alexnet-arch, exported the same way"},
	{Name: "caffenet", File: "caffenet-9.onnx", SHA256: "802138332cf3e423c82a9a80c76e4f9227dd4effb3aba55413601fa4345cfd36",
		URL: zooURL + "caffenet/model/caffenet-9.onnx", Licence: zooLicence, Bytes: 244e6, Approx: true, Input: "data_0", Size: [2]int{227, 227}, Normalization: caffeNorm,
		Labels: "imagenet_synsets.txt", Classes: 1000, Aliases: caffenetAliases, Note: "the paper's CNN-A; aliases assume the r0…r24 outputs of the zoo's Caffe2 exports, not checked here"},
	{Name: "vgg16", File: "vgg16-7.onnx", URL: zooURL + "vgg/model/vgg16-7.onnx", Licence: zooLicence, Bytes: 553e6, Approx: true, Input: "data", Size: [2]int{224, 224},
		Normalization: imagenet, Labels: "imagenet_synsets.txt", Classes: 1000},
	{Name: "resnet18", File: "resnet18-v2-7.onnx", SHA256: "3b4d048057854022232aa20bf68262e31718ab7119a17f920b8a2dc1433f824b",
		URL: zooURL + "resnet/model/resnet18-v2-7.onnx", Licence: zooLicence, Bytes: 47e6, Approx: true, Input: "data", Size: [2]int{224, 224}, Normalization: imagenet,
		Labels: "imagenet_synsets.txt", Classes: 1000},
	{Name: "resnet50", File: "resnet50-v1-7.onnx", URL: zooURL + "resnet/model/resnet50-v1-7.onnx", Licence: zooLicence, Bytes: 103e6, Approx: true, Input: "data", Size: [2]int{224, 224},
		Normalization: imagenet, Labels: "imagenet_synsets.txt", Classes: 1000},
	{Name: "googlenet", File: "googlenet-7.onnx", SHA256: "5725ccfd90845735ce5897faf7843c3f9b13acda3c4f3bff82cb21c9337c9de8",
		URL: zooURL + "inception_and_googlenet/googlenet/model/googlenet-7.onnx", Licence: zooLicence, Bytes: 28e6, Approx: true, Input: "data_0", Size: [2]int{224, 224},
		Normalization: caffeNorm, Labels: "imagenet_synsets.txt", Classes: 1000},
	{Name: "mobilenetv2", File: "mobilenetv2-7.onnx", URL: zooURL + "mobilenet/model/mobilenetv2-7.onnx", Licence: zooLicence, Bytes: 14e6, Approx: true, Input: "input", Size: [2]int{224, 224},
		Normalization: imagenet, Labels: "imagenet_synsets.txt", Classes: 1000},
	{Name: "squeezenet1.0", File: "squeezenet1.0-8.onnx", SHA256: "3c0bff2f7c984350d3ffa98e0167dc08c15da88f05d0c31989ebeba6fbb5e025",
		URL: zooURL + "squeezenet/model/squeezenet1.0-8.onnx", Licence: zooLicence, Bytes: 5e6, Approx: true, Input: "data_0", Size: [2]int{224, 224}, Normalization: imagenet,
		Labels: "imagenet_synsets.txt", Classes: 1000},
}

// arch is an architecture-only graph of ../shared/models/arch (Caffe2
// exports: BGR input with the ILSVRC mean removed).
func arch(name, file, sha, input string, bytes int64, aliases map[string]string) Model {
	return Model{Name: name, File: file, SHA256: sha, Input: input, Size: [2]int{224, 224}, Licence: "Apache-2.0", Bytes: bytes,
		Normalization: caffeNorm, Classes: 1000, Aliases: aliases, ArchOnly: true,
		Note: "the ONNX backend test suite's light models"}
}

// Lookup finds a registry entry by name.
func Lookup(name string) (Model, bool) {
	for _, m := range Registry {
		if m.Name == name {
			return m, true
		}
	}
	return Model{}, false
}

// Names lists the registry's names.
func Names() []string {
	var out []string
	for _, m := range Registry {
		out = append(out, m.Name)
	}
	sort.Strings(out)
	return out
}

// Dir is where models are looked up: dir when set (--models-dir), else
// $INVREP_MODELS, else DefaultDir.
func Dir(dir string) string {
	switch {
	case dir != "":
		return dir
	case os.Getenv("INVREP_MODELS") != "":
		return os.Getenv("INVREP_MODELS")
	}
	return DefaultDir()
}

// DefaultDir is the user's cache: invrep/models under os.UserCacheDir
// ($XDG_CACHE_HOME or ~/.cache on Linux), where 'invrep zoo fetch' puts
// models; ./models where the system names no cache.
func DefaultDir() string {
	c, err := os.UserCacheDir()
	if err != nil {
		return "models"
	}
	return filepath.Join(c, "invrep", "models")
}

// DirSource says where Dir(dir) came from, for messages.
func DirSource(dir string) string {
	switch {
	case dir != "":
		return "--models-dir"
	case os.Getenv("INVREP_MODELS") != "":
		return "$INVREP_MODELS"
	}
	return "the default, the user cache"
}

// Path is where the model's file is expected in dir.
func (m Model) Path(dir string) string { return filepath.Join(Dir(dir), m.File) }

// Status reports whether the file is present and whether its checksum
// matches ("ok", "MISMATCH", or "unknown" where the registry has none).
func (m Model) Status(dir string) (present bool, checksum string, err error) {
	f, err := os.Open(m.Path(dir))
	if errors.Is(err, os.ErrNotExist) {
		return false, "", nil
	}
	if err != nil {
		return false, "", err
	}
	defer f.Close()
	if m.SHA256 == "" {
		return true, "unknown", nil
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return true, "", err
	}
	if hex.EncodeToString(h.Sum(nil)) == m.SHA256 {
		return true, "ok", nil
	}
	return true, "MISMATCH", nil
}

// Layer maps a friendly alias to the ONNX node name (unchanged otherwise).
func (m Model) Layer(name string) string {
	if n, ok := m.Aliases[name]; ok {
		return n
	}
	return name
}

// Resolved is a model ready to build: a file loaded, with its registry
// entry when it came from the zoo.
type Resolved struct {
	Model *onnxload.Model
	Entry *Model // nil for a plain path
	Path  string
}

// Open resolves nameOrPath: a registry name (looked up in dir) or a path
// to an ONNX file. randomSeed ≥ 0 replaces constant weights with seeded
// random ones (see RandomWeights); without it a model whose weights are
// all constant is refused (a *ConstantWeightsError).
func Open(nameOrPath, dir string, randomSeed int64) (*Resolved, error) {
	r, err := OpenStructure(nameOrPath, dir, randomSeed)
	if err != nil {
		return nil, err
	}
	if randomSeed < 0 {
		if err := CheckWeights(r.Model, nameOrPath); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// OpenStructure is Open for what needs only the graph (its layers and
// shapes): a model of constant weights is not refused.
func OpenStructure(nameOrPath, dir string, randomSeed int64) (*Resolved, error) {
	r := &Resolved{Path: nameOrPath}
	if e, ok := Lookup(nameOrPath); ok {
		r.Entry, r.Path = &e, e.Path(dir)
		if _, err := os.Stat(r.Path); err != nil {
			return nil, &MissingError{msg: fmt.Sprintf("model %s: %s is not in the models folder %s (%s)", nameOrPath, e.File, Dir(dir), DirSource(dir)), Entry: e.Name}
		}
	} else if _, err := os.Stat(nameOrPath); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			msg := fmt.Sprintf("model %s: no such file, and not a zoo name", nameOrPath)
			if c := onnxload.Closest(nameOrPath, Names(), 3); len(c) > 0 && !strings.ContainsAny(nameOrPath, "/\\") && !strings.HasSuffix(nameOrPath, ".onnx") {
				msg += fmt.Sprintf("; did you mean %s?", strings.Join(c, " or "))
			}
			return nil, &MissingError{msg: msg}
		}
		return nil, fmt.Errorf("model %s: %w", nameOrPath, err)
	}
	m, err := onnxload.Load(r.Path)
	if err != nil {
		return nil, err
	}
	if randomSeed >= 0 {
		if err := RandomWeights(m, randomSeed); err != nil {
			return nil, err
		}
	}
	r.Model = m
	return r, nil
}

// MissingError is a model that is neither a file nor a zoo entry whose file
// is present. Commands add how to point at the models or list them.
type MissingError struct {
	msg string
	// Entry is the zoo name whose file is missing ("" for a path).
	Entry string
}

func (e *MissingError) Error() string { return e.msg }
