"""Judges the vllm-router containers the library renders with the real vllm-router package (PyPI).

Input: the JSON from render-router-args.ts (argv[1]); argv[2]: the pinned package's Rust sources (sdist) for the
binary's own flag list. For each rendered vllm-router container:

1. launcher: the rendered args, mapped to the PyPI launcher's CLI (MAPPING below), must be accepted by the
   launcher's own parser (vllm_router.launch_router.parse_router_args + RouterArgs._validate_router_args);
2. binary flags: every flag must be a long option of the image binary's clap parser (src/main.rs `CliArgs` in the
   pinned release's sources; read, not executed: the PyPI wheel ships no binary);
3. flow (static discovery, NIXL/shared-storage flow): the real router core (vllm_router_rs) is started with the
   mapped args against two fake vLLM servers on 127.0.0.1; one /v1/completions and one /v1/chat/completions
   request must go prefill-then-decode, and decode must receive exactly the kv_transfer_params prefill returned.

Prints one line per check and ends with `conformance-result: <passed> <failed>`.
"""
import contextlib
import io
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODEL = "meta-llama/Llama-3.1-8B-Instruct"
LOOPBACK = "127.0.0.1"

# Rendered container arg -> PyPI launcher arg. The launcher (vllm_router/router_args.py) spells every flag the
# library renders like the image binary (src/main.rs); only values change, to run on loopback:
#   --host 0.0.0.0                 -> --host 127.0.0.1
#   --port <p>                     -> --port <free port>
#   --prefill http://<svc>:<port>  -> --prefill http://127.0.0.1:<fake prefill>
#   --decode http://<svc>:<port>   -> --decode http://127.0.0.1:<fake decode>
#   --prometheus-host 0.0.0.0      -> --prometheus-host 127.0.0.1
#   --prometheus-port 29000        -> --prometheus-port <free port>
#   --vllm-discovery-address 0.0.0.0:30001 -> 127.0.0.1:<free port>
#   --service-discovery-namespace $(POD_NAMESPACE) -> llm (Kubernetes expands $(VAR) from the env)
# Flags that have no launcher equivalent: the tracing flags (--enable-trace, --otlp-traces-endpoint VALUE,
# --otel-sampling-ratio VALUE) are in the binary's CliArgs ("Tracing (OpenTelemetry)") but not in the 0.1.15
# launcher's router_args.py; they are dropped before the launcher parses (and the flow runs) and still checked
# against src/main.rs below. Binary-only flags the library does not
# render (e.g. --backend, --pool-idle-timeout-secs, --history-backend, --eviction-interval, which the launcher
# spells --eviction-interval-secs) are not mapped. Added for the run only: --worker-startup-check-interval 1
# (default 30 s) so a healthy fake is seen at once.
FREE_VALUE_FLAGS = {"--port", "--prometheus-port"}
# Binary-only flag -> number of values it takes.
BINARY_ONLY_FLAGS = {"--enable-trace": 0, "--otlp-traces-endpoint": 1, "--otel-sampling-ratio": 1}

passed = 0
failed = 0


def ok(line):
    global passed
    passed += 1
    print(f"ok   {line}")


def fail(line):
    global failed
    failed += 1
    print(f"FAIL {line}")


def free_port():
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


def map_args(args, prefill_url=None, decode_url=None):
    out = []
    i = 0
    while i < len(args):
        a = args[i]
        nxt = args[i + 1] if i + 1 < len(args) else None
        if a in BINARY_ONLY_FLAGS:
            i += 1 + BINARY_ONLY_FLAGS[a]
        elif a in ("--host", "--prometheus-host"):
            out += [a, LOOPBACK]
            i += 2
        elif a in FREE_VALUE_FLAGS:
            out += [a, str(free_port())]
            i += 2
        elif a == "--prefill":
            out += [a, prefill_url or "http://127.0.0.1:1"]
            i += 2
        elif a == "--decode":
            out += [a, decode_url or "http://127.0.0.1:2"]
            i += 2
        elif a == "--vllm-discovery-address":
            out += [a, f"{LOOPBACK}:{free_port()}"]
            i += 2
        elif nxt is not None and nxt == "$(POD_NAMESPACE)":
            out += [a, "llm"]
            i += 2
        else:
            out.append(a)
            i += 1
    return out


def launcher_parse(argv):
    """The launcher's own parser; returns (RouterArgs or None, message)."""
    from vllm_router.launch_router import parse_router_args

    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err):
            ra = parse_router_args(argv)
            ra._validate_router_args()
        return ra, ""
    except SystemExit:
        return None, err.getvalue().strip().splitlines()[-1] if err.getvalue().strip() else "argparse exited"
    except Exception as e:  # _validate_router_args raises ValueError
        return None, f"{type(e).__name__}: {e}"


def clap_flags(main_rs):
    """Long options of `struct CliArgs` in the binary's src/main.rs (clap derive: field name in kebab case, or `long = "..."`)."""
    src = open(main_rs).read()
    body = src[src.index("struct CliArgs {"):]
    body = body[: body.index("\n}\n")]
    flags = set()
    pending_long = None
    for line in body.splitlines():
        m = re.search(r'long\s*=\s*"([^"]+)"', line)
        if m:
            pending_long = m.group(1)
        m = re.match(r"\s{4}(\w+):\s", line)
        if m:
            flags.add("--" + (pending_long or m.group(1).replace("_", "-")))
            pending_long = None
    # `--prefill URL [BOOTSTRAP_PORT]` is filtered out of argv before clap parses it (main() in 0.1.15,
    # split_prefill_args_from_others in later releases): `raw_args[i] == "--prefill"` / `arg != ("--prefill")`.
    if re.search(r'(==|!=) \(?"--prefill"', src):
        flags.add("--prefill")
    return flags


class FakeVllm(BaseHTTPRequestHandler):
    """Answers what vllm-router asks of a vLLM server in PD mode."""

    role = "?"
    requests = None  # list of (path, body)
    returned = None  # kv_transfer_params the fake prefill returned, by request path

    def log_message(self, *args):
        pass

    def _json(self, code, obj):
        data = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/health":
            self._json(200, {})
        elif self.path == "/v1/models":
            self._json(200, {"object": "list", "data": [{"id": MODEL, "object": "model", "owned_by": "vllm", "max_model_len": 16384}]})
        else:
            self._json(404, {"error": f"fake vLLM has no GET {self.path}"})

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
        self.requests.append((self.path, body))
        if self.path not in ("/v1/completions", "/v1/chat/completions"):
            self._json(404, {"error": f"fake vLLM has no POST {self.path}"})
            return
        chat = self.path == "/v1/chat/completions"
        if self.role == "prefill":
            # What vLLM's NixlConnector returns from a do_remote_decode request (request_finished in nixl connector).
            params = {
                "do_remote_prefill": True,
                "do_remote_decode": False,
                "remote_block_ids": [[3, 1, 4, 1, 5]],
                "remote_engine_id": str(uuid.uuid4()),
                "remote_request_id": "cmpl-" + uuid.uuid4().hex,
                "remote_host": "10.1.2.3",
                "remote_port": 5600,
                "tp_size": 4,
            }
            self.returned[self.path] = params
            text = "P"
        else:
            params = None
            text = "decoded by the decode tier"
        choice = {"index": 0, "finish_reason": "length", "logprobs": None}
        if chat:
            choice["message"] = {"role": "assistant", "content": text}
        else:
            choice["text"] = text
        self._json(200, {
            "id": "cmpl-" + uuid.uuid4().hex,
            "object": "chat.completion" if chat else "text_completion",
            "created": int(time.time()),
            "model": MODEL,
            "choices": [choice],
            "usage": {"prompt_tokens": 5, "completion_tokens": 1, "total_tokens": 6},
            "kv_transfer_params": params,
        })


def start_fake(role):
    handler = type(f"Fake{role}", (FakeVllm,), {"role": role, "requests": [], "returned": {}})
    server = ThreadingHTTPServer((LOOPBACK, 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, handler


def http(method, url, body=None, timeout=10):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
    except (urllib.error.URLError, ConnectionError, socket.timeout) as e:
        return None, str(e)


def run_flow(name, rendered_args, log_dir):
    prefill, prefill_h = start_fake("prefill")
    decode, decode_h = start_fake("decode")
    argv = map_args(rendered_args, f"http://{LOOPBACK}:{prefill.server_port}", f"http://{LOOPBACK}:{decode.server_port}")
    argv += ["--worker-startup-check-interval", "1"]
    port = argv[argv.index("--port") + 1]
    base = f"http://{LOOPBACK}:{port}"
    log_path = os.path.join(log_dir, re.sub(r"[^A-Za-z0-9]+", "-", name) + ".log")
    with open(log_path, "w") as log:
        proc = subprocess.Popen([sys.executable, "-m", "vllm_router.launch_router", *argv], stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 60
        ready = None
        while time.time() < deadline and proc.poll() is None:
            code, _ = http("GET", base + "/readiness", timeout=2)
            if code == 200:
                ready = True
                break
            time.sleep(0.5)
        if not ready:
            tail = open(log_path).read().strip().splitlines()[-3:]
            fail(f"{name}: flow: router not ready within 60 s (exit {proc.poll()}): {' | '.join(tail)}")
            return
        ok(f"{name}: flow: router ready (/readiness 200) with {' '.join(argv)}")
        cases = [
            ("/v1/completions", {"model": MODEL, "prompt": "The capital of France is", "max_tokens": 7, "stream": False}),
            ("/v1/chat/completions", {"model": MODEL, "messages": [{"role": "user", "content": "Say hi"}], "max_tokens": 7, "stream": False}),
        ]
        for path, body in cases:
            n_p, n_d = len(prefill_h.requests), len(decode_h.requests)
            code, text = http("POST", base + path, body, timeout=30)
            p_reqs = [b for (p, b) in prefill_h.requests[n_p:] if p == path]
            d_reqs = [b for (p, b) in decode_h.requests[n_d:] if p == path]
            problems = []
            if code != 200:
                problems.append(f"router answered {code}: {text[:200]}")
            if len(p_reqs) != 1 or len(d_reqs) != 1:
                problems.append(f"expected 1 prefill and 1 decode request, got {len(p_reqs)} and {len(d_reqs)}")
            else:
                p, d = p_reqs[0], d_reqs[0]
                if (p.get("kv_transfer_params") or {}).get("do_remote_decode") is not True:
                    problems.append(f"prefill request lacks kv_transfer_params.do_remote_decode=true: {p.get('kv_transfer_params')}")
                if p.get("max_tokens") != 1:
                    problems.append(f"prefill max_tokens is {p.get('max_tokens')}, not 1")
                if d.get("kv_transfer_params") != prefill_h.returned.get(path):
                    problems.append(f"decode got kv_transfer_params {d.get('kv_transfer_params')}, prefill returned {prefill_h.returned.get(path)}")
                if d.get("max_tokens") != body["max_tokens"]:
                    problems.append(f"decode max_tokens is {d.get('max_tokens')}, not the client's {body['max_tokens']}")
                if code == 200 and "decoded by the decode tier" not in text:
                    problems.append(f"client did not get decode's answer: {text[:200]}")
            if problems:
                fail(f"{name}: flow {path}: " + "; ".join(problems))
            else:
                ok(f"{name}: flow {path}: prefill (max_tokens=1, do_remote_decode) then decode with exactly prefill's kv_transfer_params")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        prefill.shutdown()
        decode.shutdown()


def main():
    rendered = json.load(open(sys.argv[1]))
    main_rs = sys.argv[2]
    log_dir = sys.argv[3]
    from importlib.metadata import version

    release = version("vllm-router")
    for e in rendered["errors"]:
        fail(f"render: {e}")
    binary = clap_flags(main_rs)
    for r in rendered["rendered"]:
        name = f"{r['name']} ({r['image']})"
        if r["command"] != ["vllm-router"]:
            print(f"skip {name}: not a vllm-router container")
            continue
        argv = map_args(r["args"])
        ra, msg = launcher_parse(argv)
        if ra is None:
            fail(f"{name}: launcher {release} rejects {' '.join(argv)}: {msg}")
        else:
            ok(f"{name}: launcher {release} accepts the rendered args")
        unknown = sorted({a for a in r["args"] if a.startswith("--") and a not in binary})
        if unknown:
            fail(f"{name}: binary {release} (src/main.rs CliArgs) has no {', '.join(unknown)}")
        else:
            ok(f"{name}: binary {release} (src/main.rs CliArgs) has every rendered flag")
        static = "--prefill" in r["args"] and "--decode" in r["args"]
        if ra is not None and static and r["transport"] == "nixl":
            run_flow(name, r["args"], log_dir)
        elif ra is not None:
            why = "Kubernetes pod discovery needs an API server" if "--service-discovery" in r["args"] else \
                "ZMQ registration needs engines that register" if "--vllm-discovery-address" in r["args"] else \
                "Mooncake needs the prefill bootstrap server" if r["transport"] == "mooncake" else "not a static NIXL flow"
            print(f"skip {name}: flow not run ({why}); parsed only")
    print(f"conformance: vllm-router {release}: {passed} checks passed, {failed} failed")
    print(f"conformance-result: {passed} {failed}")
    sys.exit(0 if failed == 0 and passed > 0 else 1)


if __name__ == "__main__":
    main()
