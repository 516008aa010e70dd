#!/usr/bin/env python3
"""The Slurm recipe (scripts/cluster/) for real, on a one-node cluster started on this machine.

  slurm_test.py DEEPVIS MODEL.onnx WORKDIR

Needs Debian's slurm-wlm and munge (scripts/install-deps.sh --cluster) and root (slurmd starts
jobs as their user); otherwise it exits 77 (skipped) saying why. It starts its own munged,
slurmctld and slurmd (2 CPUs, node = this host) from a throw-away configuration in a temporary
folder, on their own ports and munge socket, so it leaves a system's Slurm and munge alone, and
stops the three processes it started at the end, whatever happens.

1. 24 Fashion-MNIST test images as PNGs (tests/support/fashion_pngs.py) and one undecodable file
   (a failed row, which must not fail its task); one unsharded
   `deepvis batch saliency,smoothgrad,gradcam` run as the reference.
2. scripts/cluster/submit-slurm.sh --wait: a 3-task array and the dependent merge job. The merged
   results.csv equals the unsharded table except the *_seconds columns, and every .npy equals the
   unsharded one byte for byte (the rule of tests/batch/batch_test.py).
3. A task that died part way: the last rows of one shard's table are removed and a torn line
   appended, then that task alone is submitted again (`sbatch --array=1`): --resume computes just
   the missing items; merged again, the table and maps are still the unsharded ones.
4. A broken model: the tasks fail, the merge job is never started (afterok: it stays pending, as
   on a cluster with Slurm's default DependencyParameters), and submit-slurm.sh --wait says so.
"""
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from batch_tables import read_table, without_times  # noqa: E402

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.abspath(os.path.join(here, "..", ".."))
deepvis, model, work = (os.path.abspath(a) for a in sys.argv[1:4])
failures = []
SKIP = 77


def check(cond, message):
    print(("ok   " if cond else "FAIL ") + message, flush=True)
    if not cond:
        failures.append(message)


def skip(why):
    print(f"skipped: {why}")
    sys.exit(SKIP)


def maps(folder):
    out = {}
    for d, _, files in os.walk(folder):
        for f in files:
            if f.endswith(".npy"):
                p = os.path.join(d, f)
                out[os.path.relpath(p, folder)] = open(p, "rb").read()
    return out


for tool in ["munged", "munge", "slurmctld", "slurmd", "sbatch", "sinfo", "squeue"]:
    if not shutil.which(tool, path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin"):
        skip(f"'{tool}' not found: install slurm-wlm and munge (scripts/install-deps.sh --cluster)")
if os.geteuid() != 0:
    skip("needs root (slurmd starts each job as the user who submitted it)")

shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
# Sockets have a 108-byte path limit, so the daemons' files live in a short temporary folder.
etc = tempfile.mkdtemp(prefix="deepvis-slurm-")
os.chmod(etc, 0o755)  # munged refuses a key or socket folder that others may write
host = socket.gethostname().split(".")[0]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


started = []  # (name, Popen) of the daemons this test started, stopped in reverse order


def stop_all():
    for name, p in reversed(started):
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
            print(f"stopped {name} (pid {p.pid})")
    started.clear()


def start(name, args):
    log = open(os.path.join(etc, name + ".stdout"), "w")
    p = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    started.append((name, p))
    return p


def show_logs():
    for f in sorted(os.listdir(etc)):
        if f.endswith(".log") or f.endswith(".stdout"):
            text = open(os.path.join(etc, f), errors="replace").read().strip().splitlines()
            print(f"--- {f} (last 15 lines)\n" + "\n".join(text[-15:]))


env = dict(os.environ, SLURM_CONF=os.path.join(etc, "slurm.conf"), DEEPVIS=deepvis)
env["PATH"] = env.get("PATH", "") + ":/usr/sbin:/sbin"
for var in [v for v in env if v.startswith("SBATCH_") or v.startswith("SLURM_") and v != "SLURM_CONF"]:
    del env[var]  # a test run inside a Slurm job must not pass that job's settings on


def slurm(args, timeout=60, check_rc=True):
    r = subprocess.run(args, env=env, capture_output=True, text=True, timeout=timeout)
    if check_rc and r.returncode != 0:
        print(f"'{' '.join(args)}' exited {r.returncode}: {r.stdout}{r.stderr}")
    return r


try:
    # --- the cluster -------------------------------------------------------------------------
    socket_path = os.path.join(etc, "munge.socket")
    key = os.path.join(etc, "munge.key")
    with open(key, "wb") as f:
        f.write(os.urandom(1024))
    os.chmod(key, 0o600)
    start("munged", ["munged", "--foreground", "--force", f"--key-file={key}", f"--socket={socket_path}",
                     f"--pid-file={etc}/munged.pid", f"--log-file={etc}/munged.log",
                     f"--seed-file={etc}/munged.seed"])
    for _ in range(100):
        if os.path.exists(socket_path):
            break
        time.sleep(0.1)
    r = subprocess.run(f"munge -n -S {socket_path} | unmunge -S {socket_path}", shell=True, capture_output=True)
    if r.returncode != 0:
        show_logs()
        skip(f"munged did not start: {r.stderr.decode(errors='replace').strip()}")

    for d in ["state", "spool"]:
        os.makedirs(os.path.join(etc, d))
    with open(env["SLURM_CONF"], "w") as f:
        f.write(f"""# A one-node cluster for tests/cluster/slurm_test.py only.
ClusterName=deepvistest
SlurmctldHost={host}
SlurmctldPort={free_port()}
SlurmdPort={free_port()}
SlurmUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket={socket_path}
StateSaveLocation={etc}/state
SlurmdSpoolDir={etc}/spool
SlurmctldPidFile={etc}/slurmctld.pid
SlurmdPidFile={etc}/slurmd.pid
SlurmctldLogFile={etc}/slurmctld.log
SlurmdLogFile={etc}/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
ReturnToService=2
SlurmdTimeout=60
MinJobAge=600
NodeName={host} NodeAddr=127.0.0.1 CPUs=2 RealMemory=1024 State=UNKNOWN
PartitionName=test Nodes={host} Default=YES MaxTime=INFINITE State=UP
""")
    start("slurmctld", ["slurmctld", "-D", "-i", "-f", env["SLURM_CONF"]])
    start("slurmd", ["slurmd", "-D", "-f", env["SLURM_CONF"]])
    state = ""
    for _ in range(60):
        if any(p.poll() is not None for _, p in started):
            break
        state = slurm(["sinfo", "-h", "-N", "-o", "%T"], check_rc=False).stdout.strip()
        if state == "idle":
            break
        time.sleep(1)
    if state != "idle":
        show_logs()
        skip(f"the one-node cluster did not come up (node state '{state}')")
    print(f"cluster up: node {host}, 2 CPUs, configuration {env['SLURM_CONF']}")

    # --- 1. images and the unsharded run ----------------------------------------------------------
    subprocess.run([sys.executable, os.path.join(root, "tests", "support", "fashion_pngs.py"), "24", work],
                   check=True)
    images = os.path.join(work, "images")
    with open(os.path.join(images, "broken.png"), "wb") as f:  # a failed item must not fail its task
        f.write(b"not an image")
    methods = "saliency,smoothgrad,gradcam"
    flags = ["--samples", "8"]
    plain = os.path.join(work, "plain")
    r = subprocess.run([deepvis, "batch", methods, "--model", model, "--images", images, "--out", plain] + flags,
                       capture_output=True, text=True, timeout=300)
    check(r.returncode == 1 and "1 failed" in r.stdout, f"the unsharded run: one failed item {r.stdout.strip()}")
    header, rows = read_table(os.path.join(plain, "results.csv"))
    plain_maps = maps(plain)
    check(len(rows) == 25 and len(plain_maps) == 3 * 24, "25 rows and 72 maps in the unsharded run")

    # --- 2. array + dependent merge through the submit wrapper ----------------------------------
    out = os.path.join(work, "slurm-out")
    t0 = time.time()
    r = slurm([os.path.join(root, "scripts", "cluster", "submit-slurm.sh"), "--wait", methods, model, images, out,
               "3"] + flags, timeout=600, check_rc=False)
    print(r.stdout + r.stderr)
    check(r.returncode == 0, f"submit-slurm.sh --wait: the merge job succeeds (exit {r.returncode}, "
                             f"{time.time() - t0:.1f} s)")
    m = re.search(r"array job (\d+)", r.stdout)
    check(m is not None, "the wrapper prints the array job's id")
    logs = sorted(os.listdir(os.path.join(out, "slurm"))) if os.path.isdir(os.path.join(out, "slurm")) else []
    check(len([f for f in logs if f.startswith("batch-")]) == 3 and len([f for f in logs if f.startswith("merge-")]) == 1,
          f"one log per array task and one for the merge in OUT/slurm ({logs})")
    texts = [open(os.path.join(out, "slurm", f)).read() for f in logs]
    for f, text in zip(logs, texts):
        print(f"--- {f}\n{text.strip()}")
    check(sum("some items failed" in t for t in texts) == 1, "the task with the undecodable file exits 0 all the same")
    check(all(os.path.isfile(os.path.join(out, f"results.{k}-of-3.csv")) for k in range(3)), "three shard tables")
    if os.path.isfile(os.path.join(out, "results.csv")):
        h2, r2 = read_table(os.path.join(out, "results.csv"))
        check(without_times(h2, r2) == without_times(header, rows),
              "the merged table equals the unsharded one except the *_seconds columns")
    else:
        check(False, "the merge job wrote results.csv")
    check(maps(out) == plain_maps, "every .npy equals the unsharded run's byte for byte")

    # --- 3. one task dies part way; submitting it again resumes it -------------------------------------
    table = os.path.join(out, "results.1-of-3.csv")
    lines = open(table, "rb").read().splitlines(keepends=True)
    with open(table, "wb") as f:  # 3 items lost, and the line being written when the task was killed
        f.write(b"".join(lines[:-3]) + lines[-3][: len(lines[-3]) // 2])
    os.remove(os.path.join(out, "results.csv"))
    r = slurm(["sbatch", "--parsable", "--wait", "--array=1", f"--output={out}/slurm/again-%A_%a.out",
               os.path.join(root, "scripts", "cluster", "deepvis-batch.sbatch"), "3", methods, "--model", model,
               "--images", images, "--out", out] + flags, timeout=300, check_rc=False)
    again = [f for f in os.listdir(os.path.join(out, "slurm")) if f.startswith("again-")]
    log = open(os.path.join(out, "slurm", again[0])).read() if again else ""
    print(f"--- {again}\n{log.strip()}")
    check(r.returncode == 0, f"task 1 submitted again on its own succeeds (exit {r.returncode}) {r.stderr.strip()}")
    check("batch: 3 items of shard 1/3" in log, "--resume computes only the 3 items that task had lost")
    r = slurm(["sbatch", "--parsable", "--wait", f"--output={out}/slurm/merge-again-%j.out",
               os.path.join(root, "scripts", "cluster", "deepvis-merge.sbatch"), out], timeout=300, check_rc=False)
    check(r.returncode == 0, "the merge job, submitted again, succeeds")
    h3, r3 = read_table(os.path.join(out, "results.csv"))
    check(without_times(h3, r3) == without_times(header, rows), "after the resumed task the merged table is the same")
    check(maps(out) == plain_maps, "and so are the maps")

    # --- 4. a task that fails holds back the merge ------------------------------------------------
    bad_model = os.path.join(work, "broken.onnx")
    with open(bad_model, "wb") as f:
        f.write(b"not an onnx file")
    bad_out = os.path.join(work, "slurm-bad")
    r = slurm([os.path.join(root, "scripts", "cluster", "submit-slurm.sh"), "--wait", "saliency", bad_model, images,
               bad_out, "2"], timeout=300, check_rc=False)
    print(r.stdout + r.stderr)
    check(r.returncode == 1 and "will not run" in r.stderr and not os.path.exists(os.path.join(bad_out, "results.csv"))
          and not [f for f in os.listdir(os.path.join(bad_out, "slurm")) if f.startswith("merge-")],
          f"with a broken model the tasks fail, the merge never runs, --wait says so (exit {r.returncode})")
except subprocess.TimeoutExpired as e:
    check(False, f"timed out: {e}")
    show_logs()
finally:
    if failures:
        show_logs()
    stop_all()
    shutil.rmtree(etc, ignore_errors=True)

print(f"{len(failures)} failures")
sys.exit(1 if failures else 0)
