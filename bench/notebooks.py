"""Run each solution notebook on a fresh kernel and print its time, memory and headline figure.

    .venv/bin/python bench/notebooks.py                 every notebook in solutions/
    .venv/bin/python bench/notebooks.py solutions/02-perceptron.ipynb

Wall time includes starting the kernel (as a learner's "Run All" after opening the notebook
does); peak memory is the kernel process's maximum resident set size. Budgets (from the
course design): 90 s and 3 GB per notebook on a 2-core CPU.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUDGET_S, BUDGET_MB = 90, 3072


def run_one(path):
    """Execute one notebook in this process's child kernel; return its measurements."""
    import nbformat
    from nbclient import NotebookClient

    with tempfile.NamedTemporaryFile(suffix=".jsonl", delete=False) as f:
        metrics_file = f.name
    os.environ["HELPERS_METRICS_FILE"] = metrics_file  # the kernel inherits it
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    error = None
    try:
        NotebookClient(nb, timeout=600, kernel_name="python3",
                       resources={"metadata": {"path": str(Path(path).parent)}}).execute()
    except Exception as exc:  # report and go on with the next notebook
        error = f"{type(exc).__name__}: {str(exc).strip().splitlines()[-1][:120]}"
    wall = time.perf_counter() - start
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # kernel, now reaped
    claims = [json.loads(line) for line in Path(metrics_file).read_text().splitlines()]
    os.unlink(metrics_file)
    return {"notebook": Path(path).name, "wall_s": wall, "peak_mb": peak_kb / 1024,
            "claims": claims, "error": error}


def measure(path):
    """Run `run_one` in a fresh Python process, so peak memory is this notebook's alone."""
    out = subprocess.run([sys.executable, __file__, "--one", str(path)], capture_output=True,
                         text=True, cwd=ROOT)
    if out.returncode != 0:
        return {"notebook": Path(path).name, "wall_s": float("nan"), "peak_mb": float("nan"),
                "claims": [], "error": out.stderr.strip().splitlines()[-1:]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def headline(claims):
    chosen = [c for c in claims if c["headline"]] or claims[:1]
    if not chosen:
        return "-"
    c = chosen[0]
    bound = " ".join(s for s in (f"≥ {c['at_least']:g}" if c["at_least"] is not None else "",
                                 f"≤ {c['at_most']:g}" if c["at_most"] is not None else "") if s)
    return f"{c['name']} = {c['value']:.4g} ({bound})"


def table(rows):
    lines = ["| notebook | wall s | peak MB | claims held | headline figure | within budget |",
             "|---|---:|---:|---:|---|---|"]
    for r in rows:
        held = sum(c["ok"] for c in r["claims"])
        ok = r["wall_s"] <= BUDGET_S and r["peak_mb"] <= BUDGET_MB and not r["error"]
        verdict = "yes" if ok else f"NO{': ' + str(r['error']) if r['error'] else ''}"
        lines.append(f"| {r['notebook']} | {r['wall_s']:.1f} | {r['peak_mb']:.0f} | "
                     f"{held}/{len(r['claims'])} | {headline(r['claims'])} | {verdict} |")
    total = sum(r["wall_s"] for r in rows)
    lines.append(f"\n{len(rows)} notebooks, {total:.0f} s in all; budget {BUDGET_S} s and "
                 f"{BUDGET_MB} MB each, on {os.cpu_count()} CPU cores.")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--one", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(run_one(args.one)))
        return 0
    paths = args.notebooks or sorted((ROOT / "solutions").glob("*.ipynb"))
    rows = []
    for path in paths:
        print(f"running {path.name} ...", file=sys.stderr, flush=True)
        rows.append(measure(path))
    print(table(rows))
    return 0 if all(not r["error"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
