"""The table of benchmarks/gpu_check.sh: one row per step, plus the ratios
that matter (auto vs float32, XLA on vs off), printed and written as JSON.

    python benchmarks/gpu_report.py OUT_DIR     # gpu_check.sh calls it at the end
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

RATIOS = [  # (label, numerator step, denominator step)
    ("cifar-resnet auto / float32", "cifar-auto", "cifar-float32"),
    ("imdb-lstm auto / float32", "imdb-lstm-auto", "imdb-lstm-float32"),
    ("cifar-resnet XLA on / off", "cifar-xla-on", "cifar-xla-off"),
    ("cifar-resnet mirrored (all GPUs) / one GPU (auto)", "cifar-mirrored", "cifar-auto"),
]


def _json(path: Path):
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _last_error(log: str) -> str:
    try:
        lines = [line.strip() for line in Path(log).read_text(errors="replace").splitlines() if line.strip()]
    except OSError:
        return ""
    errors = [line for line in lines if "Error" in line or line.startswith("Error")]
    return (errors or lines or [""])[-1][:160]


def read_steps(out_dir) -> list[dict]:
    out_dir = Path(out_dir)
    rows = []
    for line in (out_dir / "steps.jsonl").read_text().splitlines():
        if not line.strip():
            continue
        step = json.loads(line)
        row = {"step": step["step"], "ok": step["rc"] == 0, "rc": step["rc"], "seconds": step["seconds"]}
        run_dir = Path(step["run_dir"]) if step.get("run_dir") else None
        metrics = _json(run_dir / "metrics.json") if run_dir else None
        env = _json(run_dir / "environment.json") if run_dir else None
        if env:
            row.update(precision=env.get("precision"), strategy=env.get("strategy"),
                       replicas=env.get("replicas"), xla=env.get("jit_compile"))
        if metrics:
            row["examples_per_s"] = metrics.get("train_examples_per_s")
            peaks = metrics.get("peak_memory_mb") or {}
            gpu = [v for k, v in peaks.items() if k.startswith("gpu")]
            row["peak_gpu_mb"] = max(gpu) if gpu else None
        if not row["ok"]:
            row["error"] = "timed out" if step["rc"] == 124 else _last_error(step.get("log", ""))
        rows.append(row)
    return rows


def ratios(rows) -> list[dict]:
    rate = {r["step"]: r.get("examples_per_s") for r in rows}
    found = []
    for label, num, den in RATIOS:
        if rate.get(num) and rate.get(den):
            found.append({"measure": label, "ratio": round(rate[num] / rate[den], 3)})
    return found


def table(rows, found) -> str:
    head = ("step", "ok", "s", "precision", "strategy", "xla", "ex/s", "peak GPU MiB", "error")
    body = [(r["step"], "yes" if r["ok"] else f"NO ({r['rc']})", f"{r['seconds']:.0f}",
             r.get("precision") or "", f"{r.get('strategy') or ''}"
             + (f" x{r['replicas']}" if r.get("replicas") else ""),
             "" if r.get("xla") is None else str(r["xla"]),
             "" if r.get("examples_per_s") is None else f"{r['examples_per_s']:.0f}",
             "" if r.get("peak_gpu_mb") is None else f"{r['peak_gpu_mb']:.0f}", r.get("error", ""))
            for r in rows]
    widths = [max(len(str(x)) for x in col) for col in zip(head, *body)]
    lines = ["  ".join(str(x).ljust(w) for x, w in zip(line, widths)).rstrip() for line in [head, *body]]
    lines += [""] + [f"{f['measure']}: {f['ratio']:.3f}x" for f in found]
    return "\n".join(lines)


def main(argv=None) -> dict:
    argv = sys.argv[1:] if argv is None else argv
    out_dir = Path(argv[0])
    rows = read_steps(out_dir)
    found = ratios(rows)
    gpus = (out_dir / "logs" / "nvidia-smi.csv")
    report = {"gpus": gpus.read_text().strip() if gpus.is_file() else "", "steps": rows, "ratios": found,
              "passed": sum(r["ok"] for r in rows), "failed": sum(not r["ok"] for r in rows)}
    print(report["gpus"])
    print(table(rows, found))
    print(f"\n{report['passed']} steps passed, {report['failed']} failed; JSON: {out_dir / 'gpu_check.json'}")
    (out_dir / "gpu_check.json").write_text(json.dumps(report, indent=2))
    return report


if __name__ == "__main__":
    main()
