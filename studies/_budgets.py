"""Budget settings the CIFAR-10 studies share (data, not code).

The CPU budgets train on a seeded, class-balanced subset of the training
images (``data.train_examples``) and keep a whole 10% validation split
(5,000 images), so the held-out numbers are not noisier for the subset.
The GPU budgets train on everything, at the paper's length where it has one.
"""

# 10% of CIFAR-10's training archive held out (5,000 images, stratified, seeded).
CIFAR_VALIDATION = {"data.val_fraction": 0.1}
# About a quarter of an hour of CPU training for a handful of ResNet-20-sized runs.
CIFAR_CPU_SUBSET = {**CIFAR_VALIDATION, "data.train_examples": 10_000}
