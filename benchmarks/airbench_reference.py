"""The published airbench94 (Jordan 2024; the ``airbench`` package on PyPI,
which holds the paper's code) trained on a CPU on the same images and scored
on the same held-out block as ``airbench_vs_resnet.py``: what the method
itself reaches on this data, the yardstick of ``cifar-airbench``.

    pip install -e ".[bench]"                    # torch and the airbench package
    python benchmarks/airbench_reference.py --data DIR             # DIR/train/<class>/*.jpg, 1 seed
    python benchmarks/airbench_reference.py --data DIR --seeds 3 --precision bfloat16
    python benchmarks/airbench_reference.py --synthetic --quick   # tiny generated images (a wiring check)

The package is written for one CUDA GPU. Nothing of it is copied here; this
script runs it unchanged on the CPU by patching, for its process only, the
calls that name the GPU: ``.cuda()`` is the identity, ``.half()`` is
float32 (a CPU has no fast float16; ``--precision bfloat16`` runs the whole
training under ``torch.autocast("cpu", torch.bfloat16)`` instead, as
``cifar-airbench`` runs mixed_bfloat16, with the whitening fitted in
float32; on a 2-core AVX512-BF16 EPYC it did not learn: loss 2.29 and 14%
held out after the first epoch, where float32 is the method as published),
CUDA events time with the CPU's clock, and the data loader reads tensors on
the CPU. ``torchvision`` is
replaced by the one transform airbench uses (per-channel normalisation), so
no torchvision build has to match the CPU build of torch.

The data: benchmarks/accuracy.py's held-out block (the last 10% of each
class in natural file-name order, among the files no recipe choice was
validated on) is airbench's test set; all of the rest trains it (the method
keeps no validation split). Prints the per-epoch lines airbench prints, and
a final line of held-out accuracy (six-view test-time augmentation, the
reference's ``tta_level=2``) and training time; writes JSON.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import sys
import tempfile
import time
import types
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import measure


def _normalize_transform(torch):
    """torchvision.transforms.Normalize, the one torchvision piece airbench uses."""

    class Normalize:
        def __init__(self, mean, std):
            self.mean, self.std = torch.as_tensor(mean), torch.as_tensor(std)

        def __call__(self, x):
            shape = (-1, 1, 1)
            return (x - self.mean.to(x).view(shape)) / self.std.to(x).view(shape)

    return Normalize


def run_on_cpu(torch):
    """Patch, for this process, what airbench94 needs a CUDA GPU for."""
    torchvision = types.ModuleType("torchvision")
    torchvision.transforms = types.ModuleType("torchvision.transforms")
    torchvision.transforms.Normalize = _normalize_transform(torch)
    torchvision.datasets = types.ModuleType("torchvision.datasets")  # never reached: the data is given
    sys.modules.update({"torchvision": torchvision, "torchvision.transforms": torchvision.transforms,
                        "torchvision.datasets": torchvision.datasets})
    torch.Tensor.cuda = lambda self, *args, **kwargs: self
    torch.nn.Module.cuda = lambda self, *args, **kwargs: self
    torch.Tensor.half = lambda self, *args, **kwargs: self.float()
    torch.nn.Module.half = lambda self: self.float()

    class Event:  # torch.cuda.Event, timed by the CPU clock
        def __init__(self, *args, **kwargs):
            self.t = None

        def record(self, *args):
            self.t = time.perf_counter()

        def elapsed_time(self, end):
            return 1e3 * (end.t - self.t)

    torch.cuda.Event = Event
    torch.cuda.synchronize = lambda *args, **kwargs: None

    import airbench.utils

    # Under --precision bfloat16 the whole run is autocast; the whitening's
    # patch covariance and eigenvectors must stay float32 (as cifar-airbench
    # fits them in NumPy): in bfloat16 they gave NaN losses from the first step.
    fit_whitening = airbench.utils.init_whitening_conv

    def init_whitening_conv(layer, train_set, *args, **kwargs):
        with torch.autocast("cpu", enabled=False):
            return fit_whitening(layer, train_set.float(), *args, **kwargs)

    airbench.utils.init_whitening_conv = init_whitening_conv
    loader_init = airbench.utils.CifarLoader.__init__

    def init(self, *args, gpu=None, **kwargs):
        loader_init(self, *args, gpu="cpu", **kwargs)

    airbench.utils.CifarLoader.__init__ = init
    return airbench


def read_folder(root):
    """``(uint8 [n, 32, 32, 3], int64 [n], class names)`` of ``root/<class>/*``."""
    from PIL import Image

    names = sorted(p.name for p in Path(root).iterdir() if p.is_dir())
    images, labels = [], []
    for label, name in enumerate(names):
        for path in sorted(Path(root, name).iterdir()):
            with Image.open(path) as im:
                images.append(np.asarray(im.convert("RGB").resize((32, 32))))
            labels.append(label)
    return np.stack(images), np.array(labels, dtype=np.int64), names


def write_cifar(torch, layout, out):
    """airbench's ``cifar10/{train,test}.pt`` from the held-out layout."""
    out.mkdir(parents=True, exist_ok=True)
    counts = {}
    for split in ("train", "test"):
        x, y, names = read_folder(Path(layout, split))
        torch.save({"images": torch.tensor(x), "labels": torch.tensor(y), "classes": names},
                   out / f"{split}.pt")
        counts[split] = len(y)
    return counts


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="~/.cache/keras-recipes/data",
                        help="folder holding train/<class>/ (CIFAR-10 images)")
    parser.add_argument("--synthetic", action="store_true", help="tiny generated images")
    parser.add_argument("--quick", action="store_true",
                        help="1 epoch of batches of 32, 100 files per class")
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--epochs", type=float, default=None, help="default: the reference's 9.9")
    parser.add_argument("--precision", default="float32", choices=("float32", "bfloat16"))
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: its own)")
    parser.add_argument("--json", default=str(Path(__file__).with_name("airbench_reference.json")))
    args = parser.parse_args(argv)

    import torch

    airbench = run_on_cpu(torch)
    from accuracy import holdout_layout, summarise, synthetic_archives

    if args.threads:
        torch.set_num_threads(args.threads)
    info = measure.machine()
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        data = synthetic_archives(Path(tmp, "archives")) if args.synthetic else Path(args.data).expanduser()
        layout = holdout_layout(data / "train", Path(tmp, "holdout"), "image", "random",
                                100 if args.quick else None)
        counts = write_cifar(torch, layout, Path(tmp, "cifar10"))
        print(f"airbench94 on the CPU ({args.precision}): {counts['train']:,} training images, "
              f"{counts['test']:,} held out; load average {os.getloadavg()[0]:.1f}", flush=True)
        epochs = args.epochs or (1 if args.quick else airbench.lib_airbench94.hyp["opt"]["train_epochs"])
        cwd = os.getcwd()
        os.chdir(tmp)  # airbench reads its test set from ./cifar10/test.pt
        try:
            for seed in range(args.seeds):
                torch.manual_seed(seed)
                hyp = airbench.lib_airbench94.hyp
                batch = 32 if args.quick else hyp["opt"]["batch_size"]  # quick: a few hundred images
                loader = airbench.CifarLoader("cifar10", train=True, batch_size=batch, aug=hyp["aug"],
                                              altflip=True)
                test = airbench.CifarLoader("cifar10", train=False, batch_size=2000)
                precision = (torch.autocast("cpu", dtype=torch.bfloat16)
                             if args.precision == "bfloat16" else contextlib.nullcontext())
                started = time.perf_counter()
                with precision:
                    model = airbench.train94(loader, epochs=epochs, run=seed, verbose=True)
                    train_s = time.perf_counter() - started
                    accuracy = airbench.evaluate(model, test, tta_level=hyp["net"]["tta_level"])
                runs.append({"seed": seed, "accuracy": accuracy, "train_and_eval_s": round(train_s, 1),
                             "load_average": os.getloadavg()})
                print(f"[airbench94 reference] seed {seed}: held-out accuracy {accuracy:.4f}, "
                      f"{train_s:.0f}s (training with its per-epoch evaluations), "
                      f"load {os.getloadavg()[0]:.2f}", flush=True)
        finally:
            os.chdir(cwd)
    mean, std = summarise([r["accuracy"] for r in runs])
    result = {"machine": info, "settings": vars(args), "images": counts, "epochs": epochs,
              "torch": torch.__version__, "accuracy_mean": mean, "accuracy_std": std, "runs": runs}
    Path(args.json).write_text(json.dumps(result, indent=2, default=str))
    print(f"\n{info['cpu']}, {info['cores']} cores; {info['date']}; torch {torch.__version__}, "
          f"{args.precision}: held-out accuracy {100 * mean:.2f} +- {100 * std:.2f}% over "
          f"{len(runs)} seed(s), median time {statistics.median(r['train_and_eval_s'] for r in runs):.0f}s\n"
          f"wrote {args.json}")
    return result


if __name__ == "__main__":
    main()
