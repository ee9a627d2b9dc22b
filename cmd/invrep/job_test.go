package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	"sigs.k8s.io/yaml"

	"github.com/invrep/invrep/graph/testenv"
	"github.com/invrep/invrep/zoo"
)

const jobManifest = "../../zoo/sweep-job.yaml"

// loadJob decodes the sweep's manifest strictly into Kubernetes' batch/v1
// Job: an unknown or misspelt field is an error.
func loadJob(t *testing.T) *batchv1.Job {
	t.Helper()
	b, err := os.ReadFile(jobManifest)
	if err != nil {
		t.Fatal(err)
	}
	var job batchv1.Job
	if err := yaml.UnmarshalStrict(b, &job); err != nil {
		t.Fatalf("%s is not a valid batch/v1 Job: %v", jobManifest, err)
	}
	return &job
}

// shards reads N from the container's --shard env/N.
func shards(t *testing.T, args []string) int {
	t.Helper()
	i := slices.Index(args, "--shard")
	if i < 0 || i+1 >= len(args) || !strings.HasPrefix(args[i+1], "env/") {
		t.Fatalf("the sweep's arguments have no --shard env/N: %v", args)
	}
	n, err := strconv.Atoi(strings.TrimPrefix(args[i+1], "env/"))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestSweepJobManifest: what the sweep needs of the Job.
func TestSweepJobManifest(t *testing.T) {
	job := loadJob(t)
	if job.APIVersion != "batch/v1" || job.Kind != "Job" {
		t.Errorf("apiVersion %q, kind %q", job.APIVersion, job.Kind)
	}
	spec := job.Spec
	if spec.CompletionMode == nil || *spec.CompletionMode != batchv1.IndexedCompletion {
		t.Error("completionMode is not Indexed: pods get no JOB_COMPLETION_INDEX")
	}
	pod := spec.Template.Spec
	if len(pod.Containers) != 1 {
		t.Fatalf("%d containers", len(pod.Containers))
	}
	c := pod.Containers[0]
	n := shards(t, c.Args)
	if spec.Completions == nil || int(*spec.Completions) != n {
		t.Errorf("completions %v, but --shard env/%d", spec.Completions, n)
	}
	if spec.Parallelism == nil || *spec.Parallelism < 1 || int(*spec.Parallelism) > n {
		t.Errorf("parallelism %v for %d shards", spec.Parallelism, n)
	}
	if pod.RestartPolicy != "OnFailure" {
		t.Errorf("restartPolicy %q: a killed shard must be restarted to resume", pod.RestartPolicy)
	}
	if !slices.Contains(c.Args, "/results/shard-$(JOB_COMPLETION_INDEX)") {
		t.Errorf("each shard must write its own folder under /results: %v", c.Args)
	}
	mounts := map[string]bool{}
	for _, m := range c.VolumeMounts {
		mounts[m.MountPath] = m.ReadOnly
	}
	if ro, ok := mounts["/results"]; !ok || ro {
		t.Error("/results must be a writable mount")
	}
	for _, p := range []string{"/models", "/photos"} {
		if ro, ok := mounts[p]; !ok || !ro {
			t.Errorf("%s must be mounted read-only", p)
		}
	}
	volumes := map[string]bool{}
	for _, v := range pod.Volumes {
		volumes[v.Name] = true
	}
	for _, m := range c.VolumeMounts {
		if !volumes[m.Name] {
			t.Errorf("mount %s names no volume", m.Name)
		}
	}
}

// expand is the kubelet's expansion of $(VAR) in a container's arguments.
func expand(arg string, env map[string]string) string {
	return regexp.MustCompile(`\$\(([A-Za-z_][A-Za-z0-9_]*)\)`).ReplaceAllStringFunc(arg, func(m string) string {
		if v, ok := env[m[2:len(m)-1]]; ok {
			return v
		}
		return m
	})
}

// TestSweepJobPlayed plays the Job on this machine: each index runs the
// manifest's own arguments (its mounts mapped to local folders, the
// kubelet's $(VAR) expansion, and, so that the test is quick, a few
// iterations at a small size appended), one shard is killed mid-run and
// restarted as restartPolicy OnFailure would, and the documented report
// merges the shards. The merged results equal an unsharded sweep's: nothing
// lost, nothing counted twice.
func TestSweepJobPlayed(t *testing.T) {
	job := loadJob(t)
	c := job.Spec.Template.Spec.Containers[0]
	n := shards(t, c.Args)
	tmp := t.TempDir()
	photos := filepath.Join(tmp, "photos")
	os.Mkdir(photos, 0o755)
	writePNG(t, filepath.Join(photos, "a.png"), 40, 30)
	writePNG(t, filepath.Join(photos, "b.png"), 30, 40)
	local := map[string]string{"/models": filepath.Join(testenv.Shared(t), "models"), "/photos": photos, "/results": filepath.Join(tmp, "results")}
	os.Mkdir(local["/results"], 0o755)
	for _, m := range c.VolumeMounts {
		if local[m.MountPath] == "" {
			t.Fatalf("no local folder for mount %s", m.MountPath)
		}
	}
	quick := []string{"--iters", "20", "--size", "48", "--workers", "1"}
	argsFor := func(index int) []string {
		var out []string
		for _, a := range c.Args {
			a = expand(a, map[string]string{"JOB_COMPLETION_INDEX": strconv.Itoa(index)})
			for mount, dir := range local {
				if a == mount || strings.HasPrefix(a, mount+"/") {
					a = dir + strings.TrimPrefix(a, mount)
				}
			}
			out = append(out, a)
		}
		return append(out, quick...)
	}
	lines := func(dir string) int {
		b, _ := os.ReadFile(filepath.Join(dir, zoo.ResultsFile))
		return strings.Count(string(b), "\n")
	}
	killed := 1 % n
	for i := 0; i < n; i++ {
		args := argsFor(i)
		if i == killed {
			cmd := exec.Command(bin, args...)
			cmd.Env = append(os.Environ(), "JOB_COMPLETION_INDEX="+strconv.Itoa(i))
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			dir := filepath.Join(local["/results"], "shard-"+strconv.Itoa(i))
			deadline := time.Now().Add(2 * time.Minute)
			for lines(dir) < 1 && time.Now().Before(deadline) {
				time.Sleep(2 * time.Millisecond)
			}
			cmd.Process.Kill()
			cmd.Wait()
			if got := lines(dir); got < 1 {
				t.Fatalf("shard %d wrote nothing before the kill", i)
			} else {
				t.Logf("shard %d killed after %d finished runs", i, got)
			}
		}
		// The (re)start: a killed shard resumes from its results.jsonl.
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), "JOB_COMPLETION_INDEX="+strconv.Itoa(i))
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("shard %d: %v\n%s", i, err, out)
		}
	}
	// The merge the manifest documents.
	b, _ := os.ReadFile(jobManifest)
	m := regexp.MustCompile(`(?m)^#\s+invrep (report --in \S+ --out \S+)$`).FindSubmatch(b)
	if m == nil {
		t.Fatal("the manifest documents no 'invrep report --in … --out …' merge")
	}
	var report []string
	for _, a := range strings.Fields(string(m[1])) {
		var parts []string
		for _, p := range strings.Split(a, ",") {
			parts = append(parts, strings.Replace(p, "/results", local["/results"], 1))
		}
		report = append(report, strings.Join(parts, ","))
	}
	if r := invrep(t, report...); r.code != 0 {
		t.Fatalf("merge: %s", r.stderr)
	}
	if _, err := os.Stat(filepath.Join(local["/results"], "report", "table.csv")); err != nil {
		t.Errorf("the merged report: %v", err)
	}
	// The same sweep unsharded.
	whole := argsFor(0)
	i := slices.Index(whole, "--shard")
	whole = append(whole[:i:i], whole[i+2:]...)
	j := slices.Index(whole, "--out")
	whole[j+1] = filepath.Join(tmp, "whole")
	if r := invrep(t, whole...); r.code != 0 {
		t.Fatalf("unsharded sweep: %s", r.stderr)
	}
	var dirs []string
	for i := 0; i < n; i++ {
		dirs = append(dirs, filepath.Join(local["/results"], "shard-"+strconv.Itoa(i)))
	}
	checkMerged(t, dirs, filepath.Join(tmp, "whole"), 12) // 6 layers × 2 photos
}
