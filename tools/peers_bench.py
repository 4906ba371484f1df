#!/usr/bin/env python3
"""peers_bench: caseledger side by side with what its users would otherwise pick, in one run.

Starts, on loopback with data in a fresh temporary directory:
  - caseledgerd (Merkle tree and signed checkpoints on, as always), driven by tools/load_bench;
  - PostgreSQL 15 (fsync and synchronous_commit on): an append-only events table with a unique
    (case_id, version) constraint, driven by pgbench;
  - the same PostgreSQL with a hash-chain trigger (each row stores SHA-256 over the previous
    row's hash and its own fields, the chain head locked per insert): what a user builds to make
    PostgreSQL tamper-evident;
  - Redis 7 (one stream, XADD; appendonly yes, appendfsync always), driven by redis-benchmark;
and drives each with the same workload: 512-byte events, 1, 8 and 64 closed-loop clients, and
1024-event batches (--batch-clients clients), each client appending to cases of its own (a new
case every 100 events; a batch is one case; Redis: one stream), first all over plain TCP, then all over TLS 1.3
with client certificates (one development CA and the same certificates for all three). The
load tools run on the same cores as the servers.

It prints one table: events/s, p50 and p99 latency per call, CPU microseconds per event used by
the server and by the load tool, and the ratio of caseledger's rate to each peer's; then the
issue's targets, and what bounds caseledger (its writer's time per event by stage, fsyncs per
second, events per fsync, from its /metrics). Figures and conditions: docs/performance.md
("Peers, side by side").

Usage (as root on Debian 12; installs what is missing):
  tools/peers_bench.py [--build build] [--seconds 10] [--warmup 2] [--json out.json]
"""

import argparse
import json
import os
import pwd
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

PG_BIN = "/usr/lib/postgresql/15/bin"
PACKAGES = ["postgresql-15", "postgresql-client-15", "redis-server", "redis-tools", "openssl"]
EVENT_BYTES = 512
# Each client appends to a case of its own and moves to a new case after this many events (a
# batch is one case); real cases have tens to hundreds of events, not hundreds of thousands.
CASE_EVENTS = 100


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------------------
# Machine helpers.

def install_missing():
    missing = []
    for p in PACKAGES:
        r = subprocess.run(["dpkg-query", "-W", "-f=${Status}", p], capture_output=True, text=True)
        if "install ok installed" not in r.stdout:
            missing.append(p)
    if missing:
        log("== installing: " + " ".join(missing))
        sudo = [] if os.geteuid() == 0 else ["sudo"]
        subprocess.run(sudo + ["apt-get", "update", "-qq"], check=True)
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(sudo + ["apt-get", "install", "-y", "-qq", "--no-install-recommends"] + missing,
                       check=True, env=env)
    # The Debian packages start system-wide services; they would share the CPUs: stop them.
    for unit in ("redis-server", "postgresql"):
        subprocess.run(["systemctl", "stop", unit], capture_output=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing answers on 127.0.0.1:{port}")


CLK_TCK = os.sysconf("SC_CLK_TCK")


def proc_stat(pid):
    """(ppid, utime+stime, cutime+cstime) in seconds, or None if the process is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            data = f.read()
    except OSError:
        return None
    fields = data[data.rindex(")") + 2:].split()
    ppid = int(fields[1])
    own = (int(fields[11]) + int(fields[12])) / CLK_TCK
    children = (int(fields[13]) + int(fields[14])) / CLK_TCK
    return ppid, own, children


def tree_cpu(root_pid):
    """CPU seconds used so far by a server and every process under it, reaped children
    included (PostgreSQL's backends exit with their connection; their time then shows in the
    postmaster's cutime)."""
    stats = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            s = proc_stat(int(name))
            if s:
                stats[int(name)] = s
    total, stack = 0.0, [root_pid]
    while stack:
        pid = stack.pop()
        if pid not in stats:
            continue
        total += stats[pid][1]
        if pid == root_pid:
            total += stats[pid][2]
        stack.extend(p for p, s in stats.items() if s[0] == pid)
    return total


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def percentile(sorted_values, q):
    if not sorted_values:
        return 0.0
    i = min(len(sorted_values) - 1, int(q * len(sorted_values)))
    return sorted_values[i]


def body_text():
    # Printable and the same for every system: 512 bytes of payload per event.
    return ("synthetic-event-" * 40)[:EVENT_BYTES]


# ------------------------------------------------------------------------------------------
# Certificates: the development CA of caseledger, used by all three systems.

def make_certs(build, root):
    certs = os.path.join(root, "certs")
    subprocess.run([os.path.join(build, "tools", "caseledger"), "certs", "--out", certs],
                   check=True, capture_output=True)
    return certs


# ------------------------------------------------------------------------------------------
# PostgreSQL.

PG_SCHEMA_PLAIN = """
CREATE TABLE events (
  position bigserial PRIMARY KEY,
  case_id text NOT NULL,
  version bigint NOT NULL,
  body text NOT NULL,
  UNIQUE (case_id, version));
REVOKE UPDATE, DELETE, TRUNCATE ON events FROM PUBLIC;
"""

# What a user would write to make the table tamper-evident: every row carries SHA-256 over the
# previous row's hash and its own fields; the chain head is one row, locked by each insert so
# the chain is one sequence, as caseledger's log is.
PG_SCHEMA_CHAIN = PG_SCHEMA_PLAIN + """
ALTER TABLE events ADD COLUMN prev_hash bytea NOT NULL DEFAULT ''::bytea,
                   ADD COLUMN hash bytea NOT NULL DEFAULT ''::bytea;
CREATE TABLE chain_head (id int PRIMARY KEY, hash bytea NOT NULL);
INSERT INTO chain_head VALUES (1, sha256(''::bytea));
CREATE FUNCTION chain_event() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE head bytea;
BEGIN
  SELECT hash INTO head FROM chain_head WHERE id = 1 FOR UPDATE;
  NEW.prev_hash := head;
  NEW.hash := sha256(head || convert_to(NEW.case_id, 'UTF8') || int8send(NEW.version)
                     || convert_to(NEW.body, 'UTF8'));
  UPDATE chain_head SET hash = NEW.hash WHERE id = 1;
  RETURN NEW;
END $$;
CREATE TRIGGER events_chain BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION chain_event();
"""


class Postgres:
    def __init__(self, root, certs, tls):
        self.root = os.path.join(root, "pg-tls" if tls else "pg")
        self.data = os.path.join(self.root, "data")
        self.sock = os.path.join(self.root, "sock")
        self.certs = certs
        self.tls = tls
        self.port = free_port()
        self.proc = None
        os.makedirs(self.sock)
        self.as_user = []
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            pw = pwd.getpwnam("postgres")
            for d in (self.root, self.sock):
                os.chown(d, pw.pw_uid, pw.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]
            self.uid, self.gid = pw.pw_uid, pw.pw_gid

    def _own(self, path):
        if self.as_user:
            os.chown(path, self.uid, self.gid)

    def start(self):
        subprocess.run(self.as_user + [f"{PG_BIN}/initdb", "-D", self.data, "-A", "trust",
                                       "-U", "bench", "--no-sync"], check=True, capture_output=True)
        opts = ["-c", "fsync=on", "-c", "synchronous_commit=on", "-c", "full_page_writes=on",
                "-c", "max_connections=200", "-c", "shared_buffers=256MB",
                "-c", "listen_addresses=127.0.0.1", "-c", f"port={self.port}",
                "-c", f"unix_socket_directories={self.sock}", "-c", "logging_collector=off"]
        if self.tls:
            for name in ("server.pem", "server.key", "ca.pem"):
                dst = os.path.join(self.root, name)
                shutil.copy(os.path.join(self.certs, name), dst)
                os.chmod(dst, 0o600)
                self._own(dst)
            opts += ["-c", "ssl=on", "-c", f"ssl_cert_file={self.root}/server.pem",
                     "-c", f"ssl_key_file={self.root}/server.key",
                     "-c", f"ssl_ca_file={self.root}/ca.pem"]
            # TCP connections must use TLS with a client certificate the CA signed.
            with open(os.path.join(self.data, "pg_hba.conf"), "w") as f:
                f.write("local all all trust\n"
                        "hostssl all all 127.0.0.1/32 trust clientcert=verify-ca\n")
        self.logf = open(os.path.join(self.root, "postgres.log"), "w")
        self.proc = subprocess.Popen(self.as_user + [f"{PG_BIN}/postgres", "-D", self.data] + opts,
                                     stdout=self.logf, stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while subprocess.run([f"{PG_BIN}/pg_isready", "-h", self.sock, "-p", str(self.port)],
                             capture_output=True).returncode != 0:
            if time.time() > deadline or self.proc.poll() is not None:
                raise RuntimeError("PostgreSQL did not start; see " + self.logf.name)
            time.sleep(0.2)

    def server_pid(self):
        # runuser forks: the postmaster is its child.
        if not self.as_user:
            return self.proc.pid
        with open(os.path.join(self.data, "postmaster.pid")) as f:
            return int(f.readline())

    def psql(self, sql):
        subprocess.run([f"{PG_BIN}/psql", "-q", "-v", "ON_ERROR_STOP=1", "-h", self.sock, "-p",
                        str(self.port), "-U", "bench", "-d", "postgres"], input=sql, text=True,
                       check=True, capture_output=True)

    def reset(self, schema):
        self.psql("DROP TABLE IF EXISTS events; DROP TABLE IF EXISTS chain_head; "
                  "DROP FUNCTION IF EXISTS chain_event();" + schema + "CHECKPOINT;")

    def env(self):
        env = dict(os.environ, PGHOST="127.0.0.1", PGPORT=str(self.port), PGUSER="bench",
                   PGDATABASE="postgres")
        if self.tls:
            key = os.path.join(self.root, "client.key")
            shutil.copy(os.path.join(self.certs, "childprotection.key"), key)
            os.chmod(key, 0o600)
            env.update(PGSSLMODE="verify-full", PGSSLROOTCERT=os.path.join(self.certs, "ca.pem"),
                       PGSSLCERT=os.path.join(self.certs, "childprotection.pem"), PGSSLKEY=key)
        else:
            env["PGSSLMODE"] = "disable"
        return env

    def stop(self):
        if self.proc and self.proc.poll() is None:
            subprocess.run(self.as_user + [f"{PG_BIN}/pg_ctl", "-D", self.data, "-m", "fast",
                                           "-w", "stop"], capture_output=True)
            self.proc.wait(timeout=60)


def pg_script(path, batch):
    """A pgbench script: each client appends to its own case, a new one every CASE_EVENTS
    events (a batch: one case), versions counting up from the -D v=... it starts with (pgbench
    keeps a client's variables across transactions)."""
    body = body_text()
    with open(path, "w") as f:
        f.write("\\set v :v + 1\n")
        if batch == 1:
            # The body is a parameter of the prepared statement (-D body=...), sent with
            # every call.
            f.write(f"INSERT INTO events (case_id, version, body) VALUES "
                    f"('case-' || :client_id || '-' || (:v)::bigint / {CASE_EVENTS}, :v, "
                    f":body);\n")
        else:
            # One multi-row statement as its text, every event's body in it, sent with every
            # call (-M simple: pgbench's prepared statements take at most 255 parameters, and
            # a prepared statement with the bodies as literals would send them only once).
            bodies = ",\n".join(f"'{body}'" for _ in range(batch))
            f.write(f"INSERT INTO events (case_id, version, body)\n"
                    f"SELECT 'case-' || :client_id || '-' || :v, n, b\n"
                    f"FROM unnest(ARRAY[\n{bodies}]::text[]) WITH ORDINALITY AS t(b, n);\n")


def run_pgbench(pg, root, name, clients, batch, seconds, warmup):
    script = os.path.join(root, f"{name}.sql")
    pg_script(script, batch)
    if os.geteuid() == 0:
        os.chmod(root, 0o755)
    logdir = tempfile.mkdtemp(prefix=name + "-", dir=root)
    threads = str(min(clients, os.cpu_count() or 2))
    mode = "prepared" if batch == 1 else "simple"
    base = ["pgbench", "-n", "-M", mode, "-c", str(clients), "-j", threads, "-f", script,
            "-D", "body=" + body_text()]
    env = pg.env()
    if warmup > 0:
        subprocess.run(base + ["-T", str(int(max(1, warmup))), "-D", "v=0"], env=env, check=True,
                       capture_output=True)
    pid = pg.server_pid()
    cpu0, tool0 = tree_cpu(pid), children_cpu()
    t0 = time.time()
    r = subprocess.run(base + ["-T", str(int(seconds)), "-D", "v=100000000", "--log",
                               f"--log-prefix={logdir}/tx"], env=env, capture_output=True,
                       text=True)
    elapsed = time.time() - t0
    time.sleep(0.3)  # let the postmaster reap the backends, so their CPU time is counted
    cpu1, tool1 = tree_cpu(pid), children_cpu()
    if r.returncode != 0:
        raise RuntimeError(f"pgbench {name}: {r.stderr.strip()[-500:]}")
    lat = []
    for fn in os.listdir(logdir):
        with open(os.path.join(logdir, fn)) as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 3:
                    lat.append(int(parts[2]) / 1000.0)  # microseconds -> ms
    failed = re.search(r"number of failed transactions: (\d+)", r.stdout)
    m = re.search(r"duration: (\d+) s", r.stdout)
    duration = float(m.group(1)) if m else elapsed
    lat.sort()
    events = len(lat) * batch
    return {"events_per_s": events / duration, "p50_ms": percentile(lat, 0.50),
            "p99_ms": percentile(lat, 0.99), "errors": int(failed.group(1)) if failed else 0,
            "server_us_per_event": (cpu1 - cpu0) * 1e6 / max(events, 1),
            "tool_us_per_event": (tool1 - tool0) * 1e6 / max(events, 1), "events": events,
            "seconds": duration}


# ------------------------------------------------------------------------------------------
# Redis.

class Redis:
    def __init__(self, root, certs, tls):
        self.root = os.path.join(root, "redis-tls" if tls else "redis")
        os.makedirs(self.root)
        self.certs = certs
        self.tls = tls
        self.port = free_port()
        self.proc = None

    def start(self):
        args = ["redis-server", "--bind", "127.0.0.1", "--dir", self.root, "--appendonly", "yes",
                "--appendfsync", "always", "--save", "", "--protected-mode", "yes",
                "--daemonize", "no", "--maxclients", "1000"]
        if self.tls:
            args += ["--port", "0", "--tls-port", str(self.port),
                     "--tls-cert-file", f"{self.certs}/server.pem",
                     "--tls-key-file", f"{self.certs}/server.key",
                     "--tls-ca-cert-file", f"{self.certs}/ca.pem", "--tls-auth-clients", "yes"]
        else:
            args += ["--port", str(self.port)]
        self.logf = open(os.path.join(self.root, "redis.log"), "w")
        self.proc = subprocess.Popen(args, stdout=self.logf, stderr=subprocess.STDOUT)
        wait_for_port(self.port)

    def tool_args(self):
        args = ["redis-benchmark", "-h", "127.0.0.1", "-p", str(self.port)]
        if self.tls:
            args += ["--tls", "--cacert", f"{self.certs}/ca.pem",
                     "--cert", f"{self.certs}/childprotection.pem",
                     "--key", f"{self.certs}/childprotection.key"]
        return args

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=60)


def run_redis_once(redis, clients, batch, requests):
    cmd = redis.tool_args() + ["-c", str(clients), "-n", str(requests), "--csv",
                               "--threads", str(min(clients, os.cpu_count() or 2))]
    if batch > 1:
        cmd += ["-P", str(batch)]  # a pipeline of `batch` XADDs per round trip
    cmd += ["XADD", "events", "*", "event", body_text()]
    t0 = time.time()
    r = subprocess.run(cmd, capture_output=True, text=True)
    elapsed = time.time() - t0
    if r.returncode != 0:
        raise RuntimeError("redis-benchmark: " + (r.stderr or r.stdout).strip()[-500:])
    rows = [line for line in r.stdout.splitlines() if line.startswith('"XADD')]
    if not rows:
        raise RuntimeError("redis-benchmark printed no result: " + r.stdout[-500:])
    f = [x.strip('"') for x in rows[-1].split(",")]
    # "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms",
    # "p99_latency_ms","max_latency_ms"
    return {"rps": float(f[1]), "p50_ms": float(f[4]), "p99_ms": float(f[6]), "elapsed": elapsed}


def run_redis(redis, clients, batch, seconds, warmup):
    # redis-benchmark runs a number of requests, not a time: a short run finds the rate, the
    # measured run asks for about `seconds` of it.
    probe = run_redis_once(redis, clients, batch, max(clients * batch * 20, 2000))
    requests = int(max(probe["rps"] * seconds, clients * batch))
    pid = redis.proc.pid
    before = redis_xlen(redis)
    cpu0, tool0 = tree_cpu(pid), children_cpu()
    r = run_redis_once(redis, clients, batch, requests)
    cpu1, tool1 = tree_cpu(pid), children_cpu()
    events = requests
    # redis-benchmark counts an error reply as a completed request: every XADD must have
    # added an entry.
    errors = max(0, requests - (redis_xlen(redis) - before))
    # The per-request latency of a pipelined command is that of its round trip.
    return {"events_per_s": r["rps"], "p50_ms": r["p50_ms"], "p99_ms": r["p99_ms"],
            "errors": errors,
            "server_us_per_event": (cpu1 - cpu0) * 1e6 / events,
            "tool_us_per_event": (tool1 - tool0) * 1e6 / events, "events": events,
            "seconds": r["elapsed"]}


# ------------------------------------------------------------------------------------------
# caseledger.

def run_caseledger(build, root, tls, clients, batch, seconds, warmup):
    tool = os.path.join(build, "tools", "load_bench")
    args = [tool, "--no-rocksdb", "--json", "--seconds", str(seconds), "--warmup", str(warmup),
            "--dir", root, "--case-events", str(CASE_EVENTS)]
    if not tls:
        args.append("--plain")
    if batch == 1:
        args += ["--scenarios", "closed", "--connections", str(clients)]
    else:
        args += ["--scenarios", "batch", "--batch", str(batch), "--batch-connections",
                 str(clients)]
    tool0 = children_cpu()
    r = subprocess.run(args, capture_output=True, text=True)
    tool1 = children_cpu()
    if r.returncode != 0:
        raise RuntimeError("load_bench: " + r.stderr.strip()[-800:])
    s = json.loads(r.stdout)["runs"][0]["scenarios"][0]
    events = max(s["events"], 1)
    per = 1e6 / events
    return {"events_per_s": s["events_per_s"], "p50_ms": s["p50_us"] / 1000,
            "p99_ms": s["p99_us"] / 1000, "errors": s["errors"],
            "server_us_per_event": s["server_cpu_us_per_event"],
            "tool_us_per_event": s["bench_cpu_us_per_event"], "events": s["events"],
            "seconds": s["seconds"],
            "bounds": {"writer_stage_us": s["writer_stage_s"] * per,
                       "writer_write_us": s["writer_write_s"] * per,
                       "writer_answer_us": s["writer_answer_s"] * per,
                       "fsyncs_per_s": s["synced_writes"] / s["seconds"],
                       "events_per_fsync": s["events"] / max(s["synced_writes"], 1),
                       "other_cpus": s["other_processes_cpus"]},
            "_whole_tool_cpu_s": tool1 - tool0}


# ------------------------------------------------------------------------------------------
# The run and the table.

SYSTEMS = ["caseledger", "postgres", "postgres+chain", "redis"]


def scenarios(batch_clients, batch):
    return [(1, 1), (8, 1), (64, 1), (batch_clients, batch)]


def run_all(args, root, certs):
    results = []
    for transport in args.transports:
        tls = transport == "tls"
        pg = Postgres(root, certs, tls)
        redis = Redis(root, certs, tls)
        try:
            pg.start()
            redis.start()
            for clients, batch in scenarios(args.batch_clients, args.batch):
                label = f"{clients} client{'s' if clients > 1 else ''}" + (
                    f" x {batch}-event batches" if batch > 1 else "")
                row = {"transport": transport, "clients": clients, "batch": batch,
                       "label": label, "systems": {}}
                for system in args.systems:
                    log(f"[{transport}] {label}: {system} ...")
                    if system == "caseledger":
                        res = run_caseledger(args.build, root, tls, clients, batch, args.seconds,
                                             args.warmup)
                    elif system.startswith("postgres"):
                        pg.reset(PG_SCHEMA_CHAIN if system.endswith("chain") else PG_SCHEMA_PLAIN)
                        res = run_pgbench(pg, root, f"{system}-{transport}-{clients}-{batch}",
                                          clients, batch, args.seconds, args.warmup)
                    else:
                        redis_flush(redis)
                        res = run_redis(redis, clients, batch, args.seconds, args.warmup)
                    row["systems"][system] = res
                    log(f"    {res['events_per_s']:.0f} events/s, p50 {res['p50_ms']:.2f} ms, "
                        f"p99 {res['p99_ms']:.2f} ms")
                results.append(row)
        finally:
            pg.stop()
            redis.stop()
    return results


def redis_xlen(redis):
    r = subprocess.run(["redis-cli"] + redis.tool_args()[1:] + ["XLEN", "events"],
                       capture_output=True, text=True, check=True)
    return int(r.stdout.strip())


def redis_flush(redis):
    subprocess.run(["redis-cli"] + redis.tool_args()[1:] + ["DEL", "events"], capture_output=True)


def print_table(results, systems, out):
    head = f"{'transport':9} {'scenario':28} {'system':15} {'events/s':>10} {'p50 ms':>8} " \
           f"{'p99 ms':>8} {'srv us/ev':>9} {'tool us/ev':>10} {'errors':>6} {'caseledger is':>14}"
    print(head, file=out)
    print("-" * len(head), file=out)
    for row in results:
        cl = row["systems"].get("caseledger")
        for system in systems:
            r = row["systems"].get(system)
            if r is None:
                continue
            ratio = ""
            if cl and system != "caseledger" and r["events_per_s"] > 0:
                ratio = f"{cl['events_per_s'] / r['events_per_s']:.2f}x"
            print(f"{row['transport']:9} {row['label']:28} {system:15} {r['events_per_s']:10.0f} "
                  f"{r['p50_ms']:8.2f} {r['p99_ms']:8.2f} {r['server_us_per_event']:9.1f} "
                  f"{r['tool_us_per_event']:10.1f} {r['errors']:6d} {ratio:>14}", file=out)
    print("caseledger is: caseledger's events/s divided by that system's (above 1.00x: "
          "caseledger is faster).", file=out)


def print_targets(results, out):
    print("\ntargets: caseledger ahead of every peer in every row; at 64 clients at least 2x "
          "the best peer", file=out)
    missed = []
    for row in results:
        cl = row["systems"].get("caseledger")
        peers = {k: v for k, v in row["systems"].items() if k != "caseledger"}
        if not cl or not peers:
            continue
        best_name, best = max(peers.items(), key=lambda kv: kv[1]["events_per_s"])
        ratio = cl["events_per_s"] / best["events_per_s"] if best["events_per_s"] else 0
        need = 2.0 if row["clients"] == 64 and row["batch"] == 1 else 1.0
        ok = ratio >= need
        print(f"  {row['transport']:5} {row['label']:28} best peer {best_name:15} "
              f"{ratio:5.2f}x (>= {need:.2f}x) {'met' if ok else 'MISSED'}", file=out)
        if not ok:
            missed.append(row)
    if missed:
        print("\nwhat bounds caseledger where a target is missed (its /metrics and /proc, same "
              "run):", file=out)
        print(f"  {'transport':9} {'scenario':28} {'srv us/ev':>9} {'stage us':>8} "
              f"{'write us':>8} {'answer us':>9} {'fsync/s':>8} {'ev/fsync':>8} "
              f"{'other CPUs':>10}", file=out)
        for row in missed:
            cl = row["systems"]["caseledger"]
            b = cl["bounds"]
            print(f"  {row['transport']:9} {row['label']:28} {cl['server_us_per_event']:9.1f} "
                  f"{b['writer_stage_us']:8.1f} {b['writer_write_us']:8.1f} "
                  f"{b['writer_answer_us']:9.1f} {b['fsyncs_per_s']:8.0f} "
                  f"{b['events_per_fsync']:8.1f} {b['other_cpus']:10.2f}", file=out)
        print("  srv us/ev: caseledgerd CPU per event; stage/write/answer: its ledger writer's "
              "wall time per event\n  (write includes the WAL fdatasync); other CPUs: used by "
              "processes other than caseledgerd and load_bench.", file=out)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--build", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                    "..", "build"),
                   help="the caseledger build directory (load_bench, caseledgerd, caseledger)")
    p.add_argument("--seconds", type=float, default=10, help="measured seconds per row")
    p.add_argument("--warmup", type=float, default=2, help="warm-up seconds before each row")
    p.add_argument("--batch", type=int, default=1024, help="events per batch")
    p.add_argument("--batch-clients", type=int, default=8, help="clients in the batch rows")
    p.add_argument("--transports", default="tcp,tls", help="tcp, tls or tcp,tls")
    p.add_argument("--systems", default=",".join(SYSTEMS), help="which systems, comma-separated")
    p.add_argument("--dir", default=None, help="where to make the run's temporary directory")
    p.add_argument("--keep", action="store_true", help="keep the temporary directory")
    p.add_argument("--json", default=None, help="also write the figures to this file")
    p.add_argument("--no-install", action="store_true", help="do not install missing packages")
    args = p.parse_args()
    args.build = os.path.abspath(args.build)
    args.transports = [t for t in args.transports.split(",") if t]
    args.systems = [s for s in args.systems.split(",") if s]
    for t in args.transports:
        if t not in ("tcp", "tls"):
            p.error(f"unknown transport {t!r}")
    for s in args.systems:
        if s not in SYSTEMS:
            p.error(f"unknown system {s!r} (known: {', '.join(SYSTEMS)})")
    for tool in ("load_bench", "caseledger"):
        if not os.path.exists(os.path.join(args.build, "tools", tool)):
            p.error(f"no {tool} in {args.build}/tools: build the project first")
    if not args.no_install:
        install_missing()

    root = tempfile.mkdtemp(prefix="peers_bench-", dir=args.dir)
    os.chmod(root, 0o755)
    started = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    try:
        certs = make_certs(args.build, root)
        os.chmod(certs, 0o755)
        for name in os.listdir(certs):
            os.chmod(os.path.join(certs, name), 0o644 if name.endswith(".pem") else 0o600)
        results = run_all(args, root, certs)
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    out = sys.stdout
    load = os.getloadavg()
    print(f"peers_bench {started}: {os.cpu_count()} CPUs (servers and load tools share them), "
          f"{args.seconds:g} s per row after {args.warmup:g} s warm-up, {EVENT_BYTES}-byte "
          f"events, load average after the run {load[0]:.2f}", file=out)
    versions = subprocess.run([f"{PG_BIN}/postgres", "--version"], capture_output=True,
                              text=True).stdout.strip() + "; " + subprocess.run(
        ["redis-server", "--version"], capture_output=True, text=True).stdout.strip()[:32]
    print(versions + "\n", file=out)
    print_table(results, args.systems, out)
    print_targets(results, out)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"started": started, "seconds": args.seconds, "warmup": args.warmup,
                       "results": results}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
