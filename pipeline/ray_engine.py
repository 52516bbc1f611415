"""`ingest --engine ray`: the same pure ``process_file``, run as Ray tasks.

Local Ray on this machine by default, or an existing cluster with ``address``.  Each task gets
the file's bytes (workers on other machines cannot read this machine's paths), writes them to
a temporary file of the same name, runs ``process_file`` and gives back the ``Result`` with the
original path put back, so the rows are the ones the process pool makes.  Results stream back
as tasks finish (a bounded number in flight) to the single writer in ``pipeline.ingest``.
A task whose worker dies is retried once by Ray, then refused by name.
Needs the optional extra: ``pip install 'cnpolicy[ray]'``.
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from pipeline.process import Result, process_file

ENV_PREFIXES = ("CNPOLICY_", "HF_", "TRANSFORMERS_")  # settings the workers must see too


def process_bytes(path: str, data: bytes, extract: bool, embed: bool) -> Result:
    """``process_file`` on a copy of the file's bytes; the Result names the original path."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="cnpolicy-ray-") as tmp:
        copy = Path(tmp) / Path(path).name
        copy.write_bytes(data)
        res = process_file(str(copy), extract, embed)
    res.path = path
    if res.error:
        res.error = res.error.replace(str(copy), path)
    for row in res.rows.get("documents", []):
        row["source_path"] = path
    return res


def _start(address: str | None):
    try:
        import ray
    except ImportError as e:
        raise RuntimeError("--engine ray needs Ray: pip install 'cnpolicy[ray]'") from e
    if ray.is_initialized():
        return ray, False
    env = {k: v for k, v in os.environ.items() if k.startswith(ENV_PREFIXES)}
    root = str(Path(__file__).resolve().parents[1])
    runtime = {"env_vars": env}
    if address:  # a cluster: ship this checkout's code to the workers
        runtime["working_dir"] = root
    else:
        runtime["env_vars"] = {**env, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
    ray.init(address=address, include_dashboard=False, log_to_driver=False, runtime_env=runtime,
             configure_logging=False)
    return ray, True


def ray_results(files: list[str], extract: bool, embed: bool, address: str | None = None) -> Iterator[Result]:
    from pipeline.ingest import WORKER_DIED

    ray, started = _start(address)
    try:
        task = ray.remote(max_retries=1)(process_bytes)
        window = max(2, 2 * int(ray.cluster_resources().get("CPU", 1)))
        todo, pending = list(reversed(files)), {}

        def submit() -> None:
            path = todo.pop()
            try:
                data = Path(path).read_bytes()
            except OSError:  # let the loader name the problem, as the pool would
                pending[ray.put(process_file(path, extract, embed))] = path
                return
            pending[task.remote(path, data, extract, embed)] = path

        while todo and len(pending) < window:
            submit()
        while pending:
            done, _ = ray.wait(list(pending), num_returns=1)
            path = pending.pop(done[0])
            try:
                yield ray.get(done[0])
            except (ray.exceptions.WorkerCrashedError, ray.exceptions.RayTaskError,
                    ray.exceptions.OutOfMemoryError) as e:
                yield Result(path=path, error=f"{WORKER_DIED} ({type(e).__name__})")
            while todo and len(pending) < window:
                submit()
    finally:
        if started:
            ray.shutdown()
