#!/usr/bin/env python3
"""The Kubernetes recipe (scripts/cluster/k8s/) without a cluster or kubectl.

  k8s_manifest_test.py DEEPVIS MODEL.onnx WORKDIR

1. Every manifest is well-formed YAML (python3-yaml; exit 77, skipped, without it) and holds what
   the recipe needs: an Indexed Job whose completions equal its SHARDS, restartPolicy Never where
   backoffLimitPerIndex is used, JOB_COMPLETION_INDEX as the shard, --resume, both Jobs mounting
   the claim that deepvis-data-pvc.yaml defines (ReadWriteMany) where their paths point.
2. The pods' commands run here, as the container would run them: /data becomes a temporary
   folder holding the model, 12 Fashion-MNIST PNGs and one undecodable file (a failed row, not a
   failed pod), `deepvis` on PATH is the CLI under test.
   Every index of the batch Job, then the merge Job: the merged table equals an unsharded run
   except the *_seconds columns, the maps byte for byte; index 1 run again computes nothing.
"""
import csv
import os
import shutil
import subprocess
import sys

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.abspath(os.path.join(here, "..", ".."))
k8s = os.path.join(root, "scripts", "cluster", "k8s")
deepvis, model, work = (os.path.abspath(a) for a in sys.argv[1:4])
failures = []


def check(cond, message):
    print(("ok   " if cond else "FAIL ") + message, flush=True)
    if not cond:
        failures.append(message)


try:
    import yaml
except ImportError:
    print("skipped: python3-yaml is not installed (scripts/install-deps.sh --cluster)")
    sys.exit(77)

# --- 1. the manifests ---------------------------------------------------------------------------
docs = {}
for name in sorted(os.listdir(k8s)):
    if name.endswith(".yaml"):
        try:
            loaded = [d for d in yaml.safe_load_all(open(os.path.join(k8s, name))) if d is not None]
        except yaml.YAMLError as e:
            check(False, f"{name} is well-formed YAML: {e}")
            continue
        check(len(loaded) == 1 and all(k in loaded[0] for k in ["apiVersion", "kind", "metadata"]),
              f"{name}: one object with apiVersion, kind, metadata")
        docs[name] = loaded[0]
batch, merge, pvc = (docs.get(n, {}) for n in ["deepvis-batch-job.yaml", "deepvis-merge-job.yaml",
                                               "deepvis-data-pvc.yaml"])
check(batch.get("kind") == "Job" and merge.get("kind") == "Job" and pvc.get("kind") == "PersistentVolumeClaim",
      "two Jobs and a PersistentVolumeClaim")
spec = batch.get("spec", {})
pod = spec.get("template", {}).get("spec", {})
container = (pod.get("containers") or [{}])[0]
shards = {e["name"]: e.get("value") for e in container.get("env", [])}.get("SHARDS")
check(spec.get("completionMode") == "Indexed", "the batch Job is Indexed")
check(str(spec.get("completions")) == shards and 1 <= spec.get("parallelism", 0) <= spec.get("completions", 0),
      f"completions ({spec.get('completions')}) = SHARDS ({shards}) >= parallelism")
check("backoffLimitPerIndex" not in spec or pod.get("restartPolicy") == "Never",
      "backoffLimitPerIndex with restartPolicy Never (Kubernetes requires it)")
script = " ".join(container.get("command", []) + container.get("args", []))
check('--shard "$JOB_COMPLETION_INDEX/$SHARDS"' in script and "--resume" in script,
      "each pod runs --shard JOB_COMPLETION_INDEX/SHARDS --resume")
merge_container = merge.get("spec", {}).get("template", {}).get("spec", {}).get("containers", [{}])[0]
check(merge_container.get("command", [])[1:3] == ["batch", "merge"], "the merge Job runs 'deepvis batch merge'")
claim = pvc.get("metadata", {}).get("name")
check("ReadWriteMany" in pvc.get("spec", {}).get("accessModes", []), "the claim is ReadWriteMany (shards write at once)")
for name, job in [("batch", batch), ("merge", merge)]:
    podspec = job.get("spec", {}).get("template", {}).get("spec", {})
    volumes = {v["name"]: v.get("persistentVolumeClaim", {}).get("claimName") for v in podspec.get("volumes", [])}
    mounts = [m for c in podspec.get("containers", []) for m in c.get("volumeMounts", [])]
    check(mounts and all(volumes.get(m["name"]) == claim and m["mountPath"] == "/data" for m in mounts),
          f"the {name} Job mounts claim '{claim}' at /data")
check("--out /data/out" in script and merge_container.get("command", [])[-1] == "/data/out",
      "both Jobs use /data/out")

# --- 2. the pods' commands, run here --------------------------------------------------------------
shutil.rmtree(work, ignore_errors=True)
data = os.path.join(work, "data")
os.makedirs(os.path.join(work, "bin"))
os.symlink(deepvis, os.path.join(work, "bin", "deepvis"))
subprocess.run([sys.executable, os.path.join(root, "tests", "support", "fashion_pngs.py"), "12", data], check=True)
shutil.copy(model, os.path.join(data, "model.onnx"))
with open(os.path.join(data, "images", "broken.png"), "wb") as f:  # a failed item must not fail its pod
    f.write(b"not an image")
env = dict(os.environ, PATH=os.path.join(work, "bin") + ":" + os.environ.get("PATH", ""))
argv = [a.replace("/data", data) for a in container["command"] + container["args"]]
logs = []
for index in range(int(shards)):
    r = subprocess.run(argv, env=dict(env, JOB_COMPLETION_INDEX=str(index), **{
        e["name"]: e["value"] for e in container["env"]}), capture_output=True, text=True, timeout=300)
    logs.append(r.stdout)
    check(r.returncode == 0, f"index {index}: the pod's command succeeds {r.stdout.strip()} {r.stderr.strip()[-200:]}")
check(sum("1 failed" in log for log in logs) == 1, "the undecodable file is a failed row in one shard, its pod exits 0")
r = subprocess.run([a.replace("/data", data) for a in merge_container["command"]], env=env, capture_output=True,
                   text=True, timeout=300)
check(r.returncode == 0, f"the merge Job's command succeeds: {r.stdout.strip()} {r.stderr.strip()}")
r = subprocess.run(argv, env=dict(env, JOB_COMPLETION_INDEX="1", **{e["name"]: e["value"] for e in container["env"]}),
                   capture_output=True, text=True, timeout=300)
check(r.returncode == 0 and f"batch: 0 items of shard 1/{shards}" in r.stdout,
      f"a replacement pod of index 1 resumes: nothing left to do ({r.stdout.strip()})")

methods = argv[-1].split("deepvis batch ")[1].split()[0]
plain = os.path.join(work, "plain")
r = subprocess.run([deepvis, "batch", methods, "--model", model, "--images", os.path.join(data, "images"),
                    "--out", plain], capture_output=True, text=True, timeout=300)
check(r.returncode == 1 and "1 failed" in r.stdout, f"the unsharded run of '{methods}' has the one failed item")


def table(path):
    rows = list(csv.reader(open(path, newline="")))
    keep = [i for i, h in enumerate(rows[0]) if not h.endswith("_seconds")]
    return [[r[i] for i in keep] for r in rows]


def maps(folder):
    return {os.path.relpath(os.path.join(d, f), folder): open(os.path.join(d, f), "rb").read()
            for d, _, fs in os.walk(folder) for f in fs if f.endswith(".npy")}


out = os.path.join(data, "out")
check(os.path.isfile(os.path.join(out, "results.csv")) and
      table(os.path.join(out, "results.csv")) == table(os.path.join(plain, "results.csv")),
      "the merged table equals the unsharded one except the *_seconds columns")
check(maps(out) == maps(plain) and len(maps(plain)) == 12 * len(methods.split(",")),
      "the maps equal the unsharded run's byte for byte")
print(f"{len(failures)} failures")
sys.exit(1 if failures else 0)
