"""Fuzzed ingest: mutate the test fixtures and run ``process_file`` on every mutant in a
worker subprocess under a time and a memory limit.

    make fuzz                                  # 10,000 cases
    FUZZ_CASES=300 .venv/bin/python bench/fuzz.py
    FUZZ_SEED=7 FUZZ_EXTRACT=0 FUZZ_TIMEOUT=30 FUZZ_MEM_MB=2048 FUZZ_CRASHERS=/tmp/c .venv/bin/python bench/fuzz.py

Every case must end in a stored document or a named error (a LoadError's reason).  The
failures counted are: an uncaught exception (``process_file``'s catch-all turned it into
"SomeError: …"), a hang (no answer within FUZZ_TIMEOUT seconds: the worker is killed),
a memory blow-up (the worker hit its FUZZ_MEM_MB address-space limit or died).  Each
failing input is saved under tests/fixtures/fuzz/ (kind-hash.ext) with a note of what it
did; tests/test_fuzz_regressions.py replays them all.

The worker is one long-lived process (imports once, ~100x faster than a process per
case); it is restarted after a hang or a crash.  OCR is off by default (FUZZ_OCR=auto to
include it): a mutant that loses its text layer would otherwise spend its 30 s in OCR.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import random
import re
import resource
import select
import subprocess
import sys
import tempfile
import time
import zipfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
CRASHERS = Path(os.environ.get("FUZZ_CRASHERS", FIXTURES / "fuzz"))  # where failing inputs are saved
SEEDS = ["plan.pdf", "web_printed.pdf", "cnki.pdf", "plan.docx", "notice.html", "plan_utf8.txt",
         "plan_gbk.txt", "crawler.md", "crawler.json"]
UNCAUGHT = re.compile(r"^[A-Z][A-Za-z0-9_.]*: ")  # process_file's catch-all: "KeyError: 'x'"


# --- mutations ------------------------------------------------------------------------
def flip_bits(rng: random.Random, data: bytes) -> bytes:
    b = bytearray(data)
    for _ in range(rng.choice([1, 2, 4, 16, 64])):
        i = rng.randrange(len(b))
        b[i] ^= 1 << rng.randrange(8)
    return bytes(b)


def replace_bytes(rng: random.Random, data: bytes) -> bytes:
    b = bytearray(data)
    for _ in range(rng.choice([1, 4, 32])):
        b[rng.randrange(len(b))] = rng.choice([0, 0xFF, 0x7F, 0x80, ord("<"), ord("("), ord("\n"), rng.randrange(256)])
    return bytes(b)


def insert_bytes(rng: random.Random, data: bytes) -> bytes:
    i = rng.randrange(len(data) + 1)
    junk = rng.choice([bytes(rng.randrange(256) for _ in range(rng.randrange(1, 64))),
                       b"\x00" * rng.randrange(1, 4096), data[rng.randrange(len(data)):][:512]])
    return data[:i] + junk + data[i:]


def delete_chunk(rng: random.Random, data: bytes) -> bytes:
    i = rng.randrange(len(data))
    return data[:i] + data[i + rng.randrange(1, max(2, len(data) // 8)):]


def duplicate_chunk(rng: random.Random, data: bytes) -> bytes:
    i = rng.randrange(len(data))
    chunk = data[i:i + rng.randrange(1, 2048)]
    return data[:i] + chunk * rng.choice([2, 10, 100]) + data[i:]


def truncate(rng: random.Random, data: bytes) -> bytes:
    return data[:rng.randrange(1, len(data))]


def splice(rng: random.Random, data: bytes, other: bytes) -> bytes:
    return data[:rng.randrange(len(data))] + other[rng.randrange(len(other)):]


BYTE_MUTATIONS = [flip_bits, replace_bytes, insert_bytes, delete_chunk, duplicate_chunk, truncate]

# structural mutations of text formats (the classes seen when fuzzing here)
TEXT_MUTATIONS = [
    lambda rng, s: s.replace("\n", "", rng.randrange(1, 200)),  # lost line breaks
    lambda rng, s: s + ("推进应急管理体系建设，" * rng.choice([1000, 20000])),  # a very long line
    lambda rng, s: "<div>" * rng.choice([100, 3000]) + s + "</div>" * rng.randrange(0, 3000),  # deep nesting
    lambda rng, s: s.replace("。", "。" + "\t" * rng.randrange(1, 20), rng.randrange(1, 50)),
    lambda rng, s: s.replace("|", "||", rng.randrange(1, 20)).replace("**", "*", rng.randrange(1, 20)),
    lambda rng, s: s.replace("第", "第" * rng.randrange(2, 40), rng.randrange(1, 30)),
    lambda rng, s: "".join(rng.sample(s.split("\n"), k=len(s.split("\n")))) if "\n" in s else s,
]


def mutate_docx(rng: random.Random, data: bytes) -> bytes:
    """Mutate a part inside the DOCX zip (document.xml most often), keep the zip valid."""
    src = zipfile.ZipFile(io.BytesIO(data))
    names = src.namelist()
    target = "word/document.xml" if rng.random() < 0.8 or "word/document.xml" not in names else rng.choice(names)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name in names:
            part = src.read(name)
            if name == target:
                if rng.random() < 0.5:
                    part = xml_mutation(rng, part)
                else:
                    part = rng.choice(BYTE_MUTATIONS)(rng, part)
            z.writestr(name, part)
    return out.getvalue()


def xml_mutation(rng: random.Random, xml: bytes) -> bytes:
    edits = [
        (b"<w:tc><w:tcPr>", b"<w:tc><w:tcPr><w:vMerge/>"),
        (b"<w:tc><w:tcPr>", b'<w:tc><w:tcPr><w:vMerge w:val="restart"/>'),
        (b"<w:tc><w:tcPr>", b'<w:tc><w:tcPr><w:gridSpan w:val="%d"/>' % rng.choice([0, 2, 9, 999])),
        (b"<w:tc><w:tcPr>", b'<w:tc><w:tcPr><w:gridSpan w:val="x"/>'),
        (b"</w:tr>", b"</w:tr></w:tr>"),
        (b"<w:tr>", b"<w:tr><w:tc><w:p/></w:tc>"),
        (b"<w:p>", b"<w:p>" * 50),
        (b"</w:tbl>", b""),
    ]
    old, new = rng.choice(edits)
    return xml.replace(old, new, rng.randrange(1, 6))


def mutate(rng: random.Random, name: str, data: bytes, seeds: dict[str, bytes]) -> bytes:
    ext = Path(name).suffix
    roll = rng.random()
    if ext == ".docx" and roll < 0.7:
        return mutate_docx(rng, data)
    if ext in (".html", ".md", ".txt", ".json") and roll < 0.4:
        enc = "gbk" if "gbk" in name or ext == ".html" else "utf-8"
        text = data.decode(enc, errors="replace")
        return rng.choice(TEXT_MUTATIONS)(rng, text).encode(enc, errors="replace")
    if roll < 0.05:
        return splice(rng, data, seeds[rng.choice(list(seeds))])
    out = data
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        out = rng.choice(BYTE_MUTATIONS)(rng, out) or data[:1]
    return out


# --- the worker -------------------------------------------------------------------------
def worker() -> None:
    """Read case paths on stdin, answer one JSON line per case on stdout."""
    from pipeline.process import process_file

    extract = os.environ.get("FUZZ_EXTRACT", "1") == "1"
    ocr = os.environ.get("FUZZ_OCR", "never")
    out = sys.stdout
    sys.stdout = sys.stderr  # anything a library prints must not break the protocol
    for line in sys.stdin:
        path = line.strip()
        t0 = time.perf_counter()
        try:
            res = process_file(path, extract=extract, embed=False, ocr=ocr)
            answer = {"error": res.error, "stored": res.error is None, "warnings": res.warnings[:3]}
        except BaseException as e:  # process_file must never raise: this is a finding
            answer = {"error": f"{type(e).__name__}: raised out of process_file: {e}"[:300], "stored": False,
                      "raised": True}
        answer["seconds"] = round(time.perf_counter() - t0, 3)
        answer["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        out.write(json.dumps(answer, ensure_ascii=False) + "\n")
        out.flush()


class Worker:
    def __init__(self, mem_mb: int):
        self.mem_mb = mem_mb
        self.proc = None

    def start(self) -> None:
        limit = self.mem_mb * 2**20

        def limits() -> None:
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

        env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1")
        self.proc = subprocess.Popen([sys.executable, __file__, "--worker"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                                     preexec_fn=limits, env=env, cwd=ROOT)

    def run(self, path: str, timeout: float) -> dict:
        if self.proc is None or self.proc.poll() is not None:
            self.start()
        self.proc.stdin.write(path + "\n")
        self.proc.stdin.flush()
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        if not ready:
            self.stop()
            return {"outcome": "hang"}
        line = self.proc.stdout.readline()
        if not line:
            code = self.proc.wait()
            self.proc = None
            return {"outcome": "memory" if code in (-9, 137) or code == 1 else "crash", "exit": code}
        answer = json.loads(line)
        if answer.get("rss_mb", 0) > self.mem_mb:
            answer["outcome"] = "memory"
        elif answer["stored"]:
            answer["outcome"] = "stored"
        elif "MemoryError" in (answer["error"] or ""):
            answer["outcome"] = "memory"
        elif answer.get("raised") or UNCAUGHT.match(answer["error"] or ""):
            answer["outcome"] = "uncaught"
        else:
            answer["outcome"] = "refused"
        if answer["outcome"] == "memory":
            self.stop()  # its heap is spent
        return answer

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None


FAILURES = ("uncaught", "hang", "memory", "crash")


def save_crasher(data: bytes, ext: str, outcome: dict, origin: str) -> Path:
    CRASHERS.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(data).hexdigest()[:12]
    path = CRASHERS / f"{outcome['outcome']}-{digest}{ext}"
    path.write_bytes(data)
    note = {"outcome": outcome["outcome"], "error": outcome.get("error"), "seed": origin,
            "seconds": outcome.get("seconds")}
    path.with_name(path.name + ".json").write_text(json.dumps(note, ensure_ascii=False, indent=1) + "\n",
                                                   encoding="utf-8")
    return path


def main() -> None:
    cases = int(os.environ.get("FUZZ_CASES", "10000"))
    seed = int(os.environ.get("FUZZ_SEED", "0"))
    timeout = float(os.environ.get("FUZZ_TIMEOUT", "30"))
    mem_mb = int(os.environ.get("FUZZ_MEM_MB", "2048"))
    rng = random.Random(seed)
    seeds = {n: (FIXTURES / n).read_bytes() for n in SEEDS if (FIXTURES / n).exists()}
    counts: Counter = Counter()
    errors: Counter = Counter()
    slowest = 0.0
    w = Worker(mem_mb)
    t_start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="cnpolicy-fuzz-") as tmp:
        try:
            for case in range(cases):
                name = rng.choice(list(seeds))
                ext = Path(name).suffix
                data = mutate(rng, name, seeds[name], seeds)
                path = Path(tmp) / f"case{case}{ext}"
                path.write_bytes(data)
                outcome = w.run(str(path), timeout)
                counts[outcome["outcome"]] += 1
                slowest = max(slowest, outcome.get("seconds") or 0)
                if outcome["outcome"] == "refused":
                    errors[re.sub(r"\d+", "N", outcome["error"])[:70]] += 1
                if outcome["outcome"] in FAILURES:
                    saved = save_crasher(data, ext, outcome, name)
                    print(f"case {case} ({name}): {outcome['outcome']} {outcome.get('error') or ''}"[:200]
                          + f" -> {saved}", flush=True)
                path.unlink()
                if (case + 1) % 100 == 0:
                    rate = (case + 1) / (time.perf_counter() - t_start)
                    print(f"{case + 1}/{cases} cases, {rate:.1f}/s: {dict(counts)}", file=sys.stderr, flush=True)
        finally:
            w.stop()
    elapsed = time.perf_counter() - t_start
    print(f"\n{cases} cases in {elapsed:.0f} s (seed {seed}, timeout {timeout:.0f} s, {mem_mb} MB): "
          + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) + f"; slowest case {slowest:.1f} s")
    print("most frequent refusals:")
    for reason, n in errors.most_common(8):
        print(f"  {n:5d}  {reason}")
    sys.exit(1 if any(counts[f] for f in FAILURES) else 0)


if __name__ == "__main__":
    if "--worker" in sys.argv:
        worker()
    else:
        main()
