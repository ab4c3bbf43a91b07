"""LMCache judges the LMCache config files cdk8s-vllm-pd renders. Runs inside the LMCache venv.

  python lmcache_conformance.py RECORDS_DIR

Each recorded config file goes through what LMCache's vLLM integration does with LMCACHE_CONFIG_FILE
(lmcache/integration/vllm/utils.py, lmcache_get_or_create_config, in lmcache 0.5.4):
LMCacheEngineConfig.from_file(path), then update_config_from_env(), which ends in validate(). LMCache only
logs unknown keys, deprecated keys and values it cannot convert (lmcache/v1/config_base.py,
_resolve_config_aliases / _apply_env_converter_safely) and then runs on defaults, so every WARNING it logs
while loading counts as a rejection, like an exception does.
"""
import json
import logging
import os
import sys
import tempfile

from importlib.metadata import version

from lmcache.v1.config import LMCacheEngineConfig

VERSION = version("lmcache")


class Capture(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def lmcache_loggers():
    # lmcache.logging.init_logger sets propagate=False on each module logger, so attach to each.
    return [logging.getLogger(n) for n in list(logging.root.manager.loggerDict) if n.startswith("lmcache")]


def judge(content):
    problems = []
    handler = Capture()
    loggers = lmcache_loggers()
    for lg in loggers:
        lg.addHandler(handler)
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as fh:
        fh.write(content)
        path = fh.name
    try:
        config = LMCacheEngineConfig.from_file(path)
        config.update_config_from_env()
    except BaseException as e:  # validate() uses assert for several PD rules
        problems.append("%s: %s" % (type(e).__name__, " ".join(str(e).split()) or "(assertion without message)"))
    finally:
        os.unlink(path)
        for lg in loggers:
            lg.removeHandler(handler)
    problems += ["warning: %s" % m.replace(path, "<file>") for m in handler.messages]
    return problems


# Config files LMCache must reject: proves the loader is live.
CONTROLS = [
    ("unknown key", "enable_pd: true\npd_role: sender\npd_buffer_size: 1024\npd_buffer_device: cuda\npd_rolle: x\n"),
    ("PD without pd_role", "enable_pd: true\npd_buffer_size: 1024\npd_buffer_device: cuda\n"),
]


def main(records_dir):
    # The rendered pods set only LMCACHE_CONFIG_FILE and LMCACHE_USE_EXPERIMENTAL; other LMCACHE_* variables
    # of this shell must not leak into the check.
    for name in [n for n in os.environ if n.startswith("LMCACHE_")]:
        del os.environ[name]
    passed = failed = 0
    for label, content in CONTROLS:
        if judge(content):
            passed += 1
        else:
            failed += 1
            print("FAIL control '%s': LMCache %s accepted a config it must reject" % (label, VERSION))
    recs = []
    for f in sorted(os.listdir(records_dir)):
        if f.endswith(".jsonl"):
            with open(os.path.join(records_dir, f)) as fh:
                recs += [json.loads(l) for l in fh if l.strip()]
    configs = [r for r in recs if r["type"] == "lmcache-config"]
    accepted = rejected = 0
    seen = {}
    for r in configs:
        if r["content"] not in seen:
            seen[r["content"]] = judge(r["content"])
        problems = seen[r["content"]]
        if problems:
            rejected += 1
            print("FAIL %s > %s: %s (%s), tier %s:" % (r.get("file"), r.get("name"), r["object"], r["key"],
                                                     r.get("labels", {}).get("app.kubernetes.io/component")))
            for p in problems:
                print("       LMCache %s: %s" % (VERSION, p))
        else:
            accepted += 1
    passed += accepted
    failed += rejected
    print("  %d distinct config files among %d recorded" % (len(seen), len(configs)))
    print("conformance: LMCache %s: %d config files accepted, %d rejected" % (VERSION, accepted, rejected))
    print("conformance-result: %d %d" % (passed, failed))
    return failed == 0 and accepted > 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(0 if main(sys.argv[1]) else 1)
