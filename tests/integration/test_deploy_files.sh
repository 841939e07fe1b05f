#!/usr/bin/env bash
# The deployment files of deploy/, checked as far as this machine can
# (no container runtime, no Kubernetes here; docs/OPERATIONS.md):
#   1. deploy/systemd: `systemd-analyze verify` on both units (the installed
#      binary path replaced by the built one), with nothing to say, and the
#      hardening and restart directives present;
#   2. deploy/k8s: the manifests parse (python3-yaml); the kinds are there;
#      selectors match their pod labels, the Service's the coordinator's;
#      the coordinator's --journal lives on the mount of its claim; workers
#      connect to the Service's port; the exec driver's `kubectl scale`
#      names existing Deployments; referenced ConfigMaps, Secret and
#      ServiceAccount are the ones expected; the jobs ConfigMap holds the
#      job files of jobs/ unchanged;
#   2b. both: the coordinator and every worker get NIGHTSHIFT_STORE_ROOTS
#      (well-formed roots that hold NIGHTSHIFT_RAW and NIGHTSHIFT_OUT, a
#      worker's no wider than the coordinator's) and NIGHTSHIFT_S3_ENDPOINTS
#      (docs/SECURITY.md, docs/OPERATIONS.md);
#   3. deploy/Containerfile: multi-stage on debian:12, a non-root USER, every
#      package it installs exists in Debian 12 (apt-cache show), and the
#      runtime stage installs the package of every shared library the
#      nightshift binary needs.
. "$(dirname "$0")/lib.sh"
D=$NS_SRC/deploy
PY=/usr/bin/python3
command -v systemd-analyze >/dev/null || fail "needs systemd-analyze (Debian package systemd; deploy/install-deps installs it)"
"$PY" -c 'import yaml' 2>/dev/null || fail "needs $PY with yaml (Debian package python3-yaml; deploy/install-deps installs it)"

note "systemd units"
mkdir -p "$T/units"
for u in nightshift-coordinator.service nightshift-worker@.service; do
  [ -f "$D/systemd/$u" ] || fail "missing deploy/systemd/$u"
  sed "s#/usr/local/bin/nightshift#$NS_BIN#g" "$D/systemd/$u" > "$T/units/$u"
done
cp "$T/units/nightshift-worker@.service" "$T/units/nightshift-worker@1.service"
(cd "$T/units" && systemd-analyze verify ./nightshift-coordinator.service ./nightshift-worker@1.service) \
  > "$T/verify.txt" 2>&1 || { cat "$T/verify.txt"; fail "systemd-analyze verify failed"; }
# it only warns about unknown keys and bad values: any word from it is a fault
[ ! -s "$T/verify.txt" ] || { cat "$T/verify.txt"; fail "systemd-analyze verify complained"; }
for u in nightshift-coordinator.service nightshift-worker@.service; do
  for k in 'Restart=on-failure' 'NoNewPrivileges=yes' 'ProtectSystem=strict' 'DynamicUser=yes' \
           'EnvironmentFile=/etc/nightshift/' 'ExecStart=/usr/local/bin/nightshift '; do
    grep -q "^$k" "$D/systemd/$u" || fail "$u: no $k"
  done
done
grep -q -- '--journal ${NIGHTSHIFT_JOURNAL}' "$D/systemd/nightshift-coordinator.service" || fail "coordinator unit: no --journal"
for o in '--connect ${NIGHTSHIFT_COORDINATOR}' '--pool ${NIGHTSHIFT_POOL}' '--capacity ${NIGHTSHIFT_CAPACITY}'; do
  grep -qF -- "$o" "$D/systemd/nightshift-worker@.service" || fail "worker unit: no $o"
done
# every variable the units use is set in the example environment files
for pair in coordinator:nightshift-coordinator.service worker:nightshift-worker@.service; do
  env=$D/systemd/${pair%%:*}.env.example
  [ -f "$env" ] || fail "missing $env"
  for v in $(grep '^ExecStart=' "$D/systemd/${pair#*:}" | grep -o '\${\?NIGHTSHIFT_[A-Z_]*' | tr -d '${' | sort -u); do
    grep -q "^$v=" "$env" || fail "$env does not set $v"
  done
done

note "store roots and S3 endpoints in the systemd environment files and the ConfigMap"
"$PY" - "$D" <<'EOF' || fail "store roots and S3 endpoints"
import os, re, shlex, sys, yaml
d = sys.argv[1]
errors = []
def err(msg): errors.append(msg)
def env_file(path):
    out = {}
    for line in open(path):
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line: continue
        k, v = line.split("=", 1)
        out[k] = " ".join(shlex.split(v)) if v else ""
    return out
ROOT = re.compile(r"(file:///\S*|/\S*|s3://[a-z0-9._-]{3,63}(/\S*)?)")
EP = re.compile(r"https?://[A-Za-z0-9.:\[\]-]+/?")
def norm(r): return r[len("file://"):] if r.startswith("file://") else r
def below(uri, roots):
    u = norm(uri).rstrip("/")
    return any(u == norm(r).rstrip("/") or u.startswith(norm(r).rstrip("/") + "/") for r in roots)
def check(where, env, raw_out, wider=None):
    roots = (env.get("NIGHTSHIFT_STORE_ROOTS") or "").split()
    if not roots: err(f"{where}: no NIGHTSHIFT_STORE_ROOTS (docs/SECURITY.md)"); return []
    for r in roots:
        if not ROOT.fullmatch(r) or "/../" in r + "/" or "/./" in r + "/": err(f"{where}: bad store root {r}")
        if wider is not None and not below(r, wider): err(f"{where}: root {r} is wider than the coordinator's ({' '.join(wider)})")
    for k in raw_out:
        if k in env and not below(env[k], roots): err(f"{where}: {k} {env[k]} is below no store root ({' '.join(roots)})")
    if "NIGHTSHIFT_S3_ENDPOINTS" not in env: err(f"{where}: no NIGHTSHIFT_S3_ENDPOINTS")
    for e in (env.get("NIGHTSHIFT_S3_ENDPOINTS") or "").split():
        if not EP.fullmatch(e): err(f"{where}: bad S3 endpoint {e}")
    return roots
co = check("systemd/coordinator.env.example", env_file(os.path.join(d, "systemd/coordinator.env.example")),
           ("NIGHTSHIFT_RAW", "NIGHTSHIFT_OUT"))
check("systemd/worker.env.example", env_file(os.path.join(d, "systemd/worker.env.example")), (), co)
# Kubernetes: the coordinator's and each worker's container, from envFrom ConfigMaps and env
docs = [x for f in sorted(os.listdir(os.path.join(d, "k8s"))) if f.endswith(".yaml") and f != "kustomization.yaml"
        for x in yaml.safe_load_all(open(os.path.join(d, "k8s", f))) if x]
cms = {x["metadata"]["name"]: x.get("data", {}) for x in docs if x["kind"] == "ConfigMap"}
seen = set()
for x in docs:
    if x["kind"] not in ("StatefulSet", "Deployment"): continue
    for c in x["spec"]["template"]["spec"]["containers"]:
        role = (c.get("args") or [""])[0]
        if role not in ("coordinator", "worker"): continue
        seen.add(role)
        env = {}
        for r in c.get("envFrom", []):
            if "configMapRef" in r: env.update({k: str(v) for k, v in cms.get(r["configMapRef"]["name"], {}).items()})
        env.update({e["name"]: str(e.get("value", "")) for e in c.get("env", []) if "value" in e})
        check(f"k8s {x['kind']} {x['metadata']['name']}", env, ("NIGHTSHIFT_RAW", "NIGHTSHIFT_OUT"))
if seen != {"coordinator", "worker"}: err(f"k8s: found the containers of {sorted(seen)} only")
if errors: print("\n".join(errors)); sys.exit(1)
print("store roots and S3 endpoints ok")
EOF

note "Kubernetes manifests"
"$PY" - "$D/k8s" "$NS_SRC/jobs" <<'EOF' || fail "Kubernetes manifests"
import os, re, sys, yaml
k8s, jobs = sys.argv[1], sys.argv[2]
errors = []
def err(msg): errors.append(msg)
docs = []
for f in sorted(os.listdir(k8s)):
    if f.endswith(".yaml") and f != "kustomization.yaml":
        for d in yaml.safe_load_all(open(os.path.join(k8s, f))):
            if d is None: continue
            for key in ("apiVersion", "kind", "metadata"):
                if key not in d: err(f"{f}: a document without {key}")
            d["_file"] = f
            docs.append(d)
kust = yaml.safe_load(open(os.path.join(k8s, "kustomization.yaml")))
listed = set(kust.get("resources", []))
files = {f for f in os.listdir(k8s) if f.endswith(".yaml") and f != "kustomization.yaml"}
if listed != files: err(f"kustomization resources {sorted(listed)} != files {sorted(files)}")
by = {}
for d in docs:
    by.setdefault(d["kind"], {})[d["metadata"]["name"]] = d
    ns = d["metadata"].get("namespace")
    if d["kind"] != "Namespace" and ns != "nightshift": err(f"{d['kind']} {d['metadata']['name']}: namespace {ns}")
for kind in ("Namespace", "ConfigMap", "Service", "StatefulSet", "Deployment", "ServiceAccount", "Role", "RoleBinding", "CronJob"):
    if kind not in by: err(f"no {kind}")
if errors: print("\n".join(errors)); sys.exit(1)

def pod_spec(d):
    if d["kind"] == "CronJob": return d["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return d["spec"]["template"]["spec"]
def pod_labels(d):
    if d["kind"] == "CronJob": return d["spec"]["jobTemplate"]["spec"]["template"]["metadata"]["labels"]
    return d["spec"]["template"]["metadata"]["labels"]
def arg_of(args, opt):
    return args[args.index(opt) + 1] if opt in args else None

# selectors match the pods they select, and select no other workload's pods
workloads = [d for d in docs if d["kind"] in ("StatefulSet", "Deployment")]
for d in workloads:
    sel = d["spec"]["selector"]["matchLabels"]
    labels = pod_labels(d)
    name = f"{d['kind']} {d['metadata']['name']}"
    if any(labels.get(k) != v for k, v in sel.items()): err(f"{name}: selector {sel} does not match its pod labels {labels}")
    for o in workloads:
        if o is not d and all(pod_labels(o).get(k) == v for k, v in sel.items()):
            err(f"{name}: its selector also matches the pods of {o['kind']} {o['metadata']['name']}")
# every pod: non-root, no privilege escalation, configs and secret as expected
for d in docs:
    if d["kind"] not in ("StatefulSet", "Deployment", "CronJob"): continue
    spec = pod_spec(d)
    name = f"{d['kind']} {d['metadata']['name']}"
    if not spec.get("securityContext", {}).get("runAsNonRoot"): err(f"{name}: not runAsNonRoot")
    vols = {v["name"]: v for v in spec.get("volumes", [])}
    for c in spec["containers"]:
        refs = c.get("envFrom", [])
        if {"name": "nightshift-s3"} not in [r.get("secretRef") for r in refs]: err(f"{name}: no secretRef nightshift-s3 for the S3 credentials")
        for r in refs:
            cm = r.get("configMapRef")
            if cm and cm["name"] not in by["ConfigMap"]: err(f"{name}: configMapRef {cm['name']} is not defined")
        for m in c.get("volumeMounts", []):
            if m["name"] not in vols and not any(t["metadata"]["name"] == m["name"] for t in d["spec"].get("volumeClaimTemplates", [])):
                err(f"{name}: volumeMount {m['name']} has no volume")
    for v in vols.values():
        if "configMap" in v and v["configMap"]["name"] not in by["ConfigMap"]: err(f"{name}: volume {v['name']}: ConfigMap {v['configMap']['name']} is not defined")
    sa = spec.get("serviceAccountName")
    if sa and sa not in by["ServiceAccount"]: err(f"{name}: serviceAccount {sa} is not defined")

# the coordinator: one replica, its journal on the claim's mount
coords = [d for d in by["StatefulSet"].values()]
if len(coords) != 1: err(f"expected one coordinator StatefulSet, got {len(coords)}")
co = coords[0]
if co["spec"]["replicas"] != 1: err("the coordinator must have 1 replica")
cc = pod_spec(co)["containers"][0]
args = cc["args"]
if args[0] != "coordinator": err(f"coordinator args start with {args[0]}")
journal = arg_of(args, "--journal")
claims = [t["metadata"]["name"] for t in co["spec"].get("volumeClaimTemplates", [])]
claims += [v["name"] for v in pod_spec(co).get("volumes", []) if "persistentVolumeClaim" in v]
if not claims: err("the coordinator has no persistent volume claim")
if not journal: err("the coordinator has no --journal")
else:
    mounts = [m["mountPath"].rstrip("/") for m in cc["volumeMounts"] if m["name"] in claims]
    if os.path.dirname(journal) not in mounts:
        err(f"the journal {journal} is not in the claim's mount ({mounts})")
bind = arg_of(args, "--bind") or ""
m = re.fullmatch(r"tcp://[^:]+:(\d+)", bind)
if not m: err(f"coordinator --bind {bind}")
port = int(m.group(1)) if m else 0
if port not in [p["containerPort"] for p in cc.get("ports", [])]: err(f"the container does not declare port {port}")
# the Service selects the coordinator and serves its port
svc = by["Service"].get(co["spec"]["serviceName"])
if not svc: err(f"no Service {co['spec']['serviceName']} (the StatefulSet's serviceName)")
else:
    if any(pod_labels(co).get(k) != v for k, v in svc["spec"]["selector"].items()): err("the Service does not select the coordinator's pods")
    sp = svc["spec"]["ports"][0]
    if sp["port"] != port: err(f"Service port {sp['port']} != the coordinator's {port}")
    endpoint = f"tcp://{svc['metadata']['name']}:{sp['port']}"
    for cm in by["ConfigMap"].values():
        ep = cm.get("data", {}).get("NIGHTSHIFT_COORDINATOR")
        if ep and ep != endpoint: err(f"ConfigMap {cm['metadata']['name']}: NIGHTSHIFT_COORDINATOR {ep} != {endpoint}")
# the exec driver scales Deployments that exist, one per managed pool and kind
cmd = arg_of(args, "--driver-cmd")
if arg_of(args, "--driver") == "exec":
    if not cmd or "kubectl scale deployment/" not in cmd: err(f"--driver-cmd {cmd}")
    pools = [args[i + 1].split(":")[0] for i, a in enumerate(args) if a == "--pool"] or ["default"]
    for p in pools:
        for k in ("spot", "on-demand"):
            dep = re.search(r"deployment/(\S+)", cmd).group(1).replace("%p", p).replace("%k", k)
            w = by["Deployment"].get(dep)
            if not w: err(f"the exec driver scales deployment/{dep}, which is not defined"); continue
            wa = pod_spec(w)["containers"][0]["args"]
            if wa[0] != "worker": err(f"{dep}: args start with {wa[0]}")
            if arg_of(wa, "--pool") != p or arg_of(wa, "--capacity") != k: err(f"{dep}: --pool/--capacity {arg_of(wa, '--pool')}/{arg_of(wa, '--capacity')}, expected {p}/{k}")
            if svc and arg_of(wa, "--connect") != endpoint: err(f"{dep}: --connect {arg_of(wa, '--connect')} != {endpoint}")
    role_ok = any("deployments/scale" in r["resources"] and "patch" in r["verbs"] for role in by["Role"].values() for r in role["rules"])
    if not role_ok: err("no Role allows patching deployments/scale")
    rb = [b for b in by["RoleBinding"].values() if any(s["name"] == pod_spec(co).get("serviceAccountName") for s in b["subjects"])]
    if not rb: err("the coordinator's ServiceAccount is bound to no Role")
# the jobs ConfigMap: job files of jobs/, unchanged
jcm = by["ConfigMap"].get("nightshift-jobs")
if not jcm: err("no ConfigMap nightshift-jobs")
else:
    for key, text in jcm["data"].items():
        path = os.path.join(jobs, key)
        if not os.path.exists(path): err(f"nightshift-jobs: {key} is not a job of jobs/")
        elif open(path).read() != text: err(f"nightshift-jobs: {key} differs from jobs/{key} (regenerate it: see deploy/k8s/jobs.yaml)")
if errors: print("\n".join(errors)); sys.exit(1)
print(f"{len(docs)} documents ok")
EOF

note "Containerfile"
CF=$D/Containerfile
[ -f "$CF" ] || fail "missing deploy/Containerfile"
[ "$(grep -c '^FROM debian:12' "$CF")" -ge 2 ] || fail "Containerfile: expected a multi-stage build on debian:12"
[ "$(grep -c '^FROM ' "$CF")" = "$(grep -c '^FROM debian:12' "$CF")" ] || fail "Containerfile: a stage not on debian:12"
grep -q '^COPY --from=build ' "$CF" || fail "Containerfile: the runtime stage copies nothing from the build stage"
user=$(grep '^USER ' "$CF" | tail -n1 | awk '{print $2}')
case ${user%%:*} in ''|0|root) fail "Containerfile: the image must run as a non-root USER (got '${user}')";; esac
grep -q 'cmake --build' "$CF" || fail "Containerfile: does not build with cmake"
# the packages of each stage: the words after `apt-get install` up to the
# end of that command (joined continuation lines), options left out
"$PY" - "$CF" > "$T/stages.txt" <<'EOF'
import re, sys
text = open(sys.argv[1]).read().replace("\\\n", " ")
stage = -1
for line in text.splitlines():
    if line.startswith("FROM "): stage += 1
    for m in re.finditer(r"apt-get install ([^&;|]*)", line):
        for w in m.group(1).split():
            if not w.startswith("-"): print(stage, w)
EOF
[ "$(awk '$1==0' "$T/stages.txt" | wc -l)" -gt 0 ] || fail "Containerfile: the build stage installs nothing"
[ "$(awk '$1==1' "$T/stages.txt" | wc -l)" -gt 0 ] || fail "Containerfile: the runtime stage installs nothing"
[ -n "$(ls /var/lib/apt/lists/*_Packages* 2>/dev/null)" ] || fail "no apt package lists: run apt-get update first (deploy/install-deps does)"
# all at once (apt-cache is slow to start): each package has a record, and
# one from Debian 12 (bookworm) itself, not from another repository
pkgs=$(awk '{print $2}' "$T/stages.txt" | sort -u)
# shellcheck disable=SC2086
apt-cache show --no-all-versions $pkgs > "$T/show.txt" 2>/dev/null || true
# shellcheck disable=SC2086
apt-cache madison $pkgs > "$T/madison.txt" 2>/dev/null || true
for pkg in $pkgs; do
  grep -qx "Package: $pkg" "$T/show.txt" || fail "Containerfile: package $pkg is not in Debian's package lists"
  [ -n "$(awk -v p="$pkg" '$1 == p && / bookworm/' "$T/madison.txt")" ] || fail "Containerfile: package $pkg is not from Debian 12 (bookworm)"
done
grep -Eq '^1 (build-essential|cmake|gcc|.*-dev)$' "$T/stages.txt" && fail "Containerfile: build tools or -dev packages in the runtime stage"
# every shared library the binary needs comes from a package the runtime
# stage installs (or libc6, in the base image)
awk '$1==1 {print $2}' "$T/stages.txt" | sort -u > "$T/runtime.txt"
MA=$(gcc -print-multiarch) # the libraries of this architecture (not lib32's)
for lib in $(readelf -d "$NS_BIN" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
  case $lib in libasan*|libubsan*) continue;; esac # sanitizer builds
  pkg=$(dpkg -S "*/$MA/$lib" 2>/dev/null | head -n1 | cut -d: -f1 | cut -d, -f1)
  [ -n "$pkg" ] || fail "cannot tell which package has $lib"
  [ "$pkg" = libc6 ] && continue
  grep -qx "$pkg" "$T/runtime.txt" || fail "Containerfile: the runtime stage lacks $pkg (for $lib)"
done
# the build stage has what the top CMakeLists.txt asks pkg-config for
for mod in $(sed -n 's/^pkg_check_modules([A-Z]* REQUIRED IMPORTED_TARGET \([^ )]*\)).*/\1/p' "$NS_SRC/CMakeLists.txt"); do
  pc=$(dpkg -S "*/pkgconfig/$mod.pc" 2>/dev/null | grep -v ':i386' | head -n1 | cut -d: -f1 | cut -d, -f1)
  [ -n "$pc" ] || fail "cannot tell which package has $mod.pc"
  awk '$1==0 {print $2}' "$T/stages.txt" | grep -qx "$pc" || fail "Containerfile: the build stage lacks $pc (pkg-config $mod)"
done
echo PASS
