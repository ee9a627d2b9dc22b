package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/invrep/invrep/zoo"
)

// slurmConf finds the configuration of a running cluster: $SLURM_CONF, or
// the one .ci/slurm starts. Without one the test skips, except under
// CI=true, where .ci/run has started it.
func slurmConf(t *testing.T) string {
	conf := os.Getenv("SLURM_CONF")
	if conf == "" {
		conf = "/tmp/invrep-slurm/slurm.conf"
	}
	_, err := os.Stat(conf)
	if err == nil {
		if _, err = exec.LookPath("sbatch"); err == nil {
			return conf
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("no Slurm cluster (%v): .ci/run starts one with .ci/slurm start", err)
	}
	t.Skipf("no Slurm cluster (%v): start one with .ci/slurm start", err)
	return ""
}

// slurm runs a Slurm command against the cluster.
func slurm(t *testing.T, conf string, args ...string) string {
	t.Helper()
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = append(os.Environ(), "SLURM_CONF="+conf)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// jobState is a job's (or an array task's, as 12_3) state and restarts.
func jobState(t *testing.T, conf, id string) (string, int) {
	cmd := exec.Command("scontrol", "show", "job", id)
	cmd.Env = append(os.Environ(), "SLURM_CONF="+conf)
	out, _ := cmd.CombinedOutput()
	state := regexp.MustCompile(`JobState=(\S+)`).FindSubmatch(out)
	restarts := regexp.MustCompile(`Restarts=(\d+)`).FindSubmatch(out)
	if state == nil {
		return "", 0
	}
	n := 0
	if restarts != nil {
		n, _ = strconv.Atoi(string(restarts[1]))
	}
	return string(state[1]), n
}

// sweepProcess finds the pid of the invrep sweep writing into dir.
func sweepProcess(dir string) int {
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range procs {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		args := strings.Split(string(b), "\x00")
		for i, a := range args {
			if a == "--out" && i+1 < len(args) && args[i+1] == dir && strings.HasSuffix(args[0], "invrep") {
				pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(p)))
				return pid
			}
		}
	}
	return 0
}

// TestSlurmArraySweep runs a sweep as a real Slurm job array with the
// committed job scripts: 4 tasks over a fixture model (3 layers, 4 photos,
// 2 restarts), the merge job depending on the array. While the first
// tasks run, one is requeued as a preemption does (SIGTERM, then run
// again) and another's invrep is killed with SIGKILL, as a node failure
// would, and requeued too. The merged report then holds every run exactly
// once, each PNG and feature error byte for byte those of the same sweep
// unsharded on one machine.
func TestSlurmArraySweep(t *testing.T) {
	conf := slurmConf(t)
	t0 := time.Now()
	tmp, err := os.MkdirTemp("", "invrep-slurm-test-") // slurmd writes here as root
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	model := tinyModel(t, tmp)
	photos := filepath.Join(tmp, "photos")
	os.Mkdir(photos, 0o755)
	for i, wh := range [][2]int{{64, 48}, {48, 64}, {56, 56}, {70, 40}} {
		writePNG(t, filepath.Join(photos, fmt.Sprintf("p%d.png", i)), wh[0], wh[1])
	}
	results := filepath.Join(tmp, "results")
	logs := filepath.Join(tmp, "logs")
	os.Mkdir(logs, 0o755)
	sweepArgs := []string{"--model", model, "--layers", "conv_out,relu_out,pool_out", "--images", photos,
		"--iters", "400", "--size", "160", "--repeats", "2", "--seed", "3"}
	scripts, _ := filepath.Abs("../../zoo")
	env := append(os.Environ(), "SLURM_CONF="+conf, "INVREP="+bin, "INVREP_RESULTS="+results,
		"INVREP_SWEEP_ARGS="+strings.Join(sweepArgs, " "))
	submit := func(args ...string) string {
		cmd := exec.Command("sbatch", append([]string{"--parsable", "--chdir", tmp}, args...)...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("sbatch %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(strings.Split(string(out), ";")[0])
	}
	// The scripts' own #SBATCH lines, with the size of this cluster.
	array := submit("--array=0-3", "--cpus-per-task=1", "--mem=400M", "--time=10",
		"--output="+filepath.Join(logs, "task-%a.out"), filepath.Join(scripts, "sweep-array.sbatch"))
	merge := submit("--dependency=afterany:"+array, "--mem=400M", "--output="+filepath.Join(logs, "merge.out"),
		filepath.Join(scripts, "sweep-merge.sbatch"))
	defer func() {
		if t.Failed() {
			exec.Command("scancel", array, merge).Run()
			logs, _ := filepath.Glob(filepath.Join(logs, "*"))
			for _, l := range logs {
				b, _ := os.ReadFile(l)
				t.Logf("%s:\n%s", filepath.Base(l), b)
			}
		}
	}()
	task := func(i int) string { return fmt.Sprintf("%s_%d", array, i) }
	shard := func(i int) string { return filepath.Join(results, fmt.Sprintf("shard-%d", i)) }
	lines := func(dir string) int {
		b, _ := os.ReadFile(filepath.Join(dir, zoo.ResultsFile))
		return bytes.Count(b, []byte("\n"))
	}

	// Two tasks run at once on the 2-CPU node; the other two wait, so the
	// array cannot end (and release the merge) while the faults are made.
	deadline := time.Now().Add(3 * time.Minute)
	running := func(i int) bool { s, _ := jobState(t, conf, task(i)); return s == "RUNNING" }
	victim := 0
	for !(running(0) && running(1) && sweepProcess(shard(0)) > 0 && lines(shard(1)) >= 1 && victim > 0) {
		victim = 0
		if lines(shard(1)) >= 1 {
			victim = sweepProcess(shard(1))
		}
		if time.Now().After(deadline) {
			t.Fatalf("tasks 0 and 1 did not both run (task 1 with a finished run) within 3 minutes")
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Preemption: Slurm stops task 0 (SIGTERM to its processes) and puts
	// it back in the queue.
	slurm(t, conf, "scontrol", "requeue", task(0))
	// A node failure: task 1's invrep dies at once, mid-run.
	if err := syscall.Kill(victim, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	for s, _ := jobState(t, conf, task(1)); s != "FAILED"; s, _ = jobState(t, conf, task(1)) {
		if time.Now().After(deadline) {
			t.Fatalf("task 1 is %s after its invrep was killed, not FAILED", s)
		}
		time.Sleep(20 * time.Millisecond)
	}
	slurm(t, conf, "scontrol", "requeue", task(1))
	// A requeued job waits two minutes before it may start again: not
	// here. (The delay is set as the requeue completes: lift it once the
	// task is back in the queue.)
	for _, i := range []int{0, 1} {
		for s, _ := jobState(t, conf, task(i)); s != "PENDING"; s, _ = jobState(t, conf, task(i)) {
			if time.Now().After(deadline) {
				t.Fatalf("task %d is %s after its requeue, not PENDING", i, s)
			}
			time.Sleep(20 * time.Millisecond)
		}
		slurm(t, conf, "scontrol", "update", "jobid="+task(i), "StartTime=now")
	}

	for {
		s, _ := jobState(t, conf, merge)
		if s == "COMPLETED" {
			break
		}
		if s == "FAILED" || s == "CANCELLED" || s == "TIMEOUT" || strings.Contains(s, "NODE_FAIL") {
			t.Fatalf("the merge job ended %s", s)
		}
		if time.Now().After(deadline) {
			t.Fatalf("the merge job is still %s after 3 minutes", s)
		}
		time.Sleep(200 * time.Millisecond)
	}
	requeues := 0
	for i := 0; i < 4; i++ {
		s, n := jobState(t, conf, task(i))
		if s != "COMPLETED" {
			t.Errorf("task %d ended %s", i, s)
		}
		requeues += n
	}
	if _, n0 := jobState(t, conf, task(0)); n0 < 1 {
		t.Error("task 0 was not run again after its requeue")
	}
	if _, n1 := jobState(t, conf, task(1)); n1 < 1 {
		t.Error("task 1 was not run again after its requeue")
	}
	log0, _ := os.ReadFile(filepath.Join(logs, "task-0.out"))
	if !strings.Contains(string(log0), "run the same command again to resume") {
		t.Errorf("task 0's invrep did not stop cleanly on the requeue's SIGTERM:\n%s", log0)
	}

	// The merged report whole; the shards equal to the same sweep run
	// unsharded on one machine.
	if _, err := os.Stat(filepath.Join(results, "report", "table.csv")); err != nil {
		t.Errorf("the merge job wrote no report: %v", err)
	}
	if _, err := os.Stat(filepath.Join(results, "report", "unfinished.txt")); err == nil {
		t.Error("the merged report lists unfinished runs")
	}
	whole := filepath.Join(tmp, "whole")
	if r := invrep(t, append([]string{"sweep", "--out", whole, "--quiet"}, sweepArgs...)...); r.code != 0 {
		t.Fatalf("the unsharded sweep: %s", r.stderr)
	}
	var dirs []string
	for i := 0; i < 4; i++ {
		dirs = append(dirs, shard(i))
	}
	merged := checkMerged(t, dirs, whole, 12) // 3 layers × 4 photos
	figures := fmt.Sprintf("slurm: 4 tasks, %d requeues, %d runs merged (each once, equal to the unsharded sweep), %.1f minutes", requeues, len(merged), time.Since(t0).Minutes())
	t.Log(figures)
	if f := os.Getenv("INVREP_CI_FIGURES"); f != "" {
		if fh, err := os.OpenFile(f, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644); err == nil {
			fmt.Fprintln(fh, figures)
			fh.Close()
		}
	}
}
